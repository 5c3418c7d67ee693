"""Hostile device profiles, written into a folder at test time.

Each profile is one attack on the auditor, or one fault of a phone, described in the
public profile format (docs/profile-format.md) plus, where the format cannot
say it, verbatim command outputs (`[commands]` with `raw/` files) and crafted APK
files (`apks/`). `build(root)` writes every profile under `root` and returns a
`Hostile` per profile saying what the auditor must do with it.

Nothing here is a mock: the profiles are served by the real simulator over the adb
device protocol, through the real adb server, to the real `phone-audit scan`.
"""

from __future__ import annotations

import io
import os
import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from simulator.apkgen import ApkSpec, synthesize_apk
from simulator.apkgen.build import manifest_xml
from simulator.apkgen.dex import build_dex

#: a string that appears only in SMS bodies of the privacy profile
SMS_MARKER = "ZQX-SMS-BODY-MARKER-7731"

#: terminal attacks: ANSI CSI (clear screen, colours), OSC 52 (write the clipboard),
#: OSC 8 (a hidden link), OSC 0 (window title), a C1 CSI, a carriage return that
#: would overwrite the line, bidi overrides, Rich/Textual markup and HTML
ESC_PAYLOADS = (
    "\x1b[2J\x1b[31mRED",
    "\x1b]52;c;cHduZWQ=\x07",
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",
    "\x1b]0;owned-title\x07",
    "\x9b31m",
    "visible\roverwritten",
    "\u202eevil\u202c",
    "[bold red]markup[/bold red][link=https://evil.example]x[/link]",
    "<script>alert('pwned')</script><img src=x onerror=alert(1)>",
)
#: what the terminal must never receive from phone text
FORBIDDEN_ON_TERMINAL = ("\x1b", "\x07", "\x9b", "\r", "\u202e")


@dataclass
class Hostile:
    """One hostile profile and what a scan of it must end with."""

    name: str
    folder: Path
    attack: str
    #: the allowed exit codes of `phone-audit scan`
    exits: tuple[int, ...] = (0, 1)
    #: the report must be complete (True), incomplete (False) or either (None)
    complete: bool | None = True
    #: a word the reason of an incomplete audit (or of a problem) must contain
    reason: str | None = None
    #: extra things the test checks for this profile
    extra: dict = field(default_factory=dict)


def q(s: str) -> str:
    """A TOML basic string: only `"`, `\\` and control characters escaped."""
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


BASE_PROPS = {
    "ro.product.manufacturer": "Hostile",
    "ro.product.model": "H-1",
    "ro.product.name": "hostile",
    "ro.product.device": "hostile",
    "ro.build.version.release": "14",
    "ro.build.version.sdk": "34",
    "ro.build.type": "user",
    "ro.build.tags": "release-keys",
    "ro.build.fingerprint": "hostile/hostile/hostile:14/H1/1:user/release-keys",
    "ro.serialno": "HOSTILE0001",
    "ro.debuggable": "0",
    "ro.secure": "1",
    "ro.boot.verifiedbootstate": "green",
    "ro.boot.flash.locked": "1",
    "ro.crypto.state": "encrypted",
    "ro.crypto.type": "file",
}

BASE_SETTINGS = {
    "global": {"package_verifier_enable": "1", "adb_enabled": "1"},
    "secure": {"sms_default_application": "com.google.android.apps.messaging"},
    "system": {},
}


#: `dumpsys device_policy` of a phone with no device admin (as an Android 14 phone prints it)
NO_DEVICE_ADMINS = (
    "Current Device Policy Manager state:\n"
    "  Immutable state:\n"
    "    mHasFeature=true\n"
    "  Device Owner: none\n"
    "  Profile Owner (User 0): none\n"
    "\n"
    "  Enabled Device Admins (User 0, provisioningState: 3):\n"
)


def base_packages() -> list[dict]:
    """Two ordinary apps every hostile phone has (so there is something to pull)."""
    return [
        {"name": "com.android.settings", "system": True, "uid": 1000, "label": "Settings",
         "apk": {"label": "Settings", "permissions": ["android.permission.INTERNET"]}},
        {"name": "com.google.android.apps.messaging", "system": True, "uid": 10060,
         "label": "Messages", "apk": {"permissions": ["android.permission.READ_SMS"]}},
    ]


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return q(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{q(k)} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))


