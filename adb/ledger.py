"""The ledger of facts: for each thing the audit means to read, what became of it.

`build_ledger(raw)` looks at a `RawCapture` and gives every fact one state:

- `read`: the answer holds what its parser expects;
- `refused`: the phone said no (its words are kept, see `adb.refusals`);
- `unsupported`: this Android has no such command or option;
- `timed_out`: the command (or the service behind it) ran out of time;
- `truncated`: the answer was longer than the gate's caps, only its beginning was read;
- `not_reached`: the audit stopped (cancelled, phone lost) before sending it;
- `unrecognised`: an answer in which the parser found none of what it expects, or an
  impossible one (an Android phone with no package, no property, no setting).

Checks declare the facts they need (`CheckMeta.needs`); `checks.needs` turns a PASS or
N/A that stands on an unread fact into `inconclusive`. Pure; never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from adb.allowlist import quote_argv
from adb.capture import RawCapture, RawOutput, decode
from adb.parsers import commands as C
from adb.refusals import find_refusal

if TYPE_CHECKING:
    from adb.gate import CommandResult

READ = "read"
REFUSED = "refused"
UNSUPPORTED = "unsupported"
TIMED_OUT = "timed_out"
TRUNCATED = "truncated"
NOT_REACHED = "not_reached"
UNRECOGNISED = "unrecognised"
#: APK facts only: pulled (or found in the cache) but no report could be made of it
#: (past its time budget, its worker killed, a corrupt or hostile file)
NOT_INSPECTED = "not_inspected"
#: APK facts only: outside the `--scope` this audit was asked to inspect
SKIPPED = "skipped"

#: plain words for each state, as reports show them
WHY = {
    READ: "read",
    REFUSED: "the phone refused",
    UNSUPPORTED: "not supported on this Android",
    TIMED_OUT: "timed out",
    TRUNCATED: "the answer was cut short",
    NOT_REACHED: "not reached (the audit stopped before it)",
    UNRECOGNISED: "the answer was not understood",
    NOT_INSPECTED: "could not be inspected",
    SKIPPED: "not inspected: outside the scope of this audit",
}


@dataclass(frozen=True)
class Fact:
    """One fact's state, the command that shows it, and the phone's words if any."""

    key: str
    state: str
    command: str
    detail: str = ""
    #: how the command is sent: `adb shell` for a shell line, `adb` for `pull PATH`
    via: str = "adb shell"

    @property
    def read(self) -> bool:
        return self.state == READ

    @property
    def why(self) -> str:
        return WHY.get(self.state, self.state) + (f": {self.detail}" if self.detail else "")

    def to_dict(self) -> dict[str, str]:
        return {"fact": self.key, "state": self.state, "command": f"{self.via} {self.command}",
                "detail": self.detail}


def _has(rx: str) -> Callable[[str], bool]:
    compiled = re.compile(rx, re.M)
    return lambda text: compiled.search(text) is not None


def _empty_ok(rx: str) -> Callable[[str], bool]:
    compiled = re.compile(rx, re.M)
    return lambda text: not text.strip() or compiled.search(text) is not None


_PKG_LINE = r"^package:\S"
#: key -> (command argv, recogniser of a usable answer). A recogniser that rejects an
#: empty answer is a sanity floor: a real phone always prints something there.
SINGLE: dict[str, tuple[tuple[str, ...], Callable[[str], bool]]] = {
    "getprop": (C.GETPROP, _has(r"^\[[^\]]+\]: \[")),
    "dumpsys package": (C.DUMPSYS_PACKAGE, _has(r"^\s*Package \[[^\]]+\]")),
    "pm list packages -s": (C.PM_SYSTEM, _has(_PKG_LINE)),
    "pm list packages -d": (C.PM_DISABLED, _empty_ok(_PKG_LINE)),
    "settings global": (C.settings_list("global"), _has(r"^[^=\s]+=")),
    "settings secure": (C.settings_list("secure"), _has(r"^[^=\s]+=")),
    "settings system": (C.settings_list("system"), _has(r"^[^=\s]+=")),
    "dumpsys account": (C.DUMPSYS_ACCOUNT, _has(r"Accounts:")),
    "dumpsys device_policy": (C.DUMPSYS_DEVICE_POLICY,
                              _has(r"Device Policy|Device Owner|Enabled Device Admins|mHasFeature")),
    "dumpsys accessibility": (C.DUMPSYS_ACCESSIBILITY, _has(r"(?i)accessibility|User state")),
    "getenforce": (C.GETENFORCE, _has(r"^\s*(Enforcing|Permissive|Disabled)\s*$")),
    "id": (C.ID, _has(r"uid=\d+")),
}

PACKAGES = "pm list packages"
ROOT_PROBES = "root probes"
SMS = "sms"

#: every key the ledger has, in the order the audit reads them
KEYS: tuple[str, ...] = ("getprop", PACKAGES, "pm list packages -d", "pm list packages -s",
                         "dumpsys package", "settings global", "settings secure", "settings system",
                         "dumpsys account", "dumpsys device_policy", "dumpsys accessibility",
                         "getenforce", "id", ROOT_PROBES, SMS)

_UNSUPPORTED = re.compile(r"(?i)unknown option|unknown command|not found|no such|inaccessible")


def state_of(out: "RawOutput | CommandResult | None", recognise: Callable[[str], bool] | None = None) -> tuple[str, str]:
    """(state, detail) of one command's output."""
    if out is None:
        return NOT_REACHED, ""
    if out.error:
        low = out.error.lower()
        if "time" in low:
            return TIMED_OUT, out.error[:300]
        if "cut" in low or "too long" in low:
            return TRUNCATED, out.error[:300]
        return NOT_REACHED, out.error[:300]
    refusal = find_refusal(out.stdout, out.stderr)
    if refusal is not None:
        return refusal[0], refusal[1]
    if out.exit_code not in (0, None):
        err = (decode(out.stderr).strip() or decode(out.stdout[:4096]).strip())[:300]
        if out.exit_code == 127 or _UNSUPPORTED.search(err):
            return UNSUPPORTED, err
        return REFUSED, f"exit status {out.exit_code}" + (f": {err}" if err else "")
    if out.truncated:
        return TRUNCATED, f"only the first {len(out.stdout)} bytes were read"
    if recognise is not None and not recognise(decode(out.stdout)):
        head = decode(out.stdout[:120]).strip().split("\n", 1)[0]
        return UNRECOGNISED, (f"begins {head!r}" if head else "the answer was empty")
    return READ, ""


