"""The package manager: `pm list packages`, `pm path`, `pm dump`, and `dumpsys package`.

Formats follow AOSP PackageManagerShellCommand and the package dump of Android 10-14
(`Package [pkg] (hash):` blocks; Android 12+ print `appId=`, Android 14 moves
`firstInstallTime` under `User 0:`). Rendered blocks are cached per phone, so a
full `dumpsys package` of hundreds of packages costs one join after the first time.
"""

from __future__ import annotations

import datetime as _dt
import zlib
from dataclasses import dataclass

from simulator.apkcache import default_signer, min_target_sdk, requested_permissions
from simulator.commands.android import DANGEROUS, NORMAL, appop_permission
from simulator.commands.result import fail, ok
from simulator.profile_model import PackageSpec

RUNTIME_FLAGS_GRANTED_SYSTEM = "GRANTED_BY_DEFAULT|USER_SENSITIVE_WHEN_GRANTED|USER_SENSITIVE_WHEN_DENIED"
RUNTIME_FLAGS_GRANTED_USER = "USER_SET|USER_SENSITIVE_WHEN_GRANTED|USER_SENSITIVE_WHEN_DENIED"
RUNTIME_FLAGS_DENIED = "USER_SENSITIVE_WHEN_GRANTED|USER_SENSITIVE_WHEN_DENIED"


def hid(text: str) -> str:
    """A stable stand-in for Java's identityHashCode, as hex."""
    return format(zlib.crc32(text.encode()) & 0xFFFFFFF, "x")


def fmt_time(ts: int) -> str:
    return _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class PackageView:
    """What the package manager knows of a package, derived once from its spec."""

    spec: PackageSpec
    requested: tuple[str, ...]
    install_granted: tuple[str, ...]
    #: (permission, granted)
    runtime: tuple[tuple[str, bool], ...]
    flags: str
    private_flags: str
    min_sdk: int
    target_sdk: int


def view(phone, pkg: PackageSpec) -> PackageView:
    cache = phone.render_cache.setdefault("pkgview", {})
    v = cache.get(pkg.name)
    if v is not None:
        return v
    requested = requested_permissions(pkg)
    granted = set(pkg.granted)
    appop_perms = {appop_permission(op) for op in pkg.appops} - {None}
    install = tuple(
        p for p in requested
        if p not in DANGEROUS and (pkg.system or p in granted or p in NORMAL or p in appop_perms)
    )
    runtime = tuple((p, p in granted) for p in requested if p in DANGEROUS)
    updated = pkg.system and pkg.path.startswith("/data/")
    words = (["SYSTEM"] if pkg.system else []) + ["HAS_CODE", "ALLOW_CLEAR_USER_DATA"]
    if updated:
        words.append("UPDATED_SYSTEM_APP")
    words.append("ALLOW_BACKUP")
    private = ["PRIVATE_FLAG_ACTIVITIES_RESIZE_MODE_RESIZEABLE_VIA_SDK_VERSION", "ALLOW_AUDIO_PLAYBACK_CAPTURE"]
    if "/priv-app/" in pkg.path:
        private.append("PRIVILEGED")
    min_sdk, target = min_target_sdk(pkg, phone.profile.sdk)
    v = PackageView(pkg, requested, install, runtime, " ".join(words), " ".join(private), min_sdk, target)
    cache[pkg.name] = v
    return v


# --------------------------------------------------------------------------- pm list packages


