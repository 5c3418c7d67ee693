"""What every check is given: the phone's facts, its inspected APKs and the knowledge base."""

from __future__ import annotations

from dataclasses import dataclass, field

from model.apk_report import PackageApks
from model.knowledge import Knowledge
from model.snapshot import DeviceSnapshot


@dataclass(frozen=True)
class AuditInput:
    """Everything a check may look at. Checks never call adb."""

    snapshot: DeviceSnapshot
    #: package name -> its APK reports (only packages that were inspected)
    apks: dict[str, PackageApks] = field(default_factory=dict)
    knowledge: Knowledge | None = None
    #: package name -> ledger state of its APKs ("read", "not_reached", ...) for every
    #: package the audit meant to inspect; empty when nobody said (hand-made inputs)
    apk_states: dict[str, str] = field(default_factory=dict)
