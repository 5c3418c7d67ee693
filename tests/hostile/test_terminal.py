"""Round two of the terminal guarantees: no phone string can set the window title,
write the clipboard or leave a control sequence on the terminal.

The phones of `profiles.TERMINAL_BUILDERS` (OSC 52 / OSC 2 ended by `ESC \\` and by
ST, DCS, APC, PM, SOS, C1 controls as UTF-8 and as raw bytes) are audited by
`phone-audit scan` (stdout/stderr bytes judged) and by the TUI in tmux (the raw
bytes the app wrote to the pane, the pane title, tmux's paste buffers with
`set-clipboard on`, and the terminal given back at the end).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import profiles as P
from conftest import run_scan, scan_env
from support.adbenv import SimPhoneHandle, read_log

pytestmark = pytest.mark.adb

TMUX = shutil.which("tmux")
#: the starts of the sequences the payloads hold; none may reach a terminal
SEQUENCE_STARTS = (b"\x1b]52", b"\x1b]2;R2", b"\x1bP+q", b"\x1b_apc", b"\x1b^pm", b"\x1bXsos")


def no_c1(text: str) -> list[str]:
    """The C1 controls (U+0080-U+009F) in `text`."""
    return [f"U+{ord(c):04X}" for c in text if 0x80 <= ord(c) <= 0x9F]


def test_sanitiser_makes_every_payload_visible():
    from audit.reports.terminal_text import one_line, plain

    # written by hand from the payloads: ESC, ST, BEL and the C1 introducers visible
    assert plain("\x1b]2;T\x1b\\") == "\\x1b]2;T\\x1b\\"
    assert plain("\x9d2;T\x9c") == "\\x9d2;T\\x9c"
    assert plain("a\x07\x7f\x85b") == "a\\x07\\x7f\\x85b"
    assert plain("\u202eevil") == "\\u202eevil"
    # raw bytes decoded with surrogateescape: the lone surrogate is shown, not passed on
    assert plain(b"\x9d2;T".decode("utf-8", "surrogateescape")) == "\\udc9d2;T"
    for payload in P.ST_PAYLOADS:
        out = plain(payload)
        assert "\x1b" not in out and "\x07" not in out and not no_c1(out), (payload, out)
    # one line: 80 characters, then how many were left out
    assert one_line("x" * 1_000_000) == "x" * 80 + "… (999920 more chars)"
    assert one_line("short") == "short"


def _scan(adb_server, tmp_path, hostile):
    from simulator import SimulatedPhone

    log = tmp_path / "phone.jsonl"
    phone = SimulatedPhone(hostile.folder, log=log).start()
    handle = SimPhoneHandle(phone=phone, adb=adb_server, log_path=log, expected_state="device")
    try:
        handle.register()
        run = run_scan(adb_server, tmp_path / "run", ["-s", phone.serial], hostile)
    finally:
        handle.close()
    run.log = read_log(log)
    return run


@pytest.fixture(scope="module")
def scanned(adb_server, tmp_path_factory):
    """`scanned(builder)`: (the phone, its end-to-end `_scan`), made once per phone in this
    module: the package-payload phone's one scan is judged by both tests that look at a
    scan (its output's sequences, and its cut views and whole JSON)."""
    runs: dict[str, tuple] = {}

    def get(builder):
        if builder.__name__ not in runs:
            root = tmp_path_factory.mktemp(builder.__name__)
            hostile = builder(root / "profiles")
            runs[builder.__name__] = (hostile, _scan(adb_server, root, hostile))
        return runs[builder.__name__]

    return get


@pytest.mark.parametrize("builder", P.TERMINAL_BUILDERS, ids=lambda b: b.__name__)
def test_scan_output_has_no_terminal_sequences(scanned, builder):
    hostile, run = scanned(builder)
    assert run.code in hostile.exits, run.explain()
    for name, stream in (("stdout", run.stdout), ("stderr", run.stderr)):
        assert b"\x1b" not in stream and b"\x07" not in stream, (name, run.explain())
        text = stream.decode("utf-8", "strict")  # never a raw C1 byte: the output is UTF-8
        assert not no_c1(text), (name, no_c1(text))
        for start in SEQUENCE_STARTS:
            assert start not in stream
    first = run.stdout.decode().splitlines()[0]
    # the device line: each phone field cut to 80 characters (plus the left-out count)
    assert len(first) < 800, first
    if hostile.name == "terminal-sequences":
        assert "more chars)" in first
        # the JSON keeps the whole value
        assert run.report["device"]["model"] == "T-2" + hostile.extra["evil"]


def test_package_payloads_are_cut_in_views_and_kept_whole_in_json(scanned):
    """1 MB strings and path / shell payloads in package fields: every line of the scan's
    output stays short, the HTML tables cut them, the JSON keeps them whole, and no
    file is made from them."""
    hostile, run = scanned(P.package_payloads)
    tmp_path = run.folder.parent
    assert run.code in hostile.exits, run.explain()
    big = hostile.extra["big"]
    for name, stream in (("stdout", run.stdout), ("stderr", run.stderr)):
        assert b"\x1b" not in stream and b"\x07" not in stream, name
        longest = max(map(len, stream.decode("utf-8").splitlines()), default=0)
        assert longest < 1000, (name, longest)  # one_line views: 80 characters per value
    # the HTML tables cut phone text (13 MB before: the values were there whole, 13 times)
    html = (run.out / "r.html").read_text(encoding="utf-8")
    assert len(html) < 300_000, len(html)
    assert big[:700] not in html and "more chars)" in html  # cells 200, summaries 600
    # the JSON keeps the whole values
    apps = {a["package"]: a for a in run.report["apps"]}
    assert apps["com.payload.big"]["installer"] == big
    label = apps["com.payload.big"]["label"]  # the resource string: its controls come back as "_"
    assert label.startswith(P.MEGA) and len(label) == len(big)
    # no file is made from a phone string, here or at ../../x
    for where in ("home", "cwd", "tmp"):
        made = run.after[where] - run.before[where]
        assert not [m for m in made if "payload" in m or "reboot" in m or m.split(" ")[0] == "x"], made
    assert not (run.folder / "x").exists() and not (tmp_path / "x").exists()
    # a command shown with a phone string in it has the string quoted for a shell
    shown = [e["command"] for f in run.report["findings"] for e in f["evidence"] if e.get("command")]
    risky = [c for c in shown if "$(" in c or "`" in c]
    assert risky, "no command showed a shell payload: the test would prove nothing"
    for cmd in risky:
        assert _unquoted(cmd).count("$(") == 0 and "`" not in _unquoted(cmd), cmd


def _unquoted(cmd: str) -> str:
    """The parts of a POSIX shell command outside single quotes (where `$(` would run)."""
    out, quoted = [], False
    for ch in cmd:
        if ch == "'":
            quoted = not quoted
        elif not quoted:
            out.append(ch)
    return "".join(out)


def _tmux(env, *args, check=True):
    return subprocess.run([TMUX, *args], env=env, capture_output=True, text=True, timeout=30, check=check)


def _wait_for(env, session, needle, timeout=240.0):
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = _tmux(env, "capture-pane", "-p", "-t", session).stdout
        if needle in text:
            return text
        time.sleep(0.5)
    raise AssertionError(f"{needle!r} did not show within {timeout} s; the pane:\n{text}")


@pytest.mark.parametrize("builder", P.TERMINAL_BUILDERS, ids=lambda b: b.__name__)
def test_tui_in_tmux_keeps_title_clipboard_and_terminal(adb_server, tmp_path, builder):
    if TMUX is None:
        pytest.fail("tmux is missing: .ci/run installs it")
    hostile = builder(tmp_path / "profiles")
    exe = Path(sys.executable).with_name("phone-audit")
    folder = tmp_path / "run"
    for sub in ("home", "tmp", "out"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    env = scan_env(adb_server, folder)
    env.pop("TMUX", None)
    env["TERM"] = "xterm-256color"
    env["TMUX_TMPDIR"] = str(tmp_path)  # a private tmux server, gone with the test
    session = "terminal-r2"
    raw = tmp_path / "pane.raw"
    _tmux(env, "-f", "/dev/null", "new-session", "-d", "-s", session, "-x", "140", "-y", "45",
          f"{exe} --demo {hostile.folder} --db {folder / 'out' / 'h.sqlite3'}")
    try:
        # the terminal may set the clipboard and the title if asked: so a payload would show
        _tmux(env, "set-option", "-g", "set-clipboard", "on")
        _tmux(env, "set-option", "-t", session, "remain-on-exit", "on")
        _tmux(env, "set-option", "-t", session, "allow-rename", "on")
        _tmux(env, "pipe-pane", "-o", "-t", session, f"cat >> {raw}")
        title_before = _tmux(env, "display-message", "-p", "-t", session, "#{pane_title}").stdout
        _wait_for(env, session, "Needs attention (")
        time.sleep(2)  # let the last frames land
        title = _tmux(env, "display-message", "-p", "-t", session, "#{pane_title}").stdout
        assert P.TITLE_MARK not in title and title == title_before, title
        window = _tmux(env, "display-message", "-p", "-t", session, "#{window_name}").stdout
        assert P.TITLE_MARK not in window
        buffers = _tmux(env, "list-buffers", check=False).stdout
        assert P.CLIPBOARD_MARK not in buffers and "R2payload" not in buffers, buffers
        pane = _tmux(env, "capture-pane", "-p", "-t", session).stdout
        assert "\x1b" not in pane and not no_c1(pane), pane
        _tmux(env, "send-keys", "-t", session, "q")
        deadline = time.monotonic() + 60
        state = ""
        while time.monotonic() < deadline:
            state = _tmux(env, "display-message", "-p", "-t", session,
                          "#{pane_dead} #{pane_dead_status}").stdout.strip()
            if state.startswith("1"):
                break
            time.sleep(0.5)
        assert state == "1 0"
        # the terminal is given back: the alternate screen is gone, the mode is normal
        assert "Needs attention (" not in _tmux(env, "capture-pane", "-p", "-t", session).stdout
        assert _tmux(env, "display-message", "-p", "-t", session, "#{alternate_on}").stdout.strip() == "0"
        assert _tmux(env, "display-message", "-p", "-t", session, "#{pane_title}").stdout == title_before
        assert not _tmux(env, "list-buffers", check=False).stdout.strip()
    finally:
        _tmux(env, "kill-server", check=False)
    stream = raw.read_bytes()
    assert stream, "pipe-pane recorded nothing"
    for start in SEQUENCE_STARTS:
        assert start not in stream, start
    for chunk in stream.split(b"\x1b]")[1:]:  # every OSC the app sent: none carries the payload
        head = chunk[:200]
        assert P.TITLE_MARK.encode() not in head and P.CLIPBOARD_MARK.encode() not in head, head
    assert not no_c1(stream.decode("utf-8", "replace"))
