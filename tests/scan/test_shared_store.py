"""Two benches, one PostgreSQL store: `phone-audit scan` run as two subprocesses with
their own data folders and bench names, against the session's private server
(tests/support/postgres.py), the real adb server and simulated phones."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path

import pytest

from simulator.model import Faults
from simulator.profile import builtin_profiles_dir
from store import Store

pytestmark = pytest.mark.adb

PROFILE = "xiaomi-mi10t"
#: its ro.serialno, read from its profile.toml
SERIALNO = "8f3a71c2"


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def recv_requests(handle) -> list[str]:
    return [e["path"] for e in handle.log_entries()
            if e.get("service") == "sync" and e.get("request") in ("RECV", "RCV2")]


def same_firmware_other_phone(tmp_path: Path, serialno: str, faults: str = "") -> Path:
    """The built-in profile with another ro.serialno: a second phone, same firmware."""
    dest = tmp_path / f"{PROFILE}-{serialno}"
    shutil.copytree(builtin_profiles_dir() / PROFILE, dest)
    toml = dest / "profile.toml"
    text = toml.read_text(encoding="utf-8")
    assert text.count(f'"{SERIALNO}"') == 2
    toml.write_text(text.replace(f'"{SERIALNO}"', f'"{serialno}"') + faults, encoding="utf-8")
    return dest


def bench_env(tmp_path: Path, name: str, url: str) -> dict:
    """One bench: its own data folder (pull space, spool), its name, the shared URL."""
    return {"PHONE_AUDIT_DB": url, "XDG_DATA_HOME": str(tmp_path / f"data-{name}"),
            "PHONE_AUDIT_BENCH": name, "PHONE_AUDIT_CONFIG": str(tmp_path / "no-config.toml")}


def test_second_bench_pulls_nothing_for_a_firmware_the_first_bench_audited(
        sim_phone, phone_audit, fresh_pg_database, tmp_path):
    url = fresh_pg_database
    phone_a = sim_phone(PROFILE)
    phone_b = sim_phone(same_firmware_other_phone(tmp_path, "b0b0b0b0"))
    assert phone_a.serial != phone_b.serial

    a = phone_audit("scan", "-s", phone_a.serial, "--json", tmp_path / "a.json",
                    env=bench_env(tmp_path, "bench-a", url))
    assert a.code == 1, a.stderr  # the Xiaomi profile has failures
    b = phone_audit("scan", "-s", phone_b.serial, "--json", tmp_path / "b.json",
                    env=bench_env(tmp_path, "bench-b", url))
    assert b.code == 1, b.stderr
    ra, rb = read_json(tmp_path / "a.json"), read_json(tmp_path / "b.json")
    assert recv_requests(phone_a), "bench A audits cold: it must pull"
    assert ra["stats"]["bytes_pulled"] > 0
    # bench B: the same firmware's APKs are all in the shared cache
    assert recv_requests(phone_b) == []
    assert rb["stats"]["bytes_pulled"] == 0
    assert ra["stats"]["apks_from_cache"] == 0 and rb["stats"]["apks_from_cache"] > 0
    assert rb["device"]["serial"] == "b0b0b0b0" and ra["device"]["serial"] == SERIALNO
    assert [f["status"] for f in ra["findings"]] == [f["status"] for f in rb["findings"]]

    # one history for the shop: each audit names its bench
    hist = phone_audit("history", "--json", env=bench_env(tmp_path, "bench-a", url))
    audits = json.loads(hist.stdout)
    assert [(x["device_key"], x["bench"]) for x in audits] == [
        ("b0b0b0b0", "bench-b"), (SERIALNO, "bench-a")]
    table = phone_audit("history", env=bench_env(tmp_path, "bench-a", url))
    assert "bench-a" in table.stdout and "bench-b" in table.stdout

    # phone A audited again at bench B: its history spans both benches, and diffs
    again = phone_audit("scan", "-s", phone_a.serial, env=bench_env(tmp_path, "bench-b", url))
    assert again.code == 1, again.stderr
    mine = json.loads(phone_audit("history", "--json", SERIALNO,
                                  env=bench_env(tmp_path, "bench-b", url)).stdout)
    assert [x["bench"] for x in mine] == ["bench-b", "bench-a"]
    diff = phone_audit("diff", str(mine[1]["id"]), str(mine[0]["id"]),
                       env=bench_env(tmp_path, "bench-b", url))
    assert diff.code == 0, diff.stderr
    # the phone's own audit numbers (#1 at bench A, #2 at bench B), with the shared ids
    assert diff.stdout.startswith(f"audit #1 (id {mine[1]['id']}) "), diff.stdout[:300]
    assert f"-> audit #2 (id {mine[0]['id']}) " in diff.stdout, diff.stdout[:300]


def test_lost_database_mid_pull_keeps_the_audit_in_the_local_spool(
        sim_phone, phone_audit, postgres, fresh_pg_database, tmp_path):
    url = fresh_pg_database
    slow = sim_phone(same_firmware_other_phone(
        tmp_path, "5105105e", faults="\n[faults]\nbandwidth_bytes_per_s = 300000\n"))
    env = bench_env(tmp_path, "bench-c", url)
    rj = tmp_path / "r.json"
    proc = phone_audit("scan", "-s", slow.serial, "--json", rj, env=env, wait=False)
    try:
        deadline = time.monotonic() + 240
        while not recv_requests(slow) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert recv_requests(slow), "the scan never started pulling"
        postgres.stop()  # the shop's server goes away mid-audit
        assert proc.poll() is None, "the scan ended before the server was stopped"
        pulled_before_stop = len(recv_requests(slow))
        # the cap only had to keep the pull going until the server was gone: lifting it
        # now lets the rest of the firmware come at full speed (a minute less of waiting)
        slow.model.faults = Faults()
        out, err = proc.communicate(timeout=400)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        postgres.start()
    assert proc.returncode == 3, out + err
    assert "lost the shared database" in err
    # the pull went on after the server was gone
    assert len(recv_requests(slow)) > pulled_before_stop

    spools = sorted((tmp_path / "data-bench-c" / "phone-audit" / "spool").glob("*.sqlite3"))
    assert len(spools) == 1, spools
    assert str(spools[0]) in err
    report = read_json(rj)
    # the phone was fully read: every APK has a verdict, none was lost with the server
    assert report["stats"]["bytes_pulled"] > 0
    assert not any(a["failures"] for a in report["apps"])

    async def kept():
        store = await Store.open(spools[0])
        try:
            [summary] = await store.list_audits()
            return summary, await store.get_audit(summary["id"])
        finally:
            await store.close()
    summary, spooled = asyncio.run(kept())
    assert summary["bench"] == "bench-c" and summary["device_key"] == "5105105e"
    for key in ("findings", "apps", "device", "problems", "complete", "started_at"):
        assert spooled[key] == report[key], key
    # a later command shows it
    shown = phone_audit("history", "--db", spools[0], env=env)
    assert shown.code == 0 and "5105105e" in shown.stdout
    # and, the server back, puts it into the shared store
    imported = phone_audit("import-spool", spools[0], env=env)
    assert imported.code == 0, imported.stderr
    assert not spools[0].exists()
    shared = json.loads(phone_audit("history", "--json", "5105105e", env=env).stdout)
    done = [a for a in shared if a["status"] == "complete"]
    assert [(a["bench"], a["device_key"]) for a in done] == [("bench-c", "5105105e")]

    async def in_shared():
        store = await Store.open(url)
        try:
            return await store.get_audit(done[0]["id"])
        finally:
            await store.close()
    back = asyncio.run(in_shared())
    for key in ("findings", "apps", "device", "problems", "complete", "started_at"):
        assert back[key] == report[key], key
