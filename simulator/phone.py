"""`PhoneModel`: a phone played from a device profile (implements `DeviceModel`).

The shell is `simulator.shell`, the commands are `simulator.commands`. The
file system is the union of the packages' APK paths (and their parent folders) and
the profile's `[files]`; APK contents come from `simulator.apkcache`, made on
first use. Everything is read-only: the phone never changes while it is served.
"""

from __future__ import annotations

import hashlib
import posixpath
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from simulator.apkcache import ApkStore
from simulator.model import Faults, FileStat, ShellResult
from simulator.profile import load_profile
from simulator.profile_model import DEFAULT_EPOCH, Profile

S_IFDIR = 0o040000
S_IFREG = 0o100000
#: folders the shell user may traverse but not list (as on a real phone)
UNLISTABLE = frozenset({"/data", "/data/app"})


@dataclass(frozen=True)
class Node:
    """A path of the simulated file system, with what `ls -l` / `stat` show."""

    path: str
    is_dir: bool
    mode: int
    owner: str
    group: str
    mtime: int
    #: device path of an APK, or the local file of a [files] entry (None for folders)
    source: str | Path | None = None
    #: the size `ls -l` shows for a file with no content here ([device] local_tmp)
    size: int | None = None


def normalize(path: str) -> str:
    """An absolute, normalized device path ("" stays ""; relative paths are from "/")."""
    if not path:
        return ""
    p = posixpath.normpath("/" + path if not path.startswith("/") else path)
    if p.startswith("//"):
        p = "/" + p.lstrip("/")
    return p


def _owner_of(path: str) -> tuple[str, str]:
    return ("system", "system") if path.startswith("/data/") or path == "/data" else ("root", "root")


