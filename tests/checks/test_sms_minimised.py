"""Issue 18: the checks that read SMS metadata and accounts reach the same verdict on the
minimised data (adb/privacy.py) as on the rows the phone gave, and nothing of the
people in them reaches a finding.

Raw `content query` and `dumpsys account` outputs are written here by hand, minimised
with the real knowledge base's vendor SMS services, parsed by the real parsers, and
the SMS and accounts put beside a Xiaomi package list."""

from __future__ import annotations

from adb.capture import RawCapture, RawOutput
from adb.parsers import commands as C
from adb.parsers.build_snapshot import build_snapshot
from adb.privacy import minimise_raw
from checks.apps import sms_access
from checks.knowledge import load
from checks.ncsc import cloud_sms_registration
from model.findings import Status

SEND_SMS = "android.permission.SEND_SMS"
AT = "2026-01-01T00:00:00Z"
PERSON = "+37069917731"
PERSON_NAME = "zqx.person.marker@example.org"
#: a made-up registration number: the real one is not public (adb/privacy.py)
VENDOR_NUMBER = "+8610690000123"

SMS_ROWS = (
    f"Row: 0 _id=11, thread_id=1, address={PERSON}1, date=1632300000001, type=1, read=1, seen=1, "
    "creator=com.android.mms\n"
    f"Row: 1 _id=12, thread_id=1, address={PERSON}1, date=1632300000002, type=2, read=1, seen=1, "
    "creator=com.android.mms\n"
    f"Row: 2 _id=13, thread_id=9, address={VENDOR_NUMBER}, date=1632300000000, type=2, read=1, seen=1, "
    "creator=com.miui.cloudservice\n"
    f"Row: 3 _id=14, thread_id=2, address={PERSON}2, date=1632300000003, type=1, read=1, seen=1, "
    "creator=com.android.mms\n"
)
ACCOUNTS = (
    "Accounts: 2\n"
    f"    Account {{name={PERSON_NAME}, type=com.xiaomi}}\n"
    f"    Account {{name=second.{PERSON_NAME}, type=com.google}}\n"
    "\n"
    "AccountManagerService history:\n"
    f"  x,action_account_add,{PERSON_NAME}\n"
)


def _raw() -> RawCapture:
    return RawCapture("s1", AT, (
        RawOutput(C.line(C.sms_query(C.SMS_COLUMNS)), SMS_ROWS.encode(), b"", 0, AT),
        RawOutput(C.line(C.DUMPSYS_ACCOUNT), ACCOUNTS.encode(), b"", 0, AT),
    ))


def _inputs(f, raw: RawCapture):
    parsed = build_snapshot(raw)
    cloud = f.pkg("com.miui.cloudservice", system=True, granted=[SEND_SMS])
    mms = f.pkg("com.android.mms", system=True, granted=[SEND_SMS])
    snap = f.snap([cloud, mms, f.pkg("com.xiaomi.account", system=True)],
                  accounts=parsed.accounts, sms=parsed.sms)
    return f.inp(snap, kb=load())


def _all_text(r) -> str:
    return "\n".join([r.summary, *(f"{e.source} {e.detail} {e.command}" for e in r.evidence)])


def test_cloud_sms_verdict_is_the_same_on_minimised_rows(f):
    kb = load()
    vendors = [s.package for s in kb.vendor_sms_services]
    assert "com.miui.cloudservice" in vendors
    raw = _raw()
    small = minimise_raw(raw, vendors)
    full = cloud_sms_registration.evaluate(_inputs(f, raw))
    kept = cloud_sms_registration.evaluate(_inputs(f, small))
    assert kept.status is Status.FAIL and full.status is Status.FAIL
    assert kept.summary == full.summary and kept.evidence == full.evidence
    text = _all_text(kept)
    # written by hand from SMS_ROWS: 2 inbox, 2 sent; row 13 by the cloud service
    assert "inbox: 2, sent: 2" in text
    assert f"sent message #13 to {VENDOR_NUMBER} on 2021-09-22" in text
    assert "written by com.miui.cloudservice" in text
    assert "1 xiaomi account(s) signed in" in text
    # the test can fail: the raw rows hold the person's numbers and name
    assert PERSON.encode() in raw.outputs[0].stdout and PERSON_NAME.encode() in raw.outputs[1].stdout
    for out in small.outputs:
        assert PERSON.encode() not in out.stdout and PERSON_NAME.encode() not in out.stdout
    assert PERSON not in text and PERSON_NAME not in text


def test_sms_access_verdict_is_the_same_on_minimised_rows(f):
    vendors = [s.package for s in load().vendor_sms_services]
    full = sms_access.evaluate(_inputs(f, _raw()))
    kept = sms_access.evaluate(_inputs(f, minimise_raw(_raw(), vendors)))
    assert (kept.status, kept.summary, kept.evidence) == (full.status, full.summary, full.evidence)
