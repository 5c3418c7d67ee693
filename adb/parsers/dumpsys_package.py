"""`dumpsys package` (all packages or one): the `Packages:` section, block by block.

A block starts with `  Package [NAME] (hash):` and holds `key=value` lines, the
`requested permissions:` / `install permissions:` lists and per-user sections
(`User 0: ... installed=true ... enabled=0`) with `runtime permissions:`. Only the
`Packages:` section is read: `Hidden system packages:` repeats blocks with the
factory versions. Variants handled: `userId=` / `appId=`, `flags=` / `pkgFlags=`,
`firstInstallTime` in the block (Android <= 12) or under `User 0:` (13+), CRLF.

By Android version (AOSP frameworks/base, the package dump of `Settings.java` /
`ComputerEngine.java`):
- Android 5 and older grant every permission at install: one `grantedPermissions:` list
  of bare names (services/java/com/android/server/pm/Settings.java, dumpPackagesLPr);
  Android 6+ print `install permissions:` and, per user, `runtime permissions:` with
  `granted=true|false`;
- Android 11+ record the install source (`InstallSource`): `installerPackageName=`,
  `initiatingPackageName=` (who asked for the install: `com.android.shell` for
  `adb install -i com.android.vending`), `originatingPackageName=`, and on 14+
  `installerPackageUid=`;
- every user of the phone has its `User N:` line (work profile, secondary users); a
  package can be installed for user 10 and not for user 0;
- `sharedUser=SharedUserSetting{hash NAME/UID}`: packages sharing a uid share its
  permissions and network access.
"""

from __future__ import annotations

import re
import threading
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from adb.parsers._text import as_text, to_int

if TYPE_CHECKING:
    from adb.capture import RawOutput

_PKG_START = re.compile(r"^\s{1,4}Package \[([^\]\s]+)\] \(([0-9a-fA-F]*)\):\s*$")
_USER = re.compile(r"^\s+User (\d+):(.*)$")
_KV = re.compile(r"([A-Za-z][A-Za-z0-9_]*)=(\S*)")
_PERM_LINE = re.compile(r"^\s+([A-Za-z0-9_.$\-]+)(?::\s*(.*))?$")
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.]*")
#: `SharedUserSetting{1a2b3c android.uid.system/1000}` -> android.uid.system
_SHARED = re.compile(r"SharedUserSetting\{\S+ ([^/\s}]+)/")


@dataclass(frozen=True)
class DumpsysPackage:
    """What `dumpsys package` says about one package (user 0 where per-user)."""

    name: str
    uid: int | None = None
    code_path: str | None = None
    version_code: int | None = None
    version_name: str | None = None
    min_sdk: int | None = None
    target_sdk: int | None = None
    flags: tuple[str, ...] = ()
    private_flags: tuple[str, ...] = ()
    #: `splits=[base, config.arm64_v8a]`, empty when not printed
    splits: tuple[str, ...] = ()
    installer: str | None = None
    first_install_time: str | None = None
    last_update_time: str | None = None
    requested_permissions: tuple[str, ...] = ()
    install_permissions: tuple[str, ...] = ()
    runtime_permissions: tuple[str, ...] = ()
    #: user 0 `installed=` (None if no User 0 line)
    installed: bool | None = None
    #: user 0 `enabled=` state: 0 default, 1 enabled, 2 disabled, 3 disabled-user, 4 until used
    enabled_state: int | None = None
    #: Android 11+ install source: the package that asked for the install (None if not printed)
    initiating_installer: str | None = None
    originating_installer: str | None = None
    #: the name of the shared user id (`android.uid.system`), None when not shared
    shared_user: str | None = None
    #: every user id with a `User N:` line, and those where `installed=true`
    users: tuple[int, ...] = ()
    installed_users: tuple[int, ...] = ()
    #: runtime permissions granted in users other than 0 (a work profile's grants)
    other_user_runtime_permissions: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def system(self) -> bool:
        return "SYSTEM" in self.flags

    @property
    def enabled(self) -> bool | None:
        if self.enabled_state is None:
            return None
        return self.enabled_state not in (2, 3, 4)


