"""The rule "no verdict without evidence", enforced once for every check.

Each check declares in its `META` the ledger facts (`adb.ledger.KEYS`) and the APK scope
its verdict stands on. `enforce` runs after the check: a PASS, N/A or WARN that stands on
a fact the audit could not read (refused, timed out, cut, not reached, not understood)
becomes `inconclusive`, naming each missing fact, why it is missing and the adb command
that would show it. A FAIL stands: what was read already shows the problem.
"""

from __future__ import annotations

from dataclasses import replace

from adb.ledger import apk_key
from model.audit_input import AuditInput
from model.findings import CheckMeta, Finding, Status

APK_SCOPES = ("none", "third-party", "all")


def missing_facts(meta: CheckMeta, inp: AuditInput) -> list[dict]:
    """What this check needs and the audit did not read, as `Fact.to_dict()` rows."""
    facts = getattr(inp.snapshot, "facts", None) or {}
    out: list[dict] = []
    if facts:
        for key in meta.needs:
            fact = facts.get(key)
            if fact is None:
                out.append({"fact": key, "state": "not_reached", "command": "", "detail": "not in the ledger"})
            elif not fact.read:
                out.append(fact.to_dict())
    if meta.apk_scope != "none" and inp.apk_states:
        system = {p.name for p in getattr(inp.snapshot, "packages", ()) if p.system}
        for pkg, state in sorted(inp.apk_states.items()):
            if state == "read" or (meta.apk_scope == "third-party" and pkg in system):
                continue
            # the runner's ledger says which command for this package's APKs failed
            fact = facts.get(apk_key(pkg))
            out.append(fact.to_dict() if fact is not None else
                       {"fact": apk_key(pkg), "state": state, "command": f"adb shell pm path {pkg}", "detail": ""})
    return out


def unread(inp: AuditInput, *keys: str) -> list[dict]:
    """The ledger rows of `keys` that were not read, for a check whose need depends on the
    phone (a setting only Android < 8 consults): it names them itself, as `enforce` would."""
    facts = getattr(inp.snapshot, "facts", None) or {}
    return [facts[k].to_dict() for k in keys if k in facts and not facts[k].read]


#: missing facts kept per finding; the rest are counted (`Finding.missing_cut`), so a phone
#: with 50,000 unread apps gives a report of readable size (the same bound as evidence)
MAX_MISSING = 100


def enforce(meta: CheckMeta, result: Finding, inp: AuditInput) -> Finding:
    """The finding, or an inconclusive one when it stands on facts that were not read."""
    every = missing_facts(meta, inp)
    missing, cut = every[:MAX_MISSING], max(len(every) - MAX_MISSING, 0)
    if not missing or result.status in (Status.FAIL, Status.INCONCLUSIVE):
        return replace(result, missing=tuple(missing), missing_cut=cut) if missing else result
    names = ", ".join(f"{m['fact']} ({m['state'].replace('_', ' ')})" for m in missing[:5])
    more = f" and {len(every) - 5} more" if len(every) > 5 else ""
    return replace(
        result,
        status=Status.INCONCLUSIVE,
        severity=result.severity if result.status == Status.WARN else result.severity.INFO,
        summary=f"Could not decide: needs {names}{more}. Without them it would have said: "
                f"{result.status.value} ({result.summary})",
        missing=tuple(missing),
        missing_cut=cut,
    )
