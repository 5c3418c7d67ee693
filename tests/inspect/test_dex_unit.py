"""Unit tests of checks.dex: MUTF-8 corners, both string paths, hostile input, fuzzing."""

from __future__ import annotations

import struct
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.apkgen.dex import build_dex
from checks.dex import DexError, decode_mutf8, read_dex


def _uleb(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def craft_dex(items: list[bytes], types: list[int] = (), classes: list[int] = (), layout=None,
              offsets=None) -> bytes:
    """A minimal DEX whose string_data items are `items` (uleb size + bytes + NUL each).

    `layout` is the order the items are written in (default: id order); `offsets`
    overrides the string_ids entirely.
    """
    n_s, n_t, n_c = len(items), len(types), len(classes)
    ids_off = 0x70
    typ_off = ids_off + 4 * n_s
    cls_off = typ_off + 4 * n_t
    data_off = cls_off + 32 * n_c
    order = list(layout) if layout is not None else list(range(n_s))
    data = bytearray()
    offs = [0] * n_s
    for i in order:
        offs[i] = data_off + len(data)
        data += items[i]
    if offsets is not None:
        offs = list(offsets)
    body = struct.pack(f"<{n_s}I", *offs) + struct.pack(f"<{n_t}I", *types)
    for c in classes:
        body += struct.pack("<8I", c, 0, 0xFFFFFFFF, 0, 0xFFFFFFFF, 0, 0, 0)
    size = data_off + len(data)
    header = bytearray(0x70)
    header[0:8] = b"dex\n035\x00"
    struct.pack_into("<III", header, 0x20, size, 0x70, 0x12345678)
    struct.pack_into("<8I", header, 0x38, n_s, ids_off if n_s else 0, n_t, typ_off if n_t else 0, 0, 0, 0, 0)
    struct.pack_into("<II", header, 0x60, n_c, cls_off if n_c else 0)
    return bytes(header) + body + bytes(data)


def item(raw: bytes, units: int | None = None) -> bytes:
    return _uleb(len(raw) if units is None else units) + raw + b"\x00"


def test_build_dex_roundtrip_with_hard_strings():
    strings = ("", "a", "x" * 200, "y" * 20000, "nul\x00inside", "emoji \U0001F600 end",
               "lone \ud800 high", "lone \udc00 low", "é ü ñ 中文", "MiAdBlacklistConfig")
    classes = ("com.tencent.stat.StatService", "com.example.Main", "a.B")
    t = read_dex(build_dex(classes, strings))
    for s in strings:
        assert s in t.strings
    assert sorted(t.class_names) == sorted(classes)
    assert set(classes) <= set(t.type_names)
    assert "java.lang.Object" in t.type_names
    assert t.version == "035"


def test_general_path_out_of_order_items():
    items = [item(b"Lcom/a/B;"), item(b"Lcom/z/Y;"), item(b"hello"), item(b"")]
    blob = craft_dex(items, types=[0, 1], classes=[1], layout=[2, 0, 3, 1])
    t = read_dex(blob)
    assert t.strings == ["Lcom/a/B;", "Lcom/z/Y;", "hello", ""]
    assert t.type_names == ["com.a.B", "com.z.Y"]
    assert t.class_names == ["com.z.Y"]


def test_mutf8_nul_and_surrogate_pairs_both_paths():
    raw_nul = b"a\xc0\x80b"
    raw_pair = "\U0001F600".encode("utf-16-be", "surrogatepass")
    # CESU-8: each surrogate as 3 bytes
    cesu = "\ud83d".encode("utf-8", "surrogatepass") + "\ude00".encode("utf-8", "surrogatepass")
    assert raw_pair  # the pair exists
    items = [item(raw_nul, 3), item(cesu, 2), item(b"plain")]
    for layout in (None, [2, 1, 0]):
        t = read_dex(craft_dex(items, layout=layout))
        assert t.strings == ["a\x00b", "\U0001F600", "plain"]


def test_invalid_bytes_decode_to_replacement_not_error():
    t = read_dex(craft_dex([item(b"ok"), item(b"bad\xff\xfe"), item(b"tail")]))
    assert t.strings == ["ok", "bad\ufffd\ufffd", "tail"]


def test_decode_mutf8_direct():
    assert decode_mutf8(b"\xc0\x80") == "\x00"
    assert decode_mutf8("\ud83d".encode("utf-8", "surrogatepass") + "\ude00".encode("utf-8", "surrogatepass")) == "\U0001F600"
    assert decode_mutf8(b"\xed\xa0\x80x") == "\ud800x"
    assert decode_mutf8(b"\x80") == "\ufffd"


@pytest.mark.parametrize(
    "blob, reason",
    [
        (b"", "too short"),
        (b"PK\x03\x04" + bytes(200), "bad magic"),
        (b"dex\n035\x00" + bytes(0x68), "endian"),
    ],
)
def test_header_errors(blob, reason):
    with pytest.raises(DexError, match=reason):
        read_dex(blob)


def test_truncated_and_out_of_range():
    good = craft_dex([item(b"Lcom/a/B;")], types=[0], classes=[0])
    with pytest.raises(DexError, match="truncated"):
        read_dex(good[:-3])
    with pytest.raises(DexError, match="beyond the end"):
        read_dex(craft_dex([item(b"x")], offsets=[10_000]))
    with pytest.raises(DexError, match="string index"):
        read_dex(craft_dex([item(b"Lx;")], types=[5]))
    with pytest.raises(DexError, match="type index"):
        read_dex(craft_dex([item(b"Lx;")], types=[0], classes=[3]))
    # a count that cannot fit in the file is refused before anything is allocated
    blob = bytearray(good)
    struct.pack_into("<I", blob, 0x38, 900_000)
    with pytest.raises(DexError, match="do not fit"):
        read_dex(bytes(blob))


def test_counts_over_a_cap_are_refused_from_the_header_alone():
    """Header counts over the caps are refused before any table is read, whatever the
    file holds: the 12 KB file below cannot hold any of these tables."""
    from checks.dex import DexTooLarge

    good = craft_dex([item(b"Lx;")], types=[0], classes=[0]) + bytes(12_000)
    # (header offset, count, message) written from the DEX header layout by hand
    for off, count, message in ((0x38, 1_000_001, "1000001 strings (more than 1000000)"),
                                (0x40, 65_537, "65537 types (more than 65536)"),
                                (0x58, 65_537, "65537 methods (more than 65536)"),
                                (0x60, 65_537, "65537 classes (more than 65536)"),
                                (0x38, 0x3FFFFFFF, "1073741823 strings (more than 1000000)")):
        blob = bytearray(good)
        struct.pack_into("<I", blob, off, count)
        with pytest.raises(DexTooLarge) as caught:
            read_dex(bytes(blob))
        assert str(caught.value) == message
    # at the caps (and fitting in the file) the same header is read
    assert read_dex(good).class_names == ["x"]


def test_string_data_over_its_cap_is_refused():
    from checks import dex
    from checks.dex import DexTooLarge

    # two strings of 600 bytes each: 1,204 bytes of items with their prefixes and NULs
    blob = craft_dex([item(b"a" * 600), item(b"b" * 600)])
    assert len(read_dex(blob).strings) == 2
    old = dex.MAX_STRING_DATA
    dex.MAX_STRING_DATA = 1000
    try:
        with pytest.raises(DexTooLarge, match="string data"):
            read_dex(blob)
        # the general path (items written out of id order) is capped too
        with pytest.raises(DexTooLarge, match="string data"):
            read_dex(craft_dex([item(b"a" * 600), item(b"b" * 600)], layout=[1, 0]))
    finally:
        dex.MAX_STRING_DATA = old


def test_shared_and_unterminated_string_data():
    items = [item(b"abc"), item(b"def")]
    blob = craft_dex(items)
    first = struct.unpack_from("<I", blob, 0x70)[0]
    with pytest.raises(DexError, match="shared"):
        read_dex(craft_dex(items, offsets=[first, first]))
    no_nul = craft_dex([_uleb(3) + b"abc"])
    with pytest.raises(DexError, match="NUL"):
        read_dex(no_nul)


def test_memoryview_input():
    blob = build_dex(("com.example.A",), ("s",))
    assert read_dex(memoryview(blob)).class_names == ["com.example.A"]


_SEED = build_dex(("com.tencent.stat.StatService", "com.example.Main"), ("MiAdBlacklistConfig", "x" * 300, "a\x00b"))


# the deadline guards against hangs (a few ms is typical), it is not a speed test
@settings(max_examples=300, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzz_read_dex_raises_only_dexerror(data):
    blob = bytearray(_SEED)
    for _ in range(data.draw(st.integers(0, 12))):
        pos = data.draw(st.integers(0, len(blob) - 1))
        blob[pos] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        blob = blob[: data.draw(st.integers(0, len(blob)))]
    try:
        read_dex(bytes(blob))
    except DexError:
        pass


@settings(max_examples=200, deadline=timedelta(seconds=5))
@given(st.binary(max_size=4096))
def test_fuzz_random_bytes(blob):
    try:
        read_dex(b"dex\n035\x00" + blob)
    except DexError:
        pass


def test_many_ids_into_one_long_run_is_refused_not_quadratic():
    # 50,000 string ids, one byte apart, into 200 KB without a NUL: each search is
    # bounded by the next item, so this fails fast instead of scanning 50,000 x 200 KB.
    n = 50_000
    header = bytearray(0x70)
    header[0:8] = b"dex\n035\x00"
    data = b"\x05" + b"a" * (4 * n)
    ids_size = 4 * n
    start = 0x70 + ids_size
    offsets = [start + i for i in range(n)]
    body = struct.pack(f"<{n}I", *offsets) + data
    struct.pack_into("<III", header, 0x20, 0x70 + len(body), 0x70, 0x12345678)
    struct.pack_into("<II", header, 0x38, n, 0x70)
    with pytest.raises(DexError):
        read_dex(bytes(header) + body)