def _words(value: str) -> tuple[str, ...]:
    """`[ SYSTEM HAS_CODE ]` or `[base, config.en]` -> words."""
    v = value.strip()
    if v.startswith("["):
        v = v[1:]
    if v.endswith("]"):
        v = v[:-1]
    return tuple(w for w in re.split(r"[\s,|]+", v) if w)


def _split_blocks(text: str) -> list[tuple[str, list[str]]]:
    blocks: list[tuple[str, list[str]]] = []
    in_packages = False
    saw_header = False
    current: list[str] | None = None
    for line in text.split("\n"):
        if line and not line[0].isspace():
            # a top-level section header
            header = line.strip()
            saw_header = True
            in_packages = header == "Packages:"
            current = None
            continue
        if not in_packages and saw_header:
            continue
        m = _PKG_START.match(line)
        if m:
            if not _NAME.fullmatch(m.group(1)):
                current = None
                continue
            current = []
            blocks.append((m.group(1), current))
        elif current is not None:
            current.append(line)
    return blocks


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _parse_block(name: str, lines: list[str]) -> DumpsysPackage:
    kv: dict[str, str] = {}
    raw_line: dict[str, str] = {}
    requested: list[str] = []
    install: list[str] = []
    runtime: list[str] = []
    other_runtime: list[str] = []
    user0: dict[str, str] = {}
    others_first: dict[int, str] = {}  # user -> firstInstallTime, users other than 0
    users: dict[int, bool] = {}
    list_kind: str | None = None
    list_indent = 0
    user: int | None = None
    user_indent = 0
    for line in lines:
        if not line.strip():
            continue
        ind = _indent(line)
        stripped = line.strip()
        if list_kind is not None:
            if ind > list_indent:
                m = _PERM_LINE.match(line)
                if m:
                    perm, rest = m.group(1), (m.group(2) or "")
                    if list_kind == "requested":
                        if perm not in requested:
                            requested.append(perm)
                    elif list_kind == "granted" and not rest:
                        # Android <= 5: every name listed is granted (no `granted=` word)
                        if perm not in install:
                            install.append(perm)
                    elif list_kind in ("install", "runtime", "other_runtime") and "granted=true" in rest:
                        target = {"install": install, "runtime": runtime, "other_runtime": other_runtime}[list_kind]
                        if perm not in target:
                            target.append(perm)
                continue
            list_kind = None
        um = _USER.match(line)
        if um:
            user = to_int(um.group(1))
            user_indent = ind
            if user is not None:
                users[user] = "installed=true" in um.group(2)
            if user == 0:
                for k, v in _KV.findall(um.group(2)):
                    user0.setdefault(k, v)
            continue
        if user is not None and ind <= user_indent:
            user = None
        low = stripped.rstrip(":").lower()
        if stripped.endswith(":") and "=" not in stripped:
            # a nested list: the three permission lists matter, others
            # (declared permissions, usesLibraries, ...) are skipped whole
            kind = "ignore"
            if low in ("requested permissions", "install permissions", "runtime permissions"):
                kind = low.split()[0]
            elif low == "grantedpermissions" and user is None:
                kind = "granted"
            if kind == "runtime" and user not in (0, None):
                kind = "other_runtime" if users.get(user) else "ignore"
            list_kind, list_indent = kind, ind
            continue
        if user == 0:
            # per-user fields on Android 13+ (firstInstallTime, installReason, ...)
            if "=" in stripped and not stripped.startswith(("gids", "lastDisabledCaller")):
                k, _, v = stripped.partition("=")
                user0.setdefault(k.strip(), v.strip())
            continue
        if user is not None:
            if stripped.startswith("firstInstallTime="):
                others_first.setdefault(user, stripped.partition("=")[2].strip())
            continue
        if "=" in stripped:
            # `versionCode=1 minSdk=2 targetSdk=3` carries several pairs on one line
            k, _, v = stripped.partition("=")
            k = k.strip()
            if k not in raw_line:
                raw_line[k] = v.strip()
            for k2, v2 in _KV.findall(stripped):
                kv.setdefault(k2, v2)

    def line_value(key: str) -> str | None:
        v = raw_line.get(key)
        return v if v not in (None, "", "null") else None

    flags = _words(raw_line.get("flags") or raw_line.get("pkgFlags") or "")
    # per user on Android 13+: a user the package is not installed for says 1970-01-01
    # (MVT issue #869), so user 0's date counts only where it is installed, else the
    # first user it is installed for
    first = line_value("firstInstallTime")
    if first is None:
        installed_in = [u for u, on in sorted(users.items()) if on]
        if 0 in installed_in or not users:
            first = user0.get("firstInstallTime") or None
        else:
            first = next((others_first[u] for u in installed_in if others_first.get(u)), None)
    last = line_value("lastUpdateTime") or user0.get("lastUpdateTime") or None
    installed = user0.get("installed")
    enabled = user0.get("enabled")
    return DumpsysPackage(
        name=name,
        uid=to_int(kv.get("userId") or kv.get("appId")),
        code_path=line_value("codePath"),
        version_code=to_int(kv.get("versionCode")),
        version_name=line_value("versionName"),
        min_sdk=to_int(kv.get("minSdk")),
        target_sdk=to_int(kv.get("targetSdk")),
        flags=flags,
        private_flags=_words(raw_line.get("privateFlags") or ""),
        splits=_words(raw_line.get("splits") or ""),
        installer=line_value("installerPackageName"),
        first_install_time=first,
        last_update_time=last,
        requested_permissions=tuple(requested),
        install_permissions=tuple(install),
        runtime_permissions=tuple(runtime),
        installed=None if installed is None else installed == "true",
        enabled_state=to_int(enabled),
        initiating_installer=line_value("initiatingPackageName"),
        originating_installer=line_value("originatingPackageName"),
        shared_user=_shared_user(raw_line.get("sharedUser")),
        users=tuple(sorted(users)),
        installed_users=tuple(sorted(u for u, on in users.items() if on)),
        other_user_runtime_permissions=tuple(other_runtime),
    )


