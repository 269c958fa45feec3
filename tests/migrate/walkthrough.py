"""Resolve every blocker of the 'migration' lab the way an administrator would: through hvassist
where it can act (shut down, remove the role, copy configurations, release the CSV, add it on the
destination, the switch mapping), by hand where it cannot (deleting the snapshot in Hyper-V Manager,
LUN masking in the SAN console: model edits here) with a confirmation and a note in hvassist."""

from __future__ import annotations

from hvassist.flows.migrate_flow import MigrationFlow
from hvassist.lab.runtime import Lab
from hvassist.migrate.steps import PASSED

SNAPSHOT_VM = "mig-snapshot"


def run_offered(flow: MigrationFlow, kind: str) -> list[str]:
    """Run every operation of this kind the checklist offers now (confirmed), return their ids."""
    done = []
    for op in [o for o in flow.checklist.operations.values() if o.kind == kind]:
        outcome = flow.run(op.id, confirmed=True)
        assert outcome.ok, outcome.message
        done.append(op.id)
    return done


def prepare_source(flow: MigrationFlow, lab: Lab) -> None:
    """Steps 1 to 5: mapping, snapshot deleted by hand, configurations copied, shut down, role removed."""
    estate = lab.estate
    flow.set_switch_mapping("LegacyNet", "Production")
    # by hand, in Hyper-V Manager on OLD01: delete the snapshot tree and let it merge
    _host, vm = next((h, v) for h in estate.hosts for v in h.vms if v.name == SNAPSHOT_VM)
    vm.checkpoints.clear()
    assert run_offered(flow, "copy-configs")
    assert run_offered(flow, "shutdown") == ["shutdown:C41B7F93-2A6D-4B08-8E5F-90A3D6C1E703"]
    assert run_offered(flow, "remove-role") == ["remove-role:5E90D2A7-6C3B-4A1F-B7D8-2F4E61A0C804"]
    flow.confirm("destination-validated", "Test-Cluster report 2026-11-20 all green; hvadmin is local admin")
    flow.confirm("backup", "Full backup job 'OLDCLU weekly' of 23 Nov verified")
    for step in ("prepare-destination", "inventory-source", "no-snapshots", "copy-configs", "shut-down-source"):
        assert flow.checklist.step(step).status == PASSED, flow.checklist.step(step).to_json()


def move_lun(flow: MigrationFlow, lab: Lab) -> None:
    """Steps 6 and 7: hvassist removes the CSV from the source; the SAN admin moves the LUN's masking."""
    assert run_offered(flow, "remove-csv") == ["remove-csv:Cluster Disk 3"]
    lun = lab.estate.lun("LUN-0042")
    assert lun is not None
    lun.presented_to = ["NEW01", "NEW02"]  # by hand, in the SAN console
    flow.confirm("san-unmasked", "Masking view OLDCLU-hosts: LUN 42 removed (change 4711)")
    flow.confirm("san-presented", "LUN 42 added to host group NEWCLU (change 4711)")
    flow.check()
    assert run_offered(flow, "add-csv") == ["add-csv:5a1c3e7f"]
    for step in ("release-source", "present-destination"):
        assert flow.checklist.step(step).status == PASSED, flow.checklist.step(step).to_json()


def run_runbook(flow: MigrationFlow) -> list[str]:
    ran = []
    while (op := flow.next_runbook_op()) is not None:
        outcome = flow.run(op.id, confirmed=True)
        assert outcome.ok, outcome.message
        ran.append(op.id)
    return ran
