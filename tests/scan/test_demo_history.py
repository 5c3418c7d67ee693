"""Demo audits are kept apart from real phones' history (tui/config.py `demo_db`)."""

from __future__ import annotations


def test_demo_audits_are_kept_apart_from_real_phones(phone_audit, tmp_path):
    """With no database chosen, `scan --demo` writes demo-history.sqlite3, not the
    history of real phones; a database that was chosen is used as chosen."""
    env = {"PHONE_AUDIT_DB": "", "XDG_DATA_HOME": str(tmp_path / "xdg"),
           "XDG_CONFIG_HOME": str(tmp_path / "no-config"), "PHONE_AUDIT_CONFIG": str(tmp_path / "none.toml")}
    ran = phone_audit("scan", "--demo", "pixel-clean", env=env)
    assert ran.code == 0, ran.stderr[-2000:]
    data = tmp_path / "xdg" / "phone-audit"
    assert (data / "demo-history.sqlite3").is_file()
    assert not (data / "history.sqlite3").exists()
    history = phone_audit("history", env=env)  # the real phones' history: nothing of the demo
    assert history.code == 0 and history.stdout.startswith("no audits"), history.stdout
