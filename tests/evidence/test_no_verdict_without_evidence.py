"""Property: no check passes (or says N/A) on a fact the audit could not read.

Each built-in phone and the hostile phones whose capture means something (the trick
phones of tests/hostile/profiles.py, escapes, non-UTF-8, shell-meta) are read once, in process
(`tests.evidence.replay`); then, for every command the audit sent that stands for a
ledger fact, the capture is replayed with that one answer refused (every text of
`adb.refusals.TABLE`, on stdout, on stderr, and appended after a partial answer),
missing, timed out, truncated, empty and garbage. No check that declares the fact in
`META.needs` may then say PASS or N/A. With nothing changed, every fact is read, so the
framework leaves every verdict as the check gave it. The same for an audit cut after
every output (cancelled or disconnected), and for APKs never read.
"""

from __future__ import annotations

import pytest

from adb import ledger
from adb.capture import RawCapture
from adb.parsers.build_snapshot import build_snapshot
from adb.refusals import TABLE
from checks import knowledge
from model.findings import Status
from checks.registry import CHECKS, evaluate_all
from tests.evidence.replay import capture, verdicts, with_output

PROFILES = ("pixel-clean", "huawei-p40", "oneplus-8t", "xiaomi-mi10t")
SOFT = (Status.PASS, Status.NOT_APPLICABLE)
GARBAGE = b"\x00\xffLorem ipsum dolor\nsit amet \x1b[2J\n"


@pytest.fixture(autouse=True)
def _parse_each_dump_once(monkeypatch):
    """`dumpsys package` and the package list are the same bytes in most replays: parse each text once (the
    real parser, memoised), so thousands of replays take seconds."""
    import functools

    import adb.parsers.build_snapshot as parsers

    for name in ("parse_dumpsys_package", "parse_pm_list"):
        monkeypatch.setattr(parsers, name, functools.lru_cache(maxsize=64)(getattr(parsers, name)))


@pytest.fixture(scope="module")
def kb():
    return knowledge.load()


@pytest.fixture(scope="module")
def captures() -> dict[str, RawCapture]:
    return {p: capture(p) for p in PROFILES}


def _needing(key: str) -> list[str]:
    return [m.META.id for m in CHECKS if key in m.META.needs]


def _fact_commands(raw: RawCapture) -> dict[str, str]:
    """command line -> ledger key, for the commands this capture sent."""
    facts = build_snapshot(raw).facts
    out = {f.command: k for k, f in facts.items() if k not in (ledger.ROOT_PROBES, ledger.SMS)}
    from adb.parsers import commands as C
    for argv in C.ROOT_PROBES:
        out[C.line(argv)] = ledger.ROOT_PROBES
    for o in raw.find("content query "):
        out[o.command] = ledger.SMS
    return {c: k for c, k in out.items() if raw.get(c) is not None}


