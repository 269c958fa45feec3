"""Follow a lab backup of VM001 from the explainer: it stops at prepare-snapshot and names the cause;
replaying it from the host's events stops at the same stage."""

from __future__ import annotations

from hvassist.appcontext import AppContext
from hvassist.gui.explainer.follow_bar import ExplainerWithFollow


def test_follow_and_replay_vm001(qtbot):
    ctx = AppContext.create_demo()
    try:
        w = ExplainerWithFollow(ctx)
        qtbot.addWidget(w)
        w.show()
        w.host.setCurrentText("HV01")
        w.vm.setCurrentText("VM001")
        assert w.lab_job.isChecked()
        w.follow_button.click()
        assert w.busy and w.stop_button.isEnabled()
        qtbot.waitUntil(lambda: not w.busy, timeout=60000)
        assert "failed at 'prepare-snapshot'" in w.status.text() and "no-scsi-controller" in w.status.text()
        assert w.page.current_stage() == "prepare-snapshot"
        w.lab_job.setChecked(False)
        w.replay_button.click()
        qtbot.waitUntil(lambda: not w.busy, timeout=30000)
        assert "prepare-snapshot" in w.status.text(), w.status.text()
    finally:
        ctx.close()
