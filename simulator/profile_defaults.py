"""Values a profile may leave out and the loader makes up: the APK path of a package
and a security patch level N days old.
"""

from __future__ import annotations

import datetime as _dt


def patch_level_for_age(days: int, today: _dt.date | None = None) -> str:
    """The security patch string for a phone patched `days` days ago (the 5th of that month)."""
    d = (today or _dt.date.today()) - _dt.timedelta(days=days)
    return _dt.date(d.year, d.month, 5).isoformat()


def align_build_date(props: dict, level: str) -> None:
    """A phone whose patch level follows today's date (`patch_age_days`) was built then too:
    move `ro.build.date.utc` / `ro.build.date` up to the patch level when the profile's
    build date is older, so the phone does not claim fixes published after its build."""
    try:
        patch = _dt.date.fromisoformat(level)
        built = _dt.datetime.fromtimestamp(int(props.get("ro.build.date.utc", "0")), _dt.timezone.utc).date()
    except (ValueError, OverflowError, OSError):
        return
    if "ro.build.date.utc" not in props or built >= patch:
        return
    moved = _dt.datetime(patch.year, patch.month, patch.day, 3, 0, 0, tzinfo=_dt.timezone.utc)
    props["ro.build.date.utc"] = str(int(moved.timestamp()))
    if "ro.build.date" in props:
        props["ro.build.date"] = moved.strftime("%a %b %d %H:%M:%S UTC %Y")


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
