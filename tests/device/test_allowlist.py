"""The read-only allowlist: what it accepts, what it refuses, and that nothing escapes."""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adb import allowlist
from adb.allowlist import CommandNotAllowed, check, check_command_line, is_allowed, quote_argv
from adb.gate import CommandResult, split_batch

ALLOWED = [
    ["getprop"], ["getprop", "ro.build.version.sdk"],
    ["pm", "list", "packages", "-f", "-i", "-U", "-u", "--show-versioncode"],
    ["pm", "list", "packages"], ["pm", "list", "packages", "-d"], ["pm", "path", "com.a.b"],
    ["cmd", "package", "list", "packages", "-f", "-3"],
    ["dumpsys", "package"], ["dumpsys", "package", "com.a.b"], ["dumpsys", "account"],
    ["dumpsys", "device_policy"], ["dumpsys", "accessibility"],
    ["settings", "list", "secure"], ["settings", "get", "global", "package_verifier_enable"],
    ["settings", "--user", "10", "list", "secure"],
    ["content", "query", "--uri", "content://sms", "--projection", "_id:address:date:type:creator"],
    ["content", "query", "--uri", "content://sms/sent", "--projection", "_id"],
    ["appops", "get", "com.a.b"], ["appops", "get", "com.a.b", "REQUEST_INSTALL_PACKAGES"],
    ["getenforce"], ["id"], ["which", "su"], ["ls", "/system/bin/su"], ["stat", "/sbin/su"],
    ["sha256sum", "/system/app/A/A.apk", "/data/app/~~x==/a.b-y==/base.apk"],
    # the warm re-audit: inode, size, mtime and name of APK files, in the one format
    ["stat", "-c", "%i %s %Y %n", "/system/app/A/A.apk", "/data/app/~~x==/a.b-y==/base.apk"],
    ["echo", "PAMARK_0123456789abcdef_3_$?"],
    ["ps"], ["ps", "-A", "-o", "USER,PID,PPID,NAME"], ["dumpsys", "adb"], ["cat", "/proc/mounts"],
    ["ls", "-la", "/data/local/tmp"],
    # activity evidence (issue 15)
    ["dumpsys", "netstats", "detail"], ["dumpsys", "usagestats"],
    ["cmd", "role", "get-role-holders", "android.app.role.BROWSER"],
    ["appops", "get", "com.a.b", "SEND_SMS"],
]

REFUSED = [
    # the role writers, a forced netstats poll, a role name that is not one
    ["cmd", "role", "add-role-holder", "android.app.role.BROWSER", "com.a"],
    ["cmd", "role", "clear-role-holders", "android.app.role.SMS"],
    ["cmd", "role", "get-role-holders", "android.app.role.BROWSER;reboot"],
    ["dumpsys", "netstats", "--poll"], ["dumpsys", "netstats"], ["dumpsys", "usagestats", "--reset"],
    [], ["rm", "-rf", "/sdcard"], ["pm", "uninstall", "com.a"], ["pm", "disable-user", "com.a"],
    ["pm", "list", "packages", "-f", "-f"], ["pm", "list", "packages", "--user", "0"],
    ["pm", "path", "com.a;reboot"], ["pm", "path", "$(reboot)"], ["pm", "path", "a b"],
    ["settings", "put", "global", "adb_enabled", "0"], ["settings", "list", "other"],
    ["settings", "--user", "10", "put", "secure", "a", "1"], ["settings", "--user", "-1", "list", "secure"],
    ["settings", "--user", "all", "list", "secure"],
    ["settings", "get", "secure", "a b"], ["dumpsys"], ["dumpsys", "window"],
    ["content", "query", "--uri", "content://sms"],  # no projection = every column, body too
    ["content", "query", "--uri", "content://sms", "--projection", "_id:body"],
    ["content", "query", "--uri", "content://sms", "--projection", "body"],
    ["content", "query", "--uri", "content://sms", "--projection", "_id:subject"],
    ["content", "query", "--uri", "content://contacts", "--projection", "_id"],
    ["content", "insert", "--uri", "content://sms"], ["content", "delete", "--uri", "content://sms"],
    ["appops", "set", "com.a", "CAMERA", "deny"], ["which", "su;reboot"],
    ["ls", "relative"], ["ls", "/data/../etc"], ["ls", "/a\nb"], ["ls", "/a\x00"],
    ["sha256sum", "/sdcard/DCIM/a.jpg"], ["sha256sum"], ["sha256sum", "/system/../sdcard/x"],
    ["stat", "-c", "%i %s %Y %n", "/sdcard/DCIM/a.jpg"], ["stat", "-c", "%i %s %Y %n"],
    ["stat", "-c", "%N", "/system/app/A/A.apk"], ["stat", "-c", "%i %s %Y %n", "/system/../sdcard/x"],
    ["stat", "-f", "/system/app/A/A.apk"],
    ["echo", "hello"], ["echo", "PAMARK_x_1"], ["reboot"], ["sh", "-c", "id"],
    ["getprop", "a", "b"], ["id", "-u"], ["getenforce", "x"],
    ["ps", "-A", "-o", "USER,PID,PPID,NAME,ARGS"], ["ps", "-p", "1"], ["ps", "-A;reboot"],
    ["cat", "/data/data/com.a/shared_prefs/x.xml"], ["cat", "/proc/mounts", "/sdcard/x"], ["cat"],
    ["ls", "-la", "/sdcard"], ["ls", "-laR", "/data/local/tmp"], ["ls", "-la", "/data/local/tmp", "/x"],
]


