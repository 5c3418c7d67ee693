"""The domain model every layer shares: plain frozen values, no I/O.

- `model.snapshot`: what was read from a phone (`DeviceSnapshot`, `PackageInfo`, `Problem`).
- `model.apk_report`: what inspecting one APK found (`ApkReport`, `PackageApks`).
- `model.knowledge`: the knowledge base's entries (`Knowledge`, trackers, indicators).
- `model.findings`: verdicts (`CheckMeta`, `Finding`, `Status`, `Severity`, `Evidence`).
- `model.audit_input`: what a check is given (`AuditInput`).

Imports nothing else from the project (import-linter keeps it the bottom layer).
"""
