"""The explainer page: keyboard, switches, accessible names, and showing a failed follow or replay."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QComboBox, QListWidget, QPushButton, QTextBrowser  # noqa: E402

from hvassist.gui.explainer import BackupExplainerPage  # noqa: E402
from hvassist.stages.model import get_flow  # noqa: E402

IDS_2012R2 = list(get_flow("2012r2").stage_ids)
IDS_2016 = list(get_flow("2016").stage_ids)


@pytest.fixture()
def page(qtbot):
    w = BackupExplainerPage()
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    w.stage_list.setFocus()
    return w


def test_accessible_names_on_every_control(page):
    for cls in (QComboBox, QPushButton, QListWidget, QTextBrowser):
        for child in page.findChildren(cls):
            assert child.accessibleName(), (
                f"{cls.__name__} {child.objectName() or child.text() if hasattr(child, 'text') else ''}"
            )
    assert page.diagram.accessibleName() == "Backup diagram"
    assert "Stage 1" in page.diagram.accessibleDescription()
    item = page.stage_list.item(2)
    assert "Stage 3 of 8" in item.data(Qt.ItemDataRole.AccessibleTextRole)


def test_keyboard_steps_through_the_stages(page, qtbot):
    assert page.current_stage() == "gather-metadata"
    qtbot.keyClick(page.stage_list, Qt.Key.Key_Right)
    assert page.current_stage() == "prepare-backup"
    qtbot.keyClick(page.stage_list, Qt.Key.Key_Right)
    assert page.current_stage() == "prepare-snapshot"
    qtbot.keyClick(page.stage_list, Qt.Key.Key_Left)
    assert page.current_stage() == "prepare-backup"
    qtbot.keyClick(page.stage_list, Qt.Key.Key_End)
    assert page.current_stage() == "backup-complete"
    assert not page.next_button.isEnabled()
    qtbot.keyClick(page.stage_list, Qt.Key.Key_Home)
    assert page.current_stage() == "gather-metadata"
    assert page.stage_list.currentRow() == 0


def test_space_plays_and_pauses_but_clicks_a_focused_button(page, qtbot):
    qtbot.keyClick(page.stage_list, Qt.Key.Key_Space)
    assert page.is_playing()
    qtbot.keyClick(page.stage_list, Qt.Key.Key_Space)
    assert not page.is_playing()
    page.next_button.setFocus()
    qtbot.keyClick(page.next_button, Qt.Key.Key_Space)
    assert not page.is_playing() and page.current_stage() == "prepare-backup"


def test_buttons_and_list_jump(page, qtbot):
    qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    assert page.current_stage() == "prepare-backup"
    qtbot.mouseClick(page.back_button, Qt.MouseButton.LeftButton)
    assert page.current_stage() == "gather-metadata"
    page.stage_list.setCurrentRow(5)
    assert page.current_stage() == "thaw-merge"
    assert "Stage 6 of 8" in page.narrative.toPlainText()
    assert "What you would see" in page.narrative.toPlainText()


def test_switches_change_the_flow_and_the_variant(page):
    page.flow_box.setCurrentIndex(page.flow_box.findData("2016"))
    assert page.flow_id == "2016"
    assert [page.stage_list.item(i).text().split(". ", 1)[1] for i in range(page.stage_list.count())] == [
        get_flow("2016").stage(s).title for s in IDS_2016
    ]
    assert page.current_stage() == "request-checkpoint"
    page.flow_box.setCurrentIndex(page.flow_box.findData("2012r2"))
    page.show_stage("commit-snapshot", animate=False)
    page.provider_box.setCurrentIndex(page.provider_box.findData("hardware"))
    assert page.variant.provider == "hardware"
    assert "SAN" in page.narrative.toPlainText()
    # off-host needs a hardware provider: choosing software switches the proxy back on-host
    page.proxy_box.setCurrentIndex(page.proxy_box.findData("off-host"))
    page.provider_box.setCurrentIndex(page.provider_box.findData("software"))
    assert page.variant.proxy == "on-host"
    page.set_variant("software", "off-host")
    assert page.variant.provider == "hardware" and page.provider_box.currentData() == "hardware"


def test_a_failed_follow_stops_at_its_stage_and_names_the_cause(page, qtbot):
    causes = []
    page.causeActivated.connect(causes.append)
    lines = [
        {"stage": "gather-metadata", "time": "t", "evidence": [], "inferred": True},
        {"stage": "prepare-backup", "time": "t", "evidence": [], "inferred": True},
        {"stage": "prepare-snapshot", "time": "t", "evidence": ["event 10103"]},
        {"result": "failed", "stage": "prepare-snapshot", "cause": "no-scsi-controller"},
    ]
    for line in lines:
        page.follow_update(line, vm="VM001", host="HV01")
    assert page.current_stage() == "prepare-snapshot"
    assert not page.is_playing()
    assert page.stage_list.item(2).text().startswith("\u2715")
    assert page.stage_list.item(0).text().startswith("\u2713")
    assert "failed here" in page.stage_list.item(2).data(Qt.ItemDataRole.AccessibleTextRole)
    assert page.live_frame.isVisible() and "FAILED" in page.live_label.text()
    assert "no SCSI controller" in page.live_label.text()
    assert page.diagram._failed and page.diagram._failure_actor == "vscsi"
    # playing does not run past the stage where the backup failed
    page.show_stage("gather-metadata", animate=False)
    assert not page.diagram._failed
    page.show_stage("prepare-snapshot", animate=False)
    assert page.diagram._failed
    qtbot.mouseClick(page.diagnosis_button, Qt.MouseButton.LeftButton)
    assert causes == ["no-scsi-controller"]
    page.clear_live()
    assert not page.live_frame.isVisible() and not page.diagram._failed


def test_live_follow_of_the_lab_and_replay_on_the_page(page, seed_lab):
    from hvassist.lab.backup import LabBackupJob
    from hvassist.remote.endpoint import Timeouts
    from hvassist.remote.session import HostSession
    from hvassist.stages.follow import follow_backup, replay_from_host

    job = LabBackupJob(seed_lab.estate, "VM001", step_seconds=0.05)
    with HostSession(
        seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password, timeouts=Timeouts(operation=1)
    ) as session:
        timeline = follow_backup(
            session,
            "VM001",
            poll_seconds=0.05,
            duration_seconds=60,
            on_change=lambda line: page.follow_update(line, vm="VM001", host="HV01"),
            on_watch_started=lambda _line: job.start(),
        )
        job.join(10)
        replay = replay_from_host(session, "VM001")
    assert timeline.stage == page.current_stage() == "prepare-snapshot"
    page.clear_live()
    page.show_stage("backup-complete", animate=False)
    page.show_timeline(replay)
    assert page.current_stage() == "prepare-snapshot" == replay.stage
    assert "Replay" in page.live_label.text()


def test_set_live_stage_and_2016_timeline(page):
    page.set_live_stage("read-rct", vm="VM9")
    assert page.flow_id == "2016" and page.current_stage() == "read-rct"
    assert not page.diagram._failed
    page.set_live_stage("convert-reference-point", "permissions-av")
    assert page.current_stage() == "convert-reference-point" and page.diagram._failed
    assert "permissions-av" in page.live_label.text()


def test_renders_in_light_and_dark_at_any_stage(page, qtbot):
    from PySide6.QtGui import QColor, QPalette

    dark = QPalette()
    for role, color in (
        (QPalette.ColorRole.Window, "#2b2b2b"),
        (QPalette.ColorRole.Base, "#1e1e1e"),
        (QPalette.ColorRole.Text, "#e6e6e6"),
        (QPalette.ColorRole.WindowText, "#e6e6e6"),
    ):
        dark.setColor(role, QColor(color))
    for palette in (page.palette(), dark):
        page.setPalette(palette)
        for stage in IDS_2012R2 + IDS_2016:
            for progress in (0.0, 0.5, 1.0):
                page.show_stage(stage, progress=progress)
                image = page.diagram.grab().toImage()
                assert not image.isNull()
