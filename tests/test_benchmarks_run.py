"""The benchmarks still run (tiny estates, small costs) and end with one line of JSON. No timing is
asserted: the figures are for people to read (docs/performance.md), not for the test suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY_COSTS = ["--hosts", "2", "--vms", "3", "--round-trip-ms", "1", "--powershell-start-ms", "5", "--per-vm-ms", "1"]


def run_benchmark(name: str, *args: str) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", name), *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=240)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    last = proc.stdout.strip().splitlines()[-1]
    return json.loads(last)


def test_estate_benchmark_runs():
    figures = run_benchmark("estate.py", *TINY_COSTS, "--runs", "1", "--naive-vms", "1")
    assert figures["benchmark"] == "estate" and figures["vms"] == 6
    assert figures["powershell_starts_per_host"] == 1
    assert figures["naive_measured"] == {"hosts": 1, "vms_per_host": 1, "calls": 9}
    for key in ("wall_s", "floor_s", "wall_over_floor", "winrm_requests_per_host", "peak_rss_mb",
                "speedup_over_naive", "targets_met"):
        assert key in figures


def test_startup_benchmark_runs():
    figures = run_benchmark("startup.py", "--runs", "1", "--connections", "2")
    assert figures["benchmark"] == "startup" and figures["bare_s"] > 0 and figures["hvassist_s"] > 0
    assert figures["hvassist_first_frame_s"] > 0 and "ratio_first_frame" in figures
    assert "ratio" in figures and "targets_met" in figures


def test_responsiveness_benchmark_runs():
    figures = run_benchmark("responsiveness.py", *TINY_COSTS)
    assert figures["benchmark"] == "responsiveness" and figures["vms"] == 6
    assert figures["tree_rows"] >= 6 + 2 and figures["longest_stall_ms"] >= 0
