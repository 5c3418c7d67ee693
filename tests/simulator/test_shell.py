"""The simulated /system/bin/sh: quoting, lists, exit statuses, redirections, verbatim commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.phone import PhoneModel
from support.shell import BASIC, basic_phone, sh  # noqa: F401
from simulator.shell import ShellSyntaxError, parse



@pytest.fixture(scope="module")
def phone(tmp_path_factory):
    return basic_phone(tmp_path_factory.mktemp("apks"))


def test_quotes_and_backslashes(phone):
    assert sh(phone, "echo 'a b' \"c d\"") == ("a b c d\n", "", 0)
    assert sh(phone, "echo 'a  b'   c\\ \\ d") == ("a  b c  d\n", "", 0)
    assert sh(phone, "echo \"it's\" 'say \"hi\"' \\$HOME") == ("it's say \"hi\" $HOME\n", "", 0)
    assert sh(phone, 'echo "a\\"b\\\\c"') == ('a"b\\c\n', "", 0)
    assert sh(phone, "echo ab'cd'\"ef\"") == ("abcdef\n", "", 0)
    assert sh(phone, "echo ''") == ("\n", "", 0)


def test_semicolon_and_newline_lists(phone):
    assert sh(phone, "echo a; echo b") == ("a\nb\n", "", 0)
    assert sh(phone, "echo a\necho b\n") == ("a\nb\n", "", 0)
    assert sh(phone, "echo 'a;b'") == ("a;b\n", "", 0)


def test_and_or(phone):
    assert sh(phone, "false && x || echo y") == ("y\n", "", 0)
    assert sh(phone, "true && echo yes || echo no") == ("yes\n", "", 0)
    assert sh(phone, "false || false") == ("", "", 1)
    assert sh(phone, "true || nosuchcmd") == ("", "", 0)
    assert sh(phone, "! false && echo negated") == ("negated\n", "", 0)


def test_exit_status_variable(phone):
    assert sh(phone, "false; echo $?") == ("1\n", "", 0)
    assert sh(phone, "nosuch; echo \"st=$?\"") == (
        "st=127\n", "/system/bin/sh: nosuch: inaccessible or not found\n", 0)
    # adbutils shell2(v2=False) appends this to learn the exit code
    assert sh(phone, "which nothing-here; echo X4EXIT:$?") == ("X4EXIT:1\n", "", 0)


def test_unknown_command(phone):
    assert sh(phone, "su -c id") == ("", "/system/bin/sh: su: inaccessible or not found\n", 127)
    assert sh(phone, "/system/xbin/su") == ("", "/system/bin/sh: /system/xbin/su: inaccessible or not found\n", 127)


def test_last_status_is_the_exit_code(phone):
    assert sh(phone, "echo a; false")[2] == 1
    assert sh(phone, "exit 3; echo never") == ("", "", 3)


def test_redirections(phone):
    assert sh(phone, "ls /nope 2>/dev/null") == ("", "", 1)
    assert sh(phone, "ls /nope 2>&1") == ("ls: /nope: No such file or directory\n", "", 1)
    assert sh(phone, "echo hi >/dev/null") == ("", "", 0)
    out, err, code = sh(phone, "echo hi > /sdcard/x")
    assert code == 1 and "Read-only file system" in err


def test_variables_and_glob(phone):
    assert sh(phone, "echo $PATH")[0].startswith("/product/bin:")
    assert sh(phone, "echo ${UNSET}x") == ("x\n", "", 0)
    assert sh(phone, "echo /system/app/*/*.apk") == ("/system/app/MiBrowserGlobal/MiBrowserGlobal.apk\n", "", 0)
    # /data/app cannot be listed by the shell user: the pattern stays as written
    assert sh(phone, "echo /data/app/*") == ("/data/app/*\n", "", 0)
    assert sh(phone, "echo '/system/app/*'") == ("/system/app/*\n", "", 0)


def test_pipes_feed_stdin(phone):
    assert sh(phone, "echo hello | cat") == ("hello\n", "", 0)
    assert sh(phone, "echo hello | sha256sum") == (
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  -\n", "", 0)


def test_syntax_errors(phone):
    out, err, code = sh(phone, "echo 'unterminated")
    assert code == 1 and err.startswith("/system/bin/sh: syntax error")
    assert sh(phone, "; echo x")[2] == 1
    assert sh(phone, "echo a && && echo b")[2] == 1
    with pytest.raises(ShellSyntaxError):
        parse("echo $(id)")


def test_parse_keeps_each_command_source():
    lists = parse("  which su ;getprop ro.x&&echo 'a b'  ")
    assert [c.source for ao in lists for pl in [ao.first, *[p for _, p in ao.rest]] for c in pl.commands] == [
        "which su", "getprop ro.x", "echo 'a b'"]


def test_verbatim_commands_win(phone):
    # whole line match, after trimming
    assert sh(phone, "  dumpsys device_policy  ")[0].startswith("Device Administrators:\n")
    # a verbatim entry also answers as one command of a list
    assert sh(phone, "which su; echo $?") == ("1\n", "", 0)
    assert sh(phone, "which su || echo absent") == ("absent\n", "", 0)


def test_command_v_and_which(phone):
    assert sh(phone, "which getprop ls") == ("/system/bin/getprop\n/system/bin/ls\n", "", 0)
    assert sh(phone, "which getprop nothing") == ("/system/bin/getprop\n", "", 1)
    assert sh(phone, "command -v getprop") == ("/system/bin/getprop\n", "", 0)
    assert sh(phone, "command -v nothing") == ("", "", 1)
    assert sh(phone, "/system/bin/getprop ro.serialno") == ("a1b2c3d4\n", "", 0)
    assert sh(phone, "sh -c 'echo inner; false'") == ("inner\n", "", 1)


def test_which_finds_profile_files_on_path(tmp_path):
    folder = tmp_path / "rooted"
    (folder / "files").mkdir(parents=True)
    (folder / "files" / "su").write_bytes(b"\x7fELF")
    (folder / "profile.toml").write_text('[device]\n[props]\n[files]\n"/system/xbin/su" = "files/su"\n')
    phone = PhoneModel.load(folder, apk_cache_dir=tmp_path / "c")
    assert sh(phone, "which su") == ("/system/xbin/su\n", "", 0)
    assert sh(phone, "su -c id") == ("", "/system/bin/sh: su: can't execute: Permission denied\n", 126)
