"""What a person acts on: the one-line verdict, two scores and the top actions.

Everything here reads a report dict (`phone-audit.report/1`, as `json_report` builds it
and `Store.get_audit` reads it back), so a live audit, a stored one and a report file
rank the same. The TUI, the plain summary and the HTML all take their order from
`ranked`, so the three never disagree on what comes first.

The scores work in the spirit of Lynis' hardening index: each judged check is worth
points by how serious its failure would be (`WEIGHT`); a pass earns them all, a warning
half, a failure none. Checks that do not apply, and checks that could not be decided,
are left out of both sides (so a score never rests on facts that were not read; the
number left out is said beside the score). A score is
`round(100 * earned / possible)`. Each check counts towards one of two scores (`AXIS`):
privacy (what the phone and its apps send, read or filter) or security (how hard the
phone is to break into or take over). docs/scores.md explains it for a reader.

An accepted finding (`audit.acceptance`: a person accepted it for this phone, with a
reason, and it has not changed since) keeps its status and its points: the scores say
how the phone is, and a decision about a risk does not remove the risk. It is shown as
"accepted" (`shown`, `word`), ranked after the warnings, and left out of the verdict's
count and of the actions, which say how many were accepted instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

#: worst first ("accepted": a failure or warning a person accepted for this phone)
STATUS_RANK = {"fail": 0, "warn": 1, "accepted": 2, "inconclusive": 3, "pass": 4,
               "not_applicable": 5}
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}

#: points a check is worth, by the severity its failure has (the check's own META)
WEIGHT = {"critical": 8, "high": 6, "medium": 4, "low": 2, "info": 1}

#: which score a check counts towards; a check not listed counts by its category
#: ("os" -> security, anything else -> privacy)
AXIS = {
    "apps.unknown-sources": "security",
    "apps.sideloaded": "security",
    "apps.device-admin": "security",
}
AXES = ("privacy", "security")

#: the one word for each status in anything a person reads (the JSON keeps its values)
STATUS_WORD = {
    "fail": "FAIL",
    "warn": "WARN",
    "pass": "PASS",
    "not_applicable": "N/A",
    "inconclusive": "INCONCLUSIVE",
    "accepted": "ACCEPTED",
}

#: checks whose subjects are the apps to act on (the commands below name each one);
#: not apps.device-admin: an active administrator is switched off in Settings first
APP_CHECKS = {
    "ncsc.appgallery-redirect", "ncsc.tencent-statistics", "ncsc.cloud-sms-registration",
    "ncsc.censorship-list", "ncsc.browser-analytics", "apps.unknown-sources",
    "apps.sideloaded", "apps.stalkerware", "apps.accessibility",
    "apps.notification-listeners", "apps.trackers", "apps.sms-access",
}
#: of those, checks where removing the app is the advice; for the rest disabling it is
REMOVE_CHECKS = {"apps.sideloaded", "apps.stalkerware"}
#: how many actions the short list shows ("do these three things"; the HTML lists all)
TOP = 3


def _catalogue() -> dict[str, Any]:
    from checks.registry import catalogue

    return {m.id: m for m in catalogue()}


def check_severity(finding: dict[str, Any]) -> str:
    """The severity a failure of this check has: the catalogue's, else the finding's own
    (a stored report may name a check this version no longer has)."""
    meta = _catalogue().get(str(finding.get("check")))
    return meta.severity.value if meta is not None else str(finding.get("severity") or "info")


def axis(finding: dict[str, Any]) -> str:
    check = str(finding.get("check", ""))
    if check in AXIS:
        return AXIS[check]
    return "security" if finding.get("category") == "os" else "privacy"


def shown(finding: dict[str, Any]) -> str:
    """The status a person is shown: "accepted" for an accepted failure or warning,
    else the finding's own status."""
    from audit.acceptance import is_accepted

    return "accepted" if is_accepted(finding) else str(finding.get("status"))


def word(finding: dict[str, Any]) -> str:
    """The one word for a finding in anything a person reads ("ACCEPTED", "FAIL", ...)."""
    s = shown(finding)
    return STATUS_WORD.get(s, s.upper())


