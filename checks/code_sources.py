"""Every piece of code an APK carries, wherever it lies, or why it was not read.

Android runs more than the top-level `classes*.dex`: an app can load a DEX from
`assets/` (DexClassLoader), unpack an APK or JAR it ships inside itself, and since
Android 15 one DEX file can be a *container* of several DEX sections (format 041), each
with its own header and its own version. An auditor that reads only `classes*.dex`
passes whatever hides in the rest. This module names every code unit to read:

- `is_code_entry(name, head)`: a zip entry is code when its name ends in `.dex`, `.apk`,
  `.jar` or `.zip`, or its first bytes are a DEX or zip signature (a DEX renamed to
  `.png` is still a DEX);
- `dex_sections(buf)`: the header offsets of a DEX file (one, or each section of a 041
  container, found by walking each header's `file_size`);
- `code_units(entries, unread)`: every DEX section of every code entry, nested archives
  opened in memory up to `MAX_NESTING` levels, as `CodeUnit(location, data, at)`.

Locations name the way in: `classes.dex`, `assets/x.dex`, `assets/plugin.apk!/classes.dex`
(an entry of a nested archive), `classes.dex#2` (the second section of a container).
`split_location` turns one back into the zip entries to open and the section.

Whatever cannot be read (an archive over its cap, corrupt or encrypted, a file named
`.dex` that is not one, a chain too deep, more units than `MAX_CODE_UNITS`) is appended
to `unread` as "<location>: <reason>", which `ApkReport.unread_code` keeps so the checks
that need code say inconclusive for that app. Nothing is written to disk.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Iterator

from checks.zip_directory import directory_size

__all__ = [
    "CodeUnit", "is_code_entry", "sniff", "dex_sections", "code_units", "split_location",
    "MAX_NESTING", "MAX_CODE_UNITS", "MAX_ARCHIVE_BYTES", "MAX_NESTED_ENTRIES", "CODE_SUFFIXES",
]

#: an archive in the APK is opened, and one in it; deeper ones are reported, not read
MAX_NESTING = 2
#: DEX files and sections read per APK, all sources together (the bound of
#: `checks.inspect.MAX_DEX_FILES` on classes*.dex, kept for the whole)
MAX_CODE_UNITS = 100
#: one nested archive inflated in memory; the inspection holds one code entry at a time
#: (and a member of it), so this bounds a worker's memory with the DEX cap
#: (`checks.inspect.MAX_DEX_BYTES`, 32 MiB) under the 400 MB a worker may use
MAX_ARCHIVE_BYTES = 64 << 20
#: all code outside the top-level classes*.dex inflated for one APK
MAX_EXTRA_BYTES = 1 << 30
#: entries of one nested archive (its directory is counted before zipfile reads it)
MAX_NESTED_ENTRIES = 20_000
CODE_SUFFIXES = (".dex", ".apk", ".jar", ".zip")
_DEX_MAGIC = b"dex\n"
_ZIP_MAGIC = b"PK\x03\x04"
_HEADER_SIZE = 0x70
_HEADER_SIZE_V41 = 0x78


@dataclass(frozen=True)
class CodeUnit:
    """One DEX (or DEX section) to read: `read_dex(data, at)`."""

    location: str
    data: bytes
    at: int = 0


def sniff(head: bytes) -> str | None:
    """"dex" or "zip" from an entry's first bytes, else None."""
    if head.startswith(_DEX_MAGIC):
        return "dex"
    if head.startswith(_ZIP_MAGIC):
        return "zip"
    return None


def is_code_entry(name: str, head: bytes) -> bool:
    """Is this zip entry code to read (by its name or its first bytes)?"""
    return name.lower().endswith(CODE_SUFFIXES) or sniff(head) is not None


def split_location(location: str) -> tuple[list[str], int | None]:
    """(zip entries from the outer APK inwards, 1-based container section or None)."""
    section = None
    path = location
    if "#" in location:
        path, _, tail = location.rpartition("#")
        section = int(tail) if tail.isdigit() else None
    return path.split("!/"), section


def _u32(buf: bytes, pos: int) -> int:
    return int.from_bytes(buf[pos : pos + 4], "little")


