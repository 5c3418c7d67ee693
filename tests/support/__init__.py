"""Helpers for tests: private adb servers (`adbenv`) and a protocol test double (`tiny_model`).

Importable as `support` (tests/conftest.py puts tests/ on sys.path).
"""
