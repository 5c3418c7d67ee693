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

from adb.allowlist import APK_STAT_FORMAT, quote_argv
from adb.capture import RawCapture, RawOutput, decode
from adb.parsers import commands as C
from adb.parsers.netstats import looks_like_netstats
from adb.parsers.roles import parse_role_holders
from adb.parsers.usagestats import looks_like_usagestats
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
    "dumpsys netstats": (C.DUMPSYS_NETSTATS, looks_like_netstats),
    "dumpsys usagestats": (C.DUMPSYS_USAGESTATS, looks_like_usagestats),
}

PACKAGES = "pm list packages"
ROOT_PROBES = "root probes"
SMS = "sms"
#: every `appops get [--user N] PKG OP` the audit sent, as one fact
APPOPS = "appops"

# activity evidence (issue 15): no check's verdict stands on these, only the activity
# line of `checks.activity` (a refused netstats makes that line "activity unknown")
NETSTATS = "dumpsys netstats"
USAGESTATS = "dumpsys usagestats"
ROLES = "roles"
SMS_OPS = "appops SEND_SMS"
ACTIVITY_KEYS = (NETSTATS, USAGESTATS, ROLES, SMS_OPS)

#: every key the ledger has, in the order the audit reads them
KEYS: tuple[str, ...] = ("getprop", PACKAGES, "pm list packages -d", "pm list packages -s",
                         "dumpsys package", "settings global", "settings secure", "settings system",
                         "dumpsys account", "dumpsys device_policy", "dumpsys accessibility",
                         "getenforce", "id", ROOT_PROBES, SMS, APPOPS) + ACTIVITY_KEYS

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


def _roles(raw: RawCapture) -> Fact:
    """The role queries: the first that was not read decides (an Android without `cmd
    role get-role-holders` says unsupported)."""
    for argv in C.ROLE_QUERIES:
        out = raw.get(C.line(argv))
        # the shell prints at least a newline (nobody holds the role): nothing is no answer
        state, detail = state_of(out, lambda text: bool(text) and parse_role_holders(text) is not None)
        if state != READ:
            return Fact(ROLES, state, C.line(argv), detail)
    return Fact(ROLES, READ, C.line(C.ROLE_QUERIES[0]))


def sms_op_outputs(raw: RawCapture) -> list[RawOutput]:
    """The `appops get PKG SEND_SMS` outputs of this capture."""
    tail = " " + C.SEND_SMS_OP
    return [o for o in raw.find("appops get ") if o.command.endswith(tail)]


def sms_ops_fact(raw: RawCapture, wanted: "list[str] | None" = None) -> Fact:
    """The SEND_SMS op of each app that asks for SEND_SMS (`wanted`, the lines
    `commands.sms_ops_wanted` gives for the package dump; else those sent); none asked is
    nothing to read, one asked and never answered is not read."""
    example = C.line(C.appops_get("PACKAGE", C.SEND_SMS_OP))
    for line in wanted or ():
        state, detail = state_of(raw.get(line), _has(r"^\s*SEND_SMS:|No operations"))
        if state != READ:
            return Fact(SMS_OPS, state, line, detail)
    for out in sms_op_outputs(raw):
        state, detail = state_of(out, _has(r"^\s*SEND_SMS:|No operations"))
        if state != READ:
            return Fact(SMS_OPS, state, out.command, detail)
    if raw.get(C.line(C.ROLE_QUERIES[-1])) is None and not raw.complete:
        return Fact(SMS_OPS, NOT_REACHED, example)
    return Fact(SMS_OPS, READ, example)


#: an `appops get` answer: `OP: mode` lines (maybe `Uid mode:` first), or no op set
_APPOPS_ANSWER = _has(r"^\s*(Uid mode:\s*)?[A-Z][A-Z0-9_]*:\s*[a-z_=]+|^No operations\.")


def appops_fact(raw: RawCapture, wanted: "list[str] | None" = None) -> Fact:
    """Every app op answer the audit meant to ask for (`wanted`, the command lines
    `commands.appops_wanted` gives for the package dump; else those it sent): the first
    that was not read decides. None wanted is read when the audit got past that step."""
    if wanted is not None:
        for line in wanted:
            state, detail = state_of(raw.get(line), _APPOPS_ANSWER)
            if state != READ:
                return Fact(APPOPS, state, line, detail)
    # the SEND_SMS times are activity facts (SMS_OPS), not the app ops a check needs
    sent = [o for o in raw.find("appops get ") if not o.command.endswith(" " + C.SEND_SMS_OP)]
    for out in sent:
        state, detail = state_of(out, _APPOPS_ANSWER)
        if state != READ:
            return Fact(APPOPS, state, out.command, detail)
    # the step after it started: every app op the audit meant to ask about was answered
    if raw.complete or raw.get(C.line(C.settings_list(C.NAMESPACES[0]))) is not None:
        return Fact(APPOPS, READ, sent[0].command if sent else "appops get PACKAGE " + C.INSTALL_OP)
    return Fact(APPOPS, NOT_REACHED, "appops get PACKAGE " + C.INSTALL_OP)


