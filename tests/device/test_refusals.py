"""The refusal table (adb/refusals.py) against refusals as Android prints them.

Each sample below is written after the AOSP code that prints it (the path is named with
the sample) and, where one was found, after public captures of real phones; the expected
state is written by hand. A refusal counts anywhere in stdout or stderr, also after part
of an answer, and the ledger turns it into a fact that was not read.
"""

from __future__ import annotations

import pytest

from adb.capture import RawCapture, RawOutput
from adb.ledger import build_ledger
from adb.parsers import commands as C
from adb.refusals import TABLE, find_refusal

SAMPLES = [
    # frameworks/base core/java/com/android/internal/util/DumpUtils.java checkDumpPermission
    ("stdout", b"Permission Denial: can't dump device_policy from from pid=8123, uid=2000 due to missing "
               b"android.permission.DUMP permission\n", "refused"),
    # frameworks/native cmds/dumpsys/dumpsys.cpp: a service that is not registered (stderr)
    ("stderr", b"Can't find service: device_policy\n", "refused"),
    # frameworks/native cmds/dumpsys/dumpsys.cpp: dump() returned an error (stderr)
    ("stderr", b"Error dumping service info: (Permission denied) accessibility\n", "refused"),
    # frameworks/native cmds/dumpsys/dumpsys.cpp, Android 10+: the marker after a partial dump
    ("stdout", b"Packages:\n  Package [com.a] (1a2b):\n    appId=10100\n\n"
               b"*** SERVICE 'package' DUMP TIMEOUT (10000ms) EXPIRED ***\n\n", "timed_out"),
    # the same on Android 8-9, where the timeout is printed in seconds
    ("stdout", b"Accounts: 1\n\n*** SERVICE 'account' DUMP TIMEOUT (10s) EXPIRED ***\n", "timed_out"),
    # frameworks/native cmds/dumpsys/dumpsys.cpp: the pipe broke part-way (stderr)
    ("stderr", b"Failed to write while dumping service package: Broken pipe\n", "truncated"),
    # frameworks/base core/java/android/os/Binder.java dump(): a Throwable of the service
    ("stdout", b"Device Policy Manager state:\n\nException occurred while dumping:\n"
               b"java.lang.NullPointerException: Attempt to invoke virtual method\n"
               b"\tat com.android.server.devicepolicy.DevicePolicyManagerService.dump(DevicePolicyManagerService.java:9412)\n",
     "refused"),
    # frameworks/base core/java/android/os/Binder.java dump(): a SecurityException
    ("stdout", b"Security exception: Permission Denial: does not have android.permission.DUMP\n", "refused"),
    # frameworks/native cmds/cmd/cmd.cpp
    ("stdout", b"cmd: Failure calling service settings: Failed transaction (2147483646)\n", "refused"),
    # frameworks/base cmds/content/.../Content.java: stderr, exit status 0 on some versions
    ("stderr", b"Error while accessing provider:sms\njava.lang.SecurityException: Permission Denial: reading "
               b"com.android.providers.telephony.SmsProvider uri content://sms from pid=9001, uid=2000 "
               b"requires android.permission.READ_SMS, or grantUriPermission()\n", "refused"),
    # external/mksh; public captures of real phones print exactly this, exit status 127
    ("stderr", b"/system/bin/sh: su: inaccessible or not found\n", "refused"),
]


@pytest.mark.parametrize("where,text,state", SAMPLES, ids=[s[1][:30].decode() for s in SAMPLES])
def test_real_refusal_texts_are_recognised(where, text, state):
    found = find_refusal(text, b"") if where == "stdout" else find_refusal(b"", text)
    assert found is not None and found[0] == state, (text, found)


def test_every_table_example_matches_its_own_entry():
    for t in TABLE:
        found = find_refusal(t.example.encode(), b"")
        assert found is not None and found[0] == t.state, t.pattern
        assert t.source, t.pattern


def test_answers_that_only_mention_the_words_are_data():
    # an app label or a setting value holding the words, not at the start of a line
    assert find_refusal(b"package:com.x.permission_denial_helper\n", b"") is None
    assert find_refusal(b"device_name=My Security exception: phone\n", b"") is None


def test_the_ledger_keeps_the_phones_words():
    out = RawOutput(C.line(C.DUMPSYS_DEVICE_POLICY), SAMPLES[0][1], b"", 0, "2026-01-01T00:00:00Z", None)
    raw = RawCapture(adb_serial="x", started_at="2026-01-01T00:00:00Z", outputs=(out,), complete=True,
                     problems=())
    fact = build_ledger(raw)["dumpsys device_policy"]
    assert fact.state == "refused" and fact.detail.startswith("Permission Denial: can't dump device_policy")


def test_a_marker_after_a_long_answer_is_found():
    """Only the first and last MiB are searched (bounded time), and dumpsys prints its
    timeout marker after what the service wrote: a 3 MiB partial dump ending with it is
    timed out, the same bytes without it are data."""
    dump = b"Packages:\n" + b"  Package [com.a] (1a2b):\n    appId=10100\n" * 80_000
    assert len(dump) > 3 << 20
    marker = b"\n*** SERVICE 'package' DUMP TIMEOUT (10000ms) EXPIRED ***\n"
    assert find_refusal(dump + marker) == ("timed_out", marker.decode().strip())
    assert find_refusal(dump) is None
