"""The PDF: a valid document with pages, every finding and action in its text, no raw markup; rendered to PNG."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from hvassist.report import build_report, render_print_html

from .conftest import pdf_text

RAW_MARKUP = ("<td", "<tr", "<b>", "</", "&lt;", "&gt;", "&amp;", "&#", "&nbsp;", "{{", "{%", "style=")


@pytest.fixture(scope="module")
def seed_pdf(seed_data, qapp):
    from hvassist.gui.pdf import html_to_pdf

    report = build_report(seed_data.diagnosis, seed_data.entries, since=seed_data.since)
    return report, html_to_pdf(render_print_html(report), title="Hyper-V backup check: HV01, HV02")


def test_pdf_is_valid_and_has_pages(seed_pdf, tmp_path):
    from hvassist.gui.pdf import page_count

    _report, pdf = seed_pdf
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert page_count(pdf) >= 2
    if shutil.which("pdfinfo"):
        path = tmp_path / "r.pdf"
        path.write_bytes(pdf)
        info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
        assert re.search(r"Pages:\s+(\d+)", info).group(1) == str(page_count(pdf))
        assert "A4" in info


def test_pdf_text_is_complete_and_has_no_markup(seed_pdf, seed_data, tmp_path):
    report, pdf = seed_pdf
    text = pdf_text(pdf, tmp_path)
    flat = " ".join(text.split())
    for f in report.findings:
        assert f.cause in flat
        assert f.title in flat
    for heading in ("Summary", "Hosts that could not be checked", "Next backup, per VM", "Findings",
                    "Actions taken", "What hvassist saw", "Sources"):
        assert heading in flat
    assert "Add a SCSI controller to VM001" in flat and "SCSI controllers: 0 → 1" in flat
    assert "Page 1 of " in flat
    for raw in RAW_MARKUP:
        assert raw not in text, raw


def test_pdf_renders_to_png_pages(seed_pdf, tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    from PySide6.QtGui import QImage

    from hvassist.gui.pdf import page_count

    _report, pdf = seed_pdf
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == page_count(pdf)
    for png in pages:
        image = QImage(str(png))
        assert not image.isNull()
        dark = sum(1 for x in range(0, image.width(), 4) for y in range(0, image.height(), 4)
                   if image.pixelColor(x, y).lightness() < 128)
        assert dark > 20, "%s looks blank" % png.name
