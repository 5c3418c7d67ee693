"""Cold on bench A, then the same firmware on bench B, through a shared PostgreSQL store.

A private PostgreSQL server (tests/support/postgres.py: Debian's binaries, a data
folder in tmp, a free port) and the audit rig of bench/audit_bench.py: bench A
audits a generated phone cold; bench B, a second phone with the same firmware and
another serial, finds every APK in the shared cache. Each audit is a real one in its
own child process, with its own data folder. Figures: seconds and bytes pulled of
both, and the RECV requests bench B's phone logged (0 expected).

    python -m bench.shared_store_bench [--packages 100]

Run alone, it writes its figures under "shared_store" into bench/results/bench.json,
keeping the rest of that file; `make bench` runs it as one step of the suite.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import audit_bench

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "bench.json"
PACKAGES = 100


def run(packages: int = PACKAGES, log=print) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "tests"))
    from support.postgres import PostgresServer, wait_stopped

    first = audit_bench.make_profile(packages, serial="SHOPA0001")
    second = audit_bench.make_profile(packages, serial="SHOPB0002")
    sizes = audit_bench.apk_sizes(first)
    audit_bench.apk_sizes(second)
    server = PostgresServer(Path(tempfile.mkdtemp(prefix="phone-audit-bench-pg-")) / "pg")
    server.init()
    server.start()
    try:
        url = server.create_database("shop")
        out: dict[str, Any] = {"packages": packages, "bandwidth_bytes_per_s": audit_bench.BANDWIDTH}
        with audit_bench.Rig() as rig:
            for bench, folder, key in (("bench-a", first, "bench_a_cold"), ("bench-b", second, "bench_b_shared")):
                rig.env.update(PHONE_AUDIT_BENCH=bench,
                               XDG_DATA_HOME=str(rig.tmp / f"data-{bench}"))
                phone = audit_bench.PhoneProcess(rig, folder, bench)
                try:
                    since = phone.log_size()
                    res = audit_bench._summary(key, audit_bench.audit(rig, phone.serial, url, phone),  # type: ignore[arg-type]
                                               phone, since, sizes)
                finally:
                    phone.stop()
                out[key] = {k: res[k] for k in ("wall_s", "bytes_pulled", "bytes_pulled_by_log",
                                                "recv_requests", "apks_pulled", "apks_from_cache",
                                                "packages", "peak_rss")}
                log(f"  {bench}: {res['wall_s']:.2f} s, {res['bytes_pulled'] / 1e6:.1f} MB pulled, "
                    f"{res['apks_from_cache']} APKs from the shared cache")
        a, b = out["bench_a_cold"], out["bench_b_shared"]
        out["b_over_a_time"] = round(b["wall_s"] / a["wall_s"], 3) if a["wall_s"] else None
        return out
    finally:
        server.stop()
        wait_stopped(server)
        server.remove()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.shared_store_bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--packages", type=int, default=PACKAGES)
    a = ap.parse_args(argv)
    res = run(a.packages)
    doc = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    doc["shared_store"] = res
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(doc, indent=2) + "\n")
    print(json.dumps(res, indent=1))
    print(f"written {RESULTS} (shared_store)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
