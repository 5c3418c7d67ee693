"""Raw outputs of the read-only commands, as read; saved to and loaded from a folder.

A `RawCapture` is everything `adb.collect.collect` read from a phone, byte for byte.
`adb.parsers.build_snapshot.build_snapshot` turns it into a `DeviceSnapshot`, so a capture saved on
one machine can be re-analysed anywhere (`phone-audit scan --capture-in DIR`).

On disk: one file per stream (`0007-settings-list-secure.stdout`), names made by us
from the command's position and a sanitised slug, never from phone text unchecked,
plus `manifest.json` with each command, time, exit code, file names and SHA-256.
Loading verifies every hash and refuses a manifest that points outside its folder.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from model.snapshot import Problem

SCHEMA = "phone-audit.capture/1"
_SAFE_NAME = re.compile(r"[0-9]{4}-[a-z0-9-]{0,48}\.(stdout|stderr)")


class CaptureError(Exception):
    """A capture folder that cannot be loaded (missing, malformed, or altered)."""


@dataclass(frozen=True)
class RawOutput:
    """One command as sent (`command` is the quoted shell line) and what came back."""

    command: str
    stdout: bytes
    stderr: bytes
    exit_code: int | None
    at: str
    error: str | None = None
    #: longer than the gate's caps (adb.gate.MAX_STDOUT_BYTES): only the beginning kept
    truncated: bool = False

    @property
    def ok(self) -> bool:
        """Ran to completion with exit code 0 (or unknown)."""
        return self.error is None and self.exit_code in (0, None)

    @property
    def text(self) -> str:
        """stdout decoded (UTF-8, undecodable bytes replaced), CRLF normalised."""
        return decode(self.stdout)

    @property
    def error_text(self) -> str:
        return decode(self.stderr)


def decode(data: bytes) -> str:
    """The one way phone bytes become text: UTF-8 with U+FFFD for bad bytes, LF only."""
    return data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class RawCapture:
    """Every raw output of one collection run, in the order read."""

    adb_serial: str
    started_at: str
    outputs: tuple[RawOutput, ...] = ()
    complete: bool = True
    problems: tuple[Problem, ...] = ()
    #: the privacy policy (adb.privacy.POLICY_VERSION) the outputs were minimised by, or None
    minimised: str | None = None
    #: fingerprint of the auditing computer's adb key (adb.host_key), or None: not phone
    #: data, kept so a re-analysis tells this computer from the others the phone trusts
    host_adb_key: str | None = None

    def get(self, command: str) -> RawOutput | None:
        """The last output of exactly this command line, if it was run."""
        for out in reversed(self.outputs):
            if out.command == command:
                return out
        return None

    def find(self, prefix: str) -> list[RawOutput]:
        """All outputs whose command line starts with `prefix`, in order."""
        return [o for o in self.outputs if o.command.startswith(prefix)]


def _slug(command: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", command.lower()).strip("-")
    return s[:48].strip("-")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save_capture(raw: RawCapture, folder: Path) -> None:
    """Write the capture to `folder` (created if needed; existing capture files replaced)."""
    from adb.locked import private_dir, write_private

    folder = private_dir(folder)
    entries = []
    for i, out in enumerate(raw.outputs):
        base = f"{i:04d}-{_slug(out.command)}"
        entry = {"command": out.command, "at": out.at, "exit_code": out.exit_code, "error": out.error,
                 "truncated": out.truncated}
        for stream in ("stdout", "stderr"):
            data: bytes = getattr(out, stream)
            name = f"{base}.{stream}"
            write_private(folder / name, data)
            entry[stream] = {"file": name, "sha256": _sha(data), "size": len(data)}
        entries.append(entry)
    manifest = {
        "schema": SCHEMA,
        "adb_serial": raw.adb_serial,
        "started_at": raw.started_at,
        "complete": raw.complete,
        "problems": [{"command": p.command, "reason": p.reason} for p in raw.problems],
        # personal fields (SMS addresses, account names) reduced before writing; see adb/privacy.py
        "minimised": raw.minimised,
        "host_adb_key": raw.host_adb_key,
        "outputs": entries,
    }
    tmp = folder / "manifest.json.tmp"
    write_private(tmp, json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8"))
    tmp.replace(folder / "manifest.json")


def load_capture(folder: Path) -> RawCapture:
    """Read a capture written by `save_capture`; raises CaptureError if it was altered."""
    folder = Path(folder)
    mpath = folder / "manifest.json"
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CaptureError(f"{folder} is not a capture: manifest.json is missing") from None
    except (OSError, ValueError) as e:
        raise CaptureError(f"{mpath} cannot be read: {e}") from None
    try:
        if manifest.get("schema") != SCHEMA:
            raise CaptureError(f"{mpath}: unknown capture format {manifest.get('schema')!r}")
        outputs = []
        for n, entry in enumerate(manifest["outputs"]):
            streams = {}
            for stream in ("stdout", "stderr"):
                ref = entry[stream]
                name = ref["file"]
                if not isinstance(name, str) or not _SAFE_NAME.fullmatch(name):
                    raise CaptureError(f"{mpath}: output {n} names an unsafe file {name!r}")
                try:
                    data = (folder / name).read_bytes()
                except OSError as e:
                    raise CaptureError(f"{folder / name} is missing or unreadable: {e}") from None
                if _sha(data) != ref["sha256"]:
                    raise CaptureError(
                        f"{folder / name} was changed after the capture was made "
                        f"(SHA-256 does not match the manifest); refusing to load it"
                    )
                streams[stream] = data
            code = entry.get("exit_code")
            outputs.append(
                RawOutput(
                    command=str(entry["command"]),
                    stdout=streams["stdout"],
                    stderr=streams["stderr"],
                    exit_code=int(code) if code is not None else None,
                    at=str(entry["at"]),
                    error=entry.get("error"),
                    truncated=bool(entry.get("truncated", False)),
                )
            )
        return RawCapture(
            adb_serial=str(manifest["adb_serial"]),
            started_at=str(manifest["started_at"]),
            outputs=tuple(outputs),
            complete=bool(manifest["complete"]),
            problems=tuple(Problem(str(p["command"]), str(p["reason"])) for p in manifest["problems"]),
            minimised=manifest.get("minimised"),
            host_adb_key=_fingerprint_or_none(manifest.get("host_adb_key")),
        )
    except CaptureError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise CaptureError(f"{mpath} is malformed: {type(e).__name__} {e}") from None


def _fingerprint_or_none(value: object) -> str | None:
    """A manifest's host key fingerprint, if it is one (a manifest is untrusted input)."""
    return value if isinstance(value, str) and re.fullmatch(r"(?:[0-9A-F]{2}:){15}[0-9A-F]{2}", value) else None
