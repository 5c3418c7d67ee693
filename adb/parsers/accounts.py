"""`dumpsys account`: `Account {name=..., type=...}` lines under `Accounts: N`."""

from __future__ import annotations

import re

from adb.parsers._text import as_text
from model.snapshot import Account

_ACCOUNT = re.compile(r"^\s*Account \{name=(.*), type=([^,}]*)\}\s*$")


def parse_dumpsys_account(data: str | bytes) -> tuple[Account, ...]:
    """Accounts of every user section, in order, without duplicates. The name is
    whatever precedes the last `, type=` (a name can contain commas)."""
    out: list[Account] = []
    seen: set[Account] = set()
    in_list = False
    for line in as_text(data).split("\n"):
        s = line.strip()
        if re.match(r"^Accounts:\s*\d*$", s):
            in_list = True
            continue
        if not in_list:
            continue
        m = _ACCOUNT.match(line)
        if m:
            acc = Account(name=m.group(1), type=m.group(2).strip())
            if acc not in seen:  # a set: de-duplication stays linear in the answer
                seen.add(acc)
                out.append(acc)
        elif s:
            in_list = False
    return tuple(out)
