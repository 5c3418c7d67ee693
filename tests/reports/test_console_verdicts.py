"""`scan`'s progress line prints the first verdicts (issue 20): the checks that need no
APK, one line each, as soon as the phone is read; phone text in them is made plain."""

from __future__ import annotations

import io

from adb.progress import Progress
from audit.console import StderrProgress
from checks.registry import by_id
from model.findings import Status, finding


def test_first_verdicts_are_printed_one_per_line_above_the_progress_line():
    out = io.StringIO()
    progress = StderrProgress(out, prefix="phone A: ")
    progress(Progress("pull", 3, 10, 1_048_576))
    early = (finding(by_id("os.security-patch").META, Status.FAIL, "old"),
             finding(by_id("os.verified-boot").META, Status.PASS, "green"))
    progress(Progress("verdicts", 2, 21, findings=early))
    text = out.getvalue()
    lines = text.split("\n")
    assert lines[0].startswith("\rphone A: pull 3/10 1.0 MiB")
    assert lines[0].endswith("phone A: first verdicts, 2 of 21 checks (no app needed; "
                             "the others follow once the apps are inspected):")
    assert lines[1] == "phone A:   FAIL          Security patch level"
    assert lines[2] == "phone A:   PASS          Verified boot and bootloader lock"
    assert lines[3] == ""