def _mutations(original: bytes, turn: int):
    """Every refusal text on stdout; on stderr and after a partial answer one text per
    command in turn (every text is used across the commands), to keep the run short."""
    for t in TABLE:
        yield f"refused on stdout: {t.pattern}", dict(stdout=t.example.encode() + b"\n", exit_code=0)
    for where, t in (("stderr", TABLE[turn % len(TABLE)]), ("mid", TABLE[(turn + 5) % len(TABLE)])):
        ex = t.example.encode()
        if where == "stderr":
            yield f"refused on stderr: {t.pattern}", dict(stderr=ex + b"\n")
        else:
            yield f"refused mid-answer: {t.pattern}", dict(
                stdout=original[: len(original) // 2] + b"\n" + ex + b"\n")
    yield "missing", dict(drop=True)
    yield "timed out", dict(error="timed out after 30 s", stdout=original[:100])
    yield "truncated", dict(truncated=True, stdout=original[: max(1, len(original) // 2)])
    yield "empty", dict(stdout=b"", stderr=b"", exit_code=0)
    yield "garbage", dict(stdout=GARBAGE, stderr=b"", exit_code=0)


def test_every_fact_is_read_on_the_builtin_phones(captures):
    for name, raw in captures.items():
        unread = {k: f.state for k, f in build_snapshot(raw).facts.items() if not f.read}
        assert unread == {}, name


def test_nothing_removed_changes_no_verdict(captures, kb):
    """Enforcement is a no-op when every fact was read: same as the checks' own verdicts."""
    from model.audit_input import AuditInput
    for name, raw in captures.items():
        inp = AuditInput(build_snapshot(raw), {}, kb)
        own = {m.META.id: m.evaluate(inp).status for m in CHECKS}
        assert {f.check: f.status for f in evaluate_all(inp)} == own, name


def test_every_need_is_a_ledger_key():
    for m in CHECKS:
        assert set(m.META.needs) <= set(ledger.KEYS), m.META.id
        assert m.META.apk_scope in ("none", "third-party", "all"), m.META.id


#: about 45 s a phone on a loaded machine: two phones, a clean one and one with findings,
#: get every refusal text on every command
SPOILED_PROFILES = ("pixel-clean", "oneplus-8t")
#: the other built-in phones and the hostile phones whose capture means something (the
#: trick phones of tests/hostile/profiles.py, and escapes / non-UTF-8 / shell-meta) get
#: one refusal text per command in turn (every text is used across the commands), and
#: every other kind of spoiling: about 10 s a phone
LIGHT_PROFILES = ("huawei-p40", "xiaomi-mi10t")
#: the phone-state facts of issue 15 (ps, dumpsys adb, /proc/mounts, /data/local/tmp) are
#: rendered alike for every simulated phone: spoiled on this one only
PHONE_STATE_SPOILED = "pixel-clean"
HOSTILE_REPLAYED = ("escapes", "non-utf8", "shell-meta", "claimed-store", "boot-disagree", "future-patch",
                    "adb-port-suffix", "adb-listen-addrs", "work-profile", "shared-uid", "android5", "android7")


@pytest.fixture(scope="module")
def hostile_captures(tmp_path_factory) -> dict[str, RawCapture]:
    from tests.hostile import profiles as P

    root = tmp_path_factory.mktemp("replayed-hostile")
    builders = {b.__name__.replace("_", "-"): b for b in P.BUILDERS + P.TRICK_BUILDERS}
    return {name: capture(str(builders[name](root).folder)) for name in HOSTILE_REPLAYED}


def _light(mutations, turn: int):
    """Of `_mutations`, one refusal text on stdout (in turn) and everything else."""
    for label, change in mutations:
        if label.startswith("refused on stdout: ") and label != f"refused on stdout: {TABLE[turn % len(TABLE)].pattern}":
            continue
        yield label, change


@pytest.mark.parametrize("profile", SPOILED_PROFILES + LIGHT_PROFILES)
def test_one_answer_spoiled_never_passes(profile, captures, kb):
    light = profile in LIGHT_PROFILES
    _spoil_each_answer(profile, captures[profile], kb, light=light, minimum=100 if light else 200)


@pytest.mark.parametrize("profile", HOSTILE_REPLAYED)
def test_one_answer_spoiled_on_a_hostile_phone(profile, hostile_captures, kb):
    """The same on hostile phones, for every fact their own answers let the audit read (a
    fact the phone already refuses is not spoiled further): no PASS or N/A on it."""
    _spoil_each_answer(profile, hostile_captures[profile], kb, light=True, minimum=50)


def _spoil_each_answer(profile, raw, kb, light: bool, minimum: int = 200):
    cases = 0
    already = {k for k, f in build_snapshot(raw).facts.items() if not f.read}
    for turn, (command, key) in enumerate(_fact_commands(raw).items()):
        if key in already:
            continue
        if key in ledger.PHONE_STATE_KEYS and profile != PHONE_STATE_SPOILED:
            continue  # the same answers on every phone: spoiled on one, the test time is at its budget
        needing = _needing(key)
        original = raw.get(command).stdout
        mutations = _mutations(original, turn)
        for label, change in (_light(mutations, turn) if light else mutations):
            spoiled = with_output(raw, command, **change)
            if not needing:
                # no verdict stands on it (the activity facts): the ledger alone must say
                # it was not read, which `checks.activity` turns into "activity unknown"
                assert not ledger.build_ledger(spoiled)[key].read, (profile, command, label)
                cases += 1
                continue
            snap = build_snapshot(spoiled)
            fact = snap.facts[key]
            if key == "pm list packages -d" and label == "empty":
                continue  # an empty list of disabled packages is a real answer
            assert not fact.read, (profile, command, label)
            got = verdicts(snap, kb)
            for check in needing:
                f = got[check]
                assert f.status not in SOFT, (profile, command, label, check, f.summary)
                if f.status == Status.INCONCLUSIVE:
                    assert any(m["fact"] == key for m in f.missing), (profile, command, label, check)
            cases += 1
    assert cases > minimum, (profile, cases)


@pytest.mark.parametrize("profile", PROFILES)
def test_audit_stopped_after_every_output(profile, captures, kb):
    """Cancelled or disconnected after k outputs: the rest is not reached."""
    raw = captures[profile]
    for k in range(len(raw.outputs)):
        cut = RawCapture(adb_serial=raw.adb_serial, started_at=raw.started_at,
                         outputs=raw.outputs[:k], complete=False, problems=())
        if not any(not f.read and _needing(key) for key, f in ledger.build_ledger(cut).items()):
            continue  # every fact a check needs was read (only activity facts are cut): nothing to assert
        snap = build_snapshot(cut)
        facts = snap.facts
        got = verdicts(snap, kb)
        for key, fact in facts.items():
            if fact.read:
                continue
            for check in _needing(key):
                assert got[check].status not in SOFT, (profile, k, key, check)


@pytest.mark.parametrize("profile", PROFILES)
def test_apks_never_read_make_apk_checks_inconclusive(profile, captures, kb):
    raw = captures[profile]
    snap = build_snapshot(raw)
    states = {p.name: "not_reached" for p in snap.packages}
    got = verdicts(raw, kb, apk_states=states)
    for m in CHECKS:
        if m.META.apk_scope != "none":
            assert got[m.META.id].status not in SOFT, (profile, m.META.id)
            assert any(x["fact"].startswith("apk ") for x in got[m.META.id].missing)


@pytest.mark.parametrize("profile", HOSTILE_REPLAYED)
def test_hostile_phone_stopped_after_every_output(profile, hostile_captures, kb):
    """A hostile phone cut after k outputs: no PASS or N/A on what was never reached; and
    with nothing cut, every check whose facts were all read keeps its own verdict."""
    from model.audit_input import AuditInput

    raw = hostile_captures[profile]
    snap = build_snapshot(raw)
    inp = AuditInput(snap, {}, kb)
    enforced = {f.check: f.status for f in evaluate_all(inp)}
    for m in CHECKS:
        if all(snap.facts[k].read for k in m.META.needs):
            assert enforced[m.META.id] == m.evaluate(inp).status, (profile, m.META.id)
    for k in range(0, len(raw.outputs), 3):
        cut = RawCapture(adb_serial=raw.adb_serial, started_at=raw.started_at,
                         outputs=raw.outputs[:k], complete=False, problems=())
        cut_snap = build_snapshot(cut)
        got = verdicts(cut_snap, kb)
        for key, fact in cut_snap.facts.items():
            if not fact.read:
                for check in _needing(key):
                    assert got[check].status not in SOFT, (profile, k, key, check)
