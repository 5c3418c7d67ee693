"""Running an audit, without any UI: used by `phone-audit scan` and the Textual app.

Never imports textual (import-linter keeps it so). See `tui.audit.runner`.
"""

from tui.audit.runner import AuditResult, run_audit

__all__ = ["AuditResult", "run_audit"]
