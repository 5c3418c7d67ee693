"""`build_snapshot(raw)`: a whole `RawCapture` -> one `DeviceSnapshot`, through the parsers.

Pure and never raises: whatever cannot be read becomes a `Problem` in the snapshot
rather than an exception (a refused, missing or unreadable output names its command).
"""

from __future__ import annotations

import shlex
from typing import Callable, TypeVar

from adb.capture import RawCapture, RawOutput
from adb.parsers import commands as C
from adb.parsers._text import as_text, to_int
from adb.parsers.accessibility import parse_dumpsys_accessibility
from adb.parsers.accounts import parse_dumpsys_account
from adb.parsers.appops import parse_appops
from adb.parsers.content import parse_content_query
from adb.parsers.device_names import marketing_name
from adb.parsers.error_text import readable_error
from adb.parsers.device_policy import parse_device_policy
from adb.parsers.dumpsys_package import DumpsysPackage, packages_in, parse_dumpsys_package
from adb.parsers.getprop import parse_getprop
from adb.parsers.pm import PmListEntry, looks_like_pm_error, parse_package_names, parse_pm_list, parse_pm_path
from adb.parsers.security import (
    ROOT_PACKAGES,
    SU_PATHS,
    ls_found,
    parse_getenforce,
    parse_id_is_root,
    parse_which,
)
from adb.parsers.settings import parse_component_list, parse_settings_list
from adb.parsers.appops_times import parse_op_time
from model.timestamps import parse_datetime
from adb.parsers.netstats import parse_netstats
from adb.parsers.roles import parse_role_holders
from adb.parsers.usagestats import parse_standby_buckets, parse_usagestats
from adb.refusals import find_refusal
from model.snapshot import (
    ActivityFacts,
    AppUse,
    NetworkUse,
    SmsOpUse,
    DeviceInfo,
    DeviceSnapshot,
    FrozenMap,
    PackageInfo,
    Problem,
    RootTraces,
    SmsMessage,
    SmsSummary,
)

__all__ = ["build_snapshot", "device_info_from_props"]

T = TypeVar("T")

SMS_BOXES = {"1": "inbox", "2": "sent", "3": "draft", "4": "outbox", "5": "failed", "6": "queued"}


def _failure(out: RawOutput | None) -> str | None:
    """Why an output is unusable, or None if it is usable."""
    if out is None:
        return "not read"
    if out.error:
        return out.error
    if out.exit_code not in (0, None):
        err = readable_error(as_text(out.stderr).strip() or as_text(out.stdout).strip())
        return f"exit status {out.exit_code}" + (f": {err}" if err else "")
    refusal = _refusal(out)
    if refusal:
        return f"the phone refused: {refusal}"
    return None


def _refusal(out: RawOutput) -> str | None:
    """The phone's refusal anywhere in stdout or stderr (`adb.refusals`), or None."""
    found = find_refusal(out.stdout, out.stderr)
    return found[1] if found else None


class _Builder:
    def __init__(self, raw: RawCapture) -> None:
        self.raw = raw
        self.problems: list[Problem] = list(raw.problems)
        #: the packages of a usable `dumpsys package`, or None
        self.dumped: tuple[DumpsysPackage, ...] | None = None
        for out in raw.outputs:
            if out.truncated:
                self.problem(out.command, "the answer was too long: only its first "
                             f"{len(out.stdout) >> 20} MiB were read (the rest may be missing)")

    def problem(self, command: str, reason: str) -> None:
        p = Problem(command, reason)
        if p not in self.problems:
            self.problems.append(p)

    def out(self, argv: tuple[str, ...]) -> RawOutput | None:
        return self.raw.get(C.line(argv))

    def usable(self, argv: tuple[str, ...], required: bool = True) -> RawOutput | None:
        """The output if it ran fine; else None, with a Problem when `required` and the
        collection got that far (an incomplete capture already says where it stopped)."""
        out = self.out(argv)
        why = _failure(out)
        if why is None:
            return out
        if required and (out is not None or self.raw.complete):
            self.problem(C.line(argv), f"could not be read ({why})")
        return None

    def safe(self, what: str, fn: Callable[[], T], default: T) -> T:
        try:
            return fn()
        except Exception as e:  # noqa: BLE001 - a parser bug must not lose the audit
            self.problem(what, f"could not be parsed ({type(e).__name__}: {e})")
            return default


