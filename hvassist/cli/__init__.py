"""Command line: ``hvassist <command>``; with no command (or ``--demo``) the GUI starts.

Each command lives in its own module exposing ``register(subparsers)``, which adds a parser whose
``func(args) -> int`` runs it. Exit codes: 0 clean, 1 findings/problems found, 2 could not run.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from hvassist import __version__

if TYPE_CHECKING:
    import argparse

# Command modules, in the order --help lists them.
COMMAND_MODULES = [
    "hvassist.cli.diagnose_cmd",
    "hvassist.cli.lab_cmd",
    "hvassist.cli.triage_cmd",
    "hvassist.cli.stages_cmd",
    "hvassist.cli.report_cmd",
    "hvassist.cli.fix_cmd",
    "hvassist.cli.analyze_cmd",
    "hvassist.cli.doctor_cmd",
    "hvassist.cli.migrate_cmd",
]


def host_progress(host: str, message: str) -> None:
    """A host's progress line on stderr. Hosts report from their own threads: one write per line, so two hosts
    never share a line."""
    sys.stderr.write("%s: %s\n" % (host, message))
    sys.stderr.flush()


def build_parser() -> argparse.ArgumentParser:
    import argparse  # not at module level: the GUI's start does not need it

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


_GUI_OPTIONS = re.compile(r"--demo|--verbose|-v+")


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list == ["--diagnosis-helper"]:  # not for users: the frozen app started as its own helper
        from hvassist.services.diagnosis_process import serve

        return serve()
    from hvassist.logsetup import setup_logging

    if all(_GUI_OPTIONS.fullmatch(a) for a in args_list):
        # No command: the GUI starts. Skip building the full parser, which imports every command
        # module (and through them the remote stack, the lab, ...) that the GUI's start does not need.
        setup_logging(sum(1 if a == "--verbose" else len(a) - 1 for a in args_list if a != "--demo"))
        # The Qt-free part of the start first: once PySide6 is loaded it reads the source file of every
        # module imported after it (its __feature__ check), ~10 ms for these when run from source.
        import hvassist.appcontext  # noqa: F401
        from hvassist.gui.app import run_gui  # Qt is imported only when the GUI starts

        return run_gui(demo="--demo" in args_list)
    parser = build_parser()
    args = parser.parse_args(args_list)
    setup_logging(args.verbose)
    if args.command is None:
        from hvassist.gui.app import run_gui

        return run_gui(demo=args.demo)
    import logging

    # one line per command, so the log file shows what ran (and where the app keeps its log)
    logging.getLogger("hvassist").info("hvassist %s: command %s", __version__, args.command)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
