"""A bare-bones adb host speaking the transport directly over TCP (protocol tests).

Written from the protocol description, not from the simulator: it checks every
header's magic and data_check, and sends the host's CNXN as adb does.
"""

from __future__ import annotations

import select
import socket
import struct

from simulator.transport import A_CNXN, A_WRTE

HEADER = struct.Struct("<6I")
HOST_BANNER = b"host::features=shell_v2,cmd,stat_v2,ls_v2"


class RawHost:
    """A bare-bones adb host speaking the transport directly over TCP."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.version = 0  # the version of the last CNXN sent

    def close(self):
        self.sock.close()

    def send(self, command: int, arg0: int, arg1: int, payload: bytes = b""):
        if command == A_CNXN:
            self.version = arg0
        header = HEADER.pack(command, arg0, arg1, len(payload), sum(payload) & 0xFFFFFFFF, command ^ 0xFFFFFFFF)
        self.sock.sendall(header + payload)

    def _read(self, n: int) -> bytes:
        parts = []
        while n:
            chunk = self.sock.recv(n)
            if not chunk:
                raise EOFError("device closed the connection")
            parts.append(chunk)
            n -= len(chunk)
        return b"".join(parts)

    def recv(self):
        command, arg0, arg1, length, check, magic = HEADER.unpack(self._read(24))
        payload = self._read(length) if length else b""
        assert magic == command ^ 0xFFFFFFFF
        if command == A_WRTE and self.version >= 0x01000001:
            # AOSP: no checksum once both sides speak A_VERSION_SKIP_CHECKSUM
            assert check == 0, "data_check of a WRTE must be 0 at version 0x01000001"
        else:
            assert check == (sum(payload) & 0xFFFFFFFF), "data_check must be the byte sum"
        return command, arg0, arg1, payload

    def quiet(self, seconds: float = 0.3) -> bool:
        """True if the device sends nothing for `seconds`."""
        readable, _, _ = select.select([self.sock], [], [], seconds)
        return not readable

    def connect(self, max_payload: int = 1 << 20):
        self.send(A_CNXN, 0x01000001, max_payload, HOST_BANNER)
        return self.recv()
