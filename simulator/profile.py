"""Loading and validating device profiles (docs/profile-format.md).

A profile folder holds `profile.toml` (and optional apks/, raw/, files/). `load_profile`
parses it into frozen dataclasses, with every default resolved, so the renderers in
`simulator.commands` never have to guess. A typo must not silently change a phone:
the parsed TOML is first checked against `profile.schema.json`
(`simulator.profile_schema`: unknown keys, wrong types, missing keys, values out of
range), and this module then checks what a schema cannot say (a package or APK path
used twice, files inside the profile folder, keys that exclude each other). Every
error is a `ProfileError` naming the file, the line and the key.

Extensions to the contract (additive; profiles without them behave as the spec says):

  [device]
    patch_age_days = N        ro.build.version.security_patch becomes the 5th of the month
                              that was N days before today (a "recent patch" phone stays
                              recent). Giving it together with that prop is an error.
                              ro.build.date(.utc), if older, move up to that level (a
                              build cannot hold fixes published after it).
    rw_mounts = ["/system"]   system partitions `cat /proc/mounts` shows read-write
    local_tmp = [{name = "frida-server", mode = "755", size = 15214592}]
                              files in /data/local/tmp, as `ls -la` lists them (shell's)
  [props], [settings.*], [[content]] rows
    integer values are accepted and rendered as decimal strings.
  [[packages]]
    installed = false         uninstalled for user 0 but kept (`pm list packages -u`)
    splits = ["/data/app/.../split_config.arm64_v8a.apk", ...]
                              extra APK paths: shown by `pm path`, served over sync
    initiating_installer = "com.android.shell"
                              Android 11+ `initiatingPackageName` (default: the installer)
    shared_user = "com.x.shared"
                              `sharedUser=` of dumpsys package (give the same uid to each)
    users = [0, 10]           the users it is installed for (default [0]; [10] with
                              installed = false is a work-profile-only app)
    first_install_time, last_update_time
                              "YYYY-MM-DD HH:MM:SS" (UTC) or a TOML date-time; default:
                              ro.build.date.utc (or 2009-01-01 00:00:00 UTC)
    path, uid, version_code, version_name, label may be omitted: path defaults to
    /system/app/<Name>/<Name>.apk (system) or /data/app/.../<pkg>-<hash>==/base.apk,
    uid to a free id from 10050 on, version_code to 1, version_name to "1.0".
  [packages.apk]
    label, min_sdk, target_sdk, dex_count, signer, signer_organization (the certificate O=)
    components = [{kind="service", name=".A11y", permission="android.permission.X",
                   actions=["..."], exported=true}, ...]
                              kind: activity | service | receiver | provider; exported
                              defaults to true when actions are given
  [commands."..."]
    stderr = "..."            besides stdout / file / exit
  [faults]
    hang_on_command = "..."   a shell command line (not interactive) starting with this is
                              logged and never answered: no output, no exit status, the
                              stream stays open until the host closes it or the phone stops
                              (a phone stuck in one command; the host must time out)

A package without [packages.apk] still gets a synthesized minimal APK (see
`simulator.apkcache`).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from model.snapshot import FrozenMap
from simulator import auth
from simulator.model import Faults
from simulator.profile_checker import Checker, parse_time, where
from simulator.profile_schema import validate
from simulator.profile_defaults import align_build_date, default_apk_path, patch_level_for_age
from simulator.profile_model import (
    DEFAULT_EPOCH,
    PROFILE_FILE,
    SETTINGS_NAMESPACES,
    Account,
    ActivityDecl,
    TrafficDecl,
    ApkDecl,
    CommandReply,
    ComponentDecl,
    ContentTable,
    PackageSpec,
    Profile,
    ProfileError,
)


def builtin_profiles_dir() -> Path:
    """The folder holding the built-in profiles (simulator/profiles)."""
    return Path(__file__).resolve().parent / "profiles"


def _profiles_in(folder: Path) -> list[tuple[str, str]]:
    out = []
    if not folder.is_dir():
        return out
    for sub in sorted(folder.iterdir()):
        toml_path = sub / PROFILE_FILE
        if not toml_path.is_file():
            continue
        try:
            data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
            desc = data.get("device", {}).get("description", "")
            desc = desc if isinstance(desc, str) else ""
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, AttributeError) as e:
            desc = f"(unreadable profile: {e})"
        out.append((sub.name, desc))
    return out


def builtin_profiles() -> list[tuple[str, str]]:
    """(name, description) of every built-in profile, sorted by name."""
    return _profiles_in(builtin_profiles_dir())


def resolve_profile(name_or_path: str | Path) -> Path:
    """The folder of a profile given as a built-in name, a folder or a profile.toml path."""
    p = Path(name_or_path)
    text = str(name_or_path)
    looks_like_path = isinstance(name_or_path, Path) or "/" in text or text.startswith(".")
    if p.is_file() and p.name == PROFILE_FILE:
        return p.parent
    if p.is_dir() and (looks_like_path or (p / PROFILE_FILE).is_file()):
        if not (p / PROFILE_FILE).is_file():
            raise ProfileError(f"{p}: no {PROFILE_FILE} in this folder")
        return p
    if not looks_like_path and re.fullmatch(r"[A-Za-z0-9._-]+", text):
        builtin = builtin_profiles_dir() / text
        if (builtin / PROFILE_FILE).is_file():
            return builtin
    names = ", ".join(n for n, _ in builtin_profiles()) or "none"
    raise ProfileError(f"no profile {text!r}: not a built-in name (built-in: {names}) nor a profile folder")


def _text_map(data: dict) -> FrozenMap:
    """A table of strings (the schema also allows integers, rendered in decimal)."""
    return FrozenMap({k: str(v) for k, v in data.items()})


def _load_components(raw: list) -> tuple[ComponentDecl, ...]:
    return tuple(
        ComponentDecl(
            kind=c["kind"],
            name=c["name"],
            permission=c.get("permission"),
            actions=tuple(c.get("actions", ())),
            # a component with an intent filter is exported unless it says otherwise
            exported=c.get("exported", bool(c.get("actions"))),
        )
        for c in raw
    )


def _load_apk(chk: Checker, folder: Path, table: tuple, data: dict) -> ApkDecl:
    file = chk.local_file(folder, table, "file", data["file"]) if "file" in data else None
    if file is not None:
        for k in ("classes", "strings", "signer", "signer_organization", "size", "components", "dex_count"):
            if k in data:
                raise chk.fail(table, k, f'"{k}" in {where(table)} describes an APK to synthesize; it cannot go with "file"')
    return ApkDecl(
        file=file,
        permissions=tuple(data.get("permissions", ())),
        classes=tuple(data.get("classes", ())),
        strings=tuple(data.get("strings", ())),
        signer=data.get("signer"),
        signer_organization=data.get("signer_organization"),
        size=data.get("size"),
        label=data.get("label"),
        min_sdk=data.get("min_sdk"),
        target_sdk=data.get("target_sdk"),
        components=_load_components(data.get("components", [])),
        dex_count=data.get("dex_count"),
    )


def _load_packages(chk: Checker, folder: Path, raw: list, sdk: int, default_time: int) -> tuple[PackageSpec, ...]:
    staged = []
    seen_names: set[str] = set()
    seen_paths: set[str] = set()
    used_uids = {p["uid"] for p in raw if "uid" in p}
    next_uid = 10050
    for i, p in enumerate(raw):
        t = ("packages", i)
        name = p["name"]
        if name in seen_names:
            raise chk.fail(t, "name", f'package "{name}" appears twice')
        seen_names.add(name)
        system = p.get("system", False)
        path = p.get("path") or default_apk_path(name, system, sdk)
        splits = tuple(p.get("splits", ()))
        for key, ap in [("path", path)] + [("splits", s) for s in splits]:
            if ap in seen_paths:
                raise chk.fail(t, key, f'APK path "{ap}" is used twice')
            seen_paths.add(ap)
        uid = p.get("uid")
        if uid is None:
            while next_uid in used_uids:
                next_uid += 1
            uid = next_uid
            used_uids.add(uid)
        apk = _load_apk(chk, folder, t + ("apk",), p["apk"]) if "apk" in p else None
        first = p.get("first_install_time")
        last = p.get("last_update_time")
        first_t = parse_time(chk, t, "first_install_time", first) if first is not None else default_time
        last_t = parse_time(chk, t, "last_update_time", last) if last is not None else max(first_t, default_time)
        label = p.get("label")
        if label is None:
            label = (apk.label if apk and apk.label else None) or name.rsplit(".", 1)[-1]
        staged.append(
            PackageSpec(
                name=name,
                path=path,
                system=system,
                enabled=p.get("enabled", True),
                installed=p.get("installed", True),
                installer=p.get("installer"),
                uid=uid,
                version_code=p.get("version_code", 1),
                version_name=p.get("version_name", "1.0"),
                label=label,
                granted=tuple(p.get("granted", ())),
                appops=FrozenMap(p.get("appops", {})),
                apk=apk,
                splits=splits,
                first_install_time=first_t,
                last_update_time=last_t,
                initiating_installer=p.get("initiating_installer"),
                shared_user=p.get("shared_user"),
                users=_users(chk, t, p, name),
            )
        )
    return tuple(staged)


def _users(chk: Checker, t: tuple, p: dict, name: str) -> tuple[int, ...]:
    """`users = [0, 10]`: the users a package is installed for (0 the owner, 10 a work
    profile); `installed = false` with users = [10] is a work-profile-only app. The
    schema checks the type; this checks what it cannot: agreement with `installed`."""
    raw = p.get("users")
    if raw is None:
        return ()
    users = tuple(sorted(set(raw)))
    if (0 in users) != p.get("installed", True):
        raise chk.fail(t, "users", f'"users" of {name} and "installed" disagree about user 0')
    return users


def _load_commands(chk: Checker, folder: Path, data: dict) -> FrozenMap:
    t = ("commands",)
    out = {}
    for cmd, spec in data.items():
        if "file" in spec and "stdout" in spec:
            raise chk.fail(t, cmd, f'[commands] "{cmd}" has both "file" and "stdout"; give one')
        if "file" in spec:
            stdout = chk.local_file(folder, t, cmd, spec["file"]).read_bytes()
        else:
            stdout = spec.get("stdout", "").encode()
        out[cmd.strip()] = CommandReply(stdout=stdout, stderr=spec.get("stderr", "").encode(),
                                        exit_code=spec.get("exit", 0))
    return FrozenMap(out)


def load_profile(name_or_path: str | Path) -> Profile:
    """Parse and validate a profile (built-in name, folder or profile.toml path)."""
    folder = resolve_profile(name_or_path)
    path = folder / PROFILE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ProfileError(f"{path}: cannot read: {e}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ProfileError(f"{path}: not valid TOML: {e}") from None
    # the structure and types, as profile.schema.json says them; what follows relies
    # on it and checks only what a schema cannot say
    validate(data, path, text)
    chk = Checker(path, text)

    dev = data["device"]
    state = dev.get("state", "device")
    description = dev.get("description", "")
    patch_age = dev.get("patch_age_days")
    adb_keys = tuple(dev.get("adb_keys", ()))
    running = dev.get("running")
    running = tuple(running) if running is not None else None
    logcat_file = dev.get("logcat")
    logcat = chk.local_file(folder, ("device",), "logcat", logcat_file).read_bytes() if logcat_file else b""
    for line in adb_keys:
        if auth.parse_public_key(line) is None:
            raise chk.fail(("device",), "adb_keys",
                           '"adb_keys" entries must be adb public keys as in adbkey.pub ("BASE64 user@host", 2048-bit RSA)')

    props = {k: str(v) for k, v in data["props"].items()}
    if patch_age is not None:
        if "ro.build.version.security_patch" in props:
            raise chk.fail(("device",), "patch_age_days",
                           '"patch_age_days" in [device] and "ro.build.version.security_patch" in [props] both set the patch level; keep one')
        props["ro.build.version.security_patch"] = patch_level_for_age(patch_age)
    props_map = FrozenMap(props)
    try:
        sdk = int(props.get("ro.build.version.sdk", "29"))
    except ValueError:
        sdk = 29
    try:
        default_time = int(props.get("ro.build.date.utc", DEFAULT_EPOCH))
    except ValueError:
        default_time = DEFAULT_EPOCH
    if patch_age is not None:
        # after default_time: install times keep the profile's own build date
        align_build_date(props, props["ro.build.version.security_patch"])
        props_map = FrozenMap(props)

    settings = {ns: FrozenMap() for ns in SETTINGS_NAMESPACES}
    for ns, table in data.get("settings", {}).items():
        settings[ns] = _text_map(table)

    packages = _load_packages(chk, folder, data.get("packages", []), sdk, default_time)
    accounts = [Account(a["name"], a["type"]) for a in data.get("accounts", [])]
    content = [
        ContentTable(uri=c["uri"].rstrip("/"), rows=tuple(_text_map(r) for r in c.get("rows", [])))
        for c in data.get("content", [])
    ]
    commands = _load_commands(chk, folder, data.get("commands", {}))
    files = {dev_path: chk.local_file(folder, ("files",), dev_path, rel)
             for dev_path, rel in data.get("files", {}).items()}
    fa = data.get("faults", {})
    faults = Faults(
        latency_ms=fa.get("latency_ms", 0),
        bandwidth_bytes_per_s=fa.get("bandwidth_bytes_per_s", 0),
        disconnect_after_bytes=fa.get("disconnect_after_bytes", 0),
        disconnect_on_command=fa.get("disconnect_on_command", ""),
        hang_on_command=fa.get("hang_on_command", ""),
    )

    return Profile(
        name=folder.name,
        folder=folder,
        description=description,
        state=state,
        adb_keys=adb_keys,
        running=tuple(running) if running is not None else None,
        rw_mounts=tuple(dev.get("rw_mounts", ())),
        local_tmp=tuple((f["name"], f.get("mode", "644"), f.get("size", 0)) for f in dev.get("local_tmp", ())),
        logcat=logcat,
        props=props_map,
        settings=FrozenMap(settings),
        packages=packages,
        accounts=tuple(accounts),
        content=tuple(content),
        commands=commands,
        files=FrozenMap(files),
        faults=faults,
        patch_age_days=patch_age,
        activity=_load_activity(data.get("activity", {})),
    )


def _load_activity(table: dict) -> ActivityDecl:
    """`[activity]` as the schema checked it."""
    return ActivityDecl(
        traffic=tuple(TrafficDecl(t["uid"], t["rx_bytes"], t["tx_bytes"], t["last_bucket"],
                                  t.get("network", "WIFI")) for t in table.get("traffic", [])),
        usage=FrozenMap({u["package"]: (u["last_used"], u.get("total_time_used", "00:00:01"))
                         for u in table.get("usage", [])}),
        roles=FrozenMap({r: tuple(h) for r, h in table.get("roles", {}).items()}),
        sms_sent=FrozenMap({e["package"]: e["seconds_ago"] for e in table.get("sms_sent", [])}),
    )
