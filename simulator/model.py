"""The seam between the simulator's protocol server and the phone it plays.

`simulator.server` speaks adb; it asks a `DeviceModel` what the phone would say.
`simulator.phone.PhoneModel` implements it from a device profile
(`docs/profile-format.md`). Keeping the seam small lets the protocol be tested
on its own and lets a profile be rendered without a socket.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

#: file descriptors of a ShellResult's pieces
STDOUT = 1
STDERR = 2


@dataclass(frozen=True)
class ShellResult:
    """What a shell command printed and how it ended.

    `order` keeps the writes in the order they happened, as (fd, bytes) pairs: adbd
    sends them to the host in that order (interleaved on one channel for `shell:` v1
    and `exec:`, as separate packets for shell v2). Empty means "stdout, then stderr".
    """

    stdout: bytes = b""
    stderr: bytes = b""
    exit_code: int = 0
    order: tuple[tuple[int, bytes], ...] = field(default=(), compare=False)

    def pieces(self) -> tuple[tuple[int, bytes], ...]:
        """The (fd, bytes) writes in order, without empty ones."""
        if self.order:
            return tuple(p for p in self.order if p[1])
        return tuple(p for p in ((STDOUT, self.stdout), (STDERR, self.stderr)) if p[1])


@dataclass(frozen=True)
class FileStat:
    """A device file's metadata as the sync protocol reports it."""

    mode: int  # st_mode, e.g. 0o100644 for a regular file, 0o040755 for a folder
    size: int
    mtime: int  # seconds since the epoch


@dataclass(frozen=True)
class Faults:
    """Fault injection, from a profile's [faults] table (0 / "" = off)."""

    latency_ms: int = 0
    bandwidth_bytes_per_s: int = 0
    disconnect_after_bytes: int = 0
    disconnect_on_command: str = ""
    #: never answer a shell command that starts with this (the host must time out)
    hang_on_command: str = ""


class DeviceModel(Protocol):
    """What the protocol server needs from a phone."""

    #: "device" | "unauthorized" | "offline"
    state: str
    faults: Faults

    def banner(self) -> str:
        """The CNXN banner: "device::ro.product.name=..;ro.product.model=..;..." without features."""

    def run_shell(self, command: str) -> ShellResult:
        """Run one shell command line as /system/bin/sh would (`;`, `&&`, `||`, quotes)."""

    def stat(self, path: str) -> FileStat | None:
        """Metadata of a device path, or None if it does not exist."""

    def listdir(self, path: str) -> list[tuple[str, FileStat]] | None:
        """Entries of a device folder, or None if it is not a folder."""

    def open_file(self, path: str) -> BinaryIO | None:
        """A readable binary file for RECV, or None if it does not exist / cannot be read."""
