"""Audit benchmarks: cold, warm, a second phone, scaling, peak RSS, event-loop lag.

Every audit here is a real one: a private adb server (bundled adb 36, private
ANDROID_ADB_SERVER_PORT and HOME, like tests/support/adbenv.py), a simulated phone
served by `phone-audit simulate` in its own process (so its CPU does not compete
inside the audit's GIL), and `audit.runner.run_audit` in a fresh child process
per audit, so each audit's peak memory is its own. The parent samples the RSS of
that child and of its process-pool workers every 20 ms (the sum of their RSS: shared
pages are counted once per process, so the figure errs high).

Inside the child the audit runs on an asyncio loop the way the app runs it (progress
events posted to the loop with `call_soon_threadsafe`), beside a monitor task that
sleeps 10 ms at a time and records how late each wakeup is: the longest lateness is
the longest time the event loop was blocked.

The phones are generated profiles (bench/large_phone.py): N packages, every APK the
same size (so time per package is comparable across N), a 40 MB/s bandwidth cap and
2 ms latency per command. Their APKs are synthesized once, before any timing, into
bench/.cache/sim-apks (reused by later runs).

    python -m bench.audit_bench [--scaling 100,200,400,800] [--app-bytes 2500000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIM_APKS = ROOT / "bench" / ".cache" / "sim-apks"
PROFILES = ROOT / "bench" / ".cache" / "profiles"
RESULTS = ROOT / "bench" / "results" / "audit.json"

BANDWIDTH = 40_000_000
LATENCY_MS = 2
APP_BYTES = 2_500_000
CHANGED = 20


# -- profiles and their APKs -------------------------------------------------------------

def make_profile(packages: int, *, app_bytes: int = APP_BYTES, changed: int = 0, serial: str = "BENCH0001") -> Path:
    """A generated phone profile folder under bench/.cache/profiles (rewritten each run)."""
    from bench.large_phone import write_large_phone

    folder = PROFILES / f"p{packages}-b{app_bytes}-c{changed}-{serial}"
    return write_large_phone(folder, packages=packages, total_bytes=packages * app_bytes,
                             bandwidth_bytes_per_s=BANDWIDTH, latency_ms=LATENCY_MS,
                             changed=changed, serial=serial)


def _synth_one(args: tuple[str, str]) -> int:
    folder, device_path = args
    os.environ["PHONE_AUDIT_APK_CACHE"] = str(SIM_APKS)
    from simulator.phone import PhoneModel

    model = _MODELS.get(folder)
    if model is None:
        model = _MODELS[folder] = PhoneModel.load(Path(folder))
    local = model.apks.local_path(device_path)
    return local.stat().st_size if local else 0


_MODELS: dict[str, Any] = {}


def apk_sizes(folder: Path, workers: int = 2) -> dict[str, int]:
    """Synthesize (or find in the cache) every APK of a profile; device path -> size."""
    os.environ["PHONE_AUDIT_APK_CACHE"] = str(SIM_APKS)
    from simulator.profile import load_profile

    profile = load_profile(folder)
    paths = [p.path for p in profile.packages]
    with ProcessPoolExecutor(workers) as pool:
        sizes = list(pool.map(_synth_one, [(str(folder), p) for p in paths], chunksize=8))
    return dict(zip(paths, sizes))


# -- the rig: adb server and phone processes ----------------------------------------------

class Rig:
    """A private adb server and temporary HOME for the benchmark's audits."""

    def __init__(self) -> None:
        sys.path.insert(0, str(ROOT / "tests"))
        from support.adbenv import AdbServer, bundled_adb

        self.tmp = Path(tempfile.mkdtemp(prefix="phone-audit-bench-"))
        self.server = AdbServer(bundled_adb(), self.tmp / "home")
        self.env = dict(self.server.env, PHONE_AUDIT_APK_CACHE=str(SIM_APKS), PYTHONPATH=str(ROOT))

    def __enter__(self) -> "Rig":
        self.server.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        for problem in self.server.stop():
            print(f"warning: {problem}", file=sys.stderr)
        import shutil

        shutil.rmtree(self.tmp, ignore_errors=True)


