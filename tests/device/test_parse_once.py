"""`dumpsys package` is parsed once per audit: collection asks it three questions (which
packages need `pm path`, which ask for the install op, which other users there are) and
the snapshot a fourth, all answered by one parse of the one output
(`adb.parsers.dumpsys_package.packages_in`). Counted on the real collection plan against
pixel-clean (tests/evidence/replay.py), minimised as the runner does before the snapshot."""

from __future__ import annotations

import adb.parsers.build_snapshot as build_module
import adb.parsers.dumpsys_package as dumpsys_module
from adb.parsers import commands as C
from adb.parsers.build_snapshot import build_snapshot
from adb.privacy import minimise_raw
from tests.evidence.replay import capture, with_output


def test_one_audit_parses_the_package_dump_once(monkeypatch):
    real = dumpsys_module.parse_dumpsys_package
    calls: list[int] = []

    def counted(data):
        calls.append(len(data))
        return real(data)

    # both names the audit can reach the parser by
    monkeypatch.setattr(dumpsys_module, "parse_dumpsys_package", counted)
    monkeypatch.setattr(build_module, "parse_dumpsys_package", counted)
    raw = capture("pixel-clean")
    assert len(calls) == 1  # collection: three questions, one parse (three parses before)
    snapshot = build_snapshot(minimise_raw(raw, ()))
    assert len(calls) == 1  # the snapshot reuses it (four parses an audit before)
    assert calls == [len(raw.get(C.line(C.DUMPSYS_PACKAGE)).stdout)]
    # the parse is the real one: pixel-clean's profile lists WhatsApp as version 2.24.16.76
    assert snapshot.package("com.whatsapp").version_name == "2.24.16.76"
    # another output (a mutated replay, a capture read back from disk) is parsed anew
    line = C.line(C.DUMPSYS_PACKAGE)
    build_snapshot(with_output(raw, line, stdout=raw.get(line).stdout + b"\n"))
    assert len(calls) == 2
