"""Render the backup explainer offscreen at every stage of both flows, light and dark, into
docs/screenshots/explainer/ (or --out). Run: ``uv run python tests/gui/shoot_explainer.py``.

Options: --scale 2 (like 200 % display scaling), --only light|dark, --size WxH, --failed (VM001's
failed follow), --variant hardware/off-host.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(REPO / "docs" / "screenshots" / "explainer"))
    ap.add_argument("--scale", default="1")
    ap.add_argument("--only", choices=("light", "dark"))
    ap.add_argument("--size", default="1280x800")
    ap.add_argument("--flow", choices=("2012r2", "2016"))
    ap.add_argument("--stage", help="one stage id only")
    ap.add_argument("--progress", type=float, default=1.0, help="animation frame of the stage (0..1)")
    ap.add_argument("--variant", default="software/on-host")
    ap.add_argument("--failed", action="store_true", help="show VM001's failed follow (prepare-snapshot)")
    ap.add_argument("--suffix", default="")
    args = ap.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["QT_SCALE_FACTOR"] = args.scale

    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication, QStyleFactory

    from hvassist.gui.explainer import BackupExplainerPage
    from hvassist.stages.model import flows

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle(QStyleFactory.create("Fusion"))
    light = app.style().standardPalette()
    dark = _dark_palette(QColor, QPalette)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    w, h = (int(x) for x in args.size.split("x"))
    provider, proxy = args.variant.split("/")
    written = []
    for theme, palette in (("light", light), ("dark", dark)):
        if args.only and theme != args.only:
            continue
        app.setPalette(palette)
        page = BackupExplainerPage()
        page.resize(w, h)
        page.set_variant(provider, proxy)
        page.show()
        if args.failed:
            page.show_timeline(
                [
                    {
                        "stage": "gather-metadata",
                        "time": "2026-11-24T14:52:58Z",
                        "evidence": [],
                        "inferred": True,
                    },
                    {
                        "stage": "prepare-backup",
                        "time": "2026-11-24T14:52:58Z",
                        "evidence": [],
                        "inferred": True,
                    },
                    {
                        "stage": "prepare-snapshot",
                        "time": "2026-11-24T14:52:58Z",
                        "evidence": [
                            "Hyper-V could not back up the running VM: "
                            "it has no SCSI controller (event 10103)"
                        ],
                    },
                    {"result": "failed", "stage": "prepare-snapshot", "cause": "no-scsi-controller"},
                ],
                vm="VM001",
                host="HV01",
            )
        for flow in flows():
            if args.flow and flow.id != args.flow:
                continue
            for stage in flow.stages:
                if args.stage and stage.id != args.stage:
                    continue
                if args.failed and stage.flow != "2012r2":
                    continue
                page.show_stage(stage.id, progress=args.progress)
                app.processEvents()
                scale = "" if args.scale == "1" else "-x" + args.scale
                name = f"{flow.id}-{stage.number:02d}-{stage.id}-{theme}{scale}{args.suffix}.png"
                page.grab().save(str(out / name))
                written.append(name)
        page.close()
        page.deleteLater()
        app.processEvents()
    print("\n".join(written))
    return 0


def _dark_palette(QColor, QPalette):  # noqa: N803 - Qt classes passed in
    p = QPalette()
    R = QPalette.ColorRole
    for r, c in (
        (R.Window, "#2b2b2b"),
        (R.WindowText, "#e6e6e6"),
        (R.Base, "#1e1e1e"),
        (R.AlternateBase, "#2f2f2f"),
        (R.Text, "#e6e6e6"),
        (R.Button, "#353535"),
        (R.ButtonText, "#e6e6e6"),
        (R.Highlight, "#3d8ee8"),
        (R.HighlightedText, "#ffffff"),
        (R.Mid, "#555555"),
        (R.Dark, "#202020"),
        (R.Light, "#505050"),
        (R.ToolTipBase, "#3a3a3a"),
        (R.ToolTipText, "#e6e6e6"),
        (R.PlaceholderText, "#9a9a9a"),
        (R.Link, "#7ab7ff"),
    ):
        p.setColor(r, QColor(c))
    p.setColor(QPalette.ColorGroup.Disabled, R.ButtonText, QColor("#7a7a7a"))
    p.setColor(QPalette.ColorGroup.Disabled, R.Text, QColor("#7a7a7a"))
    p.setColor(QPalette.ColorGroup.Disabled, R.WindowText, QColor("#7a7a7a"))
    return p


if __name__ == "__main__":
    sys.exit(main())
