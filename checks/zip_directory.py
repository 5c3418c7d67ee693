"""The zip End Of Central Directory record, read before `zipfile` parses anything.

`zipfile.ZipFile` builds one `ZipInfo` per central-directory entry before any caller
can count them: 2 million entries cost a gigabyte. `directory_size` reads the EOCD
record (and its ZIP64 form) from the tail of the file and returns the declared entry
count and directory size, so `checks.inspect.check_zip` refuses an oversized
directory while it is still bytes.
"""

from __future__ import annotations

import struct

_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"
#: the EOCD record is 22 bytes plus a comment of at most 65,535
_TAIL = 22 + 0xFFFF


def directory_size(raw: bytes) -> tuple[int, int] | None:
    """(declared entry count, declared central directory bytes), or None when no EOCD
    record is found (zipfile then reports the file as not a zip)."""
    start = max(0, len(raw) - _TAIL)
    pos = raw.rfind(_EOCD, start)
    if pos < 0 or pos + 22 > len(raw):
        return None
    count, size = struct.unpack_from("<HI", raw, pos + 10)
    loc = pos - 20
    if loc >= 0 and raw[loc:loc + 4] == _ZIP64_LOCATOR:
        (offset,) = struct.unpack_from("<Q", raw, loc + 8)
        if 0 <= offset <= len(raw) - 56 and raw[offset:offset + 4] == _ZIP64_EOCD:
            count64, size64 = struct.unpack_from("<QQ", raw, offset + 32)
            return max(count, count64), max(size, size64)
    return count, size
