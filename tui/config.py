"""Settings of the command line that come from the one config file
(`store.settings`: `$PHONE_AUDIT_CONFIG`, else `~/.config/phone-audit/config.toml`).

    keep_days = 30   # forget audits older than this after every scan (unset: keep all)
"""

from __future__ import annotations

from store import settings


def demo_db(explicit: str | None) -> str | None:
    """The history a demo (`--demo`) writes to: `demo-history.sqlite3` beside the real
    one, so simulated phones never mix with real phones in `history`, `diff` or the
    picker. Only when no database was chosen (`--db`, $PHONE_AUDIT_DB, the config file's
    `db`): a chosen one is used as chosen. None means "the one chosen"."""
    import os

    from store.db import ENV_DB, default_path

    if explicit or os.environ.get(ENV_DB) or settings.load().get("db"):
        return None
    return str(default_path().with_name("demo-history.sqlite3"))


def keep_days(cli_value: int | None) -> int | None:
    """The retention in days: the command line's `--keep-days`, else the config's.
    Raises ValueError (naming the file) for a value that is not a whole number >= 0."""
    if cli_value is not None:
        return cli_value
    keep = settings.load().get("keep_days")
    if keep is not None and (not isinstance(keep, int) or isinstance(keep, bool) or keep < 0):
        raise ValueError(f"{settings.config_path()}: keep_days must be a whole number of days (0 or more)")
    return keep