def device_info_from_props(adb_serial: str, props: FrozenMap) -> DeviceInfo:
    """The phone's identity from its properties (vendor/odm fallbacks for the model)."""

    def first(*keys: str) -> str | None:
        for k in keys:
            v = props.get(k)
            if v:
                return v
        return None

    model = first("ro.product.model", "ro.product.vendor.model", "ro.product.system.model")
    return DeviceInfo(
        adb_serial=adb_serial,
        serial=first("ro.serialno", "ro.boot.serialno"),
        manufacturer=first("ro.product.manufacturer", "ro.product.vendor.manufacturer",
                           "ro.product.system.manufacturer"),
        model=model,
        marketing_name=marketing_name(props, model),
        device=first("ro.product.device", "ro.product.vendor.device", "ro.build.product"),
        android_release=first("ro.build.version.release", "ro.build.version.release_or_codename"),
        sdk=to_int(first("ro.build.version.sdk")),
        build_fingerprint=first("ro.build.fingerprint", "ro.system.build.fingerprint",
                                "ro.vendor.build.fingerprint"),
        security_patch=first("ro.build.version.security_patch"),
    )


def _pm_list(b: _Builder) -> tuple[PmListEntry, ...] | None:
    """The package list from the first variant that listed packages (the one the ledger
    reads: a refused, cut or empty answer lists nothing, so it never stands for "no app")."""
    tried = False
    for argv in C.PM_LIST_VARIANTS:
        out = b.out(argv)
        if out is None:
            continue
        tried = True
        if _failure(out) is None and not looks_like_pm_error(out.stdout, out.stderr, out.exit_code):
            entries = parse_pm_list(out.stdout)
            if entries:
                return entries
    if tried or b.raw.complete:
        b.problem(C.line(C.PM_LIST_VARIANTS[0]), "the package list could not be read")
    return None


