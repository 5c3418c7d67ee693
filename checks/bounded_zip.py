"""An APK's zip read through an open file, with every read bounded.

The file is never read whole: `CheckedZip` reads the EOCD record from the tail, the
central directory (after its declared size is checked), one local header per entry,
and then only the entries a caller asks for, each inflated in chunks with a hard cap
on its output. A worker's memory is then bounded by the caps, not by the APK (a 1 GiB
APK used to cost 1 GiB: the whole file was read first).

The structural checks are the ones `checks.inspect` documents (entry count, directory
size, names, duplicates, declared total, ratio, local headers agreeing with the
central directory, data inside the file, a manifest present); a failed check raises
`ApkRejected` with the reason.

`androguard_view` builds the small APK androguard is given: the manifest, resources.arsc
and the v1 signature files, inflated here with their caps and stored, and the APK
Signing Block (v2/v3 signers) copied before the central directory, so androguard
sees every byte it reads and none of the rest.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from checks.zip_directory import directory_size_of_file, signing_block_span

__all__ = ["ApkRejected", "CheckedZip", "unsafe_name", "CHUNK"]

#: bytes read from the file per step while inflating
CHUNK = 1 << 20
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")


class ApkRejected(Exception):
    """The file is not an APK this module will read; the message says why."""


def unsafe_name(name: str) -> bool:
    """A name that could point outside a folder or hide from another zip reader."""
    if not name or "\0" in name or name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        return True
    return any(part == ".." for part in re.split(r"[/\\]", name))


@dataclass(frozen=True)
class Limits:
    """The structural caps (see `checks.inspect` for why each is what it is)."""

    max_entries: int
    max_directory_bytes: int
    max_total_uncompressed: int
    max_ratio: int
    ratio_min_size: int


class CheckedZip:
    """An open APK whose central directory passed every check; entries read on demand."""

    def __init__(self, f: BinaryIO, size: int, limits: Limits) -> None:
        self.f = f
        self.size = size
        declared = directory_size_of_file(f, size)
        # counted from the EOCD record, before zipfile builds one object per entry
        if declared is not None and declared[0] > limits.max_entries:
            raise ApkRejected(f"{declared[0]} entries (more than {limits.max_entries})")
        if declared is not None and declared[1] > limits.max_directory_bytes:
            raise ApkRejected(
                f"central directory of {declared[1]} bytes (more than {limits.max_directory_bytes})")
        try:
            self.zf = zipfile.ZipFile(f)
        except zipfile.BadZipFile as exc:
            raise ApkRejected(f"not a zip file or truncated ({exc})") from None
        except (OSError, ValueError, EOFError, struct.error) as exc:
            raise ApkRejected(f"unreadable zip ({exc})") from None
        infos = self.zf.infolist()
        if len(infos) > limits.max_entries:
            raise ApkRejected(f"{len(infos)} entries (more than {limits.max_entries})")
        self.infos: dict[str, zipfile.ZipInfo] = {}
        self.data_starts: dict[str, int] = {}
        total = 0
        for info in infos:
            name = info.filename
            if unsafe_name(info.orig_filename):
                raise ApkRejected(f"unsafe entry name {name!r}")
            if name in self.infos:
                raise ApkRejected(f"duplicate entry name {name!r}")
            self.infos[name] = info
            total += info.file_size
            if total > limits.max_total_uncompressed:
                raise ApkRejected(
                    f"declared uncompressed size over {limits.max_total_uncompressed >> 30} GiB (zip bomb?)")
            if (info.file_size > limits.ratio_min_size
                    and info.file_size > limits.max_ratio * max(info.compress_size, 1)):
                raise ApkRejected(
                    f"{name}: compression ratio {info.file_size // max(info.compress_size, 1)}:1 (zip bomb?)")
            self.data_starts[name] = self._local_header(info)

    def _local_header(self, info: zipfile.ZipInfo) -> int:
        """Check the entry's local header against the central directory; its data offset."""
        name = info.filename
        off = info.header_offset
        if off < 0 or off + 30 > self.size:
            raise ApkRejected(f"{name}: local header outside the file (truncated?)")
        self.f.seek(off)
        head = self.f.read(30 + min(len(info.orig_filename.encode("utf-8")), 0xFFFF))
        if len(head) < 30:
            raise ApkRejected(f"{name}: local header outside the file (truncated?)")
        sig, _ver, _flag, method, _t, _d, _crc, csize, usize, nlen, elen = _LOCAL_HEADER.unpack_from(head)
        if sig != 0x04034B50:
            raise ApkRejected(f"{name}: bad local header (truncated or not a zip)")
        lname = head[30 : 30 + nlen]
        if len(lname) < nlen:  # longer than the central directory's name: cannot be it
            self.f.seek(off + 30)
            lname = self.f.read(min(nlen, 100))
        if lname != info.orig_filename.encode("utf-8") and lname != info.orig_filename.encode("cp437", "replace"):
            raise ApkRejected(f"{name}: local header names another file {lname[:100]!r}")
        if method != info.compress_type:
            raise ApkRejected(f"{name}: local header compression differs from the central directory")
        if (csize or usize) and (csize, usize) != (info.compress_size, info.file_size) and csize != 0xFFFFFFFF:
            raise ApkRejected(f"{name}: local header sizes differ from the central directory")
        start = off + 30 + nlen + elen
        if start + info.compress_size > self.size:
            raise ApkRejected(f"{name}: data runs past the end of the file (truncated)")
        return start

    @property
    def names(self) -> list[str]:
        return list(self.infos)

    def head(self, name: str, n: int = 8) -> bytes:
        """An entry's first `n` bytes (to tell a DEX or a zip by its magic), inflating
        no more than that; empty when it cannot be had."""
        info = self.infos[name]
        self.f.seek(self.data_starts[name])
        comp = self.f.read(min(info.compress_size, 4096))
        if info.compress_type == zipfile.ZIP_STORED:
            return comp[:n]
        if info.compress_type != zipfile.ZIP_DEFLATED:
            return b""
        try:
            return zlib.decompressobj(-15).decompress(comp, n)
        except zlib.error:
            return b""

    def read(self, name: str, cap: int) -> bytes:
        """Inflate one entry, refusing to produce more than `cap` bytes.

        The compressed data is read `CHUNK` bytes at a time and each step's output is
        limited, so a deflate stream that would grow past the cap is stopped there;
        the result must have the declared size and CRC.
        """
        info = self.infos[name]
        if info.file_size > cap:
            raise ApkRejected(f"{name}: declares {info.file_size} bytes (more than {cap})")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ApkRejected(f"{name}: unsupported compression method {info.compress_type}")
        self.f.seek(self.data_starts[name])
        left = info.compress_size
        parts: list[bytes] = []
        produced = 0
        crc = 0
        d = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        while left > 0:
            chunk = self.f.read(min(CHUNK, left))
            if not chunk:
                raise ApkRejected(f"{name}: data runs past the end of the file (truncated)")
            left -= len(chunk)
            while chunk:
                if d is None:
                    out, chunk = chunk, b""
                else:
                    try:
                        out = d.decompress(chunk, cap - produced + 1)
                    except zlib.error as exc:
                        raise ApkRejected(f"{name}: corrupt deflate data ({exc})") from None
                    chunk = d.unconsumed_tail
                produced += len(out)
                if produced > cap:
                    raise ApkRejected(f"{name}: inflates to more than {cap} bytes (zip bomb?)")
                crc = zlib.crc32(out, crc)
                parts.append(out)
                if d is not None and d.eof:
                    chunk = b""
                    left = 0  # data after the end of the stream is not part of the entry
        if produced != info.file_size:
            raise ApkRejected(f"{name}: inflated size {produced} differs from the declared {info.file_size}")
        if crc != info.CRC:
            raise ApkRejected(f"{name}: CRC mismatch (corrupt or tampered)")
        return b"".join(parts)

    def signing_block(self, cap: int) -> bytes | None:
        """The APK Signing Block (v2/v3 signers) before the central directory, or None.

        Raises `ApkRejected` when it claims more than `cap` bytes."""
        span = signing_block_span(self.f, self.size, self.zf.start_dir)
        if span is None:
            return None
        start, end = span
        if end - start > cap:
            raise ApkRejected(f"APK signing block of {end - start} bytes (more than {cap})")
        self.f.seek(start)
        return self.f.read(end - start)

    def androguard_view(self, names: list[str], cap: int, total_cap: int, sig_cap: int) -> bytes:
        """A small APK holding only `names` (inflated with `cap` each, `total_cap` in
        all, stored) and this APK's signing block, for androguard to read."""
        buf = io.BytesIO()
        total = 0
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as out:
            for name in names:
                total += self.infos[name].file_size
                if total > total_cap:
                    raise ApkRejected(
                        f"manifest, resources and signature files over {total_cap} bytes together")
                out.writestr(name, self.read(name, cap))
        view = buf.getvalue()
        block = self.signing_block(sig_cap)
        if not block:
            return view
        # the signing block sits right before the central directory: move the directory
        # up by its length and say so in the EOCD record (the view has no ZIP64 and no
        # comment, so the record is its last 22 bytes)
        eocd = len(view) - 22
        (cd_offset,) = struct.unpack_from("<I", view, eocd + 16)
        fixed = bytearray(view[cd_offset:])
        struct.pack_into("<I", fixed, len(fixed) - 22 + 16, cd_offset + len(block))
        return view[:cd_offset] + block + bytes(fixed)
