"""The checks over the phone state the forensic tools read (issue 15): computers trusted
for USB debugging, writable system mounts, files in /data/local/tmp. Inputs by hand."""

from __future__ import annotations

from adb.ledger import Fact
from checks.needs import enforce
from checks.posture import adb_trusted_computers as trusted
from model.findings import Severity, Status
from model.snapshot import AdbKey

OURS = "C1:E7:19:07:3E:85:CC:44:90:0C:6E:93:83:D0:74:3B"
OTHER = "3E:FF:90:1F:6D:3E:02:10:D4:30:B5:6B:18:D4:F4:CD"


# --- os.adb-trusted-computers -----------------------------------------------------------------

def test_another_computer_trusted_warns_with_its_fingerprint_and_last_connection(f):
    keys = (AdbKey(OURS, "1700000000000"), AdbKey(OTHER, "1628501829898"))
    r = trusted.evaluate(f.inp(f.snap(adb_keys=keys, host_adb_key=OURS)))
    assert (r.status, r.severity) == (Status.WARN, Severity.MEDIUM)
    assert r.subjects == (OTHER,) and "1 other computer is trusted" in r.summary
    other = next(e for e in r.evidence if OTHER in e.detail)
    # 1628501829898 ms = 2021-08-09 09:37:09 UTC
    assert "another computer" in other.detail and "2021-08-09 09:37 UTC" in other.detail
    assert other.command == "adb shell dumpsys adb"
    assert "Revoke USB debugging authorisations" in r.remediation


def test_only_this_computer_or_none_passes(f):
    r = trusted.evaluate(f.inp(f.snap(adb_keys=(AdbKey(OURS),), host_adb_key=OURS)))
    assert r.status is Status.PASS and "Only this computer" in r.summary
    assert "this computer" in r.evidence[0].detail
    assert trusted.evaluate(f.inp(f.snap(adb_keys=(), host_adb_key=OURS))).status is Status.PASS


def test_without_this_computers_key_it_says_it_cannot_tell(f):
    one = trusted.evaluate(f.inp(f.snap(adb_keys=(AdbKey(OTHER),))))
    assert one.status is Status.INCONCLUSIVE and "cannot tell" in one.summary
    two = trusted.evaluate(f.inp(f.snap(adb_keys=(AdbKey(OURS), AdbKey(OTHER)))))
    assert two.status is Status.WARN and "at least 1 other" in two.summary and "cannot tell" in two.summary


def test_old_android_without_the_dump_is_unsupported_not_pass(f):
    snap = f.snap(facts={"dumpsys adb": Fact("dumpsys adb", "unsupported", "dumpsys adb",
                                             "Can't find service: adb")})
    r = enforce(trusted.META, trusted.evaluate(f.inp(snap)), f.inp(snap))
    assert r.status is Status.INCONCLUSIVE
    assert "dumpsys adb (unsupported)" in r.summary and r.missing[0]["state"] == "unsupported"
