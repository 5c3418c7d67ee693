"""The APK part of a capture: which APK each package had and what inspecting it found.

`adb.capture` saves the raw command outputs; the APKs themselves are too big to keep,
so the runner writes `apk-reports.json` beside them. `--capture-in` on a machine with
no phone (and an empty cache) then reaches the same findings as the original audit.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from model.apk_report import ApkReport

FILENAME = "apk-reports.json"
SCHEMA = "phone-audit.apk-reports/1"


def save(folder: Path, *, kb_version: str, rows: list[tuple[str, int, str, str | None, str | None]],
         reports: dict[str, ApkReport]) -> None:
    """rows: (package, position, path, sha256, error); reports by sha256."""
    data = {
        "schema": SCHEMA,
        "kb_version": kb_version,
        "apks": [
            {"package": p, "position": i, "path": path, "sha256": sha, "error": err}
            for p, i, path, sha, err in rows
        ],
        "reports": {sha: r.to_dict() for sha, r in sorted(reports.items())},
    }
    from adb.locked import private_dir, write_private

    private_dir(folder)
    tmp = folder / (FILENAME + ".tmp")
    write_private(tmp, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))
    os.replace(tmp, folder / FILENAME)


def load(folder: Path) -> dict[str, Any] | None:
    """The sidecar of a capture folder, or None when there is none (or it is unreadable)."""
    path = Path(folder) / FILENAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        return None
    try:
        reports = {sha: ApkReport.from_dict(d) for sha, d in data.get("reports", {}).items()}
        apks = [
            (str(a["package"]), int(a["position"]), str(a["path"]), a.get("sha256"), a.get("error"))
            for a in data.get("apks", [])
        ]
    except (KeyError, TypeError, ValueError):
        return None
    return {"kb_version": str(data.get("kb_version", "")), "apks": apks, "reports": reports}
