"""APK file -> `ApkReport`: manifest and signer via androguard, code via our DEX reader.

`inspect_apk(path, knowledge)` never raises for a bad APK: it returns a report whose
`error` is "could not inspect: <reason>". It is a top-level function of picklable
arguments, so the audit runner can call it in a ProcessPoolExecutor.

Nothing is ever extracted to disk: the file is read into memory once and every entry
is inflated in memory. Before androguard sees the file, the zip is checked
(`check_zip`) against these limits, chosen so a real APK always passes and a hostile
one cannot exhaust memory or trick the reader:

- at most `MAX_ENTRIES` (200,000) entries and `MAX_DIRECTORY_BYTES` of central
  directory, counted from the EOCD record before zipfile builds an object per entry;
  at most `MAX_DEX_FILES` (100) classes*.dex; a manifest nested deeper than
  `checks.axml_depth.MAX_XML_DEPTH` is refused before androguard; no duplicate names (two entries of one name
  let different readers see different files, as in the "master key" bugs); no name
  with a `..` component, a leading `/` or `\\`, a drive letter or a NUL;
- declared uncompressed total at most `MAX_TOTAL_UNCOMPRESSED` (2 GiB; Play caps an
  APK's download at a few hundred MB, and real APKs compress 2-4x);
- no entry over 1 MiB that claims a compression ratio above `MAX_RATIO` (200:1;
  DEX compresses about 3:1, XML about 10:1; zip bombs need hundreds or thousands to 1);
- every entry's data lies inside the file, and its local header agrees with the
  central directory (androguard's zip reader trusts local headers, zipfile the
  central directory: a disagreement is how an APK shows one reader other bytes);
- the entries that are inflated (the manifest, classes*.dex, resources.arsc and the
  v1 signature files) are inflated here first with a hard output cap
  (`MAX_DEX_BYTES`, `MAX_META_BYTES`): a deflate stream that does not end within the
  cap, or whose CRC is wrong, is rejected, so androguard's unbounded inflate of the
  same entries is safe afterwards;
- AndroidManifest.xml must exist.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

from model.apk_report import ApkReport, Component, Hit
from checks.axml_depth import MAX_XML_DEPTH, axml_too_deep
from checks.code_sources import MAX_CODE_UNITS, MAX_EXTRA_BYTES, code_units, is_code_entry
from checks.dex import DexError, read_dex
from model.knowledge import Knowledge
from checks.matching import DexIndex, match_indicators, match_trackers
from checks.stalkerware_match import match_certificate, match_hosts
from checks.zip_directory import directory_size

__all__ = [
    "inspect_apk",
    "check_zip",
    "ApkRejected",
    "MAX_ENTRIES",
    "MAX_DIRECTORY_BYTES",
    "MAX_DEX_FILES",
    "MAX_TOTAL_UNCOMPRESSED",
    "MAX_RATIO",
    "MAX_DEX_BYTES",
    "MAX_META_BYTES",
    "MAX_APK_BYTES",
]

MAX_ENTRIES = 200_000
#: central directory bytes (an entry is 46 bytes plus name, extra and comment)
MAX_DIRECTORY_BYTES = 64 << 20
MAX_TOTAL_UNCOMPRESSED = 2 << 30
MAX_RATIO = 200
RATIO_MIN_SIZE = 1 << 20
#: one classes*.dex inflated (real ones stay under ~20 MB: 64K method refs per DEX)
MAX_DEX_BYTES = 256 << 20
#: classes*.dex files read per APK (real multidex apps have a few dozen at most)
MAX_DEX_FILES = 100
#: manifest, resources.arsc, META-INF signature files
MAX_META_BYTES = 64 << 20
#: the APK file itself is read into memory once
MAX_APK_BYTES = 4 << 30

MANIFEST = "AndroidManifest.xml"
_DEX_NAME = re.compile(r"classes\d*\.dex")
_V1_SIG = re.compile(r"META-INF/[^/]+\.(RSA|DSA|EC|SF|MF)", re.IGNORECASE)

SMS_ACTIONS = frozenset({
    "android.provider.Telephony.SMS_RECEIVED",
    "android.provider.Telephony.SMS_DELIVER",
    "android.provider.Telephony.WAP_PUSH_DELIVER",
})
SERVICE_PERMISSIONS = frozenset({
    "android.permission.BIND_ACCESSIBILITY_SERVICE",
    "android.permission.BIND_NOTIFICATION_LISTENER_SERVICE",
})
SERVICE_ACTIONS = frozenset({
    "android.accessibilityservice.AccessibilityService",
    "android.service.notification.NotificationListenerService",
})
DEVICE_ADMIN_PERMISSION = "android.permission.BIND_DEVICE_ADMIN"
DEVICE_ADMIN_ACTION = "android.app.action.DEVICE_ADMIN_ENABLED"
_NS = "{http://schemas.android.com/apk/res/android}"


class ApkRejected(Exception):
    """The file is not an APK this module will read; the message says why."""


def _unsafe_name(name: str) -> bool:
    if not name or "\0" in name or name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        return True
    return any(part == ".." for part in re.split(r"[/\\]", name))


def _inflate(raw: bytes, info: zipfile.ZipInfo, data_start: int, cap: int) -> bytes:
    """Inflate one entry from the raw file, refusing to produce more than `cap` bytes."""
    comp = raw[data_start : data_start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        out = comp
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        d = zlib.decompressobj(-15)
        try:
            out = d.decompress(comp, cap + 1)
        except zlib.error as exc:
            raise ApkRejected(f"{info.filename}: corrupt deflate data ({exc})") from None
        if len(out) > cap or d.unconsumed_tail:
            raise ApkRejected(f"{info.filename}: inflates to more than {cap} bytes (zip bomb?)")
    else:
        raise ApkRejected(f"{info.filename}: unsupported compression method {info.compress_type}")
    if len(out) != info.file_size:
        raise ApkRejected(f"{info.filename}: inflated size {len(out)} differs from the declared {info.file_size}")
    if zlib.crc32(out) != info.CRC:
        raise ApkRejected(f"{info.filename}: CRC mismatch (corrupt or tampered)")
    return out


def check_zip(raw: bytes, unread: list[str] | None = None) -> dict[str, bytes]:
    """Check an APK's zip structure (see the module docstring) and inflate what is read.

    Returns {entry name: bytes} for the manifest, every classes*.dex (in DEX order),
    then every other code entry (`checks.code_sources.is_code_entry`: a DEX or archive
    anywhere in the APK). Raises `ApkRejected` with the reason. A code entry outside
    classes*.dex that cannot be inflated within the bounds does not reject the APK: it
    is appended to `unread` ("<name>: <reason>") when a list is given, else raises.
    """
    import io

    declared = directory_size(raw)
    # counted from the EOCD record, before zipfile builds one object per entry
    if declared is not None and declared[0] > MAX_ENTRIES:
        raise ApkRejected(f"{declared[0]} entries (more than {MAX_ENTRIES})")
    if declared is not None and declared[1] > MAX_DIRECTORY_BYTES:
        raise ApkRejected(f"central directory of {declared[1]} bytes (more than {MAX_DIRECTORY_BYTES})")
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as exc:
        raise ApkRejected(f"not a zip file or truncated ({exc})") from None
    except (OSError, ValueError, EOFError, struct.error) as exc:
        raise ApkRejected(f"unreadable zip ({exc})") from None
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise ApkRejected(f"{len(infos)} entries (more than {MAX_ENTRIES})")
    seen: set[str] = set()
    total = 0
    data_starts: dict[str, int] = {}
    for info in infos:
        name = info.filename
        if _unsafe_name(info.orig_filename):
            raise ApkRejected(f"unsafe entry name {name!r}")
        if name in seen:
            raise ApkRejected(f"duplicate entry name {name!r}")
        seen.add(name)
        total += info.file_size
        if total > MAX_TOTAL_UNCOMPRESSED:
            raise ApkRejected(f"declared uncompressed size over {MAX_TOTAL_UNCOMPRESSED >> 30} GiB (zip bomb?)")
        if info.file_size > RATIO_MIN_SIZE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ApkRejected(
                f"{name}: compression ratio {info.file_size // max(info.compress_size, 1)}:1 (zip bomb?)"
            )
        off = info.header_offset
        if off < 0 or off + 30 > len(raw):
            raise ApkRejected(f"{name}: local header outside the file (truncated?)")
        sig, _ver, _flag, method, _t, _d, crc, csize, usize, nlen, elen = struct.unpack_from(
            "<IHHHHHIIIHH", raw, off
        )
        if sig != 0x04034B50:
            raise ApkRejected(f"{name}: bad local header (truncated or not a zip)")
        lname = raw[off + 30 : off + 30 + nlen]
        if lname != info.orig_filename.encode("utf-8") and lname != info.orig_filename.encode("cp437", "replace"):
            raise ApkRejected(f"{name}: local header names another file {lname[:100]!r}")
        if method != info.compress_type:
            raise ApkRejected(f"{name}: local header compression differs from the central directory")
        if (csize or usize) and (csize, usize) != (info.compress_size, info.file_size) and csize != 0xFFFFFFFF:
            raise ApkRejected(f"{name}: local header sizes differ from the central directory")
        start = off + 30 + nlen + elen
        if start + info.compress_size > len(raw):
            raise ApkRejected(f"{name}: data runs past the end of the file (truncated)")
        data_starts[name] = start
    if MANIFEST not in seen:
        raise ApkRejected("no AndroidManifest.xml (not an APK)")
    by_name = {i.filename: i for i in infos}
    out: dict[str, bytes] = {}
    out[MANIFEST] = _inflate(raw, by_name[MANIFEST], data_starts[MANIFEST], MAX_META_BYTES)
    dex_names = sorted((n for n in seen if _DEX_NAME.fullmatch(n)), key=_dex_order)
    if len(dex_names) > MAX_DEX_FILES:
        # each DEX is inflated and indexed: thousands of them cost memory and report size
        raise ApkRejected(f"{len(dex_names)} DEX files (more than {MAX_DEX_FILES})")
    for name in dex_names:
        out[name] = _inflate(raw, by_name[name], data_starts[name], MAX_DEX_BYTES)
    _inflate_other_code(raw, by_name, data_starts, out, unread)
    for name in seen:
        if name == "resources.arsc" or _V1_SIG.fullmatch(name):
            _inflate(raw, by_name[name], data_starts[name], MAX_META_BYTES)
    return out


def _head(raw: bytes, info: zipfile.ZipInfo, start: int) -> bytes:
    """An entry's first 8 bytes, inflating no more than that."""
    comp = memoryview(raw)[start : start + min(info.compress_size, 4096)]
    if info.compress_type == zipfile.ZIP_STORED:
        return bytes(comp[:8])
    if info.compress_type != zipfile.ZIP_DEFLATED:
        return b""
    try:
        return zlib.decompressobj(-15).decompress(comp, 8)
    except zlib.error:
        return b""


