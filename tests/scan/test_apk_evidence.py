"""The APK stage gives evidence, not trust: every APK the audit means to inspect has a
ledger state, a check whose APKs were not all read cannot pass, `complete` means every
fact every check needs was read, and a phone that lies in `sha256sum` gets its bad app
judged on the app's own bytes.

All through the real adb server, the simulator over TCP, real androguard and SQLite
(`audit.runner.run_audit`, the API the app and `phone-audit scan` use).
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import threading
from pathlib import Path

import pytest

from audit.reports.json_report import build_report, validate_report
from audit.runner import run_audit
from checks.registry import CHECKS
from model.findings import Status
from simulator.profile import builtin_profiles_dir
from store import Store
from tests.hostile import profiles as hostile

pytestmark = pytest.mark.adb

SOFT = (Status.PASS, Status.NOT_APPLICABLE)
APK_CHECKS = [m.META for m in CHECKS if m.META.apk_scope != "none"]
TENCENT = "ncsc.tencent-statistics"


def audit(phone, db: Path, **kwargs):
    async def go():
        store = await Store.open(db)
        try:
            return await run_audit(serial=phone.serial, store=store, **kwargs)
        finally:
            await store.close()

    return asyncio.run(go())


def by_check(result) -> dict:
    return {f.check: f for f in result.findings}


def apk_states(result) -> dict[str, str]:
    return {k.removeprefix("apk "): f.state for k, f in result.snapshot.facts.items() if k.startswith("apk ")}


def slow_copy(tmp_path: Path, name: str, bandwidth: int) -> Path:
    """A built-in profile whose pulls run at `bandwidth` bytes a second."""
    dest = tmp_path / f"{name}-slow"
    shutil.copytree(builtin_profiles_dir() / name, dest)
    toml = dest / "profile.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + f"\n[faults]\nbandwidth_bytes_per_s = {bandwidth}\n",
                    encoding="utf-8")
    return dest


# ------------------------------------------------------------------ complete, both ways


def test_a_clean_phone_read_in_full_is_complete_with_every_apk_in_the_ledger(sim_phone, tmp_path, monkeypatch):
    from audit import live

    monkeypatch.setattr(live, "INTERVAL", 0.01)  # provisional APK verdicts every 10 ms
    phone = sim_phone("pixel-clean")
    events = []
    result = audit(phone, tmp_path / "h.sqlite3", progress=events.append)
    assert result.complete and result.exit_code == 0
    # the first verdicts (issue 20): every check that needs no APK, judged before any
    # APK is hashed or pulled, with the verdicts the final findings then give
    stages = [e.stage for e in events]
    assert stages.count("verdicts") == 1 and stages.index("verdicts") < stages.index("hash") < stages.index("pull")
    early = {f.check: f for f in events[stages.index("verdicts")].findings}
    assert set(early) == {m.META.id for m in CHECKS if m.META.apk_scope == "none"}
    final = by_check(result)
    assert {c: (f.status, f.missing) for c, f in early.items()} == {c: (final[c].status, final[c].missing) for c in early}
    # the APK checks fill in live (issue 20): judged again while the APKs are inspected,
    # never a PASS while APKs remain; on this clean phone none fails, so each says
    # "checking", its count of APKs settled growing
    live_at = [i for i, s in enumerate(stages) if s == "apk-verdicts"]
    inspected = [i for i, s in enumerate(stages) if s == "inspect"]
    assert stages.index("verdicts") < live_at[0] < inspected[0] and live_at[-1] < stages.index("evaluate")
    assert len([i for i in live_at if inspected[0] < i]) >= 2
    apk_checks = [m.id for m in APK_CHECKS]
    counts = []
    for i in live_at:
        ev = events[i]
        assert [p.check for p in ev.provisional] == apk_checks
        assert {(p.state, p.finding) for p in ev.provisional} == {("checking", None)}
        assert all(0 <= p.done <= p.total for p in ev.provisional)
        counts.append(ev.done)
    assert counts[0] == 0 and counts == sorted(counts) and len(set(counts)) >= 2
    assert events[live_at[0]].total == len({path for p in result.snapshot.packages for path in p.apk_paths})
    # then the real verdicts, which do pass: the provisional ones held back a PASS
    assert Status.PASS in {final[m].status for m in apk_checks} <= set(SOFT)
    facts = result.snapshot.facts
    assert {k: f.state for k, f in facts.items() if not f.read} == {}
    with_apks = {p.name for p in result.snapshot.packages if p.apk_paths}
    assert set(apk_states(result)) == with_apks and set(apk_states(result).values()) == {"read"}
    # one `sha256sum` fact per APK path, one `pull` fact per APK copied (a fresh cache)
    paths = {path for p in result.snapshot.packages for path in p.apk_paths}
    assert {k.removeprefix("sha256sum ") for k in facts if k.startswith("sha256sum ")} == paths
    pulls = [f for k, f in facts.items() if k.startswith("pull ")]
    assert len(pulls) == result.apks_pulled > 0
    assert all(f.to_dict()["command"].startswith("adb pull ") for f in pulls)
    report = build_report(result)
    validate_report(report)
    assert report["complete"] is True


def test_a_refused_fact_makes_a_finished_audit_incomplete(sim_phone, tmp_path):
    refusal = ("Permission Denial: can't dump device_policy from from pid=1234, uid=2000 "
               "due to missing android.permission.DUMP permission\n")
    plain = hostile.write_profile(tmp_path / "plain", description="an ordinary phone")
    refusing = hostile.write_profile(tmp_path / "refusing", description="refuses dumpsys device_policy",
                                     commands={"dumpsys device_policy": {"stdout": refusal}})
    ok = audit(sim_phone(plain), tmp_path / "a.sqlite3")
    assert ok.complete, ok.problems
    got = audit(sim_phone(refusing), tmp_path / "b.sqlite3")
    assert got.snapshot.complete  # every command was sent and answered...
    assert got.snapshot.facts["dumpsys device_policy"].state == "refused"
    assert not got.complete and got.exit_code == 3  # ...but one fact was not read
    assert by_check(got)["apps.device-admin"].status is Status.INCONCLUSIVE
    assert any("facts the checks need were not read: dumpsys device_policy" in p.reason for p in got.problems)
    report = build_report(got)
    validate_report(report)
    assert report["complete"] is False and report["status"] == "incomplete"


def test_an_apk_that_cannot_be_inspected_makes_the_audit_incomplete(sim_phone, tmp_path):
    folder = tmp_path / "broken"
    pkgs = hostile.base_packages() + [{
        "name": "com.broken.random", "path": "/data/app/com.broken.random-1/base.apk",
        "apk": {"file": hostile._apk_file(folder, "random.apk", bytes(range(256)) * 64)}}]
    hostile.write_profile(folder, description="one APK of random bytes", packages=pkgs)
    got = audit(sim_phone(folder), tmp_path / "h.sqlite3")
    assert apk_states(got)["com.broken.random"] == "not_inspected"
    assert apk_states(got)["com.android.settings"] == "read"
    assert not got.complete and got.exit_code == 3
    # the missing fact names the inspection that failed, by the command that would show
    # it (the phone's sha256sum of the file was read: it is not what is missing)
    row = {"fact": "apk com.broken.random", "state": "not_inspected",
           "command": "adb pull /data/app/com.broken.random-1/base.apk app.apk && phone-audit inspect app.apk"}
    for meta in APK_CHECKS:  # a third-party app: in the scope of every APK check
        f = by_check(got)[meta.id]
        assert f.status not in SOFT, meta.id
        mine = [m for m in f.missing if m["fact"] == "apk com.broken.random"]
        assert len(mine) == 1 and {k: mine[0][k] for k in row} == row, (meta.id, mine)
        assert mine[0]["detail"].startswith("could not inspect"), mine


# ------------------------------------------------------------------ cancelled mid-way


@pytest.mark.parametrize("point", ["hash", "pull", "inspect"])
def test_an_audit_cancelled_in_the_apk_stage_keeps_no_apk_verdict(sim_phone, tmp_path, point):
    phone = sim_phone(slow_copy(tmp_path, "pixel-clean", 400_000))
    cancel = threading.Event()
    seen: list[str] = []

    def progress(event) -> None:
        seen.append(event.stage)
        if event.stage == point:
            cancel.set()

    result = audit(phone, tmp_path / "h.sqlite3", cancel=cancel, progress=progress)
    assert point in seen
    assert result.cancelled and not result.complete and result.exit_code == 3
    states = apk_states(result)
    system = {p.name for p in result.snapshot.packages if p.system}
    unread = {pkg for pkg, s in states.items() if s != "read"}
    assert unread, "the cancel must leave APKs unread"
    assert {states[p] for p in unread} <= {"not_reached"}
    findings = by_check(result)
    for meta in APK_CHECKS:
        in_scope = unread if meta.apk_scope == "all" else unread - system
        if in_scope:
            assert findings[meta.id].status not in SOFT, (point, meta.id, findings[meta.id].summary)
            # every unread app is named, up to the cap of 100 rows, and the rest counted
            f = findings[meta.id]
            named = {m["fact"] for m in f.missing if m["fact"].startswith("apk ")}
            expected = {f"apk {p}" for p in in_scope}
            assert named <= expected, (point, meta.id)
            assert len(named) == min(len(expected), 100), (point, meta.id, len(named))
            assert len(f.missing) + f.missing_cut >= len(expected), (point, meta.id)
    if point == "hash":  # nothing was read at all
        assert set(states.values()) == {"not_reached"}
        assert all(findings[m.id].status not in SOFT for m in APK_CHECKS)


# ------------------------------------------------------------------ a lying sha256sum


def test_a_bad_app_given_a_cached_clean_digest_is_judged_on_its_own_bytes(sim_phone, tmp_path):
    db = tmp_path / "h.sqlite3"
    honest = hostile.honest_vendor(tmp_path)
    liar = hostile.lying_sha256(tmp_path)
    claimed = hostile.clean_apk_sha256()
    first = audit(sim_phone(honest.folder), db)
    assert first.apk_hashes[hostile.CLEAN_PATH] == claimed
    assert by_check(first)[TENCENT].status is Status.PASS  # the clean app is clean

    got = audit(sim_phone(liar.folder), db)
    bad_bytes = (liar.folder / "apks" / f"{hostile.BAD_APP}.apk").read_bytes()
    assert got.apk_hashes[hostile.BAD_PATH] == hashlib.sha256(bad_bytes).hexdigest() != claimed
    reports = got.apks[hostile.BAD_APP].reports
    assert [r.package for r in reports] == [hostile.BAD_APP]
    verdict = by_check(got)[TENCENT]
    assert verdict.status is Status.FAIL and hostile.BAD_APP in verdict.subjects
    assert got.apks_pulled == 1 and got.apks_from_cache == 0
    lie = [p.reason for p in got.problems if hostile.BAD_PATH in p.command]
    assert any(f"SHA-256 of a cached APK of {hostile.CLEAN_APP}" in r for r in lie), got.problems
    assert any(f"the copy has SHA-256 {hashlib.sha256(bad_bytes).hexdigest()}" in r for r in lie)
    report = build_report(got)
    validate_report(report)
    assert any(hostile.BAD_PATH in p["command"] for p in report["problems"])


def test_a_bad_app_given_the_digest_of_another_app_on_the_phone_is_judged_on_its_own_bytes(sim_phone, tmp_path):
    liar = hostile.lying_sha256(tmp_path, with_clean=True)
    got = audit(sim_phone(liar.folder), tmp_path / "h.sqlite3")
    assert [r.package for r in got.apks[hostile.CLEAN_APP].reports] == [hostile.CLEAN_APP]
    assert [r.package for r in got.apks[hostile.BAD_APP].reports] == [hostile.BAD_APP]
    verdict = by_check(got)[TENCENT]
    assert verdict.status is Status.FAIL and list(verdict.subjects) == [hostile.BAD_APP]
    assert any(f"the SHA-256 of the APK of {hostile.CLEAN_APP}" in p.reason for p in got.problems)
    validate_report(build_report(got))
