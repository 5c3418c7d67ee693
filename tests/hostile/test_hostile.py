"""The auditor survives any phone, changes nothing, leaks nothing (SECURITY.md).

Every hostile profile (profiles.py), one hostile profile again through `scan --demo`,
and every built-in profile are audited once per session by `hostile_runs`
(conftest.py); each test here judges one guarantee over all of them, then the
per-attack tests check what each attack specifically must (and must not) do.
"""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

import profiles as P
from conftest import ALL_RUNS, BUILTIN, DEMO, HOSTILE, OUTPUTS, Run
from adb import allowlist
from adb.capture import load_capture
from adb.parsers.build_snapshot import build_snapshot

pytestmark = pytest.mark.adb

#: peak RSS allowed for the scan process and for any of its inspection workers
MAX_RSS = 600 << 20


def _run(hostile_runs, name) -> Run:
    return hostile_runs[name]


# --------------------------------------------------------------------------- every run


@pytest.mark.parametrize("name", ALL_RUNS)
def test_the_audit_ends_with_a_report_and_the_right_exit_code(hostile_runs, name):
    run = _run(hostile_runs, name)
    h = run.hostile
    assert run.code in h.exits, run.explain()
    assert b"Traceback" not in run.stderr, run.explain()
    report = run.report  # written even for an incomplete audit (schema-checked below)
    from audit.reports.json_report import validate_report
    from checks.registry import catalogue

    validate_report(report)
    if h.complete is not None:
        assert report["complete"] is h.complete, run.explain()
    assert report["complete"] == (run.code in (0, 1)), run.explain()
    assert sorted(f["check"] for f in report["findings"]) == sorted(m.id for m in catalogue())
    if h.reason:
        assert any(h.reason in p["reason"] for p in report["problems"]), report["problems"]
    if not report["complete"]:
        assert report["problems"], "an incomplete audit must say why"
        assert b"INCOMPLETE" in run.stdout
    # the history database holds the audit, closed (never left "running")
    with sqlite3.connect(run.out / "history.sqlite3") as db:
        statuses = [r[0] for r in db.execute("select status from audits")]
    assert statuses == ["complete" if report["complete"] else "incomplete"]


@pytest.mark.parametrize("name", ALL_RUNS)
def test_nothing_is_written_outside_the_store_capture_and_report_paths(hostile_runs, name):
    run = _run(hostile_runs, name)
    for place in ("home", "cwd", "tmp"):
        assert run.after[place] == run.before[place], (place, run.after[place] ^ run.before[place])
    allowed = set(OUTPUTS) | {"history.sqlite3-wal", "history.sqlite3-shm", "tmp", "simulator-apks"}
    assert {p.name for p in run.out.iterdir()} <= allowed
    # the store's scratch folder for pulled APKs is emptied
    scratch = run.out / "tmp"
    assert not scratch.exists() or not any(scratch.rglob("*.apk")), list(scratch.rglob("*"))
    # the capture holds only files named by the capture writer, never by the phone
    for f in (run.out / "capture").iterdir():
        assert re.fullmatch(r"[0-9]{4}-[a-z0-9-]{0,48}\.(stdout|stderr)|manifest\.json|apks\.json|[a-z0-9_.-]+",
                            f.name), f.name


@pytest.mark.parametrize("name", ALL_RUNS)
def test_memory_stays_bounded(hostile_runs, name):
    run = _run(hostile_runs, name)
    assert 0 < run.peak_rss < MAX_RSS, f"{run.peak_rss >> 20} MiB"
    assert run.peak_child_rss < MAX_RSS, f"{run.peak_child_rss >> 20} MiB"


@pytest.mark.parametrize("name", ALL_RUNS)
def test_the_terminal_is_left_clean(hostile_runs, name):
    run = _run(hostile_runs, name)
    text = run.stdout.decode("utf-8") + run.stderr.decode("utf-8")  # valid UTF-8 too
    for bad in P.FORBIDDEN_ON_TERMINAL:
        assert bad not in text, (bad, run.explain())
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text), run.explain()


def _canonical(line: str) -> str:
    """The line the gate would send for the argvs it runs: every word shlex-quoted, the
    batch markers verbatim (stdout markers carry `$?`, stderr markers `>&2`)."""
    parts = []
    for argv in allowlist.split_command_line(line):
        if argv[0] == "echo" and len(argv) == 2 and allowlist.MARKER_RE.fullmatch(argv[1]):
            parts.append(f"echo {argv[1]}" + ("" if argv[1].endswith("_$?") else " >&2"))
        else:
            parts.append(allowlist.quote_argv(argv))
    return "; ".join(parts)


