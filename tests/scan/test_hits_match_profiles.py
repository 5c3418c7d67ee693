"""The tracker and indicator hits of a whole audit are exactly what the profile put there.

Each built-in phone is audited through the real adb server and simulator: its APKs are
pulled, their DEX read by our reader, matched against the knowledge base. The expected
hits are computed here independently, by plain string tests over the classes and
strings that the profile declares for each APK, so a hit lost or invented anywhere in
the pipeline (pull, zip, DEX reading, matching, cache) fails this test.
"""

from __future__ import annotations

import asyncio

import pytest

from simulator.profile import builtin_profiles, load_profile
from checks.knowledge import load as load_knowledge
from store import Store
from audit.runner import run_audit

pytestmark = pytest.mark.adb


def _expected(pkg, kb) -> set[tuple[str, str]]:
    """(kind, id) pairs the profile's declared code should produce."""
    apk = pkg.apk
    classes = tuple(apk.classes) if apk else ()
    strings = tuple(apk.strings) if apk else ()
    out: set[tuple[str, str]] = set()
    for t in kb.trackers:
        if t.withdrawn:
            continue
        counted = [c for c in classes if not any(c.startswith(ex) for ex in t.excludes)]
        if any(c.startswith(ns) for c in counted for ns in t.namespaces) or any(
                frag in c for c in counted for frag in t.contains):
            out.add(("tracker", t.id))
    for ind in kb.indicators:
        for pat in ind.patterns:
            if ind.kind == "string":
                hit = pat in strings
            elif ind.kind == "class":
                hit = any(c.startswith(pat) for c in classes)
            else:  # substring, url, host: contained in a string
                hit = any(pat in s for s in strings)
            if hit:
                out.add(("indicator", ind.id))
    return out


@pytest.mark.parametrize("profile_name", [name for name, _ in builtin_profiles()])
def test_hits_are_exactly_the_profiles_code(profile_name, sim_phone, tmp_path):
    kb = load_knowledge()
    profile = load_profile(profile_name)
    handle = sim_phone(profile_name)

    async def audit():
        store = await Store.open(tmp_path / "h.sqlite3")
        try:
            return await run_audit(serial=handle.serial, store=store, knowledge=kb)
        finally:
            await store.close()

    result = asyncio.run(audit())
    assert result.complete, result.problems

    declared_values = {}
    mismatches = []
    for pkg in profile.packages:
        if not pkg.installed:
            continue
        got_pkg = result.apks.get(pkg.name)
        assert got_pkg is not None, f"{pkg.name} was not inspected"
        got = {("tracker", h.id) for h in got_pkg.trackers} | {("indicator", h.id) for h in got_pkg.indicators}
        want = _expected(pkg, kb)
        if got != want:
            mismatches.append((pkg.name, sorted(got - want), sorted(want - got)))
        declared_values[pkg.name] = set(pkg.apk.classes) | set(pkg.apk.strings) if pkg.apk else set()
        # Evidence: every hit names what matched, verbatim from the APK, and its DEX entry.
        for h in got_pkg.trackers + got_pkg.indicators:
            assert h.value in declared_values[pkg.name], (pkg.name, h)
            assert h.file.startswith("classes") and h.file.endswith(".dex"), h
    assert not mismatches, mismatches

    # The phones carry what their profiles say: guard against an empty oracle.
    total = sum(len(_expected(p, kb)) for p in profile.packages)
    # xiaomi and huawei carry NCSC code; oneplus's risks are posture, pixel is clean.
    if profile_name in ("xiaomi-mi10t", "huawei-p40"):
        assert total > 10
    else:
        assert total == 0
