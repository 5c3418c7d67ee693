"""The zip End Of Central Directory record, read before `zipfile` parses anything.

`zipfile.ZipFile` builds one `ZipInfo` per central-directory entry before any caller
can count them: 2 million entries cost a gigabyte. `directory_size` reads the EOCD
record (and its ZIP64 form) from the tail of the file and returns the declared entry
count and directory size, so `checks.bounded_zip.CheckedZip` refuses an oversized
directory while it is still bytes; `signing_block_span` finds the APK Signing Block
before the central directory.
"""

from __future__ import annotations

import io
import struct
from typing import BinaryIO

_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"
#: the EOCD record is 22 bytes plus a comment of at most 65,535
_TAIL = 22 + 0xFFFF


_SIG_MAGIC = b"APK Sig Block 42"


def directory_size(raw: bytes) -> tuple[int, int] | None:
    """(declared entry count, declared central directory bytes), or None when no EOCD
    record is found (zipfile then reports the file as not a zip)."""
    return directory_size_of_file(io.BytesIO(raw), len(raw))


def directory_size_of_file(f: BinaryIO, size: int) -> tuple[int, int] | None:
    """`directory_size` of an open file of `size` bytes: reads its tail (at most 64 KiB
    and 22 bytes) and, for ZIP64, the 56-byte ZIP64 record it points to."""
    start = max(0, size - _TAIL)
    f.seek(start)
    tail = f.read(size - start)
    pos = tail.rfind(_EOCD)
    if pos < 0 or pos + 22 > len(tail):
        return None
    count, cd_size = struct.unpack_from("<HI", tail, pos + 10)
    loc = pos - 20
    if loc >= 0 and tail[loc:loc + 4] == _ZIP64_LOCATOR:
        (offset,) = struct.unpack_from("<Q", tail, loc + 8)
        if 0 <= offset <= size - 56:
            f.seek(offset)
            record = f.read(56)
            if record[:4] == _ZIP64_EOCD:
                count64, size64 = struct.unpack_from("<QQ", record, 32)
                return max(count, count64), max(cd_size, size64)
    return count, cd_size


def signing_block_span(f: BinaryIO, size: int, cd_offset: int) -> tuple[int, int] | None:
    """(start, end) of the APK Signing Block that ends where the central directory
    starts, or None when there is none. Only its two size fields and magic are read:
    the block is `size + 8` bytes, its first and last 8-byte fields both hold `size`."""
    if not 32 <= cd_offset <= size:
        return None
    f.seek(cd_offset - 24)
    end_size, magic = struct.unpack("<Q16s", f.read(24))
    if magic != _SIG_MAGIC or end_size < 24 or end_size + 8 > cd_offset:
        return None
    start = cd_offset - end_size - 8
    f.seek(start)
    (head_size,) = struct.unpack("<Q", f.read(8))
    return (start, cd_offset) if head_size == end_size else None

