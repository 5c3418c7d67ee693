"""The plain summary names what an inconclusive check is missing, and ends with the
list of facts that could not be read (a capture whose `dumpsys device_policy` was
refused with the text AOSP's DumpUtils prints)."""

from __future__ import annotations

from checks import knowledge
from tests.evidence.replay import capture, verdicts, with_output
from audit.reports import missing_facts
from audit.reports.terminal_text import plain

REFUSAL = (b"Permission Denial: can't dump device_policy from from pid=4242, uid=2000 "
           b"due to missing android.permission.DUMP permission\n")


def test_refused_device_policy_is_named_in_the_summary():
    raw = with_output(capture("pixel-clean"), "dumpsys device_policy", stdout=REFUSAL)
    got = verdicts(raw, knowledge.load())
    admin = got["apps.device-admin"]
    assert admin.status.value == "inconclusive"
    assert admin.missing[0]["fact"] == "dumpsys device_policy"
    assert admin.missing[0]["state"] == "refused"
    assert admin.missing[0]["command"] == "adb shell dumpsys device_policy"
    report = {"findings": [f.to_dict() for f in got.values()]}
    under = missing_facts.under_finding(admin.to_dict(), plain)
    assert len(under) == 1 and "Permission Denial: can't dump device_policy" in under[0]
    closing = missing_facts.closing(report, plain)
    assert closing[0] == "facts that could not be read:"
    assert len(closing) == 2 and "adb shell dumpsys device_policy" in closing[1]
