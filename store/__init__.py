"""SQLite storage on aiosqlite: audit history, findings, inventory, the APK cache.

`await Store.open(path=None)`: path, else $PHONE_AUDIT_DB, else the user data folder.
"""

from store.db import Store, default_path, resolve_path

__all__ = ["Store", "default_path", "resolve_path"]
