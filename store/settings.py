"""The optional config file: which database, which bench, which technician.

`$PHONE_AUDIT_CONFIG`, else `<user config dir>/phone-audit/config.toml`, e.g.::

    db = "postgresql://bench@audit-server.shop.lan/phoneaudit"
    bench = "bench-2"
    technician = "Sam"
    shop = "Fix-It Corner, 3 Main St"   # printed on the customer report
    auto_export = "~/bench-reports"     # the app exports every finished audit here

A missing file is no config. The file may hold a database password (in the URL); it
is read, never printed (see `store.backends.redact`), and should be readable only by
its owner. Command-line options and environment variables win over it.
"""

from __future__ import annotations

import os
import socket
import tomllib
from pathlib import Path
from typing import Any

ENV_CONFIG = "PHONE_AUDIT_CONFIG"
ENV_BENCH = "PHONE_AUDIT_BENCH"
ENV_TECHNICIAN = "PHONE_AUDIT_TECHNICIAN"


def config_path() -> Path:
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("phone-audit", appauthor=False)) / "config.toml"


def load() -> dict[str, Any]:
    """The config file's keys, or {} if there is none. A broken file is an error that
    names the file (and only the file: its text may hold a password)."""
    path = config_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ValueError(f"cannot read the config file {path}: {exc.strerror}") from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        raise ValueError(f"the config file {path} is not valid TOML") from None


def bench_identity() -> tuple[str, str | None]:
    """(bench name, technician or None): $PHONE_AUDIT_BENCH (set by `--bench`), else the
    config file's `bench`, else this computer's host name; the technician likewise."""
    config = load()
    bench = os.environ.get(ENV_BENCH) or config.get("bench") or socket.gethostname()
    technician = os.environ.get(ENV_TECHNICIAN) or config.get("technician") or None
    return str(bench)[:100], (str(technician)[:100] if technician else None)