def dex_sections(buf: bytes, unread: list[str], location: str) -> list[int]:
    """Header offsets of the DEX sections in `buf`: [0] for a plain DEX, every section
    of a version-041 container. Each header's own version is left to `read_dex`; a
    chain that breaks (a size that runs past the end, no header where one must be, too
    many sections) stops here and is reported in `unread`.

    The walk is ART's (AOSP art/libdexfile/dex/dex_file_loader.cc `DexFileLoader::Open`:
    the next header starts `file_size_` bytes after this one, in a container of the
    first header's `container_size_`, dex_file.h `HeaderV41`). ART stops at a section
    whose own container ends with it; this reads on to the end of the first header's
    container, so code a later header hides by claiming to be the last is read too.
    Where each section's offsets count from is `checks.dex.read_dex`'s business."""
    if len(buf) < _HEADER_SIZE or not buf.startswith(_DEX_MAGIC):
        return [0]  # read_dex says what is wrong with it
    version = buf[4:7]
    header_size = _u32(buf, 0x24)
    if not version.isdigit() or version < b"041" or header_size < _HEADER_SIZE_V41:
        return [0]
    container = _u32(buf, 0x70)
    limit = len(buf)
    if container != len(buf):
        unread.append(f"{location}: container size {container} differs from the file's {len(buf)} bytes"
                      + (" (truncated)" if container > len(buf) else " (bytes after the container not read)"))
        limit = min(container, len(buf))
    offsets = [0]
    pos = 0
    while True:
        size = _u32(buf, pos + 0x20)
        if size < _HEADER_SIZE_V41 or pos + size > limit:
            unread.append(f"{location}#{len(offsets)}: section size {size} at {pos:#x} does not fit "
                          "the container; the sections after it not read")
            break
        pos += size
        if pos >= limit:
            break
        if len(offsets) >= MAX_CODE_UNITS:
            unread.append(f"{location}: more than {MAX_CODE_UNITS} sections; the rest not read")
            break
        if limit - pos < _HEADER_SIZE or not buf.startswith(_DEX_MAGIC, pos):
            unread.append(f"{location}: no DEX header at {pos:#x} where section {len(offsets) + 1} "
                          "should start; the rest not read")
            break
        offsets.append(pos)
    return offsets


class CodeBudget:
    """Counts units read and bytes inflated outside the top-level classes*.dex, across
    every `code_units` call of one APK (the inspection reads one entry at a time)."""

    def __init__(self) -> None:
        self.units = 0
        self.extra_bytes = 0
        self.full = False

    def spent(self, where: str, unread: list[str]) -> bool:
        """True when no more units may be read; the first time, says so in `unread`."""
        if self.units < MAX_CODE_UNITS:
            return False
        if not self.full:
            unread.append(f"{where}: more than {MAX_CODE_UNITS} DEX files and sections; "
                          "this one and the rest not read")
            self.full = True
        return True


def _units_of_dex(location: str, data: bytes, unread: list[str], budget: CodeBudget) -> Iterator[CodeUnit]:
    offsets = dex_sections(data, unread, location)
    for i, at in enumerate(offsets):
        where = location if len(offsets) == 1 and i == 0 else f"{location}#{i + 1}"
        if budget.spent(where, unread):
            return
        budget.units += 1
        yield CodeUnit(where, data, at)


def _nested_entries(location: str, raw: bytes, unread: list[str]) -> list[tuple[zipfile.ZipFile, zipfile.ZipInfo]] | None:
    declared = directory_size(raw)
    if declared is not None and declared[0] > MAX_NESTED_ENTRIES:
        unread.append(f"{location}: archive of {declared[0]} entries (more than {MAX_NESTED_ENTRIES}), not read")
        return None
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
        infos = zf.infolist()
    except Exception as exc:  # zipfile raises many kinds on hostile bytes; none may escape
        unread.append(f"{location}: not a readable archive ({exc}), not read")
        return None
    if len(infos) > MAX_NESTED_ENTRIES:
        unread.append(f"{location}: archive of {len(infos)} entries (more than {MAX_NESTED_ENTRIES}), not read")
        return None
    return [(zf, i) for i in infos if not i.is_dir()]


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, n: int) -> bytes:
    """Up to `n` bytes of a member (zipfile inflates incrementally: memory stays bounded)."""
    with zf.open(info) as f:
        return f.read(n)


