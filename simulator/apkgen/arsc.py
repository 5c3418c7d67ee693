"""A minimal resources.arsc: one package, one string resource in the default config.

aapt (and the platform) list an APK's locales from its resource table; with no table
there are no locales, and `aapt dump badging` then never reports the application's
label. One `string/app_name` entry in the default configuration is enough to make the
default locale exist. The manifest's android:label stays a raw string either way.
"""

from __future__ import annotations

import struct

from .axml import string_pool_chunk

__all__ = ["build_arsc"]

_RES_TABLE_TYPE = 0x0002
_RES_TABLE_PACKAGE_TYPE = 0x0200
_RES_TABLE_TYPE_TYPE = 0x0201
_RES_TABLE_TYPE_SPEC_TYPE = 0x0202
_PACKAGE_HEADER_SIZE = 288  # ResTable_package including typeIdOffset
_CONFIG_SIZE = 64  # ResTable_config as aapt2 writes it; all zeros = the default config
_TYPE_STRING = 0x03
_APP_PACKAGE_ID = 0x7F


def _package_name_field(package: str) -> bytes:
    # char16_t name[128], NUL-terminated: longer names are cut (the field is informative).
    raw = package.encode("utf-16-le", "surrogatepass")[: 127 * 2]
    return raw + bytes(256 - len(raw))


def build_arsc(package: str, app_name: str) -> bytes:
    """The resource table of `package` holding string/app_name = `app_name` (0x7f010000)."""
    value_pool = string_pool_chunk([app_name])
    type_pool = string_pool_chunk(["string"])
    key_pool = string_pool_chunk(["app_name"])

    type_spec = struct.pack("<HHIBBHI", _RES_TABLE_TYPE_SPEC_TYPE, 16, 16 + 4, 1, 0, 0, 1) + struct.pack("<I", 0)

    entry = struct.pack("<HHI", 8, 0, 0) + struct.pack("<HBBI", 8, 0, _TYPE_STRING, 0)
    type_header_size = 20 + _CONFIG_SIZE
    entries_start = type_header_size + 4
    type_chunk = (
        struct.pack("<HHIBBHII", _RES_TABLE_TYPE_TYPE, type_header_size, entries_start + len(entry), 1, 0, 0, 1, entries_start)
        + struct.pack("<I", _CONFIG_SIZE) + bytes(_CONFIG_SIZE - 4)
        + struct.pack("<I", 0)
        + entry
    )

    type_strings_off = _PACKAGE_HEADER_SIZE
    key_strings_off = type_strings_off + len(type_pool)
    body = type_pool + key_pool + type_spec + type_chunk
    package_chunk = (
        struct.pack("<HHII", _RES_TABLE_PACKAGE_TYPE, _PACKAGE_HEADER_SIZE, _PACKAGE_HEADER_SIZE + len(body), _APP_PACKAGE_ID)
        + _package_name_field(package)
        + struct.pack("<IIIII", type_strings_off, 1, key_strings_off, 1, 0)
        + body
    )
    content = value_pool + package_chunk
    return struct.pack("<HHII", _RES_TABLE_TYPE, 12, 12 + len(content), 1) + content
