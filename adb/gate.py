"""The one way phone-audit talks to a phone: read-only commands through an allowlist.

Every shell command is an argv checked by `adb.allowlist.check` and sent with every
word shlex-quoted, over shell protocol v2 (separate stdout/stderr and an exit code).
`run_many` batches many commands into few round trips, each still allowlisted. Sync
(stat, pull) is limited to the APK locations. Everything sent is recorded in `sent`.

Expected failures are values (`CommandResult.error`, exit codes); a phone that went
away raises `DeviceLost`, so callers can stop and keep what they already have.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Protocol, Sequence

from adb import allowlist
from adb.allowlist import CommandNotAllowed
from model.timestamps import utc_now

__all__ = ["CommandNotAllowed", "DeviceLost", "CommandResult", "Gate"]

#: adb's host protocol caps a service request at 64 KiB; stay well below it.
MAX_BATCH_CHARS = 16000
#: The most bytes of one answer's stdout the auditor keeps. The phone chooses how much
#: it sends (a hostile one answers `getprop` with 200 MB); past this cap the gate stops
#: reading, closes the stream and marks the result `truncated`, keeping what it read.
#: Real outputs are far smaller (`dumpsys package` of 500 apps: about 5 MiB).
MAX_STDOUT_BYTES = 32 << 20
#: The most bytes of one answer's stderr kept (the rest is read and dropped).
MAX_STDERR_BYTES = 1 << 20
#: Largest piece read from the socket at once (a shell v2 packet may claim 4 GiB).
_READ_CHUNK = 1 << 20


#: a sync RECV is read into a buffer of this size (many DATA records per read)
_RECV_BUFFER = 1 << 20
#: largest DATA record adbd sends (SYNC_DATA_MAX); a larger one is a broken stream
_SYNC_DATA_MAX = 64 * 1024
#: `Gate.pull` tells its `on_bytes` callback the bytes so far this often
PROGRESS_BYTES = 1 << 20


class DeviceLost(Exception):
    """The phone disappeared (cable pulled, adb server died, transport closed)."""


@dataclass(frozen=True)
class CommandResult:
    """What one command printed and how it ended. `error` is set when it did not run
    to completion (timeout, transport error); `exit_code` is None when unknown."""

    command: str
    stdout: bytes
    stderr: bytes
    exit_code: int | None
    started_at: str
    seconds: float
    error: str | None = None
    #: the answer was longer than the caps; stdout/stderr hold only its beginning
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and self.exit_code in (0, None)


class _Device(Protocol):
    """The part of adbutils.AdbDevice the gate uses."""

    serial: str

    def shell2(self, cmdargs, timeout=..., encoding=..., rstrip=..., v2=...): ...


def _is_transport_error(exc: BaseException) -> bool:
    import adbutils

    return isinstance(exc, (adbutils.AdbError, EOFError, OSError, ConnectionError))


class Gate:
    """Sends allowlisted read-only commands to one phone and records them."""

    def __init__(self, device, is_present: Callable[[], bool] | None = None) -> None:
        """`device` is an adbutils.AdbDevice; `is_present` tells whether the phone is
        still listed as ready (used to tell a lost phone from a failed command)."""
        self._device = device
        self._is_present = is_present or (lambda: True)
        self._lock = threading.Lock()
        self.sent: list[CommandResult] = []
        self._shell_v2: bool | None = None  # does the phone speak shell protocol v2?
        #: why the adb server could not be asked about the phone, once that happened
        self.server_error: str | None = None

    @property
    def serial(self) -> str:
        return self._device.serial

    # -- shell -------------------------------------------------------------------------

    def run(self, argv: Sequence[str], timeout: float = 30) -> CommandResult:
        """Run one allowlisted command. Raises CommandNotAllowed / DeviceLost."""
        allowlist.check(argv)
        return self._shell(allowlist.quote_argv(argv), timeout)

    def run_many(self, argvs: Sequence[Sequence[str]], timeout: float = 60) -> list[CommandResult]:
        """Run many allowlisted commands in few round trips, one result per argv.

        Commands are joined with `;`, each followed by `echo PAMARK_<nonce>_<i>_$?`; the
        nonce is random per batch so phone output cannot forge a boundary. For stderr,
        each command is followed by `echo PAMARK_<nonce>_<i> >&2` too.
        """
        for argv in argvs:
            allowlist.check(argv)
        lines = [allowlist.quote_argv(a) for a in argvs]
        results: list[CommandResult] = []
        batch: list[int] = []
        size = 0
        for i, line in enumerate(lines):
            cost = len(line) + 90  # the two markers
            if batch and size + cost > MAX_BATCH_CHARS:
                results.extend(self._run_batch([lines[j] for j in batch], timeout))
                batch, size = [], 0
            batch.append(i)
            size += cost
        if batch:
            results.extend(self._run_batch([lines[j] for j in batch], timeout))
        return results

    def _run_batch(self, lines: list[str], timeout: float) -> list[CommandResult]:
        if len(lines) == 1:
            return [self._shell(lines[0], timeout)]
        nonce = secrets.token_hex(8)
        parts = []
        for i, line in enumerate(lines):
            parts.append(line)
            parts.append(f"echo PAMARK_{nonce}_{i}_$?")
            parts.append(f"echo PAMARK_{nonce}_{i} >&2")
        whole = self._shell("; ".join(parts), timeout)
        if whole.truncated and whole.error is None:
            whole = replace(whole, error=f"the answer was cut at {MAX_STDOUT_BYTES >> 20} MiB")
        return split_batch(whole, lines, nonce)

    def _exec(self, line: str, timeout: float) -> tuple[bytes, bytes, int | None, bool]:
        """(stdout, stderr, exit code, truncated) of one shell line; stdout and stderr
        capped (MAX_STDOUT_BYTES, MAX_STDERR_BYTES) so no answer can exhaust memory."""
        if self._shell_v2 is None:
            self._shell_v2 = "shell_v2" in self._device.get_features().split(",")
        if not self._shell_v2:
            # phones before Android 7: adbutils' v1 path (exit code via an echo)
            r = self._device.shell2(line, timeout=timeout, encoding=None, v2=False)
            out, err = bytes(r.stdout), bytes(r.stderr)
            cut = len(out) > MAX_STDOUT_BYTES or len(err) > MAX_STDERR_BYTES
            return out[:MAX_STDOUT_BYTES], err[:MAX_STDERR_BYTES], r.returncode, cut
        c = self._device.open_transport(timeout=timeout)
        try:
            c.send_command(f"shell,v2:{line}")
            c.check_okay()
            out, err = bytearray(), bytearray()
            truncated = False
            while True:
                header = c.read_exact(5)
                kind, length = header[0], int.from_bytes(header[1:5], "little")
                if kind == 3:  # exit status
                    data = c.read_exact(min(length, 16)) if length else b""
                    return bytes(out), bytes(err), (data[0] if data else None), truncated
                while length > 0:
                    data = c.read_exact(min(length, _READ_CHUNK))
                    length -= len(data)
                    if kind == 1:
                        room = MAX_STDOUT_BYTES - len(out)
                        out += data[:room]
                        if len(data) > room:
                            # keep the beginning, stop reading: closing ends the command
                            return bytes(out), bytes(err), None, True
                    elif kind == 2:
                        room = MAX_STDERR_BYTES - len(err)
                        err += data[:max(room, 0)]
                        truncated = truncated or len(data) > room
        finally:
            c.close()

    def _shell(self, line: str, timeout: float) -> CommandResult:
        started = utc_now()
        t0 = time.monotonic()
        try:
            stdout, stderr, code, truncated = self._exec(line, timeout)
        except Exception as e:  # noqa: BLE001 - classified below
            if not _is_transport_error(e):
                raise
            seconds = time.monotonic() - t0
            text = f"{type(e).__name__}: {e}".strip()
            if "timeout" in text.lower():
                text = f"no answer within {timeout:g} s ({text})"
            res = CommandResult(line, b"", b"", None, started, seconds, error=text)
            self._record(res)
            if not self._present():
                raise self._lost(f"while running `{line[:200]}`") from e
            return res
        res = CommandResult(line, stdout, stderr, code, started, time.monotonic() - t0,
                            truncated=truncated)
        self._record(res)
        return res

    # -- sync ----------------------------------------------------------------------------

    def stat(self, remote_path: str) -> tuple[int, int, int] | None:
        """(mode, size, mtime) of an APK-location path, or None if it does not exist."""
        self._check_path(remote_path)
        started = utc_now()
        t0 = time.monotonic()
        try:
            info = self._device.sync.stat(remote_path)
        except Exception as e:  # noqa: BLE001
            if not _is_transport_error(e):
                raise
            self._record(CommandResult(f"sync STAT {remote_path}", b"", b"", None, started,
                                       time.monotonic() - t0, error=str(e)))
            if not self._present():
                raise self._lost(f"while reading {remote_path}") from e
            return None
        self._record(CommandResult(f"sync STAT {remote_path}", b"", b"", 0, started, time.monotonic() - t0))
        if not info.mode:
            return None
        mtime = int(info.mtime.timestamp()) if info.mtime else 0
        return (info.mode, info.size, mtime)

    def pull(self, remote_path: str, local_path: Path,
             on_bytes: Callable[[int], None] | None = None, hasher=None) -> int:
        """Copy an APK-location file to `local_path`; returns bytes written.

        `hasher` (a hashlib object) is fed the very bytes written, as they arrive, so
        the copy need not be read back to be hashed. `on_bytes(done)` is told the bytes
        so far every `PROGRESS_BYTES` and at the end, not per 64 KiB record.

        Raises DeviceLost if the phone went away, OSError/RuntimeError-like
        `PullFailed` for a file the phone refused."""
        self._check_path(remote_path)
        started = utc_now()
        t0 = time.monotonic()
        done = 0
        try:
            # 0600 whatever the umask: an APK pulled from someone's phone (adb.locked)
            with open(local_path, "wb", opener=_private_opener) as out:
                done = self._recv(remote_path, out, on_bytes, hasher)
        except Exception as e:  # noqa: BLE001
            if not _is_transport_error(e) or isinstance(e, (FileNotFoundError, PermissionError)):
                raise
            self._record(CommandResult(f"sync RECV {remote_path}", b"", b"", None, started,
                                       time.monotonic() - t0, error=str(e)))
            if not self._present():
                raise self._lost(f"while copying {remote_path}") from e
            raise PullFailed(f"{remote_path}: {e}") from e
        self._record(CommandResult(f"sync RECV {remote_path}", b"", b"", 0, started, time.monotonic() - t0))
        return done

    def _recv(self, remote_path: str, out, on_bytes, hasher) -> int:
        """One sync RECV into `out`: the DATA records are read with `recv_into` into one
        buffer and written (and hashed) from it, never joined into new bytes objects
        (adbutils' `iter_content` builds each 64 KiB record by concatenation)."""
        import adbutils

        raw = remote_path.encode("utf-8")
        with self._device.open_transport(timeout=None) as c:
            c.send_command("sync:")
            c.check_okay()
            sock = c.conn
            sock.sendall(b"RECV" + len(raw).to_bytes(4, "little") + raw)
            buf = bytearray(_RECV_BUFFER)
            view = memoryview(buf)
            start = end = 0  # the unread bytes are view[start:end]
            remaining = 0  # bytes of the current DATA record not yet written
            done = told = 0

            def more(at: int) -> int:
                got = sock.recv_into(view[at:])
                if not got:
                    raise EOFError("the sync stream ended in the middle of a reply")
                return at + got

            while True:
                if start == end:
                    start, end = 0, more(0)
                if remaining:
                    take = min(remaining, end - start)
                    piece = view[start:start + take]
                    out.write(piece)
                    if hasher is not None:
                        hasher.update(piece)
                    start += take
                    remaining -= take
                    done += take
                    if on_bytes is not None and done - told >= PROGRESS_BYTES:
                        told = done
                        on_bytes(done)
                    continue
                if end - start < 8:  # a header split between two reads
                    left = bytes(view[start:end])
                    buf[:len(left)] = left
                    start, end = 0, len(left)
                    while end < 8:
                        end = more(end)
                kind = bytes(view[start:start + 4])
                length = int.from_bytes(view[start + 4:start + 8], "little")
                start += 8
                if kind == b"DATA":
                    if length > _SYNC_DATA_MAX:
                        raise adbutils.AdbError(f"sync DATA record of {length} bytes (at most {_SYNC_DATA_MAX})")
                    remaining = length
                elif kind == b"DONE":
                    if on_bytes is not None and told != done:
                        on_bytes(done)
                    return done
                elif kind == b"FAIL":
                    message = bytearray(view[start:min(end, start + min(length, _SYNC_DATA_MAX))])
                    start += len(message)
                    while len(message) < min(length, _SYNC_DATA_MAX):
                        start, end = 0, more(0)
                        take = min(end, min(length, _SYNC_DATA_MAX) - len(message))
                        message += view[:take]
                        start = take
                    raise adbutils.AdbError(bytes(message).decode("utf-8", errors="replace"), remote_path)
                else:
                    raise adbutils.AdbError(f"invalid sync reply {kind!r}")

    # -- helpers -------------------------------------------------------------------------

    @staticmethod
    def _check_path(remote_path: str) -> None:
        if not isinstance(remote_path, str) or not allowlist.is_apk_path(remote_path):
            raise CommandNotAllowed(f"not a permitted APK location: {remote_path!r:.300}")

    def _present(self) -> bool:
        try:
            return bool(self._is_present())
        except Exception as e:  # noqa: BLE001 - the adb server itself is gone
            self.server_error = f"{type(e).__name__}: {e}".strip()
            return False

    def _lost(self, what: str) -> DeviceLost:
        """DeviceLost saying whether the phone or the adb server went away."""
        if self.server_error:
            return DeviceLost(f"the adb server stopped answering ({self.server_error}) {what}")
        return DeviceLost(f"the phone was disconnected {what}")

    def _record(self, res: CommandResult) -> None:
        with self._lock:
            self.sent.append(res)


class PullFailed(Exception):
    """The phone refused or broke off one file copy, but is still there."""


def _cut(data: bytes, pattern: re.Pattern[bytes]) -> tuple[dict[int, tuple[bytes, bytes]], int]:
    """index -> (text before its marker, marker's code group); and where the last ended."""
    found: dict[int, tuple[bytes, bytes]] = {}
    pos = 0
    expect = 0
    for m in pattern.finditer(data):
        if int(m.group(1)) != expect:
            continue  # out of sequence: text inside a command's output, not ours
        found[expect] = (data[pos:m.start()], m.group(2) or b"")
        pos = m.end()
        expect += 1
    return found, pos


def split_batch(whole: CommandResult, lines: list[str], nonce: str) -> list[CommandResult]:
    """Cut the output of a marker-joined batch back into one result per command.

    stdout markers carry the exit code (`PAMARK_<nonce>_<i>_<$?>`), stderr markers only
    the index. If the batch broke off, the command it broke off in keeps what it had
    printed and gets the batch's error; later ones are marked as not run."""
    n = nonce.encode()
    out_found, out_pos = _cut(whole.stdout, re.compile(rb"PAMARK_" + n + rb"_([0-9]+)_([0-9]+|\$\?)\n?"))
    err_found, err_pos = _cut(whole.stderr, re.compile(rb"PAMARK_" + n + rb"_([0-9]+)()\n?"))
    results: list[CommandResult] = []
    for i, line in enumerate(lines):
        if i in out_found:
            stdout, code = out_found[i]
            stderr = err_found[i][0] if i in err_found else b""
            if i not in err_found and i == len(err_found):
                stderr = whole.stderr[err_pos:]
            results.append(CommandResult(line, stdout, stderr, int(code) if code.isdigit() else None,
                                         whole.started_at, whole.seconds))
        elif i == len(out_found):
            results.append(CommandResult(
                line, whole.stdout[out_pos:], whole.stderr[err_pos:] if i >= len(err_found) else b"",
                None, whole.started_at, whole.seconds,
                error=whole.error or "the batch ended before this command finished"))
        else:
            results.append(CommandResult(line, b"", b"", None, whole.started_at, whole.seconds,
                                         error=whole.error or "not run (the batch ended early)"))
    return results


def _private_opener(path: str, flags: int) -> int:
    """`open(..., opener=)` that creates the file 0600 and keeps it so."""
    import os

    fd = os.open(path, flags, 0o600)
    os.fchmod(fd, 0o600)
    return fd
