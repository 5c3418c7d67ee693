"""Progress of long steps, as plain values passed to a callback.

The UI and the CLI both show them; nothing here knows how. A callback must be cheap
and must not raise (it is called from worker threads and processes' results).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Progress:
    #: "connect" | "collect" | "verdicts" | "hash" | "pull" | "inspect" | "apk-verdicts"
    #: | "evaluate" | "store"
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
    #: "apk-verdicts": the checks that need APKs, judged again on the reports in so far
    #: while the APK stage runs (at most every `audit.live.INTERVAL` s); done of total
    #: counts the APKs in scope settled (inspected, or known unreadable) so far
    provisional: tuple["Provisional", ...] = ()


@dataclass(frozen=True)
class Provisional:
    """One APK-dependent check while its APKs are still being read (issue 20).

    Never a PASS: until every APK it needs is read a check is either "fail" (the APKs
    read so far already show the problem: `finding` is that FAIL, with its evidence) or
    "checking". The stored verdict is the one judged after the APK stage.
    """

    check: str
    #: the check's title (our text)
    title: str
    #: "fail" | "checking"
    state: str
    #: APKs this check needs that are settled so far, of `total`
    done: int
    total: int
    #: the FAIL finding (`model.findings.Finding`) when state is "fail", else None
    finding: Any = None


ProgressCallback = Callable[[Progress], None]


def ignore_progress(_: Progress) -> None:
    """The default callback."""
