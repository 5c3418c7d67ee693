"""A fast reader of the few DEX tables phone-audit needs: strings, type names, class names.

No full parse: the header, `string_ids` + `string_data`, `type_ids` and `class_defs`
are read and nothing else (no methods, no code, no checksum). This is what tracker and
indicator matching needs, and it is about two orders of magnitude faster than a full
parse (see bench/dex_bench.py).

Speed comes from doing per-item work in C (str/bytes methods, `map`, big ints), with
Python loops only over the few odd strings. For a normal DEX (string items back to back in id
order, as dx/d8 write them) the whole run of items is decoded as latin-1 (one character
per byte) and split on NUL in one call; one big-int comparison over all 32-bit offsets
proves that piece k starts at string id k's offset; the ASCII pieces (nearly all) are
the strings minus their one-byte size prefix, and only the rest (non-ASCII text,
MUTF-8's C0 80 NUL, surrogate pairs, size prefixes of several bytes) are decoded from
their bytes. Type descriptors are dotted with two `str.replace` calls over all of them
joined. Anything unusual (items out of order, overlapping, not UTF-8) falls back to a
per-string path that is slower but still linear.

Hostile input: every count is checked against a cap (`MAX_STRINGS`, `MAX_TYPES`,
`MAX_METHODS`, `MAX_CLASSES`; `DexTooLarge`) and against the buffer size before anything
is allocated for it, the decoded string data is capped (`MAX_STRING_DATA`), every offset is bounds-checked, string items must not overlap (so the
total decoded text is bounded by the file size), and every failure is a `DexError` with
a reason. Nothing else is raised for any input.
"""

from __future__ import annotations

import re
import struct
import sys
from array import array
from dataclasses import dataclass, field
from operator import itemgetter, methodcaller

__all__ = ["DexError", "DexTooLarge", "DexTables", "read_dex", "decode_mutf8", "DEX_VERSIONS",
           "MAX_STRINGS", "MAX_TYPES", "MAX_CLASSES", "MAX_METHODS", "MAX_STRING_DATA"]

#: the DEX format versions ART loads: 035 (all Android), 037 (7.0), 038 (8.0), 039 (9),
#: 040 (a revision unused by d8 but accepted by ART), 041 (15: containers)
DEX_VERSIONS = frozenset({"035", "037", "038", "039", "040", "041"})

_HEADER_SIZE = 0x70
_ENDIAN_CONSTANT = 0x12345678
_REVERSE_ENDIAN_CONSTANT = 0x78563412
_CLASS_DEF_SIZE = 32
#: a uleb128 u32 takes at most 5 bytes
_MAX_ULEB = 5

# Caps checked on the header counts before any table is read. Each string costs about
# 170 bytes of Python objects while a DEX is read and indexed (9 million strings took
# 1.5 GB), so the caps, not the file, bound a worker's memory. Real DEX files stay far
# below: type, method and class indexes are 16-bit in the instruction set (the "64K
# limit"), and d8 writes some 10^5 strings per DEX at most.
#: string_ids per DEX
MAX_STRINGS = 1_000_000
#: type_ids per DEX (a type index is 16 bits: 65,536 is the format's own limit)
MAX_TYPES = 1 << 16
#: class_defs per DEX (each defines one type)
MAX_CLASSES = 1 << 16
#: method_ids per DEX (the 64K method reference limit of one DEX)
MAX_METHODS = 1 << 16
#: bytes of string data decoded per DEX (all items, size prefixes included)
MAX_STRING_DATA = 16 << 20

_strip_first = itemgetter(slice(1, None))
_is_l = methodcaller("startswith", "L")
_has_c080 = methodcaller("__contains__", b"\xc0\x80")
_has_ed = methodcaller("__contains__", b"\xed")
_replace_c080 = methodcaller("replace", b"\xc0\x80", b"\x00")
_utf8_surrogatepass = methodcaller("decode", "utf-8", "surrogatepass")
_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
_HIGH_SURROGATE_BYTES = re.compile(rb"\xed[\xa0-\xaf]")