def _inflate_other_code(raw: bytes, by_name: dict, data_starts: dict[str, int], out: dict[str, bytes],
                        unread: list[str] | None) -> None:
    """Inflate the code entries outside classes*.dex (a DEX or an archive anywhere),
    within `code_sources.MAX_CODE_UNITS` entries and `MAX_EXTRA_BYTES` in all."""
    names = [n for n in sorted(by_name) if n not in out and not by_name[n].is_dir()
             and is_code_entry(n, _head(raw, by_name[n], data_starts[n]))]
    total = 0
    count = len(out) - 1  # the manifest is not code
    for i, name in enumerate(names):
        info = by_name[name]
        reason = None
        if count >= MAX_CODE_UNITS:
            reason = f"more than {MAX_CODE_UNITS} code files; this one and {len(names) - i - 1} more not read"
            if unread is None:
                raise ApkRejected(f"{name}: {reason}")
            unread.append(f"{name}: {reason}")
            return
        if total + info.file_size > MAX_EXTRA_BYTES:
            reason = f"code outside classes*.dex over {MAX_EXTRA_BYTES >> 20} MiB in all; not read"
        else:
            try:
                out[name] = _inflate(raw, info, data_starts[name], MAX_DEX_BYTES)
                total += info.file_size
                count += 1
                continue
            except ApkRejected as exc:
                if unread is None:
                    raise
                reason = f"{exc}; not read".removeprefix(f"{name}: ")
        if unread is None:
            raise ApkRejected(f"{name}: {reason}")
        unread.append(f"{name}: {reason}")


