"""Our DEX table reader agrees with androguard's full parse on every DEX of real APKs."""

from __future__ import annotations

import zipfile

import loguru

from checks.dex import read_dex

loguru.logger.disable("androguard")


def _dex_entries(path):
    with zipfile.ZipFile(path) as zf:
        return [(n, zf.read(n)) for n in zf.namelist() if n.startswith("classes") and n.endswith(".dex")]


def test_tables_equal_androguard_on_every_dex(real_apks):
    from androguard.core.dex import DEX, TypeMapItem

    checked = 0
    for path in real_apks:
        for name, blob in _dex_entries(path):
            ours = read_dex(blob)
            ref = DEX(blob)
            where = f"{path.name}:{name}"
            assert ours.strings == ref.get_strings(), where
            assert ours.class_names == [c[1:-1].replace("/", ".") for c in ref.get_classes_names()], where
            item = ref.map_list.get_item_type(TypeMapItem.TYPE_ID_ITEM)
            descriptors = [t.get_descriptor_idx_value() for t in item.type] if item else []
            expected_types = [d[1:-1].replace("/", ".") for d in descriptors if d.startswith("L") and d.endswith(";")]
            assert ours.type_names == expected_types, where
            checked += 1
    # the uiautomator2 server alone has 16 DEX files
    assert checked >= 16


def test_real_multidex_counts(real_apks):
    big = next(p for p in real_apks if p.name == "appium-uiautomator2-server-v10.6.6.apk")
    tables = [read_dex(blob) for _, blob in _dex_entries(big)]
    assert len(tables) == 16
    # figures measured on this APK independently of read_dex when this test was written
    assert sum(len(t.strings) for t in tables) == 112_355
    assert sum(len(t.class_names) for t in tables) == 9_575
    # C0 80 (MUTF-8 NUL) occurs in this APK's strings and must decode to U+0000
    assert any("\0" in s for t in tables for s in t.strings)
