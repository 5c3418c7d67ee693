"""Loading device profiles: parsed values, defaults, and errors that name file, key and line."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from simulator import profile as prof
from simulator import profile_defaults
from simulator.profile import load_profile, resolve_profile
from simulator.profile_model import ProfileError

FIXTURES = Path(__file__).parent / "fixtures"
BASIC = FIXTURES / "basic"

MINIMAL = """\
[device]
description = "x"

[props]
"ro.build.version.sdk" = "29"
"""


def write_profile(tmp_path: Path, text: str, name: str = "p") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    # TOML ignores indentation; strip it so the tests can indent their snippets
    (folder / "profile.toml").write_text("\n".join(line.strip() for line in text.splitlines()) + "\n")
    return folder


def error_of(folder: Path) -> str:
    with pytest.raises(ProfileError) as exc:
        load_profile(folder)
    return str(exc.value)


# ---------------------------------------------------------------- good profiles


def test_fixture_loads_with_values_and_defaults():
    p = load_profile(BASIC)
    assert p.name == "basic"
    assert p.state == "device"
    assert p.props["ro.product.model"] == "M2007J3SG"
    assert p.settings["secure"]["install_non_market_apps"] == "1"  # integer accepted as text
    assert p.settings["global"]["package_verifier_enable"] == "1"
    sec = p.package("com.miui.securitycenter")
    assert sec.system and sec.enabled and sec.installed
    assert sec.installer == "com.xiaomi.market"
    assert sec.uid == 1000 and sec.version_code == 40000731
    assert sec.granted == ("android.permission.SEND_SMS", "android.permission.READ_PHONE_STATE",
                           "android.permission.INTERNET")
    assert dict(sec.appops) == {"REQUEST_INSTALL_PACKAGES": "allow"}
    assert sec.apk is None
    browser = p.package("com.mi.globalbrowser")
    assert browser.enabled is False
    assert browser.apk.file == (BASIC / "apks" / "Browser.apk").resolve()
    assert browser.first_install_time == int(dt.datetime(2020, 10, 27, 12, tzinfo=dt.timezone.utc).timestamp())
    spy = p.package("com.example.spy")
    assert spy.installer is None and not spy.system
    assert spy.splits == ("/data/app/com.example.spy-AbCdEf==/split_config.arm64_v8a.apk",)
    assert spy.apk.components[0].kind == "service"
    assert spy.apk.components[0].exported is True  # actions given: exported by default
    assert [a.type for a in p.accounts] == ["com.xiaomi", "com.google"]
    assert p.content[0].uri == "content://sms/sent"
    assert p.content[0].rows[2]["date"] == "1632400000000"
    assert p.commands["which su"].exit_code == 1
    assert p.commands["dumpsys device_policy"].stdout.startswith(b"Device Administrators:")
    assert p.files["/system/etc/hosts"] == (BASIC / "files" / "hosts").resolve()
    assert p.faults.latency_ms == 0


def test_minimal_profile_gets_spec_defaults(tmp_path):
    folder = write_profile(tmp_path, MINIMAL + """
        [[packages]]
        name = "com.example.app"

        [[packages]]
        name = "com.vendor.camera"
        system = true
        """)
    p = load_profile(folder)
    assert p.state == "device"
    assert set(p.settings) == {"global", "secure", "system"}
    app, cam = p.packages
    assert app.path.startswith("/data/app/com.example.app-") and app.path.endswith("==/base.apk")
    assert app.installer is None and app.enabled and not app.system
    assert app.version_code == 1 and app.version_name == "1.0"
    assert app.uid >= 10000 and cam.uid >= 10000 and app.uid != cam.uid
    assert cam.path == "/system/app/Camera/Camera.apk"
    assert p.faults.disconnect_on_command == ""


def test_patch_age_days_renders_a_recent_patch(tmp_path):
    folder = write_profile(tmp_path, """
        [device]
        patch_age_days = 20
        [props]
        "ro.build.version.sdk" = "33"
        """)
    p = load_profile(folder)
    expected = dt.date.today() - dt.timedelta(days=20)
    assert p.props["ro.build.version.security_patch"] == f"{expected.year:04d}-{expected.month:02d}-05"
    assert profile_defaults.patch_level_for_age(40, today=dt.date(2024, 3, 3)) == "2024-01-05"


# ---------------------------------------------------------------- errors


def test_unknown_key_names_key_table_and_line(tmp_path):
    folder = write_profile(tmp_path, MINIMAL + """
        [[packages]]
        name = "com.a"

        [[packages]]
        name = "com.b"
        instaler = "com.android.vending"
        """)
    lines = (folder / "profile.toml").read_text().splitlines()
    line_no = next(i for i, l in enumerate(lines, 1) if l.startswith("instaler"))
    msg = error_of(folder)
    assert f'profile.toml line {line_no}: unknown key "instaler" in [[packages]]' in msg
    assert str(folder / "profile.toml") in msg


@pytest.mark.parametrize(
    "extra, key, where",
    [
        ('[faults]\nlatency = 5\n', "latency", "[faults]"),
        ('[[packages]]\nname = "com.a"\n[packages.apk]\nfiel = "x.apk"\n', "fiel", "[packages.apk]"),
        ('[settings]\nglobl = {}\n', "globl", "[settings]"),
        ('[[accounts]]\nname = "a"\ntype = "b"\nkind = "c"\n', "kind", "[[accounts]]"),
        ('[[content]]\nuri = "content://sms"\nrow = []\n', "row", "[[content]]"),
    ],
)
def test_unknown_keys_everywhere(tmp_path, extra, key, where):
    folder = write_profile(tmp_path, MINIMAL + extra)
    lines = (folder / "profile.toml").read_text().splitlines()
    line_no = next(i for i, l in enumerate(lines, 1) if l.split("=")[0].strip() == key)
    assert f'line {line_no}: unknown key "{key}" in {where}' in error_of(folder)


def test_unknown_key_in_device_and_top_level(tmp_path):
    folder = write_profile(tmp_path, '[device]\nstate = "device"\ndescripton = "x"\n[props]\n')
    assert 'line 3: unknown key "descripton" in [device]' in error_of(folder)
    folder2 = write_profile(tmp_path, 'colour = "red"\n[device]\n[props]\n', name="q")
    assert 'line 1: unknown key "colour" in the top level' in error_of(folder2)


def test_unknown_key_in_inline_component(tmp_path):
    folder = write_profile(tmp_path, MINIMAL + textwrap.dedent("""
        [[packages]]
        name = "com.a"
        [packages.apk]
        permissions = []
        components = [
          {kind = "service", name = ".S", action = ["x"]},
        ]
        """))
    lines = (folder / "profile.toml").read_text().splitlines()
    line_no = next(i for i, l in enumerate(lines, 1) if "action =" in l)
    assert f'line {line_no}: unknown key "action" in a component of [packages.apk]' in error_of(folder)


@pytest.mark.parametrize(
    "extra, key, want",
    [
        ('[[packages]]\nname = "com.a"\nuid = "10001"\n', "uid", "must be an integer, not a string"),
        ('[[packages]]\nname = "com.a"\nsystem = "yes"\n', "system", "must be a boolean"),
        ('[[packages]]\nname = "com.a"\ngranted = "android.permission.X"\n', "granted", "must be an array of strings"),
        ('[faults]\nlatency_ms = "5"\n', "latency_ms", "must be an integer"),
    ],
)
def test_wrong_types_name_key_and_line(tmp_path, extra, key, want):
    folder = write_profile(tmp_path, MINIMAL + extra)
    lines = (folder / "profile.toml").read_text().splitlines()
    line_no = next(i for i, l in enumerate(lines, 1) if l.startswith(key + " "))
    msg = error_of(folder)
    assert f"line {line_no}:" in msg and f'"{key}"' in msg and want in msg


def test_wrong_state_and_prop_type(tmp_path):
    folder = write_profile(tmp_path, '[device]\nstate = "online"\n[props]\n')
    assert 'line 2: "state" must be one of device, unauthorized, offline' in error_of(folder)
    folder2 = write_profile(tmp_path, '[device]\n[props]\n"ro.debuggable" = true\n', name="q")
    assert 'line 3: "ro.debuggable" in [props] must be a string, not a boolean' in error_of(folder2)


def test_missing_device_or_props(tmp_path):
    assert "missing required table [device]" in error_of(write_profile(tmp_path, "[props]\n", "a"))
    assert "missing required table [props]" in error_of(write_profile(tmp_path, "[device]\n", "b"))


def test_missing_package_name(tmp_path):
    folder = write_profile(tmp_path, MINIMAL + '[[packages]]\npath = "/system/app/A/A.apk"\n')
    lines = (folder / "profile.toml").read_text().splitlines()
    header = lines.index("[[packages]]") + 1
    assert f'line {header}: missing required key "name" in [[packages]]' in error_of(folder)


def test_patch_age_and_patch_prop_together_is_an_error(tmp_path):
    folder = write_profile(tmp_path, '[device]\npatch_age_days = 3\n[props]\n"ro.build.version.security_patch" = "2020-01-01"\n')
    assert "line 2:" in error_of(folder) and "patch_age_days" in error_of(folder)


def test_files_must_stay_inside_the_profile(tmp_path):
    (tmp_path / "secret").write_text("x")
    folder = write_profile(tmp_path, MINIMAL + '[files]\n"/system/etc/hosts" = "../secret"\n')
    assert "must be a file inside the profile folder" in error_of(folder)
    folder2 = write_profile(tmp_path, MINIMAL + '[files]\n"/system/etc/hosts" = "files/nope"\n', name="q")
    assert 'file "files/nope"' in error_of(folder2) and "does not exist" in error_of(folder2)


def test_commands_need_one_source(tmp_path):
    folder = write_profile(tmp_path, MINIMAL + '[commands]\n"id" = { stdout = "x", file = "raw/id.txt" }\n')
    (folder / "raw").mkdir()
    (folder / "raw" / "id.txt").write_text("y")
    assert 'line 7: [commands] "id" has both "file" and "stdout"' in error_of(folder)


def test_duplicate_package_is_an_error(tmp_path):
    folder = write_profile(tmp_path, MINIMAL + '[[packages]]\nname = "com.a"\n[[packages]]\nname = "com.a"\n')
    assert 'package "com.a" appears twice' in error_of(folder)


def test_invalid_toml_names_the_file(tmp_path):
    folder = write_profile(tmp_path, "[device\n")
    msg = error_of(folder)
    assert "profile.toml" in msg and "not valid TOML" in msg and "line 1" in msg


def test_appop_mode_is_checked(tmp_path):
    folder = write_profile(tmp_path, MINIMAL + '[[packages]]\nname = "com.a"\nappops = { REQUEST_INSTALL_PACKAGES = "yes" }\n')
    assert 'mode "yes" must be one of allow, ignore, deny, default, foreground' in error_of(folder)


# ---------------------------------------------------------------- finding profiles


def test_resolve_profile_forms(tmp_path):
    assert resolve_profile(BASIC) == BASIC
    assert resolve_profile(BASIC / "profile.toml") == BASIC
    assert resolve_profile(str(BASIC)) == BASIC
    with pytest.raises(ProfileError, match="no profile 'no-such-phone'"):
        resolve_profile("no-such-phone")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ProfileError, match="no profile.toml"):
        resolve_profile(empty)


def test_profile_listing_on_a_folder(tmp_path):
    write_profile(tmp_path, '[device]\ndescription = "Second phone"\n[props]\n', name="b-phone")
    write_profile(tmp_path, '[device]\ndescription = "First phone"\n[props]\n', name="a-phone")
    (tmp_path / "not-a-profile").mkdir()
    assert prof._profiles_in(tmp_path) == [("a-phone", "First phone"), ("b-phone", "Second phone")]


def test_builtin_profiles_load_and_are_listed():
    entries = prof.builtin_profiles()
    assert entries == sorted(entries)
    for name, desc in entries:
        p = load_profile(name)
        assert p.description == desc
        assert resolve_profile(name) == prof.builtin_profiles_dir() / name


def test_profiles_command_output(tmp_path, monkeypatch):
    from tui.commands.profiles import format_profiles

    assert format_profiles([("a", "First"), ("longer-name", "Second")]) == "a            First\nlonger-name  Second\n"
    assert format_profiles([]) == ""
    out = subprocess.run([sys.executable, "-m", "tui", "profiles"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    expected = format_profiles(prof.builtin_profiles())
    assert out.stdout == expected