class DexError(ValueError):
    """The bytes are not a DEX file this reader can read; the message says why."""


class DexTooLarge(DexError):
    """A header count or table is over one of the caps: the DEX is not read at all."""


def _cap(count: int, cap: int, what: str) -> None:
    if count > cap:
        raise DexTooLarge(f"{count} {what} (more than {cap})")


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


def _decode_many(raws: list[bytes]) -> list[str]:
    """Decode many MUTF-8 strings, each exactly as `_decode_one` would, with C-level
    maps over the list for the usual case: C0 80 swapped for NUL, a strict UTF-8 decode
    (surrogatepass), and surrogate pairs joined only in the strings whose bytes hold a
    high surrogate half (ED A0..ED AF). Any string that is not UTF-8 sends the whole
    list through `_decode_one`.
    """
    fixed = list(map(_replace_c080, raws)) if any(map(_has_c080, raws)) else raws
    try:
        strings = list(map(_utf8_surrogatepass, fixed))
    except UnicodeDecodeError:
        return list(map(_decode_one, raws))
    if any(map(_has_ed, raws)):
        for i, raw in enumerate(raws):
            if b"\xed" in raw and _HIGH_SURROGATE_BYTES.search(raw):
                strings[i] = _combine_pairs(strings[i])
    return strings


def _lanes(word: bytes, count: int) -> int:
    """An int holding `count` 32-bit lanes, each the little-endian `word`."""
    return int.from_bytes(word * count, "little")


def _pieces_match_ids(ids: bytes, start: int, pieces: list[str]) -> bool:
    """Does piece k (a string item without its NUL) start at the k-th offset of `ids`?

    That is: the first offset is `start` and consecutive offsets differ by the piece
    length + 1. The check runs on all offsets at once as big-int arithmetic on 32-bit
    lanes (no per-item Python work). Lane k of the left side is offset k+1, of the
    right side offset k + length k + 1; with every offset below 2**31 (checked here)
    and every piece shorter than 2**31 (the caller's file is) both lie in [0, 2**32), so
    the two integers are equal only if every lane is. A piece of length 0 (an item
    without a size prefix, whose NUL would be the next item's first byte) is refused.
    """
    m = len(pieces)
    if _u32(ids, 0) != start:
        return False
    if m == 1:
        return len(pieces[0]) > 0
    offsets = int.from_bytes(ids, "little")
    if offsets & _lanes(b"\x00\x00\x00\x80", m):
        return False
    lens = array("I", list(map(len, pieces)))
    if lens.itemsize != 4:  # pragma: no cover - every CPython platform has a 4-byte "I"
        return False
    if sys.byteorder == "big":  # pragma: no cover
        lens.byteswap()
    raw_lens = lens.tobytes()
    all_lens = int.from_bytes(raw_lens, "little")
    ones = _lanes(b"\x01\x00\x00\x00", m)
    # some lane zero <=> (v - 0x01..) & ~v & 0x80.. is non-zero (exact, borrows included)
    if (all_lens - ones) & ~all_lens & _lanes(b"\x00\x00\x00\x80", m):
        return False
    head_lens = all_lens & ((1 << (32 * (m - 1))) - 1)
    below_last = offsets & ((1 << (32 * (m - 1))) - 1)
    return offsets >> 32 == below_last + head_lens + (ones >> 32)


def _u32(raw: bytes, index: int) -> int:
    return int.from_bytes(raw[4 * index : 4 * index + 4], "little")


