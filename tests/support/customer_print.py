"""Printing a customer report in headless Chromium and checking its pages (used by
tests/reports/test_customer_report.py and tests/scan/test_scan.py)."""

from __future__ import annotations

from pathlib import Path

from audit import ranking
from audit.reports import customer_report


def check_printed(html: str, report: dict, tmp_path: Path, browser, fields=(), name: str = "r") -> None:
    """What the customer report `html` of `report` must do in print: at most two A4
    pages before the appendix; the verdict, the top actions (with their first commands)
    and `fields` on page one; the appendix on pages of its own."""
    # without the appendix: one or two A4 pages
    short = tmp_path / f"{name}-short.html"
    short.write_text(html[: html.index(f'<div class="appendix" id="{customer_report.APPENDIX_ID}">')]
                     + "</body></html>\n", encoding="utf-8")
    pdf = browser.print_pdf(short, tmp_path / f"{name}-short.pdf")
    assert 1 <= browser.pdf_pages(pdf) <= 2
    assert set(browser.pdf_page_sizes_mm(pdf)) == {(210, 297)}
    # everything up to the end of the top actions fits on page one: the phone, the
    # verdict and the most serious things to do are what the first page shows
    head = tmp_path / f"{name}-head.html"
    head.write_text(html[: html.index(customer_report.TOP_ACTIONS_END)] + "</ol></div></body></html>\n",
                    encoding="utf-8")
    assert browser.pdf_pages(browser.print_pdf(head, tmp_path / f"{name}-head.pdf")) == 1
    text, tags = browser.page_text_and_tags(browser.dump_dom(head))
    assert "script" not in tags
    assert ranking.verdict(report).split(" (")[0] in text
    for a in ranking.actions(report)[: ranking.TOP]:
        assert a.title in text
        for c in a.commands[: customer_report.PAGE_ONE_COMMANDS]:
            assert c.do in text
    for value in fields:
        assert value in text
    # the appendix starts on a page of its own
    full = tmp_path / f"{name}.html"
    full.write_text(html, encoding="utf-8")
    assert browser.pdf_pages(browser.print_pdf(full, tmp_path / f"{name}.pdf")) > browser.pdf_pages(pdf)
