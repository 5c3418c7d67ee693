"""APK file -> `ApkReport`: manifest and signer via androguard, code via our DEX reader.

`inspect_apk(path, knowledge)` never raises for a bad APK: it returns a report whose
`error` is "could not inspect: <reason>". It is a top-level function of picklable
arguments, so the audit runner can call it in a ProcessPoolExecutor.

Nothing is ever extracted to disk, and the file is never read whole: `open_apk`
(`checks.bounded_zip`) reads the central directory and local headers through the open
file, and each entry that is needed is inflated in memory, one DEX at a time. The
zip is checked against these limits, chosen so a real APK always passes and a hostile
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
  v1 signature files) are inflated in chunks with a hard output cap
  (`MAX_MANIFEST_BYTES`, `MAX_DEX_BYTES`, `MAX_META_BYTES`): a deflate stream that
  does not end within the cap, or whose CRC is wrong, is rejected;
- androguard never sees the APK: it reads a small stored zip of the manifest,
  resources.arsc and the v1 signature files (`MAX_ANDROGUARD_BYTES` together) plus the
  APK Signing Block (`MAX_SIGNING_BLOCK_BYTES`), since it reads its input whole;
- a DEX over a cap of `checks.dex` (strings, types, methods, classes, string data) is
  not read, and the APK is reported "could not inspect: classesN.dex not read: ..."
  (so the checks that need its code are inconclusive), never as clean;
- AndroidManifest.xml must exist.
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from typing import Any, BinaryIO

from model.apk_report import ApkReport, Component, Hit
from checks.arsc_label import label_from_arsc, parse_reference
from checks.axml_depth import MAX_XML_DEPTH, axml_too_deep
from checks.bounded_zip import ApkRejected, CheckedZip, Limits
from checks.code_sources import MAX_ARCHIVE_BYTES, MAX_CODE_UNITS, CodeBudget, code_units, is_code_entry, sniff
from checks.dex import DexError, DexTooLarge, read_dex
from checks.hit_caps import merge_hits
from model.knowledge import Knowledge
from checks.matching import DexIndex, match_indicators, match_trackers
from checks.stalkerware_match import match_certificate, match_hosts

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
    "MAX_MANIFEST_BYTES",
    "MAX_ANDROGUARD_BYTES",
    "MAX_SIGNING_BLOCK_BYTES",
    "MAX_APK_BYTES",
    "open_apk",
]

MAX_ENTRIES = 200_000
#: central directory bytes (an entry is 46 bytes plus name, extra and comment)
MAX_DIRECTORY_BYTES = 64 << 20
MAX_TOTAL_UNCOMPRESSED = 2 << 30
MAX_RATIO = 200
RATIO_MIN_SIZE = 1 << 20
#: one classes*.dex inflated (real ones stay near 10 MB: 64K method refs per DEX); one
#: DEX is in memory at a time, with its tables (see the caps in `checks.dex`)
MAX_DEX_BYTES = 32 << 20
#: classes*.dex files read per APK (real multidex apps have a few dozen at most)
MAX_DEX_FILES = 100
#: resources.arsc, META-INF signature files, each
MAX_META_BYTES = 32 << 20
#: AndroidManifest.xml (real ones are tens of KB; 8 MB lets the depth pre-scan judge deep ones)
MAX_MANIFEST_BYTES = 8 << 20
#: all that androguard is given together (manifest, resources.arsc, signature files)
MAX_ANDROGUARD_BYTES = 64 << 20
#: the APK Signing Block (v2/v3 signers; real ones are a few KB, padded to 4 KiB)
MAX_SIGNING_BLOCK_BYTES = 16 << 20
#: the APK file (read entry by entry, never whole)
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


def _limits() -> Limits:
    return Limits(max_entries=MAX_ENTRIES, max_directory_bytes=MAX_DIRECTORY_BYTES,
                  max_total_uncompressed=MAX_TOTAL_UNCOMPRESSED, max_ratio=MAX_RATIO,
                  ratio_min_size=RATIO_MIN_SIZE)


def open_apk(f: BinaryIO, size: int) -> CheckedZip:
    """Check an open APK's zip structure (see the module docstring); nothing inflated yet.

    Raises `ApkRejected` with the reason."""
    z = CheckedZip(f, size, _limits())
    if MANIFEST not in z.infos:
        raise ApkRejected("no AndroidManifest.xml (not an APK)")
    dex_names = _dex_names(z)
    if len(dex_names) > MAX_DEX_FILES:
        # each DEX is inflated and indexed: thousands of them cost memory and report size
        raise ApkRejected(f"{len(dex_names)} DEX files (more than {MAX_DEX_FILES})")
    return z


def _dex_names(z: CheckedZip) -> list[str]:
    return sorted((n for n in z.infos if _DEX_NAME.fullmatch(n)), key=_dex_order)


def _androguard_names(z: CheckedZip) -> list[str]:
    """What androguard reads: the manifest, resources.arsc, the v1 signature files."""
    return [MANIFEST] + [n for n in z.infos if n == "resources.arsc" or _V1_SIG.fullmatch(n)]


def check_zip(raw: bytes) -> dict[str, bytes]:
    """`open_apk` on bytes in memory, then the manifest and every classes*.dex inflated
    (in DEX order) as {entry name: bytes}. Raises `ApkRejected` with the reason."""
    z = open_apk(io.BytesIO(raw), len(raw))
    out = {MANIFEST: z.read(MANIFEST, MAX_MANIFEST_BYTES)}
    for name in _dex_names(z):
        out[name] = z.read(name, MAX_DEX_BYTES)
    return out


def _other_code_names(z: CheckedZip, top: list[str], unread: list[str]) -> list[str]:
    """The code entries outside classes*.dex (a DEX or an archive anywhere in the APK,
    `checks.code_sources.is_code_entry`), at most `MAX_CODE_UNITS` of them in all; the
    rest are said in `unread`, never silently dropped."""
    names = [n for n in sorted(z.infos) if n not in top and n != MANIFEST and not z.infos[n].is_dir()
             and is_code_entry(n, z.head(n))]
    room = max(MAX_CODE_UNITS - len(top), 0)
    if len(names) > room:
        unread.append(f"{names[room]}: more than {MAX_CODE_UNITS} code files; "
                      f"this one and {len(names) - room - 1} more not read")
    return names[:room]


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


def _cache_permission_tables() -> None:
    """Make androguard load each AOSP permission table once per process, not twice per APK.

    `APK()` reads the table for the target and the minimum SDK from androguard's JSON
    files on every call (about an eighth of an inspection's CPU on a realistic phone); it
    only reads the dicts it gets. The cache is keyed by (table, API level) and bounded,
    since the API level is the manifest's (hostile) text."""
    from functools import lru_cache

    from androguard.core import androconf

    load = androconf.load_api_specific_resource_module
    if getattr(load, "cache_info", None) is None:
        androconf.load_api_specific_resource_module = lru_cache(maxsize=64)(load)


def _manifest_and_signers(raw: bytes) -> tuple[dict[str, Any], list[str]]:
    """Manifest facts and signer certificates via androguard; problems as warnings.

    `raw` is the small view of the APK from `CheckedZip.androguard_view`, never the
    APK itself (androguard reads its input whole)."""
    import loguru

    loguru.logger.disable("androguard")
    from androguard.core.apk import APK

    _cache_permission_tables()
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
            facts["label"] = _app_name(apk) or None
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


def _app_name(apk: Any) -> str:
    """androguard's `get_app_name()`, without parsing the whole resource table when the
    label is a reference `checks.arsc_label` can resolve (issue 20: androguard's parse
    was most of the inspection time on a real phone); androguard answers otherwise."""
    value = apk.get_attribute_value("application", "label")
    res_id = parse_reference(value) if value is not None else None
    if res_id is None:
        return value if value is not None and not value.startswith("@") else apk.get_app_name()
    try:
        table = apk.get_file("resources.arsc")
    except Exception:  # no table: androguard decides what the label then is
        return apk.get_app_name()
    fast = label_from_arsc(table, res_id)
    return fast if fast is not None else apk.get_app_name()


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
    """Inspect one APK file. Never raises for a bad APK: see `ApkReport.error`.

    The file is read through its zip central directory, entry by entry, never whole."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_APK_BYTES:
            return ApkReport(sha256=sha256 or "", size=size, kb_version=knowledge.version,
                             error=f"could not inspect: file larger than {MAX_APK_BYTES >> 30} GiB")
        with path.open("rb") as f:
            if sha256 is None:
                sha256 = hashlib.file_digest(f, "sha256").hexdigest()
            return _inspect_open(f, size, knowledge, sha256)
    except OSError as exc:
        return ApkReport(sha256=sha256 or "", kb_version=knowledge.version,
                         error=f"could not inspect: cannot read file ({exc.strerror or exc})")


def inspect_apk_bytes(raw: bytes, knowledge: Knowledge, sha256: str | None = None) -> ApkReport:
    """`inspect_apk` on bytes already in memory."""
    return _inspect_open(io.BytesIO(raw), len(raw), knowledge, sha256 or hashlib.sha256(raw).hexdigest())


def _inspect_open(f: BinaryIO, size: int, knowledge: Knowledge, digest: str) -> ApkReport:
    base = dict(sha256=digest, size=size, kb_version=knowledge.version)
    try:
        z = open_apk(f, size)
        manifest = z.read(MANIFEST, MAX_MANIFEST_BYTES)
        if axml_too_deep(manifest):
            # refused before androguard, whose time grows with the square of the depth
            return ApkReport(**base, error=f"could not inspect: manifest nests deeper than {MAX_XML_DEPTH} elements")
        del manifest
        view = z.androguard_view(_androguard_names(z), MAX_META_BYTES, MAX_ANDROGUARD_BYTES,
                                 MAX_SIGNING_BLOCK_BYTES)
        dex_names = _dex_names(z)
    except ApkRejected as exc:
        return ApkReport(**base, error=f"could not inspect: {exc}")
    except Exception as exc:  # a zip reader bug must not take down the audit
        return ApkReport(**base, error=f"could not inspect: {type(exc).__name__}: {exc}")

    facts, warnings = _manifest_and_signers(view)
    del view
    dex_files: list[str] = []
    trackers: list[Hit] = []
    indicators: list[Hit] = []
    stalkerware: list[Hit] = match_certificate(
        facts.get("cert_common_names", ()), facts.get("cert_organizations", ()), knowledge)
    not_read: list[str] = []
    unread: list[str] = []
    classes = strings = 0
    top = frozenset(dex_names)
    budget = CodeBudget()
    for entry in dex_names + _other_code_names(z, dex_names, unread):
        # one code entry in memory at a time: inflated, each DEX in it read, matched, dropped
        cap = MAX_DEX_BYTES if entry in top or sniff(z.head(entry)) == "dex" else MAX_ARCHIVE_BYTES
        try:
            data = z.read(entry, cap)
        except ApkRejected as exc:
            if entry in top:
                return ApkReport(**base, error=f"could not inspect: {exc}")
            # code outside classes*.dex that cannot be read is said, not fatal
            unread.append(f"{entry}: {str(exc).removeprefix(entry + ': ')}; not read")
            continue
        for unit in code_units({entry: data}, unread, MANIFEST, top, budget):
            name = unit.location
            try:
                tables = read_dex(unit.data, unit.at)
            except DexTooLarge as exc:
                # over a cap: not read, so the checks that need this app's code cannot pass
                # it; a top-level classes*.dex makes the whole APK "could not inspect", code
                # elsewhere is listed as unread like any other code that cannot be read
                if entry in top:
                    not_read.append(f"{name} not read: {exc}")
                else:
                    unread.append(f"{name}: {exc}, not read")
                continue
            except DexError as exc:
                warnings.append(f"{name}: {exc}, skipped")
                unread.append(f"{name}: {exc}")
                continue
            dex_files.append(name)
            classes += len(tables.class_names)
            strings += len(tables.strings)
            index = DexIndex.build(tables)
            del tables
            trackers += match_trackers(index, knowledge.trackers, name)
            indicators += match_indicators(index, knowledge.indicators, name)
            stalkerware += match_hosts(index, knowledge, name)
            del index
        del data
    error = None
    if not_read:
        error = "could not inspect: " + "; ".join(not_read)
    elif not dex_files and dex_names:
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
        stalkerware=tuple(_first_per_family(stalkerware)),
        error=error,
        warnings=tuple(warnings),
        unread_code=tuple(unread),
        **_capped_hits(trackers, indicators),
    )


def _capped_hits(trackers: list[Hit], indicators: list[Hit]) -> dict[str, Any]:
    """The hits of all DEX files, one id kept for a few DEX files only (`merge_hits`)."""
    kept_t, cut_t = merge_hits(trackers)
    kept_i, cut_i = merge_hits(indicators)
    return dict(trackers=tuple(kept_t), indicators=tuple(kept_i), hits_cut=cut_t + cut_i)
