"""The `sync:` service: file metadata, listings and downloads, as adbd serves them.

One stream carries many requests, each {id[4], length u32} + path (no NUL). The
server answers STAT, LST2/STA2, LIST/LIS2, RECV/RCV2; SEND/SND2 are read to the end
and refused (the simulated phone is read-only); QUIT ends the stream. adbutils opens a
new stream per request; the adb CLI reuses one and ends it with QUIT.
"""

from __future__ import annotations

import asyncio
import errno
import struct
import zlib
from typing import TYPE_CHECKING, BinaryIO

from simulator.model import FileStat
from simulator.transport import Stream, StreamClosed

if TYPE_CHECKING:  # pragma: no cover - typing only
    from simulator.server import Connection

_REQUEST = struct.Struct("<4sI")
_STAT_V1 = struct.Struct("<4sIII")
_STAT_V2 = struct.Struct("<4sIQQIIIIQqqq")  # 72 bytes
_DENT_V1 = struct.Struct("<4sIIII")  # 20 bytes + name
_DENT_V2 = struct.Struct("<4sIQQIIIIQqqqI")  # 76 bytes + name
_STATUS = struct.Struct("<4sI")

#: Longest path a request may carry (adbd's limit).
MAX_PATH_LENGTH = 1024
#: Largest DATA chunk in a RECV reply (adbd's SYNC_DATA_MAX).
SYNC_DATA_MAX = 64 * 1024

_PATH_REQUESTS = {b"STAT", b"STA2", b"LST2", b"LIST", b"LIS2", b"RECV", b"RCV2", b"SEND", b"SND2"}


async def serve_sync(stream: Stream, conn: Connection) -> None:
    """Answer sync requests on `stream` until QUIT or the host closes it."""
    while True:
        try:
            header = await stream.read_exactly(_REQUEST.size)
        except StreamClosed:
            return
        request, length = _REQUEST.unpack(header)
        name = request.decode("latin-1")
        if request == b"QUIT":
            await stream.close()
            return
        if request not in _PATH_REQUESTS or length > MAX_PATH_LENGTH:
            conn.log_request("sync", f"{name} <invalid>", refused=True)
            await _fail(stream, f"unknown or malformed sync request {name!r}")
            await stream.close()
            return
        path = (await stream.read_exactly(length)).decode("utf-8", errors="replace")
        if request == b"RCV2":
            await stream.read_exactly(8)  # {id, flags}: flags stay 0, no compression advertised
        elif request == b"SND2":
            await stream.read_exactly(12)  # {id, mode, flags}
        conn.log_request("sync", f"{name} {path}", request=name, path=path)
        await conn.latency()
        if request == b"STAT":
            await _stat_v1(stream, conn, path)
        elif request in (b"STA2", b"LST2"):
            await _stat_v2(stream, conn, request, path)
        elif request == b"LIST":
            await _list(stream, conn, path, v2=False)
        elif request == b"LIS2":
            await _list(stream, conn, path, v2=True)
        elif request in (b"RECV", b"RCV2"):
            await _recv(stream, conn, path)
        else:
            await _refuse_send(stream)


def _ino(path: str) -> int:
    # Stable fake inode numbers: the same path always gets the same one.
    return zlib.crc32(path.encode("utf-8", errors="replace")) or 1


def _stat_v2_fields(path: str, st: FileStat) -> tuple:
    is_dir = (st.mode & 0o170000) == 0o040000
    return (0, 0xFD00, _ino(path), st.mode, 2 if is_dir else 1, 0, 0, st.size, st.mtime, st.mtime,
            st.mtime)


async def _stat_v1(stream: Stream, conn: Connection, path: str) -> None:
    st = await conn.call_model("stat", path)
    if st is None:
        reply = _STAT_V1.pack(b"STAT", 0, 0, 0)
    else:
        reply = _STAT_V1.pack(b"STAT", st.mode & 0xFFFFFFFF, st.size & 0xFFFFFFFF,
                              st.mtime & 0xFFFFFFFF)
    await stream.write(reply)