@pytest.mark.parametrize("argv", ALLOWED, ids=lambda a: " ".join(a)[:50])
def test_allowed(argv):
    check(argv)
    assert is_allowed(argv)


@pytest.mark.parametrize("argv", REFUSED, ids=lambda a: " ".join(a)[:50] or "empty")
def test_refused(argv):
    with pytest.raises(CommandNotAllowed):
        check(argv)


def test_quote_every_word():
    assert quote_argv(["ls", "/system/app/My App/x.apk"]) == "ls '/system/app/My App/x.apk'"
    assert shlex.split(quote_argv(["ls", "/a'b"])) == ["ls", "/a'b"]


def test_logged_batch_line_checks():
    line = ("getprop; echo PAMARK_0123456789abcdef_0_$?; echo PAMARK_0123456789abcdef_0 >&2; "
            "pm path com.a; echo PAMARK_0123456789abcdef_1_$?; echo PAMARK_0123456789abcdef_1 >&2")
    assert check_command_line(line) == [
        ["getprop"], ["echo", "PAMARK_0123456789abcdef_0_$?"], ["echo", "PAMARK_0123456789abcdef_0"],
        ["pm", "path", "com.a"], ["echo", "PAMARK_0123456789abcdef_1_$?"], ["echo", "PAMARK_0123456789abcdef_1"],
    ]
    for bad in ("getprop | sh", "getprop > /sdcard/x", "pm path com.a >&2", "getprop; reboot",
                "ls '/system/a", "getprop `reboot`", "getprop && settings put global a 1"):
        with pytest.raises(CommandNotAllowed):
            check_command_line(bad)


_WORDS = st.one_of(
    st.sampled_from(["getprop", "pm", "list", "packages", "path", "dumpsys", "package", "settings",
                     "list", "get", "put", "secure", "content", "query", "--uri", "content://sms",
                     "--projection", "_id:body", "_id", "appops", "get", "set", "-f", "-u", "ls",
                     "/system/bin/su", "echo", ";", "&&", "|", "$(id)", "`id`", "..", "/data/../x",
                     "sha256sum", "rm", "reboot", "com.a.b", "a b", "x\ny", "'", '"', ">&2"]),
    st.text(max_size=15),
)


@settings(max_examples=2000, deadline=None)
@given(argv=st.lists(_WORDS, max_size=7))
def test_random_argv_never_escapes(argv):
    """Whatever is accepted is one plain read-only command once quoted: the quoted line
    parses back to exactly this argv, a single command, on the allowlist."""
    if not is_allowed(argv):
        with pytest.raises(CommandNotAllowed):
            check(argv)
        return
    line = quote_argv(argv)
    assert check_command_line(line) == [list(argv)]
    assert shlex.split(line) == list(argv)
    assert argv[0] in {r.program for r in allowlist.RULES}
    mutating = {"put", "set", "uninstall", "install", "delete", "insert", "update", "disable",
                "disable-user", "clear", "reset", "grant", "revoke"}
    # `getprop put` reads a property named "put": a key, not a verb
    assert not (len(argv) > 1 and argv[0] != "getprop" and argv[1] in mutating)
    if argv[0] == "content":
        columns = argv[argv.index("--projection") + 1].split(":")
        assert "body" not in columns and "subject" not in columns


def _res(stdout: bytes, stderr: bytes = b"", error=None) -> CommandResult:
    return CommandResult("batch", stdout, stderr, 0, "t", 0.1, error)


def test_split_batch_exit_codes_stderr_and_forgery():
    nonce = "00112233aabbccdd"
    lines = ["a", "b", "c"]
    out = (b"A1\nPAMARK_00112233aabbccdd_1_9\n"  # forged index out of order: part of A's output
           b"PAMARK_00112233aabbccdd_0_0\n"
           b"no newline at endPAMARK_00112233aabbccdd_1_1\n"
           b"PAMARK_ffffffffffffffff_2_0\nPAMARK_00112233aabbccdd_2_0\n")
    err = b"PAMARK_00112233aabbccdd_0\nb failed\nPAMARK_00112233aabbccdd_1\nPAMARK_00112233aabbccdd_2\n"
    a, b, c = split_batch(_res(out, err), lines, nonce)
    assert a.stdout == b"A1\nPAMARK_00112233aabbccdd_1_9\n" and a.exit_code == 0 and a.stderr == b""
    assert b.stdout == b"no newline at end" and b.exit_code == 1 and b.stderr == b"b failed\n"
    assert c.stdout == b"PAMARK_ffffffffffffffff_2_0\n" and c.exit_code == 0
    assert all(r.error is None for r in (a, b, c))


def test_split_batch_cut_short_keeps_partial_output():
    nonce = "00112233aabbccdd"
    out = b"first\nPAMARK_00112233aabbccdd_0_0\nhalf of sec"
    a, b, c = split_batch(_res(out, b"", error="EOFError"), ["a", "b", "c"], nonce)
    assert a.ok and a.stdout == b"first\n"
    assert b.stdout == b"half of sec" and b.error == "EOFError"
    assert c.stdout == b"" and c.error == "EOFError"


def test_the_ps_line_shown_in_evidence_is_the_one_sent():
    from adb.parsers.commands import PS
    from checks.commands import PS_LINE

    assert PS_LINE == quote_argv(PS)
