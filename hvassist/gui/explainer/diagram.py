"""The explainer's diagram: the actors of a host-level backup and the messages of one stage.

Drawn with QPainter on a canvas measured in font heights ("em"), so it scales with the font and
the screen's scaling; colours come from the palette (see ``theme``). The widget shows one frame:
a stage and how far its animation has got (``progress`` 0..1). The page drives the animation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPolygonF,
    QTextOption,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from hvassist.gui.explainer.theme import mix, role, signal, with_alpha
from hvassist.stages.diagram import DiagramState, state_before
from hvassist.stages.model import Beat, Flow, StageView, Variant, get_actor, get_artifact, get_flow

R = QPalette.ColorRole

# Canvas and boxes in em (font heights): x, y, width, height.
CANVAS_W, CANVAS_H = 52.0, 31.0
BOXES: dict[str, tuple[float, float, float, float]] = {
    "requestor": (13.0, 0.4, 12.0, 3.4),
    "offhost-proxy": (38.8, 0.4, 12.4, 3.4),
    "host-vss": (1.2, 7.2, 8.8, 3.8),
    "hv-writer": (12.8, 7.2, 9.4, 3.8),
    "vmms": (12.8, 7.2, 9.4, 3.8),
    "vss-provider": (25.0, 7.2, 8.4, 3.8),
    "vscsi": (2.0, 12.2, 9.4, 3.0),
    "guest": (2.0, 16.4, 8.6, 12.2),
    "ic-provider": (13.2, 16.4, 9.0, 4.8),
    "csv-lun": (35.2, 5.2, 16.6, 19.6),
    "vm-disks": (35.9, 10.4, 15.2, 13.6),
}
HOST_BOX = (0.3, 5.2, 33.9, 25.4)
VM_BOX = (1.2, 13.6, 21.6, 16.2)
LEGEND_BOX = (23.8, 21.8, 9.6, 8.0)
VM_TITLE_BOX = (12.6, 13.75, 10.0, 1.5)
SNAPSHOT_ROW = (35.6, 7.0, 15.8, 3.0)  # where the volume's snapshot appears; the volume's arrows meet here
ATTACHED_SLOT = (2.5, 20.9, 7.6, 2.0)  # a disk plugged in through the vSCSI controller shows up in the guest
# labels for narrow places
ARTIFACT_SHORT = {
    "vhdx": "VM disk",
    "avhdx": ".avhdx",
    "autorecovery": "AutoRecovery disk",
    "guest-snapshot": "Guest snapshot",
    "shadow": "Shadow copy",
    "lun-snapshot": "SAN snapshot",
    "rct": ".rct/.mrt",
    "reference-point": "Reference point",
}
ARTIFACT_SLOTS: dict[str, tuple[float, float, float, float]] = {
    "vhdx": (36.4, 12.4, 14.2, 2.0),
    "avhdx": (36.4, 14.6, 14.2, 2.0),
    "autorecovery": (36.4, 16.8, 14.2, 2.0),
    "rct": (36.4, 19.0, 14.2, 2.0),
    "reference-point": (36.4, 21.2, 14.2, 2.0),
    "shadow": (36.4, 7.5, 14.2, 2.0),
    "lun-snapshot": (36.4, 7.5, 14.2, 2.0),
    "guest-snapshot": (2.5, 23.4, 7.6, 2.0),
}
CONTAINER_ACTORS = {"csv-lun"}
DISK_FILES = ("vhdx", "avhdx", "autorecovery", "rct", "reference-point")


def _ease(t: float) -> float:
    t = max(0.0, min(1.0, t))
    return t * t * (3 - 2 * t)


@dataclass
class _Path:
    points: list[QPointF]

    def length(self) -> float:
        return sum(
            math.dist((a.x(), a.y()), (b.x(), b.y()))
            for a, b in zip(self.points, self.points[1:], strict=False)
        )

    def at(self, t: float) -> QPointF:
        """The point at fraction ``t`` of the path's length."""
        total = self.length()
        if total <= 0 or len(self.points) < 2:
            return self.points[0]
        goal = total * max(0.0, min(1.0, t))
        for a, b in zip(self.points, self.points[1:], strict=False):
            d = math.dist((a.x(), a.y()), (b.x(), b.y()))
            if goal <= d and d > 0:
                f = goal / d
                return QPointF(a.x() + (b.x() - a.x()) * f, a.y() + (b.y() - a.y()) * f)
            goal -= d
        return self.points[-1]


