"""Every parser and build_snapshot survive arbitrary text and bytes (they never raise)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from adb.capture import RawCapture, RawOutput
from adb.parsers.build_snapshot import build_snapshot
from adb.parsers import commands as C
from adb.parsers.accessibility import parse_dumpsys_accessibility
from adb.parsers.accounts import parse_dumpsys_account
from adb.parsers.appops import parse_appops
from adb.parsers.content import parse_content_query
from adb.parsers.device_policy import parse_device_policy
from adb.parsers.dumpsys_package import parse_dumpsys_package
from adb.parsers.getprop import parse_getprop
from adb.parsers.pm import looks_like_pm_error, parse_pm_list, parse_pm_path
from adb.parsers.security import ls_found, parse_getenforce, parse_id_is_root, parse_which
from adb.parsers.settings import parse_component_list, parse_settings_list
from adb.pull import parse_sha256sum

# text shaped like the real thing (keywords, brackets, separators) and raw bytes
_TOKENS = st.sampled_from([
    "Package [", "] (", "):", "\n", "\r\n", "  ", "    ", "      ", "User 0:", "User 10:",
    "userId=", "appId=", "flags=[ SYSTEM ]", "installed=", "enabled=", "granted=true",
    "runtime permissions:", "install permissions:", "requested permissions:", "Packages:",
    "Hidden system packages:", "package:", "=", ":", "[", "]", "versionCode:", " installer=",
    " uid:", "Row: 0 ", "Row: 1 ", "_id=", ", address=", ", type=", "Accounts: 1",
    "Account {name=", ", type=", "}", "Enabled Device Admins (User 0):", "Device Owner:",
    "admin=ComponentInfo{", "/", "Enabled services:{{", "Uid mode: ", "OP: allow", "\x00", "\ufffd",
])
texty = st.lists(st.one_of(_TOKENS, st.text(max_size=12)), max_size=60).map("".join)
anydata = st.one_of(texty, st.binary(max_size=400), texty.map(lambda s: s.encode("utf-8", "surrogatepass")))

PARSERS = [
    parse_getprop, parse_pm_list, parse_pm_path, parse_dumpsys_package, parse_settings_list,
    parse_appops, parse_dumpsys_account, parse_device_policy, parse_dumpsys_accessibility,
    parse_getenforce, parse_id_is_root,
]


@settings(max_examples=300, deadline=None)
@given(data=anydata)
def test_parsers_never_raise(data):
    for parser in PARSERS:
        parser(data)
    parse_content_query(data, ("_id", "address", "type"), data)
    parse_which(data, 0)
    ls_found("/sbin/su", data, data, 0)
    looks_like_pm_error(data, data, 1)
    parse_sha256sum(data, ["/system/app/a.apk"])
    parse_component_list(data.decode("utf-8", "replace") if isinstance(data, bytes) else data)


_COMMANDS = [C.line(a) for a in (
    C.GETPROP, C.PM_LIST_VARIANTS[0], C.PM_LIST_VARIANTS[3], C.PM_DISABLED, C.PM_SYSTEM,
    C.DUMPSYS_PACKAGE, C.settings_list("secure"), C.DUMPSYS_ACCOUNT, C.DUMPSYS_DEVICE_POLICY,
    C.DUMPSYS_ACCESSIBILITY, C.GETENFORCE, C.ID, C.WHICH_SU, C.ls("/sbin/su"),
    C.sms_query(C.SMS_COLUMNS), C.pm_path("a.b"), C.appops_get("a.b"),
)] + ["pm path", "content query --projection", "appops get 'x"]


@settings(max_examples=150, deadline=None)
@given(
    outs=st.lists(
        st.tuples(st.sampled_from(_COMMANDS), anydata, anydata,
                  st.one_of(st.none(), st.integers(-5, 300)), st.one_of(st.none(), st.text(max_size=10))),
        max_size=12,
    ),
    complete=st.booleans(),
)
def test_build_snapshot_never_raises(outs, complete):
    def b(x):
        return x if isinstance(x, bytes) else x.encode("utf-8", "surrogatepass")

    raw = RawCapture(
        adb_serial="127.0.0.1:1",
        started_at="2026-01-01T00:00:00.000Z",
        outputs=tuple(RawOutput(c, b(o), b(e), code, "t", err) for c, o, e, code, err in outs),
        complete=complete,
    )
    snap = build_snapshot(raw)
    assert snap.complete == complete
    assert snap.collected_at == raw.started_at
