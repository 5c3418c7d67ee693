"""Predicates over one installed package: pre-installed, can install apps, may use
the internet, and the package named in a component or an installer field.

Pure: nothing here talks to a phone.
"""

from __future__ import annotations

from model.apk_report import PackageApks


#: partitions whose APKs came with the phone (the factory image)
_PREINSTALLED_PREFIXES = (
    "/system/",
    "/product/",
    "/vendor/",
    "/system_ext/",
    "/odm/",
    "/apex/",
    "/oem/",
    "/preload/",
    "/cust/",
    "/my_",  # OnePlus/Oppo partitions: /my_product, /my_heytap, ...
)

INTERNET = "android.permission.INTERNET"
INSTALL_PACKAGES = "android.permission.INSTALL_PACKAGES"
REQUEST_INSTALL_PACKAGES = "REQUEST_INSTALL_PACKAGES"
SEND_SMS = "android.permission.SEND_SMS"


def is_preinstalled(pkg) -> bool:
    """Came with the phone: FLAG_SYSTEM, or its APK lives on a read-only partition."""
    if pkg.system:
        return True
    path = pkg.path or ""
    return path.startswith(_PREINSTALLED_PREFIXES)


def installs_apps(pkg) -> list[str]:
    """Why `pkg` can install other apps (empty when it cannot)."""
    why = []
    if pkg.appops.get(REQUEST_INSTALL_PACKAGES) == "allow":
        why.append("REQUEST_INSTALL_PACKAGES app op is allow")
    if pkg.holds(INSTALL_PACKAGES):
        why.append("holds INSTALL_PACKAGES")
    return why


def _known_permissions(pkg, apks: PackageApks | None) -> set[str]:
    known: set[str] = set(pkg.requested_permissions) | set(pkg.install_permissions)
    if apks is not None:
        for r in apks.reports:
            known.update(r.permissions)
    return known


def uid_peers(snapshot, pkg) -> list:
    """The other packages that run under `pkg`'s uid (`android:sharedUserId`): Android
    grants permissions, and so network access, per uid, not per package."""
    if snapshot is None or pkg.uid is None and not getattr(pkg, "shared_user", None):
        return []
    shared = getattr(pkg, "shared_user", None)
    return [p for p in snapshot.packages if p.name != pkg.name
            and ((pkg.uid is not None and p.uid == pkg.uid) or (shared and p.shared_user == shared))]


def may_use_internet(pkg, apks: PackageApks | None = None, snapshot=None, all_apks: dict | None = None) -> bool:
    """False only when the full permission list is known and lacks INTERNET, for the
    package and for every package sharing its uid (pass `snapshot`, and `all_apks` for
    their inspected manifests): one of them asking for INTERNET opens it for all."""
    known = _known_permissions(pkg, apks)
    if not known:
        return True  # the phone did not say: assume it may
    if INTERNET in known:
        return True
    for peer in uid_peers(snapshot, pkg):
        peer_known = _known_permissions(peer, (all_apks or {}).get(peer.name))
        if not peer_known or INTERNET in peer_known:
            return True
    return False


def package_of_component(component: str) -> str:
    """"pkg/.Cls" or "pkg/pkg.Cls" -> "pkg"."""
    return component.split("/", 1)[0].strip()


def installed_by(snapshot, installer: str) -> list[str]:
    """Packages whose recorded installer is `installer`."""
    return sorted(p.name for p in snapshot.packages if p.installer == installer)
