"""Colours for the explainer that work on light and dark palettes.

Everything neutral comes from the palette (Window, Base, Text, Mid, Highlight). The few signal
colours (failure, frozen, file kinds) have a light-theme and a dark-theme shade, chosen by the
palette's window lightness, and are used as tints over Base so text on them stays readable.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` blended towards ``b`` by ``t`` (0..1)."""
    t = max(0.0, min(1.0, t))
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
        a.alphaF() + (b.alphaF() - a.alphaF()) * t,
    )


def with_alpha(c: QColor, alpha: float) -> QColor:
    out = QColor(c)
    out.setAlphaF(max(0.0, min(1.0, alpha)))
    return out


_SIGNALS = {
    # name: (light theme, dark theme)
    "failure": ("#c62828", "#ff8a80"),
    "failure-banner": ("#b3261e", "#b3261e"),
    "frozen": ("#1565c0", "#82b1ff"),
    "done": ("#2e7d32", "#81c784"),
    "vhdx": ("#546e7a", "#b0bec5"),
    "avhdx": ("#b26a00", "#ffcc80"),
    "autorecovery": ("#8e24aa", "#e1a6f0"),
    "guest-snapshot": ("#00838f", "#80deea"),
    "shadow": ("#2e7d32", "#a5d6a7"),
    "lun-snapshot": ("#2e7d32", "#a5d6a7"),
    "rct": ("#00695c", "#80cbc4"),
    "reference-point": ("#455a64", "#cfd8dc"),
}


def signal(name: str, palette: QPalette) -> QColor:
    light, dark = _SIGNALS[name]
    return QColor(dark if is_dark(palette) else light)


def role(palette: QPalette, r: QPalette.ColorRole) -> QColor:
    return palette.color(QPalette.ColorGroup.Active, r)
