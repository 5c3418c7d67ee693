"""What phone-audit read from a phone, as immutable values.

A `DeviceSnapshot` is built by pure parsers (`adb.parsers`) from the raw outputs of
read-only commands (`adb.capture.RawCapture`). Checks (`checks/`) judge it; nothing
in here talks to a phone or judges anything.

Every string in a snapshot came from the phone and is untrusted: render it with
`rich.text.Text` / `Content` in the UI, escape it in HTML, quote it in shell commands.

Conventions:
- fields may be added; none is renamed or removed (captures and reports rely on them);
- `None` means "the phone did not tell us", never "no";
- what could not be read is listed in `DeviceSnapshot.problems`, with the command.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Mapping, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V]):
    """A read-only, hashable mapping: settings, props and app ops here (str -> str),
    the simulator's profile tables elsewhere (any hashable values). The project's one
    frozen mapping."""

    __slots__ = ("_d", "_hash")

    def __init__(self, data: Mapping[K, V] | None = None) -> None:
        self._d: dict[K, V] = dict(data or {})
        self._hash: int | None = None

    def __getitem__(self, key: K) -> V:
        return self._d[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._d.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._d == other._d
        if isinstance(other, Mapping):
            return self._d == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._d!r})"

    def __reduce__(self):  # picklable, for process pools
        return (FrozenMap, (self._d,))


@dataclass(frozen=True)
class Problem:
    """Something the phone did not give: the command and why (plain words)."""

    command: str
    reason: str


@dataclass(frozen=True)
class PackageInfo:
    """One package as the package manager reports it."""

    name: str
    #: base APK path as `pm path` / `pm list packages -f` shows it
    path: str | None = None
    #: further APKs of a split install (`split_*.apk`), as `pm path` shows them
    split_paths: tuple[str, ...] = ()
    #: installer package, or None (pre-installed, or installed over adb)
    installer: str | None = None
    uid: int | None = None
    version_code: int | None = None
    version_name: str | None = None
    #: FLAG_SYSTEM (from `dumpsys package` flags, else from `pm list packages -s`)
    system: bool = False
    #: False when `pm list packages -d` lists it (disabled for user 0)
    enabled: bool = True
    #: False for packages only `-u` lists (uninstalled for the user, APK kept)
    installed: bool = True
    #: the `flags=[ ... ]` words of `dumpsys package`
    flags: tuple[str, ...] = ()
    #: `requested permissions:` of `dumpsys package`
    requested_permissions: tuple[str, ...] = ()
    #: install (normal/signature) permissions with granted=true
    install_permissions: tuple[str, ...] = ()
    #: runtime permissions with granted=true (user 0)
    runtime_permissions: tuple[str, ...] = ()
    first_install_time: str | None = None
    last_update_time: str | None = None
    target_sdk: int | None = None
    #: app ops that were read for this package: op name -> mode (allow, ignore, deny, default)
    appops: FrozenMap = field(default_factory=FrozenMap)
    #: Android 11+: the package that asked for the install (`initiatingPackageName`); differs
    #: from `installer` when an installer name was claimed (`adb install -i ...`)
    initiating_installer: str | None = None
    #: `sharedUser=` name: packages with one shared uid share permissions and network access
    shared_user: str | None = None
    #: users (0, a work profile 10, ...) for which the package is installed; empty = not told
    users: tuple[int, ...] = ()
    #: runtime permissions granted in users other than 0
    other_user_runtime_permissions: tuple[str, ...] = ()

    @property
    def granted_permissions(self) -> frozenset[str]:
        """Every permission the package holds now, in any user (install + runtime)."""
        return (frozenset(self.install_permissions) | frozenset(self.runtime_permissions)
                | frozenset(self.other_user_runtime_permissions))

    @property
    def installed_anywhere(self) -> bool:
        """Installed for user 0 or for any other user of the phone (a work profile)."""
        return self.installed or bool(self.users)

    @property
    def other_users(self) -> tuple[int, ...]:
        """The users other than 0 the package is installed for."""
        return tuple(u for u in self.users if u != 0)

    def holds(self, permission: str) -> bool:
        return permission in self.granted_permissions

    @property
    def apk_paths(self) -> tuple[str, ...]:
        """Base APK first, then the splits."""
        return ((self.path,) if self.path else ()) + self.split_paths


@dataclass(frozen=True)
class Account:
    """An account from `dumpsys account`."""

    name: str
    type: str


@dataclass(frozen=True)
class DeviceAdmin:
    """An active device administrator from `dumpsys device_policy`."""

    component: str  # "pkg/.Receiver" as printed
    package: str
    device_owner: bool = False
    profile_owner: bool = False


@dataclass(frozen=True)
class SmsMessage:
    """Metadata of one row of the SMS provider. There is no body field, by design."""

    id: str
    box: str  # inbox, sent, outbox, draft, failed, queued, or the raw `type`
    address: str | None = None
    date: str | None = None  # epoch milliseconds as the provider gives it
    creator: str | None = None  # package that wrote the row, where the provider has it


@dataclass(frozen=True)
class SmsSummary:
    """What the SMS provider shows (metadata only)."""

    #: False when the provider could not be read; `problems` says why
    readable: bool = False
    messages: tuple[SmsMessage, ...] = ()

    def count(self, box: str) -> int:
        return sum(1 for m in self.messages if m.box == box)


@dataclass(frozen=True)
class RootTraces:
    """Signs of root, each as found (paths, packages, props); empty when none."""

    su_paths: tuple[str, ...] = ()
    root_packages: tuple[str, ...] = ()
    #: `id` of the shell user reports uid 0
    shell_is_root: bool = False


@dataclass(frozen=True)
class DeviceInfo:
    """The identity of the phone, from its properties."""

    adb_serial: str
    serial: str | None = None  # ro.serialno
    manufacturer: str | None = None
    model: str | None = None
    device: str | None = None
    android_release: str | None = None
    sdk: int | None = None
    build_fingerprint: str | None = None
    security_patch: str | None = None  # YYYY-MM-DD
    #: the name a person knows the phone by ("Mi 10T Pro"), from its properties or
    #: `adb.parsers.device_names`; None when neither gives one
    marketing_name: str | None = None


@dataclass(frozen=True)
class DeviceSnapshot:
    """Everything read from one phone at one time. Pure data; equal when read equally."""

    device: DeviceInfo
    props: FrozenMap = field(default_factory=FrozenMap)
    packages: tuple[PackageInfo, ...] = ()
    #: namespace ("global", "secure", "system") -> key -> value
    settings: Mapping[str, FrozenMap] = field(default_factory=dict)
    accounts: tuple[Account, ...] = ()
    device_admins: tuple[DeviceAdmin, ...] = ()
    #: component names ("pkg/cls") of enabled accessibility services
    accessibility_services: tuple[str, ...] = ()
    #: component names of enabled notification listeners
    notification_listeners: tuple[str, ...] = ()
    #: `getenforce`: "Enforcing", "Permissive", "Disabled", or None if unknown
    selinux: str | None = None
    root: RootTraces = field(default_factory=RootTraces)
    sms: SmsSummary = field(default_factory=SmsSummary)
    default_sms_app: str | None = None
    #: False when collection stopped early (device lost); `problems` says where
    complete: bool = True
    problems: tuple[Problem, ...] = ()
    collected_at: str | None = None  # ISO 8601 UTC
    #: every user id (0, a work profile 10, ...) some package is installed for, from the
    #: `User N:` lines of `dumpsys package`; empty = not told
    users: tuple[int, ...] = ()
    #: secure settings of the other users read (`settings --user N list secure`): user -> key -> value
    user_secure_settings: Mapping[int, FrozenMap] = field(default_factory=dict)
    #: other users whose secure settings were asked for and not read: user -> why
    user_settings_unread: Mapping[int, str] = field(default_factory=dict)
    #: app ops read in other users (`appops get --user N PKG OP`): user -> package -> op -> mode
    user_appops: Mapping[int, Mapping[str, FrozenMap]] = field(default_factory=dict)
    #: the ledger (`adb.ledger`): fact key -> `adb.ledger.Fact`; empty for a snapshot not
    #: built from a capture (hand-made in tests), which the framework does not police
    facts: Mapping[str, object] = field(default_factory=dict)

    def package(self, name: str) -> PackageInfo | None:
        for p in self.packages:
            if p.name == name:
                return p
        return None

    def setting(self, namespace: str, key: str) -> str | None:
        ns = self.settings.get(namespace)
        return None if ns is None else ns.get(key)

    def prop(self, key: str) -> str | None:
        return self.props.get(key)

    def __hash__(self) -> int:  # settings is a plain Mapping; identity is enough
        return id(self)
