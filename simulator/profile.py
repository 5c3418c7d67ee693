"""Loading and validating device profiles (docs/profile-format.md).

A profile folder holds `profile.toml` (and optional apks/, raw/, files/). `load_profile`
parses it into frozen dataclasses, with every default resolved, so the renderers in
`simulator.commands` never have to guess. A typo must not silently change a
phone: unknown keys and wrong types raise `ProfileError` naming the file, the key and
its line (tomllib has no positions, so `simulator.profile_lines.Locator` finds the line in the text).

Extensions to the contract (additive; profiles without them behave as the spec says):

  [device]
    patch_age_days = N        ro.build.version.security_patch becomes the 5th of the month
                              that was N days before today (a "recent patch" phone stays
                              recent). Giving it together with that prop is an error.
                              ro.build.date(.utc), if older, move up to that level (a
                              build cannot hold fixes published after it).
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
    label, min_sdk, target_sdk, dex_count
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
from typing import Any

from model.snapshot import FrozenMap
from simulator.model import Faults
from simulator.profile_checker import Checker, parse_time, type_name, where
from simulator.profile_defaults import align_build_date, default_apk_path, patch_level_for_age
from simulator.profile_model import (
    APPOP_MODES,
    COMPONENT_KINDS,
    DEFAULT_EPOCH,
    PROFILE_FILE,
    SETTINGS_NAMESPACES,
    STATES,
    Account,
    ApkDecl,
    CommandReply,
    ComponentDecl,
    ContentTable,
    PackageSpec,
    Profile,
    ProfileError,
)

_PKG_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$")


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


def _load_components(chk: Checker, table: tuple, raw: Any) -> tuple[ComponentDecl, ...]:
    if not isinstance(raw, list):
        raise chk.fail(table, "components", f'"components" in {where(table)} must be an array of tables, not {type_name(raw)}')
    out = []
    for i, c in enumerate(raw):
        ct = table + ("components", i)
        if not isinstance(c, dict):
            raise chk.fail(table, "components", f'each of "components" in {where(table)} must be a table, not {type_name(c)}')
        for k in c:
            if k not in ("kind", "name", "permission", "actions", "exported"):
                raise chk.fail(table, k, f'unknown key "{k}" in a component of {where(table)}')
        kind = chk.get(ct, c, "kind", "str", required=True)
        if kind not in COMPONENT_KINDS:
            raise chk.fail(table, "kind", f'component kind "{kind}" in {where(table)} must be one of {", ".join(COMPONENT_KINDS)}')
        actions = chk.get(ct, c, "actions", "strlist", ())
        out.append(
            ComponentDecl(
                kind=kind,
                name=chk.get(ct, c, "name", "str", required=True),
                permission=chk.get(ct, c, "permission", "str"),
                actions=actions,
                exported=chk.get(ct, c, "exported", "bool", bool(actions)),
            )
        )
    return tuple(out)


def _load_apk(chk: Checker, folder: Path, table: tuple, data: dict) -> ApkDecl:
    allowed = ("file", "permissions", "classes", "strings", "signer", "size", "label",
               "min_sdk", "target_sdk", "components", "dex_count")
    chk.keys(table, data, allowed)
    file_rel = chk.get(table, data, "file", "str")
    file = chk.local_file(folder, table, "file", file_rel) if file_rel is not None else None
    if file is not None:
        for k in ("classes", "strings", "signer", "size", "components", "dex_count"):
            if k in data:
                raise chk.fail(table, k, f'"{k}" in {where(table)} describes an APK to synthesize; it cannot go with "file"')
    comps = _load_components(chk, table, data["components"]) if "components" in data else ()
    dex_count = chk.nonneg(table, data, "dex_count")
    if dex_count is not None and dex_count < 1:
        raise chk.fail(table, "dex_count", f'"dex_count" in {where(table)} must be at least 1')
    return ApkDecl(
        file=file,
        permissions=chk.get(table, data, "permissions", "strlist", ()),
        classes=chk.get(table, data, "classes", "strlist", ()),
        strings=chk.get(table, data, "strings", "strlist", ()),
        signer=chk.get(table, data, "signer", "str"),
        size=chk.nonneg(table, data, "size"),
        label=chk.get(table, data, "label", "str"),
        min_sdk=chk.nonneg(table, data, "min_sdk"),
        target_sdk=chk.nonneg(table, data, "target_sdk"),
        components=comps,
        dex_count=dex_count,
    )


def _load_packages(chk: Checker, folder: Path, raw: Any, sdk: int, default_time: int) -> tuple[PackageSpec, ...]:
    if not isinstance(raw, list):
        raise chk.fail((), "packages", f'"packages" must be an array of tables ([[packages]]), not {type_name(raw)}')
    allowed = ("name", "path", "system", "enabled", "installed", "installer", "uid", "version_code",
               "version_name", "label", "granted", "appops", "apk", "splits",
               "first_install_time", "last_update_time", "initiating_installer", "shared_user", "users")
    staged = []
    seen_names: set[str] = set()
    seen_paths: set[str] = set()
    used_uids = {p["uid"] for p in raw if isinstance(p, dict) and isinstance(p.get("uid"), int)}
    next_uid = 10050
    for i, p in enumerate(raw):
        t = ("packages", i)
        if not isinstance(p, dict):
            raise chk.fail((), "packages", f"each [[packages]] entry must be a table, not {type_name(p)}")
        chk.keys(t, p, allowed)
        name = chk.get(t, p, "name", "str", required=True)
        if not _PKG_NAME.match(name):
            raise chk.fail(t, "name", f'"{name}" is not a valid package name')
        if name in seen_names:
            raise chk.fail(t, "name", f'package "{name}" appears twice')
        seen_names.add(name)
        system = chk.get(t, p, "system", "bool", False)
        path = chk.get(t, p, "path", "str") or default_apk_path(name, system, sdk)
        splits = chk.get(t, p, "splits", "strlist", ())
        for key, ap in [("path", path)] + [("splits", s) for s in splits]:
            if not ap.startswith("/") or not ap.endswith(".apk") or "/../" in ap or "//" in ap:
                raise chk.fail(t, key, f'"{ap}" ({key} of {name}) must be an absolute device path ending in .apk')
            if ap in seen_paths:
                raise chk.fail(t, key, f'APK path "{ap}" is used twice')
            seen_paths.add(ap)
        uid = chk.nonneg(t, p, "uid")
        if uid is None:
            while next_uid in used_uids:
                next_uid += 1
            uid = next_uid
            used_uids.add(uid)
        appops_raw = chk.get(t, p, "appops", "table", {})
        appops = {}
        for op, mode in appops_raw.items():
            at = t + ("appops",)
            if not isinstance(mode, str):
                raise chk.fail(t, op, f'app op "{op}" of {name} must be a string mode, not {type_name(mode)}')
            if mode not in APPOP_MODES:
                raise chk.fail(t, op, f'app op "{op}" of {name}: mode "{mode}" must be one of {", ".join(APPOP_MODES)}')
            if not re.fullmatch(r"[A-Z][A-Z0-9_]*", op):
                raise chk.fail(at, op, f'app op "{op}" of {name} must be an op name such as REQUEST_INSTALL_PACKAGES')
            appops[op] = mode
        apk = None
        if "apk" in p:
            apk = _load_apk(chk, folder, t + ("apk",), chk.table(t + ("apk",), p["apk"], "apk"))
        first = p.get("first_install_time")
        last = p.get("last_update_time")
        chk.get(t, p, "first_install_time", "time")
        chk.get(t, p, "last_update_time", "time")
        first_t = parse_time(chk, t, "first_install_time", first) if first is not None else default_time
        last_t = parse_time(chk, t, "last_update_time", last) if last is not None else max(first_t, default_time)
        label = chk.get(t, p, "label", "str")
        if label is None:
            label = (apk.label if apk and apk.label else None) or name.rsplit(".", 1)[-1]
        staged.append(
            PackageSpec(
                name=name,
                path=path,
                system=system,
                enabled=chk.get(t, p, "enabled", "bool", True),
                installed=chk.get(t, p, "installed", "bool", True),
                installer=chk.get(t, p, "installer", "str"),
                uid=uid,
                version_code=chk.nonneg(t, p, "version_code", 1),
                version_name=chk.get(t, p, "version_name", "str", "1.0"),
                label=label,
                granted=chk.get(t, p, "granted", "strlist", ()),
                appops=FrozenMap(appops),
                apk=apk,
                splits=splits,
                first_install_time=first_t,
                last_update_time=last_t,
                initiating_installer=chk.get(t, p, "initiating_installer", "str"),
                shared_user=chk.get(t, p, "shared_user", "str"),
                users=_users(chk, t, p, name),
            )
        )
    return tuple(staged)


def _users(chk: Checker, t: tuple, p: dict, name: str) -> tuple[int, ...]:
    """`users = [0, 10]`: the users a package is installed for (0 the owner, 10 a work
    profile); `installed = false` with users = [10] is a work-profile-only app."""
    raw = p.get("users")
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(u, int) and not isinstance(u, bool) and 0 <= u < 1000
                                            for u in raw):
        raise chk.fail(t, "users", f'"users" of {name} must be a list of user ids such as [0, 10]')
    users = tuple(sorted(set(raw)))
    if (0 in users) != chk.get(t, p, "installed", "bool", True):
        raise chk.fail(t, "users", f'"users" of {name} and "installed" disagree about user 0')
    return users


def _load_commands(chk: Checker, folder: Path, raw: Any) -> FrozenMap:
    t = ("commands",)
    data = chk.table(t, raw, "commands")
    out = {}
    for cmd, spec in data.items():
        if not isinstance(spec, dict):
            raise chk.fail(t, cmd, f'[commands] "{cmd}" must be a table like {{ stdout = "..." }}, not {type_name(spec)}')
        for k in spec:
            if k not in ("file", "stdout", "stderr", "exit"):
                raise chk.fail(t, cmd, f'unknown key "{k}" in [commands] "{cmd}"')
        for k, kind in (("file", "str"), ("stdout", "str"), ("stderr", "str"), ("exit", "int")):
            if k in spec:
                ok = isinstance(spec[k], str) if kind == "str" else (isinstance(spec[k], int) and not isinstance(spec[k], bool))
                if not ok:
                    raise chk.fail(t, cmd, f'"{k}" of [commands] "{cmd}" must be {"a string" if kind == "str" else "an integer"}, not {type_name(spec[k])}')
        if "file" in spec and "stdout" in spec:
            raise chk.fail(t, cmd, f'[commands] "{cmd}" has both "file" and "stdout"; give one')
        if "file" in spec:
            stdout = chk.local_file(folder, t, cmd, spec["file"]).read_bytes()
        else:
            stdout = spec.get("stdout", "").encode()
        code = spec.get("exit", 0)
        if not 0 <= code <= 255:
            raise chk.fail(t, cmd, f'"exit" of [commands] "{cmd}" must be 0..255')
        out[cmd.strip()] = CommandReply(stdout=stdout, stderr=spec.get("stderr", "").encode(), exit_code=code)
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
    chk = Checker(path, text)
    top = ("device", "props", "settings", "packages", "accounts", "content", "commands", "files", "faults")
    chk.keys((), data, top)
    for req in ("device", "props"):
        if req not in data:
            raise ProfileError(f"{path}: missing required table [{req}]")

    dev = chk.table(("device",), data["device"], "device")
    chk.keys(("device",), dev, ("state", "description", "patch_age_days"))
    state = chk.get(("device",), dev, "state", "str", "device")
    if state not in STATES:
        raise chk.fail(("device",), "state", f'"state" must be one of {", ".join(STATES)}, not "{state}"')
    description = chk.get(("device",), dev, "description", "str", "")
    patch_age = chk.nonneg(("device",), dev, "patch_age_days")

    props = dict(chk.str_map(("props",), chk.table(("props",), data["props"], "props")))
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
    if "settings" in data:
        st = chk.table(("settings",), data["settings"], "settings")
        chk.keys(("settings",), st, SETTINGS_NAMESPACES)
        for ns, table in st.items():
            settings[ns] = chk.str_map(("settings", ns), chk.table(("settings", ns), table, ns))

    packages = _load_packages(chk, folder, data.get("packages", []), sdk, default_time)

    accounts = []
    raw_acc = data.get("accounts", [])
    if not isinstance(raw_acc, list):
        raise chk.fail((), "accounts", f'"accounts" must be an array of tables ([[accounts]]), not {type_name(raw_acc)}')
    for i, a in enumerate(raw_acc):
        t = ("accounts", i)
        a = chk.table(t, a, "accounts")
        chk.keys(t, a, ("name", "type"))
        accounts.append(Account(chk.get(t, a, "name", "str", required=True), chk.get(t, a, "type", "str", required=True)))

    content = []
    raw_content = data.get("content", [])
    if not isinstance(raw_content, list):
        raise chk.fail((), "content", f'"content" must be an array of tables ([[content]]), not {type_name(raw_content)}')
    for i, c in enumerate(raw_content):
        t = ("content", i)
        c = chk.table(t, c, "content")
        chk.keys(t, c, ("uri", "rows"))
        uri = chk.get(t, c, "uri", "str", required=True)
        if not uri.startswith("content://"):
            raise chk.fail(t, "uri", f'"uri" in [[content]] must start with content://, not "{uri}"')
        rows_raw = chk.get(t, c, "rows", "list", [])
        rows = []
        for r in rows_raw:
            if not isinstance(r, dict):
                raise chk.fail(t, "rows", f'each row of [[content]] "{uri}" must be a table, not {type_name(r)}')
            rows.append(chk.str_map(t, r))
        content.append(ContentTable(uri=uri.rstrip("/"), rows=tuple(rows)))

    commands = _load_commands(chk, folder, data["commands"]) if "commands" in data else FrozenMap()

    files = {}
    if "files" in data:
        ft = chk.table(("files",), data["files"], "files")
        for dev_path, rel in ft.items():
            if not isinstance(rel, str):
                raise chk.fail(("files",), dev_path, f'[files] "{dev_path}" must be a file name in the profile folder, not {type_name(rel)}')
            if not dev_path.startswith("/") or "/../" in dev_path or dev_path.endswith("/"):
                raise chk.fail(("files",), dev_path, f'[files] "{dev_path}" must be an absolute device path to a file')
            files[dev_path] = chk.local_file(folder, ("files",), dev_path, rel)

    faults = Faults()
    if "faults" in data:
        fa = chk.table(("faults",), data["faults"], "faults")
        chk.keys(("faults",), fa, ("latency_ms", "bandwidth_bytes_per_s", "disconnect_after_bytes",
                                   "disconnect_on_command", "hang_on_command"))
        faults = Faults(
            latency_ms=chk.nonneg(("faults",), fa, "latency_ms", 0),
            bandwidth_bytes_per_s=chk.nonneg(("faults",), fa, "bandwidth_bytes_per_s", 0),
            disconnect_after_bytes=chk.nonneg(("faults",), fa, "disconnect_after_bytes", 0),
            disconnect_on_command=chk.get(("faults",), fa, "disconnect_on_command", "str", ""),
            hang_on_command=chk.get(("faults",), fa, "hang_on_command", "str", ""),
        )

    return Profile(
        name=folder.name,
        folder=folder,
        description=description,
        state=state,
        props=props_map,
        settings=FrozenMap(settings),
        packages=packages,
        accounts=tuple(accounts),
        content=tuple(content),
        commands=commands,
        files=FrozenMap(files),
        faults=faults,
        patch_age_days=patch_age,
    )
