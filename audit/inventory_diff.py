"""What changed in a phone's apps between two audits: added, removed, updated,
re-enabled, disabled. A technician sees at a glance what the customer (or someone else)
installed since the last visit.

Works on the `apps` inventories of two report dicts (`phone-audit.report/1`), so it
serves `phone-audit diff` and the app's history alike. An app counts as updated when its
version code changed, or, at the same version, when its APK's SHA-256 changed (a
reinstall with other bytes under the same version is worth a look).
"""

from __future__ import annotations

from typing import Any

KINDS = (("added", "Apps added"), ("removed", "Apps removed"), ("updated", "Apps updated"),
         ("re_enabled", "Apps enabled again"), ("disabled", "Apps disabled"))


def _by_package(report: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {str(a.get("package")): a for a in (report or {}).get("apps", ()) if a.get("package")}


def _digests(app: dict[str, Any]) -> set[str]:
    return {str(x.get("sha256")) for x in app.get("apks", ()) if x.get("sha256")}


def diff_apps(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    """{kind: [{package, label, system, before, after}, ...]} for each of `KINDS`, each
    list sorted by package; `before`/`after` are the version names (or codes)."""
    a, b = _by_package(before), _by_package(after)
    out: dict[str, list[dict[str, Any]]] = {k: [] for k, _ in KINDS}

    def entry(name: str, old: dict | None, new: dict | None) -> dict[str, Any]:
        app = new or old or {}
        return {"package": name, "label": app.get("label"), "system": bool(app.get("system")),
                "before": _version(old), "after": _version(new)}

    for name in sorted(set(a) | set(b)):
        old, new = a.get(name), b.get(name)
        if old is None:
            out["added"].append(entry(name, None, new))
            continue
        if new is None:
            out["removed"].append(entry(name, old, None))
            continue
        same_version = old.get("version_code") == new.get("version_code")
        da, db = _digests(old), _digests(new)
        if not same_version or (da and db and da != db):
            out["updated"].append(entry(name, old, new))
        was, now = bool(old.get("enabled", True)), bool(new.get("enabled", True))
        if not was and now:
            out["re_enabled"].append(entry(name, old, new))
        elif was and not now:
            out["disabled"].append(entry(name, old, new))
    return out


def _version(app: dict[str, Any] | None) -> str | None:
    if app is None:
        return None
    name, code = app.get("version_name"), app.get("version_code")
    return str(name or code) if (name or code is not None) else None


def lines(apps: dict[str, list[dict[str, Any]]], plain) -> list[str]:
    """Plain lines for a terminal (`plain` sanitises phone text)."""
    out: list[str] = []
    for key, title in KINDS:
        items = apps.get(key) or []
        if not items:
            continue
        out.append(f"{title} ({len(items)})")
        for e in items:
            label = f" ({plain(e['label'])})" if e.get("label") else ""
            where = " [pre-installed]" if e.get("system") else ""
            versions = ""
            if key == "updated":
                versions = f": {plain(e['before'])} -> {plain(e['after'])}"
            elif key == "added" and e.get("after"):
                versions = f" {plain(e['after'])}"
            out.append(f"  {plain(e['package'])}{label}{where}{versions}")
    return out or ["Apps: no app added, removed, updated, enabled or disabled"]
