"""Read a simulated phone once, in process, and replay the audit on mutated outputs.

`capture(profile)` runs the real `adb.collect.collect` plan against a simulator
`PhoneModel` through a small in-process gate (the simulator's own shell answers each
command line), so a property test can mutate the raw outputs thousands of times and
rebuild the snapshot and verdicts with the pure functions, without a phone per case.
The end-to-end path (real adb server, TCP) is tested in tests/scan.

`parse_each_output_once(monkeypatch)` makes those thousands of replays cheap: every
parser `build_snapshot` and the ledger call is memoised on its arguments (the output's
bytes; a `bytes` object keeps its hash, so an unchanged output costs a dict look-up).
The parsers are the real ones, and a changed output is parsed afresh.

`hostile_phones(root)` writes every hostile profile of tests/hostile/profiles.py (the
large ones scaled down: their size is not what a replay is about).
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import replace
from pathlib import Path
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
        # the one fault that changes what collect reads: a command that never answers
        # (the real gate gives up after its timeout; here the answer is that at once)
        faults = getattr(model, "faults", None)
        self.hang = getattr(faults, "hang_on_command", "") or ""

    def run(self, argv: Sequence[str], timeout: float = 30) -> CommandResult:
        line = quote_argv(tuple(argv))
        if self.hang and line.startswith(self.hang):
            out = CommandResult(line, b"", b"", None, utc_now(), float(timeout),
                                error=f"no answer within {timeout:g} s (timeout)")
        else:
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


#: module -> the names in it that turn an output's bytes into values (pure functions of
#: their arguments, returning values nobody mutates)
_PURE = {
    "adb.parsers.build_snapshot": ("parse_dumpsys_package", "parse_pm_list", "parse_package_names",
                                   "parse_pm_path", "parse_appops", "parse_getprop", "parse_settings_list",
                                   "parse_dumpsys_account", "parse_device_policy",
                                   "parse_dumpsys_accessibility", "parse_component_list",
                                   "parse_content_query", "parse_getenforce", "parse_id_is_root",
                                   "parse_which", "ls_found", "looks_like_pm_error", "find_refusal",
                                   "readable_error", "as_text"),
    "adb.ledger": ("find_refusal", "decode"),
}


def parse_each_output_once(monkeypatch) -> None:
    """Memoise every parser of the replay path on its arguments (see the module doc)."""
    import importlib

    for module, names in _PURE.items():
        mod = importlib.import_module(module)
        for name in names:
            monkeypatch.setattr(mod, name, functools.lru_cache(maxsize=4096)(getattr(mod, name)))


#: builders whose default size is the point of another test, not of a replay
_SCALED = {"huge_getprop": {"size": 1 << 20}, "many_packages": {"n": 40}, "dex_string_flood": {"strings": 1000}}


def hostile_builders() -> dict[str, object]:
    """Every hostile profile builder of tests/hostile/profiles.py, by profile name: each
    public function of the module that takes the root folder and returns a `Hostile`."""
    from tests.hostile import profiles as P

    out = {}
    for name, fn in vars(P).items():
        if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != P.__name__:
            continue
        if inspect.signature(fn).return_annotation not in ("Hostile", P.Hostile):
            continue
        out[name.replace("_", "-")] = functools.partial(fn, **_SCALED.get(name, {}))
    return out


def hostile_phones(root: Path) -> dict[str, str]:
    """profile name -> the folder of every hostile phone, written under `root`."""
    return {name: str(build(root).folder) for name, build in hostile_builders().items()}
