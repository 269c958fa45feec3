"""Must-show 1: on the 'migration' lab the check reports blockers for mig-snapshot, mig-running,
mig-clustered and mig-switch, each with the right problem and a fix, and none for mig-ready."""

from __future__ import annotations

import json

from migrate.conftest import DEST, SOURCE

from hvassist.cli import main
from hvassist.migrate.steps import FAILED, STEPS

EXPECTED = {
    # vm: (step, words the problem must contain, words the fix must contain)
    "mig-snapshot": ("no-snapshots", ["1 snapshot", "Before patching"], ["delete its snapshots", "merge"]),
    "mig-running": ("shut-down-source", ["Running"], ["Shut it down"]),
    "mig-clustered": ("shut-down-source", ["still a role of the source cluster OLDCLU"], ["Remove the role"]),
    "mig-switch": ("prepare-destination", ["switch 'LegacyNet'", "no switch with that name"],
                   ["Create a virtual switch named 'LegacyNet'", "map 'LegacyNet'"]),
}


def test_check_reports_the_four_blocked_vms_and_not_mig_ready(make_flow):
    flow = make_flow()
    flow.start(SOURCE, DEST)
    checklist = flow.check()
    by_vm = checklist.blockers_by_vm()
    assert set(by_vm) == set(EXPECTED), by_vm
    assert "mig-ready" not in by_vm
    for vm, (step, problem_words, fix_words) in EXPECTED.items():
        assert len(by_vm[vm]) == 1, "%s: %s" % (vm, by_vm[vm])
        step_id, blocker = by_vm[vm][0]
        assert step_id == step
        for w in problem_words:
            assert w in blocker.problem, (vm, blocker.problem)
        for w in fix_words:
            assert w in blocker.fix, (vm, blocker.fix)
        assert checklist.step(step).status == FAILED
    # where hvassist can fix it, it offers the operation
    assert by_vm["mig-running"][0][1].action == "shutdown:C41B7F93-2A6D-4B08-8E5F-90A3D6C1E703"
    assert by_vm["mig-clustered"][0][1].action == "remove-role:5E90D2A7-6C3B-4A1F-B7D8-2F4E61A0C804"
    # every step of KB §3 is there, in order, with a status
    assert [s.step.id for s in checklist.steps] == [s.id for s in STEPS]
    assert [s.step.kb for s in checklist.steps] == list(range(1, 13))
    # mig-ready's readiness: all files on the moved CSV, switch present everywhere, static MAC
    ready = next(v for v in checklist.vms if v.name == "mig-ready")
    assert ready.ready and ready.state == "Off" and ready.snapshots == 0 and not ready.source_role
    assert all(on_csv for _p, on_csv, _e in ready.files)
    assert [(n.switch, n.static_mac, n.on_every_destination_node) for n in ready.nics] == [("Production", True, True)]
    switch = next(v for v in checklist.vms if v.name == "mig-switch")
    assert switch.nics[0].on_every_destination_node is False and not switch.ready


def test_a_mapping_resolves_the_switch_blocker(make_flow):
    flow = make_flow()
    flow.start(SOURCE, DEST)
    flow.check()
    flow.set_switch_mapping("LegacyNet", "Production")
    assert "mig-switch" not in flow.checklist.blockers_by_vm()
    flow.set_switch_mapping("LegacyNet", "")  # leave it unconnected: allowed, but said plainly
    assert "mig-switch" not in flow.checklist.blockers_by_vm()
    assert any("left unconnected" in w for w in flow.checklist.step("prepare-destination").warnings)
    flow.set_switch_mapping("LegacyNet", None)
    assert "mig-switch" in flow.checklist.blockers_by_vm()


def test_cli_check_json(migration_lab, capsys):
    code = main(["migrate", "check", "--source", "OLDCLU", "--dest", "NEWCLU", "--lab", "migration", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1, "blockers: not everything passed"
    assert [s["id"] for s in doc["steps"]] == [s.id for s in STEPS]
    for s in doc["steps"]:
        assert set(s) >= {"id", "status", "blockers"}
        assert s["status"] in ("not-started", "passed", "failed", "needs-manual-confirmation")
        for b in s["blockers"]:
            assert set(b) >= {"vm", "problem", "fix"}
    blocked = {b["vm"]: (s["id"], b["problem"]) for s in doc["steps"] for b in s["blockers"] if b["vm"]}
    assert set(blocked) == set(EXPECTED)
    for vm, (step, words, _fix) in EXPECTED.items():
        assert blocked[vm][0] == step and all(w in blocked[vm][1] for w in words)


def test_cli_runbook_writes_a_ps1(tmp_path, capsys):
    out = tmp_path / "runbook.ps1"
    code = main(["migrate", "runbook", "--source", "OLDCLU", "--dest", "NEWCLU", "--lab", "migration",
                 "--map", "LegacyNet=Production", "--out", str(out)])
    assert code == 0
    text = out.read_text(encoding="utf-8-sig")
    assert "Register mig-switch in place" in text and '"SwitchMap":{"LegacyNet":"Production"}' in text
    assert "Before you run it" in capsys.readouterr().out, "says that the checklist is not done yet"


def test_cli_refuses_a_change_without_yes(capsys):
    code = main(["migrate", "run", "--source", "OLDCLU", "--dest", "NEWCLU", "--lab", "migration",
                 "--op", "shutdown:C41B7F93-2A6D-4B08-8E5F-90A3D6C1E703"])
    out = capsys.readouterr().out
    assert code == 1 and "This is a preview. Add --yes" in out and "mig-source-vm-shutdown" in out


def test_cli_unreachable_cluster_is_a_plain_error(capsys):
    code = main(["migrate", "check", "--source", "NOSUCH", "--dest", "NEWCLU", "--lab", "migration", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    problem = doc["steps"][1]["blockers"][0]
    assert problem["vm"] is None and "NOSUCH" in problem["problem"] and problem["fix"]


def test_a_gpt_lun_is_not_reported_as_unmasked(make_flow, migration_lab):
    """2008 R2 shows no GUID for GPT disks: hvassist must not claim the source no longer sees the LUN."""
    migration_lab.estate.lun("LUN-0042").signature = "6f1c2a3b4d5e4f60a1b2c3d4e5f60718"
    flow = make_flow()
    flow.start(SOURCE, DEST)
    step = flow.check().step("release-source")
    assert not any("No source node sees the LUN" in e for e in step.evidence)
    assert any("GPT disk" in w for w in step.warnings)
