"""The runbook preview and its .ps1 export: the same operations the wizard runs, values as data."""

from __future__ import annotations

from support import pscheck

from hvassist.migrate.facts import MigrationFacts
from hvassist.migrate.operations import build_runbook, export_runbook, runbook_preview
from hvassist.migrate.state import ClusterRef, ManifestVM, MovedCsv, new_state

HOSTILE = "x'; Remove-VM * -Force; '\u2019\n Stop-Computer -Force #"


def _state():
    state = new_state(ClusterRef("OLDCLU"), ClusterRef("NEWCLU"))
    state.csvs = [MovedCsv("Cluster Disk 3", "C:\\ClusterStorage\\Volume3", "5a1c3e7f")]
    vm_id = "3F2A8C10-5B7D-4E21-9C4A-7D1E0B6A9F01"
    state.manifest[vm_id] = ManifestVM(vm_id, HOSTILE, "OLD01",
                                       "C:\\ClusterStorage\\Volume3\\%s\\Virtual Machines\\%s.xml" % (HOSTILE, vm_id),
                                       ["C:\\ClusterStorage\\Volume3\\x.vhd"], 0,
                                       [{"name": "nic", "switch": "LegacyNet", "mac": "00155D000001",
                                         "static_mac": True}])
    state.switch_map = {"LegacyNet": "Production", "Unused": "Backup"}
    return state


def test_runbook_order_and_mapping():
    ops = build_runbook(_state(), MigrationFacts())
    assert [op.kind for op in ops] == ["add-csv", "register", "add-role", "add-scsi", "start", "check"]
    assert ops[1].params["SwitchMap"] == {"LegacyNet": "Production"}, "only the mapping this VM needs"
    assert all(op.host == "NEWCLU" for op in ops), "no facts yet: the cluster name"
    preview = runbook_preview(ops)
    assert "Compare-VM -Path" in preview and "Import-VM -CompatibilityReport" in preview
    assert "Add-ClusterVirtualMachineRole" in preview and "Add-VMScsiController" in preview


def test_export_parses_uses_2012r2_cmdlets_and_keeps_values_as_data():
    text = export_runbook(_state(), build_runbook(_state(), MigrationFacts()))
    assert pscheck.syntax_errors(text) == []
    if pscheck.REFERENCE.exists():
        assert pscheck.cmdlet_problems(text, "2012r2") == []
    names = {name.lower() for name, _params, _line in pscheck.commands(text)}
    assert "remove-vm" not in names and "stop-computer" not in names, "a VM name never becomes code"
    data_line = text.split("$Runbook = @'\n", 1)[1].split("\n", 1)[0]
    assert "Remove-VM" in data_line, "the name is in the JSON data block"
    assert "Read-Host" in text, "each step asks before it runs"
