"""The Exodus Privacy tracker export the refresh tests read, fetched from PyPI on demand.

The export is the file `mobsf/signatures/exodus_trackers` inside the `mobsf` wheel
(see README.md beside this file for provenance and why it is not committed). It is
fetched with pip, the registry's ordinary client (`pip download --no-deps`, pinned
version, wheel hash checked), and only that one member is extracted into the gitignored
cache `bench/.cache/exodus/`. MobSF itself is never installed.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "mobsf"
VERSION = "4.4.0"
WHEEL = f"mobsf-{VERSION}-py3-none-any.whl"
WHEEL_SHA256 = "74329efc7eee885ca6b9448726ca448c6f5c7ca80ec3dc9a98ee11fb7cd7c0d4"
MEMBER = "mobsf/signatures/exodus_trackers"
EXPORT_SHA256 = "243349de503e305a99887ee292fbf57360f300159e32e73bc7a4cf0bb82be0bb"
CACHE = Path(__file__).resolve().parents[3] / "bench" / ".cache" / "exodus"
#: the member is about 0.6 MB; refuse anything absurd
MAX_MEMBER = 16 << 20


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def exodus_export() -> Path:
    """Path of the cached export, fetching it first if needed. Raises RuntimeError if it
    cannot be fetched or does not match the pinned hashes (the test then fails)."""
    out = CACHE / f"exodus_trackers-mobsf-{VERSION}.json"
    if out.is_file() and _sha256(out) == EXPORT_SHA256:
        return out
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
             f"{PACKAGE}=={VERSION}", "-d", tmp],
            capture_output=True, text=True, timeout=600)
        wheel = Path(tmp) / WHEEL
        if proc.returncode != 0 or not wheel.is_file():
            raise RuntimeError(f"could not download {PACKAGE}=={VERSION} from PyPI: {proc.stderr[-500:]}")
        if _sha256(wheel) != WHEEL_SHA256:
            raise RuntimeError(f"{WHEEL}: unexpected SHA-256")
        with zipfile.ZipFile(wheel) as zf:
            info = zf.getinfo(MEMBER)
            if info.file_size > MAX_MEMBER:
                raise RuntimeError(f"{MEMBER}: {info.file_size} bytes, refused")
            data = zf.read(info)
    if hashlib.sha256(data).hexdigest() != EXPORT_SHA256:
        raise RuntimeError(f"{MEMBER}: unexpected SHA-256")
    part = out.with_suffix(".part")
    part.write_bytes(data)
    part.replace(out)
    return out
