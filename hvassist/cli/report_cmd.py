"""``hvassist report``: diagnose hosts (or a lab scenario) and write the report for the ticket."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from hvassist.cli import host_progress
from hvassist.cli.diagnose_cmd import add_target_arguments, diagnose_from_args


def register(sub: Any) -> None:
    p = sub.add_parser(
        "report", help="diagnose hosts and write a report (HTML, PDF, ticket text)",
        description="Diagnose the hosts (or a lab scenario) and write the report: HTML for a browser, PDF for "
        "the ticket, and a short plain-text summary. Changes hvassist made on these hosts (from its audit log) "
        "are included with their before and after. Without --html/--pdf/--text the summary is printed. "
        "Exit code: 0 clean, 1 findings, 2 a host could not be diagnosed or a file could not be written.")
    add_target_arguments(p)
    p.add_argument("--html", metavar="FILE", help="write the report as a web page (self-contained)")
    p.add_argument("--pdf", metavar="FILE", help="write the report as PDF")
    p.add_argument("--text", metavar="FILE", help="write the short summary for a ticket ('-' prints it)")
    p.add_argument("--redact", action="store_true",
                   help="replace host, cluster, VM, domain and user names by placeholders (HOST-1, VM-1, USER-1)")
    p.add_argument("--actions-hours", type=float, default=None, metavar="HOURS",
                   help="include changes from the audit log made in the last HOURS hours (default 24; with --lab "
                   "0, as the lab starts fresh and earlier changes to it are gone)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hvassist.audit import AuditLog
    from hvassist.paths import app_paths
    from hvassist.report import ReportSaveError, build_report, render_html, render_ticket_text, write_file

    diagnosis = diagnose_from_args(args, progress=host_progress)
    if diagnosis is None:
        return 2
    entries: list[dict[str, Any]] = []
    since = None
    hours = args.actions_hours if args.actions_hours is not None else 0 if args.lab else 24
    if hours > 0:
        since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours)
        entries = AuditLog(app_paths().audit_log).entries()
    report = build_report(diagnosis, entries, redact=args.redact, since=since)
    outputs: list[tuple[str, str, Any]] = []  # (kind, path, producer)
    if args.html:
        outputs.append(("HTML", args.html, lambda: render_html(report)))
    if args.pdf:
        outputs.append(("PDF", args.pdf, lambda: _pdf(report)))
    if args.text and args.text != "-":
        outputs.append(("Text", args.text, lambda: render_ticket_text(report)))
    failed = False
    for kind, path, produce in outputs:
        try:
            saved = write_file(path, produce())
        except ReportSaveError as e:
            print(str(e), file=sys.stderr)
            failed = True
        except PdfUnavailable as e:
            print(str(e), file=sys.stderr)
            failed = True
        else:
            print("%s report saved: %s" % (kind, saved), file=sys.stderr)
    if args.text == "-" or not outputs:
        sys.stdout.write(render_ticket_text(report))
    return 2 if failed else diagnosis.exit_code


class PdfUnavailable(Exception):
    pass


def _pdf(report: Any) -> bytes:
    """Qt lays the PDF out; it is loaded only here, so the rest of the command runs without it."""
    from hvassist.report import render_print_html

    try:
        from hvassist.gui.pdf import html_to_pdf
    except ImportError as e:
        raise PdfUnavailable("A PDF needs Qt (PySide6), which could not be loaded (%s). Use --html and print the "
                             "page to PDF from a browser instead." % e) from None
    try:
        return html_to_pdf(render_print_html(report), title="%s: %s" % (report.title, ", ".join(report.host_names)))
    except RuntimeError as e:
        raise PdfUnavailable("The PDF could not be made: %s. Use --html instead." % e) from None