def list_packages(phone, args: list[str]):
    show_path = show_installer = show_uid = show_vc = False
    only_sys = only_3p = only_dis = only_en = with_uninstalled = False
    uid_filter = None
    filt = None
    user = 0
    sdk = phone.profile.sdk
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a == "--show-versioncode":
            if sdk < 28:  # added in Android 9
                return fail(f"Error: Unknown option: {a}\n", 255)
            show_vc = True
        elif a == "--user":
            if i >= len(args):
                return fail("Error: no user id specified\n", 255)
            try:
                user = int(args[i]) if args[i] not in ("all", "current") else 0
            except ValueError:
                return fail(f"Error: invalid user: {args[i]}\n", 255)
            i += 1
        elif a == "--uid":
            if i >= len(args):
                return fail("Error: --uid needs a value\n", 255)
            try:
                uid_filter = int(args[i])
            except ValueError:
                return fail(f"Error: invalid uid: {args[i]}\n", 255)
            i += 1
        elif a in ("--apex-only", "--factory-only"):
            if a == "--apex-only":
                return ok("")
        elif a.startswith("-") and len(a) > 1 and not a.startswith("--"):
            for f in a[1:]:
                if f == "f":
                    show_path = True
                elif f == "i":
                    show_installer = True
                elif f == "U":
                    if sdk < 26:  # added in Android 8
                        return fail("Error: Unknown option: -U\n", 255)
                    show_uid = True
                elif f == "u" or f == "a":
                    with_uninstalled = True
                elif f == "s":
                    only_sys = True
                elif f == "3":
                    only_3p = True
                elif f == "d":
                    only_dis = True
                elif f == "e":
                    only_en = True
                elif f == "l":
                    pass  # accepted and ignored, as on the phone
                else:
                    return fail(f"Error: Unknown option: -{f}\n", 255)
        elif a.startswith("--"):
            return fail(f"Error: Unknown option: {a}\n", 255)
        else:
            filt = a
    lines = []
    for pkg in phone.profile.packages:
        if user not in pkg.installed_users and not with_uninstalled:
            continue
        if only_sys and not pkg.system or only_3p and pkg.system:
            continue
        if only_dis and pkg.enabled or only_en and not pkg.enabled:
            continue
        if filt is not None and filt not in pkg.name:
            continue
        if uid_filter is not None and pkg.uid != uid_filter:
            continue
        line = "package:"
        if show_path:
            line += pkg.path + "="
        line += pkg.name
        if show_vc:
            line += f" versionCode:{pkg.version_code}"
        if show_installer:
            line += f"  installer={pkg.installer or 'null'}"
        if show_uid:
            line += f" uid:{pkg.uid}"
        lines.append(line + "\n")
    return ok("".join(lines))


def pm_path(phone, args: list[str]):
    rest = []
    i = 0
    while i < len(args):
        if args[i] == "--user":
            i += 2
            continue
        rest.append(args[i])
        i += 1
    if not rest:
        return fail("Error: no package specified\n", 1)
    pkg = phone.profile.package(rest[0])
    if pkg is None or not pkg.installed:
        return ok(code=1)
    return ok("".join(f"package:{p}\n" for p in pkg.apk_paths))


PM_USAGE = """Package manager (package) commands:
  help
    Print this help text.
  path [--user USER_ID] PACKAGE
    Print the path to the .apk of the given PACKAGE.
  dump PACKAGE
    Print various system state associated with the given PACKAGE.
  list packages [-f] [-d] [-e] [-s] [-3] [-i] [-l] [-u] [-U]
      [--show-versioncode] [--apex-only] [--uid UID] [--user USER_ID] [FILTER]
    Prints all packages; optionally only those whose name contains
    the text in FILTER.
  list users
    Prints all users.
"""


def pm(ctx, argv, stdin):
    """`pm ...` and `cmd package ...`."""
    phone = ctx.phone
    args = argv[1:]
    if not args or args[0] in ("help", "-h"):
        return ok(PM_USAGE)
    verb = args[0]
    if verb == "list":
        what = args[1] if len(args) > 1 else ""
        if what in ("packages", "package"):
            return list_packages(phone, args[2:])
        if what == "users":
            rows = ["\tUserInfo{0:Owner:c13} running\n"]
            rows += [f"\tUserInfo{{{u}:Work profile:1030}} running\n" for u in phone.profile.users if u != 0]
            return ok("Users:\n" + "".join(rows))
        if not what:
            return fail("Error: didn't specify type of data to list\n", 255)
        return fail(f"Error: unknown list type '{what}'\n", 255)
    if verb == "path":
        return pm_path(phone, args[1:])
    if verb == "dump":
        if len(args) < 2:
            return fail("Error: no package specified\n", 1)
        return ok(dump_packages(phone, [args[1]]))
    if verb in ("install", "install-existing", "uninstall", "clear", "enable", "disable",
                "disable-user", "disable-until-used", "hide", "unhide", "suspend", "unsuspend",
                "grant", "revoke", "reset-permissions", "set-installer", "set-home-activity"):
        return fail("Security exception: the simulated phone is read-only\n", 255)
    return fail(f"Unknown command: {verb}\n", 255)


# --------------------------------------------------------------------------- dumpsys package


def _component_short(pkg: str, cls: str) -> str:
    if cls.startswith(pkg + "."):
        return f"{pkg}/{cls[len(pkg):]}"
    return f"{pkg}/{cls}"


_RESOLVERS = (("activity", "Activity Resolver Table:"), ("receiver", "Receiver Resolver Table:"),
              ("service", "Service Resolver Table:"))