def _dex_order(name: str) -> int:
    digits = name[len("classes") : -len(".dex")]
    return int(digits) if digits else 1


def _as_int(value: Any) -> int | None:
    try:
        return int(str(value), 0) if value is not None and str(value).strip() else None
    except ValueError:
        return None


def _components(xml: Any, package: str) -> tuple[Component, ...]:
    """Receivers with SMS actions, accessibility / notification-listener services,
    device-admin receivers: the components the checks judge."""
    if xml is None:
        return ()
    found: list[Component] = []
    app = xml.find("application")
    if app is None:
        return ()
    for el in app:
        kind = el.tag if isinstance(el.tag, str) else ""
        if kind not in ("receiver", "service", "activity", "provider", "activity-alias"):
            continue
        name = el.get(_NS + "name") or ""
        if name.startswith("."):
            name = package + name
        elif name and "." not in name:
            name = f"{package}.{name}"
        permission = el.get(_NS + "permission")
        exported_raw = el.get(_NS + "exported")
        exported = None if exported_raw is None else exported_raw.lower() == "true"
        actions = tuple(
            a.get(_NS + "name") or ""
            for f in el.findall("intent-filter")
            for a in f.findall("action")
        )
        matters = (
            (kind == "receiver" and (SMS_ACTIONS.intersection(actions)
                                     or permission == DEVICE_ADMIN_PERMISSION
                                     or DEVICE_ADMIN_ACTION in actions))
            or (kind == "service" and (permission in SERVICE_PERMISSIONS
                                       or SERVICE_ACTIONS.intersection(actions)))
        )
        if matters:
            found.append(Component(kind=kind, name=name, permission=permission,
                                   actions=actions, exported=exported))
    return tuple(found)


