"""Hand-built inputs for the check tests: a small knowledge base, packages, snapshots,
APK reports. The `f` fixture hands the factory to a test (tests are not a package, so a
fixture is the import-free way to share it)."""

from __future__ import annotations

import pytest

from model.snapshot import (
    Account,
    DeviceInfo,
    DeviceSnapshot,
    FrozenMap,
    PackageInfo,
    Problem,
    SmsMessage,
    SmsSummary,
)
from model.apk_report import ApkReport, Hit, PackageApks
from model.knowledge import (
    Indicator,
    Knowledge,
    StalkerwareApp,
    Store,
    Tracker,
    VendorSmsService,
)
from model.audit_input import AuditInput

STALKER_CERT = "31A6ECECD97CF39BC4126B8745CD94A7C30BF81C"


class Factory:
    """Builders for hand-made check inputs."""

    Account = Account
    Problem = Problem
    SmsMessage = SmsMessage
    SmsSummary = SmsSummary
    STALKER_CERT = STALKER_CERT

    @staticmethod
    def kb(**over) -> Knowledge:
        base = dict(
            version="test",
            trackers=(
                Tracker("tracker.tencent-stats", "Tencent Stats", ("analytics",), ("com.tencent.stat.",),
                        hosts=("pingma.qq.com",), vendor="tencent", statistics=True),
                Tracker("tracker.tencent-bugly", "Bugly", ("crash-reporting",), ("com.tencent.bugly.",),
                        hosts=("rqd.qq.com",), vendor="tencent"),
                Tracker("tracker.sensors-analytics", "Sensors Analytics", ("analytics",),
                        ("com.sensorsdata.analytics.android.sdk.",), vendor="sensorsdata"),
                Tracker("tracker.google-analytics", "Google Analytics", ("analytics",),
                        ("com.google.android.gms.analytics.",), vendor="google"),
                Tracker("tracker.admob", "Google AdMob", ("advertisement",), ("com.google.android.gms.ads.",),
                        vendor="google"),
                Tracker("tracker.crashlytics", "Crashlytics", ("crash-reporting",), ("com.crashlytics.",),
                        vendor="google"),
            ),
            indicators=(
                Indicator("ncsc.miad-blacklist-config", "MiAdBlacklistConfig", "censorship", "string",
                          ("MiAdBlacklistConfig",)),
                Indicator("store.apkpure", "APKPure", "store-redirect", "host", ("apkpure.com",)),
                Indicator("telemetry.miui-sa", "Xiaomi browser analytics", "vendor-telemetry", "host",
                          ("sa.api.intl.miui.com",)),
            ),
            stalkerware=(StalkerwareApp("TheTruthSpy", ("com.thetruth",), (STALKER_CERT,)),),
            stores=(
                Store("com.android.vending", "Google Play", "official"),
                Store("com.huawei.appmarket", "AppGallery", "vendor"),
                Store("com.xiaomi.mipicks", "GetApps", "vendor"),
                Store("com.google.android.packageinstaller", "Package installer", "installer"),
                Store("com.android.shell", "adb shell", "adb"),
                Store("cm.aptoide.pt", "Aptoide", "third-party"),
            ),
            distribution_platforms=(("APKPure", ("apkpure.com",)), ("Aptoide", ("aptoide.com",))),
            vendor_sms_services=(
                VendorSmsService("com.xiaomi.simactivate.service", "xiaomi", "sim-activation", "com.xiaomi"),
                VendorSmsService("com.miui.cloudservice", "xiaomi", "cloud", "com.xiaomi"),
                VendorSmsService("com.xiaomi.account", "xiaomi", "account", "com.xiaomi"),
            ),
            browsers=("com.mi.globalbrowser", "com.android.chrome", "com.huawei.browser", "org.mozilla.firefox"),
            root_packages=("com.topjohnwu.magisk", "eu.chainfire.supersu"),
        )
        base.update(over)
        return Knowledge(**base)

    @staticmethod
    def pkg(name: str, *, system: bool = False, path: str | None = None, enabled: bool = True,
            installer: str | None = None, granted=(), appops=None, requested=(), installed: bool = True,
            **more) -> PackageInfo:
        if path is None:
            path = (f"/system/priv-app/{name}/{name}.apk" if system else f"/data/app/{name}-1/base.apk")
        return PackageInfo(
            name=name, path=path, installer=installer, system=system, enabled=enabled, installed=installed,
            install_permissions=tuple(granted), requested_permissions=tuple(requested),
            appops=FrozenMap(appops or {}), **more,
        )

    @staticmethod
    def snap(packages=(), *, props=None, settings=None, complete: bool = True, **kw) -> DeviceSnapshot:
        settings = settings if settings is not None else {"global": {}, "secure": {}, "system": {}}
        return DeviceSnapshot(
            device=DeviceInfo(adb_serial="test"),
            props=FrozenMap(props if props is not None else {"ro.build.tags": "release-keys"}),
            packages=tuple(packages),
            settings={k: FrozenMap(v) for k, v in settings.items()},
            complete=complete,
            collected_at=kw.pop("collected_at", "2021-06-01T10:00:00Z"),
            **kw,
        )

    @staticmethod
    def thit(tid: str, name: str, cls: str, file: str = "classes.dex", category: str = "analytics") -> Hit:
        return Hit(tid, name, "class", cls, file, category)

    @staticmethod
    def ihit(iid: str, name: str, value: str, group: str, kind: str = "string", file: str = "classes.dex") -> Hit:
        return Hit(iid, name, kind, value, file, group)

    @staticmethod
    def apks(package: str, *, trackers=(), indicators=(), error=None, permissions=(), cert_sha1=(),
             label=None, failures=()) -> PackageApks:
        rep = ApkReport(sha256="0" * 64, package=package, trackers=tuple(trackers), indicators=tuple(indicators),
                        error=error, permissions=tuple(permissions), cert_sha1=tuple(cert_sha1), label=label)
        return PackageApks(package, (rep,), tuple(failures))

    @classmethod
    def inp(cls, snap, apks=(), kb=None, *, inspect_rest: bool = True) -> AuditInput:
        """AuditInput; every package without a given report gets a clean one unless
        `inspect_rest` is False (then it counts as not inspected)."""
        table = {a.package: a for a in apks}
        if inspect_rest:
            for p in snap.packages:
                table.setdefault(p.name, cls.apks(p.name))
        return AuditInput(snapshot=snap, apks=table, knowledge=kb if kb is not None else cls.kb())


@pytest.fixture
def f() -> type[Factory]:
    return Factory
