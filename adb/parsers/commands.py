"""The command lines `adb.collect` sends and `build_snapshot` looks up, in one place.

Each is an argv (checked by `adb.allowlist`); a capture stores them as quoted lines
(`adb.allowlist.quote_argv`), so both sides agree on the exact text.
"""

from __future__ import annotations

from adb.allowlist import quote_argv
from adb.parsers.security import SU_PATHS

GETPROP = ("getprop",)
#: tried in order until one lists packages: old Android lacks --show-versioncode (< 9)
#: and -U (< 8)
PM_LIST_VARIANTS = (
    ("pm", "list", "packages", "-f", "-i", "-U", "-u", "--show-versioncode"),
    ("pm", "list", "packages", "-f", "-i", "-U", "-u"),
    ("pm", "list", "packages", "-f", "-i", "-u"),
    ("pm", "list", "packages", "-f"),
)
PM_DISABLED = ("pm", "list", "packages", "-d")
PM_SYSTEM = ("pm", "list", "packages", "-s")
DUMPSYS_PACKAGE = ("dumpsys", "package")
NAMESPACES = ("global", "secure", "system")
DUMPSYS_ACCOUNT = ("dumpsys", "account")
DUMPSYS_DEVICE_POLICY = ("dumpsys", "device_policy")
DUMPSYS_ACCESSIBILITY = ("dumpsys", "accessibility")
GETENFORCE = ("getenforce",)
ID = ("id",)
WHICH_SU = ("which", "su")
INSTALL_OP = "REQUEST_INSTALL_PACKAGES"
SMS_URI = "content://sms"
SMS_COLUMNS = ("_id", "thread_id", "address", "date", "type", "read", "seen", "creator")
#: without `creator`, for providers that do not have the column
SMS_COLUMNS_BASIC = ("_id", "thread_id", "address", "date", "type", "read")


def settings_list(ns: str) -> tuple[str, ...]:
    return ("settings", "list", ns)


def settings_list_user(ns: str, user: int) -> tuple[str, ...]:
    """Another user's settings (a work profile keeps its own accessibility services)."""
    return ("settings", "--user", str(user), "list", ns)


#: at most this many other users are read (a phone may claim thousands)
MAX_OTHER_USERS = 16


def pm_path(package: str) -> tuple[str, ...]:
    return ("pm", "path", package)


def appops_get(package: str, op: str = INSTALL_OP, user: int | None = None) -> tuple[str, ...]:
    """One package's app op (in another user: a work profile keeps its own modes)."""
    if user is None:
        return ("appops", "get", package, op)
    return ("appops", "get", "--user", str(user), package, op)


def appops_wanted(dumped) -> list[tuple[str, ...]]:
    """The app-op commands the audit sends for these `dumpsys package` entries: the
    install op of every package that requests it, in user 0 where it is installed there,
    and in each other user (a work profile keeps its own modes) it is installed for."""
    from adb.allowlist import PACKAGE_RE

    dumped = list(dumped)
    others = sorted({u for d in dumped for u in d.installed_users if u != 0})[:MAX_OTHER_USERS]
    wanting = [d for d in dumped if "android.permission." + INSTALL_OP in d.requested_permissions
               and PACKAGE_RE.fullmatch(d.name) is not None]
    return ([appops_get(d.name) for d in wanting if 0 in d.installed_users or not d.installed_users]
            + [appops_get(d.name, user=u) for d in wanting for u in d.installed_users if u in others])


def sms_ops_wanted(dumped) -> list[tuple[str, ...]]:
    """The SEND_SMS app-op commands the audit sends for these `dumpsys package` entries:
    one per package that requests SEND_SMS (at most `MAX_SMS_OP_PACKAGES`), so the ledger
    can tell an answer that never came from "no app sent an SMS"."""
    from adb.allowlist import PACKAGE_RE

    senders = [d.name for d in dumped if "android.permission." + SEND_SMS_OP in d.requested_permissions]
    return [appops_get(p, SEND_SMS_OP) for p in senders[:MAX_SMS_OP_PACKAGES] if PACKAGE_RE.fullmatch(p)]


def ls(path: str) -> tuple[str, ...]:
    return ("ls", path)


def sms_query(columns: tuple[str, ...]) -> tuple[str, ...]:
    return ("content", "query", "--uri", SMS_URI, "--projection", ":".join(columns))


ROOT_PROBES = (WHICH_SU,) + tuple(ls(p) for p in SU_PATHS)

# -- activity: network use, last use, roles, SMS op times (issue 15, part B) ----------
DUMPSYS_NETSTATS = ("dumpsys", "netstats", "detail")
DUMPSYS_USAGESTATS = ("dumpsys", "usagestats")
SEND_SMS_OP = "SEND_SMS"
ACTIVITY_ROLES = ("android.app.role.BROWSER", "android.app.role.SMS", "android.app.role.DIALER",
                  "android.app.role.ASSISTANT")
#: at most this many packages get `appops get PKG SEND_SMS`
MAX_SMS_OP_PACKAGES = 200


def role_holders(role: str) -> tuple[str, ...]:
    return ("cmd", "role", "get-role-holders", role)


ROLE_QUERIES = tuple(role_holders(r) for r in ACTIVITY_ROLES)

line = quote_argv

# -- phone state the forensic tools read (issue 15) ------------------------------------
#: toybox ps (Android 8+): every process, only the columns the audit reads
PS = ("ps", "-A", "-o", "USER,PID,PPID,NAME")
#: toolbox ps (Android 7 and older has no -A/-o, and lists every process by default)
PS_TOOLBOX = ("ps",)
#: the adb service's state: the computers trusted for USB debugging (Android 10+)
DUMPSYS_ADB = ("dumpsys", "adb")
#: the kernel's mount table (readable by the shell user)
CAT_MOUNTS = ("cat", "/proc/mounts")
#: the folder `adb push` and debugging tools use (owned by the shell user)
LOCAL_TMP = "/data/local/tmp"
LS_LOCAL_TMP = ("ls", "-la", LOCAL_TMP)
