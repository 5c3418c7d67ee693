"""os.adb-network: adb reachable over the network (adb over TCP / wireless debugging).

USB debugging itself is on during every audit (phone-audit needs it), so the check never
judges it; it says so in its summary and judges only network access to adb.
"""

from __future__ import annotations

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
        "Properties service.adb.tcp.port and persist.adb.tcp.port, global setting "
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

_PORT_PROPS = ("service.adb.tcp.port", "persist.adb.tcp.port")
_AUDIT_NOTE = ("USB debugging is on because this audit needs it; turn it off in Developer options "
               "when you are done.")


def _port(value: str | None) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        return 0


def evaluate(inp: AuditInput) -> Finding:
    snap = inp.snapshot
    ev, found = [], []
    for key in _PORT_PROPS:
        val = snap.prop(key)
        if val is not None and _port(val) > 0:
            ev.append(Evidence("getprop", f"{key} = {val}", cmd_getprop(key)))
            found.append(f"adb listens on TCP port {_port(val)}")
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
