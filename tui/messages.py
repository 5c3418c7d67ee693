"""Messages the app's workers and widgets send, as small dataclasses.

Workers report back only through these. Progress is coalesced twice: the callback
posts at most a few per second, and a queued `AuditProgress` is replaced by a newer
one for the same audit (`can_replace`), so a fast pull never floods the queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message

from adb.progress import Progress


@dataclass
class DevicesChanged(Message):
    """The adb server's device list changed (or was read for the first time)."""

    entries: list[Any]


@dataclass
class AdbUnavailable(Message):
    """The adb server could not be reached; `reason` in plain words."""

    reason: str


@dataclass
class AuditRequested(Message):
    """Audit the phone with this adb serial (from the picker)."""

    serial: str
    #: the built-in profile it was started from, when it is a simulated phone
    simulated: str | None = None


@dataclass
class SimulatedRequested(Message):
    """Start the built-in simulated phone `profile`, then audit it."""

    profile: str


@dataclass
class AuditProgress(Message):
    """Where an audit is; `stages` holds the latest event of every stage seen."""

    key: str
    stages: dict[str, Progress] = field(default_factory=dict)

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, AuditProgress) and message.key == self.key


@dataclass
class AuditFinished(Message):
    """An audit ended (complete, incomplete or cancelled); `data` is an AuditData."""

    key: str
    data: Any


@dataclass
class AuditDone(Message):
    """An audit pane shows its results (bubbles to the main screen)."""

    key: str
    data: Any


@dataclass
class FindingSelected(Message):
    """A risk panel was chosen: open its detail."""

    check: str


@dataclass
class ExportWritten(Message):
    """The export worker wrote these files (JSON, HTML)."""

    paths: tuple[Any, ...]
