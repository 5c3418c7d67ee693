"""Issue 18: personal values the audit reads (SMS correspondents' numbers, account
names) are minimised before anything is written.

The same method as the SMS-body test: a simulated phone carries marker strings in every
SMS address and account name; after a scan (JSON, HTML, capture, history database) and a
re-analysis of the capture, no file the scans wrote, no database byte (file and WAL) and
nothing printed holds a marker, while the counts a verdict needs are still there.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

from adb.capture import RawCapture, RawOutput, load_capture
from adb.parsers.build_snapshot import build_snapshot
from adb.parsers import commands as C
from adb.privacy import POLICY, POLICY_VERSION, minimise_raw
import profiles as P
from conftest import _audit_one, scan_env


def _statuses(report: dict) -> dict[str, str]:
    return {f["check"]: f["status"] for f in report["findings"]}


def test_sms_numbers_and_account_names_are_never_kept(adb_server, short_tmp):
    hostile = P.personal_markers(short_tmp / "profiles")
    run = _audit_one(adb_server, short_tmp / "runs", hostile)
    assert run.code in (0, 1, 2), run.explain()
    again = short_tmp / "again"
    for sub in ("home", "cwd", "tmp", "out"):
        (again / sub).mkdir(parents=True)
    re_run = subprocess.run(
        [sys.executable, "-m", "tui.cli", "scan", "--capture-in", str(run.out / "capture"),
         "--json", str(again / "out" / "r.json"), "--html", str(again / "out" / "r.html"),
         "--db", str(again / "out" / "history.sqlite3")],
        env=scan_env(adb_server, again), cwd=again / "cwd", capture_output=True, timeout=300)
    assert re_run.returncode == run.code, re_run.stderr
    # the re-analysis of the minimised capture gives the same verdicts
    report2 = json.loads((again / "out" / "r.json").read_text(encoding="utf-8"))
    assert _statuses(report2) == _statuses(run.report)

    markers = [m.encode() for m in hostile.extra["markers"]]
    # the phone really served them (the test could fail): its profile holds every marker
    profile = (hostile.folder / "profile.toml").read_bytes()
    assert all(m in profile for m in markers)
    written = [p for top in (run.folder, again) for p in top.rglob("*")
               if p.is_file() and p.name != "phone.jsonl"]
    assert any(p.name.endswith("-wal") or p.suffix == ".sqlite3" for p in written)
    for path in written:
        data = path.read_bytes()
        for m in markers:
            assert m not in data, (path, m)
    for m in markers:
        assert m not in run.stdout + run.stderr + re_run.stdout + re_run.stderr
    with sqlite3.connect(run.out / "history.sqlite3") as db:
        for (table,) in db.execute("select name from sqlite_master where type='table'"):
            for row in db.execute(f'select * from "{table}"'):
                assert all(m.decode() not in str(v) for v in row for m in markers), (table, row)

    manifest = json.loads((run.out / "capture" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["minimised"] == POLICY_VERSION
    # what a verdict needs is kept: 4 messages (2 sent, 2 inbox) by one app, 2 Google accounts
    snap = build_snapshot(load_capture(run.out / "capture"))
    assert snap.sms.readable and len(snap.sms.messages) == 4
    assert snap.sms.count("sent") == 2 and snap.sms.count("inbox") == 2
    assert {m.creator for m in snap.sms.messages} == {"com.google.android.apps.messaging"}
    assert all(m.address is None and m.date is None for m in snap.sms.messages)
    assert [a.type for a in snap.accounts] == ["com.google", "com.google"]


def _sms_raw(rows: str) -> RawCapture:
    cmd = C.line(C.sms_query(C.SMS_COLUMNS))
    return RawCapture("s1", "2026-01-01T00:00:00Z",
                      (RawOutput(cmd, rows.encode(), b"", 0, "2026-01-01T00:00:00Z"),))


def test_a_vendor_written_row_keeps_its_number_others_lose_theirs():
    rows = ("Row: 0 _id=7, thread_id=3, address=+8610690000, date=1632300000000, type=2, read=1, seen=1, "
            "creator=com.vendor.cloud\n"
            "Row: 1 _id=8, thread_id=4, address=+3701234567, date=1632300000001, type=1, read=1, seen=1, "
            "creator=com.other.app\n")
    raw = minimise_raw(_sms_raw(rows), ["com.vendor.cloud"])
    assert raw.minimised == POLICY_VERSION
    text = raw.outputs[0].stdout.decode()
    assert "+3701234567" not in text and "1632300000001" not in text and "thread_id=4" not in text
    msgs = build_snapshot(raw).sms.messages
    assert [(m.id, m.box, m.address, m.date, m.creator) for m in msgs] == [
        ("7", "sent", "+8610690000", "1632300000000", "com.vendor.cloud"),
        ("8", "inbox", None, None, "com.other.app"),
    ]
    # idempotent: minimising a minimised capture changes nothing
    assert minimise_raw(raw, ["com.vendor.cloud"]) == raw


def test_every_sms_column_read_has_a_declared_policy():
    assert {f"sms.{c}" for c in C.SMS_COLUMNS} <= set(POLICY)
    assert {"account.name", "account.type"} <= set(POLICY)


def test_no_sms_stays_an_answer_after_minimising():
    # `content query` prints this for an empty cursor; an empty stdout would read as
    # "not understood" in the ledger and make every audit of a phone without SMS incomplete
    raw = minimise_raw(_sms_raw("No result found.\n"), [])
    assert raw.outputs[0].stdout == b"No result found.\n"
    assert build_snapshot(raw).facts["sms"].state == "read"
    assert minimise_raw(raw, []) == raw
