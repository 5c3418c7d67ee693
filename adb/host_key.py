"""This computer's own adb key, so a check can tell it apart from the other computers a
phone trusts.

The adb server signs in to phones with `adbkey` in the Android user folder:
`$ANDROID_USER_HOME`, else `$ANDROID_SDK_HOME/.android`, else `~/.android` (as the adb
client looks for it). Only the public half (`adbkey.pub`) is read, and only its
fingerprint is kept. None when there is no readable key: a check then says it cannot
tell which trusted computer is this one.
"""

from __future__ import annotations

import os
from pathlib import Path

from adb.parsers.adb_keys import host_key_fingerprint

#: an adbkey.pub line is about 720 bytes
_MAX = 16384


def android_user_home() -> Path:
    if os.environ.get("ANDROID_USER_HOME"):
        return Path(os.environ["ANDROID_USER_HOME"])
    if os.environ.get("ANDROID_SDK_HOME"):
        return Path(os.environ["ANDROID_SDK_HOME"]) / ".android"
    return Path.home() / ".android"


def local_adb_key_fingerprint() -> str | None:
    """The fingerprint of this computer's `adbkey.pub`, or None."""
    try:
        with open(android_user_home() / "adbkey.pub", "rb") as f:
            return host_key_fingerprint(f.read(_MAX))
    except (OSError, RuntimeError):
        return None
