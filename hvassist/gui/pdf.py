"""HTML to PDF with Qt's own text layout (``QTextDocument`` + ``QPdfWriter``): no browser engine needed.

``QTextDocument`` understands a subset of HTML/CSS (tables, headings, lists, colours), which is what
``hvassist.report.render_print_html`` produces. The PDF is rendered into memory; the caller writes
the bytes (so a bad path never loses the report). Works without a display: when no Qt application
exists yet (the command line), one is created on the offscreen platform.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

_app: QGuiApplication | None = None  # kept alive for the process when we had to create it

RESOLUTION = 300  # dpi: text is vector anyway; this sets the layout unit
MARGINS_MM = QMarginsF(15, 15, 15, 15)
_FONT_FAMILY = {"win32": "Segoe UI", "darwin": "Helvetica Neue"}.get(sys.platform, "DejaVu Sans")


def ensure_gui_application() -> QGuiApplication:
    """The running Qt application, or a new headless one for command-line use."""
    global _app
    app = QGuiApplication.instance()
    if app is not None:
        return app  # type: ignore[return-value]
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication  # a widget application, in case windows follow in this process

    _app = QApplication(sys.argv[:1] or ["hvassist"])
    return _app


def html_to_pdf(html: str, *, title: str = "", author: str = "hvassist") -> bytes:
    """The PDF (A4, 15 mm margins, "page n of N" at the foot) of ``html``, as bytes."""
    ensure_gui_application()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(RESOLUTION)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     MARGINS_MM, QPageLayout.Unit.Millimeter))
    writer.setTitle(title)
    writer.setCreator(author)
    painter = QPainter()
    if not painter.begin(writer):
        raise RuntimeError("Qt could not start the PDF")
    try:
        doc = QTextDocument()
        # Lay out on the writer itself, so sizes in points come out at their size at any resolution.
        doc.documentLayout().setPaintDevice(writer)
        font = QFont(_FONT_FAMILY)
        font.setPointSizeF(9.5)
        doc.setDefaultFont(font)
        doc.setHtml(html)
        # QTextDocument.print_() would add 2 cm of its own inside the page margins: paginate here instead.
        page = writer.pageLayout().paintRectPixels(writer.resolution())
        footer_font = QFont(font)
        footer_font.setPointSizeF(8)
        footer_height = QFontMetricsF(footer_font, writer).height() * 2
        body = QSizeF(page.width(), page.height() - footer_height)
        doc.setPageSize(body)
        pages = doc.pageCount()
        for n in range(pages):
            if n:
                writer.newPage()
            painter.save()
            painter.translate(0, -n * body.height())
            doc.drawContents(painter, QRectF(0, n * body.height(), body.width(), body.height()))
            painter.restore()
            painter.setFont(footer_font)
            painter.setPen(QColor("#555555"))
            foot = QRectF(0, page.height() - footer_height * 0.6, page.width(), footer_height * 0.6)
            painter.drawText(foot, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), title)
            painter.drawText(foot, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             "Page %d of %d" % (n + 1, pages))
    finally:
        painter.end()
    del writer  # finishes the PDF into the buffer
    buffer.close()
    return bytes(data.data())


def page_count(pdf: bytes) -> int:
    """Pages in a PDF Qt wrote (its page tree has one /Count)."""
    import re

    counts = [int(m) for m in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf)]
    counts += [int(m) for m in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf)]
    return max(counts) if counts else 0
