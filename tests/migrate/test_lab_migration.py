"""The lab answers the migration scripts as the real hosts would: in the documented schema, changing
the model the way the cmdlets do, and refusing the way they refuse."""

from __future__ import annotations

import jsonschema
import pytest

from hvassist.remote import errors as E
from hvassist.remote.scripts import get_script
from hvassist.remote.session import HostSession

READY = "3F2A8C10-5B7D-4E21-9C4A-7D1E0B6A9F01"
RUNNING = "C41B7F93-2A6D-4B08-8E5F-90A3D6C1E703"
CLUSTERED = "5E90D2A7-6C3B-4A1F-B7D8-2F4E61A0C804"
SWITCH = "A7C3E5F1-9B2D-4C6E-8A0F-13D5B7E9C905"
XML = "C:\\ClusterStorage\\Volume3\\%s\\Virtual Machines\\%s.xml"


def run(lab, host, script, params=None):
    with HostSession(lab.endpoint(host), lab.username, lab.password) as s:
        doc = s.run_json(script, params or {})
    jsonschema.validate(doc, get_script(script).schema)
    return doc


def test_cluster_names_are_served(migration_lab):
    assert run(migration_lab, "OLDCLU", "mig-source-inventory")["node"]["name"] == "OLD01"
    assert run(migration_lab, "NEWCLU", "mig-dest-inventory")["node"]["name"] == "NEW01"


def test_source_inventory_is_wmi_v1_facts(migration_lab):
    doc = run(migration_lab, "OLD01", "mig-source-inventory")
    assert doc["node"]["ps_version"] == "2.0" and doc["node"]["os_build"] == 7601
    vms = {v["name"]: v for v in doc["vms"]}
    assert set(vms) == {"mig-ready", "mig-snapshot", "mig-running"}
    assert vms["mig-ready"]["config_path"] == XML % ("mig-ready", READY)
    assert len(vms["mig-ready"]["config_sha256"]) == 64
    assert vms["mig-snapshot"]["snapshots"][0]["name"] == "Before patching"
    assert any(f.endswith(".avhd") for f in doc["snapshot_files"])
    assert [g["vm_id"] for g in doc["groups"]] == [CLUSTERED]
    assert {d["signature"] for d in doc["disks"]} == {"5a1c3e7f"}, "masking: only LUN-0042 is presented here"
    assert {s["name"] for s in doc["switches"]} == {"Production", "LegacyNet"}


def test_source_scripts_refuse_on_a_2012r2_host(migration_lab):
    with HostSession(migration_lab.endpoint("NEW01"), migration_lab.username, migration_lab.password) as s:
        with pytest.raises(E.ScriptFailed, match="Invalid namespace"):
            s.run_json("mig-source-inventory")


def test_remove_role_refuses_a_running_vm(migration_lab):
    vm = migration_lab.estate.host("OLD01").vms[2]
    vm.is_clustered = True
    with HostSession(migration_lab.endpoint("OLD01"), migration_lab.username, migration_lab.password) as s:
        with pytest.raises(E.ScriptFailed) as info:
            s.run_json("mig-source-remove-role", {"VMId": RUNNING})
    assert "Shut it down before removing its role" in info.value.ps_error
    assert vm.is_clustered, "a refused change leaves the model as it was"
    doc = run(migration_lab, "OLD01", "mig-source-vm-shutdown", {"VMId": RUNNING})
    assert doc["changed"] and doc["state_before"] == "Running" and doc["state_after"] == "Off"
    doc = run(migration_lab, "OLD01", "mig-source-remove-role", {"VMId": RUNNING})
    assert doc["changed"] and not vm.is_clustered
    assert not run(migration_lab, "OLD01", "mig-source-vm-shutdown", {"VMId": RUNNING})["changed"], "idempotent"


def test_copy_configs_refuses_a_folder_on_a_csv(migration_lab):
    doc = run(migration_lab, "OLD01", "mig-source-copy-configs", {"VMIds": [READY], "Folder": "C:\\hvm"})
    assert [c["copy"] for c in doc["copies"]] == ["C:\\hvm\\%s\\%s.xml" % (READY, READY)]
    with HostSession(migration_lab.endpoint("OLD01"), migration_lab.username, migration_lab.password) as s:
        with pytest.raises(E.ScriptFailed, match="not on a CSV"):
            s.run_json("mig-source-copy-configs", {"VMIds": [READY], "Folder": "C:\\ClusterStorage\\Volume3\\x"})


