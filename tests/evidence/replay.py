"""Read a simulated phone once, in process, and replay the audit on mutated outputs.

`capture(profile)` runs the real `adb.collect.collect` plan against a simulator
`PhoneModel` through a small in-process gate (the simulator's own shell answers each
command line), so a property test can mutate the raw outputs thousands of times and
rebuild the snapshot and verdicts with the pure functions, without a phone per case.
The end-to-end path (real adb server, TCP) is tested in tests/scan.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from adb.allowlist import quote_argv
from adb.capture import RawCapture
from adb.collect import collect
from adb.gate import CommandResult, utc_now
from adb.parsers.build_snapshot import build_snapshot
from simulator import shell
from simulator.phone import PhoneModel
from model.audit_input import AuditInput
from checks.registry import evaluate_all


class _InProcessGate:
    def __init__(self, model: PhoneModel) -> None:
        self.model = model
        self.sent: list[CommandResult] = []

    def run(self, argv: Sequence[str], timeout: float = 30) -> CommandResult:
        line = quote_argv(tuple(argv))
        res = shell.run(self.model, line)
        out = CommandResult(line, res.stdout, res.stderr, res.exit_code, utc_now(), 0.0)
        self.sent.append(out)
        return out

    def run_many(self, argvs, timeout: float = 60) -> list[CommandResult]:
        return [self.run(a, timeout) for a in argvs]


class _InProcessPhone:
    def __init__(self, model: PhoneModel) -> None:
        self.serial = "emulator-5554"
        self.gate = _InProcessGate(model)


def capture(profile: str) -> RawCapture:
    """The raw outputs of one audit of this profile (a built-in name or a folder)."""
    return collect(_InProcessPhone(PhoneModel.load(profile)))


def verdicts(raw: RawCapture | object, kb, apk_states: dict | None = None):
    """check id -> Finding for this capture or snapshot (no APKs inspected)."""
    snap = build_snapshot(raw) if isinstance(raw, RawCapture) else raw
    inp = AuditInput(snap, {}, kb, apk_states=dict(apk_states or {}))
    return {f.check: f for f in evaluate_all(inp)}


def with_output(raw: RawCapture, command: str, **changes) -> RawCapture:
    """The capture with the output of `command` changed (or removed when changes is
    {'drop': True})."""
    if changes.pop("drop", False):
        return replace(raw, outputs=tuple(o for o in raw.outputs if o.command != command))
    return replace(raw, outputs=tuple(replace(o, **changes) if o.command == command else o
                                      for o in raw.outputs))