class PhoneModel:
    """A simulated phone rendered from a `Profile`."""

    def __init__(self, profile: Profile, apk_cache_dir: Path | None = None) -> None:
        self.profile = profile
        self.state: str = profile.state
        self.faults: Faults = profile.faults
        #: a secure build asks the host to authenticate (simulator/auth.py)
        self.adb_secure: bool = profile.props.get("ro.adb.secure", "0") == "1"
        self.adb_keys: tuple[str, ...] = profile.adb_keys
        self.apks = ApkStore(profile, apk_cache_dir)
        #: per-phone cache for renderers (rendered blocks, package tables)
        self.render_cache: dict = {}
        self._digests: dict[tuple[str, str], str] = {}
        self._digest_lock = threading.Lock()
        try:
            self.base_time = int(profile.props.get("ro.build.date.utc", DEFAULT_EPOCH))
        except ValueError:
            self.base_time = DEFAULT_EPOCH
        self._build_fs()

    @classmethod
    def load(cls, name_or_path, apk_cache_dir: Path | None = None) -> "PhoneModel":
        """Load a profile (built-in name, folder, or profile.toml path) as a phone."""
        return cls(load_profile(name_or_path), apk_cache_dir)

    # ------------------------------------------------------------------ file system

    def _build_fs(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.children: dict[str, set[str]] = {}
        for pkg in self.profile.packages:
            mtime = self.base_time if pkg.path.startswith("/system") else pkg.last_update_time
            for ap in pkg.apk_paths:
                owner, group = _owner_of(ap)
                self._add_file(Node(ap, False, S_IFREG | 0o644, owner, group, mtime, ap))
        for dev_path, local in self.profile.files.items():
            p = normalize(dev_path)
            owner, group = _owner_of(p)
            mode = 0o755 if "/bin/" in p or "/xbin/" in p else 0o644
            self._add_file(Node(p, False, S_IFREG | mode, owner, group, self.base_time, Path(local)))
        for d in ("/", "/data", "/data/local", "/data/local/tmp", "/system", "/sdcard"):
            self._add_dir(d)
        # files someone pushed to /data/local/tmp (owned by shell, as `adb push` leaves them)
        for name, mode, size in self.profile.local_tmp:
            path = normalize("/data/local/tmp/" + name)
            if posixpath.dirname(path) == "/data/local/tmp":
                self._add_file(Node(path, False, S_IFREG | int(mode, 8), "shell", "shell",
                                    self.base_time, None, size))

    def _add_dir(self, path: str) -> None:
        while True:
            if path not in self.nodes:
                owner, group = _owner_of(path)
                mode = 0o771 if path in UNLISTABLE or path.startswith("/data/local") else 0o755
                if path == "/data/local/tmp":
                    owner, group = "shell", "shell"
                self.nodes[path] = Node(path, True, S_IFDIR | mode, owner, group, self.base_time)
                self.children.setdefault(path, set())
            if path == "/":
                return
            parent = posixpath.dirname(path)
            self.children.setdefault(parent, set()).add(posixpath.basename(path))
            path = parent

    def _add_file(self, node: Node) -> None:
        self.nodes[node.path] = node
        parent = posixpath.dirname(node.path)
        self._add_dir(parent)
        self.children[parent].add(posixpath.basename(node.path))

    def node(self, path: str) -> Node | None:
        """The node at a device path, or None."""
        return self.nodes.get(normalize(path))

    def can_list(self, path: str) -> bool:
        """Whether the shell user may list this folder."""
        return normalize(path) not in UNLISTABLE

    def local_file(self, path: str) -> Path | None:
        """The local file holding a device file's bytes (an APK is synthesized now)."""
        n = self.node(path)
        if n is None or n.is_dir:
            return None
        if isinstance(n.source, Path):
            return n.source
        return self.apks.local_path(n.source)

    def size_of(self, node: Node) -> int:
        if node.is_dir:
            return 4096
        if node.size is not None:
            return node.size
        local = self.local_file(node.path)
        try:
            return local.stat().st_size if local else 0
        except OSError:
            return 0

    def read_bytes(self, path: str) -> bytes | None:
        local = self.local_file(path)
        if local is None:
            return None
        try:
            return local.read_bytes()
        except OSError:
            return None

    def digest(self, path: str, algo: str) -> str | None:
        """Hex digest ("sha256" or "md5") of a device file, cached; None if not a file."""
        p = normalize(path)
        key = (p, algo)
        cached = self._digests.get(key)
        if cached is not None:
            return cached
        local = self.local_file(p)
        if local is None:
            return None
        h = hashlib.new(algo)
        try:
            with open(local, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
        except OSError:
            return None
        with self._digest_lock:
            self._digests[key] = h.hexdigest()
        return self._digests[key]

    def command_index(self) -> dict:
        """The profile's [commands] answers by canonical request (simulator/command_match.py)."""
        cached = self.render_cache.get("command_index")
        if cached is None:
            from simulator.command_match import index

            cached = self.render_cache["command_index"] = index(self.profile.commands)
        return cached

    # ------------------------------------------------------------------ DeviceModel

    def banner(self) -> str:
        """`device::ro.product.name=..;ro.product.model=..;ro.product.device=..;`"""
        def clean(v: str) -> str:
            return "".join(ch for ch in v if ch not in ";:=")

        props = self.profile.props
        parts = [
            f"{k}={clean(props.get(k, ''))};"
            for k in ("ro.product.name", "ro.product.model", "ro.product.device")
        ]
        return "device::" + "".join(parts)

    def run_shell(self, command: str) -> ShellResult:
        """Run a command line as /system/bin/sh -c would."""
        from simulator import shell

        return shell.run(self, command)

    def stat(self, path: str) -> FileStat | None:
        n = self.node(path)
        if n is None:
            return None
        return FileStat(mode=n.mode, size=self.size_of(n), mtime=n.mtime)

    def listdir(self, path: str) -> list[tuple[str, FileStat]] | None:
        p = normalize(path)
        n = self.nodes.get(p)
        if n is None or not n.is_dir:
            return None
        if p in UNLISTABLE:
            return []  # opendir fails for the shell user: adbd sends just DONE
        out = []
        for name in sorted(self.children.get(p, ())):
            child = posixpath.join(p, name)
            st = self.stat(child)
            if st is not None:
                out.append((name, st))
        return out

    def open_file(self, path: str) -> BinaryIO | None:
        local = self.local_file(path)
        if local is None:
            return None
        try:
            return open(local, "rb")
        except OSError:
            return None

    def apk_file(self, package: str) -> Path | None:
        """The local file served at the package's base APK path (synthesized if needed)."""
        pkg = self.profile.package(package)
        if pkg is None:
            return None
        return self.apks.local_path(pkg.path)

    def __repr__(self) -> str:
        return f"PhoneModel({self.profile.name!r}, {len(self.profile.packages)} packages)"