def test_lun_move_compare_import_and_role(migration_lab):
    estate = migration_lab.estate
    with HostSession(migration_lab.endpoint("NEW01"), migration_lab.username, migration_lab.password) as s:
        with pytest.raises(E.ScriptFailed, match="no disk with signature 5a1c3e7f"):
            s.run_json("mig-dest-add-csv", {"DiskSignature": "5a1c3e7f", "MountName": "Volume3"})
    for vm in estate.host("OLD01").vms + estate.host("OLD02").vms:
        vm.state = "Off"
    run(migration_lab, "OLD01", "mig-source-remove-csv", {"CsvName": "Cluster Disk 3"})
    estate.lun("LUN-0042").presented_to = ["NEW01"]  # only one node: not available to the cluster yet
    inv = run(migration_lab, "NEW01", "mig-dest-inventory")
    assert inv["available_disks"] == [] and {d["signature"] for d in inv["disks"]} == {"5a1c3e7f", "0e77b1d2"}
    estate.lun("LUN-0042").presented_to = ["NEW01", "NEW02"]
    inv = run(migration_lab, "NEW01", "mig-dest-inventory", {"Paths": [XML % ("mig-ready", READY)]})
    assert [d["signature"] for d in inv["available_disks"]] == ["5a1c3e7f"]
    assert inv["paths"] == [{"path": XML % ("mig-ready", READY), "exists": False}], "not a CSV yet"

    doc = run(migration_lab, "NEW01", "mig-dest-add-csv", {"DiskSignature": "5a1c3e7f", "MountName": "Volume3"})
    assert doc["renamed_from"] == "C:\\ClusterStorage\\Volume2" and doc["path"] == "C:\\ClusterStorage\\Volume3"
    assert not run(migration_lab, "NEW01", "mig-dest-add-csv",
                   {"DiskSignature": "5a1c3e7f", "MountName": "Volume3"})["changed"]
    inv = run(migration_lab, "NEW02", "mig-dest-inventory", {"Paths": [XML % ("mig-ready", READY)]})
    assert inv["paths"][0]["exists"]

    cmp = run(migration_lab, "NEW01", "mig-dest-compare-vm", {"Path": XML % ("mig-switch", SWITCH), "VMId": SWITCH,
                                                              "SwitchMap": {}})
    assert [i["message_id"] for i in cmp["incompatibilities"]] == [33012]
    with HostSession(migration_lab.endpoint("NEW01"), migration_lab.username, migration_lab.password) as s:
        with pytest.raises(E.ScriptFailed) as info:
            s.run_json("mig-dest-register-vm", {"Path": XML % ("mig-switch", SWITCH), "VMId": SWITCH, "SwitchMap": {}})
        assert "Unable to import virtual machine due to configuration errors" in info.value.ps_error
        with pytest.raises(E.ScriptFailed, match="Unable to find a virtual switch"):
            s.run_json("mig-dest-compare-vm", {"Path": XML % ("mig-switch", SWITCH), "VMId": SWITCH,
                                               "SwitchMap": {"LegacyNet": "NoSuchSwitch"}})
        with pytest.raises(E.ScriptFailed, match="file was not found"):
            s.run_json("mig-dest-compare-vm", {"Path": "C:\\ClusterStorage\\Volume3\\nope.xml", "VMId": SWITCH,
                                               "SwitchMap": {}})
    doc = run(migration_lab, "NEW01", "mig-dest-register-vm", {"Path": XML % ("mig-switch", SWITCH), "VMId": SWITCH,
                                                               "SwitchMap": {"LegacyNet": "Production"}})
    assert doc["changed"] and doc["original_id_kept"] and doc["id"] == SWITCH.lower()
    assert doc["actions"] == [{"adapter": "Network Adapter", "switch_from": "LegacyNet", "switch_to": "Production",
                               "action": "connect"}]
    cmp = run(migration_lab, "NEW01", "mig-dest-compare-vm", {"Path": XML % ("mig-switch", SWITCH), "VMId": SWITCH})
    assert cmp["already_registered"]
    role = run(migration_lab, "NEW01", "mig-dest-add-role", {"VMId": SWITCH})
    assert role["changed"] and role["state"] == "Offline" and role["owner_node"] == "NEW01"
    groups = run(migration_lab, "NEW02", "mig-dest-inventory")["groups"]
    assert [g["vm_id"] for g in groups] == [SWITCH], "the cluster knows the role on every node"
