"""Real APKs that PyPI packages carry, fetched on demand for the tracker tests.

Each is one member of a pinned package, fetched with pip (`pip download --no-deps`, the
registry's ordinary client), its hash checked, and only that member extracted into the
gitignored cache `bench/.cache/registry-apks/`. The packages are never installed (for
an sdist pip does prepare its metadata in an isolated build environment, as it does for
any download).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

CACHE = Path(__file__).resolve().parents[2] / "bench" / ".cache" / "registry-apks"
MAX_MEMBER = 64 << 20

#: name -> (pip requirement, file pip saves, its SHA-256, member path, member SHA-256)
APKS: dict[str, tuple[str, str, str, str, str]] = {
    # NetEase Airtest's on-phone helper app (Yosemite), in the airtest sdist
    "Yosemite.apk": ("airtest==1.4.3", "airtest-1.4.3.tar.gz",
                     "6208e83ca8d3618e32b8eee23b3e857a0077cd59accf158dd567a81df2a3b84c",
                     "airtest-1.4.3/airtest/core/android/static/apks/Yosemite.apk",
                     "f888b95773d505c1640493d0482ec3d9e5a87b8c3796ba63a2a65b7a87f108e1"),
    # NetEase Poco's instrumentation service, in the pocoui sdist
    "pocoservice-debug.apk": ("pocoui==1.0.94", "pocoui-1.0.94.tar.gz",
                              "fddca24dcf8938e16f041ec8af93d42acd032c25d1d87bd53f62daaf2a4928ce",
                              "pocoui-1.0.94/poco/drivers/android/lib/pocoservice-debug.apk", ""),
    # openatx uiautomator2's helper app, in the uiautomator2 wheel
    "app-uiautomator.apk": ("uiautomator2==3.7.1", "uiautomator2-3.7.1-py3-none-any.whl",
                            "55ccc16f7c52d3035dbc14e1400524e76510dc353f9fc4a0bfa85bf58c51cc67",
                            "uiautomator2/assets/app-uiautomator.apk", ""),
}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _member(archive: Path, member: str) -> bytes:
    if archive.name.endswith(".whl"):
        with zipfile.ZipFile(archive) as zf:
            info = zf.getinfo(member)
            if info.file_size > MAX_MEMBER:
                raise RuntimeError(f"{member}: too large")
            return zf.read(info)
    with tarfile.open(archive, "r:gz") as tar:
        info = tar.getmember(member)
        if not info.isfile() or info.size > MAX_MEMBER:
            raise RuntimeError(f"{member}: not a regular file of sane size")
        return tar.extractfile(info).read()


def registry_apk(name: str) -> Path:
    """Path of the cached APK `name` (a key of APKS), fetching it first if needed.
    Raises RuntimeError when PyPI is unreachable or a hash differs (the test fails)."""
    req, saved, saved_sha, member, member_sha = APKS[name]
    out = CACHE / name
    if out.is_file():
        return out
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                               req, "-d", tmp], capture_output=True, text=True, timeout=900)
        archive = Path(tmp) / saved
        if proc.returncode != 0 or not archive.is_file():
            raise RuntimeError(f"could not download {req} from PyPI: {proc.stderr[-500:]}")
        if _sha256(archive.read_bytes()) != saved_sha:
            raise RuntimeError(f"{saved}: unexpected SHA-256")
        data = _member(archive, member)
    if member_sha and _sha256(data) != member_sha:
        raise RuntimeError(f"{member}: unexpected SHA-256")
    part = out.with_suffix(".part")
    part.write_bytes(data)
    part.replace(out)
    return out