def _resolver_tables(pkgs: list[PackageSpec]) -> str:
    out = []
    for kind, title in _RESOLVERS:
        by_action: dict[str, list[tuple[str, str]]] = {}
        for pkg in pkgs:
            if pkg.apk is None:
                continue
            for c in pkg.apk.components:
                if c.kind != kind:
                    continue
                cls = c.class_name(pkg.name)
                for action in c.actions:
                    by_action.setdefault(action, []).append((pkg.name, cls))
        if not by_action:
            continue
        out.append(f"{title}\n  Non-Data Actions:\n")
        for action, comps in by_action.items():
            out.append(f"      {action}:\n")
            for pkg_name, cls in comps:
                short = _component_short(pkg_name, cls)
                out.append(f"        {hid(short)} {short} filter {hid(short + action)}\n")
                out.append(f'          Action: "{action}"\n')
        out.append("\n")
    return "".join(out)


def package_block(phone, pkg: PackageSpec) -> str:
    """The `  Package [pkg] (hash):` block, as the phone's Android version prints it."""
    cache = phone.render_cache.setdefault("pkgblock", {})
    block = cache.get(pkg.name)
    if block is not None:
        return block
    sdk = phone.profile.sdk
    v = view(phone, pkg)
    cp = pkg.code_path
    L = []
    a = L.append
    a(f"  Package [{pkg.name}] ({hid('ps' + pkg.name)}):\n")
    a(f"    {'appId' if sdk >= 31 else 'userId'}={pkg.uid}\n")
    if pkg.shared_user:
        a(f"    sharedUser=SharedUserSetting{{{hid('su' + pkg.shared_user)} {pkg.shared_user}/{pkg.uid}}}\n")
    elif pkg.uid < 10000:
        shared = {1000: "android.uid.system", 1001: "android.uid.phone", 1002: "android.uid.bluetooth",
                  1027: "android.uid.nfc", 1068: "android.uid.se"}.get(pkg.uid)
        if shared:
            a(f"    sharedUser=SharedUserSetting{{{hid('su' + shared)} {shared}/{pkg.uid}}}\n")
    a(f"    pkg=Package{{{hid('pkg' + pkg.name)} {pkg.name}}}\n")
    a(f"    codePath={cp}\n")
    a(f"    resourcePath={cp}\n")
    a(f"    legacyNativeLibraryDir={cp}/lib\n")
    if sdk >= 33:
        a("    extractNativeLibs=false\n")
    a("    primaryCpuAbi=null\n")
    a("    secondaryCpuAbi=null\n")
    if sdk >= 33:
        a("    cpuAbiOverride=null\n")
    a(f"    versionCode={pkg.version_code} minSdk={v.min_sdk} targetSdk={v.target_sdk}\n")
    if sdk >= 31:
        a("    minExtensionVersions=[]\n")
    a(f"    versionName={pkg.version_name}\n")
    if sdk >= 31:
        a("    usesNonSdkApi=false\n")
    split_names = ["base"] + [s.rsplit("/", 1)[-1].removesuffix(".apk").removeprefix("split_") for s in pkg.splits]
    a(f"    splits=[{', '.join(split_names)}]\n")
    a("    apkSigningVersion=2\n")
    if sdk <= 30:
        a(f"    applicationInfo=ApplicationInfo{{{hid('ai' + pkg.name)} {pkg.name}}}\n")
    a(f"    flags=[ {v.flags} ]\n")
    a(f"    privateFlags=[ {v.private_flags} ]\n")
    if sdk >= 30:
        a("    forceQueryable=false\n")
    a(f"    dataDir=/data/user/0/{pkg.name}\n")
    a("    supportsScreens=[small, medium, large, xlarge, resizeable, anyDensity]\n")
    a(f"    timeStamp={fmt_time(pkg.last_update_time)}\n")
    if sdk < 34:
        a(f"    firstInstallTime={fmt_time(pkg.first_install_time)}\n")
    a(f"    lastUpdateTime={fmt_time(pkg.last_update_time)}\n")
    if sdk >= 33:
        a(f"    installerPackageName={pkg.installer or 'null'}\n")
        if sdk >= 34:
            installer_uid = -1
            if pkg.installer:
                ip = phone.profile.package(pkg.installer)
                installer_uid = ip.uid if ip else -1
            a(f"    installerPackageUid={installer_uid}\n")
        a(f"    initiatingPackageName={pkg.initiating_installer or pkg.installer or 'null'}\n")
        a("    originatingPackageName=null\n")
    elif pkg.installer:
        a(f"    installerPackageName={pkg.installer}\n")
        if sdk >= 30 and (pkg.initiating_installer or pkg.installer):
            # Android 11 and 12 print the InstallSource fields that are set
            a(f"    initiatingPackageName={pkg.initiating_installer or pkg.installer}\n")
    signer = pkg.apk.signer if pkg.apk and pkg.apk.signer else default_signer(pkg)
    a(f"    signatures=PackageSignatures{{{hid('sigs' + pkg.name)} version:2, signatures:[{hid('cert' + signer)}], past signatures:[]}}\n")
    a("    installPermissionsFixed=true\n")
    a(f"    pkgFlags=[ {v.flags} ]\n")
    if sdk >= 33:
        a(f"    privatePkgFlags=[ {v.private_flags} ]\n")
    if sdk <= 22:
        return _legacy_tail(phone, pkg, v, L, cache)
    if v.requested:
        a("    requested permissions:\n")
        for p in v.requested:
            a(f"      {p}\n")
    if v.install_granted:
        a("    install permissions:\n")
        for p in v.install_granted:
            a(f"      {p}: granted=true\n")
    inode = zlib.crc32(("inode" + pkg.name).encode()) % 900000 + 100000
    enabled = 0 if pkg.enabled else 3
    distraction = " distractionFlags=0" if sdk >= 30 else ""
    for user in phone.profile.users:
        on = user in pkg.installed_users
        installed = "true" if on else "false"
        a(f"    User {user}: ceDataInode={inode if on else 0} installed={installed} hidden=false suspended=false"
          f"{distraction} stopped={'false' if on else 'true'} notLaunched={'false' if on else 'true'} "
          f"enabled={enabled} instant=false virtual=false\n")
        if sdk >= 34:
            a("      installReason=0\n")
            a(f"      firstInstallTime={fmt_time(pkg.first_install_time)}\n")
            a("      uninstallReason=0\n")
        if enabled == 3 and sdk >= 29:
            a("      lastDisabledCaller: com.android.settings\n")
        if on and "android.permission.INTERNET" in v.install_granted:
            a("      gids=[3003]\n")
        if v.runtime:
            a("      runtime permissions:\n")
            for p, granted in v.runtime:
                if granted and on:
                    flags = RUNTIME_FLAGS_GRANTED_SYSTEM if pkg.system else RUNTIME_FLAGS_GRANTED_USER
                    a(f"        {p}: granted=true, flags=[ {flags}]\n")
                else:
                    a(f"        {p}: granted=false, flags=[ {RUNTIME_FLAGS_DENIED}]\n")
    block = "".join(L)
    cache[pkg.name] = block
    return block