def _units_of_archive(location: str, raw: bytes, depth: int, unread: list[str],
                      budget: CodeBudget) -> Iterator[CodeUnit]:
    members = _nested_entries(location, raw, unread)
    if members is None:
        return
    for zf, info in sorted(members, key=lambda m: m[1].filename):
        inner = f"{location}!/{info.filename}"
        try:
            head = _read_member(zf, info, 8)
        except Exception as exc:  # corrupt, encrypted, an unknown method, names that differ
            # whatever its name says, an entry that cannot be read may be code
            unread.append(f"{inner}: cannot be read ({type(exc).__name__}: {exc})")
            continue
        if not is_code_entry(info.filename, head):
            continue
        yield from _units_of_entry(inner, lambda: _read_capped(zf, info, budget), head, depth, unread, budget)


class _Unreadable(Exception):
    pass


def _read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: CodeBudget) -> bytes:
    """A member's bytes, within `MAX_ARCHIVE_BYTES` and what is left of `MAX_EXTRA_BYTES`
    (the declared size is checked first, the inflated size is capped whatever it says)."""
    left = MAX_EXTRA_BYTES - budget.extra_bytes
    if info.file_size > min(MAX_ARCHIVE_BYTES, left):
        if info.file_size <= MAX_ARCHIVE_BYTES:
            raise _Unreadable(f"code outside classes*.dex over {MAX_EXTRA_BYTES >> 20} MiB in all")
        raise _Unreadable(f"{info.file_size} bytes (more than {MAX_ARCHIVE_BYTES >> 20} MiB)")
    cap = min(MAX_ARCHIVE_BYTES, left)
    try:
        data = _read_member(zf, info, cap + 1)
    except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required"
        raise _Unreadable(f"encrypted ({exc})") from None
    except Exception as exc:  # zipfile raises many kinds on hostile bytes; none may escape
        raise _Unreadable(f"corrupt ({type(exc).__name__}: {exc})") from None
    if len(data) > cap:
        raise _Unreadable(f"inflates to more than its {info.file_size} declared bytes or the cap (zip bomb?)")
    return data


def _units_of_entry(location: str, load, head: bytes, depth: int, unread: list[str],
                    budget: CodeBudget) -> Iterator[CodeUnit]:
    kind = sniff(head)
    if kind is None:
        unread.append(f"{location}: named like code but neither a DEX nor a zip (encrypted or packed?), not read")
        return
    if kind == "zip" and depth >= MAX_NESTING:
        unread.append(f"{location}: archive nested more than {MAX_NESTING} deep, not read")
        return
    if budget.spent(location, unread):
        return
    try:
        data = load()
    except _Unreadable as exc:
        unread.append(f"{location}: {exc}, not read")
        return
    budget.extra_bytes += len(data)
    if budget.extra_bytes > MAX_EXTRA_BYTES:
        unread.append(f"{location}: code outside classes*.dex over {MAX_EXTRA_BYTES >> 20} MiB in all, not read")
        return
    if kind == "dex":
        yield from _units_of_dex(location, data, unread, budget)
    else:
        yield from _units_of_archive(location, data, depth + 1, unread, budget)


def code_units(entries: dict[str, bytes], unread: list[str], manifest: str = "AndroidManifest.xml",
               top_level: frozenset[str] = frozenset(),
               budget: CodeBudget | None = None) -> Iterator[CodeUnit]:
    """Every DEX unit of an APK's inflated code entries (`checks.inspect.check_zip`),
    top-level `classes*.dex` first in the order given, then the others by name."""
    budget = budget if budget is not None else CodeBudget()
    names = [n for n in entries if n != manifest]
    first = [n for n in names if n in top_level]
    rest = sorted(n for n in names if n not in top_level)
    for name in first:
        yield from _units_of_dex(name, entries[name], unread, budget)
    for name in rest:
        data = entries[name]
        yield from _units_of_entry(name, lambda d=data: d, data[:8], 0, unread, budget)
