"""Start-up benchmark: process start to main window shown (offscreen), hvassist beside a bare PySide6 window.

Each run starts a fresh Python process (``benchmarks/_startup_child.py``): ``bare`` shows an empty
QMainWindow; ``app`` starts hvassist through its real entry point (``hvassist.cli.main`` with no
command) with a profile holding saved connections. The clock runs from just before the process is
spawned to (1) the first turn of the event loop with the window shown, and (2) the main window's
first painted frame. The two kinds alternate so that machine noise hits both alike; the medians and
their ratios are reported.

    uv run python benchmarks/startup.py [--runs 25] [--connections 16]

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


def start_once(kind: str, home: Path) -> tuple[float, float, float]:
    """(seconds to the window shown, to its first frame, CPU seconds the whole child process used)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HVASSIST_HOME=str(home))
    # An installed app has its bytecode compiled (pip, installers, PyInstaller do it); let the warm-up
    # runs write it rather than compile every module from source on every start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE.parent), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.run([sys.executable, str(HERE / "_startup_child.py"), kind], env=env, capture_output=True,
                          text=True, timeout=60)
    times = {ln.split()[0]: float(ln.split()[1]) for ln in proc.stdout.splitlines()
             if ln.startswith(("shown ", "frame "))}
    if proc.returncode != 0 or set(times) != {"shown", "frame"}:
        raise RuntimeError("the %s start failed (exit %s): %s" % (kind, proc.returncode, proc.stderr[-2000:]))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return times["shown"] - started, times["frame"] - started, cpu


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=25, help="starts of each kind (default 25)")
    p.add_argument("--connections", type=int, default=16, help="saved hosts in the profile (default 16)")
    args = p.parse_args(argv)
    print("Start-up benchmark: %d runs each, alternating; machine: %d CPUs, load average %.1f"
          % (args.runs, os.cpu_count() or 0, os.getloadavg()[0]))
    runs: dict[str, dict[str, list[float]]] = {k: {"shown": [], "frame": [], "cpu": []} for k in ("bare", "app")}
    with tempfile.TemporaryDirectory(prefix="hvassist-startup-") as tmp:
        home = Path(tmp)
        make_profile(home, args.connections)
        for _ in range(2):  # warm the file cache and write the bytecode, for both alike
            start_once("bare", home)
            start_once("app", home)
        for i in range(args.runs):
            for kind in ("bare", "app"):
                shown, frame, cpu = start_once(kind, home)
                runs[kind]["shown"].append(shown)
                runs[kind]["frame"].append(frame)
                runs[kind]["cpu"].append(cpu)
            print("  run %d: bare PySide6 window %.3f s (first frame %.3f s), hvassist %.3f s (first frame %.3f s)"
                  % (i + 1, runs["bare"]["shown"][-1], runs["bare"]["frame"][-1], runs["app"]["shown"][-1],
                     runs["app"]["frame"][-1]), flush=True)
    med = {k: {m: statistics.median(v) for m, v in r.items()} for k, r in runs.items()}
    ratio = med["app"]["shown"] / med["bare"]["shown"]
    ratio_frame = med["app"]["frame"] / med["bare"]["frame"]
    cpu_ratio = med["app"]["cpu"] / med["bare"]["cpu"]
    print()
    print("                         window shown   first frame   (medians of %d runs)" % args.runs)
    print("Bare PySide6 window:         %.3f s       %.3f s" % (med["bare"]["shown"], med["bare"]["frame"]))
    print("hvassist main window:        %.3f s       %.3f s" % (med["app"]["shown"], med["app"]["frame"]))
    print("Ratio:                        %.2f          %.2f       target ≤ %.1f: shown %s, first frame %s"
          % (ratio, ratio_frame, TARGET_RATIO, verdict(ratio, TARGET_RATIO), verdict(ratio_frame, TARGET_RATIO)))
    print("Ratio of CPU time per process: %.2f  (median; less sensitive to other work on the machine)" % cpu_ratio)
    bare, app = runs["bare"]["shown"], runs["app"]["shown"]
    print_json_line({"benchmark": "startup", "runs": args.runs, "connections": args.connections,
                     "bare_s": round(med["bare"]["shown"], 3), "hvassist_s": round(med["app"]["shown"], 3),
                     "ratio": round(ratio, 3),
                     "bare_first_frame_s": round(med["bare"]["frame"], 3),
                     "hvassist_first_frame_s": round(med["app"]["frame"], 3),
                     "ratio_first_frame": round(ratio_frame, 3), "ratio_cpu": round(cpu_ratio, 3),
                     "bare_runs_s": [round(x, 3) for x in bare], "hvassist_runs_s": [round(x, 3) for x in app],
                     "load_average_1min": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
                     "targets_met": {"ratio_shown": ratio <= TARGET_RATIO,
                                     "ratio_first_frame": ratio_frame <= TARGET_RATIO}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