def ranked(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Worst first: failures, warnings, accepted, inconclusive, passes, N/A; within
    each the most severe first; then catalogue order (the order they came in)."""
    order = {id(f): n for n, f in enumerate(findings)}
    return sorted(findings, key=lambda f: (STATUS_RANK.get(shown(f), 9),
                                           SEVERITY_RANK.get(f.get("severity"), 9),
                                           order[id(f)]))


# -- scores ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One check's part of a score: what it could earn and what it earned."""

    check: str
    title: str
    status: str
    possible: float
    earned: float


@dataclass(frozen=True)
class Score:
    axis: str
    points: tuple[Point, ...]
    #: checks of this axis left out: not applicable, or not decided
    not_counted: tuple[Point, ...] = ()

    @property
    def value(self) -> int | None:
        """0..100, or None when no check of this axis could be judged."""
        possible = sum(p.possible for p in self.points)
        if not possible:
            return None
        return round(100 * sum(p.earned for p in self.points) / possible)

    def text(self) -> str:
        """"privacy 42/100 (1 check inconclusive, not counted)"."""
        value = "no score" if self.value is None else f"{self.value}/100"
        undecided = sum(1 for p in self.not_counted if p.status == "inconclusive")
        note = f" ({undecided} check{'s' if undecided != 1 else ''} inconclusive, not counted)" if undecided else ""
        return f"{self.axis} {value}{note}"


def _earned(status: str, weight: int) -> float:
    return {"pass": weight, "warn": weight / 2, "fail": 0}.get(status, 0)


def scores(report: dict[str, Any]) -> dict[str, Score]:
    """The privacy and the security score of one report."""
    out: dict[str, Score] = {}
    for name in AXES:
        points, left = [], []
        for f in report.get("findings", ()):
            if axis(f) != name:
                continue
            status = str(f.get("status"))
            weight = WEIGHT.get(check_severity(f), 1)
            p = Point(str(f.get("check")), str(f.get("title")), status, weight, _earned(status, weight))
            (points if status in ("pass", "warn", "fail") else left).append(p)
        out[name] = Score(name, tuple(points), tuple(left))
    return out


def explain(score: Score) -> list[str]:
    """One line per point: "os.selinux PASS 6 of 6"."""
    def num(x: float) -> str:
        return f"{x:g}"

    lines = [f"{p.check} {STATUS_WORD.get(p.status, p.status)} {num(p.earned)} of {num(p.possible)}"
             for p in score.points]
    lines += [f"{p.check} {STATUS_WORD.get(p.status, p.status)} not counted" for p in score.not_counted]
    return lines


# -- actions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """One thing to type, for one app, and how to take it back."""

    package: str
    do: str
    undo: str  # "" when it cannot be undone from adb
    note: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"package": self.package, "do": self.do, "undo": self.undo, "note": self.note}


@dataclass(frozen=True)
class Action:
    """One thing to do about one finding that failed or warned."""

    check: str
    title: str
    status: str
    severity: str
    advice: str  # the remediation as plain prose, real package names in it
    commands: tuple[Command, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "title": self.title, "status": self.status,
                "severity": self.severity, "advice": self.advice,
                "commands": [c.to_dict() for c in self.commands]}


def _q(text: str) -> str:
    import shlex

    return shlex.quote(str(text))


def app_commands(check: str, package: str, system: bool) -> Command:
    """The reversible way to stop one app, for this phone's package.

    A pre-installed app: `pm disable-user --user 0` (undo `pm enable`); an app the user
    installed and this check says to remove: `pm uninstall --user 0`, which keeps the APK
    on the phone until the last user loses it (undo `cmd package install-existing`, as
    long as no other user had it removed too; else reinstall it from where it came).
    """
    p = _q(package)
    if check in REMOVE_CHECKS and not system:
        return Command(package, f"adb shell pm uninstall --user 0 {p}",
                       f"adb shell cmd package install-existing {p}",
                       "if the app is gone from every user, reinstall it from its store instead")
    return Command(package, f"adb shell pm disable-user --user 0 {p}", f"adb shell pm enable {p}",
                   "removing it instead: adb shell pm uninstall --user 0 "
                   f"{p} (undo: adb shell cmd package install-existing {p})" if system else "")


_TICKED = re.compile(r"`([^`]*)`")


def advice_text(remediation: str, subjects: list[str]) -> str:
    """The remediation as prose a person reads: no Markdown backticks, and `PACKAGE`
    replaced by the one app it is about (with several apps, the command is given for
    each one in the action's list instead)."""
    def one(m: re.Match) -> str:
        cmd = m.group(1)
        if "PACKAGE" not in cmd:
            return cmd
        if len(subjects) == 1:
            return cmd.replace("PACKAGE", _q(subjects[0]))
        return "the command given below for each app"

    return _TICKED.sub(one, str(remediation or "")).replace("PACKAGE", "the app")


def first_sentences(text: str, limit: int = 220) -> str:
    """As many whole sentences of `text` as fit in `limit` characters (at least one)."""
    parts = re.split(r"(?<=[.;!?])\s+", text.strip())
    out = parts[0] if parts else ""
    for p in parts[1:]:
        if len(out) + 1 + len(p) > limit:
            break
        out += " " + p
    return out


