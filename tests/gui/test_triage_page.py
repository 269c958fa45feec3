from __future__ import annotations

from PySide6.QtCore import Qt

from hvassist.gui.triage_page import TriagePage, read_pasted_file

EVENT = ("Log Name: Microsoft-Windows-Hyper-V-VMMS-Admin\nSource: Microsoft-Windows-Hyper-V-VMMS\nEvent ID: 10103\n"
         "Level: Error\nDescription:\nThe virtual machine 'VM001' cannot be hot backed up since it has no SCSI "
         "controllers attached. Please add one or more SCSI controllers to the virtual machine before performing "
         "a backup. (Virtual machine ID DCFE14D3-7E08-845F-9CEE-21E0605817DC)")


def test_paste_and_rank(qtbot):
    page = TriagePage()
    qtbot.addWidget(page)
    page.show()
    page.input.setPlainText(EVENT)
    qtbot.keyClick(page.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    first = page.causes.item(0).data(Qt.ItemDataRole.UserRole)
    assert first.id == "no-scsi-controller"
    assert "SCSI" in page.detail.toPlainText()
    with qtbot.waitSignal(page.check_on_host) as sig:
        page.check_button.click()
    assert sig.args == ["no-scsi-controller"]


def test_unrecognised_text_says_so(qtbot):
    page = TriagePage()
    qtbot.addWidget(page)
    page.input.setPlainText("Preheat the oven to 180 degrees and bake for 25 minutes.")
    page.analyse()
    assert page.causes.count() == 0
    assert "Nothing in this text" in page.summary.text()


def test_dropped_utf16_file(tmp_path):
    f = tmp_path / "event.txt"
    f.write_bytes(b"\xff\xfe" + EVENT.encode("utf-16-le"))
    assert read_pasted_file(str(f)) == EVENT


def test_home_opens_the_explainer(qtbot):
    from hvassist.appcontext import AppContext
    from hvassist.gui.explainer.follow_bar import ExplainerWithFollow
    from hvassist.gui.main_window import MainWindow

    ctx = AppContext.create()
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    assert win.home.buttons[1].isEnabled()
    qtbot.mouseClick(win.home.buttons[1], Qt.MouseButton.LeftButton)
    assert isinstance(win.stack.currentWidget(), ExplainerWithFollow)
    win.show_home()
    assert win.stack.currentWidget() is win.home