def _manifest_and_signers(raw: bytes) -> tuple[dict[str, Any], list[str]]:
    """Manifest facts and signer certificates via androguard; problems as warnings."""
    import loguru

    loguru.logger.disable("androguard")
    from androguard.core.apk import APK

    facts: dict[str, Any] = {}
    warnings: list[str] = []
    try:
        apk = APK(raw, raw=True)
    except Exception as exc:  # androguard raises many kinds on odd input
        return facts, [f"manifest: androguard could not read the APK ({type(exc).__name__}: {exc})"]
    xml = apk.get_android_manifest_xml() if apk.is_valid_APK() else None
    if xml is None:
        warnings.append("manifest: AndroidManifest.xml could not be parsed (bad binary XML)")
    else:
        try:
            package = apk.get_package() or None
            facts.update(
                package=package,
                version_code=_as_int(apk.get_androidversion_code()),
                version_name=apk.get_androidversion_name(),
                min_sdk=_as_int(apk.get_min_sdk_version()),
                target_sdk=_as_int(apk.get_target_sdk_version()),
                permissions=tuple(sorted(set(apk.get_permissions()))),
                components=_components(xml, package or ""),
            )
        except Exception as exc:
            warnings.append(f"manifest: {type(exc).__name__}: {exc}")
        try:
            facts["label"] = apk.get_app_name() or None
        except Exception as exc:
            warnings.append(f"label: {type(exc).__name__}: {exc}")
    try:
        certs = apk.get_certificates()
        facts["cert_sha256"] = tuple(c.sha256.hex() for c in certs)
        facts["cert_sha1"] = tuple(c.sha1.hex() for c in certs)
        facts["cert_subjects"] = tuple(c.subject.human_friendly for c in certs)
        facts["cert_common_names"] = tuple(str(c.subject.native.get("common_name") or "") for c in certs)
        facts["cert_organizations"] = tuple(_first(c.subject.native.get("organization_name")) for c in certs)
        if not certs:
            warnings.append("signature: no signer certificate found (unsigned APK?)")
    except Exception as exc:
        warnings.append(f"signature: could not read signer certificates ({type(exc).__name__}: {exc})")
    return facts, warnings


