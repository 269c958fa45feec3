"""The explainer with a bar to follow a backup running on a real host (or the demo lab), or replay the last one."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from hvassist.appcontext import AppContext
from hvassist.gui.explainer.page import BackupExplainerPage
from hvassist.gui.worker import BackgroundTask, run_in_background
from hvassist.remote.endpoint import Timeouts
from hvassist.remote.errors import RemoteError
from hvassist.remote.session import HostSession
from hvassist.stages.follow import follow_backup, replay_from_host


class ExplainerWithFollow(QWidget):
    """``BackupExplainerPage`` plus host/VM selection, Follow, Replay and Stop."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.task: BackgroundTask | None = None
        self.targets = {t.name: t for t in ctx.host_targets()}
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.setContentsMargins(16, 8, 16, 0)
        host_label = QLabel("&Host:")
        self.host = QComboBox()
        self.host.setAccessibleName("Host to watch")
        self.host.addItems(sorted(self.targets))
        host_label.setBuddy(self.host)
        vm_label = QLabel("&VM:")
        self.vm = QComboBox()
        self.vm.setEditable(True)
        self.vm.setAccessibleName("Virtual machine to watch")
        vm_label.setBuddy(self.vm)
        self.host.currentTextChanged.connect(self._fill_vms)
        self.follow_button = QPushButton("&Follow a backup")
        self.follow_button.setAccessibleName("Follow a backup of this VM")
        self.follow_button.clicked.connect(self.follow)
        self.replay_button = QPushButton("&Replay the last backup")
        self.replay_button.clicked.connect(self.replay)
        self.stop_button = QPushButton("&Stop watching")
        self.stop_button.clicked.connect(self.cancel_work)
        self.stop_button.setEnabled(False)
        self.lab_job = QCheckBox("Start a backup in the demo lab")
        self.lab_job.setChecked(ctx.lab is not None)
        self.lab_job.setVisible(ctx.lab is not None)
        for w in (host_label, self.host, vm_label, self.vm, self.follow_button, self.replay_button,
                  self.stop_button, self.lab_job):
            bar.addWidget(w)
        bar.addStretch(1)
        v.addLayout(bar)
        self.status = QLabel("Pick a host and a VM, then Follow a backup while one runs, or Replay the last one "
                             "from the host's events." if self.targets else
                             "Add a connection to follow a backup on one of your hosts.")
        self.status.setWordWrap(True)
        self.status.setContentsMargins(16, 0, 16, 0)
        self.status.setAccessibleName("Follow status")
        v.addWidget(self.status)
        self.page = BackupExplainerPage()
        v.addWidget(self.page, 1)
        for w in (self.follow_button, self.replay_button):
            w.setEnabled(bool(self.targets))
        self._fill_vms(self.host.currentText())

    @property
    def busy(self) -> bool:
        return self.task is not None and self.task.running

    def _fill_vms(self, host: str) -> None:
        self.vm.clear()
        if self.ctx.lab is not None:
            try:
                self.vm.addItems([vm.name for vm in self.ctx.lab.estate.host(host).vms])
            except KeyError:
                pass

    def _running(self, text: str) -> None:
        self.status.setText(text)
        self.follow_button.setEnabled(False)
        self.replay_button.setEnabled(False)
        self.stop_button.setEnabled(True)

    def _idle(self) -> None:
        self.follow_button.setEnabled(bool(self.targets))
        self.replay_button.setEnabled(bool(self.targets))
        self.stop_button.setEnabled(False)

    def follow(self) -> None:
        host, vm = self.host.currentText(), self.vm.currentText().strip()
        if not host or not vm:
            self.status.setText("Choose a host and type the VM's name.")
            return
        target = self.targets[host]
        start_lab_job = self.lab_job.isChecked() and self.ctx.lab is not None
        estate = self.ctx.lab.estate if self.ctx.lab is not None else None
        self.page.clear_live()

        def work(cancel: Any, report: Any) -> Any:
            def started(_line: Any) -> None:
                if start_lab_job and estate is not None:
                    from hvassist.lab.backup import LabBackupJob

                    LabBackupJob(estate, vm).start()

            with HostSession(target.endpoint, target.username, target.password, cancel=cancel,
                             timeouts=Timeouts(script=900)) as s:
                return follow_backup(s, vm, on_change=report, on_watch_started=started)

        self._running("Watching %s on %s. The picture follows the backup as it moves through the stages." % (vm, host))
        self.task = run_in_background(work, self._followed, self._failed,
                                      lambda line: self.page.follow_update(line, vm=vm, host=host))

    def _followed(self, timeline: Any) -> None:
        self._idle()
        self.page.show_timeline(timeline)
        self.status.setText("Finished watching. %s" % _summary(timeline))

    def replay(self) -> None:
        host, vm = self.host.currentText(), self.vm.currentText().strip()
        if not host or not vm:
            self.status.setText("Choose a host and type the VM's name.")
            return
        target = self.targets[host]

        def work(cancel: Any, _report: Any) -> Any:
            with HostSession(target.endpoint, target.username, target.password, cancel=cancel) as s:
                return replay_from_host(s, vm)

        self._running("Reading %s's events for the last backup of %s…" % (host, vm))
        self.task = run_in_background(work, self._followed, self._failed)

    def _failed(self, error: BaseException) -> None:
        self._idle()
        if isinstance(error, RemoteError):
            self.status.setText("%s What to do: %s" % (error.message, error.action))
        else:
            self.status.setText("Watching stopped unexpectedly: %s" % error)

    def cancel_work(self) -> None:
        if self.task is not None and self.task.running:
            self.task.cancel()
            self.status.setText("Stopping…")


def _summary(timeline: Any) -> str:
    data = timeline.to_json() if hasattr(timeline, "to_json") else {}
    result, stage, cause = data.get("result"), data.get("stage"), data.get("cause")
    if result == "failed":
        return "The backup failed at '%s'%s." % (stage, " (cause: %s)" % cause if cause else "")
    if result == "completed":
        return "The backup completed."
    return "Result: %s." % (result or "unknown")