def write_profile(folder: Path, *, description: str, props: dict | None = None,
                  settings: dict | None = None, packages: list[dict] | None = None,
                  accounts: list[dict] | None = None, content: list[dict] | None = None,
                  commands: dict | None = None, files: dict | None = None,
                  faults: dict | None = None, patch_age_days: int | None = 20,
                  adb_keys: list[str] | None = None) -> Path:
    """Write `folder/profile.toml` from plain data (`commands` values are tables);
    `patch_age_days=None` when `props` sets the patch level itself."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["[device]", f"description = {q(description)}"]
    if patch_age_days is not None:
        lines.append(f"patch_age_days = {patch_age_days}")
    if adb_keys:
        lines.append(f"adb_keys = {_value(adb_keys)}")
    lines += ["", "[props]"]
    for k, v in {**BASE_PROPS, **(props or {})}.items():
        lines.append(f"{q(k)} = {q(v)}")
    merged = {ns: dict(BASE_SETTINGS[ns]) for ns in BASE_SETTINGS}
    for ns, table in (settings or {}).items():
        merged[ns].update(table)
    for ns, table in merged.items():
        lines += ["", f"[settings.{ns}]"] + [f"{q(k)} = {q(v)}" for k, v in table.items()]
    for pkg in packages if packages is not None else base_packages():
        lines += ["", "[[packages]]"]
        apk = pkg.get("apk")
        lines += [f"{k} = {_value(v)}" for k, v in pkg.items() if k != "apk"]
        if apk is not None:
            lines += ["[packages.apk]"] + [f"{k} = {_value(v)}" for k, v in apk.items()]
    for acc in accounts or []:
        lines += ["", "[[accounts]]"] + [f"{k} = {_value(v)}" for k, v in acc.items()]
    if content is None:  # an SMS provider with no messages, as on a fresh phone
        content = [{"uri": "content://sms", "rows": []}]
    for table in content:
        lines += ["", "[[content]]", f"uri = {q(table['uri'])}", "rows = ["]
        lines += [f"  {_value(r)}," for r in table["rows"]]
        lines.append("]")
    # the simulator's own `dumpsys device_policy` is a refusal: a hostile phone is an
    # ordinary phone apart from its attack, so it answers as a phone without admins does
    commands = {"dumpsys device_policy": {"stdout": NO_DEVICE_ADMINS}, **(commands or {})}
    lines += ["", "[commands]"] + [f"{q(k)} = {_value(v)}" for k, v in commands.items()]
    if files:
        lines += ["", "[files]"] + [f"{q(k)} = {q(v)}" for k, v in files.items()]
    if faults:
        lines += ["", "[faults]"] + [f"{k} = {_value(v)}" for k, v in faults.items()]
    (folder / "profile.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _raw(folder: Path, name: str, data: bytes) -> str:
    (folder / "raw").mkdir(parents=True, exist_ok=True)
    (folder / "raw" / name).write_bytes(data)
    return f"raw/{name}"


def _apk_file(folder: Path, name: str, data: bytes) -> str:
    (folder / "apks").mkdir(parents=True, exist_ok=True)
    (folder / "apks" / name).write_bytes(data)
    return f"apks/{name}"


def _zip(entries: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data, compress_type=method)
    return buf.getvalue()


def _manifest(package: str) -> bytes:
    return manifest_xml(ApkSpec(package=package, label="x", permissions=("android.permission.INTERNET",)))


# --------------------------------------------------------------------------- profiles


def escapes(root: Path) -> Hostile:
    """Markup, ANSI/OSC escapes, bidi and HTML in every string the phone chooses."""
    evil = "".join(ESC_PAYLOADS)
    pkgs = base_packages()
    pkgs.append({"name": "com.evil.labels", "installer": evil, "label": evil,
                 "apk": {"label": evil, "permissions": ["android.permission.READ_SMS",
                                                        "android.permission.REQUEST_INSTALL_PACKAGES"],
                         "components": [{"kind": "service", "name": ".A11y",
                                         "permission": "android.permission.BIND_ACCESSIBILITY_SERVICE",
                                         "actions": ["android.accessibilityservice.AccessibilityService"]}]},
                 "appops": {"REQUEST_INSTALL_PACKAGES": "allow"}})
    folder = write_profile(
        root / "escapes",
        description="labels, props, settings and accounts full of escape sequences and markup",
        props={"ro.product.model": "H-1" + evil, "ro.product.manufacturer": "[bold]Evil[/]\x1b[5m",
               "ro.build.fingerprint": evil, "ro.serialno": "SER\x1b]52;c;AAAA\x07IAL"},
        settings={"secure": {"enabled_accessibility_services": "com.evil.labels/.A11y\x1b[2J" + evil,
                             "enabled_notification_listeners": "com.evil.labels/.N" + evil,
                             "sms_default_application": "com.evil.labels" + evil},
                  "global": {"device_name": evil}},
        packages=pkgs,
        accounts=[{"name": evil, "type": "com.evil" + evil}],
    )
    return Hostile("escapes", folder, "markup and ANSI/OSC escape sequences in labels and settings",
                   extra={"evil": evil})


def shell_meta(root: Path) -> Hostile:
    """Package names and APK paths with shell metacharacters, newlines and `../`."""
    folder = root / "shell-meta"
    ok_apk = _apk_file(folder, "ok.apk", synthesize_apk(ApkSpec(package="com.ok.meta", label="Meta")))
    dollar = "/data/app/$(reboot)`id`;reboot/base.apk"
    quote = "/data/app/it's \"quoted\" & |piped|/base.apk"
    lines = [
        f"package:{dollar}=com.ok.meta versionCode:1 installer=com.android.vending uid:10100",
        f"package:{quote}=com.ok.quote versionCode:1 installer=com.android.vending uid:10101",
        "package:/data/app/x/base.apk=a;reboot versionCode:1 installer=null uid:10102",
        "package:/data/app/y/base.apk=$(svc power shutdown) installer=null uid:10103",
        "package:/data/app/z/base.apk=`rm -rf /sdcard` installer=null uid:10104",
        "package:/system/app/../../../../etc/passwd=com.dotdot installer=null uid:10105",
        "package:/data/app/../../../tmp/../x.apk=com.dotdot2 installer=null uid:10106",
        "package:../../../../etc/shadow=com.relative installer=null uid:10107",
        "package:/data/app/w/base.apk=com.new\\nline installer=null uid:10108",
        "package:/data/app/v/base.apk=-rf installer=null uid:10109",
        "package:/data/app/u/base.apk=com.x'; reboot; echo ' installer=null uid:10110",
        "package:/system/priv-app/Settings/Settings.apk=com.android.settings installer=null uid:1000",
    ]
    listing = ("\n".join(lines) + "\n").encode()
    pm = _raw(folder, "pm-list.txt", listing)
    names = [ln.split(".apk=", 1)[-1].split(" ")[0] for ln in lines]
    commands = {
        "pm list packages -f -i -U -u --show-versioncode": {"file": pm},
        "pm list packages -s": {"stdout": "package:com.android.settings\n"},
        "pm list packages -d": {"stdout": "package:$(reboot)\npackage:a;reboot\n"},
    }
    write_profile(
        folder,
        description="package names and paths chosen to break out of a shell or a folder",
        packages=[{"name": "com.android.settings", "system": True, "uid": 1000,
                   "path": "/system/priv-app/Settings/Settings.apk", "apk": {"label": "Settings"}}],
        commands=commands,
        files={dollar: ok_apk, quote: ok_apk},
    )
    # the APK paths with ../ or no leading / are never sent to the phone: not read, so incomplete
    return Hostile("shell-meta", folder, "shell metacharacters, newlines and ../ in package names and paths",
                   exits=(3,), complete=False, reason="not read",
                   extra={"names": names, "paths": (dollar, quote)})


def zip_bomb(root: Path) -> Hostile:
    """An APK whose entry inflates to 256 MiB from 250 KiB (and a DEX bomb of 100 MiB)."""
    folder = root / "zip-bomb"
    zeros = zipfile.ZipInfo("assets/zeros.bin", (2020, 1, 1, 0, 0, 0))
    zeros.compress_type = zipfile.ZIP_DEFLATED
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("AndroidManifest.xml", (2020, 1, 1, 0, 0, 0)), _manifest("com.bomb.zip"),
                   compress_type=zipfile.ZIP_DEFLATED)
        with z.open(zeros, "w", force_zip64=True) as f:
            block = bytes(1 << 20)
            for _ in range(256):
                f.write(block)
    bomb = buf.getvalue()
    dexbomb = _zip([("AndroidManifest.xml", _manifest("com.bomb.dex")), ("classes.dex", bytes(100 << 20))])
    pkgs = base_packages() + [
        {"name": "com.bomb.zip", "apk": {"file": _apk_file(folder, "bomb.apk", bomb)}},
        {"name": "com.bomb.dex", "apk": {"file": _apk_file(folder, "dexbomb.apk", dexbomb)}},
    ]
    write_profile(folder, description="APKs that are zip bombs", packages=pkgs)
    # APKs that cannot be inspected leave the checks that need them without evidence: incomplete
    return Hostile("zip-bomb", folder, "an APK that is a zip bomb", exits=(3,), complete=False,
                   extra={"bad": {"com.bomb.zip": "zip bomb", "com.bomb.dex": "zip bomb"},
                          "sizes": (len(bomb), len(dexbomb))})


def zip_traversal(root: Path) -> Hostile:
    """An APK with entries named ../../x, an absolute path and a symlink."""
    folder = root / "zip-traversal"
    entries = [("AndroidManifest.xml", _manifest("com.zip.slip")), ("classes.dex", build_dex(("a.B",))),
               ("../../x", b"escaped"), ("../../../../../../tmp/phone-audit-slip", b"escaped")]
    slip = _zip(entries)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("AndroidManifest.xml", _manifest("com.zip.abs"))
        z.writestr("/etc/evil-absolute", b"escaped")
        link = zipfile.ZipInfo("link-to-root")
        link.external_attr = (0o120777 << 16)
        z.writestr(link, "/")
    pkgs = base_packages() + [
        {"name": "com.zip.slip", "apk": {"file": _apk_file(folder, "slip.apk", slip)}},
        {"name": "com.zip.abs", "apk": {"file": _apk_file(folder, "abs.apk", buf.getvalue())}},
    ]
    write_profile(folder, description="APK entries that climb out of any folder", packages=pkgs)
    return Hostile("zip-traversal", folder, "an APK with an entry named ../../x", exits=(3,), complete=False,
                   extra={"bad": {"com.zip.slip": "unsafe entry name", "com.zip.abs": "unsafe entry name"},
                          "escapes": ("x", "phone-audit-slip", "evil-absolute")})


def broken_apks(root: Path) -> Hostile:
    """Truncated, random-byte, empty and manifest-less APKs."""
    folder = root / "broken-apks"
    good = synthesize_apk(ApkSpec(package="com.broken.trunc", classes=("com.tencent.stat.StatService",)))
    rnd = random.Random(9).randbytes(300_000)
    pkgs = base_packages() + [
        {"name": "com.broken.trunc", "apk": {"file": _apk_file(folder, "trunc.apk", good[: len(good) // 2])}},
        {"name": "com.broken.random", "apk": {"file": _apk_file(folder, "random.apk", rnd)}},
        {"name": "com.broken.empty", "apk": {"file": _apk_file(folder, "empty.apk", b"")}},
        {"name": "com.broken.nomanifest",
         "apk": {"file": _apk_file(folder, "nomanifest.apk", _zip([("classes.dex", build_dex(("a.B",)))]))}},
        {"name": "com.broken.pkzip", "apk": {"file": _apk_file(folder, "pk.apk", b"PK\x05\x06" + bytes(18))}},
    ]
    write_profile(folder, description="APKs that are not APKs", packages=pkgs)
    return Hostile("broken-apks", folder, "truncated and random-byte APKs", exits=(3,), complete=False,
                   extra={"bad": {"com.broken.trunc": "", "com.broken.random": "", "com.broken.empty": "",
                                  "com.broken.nomanifest": "AndroidManifest.xml", "com.broken.pkzip": ""}})


def malformed_axml_dex(root: Path) -> Hostile:
    """APKs whose binary manifest or DEX files are malformed in several ways."""
    folder = root / "malformed-axml-dex"
    man = bytearray(_manifest("com.axml.flipped"))
    rnd = random.Random(7)
    for _ in range(40):
        man[rnd.randrange(8, len(man))] ^= 0xFF
    huge_pool = bytearray(_manifest("com.axml.pool"))
    huge_pool[16:20] = (0x7FFFFFFF).to_bytes(4, "little")  # string count of the pool
    dex = bytearray(build_dex(("com.umeng.analytics.MobclickAgent", "a.B"), ("hello",)))
    dex[56:60] = (0x0FFFFFFF).to_bytes(4, "little")  # string_ids_size far past the file
    apks = {
        "com.axml.garbage": [("AndroidManifest.xml", b"\x03\x00\x08\x00" + rnd.randbytes(4000)),
                             ("classes.dex", build_dex(("com.tencent.stat.StatService",)))],
        "com.axml.flipped": [("AndroidManifest.xml", bytes(man)), ("classes.dex", build_dex(("a.B",)))],
        "com.axml.pool": [("AndroidManifest.xml", bytes(huge_pool)), ("classes.dex", build_dex(("a.B",)))],
        "com.dex.ids": [("AndroidManifest.xml", _manifest("com.dex.ids")), ("classes.dex", bytes(dex))],
        "com.dex.garbage": [("AndroidManifest.xml", _manifest("com.dex.garbage")),
                            ("classes.dex", b"dex\n035\x00" + rnd.randbytes(5000)),
                            ("classes2.dex", b"dex\n039\x00" + bytes(200))],
    }
    pkgs = base_packages() + [
        {"name": name, "apk": {"file": _apk_file(folder, f"{name}.apk", _zip(entries))}}
        for name, entries in apks.items()
    ]
    write_profile(folder, description="malformed binary XML and DEX", packages=pkgs)
    return Hostile("malformed-axml-dex", folder, "malformed AXML and DEX", exits=(3,), complete=False,
                   extra={"pkgs": tuple(apks)})


def huge_getprop(root: Path, size: int = 200 << 20) -> Hostile:
    """`getprop` answers 200 MB."""
    folder = root / "huge-getprop"
    lines = [f"[{k}]: [{v}]" for k, v in BASE_PROPS.items()]
    head = ("\n".join(lines) + "\n").encode()
    filler_line = b"[persist.vendor.junk.%08d]: [" + b"J" * 200 + b"]\n"
    (folder / "raw").mkdir(parents=True, exist_ok=True)
    with open(folder / "raw" / "getprop.txt", "wb") as f:
        f.write(head)
        n = 0
        written = len(head)
        while written < size:
            chunk = b"".join(filler_line % (n + i) for i in range(4096))
            f.write(chunk)
            written += len(chunk)
            n += 4096
    write_profile(folder, description="getprop answers 200 MB", commands={"getprop": {"file": "raw/getprop.txt"}})
    return Hostile("huge-getprop", folder, "a 200 MB getprop answer", exits=(0, 1, 3), complete=None)


def non_utf8(root: Path) -> Hostile:
    """Bytes that are not UTF-8 in every output the audit parses."""
    folder = root / "non-utf8"
    bad = b"\xff\xfe\xc0\x80\xed\xa0\x80\x00\x9b\x1b[2J"
    props = b"".join(b"[%s]: [%s]\n" % (k.encode(), v.encode()) for k, v in BASE_PROPS.items())
    props += b"[ro.product.model]: [H-1" + bad + b"]\n[" + bad + b"]: [" + bad + b"]\n"
    pm = (b"package:/system/priv-app/Settings/Settings.apk=com.android.settings installer=null uid:1000\n"
          b"package:/data/app/\xff\xfe/base.apk=com.bad\xffname installer=\xc0\x80 uid:10100\n"
          b"package:/data/app/ok" + bad + b"/base.apk=com.ok.bytes installer=" + bad + b" uid:10101\n")
    settings = b"package_verifier_enable=1\n" + bad + b"=" + bad + b"\nsms_default_application=" + bad + b"\n"
    acc = b"Accounts: 1\n    Account {name=" + bad + b", type=" + bad + b"}\n"
    dp = b"Device Policy Manager state:\n  Enabled Device Admins (User 0, provisioningState: 0):\n    " + bad + b"/.A:\n"
    sms = b"Row: 0 _id=1, thread_id=1, address=" + bad + b", date=1, type=1, read=1, seen=1, creator=" + bad + b"\n"
    commands = {
        "getprop": {"file": _raw(folder, "getprop.txt", props)},
        "pm list packages -f -i -U -u --show-versioncode": {"file": _raw(folder, "pm.txt", pm)},
        "pm list packages -s": {"file": _raw(folder, "pm-s.txt", b"package:com.android.settings\npackage:" + bad + b"\n")},
        "settings list secure": {"file": _raw(folder, "secure.txt", settings)},
        "settings list global": {"file": _raw(folder, "global.txt", settings)},
        "dumpsys account": {"file": _raw(folder, "account.txt", acc)},
        "dumpsys device_policy": {"file": _raw(folder, "dp.txt", dp)},
        "getenforce": {"file": _raw(folder, "getenforce.txt", bad + b"\n")},
        "id": {"file": _raw(folder, "id.txt", b"uid=2000(" + bad + b")\n")},
        "content query --uri content://sms --projection _id:thread_id:address:date:type:read:seen:creator":
            {"file": _raw(folder, "sms.txt", sms)},
    }
    pkgs = [{"name": "com.android.settings", "system": True, "uid": 1000,
             "path": "/system/priv-app/Settings/Settings.apk", "apk": {"label": "Set\x00tings\ufffe\ufffd"}}]
    write_profile(folder, description="non-UTF-8 bytes everywhere", packages=pkgs, commands=commands)
    # a getenforce of garbage bytes is not understood, so the SELinux fact is not read
    return Hostile("non-utf8", folder, "non-UTF-8 bytes everywhere", exits=(3,), complete=False)


def content_rows(root: Path) -> Hostile:
    """SMS rows whose values contain newlines, `, ` and a fake `Row:` line out of sequence.

    (A value holding the exact next header, `\nRow: 1 _id=`, cannot be told from a real
    row in `content query` output; SECURITY.md says so. The phone gains nothing by it:
    it could as well store that row.)"""
    folder = root / "content-rows"
    rows = [
        {"_id": "1", "thread_id": "1", "address": "+37060000000\nRow: 7 _id=666, address=forged",
         "date": "1632300000000", "type": "2", "read": "1", "seen": "1",
         "creator": "com.evil, type=1, creator=com.android.phone", "body": "hello"},
        {"_id": "2", "thread_id": "1", "address": "a, b, c=d, type=5", "date": "1632300000001",
         "type": "1", "read": "0", "seen": "0", "creator": "com.google.android.apps.messaging\n",
         "body": "x"},
        {"_id": "3", "thread_id": "2", "address": "\n\n", "date": "1", "type": "2", "read": "1",
         "seen": "1", "creator": "=, =", "body": "y"},
    ]
    write_profile(folder, description="content rows with embedded newlines and ', '",
                  content=[{"uri": "content://sms", "rows": rows}])
    return Hostile("content-rows", folder, "a content row with embedded newlines and ', '",
                   extra={"rows": rows})


def sms_privacy(root: Path) -> Hostile:
    """SMS bodies (and subjects) carrying a marker that must never be kept."""
    folder = root / "sms-privacy"
    rows = [
        {"_id": str(i), "thread_id": "1", "address": "+3706000000" + str(i), "date": str(1632300000000 + i),
         "type": "2" if i % 2 else "1", "read": "1", "seen": "1", "creator": "com.google.android.apps.messaging",
         "body": f"{SMS_MARKER} secret message {i}", "subject": f"{SMS_MARKER} subject"}
        for i in range(5)
    ]
    write_profile(folder, description="SMS bodies holding a marker string",
                  content=[{"uri": "content://sms", "rows": rows}])
    return Hostile("sms-privacy", folder, "SMS bodies that must never be kept", extra={"marker": SMS_MARKER})


#: in SMS addresses and account names of `personal_markers`; must never be kept
NUMBER_MARKER = "+3709917731"
NAME_MARKER = "zqx.person.marker@example.org"
#: the `user@host` comment of a key the phone trusts for USB debugging (issue 15)
ADB_HOST_MARKER = "zqxadbperson@zqx-marker-laptop"


def personal_markers(root: Path) -> Hostile:
    """SMS correspondents' numbers and account names (e-mail addresses) that the audit reads
    but must not keep (issue 18): counts and account types are all a verdict needs."""
    folder = root / "personal-markers"
    rows = [
        {"_id": str(i), "thread_id": str(i), "address": f"{NUMBER_MARKER}{i}", "date": str(1632300000000 + i),
         "type": "2" if i % 2 else "1", "read": "1", "seen": "1", "creator": "com.google.android.apps.messaging"}
        for i in range(4)
    ]
    from support.adbkeys import host_key

    # a computer the phone trusts for USB debugging, its key's comment a marker
    _signer, public = host_key(root / "personal-markers-key")
    write_profile(folder, description="SMS addresses and account names holding marker strings",
                  accounts=[{"name": NAME_MARKER, "type": "com.google"},
                            {"name": "second." + NAME_MARKER, "type": "com.google"}],
                  content=[{"uri": "content://sms", "rows": rows}],
                  adb_keys=[public.split()[0] + " " + ADB_HOST_MARKER])
    return Hostile("personal-markers", folder, "SMS numbers and account names that must never be kept",
                   extra={"markers": (NUMBER_MARKER, NAME_MARKER, ADB_HOST_MARKER)})


def hang(root: Path) -> Hostile:
    """The phone never answers one command (the accounts/device-admin batch)."""
    folder = write_profile(root / "hang", description="hangs on dumpsys account",
                           faults={"hang_on_command": "dumpsys account"})
    return Hostile("hang", folder, "a phone that hangs on one command", exits=(0, 1, 3), complete=None,
                   reason="no answer")


def disconnect_mid_pull(root: Path) -> Hostile:
    """The cable is pulled half-way through copying a 12 MB APK."""
    pkgs = base_packages() + [{"name": "com.big.app", "apk": {"size": 12_000_000}}]
    folder = write_profile(root / "disconnect-mid-pull", description="disconnects mid-pull", packages=pkgs,
                           faults={"disconnect_after_bytes": 6_000_000})
    return Hostile("disconnect-mid-pull", folder, "a phone that disconnects mid-pull", exits=(3,),
                   complete=False, reason="lost")


def many_packages(root: Path, n: int = 50_000) -> Hostile:
    """`pm list packages` lists 50,000 packages (none of them really there)."""
    folder = root / "many-packages"
    lines = [f"package:/data/app/com.flood.p{i:05d}-1/base.apk=com.flood.p{i:05d} "
             f"versionCode:{i} installer=com.android.vending uid:{10100 + i}" for i in range(n)]
    lines.append("package:/system/priv-app/Settings/Settings.apk=com.android.settings installer=null uid:1000")
    commands = {"pm list packages -f -i -U -u --show-versioncode":
                {"file": _raw(folder, "pm.txt", ("\n".join(lines) + "\n").encode())}}
    write_profile(folder, description="50,000 packages", commands=commands,
                  packages=[{"name": "com.android.settings", "system": True, "uid": 1000,
                             "path": "/system/priv-app/Settings/Settings.apk", "apk": {"label": "Settings"}}])
    # the listed APKs are not there to hash: not read, so incomplete
    return Hostile("many-packages", folder, "a package list of 50,000 entries", exits=(3,), complete=False,
                   extra={"n": n})


def adb_killed(root: Path) -> Hostile:
    """A slow phone; the test kills the adb server while it is being read."""
    folder = write_profile(root / "adb-killed", description="slow phone for killing adb mid-audit",
                           faults={"latency_ms": 300})
    return Hostile("adb-killed", folder, "the adb server is killed mid-audit", exits=(3,), complete=False,
                   reason="adb server")



# ----------------------------------------------------- round two: terminal sequences

#: terminal strings the first round did not try: OSC 52 / OSC 2 ended by ESC \ (not
#: BEL) and by ST U+009C, DCS, APC, PM and SOS with each terminator, the 8-bit C1
#: introducers as UTF-8 (OSC U+009D, DCS U+0090, APC U+009F, PM U+009E, SOS U+0098),
#: BEL on its own and DEL
ST_PAYLOADS = (
    "\x1b]52;c;UjJwYXlsb2Fk\x1b\\",          # clipboard write, ESC \ terminated
    "\x1b]2;R2-PWNED-TITLE\x1b\\",             # window title, ESC \ terminated
    "\x1b]2;R2-PWNED-TITLE\x9c",                 # window title, ST terminated
    "\x9d2;R2-PWNED-TITLE\x07",                  # 8-bit OSC
    "\x9d52;c;UjJwYXlsb2Fk\x9c",                 # 8-bit OSC 52
    "\x1bP+q544e\x1b\\",                       # DCS (XTGETTCAP)
    "\x90$q\"p\x9c",                             # 8-bit DCS
    "\x1b_apc-R2\x1b\\\x9f8bit-apc\x9c",         # APC, both forms
    "\x1b^pm-R2\x1b\\\x9epm8\x9c",               # PM, both forms
    "\x1bXsos-R2\x1b\\\x98sos8\x9c",             # SOS, both forms
    "\x07\x7f\x85\x8d",                          # BEL, DEL, NEL, RI
)
#: what the pane title must never become, and the clipboard must never hold
TITLE_MARK = "R2-PWNED-TITLE"
CLIPBOARD_MARK = "UjJwYXlsb2Fk"
#: the raw-byte forms: C1 introducers as single bytes (not UTF-8) in getprop's answer
RAW_C1 = b"\x9d2;R2-PWNED-TITLE\x07\x9b2J\x90q\x9c\x1b]52;c;UjJwYXlsb2Fk\x1b\\"


def terminal_sequences(root: Path) -> Hostile:
    """Round two of terminal attacks (`ST_PAYLOADS`) in every field the UI shows: model,
    manufacturer, serial, fingerprint, app labels, installer, settings and accounts."""
    evil = "".join(ST_PAYLOADS)
    pkgs = base_packages()
    pkgs.append({"name": "com.evil.terminal", "installer": evil, "label": evil,
                 "apk": {"label": evil, "permissions": ["android.permission.READ_SMS"]}})
    folder = write_profile(
        root / "terminal-sequences",
        description="OSC/DCS/APC/PM/SOS with every terminator and C1 controls in every field",
        props={"ro.product.model": "T-2" + evil, "ro.product.manufacturer": "M" + evil,
               "ro.build.fingerprint": evil, "ro.serialno": "SER" + evil},
        settings={"secure": {"enabled_accessibility_services": "com.evil.terminal/.A" + evil,
                             "sms_default_application": "com.evil.terminal" + evil},
                  "global": {"device_name": evil}},
        packages=pkgs,
        accounts=[{"name": evil, "type": "com.evil" + evil}],
    )
    return Hostile("terminal-sequences", folder, "ST/ESC-backslash terminated OSC, DCS, APC, PM, SOS, C1",
                   extra={"evil": evil})


def raw_c1_bytes(root: Path) -> Hostile:
    """C1 introducers as raw single bytes (invalid UTF-8) in getprop's model and serial."""
    folder = root / "raw-c1-bytes"
    props = b"".join(b"[%s]: [%s]\n" % (k.encode(), v.encode()) for k, v in BASE_PROPS.items())
    props += b"[ro.product.model]: [R-1" + RAW_C1 + b"]\n[ro.serialno]: [S" + RAW_C1 + b"]\n"
    write_profile(folder, description="raw C1 bytes in getprop",
                  commands={"getprop": {"file": _raw(folder, "getprop.txt", props)}})
    return Hostile("raw-c1-bytes", folder, "8-bit C1 controls as raw bytes")


