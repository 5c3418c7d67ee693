"""The JSON report (`--json FILE`): `phone-audit.report/1`, exactly as the contract says.

`build_report(result)` makes the dict; `write_report(report, path)` writes it;
`validate_report(report)` checks it against `report.schema.json`, shipped beside
this module (`schema_path()`).
"""

from __future__ import annotations

import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from store import report as report_shape

if TYPE_CHECKING:
    from audit.runner import AuditResult


def build_report(result: "AuditResult") -> dict[str, Any]:
    """The report of one audit (same dict as `Store.get_audit(result.audit_id)`)."""
    return report_shape.assemble(
        audit_id=result.audit_id,
        device=result.device,
        started_at=result.started_at,
        finished_at=result.finished_at,
        complete=result.complete,
        status="complete" if result.complete else "incomplete",
        findings=result.findings,
        problems=result.problems,
        packages=result.snapshot.packages,
        apks=result.apks,
        kb_version=result.kb_version,
        bytes_pulled=result.bytes_pulled,
        apks_from_cache=result.apks_from_cache,
        audit_number=result.audit_number,
        source=result.source,
    )


def dumps(report: dict[str, Any]) -> str:
    # ensure_ascii=False: phone text stays verbatim (JSON escapes what it must)
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def write_report(report: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write atomically (a temp file renamed), so a reader never sees half a report."""
    target = Path(path)
    from adb.locked import private_dir

    private_dir(target.parent)  # mkstemp makes the file itself 0600
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(dumps(report))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def schema_path() -> Path:
    return Path(__file__).with_name("report.schema.json")


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(schema_path().read_text(encoding="utf-8"))


def validation_errors(report: dict[str, Any]) -> list[str]:
    """Every way the report breaks the schema (empty when valid). Needs jsonschema."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}"
        for e in validator.iter_errors(report)
    ]


def validate_report(report: dict[str, Any]) -> None:
    """Raise ValueError listing every schema violation."""
    errors = validation_errors(report)
    if errors:
        raise ValueError("report does not match the schema:\n" + "\n".join(errors))
