"""Every tracker of the knowledge base is found in a synthesized APK, and look-alikes are not.

One APK holds one planted class under each namespace (and fragment) of every tracker;
`checks.inspect.inspect_apk` reads it like any APK (real zip, real DEX) and must report
every tracker id. A second APK holds classes that look like trackers but are not (the
advertising-id library every Google-services app carries, React Native, Fresco, ...):
it must report none.
"""

from __future__ import annotations

from simulator.apkgen import ApkSpec, synthesize_apk
from checks.inspect import inspect_apk


def _planted(ns: str) -> str:
    """A class name under namespace `ns` ("com.x." -> "com.x.Planted", "com.x" -> "com.x.Planted")."""
    return ns + "Planted" if ns.endswith(".") else ns + ".Planted"


def _planted_fragment(fragment: str) -> str:
    """A class name containing `fragment` somewhere inside, not at the start."""
    return "org.planted" + fragment + ("Planted" if fragment.endswith(".") else "")


def _write(tmp_path, name, spec):
    path = tmp_path / name
    path.write_bytes(synthesize_apk(spec))
    return path


def test_every_tracker_is_found_from_its_planted_classes(tmp_path, knowledge):
    active = [t for t in knowledge.trackers if not t.withdrawn]
    assert len(active) >= 430  # every Exodus code signature plus the regional SDKs
    classes = sorted({_planted(ns) for t in active for ns in t.namespaces}
                     | {_planted_fragment(f) for t in active for f in t.contains})
    spec = ApkSpec(package="org.example.everything", classes=("org.example.everything.Main", *classes),
                   max_classes_per_dex=400)
    r = inspect_apk(_write(tmp_path, "all.apk", spec), knowledge)
    assert r.error is None
    found = {h.id for h in r.trackers}
    missing = sorted(t.id for t in active if t.id not in found)
    assert missing == []
    # each hit's evidence is a class under one of that tracker's own namespaces
    by_id = {t.id: t for t in active}
    for h in r.trackers:
        t = by_id[h.id]
        assert h.value.startswith(t.namespaces) or any(f in h.value for f in t.contains), (h.id, h.value)
        assert not h.value.startswith(t.excludes or ("\0",)), (h.id, h.value)


def test_named_cases_follow_exodus(tmp_path, knowledge):
    """Tencent's `com.tencent.lbsapi` is Tencent LBS; AdMob's own classes are AdMob."""
    spec = ApkSpec(package="org.example.named", classes=(
        "com.tencent.lbsapi.TencentLocationManager",
        "com.google.android.gms.ads.AdView",
    ))
    r = inspect_apk(_write(tmp_path, "named.apk", spec), knowledge)
    assert {(h.id, h.value) for h in r.trackers} == {
        ("tracker.tencent-map-lbs", "com.tencent.lbsapi.TencentLocationManager"),
        ("tracker.google-admob", "com.google.android.gms.ads.AdView"),
    }


LOOK_ALIKES = (
    # play-services-ads-identifier: pulled in by Firebase, Facebook, AppsFlyer; not AdMob
    "com.google.android.gms.ads.identifier.AdvertisingIdClient",
    "com.google.android.gms.ads.identifier.AdvertisingIdClient$Info",
    # Google Play services base and Firebase core: no tracker by themselves
    "com.google.android.gms.common.GoogleApiAvailability",
    "com.google.firebase.FirebaseApp",
    # Facebook's open-source UI libraries: React Native, Fresco, SoLoader
    "com.facebook.react.ReactActivity",
    "com.facebook.imagepipeline.core.ImagePipeline",
    "com.facebook.soloader.SoLoader",
    # Tencent's key-value store, not WeChat or a Tencent tracker
    "com.tencent.mmkv.MMKV",
    # ordinary libraries
    "androidx.appcompat.app.AppCompatActivity",
    "okhttp3.OkHttpClient",
    "org.example.clean.Main",
)


def test_look_alikes_are_not_trackers(tmp_path, knowledge):
    spec = ApkSpec(package="org.example.clean", classes=LOOK_ALIKES)
    r = inspect_apk(_write(tmp_path, "clean.apk", spec), knowledge)
    assert r.error is None
    assert r.trackers == ()
