"""What a loaded device profile is: frozen dataclasses with every default resolved
(`Profile`, `PackageSpec`, `ApkDecl`, ...) and `ProfileError`. `simulator.profile.load_profile` builds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from model.snapshot import FrozenMap
from simulator.model import Faults


PROFILE_FILE = "profile.toml"

#: the fixed vocabularies (device states, app-op modes, component kinds) are in
#: profile.schema.json; this one is also the loader's default set of tables
SETTINGS_NAMESPACES = ("global", "secure", "system")


#: AOSP system images are stamped 2009-01-01 00:00:00 UTC when no build date is known
DEFAULT_EPOCH = 1230768000


class ProfileError(ValueError):
    """A profile that cannot be used; the message names the file, key and line."""


@dataclass(frozen=True)
class ComponentDecl:
    """A manifest component of a described APK."""

    kind: str  # activity | service | receiver | provider
    name: str  # as written: ".A11y" or "com.pkg.A11y"
    permission: str | None = None
    actions: tuple[str, ...] = ()
    exported: bool = False

    def class_name(self, package: str) -> str:
        """The fully qualified class name."""
        return package + self.name if self.name.startswith(".") else self.name


@dataclass(frozen=True)
class ApkDecl:
    """`[packages.apk]`: a real file, or a description to synthesize an APK from."""

    file: Path | None = None
    permissions: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    strings: tuple[str, ...] = ()
    signer: str | None = None
    signer_organization: str | None = None
    size: int | None = None
    label: str | None = None
    min_sdk: int | None = None
    target_sdk: int | None = None
    components: tuple[ComponentDecl, ...] = ()
    dex_count: int | None = None


@dataclass(frozen=True)
class PackageSpec:
    """One `[[packages]]` entry with every default resolved."""

    name: str
    path: str
    system: bool = False
    enabled: bool = True
    installed: bool = True
    installer: str | None = None
    uid: int = 10050
    version_code: int = 1
    version_name: str = "1.0"
    label: str = ""
    granted: tuple[str, ...] = ()
    appops: FrozenMap = field(default_factory=FrozenMap)
    apk: ApkDecl | None = None
    splits: tuple[str, ...] = ()
    first_install_time: int = DEFAULT_EPOCH  # epoch seconds, UTC
    last_update_time: int = DEFAULT_EPOCH
    #: Android 11+ `initiatingPackageName`: who asked for the install (None: the installer)
    initiating_installer: str | None = None
    #: `android:sharedUserId` name; the package shares `uid` with the others of that name
    shared_user: str | None = None
    #: users the package is installed for; () means (0,) when `installed`, else none
    users: tuple[int, ...] = ()

    @property
    def installed_users(self) -> tuple[int, ...]:
        if self.users:
            return self.users
        return (0,) if self.installed else ()

    @property
    def apk_paths(self) -> tuple[str, ...]:
        """Base APK first, then the splits."""
        return (self.path,) + self.splits

    @property
    def code_path(self) -> str:
        """The folder holding the APKs (`codePath=` of dumpsys)."""
        return self.path.rsplit("/", 1)[0] or "/"


@dataclass(frozen=True)
class Account:
    """A `[[accounts]]` entry."""

    name: str
    type: str


@dataclass(frozen=True)
class ContentTable:
    """A `[[content]]` entry: the rows a `content query --uri` returns."""

    uri: str
    rows: tuple[FrozenMap, ...] = ()

    @cached_property
    def columns(self) -> tuple[str, ...]:
        """Every column of any row, in first-seen order (a cursor has one column set)."""
        seen: dict[str, None] = {}
        for row in self.rows:
            for k in row:
                seen.setdefault(k, None)
        return tuple(seen)


@dataclass(frozen=True)
class CommandReply:
    """A verbatim `[commands]` answer."""

    stdout: bytes = b""
    stderr: bytes = b""
    exit_code: int = 0


@dataclass(frozen=True)
class TrafficDecl:
    """An `[[activity.traffic]]` entry: what one uid moved since boot."""

    uid: int
    rx_bytes: int
    tx_bytes: int
    #: epoch seconds (UTC) of the start of the last bucket with traffic
    last_bucket: int
    network: str = "WIFI"


@dataclass(frozen=True)
class ActivityDecl:
    """`[activity]`: what the phone records of app use (netstats, usagestats, roles,
    SEND_SMS op times)."""

    traffic: tuple[TrafficDecl, ...] = ()
    #: package -> (last used "YYYY-MM-DD HH:MM:SS", total time used "HH:MM:SS")
    usage: FrozenMap = field(default_factory=FrozenMap)
    #: role -> holders; a role absent here has none (the SMS role: the default SMS app)
    roles: FrozenMap = field(default_factory=FrozenMap)
    #: package -> seconds since its SEND_SMS op was last used
    sms_sent: FrozenMap = field(default_factory=FrozenMap)


@dataclass(frozen=True)
class Profile:
    """A parsed, validated device profile."""

    name: str
    folder: Path
    description: str = ""
    state: str = "device"
    #: adb public keys the phone already trusts (its /data/misc/adb/adb_keys)
    adb_keys: tuple[str, ...] = ()
    #: packages with a process in `ps` (None: the simulator's default few)
    running: tuple[str, ...] | None = None
    #: system mount points `/proc/mounts` shows read-write (issue 15)
    rw_mounts: tuple[str, ...] = ()
    #: files in /data/local/tmp: (name, octal mode text, size) (issue 15)
    local_tmp: tuple[tuple[str, str, int], ...] = ()
    #: what `logcat -d` prints
    logcat: bytes = b""
    props: FrozenMap = field(default_factory=FrozenMap)
    #: namespace -> key -> value, always with "global", "secure" and "system"
    settings: FrozenMap = field(default_factory=FrozenMap)
    packages: tuple[PackageSpec, ...] = ()
    accounts: tuple[Account, ...] = ()
    content: tuple[ContentTable, ...] = ()
    #: exact command line -> reply
    commands: FrozenMap = field(default_factory=FrozenMap)
    #: device path -> local file
    files: FrozenMap = field(default_factory=FrozenMap)
    faults: Faults = field(default_factory=Faults)
    patch_age_days: int | None = None
    activity: ActivityDecl = field(default_factory=ActivityDecl)

    @cached_property
    def package_index(self) -> dict[str, PackageSpec]:
        return {p.name: p for p in self.packages}

    def package(self, name: str) -> PackageSpec | None:
        """The package called `name`, or None."""
        return self.package_index.get(name)

    @cached_property
    def users(self) -> tuple[int, ...]:
        """Every user of the phone: 0 and any a package is installed for (a work profile)."""
        return tuple(sorted({0} | {u for p in self.packages for u in p.users}))

    @property
    def sdk(self) -> int:
        """ro.build.version.sdk as a number (29 when absent or odd)."""
        try:
            return int(self.props.get("ro.build.version.sdk", "29"))
        except ValueError:
            return 29
