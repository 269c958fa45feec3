"""Start-up benchmark: process start to main window shown (offscreen), hvassist beside a bare PySide6 window.

Each run starts a fresh Python process (``benchmarks/_startup_child.py``): ``bare`` shows an empty
QMainWindow; ``app`` starts hvassist through its real entry point (``hvassist.cli.main`` with no
command) with a profile holding saved connections. The clock runs from just before the process is
spawned to the first turn of the event loop with the window shown. The two kinds alternate so that
machine noise hits both alike; the medians and their ratio are reported.

    uv run python benchmarks/startup.py [--runs 11] [--connections 16]

The last line of output is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _support import HERE, print_json_line, verdict

TARGET_RATIO = 1.5


def make_profile(home: Path, connections: int) -> None:
    """A profile as a helpdesk user has it: a customer with credentials, and saved hosts under it."""
    config = home / "config"
    config.mkdir(parents=True, exist_ok=True)
    groups = [{"id": "g-customer", "name": "Contoso", "parent": None, "username": "CONTOSO\\helpdesk"}]
    conns = [{"id": "c%03d" % i, "name": "HV%03d" % (i + 1), "kind": "host", "group": "g-customer",
              "address": "", "port": 0, "transport": "https", "auth": "ntlm", "username": "", "pinned_sha256": "",
              "ca_file": "", "nodes": []} for i in range(connections)]
    (config / "connections.json").write_text(json.dumps({"version": 1, "groups": groups, "connections": conns}),
                                             encoding="utf-8")


def start_once(kind: str, home: Path) -> tuple[float, float]:
    """(seconds to the window shown, CPU seconds the whole child process used)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HVASSIST_HOME=str(home))
    # An installed app has its bytecode compiled (pip, installers, PyInstaller do it); let the warm-up
    # runs write it rather than compile every module from source on every start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE.parent), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.run([sys.executable, str(HERE / "_startup_child.py"), kind], env=env, capture_output=True,
                          text=True, timeout=60)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("shown ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError("the %s start failed (exit %s): %s" % (kind, proc.returncode, proc.stderr[-2000:]))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return float(line.split()[1]) - started, cpu


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=11, help="starts of each kind (default 11)")
    p.add_argument("--connections", type=int, default=16, help="saved hosts in the profile (default 16)")
    args = p.parse_args(argv)
    print("Start-up benchmark: %d runs each, alternating; machine: %d CPUs, load average %.1f"
          % (args.runs, os.cpu_count() or 0, os.getloadavg()[0]))
    bare: list[float] = []
    app: list[float] = []
    bare_cpu: list[float] = []
    app_cpu: list[float] = []
    with tempfile.TemporaryDirectory(prefix="hvassist-startup-") as tmp:
        home = Path(tmp)
        make_profile(home, args.connections)
        for _ in range(2):  # warm the file cache and write the bytecode, for both alike
            start_once("bare", home)
            start_once("app", home)
        for i in range(args.runs):
            for kind, walls, cpus in (("bare", bare, bare_cpu), ("app", app, app_cpu)):
                wall, cpu = start_once(kind, home)
                walls.append(wall)
                cpus.append(cpu)
            print("  run %d: bare PySide6 window %.3f s, hvassist %.3f s" % (i + 1, bare[-1], app[-1]), flush=True)
    b, a = statistics.median(bare), statistics.median(app)
    ratio = a / b
    cpu_ratio = statistics.median(app_cpu) / statistics.median(bare_cpu)
    print()
    print("Bare PySide6 window (median):  %.3f s   (fastest %.3f s)" % (b, min(bare)))
    print("hvassist main window (median): %.3f s   (fastest %.3f s)" % (a, min(app)))
    print("Ratio of medians:              %.2f    target ≤ %.1f  %s" % (ratio, TARGET_RATIO,
                                                                        verdict(ratio, TARGET_RATIO)))
    print("Ratio of fastest runs:         %.2f" % (min(app) / min(bare)))
    print("Ratio of CPU time per process: %.2f    (median; less sensitive to other work on the machine)"
          % cpu_ratio)
    print_json_line({"benchmark": "startup", "runs": args.runs, "connections": args.connections,
                     "bare_s": round(b, 3), "hvassist_s": round(a, 3), "ratio": round(ratio, 3),
                     "ratio_fastest": round(min(app) / min(bare), 3), "ratio_cpu": round(cpu_ratio, 3),
                     "bare_runs_s": [round(x, 3) for x in bare], "hvassist_runs_s": [round(x, 3) for x in app],
                     "load_average_1min": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
                     "targets_met": {"ratio": ratio <= TARGET_RATIO}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
