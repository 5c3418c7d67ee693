"""Generate large simulated phones for the benchmarks, as device-profile folders.

A generated phone has N packages whose synthesized APKs add up to about TOTAL bytes
(each padded with incompressible filler, so the transfer is real), a USB 2.0-like
bandwidth cap and a per-command latency. `changed` makes a "same firmware, some apps
updated" variant: those packages get a new version and different code, so their APKs
(and SHA-256) differ while every other APK stays byte-identical.
"""

from __future__ import annotations

import json
from pathlib import Path

#: tracker and indicator classes sprinkled over the generated apps, so inspection
#: has real matching work to do
_CODE_FACTS = [
    ("com.tencent.stat.StatService", "pingma.qq.com"),
    ("com.google.android.gms.analytics.Tracker", "www.google-analytics.com"),
    ("com.umeng.analytics.MobclickAgent", "alog.umeng.com"),
    ("com.huawei.hms.analytics.HiAnalytics", "metrics.data.hicloud.com"),
]


def _toml_str(s: str) -> str:
    return json.dumps(s)  # a JSON string literal is a valid TOML basic string


def write_large_phone(
    folder: Path,
    *,
    packages: int = 400,
    total_bytes: int = 1_000_000_000,
    bandwidth_bytes_per_s: int = 40_000_000,
    latency_ms: int = 2,
    changed: int = 0,
    classes_per_app: int = 200,
    serial: str = "BENCH0001",
) -> Path:
    """Write `folder/profile.toml` and return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    per_app = max(total_bytes // packages, 20_000)
    lines = [
        "[device]",
        'state = "device"',
        f'description = "Generated bench phone: {packages} packages, {total_bytes // 1_000_000} MB of APKs"',
        "",
        "[props]",
        '"ro.product.manufacturer" = "BenchCo"',
        '"ro.product.model" = "Bench-1"',
        '"ro.product.name" = "bench"',
        '"ro.product.device" = "bench"',
        '"ro.build.version.release" = "13"',
        '"ro.build.version.sdk" = "33"',
        '"ro.build.version.security_patch" = "2026-10-05"',
        '"ro.build.fingerprint" = "BenchCo/bench/bench:13/TQ3A.230901.001/1:user/release-keys"',
        '"ro.build.tags" = "release-keys"',
        '"ro.build.type" = "user"',
        f'"ro.serialno" = {_toml_str(serial)}',
        '"ro.boot.verifiedbootstate" = "green"',
        '"ro.boot.flash.locked" = "1"',
        '"ro.crypto.state" = "encrypted"',
        "",
        "[settings.global]",
        'package_verifier_enable = "1"',
        "",
        "[faults]",
        f"latency_ms = {latency_ms}",
        f"bandwidth_bytes_per_s = {bandwidth_bytes_per_s}",
        "",
    ]
    for i in range(packages):
        system = i % 2 == 0
        name = f"com.bench.{'sys' if system else 'user'}.app{i:04d}"
        is_changed = i < changed
        version = 2 if is_changed else 1
        if system:
            path = f"/system/app/App{i:04d}/App{i:04d}.apk"
        else:
            path = f"/data/app/~~bench{i:04d}==/{name}-bench{i:04d}==/base.apk"
        cls, host = _CODE_FACTS[i % len(_CODE_FACTS)]
        classes = [f"{name}.C{j}" for j in range(classes_per_app)]
        if i % 3 == 0:
            classes.append(cls)
        strings = [f"https://{host}/collect", f"build {name} v{version}"]
        lines += [
            "[[packages]]",
            f"name = {_toml_str(name)}",
            f"path = {_toml_str(path)}",
            f"system = {'true' if system else 'false'}",
            f"uid = {10000 + i}",
            f"version_code = {version}",
            f'version_name = "{version}.0"',
            *(['installer = "com.android.vending"'] if not system else []),
            'granted = ["android.permission.INTERNET"]',
            "[packages.apk]",
            'permissions = ["android.permission.INTERNET"]',
            f"classes = {json.dumps(classes)}",
            f"strings = {json.dumps(strings)}",
            'signer = "bench-vendor"',
            f"size = {per_app}",
            "",
        ]
    (folder / "profile.toml").write_text("\n".join(lines), encoding="utf-8")
    return folder


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--packages", type=int, default=400)
    ap.add_argument("--total-bytes", type=int, default=1_000_000_000)
    ap.add_argument("--changed", type=int, default=0)
    a = ap.parse_args()
    print(write_large_phone(a.folder, packages=a.packages, total_bytes=a.total_bytes, changed=a.changed))