#: the clean and the bad app of the lying-`sha256sum` phones (`honest_vendor`, `lying_sha256`)
CLEAN_APP, CLEAN_PATH = "com.vendor.clean", "/system/app/AClean/AClean.apk"
BAD_APP, BAD_PATH = "com.vendor.stats", "/system/app/BStats/BStats.apk"
#: the Tencent statistics class the bad app carries (a real SDK's, in the knowledge base)
TENCENT_CLASS = "com.tencent.stat.StatService"


def _vendor_apk(package: str, classes: tuple[str, ...] = ()) -> bytes:
    return synthesize_apk(ApkSpec(package=package, label=package.rsplit(".", 1)[-1],
                                  permissions=("android.permission.INTERNET",), classes=classes))


def clean_apk_sha256() -> str:
    """The SHA-256 of the clean app's APK: what the lying phone claims for the bad one."""
    import hashlib

    return hashlib.sha256(_vendor_apk(CLEAN_APP)).hexdigest()


def _vendor_package(folder: Path, name: str, path: str, apk: bytes) -> dict:
    return {"name": name, "system": True, "path": path, "granted": ["android.permission.INTERNET"],
            "apk": {"file": _apk_file(folder, name + ".apk", apk)}}


def honest_vendor(root: Path) -> Hostile:
    """A phone with one clean pre-installed app, honest about its SHA-256 (its report
    then sits in the APK cache for the lying phone to point at)."""
    folder = root / "honest-vendor"
    write_profile(folder, description="one clean vendor app",
                  packages=[_vendor_package(folder, CLEAN_APP, CLEAN_PATH, _vendor_apk(CLEAN_APP))])
    return Hostile("honest-vendor", folder, "a clean vendor app")


