"""Audits of the realistic bench phone (bench/realistic.py), side by side in one run.

Each figure is set against its floor or target:

- cold audit at 40 MB/s (USB 2) and at 150 MB/s (USB 3 class): wall time over the
  transfer floor (bytes pulled / bandwidth), target <= 1.25x;
- four phones audited at once, 40 MB/s each (a bench hub): the slowest of the four over
  the floor of one, target <= 1.25x;
- warm re-audit of the known firmware (same store, the phone process started afresh so
  it remembers no digest): 0 bytes pulled, <= 1 s;
- time from the start of the audit to the first verdicts (the "verdicts" progress
  event: every check that needs no APK), <= 2 s;
- peak RSS of the whole audit (audit process and its inspection workers), <= 400 MB;
- the longest event-loop block beside the audit, <= 100 ms.

The rig is bench/audit_bench.py's: a private adb server, each phone `phone-audit simulate`
in its own process (throttled by the profile's bandwidth cap), each audit `run_audit` in
a fresh child process; the four phones at once are audited by ONE child process, as
`phone-audit scan --all` does, each with its own store (`_hub` says why), sharing the
process's one inspection pool (`--compare-pools` adds the old way, a pool per audit,
beside it). The CPU seconds of the audit and of the phones are recorded, so a
target not met can be told apart: cable (wall near floor), or CPU (audit CPU near wall x
cores).

    python -m bench.realistic_bench [--quick] [--hub-only] [--compare-pools]
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench import audit_bench, realistic
from bench.audit_bench import PhoneProcess, Rig

USB2 = 40_000_000
USB3 = 150_000_000
PHONES_AT_ONCE = 4
LATENCY_MS = 2

#: the targets
OVER_FLOOR = 1.25
WARM_S = 1.0
FIRST_VERDICTS_S = 2.0
RSS_LIMIT = 400_000_000
LOOP_BLOCK_S = 0.100


def _one(rig: Rig, phone: PhoneProcess, db: Path, bandwidth: int, name: str) -> dict:
    since = phone.log_size()
    res = audit_bench.audit(rig, phone.serial, db, phone)
    recv = phone.received(since)
    res["name"] = name
    res["recv_requests"] = len(recv)
    res["bandwidth_bytes_per_s"] = bandwidth
    res["floor_s"] = res["bytes_pulled"] / bandwidth
    res["ratio_to_floor"] = res["wall_s"] / res["floor_s"] if res["floor_s"] else None
    res["first_verdicts_s"] = res["stage_starts_s"].get("verdicts")
    # the APK-dependent checks' first provisional verdicts ("checking: 0 of m"), then
    # judged again as the APKs are inspected (audit.live)
    res["first_apk_verdicts_s"] = res["stage_starts_s"].get("apk-verdicts")
    return res


def _hub(rig: Rig, usb2: Path, share: bool, log=print) -> dict:
    """Row 10: `PHONES_AT_ONCE` phones at 40 MB/s audited concurrently by ONE process, as
    `phone-audit scan --all` runs them. Each audit has its own store: the realistic
    phones are identical, and a shared store would pull and inspect each APK once for
    all four (store.claim_apk), while a bench hub's customers' phones of different
    firmware share no APKs. `share`: one inspection pool for the four (as now), or one
    per audit (as before, for the side-by-side)."""
    tag = "shared" if share else "own"
    phones = [PhoneProcess(rig, usb2, f"hub-{tag}{i}") for i in range(PHONES_AT_ONCE)]
    try:
        dbs = []
        for i in range(PHONES_AT_ONCE):
            db = rig.tmp / f"hub-{tag}{i}" / "history.db"
            db.parent.mkdir()
            dbs.append(db)
        load = [round(x, 2) for x in os.getloadavg()]
        doc = audit_bench.audit_hub(rig, [p.serial for p in phones], dbs, phones, share=share)
    finally:
        for p in phones:
            p.stop()
    results = [r for r in doc["phones"] if "failed" not in r]
    failed = [r["failed"] for r in doc["phones"] if "failed" in r]
    if not results:
        raise RuntimeError(f"every hub audit failed: {failed[0]}")
    for r in results:
        r["floor_s"] = r["bytes_pulled"] / USB2
        r["ratio_to_floor"] = r["wall_s"] / r["floor_s"] if r["floor_s"] else None
        r["first_verdicts_s"] = r["stage_starts_s"].get("verdicts")
    slowest = max(r["wall_s"] for r in results)
    floor_one = max(r["floor_s"] for r in results)
    doc.update(phones=results, failed=failed, slowest_audit_s=slowest, floor_of_one_s=floor_one,
               ratio_to_floor=slowest / floor_one if floor_one else None, load_average_at_start=load,
               load_average_at_end=[round(x, 2) for x in os.getloadavg()])
    cpu = doc["cpu_s"]
    log(f"  {PHONES_AT_ONCE} phones at once, {'one shared pool' if share else 'a pool per audit'}: slowest "
        f"{slowest:.1f} s (floor of one {floor_one:.1f} s); CPU audit {cpu['audit']:.0f} s, phones+adb "
        f"{cpu['phone_and_adb']:.0f} s, against wall x cores {doc['wall_s'] * (os.cpu_count() or 1):.0f} s; "
        f"{doc['most_workers_seen']} workers; peak RSS {doc['peak_rss'] / 1e6:.0f} MB; load {load}")
    return doc


def run(quick: bool = False, log=print, compare_pools: bool = False, hub_only: bool = False) -> dict:
    n, total = (realistic.QUICK_PACKAGES, realistic.QUICK_TOTAL_BYTES) if quick else (
        realistic.PACKAGES, realistic.TOTAL_BYTES)
    t = time.perf_counter()
    root = realistic.generate(n, total, log=log)
    plan = json.loads((root / "plan.json").read_text())
    usb2 = realistic.write_phone(root, "usb2", bandwidth_bytes_per_s=USB2, latency_ms=LATENCY_MS)
    usb3 = realistic.write_phone(root, "usb3", bandwidth_bytes_per_s=USB3, latency_ms=LATENCY_MS)
    doc: dict[str, Any] = {
        "phone": {"folder": str(root), "packages": len(plan["packages"]),
                  "apk_bytes": sum(p["bytes"] for p in plan["packages"]),
                  "dex_strings": sum(p["dex_strings"] for p in plan["packages"]),
                  "dex_classes": sum(p["dex_classes"] for p in plan["packages"]),
                  "dex_files": sum(p["dex_count"] for p in plan["packages"]),
                  "seconds_to_generate": plan["seconds_to_generate"],
                  "ready_s": round(time.perf_counter() - t, 1)},
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    with Rig() as rig:
        if hub_only:
            doc["hub"] = _hub(rig, usb2, share=True, log=log)
            if compare_pools:
                doc["hub_per_audit_pools"] = _hub(rig, usb2, share=False, log=log)
            doc["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
            return doc
        phone = PhoneProcess(rig, usb2, "usb2")
        try:
            db = rig.tmp / "usb2" / "history.db"
            db.parent.mkdir()
            doc["cold_usb2"] = _one(rig, phone, db, USB2, "cold 40 MB/s")
            log(f"  cold 40 MB/s: {doc['cold_usb2']['wall_s']:.1f} s (floor {doc['cold_usb2']['floor_s']:.1f} s)")
            # the warm audit meets a phone process started afresh: the simulator remembers
            # the SHA-256 it computed, a real phone does not (it reads the 3 GB again)
            phone.stop()
            phone = PhoneProcess(rig, usb2, "usb2-warm")
            doc["warm"] = _one(rig, phone, db, USB2, "warm")
            log(f"  warm: {doc['warm']['wall_s']:.2f} s, {doc['warm']['bytes_pulled']} bytes")
        finally:
            phone.stop()
        phone = PhoneProcess(rig, usb3, "usb3")
        try:
            db = rig.tmp / "usb3" / "history.db"
            db.parent.mkdir()
            doc["cold_usb3"] = _one(rig, phone, db, USB3, "cold 150 MB/s")
            log(f"  cold 150 MB/s: {doc['cold_usb3']['wall_s']:.1f} s (floor {doc['cold_usb3']['floor_s']:.1f} s)")
        finally:
            phone.stop()
        doc["hub"] = _hub(rig, usb2, share=True, log=log)
        if compare_pools:
            doc["hub_per_audit_pools"] = _hub(rig, usb2, share=False, log=log)
    doc["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return doc


def _x(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}x"


def rows(doc: dict) -> list[dict]:
    """Table rows (bench/__main__.py's format) for the realistic phone's figures."""
    out: list[dict] = []
    ph = doc["phone"]
    what_phone = f"{ph['packages']} packages, {ph['apk_bytes'] / 1e9:.2f} GB"

    def row(n, what, result, versus, ratio, target, met):
        out.append({"n": n, "what": what, "result": result, "versus": versus, "ratio": ratio,
                    "target": target, "met": met})

    for key, label in (("cold_usb2", "40 MB/s (USB 2)"), ("cold_usb3", "150 MB/s (USB 3 class)")):
        r = doc[key]
        cpu = r["cpu_s"]
        row(9, f"Realistic phone ({what_phone}), cold audit at {label}: {r['bytes_pulled'] / 1e6:,.0f} MB "
            f"pulled; CPU: audit {cpu['audit']:.0f} s, phone {cpu.get('phone', 0):.0f} s, adb server "
            f"{cpu.get('adb_server', 0):.0f} s",
            f"{r['wall_s']:.1f} s, {r['apks_not_read']} APKs not read", f"floor {r['floor_s']:.1f} s",
            _x(r["ratio_to_floor"]), f"<= {OVER_FLOOR}x, every APK read",
            r["apks_not_read"] == 0 and r["ratio_to_floor"] is not None and r["ratio_to_floor"] <= OVER_FLOOR)
    hub = doc["hub"]
    failed = hub.get("failed", [])
    incomplete = sum(p["apks_not_read"] for p in hub["phones"])
    cpu = hub["cpu_s"]
    row(10, f"Realistic phone, {PHONES_AT_ONCE} phones at once at 40 MB/s each, audited by one process sharing "
        f"one inspection pool (slowest audit; all done in {hub['wall_s']:.1f} s; {len(failed)} audits failed, "
        f"{incomplete} APKs not read; CPU: audit {cpu['audit']:.0f} s, phones+adb {cpu['phone_and_adb']:.0f} s "
        f"of wall x cores {hub['wall_s'] * (os.cpu_count() or 1):.0f} s; peak RSS {hub['peak_rss'] / 1e6:.0f} MB)",
        f"{hub['slowest_audit_s']:.1f} s", f"floor of one {hub['floor_of_one_s']:.1f} s",
        _x(hub["ratio_to_floor"]), f"<= {OVER_FLOOR}x, every APK read",
        not failed and not incomplete and hub["ratio_to_floor"] is not None and hub["ratio_to_floor"] <= OVER_FLOOR)
    w = doc["warm"]
    row(11, f"Realistic phone, warm re-audit of the known firmware ({w['apks_from_cache']} APKs from cache, "
        f"{w['recv_requests']} pulls in the phone's log)", f"{w['wall_s']:.2f} s, {w['bytes_pulled']} bytes",
        "target", f"{w['wall_s'] / WARM_S:.2f}x", f"<= {WARM_S:.0f} s, 0 bytes",
        w["wall_s"] <= WARM_S and w["bytes_pulled"] == 0 and w["recv_requests"] == 0)
    fv = [doc[k]["first_verdicts_s"] for k in ("cold_usb2", "cold_usb3")]
    fv += [p["first_verdicts_s"] for p in hub["phones"]]
    worst = max((v for v in fv if v is not None), default=None)
    fa = [doc[k].get("first_apk_verdicts_s") for k in ("cold_usb2", "cold_usb3")]
    fa += [p.get("first_apk_verdicts_s") for p in hub["phones"]]
    worst_apk = max((v for v in fa if v is not None), default=None)
    live = "" if worst_apk is None else f"; the app checks filling in live from {worst_apk:.2f} s"
    row(12, "Realistic phone, audit start to the first verdicts (checks that need no APK), worst of the "
        f"{len(fv)} cold audits{live}", "n/a" if worst is None else f"{worst:.2f} s", "target",
        "n/a" if worst is None else f"{worst / FIRST_VERDICTS_S:.2f}x", f"<= {FIRST_VERDICTS_S:.0f} s",
        worst is not None and worst <= FIRST_VERDICTS_S)
    peak = max(doc[k]["peak_rss"] for k in ("cold_usb2", "cold_usb3", "warm"))
    row(13, "Realistic phone, peak RSS of one audit (audit process + inspection workers), max of cold and warm",
        f"{peak / 1e6:.0f} MB", "target", f"{peak / RSS_LIMIT:.2f}x", f"<= {RSS_LIMIT // 1_000_000} MB",
        peak <= RSS_LIMIT)
    block = max(doc[k]["max_loop_block_s"] for k in ("cold_usb2", "cold_usb3", "warm"))
    hub_block = max(p["max_loop_block_s"] for p in hub["phones"])
    row(14, f"Realistic phone, longest event-loop block beside one audit (four at once: {hub_block * 1000:.0f} ms)",
        f"{block * 1000:.0f} ms", "target", f"{block / LOOP_BLOCK_S:.2f}x", f"<= {LOOP_BLOCK_S * 1000:.0f} ms",
        block <= LOOP_BLOCK_S)
    return out


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m bench.realistic_bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="the small phone (a smoke run)")
    ap.add_argument("--out", type=Path, help="write the raw figures here (JSON)")
    ap.add_argument("--compare-pools", action="store_true",
                    help="row 10 also with a pool per audit (as before), side by side")
    ap.add_argument("--hub-only", action="store_true", help="only row 10 (with --compare-pools: both ways)")
    a = ap.parse_args(argv)
    doc = run(a.quick, compare_pools=a.compare_pools, hub_only=a.hub_only)
    if a.hub_only:
        if a.out:
            a.out.write_text(json.dumps(doc, indent=1) + "\n")
        return 0
    for r in rows(doc):
        print(f"{r['n']} {r['what']}\n    {r['result']} vs {r['versus']} ratio {r['ratio']} target {r['target']} "
              f"{'MET' if r['met'] else 'NOT MET'}")
    if a.out:
        a.out.write_text(json.dumps(doc, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
