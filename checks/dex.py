"""A fast reader of the few DEX tables phone-audit needs: strings, type names, class names.

No full parse: the header, `string_ids` + `string_data`, `type_ids` and `class_defs`
are read and nothing else (no methods, no code, no checksum). This is what tracker and
indicator matching needs, and it is about two orders of magnitude faster than a full
parse (see bench/dex_bench.py).

Speed comes from doing per-table work in C wherever possible: offsets are read as one
`array`, the string data of a normally laid-out DEX (items contiguous in id order, as
dx/d8 write them) is split on NUL in one call, decoded in one `bytes.decode` and cut
with `map`. Anything unusual (strings out of order, MUTF-8's C0 80 NUL, bytes that are
not UTF-8) falls back to a per-string path that is slower but still linear.

Hostile input: every count is checked against the buffer size before anything is
allocated for it, every offset is bounds-checked, string items must not overlap (so the
total decoded text is bounded by the file size), and every failure is a `DexError` with
a reason. Nothing else is raised for any input.
"""

from __future__ import annotations

import re
import struct
import sys
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate, chain, islice
from operator import itemgetter, methodcaller

__all__ = ["DexError", "DexTables", "read_dex", "decode_mutf8"]

_HEADER_SIZE = 0x70
_ENDIAN_CONSTANT = 0x12345678
_REVERSE_ENDIAN_CONSTANT = 0x78563412
_CLASS_DEF_SIZE = 32
#: a uleb128 u32 takes at most 5 bytes
_MAX_ULEB = 5

_strip_first = itemgetter(slice(1, None))
_is_l = methodcaller("startswith", "L")
_ends_semicolon = methodcaller("endswith", ";")
_strip_class = itemgetter(slice(1, -1))
_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
#: a piece of the split string region whose uleb128 size prefix takes several bytes
_LONG_ULEB = re.compile(rb"\x00[\x80-\xff]")
_HIGH_SURROGATE_BYTES = re.compile(rb"\xed[\xa0-\xaf]")


class DexError(ValueError):
    """The bytes are not a DEX file this reader can read; the message says why."""


@dataclass
class DexTables:
    """The string, type and class tables of one DEX file.

    `strings` is indexed like the DEX's string_ids. `type_names` holds the class and
    interface types of type_ids (descriptors `Lcom/foo/Bar;`) in type_ids order, dotted
    (`com.foo.Bar`); array and primitive types are left out. `class_names` holds the
    classes this DEX defines (class_defs), dotted, in class_defs order.
    """

    strings: list[str] = field(default_factory=list)
    type_names: list[str] = field(default_factory=list)
    class_names: list[str] = field(default_factory=list)
    #: DEX format version from the magic, e.g. "035"
    version: str = ""


def _u32_array(buf: bytes, offset: int, count: int, stride_words: int = 1) -> list[int]:
    """`count` little-endian u32 values at `offset`, every `stride_words`-th word."""
    arr = array("I")
    if arr.itemsize != 4:  # pragma: no cover - every CPython platform has a 4-byte "I"
        arr = array("L")
    arr.frombytes(buf[offset : offset + 4 * count * stride_words])
    if sys.byteorder == "big":  # pragma: no cover
        arr.byteswap()
    if stride_words == 1:
        return arr.tolist()
    return arr[::stride_words].tolist()


def _uleb_len(buf: bytes, pos: int, end: int) -> int:
    """Length in bytes of the uleb128 at `pos` (DexError if unterminated or too long)."""
    for i in range(_MAX_ULEB):
        if pos + i >= end:
            raise DexError(f"string data at {pos:#x}: truncated size prefix")
        if buf[pos + i] < 0x80:
            return i + 1
    raise DexError(f"string data at {pos:#x}: size prefix longer than 5 bytes")


def _combine_pairs(text: str) -> str:
    """Join UTF-16 surrogate pairs (as MUTF-8 writes supplementary characters)."""
    return _SURROGATE_PAIR.sub(
        lambda m: chr(0x10000 + ((ord(m[0][0]) - 0xD800) << 10) + (ord(m[0][1]) - 0xDC00)), text
    )


def decode_mutf8(raw: bytes) -> str:
    """Decode one MUTF-8 string (the slow, always-correct path).

    C0 80 is U+0000; surrogate halves written as 3-byte sequences are joined when they
    pair and kept as lone surrogates when they don't (as Java would hold them). Overlong
    2/3-byte forms are accepted as Java's decoder does; 4-byte UTF-8 (not MUTF-8, but seen
    in the wild) is accepted too. Bytes that fit no form become U+FFFD. Never raises.
    """
    out: list[str] = []
    append = out.append
    i, n = 0, len(raw)
    while i < n:
        b = raw[i]
        if b < 0x80:
            append(chr(b))
            i += 1
        elif 0xC0 <= b < 0xE0 and i + 1 < n and raw[i + 1] & 0xC0 == 0x80:
            append(chr(((b & 0x1F) << 6) | (raw[i + 1] & 0x3F)))
            i += 2
        elif (
            0xE0 <= b < 0xF0
            and i + 2 < n
            and raw[i + 1] & 0xC0 == 0x80
            and raw[i + 2] & 0xC0 == 0x80
        ):
            append(chr(((b & 0x0F) << 12) | ((raw[i + 1] & 0x3F) << 6) | (raw[i + 2] & 0x3F)))
            i += 3
        elif (
            0xF0 <= b < 0xF5
            and i + 3 < n
            and raw[i + 1] & 0xC0 == 0x80
            and raw[i + 2] & 0xC0 == 0x80
            and raw[i + 3] & 0xC0 == 0x80
        ):
            cp = ((b & 0x07) << 18) | ((raw[i + 1] & 0x3F) << 12) | ((raw[i + 2] & 0x3F) << 6) | (raw[i + 3] & 0x3F)
            append(chr(cp) if cp <= 0x10FFFF else "\ufffd")
            i += 4
        else:
            append("\ufffd")
            i += 1
    return _combine_pairs("".join(out))