def lying_sha256(root: Path, with_clean: bool = False) -> Hostile:
    """A pre-installed app carrying Tencent statistics code whose `sha256sum` is the
    digest of the clean app's APK: an auditor that trusts the phone's digest reuses the
    clean report (from the cache, or from the clean app pulled in the same audit) and
    passes it. With `with_clean`, the clean app is on this phone too."""
    name = "lying-sha256" + ("-both" if with_clean else "")
    folder = root / name
    clean = clean_apk_sha256()
    packages = [_vendor_package(folder, BAD_APP, BAD_PATH, _vendor_apk(BAD_APP, (TENCENT_CLASS,)))]
    paths = [BAD_PATH]
    if with_clean:
        packages.insert(0, _vendor_package(folder, CLEAN_APP, CLEAN_PATH, _vendor_apk(CLEAN_APP)))
        paths.insert(0, CLEAN_PATH)
    # the runner hashes its (sorted) APK paths in one `sha256sum` call: answer that line
    answer = "".join(f"{clean}  {p}\n" for p in paths)
    write_profile(folder, description="a vendor app whose sha256sum is the clean app's",
                  packages=packages, commands={"sha256sum " + " ".join(paths): {"stdout": answer}})
    return Hostile(name, folder, "sha256sum gives a bad app the digest of a clean one",
                   extra={"claimed": clean})


