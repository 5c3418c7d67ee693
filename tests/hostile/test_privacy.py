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


#: both verdicts a phone trusting one unknown key gives: another computer (this one's key
#: read), or one it cannot place (this computer's adbkey.pub not readable by the scan)
ADB_KEY_WORDS = "trusted for USB debugging"


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
    # the computer the phone trusts (issue 15) is kept as its fingerprint alone
    assert len(snap.adb_keys) == 1 and len(snap.adb_keys[0].fingerprint) == 47
    trusted = next(f for f in run.report["findings"] if f["check"] == "os.adb-trusted-computers")
    assert trusted["status"] in ("warn", "inconclusive") and ADB_KEY_WORDS in trusted["summary"]


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
    assert "_id=8" not in text  # a non-vendor row's id would only tell its order
    msgs = build_snapshot(raw).sms.messages
    assert [(m.id, m.box, m.address, m.date, m.creator) for m in msgs] == [
        ("7", "sent", "+8610690000", "1632300000000", "com.vendor.cloud"),
        ("", "inbox", None, None, "com.other.app"),
    ]
    # idempotent: minimising a minimised capture changes nothing
    assert minimise_raw(raw, ["com.vendor.cloud"]) == raw


def test_every_sms_column_read_has_a_declared_policy():
    assert {f"sms.{c}" for c in C.SMS_COLUMNS} <= set(POLICY)
    assert {"account.name", "account.type"} <= set(POLICY)


def test_other_rows_become_counts_in_a_fixed_order():
    """Rows not written by a vendor service keep only (box, app): counts, sorted, so the
    provider's order (the order the messages came in) is gone; vendor rows come first."""
    rows = ("Row: 0 _id=1, thread_id=1, address=+3701, date=1, type=2, read=1, seen=1, creator=com.b\n"
            "Row: 1 _id=2, thread_id=1, address=+3702, date=2, type=1, read=1, seen=1, creator=com.a\n"
            "Row: 2 _id=3, thread_id=2, address=+8610, date=3, type=2, read=1, seen=1, "
            "creator=com.vendor.cloud\n"
            "Row: 3 _id=4, thread_id=3, address=+3703, date=4, type=2, read=1, seen=1, creator=com.a\n"
            "Row: 4 _id=5, thread_id=3, address=+3704, date=5, type=1, read=1, seen=1, creator=com.a\n")
    raw = minimise_raw(_sms_raw(rows), ["com.vendor.cloud"])
    msgs = build_snapshot(raw).sms.messages
    # written by hand: type 1 = inbox, 2 = sent; sorted by raw type then app
    assert [(m.id, m.box, m.address, m.creator) for m in msgs] == [
        ("3", "sent", "+8610", "com.vendor.cloud"),
        ("", "inbox", None, "com.a"), ("", "inbox", None, "com.a"),
        ("", "sent", None, "com.a"), ("", "sent", None, "com.b"),
    ]
    assert all(m.date is None for m in msgs[1:])
    assert minimise_raw(raw, ["com.vendor.cloud"]) == raw