def _shared_user(value: str | None) -> str | None:
    m = _SHARED.search(value or "")
    return m.group(1) if m else None


def parse_dumpsys_package(data: str | bytes) -> tuple[DumpsysPackage, ...]:
    """One entry per package block of the `Packages:` section (first block wins)."""
    out: dict[str, DumpsysPackage] = {}
    for name, lines in _split_blocks(as_text(data)):
        if name not in out:
            out[name] = _parse_block(name, lines)
    return tuple(out.values())


#: RawOutput -> its parse; an entry lives as long as the output it was made from
_PARSED: "weakref.WeakKeyDictionary[RawOutput, tuple[DumpsysPackage, ...]]" = weakref.WeakKeyDictionary()
_PARSED_LOCK = threading.Lock()


def packages_in(out: "RawOutput", parse: Callable[[bytes], tuple[DumpsysPackage, ...]] | None = None,
                ) -> tuple[DumpsysPackage, ...]:
    """The packages of one `dumpsys package` output, parsed once per output however many
    steps ask: collection reads them three times (which packages need `pm path`, which
    ask for the install permission's app op, which other users' settings to read) and the
    snapshot once more. On a phone listing thousands of packages a parse takes seconds;
    the output object is the same from collection to the snapshot (`adb.privacy.
    minimise_raw` passes it through), so one parse serves the whole audit. `parse` is the
    parser used when this output was not parsed yet (default `parse_dumpsys_package`)."""
    with _PARSED_LOCK:
        hit = _PARSED.get(out)
    if hit is None:
        hit = (parse or parse_dumpsys_package)(out.stdout)
        with _PARSED_LOCK:
            _PARSED[out] = hit
    return hit