#: one megabyte of phone text (no one-line view may show it whole); random letters, so
#: an APK holding it does not look like a zip bomb
MEGA = "M" + "".join(random.Random(13).choices("abcdefghijklmnopqrstuvwxyz", k=(1 << 20) - 1))


def package_payloads(root: Path) -> Hostile:
    """1 MB strings, terminal sequences, `../../x` and shell metacharacters as package
    names (raw `pm list` output), labels, installer names, account types and setting
    values; the app with the big label and installer is a real APK the scan pulls."""
    folder = root / "package-payloads"
    evil = "".join(ST_PAYLOADS[:-1])  # not NEL (U+0085): it would end the `pm list` line
    big = MEGA + evil
    app = _apk_file(folder, "big.apk", synthesize_apk(ApkSpec(package="com.payload.big", label=big,
                                                              classes=("com.tencent.stat.StatService",))))
    path = "/data/app/com.payload.big-$(reboot)`id`/base.apk"
    names = ("../../x", "com.payload.$(reboot);`id`", "com.payload." + evil, "com.payload." + MEGA)
    lines = [f"package:{path}=com.payload.big versionCode:1 installer={big} uid:10100",
             "package:/system/priv-app/Settings/Settings.apk=com.android.settings installer=null uid:1000"]
    lines += [f"package:/data/app/p{i}/base.apk={n} versionCode:1 installer=../../x uid:{10101 + i}"
              for i, n in enumerate(names)]
    write_profile(
        folder,
        description="1 MB strings, escapes, ../../x and shell metacharacters in package fields",
        settings={"secure": {"enabled_accessibility_services": "../../x/.A:" + big,
                             "sms_default_application": "com.payload.$(reboot)"},
                  "global": {"device_name": big}},
        packages=[{"name": "com.android.settings", "system": True, "uid": 1000,
                   "path": "/system/priv-app/Settings/Settings.apk", "apk": {"label": "Settings"}}],
        accounts=[{"name": "../../x", "type": big}, {"name": "a", "type": "$(reboot)`id`;"}],
        commands={"pm list packages -f -i -U -u --show-versioncode":
                  {"file": _raw(folder, "pm-list.txt", ("\n".join(lines) + "\n").encode())}},
        files={path: app},
    )
    # its apps' APKs are not all on the phone (sha256sum: No such file), so the checks that
    # need them are inconclusive and the audit is incomplete: exit 3
    return Hostile("package-payloads", folder, "1 MB strings, escapes, ../../x and $(...) in package fields",
                   exits=(3,), complete=False,
                   extra={"evil": evil, "big": big, "names": names})


