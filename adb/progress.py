"""Progress of long steps, as plain values passed to a callback.

The UI and the CLI both show them; nothing here knows how. A callback must be cheap
and must not raise (it is called from worker threads and processes' results).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Progress:
    #: "connect" | "collect" | "verdicts" | "hash" | "pull" | "inspect" | "evaluate" | "store"
    stage: str
    done: int = 0
    total: int = 0
    bytes_done: int = 0
    bytes_total: int = 0
    #: what is being done now, e.g. the command or the package (untrusted text)
    detail: str = ""
    #: "verdicts": the findings of the checks that need no APK (`model.findings.Finding`),
    #: judged right after the phone was read, before any APK is pulled; done of total
    #: counts them against the whole catalogue
    findings: tuple[Any, ...] = ()


ProgressCallback = Callable[[Progress], None]


def ignore_progress(_: Progress) -> None:
    """The default callback."""
