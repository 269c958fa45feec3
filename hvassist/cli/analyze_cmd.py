"""``hvassist analyze`` (collector JSON, .evtx, event XML) and ``hvassist collect-script``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("analyze", help="analyze collected data offline (collector JSON, .evtx, event XML)",
                       description="Runs the same rules as a live diagnosis on files collected on a host. "
                       "Exit code: 0 clean, 1 findings, 2 nothing could be read.")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_analyze)
    c = sub.add_parser("collect-script", help="write the standalone collector to run on a host without WinRM")
    c.add_argument("--out", default="-", help="file to write (default: standard output)")
    c.set_defaults(func=run_collect_script)


def run_analyze(args: argparse.Namespace) -> int:
    from hvassist.cli.diagnose_cmd import _print_finding
    from hvassist.services.offline import analyze_files

    result = analyze_files(args.files)
    diagnosis = result.diagnosis
    if args.json:
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        for problem in result.problems:
            print("Note: %s" % problem, file=sys.stderr)
        if not diagnosis.findings:
            print("No backup problems found in %d file(s)." % len(args.files))
        for f in diagnosis.findings:
            _print_finding(f)
    if not diagnosis.hosts:
        return 2
    return 1 if diagnosis.findings else 0


def run_collect_script(args: argparse.Namespace) -> int:
    from hvassist.services.offline import collector_script

    text = collector_script()
    if args.out == "-":
        sys.stdout.write(text)
        return 0
    try:
        Path(args.out).write_text(text, encoding="utf-8", newline="\r\n")
    except OSError as e:
        print("Could not write %s: %s" % (args.out, e.strerror or e), file=sys.stderr)
        return 2
    print("Wrote %s. Run it on the Hyper-V host in an elevated PowerShell, then: hvassist analyze <the JSON file>"
          % args.out)
    return 0
