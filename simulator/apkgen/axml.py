"""Android binary XML (AXML) writer, enough for a real AndroidManifest.xml.

The file is a chunk stream: RES_XML_TYPE header, a UTF-16 string pool, a resource map
(the framework attribute id of each attribute-name string, in string-pool order),
then namespace and element chunks. Attributes that carry a framework resource id are
what aapt, the platform and androguard look up, so `android:*` attributes must carry
the real ids (see `ANDROID_ATTR_IDS`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

__all__ = ["ANDROID_NS", "ANDROID_ATTR_IDS", "Attr", "Element", "ResRef", "encode_axml", "string_pool_chunk"]

ANDROID_NS = "http://schemas.android.com/apk/res/android"

# Framework attribute resource ids (frameworks/base/core/res/res/values/public.xml).
ANDROID_ATTR_IDS: dict[str, int] = {
    "label": 0x01010001,
    "icon": 0x01010002,
    "name": 0x01010003,
    "permission": 0x01010006,
    "sharedUserId": 0x0101000B,
    "enabled": 0x0101000E,
    "debuggable": 0x0101000F,
    "exported": 0x01010010,
    "process": 0x01010011,
    "authorities": 0x01010018,
    "priority": 0x0101001C,
    "minSdkVersion": 0x0101020C,
    "versionCode": 0x0101021B,
    "versionName": 0x0101021C,
    "targetSdkVersion": 0x01010270,
    "maxSdkVersion": 0x01010271,
    "allowBackup": 0x01010280,
    "usesCleartextTraffic": 0x010104EC,
}

_RES_STRING_POOL_TYPE = 0x0001
_RES_XML_TYPE = 0x0003
_RES_XML_START_NAMESPACE_TYPE = 0x0100
_RES_XML_END_NAMESPACE_TYPE = 0x0101
_RES_XML_START_ELEMENT_TYPE = 0x0102
_RES_XML_END_ELEMENT_TYPE = 0x0103
_RES_XML_RESOURCE_MAP_TYPE = 0x0180

_TYPE_REFERENCE = 0x01
_TYPE_STRING = 0x03
_TYPE_INT_DEC = 0x10
_TYPE_INT_BOOLEAN = 0x12
_NONE = 0xFFFFFFFF


@dataclass(frozen=True)
class ResRef:
    """A reference to a resource (`@string/app_name` is written as its id, 0x7f010000)."""

    id: int


@dataclass(frozen=True)
class Attr:
    """One attribute: `android=True` puts it in the android namespace with its id."""

    name: str
    value: "str | int | bool | ResRef"
    android: bool = True


@dataclass
class Element:
    """An XML element with attributes and children (no text nodes: manifests have none)."""

    tag: str
    attrs: list[Attr] = field(default_factory=list)
    children: list["Element"] = field(default_factory=list)


class _Pool:
    """String pool: strings with a resource id first (their order is the resource map)."""

    def __init__(self) -> None:
        self.strings: list[str] = []
        self.index: dict[str, int] = {}
        self.res_ids: list[int] = []

    def add(self, s: str) -> int:
        i = self.index.get(s)
        if i is None:
            i = self.index[s] = len(self.strings)
            self.strings.append(s)
        return i

    def add_attr_name(self, s: str, res_id: int) -> None:
        # Called before any other string is added, so ids line up with indexes.
        if s not in self.index:
            self.add(s)
            self.res_ids.append(res_id)


def _encode_utf16(s: str) -> bytes:
    data = s.encode("utf-16-le", "surrogatepass")
    n = len(data) // 2
    if n > 0x7FFF:
        head = struct.pack("<HH", 0x8000 | (n >> 16), n & 0xFFFF)
    else:
        head = struct.pack("<H", n)
    return head + data + b"\x00\x00"


def string_pool_chunk(strings: list[str]) -> bytes:
    """A UTF-16 ResStringPool chunk holding `strings` in order (no styles)."""
    offsets = []
    data = bytearray()
    for s in strings:
        offsets.append(len(data))
        data += _encode_utf16(s)
    data += bytes(-len(data) % 4)
    header_size = 28
    strings_start = header_size + 4 * len(strings)
    size = strings_start + len(data)
    return (
        struct.pack("<HHIIIIII", _RES_STRING_POOL_TYPE, header_size, size,
                    len(strings), 0, 0, strings_start, 0)
        + struct.pack(f"<{len(strings)}I", *offsets)
        + bytes(data)
    )


def _attr_sort_key(attr: Attr) -> tuple:
    # aapt2's order: attributes with a resource id first, by id; then the others by name.
    if attr.android and attr.name in ANDROID_ATTR_IDS:
        return (0, ANDROID_ATTR_IDS[attr.name], "")
    return (1, 0, attr.name)


def encode_axml(root: Element) -> bytes:
    """Encode an element tree as Android binary XML with the android namespace declared."""
    pool = _Pool()

    def collect_ids(el: Element) -> None:
        for a in el.attrs:
            if a.android:
                if a.name not in ANDROID_ATTR_IDS:
                    raise ValueError(f"no framework id known for android:{a.name}")
                pool.add_attr_name(a.name, ANDROID_ATTR_IDS[a.name])
        for c in el.children:
            collect_ids(c)

    collect_ids(root)
    prefix_i, uri_i = pool.add("android"), pool.add(ANDROID_NS)

    body: list[bytes] = []
    line = [1]

    def node_header(kind: int, size: int) -> bytes:
        ln = line[0]
        line[0] += 1
        return struct.pack("<HHIII", kind, 16, size, ln, _NONE)

    def emit(el: Element) -> None:
        name_i = pool.add(el.tag)
        attrs = sorted(el.attrs, key=_attr_sort_key)
        packed = []
        for a in attrs:
            ns = uri_i if a.android else _NONE
            an = pool.add(a.name)
            if isinstance(a.value, ResRef):
                raw, dtype, data = _NONE, _TYPE_REFERENCE, a.value.id & 0xFFFFFFFF
            elif isinstance(a.value, bool):
                raw, dtype, data = _NONE, _TYPE_INT_BOOLEAN, (_NONE if a.value else 0)
            elif isinstance(a.value, int):
                raw, dtype, data = _NONE, _TYPE_INT_DEC, a.value & 0xFFFFFFFF
            else:
                raw = data = pool.add(a.value)
                dtype = _TYPE_STRING
            packed.append(struct.pack("<IIIHBBI", ns, an, raw, 8, 0, dtype, data))
        ext = struct.pack("<IIHHHHHH", _NONE, name_i, 20, 20, len(packed), 0, 0, 0)
        payload = ext + b"".join(packed)
        body.append(node_header(_RES_XML_START_ELEMENT_TYPE, 16 + len(payload)) + payload)
        for c in el.children:
            emit(c)
        body.append(node_header(_RES_XML_END_ELEMENT_TYPE, 24) + struct.pack("<II", _NONE, name_i))

    body.append(node_header(_RES_XML_START_NAMESPACE_TYPE, 24) + struct.pack("<II", prefix_i, uri_i))
    emit(root)
    body.append(node_header(_RES_XML_END_NAMESPACE_TYPE, 24) + struct.pack("<II", prefix_i, uri_i))

    res_map = struct.pack(
        f"<HHI{len(pool.res_ids)}I", _RES_XML_RESOURCE_MAP_TYPE, 8, 8 + 4 * len(pool.res_ids), *pool.res_ids
    )
    chunks = string_pool_chunk(pool.strings) + res_map + b"".join(body)
    return struct.pack("<HHI", _RES_XML_TYPE, 8, 8 + len(chunks)) + chunks