@pytest.mark.parametrize("name", [n for n in ALL_RUNS if n != DEMO])
def test_read_only_every_request_is_allowlisted_and_quoted(hostile_runs, name):
    """Read-only by proof: the phone's own log of what it was asked."""
    run = _run(hostile_runs, name)
    assert run.log, "the simulated phone logged nothing"
    shells = 0
    for entry in run.log:
        service = entry["service"]
        if service == "fault":
            continue
        assert service in ("shell", "sync"), entry
        if service == "shell":
            shells += 1
            assert entry.get("protocol") == "v2", entry
            line = entry["command"]
            allowlist.check_command_line(line)  # raises for anything not read-only
            assert line == _canonical(line), line  # every argument quoted as the gate does
        else:
            assert entry["request"] in ("STAT", "STA2", "LST2", "RECV", "RCV2"), entry
            assert allowlist.is_apk_path(entry["path"]), entry
    assert shells >= 5


@pytest.mark.parametrize("name", ALL_RUNS)
def test_no_network_but_the_adb_server(hostile_runs, name):
    """Every socket the scan and its worker processes connect goes to the adb server
    on 127.0.0.1 (or is a local Unix socket of the process pool); no name is looked up."""
    run = _run(hostile_runs, name)
    connects = [e for e in run.net if e["event"] == "socket.connect"]
    assert connects, "the recorder saw no connect at all (is sitecustomize loaded?)"
    for e in run.net:
        assert e["event"] != "socket.getaddrinfo" or e["address"] in ("127.0.0.1", "localhost"), e
        assert e["event"] not in ("socket.gethostbyname", "socket.gethostbyaddr"), e
        if e["event"] in ("socket.connect", "socket.sendto"):
            if e["family"] == 1:  # AF_UNIX: the forkserver of the inspection pool
                assert str(e["address"]).startswith(str(run.folder / "tmp")), e
            else:
                assert e["address"] == ["127.0.0.1", run.adb_port], e
        if e["event"] == "socket.bind":
            # urllib3 (imported by a dependency) probes IPv6 by binding [::1]:0 at import:
            # a loopback bind, nothing sent; anything else must be the pool's Unix socket
            assert (e["address"] in (["::1", 0], ["127.0.0.1", 0])
                    or (e["family"] == 1 and str(e["address"]).startswith(str(run.folder / "tmp")))), e


# --------------------------------------------------------------------------- attacks


def _app(report: dict, package: str) -> dict:
    return next(a for a in report["apps"] if a["package"] == package)


