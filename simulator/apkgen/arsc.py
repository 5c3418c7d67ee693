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
_CONFIG_LOCALE = 0x0004  # ResTable_typeSpec flag: the entry varies by locale
_APP_PACKAGE_ID = 0x7F


def _package_name_field(package: str) -> bytes:
    # char16_t name[128], NUL-terminated: longer names are cut (the field is informative).
    raw = package.encode("utf-16-le", "surrogatepass")[: 127 * 2]
    return raw + bytes(256 - len(raw))


def _locale_config(locale: str) -> bytes:
    """A 64-byte ResTable_config for a language ("de") or language-region ("pt-BR")."""
    lang, _, region = locale.partition("-")
    cfg = bytearray(_CONFIG_SIZE)
    struct.pack_into("<I", cfg, 0, _CONFIG_SIZE)
    cfg[8:10] = lang.encode("ascii")[:2].ljust(2, b"\0")
    if region:
        cfg[10:12] = region.encode("ascii")[:2].ljust(2, b"\0")
    return bytes(cfg)


def _filler_text(package: str, i: int, locale: str) -> str:
    # deterministic UI-like text of 8-60 characters, different per entry and locale
    words = ("Settings", "Allow", "network", "account", "backup", "storage", "battery", "notify",
             "location", "camera", "sync", "privacy", "update", "device", "screen", "permission")
    n = 1 + (i * 7 + len(locale) * 3) % 8
    return " ".join(words[(i + k * 5 + len(package)) % len(words)] for k in range(n)) + f" {i}" + (
        f" ({locale})" if locale else "")


def build_arsc(package: str, app_name: str, *, extra_strings: int = 0, locales: tuple[str, ...] = ()) -> bytes:
    """The resource table of `package` holding string/app_name = `app_name` (0x7f010000).

    `extra_strings` adds that many more string resources (string/s1 ...) and `locales`
    a translated copy of every string per locale, in its own type chunk, the way a real
    app's table grows (real tables are mostly translated strings): the table is then a
    realistic size for the benchmarks while app_name stays 0x7f010000 in every config."""
    n = 1 + max(extra_strings, 0)
    configs = [("", bytes(struct.pack("<I", _CONFIG_SIZE)) + bytes(_CONFIG_SIZE - 4))]
    configs += [(loc, _locale_config(loc)) for loc in locales]
    values: list[str] = []
    type_chunks = []
    for loc, cfg in configs:
        entries = bytearray()
        for i in range(n):
            text = (app_name if not loc else f"{app_name} ({loc})") if i == 0 else _filler_text(package, i, loc)
            entries += struct.pack("<HHI", 8, 0, i) + struct.pack("<HBBI", 8, 0, _TYPE_STRING, len(values))
            values.append(text)
        offsets = struct.pack(f"<{n}I", *(16 * i for i in range(n)))
        header_size = 20 + _CONFIG_SIZE
        entries_start = header_size + 4 * n
        type_chunks.append(
            struct.pack("<HHIBBHII", _RES_TABLE_TYPE_TYPE, header_size, entries_start + len(entries), 1, 0, 0, n,
                        entries_start)
            + cfg + offsets + bytes(entries)
        )
    value_pool = string_pool_chunk(values)
    type_pool = string_pool_chunk(["string"])
    key_pool = string_pool_chunk(["app_name"] + [f"s{i}" for i in range(1, n)])
    spec_flag = _CONFIG_LOCALE if locales else 0
    type_spec = struct.pack("<HHIBBHI", _RES_TABLE_TYPE_SPEC_TYPE, 16, 16 + 4 * n, 1, 0, 0, n) + struct.pack(
        f"<{n}I", *([spec_flag] * n))

    type_strings_off = _PACKAGE_HEADER_SIZE
    key_strings_off = type_strings_off + len(type_pool)
    body = type_pool + key_pool + type_spec + b"".join(type_chunks)
    package_chunk = (
        struct.pack("<HHII", _RES_TABLE_PACKAGE_TYPE, _PACKAGE_HEADER_SIZE, _PACKAGE_HEADER_SIZE + len(body), _APP_PACKAGE_ID)
        + _package_name_field(package)
        + struct.pack("<IIIII", type_strings_off, 1, key_strings_off, n, 0)
        + body
    )
    content = value_pool + package_chunk
    return struct.pack("<HHII", _RES_TABLE_TYPE, 12, 12 + len(content), 1) + content
