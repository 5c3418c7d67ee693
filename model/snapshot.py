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


# -- phone state the forensic tools read (issue 15): processes, adb keys, mounts, tmp --


@dataclass(frozen=True)
class Process:
    """One row of `ps`: who runs it, its ids and its name (an app's is its package,
    or `package:suffix` for its other processes)."""

    user: str
    pid: int
    ppid: int | None
    name: str


@dataclass(frozen=True)
class AdbKey:
    """A computer the phone trusts for USB debugging, by its key's fingerprint (MD5,
    as the phone's "Allow USB debugging?" dialog shows it); never the `user@host` name."""

    fingerprint: str
    #: when it last connected, epoch milliseconds as the phone's keystore keeps it
    last_connection: str | None = None


@dataclass(frozen=True)
class Mount:
    """One line of /proc/mounts."""

    device: str
    mount_point: str
    fs_type: str
    #: the mount options as the kernel lists them; the first is `ro` or `rw`
    options: tuple[str, ...] = ()

    @property
    def writable(self) -> bool:
        return bool(self.options) and self.options[0] == "rw"


@dataclass(frozen=True)
class DirEntry:
    """One entry of an `ls -la` listing (the files in /data/local/tmp)."""

    name: str
    #: as `ls` prints it: `-rwxr-xr-x`; the first letter is the kind (- file, d folder, l link)
    mode: str
    owner: str = ""
    group: str = ""
    size: int | None = None
    #: where a link points
    target: str | None = None

    @property
    def executable(self) -> bool:
        """A file (or link) anyone may run: an `x` (or `s`/`t`) bit in its mode."""
        return self.mode[:1] in ("-", "l") and any(c in "xsSt" for c in self.mode[3::3])


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
    #: the processes `ps` listed; None when `ps` was not read or not understood
    processes: tuple[Process, ...] | None = None
    #: the computers trusted for USB debugging (`dumpsys adb`); None when not read
    adb_keys: tuple[AdbKey, ...] | None = None
    #: fingerprint of the auditing computer's own adb key (its adbkey.pub), or None
    host_adb_key: str | None = None
    #: the mounts `cat /proc/mounts` listed; None when not read
    mounts: tuple[Mount, ...] | None = None
    #: the entries of /data/local/tmp (`ls -la`); None when not read
    local_tmp: tuple[DirEntry, ...] | None = None
    #: activity evidence per app (network use, last use, roles, SMS op times)
    activity: "ActivityFacts" = field(default_factory=lambda: ActivityFacts())

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


# -- activity (what Android records of an app's use: network, last use, roles, SMS) ------


@dataclass(frozen=True)
class UidTraffic:
    """Bytes one uid moved, summed over every network and set (`dumpsys netstats`,
    untagged rows only, so tagged sockets are not counted twice)."""

    uid: int
    rx_bytes: int = 0
    tx_bytes: int = 0
    #: epoch seconds (UTC) of the start of the last bucket with any traffic; None = none
    last_active: int | None = None


@dataclass(frozen=True)
class NetworkUse:
    """What `dumpsys netstats detail` showed per uid. A uid absent from `by_uid` moved no
    bytes in what was shown, which means "no traffic" only when the fact was read (the
    ledger key `dumpsys netstats`)."""

    by_uid: Mapping[int, UidTraffic] = field(default_factory=dict)
    #: the window the dump covers, as it says: "since boot" or "complete history"
    window: str = "since boot"
    #: the dump left older buckets out (`(omitting N buckets)`): totals are "at least"
    omitted: bool = False
    #: the parser stopped at its own line cap: uids after it were not seen
    cut: bool = False


@dataclass(frozen=True)
class AppUse:
    """One package's last use, from `dumpsys usagestats` (the phone's own clock, printed
    in its local time zone)."""

    package: str
    #: "YYYY-MM-DD HH:MM:SS" as printed, the latest of every interval shown; None = never
    last_used: str | None = None
    #: the longest `totalTimeUsed` shown, as printed ("01:02:03")
    total_time_used: str | None = None


@dataclass(frozen=True)
class SmsOpUse:
    """The last time an app used the SEND_SMS app op (`appops get PKG SEND_SMS`): the
    phone keeps when, never what or to whom."""

    package: str
    mode: str | None = None
    #: as printed ("+2h13m ago") and as seconds before the command ran
    last_access: str | None = None
    seconds_ago: int | None = None
    #: epoch seconds (UTC) = when the command ran minus `seconds_ago`
    at: int | None = None


@dataclass(frozen=True)
class ActivityFacts:
    """What the phone records of how apps are used. Empty containers mean "nothing shown";
    whether each source was read is in the ledger (`adb.ledger.ACTIVITY_KEYS`)."""

    network: NetworkUse = field(default_factory=NetworkUse)
    #: package -> last use; a package absent was not used in the retained window
    usage: Mapping[str, AppUse] = field(default_factory=dict)
    #: role ("android.app.role.BROWSER") -> holders, for each role that was read
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: package -> SEND_SMS op use, for each package asked
    sms_ops: Mapping[str, SmsOpUse] = field(default_factory=dict)
    #: package -> App Standby bucket of user 0 in words ("active", "rare", ...)
    standby: Mapping[str, str] = field(default_factory=dict)
