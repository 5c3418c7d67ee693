"""The optional config file: `$XDG_CONFIG_HOME/phone-audit/config.toml` (default
`~/.config/phone-audit/config.toml`). Read with tomllib; a missing file means defaults.

    keep_days = 30   # forget audits older than this after every scan (unset: keep all)
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "phone-audit" / "config.toml"


def load_config(path: Path | None = None) -> dict:
    """The config as a dict ({} when there is no file); raises ValueError if malformed."""
    p = path or config_path()
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"{p}: {e}") from None
    keep = data.get("keep_days")
    if keep is not None and (not isinstance(keep, int) or isinstance(keep, bool) or keep < 0):
        raise ValueError(f"{p}: keep_days must be a whole number of days (0 or more)")
    return data


def keep_days(cli_value: int | None) -> int | None:
    """The retention in days: the command line's `--keep-days`, else the config's."""
    if cli_value is not None:
        return cli_value
    return load_config().get("keep_days")
