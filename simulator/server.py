"""The simulated phone's adb daemon: the device side of the adb protocol over TCP.

`PhoneServer` listens on one TCP port and plays adbd for every host connection,
asking a `DeviceModel` (simulator/model.py) what the phone would answer:

- CNXN: the host speaks first. As AOSP adbd, the answer carries adbd's own version
  (A_VERSION) and the smaller of the host's and adbd's max payload. A secure build
  (`adb_secure`, from `ro.adb.secure=1`) or a phone in state "unauthorized" first runs
  AUTH (simulator/auth.py): a signature by a trusted key gets the CNXN; a public key
  the host offers is allowed at once in state "device" (the user taps Allow) and
  remembered for the run, or waits for `authorize()` in state "unauthorized". An
  insecure build in state "device" answers with its banner and features at once;
  "offline" accepts the connection and never answers.
- Streams (OPEN/OKAY/WRTE/CLSE) with adb flow control, many at once: `shell:` (v1),
  `shell,v2,...:` (packets with exit status), `exec:`, `sync:`, and `abb:` (v2 framing)
  / `abb_exec:` (raw), whose NUL-separated arguments run as `cmd ARGS...`; anything
  else is refused with CLSE. stdout and stderr go out in the order they were written.
- Faults from `model.faults`: latency before each shell/sync reply, a bandwidth cap on
  sync RECV (a token bucket over the whole run), and two ways to pull the cable:
  after N payload bytes sent to the host (WRTE data, counted over the whole run,
  the cut falling exactly at N), or when a shell command starts with a prefix. Once pulled, the phone stops listening (new connections are refused) until
  `restart()`.
- A JSON-lines log: one object per service request / shell command / sync request,
  at least {"service": ..., "command": ...}, flushed per line.

`serve()` runs one until cancelled; `simulator.SimulatedPhone` runs one in a thread.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import socket
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable

from simulator import auth, shellv2
from simulator.model import DeviceModel, Faults
from simulator.sync import serve_sync
from simulator.transport import (
    A_AUTH,
    A_CLSE,
    A_CNXN,
    A_OKAY,
    A_OPEN,
    A_VERSION,
    A_VERSION_SKIP_CHECKSUM,
    A_WRTE,
    AUTH_RSAPUBLICKEY,
    AUTH_SIGNATURE,
    AUTH_TOKEN,
    FEATURES,
    HEADER,
    HEADER_SIZE,
    MAX_PAYLOAD,
    ConnectionGone,
    Stream,
    StreamClosed,
    encode_header,
)

#: The adb server probes these ports as emulators: a simulator must never listen there.
FORBIDDEN_PORTS = range(5555, 5586)

#: Largest message the device accepts from a host (hosts send at most the negotiated
#: max payload; anything far beyond it is garbage and ends the connection).
_MAX_INCOMING = 16 * MAX_PAYLOAD


class RequestLog:
    """The JSON-lines request log: one object per line, flushed per line."""

    def __init__(self, path: str | os.PathLike | None):
        self.path = Path(path) if path is not None else None
        self._file = open(self.path, "a", encoding="utf-8") if self.path is not None else None

    def write(self, entry: dict[str, Any]) -> None:
        if self._file is None:
            return
        self._file.write(json.dumps(entry, default=str) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class TokenBucket:
    """Paces bytes to `rate` per second over the whole run, with bursts up to `burst`."""

    def __init__(self, rate: int, burst: int):
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._stamp = time.monotonic()

    async def take(self, n: int) -> None:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        # Going into debt and sleeping it off keeps concurrent takers fair: each later
        # taker sees the earlier ones' debt and waits longer.
        self._tokens -= n
        if self._tokens < 0:
            await asyncio.sleep(-self._tokens / self.rate)


def bind_listening_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port; port 0 picks a free port outside 5555-5585."""
    if port in FORBIDDEN_PORTS:
        raise ValueError(f"port {port} is in 5555-5585, which the adb server probes as emulators")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(100):
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            if sock.getsockname()[1] in FORBIDDEN_PORTS:
                sock.close()
                continue
            sock.listen(128)
            sock.setblocking(False)
            return sock
        except BaseException:
            sock.close()
            raise
    raise OSError("could not find a free port outside 5555-5585")


