"""Small shared look: colours from the palette (light and dark themes), sizes from font metrics."""

from __future__ import annotations

from PySide6 import QtCore
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QApplication, QLabel, QWidget

SEVERITY_COLOURS = {"error": "#c62828", "warning": "#b26a00", "info": "#1565c0", "ok": "#2e7d32"}
SEVERITY_WORDS = {"error": "Backup fails", "warning": "Backup degraded", "info": "Good to know"}


def is_dark() -> bool:
    from PySide6.QtGui import QPalette

    pal = QApplication.palette()
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


def severity_colour(severity: str) -> QColor:
    c = QColor(SEVERITY_COLOURS.get(severity, "#555555"))
    return c.lighter(160) if is_dark() else c


def heading(text: str, level: int = 1) -> QLabel:
    label = QLabel(text)
    f = QFont(label.font())
    f.setPointSizeF(f.pointSizeF() * (1.6 if level == 1 else 1.25))
    f.setBold(True)
    label.setFont(f)
    label.setWordWrap(True)
    label.setAccessibleName(text)
    return label


def banner(text: str, kind: str = "info", parent: QWidget | None = None) -> QLabel:
    """A coloured, word-wrapped notice (downtime warnings, results)."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # names are data: a VM called "<b>x" stays text
    colour = severity_colour(kind)
    bg = QColor(colour)
    bg.setAlpha(40)
    label.setStyleSheet("QLabel { border-left: 4px solid %s; background: rgba(%d,%d,%d,%d); padding: 8px; }"
                        % (colour.name(), bg.red(), bg.green(), bg.blue(), bg.alpha()))
    label.setAccessibleName(text)
    return label
