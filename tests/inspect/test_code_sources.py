"""All the code an APK ships is read (issue 12 point 5): DEX under assets/, DEX inside
an APK nested in the APK, every section of a DEX container (format 041), each with
its own version; what cannot be read is in `ApkReport.unread_code`, so checks that
need code say inconclusive for the app.

The APKs are real (simulator.apkgen: a v1-signed zip androguard reads); the tracker
(Tencent Stats, `com.tencent.stat.` in trackers.toml) and the stalkerware class are
planted in one place only, and each must be found there, its location in the hit.
"""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from checks.code_sources import MAX_CODE_UNITS, dex_sections, split_location
from checks.commands import cmd_code
from checks.dex import DexError, read_dex
from checks.inspect import inspect_apk_bytes
from checks.knowledge import load
from simulator.apkgen import ApkSpec, synthesize_apk
from simulator.apkgen.dex import build_dex, build_dex_container

TRACKER_CLASS = "com.tencent.stat.StatService"
#: a C2 host of Cocospy in the upstream ioc.yaml (c2.domains)
COCOSPY_C2 = "https://i.cocospy.com/api/upload"


@pytest.fixture(scope="module")
def kb():
    return load()


def _apk(*extra: tuple[str, bytes], package: str = "com.example.host") -> bytes:
    return synthesize_apk(ApkSpec(package=package, classes=("com.example.host.Main",),
                                  extra_entries=tuple(extra)))


def _tracker_files(report) -> list[str]:
    return [h.file for h in report.trackers if h.id == "tracker.tencent-stats"]


def test_plain_apk_reads_only_classes_dex_and_nothing_is_unread(kb):
    r = inspect_apk_bytes(_apk(), kb)
    assert r.ok and r.dex_files == ("classes.dex",) and r.unread_code == ()
    assert _tracker_files(r) == []


def test_tracker_only_in_assets_dex_is_found_there(kb):
    r = inspect_apk_bytes(_apk(("assets/x.dex", build_dex([TRACKER_CLASS]))), kb)
    assert r.dex_files == ("classes.dex", "assets/x.dex")
    assert _tracker_files(r) == ["assets/x.dex"]
    assert r.unread_code == ()


def test_dex_under_another_name_is_read_by_its_magic(kb):
    r = inspect_apk_bytes(_apk(("res/raw/logo.png", build_dex([TRACKER_CLASS]))), kb)
    assert _tracker_files(r) == ["res/raw/logo.png"]


def test_tracker_only_in_a_nested_apk_is_found_there(kb):
    inner = synthesize_apk(ApkSpec(package="com.example.plugin", classes=(TRACKER_CLASS,)))
    r = inspect_apk_bytes(_apk(("assets/plugin.apk", inner)), kb)
    assert _tracker_files(r) == ["assets/plugin.apk!/classes.dex"]
    assert "assets/plugin.apk!/classes.dex" in r.dex_files


def test_stalkerware_host_only_in_a_jar_in_a_jar_is_found(kb):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("classes.dex", build_dex(["com.example.lib.Up"], [COCOSPY_C2]))
    inner = buf.getvalue()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("lib/inner.jar", inner)
    r = inspect_apk_bytes(_apk(("assets/outer.zip", buf.getvalue())), kb)
    hits = [h for h in r.stalkerware if h.name == "Cocospy"]
    assert [(h.file, h.value) for h in hits] == [("assets/outer.zip!/lib/inner.jar!/classes.dex", COCOSPY_C2)]


def test_archive_nested_too_deep_is_unread_not_clean(kb):
    data = build_dex([TRACKER_CLASS])
    name = "classes.dex"
    for level in range(3):  # outer.zip > l1.zip > l2.zip > classes.dex: 3 archives deep
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr(name, data)
        data, name = buf.getvalue(), f"l{level}.zip"
    r = inspect_apk_bytes(_apk(("assets/outer.zip", data)), kb)
    assert _tracker_files(r) == []
    assert any("nested more than 2 deep" in u for u in r.unread_code), r.unread_code


def test_tracker_only_in_the_second_section_of_a_v041_container(kb):
    container = build_dex_container([(["com.example.host.Other"], ["nothing here"]), ([TRACKER_CLASS], [])])
    r = inspect_apk_bytes(_apk(("classes2.dex", container)), kb)
    assert _tracker_files(r) == ["classes2.dex#2"]
    assert r.dex_files == ("classes.dex", "classes2.dex#1", "classes2.dex#2")
    assert r.unread_code == ()


