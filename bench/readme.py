"""README.md's Performance section again from bench/results/bench.json (no measuring).

`make bench` rewrites the section itself; this regenerates it from the figures on disk,
e.g. after the wording of `bench.__main__.render` changed.

    python -m bench.readme
"""

from __future__ import annotations

import json
import sys

from bench.__main__ import README, RESULTS, render, write_readme


def main() -> int:
    doc = json.loads(RESULTS.read_text(encoding="utf-8"))
    write_readme(render(doc["table"], doc["machine"], doc["audits"], doc["when"], doc.get("realistic")))
    print(f"updated {README.name} (Performance) from {RESULTS.name} of {doc['when']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