def _strings_contiguous(buf: bytes, ids: bytes, size: int) -> list[str] | None:
    """Fast path: string items laid out back to back in id order (dx/d8 output).

    The run of items is decoded as latin-1 (one character per byte, so the text's
    pieces have the items' byte lengths), split on NUL and each piece checked to start
    at its string id's offset. Pure-ASCII pieces are then the strings after their
    one-byte size prefix; the few others (non-ASCII text, MUTF-8's C0 80 NUL, a size
    prefix of several bytes) are re-decoded from their bytes in one batch.

    Returns None when the layout is not that; the caller then takes the general path.
    """
    n = len(ids) // 4
    first_index = 0
    head: list[str] = []
    start, second = struct.unpack_from("<II", ids) if n > 1 else (_u32(ids, 0), 0)
    # The empty string sorts first; its item is b"\x00\x00", which would confuse the split.
    if buf[start] == 0:
        if start + 1 >= size or buf[start + 1] != 0:
            return None
        head = [""]
        first_index = 1
        if n == 1:
            return head
        if second != start + 2:
            return None
        start = second
    last = _u32(ids, n - 1)
    if not start < last < size and n - first_index > 1:
        return None
    last_nul = buf.find(b"\x00", last + _uleb_len(buf, last, size), size)
    if last_nul < 0 or size >= 1 << 31:  # the offset check needs lengths below 2**31
        return None
    if last_nul - start > MAX_STRING_DATA:
        raise DexTooLarge(f"{last_nul - start} bytes of string data (more than {MAX_STRING_DATA})")
    text = buf[start:last_nul].decode("latin-1")
    pieces = text.split("\0")
    m = n - first_index
    if len(pieces) != m:
        return None
    if not _pieces_match_ids(ids[4 * first_index :], start, pieces):
        return None
    strings = list(map(_strip_first, pieces))
    if not text.isascii():
        flags = bytes(map(str.isascii, pieces))
        odd: list[int] = []
        k = flags.find(0)
        while k >= 0:
            odd.append(k)
            k = flags.find(0, k + 1)
        raws = []
        where = []
        for k in odd:
            piece = pieces[k]
            raw = piece.encode("latin-1")
            skip = 1 if raw[0] < 0x80 else _uleb_len(raw, 0, len(raw))
            content = raw[skip:]
            if content.isascii():  # a long ASCII string: only its size prefix was not
                strings[k] = piece[skip:]
            else:
                raws.append(content)
                where.append(k)
        for k, s in zip(where, _decode_many(raws)):
            strings[k] = s
    return head + strings if head else strings


def _strings_general(buf: bytes, offs: list[int], size: int) -> list[str]:
    """General path: any order; items must not overlap (bounds the total work)."""
    n = len(offs)
    order = sorted(range(n), key=offs.__getitem__)
    raws: list[bytes] = [b""] * n
    total = 0
    for pos, idx in enumerate(order):
        off = offs[idx]
        limit = offs[order[pos + 1]] if pos + 1 < n else size
        if limit <= off:
            raise DexError(f"string {idx}: data at {off:#x} shared with another string")
        ulen = _uleb_len(buf, off, limit)
        nul = buf.find(b"\x00", off + ulen, limit)
        if nul < 0:
            raise DexError(f"string {idx}: data at {off:#x} not NUL-terminated before the next item")
        total += nul - off
        if total > MAX_STRING_DATA:
            raise DexTooLarge(f"more than {MAX_STRING_DATA} bytes of string data")
        raws[idx] = buf[off + ulen : nul]
    return _decode_many(raws)


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


#: a version-041 header: the standard 0x70 bytes, then container_size and header_offset
_HEADER_SIZE_V41 = 0x78


def _container_of(buf: bytes, at: int, file_size: int) -> tuple[bytes, int]:
    """(the container this version-041 section's offsets count from, the header's place
    in it), as ART finds it: AOSP art/libdexfile/dex/dex_file.cc `GetDataRange` takes the
    data of a section to be `container_size_` bytes starting `header_offset_` bytes before
    its header, every section offset (ids, class defs, string data) counting from there;
    dex_file_verifier.cc rejects a header whose `file_size_` runs past the container. A
    header whose `header_offset_` is not its place in the file is read as ART reads it."""
    container_size, header_offset = struct.unpack_from("<II", buf, at + 0x70)
    if container_size <= header_offset:
        raise DexError(f"container too small: size {container_size}, header offset {header_offset}")
    if file_size > container_size - header_offset:
        raise DexError(f"file size {file_size} runs past the container ({container_size} bytes)")
    base = at - header_offset
    if base < 0:
        raise DexError(f"header offset {header_offset} puts the container before the file's start")
    if base + container_size > len(buf):
        raise DexError(f"truncated: the container is {container_size} bytes, have {len(buf) - base}")
    if base == 0 and container_size == len(buf):
        return buf, at
    return buf[base : base + container_size], header_offset


