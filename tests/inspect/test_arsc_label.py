"""The fast label (`checks.arsc_label`) against androguard's `get_app_name()`, the oracle:
on the real APKs of the DEX oracle (io.appium.settings labels itself through
@string/app_name; the appium server APKs have no label) and on generated APKs with
translated tables; a damaged table gives None (androguard is then asked), never an
exception."""

from __future__ import annotations

import random
import zipfile

import loguru
import pytest
from androguard.core.apk import APK

from checks.arsc_label import label_from_arsc, parse_reference
from checks.inspect import _app_name
from simulator.apkgen import ApkSpec, synthesize_apk_to

loguru.logger.disable("androguard")


def test_real_apks_give_androguards_label(real_apks):
    labels = {}
    for path in real_apks:
        apk = APK(str(path))
        labels[path.name] = _app_name(apk)
        assert labels[path.name] == apk.get_app_name(), path.name
    # `aapt dump badging settings_apk-debug.apk`: application-label:'Appium Settings'
    assert labels["settings_apk-debug.apk"] == "Appium Settings"


def test_the_reference_is_resolved_without_androguard(real_apks):
    path = next(p for p in real_apks if p.name == "settings_apk-debug.apk")
    apk = APK(str(path))
    ref = apk.get_attribute_value("application", "label")
    assert parse_reference(ref) == 0x7F080000  # `aapt dump resources`: string/app_name
    assert label_from_arsc(apk.get_file("resources.arsc"), 0x7F080000) == "Appium Settings"


@pytest.mark.parametrize("locales,strings", [((), 0), (("de", "fr", "pt-BR", "zh-TW"), 500)])
def test_generated_tables_give_androguards_label(tmp_path, locales, strings):
    path = tmp_path / "t.apk"
    synthesize_apk_to(ApkSpec(package="com.example.t", label="Réglages 設定", label_ref=True,
                              resource_strings=strings, resource_locales=locales), path)
    apk = APK(str(path))
    assert _app_name(apk) == apk.get_app_name() == "Réglages 設定"


def test_literal_labels_and_foreign_references_are_not_resolved_here():
    assert parse_reference("My App") is None
    assert parse_reference("@android:string/ok") is None
    assert parse_reference("@7f01000") is None
    assert parse_reference("@7F010000") == 0x7F010000


def test_a_damaged_table_gives_none_or_a_string_never_an_error(real_apks):
    path = next(p for p in real_apks if p.name == "settings_apk-debug.apk")
    with zipfile.ZipFile(path) as z:
        table = z.read("resources.arsc")
    rng = random.Random(20)
    for cut in [0, 4, 8, 12, 100, 1000, len(table) // 2, len(table) - 1]:
        assert label_from_arsc(table[:cut], 0x7F080000) is None
    for _ in range(120):
        bad = bytearray(table)
        for _ in range(rng.randint(1, 8)):
            # damage the chunk headers and the pools, where the walk reads
            at = rng.randrange(min(len(bad), 4096)) if rng.random() < 0.7 else rng.randrange(len(bad))
            bad[at] = rng.randrange(256)
        got = label_from_arsc(bytes(bad), 0x7F080000)
        assert got is None or isinstance(got, str)
    assert label_from_arsc(table, 0x7F08FFFF) is None  # no such entry
    assert label_from_arsc(table, 0x01010000) is None  # no such package
