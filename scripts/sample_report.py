"""Make a sample report from the seed lab (one host down, VM001's SCSI fix applied through the wizard's flow)
and render the PDF's pages to PNG for looking at.

Run: uv run python scripts/sample_report.py [OUTDIR] [--redact]
Writes OUTDIR/report.html, report.pdf, report.txt and, with poppler-utils installed, report-<page>.png.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from hvassist.audit import AuditLog  # noqa: E402
from hvassist.cancel import CancelToken  # noqa: E402
from hvassist.flows.diagnose_flow import DiagnoseFlow  # noqa: E402
from hvassist.gui.pdf import html_to_pdf  # noqa: E402
from hvassist.lab.runtime import start_lab  # noqa: E402
from hvassist.report import build_report, render_html, render_print_html, render_ticket_text  # noqa: E402
from hvassist.services.diagnosis import HostTarget  # noqa: E402


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = Path(args[0] if args else "report-sample")
    out.mkdir(parents=True, exist_ok=True)
    audit = AuditLog(Path(tempfile.mkdtemp(prefix="hvassist-sample-")) / "audit.jsonl")
    lab = start_lab("seed")
    try:
        targets = [HostTarget(lab.endpoint(h), lab.username, lab.password) for h in lab.host_names()]
        targets.append(HostTarget(lab.endpoint("HV03"), lab.username, lab.password))  # not in the lab: down
        flow = DiagnoseFlow(targets, audit)
        flow.select_hosts([t.name for t in targets])
        flow.advance()
        flow.collect(CancelToken())
        flow.advance()
        assert flow.diagnosis is not None
        flow.select_finding(next(f for f in flow.diagnosis.findings if f.cause == "no-scsi-controller"))
        flow.advance()
        flow.confirmed = True
        flow.advance()
        flow.apply(CancelToken())
    finally:
        lab.stop()
    report = build_report(flow.diagnosis, audit.entries(), redact="--redact" in sys.argv)
    (out / "report.html").write_text(render_html(report), encoding="utf-8")
    (out / "report.txt").write_text(render_ticket_text(report), encoding="utf-8")
    pdf = out / "report.pdf"
    pdf.write_bytes(html_to_pdf(render_print_html(report), title="%s: %s" % (report.title,
                                                                              ", ".join(report.host_names))))
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf), str(out / "report")], check=True)
    print("written to %s" % out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