@pytest.mark.parametrize("name", ["escapes", DEMO])
def test_escapes_are_verbatim_in_json_and_db_and_escaped_in_html(hostile_runs, name):
    run = _run(hostile_runs, name)
    evil = run.hostile.extra["evil"]
    report = run.report
    # getprop is line-based: a CR in a value reads as a line break (adb.capture.decode)
    assert report["device"]["model"] == "H-1" + evil.replace("\r", "\n")
    # the label comes from the APK through androguard, which puts "_" for characters
    # XML cannot hold; the rest is verbatim
    label = _app(report, "com.evil.labels")["label"]
    xml_safe = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "_", evil)
    assert label.replace("\r", "\n") == xml_safe.replace("\r", "\n"), (label, xml_safe)
    # HTML: text, not markup
    page = (run.out / "r.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert "&lt;script&gt;" in page
    assert "\x1b" not in page and "\x07" not in page
    # the history keeps the phone's text as it was
    with sqlite3.connect(run.out / "history.sqlite3") as db:
        blob = "\n".join(str(v) for (t,) in db.execute("select name from sqlite_master where type='table'")
                         for row in db.execute(f'select * from "{t}"') for v in row)
    stored = evil.replace("\r", "\n")  # the model, as getprop's lines were read
    assert stored in blob or json.dumps(stored, ensure_ascii=False)[1:-1] in blob


def test_shell_metacharacters_never_reach_a_shell_unquoted(hostile_runs):
    run = _run(hostile_runs, "shell-meta")
    report = run.report
    dollar, quote = run.hostile.extra["paths"]
    lines = [e["command"] for e in run.log if e["service"] == "shell"]
    # the phone's paths were hashed, quoted, as single words
    hashed = [a for line in lines for argv in allowlist.split_command_line(line) if argv[0] == "sha256sum"
              for a in argv[1:]]
    assert dollar in hashed and quote in hashed
    # and copied off the phone; the local copy was named by its hash, then inspected
    recv = [e["path"] for e in run.log if e["service"] == "sync" and e["request"] in ("RECV", "RCV2")]
    assert dollar in recv or quote in recv
    assert _app(report, "com.ok.meta")["label"] == "Meta"
    # names that are not package names were never sent (not even quoted)
    for bad in ("a;reboot", "$(svc power shutdown)", "`rm -rf /sdcard`", "-rf", "com.x'; reboot; echo '"):
        assert not any(bad in line for line in lines), bad
    # the dot-dot paths were never hashed nor pulled
    assert not any("/../" in a or a.startswith("..") for a in hashed)
    assert all(".." not in p.split("/") for p in recv)
    # nothing the phone asked for ran: the simulated shell never saw reboot or id as a command
    for line in lines:
        for argv in allowlist.split_command_line(line):
            assert argv[0] not in ("reboot", "id", "rm", "svc") or argv == ["id"], line


@pytest.mark.parametrize("name", ["zip-bomb", "zip-traversal", "broken-apks", "malformed-axml-dex"])
def test_hostile_apks_are_reported_not_followed(hostile_runs, name):
    run = _run(hostile_runs, name)
    report = run.report
    for package, why in run.hostile.extra.get("bad", {}).items():
        app = _app(report, package)
        assert app["failures"], (package, app)
        assert all(why in f["reason"] for f in app["failures"]), app["failures"]
    for package in run.hostile.extra.get("pkgs", ()):
        _app(report, package)  # listed, whatever its APK holds
    for escaped in run.hostile.extra.get("escapes", ()):
        assert not list(run.folder.rglob(escaped)), escaped
        assert not list(run.folder.parent.glob(escaped))
    # the ordinary apps of the same phone were still inspected
    assert _app(report, "com.android.settings")["label"] == "Settings"


def test_huge_getprop_is_cut_and_the_rest_is_kept(hostile_runs):
    run = _run(hostile_runs, "huge-getprop")
    report = run.report
    assert report["device"]["model"] == "H-1"  # the beginning of the answer was parsed
    assert any("too long" in p["reason"] and p["command"] == "getprop" for p in report["problems"])
    manifest = json.loads((run.out / "capture" / "manifest.json").read_text())
    out = next(o for o in manifest["outputs"] if o["command"] == "getprop")
    assert out["truncated"] is True and out["stdout"]["size"] <= 32 << 20


def test_non_utf8_bytes_are_replaced_not_fatal(hostile_runs):
    run = _run(hostile_runs, "non-utf8")
    report = run.report
    assert report["device"]["model"].startswith("H-1") and "\ufffd" in report["device"]["model"]
    assert any(a["package"] == "com.ok.bytes" for a in report["apps"])


def test_content_rows_with_newlines_and_commas_keep_their_shape(hostile_runs):
    run = _run(hostile_runs, "content-rows")
    snap = build_snapshot(load_capture(run.out / "capture"))
    rows = run.hostile.extra["rows"]
    got = [(m.id, m.address, m.creator) for m in snap.sms.messages]
    # the capture is minimised (adb/privacy.py): a row not written by a vendor SMS
    # service keeps only its box and writing app (no id, no address), and those rows are
    # sorted by (type, app): type 1 first, then type 2 with "=, =" before "com.evil, ..."
    assert got == [("", None, rows[i]["creator"]) for i in (1, 2, 0)]


def test_sms_bodies_are_never_read_nor_kept(hostile_runs):
    """Privacy by proof: the marker is in every SMS body and subject on the phone."""
    run = _run(hostile_runs, "sms-privacy")
    marker = run.hostile.extra["marker"].encode()
    assert marker not in run.stdout and marker not in run.stderr
    for path in run.folder.rglob("*"):
        if path.is_file() and path.name != "phone.jsonl":
            assert marker not in path.read_bytes(), path
    with sqlite3.connect(run.out / "history.sqlite3") as db:
        for (table,) in db.execute("select name from sqlite_master where type='table'"):
            for row in db.execute(f'select * from "{table}"'):
                assert all(marker.decode() not in str(v) for v in row), (table, row)
    queries = [e["command"] for e in run.log if "content" in e.get("command", "")]
    assert queries and all("body" not in q and "subject" not in q for q in queries)
    assert build_snapshot(load_capture(run.out / "capture")).sms.readable


def test_a_hanging_command_times_out_into_an_inconclusive_check(hostile_runs):
    run = _run(hostile_runs, "hang")
    report = run.report
    assert any(e["command"].startswith("dumpsys account") for e in run.log if e["service"] == "shell")
    hung = [p for p in report["problems"] if "no answer within" in p["reason"]]
    assert hung and all(p["command"].startswith("dumpsys") for p in hung)
    status = {f["check"]: f["status"] for f in report["findings"]}
    assert status["apps.device-admin"] == "inconclusive"
    # the commands after the stuck one were still read
    assert status["os.selinux"] == "pass"


def test_disconnect_mid_pull_is_incomplete_and_kept(hostile_runs):
    run = _run(hostile_runs, "disconnect-mid-pull")
    report = run.report
    assert any(e.get("command") == "disconnect" for e in run.log if e["service"] == "fault")
    assert any(e["service"] == "sync" and e["request"] in ("RECV", "RCV2") for e in run.log)
    assert any("lost" in p["reason"] for p in report["problems"])
    assert _app(report, "com.big.app")["failures"]
    assert not any((run.out / "tmp").rglob("*")) if (run.out / "tmp").exists() else True


def test_fifty_thousand_packages(hostile_runs):
    run = _run(hostile_runs, "many-packages")
    report = run.report
    n = run.hostile.extra["n"]
    assert len(report["apps"]) == n + 1
    # none of the 50,000 listed APKs is there to read: every APK check says so
    assert report["complete"] is False


def test_every_hostile_profile_is_distinct_and_there_are_enough(hostile_profiles):
    assert len(hostile_profiles) >= 12
    assert len({h.attack for h in hostile_profiles.values()}) == len(hostile_profiles)
    assert set(HOSTILE) | {"adb-killed"} == set(hostile_profiles)
    assert BUILTIN, "no built-in profiles found"
