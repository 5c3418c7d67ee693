"""`dumpsys SERVICE ...` and `cmd SERVICE ...` dispatch, plus `dumpsys account`.

Services without data in the profile answer as a phone without that service does
(`Can't find service: NAME`); a profile gives verbatim dumps for others through
[commands].
"""

from __future__ import annotations

from simulator.commands import adb_service as _adb_service
from simulator.commands import activity as _activity
from simulator.commands import appops as _appops
from simulator.commands import package as _package
from simulator.commands import settings as _settings
from simulator.commands.result import fail, ok

#: services `dumpsys -l` lists and `dumpsys` renders
RENDERED = ("account", "package")


def dump_account(phone) -> str:
    cached = phone.render_cache.get("account")
    if cached is not None:
        return cached
    sdk = phone.profile.sdk
    accounts = phone.profile.accounts
    user = "UserInfo{0:Owner:c13}" if sdk >= 30 else "UserInfo{0:Owner:13}"
    lines = [f"User {user}:\n", f"  Accounts: {len(accounts)}\n"]
    lines.extend(f"    Account {{name={a.name}, type={a.type}}}\n" for a in accounts)
    lines.append("\n  Active Sessions: 0\n\n")
    types = list(dict.fromkeys(a.type for a in accounts))
    lines.append(f"  RegisteredServicesCache: {len(types)} services\n")
    for t in types:
        lines.append(f"    ServiceInfo: AuthenticatorDescription {{type={t}}}\n")
    lines.append("\n  Account visibility:\n")
    for a in accounts:
        lines.append(f"    {a.name}, {a.type}\n")
    text = "".join(lines)
    phone.render_cache["account"] = text
    return text


def _dumpsys_package(phone, args: list[str]):
    names: list[str] = []
    for a in args:
        if a.startswith("-"):
            continue
        if a in ("packages", "p", "package"):
            continue
        names.append(a)
    return ok(_package.dump_packages(phone, names or None))


_RULE = "-" * 79


def _dump_all(phone) -> str:
    """A bare `dumpsys`, laid out as AOSP frameworks/native/cmds/dumpsys/dumpsys.cpp does:
    the list of services, then each dump between a rule and a duration footer."""
    import datetime as _dt

    ending = _dt.datetime.fromtimestamp(phone.base_time, _dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    parts = ["Currently running services:\n"] + [f"  {name}\n" for name in RENDERED]
    bodies = {"account": lambda: dump_account(phone), "package": lambda: _package.dump_packages(phone, None)}
    for name in RENDERED:
        parts.append(f"{_RULE}\nDUMP OF SERVICE {name}:\n")
        parts.append(bodies[name]())
        parts.append(f"--------- 0.001s was the duration of dumpsys {name}, ending at: {ending}\n")
    return "".join(parts)


def dumpsys(ctx, argv, stdin):
    phone = ctx.phone
    args = argv[1:]
    if not args:
        return ok(_dump_all(phone))
    if args[0] == "-l":
        return ok("Currently running services:\n" + "".join(f"  {s}\n" for s in RENDERED))
    service, rest = args[0], args[1:]
    if service == "package":
        return _dumpsys_package(phone, rest)
    if service == "account":
        return ok(dump_account(phone))
    if service == "adb":
        return _adb_service.dump_adb(phone)
    if service == "netstats":
        return ok(_activity.dump_netstats(phone))
    if service == "usagestats":
        return ok(_activity.dump_usagestats(phone))
    return fail(f"Can't find service: {service}\n", 0)


def cmd(ctx, argv, stdin):
    """`cmd package|settings|appops ...` as the services' shell commands."""
    args = argv[1:]
    if not args:
        return fail("cmd: No service specified; use -l to list all running services. Use -w to start and wait for a service.\n", 20)
    if args[0] == "-l":
        return ok("Currently running services:\n  appops\n  package\n  role\n  settings\n")
    service = args[0]
    if service == "package":
        return _package.pm(ctx, ["pm"] + args[1:], stdin)
    if service == "settings":
        return _settings.settings(ctx, ["settings"] + args[1:], stdin)
    if service == "appops":
        return _appops.appops(ctx, ["appops"] + args[1:], stdin)
    if service == "role":
        return _activity.role(ctx, args[1:])
    return fail(f"cmd: Can't find service: {service}\n", 20)