def dex_string_flood(root: Path, strings: int = 3_000_000) -> Hostile:
    """An app whose classes.dex lists 3 million strings (a 30 MB stored APK: a worker
    peaked at 579 MB reading it), beside an app with a tracker that is read as usual."""
    from support.big_apks import dex_with_strings, write_apk

    folder = root / "dex-string-flood"
    (folder / "apks").mkdir(parents=True, exist_ok=True)
    write_apk(folder / "apks" / "flood.apk", [("AndroidManifest.xml", _manifest("com.flood.strings")),
                                              ("classes.dex", dex_with_strings(strings))])
    normal = _apk_file(folder, "normal.apk", synthesize_apk(ApkSpec(
        package="com.flood.normal", classes=("com.tencent.stat.StatService",))))
    pkgs = base_packages() + [
        {"name": "com.flood.strings", "installer": "com.android.vending", "apk": {"file": "apks/flood.apk"}},
        {"name": "com.flood.normal", "installer": "com.android.vending", "apk": {"file": normal}},
    ]
    write_profile(folder, description="a DEX with millions of strings", packages=pkgs)
    return Hostile("dex-string-flood", folder, f"a DEX listing {strings} strings",
                   extra={"strings": strings})


def dex_hit_flood(root: Path) -> Hostile:
    """An app of 100 DEX files (the most read), each defining a class of every tracker of
    the knowledge base and holding every indicator string."""
    from checks.knowledge import load
    from support.big_apks import write_apk

    kb = load()
    classes = tuple(t.namespaces[0] + "Zz" for t in kb.trackers if t.namespaces and not t.withdrawn)
    strings = tuple(p for i in kb.indicators if i.kind in ("string", "substring", "url", "host")
                    for p in i.patterns)
    dex = build_dex(classes, strings)
    folder = root / "dex-hit-flood"
    (folder / "apks").mkdir(parents=True, exist_ok=True)
    names = ["classes.dex"] + [f"classes{i}.dex" for i in range(2, 101)]
    write_apk(folder / "apks" / "hits.apk",
              [("AndroidManifest.xml", _manifest("com.flood.hits"))] + [(n, dex) for n in names])
    pkgs = base_packages() + [{"name": "com.flood.hits", "installer": "com.android.vending",
                               "apk": {"file": "apks/hits.apk"}}]
    write_profile(folder, description="every tracker in every one of 100 DEX files", packages=pkgs)
    return Hostile("dex-hit-flood", folder, "every tracker in 100 DEX files",
                   extra={"trackers": len(classes)})


