"""`scan`'s progress line prints the first verdicts (issue 20): the checks that need no
APK, one line each, as soon as the phone is read; and while the APKs are inspected,
each check found failing so far (once, with its evidence), the others counted on the
progress line; phone text in them is made plain."""

from __future__ import annotations

import io

from adb.progress import Progress, Provisional
from audit.console import StderrProgress
from checks.registry import by_id
from model.findings import Evidence, Status, finding


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


def test_scan_progress_prints_each_check_failing_so_far_once():
    out = io.StringIO()
    progress = StderrProgress(out, prefix="A: ")
    meta = by_id("ncsc.tencent-statistics").META
    bad = finding(meta, Status.FAIL, "found", evidence=(Evidence("classes.dex of com.miui.x", "com.tencent.\x1b[31mbeacon"),))
    other = by_id("apps.trackers").META
    ev = Progress("apk-verdicts", 3, 10, provisional=(
        Provisional(meta.id, meta.title, "fail", 3, 10, bad),
        Provisional(other.id, other.title, "checking", 1, 4)))
    progress(ev)
    progress(ev)
    progress(Progress("inspect", 3, 10, detail="com.miui.x"))
    text = out.getvalue()
    assert text.count("FAIL (so far)") == 1
    # phone text made plain: the escape byte is shown, not sent to the terminal
    assert f"A:   FAIL (so far) {meta.title}: com.tencent.\\x1b[31mbeacon\n" in text
    assert "\x1b" not in text
    assert text.endswith("A: inspect 3/10 [app checks: 1 failing, 1 checking, 3/10 APKs] com.miui.x")
