"""`dumpsys adb`: the adb service's state, as Android 10+ prints it (AdbService /
AdbDebuggingManager `dump`, the indented text of DualDumpOutputStream).

The trusted keys are the profile's [device] `adb_keys` (the phone's
/data/misc/adb/adb_keys); Android 11+ (SDK 30) also prints the keystore, with the
time each key last connected: the build date of the phone, plus a day per key.
Android 9 and older have no adb service: `Can't find service: adb`, as dumpsys says.
"""

from __future__ import annotations

from simulator.commands.result import fail, ok


def dump_adb(phone):
    if phone.profile.sdk < 29:
        return fail("Can't find service: adb\n", 0)
    keys = [k.strip() for k in phone.adb_keys if k.strip()]
    lines = ["ADB MANAGER STATE (dumpsys adb):", "{", "  debugging_manager={",
             "    connected_to_adb=true"]
    if keys:
        lines.append(f"    user_keys={keys[0]}")
        lines.extend(f"    {k}" for k in keys[1:])
        lines.append("    ")  # the file's last newline, then println's
    if phone.profile.sdk >= 30:
        lines.append("    keystore=<?xml version='1.0' encoding='utf-8' standalone='yes' ?>")
        lines.append('    <keyStore version="1">')
        for n, k in enumerate(keys):
            when = (phone.base_time + 86400 * (n + 1)) * 1000
            lines.append(f'    <adbKey key="{k}" lastConnection="{when}" />')
        lines.append("    </keyStore>")
        lines.append("    ")
    lines += ["  }", "}", ""]
    return ok("\n".join(lines))