def _argv(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError:
        return []


def _per_package(b: _Builder, prefix: str) -> dict[str, RawOutput]:
    """Usable outputs of per-package commands (`pm path X`, `appops get X OP`) by package."""
    out: dict[str, RawOutput] = {}
    for o in b.raw.find(prefix):
        try:
            argv = shlex.split(o.command)
        except ValueError:
            continue
        if len(argv) >= 3 and argv[2] != "--user" and _failure(o) is None:
            out[argv[2]] = o
    return out


def _per_package_one(o: RawOutput) -> str | None:
    """The package of one usable per-package output (`appops get PKG OP`), or None."""
    try:
        argv = shlex.split(o.command)
    except ValueError:
        return None
    return argv[2] if len(argv) >= 3 and _failure(o) is None else None


def _user_appops(b: _Builder) -> dict[int, dict[str, FrozenMap]]:
    """user -> package -> app ops, from the usable `appops get --user N PKG OP` answers."""
    out: dict[int, dict[str, FrozenMap]] = {}
    for o in b.raw.find("appops get --user "):
        argv = _argv(o.command)
        user = to_int(argv[3]) if len(argv) >= 5 else None
        if user is not None and _failure(o) is None:
            out.setdefault(user, {})[argv[4]] = b.safe(o.command, lambda: parse_appops(o.stdout), FrozenMap())
    return out


def _packages(b: _Builder) -> tuple[PackageInfo, ...]:
    listed = b.safe("pm list packages", lambda: _pm_list(b), None)
    dump_out = b.usable(C.DUMPSYS_PACKAGE)
    dumped: dict[str, DumpsysPackage] = {}
    if dump_out is not None:
        dumped = {d.name: d for d in b.safe("dumpsys package",
                                             lambda: packages_in(dump_out, parse_dumpsys_package), ())}
        b.dumped = tuple(dumped.values())
    disabled_out = b.usable(C.PM_DISABLED)
    system_out = b.usable(C.PM_SYSTEM)
    disabled = set(parse_package_names(disabled_out.stdout)) if disabled_out else None
    system = set(parse_package_names(system_out.stdout)) if system_out else None
    paths = {k: parse_pm_path(v.stdout) for k, v in _per_package(b, "pm path ").items()}
    # one package may have several `appops get PKG OP` answers (install, SEND_SMS): merged
    appops: dict[str, FrozenMap] = {}
    for o in b.raw.find("appops get "):
        one = _per_package_one(o)
        if one is not None:
            appops[one] = FrozenMap({**appops.get(one, {}), **parse_appops(o.stdout)})

    names: list[str] = [e.name for e in listed] if listed is not None else list(dumped)
    entries = {e.name: e for e in listed} if listed is not None else {}
    result = []
    for name in names:
        e = entries.get(name) or PmListEntry(name)
        d = dumped.get(name)
        apks = paths.get(name, ())
        base = e.path
        splits: tuple[str, ...] = ()
        if apks:
            base = apks[0]
            splits = apks[1:]
        is_system = bool(d and d.system) or bool(system and name in system)
        if disabled is not None:
            enabled = name not in disabled
        elif d is not None and d.enabled is not None:
            enabled = d.enabled
        else:
            enabled = True
        installer = e.installer if listed is not None and e.installer else (d.installer if d else None)
        result.append(
            PackageInfo(
                name=name,
                path=base,
                split_paths=splits,
                installer=installer,
                uid=e.uid if e.uid is not None else (d.uid if d else None),
                version_code=e.version_code if e.version_code is not None else (d.version_code if d else None),
                version_name=d.version_name if d else None,
                system=is_system,
                enabled=enabled,
                installed=not (d is not None and d.installed is False),
                flags=d.flags if d else (),
                requested_permissions=d.requested_permissions if d else (),
                install_permissions=d.install_permissions if d else (),
                runtime_permissions=d.runtime_permissions if d else (),
                first_install_time=d.first_install_time if d else None,
                last_update_time=d.last_update_time if d else None,
                target_sdk=d.target_sdk if d else None,
                appops=appops.get(name, FrozenMap()),
                initiating_installer=d.initiating_installer if d else None,
                shared_user=d.shared_user if d else None,
                users=d.installed_users if d else (),
                other_user_runtime_permissions=d.other_user_runtime_permissions if d else (),
            )
        )
    return tuple(result)


def _sms(b: _Builder) -> SmsSummary:
    attempts = [o for o in b.raw.find("content query ")]
    if not attempts:
        if b.raw.complete:
            b.problem(C.line(C.sms_query(C.SMS_COLUMNS)), "the SMS provider was not read")
        return SmsSummary(readable=False)
    last_error = None
    for o in reversed(attempts):
        try:
            argv = shlex.split(o.command)
            columns = tuple(argv[argv.index("--projection") + 1].split(":"))
        except (ValueError, IndexError):
            continue
        if o.error:
            last_error = o.error
            continue
        res = parse_content_query(o.stdout, columns, o.stderr)
        if res.error is not None:
            last_error = res.error
            continue

        def val(row: FrozenMap, key: str) -> str | None:
            v = row.get(key)
            return None if v in (None, "NULL") else v

        msgs = tuple(
            SmsMessage(
                id=val(r, "_id") or "",
                box=SMS_BOXES.get(val(r, "type") or "", val(r, "type") or "unknown"),
                address=val(r, "address"),
                date=val(r, "date"),
                creator=val(r, "creator"),
            )
            for r in res.rows
        )
        return SmsSummary(readable=True, messages=msgs)
    b.problem(attempts[-1].command, f"the SMS provider refused the query ({(last_error or '')[:300]})")
    return SmsSummary(readable=False)


def _root(b: _Builder, packages: tuple[PackageInfo, ...]) -> RootTraces:
    found: list[str] = []
    which = b.out(C.WHICH_SU)
    if which is not None and which.error is None:
        found.extend(p for p in parse_which(which.stdout, which.exit_code) if p not in found)
    for path in SU_PATHS:
        o = b.out(C.ls(path))
        if o is not None and o.error is None and ls_found(path, o.stdout, o.stderr, o.exit_code):
            if path not in found:
                found.append(path)
    id_out = b.usable(C.ID)
    return RootTraces(
        su_paths=tuple(found),
        root_packages=tuple(p.name for p in packages if p.name in ROOT_PACKAGES),
        shell_is_root=bool(id_out and parse_id_is_root(id_out.stdout)),
    )


def build_snapshot(raw: RawCapture) -> DeviceSnapshot:
    """Turn a capture into a snapshot. Pure; never raises; `collected_at` = raw.started_at."""
    b = _Builder(raw)
    props_out = b.usable(C.GETPROP)
    props = b.safe("getprop", lambda: parse_getprop(props_out.stdout), FrozenMap()) if props_out else FrozenMap()
    info = b.safe("getprop", lambda: device_info_from_props(raw.adb_serial, props),
                  DeviceInfo(adb_serial=raw.adb_serial))
    packages = b.safe("packages", lambda: _packages(b), ())

    settings: dict[str, FrozenMap] = {}
    for ns in C.NAMESPACES:
        o = b.usable(C.settings_list(ns))
        if o is not None:
            settings[ns] = b.safe(f"settings list {ns}", lambda: parse_settings_list(o.stdout), FrozenMap())
    secure = settings.get("secure", FrozenMap())

    acc_out = b.usable(C.DUMPSYS_ACCOUNT)
    accounts = b.safe("dumpsys account", lambda: parse_dumpsys_account(acc_out.stdout), ()) if acc_out else ()
    dp_out = b.usable(C.DUMPSYS_DEVICE_POLICY)
    admins = b.safe("dumpsys device_policy", lambda: parse_device_policy(dp_out.stdout), ()) if dp_out else ()

    a11y = list(parse_component_list(secure.get("enabled_accessibility_services")))
    a11y_out = b.usable(C.DUMPSYS_ACCESSIBILITY, required=False)
    if a11y_out is not None:
        for comp in b.safe("dumpsys accessibility", lambda: parse_dumpsys_accessibility(a11y_out.stdout), ()):
            if comp not in a11y:
                a11y.append(comp)
    listeners = parse_component_list(secure.get("enabled_notification_listeners"))

    enf_out = b.usable(C.GETENFORCE)
    selinux = parse_getenforce(enf_out.stdout) if enf_out else None
    root = b.safe("root traces", lambda: _root(b, packages), RootTraces())
    sms = b.safe("content query", lambda: _sms(b), SmsSummary())
    default_sms = secure.get("sms_default_application") or None
    if default_sms == "null":
        default_sms = None

    user_secure: dict[int, FrozenMap] = {}
    user_unread: dict[int, str] = {}
    # the users the package dump names, and those whose settings collect asked for (so a
    # package list that could not be read does not hide a work profile)
    asked = {to_int(a[2]) for a in (_argv(o.command) for o in raw.find("settings --user "))
             if len(a) > 2}
    others = {u for p in packages for u in p.users if u != 0} | {u for u in asked if u}
    for u in sorted(others)[:C.MAX_OTHER_USERS]:
        argv = C.settings_list_user("secure", u)
        o = b.out(argv)
        why = _failure(o)
        table = b.safe(C.line(argv), lambda: parse_settings_list(o.stdout), FrozenMap()) if why is None else None
        if why is None and not table:
            why = "the answer was empty or not understood"  # every user has secure settings
        if why is None and table is not None:
            user_secure[u] = table
        else:
            user_unread[u] = why or "not read"
            if o is not None or raw.complete:  # an incomplete capture already says where it stopped
                b.problem(C.line(argv), f"could not be read ({why})")

    state = _phone_state(b)  # before `problems` below is taken: it adds to them
    return DeviceSnapshot(
        device=info,
        props=props,
        packages=packages,
        settings=settings,
        accounts=accounts,
        device_admins=admins,
        accessibility_services=tuple(a11y),
        notification_listeners=listeners,
        selinux=selinux,
        root=root,
        sms=sms,
        default_sms_app=default_sms,
        complete=raw.complete,
        problems=tuple(b.problems),
        collected_at=raw.started_at,
        users=tuple(sorted({u for p in packages for u in p.users} | set(user_secure) | set(user_unread))),
        user_secure_settings=user_secure,
        user_settings_unread=user_unread,
        **state,
        activity=b.safe("activity", lambda: _activity(b), ActivityFacts()),
        user_appops=b.safe("appops get --user", lambda: _user_appops(b), {}),
        facts=_facts(raw, b),
    )


# -- phone state the forensic tools read (issue 15) ------------------------------------


def _processes(b: _Builder):
    """The `ps` table collect read: toybox's `ps -A -o ...`, else toolbox's bare `ps`."""
    from adb.parsers.processes import parse_ps

    for argv, toolbox in ((C.PS, False), (C.PS_TOOLBOX, True)):
        o = b.out(argv)
        if o is not None and _failure(o) is None:
            procs = parse_ps(o.stdout, toolbox)
            if procs:
                return procs
    last = C.PS_TOOLBOX if b.out(C.PS_TOOLBOX) is not None else C.PS
    o = b.out(last)
    if o is not None or b.raw.complete:
        why = _failure(o) or "not a process table"
        b.problem(C.line(last), f"could not be read ({why}); which apps run is unknown")
    return None


def _adb_keys(b: _Builder):
    """The computers trusted for USB debugging, or None (no adb service before Android
    10: the ledger says `unsupported`)."""
    from adb.parsers.adb_keys import parse_dumpsys_adb

    o = b.usable(C.DUMPSYS_ADB)
    if o is None:
        return None
    dump = parse_dumpsys_adb(o.stdout)
    if dump is None or not dump.readable:
        b.problem(C.line(C.DUMPSYS_ADB), "could not be read (" + (
            dump.error if dump is not None else "not the adb service's dump") + ")")
        return None
    return dump.keys


def _parsed_or_problem(b: _Builder, argv, parse, not_understood: str):
    """`parse` of the command's usable output, or None; an answer the parser finds
    nothing in (it returns None) is a problem, never an empty list."""
    o = b.usable(argv)
    if o is None:
        return None
    value = parse(o.stdout)
    if value is None:
        b.problem(C.line(argv), f"could not be read ({not_understood})")
    return value


def _mounts(b: _Builder):
    from adb.parsers.mounts import parse_mounts

    return _parsed_or_problem(b, C.CAT_MOUNTS, parse_mounts, "no mount line in the answer")


def _local_tmp(b: _Builder):
    from adb.parsers.ls_long import parse_ls_long

    return _parsed_or_problem(b, C.LS_LOCAL_TMP, parse_ls_long, "not an `ls -l` listing")


def _phone_state(b: _Builder) -> dict:
    """The snapshot fields of issue 15, each None when it was not read."""
    return {"processes": b.safe("ps", lambda: _processes(b), None),
            "adb_keys": b.safe("dumpsys adb", lambda: _adb_keys(b), None),
            "host_adb_key": b.raw.host_adb_key,
            "mounts": b.safe("cat /proc/mounts", lambda: _mounts(b), None),
            "local_tmp": b.safe("ls -la /data/local/tmp", lambda: _local_tmp(b), None)}


def _activity(b: _Builder) -> ActivityFacts:
    """Network use, last use, role holders and SEND_SMS op times; what could not be read
    is left empty here and named by the ledger (`adb.ledger.ACTIVITY_KEYS`), so the
    activity line says "unknown", never "no traffic". A cut answer still gives what it
    holds: traffic seen in its first part is traffic."""
    from adb.ledger import sms_op_outputs

    net = NetworkUse()
    o = b.usable(C.DUMPSYS_NETSTATS, required=False)
    if o is not None:
        net = parse_netstats(o.stdout)
    usage: dict[str, AppUse] = {}
    standby: dict[str, str] = {}
    o = b.usable(C.DUMPSYS_USAGESTATS, required=False)
    if o is not None:
        usage = parse_usagestats(o.stdout)[0]
        standby = parse_standby_buckets(o.stdout)
    roles: dict[str, tuple[str, ...]] = {}
    for role, argv in zip(C.ACTIVITY_ROLES, C.ROLE_QUERIES):
        o = b.usable(argv, required=False)
        holders = parse_role_holders(o.stdout) if o is not None and o.stdout else None
        if holders is not None:
            roles[role] = holders
    sms_ops: dict[str, SmsOpUse] = {}
    for o in sms_op_outputs(b.raw):
        pkg = _per_package_one(o)
        if pkg is None:
            continue
        mode, printed, ago = parse_op_time(o.stdout, C.SEND_SMS_OP)
        sms_ops[pkg] = SmsOpUse(pkg, mode, printed, ago, _epoch(o.at) - ago if ago is not None and _epoch(o.at) else None)
    return ActivityFacts(network=net, usage=usage, roles=roles, sms_ops=sms_ops, standby=standby)


def _epoch(iso: str) -> int | None:
    """Epoch seconds of an ISO 8601 time the gate stamped, or None."""
    t = parse_datetime(iso)
    return None if t is None else int(t.timestamp())


def _facts(raw: RawCapture, b: _Builder) -> dict:
    """The ledger, its app-op facts judged against what the package dump says collect
    asked for (a missing answer is then not read, not "no app op")."""
    from adb.ledger import build_ledger

    return build_ledger(raw, b.dumped)
