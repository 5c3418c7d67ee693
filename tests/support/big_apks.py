"""Big hostile APKs for the memory tests, written fast and small on disk.

- `dex_with_strings(n, width)`: a DEX whose string table holds `n` strings of `width`
  ASCII characters, items back to back (the layout d8 writes, so the reader's fast path
  takes it); built with bytes arithmetic, not a loop per string.
- `write_sparse_apk(path, size)`: an APK of `size` bytes whose bulk is one stored entry
  of zeros left as a hole in the file (sparse: it costs no disk and no write time).
- `write_apk(path, entries)`: a stored zip of (name, bytes), streamed to disk.

The layouts are written here from the DEX and zip formats, not by the code under test.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from array import array
from pathlib import Path

_DEX_HEADER = 0x70


def dex_with_strings(n: int, width: int = 4) -> bytes:
    """A DEX of `n` strings `width` characters long (and no types or classes)."""
    assert 1 <= width < 0x80  # a one-byte size prefix
    step = width + 2  # size prefix + characters + NUL
    data_off = _DEX_HEADER + 4 * n
    ids = array("I", range(data_off, data_off + step * n, step))
    assert ids.itemsize == 4
    # one item repeated keeps the build fast; the reader still makes one string object
    # per item, whatever the content
    data = (bytes([width]) + b"s" * width + b"\0") * n
    size = data_off + len(data)
    header = bytearray(_DEX_HEADER)
    header[0:8] = b"dex\n035\0"
    struct.pack_into("<III", header, 0x20, size, _DEX_HEADER, 0x12345678)
    struct.pack_into("<II", header, 0x38, n, _DEX_HEADER)
    return bytes(header) + ids.tobytes() + data


def write_apk(path: Path, entries: list[tuple[str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, data in entries:
            z.writestr(name, data)
    return path


def write_sparse_apk(path: Path, size: int, manifest: bytes) -> Path:
    """An APK of exactly `size` bytes: the manifest, then `assets/blob.bin`, a stored
    entry of zeros filling the rest, left as a hole (ZIP64 is not needed below 4 GiB)."""
    entries = [(b"AndroidManifest.xml", manifest)]
    blob_name = b"assets/blob.bin"
    cd_len = sum(46 + len(n) for n, _ in entries) + 46 + len(blob_name)
    fixed = sum(30 + len(n) + len(d) for n, d in entries) + 30 + len(blob_name) + cd_len + 22
    blob_len = size - fixed
    assert blob_len > 0
    crc_zeros = 0
    chunk = bytes(1 << 20)
    left = blob_len
    while left:  # the CRC of the zeros, so the entry is a valid one
        step = min(left, len(chunk))
        crc_zeros = zlib.crc32(chunk[:step], crc_zeros)
        left -= step
    records = []
    with open(path, "wb") as f:
        for name, data in entries:
            offset = f.tell()
            crc = zlib.crc32(data)
            f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0x21, crc, len(data), len(data),
                                len(name), 0) + name + data)
            records.append((name, crc, len(data), offset))
        offset = f.tell()
        f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0x21, crc_zeros, blob_len, blob_len,
                            len(blob_name), 0) + blob_name)
        records.append((blob_name, crc_zeros, blob_len, offset))
        f.seek(blob_len, 1)  # the hole
        cd_start = f.tell()
        for name, crc, length, off in records:
            f.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0x21, crc, length, length,
                                len(name), 0, 0, 0, 0, 0, off) + name)
        cd_size = f.tell() - cd_start
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(records), len(records), cd_size, cd_start, 0))
    assert path.stat().st_size == size
    return path
