"""The customer report (audit/reports/customer_report.py): page one says what is wrong and
what to do, in at most two A4 pages before the appendix, checked by printing it in headless
Chromium; phone text is escaped; the customer's name goes into this file only.

tests/scan/test_scan.py prints the customer report of every built-in phone the same way."""

from __future__ import annotations

import json
from pathlib import Path

from audit.reports import customer_report
from support.customer_print import check_printed

FIXTURE = Path(__file__).parents[1] / "tui" / "fixtures" / "xiaomi.json"


def xiaomi() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))["report"]


def test_xiaomi_customer_report_prints_in_two_pages_with_the_actions_on_page_one(tmp_path, browser):
    r = xiaomi()
    html = customer_report.render(r, ticket="T-1042", customer="Ana Pérez", technician="Sam")
    check_printed(html, r, tmp_path, browser, fields=("T-1042", "Ana Pérez", "Sam"))


def test_customer_report_escapes_phone_text_and_lists_what_was_done():
    r = xiaomi()
    r["device"]["model"] = '<script>alert(1)</script>'
    r["findings"][1]["summary"] = "<img src=x onerror=alert(1)>"
    html = customer_report.render(r, customer="<b>Eve</b>", done=["Disabled Mi Browser", "<i>x</i>"])
    assert "<script" not in html and "<img" not in html and "<b>Eve" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;Eve&lt;/b&gt;" in html
    assert "<li>Disabled Mi Browser</li>" in html and "&lt;i&gt;x&lt;/i&gt;" in html
    # without --done, ruled lines to write on
    assert 'class="ruled"' in customer_report.render(r)
    # the appendix holds the evidence, after a page break
    i = html.index('class="appendix"')
    assert "break-before: page" in customer_report.CSS
    assert "adb shell pm path" in html[i:] or "adb shell dumpsys" in html[i:]


def test_a_clean_phone_says_so_and_has_nothing_to_do():
    r = xiaomi()
    for f in r["findings"]:
        f["status"] = "pass"
    html = customer_report.render(r)
    assert "No problem found: every check looked and found nothing" in html
    assert "Nothing to do." in html and customer_report.TOP_ACTIONS_END in html
