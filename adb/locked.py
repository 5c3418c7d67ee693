"""Files only their owner can read: 0600 files in 0700 folders, whatever the umask.

What phone-audit writes names a person's phone (history, captures, reports), so it is
created locked: `os.open(..., 0o600)` then `fchmod` (the umask can only remove bits,
and a file that already existed keeps its old mode unless changed), and folders made
with `mkdir(0o700)` then `chmod`, each missing parent too (`mkdir(parents=True)` gives
the parents the umask's default mode). A folder that already existed is left as it is:
it is the user's.
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: str | os.PathLike[str]) -> Path:
    """Make `path` and any missing parents as 0700 folders; return it."""
    p = Path(path)
    missing = []
    q = p
    while not q.exists() and q != q.parent:
        missing.append(q)
        q = q.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue  # made by another process meanwhile: theirs to keep
        os.chmod(d, DIR_MODE)
    return p


def lock_file(path: str | os.PathLike[str]) -> None:
    """Make an existing file 0600 (no error when it does not exist)."""
    try:
        os.chmod(path, FILE_MODE)
    except FileNotFoundError:
        pass


def touch_private(path: str | os.PathLike[str]) -> None:
    """Create `path` empty as 0600 if missing (its content is kept if it exists), then lock it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


def write_private(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` (replacing it) as a 0600 file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb", closefd=False) as fh:
            fh.write(data)
    finally:
        os.close(fd)
