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


def ls(path: str) -> tuple[str, ...]:
    return ("ls", path)


def sms_query(columns: tuple[str, ...]) -> tuple[str, ...]:
    return ("content", "query", "--uri", SMS_URI, "--projection", ":".join(columns))


ROOT_PROBES = (WHICH_SU,) + tuple(ls(p) for p in SU_PATHS)

line = quote_argv