def _first_per_family(hits: list[Hit]) -> list[Hit]:
    """The first hit of each family (certificate before code, DEX order after)."""
    seen: set[str] = set()
    return [h for h in hits if not (h.id in seen or seen.add(h.id))]


def _first(value: Any) -> str:
    """One subject attribute as text (a repeated attribute comes as a list)."""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return str(value or "")


def inspect_apk(path: Path, knowledge: Knowledge, sha256: str | None = None) -> ApkReport:
    """Inspect one APK file. Never raises for a bad APK: see `ApkReport.error`."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_APK_BYTES:
            return ApkReport(sha256=sha256 or "", size=size, kb_version=knowledge.version,
                             error=f"could not inspect: file larger than {MAX_APK_BYTES >> 30} GiB")
        raw = path.read_bytes()
    except OSError as exc:
        return ApkReport(sha256=sha256 or "", kb_version=knowledge.version,
                         error=f"could not inspect: cannot read file ({exc.strerror or exc})")
    return inspect_apk_bytes(raw, knowledge, sha256)


def inspect_apk_bytes(raw: bytes, knowledge: Knowledge, sha256: str | None = None) -> ApkReport:
    """`inspect_apk` on bytes already in memory."""
    digest = sha256 or hashlib.sha256(raw).hexdigest()
    base = dict(sha256=digest, size=len(raw), kb_version=knowledge.version)
    unread: list[str] = []
    try:
        entries = check_zip(raw, unread)
    except ApkRejected as exc:
        return ApkReport(**base, error=f"could not inspect: {exc}")
    except Exception as exc:  # a zip reader bug must not take down the audit
        return ApkReport(**base, error=f"could not inspect: {type(exc).__name__}: {exc}")

    if axml_too_deep(entries.get(MANIFEST, b"")):
        # refused before androguard, whose time grows with the square of the depth
        return ApkReport(**base, error=f"could not inspect: manifest nests deeper than {MAX_XML_DEPTH} elements")
    facts, warnings = _manifest_and_signers(raw)
    dex_files: list[str] = []
    trackers: list[Hit] = []
    indicators: list[Hit] = []
    stalkerware: list[Hit] = match_certificate(
        facts.get("cert_common_names", ()), facts.get("cert_organizations", ()), knowledge)
    classes = strings = 0
    top = frozenset(n for n in entries if _DEX_NAME.fullmatch(n))
    for unit in code_units(entries, unread, MANIFEST, top):
        name = unit.location
        try:
            tables = read_dex(unit.data, unit.at)
        except DexError as exc:
            warnings.append(f"{name}: {exc}, skipped")
            unread.append(f"{name}: {exc}")
            continue
        dex_files.append(name)
        classes += len(tables.class_names)
        strings += len(tables.strings)
        index = DexIndex.build(tables)
        trackers += match_trackers(index, knowledge.trackers, name)
        indicators += match_indicators(index, knowledge.indicators, name)
        stalkerware += match_hosts(index, knowledge, name)
    error = None
    if not dex_files and any(n in top for n in entries):
        error = "could not inspect: no readable DEX file (" + "; ".join(warnings) + ")"
    elif "package" not in facts:
        # DEX hits stand; what failed is said.
        error = "could not inspect: manifest unreadable (" + "; ".join(
            w for w in warnings if w.startswith("manifest")) + ")"
    return ApkReport(
        **base,
        **facts,
        dex_files=tuple(dex_files),
        class_count=classes,
        string_count=strings,
        trackers=tuple(trackers),
        indicators=tuple(indicators),
        stalkerware=tuple(_first_per_family(stalkerware)),
        error=error,
        warnings=tuple(warnings),
        unread_code=tuple(unread),
    )
