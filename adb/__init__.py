"""Everything that talks to a phone: the connection, the read-only command gate,
collectors, parsers, captures and pulls. The simulated phone is its own
top-level package, `simulator/`, beside this one.

Never imports textual (import-linter keeps it so).
"""

import os as _os
from pathlib import Path as _Path


def bundled_adb_path() -> str:
    """The adb binary shipped in the adbutils wheel (adb 36)."""
    import adbutils

    return str(_Path(adbutils.__file__).parent / "binaries" / "adb")


# adbutils prefers an `adb` on PATH (Debian's is adb 29) over its bundled one. The
# project is tested against the bundled server, so point adbutils at it unless the
# user chose another binary explicitly.
if not _os.environ.get("ADBUTILS_ADB_PATH"):
    try:
        _p = bundled_adb_path()
        if _os.path.isfile(_p):
            _os.environ["ADBUTILS_ADB_PATH"] = _p
    except Exception:  # adbutils missing: callers will say so when they need it
        pass
