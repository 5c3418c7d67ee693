"""os.adb-network: adb reachable over the network (adb over TCP / wireless debugging).

USB debugging itself is on during every audit (phone-audit needs it), so the check never
judges it; it says so in its summary and judges only network access to adb.
"""

from __future__ import annotations

import re

from checks.commands import cmd_getprop, cmd_settings
from checks.references import ADB_DOCS
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding

META = CheckMeta(
    needs=('getprop', 'settings global'),
    apk_scope='none',
    id="os.adb-network",
    title="Debugging over the network",
    category="os",
    severity=Severity.MEDIUM,
    looks_at=(
        "Properties service.adb.tcp.port and persist.adb.tcp.port (read as adbd reads them: "
        "the leading digits, so '5555/tcp' is port 5555), service.adb.listen_addrs, global setting "
        "adb_wifi_enabled (wireless debugging), and development_settings_enabled / adb_enabled."
    ),
    why=(
        "With adb listening on the network, anyone on the same Wi-Fi who gets the phone "
        "authorised can install apps and read data as the audit does. USB debugging needs "
        "the cable and your approval on the screen."
    ),
    remediation=(
        "Turn off Wireless debugging in Settings > System > Developer options; restart the "
        "phone to stop adb over TCP. After the audit, turn off USB debugging too (or Developer "
        "options altogether)."
    ),
    references=(ADB_DOCS + "#wireless",),
)

#: adbd (AOSP packages/modules/adb daemon/main.cpp) listens on TCP when one of these holds
#: a port; `service.adb.listen_addrs` (Android 11+) lists whole listen addresses
_PORT_PROPS = ("service.adb.tcp.port", "persist.adb.tcp.port")
LISTEN_ADDRS = "service.adb.listen_addrs"
_AUDIT_NOTE = ("USB debugging is on because this audit needs it; turn it off in Developer options "
               "when you are done.")
_LEADING = re.compile(r"\s*\+?([0-9]+)")


def _port(value: str | None) -> int:
    """The port adbd would listen on. adbd reads the property with `sscanf(value, "%d")`
    and listens when the number is > 0 (AOSP adb daemon/main.cpp; the same in
    bootable/recovery minadbd), so `5555/tcp`, ` 5555` and `+5555` listen on 5555; a value
    without leading digits, or 0, or negative, is off."""
    m = _LEADING.match(value or "")
    if not m:
        return 0
    return int(m.group(1)[:9])


def _listen_addrs(value: str | None) -> list[str]:
    """`tcp:5555,vsock:5555` -> the entries that are network sockets (tcp, or an address
    with a port), as the phone wrote them."""
    out = []
    for part in (value or "").split(","):
        part = part.strip()
        if not part:
            continue
        kind = part.split(":", 1)[0].lower()
        if kind in ("tcp", "tcp6") or (":" in part and kind not in ("vsock", "unix", "local", "localabstract")):
            out.append(part)
    return out


def evaluate(inp: AuditInput) -> Finding:
    snap = inp.snapshot
    ev, found = [], []
    for key in _PORT_PROPS:
        val = snap.prop(key)
        if val is not None and _port(val) > 0:
            ev.append(Evidence("getprop", f"{key} = {val}", cmd_getprop(key)))
            found.append(f"adb listens on TCP port {_port(val)}")
    addrs = _listen_addrs(snap.prop(LISTEN_ADDRS))
    if addrs:
        ev.append(Evidence("getprop", f"{LISTEN_ADDRS} = {snap.prop(LISTEN_ADDRS)}", cmd_getprop(LISTEN_ADDRS)))
        found.append(f"adb listens on {', '.join(addrs)}")
    wifi = snap.setting("global", "adb_wifi_enabled")
    if wifi is not None and wifi.strip() == "1":
        ev.append(Evidence("settings", "adb_wifi_enabled = 1", cmd_settings("global", "adb_wifi_enabled")))
        found.append("wireless debugging is on")
    if found:
        return finding(META, Status.WARN,
                       f"Debugging is reachable over the network ({'; '.join(found)}). {_AUDIT_NOTE}", evidence=ev)
    if not snap.props:
        return finding(META, Status.INCONCLUSIVE, "The phone's properties could not be read.")
    dev = snap.setting("global", "development_settings_enabled")
    if dev is not None:
        ev.append(Evidence("settings", f"development_settings_enabled = {dev}",
                           cmd_settings("global", "development_settings_enabled")))
    return finding(META, Status.PASS, f"Debugging is not reachable over the network. {_AUDIT_NOTE}", evidence=ev)
