"""A thousand VMs in the findings tree: filled in slices (the window keeps answering), complete in the end,
the first failing VM selected as with a small diagnosis."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidgetItemIterator

from hvassist.appcontext import AppContext
from hvassist.diagnose.engine import run_rules
from hvassist.flows.diagnose_flow import Step
from hvassist.gui.diagnose_wizard import FILL_SLICE_MIN_ROWS, DiagnoseWizard
from hvassist.lab.answers.base import LabCall
from hvassist.lab.answers.collect import collect_host
from hvassist.lab.generated import generate_estate
from hvassist.services.diagnosis import Diagnosis, HostOutcome
from hvassist.snapshot import parse_snapshot


def big_diagnosis(hosts: int, vms: int) -> Diagnosis:
    estate = generate_estate(hosts, vms, seed=5)
    outcomes = []
    for h in estate.hosts:
        snapshot = parse_snapshot(collect_host(LabCall(estate, h, "collect-host", {}, "u", lambda t: None,
                                                       lambda s: False)))
        outcomes.append(HostOutcome(h.name, snapshot, run_rules(snapshot)))
    return Diagnosis(outcomes)


def rows(tree):
    n, it = 0, QTreeWidgetItemIterator(tree)
    while it.value() is not None:
        n += 1
        it += 1
    return n


def test_a_thousand_vms_fill_in_slices(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("HVASSIST_HOME", str(tmp_path))
    wizard = DiagnoseWizard(AppContext.create())
    qtbot.addWidget(wizard)
    wizard.show()
    diagnosis = big_diagnosis(8, 128)
    wizard.flow.diagnosis = diagnosis
    wizard.flow.step = Step.FINDINGS
    wizard._enter(Step.FINDINGS)
    expected = sum(len(h.snapshot.vms) for h in diagnosis.hosts) + len(diagnosis.hosts) + len(diagnosis.findings)
    assert wizard.findings_filling and wizard.busy, "more rows than one slice: the rest follows"
    assert FILL_SLICE_MIN_ROWS <= rows(wizard.findings_tree) < expected
    assert not wizard.next_button.isEnabled() and not wizard.cancel_button.isVisible()
    qtbot.waitUntil(lambda: not wizard.findings_filling, timeout=30_000)
    assert rows(wizard.findings_tree) == expected
    current = wizard.findings_tree.currentItem()
    kind, finding = current.data(0, Qt.ItemDataRole.UserRole)
    assert kind == "finding" and finding.severity == "error"
    assert finding == next(f for h in diagnosis.hosts for f in _vm_order(h) if f.severity == "error")
    assert not wizard.busy


def _vm_order(outcome):
    for vm in outcome.snapshot.vms:
        yield from (f for f in outcome.findings if f.vm_id == vm.id)


def test_refilling_replaces_a_fill_in_progress(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("HVASSIST_HOME", str(tmp_path))
    wizard = DiagnoseWizard(AppContext.create())
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.flow.diagnosis = big_diagnosis(4, 128)
    wizard.flow.step = Step.FINDINGS
    wizard._fill_findings()
    assert wizard.findings_filling
    small = big_diagnosis(1, 5)
    wizard.flow.diagnosis = small
    wizard._fill_findings()  # e.g. after a fix: the findings are shown again
    qtbot.waitUntil(lambda: not wizard.findings_filling, timeout=30_000)
    qtbot.wait(50)  # the old fill's next slice would have run by now
    assert rows(wizard.findings_tree) == len(small.hosts[0].snapshot.vms) + 1 + len(small.findings)


def test_connections_panel_opens_the_keyring_after_start(qtbot, tmp_path, monkeypatch):
    """Making the panel reads no password (the keyring is opened on a thread once the window is up);
    when the keyring has answered, the panel shows where passwords are kept."""
    monkeypatch.setenv("HVASSIST_HOME", str(tmp_path))
    from hvassist.connections import Connection
    from hvassist.gui.connections_panel import ConnectionsPanel

    ctx = AppContext.create()
    group = ctx.connections.add_group("Contoso", username="CONTOSO\\helpdesk")
    ctx.connections.add_connection(Connection(id="", name="HV1", group=group.id))
    ctx = AppContext.create()  # a fresh start: nothing opened yet
    assert not ctx.credentials.resolved
    panel = ConnectionsPanel(ctx)
    qtbot.addWidget(panel)
    assert not ctx.credentials.resolved, "nothing probed while the window is built"
    assert "Checking" in panel.keyring_label.text()
    qtbot.waitUntil(lambda: "Checking" not in panel.keyring_label.text(), timeout=20_000)
    assert ctx.credentials.resolved
    assert panel.keyring_label.text() == ctx.credentials.backend_description
