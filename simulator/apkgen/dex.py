"""A minimal DEX (version 035, or a 041 container of several sections) writer: string and type tables plus empty class definitions.

The simulator's APKs only need to *look* like real code to the auditor: a DEX whose
string table holds given strings and whose class_defs name given classes. Each class
extends java.lang.Object and has no fields or methods, which is still a file that ART's
verifier (and so `dexdump`) and androguard accept.

Layout: header, string_ids, type_ids, class_defs, then the data section (string data,
map_list). Strings are sorted by UTF-16 code unit order and encoded in MUTF-8, as the
format requires; checksum (adler32) and signature (SHA-1) are computed last.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from collections.abc import Iterable

__all__ = ["build_dex", "build_dex_container", "class_descriptor", "encode_mutf8", "utf16_sort_key"]

_MAGIC = b"dex\n035\x00"
_HEADER_SIZE = 0x70
#: DEX 041 adds container_size and header_offset to the header
_HEADER_SIZE_V41 = 0x78
_ENDIAN_TAG = 0x12345678
_NO_INDEX = 0xFFFFFFFF
_ACC_PUBLIC = 0x0001
_OBJECT = "Ljava/lang/Object;"
_NON_BMP = re.compile("[\U00010000-\U0010FFFF]")

# map_list item type codes (dex-format "Type codes")
_TYPE_HEADER_ITEM = 0x0000
_TYPE_STRING_ID_ITEM = 0x0001
_TYPE_TYPE_ID_ITEM = 0x0002
_TYPE_CLASS_DEF_ITEM = 0x0006
_TYPE_MAP_LIST = 0x1000
_TYPE_STRING_DATA_ITEM = 0x2002


def utf16_sort_key(s: str) -> bytes:
    """Sort key giving the DEX string order: UTF-16 code unit values, not code points.

    Big-endian UTF-16 bytes compare exactly like their code units, so a non-BMP
    character (a surrogate pair, 0xD800..) sorts before U+E000..U+FFFF, as ART expects.
    """
    return s.encode("utf-16-be", "surrogatepass")


def _surrogate_pair(m: re.Match[str]) -> str:
    c = ord(m.group()) - 0x10000
    return chr(0xD800 + (c >> 10)) + chr(0xDC00 + (c & 0x3FF))


def encode_mutf8(s: str) -> tuple[bytes, int]:
    """MUTF-8 bytes of `s` (without terminator) and its length in UTF-16 code units.

    Modified UTF-8: U+0000 is C0 80, and characters beyond the BMP are written as their
    two UTF-16 surrogates, three bytes each (CESU-8). Lone surrogates are kept as such.
    """
    if s.isascii() and "\x00" not in s:
        return s.encode("ascii"), len(s)
    # Python's UTF-8 encoder writes each surrogate code point as its own 3 bytes and
    # never pairs them, so splitting non-BMP characters first yields CESU-8.
    units = _NON_BMP.sub(_surrogate_pair, s)
    return units.encode("utf-8", "surrogatepass").replace(b"\x00", b"\xc0\x80"), len(units)


def class_descriptor(name: str) -> str:
    """Type descriptor of a class: "com.example.Foo" -> "Lcom/example/Foo;".

    A name already written as a descriptor ("Lcom/example/Foo;") is kept as it is.
    """
    if name.startswith("L") and name.endswith(";") and "." not in name:
        return name
    return "L" + name.replace(".", "/") + ";"


def _uleb128(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _align4(n: int) -> int:
    return (n + 3) & ~3


def build_dex(classes: Iterable[str], strings: Iterable[str] = (), *, version: str = "035",
              base: int = 0) -> bytes:
    """Build one DEX file defining `classes` (dotted names) and holding `strings`.

    Duplicates are dropped; the string table is the union of the extra strings and the
    type descriptors. Deterministic: the output depends only on the two sets.
    `version` is written in the magic; from "041" on, the header has the two container
    fields (0x78 bytes) and the file is a container of this one section. `base` is where
    the bytes will sit in a container: every offset in them is counted from the
    container's start (`build_dex_container`).
    """
    header_size = _HEADER_SIZE_V41 if version >= "041" else _HEADER_SIZE
    descriptors = sorted({class_descriptor(c) for c in classes}, key=utf16_sort_key)
    types = set(descriptors)
    if descriptors and descriptors != [_OBJECT]:
        types.add(_OBJECT)  # the superclass of every defined class
    all_strings = sorted(types.union(strings), key=utf16_sort_key)
    string_index = {s: i for i, s in enumerate(all_strings)}
    type_strings = sorted((string_index[t] for t in types))
    type_index = {all_strings[si]: ti for ti, si in enumerate(type_strings)}

    n_strings, n_types, n_classes = len(all_strings), len(type_strings), len(descriptors)
    string_ids_off = base + header_size if n_strings else 0
    type_ids_off = base + header_size + 4 * n_strings if n_types else 0
    class_defs_off = base + header_size + 4 * n_strings + 4 * n_types if n_classes else 0
    data_off = base + header_size + 4 * n_strings + 4 * n_types + 32 * n_classes

    # string_data_items, then (4-aligned) the map_list, make up the data section
    string_data = bytearray()
    string_offsets = []
    for s in all_strings:
        string_offsets.append(data_off + len(string_data))
        encoded, units = encode_mutf8(s)
        string_data += _uleb128(units)
        string_data += encoded
        string_data.append(0)
    map_off = _align4(data_off + len(string_data))

    sections = [(_TYPE_HEADER_ITEM, 1, base)]
    if n_strings:
        sections.append((_TYPE_STRING_ID_ITEM, n_strings, string_ids_off))
    if n_types:
        sections.append((_TYPE_TYPE_ID_ITEM, n_types, type_ids_off))
    if n_classes:
        sections.append((_TYPE_CLASS_DEF_ITEM, n_classes, class_defs_off))
    if n_strings:
        sections.append((_TYPE_STRING_DATA_ITEM, n_strings, data_off))
    sections.append((_TYPE_MAP_LIST, 1, map_off))
    map_list = struct.pack("<I", len(sections)) + b"".join(
        struct.pack("<HHII", code, 0, count, off) for code, count, off in sections
    )
    file_size = map_off + len(map_list) - base

    object_type = type_index.get(_OBJECT)
    body = bytearray()
    body += struct.pack(f"<{n_strings}I", *string_offsets)
    body += struct.pack(f"<{n_types}I", *type_strings)
    for d in descriptors:
        superclass = _NO_INDEX if d == _OBJECT else object_type
        body += struct.pack(
            "<8I", type_index[d], _ACC_PUBLIC, superclass,
            0, _NO_INDEX, 0, 0, 0,  # interfaces, source file, annotations, class data, static values
        )
    body += string_data
    body += bytes(map_off - data_off - len(string_data))
    body += map_list

    header_tail = struct.pack(
        "<IIIIIIIIIIIIIIIIIIII",
        file_size, header_size, _ENDIAN_TAG,
        0, 0,  # link
        map_off,
        n_strings, string_ids_off,
        n_types, type_ids_off,
        0, 0,  # proto_ids
        0, 0,  # field_ids
        0, 0,  # method_ids
        n_classes, class_defs_off,
        base + file_size - data_off, data_off,
    )
    if header_size == _HEADER_SIZE_V41:
        # container_size (this section alone until build_dex_container says otherwise)
        # and header_offset
        header_tail += struct.pack("<II", file_size, base)
    signed = header_tail + body  # everything after the signature field
    signature = hashlib.sha1(signed).digest()
    checksum = zlib.adler32(signature + signed)
    return _magic(version) + struct.pack("<I", checksum) + signature + signed


def _magic(version: str) -> bytes:
    if len(version) != 3 or not version.isdigit():
        raise ValueError(f"a DEX version is three digits, not {version!r}")
    return b"dex\n" + version.encode("ascii") + b"\x00"


def _reseal(section: bytes) -> bytes:
    """Recompute a section's SHA-1 signature and adler32 checksum after a patch."""
    signed = section[32:]
    signature = hashlib.sha1(signed).digest()
    return section[:8] + struct.pack("<I", zlib.adler32(signature + signed)) + signature + signed


def build_dex_container(sections: Iterable[tuple[Iterable[str], Iterable[str]]],
                        versions: Iterable[str] | None = None) -> bytes:
    """A DEX container file (format version 041): several DEX sections back to back.

    Each section is (classes, strings) as for `build_dex`; `versions` gives each its
    magic (default "041" for all; a test can make a later section lie about its own).
    Every offset is counted from the container's start, each header's `file_size` is
    its section's size, `header_offset` its place and `container_size` the whole file.
    """
    specs = [(tuple(c), tuple(s)) for c, s in sections]
    vers = list(versions) if versions is not None else ["041"] * len(specs)
    if len(vers) != len(specs):
        raise ValueError("one version per section")
    parts: list[bytes] = []
    base = 0
    for (classes, strings), version in zip(specs, vers):
        part = build_dex(classes, strings, version=version if version >= "041" else "041", base=base)
        if version < "041":
            part = _magic(version) + part[8:]
        parts.append(part)
        base += len(part)
    total = base
    out = []
    for part in parts:
        patched = part[:0x70] + struct.pack("<I", total) + part[0x74:]
        out.append(_reseal(patched))
    return b"".join(out)
