"""The DEX writer against dexdump (ART's verifier) and androguard, plus a hypothesis round trip."""

from __future__ import annotations

import hashlib
import re
import struct
import subprocess
import zlib

import loguru
import pytest
from androguard.core.dex import DEX
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.apkgen.dex import build_dex, class_descriptor, encode_mutf8, utf16_sort_key

loguru.logger.disable("androguard")

OBJECT = "Ljava/lang/Object;"


def dexdump(path) -> subprocess.CompletedProcess:
    return subprocess.run(["dexdump", str(path)], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "text, encoded, units",
    [
        ("abc", b"abc", 3),
        ("", b"", 0),
        ("\x00", b"\xc0\x80", 1),
        ("é", b"\xc3\xa9", 1),
        ("\u0800", b"\xe0\xa0\x80", 1),
        ("\uffff", b"\xef\xbf\xbf", 1),
        ("\U0001F600", b"\xed\xa0\xbd\xed\xb8\x80", 2),  # a surrogate pair, 3 bytes each
        ("\ud800", b"\xed\xa0\x80", 1),  # lone surrogate kept as it is
    ],
)
def test_mutf8(text, encoded, units):
    assert encode_mutf8(text) == (encoded, units)


def test_utf16_order_puts_supplementary_before_high_bmp():
    words = ["\uffff", "\U0001F600", "\ue000", "a", "\x00"]
    assert sorted(words, key=utf16_sort_key) == ["\x00", "a", "\U0001F600", "\ue000", "\uffff"]


def test_class_descriptor():
    assert class_descriptor("com.example.Foo$Bar") == "Lcom/example/Foo$Bar;"
    assert class_descriptor("Lcom/example/Foo;") == "Lcom/example/Foo;"
    assert class_descriptor("Top") == "LTop;"


def test_header_checksum_signature_and_sizes():
    d = build_dex(["a.B", "c.D"], ["x", "y"])
    assert d[:8] == b"dex\n035\x00"
    checksum, = struct.unpack_from("<I", d, 8)
    assert checksum == zlib.adler32(d[12:])
    assert d[12:32] == hashlib.sha1(d[32:]).digest()
    file_size, header_size, endian = struct.unpack_from("<III", d, 32)
    assert (file_size, header_size, endian) == (len(d), 0x70, 0x12345678)
    data_size, data_off = struct.unpack_from("<II", d, 104)
    assert data_off + data_size == len(d)


def test_dexdump_verifies_and_lists_classes(tmp_path):
    classes = ["com.example.Foo", "com.example.Foo$Inner", "a.B", "日本.クラス"]
    strings = ["MiAdBlacklistConfig", "\x00 nul", "\U0001F600 emoji", "\uffff", "\ue000", "Ünïcødé"]
    path = tmp_path / "classes.dex"
    path.write_bytes(build_dex(classes, strings))
    r = dexdump(path)
    assert r.returncode == 0, r.stderr
    listed = re.findall(r"Class descriptor\s+:\s+'([^']*)'", r.stdout)
    assert sorted(listed) == sorted(class_descriptor(c) for c in classes)
    # the verifier is really on: one flipped byte is refused
    bad = bytearray(path.read_bytes())
    bad[-10] ^= 0xFF
    path.write_bytes(bad)
    assert dexdump(path).returncode != 0


def test_empty_dex_is_valid(tmp_path):
    path = tmp_path / "classes.dex"
    path.write_bytes(build_dex([], []))
    assert dexdump(path).returncode == 0
    assert DEX(path.read_bytes()).get_classes_names() == []


def test_androguard_reads_exact_tables():
    classes = ["com.tencent.stat.StatService", "com.xiaomi.miglobaladsdk.Const"]
    strings = ["b", "a", "a", "\U0001F600", "\uffff", "\x00"]
    d = DEX(build_dex(classes, strings))
    assert d.get_classes_names() == ["Lcom/tencent/stat/StatService;", "Lcom/xiaomi/miglobaladsdk/Const;"]
    expected = sorted({*strings, OBJECT, *(class_descriptor(c) for c in classes)}, key=utf16_sort_key)
    assert d.get_strings() == expected
    for cls in d.get_classes():
        assert cls.get_superclassname() == OBJECT


def test_deterministic_and_order_independent():
    a = build_dex(["x.A", "x.B"], ["s1", "s2"])
    assert a == build_dex(["x.B", "x.A", "x.A"], ["s2", "s1"])


_start = st.characters(categories=("Lu", "Ll", "Lt", "Lm", "Lo", "Nl")) | st.sampled_from("_$")
_part = _start | st.characters(categories=("Nd", "Mn", "Mc"))
_identifier = st.builds(lambda a, b: a + b, _start, st.text(_part, max_size=12))
_class_name = st.lists(_identifier, min_size=1, max_size=4).map(".".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(classes=st.lists(_class_name, max_size=12), strings=st.lists(st.text(max_size=40), max_size=20))
def test_hypothesis_round_trip_through_androguard(classes, strings):
    d = DEX(build_dex(classes, strings))
    descriptors = {class_descriptor(c) for c in classes}
    assert d.get_classes_names() == sorted(descriptors, key=utf16_sort_key)
    expected = set(strings) | descriptors | ({OBJECT} if descriptors else set())
    assert d.get_strings() == sorted(expected, key=utf16_sort_key)


@given(st.text())
def test_hypothesis_mutf8_decodes_back(text):
    from mutf8 import decode_modified_utf8  # the decoder androguard uses

    encoded, units = encode_mutf8(text)
    assert b"\x00" not in encoded  # U+0000 never appears raw: the terminator stays unique
    assert units == len(text.encode("utf-16-le")) // 2
    assert decode_modified_utf8(encoded) == text