# ----------------------------------------------- phone-side tricks (issue 12)
#
# Each is a phone that tries to talk its way to a clean verdict, or keeps a fact where an
# older Android keeps it. `Hostile.extra["expect"]` is check id -> the verdict a careful
# human auditor gives this phone, written by hand from the profile (never produced by the
# code under test); `extra["subjects"]` the apps that verdict must name.

#: the Play Store, present on every trick phone that claims it (so its absence is the trick)
PLAY = {"name": "com.android.vending", "system": True, "uid": 10030, "label": "Play Store",
        "path": "/product/priv-app/Phonesky/Phonesky.apk", "apk": {"label": "Play Store"}}


def _trick(expect: dict[str, str], subjects: dict | None = None, **extra) -> dict:
    return {"expect": expect, "subjects": subjects or {}, **extra}


def claimed_store(root: Path) -> Hostile:
    """`adb install -i com.android.vending`: the installer field says Play Store, the
    initiating package (Android 11+) says the shell asked; another app claims a store that
    is not on the phone at all."""
    pkgs = base_packages() + [PLAY,
        {"name": "com.claims.play", "installer": "com.android.vending",
         "initiating_installer": "com.android.shell", "apk": {"label": "Claims Play"}},
        {"name": "com.ghost.store", "installer": "com.huawei.appmarket", "apk": {"label": "Ghost"}},
        {"name": "com.real.play", "installer": "com.android.vending", "apk": {"label": "Real"}},
    ]
    folder = write_profile(root / "claimed-store", description="installer names that lie", packages=pkgs)
    return Hostile("claimed-store", folder, "adb install -i com.android.vending; an installer not on the phone",
                   extra=_trick({"apps.sideloaded": "warn"},
                                {"apps.sideloaded": ["com.claims.play", "com.ghost.store"]}))


def boot_disagree(root: Path) -> Hostile:
    """The three properties the old check read say locked and green; the vendor copies
    and vbmeta say unlocked and orange."""
    folder = write_profile(root / "boot-disagree", description="boot state properties that disagree",
                           props={"ro.boot.vbmeta.device_state": "locked",
                                  "vendor.boot.verifiedbootstate": "orange",
                                  "vendor.boot.vbmeta.device_state": "unlocked"})
    return Hostile("boot-disagree", folder, "vendor.boot.* say unlocked while ro.boot.* say locked",
                   extra=_trick({"os.verified-boot": "fail"}, words=("contradicts",)))


def _month_5th(d) -> str:
    return f"{d.year:04d}-{d.month:02d}-05"


def future_patch(root: Path) -> Hostile:
    """A patch level a year after today, and a vendor patch level years older."""
    import datetime as dt

    ahead = dt.date.today() + dt.timedelta(days=400)
    folder = write_profile(root / "future-patch", description="a security patch level from the future",
                           props={"ro.build.version.security_patch": _month_5th(ahead),
                                  "ro.vendor.build.security_patch": "2019-01-05"},
                           patch_age_days=None)
    return Hostile("future-patch", folder, "a patch date in the future, an old vendor patch",
                   extra=_trick({"os.security-patch": "warn"},
                                words=("after the date of this audit", "vendor part")))


def patch_after_build(root: Path) -> Hostile:
    """A recent patch level on a system built two years before it."""
    import datetime as dt

    built = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=730)
    patch = dt.date.today() - dt.timedelta(days=20)
    folder = write_profile(root / "patch-after-build", description="a patch level newer than the build",
                           props={"ro.build.date.utc": str(int(built.timestamp())),
                                  "ro.build.version.security_patch": _month_5th(patch)},
                           patch_age_days=None)
    return Hostile("patch-after-build", folder, "a patch level long after ro.build.date.utc",
                   extra=_trick({"os.security-patch": "warn"},
                                words=("after the system was built",)))


def adb_port_suffix(root: Path) -> Hostile:
    """`service.adb.tcp.port = 5555/tcp`: adbd's sscanf reads 5555 and listens."""
    folder = write_profile(root / "adb-port-suffix", description="adb port with a suffix",
                           props={"service.adb.tcp.port": "5555/tcp"})
    return Hostile("adb-port-suffix", folder, "service.adb.tcp.port=5555/tcp",
                   extra=_trick({"os.adb-network": "warn"}, words=("port 5555",)))