def _sh_quote(arg: str) -> str:
    """One argument quoted for /system/bin/sh (abb's arguments are already split).

    Plain words stay bare so that the command line reads as a person would type it
    (the request log, and profile [commands] answers, see it that way).
    """
    if arg and all(ch.isalnum() or ch in "_@%+=:,./-" for ch in arg):
        return arg
    return "'" + arg.replace("'", "'\\''") + "'"


def _parse_service(service: str) -> tuple[str, list[str], str] | None:
    """"shell,v2,raw:ls" -> ("shell", ["v2", "raw"], "ls"); None without a ':'."""
    name, sep, rest = service.partition(":")
    if not sep:
        return None
    base, *options = name.split(",")
    return base, options, rest


class PhoneServer:
    """One simulated phone listening on a TCP port; run-wide fault state lives here."""

    def __init__(self, model: DeviceModel, host: str = "127.0.0.1", port: int = 0,
                 log: str | os.PathLike | None = None):
        self.model = model
        self.host = host
        self.port = port
        self.log = RequestLog(log)
        #: payload bytes sent to hosts in WRTE messages since start (or restart)
        self.bytes_sent = 0
        #: True once a disconnect fault pulled the cable; cleared by restart()
        self.gone = False
        self.authorized = False
        #: keys (modulus, exponent) whose signatures this phone accepts: the profile's
        #: adb_keys, plus every key the user allowed during this run
        self.trusted_keys: dict[tuple[int, int], Any] = {}
        for line in getattr(model, "adb_keys", ()) or ():
            key = auth.parse_public_key(line)
            if key is not None:
                self.trusted_keys[auth.key_id(key)] = key
        self._server: asyncio.base_events.Server | None = None
        self._connections: set[Connection] = set()
        self._numbers = itertools.count(1)
        self._bucket: TokenBucket | None = None

    @property
    def serial(self) -> str:
        """The adb serial the host will use: "HOST:PORT"."""
        return f"{self.host}:{self.port}"

    @property
    def faults(self) -> Faults:
        return getattr(self.model, "faults", None) or Faults()

    # -- lifecycle --------------------------------------------------------------------
    async def start(self) -> None:
        """Listen (on the configured port, or a free one the first time if 0)."""
        sock = bind_listening_socket(self.host, self.port)
        self.port = sock.getsockname()[1]
        self._server = await asyncio.start_server(self._accept, sock=sock)

    async def close(self) -> None:
        """Stop listening, drop every connection, close the log."""
        self._stop_listening()
        for conn in list(self._connections):
            conn.drop()
        for conn in list(self._connections):
            await conn.finished()
        self.log.close()

    async def restart(self) -> None:
        """Plug the cable back in: drop what is left, reset the counters, listen again."""
        self._stop_listening()
        for conn in list(self._connections):
            conn.drop()
        for conn in list(self._connections):
            await conn.finished()
        self.gone = False
        self.bytes_sent = 0
        self._bucket = None
        await self.start()

    def _stop_listening(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    # -- state ------------------------------------------------------------------------
    def current_state(self) -> str:
        state = getattr(self.model, "state", "device") or "device"
        if state == "unauthorized" and self.authorized:
            return "device"
        return state

    def auth_required(self) -> bool:
        """Whether a host must authenticate: a secure build, or a locked phone."""
        return bool(getattr(self.model, "adb_secure", False)) or self.model.state == "unauthorized"

    def signed_by_trusted_key(self, token: bytes, signature: bytes) -> bool:
        return any(auth.verify(key, token, signature) for key in self.trusted_keys.values())

    def trust(self, key: Any) -> None:
        """The user allowed this key ("Always allow from this computer")."""
        self.trusted_keys[auth.key_id(key)] = key

    def authorize(self) -> None:
        """The user tapped "Allow": waiting unauthorized connections come online, and
        keys offered from now on are allowed too."""
        self.authorized = True
        for conn in list(self._connections):
            conn.on_authorized()

    def go_gone(self, reason: str, **details: Any) -> None:
        """Pull the cable: log it, stop listening, drop every connection."""
        if self.gone:
            return
        self.gone = True
        self.log.write({"time": time.time(), **details, "service": "fault", "command": "disconnect",
                        "reason": reason, "bytes_sent": self.bytes_sent})
        self._stop_listening()
        for conn in list(self._connections):
            conn.drop()

    def byte_budget(self) -> int | None:
        """Bytes the host may still receive before disconnect_after_bytes fires, or None."""
        limit = self.faults.disconnect_after_bytes
        if not limit:
            return None
        return max(0, limit - self.bytes_sent)

    def recv_payload_size(self, max_payload: int) -> int:
        """WRTE size for RECV: the max payload, smaller when throttled so pacing is smooth."""
        rate = self.faults.bandwidth_bytes_per_s
        if not rate:
            return max_payload
        return max(4096, min(max_payload, rate // 10))

    async def throttle(self, n: int) -> None:
        rate = self.faults.bandwidth_bytes_per_s
        if not rate:
            return
        if self._bucket is None or self._bucket.rate != rate:
            self._bucket = TokenBucket(rate, self.recv_payload_size(MAX_PAYLOAD))
        await self._bucket.take(n)

    # -- connections ------------------------------------------------------------------
    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.gone:
            writer.transport.abort()
            return
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = Connection(self, reader, writer, next(self._numbers))
        self._connections.add(conn)
        try:
            await conn.run()
        finally:
            self._connections.discard(conn)


class Connection:
    """One host connection: the CNXN/AUTH handshake, then the stream multiplexer."""

    def __init__(self, phone: PhoneServer, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter, number: int):
        self.phone = phone
        self.number = number
        self.reader = reader
        self.writer = writer
        self.max_payload = MAX_PAYLOAD
        self.version = A_VERSION
        self.online = False
        self.awaiting_auth = False
        #: the token of the last AUTH TOKEN sent, and the public key the host offered
        self.token = b""
        self.offered_key: Any = None
        self.silent = False
        self.dropped = False
        self.streams: dict[int, Stream] = {}
        self._tasks: dict[int, asyncio.Task] = {}
        self._ids = itertools.count(1)
        self._done = asyncio.Event()

    # -- the read loop ----------------------------------------------------------------
    async def run(self) -> None:
        try:
            while True:
                header = await self.reader.readexactly(HEADER_SIZE)
                command, arg0, arg1, length, _check, magic = HEADER.unpack(header)
                if magic != command ^ 0xFFFFFFFF or length > _MAX_INCOMING:
                    break
                payload = await self.reader.readexactly(length) if length else b""
                self._dispatch(command, arg0, arg1, payload)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            self._teardown()

    def _dispatch(self, command: int, arg0: int, arg1: int, payload: bytes) -> None:
        if self.silent or self.dropped:
            return
        if command == A_CNXN:
            self._on_cnxn(arg0, arg1)
        elif command == A_AUTH:
            self._on_auth(arg0, payload)
        elif not self.online:
            return  # a host sends nothing else before CNXN; ignore stray messages
        elif command == A_OPEN:
            self._on_open(arg0, payload)
        elif command == A_OKAY:
            stream = self.streams.get(arg1)
            if stream is not None:
                stream.on_okay()
        elif command == A_WRTE:
            stream = self.streams.get(arg1)
            if stream is not None:
                stream.on_data(payload)
                self._send_control(A_OKAY, stream.local_id, stream.remote_id)
        elif command == A_CLSE:
            stream = self.streams.pop(arg1, None)
            if stream is not None:
                was_closed = stream.closed
                stream.on_host_close()
                if not was_closed:
                    self._send_control(A_CLSE, stream.local_id, stream.remote_id)
                task = self._tasks.get(stream.local_id)
                if task is not None:
                    task.cancel()

    def _on_cnxn(self, version: int, max_payload: int) -> None:
        # AOSP atransport::update_version: the protocol version and max payload in use
        # are the smaller of the host's and adbd's. (The floor only keeps a host that
        # claims 0 from stalling the stream writer.)
        self.version = min(version, A_VERSION) if version else A_VERSION
        self.max_payload = max(256, min(max_payload or MAX_PAYLOAD, MAX_PAYLOAD))
        state = self.phone.current_state()
        if state == "offline":
            self.silent = True
        elif self.phone.auth_required():
            self.awaiting_auth = True
            self._send_token()
        else:
            self._send_cnxn()

    def _send_token(self) -> None:
        self.token = auth.new_token()
        self._send_control(A_AUTH, AUTH_TOKEN, 0, self.token)

    def _on_auth(self, kind: int, payload: bytes) -> None:
        if not self.awaiting_auth:
            return
        if kind == AUTH_SIGNATURE:
            if self.phone.signed_by_trusted_key(self.token, payload):
                self._send_cnxn()
            else:
                # Not a key this phone knows: a fresh token, for the host's next key.
                self._send_token()
        elif kind == AUTH_RSAPUBLICKEY:
            key = auth.parse_public_key(payload)
            if key is None:
                return  # nothing a user could allow; the host waits in vain
            if self.phone.current_state() == "device":
                self.phone.trust(key)
                self._send_cnxn()
            else:
                self.offered_key = key  # "Allow USB debugging?" is on the screen

    def on_authorized(self) -> None:
        if self.awaiting_auth and self.offered_key is not None and not self.dropped:
            self.phone.trust(self.offered_key)
            self._send_cnxn()

    def _send_cnxn(self) -> None:
        self.awaiting_auth = False
        self.online = True
        banner = self.phone.model.banner()
        if not (banner.endswith(";") or banner.endswith("::")):
            banner += ";"
        banner += "features=" + ",".join(FEATURES)
        # AOSP send_connect: arg0 is adbd's own A_VERSION (not the host's), arg1 the
        # negotiated max payload.
        self._send_control(A_CNXN, A_VERSION, self.max_payload, banner.encode("utf-8"))

    def _on_open(self, remote_id: int, payload: bytes) -> None:
        service = payload.rstrip(b"\0").decode("utf-8", errors="replace")
        local_id = next(self._ids)
        stream = Stream(self, local_id, remote_id, service)
        self.streams[local_id] = stream
        task = asyncio.get_running_loop().create_task(self._run_service(stream))
        self._tasks[local_id] = task
        task.add_done_callback(lambda _t: self._tasks.pop(local_id, None))

    # -- sending ----------------------------------------------------------------------
    def _write(self, command: int, arg0: int, arg1: int, payload: bytes | bytearray | memoryview = b"") -> None:
        # AOSP send_packet: data_check is 0 once both sides speak A_VERSION_SKIP_CHECKSUM
        # (0x01000001); an older host (adb-shell sends 0x01000000) gets the byte sum. Only
        # WRTE skips it here (the bulk of the bytes: summing 3 GB of APKs cost the bench's
        # phone seconds of CPU a real phone does not spend)
        check = 0 if command == A_WRTE and self.version >= A_VERSION_SKIP_CHECKSUM else None
        self.writer.write(encode_header(command, arg0, arg1, payload, check))
        if payload:
            self.writer.write(payload)

    def _send_control(self, command: int, arg0: int, arg1: int, payload: bytes = b"") -> None:
        if self.dropped or self.writer.is_closing():
            return
        self._write(command, arg0, arg1, payload)

    async def send_data(self, stream: Stream, piece: memoryview, *, throttle: bool = False) -> None:
        """One WRTE on `stream`, after the bandwidth cap and within the byte budget."""
        if throttle:
            await self.phone.throttle(len(piece))
        if stream.closed or self.dropped:
            raise self.closed_error()
        budget = self.phone.byte_budget()
        cut = budget is not None and len(piece) >= budget
        if cut:
            piece = piece[:budget]
        if piece:
            self._write(A_WRTE, stream.local_id, stream.remote_id, piece)
            self.phone.bytes_sent += len(piece)
        if cut:
            await self._drain()
            self.phone.go_gone("disconnect_after_bytes", during=stream.service)
            raise ConnectionGone("disconnect_after_bytes reached")
        await self._drain()

    async def _drain(self) -> None:
        try:
            await self.writer.drain()
        except (ConnectionError, OSError) as exc:
            self.drop()
            raise StreamClosed(str(exc)) from exc

    def close_stream(self, stream: Stream) -> None:
        """Send CLSE for a stream the device ends (Stream.close)."""
        self.streams.pop(stream.local_id, None)
        self._send_control(A_CLSE, stream.local_id, stream.remote_id)

    def closed_error(self) -> StreamClosed:
        return ConnectionGone("the phone was disconnected") if self.phone.gone else StreamClosed("stream closed")

    # -- helpers for services -----------------------------------------------------------
    def log_request(self, service: str, command: str, **extra: Any) -> None:
        self.phone.log.write({"time": time.time(), "service": service, "command": command,
                              "conn": self.number, **extra})

    async def latency(self) -> None:
        ms = self.phone.faults.latency_ms
        if ms > 0:
            await asyncio.sleep(ms / 1000)

    async def call_model(self, method: str, *args: Any) -> Any:
        """Call a DeviceModel method in a worker thread (models may be slow)."""
        return await asyncio.to_thread(getattr(self.phone.model, method), *args)

    # -- services -----------------------------------------------------------------------
    async def _run_service(self, stream: Stream) -> None:
        parsed = _parse_service(stream.service)
        try:
            if parsed is not None and parsed[0] in ("shell", "exec"):
                base, options, command = parsed
                protocol = "raw" if base == "exec" else ("v2" if "v2" in options else "v1")
                self._send_control(A_OKAY, stream.local_id, stream.remote_id)
                await self._shell(stream, base, command, protocol)
            elif parsed is not None and parsed[0] in ("abb", "abb_exec") and not parsed[1]:
                # adbd hands these to abb, which runs the binder service's shell command
                # in-process, as `cmd` does: `abb:` framed as shell v2, `abb_exec:` raw.
                base, _options, rest = parsed
                command = "cmd " + " ".join(_sh_quote(arg) for arg in rest.split("\0"))
                self._send_control(A_OKAY, stream.local_id, stream.remote_id)
                await self._shell(stream, base, command, "v2" if base == "abb" else "raw")
            elif stream.service.rstrip(":") in ("root", "unroot"):
                # A production build's adbd answers and stays as it is (AOSP
                # daemon/restart_service.cpp): never a change of the phone.
                self.log_request(stream.service.rstrip(":"), "", refused=True)
                self._send_control(A_OKAY, stream.local_id, stream.remote_id)
                text = (b"adbd cannot run as root in production builds\n" if stream.service.startswith("root")
                        else b"adbd not running as root\n")
                await stream.write(text)
            elif parsed is not None and parsed[0] == "sync" and not parsed[1]:
                self._send_control(A_OKAY, stream.local_id, stream.remote_id)
                await serve_sync(stream, self)
            else:
                name, _, rest = stream.service.partition(":")
                self.log_request(name, rest, refused=True)
                self.streams.pop(stream.local_id, None)
                stream.closed = True
                self._send_control(A_CLSE, 0, stream.remote_id)
                return
            await stream.close()
        except (StreamClosed, asyncio.CancelledError):
            pass
        except Exception:
            print(f"simulated phone: service {stream.service!r} failed:", file=sys.stderr)
            traceback.print_exc()
            self.log_request("error", stream.service, error=traceback.format_exc(limit=3))
            if not stream.closed:
                stream.closed = True
                self.close_stream(stream)

    async def _shell(self, stream: Stream, service: str, command: str, protocol: str) -> None:
        self.log_request(service, command, protocol=protocol)
        prefix = self.phone.faults.disconnect_on_command
        if prefix and command.lstrip().startswith(prefix):
            self.phone.go_gone("disconnect_on_command", command=command)
            raise ConnectionGone("disconnect_on_command")
        hang = getattr(self.phone.faults, "hang_on_command", "")
        if hang and command.lstrip().startswith(hang):
            # a stuck command: say nothing until the host gives up on the stream
            while await stream.read_some():
                pass
            return
        if not command.strip():
            await self._interactive(stream, protocol)
            return
        await self.latency()
        result = await self.call_model("run_shell", command)
        if protocol == "v2":
            payload = shellv2.encode_result(result.pieces(), result.exit_code)
        else:
            # v1 and exec have one channel: stdout and stderr arrive mixed, in the
            # order the command wrote them.
            payload = b"".join(data for _fd, data in result.pieces())
        if payload:
            await stream.write(payload)

    async def _interactive(self, stream: Stream, protocol: str) -> None:
        """A bare `adb shell`: run each line the host types; `exit` or EOF ends it."""
        reader = shellv2.PacketReader() if protocol == "v2" else None
        pending = bytearray()
        exit_code = 0
        while True:
            data = await stream.read_some()
            ended = not data
            if reader is not None and data:
                stdin = []
                for packet_id, packet in reader.feed(data):
                    if packet_id == shellv2.ID_STDIN:
                        stdin.append(packet)
                    elif packet_id == shellv2.ID_CLOSE_STDIN:
                        ended = True
                data = b"".join(stdin)
            pending += data.replace(b"\r", b"\n")
            while b"\n" in pending:
                line, _, rest = bytes(pending).partition(b"\n")
                pending = bytearray(rest)
                command = line.decode("utf-8", errors="replace").strip()
                if not command:
                    continue
                if command == "exit" or command.startswith("exit "):
                    code = command[4:].strip()
                    exit_code = int(code) & 0xFF if code.isdigit() else exit_code
                    ended = True
                    break
                self.log_request("shell", command, protocol=protocol, interactive=True)
                prefix = self.phone.faults.disconnect_on_command
                if prefix and command.startswith(prefix):
                    self.phone.go_gone("disconnect_on_command", command=command)
                    raise ConnectionGone("disconnect_on_command")
                await self.latency()
                result = await self.call_model("run_shell", command)
                exit_code = result.exit_code
                if reader is not None:
                    out = shellv2.encode_output(result.pieces())
                else:
                    out = b"".join(data for _fd, data in result.pieces())
                if out:
                    await stream.write(out)
            if ended:
                break
        if reader is not None:
            await stream.write(shellv2.encode_result((), exit_code))

    # -- ending -------------------------------------------------------------------------
    def drop(self) -> None:
        """Close the TCP connection now (a pulled cable, or the server stopping)."""
        if self.dropped:
            return
        self.dropped = True
        for stream in list(self.streams.values()):
            stream.on_host_close()
        transport = self.writer.transport
        transport.close()
        # If the host stops reading, close() would wait for the buffer forever.
        asyncio.get_running_loop().call_later(2.0, transport.abort)

    def _teardown(self) -> None:
        self.dropped = True
        for stream in list(self.streams.values()):
            stream.on_host_close()
        self.streams.clear()
        for task in list(self._tasks.values()):
            task.cancel()
        if not self.writer.transport.is_closing():
            self.writer.transport.close()
        self._done.set()

    async def finished(self) -> None:
        """Wait until the read loop and the service tasks ended (after drop())."""
        try:
            await asyncio.wait_for(self._done.wait(), timeout=5)
        except asyncio.TimeoutError:
            self.writer.transport.abort()
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5)


async def serve(model: DeviceModel, host: str = "127.0.0.1", port: int = 0,
                log: str | os.PathLike | None = None, *,
                ready: Callable[[PhoneServer], Any] | None = None) -> None:
    """Serve `model` as a phone on host:port until cancelled.

    `ready(server)` is called once listening (server.port is then the real port).
    """
    server = PhoneServer(model, host, port, log)
    await server.start()
    try:
        if ready is not None:
            ready(server)
        await asyncio.Event().wait()
    finally:
        await server.close()