class BackupDiagram(QWidget):
    """Draws one frame of the explainer: ``set_frame(flow, variant, stage_index, progress)``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Backup diagram")
        self._flow: Flow = get_flow("2012r2")
        self._variant = Variant()
        self._stage_index = 0
        self._progress = 1.0
        self._failed = False
        self._failure_text = ""
        self._failure_actor: str | None = None
        self._failure_note = ""
        self._vm_name = "VM001"
        self._views: tuple[StageView, ...] = ()
        self._refresh_views()

    # -- what to show --------------------------------------------------------------------------
    def set_frame(self, flow: Flow, variant: Variant, stage_index: int, progress: float) -> None:
        changed = flow is not self._flow or variant != self._variant
        self._flow, self._variant = flow, variant.effective()
        if changed:
            self._refresh_views()
        self._stage_index = max(0, min(stage_index, len(self._flow.stages) - 1))
        self._progress = max(0.0, min(1.0, progress))
        self.update()

    def set_failure(self, failed: bool, text: str = "", actor: str | None = None, note: str = "") -> None:
        """Show the stage as the one a backup failed at; ``actor`` (if known) is the one at fault."""
        self._failed, self._failure_text = failed, text
        self._failure_actor, self._failure_note = (actor, note) if failed else (None, "")
        self.update()

    def set_vm_name(self, name: str) -> None:
        self._vm_name = name or "VM001"
        self.update()

    @property
    def progress(self) -> float:
        return self._progress

    def _refresh_views(self) -> None:
        self._views = tuple(s.view(self._variant) for s in self._flow.stages)

    def current_view(self) -> StageView:
        return self._views[self._stage_index]

    def beat_position(self) -> tuple[int, float]:
        """(index of the beat in progress, its own progress 0..1); index == len(beats) when done."""
        beats = self.current_view().beats
        if not beats or self._progress >= 1.0:
            return len(beats), 1.0
        x = self._progress * len(beats)
        return int(x), x - int(x)

    # -- size ------------------------------------------------------------------------------------
    def _em(self) -> float:
        return QFontMetricsF(self.font()).height()

    def sizeHint(self) -> QSize:
        em = self._em()
        return QSize(int(CANVAS_W * em * 0.9), int(CANVAS_H * em * 0.9))

    def minimumSizeHint(self) -> QSize:
        em = self._em()
        return QSize(int(CANVAS_W * em * 0.5), int(CANVAS_H * em * 0.5))

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return int(width * CANVAS_H / CANVAS_W)

    # -- geometry helpers -------------------------------------------------------------------------
    def _rect(self, box: tuple[float, float, float, float]) -> QRectF:
        x, y, w, h = box
        return QRectF(x, y, w, h)

    def _actors(self) -> tuple[str, ...]:
        return self._flow.actors_for(self._variant)

    def _actor_rect(self, actor: str) -> QRectF:
        return self._rect(BOXES[actor])

    def _anchor(self, actor: str, other: str) -> QRectF:
        """Where arrows to and from an actor attach. The volume's arrows meet its snapshot area."""
        if actor == "csv-lun":
            return self._rect(SNAPSHOT_ROW)
        return self._actor_rect(actor)

    def _obstacles(self, skip: set[str]) -> list[QRectF]:
        out = []
        for a in self._actors():
            if a in skip or a in CONTAINER_ACTORS:
                continue
            out.append(self._actor_rect(a).adjusted(-0.3, -0.3, 0.3, 0.3))
        return out

    def _route(self, beat: Beat, beats: tuple[Beat, ...] = ()) -> _Path:
        """A straight line between the two actors, or the least bowed curve that avoids other boxes.
        Messages both ways between the same two actors run side by side."""
        src, dst = self._anchor(beat.source, beat.target), self._anchor(beat.target, beat.source)
        a, b = src.center(), dst.center()
        if any(o.source == beat.target and o.target == beat.source for o in beats):
            ddx, ddy = b.x() - a.x(), b.y() - a.y()
            n = math.hypot(ddx, ddy) or 1.0
            side = 0.45 if beat.source < beat.target else -0.45
            shift = QPointF(-ddy / n * side, ddx / n * side)
            a, b = a + shift, b + shift
        if beat.source == beat.target:
            b = QPointF(b.x() + 0.01, b.y())
        skip = {beat.source, beat.target}
        obstacles = self._obstacles(skip)
        dx, dy = b.x() - a.x(), b.y() - a.y()
        norm = math.hypot(dx, dy) or 1.0
        px, py = -dy / norm, dx / norm
        best: tuple[int, list[QPointF]] | None = None
        for k in (0.0, 2.5, -2.5, 5.0, -5.0, 7.5, -7.5, 10.0, -10.0, 13.0, -13.0):
            ctrl = QPointF((a.x() + b.x()) / 2 + px * 2 * k, (a.y() + b.y()) / 2 + py * 2 * k)
            pts = [_quad(a, ctrl, b, i / 48) for i in range(49)]
            pts = [p for p in pts if not src.contains(p) and not dst.contains(p)] or pts
            hits = sum(1 for p in pts for o in obstacles if o.contains(p))
            inside = all(0 <= p.x() <= CANVAS_W and 0 <= p.y() <= CANVAS_H for p in pts)
            score = hits + (0 if inside else 100)
            if best is None or score < best[0]:
                best = (score, pts)
            if score == 0:
                break
        assert best is not None
        return _Path(best[1])

    # -- painting ---------------------------------------------------------------------------------
    def paintEvent(self, event: object) -> None:  # noqa: N802 - Qt name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        p.fillRect(self.rect(), role(pal, R.Window))
        em = self._em()
        scale = min(self.width() / (CANVAS_W * em), self.height() / (CANVAS_H * em))
        ox = (self.width() - CANVAS_W * em * scale) / 2
        oy = 0.0  # top-aligned: the controls sit right above
        p.translate(ox, oy)
        p.scale(scale * em, scale * em)  # from here on, one unit is one em
        self._paint(p, pal)
        p.end()

    def _font(self, size: float = 1.0, bold: bool = False) -> QFont:
        """The widget's font at ``size`` times its size (for text drawn through ``_draw_text``)."""
        f = QFont(self.font())
        if f.pointSizeF() > 0:
            f.setPointSizeF(f.pointSizeF() * size)
        else:
            f.setPixelSize(max(1, round(f.pixelSize() * size)))
        f.setBold(bold)
        return f

    def _draw_text(
        self, p: QPainter, rect: QRectF, text: str, font: QFont, color: QColor, flags: int
    ) -> None:
        """Text at its real font size: the painter's em scaling is undone around it, so glyphs are laid
        out at normal sizes (tiny fonts scaled up lay out badly)."""
        em = self._em()
        p.save()
        p.scale(1 / em, 1 / em)
        p.setFont(font)
        p.setPen(color)
        # drawText(rect, text, QTextOption): the (rect, flags, text) overload leaks a reference to None in
        # some PySide6 releases, which crashes after enough calls
        option = QTextOption(
            Qt.AlignmentFlag(
                flags & int(Qt.AlignmentFlag.AlignHorizontal_Mask | Qt.AlignmentFlag.AlignVertical_Mask)
            )
        )
        option.setWrapMode(
            QTextOption.WrapMode.WordWrap
            if flags & int(Qt.TextFlag.TextWordWrap)
            else QTextOption.WrapMode.NoWrap
        )
        p.drawText(QRectF(rect.x() * em, rect.y() * em, rect.width() * em, rect.height() * em), text, option)
        p.restore()

    def _text(
        self,
        p: QPainter,
        rect: QRectF,
        text: str,
        size: float = 1.0,
        bold: bool = False,
        color: QColor | None = None,
        flags: int = 0,
    ) -> None:
        self._draw_text(
            p,
            rect,
            text,
            self._font(size, bold),
            color or role(self.palette(), R.Text),
            flags or int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
        )

    def _paint(self, p: QPainter, pal: QPalette) -> None:
        view = self.current_view()
        beats = view.beats
        beat_index, local = self.beat_position()
        before = state_before(self._flow, self._stage_index, min(beat_index, len(beats)), self._variant)
        after = before.apply(beats[beat_index]) if beat_index < len(beats) else before
        change = _ease((local - 0.45) / 0.55) if beat_index < len(beats) else 1.0
        active = set(view.actors)
        current = beats[beat_index] if beat_index < len(beats) else None
        text = role(pal, R.Text)
        highlight = role(pal, R.Highlight)
        failure = signal("failure", pal)

        # containers
        self._container(p, self._rect(HOST_BOX), "Hyper-V host", pal)
        self._container(p, self._rect(VM_BOX), "", pal)
        self._text(
            p,
            self._rect(VM_TITLE_BOX),
            f"Virtual machine {self._vm_name}",
            0.85,
            True,
            with_alpha(role(pal, R.Text), 0.75),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
        )

        # arrows of this stage: the finished ones, then the one in progress
        done = beats[:beat_index]
        routes = [self._route(b, beats) for b in beats]
        for i in range(len(done)):
            self._arrow(p, routes[i], with_alpha(text, 0.45), 0.09)
        if current is not None:
            self._arrow(p, routes[beat_index], highlight, 0.14)

        # actors
        def fault(actor: str) -> QColor | None:
            if not self._failed:
                return None
            if self._failure_actor is not None:
                return failure if actor == self._failure_actor else None
            return failure if actor in active else None

        for actor in self._actors():
            if actor == "vm-disks":
                continue  # drawn inside the volume, after it
            self._actor(p, actor, actor in active, current, pal, fault(actor))
        self._actor(p, "vm-disks", "vm-disks" in active, current, pal, fault("vm-disks"))

        # artifacts (files and snapshots)
        self._artifacts(p, before, after, change, pal)

        # frozen actors
        for actor in self._actors():
            f0, f1 = actor in before.frozen, actor in after.frozen
            amount = (1.0 if f1 else 0.0) * change + (1.0 if f0 else 0.0) * (1 - change)
            if amount > 0.01:
                self._frost(p, actor, amount, pal)

        # labels: finished beats keep theirs where there is room (else a numbered badge); the current
        # one is always shown
        placed: list[QRectF] = []
        badges: list[tuple[int, _Path]] = []
        avoid = self._label_obstacles(after)
        for i, b in enumerate(done):
            rect = self._label(p, routes[i], f"{i + 1}  {b.label}", pal, placed, avoid, False)
            if rect is None:
                badges.append((i, routes[i]))
            else:
                placed.append(rect)
        if current is not None:
            token_t = _ease(local / 0.65)
            pos = routes[beat_index].at(token_t)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(with_alpha(highlight, 0.25))
            p.drawEllipse(pos, 0.75, 0.75)
            p.setBrush(highlight)
            p.drawEllipse(pos, 0.42, 0.42)
            rect = self._label(
                p, routes[beat_index], f"{beat_index + 1}  {current.label}", pal, placed, avoid, True
            )
            if rect is not None:
                placed.append(rect)
        for i, path in badges:
            self._badge(p, path, i + 1, pal, placed, avoid)

        self._legend(p, pal)
        if self._failed:
            self._banner(p, pal)

    # -- pieces -----------------------------------------------------------------------------------
    def _container(
        self,
        p: QPainter,
        rect: QRectF,
        title: str,
        pal: QPalette,
        title_at_bottom: bool = False,
        border: QColor | None = None,
        width: float = 0.06,
    ) -> None:
        fill = mix(role(pal, R.Window), role(pal, R.Text), 0.04)
        p.setPen(
            QPen(
                border or with_alpha(role(pal, R.Text), 0.35),
                width,
                Qt.PenStyle.DashLine if border is None else Qt.PenStyle.SolidLine,
            )
        )
        p.setBrush(fill)
        p.drawRoundedRect(rect, 0.6, 0.6)
        title_rect = QRectF(
            rect.x() + 0.6,
            rect.bottom() - 1.7 if title_at_bottom else rect.y() + 0.15,
            rect.width() - 1.2,
            1.5,
        )
        self._text(
            p,
            title_rect,
            title,
            0.85,
            True,
            with_alpha(role(pal, R.Text), 0.75),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
        )

    def _actor_label(self, actor: str) -> tuple[str, str]:
        a = get_actor(actor)
        sub = ""
        if actor == "vss-provider":
            sub = "hardware (SAN array)" if self._variant.provider == "hardware" else "software (Microsoft)"
        elif actor == "hv-writer":
            sub = "in VMMS"
        elif actor == "vmms":
            sub = "WMI checkpoints"
        elif actor == "ic-provider":
            sub = "vmicvss, in the VM"
        elif actor == "guest":
            sub = "VSS and app writers"
        elif actor == "offhost-proxy":
            sub = "reads the SAN snapshot"
        short = a.short
        if actor == "guest":
            short = "Guest OS"
        if actor == "csv-lun":
            short = (
                "Volume: CSV on a SAN LUN"
                if self._variant.provider == "hardware"
                else "Volume: CSV / local disk"
            )
        return short, sub

    def _actor(
        self,
        p: QPainter,
        actor: str,
        active: bool,
        current: Beat | None,
        pal: QPalette,
        failure: QColor | None,
    ) -> None:
        rect = self._actor_rect(actor)
        text, base, highlight = role(pal, R.Text), role(pal, R.Base), role(pal, R.Highlight)
        talking = current is not None and actor in (current.source, current.target)
        name, sub = self._actor_label(actor)
        if actor in CONTAINER_ACTORS:
            border = failure or (highlight if active else None)
            self._container(p, rect, name, pal, border=border, width=0.14 if active else 0.06)
            return
        fill = base
        if active:
            fill = mix(base, highlight, 0.22 if talking else 0.10)
        at_fault = failure is not None and actor == self._failure_actor
        if at_fault and failure is not None:
            fill = mix(base, failure, 0.16)
            if self._failure_note:
                sub = self._failure_note
        border = failure or (highlight if active else with_alpha(text, 0.3))
        p.setPen(
            QPen(
                border,
                0.22 if at_fault else 0.16 if active else 0.07,
                Qt.PenStyle.DashLine if at_fault else Qt.PenStyle.SolidLine,
            )
        )
        p.setBrush(fill)
        p.drawRoundedRect(rect, 0.5, 0.5)
        if at_fault and failure is not None:
            self._cross(p, QPointF(rect.right() - 0.1, rect.top() + 0.1), failure, pal)
        color = text if active else with_alpha(text, 0.6)
        if actor == "vm-disks":
            self._text(
                p,
                QRectF(rect.x() + 0.4, rect.y() + 0.2, rect.width() - 0.8, 1.6),
                name,
                0.95,
                True,
                color,
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            )
            return
        if actor == "guest":
            self._text(
                p, QRectF(rect.x() + 0.3, rect.y() + 0.3, rect.width() - 0.6, 1.5), name, 1.0, True, color
            )
            self._text(
                p, QRectF(rect.x() + 0.3, rect.y() + 1.7, rect.width() - 0.6, 2.4), sub, 0.85, False, color
            )
            return
        if sub:
            self._text(
                p,
                QRectF(rect.x() + 0.3, rect.y() + 0.2, rect.width() - 0.6, rect.height() * 0.6),
                name,
                0.95,
                True,
                color,
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom | Qt.TextFlag.TextWordWrap),
            )
            self._text(
                p,
                QRectF(
                    rect.x() + 0.3,
                    rect.y() + rect.height() * 0.6,
                    rect.width() - 0.6,
                    rect.height() * 0.4 - 0.1,
                ),
                sub,
                0.8,
                at_fault,
                failure if at_fault and failure else with_alpha(color, 0.8),
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop),
            )
        else:
            self._text(p, rect.adjusted(0.3, 0.2, -0.3, -0.2), name, 0.95, True, color)

    def _artifact_rect(self, artifact: str, state: DiagramState) -> QRectF:
        actor = state.attached_to(artifact)
        slot = self._rect(ARTIFACT_SLOTS[artifact])
        if actor is None and artifact in DISK_FILES:
            # the VM's files stack without gaps, in a fixed order
            shown = [a for a in DISK_FILES if a in state.visible and state.attached_to(a) is None]
            first = self._rect(ARTIFACT_SLOTS[DISK_FILES[0]])
            index = shown.index(artifact) if artifact in shown else len(shown)
            return QRectF(first.x(), first.y() + index * 2.2, first.width(), first.height())
        if actor is None:
            return slot
        if actor == "vscsi":
            return self._rect(ATTACHED_SLOT)
        target = self._actor_rect(actor)
        w = min(slot.width(), target.width() - 0.6)
        return QRectF(target.center().x() - w / 2, target.bottom() + 0.25, w, slot.height())

    def _artifacts(
        self, p: QPainter, before: DiagramState, after: DiagramState, change: float, pal: QPalette
    ) -> None:
        merged_into = dict(after.merged) if after is not before else {}
        for artifact in ARTIFACT_SLOTS:
            v0, v1 = artifact in before.visible, artifact in after.visible
            if not v0 and not v1:
                continue
            r0 = self._artifact_rect(artifact, before)
            r1 = self._artifact_rect(artifact, after)
            if artifact in merged_into and v0 and not v1:
                r1 = self._artifact_rect(merged_into[artifact], after)
            alpha = 1.0 if v0 and v1 else (change if v1 else 1 - change)
            rect = QRectF(
                r0.x() + (r1.x() - r0.x()) * change,
                r0.y() + (r1.y() - r0.y()) * change,
                r0.width() + (r1.width() - r0.width()) * change,
                r0.height(),
            )
            appearing = v1 and not v0
            self._file(p, rect, artifact, alpha, pal, appearing and change < 1.0)

    def _file(
        self, p: QPainter, rect: QRectF, artifact: str, alpha: float, pal: QPalette, glow: bool
    ) -> None:
        if alpha <= 0.01:
            return
        accent = signal(artifact, pal)
        base, text = role(pal, R.Base), role(pal, R.Text)
        p.save()
        p.setOpacity(alpha)
        if glow:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(with_alpha(accent, 0.25))
            p.drawRoundedRect(rect.adjusted(-0.35, -0.35, 0.35, 0.35), 0.5, 0.5)
        p.setPen(QPen(accent, 0.1))
        p.setBrush(mix(base, accent, 0.16))
        p.drawRoundedRect(rect, 0.3, 0.3)
        # a small document (or disk) icon
        icon = QRectF(rect.x() + 0.35, rect.y() + 0.3, 1.1, rect.height() - 0.6)
        fold = 0.35
        poly = QPolygonF(
            [
                QPointF(icon.left(), icon.top()),
                QPointF(icon.right() - fold, icon.top()),
                QPointF(icon.right(), icon.top() + fold),
                QPointF(icon.right(), icon.bottom()),
                QPointF(icon.left(), icon.bottom()),
            ]
        )
        p.setBrush(mix(base, accent, 0.45))
        p.drawPolygon(poly)
        name = get_artifact(artifact).name.replace("VM001", self._vm_name)
        room = QRectF(icon.right() + 0.35, rect.y(), rect.width() - icon.width() - 0.9, rect.height())
        font = self._font(0.82)
        em = self._em()
        if QFontMetricsF(font).horizontalAdvance(name) / em > room.width():
            name = ARTIFACT_SHORT.get(artifact, name)
            if QFontMetricsF(font).horizontalAdvance(name) / em > room.width():
                font = self._font(0.72)
                name = QFontMetricsF(font).elidedText(name, Qt.TextElideMode.ElideRight, room.width() * em)
        self._draw_text(
            p, room, name, font, text, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        )
        p.restore()

    def _frost(self, p: QPainter, actor: str, amount: float, pal: QPalette) -> None:
        rect = self._actor_rect(actor)
        frozen = signal("frozen", pal)
        p.save()
        p.setPen(QPen(with_alpha(frozen, amount), 0.16, Qt.PenStyle.DashLine))
        p.setBrush(with_alpha(frozen, 0.16 * amount))
        p.drawRoundedRect(rect, 0.5, 0.5)
        # a snowflake badge, drawn (fonts may lack the glyph)
        c = QPointF(rect.right() - 0.15, rect.top() + 0.15)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(with_alpha(role(pal, R.Base), amount))
        p.drawEllipse(c, 0.85, 0.85)
        p.setPen(QPen(with_alpha(frozen, amount), 0.12, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        for k in range(3):
            ang = math.pi / 3 * k + math.pi / 2
            dx, dy = math.cos(ang) * 0.6, math.sin(ang) * 0.6
            p.drawLine(QPointF(c.x() - dx, c.y() - dy), QPointF(c.x() + dx, c.y() + dy))
        label = QRectF(rect.right() - 5.6, rect.top() - 0.6, 4.0, 1.1)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(with_alpha(role(pal, R.Base), 0.9 * amount))
        p.drawRoundedRect(label, 0.3, 0.3)
        p.setOpacity(amount)
        self._text(p, label, "frozen", 0.75, True, frozen)
        p.restore()

    def _arrow(self, p: QPainter, path: _Path, color: QColor, width: float) -> None:
        pts = path.points
        if len(pts) < 2:
            return
        qp = QPainterPath(pts[0])
        for pt in pts[1:]:
            qp.lineTo(pt)
        p.setPen(
            QPen(color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        )
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(qp)
        tip, prev = pts[-1], pts[-4] if len(pts) > 4 else pts[0]
        ang = math.atan2(tip.y() - prev.y(), tip.x() - prev.x())
        size = 0.55 + width
        head = QPolygonF(
            [
                tip,
                QPointF(tip.x() - size * math.cos(ang - 0.45), tip.y() - size * math.sin(ang - 0.45)),
                QPointF(tip.x() - size * math.cos(ang + 0.45), tip.y() - size * math.sin(ang + 0.45)),
            ]
        )
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawPolygon(head)

    def _label_obstacles(self, state: DiagramState) -> list[QRectF]:
        boxes = [self._actor_rect(a) for a in self._actors() if a not in CONTAINER_ACTORS]
        boxes += [self._rect(LEGEND_BOX), self._rect(VM_TITLE_BOX)]
        boxes += [
            QRectF(HOST_BOX[0], HOST_BOX[1], 8.0, 1.6),
            QRectF(BOXES["csv-lun"][0], BOXES["csv-lun"][1], 14.0, 1.6),
        ]
        boxes += [self._artifact_rect(a, state) for a in state.visible if a in ARTIFACT_SLOTS]
        return boxes

    def _label(
        self,
        p: QPainter,
        path: _Path,
        text: str,
        pal: QPalette,
        placed: list[QRectF],
        avoid: list[QRectF],
        current: bool,
    ) -> QRectF | None:
        """A pill with the message next to its arrow, where it covers no box and no other label. Finished
        messages without such a place get None (the caller draws a number instead)."""
        font = self._font(0.82, current)
        fm = QFontMetricsF(font)
        em = self._em()
        w = fm.horizontalAdvance(text) / em + 0.9
        h = fm.height() / em + 0.3
        a, b = path.points[0], path.points[-1]
        n = math.hypot(b.x() - a.x(), b.y() - a.y()) or 1.0
        px, py = -(b.y() - a.y()) / n, (b.x() - a.x()) / n
        best: tuple[float, QRectF] | None = None
        for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
            for off in (0.0, 1.1, -1.1, 2.0, -2.0, 3.0, -3.0):
                c = path.at(t)
                r = QRectF(c.x() + px * off - w / 2, c.y() + py * off - h / 2, w, h)
                if (
                    r.left() < 0.1
                    or r.top() < 0.1
                    or r.right() > CANVAS_W - 0.1
                    or r.bottom() > CANVAS_H - 0.1
                ):
                    continue
                hits = sum(3 for o in placed if o.intersects(r)) + sum(1 for o in avoid if o.intersects(r))
                score = hits * 10 + abs(off) + abs(t - 0.5)
                if best is None or score < best[0]:
                    best = (score, r)
        if best is None or (best[0] >= 10 and not current):
            return None
        rect = best[1]
        highlight, base, text_color = role(pal, R.Highlight), role(pal, R.Base), role(pal, R.Text)
        p.setPen(QPen(highlight if current else with_alpha(text_color, 0.35), 0.08))
        p.setBrush(mix(base, highlight, 0.12) if current else base)
        p.drawRoundedRect(rect, h / 2, h / 2)
        self._draw_text(p, rect, text, font, text_color, int(Qt.AlignmentFlag.AlignCenter))
        return rect

    def _badge(
        self, p: QPainter, path: _Path, number: int, pal: QPalette, taken: list[QRectF], avoid: list[QRectF]
    ) -> None:
        """A numbered circle on the arrow, where it covers no label and no other number."""
        a, b = path.points[0], path.points[-1]
        n = math.hypot(b.x() - a.x(), b.y() - a.y()) or 1.0
        px, py = -(b.y() - a.y()) / n, (b.x() - a.x()) / n
        best: tuple[float, QRectF] | None = None
        for t in (0.5, 0.35, 0.65, 0.25, 0.75, 0.15, 0.85):
            for off in (0.0, 0.8, -0.8, 1.4, -1.4, 2.0, -2.0):
                c = path.at(t)
                r = QRectF(c.x() + px * off - 0.62, c.y() + py * off - 0.62, 1.24, 1.24)
                score = (
                    sum(10 for o in taken if o.intersects(r))
                    + sum(4 for o in avoid if o.intersects(r))
                    + off
                    + abs(t - 0.5)
                )
                if best is None or score < best[0]:
                    best = (score, r)
        assert best is not None
        r = best[1]
        taken.append(r)
        text = role(pal, R.Text)
        p.setPen(QPen(with_alpha(text, 0.5), 0.07))
        p.setBrush(role(pal, R.Base))
        p.drawEllipse(r)
        self._text(p, r, str(number), 0.75, True, text)

    def _legend(self, p: QPainter, pal: QPalette) -> None:
        r = self._rect(LEGEND_BOX)
        text = role(pal, R.Text)
        self._text(
            p,
            QRectF(r.x(), r.y(), r.width(), 1.4),
            "Legend",
            0.8,
            True,
            with_alpha(text, 0.75),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
        )
        rows = [
            ("message", role(pal, R.Highlight)),
            ("frozen", signal("frozen", pal)),
            ("new file", signal("avhdx", pal)),
            ("snapshot", signal("shadow", pal)),
        ]
        if self._failed:
            rows.append(("failed here", signal("failure", pal)))
        y = r.y() + 1.5
        for label, color in rows:
            p.setPen(QPen(color, 0.14))
            p.setBrush(with_alpha(color, 0.2))
            if label == "message":
                p.drawLine(QPointF(r.x() + 0.2, y + 0.6), QPointF(r.x() + 1.6, y + 0.6))
            else:
                p.drawRoundedRect(QRectF(r.x() + 0.2, y + 0.15, 1.4, 0.9), 0.2, 0.2)
            self._text(
                p,
                QRectF(r.x() + 2.0, y, r.width() - 2.0, 1.2),
                label,
                0.78,
                False,
                text,
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            )
            y += 1.25

    def _cross(self, p: QPainter, c: QPointF, color: QColor, pal: QPalette) -> None:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawEllipse(c, 0.75, 0.75)
        p.setPen(QPen(role(pal, R.Base), 0.18, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        d = 0.32
        p.drawLine(QPointF(c.x() - d, c.y() - d), QPointF(c.x() + d, c.y() + d))
        p.drawLine(QPointF(c.x() - d, c.y() + d), QPointF(c.x() + d, c.y() - d))

    def _banner(self, p: QPainter, pal: QPalette) -> None:
        """The failure, top left: the smallest font down to 0.7 that fits the box."""
        text = self._failure_text or "The backup failed at this stage"
        rect = QRectF(0.3, 0.4, 12.4, 3.4)
        em = self._em()
        inner = rect.adjusted(0.4, 0.2, -0.4, -0.2)
        font = self._font(0.7, True)
        for size in (0.9, 0.85, 0.8, 0.75, 0.7):
            font = self._font(size, True)
            need = QFontMetricsF(font).boundingRect(
                QRectF(0, 0, inner.width() * em, 1e6), int(Qt.TextFlag.TextWordWrap), text
            )
            if need.height() <= inner.height() * em:
                break
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(signal("failure-banner", pal))
        p.drawRoundedRect(rect, 0.4, 0.4)
        self._draw_text(
            p,
            inner,
            text,
            font,
            QColor("#ffffff"),
            int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap),
        )


def _quad(a: QPointF, c: QPointF, b: QPointF, t: float) -> QPointF:
    u = 1 - t
    return QPointF(
        u * u * a.x() + 2 * u * t * c.x() + t * t * b.x(), u * u * a.y() + 2 * u * t * c.y() + t * t * b.y()
    )
