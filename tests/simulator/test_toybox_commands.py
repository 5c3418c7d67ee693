"""toybox and framework commands every Android 10-14 phone has, in their real formats.

Expected outputs are written here by hand from these sources:
- `ps -A`: toybox toys/posix/ps.c (typos[] widths; Android's default field list
  USER:12,PID,PPID,VSZ,RSS,WCHAN,ADDR,S,NAME; the header pads every field, a row
  leaves its last one unpadded), checked against real output pasted in public code,
  e.g. Unity's AndroidLogcat tests ("Produced by adb.exe shell ps -p 816", Android 9):
      USER           PID  PPID     VSZ    RSS WCHAN            ADDR S NAME
      system         816     1   24396   2296 0                   0 S /test/thermal-daemon
- `wc`: toybox toys/posix/wc.c (counts padded to 7 unless only one was asked for).
- `head`/`tail`: toybox (==> NAME <== between several files).
- `base64`: toybox toys/other/base64.c (76 columns).
- `find`: toybox toys/posix/find.c (paths one a line; errors on stderr).
- `sha1sum`/`sha512sum`/`md5sum`: toybox md5sum.c ("HEX  NAME").
- bare `dumpsys`: AOSP frameworks/native/cmds/dumpsys/dumpsys.cpp ("Currently running
  services:", then a 79-dash rule and "DUMP OF SERVICE NAME:" before each dump, and
  "--------- Ns was the duration of dumpsys NAME, ending at: TIME" after it).
- `logcat -d`: an empty buffer prints nothing.
"""

from __future__ import annotations

import hashlib

import pytest

from simulator.phone import PhoneModel

TEXT = b"one\ntwo words\nthree\n"
LOG = (b"--------- beginning of main\n"
       b"01-02 03:04:05.678  1204  1300 I ActivityManager: Start proc 1800:com.android.systemui\n")

PROFILE = """
[device]
running = ["com.example.app", "com.android.systemui", "com.example.off"]
logcat = "raw/logcat.txt"

[props]
"ro.product.model" = "Toy"
"ro.build.version.sdk" = "33"
"ro.build.date.utc" = "1700000000"

[[packages]]
name = "com.android.systemui"
system = true
uid = 10011

[[packages]]
name = "com.example.app"
uid = 10234

[[packages]]
name = "com.example.off"
uid = 10235
enabled = false

[files]
"/sdcard/notes.txt" = "files/notes.txt"
"/sdcard/Download/a.txt" = "files/a.txt"
"""


@pytest.fixture(scope="module")
def phone(tmp_path_factory):
    folder = tmp_path_factory.mktemp("toy")
    (folder / "files").mkdir()
    (folder / "raw").mkdir()
    (folder / "files" / "notes.txt").write_bytes(TEXT)
    (folder / "files" / "a.txt").write_bytes(b"a\n")
    (folder / "raw" / "logcat.txt").write_bytes(LOG)
    (folder / "profile.toml").write_text(PROFILE)
    return PhoneModel.load(folder, apk_cache_dir=tmp_path_factory.mktemp("apks"))


def run(phone, line):
    r = phone.run_shell(line)
    return r.stdout.decode(), r.stderr.decode(), r.exit_code


PS_HEADER = "USER           PID  PPID     VSZ    RSS WCHAN            ADDR S NAME" + " " * 23


def test_ps_all_default_columns(phone):
    out, err, code = run(phone, "ps -A")
    lines = out.splitlines()
    assert (err, code) == ("", 0)
    assert lines[0] == PS_HEADER
    assert lines[1] == "root             1     0 10902248   7556 0                   0 S init"
    names = [line.split()[-1] for line in lines[1:]]
    assert "com.example.app" in names and "com.android.systemui" in names
    assert "com.example.off" not in names  # a disabled app has no process
    app = next(line for line in lines if line.endswith(" com.example.app"))
    assert app.split()[0] == "u0_a234"  # uid 10234 of user 0
    pids = [int(line.split()[1]) for line in lines[1:]]
    assert pids == sorted(pids)
    assert lines[-1].split()[-2:] == ["R", "ps"]


def test_ps_o_fields_and_p(phone):
    out, _, code = run(phone, "ps -A -o PID,USER,NAME")
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == "  PID USER         NAME" + " " * 23
    assert lines[1] == "    1 root         init"
    out, _, _ = run(phone, "ps -o pid,ppid,name -p 1")
    assert out == "  PID  PPID NAME" + " " * 23 + "\n    1     0 init\n"
    out, err, code = run(phone, "ps -A -o NOPE")
    assert (out, err, code) == ("", "ps: bad -o NOPE\n", 1)


def test_ps_without_a_shows_the_shells_own(phone):
    out, _, _ = run(phone, "ps")
    assert [line.split()[-1] for line in out.splitlines()[1:]] == ["sh", "ps"]


