"""The report schema names every state the ledger can give a missing fact, so a new state
cannot make a finished audit's report fail its own contract."""

from __future__ import annotations

import json
from pathlib import Path

from adb import ledger


def _missing_state_enum() -> set[str]:
    schema = json.loads((Path(ledger.__file__).resolve().parents[1] / "audit" / "reports"
                         / "report.schema.json").read_text(encoding="utf-8"))
    found: list[set[str]] = []

    def walk(node):
        if isinstance(node, dict):
            if "missing" in node.get("properties", {}):
                items = node["properties"]["missing"].get("items", {})
                found.append(set(items.get("properties", {}).get("state", {}).get("enum", ())))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(schema)
    assert found, "no missing[] in the report schema"
    return set.union(*found)


def test_every_unread_state_of_the_ledger_is_in_the_schema():
    states = {v for k, v in vars(ledger).items() if k.isupper() and isinstance(v, str)
              and k in ("REFUSED", "UNSUPPORTED", "TIMED_OUT", "TRUNCATED", "NOT_REACHED",
                        "UNRECOGNISED", "NOT_INSPECTED", "SKIPPED")}
    assert len(states) == 8
    assert states <= _missing_state_enum()
    assert ledger.READ not in _missing_state_enum()  # a read fact is never missing