def test_container_sections_by_hand():
    """Two sections: the second header starts where the first one's file_size ends,
    every offset counts from the container's start, and each is read as itself."""
    container = build_dex_container([(["a.A"], []), (["b.B", "b.C"], ["hello"])])
    first_size = struct.unpack_from("<I", container, 0x20)[0]
    assert container[first_size:first_size + 8] == b"dex\n041\x00"
    assert struct.unpack_from("<II", container, first_size + 0x70) == (len(container), first_size)
    unread: list[str] = []
    assert dex_sections(container, unread, "c.dex") == [0, first_size] and unread == []
    assert read_dex(container, 0).class_names == ["a.A"]
    second = read_dex(container, first_size)
    assert second.class_names == ["b.B", "b.C"] and "hello" in second.strings


def test_a_section_is_read_from_where_its_own_header_places_its_container(kb):
    """AOSP art/libdexfile/dex/dex_file.cc (GetDataRange) reads a version-041 section's
    offsets from `header_offset_` bytes before its header, over `container_size_` bytes
    (dex_file.h HeaderV41: both right after the standard 0x70-byte header). A second
    section whose header says header_offset 0 and a container of its own size has its
    offsets counted from its own start: read that way, its tracker class is found."""
    first = bytearray(build_dex_container([(["com.example.host.Other"], [])]))
    second = build_dex_container([([TRACKER_CLASS], ["only here"])])
    # by hand: the first header's container holds both, the second header says 0 / its size
    struct.pack_into("<I", first, 0x70, len(first) + len(second))
    assert struct.unpack_from("<II", second, 0x70) == (len(second), 0)
    both = bytes(first) + second
    unread: list[str] = []
    assert dex_sections(both, unread, "c.dex") == [0, len(first)] and unread == []
    t = read_dex(both, len(first))
    assert t.class_names == [TRACKER_CLASS] and "only here" in t.strings
    r = inspect_apk_bytes(_apk(("classes2.dex", both)), kb)
    assert _tracker_files(r) == ["classes2.dex#2"] and r.unread_code == ()


def test_a_container_placed_before_the_file_is_not_read():
    """header_offset larger than the header's place: no container there (a DexError
    naming it, so the code is reported unread, never taken as empty); and, as
    dex_file_verifier.cc checks, a file_size that runs past the container."""
    dex = bytearray(build_dex_container([([TRACKER_CLASS], [])]))
    struct.pack_into("<II", dex, 0x70, len(dex) + 0x10, 0x10)
    with pytest.raises(DexError, match="before the file's start"):
        read_dex(bytes(dex))
    struct.pack_into("<II", dex, 0x70, len(dex), 0x10)
    with pytest.raises(DexError, match="runs past the container"):
        read_dex(bytes(dex))


def test_each_section_has_its_own_version(kb):
    """The first header says 041; the second says 099: it is not read and is reported."""
    container = build_dex_container([(["a.A"], []), ([TRACKER_CLASS], [])], versions=["041", "099"])
    r = inspect_apk_bytes(_apk(("assets/c.dex", container)), kb)
    assert _tracker_files(r) == []
    assert r.dex_files == ("classes.dex", "assets/c.dex#1")
    assert r.unread_code == ("assets/c.dex#2: unknown DEX version 099 (not one Android loads)",)


@pytest.mark.parametrize("version", ["035", "037", "038", "039", "040", "041"])
def test_every_version_a_runtime_loads_is_read(version):
    t = read_dex(build_dex([TRACKER_CLASS], version=version))
    assert t.class_names == [TRACKER_CLASS] and t.version == version


@pytest.mark.parametrize("version", ["036", "042", "999", "009"])
def test_other_versions_are_refused(version):
    blob = b"dex\n" + version.encode() + b"\x00" + build_dex([TRACKER_CLASS])[8:]
    with pytest.raises(DexError, match=f"unknown DEX version {version}"):
        read_dex(blob)


def test_androguard_agrees_on_an_assets_dex(kb):
    """The oracle: androguard reads the same class from the same assets/x.dex bytes."""
    from androguard.core.dex import DEX

    data = build_dex([TRACKER_CLASS, "com.example.Other"], ["https://example.org/x"])
    ours = read_dex(data)
    theirs = DEX(data)
    assert sorted(ours.class_names) == sorted(c.get_name()[1:-1].replace("/", ".") for c in theirs.get_classes())
    assert set(ours.strings) == set(theirs.get_strings())


def test_code_that_cannot_be_read_is_recorded(kb):
    garbage = b"this is not code" * 8
    encrypted = io.BytesIO()
    with zipfile.ZipFile(encrypted, "w") as z:
        z.writestr("classes.dex", build_dex([TRACKER_CLASS]))
    enc = bytearray(encrypted.getvalue())
    # set the "encrypted" flag bit in the local and central headers: zipfile then asks
    # for a password, as for a real encrypted plugin
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = enc.find(sig)
        enc[pos + flag_at] |= 1
    r = inspect_apk_bytes(_apk(("assets/payload.dex", garbage), ("assets/locked.jar", bytes(enc)),
                               ("assets/cut.dex", build_dex([TRACKER_CLASS])[:150])), kb)
    assert r.ok  # the APK itself was read
    by_loc = {u.split(":")[0]: u for u in r.unread_code}
    assert "neither a DEX nor a zip" in by_loc["assets/payload.dex"]
    assert "encrypted" in by_loc["assets/locked.jar!/classes.dex"]
    assert "truncated" in by_loc["assets/cut.dex"]


