"""The realistic bench phone (bench/realistic.py): the plan is the size issue 20 asks for
and deterministic, and a small one generated for real is read by our inspection with
the counts the plan drew and androguard's labels; its profile loads."""

from __future__ import annotations

import json

import loguru
from androguard.core.apk import APK

from bench import realistic
from checks.inspect import inspect_apk
from checks.knowledge import load as load_knowledge
from simulator.profile import load_profile

loguru.logger.disable("androguard")


def test_the_full_plan_is_450_packages_of_3_gb_and_the_same_every_time():
    plan = realistic.plan()
    assert plan == realistic.plan()
    assert len(plan) == 450
    assert abs(sum(p.size for p in plan) - 3_000_000_000) < 30_000_000
    assert {"android", "com.google.android.gms", "com.android.systemui", "com.android.settings"} <= {
        p.package for p in plan}
    assert 0.65 < sum(p.system for p in plan) / 450 < 0.80
    # no DEX over the 64K-reference limit's string budget, no resource-only app with code
    assert all(p.dex_strings <= 60_000 * p.dex_count for p in plan if p.dex_count)
    assert all(p.dex_classes == 0 for p in plan if p.dex_count == 0)


def test_a_small_generated_phone_is_inspected_with_the_planned_counts(tmp_path, monkeypatch):
    monkeypatch.setenv("PHONE_AUDIT_BENCH_CACHE", str(tmp_path))
    root = realistic.generate(4, 8_000_000, workers=1, log=lambda *_: None)
    doc = json.loads((root / "plan.json").read_text())
    kb = load_knowledge()
    for p in doc["packages"]:
        path = root / "apks" / f"{p['index']:04d}.apk"
        report = inspect_apk(path, kb)
        assert report.error is None, report.error
        assert report.package == p["package"]
        assert report.label == APK(str(path)).get_app_name()
        assert report.class_count == p["dex_classes"]
        # the planned strings, plus type descriptors and one tracker URL per code DEX
        assert report.string_count >= p["dex_strings"]
    assert realistic.generate(4, 8_000_000, workers=1, log=lambda *_: None) == root  # reused
    folder = realistic.write_phone(root, "t", bandwidth_bytes_per_s=40_000_000)
    profile = load_profile(folder)
    assert len(profile.packages) == 4
