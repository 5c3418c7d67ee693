"""Read a phone without changing it: every read-only command the audit needs, batched.

`collect(phone)` runs a fixed plan of steps through the phone's `Gate` and returns a
`RawCapture` of every output, byte for byte. It never raises for a lost phone: the
capture comes back with `complete=False` and a `Problem` saying where it stopped, and
everything read before is kept. Per-package commands (`pm path`, `appops get`) are
batched by `Gate.run_many`, so 400 packages take a few round trips, not 400.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable, Sequence

from adb.capture import RawCapture, RawOutput
from adb.gate import CommandResult, DeviceLost
from adb.host_key import local_adb_key_fingerprint
from adb.parsers import commands as C
from adb.parsers.dumpsys_package import packages_in
from adb.parsers.pm import looks_like_pm_error, parse_pm_list
from adb.progress import Progress, ProgressCallback, ignore_progress
from model.snapshot import Problem
from model.timestamps import utc_now

if TYPE_CHECKING:
    from adb.connection import Phone

_CREATOR_REFUSED = re.compile(r"creator|no such column|invalid column|unknown column", re.I)


class _Run:
    """State of one collection: outputs so far and the step counter."""

    def __init__(self, phone: "Phone", progress: ProgressCallback, total: int) -> None:
        self.phone = phone
        self.progress = progress
        self.outputs: list[RawOutput] = []
        self.done = 0
        self.total = total

    def step(self, detail: str) -> None:
        try:
            self.progress(Progress(stage="collect", done=self.done, total=self.total, detail=detail))
        except Exception:  # noqa: BLE001 - a broken progress display must not stop the audit
            pass
        self.done += 1

    def keep(self, res: CommandResult) -> RawOutput:
        out = RawOutput(res.command, res.stdout, res.stderr, res.exit_code, res.started_at, res.error,
                        truncated=res.truncated)
        self.outputs.append(out)
        return out

    def one(self, argv: Sequence[str], timeout: float = 30) -> RawOutput:
        return self.keep(self.phone.gate.run(argv, timeout=timeout))

    def many(self, argvs: Sequence[Sequence[str]], timeout: float = 60) -> list[RawOutput]:
        if not argvs:
            return []
        return [self.keep(r) for r in self.phone.gate.run_many(argvs, timeout=timeout)]


def _packages_needing_paths(dump: RawOutput | None, listed_paths: dict[str, str | None]) -> list[str]:
    """Packages for which `pm path` is needed: no base path from -f, or splits beyond base
    (or no `splits=` line to tell)."""
    # a dict, not a list: membership tests must stay O(1) for phones listing 50,000 packages
    need = {n: None for n, p in listed_paths.items() if not p}
    if dump is None or not dump.ok:
        return sorted(set(listed_paths))
    by_name = {d.name: d for d in packages_in(dump)}
    for name in listed_paths:
        d = by_name.get(name)
        if d is None or not d.splits or any(s != "base" for s in d.splits):
            need.setdefault(name, None)
    return list(need)


def _step_packages(run: _Run) -> dict[str, str | None]:
    """The package list, falling back to simpler options on old phones."""
    for argv in C.PM_LIST_VARIANTS:
        out = run.one(argv, timeout=60)
        if out.error is None and not looks_like_pm_error(out.stdout, out.stderr, out.exit_code):
            return {e.name: e.path for e in parse_pm_list(out.stdout)}
    return {}


def _step_sms(run: _Run) -> None:
    out = run.one(C.sms_query(C.SMS_COLUMNS))
    err = out.error_text
    if out.error is None and err.strip() and _CREATOR_REFUSED.search(err):
        run.one(C.sms_query(C.SMS_COLUMNS_BASIC))


STEPS = (
    "properties",
    "package list",
    "package details",
    "APK paths",
    "install permissions (app ops)",
    "settings",
    "accounts, device admins, accessibility",
    "security state and root traces",
    "SMS metadata",
    "phone state (processes, debugging keys, mounts, /data/local/tmp)",
    "app activity (network use, last use, roles, SMS sent)",
)


def collect(
    phone: "Phone",
    progress: ProgressCallback = ignore_progress,
    cancelled: Callable[[], bool] = lambda: False,
) -> RawCapture:
    """Read everything the audit needs from `phone`. Never raises for a lost phone."""
    started = utc_now()
    run = _Run(phone, progress, len(STEPS))
    problems: list[Problem] = []
    complete = True
    listed: dict[str, str | None] = {}
    current = ""

    try:
        for name in STEPS:
            if cancelled():
                complete = False
                problems.append(Problem("", f"cancelled by the user before: {name}"))
                break
            current = name
            run.step(name)
            if name == "properties":
                run.one(C.GETPROP)
            elif name == "package list":
                listed = _step_packages(run)
                run.many([C.PM_DISABLED, C.PM_SYSTEM])
            elif name == "package details":
                run.one(C.DUMPSYS_PACKAGE, timeout=180)
            elif name == "APK paths":
                dump = next((o for o in reversed(run.outputs) if o.command == C.line(C.DUMPSYS_PACKAGE)), None)
                need = _packages_needing_paths(dump, listed)
                run.many([C.pm_path(p) for p in need if _ok_name(p)])
            elif name == "install permissions (app ops)":
                dump = next((o for o in reversed(run.outputs) if o.command == C.line(C.DUMPSYS_PACKAGE)), None)
                if dump is not None and dump.ok:
                    run.many(C.appops_wanted(packages_in(dump)))
            elif name == "settings":
                run.many([C.settings_list(ns) for ns in C.NAMESPACES])
                dump = next((o for o in reversed(run.outputs) if o.command == C.line(C.DUMPSYS_PACKAGE)), None)
                others = _other_users(dump)
                run.many([C.settings_list_user("secure", u) for u in others])
            elif name == "accounts, device admins, accessibility":
                run.many([C.DUMPSYS_ACCOUNT, C.DUMPSYS_DEVICE_POLICY, C.DUMPSYS_ACCESSIBILITY])
            elif name == "security state and root traces":
                run.many([C.GETENFORCE, C.ID, *C.ROOT_PROBES])
            elif name == "SMS metadata":
                _step_sms(run)
            elif name.startswith("phone state"):
                _step_phone_state(run)
            elif name.startswith("app activity"):
                _step_activity(run)
        else:
            run.step("done")
    except DeviceLost as e:
        complete = False
        problems.append(Problem(
            _last_command(phone) or current,
            f"the audit lost the phone during \"{current}\" ({e}); "
            f"everything read before that is kept, the rest was not read",
        ))
    return RawCapture(
        adb_serial=phone.serial,
        started_at=started,
        outputs=tuple(run.outputs),
        complete=complete,
        problems=tuple(problems),
        host_adb_key=local_adb_key_fingerprint(),
    )


def _step_activity(run: _Run) -> None:
    """What Android records of each app's use: network bytes per uid, last use, the
    holders of the roles that matter, and when apps that may send SMS last did."""
    run.one(C.DUMPSYS_NETSTATS, timeout=120)
    run.one(C.DUMPSYS_USAGESTATS, timeout=120)
    run.many(list(C.ROLE_QUERIES))
    dump = next((o for o in reversed(run.outputs) if o.command == C.line(C.DUMPSYS_PACKAGE)), None)
    if dump is not None and dump.ok:
        run.many(C.sms_ops_wanted(packages_in(dump)))


def _other_users(dump: RawOutput | None) -> list[int]:
    """Users other than 0 that `dumpsys package` shows a package installed for (a work
    profile), so their own secure settings (accessibility services) are read too."""
    if dump is None or not dump.ok:
        return []
    users = sorted({u for d in packages_in(dump) for u in d.installed_users if u != 0})
    return users[:C.MAX_OTHER_USERS]


def _ok_name(name: str) -> bool:
    from adb.allowlist import PACKAGE_RE

    return PACKAGE_RE.fullmatch(name) is not None


def _last_command(phone: "Phone") -> str | None:
    sent = phone.gate.sent
    if not sent:
        return None
    cmd = sent[-1].command
    return cmd if len(cmd) <= 200 else cmd[:200] + "..."


# -- phone state the forensic tools read (issue 15) ------------------------------------


def _step_phone_state(run: _Run) -> None:
    """Running processes: toybox `ps -A -o ...`, else toolbox's bare `ps` (Android < 8);
    the computers trusted for USB debugging (`dumpsys adb`); the mount table; the files
    in /data/local/tmp."""
    from adb.parsers.processes import parse_ps

    out = run.one(C.PS)
    if out.error is None and (out.exit_code not in (0, None) or parse_ps(out.stdout) is None):
        run.one(C.PS_TOOLBOX)
    run.many([C.DUMPSYS_ADB, C.CAT_MOUNTS, C.LS_LOCAL_TMP])