def actions(report: dict[str, Any]) -> list[Action]:
    """What to do, the most serious first: one action per failed or warned check."""
    system = {str(a.get("package")): bool(a.get("system")) for a in report.get("apps", ())}
    out = []
    for f in ranked(list(report.get("findings", ()))):
        if shown(f) not in ("fail", "warn"):
            continue
        check = str(f.get("check"))
        subjects = [str(s) for s in f.get("subjects", ())]
        commands: tuple[Command, ...] = ()
        if check in APP_CHECKS:
            commands = tuple(app_commands(check, s, system.get(s, False)) for s in subjects
                             if s in system)
        out.append(Action(check, str(f.get("title")), str(f.get("status")),
                          str(f.get("severity")), advice_text(str(f.get("remediation", "")), subjects),
                          commands))
    return out


# -- the verdict -----------------------------------------------------------------------


def verdict(report: dict[str, Any]) -> str:
    """One line a person can act on."""
    findings = list(report.get("findings", ()))
    by = {s: [f for f in ranked(findings) if shown(f) == s] for s in STATUS_RANK}
    serious = [f for f in by["fail"] if SEVERITY_RANK.get(f.get("severity"), 9) <= SEVERITY_RANK["high"]]
    head = "" if report.get("complete", True) else "Incomplete audit. "
    undecided = len(by["inconclusive"])
    accepted = len(by["accepted"])
    tail = (f"; {undecided} check{'s' if undecided != 1 else ''} inconclusive" if undecided else "")
    tail += (f"; {accepted} finding{'s' if accepted != 1 else ''} accepted" if accepted else "")

    def titles(items: list[dict[str, Any]]) -> str:
        names = [str(f.get("title")) for f in items[:2]]
        more = f" and {len(items) - 2} more" if len(items) > 2 else ""
        return ", ".join(names) + more

    if serious:
        n = len(serious)
        return f"{head}Act now: {n} serious problem{'s' if n != 1 else ''} ({titles(serious)}){tail}."
    todo = by["fail"] + by["warn"]
    if todo:
        n = len(todo)
        return f"{head}Needs attention: {n} thing{'s' if n != 1 else ''} to fix ({titles(todo)}){tail}."
    if undecided:
        return (f"{head}No problem found in what could be read, but {undecided} "
                f"check{'s' if undecided != 1 else ''} could not be decided: see what is missing"
                + (f" ({accepted} finding{'s' if accepted != 1 else ''} accepted)" if accepted else "")
                + ".")
    if accepted:
        return (f"{head}Nothing new to act on: {accepted} finding{'s' if accepted != 1 else ''} "
                f"accepted for this phone ({titles(by['accepted'])}); everything else looked and "
                "found nothing, or does not apply.")
    return f"{head}No problem found: every check looked and found nothing, or does not apply."


def summary_dict(report: dict[str, Any]) -> dict[str, Any]:
    """The verdict, the scores and the actions as the JSON report's `verdict` object."""
    s = scores(report)
    return {
        "line": verdict(report),
        "scores": {name: {"value": sc.value, "points": [
            {"check": p.check, "status": p.status, "earned": p.earned, "possible": p.possible}
            for p in sc.points], "not_counted": [p.check for p in sc.not_counted]}
            for name, sc in s.items()},
        "actions": [a.to_dict() for a in actions(report)],
        # findings a person accepted for this phone (still failed or warned; not actions)
        "accepted": [{"check": f.get("check"), "title": f.get("title"), "status": f.get("status"),
                      "reason": (f.get("acceptance") or {}).get("reason"),
                      "by": (f.get("acceptance") or {}).get("by"),
                      "at": (f.get("acceptance") or {}).get("at")}
                     for f in ranked(list(report.get("findings", ()))) if shown(f) == "accepted"],
    }


# -- naming the phone ------------------------------------------------------------------


def phone_name(device: dict[str, Any]) -> str:
    """"Xiaomi Mi 10T Pro (M2007J3SG)": maker, marketing name, model code; the model code
    alone when no marketing name is known. Phone text: sanitise before showing it."""
    from adb.parsers.device_names import BY_MODEL

    maker = str(device.get("manufacturer") or "").strip()
    model = str(device.get("model") or "").strip()
    market = str(device.get("marketing_name") or BY_MODEL.get(model) or "").strip()
    if market and market != model:
        name = market if not maker or market.lower().startswith(maker.lower()) else f"{maker} {market}"
        return f"{name} ({model})" if model else name
    name = " ".join(x for x in (maker, model) if x)
    return name or str(device.get("adb_serial") or "phone")
