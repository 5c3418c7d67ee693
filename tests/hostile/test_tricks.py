"""Phones that try to talk their way to a clean verdict, and phones that keep a fact where
an older Android keeps it (issue 12, "Evidence before verdict").

Each phone of `profiles.TRICK_BUILDERS` is audited twice:

- in process (`tests.evidence.replay`: the real collection plan against the simulator's
  shell, the real parsers and checks), fast, for the checks that need no APK;
- end to end: served by the simulator over the adb device protocol, registered with the
  real adb server, audited by `phone-audit scan --json` in a subprocess (APKs pulled and
  inspected with androguard), and judged from the JSON report.

The expected verdicts (`Hostile.extra["expect"]`, `["subjects"]`, `["words"]`) are what a
careful human auditor says of each phone, written by hand in profiles.py from the profile
itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import profiles as P
from checks import knowledge
from tests.evidence.replay import capture, verdicts

BUILDERS = {b.__name__.replace("_", "-"): b for b in P.TRICK_BUILDERS}


@pytest.fixture(scope="module")
def kb():
    return knowledge.load()


def _judge(h: P.Hostile, got: dict[str, tuple[str, tuple[str, ...], str]], where: str) -> None:
    """got: check id -> (status, subjects, summary)."""
    for check, status in h.extra["expect"].items():
        have, subjects, summary = got[check]
        assert have == status, (where, h.name, check, have, summary)
        want = h.extra["subjects"].get(check)
        if want is not None:
            assert sorted(subjects) == sorted(want), (where, h.name, check, subjects)
        for word in h.extra.get("words", ()):
            assert word in summary, (where, h.name, check, word, summary)


@pytest.mark.parametrize("name", BUILDERS)
def test_trick_in_process(name, tmp_path, kb):
    h = BUILDERS[name](tmp_path)
    found = verdicts(capture(str(h.folder)), kb)
    got = {c: (f.status.value, f.subjects, f.summary) for c, f in found.items()}
    if h.extra.get("needs_apks"):
        # no APK is read in process: the check must not pass on code it never saw
        for check in h.extra["expect"]:
            assert got[check][0] not in ("pass", "not_applicable"), (name, check, got[check])
        return
    _judge(h, got, "in process")


def test_old_android_reads_facts_where_that_version_keeps_them(tmp_path, kb):
    """Android 5.1 answers `pm list packages -U` with an error (the audit falls back to
    `-f -i -u`) and lists permissions as `grantedPermissions:`; the SMS reader holds
    READ_SMS there, and unknown sources is the secure setting."""
    raw = capture(str(P.android5(tmp_path).folder))
    used = [o.command for o in raw.outputs if o.command.startswith("pm list packages -f")]
    assert used == ["pm list packages -f -i -U -u --show-versioncode", "pm list packages -f -i -U -u",
                    "pm list packages -f -i -u"]
    dump = raw.get("dumpsys package").stdout.decode()
    assert "    grantedPermissions:\n      android.permission.READ_SMS\n" in dump
    assert "runtime permissions:" not in dump
    from adb.parsers.build_snapshot import build_snapshot

    snap = build_snapshot(raw)
    assert snap.package("com.sms.reader").holds("android.permission.READ_SMS")
    assert snap.facts["pm list packages"].read


def _scan_one(adb_server, root: Path, name: str) -> tuple[int, bytes, dict | None]:
    """One trick phone served by the simulator, registered with the real adb server and
    audited by `phone-audit scan -s SERIAL --json` in a subprocess: (exit code, stderr,
    the JSON report or None)."""
    from simulator import SimulatedPhone
    from support.adbenv import SimPhoneHandle

    folder = root / name
    h = BUILDERS[name](folder / "profiles")
    phone = SimulatedPhone(str(h.folder)).start()
    handle = SimPhoneHandle(phone=phone, adb=adb_server, log_path=None, expected_state="device")
    out = folder / "r.json"
    env = dict(adb_server.env)
    env.pop("PYTHONWARNINGS", None)
    env.update({"HOME": str(folder / "home"), "XDG_CACHE_HOME": str(folder / "home" / ".cache"),
                "XDG_DATA_HOME": str(folder / "home" / ".local/share"),
                "PHONE_AUDIT_DB": str(folder / "history.sqlite3")})
    (folder / "home").mkdir()
    try:
        handle.register()
        run = subprocess.run([sys.executable, "-m", "tui.cli", "scan", "-s", phone.serial, "--json", str(out)],
                             env=env, capture_output=True, timeout=600)
    finally:
        handle.close()
    report = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else None
    return run.returncode, run.stderr, report


@pytest.fixture(scope="module")
def trick_scans(adb_server, tmp_path_factory) -> dict[str, tuple[int, bytes, dict | None]]:
    """Every trick phone scanned end to end, three at a time (each with its own phone,
    history and HOME), as the hostile session fixture does: ten scans one after the other
    took 85 s, mostly each scan's own start-up."""
    root = tmp_path_factory.mktemp("trick-scans")
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(_scan_one, adb_server, root, name) for name in BUILDERS}
        return {name: f.result() for name, f in futures.items()}


@pytest.mark.adb
@pytest.mark.timeout(900)  # the first test carries the module fixture's ten scans
@pytest.mark.parametrize("name", BUILDERS)
def test_trick_scanned_through_adb(name, tmp_path, trick_scans):
    h = BUILDERS[name](tmp_path / "profiles")
    code, stderr, report = trick_scans[name]
    assert code in h.exits, (code, stderr[-2000:])
    assert report is not None, stderr[-2000:]
    assert report["complete"] is True, report["problems"]
    got = {f["check"]: (f["status"], tuple(f.get("subjects", ())), f["summary"]) for f in report["findings"]}
    _judge(h, got, "scan")


def test_work_profile_settings_refused_is_not_a_pass(tmp_path, kb):
    """user 10's settings refused: the accessibility check cannot pass on user 0's alone,
    nor can the notification-listener check (user 10 keeps its own listeners) or the SMS
    check once it has nothing else to fail on (user 10 keeps its own default SMS app)."""
    from tests.evidence.replay import with_output

    raw = capture(str(P.work_profile(tmp_path).folder))
    line = "settings --user 10 list secure"
    assert raw.get(line) is not None  # the audit asked for the work profile's own settings
    refused = with_output(raw, line, stdout=b"", stderr=b"Security exception: Shell does not have permission "
                                                       b"to access user 10\n", exit_code=255)
    a11y = verdicts(refused, kb)["apps.accessibility"]
    assert a11y.status.value == "inconclusive", a11y.summary
    assert a11y.missing[0]["fact"] == "settings secure (user 10)"
    assert a11y.missing[0]["command"] == "adb shell settings --user 10 list secure"
    listeners = verdicts(refused, kb)["apps.notification-listeners"]
    assert listeners.status.value == "inconclusive", listeners.summary
    assert listeners.missing[0]["fact"] == "settings secure (user 10)"
    # with the watcher gone from the dump, nothing in user 0 holds SMS: without user 10's
    # settings the SMS check cannot say "only your SMS app"
    dump = raw.get("dumpsys package").stdout
    start = dump.index(b"  Package [com.work.watcher]")
    end = dump.index(b"  Package [", start + 1)
    no_watcher = with_output(refused, "dumpsys package", stdout=dump[:start] + dump[end:])
    sms = verdicts(no_watcher, kb)["apps.sms-access"]
    assert sms.status.value == "inconclusive", sms.summary
