"""Render ``resources/icons/hvassist.svg`` to ``hvassist.png`` (256 px) and ``hvassist.ico`` (16-256 px).

Run after editing the SVG: ``uv run python installer/make_icons.py``; commit the results. The ICO holds
one PNG per size (Windows Vista and later read PNG-compressed icon images; PyInstaller and Inno Setup
accept them).
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)


def render_png(renderer: QSvgRenderer, size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buf, "PNG"):
        raise RuntimeError("could not encode a %d px PNG" % size)
    buf.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICO file (ICONDIR + ICONDIRENTRY per image) whose images are PNG streams."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = 6 + 16 * len(pngs)
    entries, blobs = b"", b""
    for size, png in sorted(pngs.items()):
        dim = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - painting needs one
    renderer = QSvgRenderer(str(ICONS / "hvassist.svg"))
    if not renderer.isValid():
        print("hvassist.svg is not a valid SVG", file=sys.stderr)
        return 1
    pngs = {size: render_png(renderer, size) for size in ICO_SIZES}
    (ICONS / "hvassist.png").write_bytes(pngs[256])
    (ICONS / "hvassist.ico").write_bytes(ico_bytes(pngs))
    print("wrote %s and %s" % (ICONS / "hvassist.png", ICONS / "hvassist.ico"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
