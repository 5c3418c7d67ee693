"""Running shell lines on the simulator's phone model directly (no socket), for the
tests of the device-side shell and its command renderers."""

from __future__ import annotations

from pathlib import Path

from simulator.phone import PhoneModel

#: a small profile written for these tests (tests/simulator/fixtures/basic)
BASIC = Path(__file__).parent.parent / "simulator" / "fixtures" / "basic"


def basic_phone(apk_cache_dir: Path) -> PhoneModel:
    return PhoneModel.load(BASIC, apk_cache_dir=apk_cache_dir)


def sh(phone: PhoneModel, line: str) -> tuple[str, str, int]:
    """stdout, stderr (decoded) and exit status of one shell line."""
    r = phone.run_shell(line)
    return r.stdout.decode(), r.stderr.decode(), r.exit_code
