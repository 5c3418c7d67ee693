"""Where the history lives: the embedded SQLite file (default) or a shared PostgreSQL.

`store.db.Store` speaks one SQL (SQLite's, with `?` placeholders) to a connection;
`store.backends.postgres` gives a PostgreSQL connection with the same few methods
and turns the handful of SQLite-only phrases into PostgreSQL's. `store.backends.spool`
keeps an audit on a local SQLite file when the shared database is lost mid-audit.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def is_url(target: object) -> bool:
    """Whether a --db / PHONE_AUDIT_DB value names a PostgreSQL server."""
    return isinstance(target, str) and target.split("://", 1)[0].lower() in ("postgresql", "postgres")


def redact(url: str) -> str:
    """The URL with any password replaced by '***' (for messages and logs)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://***"
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    user = parts.username or ""
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, parts.fragment))
