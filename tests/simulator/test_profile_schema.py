"""The profile format's JSON Schema: every profile the project ships or builds obeys it,
and a profile that breaks it is refused with the file, line, key path and what was
expected."""

from __future__ import annotations

import inspect
import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

from simulator import profile_schema
from simulator.profile import builtin_profiles, builtin_profiles_dir, load_profile
from simulator.profile_model import ProfileError
from tests.hostile import profiles as hostile

REPO = Path(__file__).resolve().parents[2]

MINIMAL = '[device]\ndescription = "x"\n\n[props]\n"ro.build.version.sdk" = "29"\n'


def schema_errors(folder: Path) -> list[str]:
    """What plain jsonschema (not our wording of it) says about a profile.toml."""
    data = tomllib.loads((folder / "profile.toml").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(profile_schema.schema())
    return [e.message for e in validator.iter_errors(profile_schema.as_json(data))]


def refused(tmp_path: Path, text: str) -> tuple[Path, str]:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "profile.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as exc:
        load_profile(folder)
    return folder, str(exc.value)


def test_the_schema_is_a_valid_draft_2020_12_schema_shipped_in_the_package():
    s = json.loads((REPO / "simulator" / "profile.schema.json").read_text(encoding="utf-8"))
    assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(s)
    assert profile_schema.schema_path() == REPO / "simulator" / "profile.schema.json"


def test_the_format_page_points_to_the_schema():
    page = (REPO / "docs" / "profile-format.md").read_text(encoding="utf-8")
    assert "simulator/profile.schema.json" in page


@pytest.mark.parametrize("name", [n for n, _ in builtin_profiles()])
def test_every_builtin_profile_obeys_the_schema(name):
    folder = builtin_profiles_dir() / name
    assert schema_errors(folder) == []
    assert load_profile(folder).name == name


def _small(builder):
    # two builders take a size: the shape of their profile is the same at any size,
    # and 200 MB of getprop or 50 000 packages are not needed to check it
    params = inspect.signature(builder).parameters
    if "size" in params:
        return lambda root: builder(root, size=4096)
    if "n" in params:
        return lambda root: builder(root, n=50)
    return builder


@pytest.mark.parametrize("builder", hostile.BUILDERS, ids=lambda b: b.__name__)
def test_every_hostile_profile_obeys_the_schema(tmp_path, builder):
    h = _small(builder)(tmp_path)
    assert schema_errors(h.folder) == []
    load_profile(h.folder)


def test_there_are_four_builtin_profiles_and_all_hostile_builders_are_checked():
    assert len(builtin_profiles()) == 4
    assert len(hostile.BUILDERS) >= 14


def test_wrong_type_is_refused_with_the_key_path(tmp_path):
    folder, msg = refused(tmp_path, MINIMAL + '\n[[packages]]\nname = "com.a"\n\n[[packages]]\n'
                                              'name = "com.b"\nversion_code = "7"\n')
    assert schema_errors(folder)  # the schema itself refuses it, not only the loader
    assert str(folder / "profile.toml") in msg
    assert "line 12:" in msg
    assert '"version_code" in [[packages]] must be an integer, not a string' in msg
    assert "(key path packages[1].version_code)" in msg


def test_wrong_type_inside_an_array_names_the_element(tmp_path):
    folder, msg = refused(tmp_path, MINIMAL + '\n[[packages]]\nname = "com.a"\n'
                                              'granted = ["android.permission.READ_SMS", 3]\n')
    assert schema_errors(folder)
    assert 'line 9: each of "granted" in [[packages]] must be a string, not an integer' in msg
    assert "(key path packages[0].granted[1])" in msg


def test_a_float_is_not_an_integer(tmp_path):
    # JSON Schema would take 5.0 as an integer; TOML tells 5 and 5.0 apart
    _folder, msg = refused(tmp_path, MINIMAL + "\n[faults]\nlatency_ms = 5.0\n")
    assert '"latency_ms" in [faults] must be an integer, not a float (key path faults.latency_ms)' in msg


def test_unknown_key_is_refused_with_the_key_path(tmp_path):
    folder, msg = refused(tmp_path, MINIMAL + '\n[[packages]]\nname = "com.a"\n[packages.apk]\n'
                                              'permissions = []\nsigner_cn = "x"\n')
    assert schema_errors(folder)
    assert 'line 11: unknown key "signer_cn" in [packages.apk] (key path packages[0].apk.signer_cn)' in msg


def test_missing_required_key_is_refused_with_the_key_path(tmp_path):
    folder, msg = refused(tmp_path, MINIMAL + '\n[[accounts]]\nname = "a@example.com"\n')
    assert schema_errors(folder)
    assert 'line 7: missing required key "type" in [[accounts]] (key path accounts[0])' in msg


def test_missing_required_table(tmp_path):
    folder, msg = refused(tmp_path, '[device]\ndescription = "x"\n')
    assert schema_errors(folder) == ["'props' is a required property"]
    assert "missing required table [props]" in msg


def test_out_of_range_and_pattern_say_what_was_expected(tmp_path):
    _f, msg = refused(tmp_path, MINIMAL + '\n[commands]\n"id" = { stdout = "", exit = 256 }\n')
    assert '"exit" in [commands.id] must be at most 255 (key path commands.id.exit)' in msg
    (tmp_path / "p" / "profile.toml").write_text(
        MINIMAL + '\n[[content]]\nuri = "sms"\n', encoding="utf-8")
    with pytest.raises(ProfileError) as exc:
        load_profile(tmp_path / "p")
    assert '"uri" in [[content]] must be a content:// URI, not "sms" (key path content[0].uri)' in str(exc.value)