def test_more_code_units_than_the_cap_are_recorded(kb):
    extra = tuple((f"assets/d{i:03}.dex", build_dex([f"com.x.C{i}"])) for i in range(MAX_CODE_UNITS + 5))
    r = inspect_apk_bytes(_apk(*extra), kb)
    assert len(r.dex_files) == MAX_CODE_UNITS
    # classes.dex and 99 of assets/: the 100th assets DEX on is one line
    assert r.unread_code == ("assets/d099.dex: more than 100 code files; this one and 5 more not read",)


def test_locations_turn_back_into_commands():
    assert split_location("assets/p.apk!/classes.dex") == (["assets/p.apk", "classes.dex"], None)
    assert split_location("classes2.dex#2") == (["classes2.dex"], 2)
    assert cmd_code("/data/app/x/base.apk", "assets/p.apk!/classes.dex", "com/x") == (
        "adb pull /data/app/x/base.apk && unzip -p base.apk assets/p.apk > nested.zip && "
        "unzip -p nested.zip classes.dex | strings | grep -F com/x")
    assert cmd_code("/data/app/x/base.apk", "classes2.dex#2", "a") == (
        "adb pull /data/app/x/base.apk && unzip -p base.apk classes2.dex | strings | grep -F a")


@pytest.mark.parametrize("where, extra", [
    ("assets/x.dex", lambda: ("assets/x.dex", build_dex(["com.example.Up"], [COCOSPY_C2]))),
    ("assets/plugin.apk!/classes.dex",
     lambda: ("assets/plugin.apk", synthesize_apk(ApkSpec(package="com.example.plugin", strings=(COCOSPY_C2,))))),
    ("classes2.dex#2",
     lambda: ("classes2.dex", build_dex_container([(["com.example.A"], []), (["com.example.B"], [COCOSPY_C2])]))),
])
def test_stalkerware_host_hidden_in_each_place_is_found_there(kb, where, extra):
    r = inspect_apk_bytes(_apk(extra()), kb)
    assert [(h.name, h.file, h.value) for h in r.stalkerware] == [("Cocospy", where, COCOSPY_C2)]


@pytest.mark.parametrize("seed", range(12))
def test_mutated_nested_code_never_breaks_the_inspection(kb, seed):
    """Random byte flips and cuts in a nested APK and in a DEX container: the outer APK
    is still inspected, and every piece of code is either read or listed as unread."""
    import random

    rnd = random.Random(seed)
    inner = bytearray(synthesize_apk(ApkSpec(package="com.example.plugin", classes=(TRACKER_CLASS,))))
    container = bytearray(build_dex_container([(["a.A"], ["x"]), ([TRACKER_CLASS], ["y"])]))
    for blob in (inner, container):
        for _ in range(rnd.randint(1, 40)):
            blob[rnd.randrange(len(blob))] = rnd.randrange(256)
    if seed % 3 == 0:
        container = container[: rnd.randrange(0x70, len(container))]
    r = inspect_apk_bytes(_apk(("assets/plugin.apk", bytes(inner)), ("assets/c.dex", bytes(container))), kb)
    assert r.ok, r.error
    for where in ("assets/plugin.apk", "assets/c.dex"):
        assert any(f.startswith(where) for f in r.dex_files + r.unread_code), (where, r.dex_files, r.unread_code)


def test_inspect_command_lists_code_not_read(tmp_path, capsys):
    from tui.cli import main

    path = tmp_path / "odd.apk"
    path.write_bytes(_apk(("assets/v99.dex", b"dex\n099\x00" + build_dex([TRACKER_CLASS])[8:])))
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "code NOT read (1; what it holds was not looked at):" in out
    assert "  assets/v99.dex: unknown DEX version 099 (not one Android loads)" in out


def test_new_report_fields_survive_the_cache_round_trip(kb):
    """The APK cache stores `to_dict` as JSON: unread code, certificate names and
    stalkerware hits come back as the same values."""
    import json

    from model.apk_report import ApkReport

    r = inspect_apk_bytes(synthesize_apk(ApkSpec(
        package="com.example.host", strings=(COCOSPY_C2,), signer="x", signer_organization="Org",
        extra_entries=(("assets/v99.dex", b"dex\n099\x00" + build_dex(["a.B"])[8:]),))), kb)
    assert r.unread_code and r.stalkerware and r.cert_organizations == ("Org",)
    assert ApkReport.from_dict(json.loads(json.dumps(r.to_dict()))) == r
