"""The profile-rendered phone through the real adb server (bundled adb 36) and adbutils."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from simulator.phone import PhoneModel

pytestmark = pytest.mark.adb

BASIC = Path(__file__).parent / "fixtures" / "basic"
SPY = "/data/app/com.example.spy-AbCdEf==/base.apk"


@pytest.fixture
def phone(sim_phone, tmp_path):
    return sim_phone(PhoneModel.load(BASIC, apk_cache_dir=tmp_path / "apks"))


def test_shell_v2_output_and_exit_codes(phone):
    d = phone.device
    r = d.shell2("pm list packages -f -i -U --show-versioncode", v2=True)
    assert r.returncode == 0
    assert r.output.splitlines()[2] == f"package:{SPY}=com.example.spy versionCode:7  installer=null uid:10213"
    r = d.shell2("nosuchcmd", v2=True)
    assert r.returncode == 127 and "inaccessible or not found" in r.output
    # v1 shell with the exit-code trailer adbutils appends
    r = d.shell2("false && x || echo y", v2=False)
    assert (r.returncode, r.output) == (0, "y\n")


def test_pulled_apk_matches_the_phone_sha256sum(phone, tmp_path):
    d = phone.device
    line = d.shell(f"sha256sum {SPY}")
    claimed = line.split()[0]
    local = tmp_path / "base.apk"
    d.sync.pull(SPY, str(local))
    assert hashlib.sha256(local.read_bytes()).hexdigest() == claimed
    assert local.read_bytes() == phone.model.apk_file("com.example.spy").read_bytes()
    assert local.read_bytes()[:2] == b"PK"


def test_verbatim_command_over_adb(phone):
    assert phone.device.shell("dumpsys device_policy").startswith("Device Administrators:")
    assert "dumpsys device_policy" in phone.shell_commands()
