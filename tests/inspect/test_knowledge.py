"""Integrity of the shipped knowledge base."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import yaml

from checks.knowledge import DATA_DIR, load, load_from
from checks.knowledge.refresh import exodus_signature_prefixes, merge_exodus, main as refresh_main

# The upstream ioc.yaml that stalkerware.json was converted from (provenance, commit and
# CC-BY-4.0 attribution in tests/inspect/upstream/README.md).
UPSTREAM = Path(__file__).parent / "upstream" / "stalkerware-ioc.yaml"
UPSTREAM_SHA256 = "6052636f093dce2d329fc06b7d572c6d4462d73539f72f13d1af1f96ea74864e"


def test_trackers(knowledge):
    assert len(knowledge.trackers) >= 150
    ids = [t.id for t in knowledge.trackers]
    assert len(ids) == len(set(ids))
    for t in knowledge.trackers:
        assert re.fullmatch(r"tracker\.[a-z0-9-]+", t.id), t.id
        assert t.name and t.categories and (t.namespaces or t.contains), t.id
        assert t.source.startswith("https://"), t.id
        for ns in t.namespaces:
            assert "/" not in ns and not ns.startswith("."), (t.id, ns)
    vendors = {t.vendor for t in knowledge.trackers}
    assert {"tencent", "baidu", "alibaba", "huawei", "xiaomi", "oppo", "vivo", "sensorsdata", "google"} <= vendors
    stats = knowledge.tracker("tracker.tencent-stats")
    assert stats.statistics and "com.tencent.stat" in stats.namespaces and "com.tencent.wxop.stat" in stats.namespaces
    assert "pingma.qq.com" in stats.hosts
    assert knowledge.tracker("tracker.tencent-mta").statistics
    assert knowledge.tracker("tracker.tencent-beacon").statistics
    assert "rqd.qq.com" in knowledge.tracker("tracker.tencent-bugly").hosts
    # Exodus' signatures are kept as written (no dot added): "com.umeng.analytics"
    assert "com.umeng.analytics" in knowledge.tracker("tracker.umeng-analytics").namespaces
    assert "com.baidu.mobstat" in knowledge.tracker("tracker.baidu-mobstat").namespaces
    assert "com.huawei.hianalytics." in knowledge.tracker("tracker.huawei-hianalytics").namespaces
    assert "com.huawei.hms.analytics." in knowledge.tracker("tracker.huawei-hms-analytics").namespaces
    assert "com.xiaomi.miglobaladsdk." in knowledge.tracker("tracker.xiaomi-ads").namespaces
    assert knowledge.tracker("tracker.sensors-analytics").vendor == "sensorsdata"


def test_indicators(knowledge):
    ids = [i.id for i in knowledge.indicators]
    assert len(ids) == len(set(ids))
    by_id = {i.id: i for i in knowledge.indicators}
    assert by_id["ncsc.miad-blacklist-config"].patterns == ("MiAdBlacklistConfig",)
    # contained, not equal: the config's file name or path holds it too
    assert by_id["ncsc.miad-blacklist-config"].kind == "substring"
    assert by_id["ncsc.miad-filter-url"].kind == "url"
    assert by_id["ncsc.miad-appkey"].kind == "substring"
    assert by_id["ncsc.miad-blacklist-classes"].kind == "class"
    assert {"store.apkpure", "store.apkmonk", "store.aptoide"} <= set(ids)
    groups = {i.group for i in knowledge.indicators}
    assert groups == {"censorship", "store-redirect", "vendor-telemetry"}
    for i in knowledge.indicators:
        assert i.kind in ("string", "substring", "class", "url", "host")
        assert i.patterns and i.source.startswith("https://"), i.id


def test_stores_and_lists(knowledge):
    assert knowledge.store("com.huawei.appmarket").kind == "vendor"
    assert knowledge.store("com.huawei.hwsearch").kind == "vendor"
    assert knowledge.store("com.android.vending").kind == "official"
    assert knowledge.store("com.apkpure.aegon").kind == "third-party"
    assert knowledge.store("cm.aptoide.pt").kind == "third-party"
    assert knowledge.store("com.android.shell").kind == "adb"
    assert knowledge.store("com.google.android.packageinstaller").kind == "installer"
    assert {"APKPure", "APKMonk", "Aptoide"} <= {name for name, _ in knowledge.distribution_platforms}
    roles = {v.package: v.role for v in knowledge.vendor_sms_services}
    assert roles == {"com.xiaomi.simactivate.service": "sim-activation", "com.miui.cloudservice": "cloud",
                     "com.xiaomi.account": "account"}
    assert all(v.account_type == "com.xiaomi" for v in knowledge.vendor_sms_services)
    assert {"com.mi.globalbrowser", "com.android.chrome", "com.huawei.browser"} <= set(knowledge.browsers)
    assert {"com.topjohnwu.magisk", "eu.chainfire.supersu", "me.weishu.kernelsu"} <= set(knowledge.root_packages)


def test_upstream_copy_is_the_recorded_one():
    assert hashlib.sha256(UPSTREAM.read_bytes()).hexdigest() == UPSTREAM_SHA256
    readme = (UPSTREAM.parent / "README.md").read_text(encoding="utf-8")
    assert UPSTREAM_SHA256 in readme and "a04c5c1958bff93fec3b1b56edbb412b209f2a38" in readme
    assert "CC-BY-4.0" in readme


def test_stalkerware_matches_upstream(knowledge):
    with open(UPSTREAM, encoding="utf-8") as fh:
        upstream = yaml.safe_load(fh)
    assert len(knowledge.stalkerware) == len(upstream)
    assert "CC-BY-4.0" in knowledge.extra["stalkerware_attribution"]
    assert knowledge.extra["stalkerware_source"] == "https://github.com/AssoEchap/stalkerware-indicators"
    first = knowledge.stalkerware[0]
    assert first.name == upstream[0]["name"]
    assert first.packages == tuple(upstream[0]["packages"])
    assert all(re.fullmatch(r"[0-9A-F]{40}", c) for a in knowledge.stalkerware for c in a.certificates)


def test_refresh_regenerates_identical_stalkerware(tmp_path):
    for name in ("trackers.toml", "indicators.toml", "stores.toml", "stalkerware.json"):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    exodus = {"trackers": {"999": {"name": "Example SDK", "code_signature": "com.example.sdk.|com.example.other",
                                   "website": "https://example.org", "categories": ["Analytics"]},
                           "998": {"name": "Regex one", "code_signature": "(a|b)+\\.c", "categories": []}}}
    (tmp_path / "exodus.json").write_text(json.dumps(exodus))
    assert refresh_main(["--stalkerware", str(UPSTREAM), "--exodus-json", str(tmp_path / "exodus.json"),
                         "--out", str(tmp_path)]) == 0
    assert (tmp_path / "stalkerware.json").read_bytes() == (DATA_DIR / "stalkerware.json").read_bytes()
    k = load_from(tmp_path)
    ex = k.tracker("tracker.example-sdk")
    assert ex.namespaces == ("com.example.other", "com.example.sdk.")
    assert ex.source.endswith("/999/")
    # non-Exodus entries (Chinese vendor SDKs) are kept; regex-only signatures are left out
    assert k.tracker("tracker.tencent-beacon") is not None
    assert not any(t.name == "Regex one" for t in k.trackers)


def test_version_is_content_hash():
    k = load()
    assert re.fullmatch(r"[0-9a-f]{12}", k.version)
    assert load() is k  # cached per process


def test_signature_prefixes():
    assert exodus_signature_prefixes("com.appsflyer.") == (["com.appsflyer."], [])
    assert exodus_signature_prefixes("com\\.tencent\\.stat|com.tencent.wxop.stat") == (
        ["com.tencent.stat", "com.tencent.wxop.stat"], [])
    # a leading dot is Exodus' "anywhere in the name": kept for the fragment matcher
    assert exodus_signature_prefixes(".LigatusManager") == ([".LigatusManager"], [])
    assert exodus_signature_prefixes("(a|b)+\\.c") == ([], ["(a", "b)+\\.c"])
    rows, report = merge_exodus({"trackers": {}}, [{"id": "tracker.x", "source": "https://other"}], "2026-01-01")
    assert rows == [{"id": "tracker.x", "source": "https://other"}]
    assert report.not_upstream == ["tracker.x"]


def test_every_tracker_has_a_page(knowledge):
    from checks.knowledge.pages import category_description

    for t in knowledge.trackers:
        assert t.description and t.collects and t.sources, t.id
        assert all(s.startswith("https://") for s in t.sources), t.id
    # the major SDKs say what is known about them, not only their categories' wording
    for tid in ("tracker.tencent-stats", "tracker.umeng-analytics", "tracker.baidu-mobstat",
                "tracker.firebase-analytics", "tracker.google-admob", "tracker.crashlytics",
                "tracker.facebook-analytics", "tracker.appsflyer", "tracker.adjust",
                "tracker.huawei-hms-analytics", "tracker.xiaomi-mistats", "tracker.pangle"):
        t = knowledge.tracker(tid)
        assert t.company and t.description != category_description(t.categories), tid
    assert "Firebase" in knowledge.tracker("tracker.firebase-analytics").description
