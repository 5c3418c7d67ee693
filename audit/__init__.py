"""Running an audit, without any UI: used by `phone-audit scan` and the Textual app.

Never imports textual (import-linter keeps it so). See `audit.runner`.
"""

from audit.runner import AuditResult, run_audit

__all__ = ["AuditResult", "run_audit"]
