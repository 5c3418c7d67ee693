"""The app's label from resources.arsc, reading only the one resource it names.

androguard's `APK.get_app_name()` parses the whole resource table (every entry of every
type in every configuration) to answer one lookup: 0.3-0.4 s for a 1.7 MB table, several
seconds for a framework-sized one, which on a real phone's 450 APKs cost more CPU than
pulling them over USB 2 (issue 20's profile: 57 % of inspection time). The label needs
one entry: the package chunk of the id's package, the type chunks of its type, one
entry offset in each, one value, and one string of the global pool.

`label_from_arsc(table, res_id)` walks the chunk headers to that entry and picks the
value the way androguard does (the only configuration if there is one, else the default
configuration, else the first), following references to other strings. It returns None
for anything it does not handle exactly (complex or compact entries, values that are not
strings, a malformed or hostile table): the caller then asks androguard, which stays the
reference (tests/inspect/test_arsc_label.py compares the two on real and generated APKs).
Every offset is checked against the table's bounds; the walk is linear in the number of
chunks.
"""

from __future__ import annotations

import re
import struct

__all__ = ["label_from_arsc", "parse_reference"]

_RES_STRING_POOL = 0x0001
_RES_TABLE = 0x0002
_RES_TABLE_PACKAGE = 0x0200
_RES_TABLE_TYPE = 0x0201

_TYPE_REFERENCE = 0x01
_TYPE_STRING = 0x03

_FLAG_SPARSE = 0x01
_FLAG_OFFSET16 = 0x02
_ENTRY_COMPLEX = 0x0001
_ENTRY_COMPACT = 0x0008
_NO_ENTRY = 0xFFFFFFFF
_NO_ENTRY16 = 0xFFFF
_UTF8 = 0x100

#: references followed from the label to a string
MAX_HOPS = 8
#: characters of a label decoded at most (a label is a word or two; the rest is cut by
#: the reports anyway)
MAX_LABEL_CHARS = 1 << 16

_REF = re.compile(r"@([0-9A-Fa-f]{8})")


class _Bad(Exception):
    """The table is not what this reader handles; androguard is asked instead."""


def parse_reference(value: str) -> int | None:
    """The resource id of a manifest value written as androguard shows a reference
    ("@7F010000"), else None (a literal label, or a reference into another package)."""
    m = _REF.fullmatch(value or "")
    return int(m.group(1), 16) if m else None


def _u16(b: bytes, off: int) -> int:
    if off < 0 or off + 2 > len(b):
        raise _Bad("out of bounds")
    return struct.unpack_from("<H", b, off)[0]


def _u32(b: bytes, off: int) -> int:
    if off < 0 or off + 4 > len(b):
        raise _Bad("out of bounds")
    return struct.unpack_from("<I", b, off)[0]


def _chunk(b: bytes, off: int, end: int) -> tuple[int, int, int]:
    """(type, header size, size) of the chunk at `off`, inside [off, end)."""
    kind, header, size = _u16(b, off), _u16(b, off + 2), _u32(b, off + 4)
    if header < 8 or size < header or off + size > end:
        raise _Bad("bad chunk")
    return kind, header, size


def _pool_string(b: bytes, pool: int, index: int) -> str:
    kind, header, size = _chunk(b, pool, len(b))
    if kind != _RES_STRING_POOL or header < 28:
        raise _Bad("no string pool")
    count, flags, start = _u32(b, pool + 8), _u32(b, pool + 16), _u32(b, pool + 20)
    if index >= count:
        raise _Bad("string index out of range")
    at = pool + start + _u32(b, pool + header + 4 * index)
    end = pool + size
    if at >= end:
        raise _Bad("string outside its pool")
    if flags & _UTF8:
        # two lengths (UTF-16 units, then bytes), each one or two bytes
        at += 2 if b[at] & 0x80 else 1
        if at + 1 > end:
            raise _Bad("string outside its pool")
        n = b[at]
        if n & 0x80:
            if at + 2 > end:
                raise _Bad("string outside its pool")
            n = ((n & 0x7F) << 8) | b[at + 1]
            at += 2
        else:
            at += 1
        if at + n > end:
            raise _Bad("string outside its pool")
        return b[at: at + min(n, 4 * MAX_LABEL_CHARS)].decode("utf-8", "replace")[:MAX_LABEL_CHARS]
    n = _u16(b, at)
    if n & 0x8000:
        n = ((n & 0x7FFF) << 16) | _u16(b, at + 2)
        at += 4
    else:
        at += 2
    if at + 2 * n > end:
        raise _Bad("string outside its pool")
    return b[at: at + 2 * min(n, MAX_LABEL_CHARS)].decode("utf-16-le", "replace")


