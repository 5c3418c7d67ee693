"""Inspection (APK -> ApkReport), the knowledge base, and the checks (pure verdicts).

Never imports textual and never calls adb: facts come in as values.
"""
