"""The registry: every check module is registered once, metadata complete, evaluate_all
gives every check exactly once and survives a broken check."""

from __future__ import annotations

import importlib
import pkgutil
import re
from types import SimpleNamespace

import checks
from checks import registry
from model.findings import CheckMeta, Finding, Severity, Status

PACKAGES = ("checks.ncsc", "checks.posture", "checks.apps")
REQUIRED = {
    "ncsc.appgallery-redirect", "ncsc.tencent-statistics", "ncsc.cloud-sms-registration",
    "ncsc.censorship-list", "ncsc.browser-analytics", "os.security-patch", "os.verified-boot",
    "os.selinux", "os.encryption", "os.root", "os.app-verification", "apps.unknown-sources",
    "apps.sideloaded", "apps.stalkerware", "apps.accessibility", "apps.device-admin",
    "apps.notification-listeners", "apps.trackers", "apps.sms-access",
}


def _all_check_modules():
    for pkg_name in PACKAGES:
        pkg = importlib.import_module(pkg_name)
        for info in pkgutil.iter_modules(pkg.__path__):
            yield importlib.import_module(f"{pkg_name}.{info.name}")


def test_every_module_is_registered_once():
    found = set(_all_check_modules())
    assert found, "no check modules found"
    assert found == set(registry.CHECKS)
    assert len(registry.CHECKS) == len(set(registry.CHECKS))


def test_ids_unique_required_present_and_categories_match():
    ids = [m.id for m in registry.catalogue()]
    assert len(ids) == len(set(ids))
    assert REQUIRED <= set(ids)
    for m in registry.catalogue():
        assert re.fullmatch(r"(ncsc|os|apps)\.[a-z0-9]+(-[a-z0-9]+)*", m.id), m.id
        assert m.id.split(".")[0] == m.category


def test_catalogue_order_ncsc_then_os_then_apps():
    cats = [m.category for m in registry.catalogue()]
    assert cats == sorted(cats, key=["ncsc", "os", "apps"].index)


def test_every_meta_field_filled_and_references_are_urls():
    for m in registry.catalogue():
        assert isinstance(m, CheckMeta)
        for field in ("id", "title", "category", "looks_at", "why", "remediation"):
            assert getattr(m, field).strip(), f"{m.id}: {field} empty"
        assert isinstance(m.severity, Severity)
        assert m.references, f"{m.id}: no references"
        for ref in m.references:
            assert re.fullmatch(r"https://[^\s]+", ref), f"{m.id}: {ref}"
        # modules keep evaluate beside META
        assert callable(registry.by_id(m.id).evaluate)


def test_evaluate_all_every_check_once_in_order(f):
    findings = registry.evaluate_all(f.inp(f.snap([])))
    assert [x.check for x in findings] == [m.id for m in registry.catalogue()]
    assert all(isinstance(x, Finding) for x in findings)


def test_a_raising_check_becomes_inconclusive(f, monkeypatch):
    broken = SimpleNamespace(META=registry.CHECKS[0].META, evaluate=lambda inp: {}["boom"])
    monkeypatch.setattr(registry, "CHECKS", (broken,) + registry.CHECKS[1:])
    findings = registry.evaluate_all(f.inp(f.snap([])))
    assert findings[0].status is Status.INCONCLUSIVE
    assert findings[0].summary == "internal error in this check: KeyError"
    assert len(findings) == len(registry.CHECKS)


def test_checks_survive_an_empty_snapshot_and_no_knowledge(f):
    from model.audit_input import AuditInput
    empty = AuditInput(snapshot=f.snap([], props={}, settings={}, collected_at=None), apks={}, knowledge=None)
    for x in registry.evaluate_all(empty):
        assert not x.summary.startswith("internal error"), (x.check, x.summary)


def test_checks_package_never_calls_adb():
    import ast
    import pathlib
    root = pathlib.Path(checks.__file__).parent
    for sub in ("ncsc", "posture", "apps"):
        for path in (root / sub).glob("*.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    mod = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                    assert not (mod or "").startswith(("adb", "subprocess", "adbutils")), (path, mod)