class PhoneProcess:
    """`phone-audit simulate FOLDER --log LOG` in its own process, registered with the rig's adb."""

    def __init__(self, rig: Rig, folder: Path, name: str) -> None:
        self.rig = rig
        self.log = rig.tmp / f"{name}.jsonl"
        exe = Path(sys.executable).parent / "phone-audit"
        cmd = [str(exe), "simulate", str(folder), "--log", str(self.log)]
        self.proc = subprocess.Popen(cmd, env=rig.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line.startswith("serial: "):
            self.stop()
            raise RuntimeError(f"the simulator did not start: {line!r} {self.proc.stderr.read() if self.proc.stderr else ''}")
        self.serial = line.split(":", 1)[1].strip()
        rig.server.wait_for_state(self.serial, "device", timeout=60)

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def received(self, since: int) -> list[str]:
        """Device paths of the sync RECV/RCV2 requests logged after byte offset `since`."""
        out = []
        with open(self.log, "rb") as f:
            f.seek(since)
            for line in f:
                try:
                    e = json.loads(line)
                except ValueError:
                    continue
                if e.get("service") == "sync" and e.get("request") in ("RECV", "RCV2"):
                    out.append(e.get("path", ""))
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# -- one audit in a child process ------------------------------------------------------------

def _tree_rss(pid: int, cpu: dict[int, float]) -> int:
    """Sum of the RSS of `pid` and its descendants; their CPU seconds so far into `cpu`."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        try:
            with p.oneshot():
                total += p.memory_info().rss
                t = p.cpu_times()
                cpu[p.pid] = t.user + t.system
        except psutil.Error:
            pass
    return total


def _cpu_of(pids: list[int]) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def audit(rig: Rig, serial: str, store_db: Path, phone: "PhoneProcess | None" = None) -> dict:
    """Run one audit of `serial` into the store at `store_db` in a child; its figures."""
    out = rig.tmp / f"audit-{time.monotonic_ns()}.json"
    cmd = [sys.executable, "-m", "bench.audit_bench", "--child", serial, str(store_db), str(out)]
    adb = [p.pid for p in rig.server.processes()]
    phones = [phone.proc.pid] if phone else []
    adb_cpu, phone_cpu = _cpu_of(adb), _cpu_of(phones)
    proc = subprocess.Popen(cmd, env=rig.env, cwd=str(ROOT))
    peak = 0
    cpu: dict[int, float] = {}
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(proc.pid, cpu))
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = proc.wait()
    stop.set()
    sampler.join()
    if code != 0 or not out.exists():
        raise RuntimeError(f"audit child failed with exit code {code}")
    result = json.loads(out.read_text())
    result["peak_rss"] = peak
    # CPU seconds: the audit process and its workers (as last sampled), and the phone
    # process plus the adb server (what a real phone and cable would not cost this machine)
    result["cpu_s"] = {"audit": round(sum(cpu.values()), 2),
                       "audit_main_process": round(cpu.get(proc.pid, 0.0), 2),
                       "phone": round(_cpu_of(phones) - phone_cpu, 2),
                       "adb_server": round(_cpu_of(adb) - adb_cpu, 2)}
    result["cpu_s"]["phone_and_adb"] = round(result["cpu_s"]["phone"] + result["cpu_s"]["adb_server"], 2)
    return result


async def _child_audit(serial: str, store_db: Path) -> dict:
    from store import Store
    from audit.runner import run_audit

    loop = asyncio.get_running_loop()
    if os.environ.get("BENCH_SLOW_CALLBACKS"):
        # diagnosis only: asyncio logs every callback that holds the loop over 50 ms
        import logging

        logging.basicConfig(level=logging.WARNING)
        loop.set_debug(True)
        loop.slow_callback_duration = 0.05
    lags: list[float] = []
    done = asyncio.Event()
    events = {"n": 0}
    stages: dict[str, float] = {}
    worst = {"lag": 0.0, "at": 0.0, "stage": ""}
    current = {"stage": "start"}
    long_blocks: list[list] = []  # [started at s, lasted s, stage] of blocks over 50 ms
    gc_pauses: list[list] = []  # [at s, lasted s, generation] of collections over 20 ms
    gc_start = {"t": 0.0}

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            gc_start["t"] = time.perf_counter()
        else:
            took = time.perf_counter() - gc_start["t"]
            if took > 0.02 and len(gc_pauses) < 20:
                gc_pauses.append([round(gc_start["t"] - t0, 3), round(took, 3), info.get("generation")])

    import gc

    gc.callbacks.append(on_gc)

    async def monitor() -> None:
        while not done.is_set():
            t = loop.time()
            await asyncio.sleep(0.01)
            lag = loop.time() - t - 0.01
            lags.append(lag)
            if lag > 0.05 and len(long_blocks) < 20:
                long_blocks.append([round(time.perf_counter() - t0 - lag, 3), round(lag, 3), current["stage"]])
            if lag > worst["lag"]:
                worst.update(lag=lag, at=time.perf_counter() - t0, stage=current["stage"])

    def on_event(ev) -> None:
        events["n"] += 1
        current["stage"] = ev.stage
        stages.setdefault(ev.stage, round(time.perf_counter() - t0, 3))

    def progress(ev) -> None:
        # as the app does: progress comes from worker threads and is posted to the loop
        loop.call_soon_threadsafe(on_event, ev)

    t0 = time.perf_counter()
    watcher = asyncio.create_task(monitor())
    await asyncio.sleep(0.05)
    t0 = time.perf_counter()
    store = await Store.open(store_db)
    try:
        result = await run_audit(serial=serial, store=store, progress=progress)
    finally:
        await store.close()
    wall = time.perf_counter() - t0
    done.set()
    await watcher
    return {
        "wall_s": wall,
        "complete": result.complete,
        # APKs in scope the audit could not read (pulled, inspected): the bench phones
        # lack some services, so `complete` is false for reasons that are not the APKs
        "apks_not_read": sum(1 for k, f in (result.snapshot.facts or {}).items()
                             if k.startswith("apk ") and not f.read),
        "bytes_pulled": result.bytes_pulled,
        "apks_pulled": result.apks_pulled,
        "apks_from_cache": result.apks_from_cache,
        "packages": len(result.snapshot.packages),
        "findings": len(result.findings),
        "problems": [f"{p.command}: {p.reason}" for p in result.problems][:10],
        "max_loop_block_s": max(lags) if lags else 0.0,
        "loop_blocks_over_50ms": sum(1 for x in lags if x > 0.05),
        "loop_blocks_over_100ms": sum(1 for x in lags if x > 0.1),
        "loop_samples": len(lags),
        "blocks_over_50ms": long_blocks,
        "gc_pauses_over_20ms": gc_pauses,
        "worst_block": {"at_s": round(worst["at"], 3), "after_stage": worst["stage"]},
        "stage_starts_s": stages,
        "progress_events": events["n"],
    }


def _child_main(serial: str, store_db: str, out: str) -> int:
    # a postgresql:// URL (bench/shared_store_bench.py) stays text
    res = asyncio.run(_child_audit(serial, store_db if "://" in store_db else Path(store_db)))
    Path(out).write_text(json.dumps(res))
    return 0


# -- several phones audited by one process (a bench hub) ----------------------------------------

def audit_hub(rig: Rig, serials: list[str], store_dbs: list[Path], phones: list[PhoneProcess],
              share: bool = True) -> dict:
    """Audit every serial at once in ONE child process, as `phone-audit scan --all` does
    (each audit with its own store: `store_dbs[i]`). `share`: the audits share the
    process's one inspection pool (audit.shared_pool); False: each starts its own, as
    before. The figures of each audit, and of the whole process: its peak RSS (with the
    workers), its CPU seconds and those of the phones and the adb server."""
    out = rig.tmp / f"hub-{time.monotonic_ns()}.json"
    pairs = [x for s, d in zip(serials, store_dbs) for x in (s, str(d))]
    cmd = [sys.executable, "-m", "bench.audit_bench", "--child-hub", "1" if share else "0", str(out), *pairs]
    others = [p.pid for p in rig.server.processes()] + [p.proc.pid for p in phones]
    others_cpu = _cpu_of(others)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=rig.env, cwd=str(ROOT))
    peak = 0
    workers = 0
    cpu: dict[int, float] = {}
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak, workers
        import psutil

        while not stop.is_set():
            peak = max(peak, _tree_rss(proc.pid, cpu))
            try:
                # the inspection workers: the fork servers' children
                kids = psutil.Process(proc.pid).children(recursive=True)
                workers = max(workers, sum(1 for k in kids if k.ppid() != proc.pid))
            except psutil.Error:
                pass
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = proc.wait()
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join()
    if code != 0 or not out.exists():
        raise RuntimeError(f"hub child failed with exit code {code}")
    doc = json.loads(out.read_text())
    doc.update(process_wall_s=wall, peak_rss=peak, most_workers_seen=workers, shared_pool=share,
               cpu_s={"audit": round(sum(cpu.values()), 2), "audit_main_process": round(cpu.get(proc.pid, 0.0), 2),
                      "phone_and_adb": round(_cpu_of(others) - others_cpu, 2)})
    return doc


async def _child_hub(pairs: list[tuple[str, Path]], share: bool) -> dict:
    from store import Store
    from audit import shared_pool
    from audit.runner import run_audit

    shared_pool.SHARE = share
    loop = asyncio.get_running_loop()
    lags: list[float] = []
    done = asyncio.Event()

    async def monitor() -> None:
        while not done.is_set():
            t = loop.time()
            await asyncio.sleep(0.01)
            lags.append(loop.time() - t - 0.01)

    async def one(serial: str, db: Path) -> dict:
        stages: dict[str, float] = {}
        t0 = time.perf_counter()

        def progress(ev) -> None:
            loop.call_soon_threadsafe(lambda: stages.setdefault(ev.stage, round(time.perf_counter() - t0, 3)))

        store = await Store.open(db)
        try:
            result = await run_audit(serial=serial, store=store, progress=progress)
        finally:
            await store.close()
        return {"serial": serial, "wall_s": time.perf_counter() - t0, "complete": result.complete,
                "apks_not_read": sum(1 for k, f in (result.snapshot.facts or {}).items()
                                     if k.startswith("apk ") and not f.read),
                "bytes_pulled": result.bytes_pulled, "apks_pulled": result.apks_pulled,
                "apks_from_cache": result.apks_from_cache, "packages": len(result.snapshot.packages),
                "problems": [f"{p.command}: {p.reason}" for p in result.problems][:10],
                "stage_starts_s": stages}

    watcher = asyncio.create_task(monitor())
    t0 = time.perf_counter()
    got = await asyncio.gather(*(one(s, d) for s, d in pairs), return_exceptions=True)
    wall = time.perf_counter() - t0
    done.set()
    await watcher
    block = max(lags) if lags else 0.0
    phones = [g if isinstance(g, dict) else {"failed": f"{type(g).__name__}: {g}"} for g in got]
    for ph in phones:
        ph["max_loop_block_s"] = block  # one loop for all: the same figure for each
    return {"phones": phones, "wall_s": wall, "max_loop_block_s": block,
            "loop_blocks_over_100ms": sum(1 for x in lags if x > 0.1)}


def _child_hub_main(share: str, out: str, *pairs: str) -> int:
    it = iter(pairs)
    res = asyncio.run(_child_hub([(s, Path(d)) for s, d in zip(it, it)], share == "1"))
    Path(out).write_text(json.dumps(res))
    return 0


# -- the scenarios -----------------------------------------------------------------------------

def _floor(nbytes: int) -> float:
    return nbytes / BANDWIDTH


def _summary(name: str, res: dict, phone: PhoneProcess, since: int, sizes: dict[str, int]) -> dict:
    recv = phone.received(since)
    res["name"] = name
    res["bytes_pulled_by_log"] = sum(sizes.get(p, 0) for p in recv)
    res["recv_requests"] = len(recv)
    res["floor_s"] = _floor(res["bytes_pulled"])
    res["ratio_to_floor"] = res["wall_s"] / res["floor_s"] if res["floor_s"] else None
    return res


def run_all(scaling: list[int], app_bytes: int, log=print) -> dict:
    """Every audit scenario; returns the results document."""
    large_n = 400
    points = sorted(set(scaling) | {large_n})
    biggest = max(points)
    log(f"preparing profiles and synthesizing APKs (cached in {SIM_APKS}) ...")
    t = time.perf_counter()
    big_folder = make_profile(biggest, app_bytes=app_bytes)
    sizes = apk_sizes(big_folder)
    second = make_profile(large_n, app_bytes=app_bytes, changed=CHANGED, serial="BENCH0002")
    sizes2 = apk_sizes(second)
    log(f"  ready in {time.perf_counter() - t:.1f} s")
    doc: dict[str, Any] = {"bandwidth_bytes_per_s": BANDWIDTH, "latency_ms": LATENCY_MS, "app_bytes": app_bytes}
    with Rig() as rig:
        # 2, 3: cold then warm audit of the large phone, same store
        large = make_profile(large_n, app_bytes=app_bytes)
        phone = PhoneProcess(rig, large, "large")
        try:
            store = rig.tmp / "large" / "history.db"
            store.parent.mkdir()
            since = phone.log_size()
            cold = _summary("cold", audit(rig, phone.serial, store, phone), phone, since, sizes)
            cold["apk_bytes_on_phone"] = sum(sizes[p] for p in list(sizes)[:large_n])
            log(f"  cold {large_n}: {cold['wall_s']:.1f} s, {cold['bytes_pulled'] / 1e6:.0f} MB")
            since = phone.log_size()
            warm = _summary("warm", audit(rig, phone.serial, store, phone), phone, since, sizes)
            log(f"  warm {large_n}: {warm['wall_s']:.2f} s, {warm['bytes_pulled']} bytes")
        finally:
            phone.stop()
        # 3b: warm again, the phone process restarted: the simulator keeps the SHA-256
        # it computed, a real phone hashes its APKs again at every audit
        phone = PhoneProcess(rig, large, "large-again")
        try:
            since = phone.log_size()
            rehash = _summary("warm, phone re-hashing", audit(rig, phone.serial, store, phone), phone, since, sizes)
            log(f"  warm {large_n}, phone restarted: {rehash['wall_s']:.2f} s, {rehash['bytes_pulled']} bytes")
        finally:
            phone.stop()
        # 4: a second phone, same firmware, 20 apps updated; same store (same cache)
        phone = PhoneProcess(rig, second, "second")
        try:
            since = phone.log_size()
            sec = _summary("second phone", audit(rig, phone.serial, store, phone), phone, since, sizes2)
            changed_paths = [p for p in sizes2 if p not in sizes or sizes2[p] != sizes[p] or _changed(p, CHANGED)]
            sec["changed_apk_bytes"] = sum(sizes2[p] for p in changed_paths)
            sec["changed_apks"] = len(changed_paths)
            log(f"  second phone: {sec['wall_s']:.2f} s, {sec['bytes_pulled'] / 1e6:.1f} MB")
        finally:
            phone.stop()
        # 5: scaling, each point a fresh store and a fresh phone process
        scale: list[dict] = []
        for n in points:
            if n == large_n:
                res = dict(cold)
            else:
                folder = make_profile(n, app_bytes=app_bytes)
                phone = PhoneProcess(rig, folder, f"scale{n}")
                try:
                    db = rig.tmp / f"scale{n}" / "history.db"
                    db.parent.mkdir()
                    since = phone.log_size()
                    res = _summary(f"cold {n}", audit(rig, phone.serial, db, phone), phone, since, sizes)
                finally:
                    phone.stop()
            res["n"] = n
            res["per_package_s"] = res["wall_s"] / n
            res["overhead_per_package_s"] = (res["wall_s"] - res["floor_s"]) / n
            log(f"  cold {n}: {res['wall_s']:.1f} s, {res['per_package_s'] * 1000:.1f} ms/package")
            scale.append(res)
    doc.update(cold=cold, warm=warm, warm_rehash=rehash, second=sec, scaling=scale)
    return doc


def cold_only(n: int, app_bytes: int) -> dict:
    """One cold audit of an n-package phone (no results written)."""
    folder = make_profile(n, app_bytes=app_bytes)
    sizes = apk_sizes(folder)
    with Rig() as rig:
        phone = PhoneProcess(rig, folder, "cold")
        try:
            db = rig.tmp / "cold" / "history.db"
            db.parent.mkdir()
            since = phone.log_size()
            return _summary(f"cold {n}", audit(rig, phone.serial, db, phone), phone, since, sizes)
        finally:
            phone.stop()


def _changed(path: str, changed: int) -> bool:
    """The generated phone's first `changed` packages are the updated ones (app0000..)."""
    import re

    m = re.search(r"App(\d{4})|app(\d{4})", path)
    if not m:
        return False
    return int(m.group(1) or m.group(2)) < changed


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return _child_main(*argv[1:4])
    if argv[:1] == ["--child-hub"]:
        return _child_hub_main(*argv[1:])
    ap = argparse.ArgumentParser(prog="python -m bench.audit_bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--scaling", default="100,200,400,800")
    ap.add_argument("--app-bytes", type=int, default=APP_BYTES)
    ap.add_argument("--cold-only", type=int, metavar="N", help="only a cold audit of an N-package phone (for profiling)")
    a = ap.parse_args(argv)
    if a.cold_only:
        print(json.dumps(cold_only(a.cold_only, a.app_bytes), indent=1))
        return 0
    doc = run_all([int(x) for x in a.scaling.split(",")], a.app_bytes)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(doc, indent=2) + "\n")
    print(json.dumps({k: doc[k] for k in ("cold", "warm", "second")}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