def read_dex(data: bytes | bytearray | memoryview, at: int = 0) -> DexTables:
    """Read the string, type and class tables of one DEX file, or of the DEX section
    whose header starts at `at` in a container (version 041, whose offsets count from
    the container's start, placed by the header's own `header_offset`, as ART does:
    `_container_of`; `checks.code_sources.dex_sections` finds the headers).

    Only the versions a real runtime loads (`DEX_VERSIONS`) are read: any other is a
    `DexError`, so code in a format this reader does not know is reported, not skipped.
    Raises `DexError` (and nothing else) when the bytes are not a readable DEX.
    """
    buf = data if isinstance(data, bytes) else bytes(data)
    size = len(buf)
    if at < 0 or size - at < _HEADER_SIZE:
        raise DexError(f"too short for a DEX header ({max(size - at, 0)} bytes)")
    magic = buf[at : at + 8]
    if magic[:4] != b"dex\n" or magic[7] != 0 or not magic[4:7].isdigit():
        raise DexError(f"bad magic {magic[:8]!r} (not a DEX file)")
    if magic[4:7].decode("ascii") not in DEX_VERSIONS:
        raise DexError(f"unknown DEX version {magic[4:7].decode('ascii')} (not one Android loads)")
    (file_size, header_size, endian) = struct.unpack_from("<III", buf, at + 0x20)
    if endian == _REVERSE_ENDIAN_CONSTANT:
        raise DexError("big-endian DEX files are not supported")
    if endian != _ENDIAN_CONSTANT:
        raise DexError(f"bad endian tag {endian:#x}")
    if header_size < _HEADER_SIZE or header_size > size - at:
        raise DexError(f"bad header size {header_size}")
    if file_size > size - at:
        raise DexError(f"truncated: header says {file_size} bytes, have {size - at}")
    if magic[4:7] >= b"041" and header_size >= _HEADER_SIZE_V41:
        buf, at = _container_of(buf, at, file_size)
        size = len(buf)
    fields = struct.unpack_from("<8I", buf, at + 0x38)
    # the caps first, on the header alone: nothing is allocated for a count over one
    _cap(fields[0], MAX_STRINGS, "strings")
    _cap(fields[2], MAX_TYPES, "types")
    _cap(struct.unpack_from("<I", buf, at + 0x58)[0], MAX_METHODS, "methods")
    _cap(struct.unpack_from("<I", buf, at + 0x60)[0], MAX_CLASSES, "classes")
    n_str, str_off = _table(fields[0:2], "string_ids", 4, size)
    n_typ, typ_off = _table(fields[2:4], "type_ids", 4, size)
    n_cls, cls_off = _table(struct.unpack_from("<II", buf, at + 0x60), "class_defs", _CLASS_DEF_SIZE, size)

    strings: list[str] = []
    if n_str:
        ids = buf[str_off : str_off + 4 * n_str]
        if not (_HEADER_SIZE <= _u32(ids, 0) < size and _HEADER_SIZE <= _u32(ids, n_str - 1) < size):
            _check_offsets(_u32_array(buf, str_off, n_str), size)
        # The contiguous path checks every offset against the layout it assumes (which
        # implies id order), so nothing needs checking before it.
        strings = _strings_contiguous(buf, ids, size)  # type: ignore[assignment]
        if strings is None:
            offs = _u32_array(buf, str_off, n_str)
            _check_offsets(offs, size)
            strings = _strings_general(buf, offs, size)

    descriptors: list[str] = []
    if n_typ:
        idx = _u32_array(buf, typ_off, n_typ)
        if max(idx) >= n_str:
            raise DexError(f"type_ids: string index {max(idx)} out of range ({n_str} strings)")
        descriptors = list(map(strings.__getitem__, idx))

    cidx: list[int] = []
    if n_cls:
        cidx = _u32_array(buf, cls_off, n_cls, _CLASS_DEF_SIZE // 4)
        if max(cidx) >= n_typ:
            raise DexError(f"class_defs: type index {max(cidx)} out of range ({n_typ} types)")

    type_names, class_names = _type_and_class_names(descriptors, cidx)
    return DexTables(strings=strings, type_names=type_names, class_names=class_names,
                     version=magic[4:7].decode("ascii"))


def _class_run(descriptors: list[str]) -> tuple[int, list[str]] | None:
    """(lo, dotted names) when descriptors[lo:lo+k] are exactly the class descriptors
    (those starting with "L"), each of the form `L...;`; None otherwise.

    type_ids are sorted by string id and string ids by content, so in a valid DEX the
    class types form one run. Everything is decided on the descriptors joined by NUL:
    no NUL inside a descriptor (one count), the run's span (a find and a count), and
    every separator inside the span being `;\\0L` (one count) with the span starting
    with "L" and ending with ";". The span is then converted with two replaces.
    """
    joined = "\0".join(descriptors)
    if joined.count("\0") != len(descriptors) - 1:
        return None
    first_is_l = joined[:1] == "L"
    count = joined.count("\0L") + first_is_l
    if count == 0:
        return 0, []
    begin = 0 if first_is_l else joined.find("\0L") + 1
    lo = joined.count("\0", 0, begin)
    block = descriptors[lo : lo + count]
    end = begin + sum(map(len, block)) + count - 1
    span = joined[begin:end]
    if len(block) != count or span[-1:] != ";" or span.count(";\0L") != count - 1:
        return None
    return lo, span[1:-1].replace(";\0L", "\0").replace("/", ".").split("\0")


def _type_and_class_names(descriptors: list[str], cidx: list[int]) -> tuple[list[str], list[str]]:
    """type_names (the class types of type_ids, dotted) and class_names (class_defs).

    A class_defs entry names a type id; when every one falls in the run of class types,
    its name is taken from type_names instead of being converted a second time.
    """
    run = _class_run(descriptors)
    if run is None:
        return (_dotted(list(filter(_is_l, descriptors))),
                _dotted(list(map(descriptors.__getitem__, cidx))))
    lo, type_names = run
    if not cidx:
        return type_names, []
    if min(cidx) >= lo and max(cidx) < lo + len(type_names):
        return type_names, list(map(type_names.__getitem__, map((-lo).__add__, cidx)))
    return type_names, _dotted(list(map(descriptors.__getitem__, cidx)))


def _dotted(descriptors: list[str]) -> list[str]:
    """`Lcom/foo/Bar;` -> `com.foo.Bar` for a whole list at once.

    The descriptors are joined by NUL and converted with two `str.replace` calls and one
    split. That is exact when NUL only occurs as the n-1 separators and each of them sits
    in `;\\0L` (so every descriptor is `L...;`), which two counts prove. Otherwise each is
    converted alone, and an entry that is not a class descriptor (corrupt DEX) is kept
    verbatim rather than mangled.
    """
    if not descriptors:
        return []
    joined = "\0".join(descriptors)
    seps = len(descriptors) - 1
    if (joined[:1] == "L" and joined[-1:] == ";" and joined.count("\0") == seps
            and joined.count(";\0L") == seps):
        return joined[1:-1].replace(";\0L", "\0").replace("/", ".").split("\0")
    return [d[1:-1].replace("/", ".") if d[:1] == "L" and d[-1:] == ";" else d
            for d in descriptors]
