"""`dumpsys adb` -> the computers this phone trusts for USB debugging.

Android 10+ prints the adb service's state (AOSP frameworks/base services/core/java/
com/android/server/adb/AdbService.java and AdbDebuggingManager.java `dump`, in the
indented text form of DualDumpOutputStream):

    ADB MANAGER STATE (dumpsys adb):
    {
      debugging_manager={
        connected_to_adb=true
        last_key_received=AB:CD:...
        user_keys=QAAAA...= user@host        <- /data/misc/adb/adb_keys, one key a line
        QAAAA...= other@laptop

        keystore=<?xml ...?>                 <- adb_temp_keys.xml (Android 11+): the
        <keyStore version="1">                  time each key last connected
        <adbKey key="QAAAA...= user@host" lastConnection="1628501829898" />
        </keyStore>
      }
    }

A key is named by its fingerprint: the MD5 of the decoded key, as colon-separated
upper-case hex, the way the phone's "Allow USB debugging?" dialog shows it. The
`user@host` comment names a person and their computer: the parser never returns it,
and `adb.privacy` drops it from the capture (the minimised dump has fingerprints where
keys were, which this parser reads back the same).

On Android 14+ the keystore may be binary XML (ABX): the keys are still read from
`user_keys`, their last connection times are then unknown. Pure; bounded.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from adb.parsers._text import as_text, to_int
from model.snapshot import AdbKey

#: a phone trusting more keys than this is read as trusting this many (and says so)
MAX_KEYS = 500
FINGERPRINT_RE = re.compile(r"(?:[0-9A-F]{2}:){15}[0-9A-F]{2}")
_FIELD = re.compile(r"^\s*([a-z_]+)=(.*)$")
_XML_KEY = re.compile(r'<adbKey\s+key="([^"]{1,8192})"\s+lastConnection="(-?\d{1,20})"')
_B64 = re.compile(r"[A-Za-z0-9+/]{16,8192}={0,2}")


@dataclass(frozen=True)
class AdbDump:
    """What `dumpsys adb` told: the trusted keys, or why they could not be read."""

    keys: tuple[AdbKey, ...] = ()
    #: False when the phone printed an error where its key file should be
    readable: bool = True
    error: str = ""


def fingerprint(word: str) -> str | None:
    """The fingerprint of a key as written in adb_keys (base64), or of one already a
    fingerprint (a minimised capture); None for anything else."""
    if FINGERPRINT_RE.fullmatch(word):
        return word
    if not _B64.fullmatch(word):
        return None
    try:
        raw = base64.b64decode(word, validate=True)
    except (binascii.Error, ValueError):
        return None
    digest = hashlib.md5(raw).hexdigest().upper()  # noqa: S324 - Android's own fingerprint
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2))


def _key_lines(lines: list[str], start: int) -> list[str]:
    """The lines of the multi-line `user_keys=` value beginning at `start` (it ends at
    a blank line, the next `name=` field or the closing brace)."""
    first = _FIELD.match(lines[start])
    out = [first.group(2).strip()] if first else []
    for line in lines[start + 1:start + 1 + MAX_KEYS]:
        s = line.strip()
        if not s or s == "}" or _FIELD.match(line):
            break
        out.append(s)
    return out


def parse_dumpsys_adb(data: str | bytes) -> AdbDump | None:
    """The trusted keys of a `dumpsys adb`, or None when it is not that dump."""
    text = as_text(data)
    if "debugging_manager" not in text:
        return None
    lines = text.split("\n")
    last: dict[str, str] = {}
    for m in _XML_KEY.finditer(text[: 1 << 22]):
        fp = fingerprint(m.group(1).split()[0]) if m.group(1).split() else None
        if fp:
            last[fp] = m.group(2)
    keys: list[AdbKey] = []
    seen: set[str] = set()
    for i, line in enumerate(lines):
        m = _FIELD.match(line)
        if not m or m.group(1) != "user_keys":
            continue
        values = _key_lines(lines, i)
        if values and values[0].startswith(("IOException", "java.")):
            return AdbDump(readable=False, error=values[0][:300])
        for value in values:
            words = value.split()
            fp = fingerprint(words[0]) if words else None
            if fp is None or fp in seen:
                continue
            seen.add(fp)
            ms = last.get(fp)
            keys.append(AdbKey(fp, ms if ms is not None and (to_int(ms) or 0) > 0 else None))
            if len(keys) >= MAX_KEYS:
                break
        break
    return AdbDump(tuple(keys))


def host_key_fingerprint(pub_line: str | bytes) -> str | None:
    """The fingerprint of this computer's adb key, from its `adbkey.pub` line."""
    words = as_text(pub_line).split()
    return fingerprint(words[0]) if words else None


def minimised_dump(dump: AdbDump) -> str:
    """The dump rewritten with fingerprints only: no key, no `user@host` (adb.privacy)."""
    lines = ["ADB MANAGER STATE (dumpsys adb):", "{", "  debugging_manager={"]
    if not dump.readable:
        lines.append(f"    user_keys={dump.error}")
    elif dump.keys:
        lines.append(f"    user_keys={dump.keys[0].fingerprint}")
        lines.extend(f"    {k.fingerprint}" for k in dump.keys[1:])
        lines.append("")
        lines.append('    keystore=<keyStore version="1">')
        lines.extend(f'    <adbKey key="{k.fingerprint}" lastConnection="{k.last_connection}" />'
                     for k in dump.keys if k.last_connection is not None)
        lines.append("    </keyStore>")
    lines.extend(["  }", "}", ""])
    return "\n".join(lines)
