"""A realistic bench phone: about 450 packages and 3 GB of APKs shaped like a real system image.

`bench/large_phone.py` pads tiny DEX files and manifests to size, which is easy to
inspect. This generator draws every package's APK size, DEX share, class and string
counts per DEX, resources.arsc size (strings translated into many locales, as real
tables are) and manifest size (components) from the figures below, with a fixed seed,
and writes real APKs with `simulator.apkgen` (so our DEX reader and androguard parse
them). The label is a reference into resources.arsc, as aapt2 writes `@string/app_name`,
so resolving it costs what it costs on a real APK.

Where the figures come from (numbers used here in brackets):

- Package count and APK volume: 350-500 packages and 2-6 GB of APKs on a current phone
  (issue 20's survey of stock firmware listings) [450 packages, 3.0 GB]; the system
  partition alone is 2 GB on a Pixel 1/2 (phhusson/device_phh_treble pull request 41,
  maintainer's comment of 2020-03-12), and pre-installed software is most of the
  packages: Gamba et al., "An Analysis of Pre-installed Android Software" (IEEE S&P 2020,
  arXiv:1905.02713) found 424,584 unique files on 1,742 device models [73 % system
  packages, 27 % user-installed].
- DEX: a DEX file holds at most 65,536 method references (Android Developers Blog,
  "Google Play services and DEX method limits", 2014-12-09) [at most 60,000 strings and
  6,000 classes per DEX]; the real multidex APK the bench fetches
  (appium-uiautomator2-server 10.6.6, bench/dex_bench.py) is 18 MB with 14.5 MB of DEX
  in 16 files, 9,575 classes and 112,355 strings [strings = DEX bytes / 129, classes =
  strings / 11.7, DEX share 25-45 % of an app's bytes].
- resources.arsc: 1.7-1.8 MB on the real APKs measured in issue 20, where androguard's
  get_app_name() took 0.32-0.38 s; framework-res carries the platform's whole table
  [3-10 % of an app's bytes, up to 12 MB; framework-res 9 MB; 80 locales on apps over
  1 MB, as AOSP apps are translated into about 80 languages].
- The heaviest packages of a Google-certified phone (GMS core, WebView, the Play Store,
  SystemUI, Settings, ...) are listed by name in `HEAVY` with sizes in MB; their sizes
  are estimates of current builds (not measured here), chosen to make up about 45 % of
  the 3 GB, as the biggest apps do on a real image.
- Everything else: a log-normal size (median 1.6 MB, sigma 1.5, 30 KB to 250 MB), scaled
  so the whole phone is the target; 20 % of them carry no code (resource overlays).

Our DEX files have no method bodies, so they are smaller than real DEX of the same
counts (the counts are what our reader's time depends on); the rest of each APK's size
is incompressible filler, as native libraries and media are.

Generated once into a cache folder outside the repo ($PHONE_AUDIT_BENCH_CACHE, else
<user cache dir>/phone-audit-bench), one APK at a time and streamed to disk (memory
stays bounded), and reused by later runs while this file and apkgen are unchanged.

    python -m bench.realistic [--quick] [--packages 450] [--total-mb 3000]
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

SEED = 20
PACKAGES = 450
TOTAL_BYTES = 3_000_000_000
QUICK_PACKAGES = 40
QUICK_TOTAL_BYTES = 150_000_000

SYSTEM_SHARE = 0.73
NO_CODE_SHARE = 0.20
MEDIAN_BYTES = 1_600_000
SIGMA = 1.5
MIN_BYTES, MAX_BYTES = 30_000, 250_000_000
DEX_SHARE = (0.25, 0.45)
BYTES_PER_STRING = 129
STRINGS_PER_CLASS = 11.7
MAX_STRINGS_PER_DEX = 60_000
ARSC_SHARE = (0.03, 0.10)
MAX_ARSC = 12_000_000
#: about what one translated string costs in a table: entry, offset, UTF-16 text
ARSC_BYTES_PER_VALUE = 84
LOCALES = tuple(
    "af am ar as az be bg bn bs ca cs da de el en-AU en-CA en-GB en-IN es es-US et eu fa fi fr fr-CA gl gu "
    "hi hr hu hy in is it iw ja ka kk km kn ko ky lo lt lv mk ml mn mr ms my nb ne nl or pa pl pt pt-BR "
    "pt-PT ro ru si sk sl sq sr sv sw ta te th tl tr uk ur uz vi zh-CN zh-HK zh-TW zu".split()
)
#: (package, path, MB, DEX share, arsc MB): the heaviest packages of a GMS phone (estimates)
HEAVY = [
    ("android", "/system/framework/framework-res.apk", 40, 0.0, 9.0),
    ("com.google.android.gms", "/product/priv-app/PrebuiltGmsCore/PrebuiltGmsCore.apk", 150, 0.40, 6.0),
    ("com.google.android.googlequicksearchbox", "/product/priv-app/Velvet/Velvet.apk", 230, 0.30, 5.0),
    ("com.google.android.webview", "/product/app/WebViewGoogle/WebViewGoogle.apk", 110, 0.05, 1.0),
    ("com.android.chrome", "/product/app/Chrome/Chrome.apk", 100, 0.15, 2.0),
    ("com.google.android.youtube", "/product/app/YouTube/YouTube.apk", 120, 0.35, 4.0),
    ("com.google.android.apps.maps", "/product/app/Maps/Maps.apk", 110, 0.35, 4.0),
    ("com.google.android.apps.photos", "/product/app/Photos/Photos.apk", 90, 0.40, 3.5),
    ("com.google.android.gm", "/product/app/PrebuiltGmail/PrebuiltGmail.apk", 70, 0.45, 3.0),
    ("com.android.vending", "/product/priv-app/Phonesky/Phonesky.apk", 60, 0.45, 2.5),
    ("com.google.android.inputmethod.latin", "/product/app/LatinIMEGooglePrebuilt/LatinIMEGooglePrebuilt.apk", 60, 0.25, 2.0),
    ("com.google.android.apps.messaging", "/product/app/PrebuiltBugle/PrebuiltBugle.apk", 50, 0.45, 2.0),
    ("com.google.android.dialer", "/product/priv-app/GoogleDialer/GoogleDialer.apk", 45, 0.40, 2.0),
    ("com.android.systemui", "/system_ext/priv-app/SystemUI/SystemUI.apk", 40, 0.35, 4.0),
    ("com.android.settings", "/system_ext/priv-app/Settings/Settings.apk", 35, 0.35, 5.0),
    ("com.bench.oem.security", "/product/priv-app/OemSecurityCenter/OemSecurityCenter.apk", 40, 0.40, 3.0),
]
_PERMISSIONS = (
    "android.permission.INTERNET", "android.permission.ACCESS_NETWORK_STATE", "android.permission.WAKE_LOCK",
    "android.permission.RECEIVE_BOOT_COMPLETED", "android.permission.POST_NOTIFICATIONS",
    "android.permission.ACCESS_FINE_LOCATION", "android.permission.READ_CONTACTS", "android.permission.CAMERA",
    "android.permission.READ_PHONE_STATE", "android.permission.FOREGROUND_SERVICE",
)
#: tracker and indicator classes sprinkled over the apps, so inspection matches for real
_CODE_FACTS = [
    ("com.tencent.stat.StatService", "pingma.qq.com"),
    ("com.google.android.gms.analytics.Tracker", "www.google-analytics.com"),
    ("com.umeng.analytics.MobclickAgent", "alog.umeng.com"),
    ("com.huawei.hms.analytics.HiAnalytics", "metrics.data.hicloud.com"),
]


@dataclass(frozen=True)
class Plan:
    """One package as drawn: what its APK will hold."""

    index: int
    package: str
    path: str
    system: bool
    size: int
    dex_strings: int
    dex_classes: int
    dex_count: int
    arsc_strings: int
    locales: int
    components: int
    permissions: int


def _dex_counts(dex_bytes: float) -> tuple[int, int, int]:
    strings = int(dex_bytes / BYTES_PER_STRING)
    if strings < 20:
        return 0, 0, 0
    classes = max(1, int(strings / STRINGS_PER_CLASS))
    return strings, classes, max(1, math.ceil(strings / MAX_STRINGS_PER_DEX))


def _arsc_counts(arsc_bytes: float, size: int) -> tuple[int, int]:
    locales = len(LOCALES) if size >= 1_000_000 else (8 if size >= 200_000 else 0)
    return max(0, int(arsc_bytes / (ARSC_BYTES_PER_VALUE * (1 + locales))) - 1), locales


def plan(packages: int = PACKAGES, total_bytes: int = TOTAL_BYTES, seed: int = SEED) -> list[Plan]:
    """Every package of the phone, drawn from the distributions above (deterministic)."""
    rng = random.Random(seed)
    scale = total_bytes / TOTAL_BYTES
    heavy = HEAVY if packages >= 200 else HEAVY[:2]  # the quick phone keeps two of them
    out: list[Plan] = []
    for name, path, mb, dex_share, arsc_mb in heavy:
        size = int(mb * 1_000_000 * scale)
        strings, classes, ndex = _dex_counts(size * dex_share)
        rs, locales = _arsc_counts(arsc_mb * 1_000_000 * scale, size)
        out.append(Plan(len(out), name, path, True, size, strings, classes, ndex, rs, locales,
                        rng.randint(200, 1500), rng.randint(30, 120)))
    rest = packages - len(out)
    raw = [min(max(rng.lognormvariate(math.log(MEDIAN_BYTES), SIGMA), MIN_BYTES), MAX_BYTES) for _ in range(rest)]
    room = total_bytes - sum(p.size for p in out)
    k = room / sum(raw)
    for j, r in enumerate(raw):
        i = len(out)
        size = max(MIN_BYTES, int(r * k))
        system = rng.random() < SYSTEM_SHARE
        code = rng.random() >= NO_CODE_SHARE
        strings, classes, ndex = _dex_counts(size * rng.uniform(*DEX_SHARE)) if code else (0, 0, 0)
        rs, locales = _arsc_counts(min(size * rng.uniform(*ARSC_SHARE), MAX_ARSC), size)
        name = f"com.bench.{'sys' if system else 'user'}.app{i:04d}"
        path = (f"/system/app/App{i:04d}/App{i:04d}.apk" if system
                else f"/data/app/~~bench{i:04d}==/{name}-bench{i:04d}==/base.apk")
        comps = 0 if not code else min(2000, int(rng.lognormvariate(math.log(12), 1.0)))
        out.append(Plan(i, name, path, system, size, strings, classes, ndex, rs, locales, comps,
                        rng.randint(1, len(_PERMISSIONS))))
    return out


def _dex_string(pkg: str, d: int, s: int) -> str:
    """One DEX string: 1 in 16 holds a dotted name (an intent action, a property key), the
    rest identifiers and messages without dots: real DEX files have 4-7 % of strings with a
    host-like dotted run (measured on the bench's real APKs: appium-uiautomator2-server
    5.3 %, io.appium.settings 5.8 %), and host matching costs per dotted run."""
    if s % 16 == 0:
        return f"{pkg}.action.A{d}x{s}"
    return f"m{d}x{s} Literal text " + "x" * (s % 40)


def _spec(p: Plan):
    from simulator.apkgen import ApkSpec, ComponentSpec

    pkg = p.package
    classes = [f"{pkg}.c{j // 200}.K{j}" for j in range(p.dex_classes)]
    fact_cls, fact_host = _CODE_FACTS[p.index % len(_CODE_FACTS)]
    if classes and p.index % 3 == 0:
        classes[-1] = fact_cls
    ndex = max(p.dex_count, 1) if classes else 0
    per = math.ceil(p.dex_strings / ndex) if ndex else 0
    dex_strings = tuple(tuple(_dex_string(pkg, d, s) for s in range(per))
                        + ((f"https://{fact_host}/collect",) if d == 0 else ()) for d in range(ndex))
    kinds = ("activity", "service", "receiver", "provider")
    comps = tuple(ComponentSpec(kinds[c % 4] if c % 4 != 3 or c < 40 else "activity",
                                f"{pkg}.ui.Component{c}", exported=(c % 5 == 0)) for c in range(p.components))
    return ApkSpec(package=pkg, label=pkg.rsplit(".", 1)[-1] if not pkg.startswith("com.bench.") else f"App {p.index}",
                   label_ref=True, resource_strings=p.arsc_strings, resource_locales=LOCALES[:p.locales],
                   permissions=_PERMISSIONS[:p.permissions], components=comps, classes=tuple(classes),
                   dex_count=ndex, dex_strings=dex_strings, signer="bench-vendor", size=p.size,
                   target_sdk=34, min_sdk=28)


def _write_one(args: tuple[Plan, str]) -> dict:
    from simulator.apkgen import synthesize_apk_to

    p, out = args
    t = time.perf_counter()
    synthesize_apk_to(_spec(p), out)
    return {"index": p.index, "bytes": Path(out).stat().st_size, "seconds": round(time.perf_counter() - t, 2)}


def cache_root() -> Path:
    env = os.environ.get("PHONE_AUDIT_BENCH_CACHE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir()) / "phone-audit-bench"


#: bumped whenever `_spec` changes what an APK holds for the same plan
GENERATOR_VERSION = "2"


def _version(plans: list[Plan]) -> str:
    """Names the cached phone: the plan, `_spec`'s version and apkgen's sources."""
    from simulator.apkcache import apkgen_version

    key = json.dumps([p.__dict__ for p in plans]) + GENERATOR_VERSION + apkgen_version()
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def generate(packages: int = PACKAGES, total_bytes: int = TOTAL_BYTES, *, workers: int = 2, log=print) -> Path:
    """The folder holding apks/ and plan.json for this phone, generated on first use."""
    plans = plan(packages, total_bytes)
    root = cache_root() / f"realistic-n{packages}-{total_bytes // 1_000_000}MB-s{SEED}-{_version(plans)}"
    done = root / "plan.json"
    if done.exists():
        return root
    apks = root / "apks"
    apks.mkdir(parents=True, exist_ok=True)
    todo = [(p, str(apks / f"{p.index:04d}.apk")) for p in plans if not (apks / f"{p.index:04d}.apk").exists()]
    # the biggest first, so the two workers end together
    todo.sort(key=lambda a: -(a[0].size + 200 * a[0].dex_strings))
    log(f"generating {len(todo)} of {len(plans)} APKs ({total_bytes / 1e9:.1f} GB) into {root} ...")
    t = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        for n, r in enumerate(pool.map(_write_one, todo), 1):
            if n % 50 == 0:
                log(f"  {n}/{len(todo)} ({time.perf_counter() - t:.0f} s)")
    took = time.perf_counter() - t
    sizes = {p.index: (apks / f"{p.index:04d}.apk").stat().st_size for p in plans}
    doc = {"seconds_to_generate": round(took, 1), "packages": [dict(p.__dict__, bytes=sizes[p.index]) for p in plans]}
    done.write_text(json.dumps(doc, indent=1))
    log(f"  generated in {took:.0f} s")
    return root


def _toml_str(s: str) -> str:
    return json.dumps(s)  # a JSON string literal is a valid TOML basic string


def write_phone(root: Path, name: str, *, bandwidth_bytes_per_s: int, latency_ms: int = 2,
                serial: str = "REAL0001") -> Path:
    """A profile folder root/phones/<name> whose packages are the generated APKs (hard links)."""
    doc = json.loads((root / "plan.json").read_text())
    folder = root / "phones" / name
    (folder / "apks").mkdir(parents=True, exist_ok=True)
    lines = [
        "[device]", 'state = "device"',
        f'description = "Realistic bench phone: {len(doc["packages"])} packages"', "",
        "[props]",
        '"ro.product.manufacturer" = "BenchCo"', '"ro.product.model" = "Bench-Real"',
        '"ro.product.name" = "benchreal"', '"ro.product.device" = "benchreal"',
        '"ro.build.version.release" = "14"', '"ro.build.version.sdk" = "34"',
        '"ro.build.version.security_patch" = "2026-10-05"',
        '"ro.build.fingerprint" = "BenchCo/benchreal/benchreal:14/UQ1A.240105.004/1:user/release-keys"',
        '"ro.build.tags" = "release-keys"', '"ro.build.type" = "user"',
        f'"ro.serialno" = {_toml_str(serial)}', '"ro.boot.verifiedbootstate" = "green"',
        '"ro.boot.flash.locked" = "1"', '"ro.crypto.state" = "encrypted"', "",
        "[settings.global]", 'package_verifier_enable = "1"', "",
        "[faults]", f"latency_ms = {latency_ms}", f"bandwidth_bytes_per_s = {bandwidth_bytes_per_s}", "",
    ]
    for p in doc["packages"]:
        src = root / "apks" / f"{p['index']:04d}.apk"
        dst = folder / "apks" / src.name
        if not dst.exists():
            try:
                os.link(src, dst)
            except OSError:
                shutil.copyfile(src, dst)
        lines += [
            "[[packages]]", f"name = {_toml_str(p['package'])}", f"path = {_toml_str(p['path'])}",
            f"system = {'true' if p['system'] else 'false'}", f"uid = {10000 + p['index']}",
            "version_code = 1", 'version_name = "1.0"',
            *(['installer = "com.android.vending"'] if not p["system"] else []),
            f"granted = {json.dumps(list(_PERMISSIONS[:p['permissions']]))}",
            "[packages.apk]", f'file = "apks/{src.name}"',
            f"permissions = {json.dumps(list(_PERMISSIONS[:p['permissions']]))}", "",
        ]
    (folder / "profile.toml").write_text("\n".join(lines), encoding="utf-8")
    return folder


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m bench.realistic", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help=f"{QUICK_PACKAGES} packages, {QUICK_TOTAL_BYTES // 10**6} MB")
    ap.add_argument("--packages", type=int, default=PACKAGES)
    ap.add_argument("--total-mb", type=int, default=TOTAL_BYTES // 1_000_000)
    a = ap.parse_args(argv)
    n, total = (QUICK_PACKAGES, QUICK_TOTAL_BYTES) if a.quick else (a.packages, a.total_mb * 1_000_000)
    root = generate(n, total)
    doc = json.loads((root / "plan.json").read_text())
    pk = doc["packages"]
    print(json.dumps({"folder": str(root), "packages": len(pk), "bytes": sum(p["bytes"] for p in pk),
                      "seconds_to_generate": doc["seconds_to_generate"],
                      "dex_strings": sum(p["dex_strings"] for p in pk), "dex_classes": sum(p["dex_classes"] for p in pk),
                      "dex_files": sum(p["dex_count"] for p in pk)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
