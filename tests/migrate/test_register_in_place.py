"""Must-show 2: once the blockers are resolved (through hvassist where it can, by hand where it cannot)
every automated check passes, and running the runbook registers all five VMs on the destination with
their original IDs and makes them cluster roles. Every change is confirmed and audited."""

from __future__ import annotations

import pytest
from migrate.conftest import DEST, SOURCE
from migrate.walkthrough import move_lun, prepare_source, run_runbook

from hvassist.audit import AuditLog
from hvassist.flows.migrate_flow import NotAllowedYet
from hvassist.lab.model import load_scenario
from hvassist.migrate.service import NotConfirmed
from hvassist.migrate.steps import PASSED
from hvassist.paths import app_paths

ORIGINAL = {vm.name: vm.id for h in load_scenario("migration").hosts for vm in h.vms}


def test_resolve_then_run_the_runbook(make_flow, migration_lab):
    flow = make_flow()
    flow.start(SOURCE, DEST)
    flow.check()
    with pytest.raises(NotAllowedYet, match="has not passed"):
        flow.run(flow.next_runbook_op().id, confirmed=True)
    prepare_source(flow, migration_lab)
    assert flow.downtime() is not None, "the downtime clock runs from the shut-down step"
    move_lun(flow, migration_lab)
    # Compare-VM ran on the destination: mig-switch had 33012, the mapping cleared it
    compare = flow.facts.compare["A7C3E5F1-9B2D-4C6E-8A0F-13D5B7E9C905"]
    assert [(i.message_id, i.switch_name) for i in compare.before] == [(33012, "LegacyNet")]
    assert "Could not find Ethernet switch 'LegacyNet'." in compare.before[0].message
    assert [(a.switch_from, a.switch_to, a.action) for a in compare.actions] == [("LegacyNet", "Production",
                                                                                   "connect")]
    assert compare.after == ()
    assert not flow.checklist.runbook_blockers()

    ran = run_runbook(flow)
    assert ran[-1] == "check" and len([r for r in ran if r.startswith("register:")]) == 5
    flow.confirm("test-backup", "Test job 'NEWCLU moved VMs' finished, application-consistent")

    checklist = flow.checklist
    assert [(s.step.id, s.status) for s in checklist.steps if s.status != PASSED] == []
    for s in checklist.steps:
        assert not s.blockers and not s.todo and all(m.confirmed for m in s.manual)

    estate = migration_lab.estate
    node = estate.host("NEW01")
    registered = {vm.name: vm for vm in node.vms}
    assert set(registered) == set(ORIGINAL)
    for name, vm_id in ORIGINAL.items():
        vm = registered[name]
        assert vm.id == vm_id, "registered in place keeps the original ID"
        assert vm.is_clustered, "%s is a cluster role" % name
        assert vm.state == "Running"
        assert vm.config_location.startswith("C:\\ClusterStorage\\Volume3\\")
        assert vm.scsi_controllers >= 1, "the runbook added the SCSI controller backups need"
    assert [n.switch for n in registered["mig-switch"].network_adapters] == ["Production"]
    cluster = next(c for c in estate.clusters if c.name == "NEWCLU")
    assert [c.path for c in cluster.csvs] == ["C:\\ClusterStorage\\Volume1", "C:\\ClusterStorage\\Volume3"]
    assert not next(c for c in estate.clusters if c.name == "OLDCLU").csvs

    state = flow.state
    assert state.downtime_started_at and state.downtime_ended_at
    assert flow.downtime_text().startswith("Downtime: ")
    entries = AuditLog(app_paths().audit_log).entries()
    steps = [(e["step"], e["result"]) for e in entries if e["action"] == "migrate-step"]
    assert ("shutdown:C41B7F93-2A6D-4B08-8E5F-90A3D6C1E703", "ok") in steps
    assert ("register:A7C3E5F1-9B2D-4C6E-8A0F-13D5B7E9C905", "ok") in steps
    assert ("add-role:3F2A8C10-5B7D-4E21-9C4A-7D1E0B6A9F01", "ok") in steps
    assert sum(1 for e in entries if e["action"] == "migrate-confirmed") == len(steps)
    notes = {e["step"]: e["detail"] for e in entries if e["action"] == "migrate-manual-check"}
    assert notes["san-unmasked"].startswith("Masking view OLDCLU-hosts")
    for e in entries:
        assert e["plan"] == state.id and e["time"] and e["who"]
        assert migration_lab.password not in str(e)


