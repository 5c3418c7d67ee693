"""The adb command line against a built-in simulated phone, on both adb servers.

This is what a technician types by hand to check a finding, so the simulated phone must
answer it exactly as a phone would, through the bundled adb 36 and Debian's adb 29:
connect, devices -l, shell with exit status, pm list, dumpsys package, settings get,
content query with projection, appops get, sha256sum, and a pull of every APK whose
SHA-256 equals what the phone's sha256sum says.
"""

from __future__ import annotations

import hashlib
import re

import pytest

from simulator.profile import load_profile

PROFILE = "huawei-p40"


@pytest.fixture
def phone(any_adb_server, sim_phone):
    handle = sim_phone(PROFILE, adb=any_adb_server)
    return any_adb_server, handle


def _shell(server, serial, *cmd):
    return server.adb("-s", serial, "shell", *cmd)


def test_devices_l_shows_the_model(phone):
    server, handle = phone
    out = server.adb("devices", "-l").stdout
    line = next(l for l in out.splitlines() if l.startswith(handle.serial))
    assert re.search(r"\bdevice\b", line)
    assert "model:ANA_NX9" in line  # spaces/dashes as adb shows them


def test_shell_carries_the_exit_status(phone):
    server, handle = phone
    assert _shell(server, handle.serial, "true").returncode == 0
    res = _shell(server, handle.serial, "which", "su")
    assert res.returncode == 1
    res = _shell(server, handle.serial, "no-such-tool")
    assert res.returncode == 127
    assert "inaccessible or not found" in res.stderr


def test_pm_list_packages_matches_the_profile(phone):
    server, handle = phone
    profile = load_profile(PROFILE)
    out = _shell(server, handle.serial, "pm", "list", "packages", "-f", "-i", "-U", "--show-versioncode").stdout
    lines = [l for l in out.splitlines() if l.startswith("package:")]
    installed = [p for p in profile.packages if getattr(p, "installed", True)]
    assert len(lines) == len(installed)
    store = next(p for p in profile.packages if p.name == "com.huawei.appmarket")
    line = next(l for l in lines if f"={store.name} " in l)
    assert line.startswith(f"package:{store.path}={store.name} versionCode:{store.version_code}  installer=")
    assert line.endswith(f"uid:{store.uid}")


def test_dumpsys_package_settings_content_appops(phone):
    server, handle = phone
    s = handle.serial
    dump = _shell(server, s, "dumpsys", "package", "com.huawei.appmarket").stdout
    assert "Package [com.huawei.appmarket]" in dump
    assert "android.permission.REQUEST_INSTALL_PACKAGES" in dump

    profile = load_profile(PROFILE)
    key, value = next(iter(profile.settings["global"].items()))
    assert _shell(server, s, "settings", "get", "global", key).stdout.strip() == str(value)
    assert _shell(server, s, "settings", "get", "global", "no_such_key_here").stdout.strip() == "null"

    rows = _shell(server, s, "content", "query", "--uri", "content://sms", "--projection", "_id:address:type").stdout
    row_lines = [l for l in rows.splitlines() if l.startswith("Row: ")]
    assert row_lines and all(re.match(r"Row: \d+ _id=.*, address=.*, type=\d+$", l) for l in row_lines)
    assert "SMSBODY" not in rows  # the projection left the body out

    ops = _shell(server, s, "appops", "get", "com.huawei.appmarket", "REQUEST_INSTALL_PACKAGES").stdout
    assert ops.startswith("REQUEST_INSTALL_PACKAGES: allow")


def test_every_apk_pulls_with_the_phones_sha256(phone, tmp_path):
    server, handle = phone
    s = handle.serial
    profile = load_profile(PROFILE)
    paths = [p.path for p in profile.packages if p.path]
    sample = paths + [split for p in profile.packages for split in getattr(p, "splits", ())]
    sums = _shell(server, s, "sha256sum", *sample).stdout
    phone_sha = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in sums.splitlines()}
    assert set(phone_sha) == set(sample)
    for i, remote in enumerate(sample):
        local = tmp_path / f"{i}.apk"
        res = server.adb("-s", s, "pull", remote, str(local))
        assert res.returncode == 0, res.stderr
        assert hashlib.sha256(local.read_bytes()).hexdigest() == phone_sha[remote]
