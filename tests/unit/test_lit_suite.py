"""Run the lit + filecheck golden tests under tests/lit through lit's console
script, so `pytest` alone runs everything."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

LIT_DIR = Path(__file__).resolve().parents[1] / "lit"


def test_lit_suite_passes():
    lit = shutil.which("lit", path=os.path.dirname(sys.executable)) or shutil.which("lit")
    assert lit, "lit is not installed; install the test extra: pip install -e '.[test]'"
    result = subprocess.run([lit, "-v", "--no-progress-bar", str(LIT_DIR)], capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    passed = re.search(r"Passed\s*:\s*(\d+)", output)
    assert passed and int(passed.group(1)) > 0, f"lit ran no test:\n{output}"
