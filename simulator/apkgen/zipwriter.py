"""A small deterministic zip writer: fixed timestamps, fixed order, no host metadata.

Python's zipfile stamps entries with host-dependent fields (create_system, the
current time unless told otherwise) and cannot put a CRC in a local header before
streaming the data; this writer takes the CRC up front, so a 100 MB entry streams
straight to the output without seeking back.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from typing import BinaryIO

__all__ = ["ZipWriter", "deflate", "local_header_size", "CENTRAL_ENTRY_FIXED", "EOCD_SIZE"]

# 2008-01-01 00:00:00, the timestamp Android's build system gives APK entries.
_DOS_TIME = 0
_DOS_DATE = ((2008 - 1980) << 9) | (1 << 5) | 1

_STORED, _DEFLATED = 0, 8
_ALIGNMENT_EXTRA_ID = 0xD935  # as apksigner/zipalign: u16 alignment, then zero padding
LOCAL_FIXED = 30
CENTRAL_ENTRY_FIXED = 46
EOCD_SIZE = 22


def deflate(data: bytes) -> bytes:
    """Raw deflate at level 9 (fixed parameters, so fixed output for a given zlib)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY)
    return c.compress(data) + c.flush()


def local_header_size(name: str, extra_len: int = 0) -> int:
    return LOCAL_FIXED + len(name.encode("utf-8")) + extra_len


def padding_extra(length: int, alignment: int = 1) -> bytes:
    """An extra field of exactly `length` bytes (0, or at least 6)."""
    if length == 0:
        return b""
    if length < 6:
        raise ValueError("padding extra field needs 0 or at least 6 bytes")
    return struct.pack("<HHH", _ALIGNMENT_EXTRA_ID, length - 4, alignment) + bytes(length - 6)


class ZipWriter:
    """Writes entries in the order given, then the central directory on `close()`."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.offset = 0
        self.central: list[bytes] = []

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.offset += len(data)

    def _header(self, name: str, method: int, crc: int, csize: int, usize: int, extra: bytes) -> None:
        raw_name = name.encode("utf-8")
        flags = 0x0800 if not name.isascii() else 0
        version = 20 if method == _DEFLATED else 10
        self.central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII", 0x02014B50, version, version, flags, method, _DOS_TIME, _DOS_DATE,
                crc, csize, usize, len(raw_name), 0, 0, 0, 0, 0, self.offset,
            )
            + raw_name
        )
        self._write(
            struct.pack(
                "<IHHHHHIIIHH", 0x04034B50, version, flags, method, _DOS_TIME, _DOS_DATE,
                crc, csize, usize, len(raw_name), len(extra),
            )
            + raw_name
            + extra
        )

    def add(self, name: str, data: bytes, *, compressed: bytes | None = None, extra_len: int = 0) -> None:
        """A deflated entry (`compressed` may be given if already deflated)."""
        body = deflate(data) if compressed is None else compressed
        self._header(name, _DEFLATED, zlib.crc32(data), len(body), len(data), padding_extra(extra_len))
        self._write(body)

    def add_stored(self, name: str, data: bytes, alignment: int = 4) -> None:
        """A STORED entry, its data aligned like zipalign (resources.arsc must be, from API 30)."""
        self.add_stored_stream(name, len(data), zlib.crc32(data), (data,), alignment)

    def stored_data_offset(self, name: str, alignment: int = 4) -> tuple[int, int]:
        """(extra length, data offset) for a STORED entry written next, aligned like zipalign."""
        base = self.offset + local_header_size(name)
        pad = -(base + 6) % alignment + 6
        return pad, base + pad

    def add_stored_stream(self, name: str, size: int, crc: int, chunks: Iterable[bytes], alignment: int = 4) -> None:
        """A STORED entry whose CRC and size are known before its data streams in."""
        pad, _ = self.stored_data_offset(name, alignment)
        self._header(name, _STORED, crc, size, size, padding_extra(pad, alignment))
        written = 0
        for chunk in chunks:
            self._write(chunk)
            written += len(chunk)
        if written != size:
            raise ValueError(f"{name}: streamed {written} bytes, announced {size}")

    def close(self) -> None:
        """Write the central directory and end record (the output stream stays open)."""
        cd_offset = self.offset
        cd = b"".join(self.central)
        self._write(cd)
        n = len(self.central)
        self._write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(cd), cd_offset, 0))
