"""The report for the ticket: HTML, print HTML (the PDF's source, rendered by ``hvassist.gui.pdf``) and
a plain-text summary, built from a diagnosis and the audit log. No Qt here."""

from __future__ import annotations

import datetime as dt
import re

from hvassist.report.model import Report, build_report
from hvassist.report.render import (
    ReportSaveError,
    render_html,
    render_print_html,
    render_ticket_text,
    write_file,
)


def default_file_name(report: Report, extension: str, today: dt.date | None = None) -> str:
    """``hvassist-report-HV01-2026-11-24.html``: the host (or the first host and how many more) and the date,
    with anything a file system might refuse replaced."""
    hosts = report.host_names
    who = hosts[0] if len(hosts) == 1 else "%s-and-%d-more" % (hosts[0], len(hosts) - 1) if hosts else "no-hosts"
    who = re.sub(r"[^A-Za-z0-9._-]+", "_", who).strip("._") or "hosts"
    day = (today or dt.datetime.now(dt.UTC).date()).isoformat()
    return "hvassist-report-%s-%s.%s" % (who[:60], day, extension.lstrip("."))


__all__ = ["Report", "ReportSaveError", "build_report", "default_file_name", "render_html", "render_print_html",
           "render_ticket_text", "write_file"]
