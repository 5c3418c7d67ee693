"""The adb transport layer as a device speaks it: message headers and streams.

A message is a 24-byte header (six little-endian u32: command, arg0, arg1,
data_length, data_check, magic) followed by data_length payload bytes. A stream is
one OPEN ... CLSE conversation multiplexed on the connection; each side may have at
most one WRTE in flight per stream and waits for the other's OKAY before the next.
"""

from __future__ import annotations

import asyncio
import functools
import struct
from itertools import repeat
from operator import and_
from zlib import adler32
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from simulator.server import Connection

A_SYNC = 0x434E5953
A_CNXN = 0x4E584E43
A_OPEN = 0x4E45504F
A_OKAY = 0x59414B4F
A_CLSE = 0x45534C43
A_WRTE = 0x45545257
A_AUTH = 0x48545541
A_STLS = 0x534C5453

#: Protocol version with "skip checksum"; what both adb 29 and adb 36 send.
A_VERSION = 0x01000001
#: the first version at which a message's data_check is 0 (AOSP A_VERSION_SKIP_CHECKSUM)
A_VERSION_SKIP_CHECKSUM = 0x01000001
#: Largest payload this device accepts or sends (the smaller of this and the host's wins).
MAX_PAYLOAD = 1 << 20

AUTH_TOKEN = 1
AUTH_SIGNATURE = 2
AUTH_RSAPUBLICKEY = 3

HEADER = struct.Struct("<6I")
HEADER_SIZE = HEADER.size

#: Features the simulated adbd advertises in its CNXN banner: only what it serves
#: (shell v2, cmd, abb/abb_exec, the v2 sync requests). No delayed_ack and no
#: compression: both would change the stream semantics the server implements; no
#: track_app: the track-app service is not served.
FEATURES = (
    "shell_v2",
    "cmd",
    "stat_v2",
    "ls_v2",
    "fixed_push_mkdir",
    "apex",
    "abb",
    "fixed_push_symlink_timestamp",
    "abb_exec",
    "remount_shell",
    "sendrecv_v2",
)

COMMAND_NAMES = {
    A_SYNC: "SYNC",
    A_CNXN: "CNXN",
    A_OPEN: "OPEN",
    A_OKAY: "OKAY",
    A_CLSE: "CLSE",
    A_WRTE: "WRTE",
    A_AUTH: "AUTH",
    A_STLS: "STLS",
}


# For the byte sum of large payloads: 256 bytes sum to at most 65,280, below Adler-32's
# modulus 65,521, so the low half of adler32(piece, 0) is the piece's exact byte sum.
# zlib does the per-byte work in C; plain sum() over a 1 MiB payload costs ~5x more and
# was the single largest cost of a pull.
_PIECE = 256


@functools.lru_cache(maxsize=32)
def _pieces(length: int) -> tuple[slice, ...]:
    return tuple(slice(i, i + _PIECE) for i in range(0, length, _PIECE))


def checksum(payload: bytes | bytearray | memoryview) -> int:
    """The header's data_check: the plain sum of the payload bytes (not a CRC).

    Modern hosts ignore it, but some clients (adb-shell) verify it, so it is always
    filled in.
    """
    if len(payload) < 4 * _PIECE:
        return sum(payload) & 0xFFFFFFFF
    view = memoryview(payload).cast("B")
    sums = map(and_, map(adler32, map(view.__getitem__, _pieces(len(view))), repeat(0)), repeat(0xFFFF))
    return sum(sums) & 0xFFFFFFFF


def encode_header(command: int, arg0: int, arg1: int, payload: bytes | bytearray | memoryview = b"",
                  check: int | None = None) -> bytes:
    """The 24-byte header for a message carrying `payload`."""
    if check is None:
        check = checksum(payload) if payload else 0
    return HEADER.pack(command, arg0 & 0xFFFFFFFF, arg1 & 0xFFFFFFFF, len(payload), check,
                       command ^ 0xFFFFFFFF)


class StreamClosed(Exception):
    """The stream ended: the host closed it, or the connection went away."""


class ConnectionGone(StreamClosed):
    """The connection was dropped on purpose (a disconnect fault: the cable was pulled)."""


class Stream:
    """One device-side stream: the service's view of an OPEN ... CLSE conversation.

    `write` respects adb flow control (one WRTE in flight, then wait for the host's
    OKAY); it returns as soon as a payload has been handed to the socket, so the caller
    can prepare the next one while the host is busy with this one.
    """

    def __init__(self, connection: Connection, local_id: int, remote_id: int, service: str):
        self.connection = connection
        self.local_id = local_id
        self.remote_id = remote_id
        self.service = service
        self.closed = False
        self._ready = asyncio.Event()
        self._ready.set()
        self._inbox = bytearray()
        self._inbox_changed = asyncio.Event()
        self._host_closed = False

    # -- called by the connection's reader ----------------------------------------
    def on_okay(self) -> None:
        """The host is ready for the next WRTE."""
        self._ready.set()

    def on_data(self, data: bytes) -> None:
        """The host wrote `data` (stdin, sync requests)."""
        self._inbox += data
        self._inbox_changed.set()

    def on_host_close(self) -> None:
        """The host closed the stream (or the connection ended)."""
        self._host_closed = True
        self.closed = True
        self._ready.set()
        self._inbox_changed.set()

    # -- used by services ----------------------------------------------------------
    @property
    def max_payload(self) -> int:
        return self.connection.max_payload

    async def wait_ready(self) -> None:
        """Wait until the previous WRTE was acknowledged; raise if the stream is gone."""
        if self.closed:
            raise self.connection.closed_error()
        await self._ready.wait()
        if self.closed:
            raise self.connection.closed_error()

    async def write(self, data: bytes | bytearray | memoryview, *, throttle: bool = False) -> None:
        """Send `data` to the host as WRTE messages of at most the max payload each."""
        view = memoryview(data)
        limit = self.max_payload
        for start in range(0, len(view), limit):
            piece = view[start:start + limit]
            await self.wait_ready()
            self._ready.clear()
            await self.connection.send_data(self, piece, throttle=throttle)

    async def read_exactly(self, n: int) -> bytes:
        """The next `n` bytes the host wrote to this stream; StreamClosed if it ends first."""
        while len(self._inbox) < n:
            if self._host_closed:
                raise self.connection.closed_error()
            self._inbox_changed.clear()
            await self._inbox_changed.wait()
        data = bytes(self._inbox[:n])
        del self._inbox[:n]
        return data

    async def read_some(self) -> bytes:
        """Whatever the host wrote so far (waits for at least one byte); b"" at the end."""
        while not self._inbox:
            if self._host_closed:
                return b""
            self._inbox_changed.clear()
            await self._inbox_changed.wait()
        data = bytes(self._inbox)
        self._inbox.clear()
        return data

    async def close(self) -> None:
        """End the stream from the device side (CLSE) once the last WRTE was acknowledged."""
        if self.closed:
            return
        try:
            await asyncio.wait_for(self._ready.wait(), timeout=30)
        except asyncio.TimeoutError:
            pass
        if self.closed:
            return
        self.closed = True
        self.connection.close_stream(self)
