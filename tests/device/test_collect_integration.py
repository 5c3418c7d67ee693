"""collect -> build_snapshot through the real adb server against the simulated phones.

Each built-in profile is served by the simulator, registered with a private adb 36
server, read by `adb.collect.collect` and compared with the profile's own data.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from adb.allowlist import MARKER_RE, check_command_line, quote_argv
from adb.capture import load_capture, save_capture
from adb.collect import collect
from adb.connection import open_phone
from adb.parsers.build_snapshot import build_snapshot
from adb.progress import Progress
from simulator.commands.android import DANGEROUS
from simulator.profile import load_profile, resolve_profile

pytestmark = pytest.mark.adb

PROFILES = ["xiaomi-mi10t", "huawei-p40", "oneplus-8t", "pixel-clean"]


def _fmt(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _canonical(argv: list[str]) -> str:
    """How the gate writes an argv: markers as they are, everything else shlex-quoted."""
    if len(argv) == 2 and argv[0] == "echo" and MARKER_RE.fullmatch(argv[1]):
        return f"echo {argv[1]}" + ("" if argv[1].endswith("$?") else " >&2")
    return quote_argv(argv)


@pytest.fixture(scope="module")
def collected(request):
    return {}


@pytest.mark.parametrize("name", PROFILES)
def test_collect_matches_profile(sim_phone, name, tmp_path):
    profile = load_profile(name)
    handle = sim_phone(name)
    phone = open_phone(handle.serial)
    events: list[Progress] = []
    raw = collect(phone, progress=events.append)
    snap = build_snapshot(raw)

    assert raw.complete and snap.complete
    assert snap.problems == (), snap.problems
    assert snap.collected_at == raw.started_at
    assert [e.detail for e in events][:2] == ["properties", "package list"]
    assert events[-1].done == events[-1].total

    # props and identity
    for key, value in profile.props.items():
        assert snap.prop(key) == value, key
    assert snap.device.adb_serial == handle.serial
    assert snap.device.model == profile.props.get("ro.product.model")
    assert snap.device.security_patch == profile.props.get("ro.build.version.security_patch")

    # packages
    by_name = {p.name: p for p in snap.packages}
    assert set(by_name) == {p.name for p in profile.packages}
    for spec in profile.packages:
        got = by_name[spec.name]
        assert got.installer == spec.installer, spec.name
        assert got.uid == spec.uid, spec.name
        assert got.system == spec.system, spec.name
        assert got.enabled == spec.enabled, spec.name
        assert got.installed == spec.installed, spec.name
        assert got.version_code == spec.version_code, spec.name
        assert got.version_name == spec.version_name, spec.name
        assert got.path == spec.path, spec.name
        assert len(got.split_paths) == len(spec.splits), spec.name
        # what the profile grants is held; dangerous (runtime) ones exactly so. Android
        # (and the simulator) also grant requested normal permissions at install.
        assert set(spec.granted) <= got.granted_permissions, spec.name
        assert got.granted_permissions & DANGEROUS == set(spec.granted) & DANGEROUS, spec.name
        assert set(spec.granted) <= set(got.requested_permissions), spec.name
        assert got.first_install_time == _fmt(spec.first_install_time), spec.name
        if "android.permission.REQUEST_INSTALL_PACKAGES" in got.requested_permissions:
            op = spec.appops.get("REQUEST_INSTALL_PACKAGES")
            assert got.appops.get("REQUEST_INSTALL_PACKAGES") == (op or "default"), spec.name

    # settings, accounts, derived lists
    for ns in ("global", "secure", "system"):
        assert dict(snap.settings[ns]) == dict(profile.settings[ns]), ns
    assert [(a.name, a.type) for a in snap.accounts] == [(a.name, a.type) for a in profile.accounts]
    secure = profile.settings["secure"]
    assert snap.default_sms_app == (secure.get("sms_default_application") or None)
    a11y = [c for c in (secure.get("enabled_accessibility_services") or "").split(":") if c]
    assert set(a11y) <= set(snap.accessibility_services)
    listeners = [c for c in (secure.get("enabled_notification_listeners") or "").split(":") if c]
    assert list(snap.notification_listeners) == listeners
    assert snap.selinux in ("Enforcing", "Permissive", "Disabled")

    # SMS metadata only, and as many rows as the profile's inbox/sent tables hold
    assert snap.sms.readable
    sms_rows = [r for t in profile.content if t.uri == "content://sms" for r in t.rows]
    if sms_rows:
        assert len(snap.sms.messages) == len(sms_rows)
        assert {m.id for m in snap.sms.messages} == {r["_id"] for r in sms_rows}

    # everything the phone received was allowlisted and canonically quoted
    lines = handle.shell_commands()
    assert lines, "the simulator logged nothing"
    for line in lines:
        argvs = check_command_line(line)
        assert "; ".join(_canonical(a) for a in argvs) == line
        assert "body" not in line
    # batched: far fewer round trips than packages
    # 14 round trips until issue 15 added one batch for the phone state (ps, dumpsys adb,
    # mounts, /data/local/tmp) and one for the activity facts (netstats, usagestats, roles,
    # SEND_SMS times); a batch per package would be hundreds
    assert len(lines) <= 16 < len(profile.packages) or len(profile.packages) <= 16
    assert len(phone.gate.sent) == len(lines)

    # a saved capture reloads to an equal snapshot
    save_capture(raw, tmp_path / "cap")
    again = load_capture(tmp_path / "cap")
    assert again == raw
    assert build_snapshot(again) == snap


def _profile_copy(tmp_path: Path, name: str, faults: str) -> Path:
    src = resolve_profile(name)
    dst = tmp_path / name
    shutil.copytree(src, dst)
    toml = dst / "profile.toml"
    text = toml.read_text(encoding="utf-8")
    assert "[faults]" not in text
    toml.write_text(text + "\n[faults]\n" + faults + "\n", encoding="utf-8")
    return dst


def test_disconnect_mid_collection_keeps_what_was_read(sim_phone, tmp_path):
    folder = _profile_copy(tmp_path, "xiaomi-mi10t", 'disconnect_on_command = "dumpsys package"')
    profile = load_profile(folder)
    handle = sim_phone(folder)
    phone = open_phone(handle.serial)
    raw = collect(phone)

    assert raw.complete is False
    assert len(raw.problems) == 1
    reason = raw.problems[0].reason
    assert "disconnected" in reason and "package details" in reason
    assert raw.problems[0].command.startswith("dumpsys package")
    got = [o.command for o in raw.outputs]
    assert got[0] == "getprop"
    assert "pm list packages -f -i -U -u --show-versioncode" in got
    assert "dumpsys package" not in got  # never answered
    assert not any(c.startswith(("settings", "content")) for c in got)  # not attempted

    snap = build_snapshot(raw)
    assert snap.complete is False
    assert snap.problems == raw.problems
    assert snap.device.model == profile.props["ro.product.model"]
    assert {p.name for p in snap.packages} == {p.name for p in profile.packages}
    assert snap.settings == {}

    save_capture(raw, tmp_path / "cap")
    assert build_snapshot(load_capture(tmp_path / "cap")) == snap


def test_cancel_stops_between_steps(sim_phone):
    handle = sim_phone("pixel-clean")
    phone = open_phone(handle.serial)
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 2

    raw = collect(phone, cancelled=cancelled)
    assert not raw.complete
    assert "cancelled" in raw.problems[0].reason
    assert [o.command for o in raw.outputs][0] == "getprop"
    assert not any(o.command == "dumpsys package" for o in raw.outputs)
