"""Trackers found in real APKs that PyPI packages ship, against what a person read in them.

The expected values were written by listing each APK's classes with Debian's dexdump
(`dexdump classes*.dex | grep 'Class descriptor'`) and reading the package names:

- Yosemite.apk (airtest 1.4.3, NetEase): 13,184 classes in two DEX files. Its libraries:
  androidx, Material Components (com.google.android.material only; no Play services,
  no Firebase, no ads), Glide, Netty, RabbitMQ, AndroidAsync, ZXing, JCodec, Kotlin; and
  381 classes of Tencent's X5 browser engine, com.tencent.smtt.{export,sdk,utils}, all
  in classes2.dex (plus two com.tencent.tbs.video classes). One tracker: Tencent TBS.
- pocoservice-debug.apk (pocoui 1.0.94, NetEase): ICU, Jackson, Xerces, Netty, Gson,
  JUnit, jsonrpc4j, NetEase's own code. No tracker SDK.
- app-uiautomator.apk (uiautomator2 3.7.1): OkHttp, NanoHTTPD, Apache Commons and its
  own code. No tracker SDK.
"""

from __future__ import annotations

from checks.inspect import inspect_apk
from support.registry_apks import registry_apk


def _found(name, knowledge):
    r = inspect_apk(registry_apk(name), knowledge)
    assert r.error is None, r.error
    return r, {(h.id, h.file) for h in r.trackers}


def test_yosemite_carries_tencent_tbs_only(knowledge):
    r, found = _found("Yosemite.apk", knowledge)
    assert r.package == "com.netease.nie.yosemite"
    assert r.dex_files == ("classes.dex", "classes2.dex")
    assert found == {("tracker.tencent-tbs", "classes2.dex")}
    [hit] = r.trackers
    assert hit.value.startswith("com.tencent.smtt.")


def test_pocoservice_and_uiautomator_carry_none(knowledge):
    for name in ("pocoservice-debug.apk", "app-uiautomator.apk"):
        r, found = _found(name, knowledge)
        assert found == set(), name
