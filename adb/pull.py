"""Hashing APKs on the phone and copying them off it, safely.

`remote_sha256` asks the phone for SHA-256 of many APKs in a few `sha256sum` calls,
so APKs already analysed (cached by hash) need not be copied; `remote_stat_answers`
asks what `stat` says of them (inode, size, mtime), so a file unchanged since an
audit that hashed it need not be hashed again. `pull_apk` copies one
APK over sync into a local file named by its hash, never by phone text, verifies the
hash (computed from the bytes as they are written, not read back), and retries once.
A lost phone raises `DeviceLost`; other failures are values.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from adb.allowlist import is_apk_path
from adb.gate import CommandNotAllowed, DeviceLost, PullFailed
from adb.parsers._text import as_text

if TYPE_CHECKING:
    from adb.connection import Phone

__all__ = ["PullResult", "remote_sha256", "remote_stat_answers", "pull_apk", "parse_sha256sum"]

#: paths per `sha256sum` call; run_many batches the calls into few round trips
PATHS_PER_CALL = 40
#: paths per `stat` call (no file is read: one call may name many)
STAT_PATHS_PER_CALL = 100
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class PullResult:
    """One APK copy: where it went, its verified hash, or why it failed."""

    remote: str
    local: Path | None
    sha256: str | None
    size: int
    error: str | None = None


def parse_sha256sum(text: str | bytes, paths: Sequence[str]) -> dict[str, str]:
    """`<hex>  <path>` lines -> path -> hex, only for the paths that were asked for."""
    wanted = set(paths)
    out: dict[str, str] = {}
    for line in as_text(text).split("\n"):
        digest, sep, path = line.partition("  ")
        if not sep:
            digest, sep, path = line.partition(" *")
        digest = digest.strip().lower()
        if _HEX64.fullmatch(digest) and path in wanted:
            out[path] = digest
    return out


def remote_sha256(phone: "Phone", paths: Sequence[str]) -> dict[str, str | None]:
    """SHA-256 of each APK as the phone computes it (None if it could not)."""
    return remote_sha256_answers(phone, paths)[0]


def remote_sha256_answers(phone: "Phone", paths: Sequence[str]):
    """`remote_sha256`, and for each path the `sha256sum` answer it came in (None for a
    path never asked: not an APK location), so the ledger can say why a hash is missing."""
    result: dict[str, str | None] = {p: None for p in paths}
    answers: dict[str, object] = {p: None for p in paths}
    good = [p for p in dict.fromkeys(paths) if is_apk_path(p)]
    calls = [good[i:i + PATHS_PER_CALL] for i in range(0, len(good), PATHS_PER_CALL)]
    if not calls:
        return result, answers
    outs = phone.gate.run_many([("sha256sum", *chunk) for chunk in calls], timeout=600)
    for chunk, out in zip(calls, outs):
        result.update(parse_sha256sum(out.stdout, chunk))
        answers.update(dict.fromkeys(chunk, out))
    return result, answers


def _hash_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def pull_apk(phone: "Phone", remote: str, dest_dir: Path, expected_sha256: str | None,
             on_bytes: Callable[[int], None] | None = None) -> PullResult:
    """Copy `remote` into `dest_dir/<sha256>.apk`; verify against `expected_sha256`.

    A file already there under the expected name with the right hash is reused. A
    mismatch or a broken copy is retried once. DeviceLost propagates."""
    from adb.locked import private_dir

    dest_dir = private_dir(dest_dir)
    expected = expected_sha256.lower() if expected_sha256 else None
    if expected is not None and not _HEX64.fullmatch(expected):
        expected = None
    if expected:
        existing = dest_dir / f"{expected}.apk"
        if existing.is_file() and _hash_file(existing) == expected:
            return PullResult(remote, existing, expected, existing.stat().st_size)
    if not is_apk_path(remote):
        return PullResult(remote, None, None, 0, error=f"not an APK location: {remote!r:.300}")
    error = "not attempted"
    for _attempt in range(2):
        tmp = dest_dir / f".partial-{secrets.token_hex(8)}"
        try:
            # hashed as the bytes arrive: the copy is not read back to be hashed
            hasher = hashlib.sha256()
            size = phone.gate.pull(remote, tmp, on_bytes=on_bytes, hasher=hasher)
            digest = hasher.hexdigest()
            if expected and digest != expected:
                error = f"copied file has SHA-256 {digest}, the phone reported {expected}"
                continue
            final = dest_dir / f"{digest}.apk"
            os.replace(tmp, final)
            return PullResult(remote, final, digest, size)
        except DeviceLost:
            raise
        except (PullFailed, OSError) as e:
            error = str(e) or type(e).__name__
        finally:
            if tmp.exists():
                tmp.unlink()
    return PullResult(remote, None, None, 0, error=error)


def remote_stat_answers(phone: "Phone", paths: Sequence[str]):
    """What the phone's `stat` says of each APK file (`adb.parsers.apk_stat`): path ->
    FileStat (absent when it gave none), and for each path the answer it came in (None
    for a path never asked: not an APK location). Cheap on the phone (no file is read),
    so all paths go in few round trips."""
    from adb.allowlist import APK_STAT_FORMAT
    from adb.parsers.apk_stat import parse_apk_stat

    stats: dict = {}
    answers: dict[str, object] = {p: None for p in paths}
    good = [p for p in dict.fromkeys(paths) if is_apk_path(p)]
    calls = [good[i:i + STAT_PATHS_PER_CALL] for i in range(0, len(good), STAT_PATHS_PER_CALL)]
    if not calls:
        return stats, answers
    outs = phone.gate.run_many([("stat", "-c", APK_STAT_FORMAT, *chunk) for chunk in calls], timeout=60)
    for chunk, out in zip(calls, outs):
        stats.update(parse_apk_stat(out.stdout, chunk))
        answers.update(dict.fromkeys(chunk, out))
    return stats, answers
