"""Turn an `ApkSpec` into a real, v1-signed APK, byte-identical on every run.

Entry order is fixed: AndroidManifest.xml, classes.dex, classes2.dex, ..., the spec's
`extra_entries` (deflated, in the given order), resources.arsc (STORED, 4-byte aligned, one string so that the default locale exists),
then assets/filler.bin (only when `size` asks for padding; STORED, 4-byte aligned), then
META-INF/MANIFEST.MF, META-INF/CERT.SF, META-INF/CERT.RSA. Every entry carries the same
timestamp (2008-01-01). Deflate output is that of the running zlib at level 9; it has
been stable across zlib 1.2.x/1.3.x, but a different deflate implementation
(e.g. zlib-ng) would change the compressed bytes, not the content.

The filler is an AES-128-CTR keystream keyed by the package name: deterministic,
incompressible and produced at several GB/s. It is generated twice, once to learn
its CRC-32 and SHA-256 (the local header and MANIFEST.MF need them first) and once to
stream it out, so a 100 MB APK never sits in memory.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .arsc import build_arsc
from .axml import Attr, Element, ResRef, encode_axml
from .dex import build_dex
from .sign import DEFAULT_ORGANIZATION, jar_signature_files
from .spec import ApkSpec, ComponentSpec
from .zipwriter import CENTRAL_ENTRY_FIXED, EOCD_SIZE, ZipWriter, deflate, local_header_size

__all__ = ["synthesize_apk", "synthesize_apk_to", "manifest_xml", "dex_files"]

FILLER_NAME = "assets/filler.bin"
ARSC_NAME = "resources.arsc"
_CHUNK = 1 << 20
# Room left for the signature files' deflated size to differ from the estimate; the
# unused part becomes padding in CERT.RSA's local header so the total is exact.
_SLACK_MARGIN = 64
_MAX_SIZE = 0xFFFFFFFF - (1 << 20)  # zip32 offsets and sizes, with room for the tail


def _component_element(package: str, c: ComponentSpec) -> Element:
    attrs = [Attr("name", c.name)]
    if c.permission is not None:
        attrs.append(Attr("permission", c.permission))
    if c.exported is not None:
        attrs.append(Attr("exported", c.exported))
    if c.kind == "provider":
        simple = c.name.rsplit(".", 1)[-1] or "provider"
        attrs.append(Attr("authorities", c.authorities if c.authorities is not None else f"{package}.{simple}"))
    el = Element(c.kind, attrs)
    if c.actions or c.categories:
        el.children.append(
            Element(
                "intent-filter",
                children=[Element("action", [Attr("name", a)]) for a in c.actions]
                + [Element("category", [Attr("name", k)]) for k in c.categories],
            )
        )
    return el


def manifest_xml(spec: ApkSpec) -> bytes:
    """The binary AndroidManifest.xml for `spec`."""
    manifest_attrs = [Attr("versionCode", int(spec.version_code)), Attr("package", spec.package, android=False)]
    if spec.version_name is not None:  # tolerated: a manifest may lack versionName
        manifest_attrs.append(Attr("versionName", spec.version_name))
    if spec.shared_user_id is not None:
        manifest_attrs.append(Attr("sharedUserId", spec.shared_user_id))
    app_attrs = []
    if spec.label_ref:
        app_attrs.append(Attr("label", ResRef(0x7F010000)))  # string/app_name in build_arsc
    elif spec.label is not None:
        app_attrs.append(Attr("label", spec.label))
    if spec.debuggable is not None:
        app_attrs.append(Attr("debuggable", spec.debuggable))
    sdk = [Attr(k, int(v)) for k, v in (("minSdkVersion", spec.min_sdk), ("targetSdkVersion", spec.target_sdk)) if v is not None]
    children = [Element("uses-sdk", sdk)]
    children += [Element("uses-permission", [Attr("name", p)]) for p in spec.permissions]
    children.append(Element("application", app_attrs, [_component_element(spec.package, c) for c in spec.components]))
    return encode_axml(Element("manifest", manifest_attrs, children))


def _split(items: list[str], parts: int) -> list[list[str]]:
    q, r = divmod(len(items), parts)
    out, start = [], 0
    for i in range(parts):
        end = start + q + (1 if i < r else 0)
        out.append(items[start:end])
        start = end
    return out


def dex_files(spec: ApkSpec) -> list[tuple[str, bytes]]:
    """(entry name, DEX bytes) for classes.dex, classes2.dex, ...; extra strings go in classes.dex."""
    classes = list(dict.fromkeys(spec.classes))
    if spec.dex_count > 0:
        groups = _split(classes, spec.dex_count)
    elif spec.max_classes_per_dex > 0 and classes:
        m = spec.max_classes_per_dex
        groups = [classes[i : i + m] for i in range(0, len(classes), m)]
    else:
        groups = [classes]
    def extra(i: int) -> tuple[str, ...]:
        if spec.dex_strings:
            return spec.dex_strings[i] if i < len(spec.dex_strings) else ()
        return spec.strings if i == 0 else ()

    return [
        ("classes.dex" if i == 0 else f"classes{i + 1}.dex", build_dex(group, extra(i)))
        for i, group in enumerate(groups)
    ]


def _filler_seed(spec: ApkSpec) -> bytes:
    return hashlib.sha256(b"phone-audit apk filler\x00" + spec.package.encode("utf-8", "surrogatepass")).digest()


def _filler_chunks(seed: bytes, size: int) -> Iterator[bytes]:
    encryptor = Cipher(algorithms.AES(seed[:16]), modes.CTR(seed[16:32])).encryptor()
    zeros = bytes(_CHUNK)
    remaining = size
    while remaining > 0:
        n = min(_CHUNK, remaining)
        yield encryptor.update(zeros if n == _CHUNK else zeros[:n])
        remaining -= n


def _filler_digests(seed: bytes, size: int) -> tuple[int, bytes]:
    crc, sha = 0, hashlib.sha256()
    for chunk in _filler_chunks(seed, size):
        crc = zlib.crc32(chunk, crc)
        sha.update(chunk)
    return crc, sha.digest()


class _CountingSink:
    """A write-only stream that only counts, for laying the zip out before writing it."""

    def write(self, data: bytes) -> int:
        return len(data)


def _write_apk(spec: ApkSpec, out: BinaryIO) -> None:
    if spec.size > _MAX_SIZE:
        raise ValueError(f"size {spec.size} needs zip64, which apkgen does not write (limit {_MAX_SIZE})")
    contents = [("AndroidManifest.xml", manifest_xml(spec))] + dex_files(spec) + list(spec.extra_entries)
    deflated = [(name, data, deflate(data)) for name, data in contents]
    arsc = build_arsc(spec.package, spec.label if spec.label is not None else spec.package,
                      extra_strings=spec.resource_strings, locales=spec.resource_locales)
    digests = [(name, hashlib.sha256(data).digest()) for name, data in contents]
    digests.append((ARSC_NAME, hashlib.sha256(arsc).digest()))

    def write_head(zw: ZipWriter) -> None:
        for name, data, comp in deflated:
            zw.add(name, data, compressed=comp)
        zw.add_stored(ARSC_NAME, arsc)

    def signature_entries(all_digests: list[tuple[str, bytes]]) -> list[tuple[str, bytes, bytes]]:
        return [(n, d, deflate(d)) for n, d in jar_signature_files(all_digests, spec.signer, spec.signer_organization or DEFAULT_ORGANIZATION)]

    def tail_size(meta: list[tuple[str, bytes, bytes]], n_central: int, names_len: int) -> int:
        locals_ = sum(local_header_size(n) + len(c) for n, _, c in meta)
        return locals_ + CENTRAL_ENTRY_FIXED * n_central + names_len + EOCD_SIZE

    head_names = [n for n, _, _ in deflated] + [ARSC_NAME]
    filler_len, filler_seed, filler_crc = 0, b"", 0
    if spec.size > 0:
        # Lay out the head, then size the filler so that it, the signature files
        # (estimated with a placeholder digest) and the central directory end at `size`.
        probe = ZipWriter(_CountingSink())
        write_head(probe)
        _, data_off = probe.stored_data_offset(FILLER_NAME)
        estimate = signature_entries(digests + [(FILLER_NAME, bytes(32))])
        names = head_names + [FILLER_NAME] + [n for n, _, _ in estimate]
        names_len = sum(len(n.encode("utf-8")) for n in names)
        filler_len = spec.size - data_off - tail_size(estimate, len(names), names_len) - _SLACK_MARGIN
        if filler_len > 0:
            filler_seed = _filler_seed(spec)
            filler_crc, sha = _filler_digests(filler_seed, filler_len)
            digests.append((FILLER_NAME, sha))
        else:
            filler_len = 0

    meta = signature_entries(digests)
    zw = ZipWriter(out)
    write_head(zw)
    slack = 0
    if filler_len:
        zw.add_stored_stream(FILLER_NAME, filler_len, filler_crc, _filler_chunks(filler_seed, filler_len))
        names = head_names + [FILLER_NAME] + [n for n, _, _ in meta]
        names_len = sum(len(n.encode("utf-8")) for n in names)
        slack = spec.size - zw.offset - tail_size(meta, len(names), names_len)
        if not (slack == 0 or slack >= 6):
            slack = 0  # outside the margin's reach: the size is then only approximate
    for i, (name, data, comp) in enumerate(meta):
        zw.add(name, data, compressed=comp, extra_len=slack if i == len(meta) - 1 else 0)
    zw.close()


def synthesize_apk(spec: ApkSpec) -> bytes:
    """The APK described by `spec`, as bytes; the same spec gives the same bytes, always."""
    buf = io.BytesIO()
    _write_apk(spec, buf)
    return buf.getvalue()


def synthesize_apk_to(spec: ApkSpec, path: str | os.PathLike[str]) -> None:
    """Write the APK for `spec` to `path`, streaming (for padded APKs of 100 MB and more).

    The file appears complete or not at all: it is written beside `path` and renamed.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as f:
            _write_apk(spec, f)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
