"""Property: no check passes (or says N/A) on a fact the audit could not read.

Every built-in phone and every hostile phone of tests/hostile/profiles.py is read once,
in process (`tests.evidence.replay`). Then, for every command the audit sent, the
capture is replayed with that one answer refused (every text of `adb.refusals.TABLE`
on stdout; on stderr and after a partial answer one text per command in turn, so every
text is tried there too across the commands), missing, timed out, truncated, empty and
garbage. Three things must hold in every replay:

1. the ledger fact the command stands for is not `read`;
2. no check that looks at that fact says PASS or N/A. Which checks look at which fact is
   written here by hand (`LOOKS_AT`, from what each check reads), not taken from the
   checks' own `META.needs`, so a check that forgets a need fails this test;
3. a check whose own verdict (before the framework's rule) changes because of the
   spoiled answer is not PASS or N/A after the rule: it looked at the answer, so it
   must not pass on it.

With nothing changed every fact is read and every verdict is the check's own. The same
for an audit cut after every output (cancelled or disconnected), and for APKs never
read. Every parser is memoised on its input (`parse_each_output_once`), so only the
spoiled output is parsed again in a replay.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adb import ledger
from adb.capture import RawCapture
from adb.parsers import commands as C
from adb.parsers.build_snapshot import build_snapshot
from adb.refusals import TABLE
from checks import knowledge
from checks.needs import enforce
from checks.registry import CHECKS, evaluate_all
from model.audit_input import AuditInput
from model.findings import Status
from tests.evidence.replay import capture, hostile_builders, hostile_phones, parse_each_output_once, verdicts, with_output

SOFT = (Status.PASS, Status.NOT_APPLICABLE)
GARBAGE = b"\x00\xffLorem ipsum dolor\nsit amet \x1b[2J\n"
BUILTIN = tuple(sorted(p.name for p in (Path(__file__).parents[2] / "simulator" / "profiles").iterdir()
                       if (p / "profile.toml").is_file()))
HOSTILE = tuple(sorted(hostile_builders()))
PROFILES = BUILTIN + HOSTILE

#: fact -> the checks whose verdict stands on it, written by hand from what each check
#: reads (its `looks_at` and its code); a lower bound, independent of `META.needs`
LOOKS_AT: dict[str, tuple[str, ...]] = {
    "getprop": ("os.security-patch", "os.verified-boot", "os.encryption", "os.adb-network", "os.root"),
    ledger.PACKAGES: ("apps.sideloaded", "apps.stalkerware", "apps.trackers", "apps.sms-access",
                      "apps.unknown-sources", "os.root", "os.system-updates", "os.app-verification",
                      "ncsc.appgallery-redirect", "ncsc.cloud-sms-registration"),
    "dumpsys package": ("apps.sms-access", "apps.sideloaded", "apps.unknown-sources",
                        "ncsc.cloud-sms-registration"),
    "pm list packages -d": ("os.system-updates",),
    "settings global": ("os.app-verification", "os.adb-network"),
    "settings secure": ("apps.accessibility", "apps.notification-listeners", "apps.sms-access"),
    "dumpsys account": ("ncsc.cloud-sms-registration",),
    "dumpsys device_policy": ("apps.device-admin",),
    "getenforce": ("os.selinux",),
    "id": ("os.root",),
    ledger.ROOT_PROBES: ("os.root",),
    ledger.SMS: ("ncsc.cloud-sms-registration",),
    ledger.APPOPS: ("apps.unknown-sources",),
    # phone state (issue 15): `dumpsys adb` is not a declared need (an Android 9 phone has
    # no adb service), but on a phone that says Android 10+ the check stands on it
    ledger.ADB_KEYS: ("os.adb-trusted-computers",),
    ledger.MOUNTS: ("os.system-mounts",),
    ledger.LOCAL_TMP: ("os.data-local-tmp",),
}


@pytest.fixture(scope="module", autouse=True)
def _parse_each_output_once():
    with pytest.MonkeyPatch.context() as mp:
        parse_each_output_once(mp)
        yield


@pytest.fixture(scope="module")
def kb():
    return knowledge.load()


@pytest.fixture(scope="module")
def phones(tmp_path_factory) -> dict[str, RawCapture]:
    folders = {p: p for p in BUILTIN} | hostile_phones(tmp_path_factory.mktemp("replayed-hostile"))
    return {name: capture(folder) for name, folder in folders.items()}


def _needing(key: str) -> set[str]:
    return set(LOOKS_AT.get(key, ())) | {m.META.id for m in CHECKS if key in m.META.needs}


def _fact_commands(raw: RawCapture) -> dict[str, str]:
    """command line -> ledger key, for the commands this capture sent."""
    facts = build_snapshot(raw).facts
    several = (ledger.ROOT_PROBES, ledger.SMS, ledger.APPOPS, ledger.ROLES, ledger.SMS_OPS)
    out = {f.command: k for k, f in facts.items() if k not in several}
    for argv in C.ROOT_PROBES:
        out[C.line(argv)] = ledger.ROOT_PROBES
    for o in raw.find("content query "):
        out[o.command] = ledger.SMS
    for o in raw.find("appops get "):
        out[o.command] = ledger.SMS_OPS if o.command.endswith(" " + C.SEND_SMS_OP) else ledger.APPOPS
    for argv in C.ROLE_QUERIES:
        out[C.line(argv)] = ledger.ROLES
    return {c: k for c, k in out.items() if raw.get(c) is not None}


def _mutations(original: bytes, turn: int):
    """Every refusal text on stdout; on stderr and after a partial answer one text per
    command in turn (every text is used across the commands)."""
    for t in TABLE:
        yield f"refused on stdout: {t.pattern}", dict(stdout=t.example.encode() + b"\n", exit_code=0)
    err, mid = TABLE[turn % len(TABLE)], TABLE[(turn + 5) % len(TABLE)]
    yield f"refused on stderr: {err.pattern}", dict(stderr=err.example.encode() + b"\n")
    yield f"refused mid-answer: {mid.pattern}", dict(
        stdout=original[: len(original) // 2] + b"\n" + mid.example.encode() + b"\n")
    yield "missing", dict(drop=True)
    yield "timed out", dict(error="timed out after 30 s", stdout=original[:100])
    yield "truncated", dict(truncated=True, stdout=original[: max(1, len(original) // 2)])
    yield "empty", dict(stdout=b"", stderr=b"", exit_code=0)
    yield "garbage", dict(stdout=GARBAGE, stderr=b"", exit_code=0)


def _judge(inp: AuditInput):
    """check id -> (its own finding, the finding after the rule), as `registry.run_one`
    gives it (an exception in a check is inconclusive)."""
    out = {}
    for m in CHECKS:
        try:
            own = m.evaluate(inp)
        except Exception:  # noqa: BLE001 - run_one makes it inconclusive; so does this
            out[m.META.id] = (None, None)
            continue
        out[m.META.id] = (own, enforce(m.META, own, inp))
    return out


def test_every_fact_is_read_on_the_builtin_phones(phones):
    for name in BUILTIN:
        unread = {k: f.state for k, f in build_snapshot(phones[name]).facts.items() if not f.read}
        assert unread == {}, name


@pytest.mark.parametrize("profile", PROFILES)
def test_nothing_removed_changes_no_verdict(profile, phones, kb):
    """Enforcement changes nothing when every fact a check needs was read."""
    snap = build_snapshot(phones[profile])
    inp = AuditInput(snap, {}, kb)
    enforced = {f.check: f.status for f in evaluate_all(inp)}
    for m in CHECKS:
        if all(snap.facts[k].read for k in m.META.needs):
            assert enforced[m.META.id] == m.evaluate(inp).status, (profile, m.META.id)


def test_every_need_is_a_ledger_key():
    for m in CHECKS:
        assert set(m.META.needs) <= set(ledger.KEYS), m.META.id
        assert m.META.apk_scope in ("none", "third-party", "all"), m.META.id
    assert set(LOOKS_AT) <= set(ledger.KEYS)


@pytest.mark.parametrize("profile", PROFILES)
def test_one_answer_spoiled_never_passes(profile, phones, kb):
    raw = phones[profile]
    base = build_snapshot(raw)
    own_base = {k: (o.status, o.summary) if o else None for k, (o, _) in _judge(AuditInput(base, {}, kb)).items()}
    already = {k for k, f in base.facts.items() if not f.read}
    keys = _fact_commands(raw)
    cases = 0
    for turn, command in enumerate(dict.fromkeys(o.command for o in raw.outputs)):
        key = keys.get(command)
        if key in already:
            continue  # a fact the phone already refuses is not spoiled further
        original = raw.get(command).stdout
        for label, change in _mutations(original, turn):
            spoiled = with_output(raw, command, **change)
            if key is not None and not _needing(key):
                # an activity fact (issue 15): no verdict stands on it, so the ledger alone
                # must say it was not read (`checks.activity` then says "activity unknown")
                assert not build_snapshot(spoiled).facts[key].read, (profile, command, label)
                cases += 1
                continue
            snap = build_snapshot(spoiled)
            where = (profile, command, label)
            if key is not None and not (key == "pm list packages -d" and label == "empty"):
                # (an empty list of disabled packages is a real answer)
                assert not snap.facts[key].read, where
                needing = _needing(key)
            else:
                needing = set()
            for check, (own, ruled) in _judge(AuditInput(snap, {}, kb)).items():
                if ruled is None:
                    continue
                looked = own_base[check] != (own.status, own.summary)
                if check in needing or looked:
                    assert ruled.status not in SOFT, (*where, check, "looked" if looked else "needs", ruled.summary)
                if check in needing and ruled.status == Status.INCONCLUSIVE and own.status != Status.INCONCLUSIVE:
                    assert any(m["fact"] == key for m in ruled.missing), (*where, check)
            cases += 1
    assert cases >= 19 * 10, (profile, cases)


@pytest.mark.parametrize("profile", PROFILES)
def test_audit_stopped_after_every_output(profile, phones, kb):
    """Cancelled or disconnected after k outputs: the rest is not reached, and no check
    that needs what was not reached passes."""
    raw = phones[profile]
    # a fact the whole audit could not read either (android5 has no adb service) is judged
    # by the one-answer test; here only what the cut made unread
    unread_anyway = {key for key, f in build_snapshot(raw).facts.items() if not f.read}
    for k in range(len(raw.outputs)):
        cut = RawCapture(adb_serial=raw.adb_serial, started_at=raw.started_at,
                         outputs=raw.outputs[:k], complete=False, problems=())
        snap = build_snapshot(cut)
        if all(f.read or not _needing(key) or key in unread_anyway for key, f in snap.facts.items()):
            continue  # only activity facts are cut: no check to judge (the ledger test covers them)
        got = verdicts(snap, kb)
        for key, fact in snap.facts.items():
            if fact.read or key in unread_anyway:
                continue
            for check in _needing(key):
                assert got[check].status not in SOFT, (profile, k, key, check)


@pytest.mark.parametrize("profile", BUILTIN)
def test_apks_never_read_make_apk_checks_inconclusive(profile, phones, kb):
    raw = phones[profile]
    snap = build_snapshot(raw)
    states = {p.name: "not_reached" for p in snap.packages}
    got = verdicts(raw, kb, apk_states=states)
    for m in CHECKS:
        if m.META.apk_scope != "none":
            assert got[m.META.id].status not in SOFT, (profile, m.META.id)
            assert any(x["fact"].startswith("apk ") for x in got[m.META.id].missing)