async def _stat_v2(stream: Stream, conn: Connection, request: bytes, path: str) -> None:
    st = await conn.call_model("stat", path)
    if st is None:
        reply = _STAT_V2.pack(request, errno.ENOENT, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    else:
        reply = _STAT_V2.pack(request, *_stat_v2_fields(path, st))
    await stream.write(reply)


async def _list(stream: Stream, conn: Connection, path: str, *, v2: bool) -> None:
    entries = await conn.call_model("listdir", path)
    parts: list[bytes] = []
    if entries is not None:
        # adbd lists what readdir() returns, "." and ".." included; hosts skip them.
        own = await conn.call_model("stat", path)
        parent = path.rstrip("/").rsplit("/", 1)[0] or "/"
        up = await conn.call_model("stat", parent) if parent != path else own
        listing = [(".", own), ("..", up or own), *entries]
        for name, st in listing:
            if st is None:
                continue
            raw = name.encode("utf-8", errors="replace")
            if v2:
                child = path.rstrip("/") + "/" + name
                parts.append(_DENT_V2.pack(b"DNT2", *_stat_v2_fields(child, st), len(raw)))
            else:
                parts.append(_DENT_V1.pack(b"DENT", st.mode & 0xFFFFFFFF, st.size & 0xFFFFFFFF,
                                           st.mtime & 0xFFFFFFFF, len(raw)))
            parts.append(raw)
    if v2:
        parts.append(_DENT_V2.pack(b"DONE", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
    else:
        parts.append(_DENT_V1.pack(b"DONE", 0, 0, 0, 0))
    await stream.write(b"".join(parts))


def _read_batch(f: BinaryIO, target: int) -> tuple[bytearray, bool]:
    """DATA records of up to 64 KiB each, filling at most `target` bytes; (batch, at_end).

    Runs in a worker thread: file objects from the model may be slow (generated APKs).
    """
    batch = bytearray()
    while True:
        room = target - len(batch) - _STATUS.size
        if room <= 0:
            return batch, False
        chunk = f.read(min(SYNC_DATA_MAX, room))
        if not chunk:
            batch += _STATUS.pack(b"DONE", 0)
            return batch, True
        batch += _STATUS.pack(b"DATA", len(chunk))
        batch += chunk


async def _recv(stream: Stream, conn: Connection, path: str) -> None:
    try:
        f = await conn.call_model("open_file", path)
    except OSError as exc:
        await _fail(stream, f"open failed: {exc.strerror or exc}")
        return
    if f is None:
        await _fail(stream, "open failed: No such file or directory")
        return
    # A throttled phone sends smaller WRTEs so the cap is smooth, not 1 MiB bursts.
    target = conn.phone.recv_payload_size(stream.max_payload)
    loop = asyncio.get_running_loop()
    pending = loop.run_in_executor(None, _read_batch, f, target)
    try:
        while True:
            try:
                batch, at_end = await pending
            except OSError as exc:
                await _fail(stream, f"read failed: {exc.strerror or exc}")
                return
            if not at_end:
                # Read the next batch while the host digests this one.
                pending = loop.run_in_executor(None, _read_batch, f, target)
            await stream.write(batch, throttle=True)
            if at_end:
                return
    finally:
        # A read may still be running in its thread: close the file only after it.
        if pending.done():
            _close_quietly(f)
        else:
            pending.add_done_callback(lambda _fut: _close_quietly(f))


def _close_quietly(f: BinaryIO) -> None:
    try:
        f.close()
    except Exception:
        pass


async def _fail(stream: Stream, message: str) -> None:
    raw = message.encode("utf-8", errors="replace")
    await stream.write(_STATUS.pack(b"FAIL", len(raw)) + raw)


async def _refuse_send(stream: Stream) -> None:
    """Consume a push (DATA ... DONE) and refuse it: the simulated phone is read-only."""
    while True:
        header = await stream.read_exactly(_STATUS.size)
        kind, length = _STATUS.unpack(header)
        if kind == b"DATA":
            await stream.read_exactly(length)
        elif kind == b"DONE":
            break
        else:
            break
    await _fail(stream, "couldn't create file: Read-only file system")