def _decode_one(raw: bytes) -> str:
    """Decode one MUTF-8 string, the common way first."""
    try:
        text = raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        # C0 80 is always MUTF-8's NUL (C0 can be neither a UTF-8 lead nor a
        # continuation byte), so swapping it for 00 keeps the rest exact.
        if b"\xc0\x80" not in raw:
            return decode_mutf8(raw)
        try:
            text = raw.replace(b"\xc0\x80", b"\x00").decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            return decode_mutf8(raw)
    return text if text.isascii() else _combine_pairs(text)


def _split_text(text: str, raw: bytes) -> list[str]:
    # A surrogate half is ED A0..ED BF in (M)UTF-8: looking for it in the bytes is far
    # cheaper than a regex over a wide str.
    if b"\xed" in raw and _HIGH_SURROGATE_BYTES.search(raw):
        text = _combine_pairs(text)
    return list(map(_strip_first, text.split("\0")))


#: stand-ins for MUTF-8's C0 80 during a bulk decode: Unicode noncharacters, and one
#: that does not occur in the data is picked
_NUL_STANDINS = tuple(chr(c) for c in range(0xFDD0, 0xFDF0))


def _decode_joined(pieces: list[bytes], joined: bytes) -> list[str]:
    """Decode NUL-joined string contents (each still led by one prefix byte < 0x80).

    One bulk decode when all strings are UTF-8 apart from MUTF-8's C0 80 (swapped for
    a stand-in character that the data does not contain, and back after the split).
    Strings with other bytes that are not UTF-8 make it decode one string at a time.
    """
    standin = None
    if b"\xc0\x80" in joined:
        standin = next((c for c in _NUL_STANDINS if c.encode() not in joined), None)
        if standin is None:
            return [_decode_one(p[1:]) for p in pieces]
        joined = joined.replace(b"\xc0\x80", standin.encode())
    try:
        strings = _split_text(joined.decode("utf-8", "surrogatepass"), joined)
    except UnicodeDecodeError:
        return [_decode_one(p[1:]) for p in pieces]
    if standin is not None:
        strings = list(map(methodcaller("replace", standin, "\0"), strings))
    return strings


def _strings_contiguous(buf: bytes, offs: list[int], size: int) -> list[str] | None:
    """Fast path: string items laid out back to back in id order (dx/d8 output).

    Returns None when the layout is not that; the caller then takes the general path.
    """
    n = len(offs)
    first_index = 0
    head: list[str] = []
    start = offs[0]
    # The empty string sorts first; its item is b"\x00\x00", which would confuse the split.
    if buf[start] == 0:
        if start + 1 >= size or buf[start + 1] != 0:
            return None
        head = [""]
        first_index = 1
        if n == 1:
            return head
        start = offs[1]
        if start != offs[0] + 2:
            return None
    last = offs[-1]
    if not start < last < size and n - first_index > 1:
        return None
    last_nul = buf.find(b"\x00", last + _uleb_len(buf, last, size), size)
    if last_nul < 0:
        return None
    region = buf[start : last_nul + 1]
    pieces = region.split(b"\x00")
    m = n - first_index
    if len(pieces) != m + 1:
        return None
    del pieces[-1]
    # Item k must start where the pieces before it (and their NULs) end.
    positions = list(islice(accumulate(chain((start,), map((1).__add__, map(len, pieces)))), m))
    if positions != (offs[first_index:] if first_index else offs):
        return None
    if pieces[0][:1] >= b"\x80" or _LONG_ULEB.search(region):
        # Strings of 128+ UTF-16 units have a multi-byte size prefix: keep only its last
        # byte (< 0x80) so every piece is led by exactly one ASCII byte again.
        fix = [0] if pieces[0][:1] >= b"\x80" else []
        fix += [bisect_right(positions, start + mt.start() + 1) - 1 for mt in _LONG_ULEB.finditer(region)]
        for k in fix:
            p = pieces[k]
            ulen = _uleb_len(p, 0, len(p))
            pieces[k] = p[ulen - 1 :]
        joined = b"\x00".join(pieces)
    else:
        joined = region[:-1]
    return head + _decode_joined(pieces, joined)