def _legacy_tail(phone, pkg: PackageSpec, v: PackageView, L: list[str], cache: dict) -> str:
    """The end of a package block on Android 5 (and older): one `User N:` line per user and
    every permission granted at install in one `grantedPermissions:` list of bare names,
    as AOSP frameworks/base services/java/com/android/server/pm/Settings.java prints them."""
    a = L.append
    enabled = 0 if pkg.enabled else 3
    for user in phone.profile.users:
        on = "true" if user in pkg.installed_users else "false"
        a(f"    User {user}: installed={on} hidden=false stopped=false notLaunched=false enabled={enabled}\n")
    # no runtime permissions yet: every permission an app asks for is granted at install
    granted = list(v.requested)
    if granted:
        a("    grantedPermissions:\n")
        for p in granted:
            a(f"      {p}\n")
    block = "".join(L)
    cache[pkg.name] = block
    return block


def dump_packages(phone, names: list[str] | None) -> str:
    """`dumpsys package` (names None: every package) or `dumpsys package PKG`."""
    key = ("dump", None if names is None else tuple(names))
    cached = phone.render_cache.get(key)
    if cached is not None:
        return cached
    if names is None:
        pkgs = list(phone.profile.packages)
    else:
        pkgs = [p for p in (phone.profile.package(n) for n in names) if p is not None]
    out = []
    if names is None:
        out.append("Database versions:\n  Internal:\n"
                   f"    sdkVersion={phone.profile.sdk} databaseVersion=3\n"
                   f"    fingerprint={phone.profile.props.get('ro.build.fingerprint', '')}\n\n")
    out.append(_resolver_tables(pkgs))
    if pkgs:
        out.append("Key Set Manager:\n")
        for p in pkgs:
            out.append(f"  [{p.name}]\n      Signing KeySets: {zlib.crc32(p.name.encode()) % 90 + 1}\n")
        out.append("\nPackages:\n")
        out.extend(package_block(phone, p) for p in pkgs)
        out.append("\n")
    if names is not None:
        out.append("Dexopt state:\n")
        for n in names:
            p = phone.profile.package(n)
            if p is None:
                out.append(f"  Unable to find package: {n}\n")
            else:
                out.append(f"  [{p.name}]\n    path: {p.path}\n      arm64: [status=speed-profile] [reason=install]\n")
        out.append("\n")
    text = "".join(out)
    phone.render_cache[key] = text
    return text
