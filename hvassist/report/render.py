"""Render a ``Report``: HTML (Jinja2, autoescaped), the print variant for PDF, and the ticket text."""

from __future__ import annotations

import os
import tempfile
import textwrap
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from hvassist.report.model import Report
from hvassist.resources import resource_path

if TYPE_CHECKING:
    import jinja2

# Colours for severities and verdicts: text colour and a light background (readable in print).
COLOURS = {
    "error": ("#b71c1c", "#fdecea"),
    "warning": ("#8a5300", "#fff4e5"),
    "info": ("#0d47a1", "#e8f1fb"),
    "ok": ("#1b5e20", "#edf7ed"),
    "none": ("#555555", "#f2f2f2"),
}


@cache
def _environment() -> jinja2.Environment:
    import jinja2  # ~0.2 s to import: loaded when a report is first rendered, not with the diagnose wizard

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resource_path("report"))),
        autoescape=True,  # every template, whatever its name: names and evidence are customer data
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(report: Report) -> str:
    """A self-contained HTML page (inline CSS, no external assets) for browsers and printing."""
    return _environment().get_template("report.html.j2").render(r=report, colours=COLOURS, for_qt=False)


def render_print_html(report: Report) -> str:
    """The same content in the HTML subset Qt's ``QTextDocument`` lays out (tables, colours, headings):
    the source of the PDF."""
    return _environment().get_template("report.html.j2").render(r=report, colours=COLOURS, for_qt=True)


def render_ticket_text(report: Report, *, max_findings: int = 15) -> str:
    """A short plain-text summary for a helpdesk ticket: what was checked, what is wrong, what was done,
    what is next."""
    out: list[str] = []
    hosts = report.host_names
    clusters = sorted({h.cluster for h in report.hosts if h.cluster})
    out.append("%s: %d host%s checked%s, %s (hvassist %s)." % (
        report.title, len(hosts), "" if len(hosts) == 1 else "s",
        " on %s" % report.checked_at if report.checked_at else "", "by %s" % report.generated_by
        if report.generated_by else "", report.version))
    out.append("Hosts: %s%s." % (", ".join(hosts) or "none",
                                 " (cluster %s)" % ", ".join(clusters) if clusters else ""))
    if report.redacted:
        out.append("Host, VM and user names are replaced by placeholders (HOST-1, VM-1, USER-1).")
    out.append("")
    out.append(_wrap("Result: %s" % report.headline(), "  "))

    if report.findings:
        out.append("")
        out.append("What is wrong:")
        for i, f in enumerate(report.findings[:max_findings], 1):
            out.append(_wrap("%d. [%s] %s: %s (%s)" % (i, f.severity_word, f.where, f.title, f.cause), "   "))
            if f.evidence:
                e = f.evidence[0]
                seen = "%s%s" % ("%s: " % e.time if e.time else "", _shorten(e.text, 220))
                more = " (+%d more)" % (len(f.evidence) - 1) if len(f.evidence) > 1 else ""
                out.append(_wrap("Seen: %s%s" % (seen, more), "   ", "   "))
            if f.what_to_do:
                out.append(_wrap("Next: %s%s" % (_shorten(f.what_to_do[0], 220),
                                                 " (hvassist has a guided fix)" if f.fix_available else ""),
                                 "   ", "   "))
        if len(report.findings) > max_findings:
            out.append("   ...and %d more (see the full report)." % (len(report.findings) - max_findings))

    out.append("")
    out.append("What was done:")
    if not report.actions:
        out.append("- Nothing was changed on the hosts (the check only reads).")
    for a in report.actions:
        by = " by %s" % a.who if a.who else ""
        if a.remote_user:
            by += " (as %s)" % a.remote_user
        out.append(_wrap("- %s, %s: %s%s. %d step%s. Result: %s" % (
            a.time, a.where, a.title, by, len(a.steps), "" if len(a.steps) == 1 else "s", a.outcome), "  "))

    if report.unchecked:
        out.append("")
        out.append("Could not be checked:")
        for u in report.unchecked:
            out.append(_wrap("- %s: %s Next: %s" % (u.name, u.reason, u.what_to_do), "  "))

    out.append("")
    if report.readiness_assessed:
        out.append("Next backup per VM: %s." % ", ".join("%d %s" % (n, w.lower()) for w, _k, n in
                                                         report.readiness_counts()))
    else:
        out.append("Next backup per VM: not assessed (%d VM%s checked, %d with problems)." % (
            report.vm_count, "" if report.vm_count == 1 else "s", report.vms_with_problems))
    out.append("Details, evidence and sources: see the attached hvassist report (%s)." % report.generated_at)
    return "\n".join(out) + "\n"


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _wrap(text: str, indent: str, first: str = "") -> str:
    return textwrap.fill(text, width=100, initial_indent=first, subsequent_indent=indent,
                         break_long_words=False, break_on_hyphens=False)


def write_file(path: str | Path, content: str | bytes) -> Path:
    """Write ``content`` to ``path`` without leaving a half-written file: a temporary file in the same
    folder, then a rename. Raises ``ReportSaveError`` with a plain message when it cannot."""
    path = Path(path).expanduser()
    data = content.encode("utf-8") if isinstance(content, str) else content
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ReportSaveError(path, "the folder %s does not exist" % folder)
    if path.is_dir():
        raise ReportSaveError(path, "that is a folder, not a file name")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".%s." % path.name, suffix=".part", dir=folder)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        tmp = None
    except PermissionError:
        raise ReportSaveError(path, "you do not have permission to write there") from None
    except OSError as e:
        raise ReportSaveError(path, e.strerror or str(e)) from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return path


class ReportSaveError(OSError):
    """The report could not be written; the message says where and why, the report itself is kept."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__("The report could not be saved as %s: %s. Choose another folder or file name." % (
            path, reason))
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return str(self.args[0])