def adb_listen_addrs(root: Path) -> Hostile:
    """No port property at all; `service.adb.listen_addrs` opens TCP."""
    folder = write_profile(root / "adb-listen-addrs", description="adb listening through listen_addrs",
                           props={"service.adb.listen_addrs": "tcp:5555,vsock:5555"})
    return Hostile("adb-listen-addrs", folder, "service.adb.listen_addrs=tcp:5555",
                   extra=_trick({"os.adb-network": "warn"}, words=("tcp:5555",)))


def work_profile(root: Path) -> Hostile:
    """An app installed over adb into the work profile (user 10) only, reading SMS and
    every notification there, and allowed to install apps there (user 10's own app op);
    user 0 names it its default SMS app (which excuses nothing in user 10, whose default
    SMS app is Google Messages)."""
    pkgs = base_packages() + [PLAY,
        {"name": "com.work.watcher", "installed": False, "users": [10], "granted": ["android.permission.READ_SMS"],
         "apk": {"label": "Watcher", "permissions": ["android.permission.READ_SMS", "android.permission.INTERNET",
                                                     "android.permission.REQUEST_INSTALL_PACKAGES"]}},
        # a known stalkerware package name (TheTruthSpy), hidden in the work profile too
        {"name": "com.thetruth", "installed": False, "users": [10], "apk": {"label": "System Service"}},
    ]
    # user 10 keeps its own secure settings: the watcher's accessibility service is on there
    user10 = ("enabled_accessibility_services=com.work.watcher/.Watch\n"
              "enabled_notification_listeners=com.work.watcher/.Listen\n"
              "sms_default_application=com.google.android.apps.messaging\nuser_setup_complete=1\n")
    folder = write_profile(root / "work-profile", description="a sideloaded SMS reader in user 10", packages=pkgs,
                           settings={"secure": {"sms_default_application": "com.work.watcher"}},
                           commands={"settings --user 10 list secure": {"stdout": user10},
                                     # AppOpsService's shell: `OP: mode` (user 0 has no uid for it)
                                     "appops get --user 10 com.work.watcher REQUEST_INSTALL_PACKAGES":
                                         {"stdout": "REQUEST_INSTALL_PACKAGES: allow\n"}})
    return Hostile("work-profile", folder, "apps only in the work profile",
                   extra=_trick({"apps.sideloaded": "warn", "apps.sms-access": "fail", "apps.stalkerware": "fail",
                                 "apps.accessibility": "fail", "apps.notification-listeners": "warn",
                                 "apps.unknown-sources": "fail"},
                                {"apps.sideloaded": ["com.work.watcher", "com.thetruth"],
                                 "apps.sms-access": ["com.work.watcher"], "apps.stalkerware": ["com.thetruth"],
                                 "apps.accessibility": ["com.work.watcher"],
                                 "apps.notification-listeners": ["com.work.watcher"],
                                 "apps.unknown-sources": ["com.work.watcher"]}))


def shared_uid(root: Path) -> Hostile:
    """A pre-installed app with Tencent statistics code and no INTERNET permission of its
    own, sharing its uid with a sibling that has INTERNET: the uid is online, so is it."""
    pkgs = base_packages() + [
        {"name": "com.vendor.quiet", "system": True, "uid": 10090, "shared_user": "com.vendor.shared",
         "apk": {"label": "Quiet", "permissions": ["android.permission.VIBRATE"],
                 "classes": ["com.tencent.stat.StatService"]}},
        {"name": "com.vendor.net", "system": True, "uid": 10090, "shared_user": "com.vendor.shared",
         "apk": {"label": "Net", "permissions": ["android.permission.INTERNET"]}},
    ]
    folder = write_profile(root / "shared-uid", description="statistics code behind a shared uid", packages=pkgs)
    return Hostile("shared-uid", folder, "network access through android:sharedUserId",
                   extra=_trick({"ncsc.tencent-statistics": "fail"},
                                {"ncsc.tencent-statistics": ["com.vendor.quiet"]}, needs_apks=True))


def _old_android(root: Path, name: str, release: str, sdk: int) -> Hostile:
    props = {"ro.build.version.release": release, "ro.build.version.sdk": str(sdk),
             "ro.build.fingerprint": f"hostile/hostile/hostile:{release}/H1/1:user/release-keys"}
    pkgs = base_packages() + [PLAY,
        {"name": "com.sms.reader", "installer": "com.android.vending", "granted": ["android.permission.READ_SMS"],
         "apk": {"label": "Reader", "permissions": ["android.permission.READ_SMS"]}},
    ]
    folder = write_profile(root / name, description=f"Android {release}: unknown sources on, an SMS reader",
                           props=props, settings={"secure": {"install_non_market_apps": "1"}}, packages=pkgs)
    return Hostile(name, folder, f"Android {release} keeps its facts elsewhere",
                   extra=_trick({"apps.unknown-sources": "fail", "apps.sms-access": "fail"},
                                {"apps.sms-access": ["com.sms.reader"]}))


def android5(root: Path) -> Hostile:
    """Android 5.1: `grantedPermissions:` blocks, no `pm list packages -U`, unknown sources
    is the secure setting install_non_market_apps."""
    return _old_android(root, "android5", "5.1.1", 22)


def android7(root: Path) -> Hostile:
    """Android 7.1: runtime permissions exist, but unknown sources is still one switch."""
    return _old_android(root, "android7", "7.1.2", 25)


#: the trick phones, run by tests/hostile/test_tricks.py on their own (in process, and
#: one `scan` each through the real adb server), not by the session fixture
TRICK_BUILDERS = (claimed_store, boot_disagree, future_patch, patch_after_build, adb_port_suffix,
                  adb_listen_addrs, work_profile, shared_uid, android5, android7)


#: round-two profiles, run by tests/hostile/test_terminal.py on their own (not by the
#: session fixture, so the slow suite is not longer for everyone)
TERMINAL_BUILDERS = (terminal_sequences, raw_c1_bytes, package_payloads)

BUILDERS = (escapes, shell_meta, zip_bomb, zip_traversal, broken_apks, malformed_axml_dex, huge_getprop,
            non_utf8, content_rows, sms_privacy, hang, disconnect_mid_pull, many_packages, adb_killed)


def build(root: Path) -> dict[str, Hostile]:
    """Write every hostile profile under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    out = {}
    for builder in BUILDERS:
        h = builder(root)
        out[h.name] = h
    return out


if __name__ == "__main__":  # write them somewhere to look at: python tests/hostile/profiles.py DIR
    import sys

    for h in build(Path(sys.argv[1] if len(sys.argv) > 1 else os.getcwd())).values():
        print(h.name, h.folder)
