"""The "How a backup works" page: a diagram of the actors, stepped or played stage by stage, a stage
list, and a narrative in plain words with "what you would see". It also shows a live follow or a
replay of a VM's backup: the stages it reached, and where and why it failed.

Public API (for the main window):

* ``BackupExplainerPage(parent=None)``
* ``set_flow("2012r2" | "2016")``, ``set_variant(provider, proxy)``
* ``show_stage(stage_id, animate=True)``, ``step(+1 | -1)``, ``play()``, ``pause()``
* ``show_timeline(timeline)``: a ``BackupTimeline`` (replay or finished follow), its ``to_json()``,
  or the list of follow lines
* ``follow_update(line)``: one line of a live follow as it arrives (stage change or result)
* ``set_live_stage(stage_id, failed_cause=None, failed=False)``; ``clear_live()``
* signals ``stageChanged(str)`` and ``causeActivated(str)`` (the user asks for the diagnosis of a cause)
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtCore import QEasingCurve, QSize, Qt, QTimer, QUrl, QVariantAnimation, Signal
from PySide6.QtGui import QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from hvassist.gui.explainer.diagram import BackupDiagram
from hvassist.gui.explainer.theme import mix, role, signal
from hvassist.stages.model import (
    Flow,
    Variant,
    cause_title,
    causes_for_stage,
    get_actor,
    get_flow,
    get_stage,
)
from hvassist.stages.timeline import BackupTimeline, StageMark, stages_up_to

FLOW_LABELS = {"2012r2": "Windows Server 2012 R2", "2016": "Windows Server 2016 and later"}
PROVIDER_LABELS = {"software": "Software provider (Microsoft)", "hardware": "Hardware provider (SAN)"}
PROXY_LABELS = {"on-host": "The Hyper-V host (on-host)", "off-host": "An off-host proxy server"}
BEAT_MS, MIN_STAGE_MS, HOLD_MS = 1300, 2200, 1100


class BackupExplainerPage(QWidget):
    stageChanged = Signal(str)  # noqa: N815 - Qt signal naming
    causeActivated = Signal(str)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("How a backup works")
        self._flow: Flow = get_flow("2012r2")
        self._variant = Variant()
        self._index = 0
        self._playing = False
        self._timeline: BackupTimeline | None = None
        self._build()
        self._anim = QVariantAnimation(self)
        self._anim.setStartValue(0.0)
        self._anim.setEndValue(1.0)
        self._anim.setEasingCurve(QEasingCurve.Type.Linear)
        self._anim.valueChanged.connect(self._on_anim_value)
        self._anim.finished.connect(self._on_anim_finished)
        self._hold = QTimer(self)
        self._hold.setSingleShot(True)
        self._hold.timeout.connect(self._play_next)
        self._shortcuts()
        self._fill_stage_list()
        self._render(1.0)

    # -- building ---------------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.flow_box = self._combo(bar, "&Windows version:", "Windows version", FLOW_LABELS)
        self.provider_box = self._combo(bar, "&Snapshot made by:", "VSS provider", PROVIDER_LABELS)
        self.proxy_box = self._combo(bar, "Data &read by:", "Where the backup data is read", PROXY_LABELS)
        bar.addStretch(1)
        outer.addLayout(bar)

        self.live_frame = QFrame(self)
        self.live_frame.setFrameShape(QFrame.Shape.StyledPanel)
        live = QHBoxLayout(self.live_frame)
        self.live_label = QLabel(self.live_frame)
        self.live_label.setWordWrap(True)
        self.live_label.setTextFormat(Qt.TextFormat.PlainText)
        self.live_label.setAccessibleName("Followed backup")
        self.diagnosis_button = QPushButton("Show the &diagnosis", self.live_frame)
        self.diagnosis_button.setAccessibleName("Show the diagnosis for this cause")
        self.diagnosis_button.clicked.connect(self._activate_cause)
        self.clear_button = QPushButton("&Close", self.live_frame)
        self.clear_button.setAccessibleName("Stop showing the followed backup")
        self.clear_button.clicked.connect(self.clear_live)
        live.addWidget(self.live_label, 1)
        live.addWidget(self.diagnosis_button)
        live.addWidget(self.clear_button)
        self.live_frame.hide()
        outer.addWidget(self.live_frame)

        split = QSplitter(Qt.Orientation.Horizontal, self)
        left = QWidget(split)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        self.diagram = BackupDiagram(left)
        controls = QHBoxLayout()
        self.back_button = QPushButton("\u25c0  &Back", left)
        self.back_button.setAccessibleName("Previous stage")
        self.back_button.setToolTip("Previous stage (Left arrow)")
        self.play_button = QPushButton(left)
        self.play_button.setToolTip("Play or pause (Space)")
        self.next_button = QPushButton("&Next  \u25b6", left)
        self.next_button.setAccessibleName("Next stage")
        self.next_button.setToolTip("Next stage (Right arrow)")
        self.position_label = QLabel(left)
        self.position_label.setAccessibleName("Stage position")
        self.back_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.play_button.clicked.connect(self.toggle_play)
        controls.addWidget(self.back_button)
        controls.addWidget(self.play_button)
        controls.addWidget(self.next_button)
        controls.addSpacing(12)
        controls.addWidget(self.position_label, 1)
        lv.addLayout(controls)
        lv.addWidget(self.diagram, 1)
        self.stage_list = QListWidget(left)
        self.stage_list.setAccessibleName("Backup stages")
        self.stage_list.setWordWrap(True)
        self.stage_list.currentRowChanged.connect(self._on_row)
        lv.addWidget(self.stage_list)

        self.narrative = QTextBrowser(split)
        self.narrative.setAccessibleName("What happens in this stage")
        self.narrative.setOpenLinks(False)
        self.narrative.anchorClicked.connect(self._on_link)
        split.addWidget(left)
        split.addWidget(self.narrative)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        em = self.fontMetrics().height()
        split.setSizes([int(52 * em), int(26 * em)])
        outer.addWidget(split, 1)
        self._splitter = split

        self.flow_box.currentIndexChanged.connect(self._on_flow_box)
        self.provider_box.currentIndexChanged.connect(self._on_variant_box)
        self.proxy_box.currentIndexChanged.connect(self._on_variant_box)
        for a, b in (
            (self.flow_box, self.provider_box),
            (self.provider_box, self.proxy_box),
            (self.proxy_box, self.back_button),
            (self.back_button, self.play_button),
            (self.play_button, self.next_button),
            (self.next_button, self.stage_list),
            (self.stage_list, self.narrative),
            (self.narrative, self.diagnosis_button),
            (self.diagnosis_button, self.clear_button),
        ):
            QWidget.setTabOrder(a, b)
        self._update_play_button()

    def _combo(self, layout: QHBoxLayout, label: str, accessible: str, items: Mapping[str, str]) -> QComboBox:
        lab = QLabel(label, self)
        box = QComboBox(self)
        box.setAccessibleName(accessible)
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for key, text in items.items():
            box.addItem(text, key)
        lab.setBuddy(box)
        layout.addWidget(lab)
        layout.addWidget(box)
        layout.addSpacing(8)
        return box

    def _shortcuts(self) -> None:
        ctx = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for key, slot in (
            (Qt.Key.Key_Left, lambda: self.step(-1)),
            (Qt.Key.Key_Right, lambda: self.step(1)),
            (Qt.Key.Key_Home, lambda: self._jump(0)),
            (Qt.Key.Key_End, lambda: self._jump(len(self._flow.stages) - 1)),
            (Qt.Key.Key_Space, self._space),
        ):
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(ctx)
            sc.activated.connect(slot)

    def _space(self) -> None:
        # Space keeps its usual meaning on buttons and lists of choices
        w = QApplication.focusWidget()
        if isinstance(w, QAbstractButton):
            w.click()
        elif isinstance(w, QComboBox):
            w.showPopup()
        else:
            self.toggle_play()

    # -- public API --------------------------------------------------------------------------------
    @property
    def flow_id(self) -> str:
        return self._flow.id

    @property
    def variant(self) -> Variant:
        return self._variant

    def current_stage(self) -> str:
        return self._flow.stages[self._index].id

    def is_playing(self) -> bool:
        return self._playing

    def set_flow(self, flow_id: str) -> None:
        if flow_id == self._flow.id:
            return
        self._flow = get_flow(flow_id)
        self._index = 0
        self._select_combo(self.flow_box, flow_id)
        self._fill_stage_list()
        self._go(0, animate=False)

    def set_variant(self, provider: str = "software", proxy: str = "on-host") -> None:
        self._variant = Variant(provider, proxy).effective()  # type: ignore[arg-type]
        self._select_combo(self.provider_box, self._variant.provider)
        self._select_combo(self.proxy_box, self._variant.proxy)
        self._render(self.diagram.progress)

    def show_stage(self, stage_id: str, animate: bool = True, progress: float | None = None) -> None:
        """Jump to a stage (switching the flow if needed). ``progress`` fixes the animation frame."""
        stage = get_stage(stage_id)
        if stage.flow != self._flow.id:
            self.set_flow(stage.flow)
        self._go(stage.index, animate=animate and progress is None, progress=progress)

    def step(self, delta: int) -> None:
        target = self._index + delta
        if 0 <= target < len(self._flow.stages):
            self._go(target, animate=True)
        elif delta > 0:
            self.pause()

    def play(self) -> None:
        if self._index >= len(self._flow.stages) - 1 and self.diagram.progress >= 1.0:
            self._index = 0
        self._playing = True
        self._update_play_button()
        self._go(self._index, animate=True)

    def pause(self) -> None:
        self._playing = False
        self._hold.stop()
        if self._anim.state() == QVariantAnimation.State.Running:
            self._anim.stop()
            self._render(1.0)
        self._update_play_button()

    def toggle_play(self) -> None:
        if self._playing:
            self.pause()
        else:
            self.play()

    def show_timeline(
        self,
        timeline: BackupTimeline | Mapping[str, Any] | Iterable[Mapping[str, Any]],
        *,
        vm: str = "",
        host: str = "",
    ) -> None:
        """Show a replay or a finished follow: the stages reached, and where and why it failed."""
        if isinstance(timeline, BackupTimeline):
            tl = timeline
        elif isinstance(timeline, Mapping):
            tl = BackupTimeline.from_json(dict(timeline))
        else:
            tl = BackupTimeline.from_follow_lines([dict(x) for x in timeline], vm=vm, host=host)
        if vm:
            tl.vm = vm
        if host:
            tl.host = host
        self._timeline = tl
        self._show_timeline_stage(animate=False)

    def follow_update(self, line: Mapping[str, Any], *, vm: str = "", host: str = "") -> None:
        """One line of a live follow (``{"stage": ...}`` or the final ``{"result": ...}``)."""
        if self._timeline is None or self._timeline.finished:
            first_stage = line.get("stage")
            flow = get_stage(first_stage).flow if first_stage else self._flow.id
            self._timeline = BackupTimeline(flow=flow, vm=vm, host=host)
        tl = self._timeline
        if vm:
            tl.vm = vm
        if host:
            tl.host = host
        if "result" in line:
            tl.result = line["result"]
            tl.cause = line.get("cause")
            tl.degraded = line.get("degraded")
        elif line.get("stage"):
            tl.marks.append(
                StageMark(
                    str(line["stage"]),
                    line.get("time"),
                    [str(e) for e in line.get("evidence", [])],
                    bool(line.get("inferred")),
                )
            )
        self._show_timeline_stage(animate=not tl.finished or not tl.failed)

    def set_live_stage(
        self,
        stage_id: str,
        failed_cause: str | None = None,
        *,
        failed: bool = False,
        vm: str = "",
        host: str = "",
    ) -> None:
        """Show that a followed backup is at (or stopped at) ``stage_id``."""
        stage = get_stage(stage_id)
        tl = BackupTimeline(
            flow=stage.flow,
            vm=vm or (self._timeline.vm if self._timeline else ""),
            host=host or (self._timeline.host if self._timeline else ""),
        )
        for sid in stages_up_to(stage.flow, stage_id):
            tl.marks.append(StageMark(sid, None, [], inferred=sid != stage_id))
        if failed or failed_cause:
            tl.result, tl.cause = "failed", failed_cause
        self._timeline = tl
        self._show_timeline_stage(animate=not tl.failed)

    def clear_live(self) -> None:
        self._timeline = None
        self.diagram.set_failure(False)
        self.diagram.set_vm_name("")
        self._fill_stage_list()
        self._render(self.diagram.progress)

    def timeline(self) -> BackupTimeline | None:
        return self._timeline

    # -- navigation ----------------------------------------------------------------------------------
    def _go(self, index: int, animate: bool, progress: float | None = None) -> None:
        self._hold.stop()
        self._anim.stop()
        self._index = index
        self._select_row(index)
        beats = len(self._flow.stages[index].view(self._variant).beats)
        if animate:
            self._anim.setDuration(max(MIN_STAGE_MS, BEAT_MS * beats))
            self._render(0.0)
            self._anim.start()
        else:
            self._render(1.0 if progress is None else progress)
        self.stageChanged.emit(self.current_stage())

    def _jump(self, index: int) -> None:
        self._go(index, animate=True)

    def _on_anim_value(self, value: object) -> None:
        self.diagram.set_frame(self._flow, self._variant, self._index, float(value))  # type: ignore[arg-type]

    def _on_anim_finished(self) -> None:
        self._render(1.0)
        if self._playing:
            if self._index < len(self._flow.stages) - 1 and not self._stops_here(self._index):
                self._hold.start(HOLD_MS)
            else:
                self.pause()

    def _play_next(self) -> None:
        if self._playing and self._index < len(self._flow.stages) - 1:
            self._go(self._index + 1, animate=True)

    def _stops_here(self, index: int) -> bool:
        tl = self._timeline
        return bool(tl and tl.failed and tl.stage == self._flow.stages[index].id)

    def _show_timeline_stage(self, animate: bool) -> None:
        tl = self._timeline
        assert tl is not None
        if tl.flow != self._flow.id:
            self._flow = get_flow(tl.flow)
            self._select_combo(self.flow_box, tl.flow)
        self.diagram.set_vm_name(tl.vm)
        self._fill_stage_list()
        if tl.failed:
            self.pause()
        if tl.stage:
            self._go(get_stage(tl.stage).index, animate=animate)
        else:
            self._render(self.diagram.progress)

    # -- reacting to the controls ---------------------------------------------------------------------
    def _on_flow_box(self, _i: int) -> None:
        flow_id = self.flow_box.currentData()
        if flow_id and flow_id != self._flow.id:
            self.pause()
            self._flow = get_flow(flow_id)
            self._fill_stage_list()
            self._go(0, animate=False)

    def _on_variant_box(self, _i: int) -> None:
        provider = self.provider_box.currentData() or "software"
        proxy = self.proxy_box.currentData() or "on-host"
        if proxy == "off-host" and provider != "hardware":
            # an off-host backup needs a transportable snapshot, which only a hardware provider makes
            if self.sender() is self.provider_box:
                proxy = "on-host"
            else:
                provider = "hardware"
        self._variant = Variant(provider, proxy)
        self._select_combo(self.provider_box, provider)
        self._select_combo(self.proxy_box, proxy)
        self._render(self.diagram.progress if self._anim.state() != QVariantAnimation.State.Running else 1.0)

    def _on_row(self, row: int) -> None:
        if 0 <= row < len(self._flow.stages) and row != self._index:
            self._go(row, animate=True)

    def _on_link(self, url: QUrl) -> None:
        if url.scheme() == "cause":
            self.causeActivated.emit(url.path() or url.toString()[len("cause:") :])

    def _activate_cause(self) -> None:
        if self._timeline and self._timeline.cause:
            self.causeActivated.emit(self._timeline.cause)

    # -- showing -----------------------------------------------------------------------------------------
    def _select_combo(self, box: QComboBox, key: str) -> None:
        i = box.findData(key)
        if i >= 0 and i != box.currentIndex():
            box.blockSignals(True)
            box.setCurrentIndex(i)
            box.blockSignals(False)

    def _select_row(self, row: int) -> None:
        if self.stage_list.currentRow() != row:
            self.stage_list.blockSignals(True)
            self.stage_list.setCurrentRow(row)
            self.stage_list.blockSignals(False)

    def _fill_stage_list(self) -> None:
        self.stage_list.blockSignals(True)
        self.stage_list.clear()
        pal = self.palette()
        tl = self._timeline if self._timeline and self._timeline.flow == self._flow.id else None
        for s in self._flow.stages:
            mark = ""
            state = ""
            if tl is not None:
                if tl.failed and tl.stage == s.id:
                    mark, state = "\u2715 ", "failed here"
                elif tl.reached(s.id):
                    mark, state = "\u2713 ", "reached"
                else:
                    state = "not reached"
            item = QListWidgetItem(f"{mark}{s.number}. {s.title}")
            item.setData(
                Qt.ItemDataRole.AccessibleTextRole,
                f"Stage {s.number} of {len(self._flow.stages)}: {s.title}" + (f", {state}" if state else ""),
            )
            item.setToolTip(s.technical)
            if tl is not None and tl.failed and tl.stage == s.id:
                item.setForeground(signal("failure", pal))
                item.setBackground(mix(role(pal, QPalette.ColorRole.Base), signal("failure", pal), 0.14))
                f = item.font()
                f.setBold(True)
                item.setFont(f)
            elif tl is not None and not tl.reached(s.id):
                item.setForeground(role(pal, QPalette.ColorRole.PlaceholderText))
            self.stage_list.addItem(item)
        self.stage_list.setCurrentRow(min(self._index, len(self._flow.stages) - 1))
        self.stage_list.blockSignals(False)
        rows = sum(self.stage_list.sizeHintForRow(i) for i in range(self.stage_list.count()))
        self.stage_list.setFixedHeight(rows + 2 * self.stage_list.frameWidth() + 4)
        self._select_combo(self.flow_box, self._flow.id)

    def _render(self, progress: float) -> None:
        stage = self._flow.stages[self._index]
        tl = self._timeline
        failed_here = bool(tl and tl.failed and tl.flow == self._flow.id and tl.stage == stage.id)
        if failed_here and tl is not None:
            why = cause_title(tl.cause) if tl.cause else "cause not known"
            point = stage.failure_point(tl.cause)
            self.diagram.set_failure(
                True, f"Failed here: {why}", point.actor if point else None, point.note if point else ""
            )
            if point is not None and progress >= 1.0:
                # stop the picture where it fails: the failing message on its way to the actor at fault
                beats = stage.view(self._variant).beats
                beat = stage.beats[point.beat]
                index = beats.index(beat) if beat in beats else min(point.beat, len(beats) - 1)
                progress = (index + 0.42) / len(beats)  # before the beat changes anything
        else:
            self.diagram.set_failure(False)
        self.diagram.set_frame(self._flow, self._variant, self._index, progress)
        self.diagram.setAccessibleDescription(self._diagram_description())
        self.position_label.setText(f"Stage {stage.number} of {len(self._flow.stages)}: {stage.title}")
        self._update_buttons()
        self._update_live_label()
        self.narrative.setHtml(self._narrative_html())

    def _update_buttons(self) -> None:
        self.back_button.setEnabled(self._index > 0)
        self.next_button.setEnabled(self._index < len(self._flow.stages) - 1)

    def _update_play_button(self) -> None:
        self.play_button.setText("\u275a\u275a  &Pause" if self._playing else "\u25b6  &Play")
        self.play_button.setAccessibleName("Pause" if self._playing else "Play the stages")

    def _update_live_label(self) -> None:
        tl = self._timeline
        if tl is None:
            self.live_frame.hide()
            return
        who = tl.vm or "the VM"
        where = f" on {tl.host}" if tl.host else ""
        kind = "Replay of the last backup" if tl.source == "replay" else "Following the backup"
        stage = get_stage(tl.stage) if tl.stage else None
        flow_len = len(get_flow(tl.flow).stages)
        if tl.failed and stage is not None:
            why = f"{cause_title(tl.cause)} ({tl.cause})" if tl.cause else "the cause is not known"
            text = (
                f"{kind} of {who}{where}: it FAILED at stage {stage.number} of {flow_len}, "
                f"\u201c{stage.title}\u201d. Why: {why}"
            )
        elif tl.result == "completed":
            extra = " It was an offline (saved-state) backup." if tl.degraded == "saved-state" else ""
            text = f"{kind} of {who}{where}: it completed.{extra}"
        elif stage is not None:
            text = f"{kind} of {who}{where}: now at stage {stage.number} of {flow_len}, "
            text += f"\u201c{stage.title}\u201d."
            if tl.result in ("unfinished", "no-failure-recorded"):
                text += " " + (tl.note or tl.result.replace("-", " "))
        else:
            text = f"{kind} of {who}{where}: {tl.note or 'no stage seen yet.'}"
        self.live_label.setText(text)
        self.diagnosis_button.setVisible(bool(tl.failed and tl.cause))
        pal = self.live_frame.palette()
        color = (
            signal("failure", self.palette())
            if tl.failed
            else role(self.palette(), QPalette.ColorRole.Highlight)
        )
        pal.setColor(
            QPalette.ColorRole.Window, mix(role(self.palette(), QPalette.ColorRole.Base), color, 0.12)
        )
        self.live_frame.setPalette(pal)
        self.live_frame.setAutoFillBackground(True)
        self.live_frame.show()

    def _diagram_description(self) -> str:
        view = self._flow.stages[self._index].view(self._variant)
        steps = "; ".join(
            f"{get_actor(b.source).name} to {get_actor(b.target).name}: {b.label}" for b in view.beats
        )
        return f"Stage {view.stage.number}, {view.stage.title}. {steps}"

    def _narrative_html(self) -> str:
        pal = self.palette()
        stage = self._flow.stages[self._index]
        view = stage.view(self._variant)
        muted = role(pal, QPalette.ColorRole.PlaceholderText).name()
        fail_color = signal("failure", pal).name()
        e = html.escape
        parts = [
            f"<h2>Stage {stage.number} of {len(self._flow.stages)}: {e(stage.title)}</h2>",
            f"<p style='color:{muted}'>{e(stage.technical)}</p>",
        ]
        tl = self._timeline
        if tl is not None and tl.flow == self._flow.id:
            mark = next((m for m in tl.marks if m.stage == stage.id), None)
            if tl.failed and tl.stage == stage.id:
                why = e(cause_title(tl.cause)) if tl.cause else "The cause is not known."
                link = f" <a href='cause:{e(tl.cause)}'>Show the diagnosis</a>" if tl.cause else ""
                parts.append(
                    "<p style='color:{}'><b>The backup of {} failed here.</b> {}{}</p>".format(
                        fail_color, e(tl.vm or "the VM"), why, link
                    )
                )
            if mark is not None:
                seen = (
                    "It must have happened: it leaves no sign of its own."
                    if mark.inferred
                    else "Seen at {}:".format(e(mark.time or "?"))
                )
                items = "" if mark.inferred else "".join(f"<li>{e(x)}</li>" for x in mark.evidence)
                parts.append(
                    "<p><b>{}:</b> {}</p>{}".format(
                        e(tl.vm or "This VM"), seen, f"<ul>{items}</ul>" if items else ""
                    )
                )
            elif tl.stage:
                parts.append(
                    "<p style='color:{}'>The backup of {} did not reach this stage.</p>".format(
                        muted, e(tl.vm or "the VM")
                    )
                )
        for para in view.what.split("\n\n"):
            parts.append(f"<p>{e(para)}</p>")
        parts.append(
            "<h3>Step by step</h3><ol>{}</ol>".format(
                "".join(
                    f"<li><b>{e(get_actor(b.source).short)}</b> \u2192 "
                    f"<b>{e(get_actor(b.target).short)}</b>: {e(b.label)}</li>"
                    for b in view.beats
                )
            )
        )
        parts.append(
            "<h3>What you would see</h3><ul>{}</ul>".format(
                "".join(f"<li><b>{e(o.place_name)}:</b> {e(o.text)}</li>" for o in view.observe)
            )
        )
        parts.append(f"<p><b>How long:</b> {e(stage.duration)}</p>")
        parts.append(f"<h3>If it fails here</h3><p>{e(stage.failure)}</p>")
        causes = causes_for_stage(stage.id)
        if causes:
            parts.append(
                "<p><b>Known causes at this stage:</b></p><ul>{}</ul>".format(
                    "".join(f"<li><a href='cause:{e(c)}'>{e(cause_title(c))}</a></li>" for c in causes)
                )
            )
        if self._variant.proxy == "off-host":
            parts.append(
                f"<p style='color:{muted}'>An off-host backup needs a transportable snapshot, which only a "
                "hardware provider makes.</p>"
            )
        return "".join(parts)

    # -- sizes -----------------------------------------------------------------------------------------
    def sizeHint(self) -> QSize:  # noqa: N802 - Qt name
        em = self.fontMetrics().height()
        return QSize(int(80 * em), int(44 * em))