def _strings_general(buf: bytes, offs: list[int], size: int) -> list[str]:
    """General path: any order; items must not overlap (bounds the total work)."""
    n = len(offs)
    order = sorted(range(n), key=offs.__getitem__)
    raws: list[bytes] = [b""] * n
    for pos, idx in enumerate(order):
        off = offs[idx]
        limit = offs[order[pos + 1]] if pos + 1 < n else size
        if limit <= off:
            raise DexError(f"string {idx}: data at {off:#x} shared with another string")
        ulen = _uleb_len(buf, off, limit)
        nul = buf.find(b"\x00", off + ulen, limit)
        if nul < 0:
            raise DexError(f"string {idx}: data at {off:#x} not NUL-terminated before the next item")
        raws[idx] = buf[off + ulen : nul]
    pieces = [b"\x01" + r for r in raws]
    return _decode_joined(pieces, b"\x00".join(pieces))


def _check_offsets(offs: list[int], size: int) -> None:
    if max(offs) >= size:
        raise DexError(f"string_ids: offset {max(offs):#x} beyond the end ({size} bytes)")
    if min(offs) < _HEADER_SIZE:
        raise DexError(f"string_ids: offset {min(offs):#x} inside the header")


def _table(header: tuple[int, int], name: str, item_size: int, size: int) -> tuple[int, int]:
    count, off = header
    if count == 0:
        return 0, 0
    if off < _HEADER_SIZE or off > size or count > (size - off) // item_size:
        raise DexError(
            f"{name}: {count} items at {off:#x} do not fit in {size} bytes (truncated or corrupt)"
        )
    return count, off


def read_dex(data: bytes | bytearray | memoryview) -> DexTables:
    """Read the string, type and class tables of one DEX file.

    Raises `DexError` (and nothing else) when the bytes are not a readable DEX.
    """
    buf = data if isinstance(data, bytes) else bytes(data)
    size = len(buf)
    if size < _HEADER_SIZE:
        raise DexError(f"too short for a DEX header ({size} bytes)")
    magic = buf[:8]
    if magic[:4] != b"dex\n" or magic[7] != 0 or not magic[4:7].isdigit():
        raise DexError(f"bad magic {magic[:8]!r} (not a DEX file)")
    (file_size, header_size, endian) = struct.unpack_from("<III", buf, 0x20)
    if endian == _REVERSE_ENDIAN_CONSTANT:
        raise DexError("big-endian DEX files are not supported")
    if endian != _ENDIAN_CONSTANT:
        raise DexError(f"bad endian tag {endian:#x}")
    if header_size < _HEADER_SIZE:
        raise DexError(f"bad header size {header_size}")
    if file_size > size:
        raise DexError(f"truncated: header says {file_size} bytes, have {size}")
    fields = struct.unpack_from("<8I", buf, 0x38)
    n_str, str_off = _table(fields[0:2], "string_ids", 4, size)
    n_typ, typ_off = _table(fields[2:4], "type_ids", 4, size)
    n_cls, cls_off = _table(struct.unpack_from("<II", buf, 0x60), "class_defs", _CLASS_DEF_SIZE, size)

    strings: list[str] = []
    if n_str:
        offs = _u32_array(buf, str_off, n_str)
        if not (_HEADER_SIZE <= offs[0] < size and _HEADER_SIZE <= offs[-1] < size):
            _check_offsets(offs, size)
        # The contiguous path checks every offset against the layout it assumes (which
        # implies id order), so nothing needs checking before it.
        strings = _strings_contiguous(buf, offs, size)  # type: ignore[assignment]
        if strings is None:
            _check_offsets(offs, size)
            strings = _strings_general(buf, offs, size)

    descriptors: list[str] = []
    if n_typ:
        idx = _u32_array(buf, typ_off, n_typ)
        if max(idx) >= n_str:
            raise DexError(f"type_ids: string index {max(idx)} out of range ({n_str} strings)")
        descriptors = list(map(strings.__getitem__, idx))

    class_names: list[str] = []
    if n_cls:
        cidx = _u32_array(buf, cls_off, n_cls, _CLASS_DEF_SIZE // 4)
        if max(cidx) >= n_typ:
            raise DexError(f"class_defs: type index {max(cidx)} out of range ({n_typ} types)")
        class_names = _dotted(list(map(descriptors.__getitem__, cidx)))

    type_names = _dotted(list(filter(_is_l, descriptors)))
    return DexTables(strings=strings, type_names=type_names, class_names=class_names,
                     version=magic[4:7].decode("ascii"))


def _dotted(descriptors: list[str]) -> list[str]:
    """`Lcom/foo/Bar;` -> `com.foo.Bar` for a whole list at once.

    A class_defs entry that is not a class descriptor (corrupt DEX) is kept verbatim
    rather than mangled.
    """
    if not descriptors:
        return []
    if all(map(_is_l, descriptors)) and all(map(_ends_semicolon, descriptors)):
        names = list(map(_strip_class, "\0".join(descriptors).replace("/", ".").split("\0")))
        if len(names) == len(descriptors):  # no descriptor held a NUL of its own
            return names
    return [d[1:-1].replace("/", ".") if d[:1] == "L" and d[-1:] == ";" else d for d in descriptors]
