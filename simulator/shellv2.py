"""The shell v2 packet format (`shell,v2:` streams).

Each packet is [id u8][length u32 LE][payload]. Ids: 0 stdin, 1 stdout, 2 stderr,
3 exit (one byte: the exit status), 4 close-stdin, 5 window size change.
"""

from __future__ import annotations

import struct

ID_STDIN = 0
ID_STDOUT = 1
ID_STDERR = 2
ID_EXIT = 3
ID_CLOSE_STDIN = 4
ID_WINDOW_SIZE_CHANGE = 5

_PACKET_HEADER = struct.Struct("<BI")

#: adb's host side reads a packet into a buffer of a few tens of KiB; stay well under it.
MAX_PACKET_DATA = 16 * 1024


def encode_packets(packet_id: int, data: bytes) -> list[bytes]:
    """`data` as one or more packets of id `packet_id` (nothing for empty data)."""
    parts: list[bytes] = []
    view = memoryview(data)
    for start in range(0, len(view), MAX_PACKET_DATA):
        piece = view[start:start + MAX_PACKET_DATA]
        parts.append(_PACKET_HEADER.pack(packet_id, len(piece)))
        parts.append(bytes(piece))
    return parts


def encode_output(pieces) -> bytes:
    """(fd, bytes) writes, in order, as stdout (fd 1) and stderr (fd 2) packets."""
    parts: list[bytes] = []
    for fd, data in pieces:
        parts += encode_packets(ID_STDERR if fd == 2 else ID_STDOUT, data)
    return b"".join(parts)


def encode_result(pieces, exit_code: int) -> bytes:
    """A whole command's reply: its writes in order as packets, then the exit packet."""
    parts = [encode_output(pieces)]
    parts.append(_PACKET_HEADER.pack(ID_EXIT, 1))
    parts.append(bytes([exit_code & 0xFF]))
    return b"".join(parts)


class PacketReader:
    """Splits the bytes the host writes on a v2 stream back into (id, payload) packets."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        """Add bytes; return every packet now complete."""
        self._buffer += data
        packets: list[tuple[int, bytes]] = []
        while len(self._buffer) >= _PACKET_HEADER.size:
            packet_id, length = _PACKET_HEADER.unpack_from(self._buffer)
            end = _PACKET_HEADER.size + length
            if len(self._buffer) < end:
                break
            packets.append((packet_id, bytes(self._buffer[_PACKET_HEADER.size:end])))
            del self._buffer[:end]
        return packets
