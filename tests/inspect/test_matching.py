"""Unit tests of checks.matching: what each indicator kind and tracker matches, exactly."""

from __future__ import annotations

from checks.dex import DexTables
from model.knowledge import Indicator, Tracker
from checks.matching import DexIndex, match_indicators, match_trackers, search_plan


def _ind(iid: str, kind: str, *patterns: str) -> Indicator:
    return Indicator(id=iid, name=iid.upper(), group="g", kind=kind, patterns=patterns)


def _index(strings, classes=(), types=()) -> DexIndex:
    return DexIndex.build(DexTables(strings=list(strings), type_names=list(types), class_names=list(classes)))


def test_search_plan_groups_share_a_key_and_cover_every_pattern_once():
    patterns = ("a.intl.xiaomi.com", "b.intl.xiaomi.com", "beacon.qq.com", "rqd.qq.com", "uptodown.com", "x")
    plan = search_plan(patterns)
    members = [p for _, group in plan for p in group]
    assert sorted(members) == sorted(patterns)
    for key, group in plan:
        assert all(key in p for p in group)
    assert len(plan) < len(patterns)  # the xiaomi and qq hosts share a scan


def test_contained_kinds_return_the_first_whole_string_in_id_order():
    strings = ["zz https://apkpure.com/x", "aa apkpure.com", "has\0nul apkmonk.com", "appKey=MiAdSdk_i18n&v=2"]
    index = _index(strings)
    inds = (
        _ind("host1", "host", "apkpure.com"),
        _ind("host2", "host", "apkmonk.com"),
        _ind("sub", "substring", "appKey=MiAdSdk_i18n"),
        _ind("url", "url", "absent.example/path"),
    )
    hits = {h.id: h for h in match_indicators(index, inds, "classes.dex")}
    assert hits["host1"].value == "zz https://apkpure.com/x"  # first in string-id order, not sorted
    assert hits["host2"].value == "has\0nul apkmonk.com"  # the whole string, NUL and all
    assert hits["sub"].kind == "string" and hits["sub"].value == "appKey=MiAdSdk_i18n&v=2"
    assert "url" not in hits


def test_string_kind_needs_an_equal_string_not_a_containing_one():
    index = _index(["xMiAdBlacklistConfig", "MiAdBlacklistConfigx"])
    assert match_indicators(index, (_ind("s", "string", "MiAdBlacklistConfig"),), "c.dex") == []
    index = _index(["a", "MiAdBlacklistConfig"])
    [hit] = match_indicators(index, (_ind("s", "string", "MiAdBlacklistConfig"),), "c.dex")
    assert hit.value == "MiAdBlacklistConfig" and hit.file == "c.dex"


def test_grouped_patterns_found_when_the_shared_key_is_present():
    # both hosts share ".intl." (one scan); only the second is in the DEX
    strings = ["https://sa.api.intl.miui.com/x"]
    inds = (_ind("a", "host", "tracking.intl.miui.com"), _ind("b", "host", "sa.api.intl.miui.com"))
    hits = match_indicators(_index(strings), inds, "c.dex")
    assert [(h.id, h.value) for h in hits] == [("b", "https://sa.api.intl.miui.com/x")]


def test_class_indicator_matches_referenced_types_and_trackers_only_defined_classes():
    index = _index([], classes=["com.app.Main", "com.tencent.stat.StatService"],
                   types=["com.app.Main", "com.xiaomi.utils.AdsBlocker", "java.lang.Object"])
    [hit] = match_indicators(index, (_ind("c", "class", "com.xiaomi.utils.AdsBlocker"),), "c.dex")
    assert hit.value == "com.xiaomi.utils.AdsBlocker"
    trackers = (
        Tracker(id="t.tencent", name="Tencent", namespaces=("com.tencent.stat.",), categories=("analytics",)),
        Tracker(id="t.xiaomi", name="Xiaomi", namespaces=("com.xiaomi.utils.",), categories=()),
    )
    # referenced-only types are no tracker evidence: the class must be defined here
    assert [h.id for h in match_trackers(index, trackers, "c.dex")] == ["t.tencent"]


def test_long_values_are_clipped():
    long = "apkpure.com/" + "x" * 2000
    [hit] = match_indicators(_index([long]), (_ind("h", "host", "apkpure.com"),), "c.dex")
    assert len(hit.value) == 500 and hit.value.endswith("…")


def test_tracker_fragments_excludes_and_withdrawn():
    index = _index([], classes=sorted([
        "com.google.android.gms.ads.identifier.AdvertisingIdClient",
        "com.google.android.gms.ads.identifier.zza",
        "com.google.android.gms.ads.internal.Zz",
        "com.vendor.tealium.Collect",
        "com.gone.Sdk",
    ]))
    ads = Tracker(id="t.ads", name="Ads", categories=("advertisement",), namespaces=("com.google.android.gms.ads.",),
                  excludes=("com.google.android.gms.ads.identifier.",))
    frag = Tracker(id="t.frag", name="Frag", categories=(), namespaces=(), contains=(".tealium.",))
    gone = Tracker(id="t.gone", name="Gone", categories=(), namespaces=("com.gone.",), withdrawn="2026-01-01")
    got = {(h.id, h.value) for h in match_trackers(index, (ads, frag, gone), "c.dex")}
    # the excluded identifier classes are skipped, the next class under the namespace counts
    assert got == {("t.ads", "com.google.android.gms.ads.internal.Zz"), ("t.frag", "com.vendor.tealium.Collect")}
    only_identifier = _index([], classes=["com.google.android.gms.ads.identifier.AdvertisingIdClient"])
    assert match_trackers(only_identifier, (ads,), "c.dex") == []