def build_ledger(raw: RawCapture, dumped=None) -> dict[str, Fact]:
    """Every fact's state in this capture, by key (see `KEYS`). With `dumped`, the parsed
    package dump, the app-op facts are judged against the app ops the audit meant to ask
    for (`commands.appops_wanted`, `sms_ops_wanted`), so a missing answer is not read
    rather than "no app op"."""
    facts: dict[str, Fact] = {"getprop": Fact("getprop", *_single(raw, "getprop"))}
    facts.update(_phone_state_facts(raw))
    facts[PACKAGES] = _packages(raw)
    for key in KEYS:
        if key in facts or key in (ROOT_PROBES, SMS, ROLES, SMS_OPS, APPOPS):
            continue
        facts[key] = Fact(key, *_single(raw, key))
    facts[ROOT_PROBES] = _root_probes(raw)
    facts[SMS] = _sms(raw)
    facts[ROLES] = _roles(raw)
    sms_wanted = appops_wanted = None
    if dumped is not None:
        sms_wanted = [C.line(a) for a in C.sms_ops_wanted(dumped)]
        appops_wanted = [C.line(a) for a in C.appops_wanted(dumped)]
    facts[SMS_OPS] = sms_ops_fact(raw, sms_wanted)
    facts[APPOPS] = appops_fact(raw, appops_wanted)
    return {k: facts[k] for k in KEYS}


# -- phone state the forensic tools read (issue 15) ------------------------------------
PS = "ps"
ADB_KEYS = "dumpsys adb"
MOUNTS = "mounts"
LOCAL_TMP = "ls /data/local/tmp"
PHONE_STATE_KEYS: tuple[str, ...] = (PS, ADB_KEYS, MOUNTS, LOCAL_TMP)
KEYS = KEYS + PHONE_STATE_KEYS


def _ps(raw: RawCapture) -> Fact:
    """`ps -A -o ...` (toybox), else the bare `ps` collect fell back to (toolbox)."""
    from adb.parsers.processes import parse_ps

    new, old = raw.get(C.line(C.PS)), raw.get(C.line(C.PS_TOOLBOX))
    for argv, out, toolbox in ((C.PS, new, False), (C.PS_TOOLBOX, old, True)):
        if out is not None and state_of(out)[0] == READ and parse_ps(out.stdout, toolbox):
            return Fact(PS, READ, C.line(argv))
    argv, out = (C.PS_TOOLBOX, old) if old is not None else (C.PS, new)
    state, detail = state_of(out, lambda text: bool(parse_ps(text, argv == C.PS_TOOLBOX)))
    return Fact(PS, state, C.line(argv), detail)


def _adb_keys(raw: RawCapture) -> Fact:
    """`dumpsys adb`: Android 9 and older have no adb service (`Can't find service`)."""
    from adb.parsers.adb_keys import parse_dumpsys_adb

    def usable(text: str) -> bool:
        dump = parse_dumpsys_adb(text)
        return dump is not None and dump.readable

    state, detail = state_of(raw.get(C.line(C.DUMPSYS_ADB)), usable)
    if state == REFUSED and detail.startswith("Can't find service"):
        state = UNSUPPORTED
    return Fact(ADB_KEYS, state, C.line(C.DUMPSYS_ADB), detail)


def _phone_state_facts(raw: RawCapture) -> dict[str, Fact]:
    """The facts of issue 15; an answer its parser does not recognise is `unrecognised`
    (an empty listing or mount table is never "nothing there")."""
    from adb.parsers.ls_long import parse_ls_long
    from adb.parsers.mounts import parse_mounts

    mounts = Fact(MOUNTS, *_state_line(raw, C.CAT_MOUNTS, lambda t: parse_mounts(t) is not None))
    tmp = Fact(LOCAL_TMP, *_state_line(raw, C.LS_LOCAL_TMP, lambda t: parse_ls_long(t) is not None))
    return {PS: _ps(raw), ADB_KEYS: _adb_keys(raw), MOUNTS: mounts, LOCAL_TMP: tmp}


def _state_line(raw: RawCapture, argv: tuple[str, ...], recognise: Callable[[str], bool]) -> tuple[str, str, str]:
    state, detail = state_of(raw.get(C.line(argv)), recognise)
    return state, C.line(argv), detail


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


def stat_fact(path: str, state: str, detail: str = "") -> Fact:
    """The phone's `stat -c FORMAT PATH` for one APK (inode, size, mtime): with the build
    fingerprint, it says whether a SHA-256 verified by an earlier audit still holds."""
    return Fact(f"stat {path}", state, quote_argv(("stat", "-c", APK_STAT_FORMAT, path)), detail)


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