def test_logcat_dump_is_the_profiles_lines(phone):
    assert run(phone, "logcat -d") == (LOG.decode(), "", 0)


def test_find_lists_paths_and_filters(phone):
    out, err, code = run(phone, "find /sdcard")
    assert out == "/sdcard\n/sdcard/Download\n/sdcard/Download/a.txt\n/sdcard/notes.txt\n"
    assert (err, code) == ("", 0)
    assert run(phone, "find /sdcard -name '*.txt' -type f")[0] == "/sdcard/Download/a.txt\n/sdcard/notes.txt\n"
    assert run(phone, "find /sdcard -maxdepth 1 -type d")[0] == "/sdcard\n/sdcard/Download\n"
    out, err, code = run(phone, "find /data -maxdepth 1")
    assert (out, err, code) == ("/data\n", "find: /data: Permission denied\n", 1)
    assert run(phone, "find /nope") == ("", "find: /nope: No such file or directory\n", 1)


def test_hash_sums(phone):
    path = "/sdcard/notes.txt"
    for tool, algo in (("md5sum", "md5"), ("sha1sum", "sha1"), ("sha256sum", "sha256"), ("sha512sum", "sha512")):
        assert run(phone, f"{tool} {path}") == (f"{hashlib.new(algo, TEXT).hexdigest()}  {path}\n", "", 0)
    assert run(phone, "sha1sum /nope") == ("", "sha1sum: /nope: No such file or directory\n", 1)


def test_base64_both_ways(phone):
    assert run(phone, "base64 /sdcard/notes.txt") == ("b25lCnR3byB3b3Jkcwp0aHJlZQo=\n", "", 0)
    assert run(phone, "echo b25lCnR3byB3b3Jkcwp0aHJlZQo= | base64 -d")[0] == TEXT.decode()
    long = run(phone, "cat /sdcard/notes.txt /sdcard/notes.txt /sdcard/notes.txt | base64")[0]
    assert [len(line) for line in long.splitlines()] == [76, 4]


def test_head_tail_wc(phone):
    path = "/sdcard/notes.txt"
    assert run(phone, f"head -n 1 {path}")[0] == "one\n"
    assert run(phone, f"head -2 {path}")[0] == "one\ntwo words\n"
    assert run(phone, f"tail -n 1 {path}")[0] == "three\n"
    assert run(phone, f"tail -n +2 {path}")[0] == "two words\nthree\n"
    assert run(phone, f"head -c 5 {path}")[0] == "one\nt"
    assert run(phone, f"head -n 1 {path} /sdcard/Download/a.txt")[0] == (
        f"==> {path} <==\none\n\n==> /sdcard/Download/a.txt <==\na\n")
    assert run(phone, f"wc {path}")[0] == f"      3       4      20 {path}\n"
    assert run(phone, f"wc -l {path}")[0] == f"3 {path}\n"
    assert run(phone, f"cat {path} | wc -c")[0] == "20\n"
    assert run(phone, "wc /nope") == ("", "wc: /nope: No such file or directory\n", 1)


def test_bare_dumpsys_lists_then_dumps_services(phone):
    out, err, code = run(phone, "dumpsys")
    assert (err, code) == ("", 0)
    lines = out.splitlines()
    assert lines[:3] == ["Currently running services:", "  account", "  package"]
    assert lines[3] == "-" * 79
    assert lines[4] == "DUMP OF SERVICE account:"
    assert "DUMP OF SERVICE package:" in lines
    footers = [line for line in lines if line.startswith("--------- ")]
    assert footers == [
        "--------- 0.001s was the duration of dumpsys account, ending at: 2023-11-14 22:13:20",
        "--------- 0.001s was the duration of dumpsys package, ending at: 2023-11-14 22:13:20",
    ]


def test_bu_never_backs_up_or_restores(phone):
    # the simulated user never confirms on the phone's screen: no data, nothing changed
    assert run(phone, "bu backup -all -apk") == ("", "", 0)
    assert run(phone, "bu restore") == ("", "", 0)
    out, err, code = run(phone, "bu")
    assert out == "" and err.startswith("Usage: bu")


def test_stat_format(phone):
    # toybox stat -c: %s size, %n name, %a octal mode, %U owner, %Y mtime (epoch)
    path = "/sdcard/notes.txt"
    assert run(phone, f"stat -c '%s %n' {path}") == (f"20 {path}\n", "", 0)
    out = run(phone, f"stat -c %a:%A:%F {path}")[0]
    assert out == "644:-rw-r--r--:regular file\n"
    assert run(phone, "stat -c %F /sdcard")[0] == "directory\n"
    assert run(phone, f"stat -c %Y {path}")[0] == "1700000000\n"  # the build date stamps files
    assert run(phone, "stat -c %s /nope") == ("", "stat: '/nope': No such file or directory\n", 1)