def _packages(raw: RawCapture) -> Fact:
    """The package list: the last variant collect tried decides (it stops at the first
    that lists packages)."""
    last = None
    for argv in C.PM_LIST_VARIANTS:
        out = raw.get(C.line(argv))
        if out is None:
            continue
        last = (argv, out)
        state, detail = state_of(out, _has(_PKG_LINE))
        if state == READ:
            return Fact(PACKAGES, READ, C.line(argv))
    if last is None:
        return Fact(PACKAGES, NOT_REACHED, C.line(C.PM_LIST_VARIANTS[0]))
    state, detail = state_of(last[1], _has(_PKG_LINE))
    return Fact(PACKAGES, state, C.line(last[0]), detail)


def _probe_answer(argv: tuple[str, ...], out: RawOutput) -> bool:
    """An `ls PATH` or `which su` answer as the shell gives it: the path, or the shell's
    "absent" (exit 1, `No such file` / nothing)."""
    text, err = decode(out.stdout).strip(), decode(out.stderr)
    if argv[0] == "ls":
        return text == argv[1] or (out.exit_code not in (0, None) and "No such file" in err and not text)
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if not lines:
        return out.exit_code not in (0, None)
    return all(ln.strip().startswith("/") for ln in lines)


def _root_probes(raw: RawCapture) -> Fact:
    for argv in C.ROOT_PROBES:
        out = raw.get(C.line(argv))
        if out is None or out.error or out.truncated or find_refusal(out.stdout, out.stderr):
            state, detail = state_of(out)
            return Fact(ROOT_PROBES, state, C.line(argv), detail)
        if not _probe_answer(argv, out):
            head = decode(out.stdout[:120]).strip().split("\n", 1)[0]
            return Fact(ROOT_PROBES, UNRECOGNISED, C.line(argv),
                        f"begins {head!r}" if head else "the answer was empty")
    return Fact(ROOT_PROBES, READ, C.line(C.WHICH_SU))


def _sms(raw: RawCapture) -> Fact:
    attempts = list(raw.find("content query "))
    if not attempts:
        return Fact(SMS, NOT_REACHED, C.line(C.sms_query(C.SMS_COLUMNS)))
    last = attempts[-1]
    state, detail = state_of(last)
    text = decode(last.stdout)
    # `content query` prints "No result found." for no rows: nothing at all is no answer
    if state == READ and "Row:" not in text and "No result found" not in text:
        state, detail = UNRECOGNISED, "no `Row:` line" if text.strip() else "the answer was empty"
    return Fact(SMS, state, last.command, detail)


def build_ledger(raw: RawCapture) -> dict[str, Fact]:
    """Every fact's state in this capture, by key (see `KEYS`)."""
    facts: dict[str, Fact] = {"getprop": Fact("getprop", *_single(raw, "getprop"))}
    facts[PACKAGES] = _packages(raw)
    for key in KEYS:
        if key in facts or key in (ROOT_PROBES, SMS):
            continue
        facts[key] = Fact(key, *_single(raw, key))
    facts[ROOT_PROBES] = _root_probes(raw)
    facts[SMS] = _sms(raw)
    return {k: facts[k] for k in KEYS}


def _single(raw: RawCapture, key: str) -> tuple[str, str, str]:
    argv, recognise = SINGLE[key]
    state, detail = state_of(raw.get(C.line(argv)), recognise)
    return state, C.line(argv), detail


# -- the APK stage ---------------------------------------------------------------------
# The runner (`audit.apk_pipeline`) adds these facts to the snapshot's ledger once the
# APKs are hashed, looked up, pulled and inspected: one per command it sent for an APK,
# and one per package ("apk PKG"), the state `AuditInput.apk_states` carries.


def apk_key(package: str) -> str:
    """The ledger key of one package's APKs."""
    return f"apk {package}"


def hash_fact(path: str, state: str, detail: str = "") -> Fact:
    """The phone's `sha256sum PATH` for one APK."""
    return Fact(f"sha256sum {path}", state, quote_argv(("sha256sum", path)), detail)


def pull_fact(path: str, state: str, detail: str = "") -> Fact:
    """The copy of one APK (`adb pull PATH`, over the sync service)."""
    return Fact(f"pull {path}", state, quote_argv(("pull", path)), detail, via="adb")


#: the name the copy of an APK gets in the inspection's command (the phone's file name
#: is its to choose: it is never joined into a local path)
INSPECTED_COPY = "app.apk"


def inspect_fact(path: str, state: str, detail: str = "") -> Fact:
    """The inspection of one pulled APK: what would show it is the copy made again and
    inspected by hand, `adb pull PATH app.apk && phone-audit inspect app.apk` (the
    audit's own copy is deleted once inspected)."""
    return Fact(f"inspect {path}", state,
                f"{quote_argv(('pull', path, INSPECTED_COPY))} && phone-audit inspect {INSPECTED_COPY}",
                detail, via="adb")
