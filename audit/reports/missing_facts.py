"""What an inconclusive verdict is missing, in plain lines for the text summary.

A finding made inconclusive by `checks.needs` carries `missing`: each fact it needed,
its ledger state and the adb command that would show it. The summary names them under
the check and ends with every fact that could not be read, once each.
"""

from __future__ import annotations

from typing import Any, Callable

from audit.reports.terminal_text import one_line

#: characters of one phone value in a line (a fact names a package, a command its path:
#: both come from the phone and may be a megabyte long); the JSON keeps them whole
VALUE = 160


def _line(m: dict, plain: Callable[[Any], str]) -> str:
    def cut(value: Any) -> str:
        return one_line(plain(value), VALUE)

    detail = f": {cut(m['detail'])}" if m.get("detail") else ""
    cmd = f" [{cut(m['command'])}]" if m.get("command") else ""
    return f"{cut(m['fact'])} ({cut(str(m.get('state', '')).replace('_', ' '))}{detail}){cmd}"


def under_finding(finding: dict, plain: Callable[[Any], str]) -> list[str]:
    """Indented lines naming what this finding is missing (none when it lacks nothing)."""
    lines = [f"{'':12}   missing: {_line(m, plain)}" for m in finding.get("missing", ())]
    if finding.get("missing_cut"):
        lines.append(f"{'':12}   missing: and {finding['missing_cut']} more")
    return lines


def closing(report: dict, plain: Callable[[Any], str]) -> list[str]:
    """The closing list of facts that could not be read, each once."""
    seen: dict[str, dict] = {}
    for f in report.get("findings", ()):
        for m in f.get("missing", ()):
            seen.setdefault(str(m.get("fact")), m)
    if not seen:
        return []
    return ["facts that could not be read:"] + [f"  {_line(m, plain)}" for m in seen.values()]
