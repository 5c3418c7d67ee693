"""Values a profile may leave out and the loader makes up: the APK path of a package
and a security patch level N days old.
"""

from __future__ import annotations

import datetime as _dt


def patch_level_for_age(days: int, today: _dt.date | None = None) -> str:
    """The security patch string for a phone patched `days` days ago (the 5th of that month)."""
    d = (today or _dt.date.today()) - _dt.timedelta(days=days)
    return _dt.date(d.year, d.month, 5).isoformat()


def _short_hash(text: str, n: int = 22) -> str:
    import base64
    import hashlib

    raw = hashlib.sha256(text.encode()).digest()
    return base64.urlsafe_b64encode(raw).decode()[:n]


def default_apk_path(name: str, system: bool, sdk: int) -> str:
    """Where Android would put a package's base APK when the profile does not say."""
    if system:
        base = name.rsplit(".", 1)[-1]
        base = base[:1].upper() + base[1:]
        return f"/system/app/{base}/{base}.apk"
    if sdk >= 30:
        return f"/data/app/~~{_short_hash('outer' + name)}==/{name}-{_short_hash(name)}==/base.apk"
    return f"/data/app/{name}-{_short_hash(name)}==/base.apk"
