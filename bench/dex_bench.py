"""DEX reading benchmark: our table reader vs androguard vs Debian's dexdump vs inflate.

For each real APK (bench/fetch_apks.py), in one run, side by side:

- inflate: zipfile-inflating every classes*.dex (the floor every reader pays);
- ours parse: `checks.dex.read_dex` on every inflated DEX (strings, type names, classes);
- ours: inflate + `read_dex` (what reading an APK's DEX really costs);
- androguard parse: `androguard.core.dex.DEX(bytes)` on every inflated DEX (full parse);
- dexdump: Debian's native `dexdump` over the DEX files (already extracted to a
  temporary folder; extraction not timed), its class descriptors listed.

The androguard ratio compares parse with parse (both given inflated bytes); the dexdump
ratio compares dexdump with ours *including* the inflate, which dexdump does not pay.

Each is the best of `--repeat` runs (androguard: one run, it takes seconds). The class
lists of ours, androguard and dexdump are compared (identity check). Prints a table
and writes JSON to bench/results/dex.json.

    python -m bench.dex_bench [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from bench.fetch_apks import fetch_apks
from checks.dex import read_dex

RESULTS = Path(__file__).resolve().parent / "results" / "dex.json"
_CLASS_LINE = re.compile(r"^\s*Class descriptor\s*:\s*'(L[^']*;)'", re.M)


def _dex_names(zf: zipfile.ZipFile) -> list[str]:
    return sorted((n for n in zf.namelist() if re.fullmatch(r"classes\d*\.dex", n)),
                  key=lambda n: int(n[7:-4] or 1))


def _inflate(path: Path) -> list[bytes]:
    with zipfile.ZipFile(path) as zf:
        return [zf.read(n) for n in _dex_names(zf)]


def _best(fn, repeat: int):
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def _dexdump_classes(files: list[Path]) -> tuple[float, list[str] | None]:
    exe = shutil.which("dexdump")
    if exe is None:
        return float("nan"), None
    t = time.perf_counter()
    proc = subprocess.run([exe, *map(str, files)], capture_output=True, text=True, errors="replace")
    dt = time.perf_counter() - t
    if proc.returncode != 0:
        return dt, None
    return dt, [d[1:-1].replace("/", ".") for d in _CLASS_LINE.findall(proc.stdout)]


def bench_apk(path: Path, repeat: int) -> dict:
    """Every figure for one APK, measured side by side in this run."""
    import loguru

    loguru.logger.disable("androguard")
    from androguard.core.dex import DEX

    blobs = _inflate(path)
    t_inflate, _ = _best(lambda: _inflate(path), repeat)
    # the reader alone, on DEX bytes already inflated (what androguard's DEX() is given)
    t_parse, tables = _best(lambda: [read_dex(b) for b in blobs], repeat)
    # inflate + reader: what reading an APK's DEX costs (compared with dexdump, which
    # reads DEX files already extracted: the comparison is weighted against us)
    t_ours, _ = _best(lambda: [read_dex(b) for b in _inflate(path)], repeat)
    t = time.perf_counter()
    ag = [DEX(b) for b in blobs]
    t_ag = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, b in enumerate(blobs):
            f = Path(tmp) / f"classes{i + 1}.dex"
            f.write_bytes(b)
            files.append(f)
        dd_times = []
        dd_classes = None
        for _ in range(repeat):
            dt, dd_classes = _dexdump_classes(files)
            dd_times.append(dt)
        t_dd = min(dd_times)
    ours_classes = [c for tb in tables for c in tb.class_names]
    ag_classes = [c[1:-1].replace("/", ".") for d in ag for c in d.get_classes_names()]
    return {
        "apk": path.name,
        "apk_bytes": path.stat().st_size,
        "dex_files": len(blobs),
        "dex_bytes": sum(map(len, blobs)),
        "strings": sum(len(tb.strings) for tb in tables),
        "types": sum(len(tb.type_names) for tb in tables),
        "classes": len(ours_classes),
        "seconds": {"inflate": t_inflate, "ours_parse": t_parse, "ours": t_ours,
                    "androguard_parse": t_ag, "dexdump": t_dd},
        "ratios": {
            "androguard_parse_over_ours_parse": t_ag / t_parse,
            "dexdump_over_ours": t_dd / t_ours if dd_classes is not None else None,
            "ours_over_inflate": t_ours / t_inflate,
        },
        "identical_classes": {
            "androguard": ours_classes == ag_classes,
            "dexdump": None if dd_classes is None else ours_classes == dd_classes,
        },
        "identical_strings_androguard": [tb.strings for tb in tables] == [d.get_strings() for d in ag],
    }


def run(repeat: int = 5) -> list[dict]:
    """bench_apk for every real APK (largest first); [] when none could be fetched."""
    apks = fetch_apks()
    return [bench_apk(p, repeat) for p in sorted(apks, key=lambda p: -p.stat().st_size)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dex_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    rows = run(args.repeat)
    if not rows:
        print("no real APKs (npm registry unreachable?)", file=sys.stderr)
        return 1
    head = f"{'apk':<50} {'dex':>3} {'MB':>5} {'classes':>7} {'inflate':>8} {'parse':>7} {'ours':>7} {'ag parse':>8} {'dexdump':>8} {'ag/ours':>8} {'dd/ours':>8} same"
    print(head)
    for r in rows:
        s, q = r["seconds"], r["ratios"]
        same = all(v is not False for v in r["identical_classes"].values()) and r["identical_strings_androguard"]
        print(f"{r['apk']:<50} {r['dex_files']:>3} {r['dex_bytes'] / 1e6:>5.1f} {r['classes']:>7} "
              f"{s['inflate']:>7.3f}s {s['ours_parse']:>6.3f}s {s['ours']:>6.3f}s {s['androguard_parse']:>7.2f}s {s['dexdump']:>7.3f}s "
              f"{q['androguard_parse_over_ours_parse']:>7.1f}x {(q['dexdump_over_ours'] or float('nan')):>7.2f}x {'yes' if same else 'NO'}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    doc = {"machine": {"python": platform.python_version(), "platform": platform.platform(),
                       "cpus": __import__("os").cpu_count()},
           "repeat": args.repeat, "apks": rows}
    RESULTS.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"written {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
