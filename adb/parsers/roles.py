"""`cmd role get-role-holders ROLE` (Android 10+): the packages that hold a role.

RoleManagerShellCommand prints the holders on one line, joined with `;`, and an empty
line when nobody holds the role. Lines that are not package names (an error, a usage
text) make the answer not understood: `parse_role_holders` returns None for them.
"""

from __future__ import annotations

import re

from adb.parsers._text import as_text

#: the roles an activity line names ("and it is your default browser")
ROLES = {
    "android.app.role.BROWSER": "default browser",
    "android.app.role.SMS": "default SMS app",
    "android.app.role.DIALER": "default phone app",
    "android.app.role.ASSISTANT": "assistant",
}

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+")
#: holders kept at most per role
MAX_HOLDERS = 32


def parse_role_holders(data: str | bytes) -> tuple[str, ...] | None:
    """The holders, or None when the answer is not a list of package names."""
    text = as_text(data)
    if len(text) > 64 * 1024:
        return None
    names = [w.strip() for w in re.split(r"[;\n]", text) if w.strip()]
    if not all(_NAME.fullmatch(n) for n in names):
        return None
    return tuple(dict.fromkeys(names))[:MAX_HOLDERS]
