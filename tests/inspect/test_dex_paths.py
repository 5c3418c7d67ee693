"""checks.dex: the fast (contiguous) and general string paths agree with a reference
MUTF-8 encoding on any text, and the bulk shortcuts refuse what they cannot prove."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.dex import DexError, read_dex


def _uleb(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def mutf8(s: str) -> tuple[bytes, int]:
    """Java's modified UTF-8 of `s` and its length in UTF-16 units (C0 80 for U+0000,
    each surrogate as 3 bytes)."""
    units = struct.unpack(f">{len(s.encode('utf-16-be', 'surrogatepass')) // 2}H",
                          s.encode("utf-16-be", "surrogatepass"))
    out = bytearray()
    for u in units:
        if u == 0:
            out += b"\xc0\x80"
        elif u < 0x80:
            out.append(u)
        elif u < 0x800:
            out += bytes((0xC0 | u >> 6, 0x80 | u & 0x3F))
        else:
            out += bytes((0xE0 | u >> 12, 0x80 | (u >> 6) & 0x3F, 0x80 | u & 0x3F))
    return bytes(out), len(units)


def item(s: str) -> bytes:
    raw, units = mutf8(s)
    return _uleb(units) + raw + b"\x00"


def java_view(s: str) -> str:
    """What a MUTF-8 reader returns for `s`: surrogate pairs joined, lone halves kept."""
    return s.encode("utf-16-be", "surrogatepass").decode("utf-16-be", "surrogatepass")


def dex(items: list[bytes], descriptors_at: list[int] = (), classes: list[int] = (),
        layout: list[int] | None = None, offsets: list[int] | None = None) -> bytes:
    """A DEX holding `items` as string data (in `layout` order), type_ids pointing at the
    string ids `descriptors_at`, and class_defs naming the type ids `classes`."""
    n_s, n_t, n_c = len(items), len(descriptors_at), len(classes)
    ids_off = 0x70
    typ_off = ids_off + 4 * n_s
    cls_off = typ_off + 4 * n_t
    data_off = cls_off + 32 * n_c
    data = bytearray()
    offs = [0] * n_s
    for i in layout if layout is not None else range(n_s):
        offs[i] = data_off + len(data)
        data += items[i]
    if offsets is not None:
        offs = offsets
    body = struct.pack(f"<{n_s}I", *offs) + struct.pack(f"<{n_t}I", *descriptors_at)
    for c in classes:
        body += struct.pack("<8I", c, 0, 0xFFFFFFFF, 0, 0xFFFFFFFF, 0, 0, 0)
    header = bytearray(0x70)
    header[0:8] = b"dex\n035\x00"
    struct.pack_into("<III", header, 0x20, data_off + len(data), 0x70, 0x12345678)
    struct.pack_into("<4I", header, 0x38, n_s, ids_off if n_s else 0, n_t, typ_off if n_t else 0)
    struct.pack_into("<II", header, 0x60, n_c, cls_off if n_c else 0)
    return bytes(header) + body + bytes(data)


_ANY_TEXT = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, blacklist_categories=()),
                    max_size=300)


@settings(max_examples=150, deadline=None)
@given(st.lists(_ANY_TEXT, min_size=1, max_size=12, unique=True), st.randoms())
def test_both_paths_decode_any_text_like_java(texts, rnd):
    items = [item(t) for t in texts]
    expected = [java_view(t) for t in texts]
    assert read_dex(dex(items)).strings == expected  # contiguous, in id order
    layout = list(range(len(items)))
    rnd.shuffle(layout)
    assert read_dex(dex(items, layout=layout)).strings == expected  # any order


def test_long_strings_take_multibyte_size_prefixes():
    texts = ["a" * 127, "b" * 128, "c" * 20000, "é" * 200, "x\0" * 100 + "\U0001F600" * 70, "tail"]
    items = [item(t) for t in texts]
    assert items[2][:3] == _uleb(20000)  # a 3-byte prefix
    assert read_dex(dex(items)).strings == [java_view(t) for t in texts]


def test_empty_item_in_the_middle_is_refused_like_the_general_path():
    # "abc", then a bare size prefix 0 whose NUL would be the next item's first byte
    items = [item("abc"), b"\x00", item("def")]
    blob = dex(items)
    with pytest.raises(DexError, match="NUL-terminated"):
        read_dex(blob)


def test_offsets_beyond_2_31_are_refused_not_wrapped():
    items = [item("abc"), item("def"), item("ghi")]
    good = dex(items)
    first = struct.unpack_from("<I", good, 0x70)[0]
    # the middle offset + 2**32 would wrap to a valid one in 32-bit arithmetic
    blob = dex(items, offsets=[first, first + 5 + (1 << 31), first + 10])
    with pytest.raises(DexError):
        read_dex(blob)


def test_shifted_offset_is_not_accepted_as_contiguous():
    items = [item("abc"), item("defg"), item("hi")]
    first = struct.unpack_from("<I", dex(items), 0x70)[0]
    # id 1 points one byte into its item: a reader there sees size byte "d", then "efg";
    # the bulk split must not hand out "defg" for it
    assert read_dex(dex(items, offsets=[first, first + 6, first + 11])).strings == ["abc", "efg", "hi"]
    # the same lengths again but id 1 at the right place: accepted
    assert read_dex(dex(items, offsets=[first, first + 5, first + 11])).strings == ["abc", "defg", "hi"]


def test_class_types_out_of_one_run_and_classes_naming_non_class_types():
    texts = ["La/A;", "Lb/B;", "[I", "Lc/C;", "Ld/D;"]
    items = [item(t) for t in texts]
    # type ids: a, [I, c  (class types not one run: split by the array type)
    t = read_dex(dex(items, descriptors_at=[0, 2, 3], classes=[2, 0, 1]))
    assert t.type_names == ["a.A", "c.C"]
    assert t.class_names == ["c.C", "a.A", "[I"]  # a class_def naming an array type: verbatim
    # one run of class types: class names come from it
    t = read_dex(dex(items, descriptors_at=[0, 1, 3, 4], classes=[3, 0, 2]))
    assert t.type_names == ["a.A", "b.B", "c.C", "d.D"]
    assert t.class_names == ["d.D", "a.A", "c.C"]
    # a run followed by a non-class type that a class_def names
    t = read_dex(dex(items, descriptors_at=[0, 1, 2], classes=[2, 1]))
    assert t.type_names == ["a.A", "b.B"]
    assert t.class_names == ["[I", "b.B"]


def test_descriptor_holding_nul_or_malformed_is_kept_per_item():
    texts = ["La\0b;", "Lc/D;", "Lnosemicolon"]
    t = read_dex(dex([item(x) for x in texts], descriptors_at=[0, 1, 2], classes=[1, 2, 0]))
    assert t.type_names == ["a\0b", "c.D", "Lnosemicolon"]
    assert t.class_names == ["c.D", "Lnosemicolon", "a\0b"]


_TEXTS = sorted({"", "a", "Lcom/x/A;", "Lcom/x/B;", "[I", "é" * 130, "x\0y", "\U0001F600z", "\ud800",
                 "b" * 300, "中文"} | {f"s{i}" for i in range(20)})
_BASE = dex([item(t) for t in _TEXTS], descriptors_at=[2, 3, 4], classes=[0, 1])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0x70, len(_BASE) - 1), st.integers(0, 255)), min_size=1, max_size=4))
def test_fast_path_agrees_with_the_general_path_on_damaged_files(changes):
    from checks import dex as dexmod

    blob = bytearray(_BASE)
    for pos, value in changes:
        blob[pos] = value
    blob = bytes(blob)
    try:
        tables = read_dex(blob)
    except DexError:
        return
    n, off = struct.unpack_from("<II", blob, 0x38)
    general = dexmod._strings_general(blob, dexmod._u32_array(blob, off, n), len(blob))
    assert tables.strings == general
