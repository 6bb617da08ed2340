"""The classroom load test still runs: its 3-student, 10-second smoke mode, end to end.

benchmarks/load_test.py is a benchmark (its numbers go to benchmarks/README.md, never into a
test), but a protocol client rots quietly when Streamlit changes its messages or a page
renames a widget. This runs ``--smoke`` as CI would: it starts its own server on loopback,
three students open the prepared link, change widgets by id, switch pages and press Play,
and the server is stopped by PID. The run must end cleanly: every action answered, no
exception in any delta, no value of one student seen by another.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_smoke_run_is_clean(tmp_path):
    out = tmp_path / "smoke.json"
    run = subprocess.run(
        [sys.executable, "benchmarks/load_test.py", "--smoke", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(out.read_text())
    assert result["students"] == 3
    assert result["exceptions"] == [] and result["leaks"] == [] and result["errors"] == []
    assert result["lost"] == []
    # Every student opened the link and did something after it.
    assert len(result["times"]["load"]) == 3
    assert len(result["times"]["set"]) >= 3
    assert result["rss_peak"] >= result["rss_before"] > 0
