"""Benchmark: unthrottled pull throughput from the simulated phone over loopback.

    .venv/bin/python bench/sim_throughput.py [--size BYTES] [--runs N]

Starts a private adb 36 server (bundled binary, private port and HOME), serves the
tiny test phone (tests/support/tiny_model.py: a generated 50 MB file) in a separate
process, as a real phone is a separate device, and pulls the file with adbutils
(`sync.pull`) and with the adb CLI (`adb pull`, which uses RCV2). Prints MB/s per run
and the median; also the same with the phone served in the puller's own process (the
setup of most tests), where both share one GIL. Not part of `make test`: speed is
measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT / "tests"))

from support.adbenv import AdbServer, bundled_adb  # noqa: E402
from support.tiny_model import BIG_PATH, TinyPhone, generated_sha256  # noqa: E402

from simulator import SimulatedPhone  # noqa: E402


def serve_child(size: int) -> None:
    """Child process: serve the tiny phone, print the port, run until stdin closes."""
    with SimulatedPhone(TinyPhone(big_size=size)) as phone:
        print(phone.port, flush=True)
        sys.stdin.read()


def pull_runs(server: AdbServer, serial: str, size: int, runs: int, workdir: Path, expect: str) -> dict:
    device = server.client.device(serial)
    out = workdir / "pulled.bin"
    figures: dict[str, list[float]] = {"adbutils sync.pull": [], "adb pull (CLI)": []}
    for _ in range(runs):
        out.unlink(missing_ok=True)
        start = time.perf_counter()
        device.sync.pull(BIG_PATH, out)
        elapsed = time.perf_counter() - start
        if out.stat().st_size != size or _sha256(out) != expect:
            raise SystemExit("adbutils pull returned wrong bytes")
        figures["adbutils sync.pull"].append(size / elapsed / 1e6)

        out.unlink(missing_ok=True)
        start = time.perf_counter()
        result = server.adb("-s", serial, "pull", BIG_PATH, str(out))
        elapsed = time.perf_counter() - start
        if result.returncode != 0 or _sha256(out) != expect:
            raise SystemExit(f"adb pull failed: {result.stdout}{result.stderr}")
        figures["adb pull (CLI)"].append(size / elapsed / 1e6)
    return figures


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def report(title: str, figures: dict[str, list[float]]) -> None:
    print(title)
    for name, values in figures.items():
        runs = ", ".join(f"{v:.0f}" for v in values)
        print(f"  {name:20s} median {statistics.median(values):6.1f} MB/s   (runs: {runs})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_child(args.size)
        return 0

    expect = generated_sha256(args.size)
    with tempfile.TemporaryDirectory(prefix="sim-bench-") as tmp:
        workdir = Path(tmp)
        server = AdbServer(bundled_adb(), workdir / "home").start()
        try:
            print(f"adb {server.version} server on private port {server.port}; "
                  f"file {args.size / 1e6:.0f} MB, {args.runs} runs each")
            child = subprocess.Popen([sys.executable, __file__, "--serve", "--size", str(args.size)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            try:
                port = int(child.stdout.readline())
                serial = f"127.0.0.1:{port}"
                server.connect(serial)
                server.wait_for_state(serial, "device")
                report("phone in its own process:", pull_runs(server, serial, args.size, args.runs, workdir, expect))
                server.disconnect(serial)
            finally:
                child.stdin.close()
                child.wait(timeout=30)

            with SimulatedPhone(TinyPhone(big_size=args.size)) as phone:
                server.connect(phone.serial)
                server.wait_for_state(phone.serial, "device")
                report("phone in the puller's process (shared GIL):",
                       pull_runs(server, phone.serial, args.size, args.runs, workdir, expect))
                server.disconnect(phone.serial)
        finally:
            problems = server.stop()
            if problems:
                print("cleanup problems:", problems, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