def _scan(adb_server, folder, *args: str) -> subprocess.CompletedProcess:
    for sub in ("home", "cwd", "tmp", "out"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return subprocess.run([sys.executable, "-m", "tui.cli", "scan", *map(str, args)],
                          env=scan_env(adb_server, folder), cwd=folder / "cwd",
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=300)


def test_a_capture_sealed_to_a_key_opens_only_with_its_identity(adb_server, short_tmp):
    tmp_path = short_tmp  # the inspection pool's socket needs a short folder name
    """`--capture-to-key` writes one age file with no marker and no plaintext manifest;
    `--capture-in FILE --identity` gives the same verdicts; a wrong identity is refused
    with exit 2 and a message, and the sealed file is left as it was."""
    import pyrage

    hostile = P.personal_markers(tmp_path / "profiles")
    key = pyrage.x25519.Identity.generate()
    ident = tmp_path / "identity.txt"
    ident.write_text(f"# made by the test\n{key}\n", encoding="utf-8")
    recipients = tmp_path / "recipients.txt"
    recipients.write_text(f"# the bench's key\n{key.to_public()}\n", encoding="utf-8")

    live = tmp_path / "live"
    sealed = live / "out" / "capture.age"
    ran = _scan(adb_server, live, "--demo", hostile.folder, "--capture", sealed,
                "--capture-to-key", recipients, "--json", live / "out" / "r.json")
    assert ran.returncode in (0, 1), ran.stderr
    data = sealed.read_bytes()
    assert data.startswith(b"age-encryption.org/v1\n")
    for plain in (b"manifest", b"phone-audit.capture", b"content query", b"Accounts:",
                  *(m.encode() for m in hostile.extra["markers"])):
        assert plain not in data, plain
    assert (sealed.stat().st_mode & 0o777) == 0o600
    # only the sealed file is left: the plaintext folder went with its temporary folder
    left = [p for p in live.rglob("*") if p.is_file()]
    assert sealed in left
    assert not [p for p in left if p.name == "manifest.json" or p.suffix in (".stdout", ".stderr")]
    assert list((live / "tmp").iterdir()) == []

    other = tmp_path / "other.txt"
    other.write_text(f"{pyrage.x25519.Identity.generate()}\n", encoding="utf-8")
    away = tmp_path / "away"
    wrong = _scan(adb_server, away, "--capture-in", sealed, "--identity", other,
                  "--db", away / "out" / "h.sqlite3")
    assert wrong.returncode == 2, wrong.stderr
    assert b"cannot be opened with the identity given" in wrong.stderr
    assert sealed.read_bytes() == data
    none = _scan(adb_server, away, "--capture-in", sealed, "--db", away / "out" / "h.sqlite3")
    assert none.returncode == 2 and b"give --identity" in none.stderr

    opened = _scan(adb_server, away, "--capture-in", sealed, "--identity", ident,
                   "--json", away / "out" / "r.json", "--db", away / "out" / "h.sqlite3")
    assert opened.returncode == ran.returncode, opened.stderr
    before = json.loads((live / "out" / "r.json").read_text(encoding="utf-8"))
    after = json.loads((away / "out" / "r.json").read_text(encoding="utf-8"))
    assert _statuses(after) == _statuses(before)
    assert after["findings"] == before["findings"]
    assert list((away / "tmp").iterdir()) == []


def test_a_wrong_capture_key_is_refused_before_any_phone_is_read(adb_server, tmp_path):
    hostile = P.personal_markers(tmp_path / "profiles")
    for bad in ("age1notakey", str(tmp_path / "missing.txt")):
        ran = _scan(adb_server, tmp_path / "run", "--demo", hostile.folder,
                    "--capture", tmp_path / "run" / "out" / "c.age", "--capture-to-key", bad)
        assert ran.returncode == 2, ran.stderr
        assert b"--capture-to-key" in ran.stderr
        assert not (tmp_path / "run" / "out" / "c.age").exists()
    ran = _scan(adb_server, tmp_path / "run", "--demo", hostile.folder, "--capture-to-key", "age1x")
    assert ran.returncode == 2 and b"needs --capture" in ran.stderr


def test_no_sms_stays_an_answer_after_minimising():
    # `content query` prints this for an empty cursor; an empty stdout would read as
    # "not understood" in the ledger and make every audit of a phone without SMS incomplete
    raw = minimise_raw(_sms_raw("No result found.\n"), [])
    assert raw.outputs[0].stdout == b"No result found.\n"
    assert build_snapshot(raw).facts["sms"].state == "read"
    assert minimise_raw(raw, []) == raw


def test_trusted_adb_keys_keep_their_fingerprints_and_lose_user_at_host():
    """Issue 15: `dumpsys adb` prints each trusted key with the `user@host` of the computer
    (a person and their machine). The capture keeps the fingerprint and the last
    connection only (sample: tests/device/fixtures/real/dumpsys_adb_android13.txt)."""
    from pathlib import Path

    sample = (Path(__file__).parents[1] / "device" / "fixtures" / "real" / "dumpsys_adb_android13.txt").read_bytes()
    assert b"alice@alice-laptop" in sample and b"bench@repair-shop-pc" in sample
    raw = RawCapture("s1", "2026-01-01T00:00:00Z",
                     (RawOutput(C.line(C.DUMPSYS_ADB), sample, b"", 0, "2026-01-01T00:00:00Z"),))
    kept = minimise_raw(raw, [])
    text = kept.outputs[0].stdout
    for gone in (b"alice", b"laptop", b"bench", b"repair-shop", b"QAAAA"):
        assert gone not in text, gone
    assert [(k.fingerprint, k.last_connection) for k in build_snapshot(kept).adb_keys] == [
        ("C1:E7:19:07:3E:85:CC:44:90:0C:6E:93:83:D0:74:3B", "1700000000000"),
        ("3E:FF:90:1F:6D:3E:02:10:D4:30:B5:6B:18:D4:F4:CD", "1628501829898")]
    assert minimise_raw(kept, []) == kept
    assert {"adb_key.comment", "adb_key.key"} <= set(POLICY)


def test_netstats_keeps_traffic_per_uid_and_drops_the_network_names():
    # the xiaomi phone's netstats names its Wi-Fi "Home-5G" and a SIM prefix: after
    # minimising neither is left, and the bytes per uid read back the same
    from tests.evidence.replay import capture

    raw = capture("xiaomi-mi10t")
    before = build_snapshot(raw).activity.network
    out = minimise_raw(raw, [])
    text = out.get(C.line(C.DUMPSYS_NETSTATS)).stdout
    assert b"Home-5G" in raw.get(C.line(C.DUMPSYS_NETSTATS)).stdout
    assert b"Home-5G" not in text and b"subscriberId" not in text and b"networkId" not in text
    assert build_snapshot(out).activity.network == before
    assert build_snapshot(out).facts["dumpsys netstats"].state == "read"
    assert minimise_raw(out, []) == out
    assert POLICY["netstats.ident"][0] == "drop"
