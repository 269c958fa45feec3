"""Command line: ``hvassist <command>``; with no command (or ``--demo``) the GUI starts.

Each command lives in its own module exposing ``register(subparsers)``, which adds a parser whose
``func(args) -> int`` runs it. Exit codes: 0 clean, 1 findings/problems found, 2 could not run.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from hvassist import __version__

# Command modules, in the order --help lists them.
COMMAND_MODULES = [
    "hvassist.cli.diagnose_cmd",
    "hvassist.cli.lab_cmd",
    "hvassist.cli.triage_cmd",
    "hvassist.cli.stages_cmd",
    "hvassist.cli.report_cmd",
    "hvassist.cli.analyze_cmd",
    "hvassist.cli.doctor_cmd",
    "hvassist.cli.migrate_cmd",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hvassist", description="Troubleshoot Hyper-V host-level backups and cluster migrations.")
    parser.add_argument("--version", action="version", version="hvassist %s" % __version__)
    parser.add_argument("--demo", action="store_true",
                        help="start the app against the built-in lab (a simulated Hyper-V estate)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv: debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(args_list)
    from hvassist.logsetup import setup_logging

    setup_logging(args.verbose)
    if args.command is None:
        from hvassist.gui.app import run_gui  # Qt is imported only when the GUI starts

        return run_gui(demo=args.demo)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
