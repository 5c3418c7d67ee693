"""Synthesized APKs for a profile's packages, made on first use and cached on disk.

A package whose `[packages.apk]` names a `file` is served from that file. Every other
APK path (a described APK, a package with no `[packages.apk]`, a split) is built by
`simulator.apkgen` from an `ApkSpec`, once: the file is named by the SHA-256 of
the spec's canonical JSON plus apkgen's version, written to a temporary file and
renamed (two simulators may race), and reused by later runs. Nothing is synthesized
at load time, so a 400-package profile loads at once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from simulator.profile_model import PackageSpec, Profile

ENV_CACHE = "PHONE_AUDIT_APK_CACHE"


def default_cache_dir() -> Path:
    """$PHONE_AUDIT_APK_CACHE, else <user cache dir>/phone-audit/apks."""
    env = os.environ.get(ENV_CACHE)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir()) / "phone-audit" / "apks"


def _apkgen():
    # imported late: apkgen pulls in heavier code and is not needed to render text
    from simulator import apkgen

    return apkgen


_VERSION: str | None = None


def apkgen_version() -> str:
    """A string that changes whenever apkgen's output may change."""
    global _VERSION
    if _VERSION is None:
        gen = _apkgen()
        declared = str(getattr(gen, "APKGEN_VERSION", getattr(gen, "VERSION", "")))
        # hash the generator's own sources: any change to them may change the bytes
        h = hashlib.sha256()
        root = Path(gen.__file__)
        files = sorted(root.parent.glob("*.py")) if root.name == "__init__.py" else [root]
        for f in files:
            try:
                h.update(f.name.encode() + b"\0" + f.read_bytes())
            except OSError:
                pass
        src = h.hexdigest()[:16]
        _VERSION = f"{declared}:{src}"
    return _VERSION


def _canonical(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _canonical(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [_canonical(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): _canonical(v) for k, v in obj.items()}
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return str(obj)


def spec_key(spec: Any) -> str:
    """The cache name of a spec: SHA-256 of its canonical JSON and apkgen's version."""
    text = json.dumps(_canonical(spec), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((text + "\n" + apkgen_version()).encode()).hexdigest()


def default_signer(pkg: PackageSpec) -> str:
    """Platform key for system apps, a per-package key for the rest."""
    return "platform" if pkg.system else pkg.name


def requested_permissions(pkg: PackageSpec) -> tuple[str, ...]:
    """What the manifest asks for: the APK's permissions, the granted ones, the app ops'."""
    from simulator.commands.android import appop_permission

    seen: dict[str, None] = {}
    if pkg.apk:
        for p in pkg.apk.permissions:
            seen.setdefault(p, None)
    for p in pkg.granted:
        seen.setdefault(p, None)
    for op in pkg.appops:
        perm = appop_permission(op)
        if perm:
            seen.setdefault(perm, None)
    return tuple(seen)


def min_target_sdk(pkg: PackageSpec, device_sdk: int) -> tuple[int, int]:
    """(minSdk, targetSdk) of a package, defaulting to 23 and the device's SDK."""
    apk = pkg.apk
    min_sdk = apk.min_sdk if apk and apk.min_sdk is not None else min(23, device_sdk)
    target = apk.target_sdk if apk and apk.target_sdk is not None else device_sdk
    return min_sdk, target


def build_spec(pkg: PackageSpec, device_sdk: int, split: str | None = None):
    """The apkgen.ApkSpec for a package's base APK, or for one of its splits."""
    gen = _apkgen()
    apk = pkg.apk
    min_sdk, target = min_target_sdk(pkg, device_sdk)
    kwargs: dict[str, Any] = dict(
        package=pkg.name,
        version_code=pkg.version_code,
        version_name=pkg.version_name,
        label=(apk.label if apk and apk.label else pkg.label),
        min_sdk=min_sdk,
        target_sdk=target,
        signer=(apk.signer if apk and apk.signer else default_signer(pkg)),
        # splits are signed by the same certificate as the base, organisation included
        signer_organization=(apk.signer_organization if apk else None),
    )
    if split is None:
        kwargs["permissions"] = requested_permissions(pkg)
        if apk:
            kwargs["classes"] = tuple(apk.classes)
            kwargs["strings"] = tuple(apk.strings)
            kwargs["components"] = tuple(
                gen.ComponentSpec(
                    kind=c.kind,
                    name=c.name,
                    permission=c.permission,
                    actions=tuple(c.actions),
                    exported=c.exported,
                )
                for c in apk.components
            )
            if apk.size is not None:
                kwargs["size"] = apk.size
            if apk.dex_count is not None:
                kwargs["dex_count"] = apk.dex_count
    else:
        # a config split: no code of its own; its name keeps its bytes distinct
        kwargs["permissions"] = ()
        kwargs["strings"] = (split,)
    return gen.ApkSpec(**kwargs)


class ApkStore:
    """Device APK path -> local file, synthesizing (and caching) on first request."""

    def __init__(self, profile: Profile, cache_dir: Path | None = None) -> None:
        self.profile = profile
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        #: device path -> (package, split name or None)
        self.paths: dict[str, tuple[PackageSpec, str | None]] = {}
        for pkg in profile.packages:
            self.paths[pkg.path] = (pkg, None)
            for s in pkg.splits:
                name = s.rsplit("/", 1)[-1].removesuffix(".apk").removeprefix("split_")
                self.paths[s] = (pkg, name)
        self._local: dict[str, Path] = {}
        self._lock = threading.Lock()
        self._path_locks: dict[str, threading.Lock] = {}

    def __contains__(self, device_path: str) -> bool:
        return device_path in self.paths

    def local_path(self, device_path: str) -> Path | None:
        """The local file behind an APK path (made now if needed), or None if not an APK path."""
        entry = self.paths.get(device_path)
        if entry is None:
            return None
        done = self._local.get(device_path)
        if done is not None:
            return done
        with self._lock:
            lock = self._path_locks.setdefault(device_path, threading.Lock())
        with lock:
            done = self._local.get(device_path)
            if done is not None:
                return done
            pkg, split = entry
            if split is None and pkg.apk is not None and pkg.apk.file is not None:
                local = pkg.apk.file
            else:
                local = self._synthesize(build_spec(pkg, self.profile.sdk, split))
            self._local[device_path] = local
            return local

    def _synthesize(self, spec) -> Path:
        target = self.cache_dir / f"{spec_key(spec)}.apk"
        if target.is_file():
            return target
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".apk-", suffix=".tmp", dir=self.cache_dir)
        os.close(fd)
        try:
            _apkgen().synthesize_apk_to(spec, Path(tmp))
            os.replace(tmp, target)  # atomic: a racing writer produced identical bytes
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return target
