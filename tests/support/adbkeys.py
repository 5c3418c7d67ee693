"""Host keys for AUTH tests, made by adb-shell (an implementation independent of ours).

`host_key(folder)` writes `adbkey` and `adbkey.pub` into a temporary folder, never
~/.android, and returns a signer with `.Sign(token)` and the public key line.
"""

from __future__ import annotations

from pathlib import Path

from adb_shell.auth.keygen import keygen
from adb_shell.auth.sign_pythonrsa import PythonRSASigner


def host_key(folder: Path) -> tuple[PythonRSASigner, str]:
    """A fresh 2048-bit adb key pair in `folder`: (signer, "BASE64 user@host")."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "adbkey"
    keygen(str(path))
    public = (folder / "adbkey.pub").read_text().strip()
    return PythonRSASigner.FromRSAKeyPath(str(path)), public
