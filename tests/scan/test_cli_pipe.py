"""`phone-audit ... | head`: a reader that leaves early gets no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_closed_stdout_is_not_a_traceback(tmp_path):
    exe = Path(sys.executable).with_name("phone-audit")
    proc = subprocess.Popen([str(exe), "profiles"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the command writes a line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert "Traceback" not in err and "BrokenPipeError" not in err