def test_changes_need_confirmation_and_order(make_flow, migration_lab):
    flow = make_flow()
    flow.start(SOURCE, DEST)
    flow.check()
    with pytest.raises(NotConfirmed):
        flow.run("shutdown:C41B7F93-2A6D-4B08-8E5F-90A3D6C1E703", confirmed=False)
    assert migration_lab.estate.host("OLD01").vms[2].state == "Running", "nothing ran"
    # removing the CSV while step 5 has not passed is refused
    with pytest.raises(KeyError):
        flow.run("remove-csv:Cluster Disk 3", confirmed=True)
    prepare_source(flow, migration_lab)
    # the runbook runs in order, after the LUN has moved
    with pytest.raises(NotAllowedYet):
        flow.run("start:3F2A8C10-5B7D-4E21-9C4A-7D1E0B6A9F01", confirmed=True)


def test_add_csv_refused_while_the_source_still_uses_the_lun(make_flow, migration_lab):
    """The SAN admin presented the LUN to the destination too early: hvassist will not add it."""
    flow = make_flow()
    flow.start(SOURCE, DEST)
    lun = migration_lab.estate.lun("LUN-0042")
    lun.presented_to = ["OLD01", "OLD02", "NEW01", "NEW02"]
    checklist = flow.check()
    present = checklist.step("present-destination")
    assert any("still a CSV of the source cluster" in b.problem for b in present.blockers)
    assert not [t for t in present.todo if t.action], "adding it is not offered"
    with pytest.raises(NotAllowedYet):
        flow.run("add-csv:5a1c3e7f", confirmed=True)
    assert len(next(c for c in migration_lab.estate.clusters if c.name == "NEWCLU").csvs) == 1


def test_without_the_mapping_compare_vm_blocks_mig_switch(make_flow, migration_lab):
    flow = make_flow()
    flow.start(SOURCE, DEST)
    flow.check()
    prepare_source(flow, migration_lab)
    move_lun(flow, migration_lab)
    flow.set_switch_mapping("LegacyNet", None)  # the administrator changes their mind after the LUN moved
    checklist = flow.check()
    register = checklist.step("register-in-place")
    assert [(b.vm, b.problem) for b in register.blockers] == [
        ("mig-switch", "Compare-VM reports: 33012 Could not find Ethernet switch 'LegacyNet'.")]
    assert "Choose a destination switch for 'LegacyNet'" in register.blockers[0].fix
    assert any("Compare-VM" in r for r in checklist.runbook_blockers())
    with pytest.raises(NotAllowedYet):
        flow.run("register:A7C3E5F1-9B2D-4C6E-8A0F-13D5B7E9C905", confirmed=True)
    assert not any(vm.name == "mig-switch" for vm in migration_lab.estate.host("NEW01").vms)


def test_the_lun_is_released_only_after_copies_and_backup(make_flow, migration_lab):
    """Step 5 passed, but the configurations were not copied aside: the CSV stays on the source."""
    flow = make_flow()
    flow.start(SOURCE, DEST)
    flow.check()
    flow.set_switch_mapping("LegacyNet", "Production")
    next(v for v in migration_lab.estate.host("OLD01").vms if v.name == "mig-snapshot").checkpoints.clear()
    for op_id in ("shutdown:C41B7F93-2A6D-4B08-8E5F-90A3D6C1E703", "remove-role:5E90D2A7-6C3B-4A1F-B7D8-2F4E61A0C804"):
        assert flow.run(op_id, confirmed=True).ok
    assert flow.checklist.step("shut-down-source").status == "passed"
    with pytest.raises(NotAllowedYet, match="Step 4 'Keep a copy of the configurations'"):
        flow.run("remove-csv:Cluster Disk 3", confirmed=True)
    assert [c.name for c in next(c for c in migration_lab.estate.clusters if c.name == "OLDCLU").csvs] == [
        "Cluster Disk 3"]