def _is_default(b: bytes, cfg: int, cfg_size: int) -> bool:
    return not any(b[cfg + 4: cfg + cfg_size])


def _candidates(b: bytes, package_off: int, package_end: int, type_id: int, entry: int) -> list[tuple[bool, int]]:
    """(is the default configuration, offset of the entry) for every type chunk of
    `type_id` in the package that has `entry`, in table order."""
    _, header, _ = _chunk(b, package_off, package_end)
    out: list[tuple[bool, int]] = []
    off = package_off + header
    while off + 8 <= package_end:
        kind, h, size = _chunk(b, off, package_end)
        if kind == _RES_TABLE_TYPE and h >= 20 and b[off + 8] == type_id:
            flags, count, entries_start = b[off + 9], _u32(b, off + 12), _u32(b, off + 16)
            cfg_size = _u32(b, off + 20)
            if flags & ~(_FLAG_SPARSE | _FLAG_OFFSET16) or 20 + cfg_size > h or cfg_size < 4:
                raise _Bad("unknown type chunk")
            rel = None
            if flags & _FLAG_SPARSE:
                # (entry index, offset / 4) pairs sorted by index
                lo, hi = 0, count
                while lo < hi:
                    mid = (lo + hi) // 2
                    idx = _u16(b, off + h + 4 * mid)
                    if idx == entry:
                        rel = _u16(b, off + h + 4 * mid + 2) * 4
                        break
                    lo, hi = (mid + 1, hi) if idx < entry else (lo, mid)
            elif entry < count:
                if flags & _FLAG_OFFSET16:
                    v = _u16(b, off + h + 2 * entry)
                    rel = None if v == _NO_ENTRY16 else v * 4
                else:
                    v = _u32(b, off + h + 4 * entry)
                    rel = None if v == _NO_ENTRY else v
            if rel is not None:
                at = off + entries_start + rel
                if at >= off + size:
                    raise _Bad("entry outside its chunk")
                out.append((_is_default(b, off + 20, cfg_size), at))
        off += size
    return out


def _resolve(b: bytes, pool: int, packages: dict[int, tuple[int, int]], res_id: int, hops: int) -> str:
    if hops > MAX_HOPS:
        raise _Bad("reference chain too long")
    pkg, type_id, entry = res_id >> 24, (res_id >> 16) & 0xFF, res_id & 0xFFFF
    if pkg not in packages or type_id == 0:
        raise _Bad("no such package")
    found = _candidates(b, *packages[pkg], type_id, entry)
    if not found:
        raise _Bad("no such entry")
    # androguard: the only one; else the default configuration; else the first
    at = found[0][1] if len(found) == 1 else next((a for d, a in found if d), found[0][1])
    esize, eflags = _u16(b, at), _u16(b, at + 2)
    if eflags & (_ENTRY_COMPLEX | _ENTRY_COMPACT) or esize < 8:
        raise _Bad("not a simple entry")
    v = at + esize
    vsize, vtype, data = _u16(b, v), b[v + 3] if v + 3 < len(b) else -1, _u32(b, v + 4)
    if vsize < 8:
        raise _Bad("bad value")
    if vtype == _TYPE_STRING:
        return _pool_string(b, pool, data)
    if vtype == _TYPE_REFERENCE and data and data != res_id:
        return _resolve(b, pool, packages, data, hops + 1)
    raise _Bad("not a string value")


def label_from_arsc(table: bytes, res_id: int) -> str | None:
    """The string resource `res_id` as androguard's get_app_name resolves it in the
    default configuration, or None when this reader cannot say (see module docstring)."""
    try:
        b = table
        kind, header, size = _chunk(b, 0, len(b))
        if kind != _RES_TABLE:
            return None
        pool = None
        packages: dict[int, tuple[int, int]] = {}
        off = header
        while off + 8 <= size:
            k, h, s = _chunk(b, off, size)
            if k == _RES_STRING_POOL and pool is None:
                pool = off
            elif k == _RES_TABLE_PACKAGE:
                pid = _u32(b, off + 8)
                if pid in packages:
                    return None  # two chunks of one package: androguard merges them
                packages[pid] = (off, off + s)
            off += s
        if pool is None:
            return None
        return _resolve(b, pool, packages, res_id, 0)
    except (_Bad, IndexError, struct.error, UnicodeError):
        return None
