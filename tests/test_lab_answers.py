"""The lab answers shipped scripts the way a real host would: in the documented schema, and only for
byte-identical scripts."""

from __future__ import annotations

import jsonschema
import pytest

from hvassist.lab.model import load_scenario
from hvassist.remote import errors as E
from hvassist.remote.scripts import Script, get_script
from hvassist.remote.session import HostSession


def validate(script_name, doc):
    jsonschema.validate(doc, get_script(script_name).schema)


def test_collect_host_answer_matches_schema(seed_lab):
    for host in seed_lab.host_names():
        with HostSession(seed_lab.endpoint(host), seed_lab.username, seed_lab.password) as s:
            doc = s.run_json("collect-host", {"EventDays": 7})
            validate("collect-host", doc)
            validate("probe-host", s.run_json("probe-host"))


def test_fix_scripts_answers_match_schema(seed_lab):
    vm = seed_lab.estate.host("HV01").vms[0]
    with HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password) as s:
        validate("vm-stop", s.run_json("vm-stop", {"VMId": vm.id}))
        validate("vm-add-scsi-controller", s.run_json("vm-add-scsi-controller", {"VMId": vm.id}))
        validate("vm-start", s.run_json("vm-start", {"VMId": vm.id}))


def test_lab_refuses_a_modified_script(seed_lab):
    shipped = get_script("probe-host")
    tampered = Script(shipped.name, shipped.version, shipped.text + "\nRemove-VM * -Force\n",
                      shipped.min_windows_server, shipped.powershell, shipped.output, shipped.params)
    with HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password) as s:
        with pytest.raises(E.ScriptFailed, match="byte-identical"):
            s.run(tampered)


def test_add_controller_to_running_gen1_vm_fails_like_a_real_host(seed_lab):
    vm = seed_lab.estate.host("HV01").vms[0]
    assert vm.state == "Running" and vm.generation == 1
    with HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password) as s:
        with pytest.raises(E.ScriptFailed) as info:
            s.run_json("vm-add-scsi-controller", {"VMId": vm.id})
    assert "Add-VMScsiController" in info.value.ps_error
    assert "current state" in info.value.ps_error
    assert vm.scsi_controllers == 0, "a refused change leaves the model as it was"


def test_unknown_vm_id_is_a_powershell_error(seed_lab):
    with HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password) as s:
        with pytest.raises(E.ScriptFailed, match="unable to find a virtual machine"):
            s.run_json("vm-start", {"VMId": "00000000-0000-0000-0000-000000000000"})


def test_scenario_rejects_unknown_keys(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[[hosts]]\nname = "H"\nos = "2012r2"\n[[hosts.vms]]\nname = "v"\nscsi = 1\n')
    from hvassist.lab.model import ScenarioError

    with pytest.raises(ScenarioError, match="unknown key"):
        load_scenario(str(bad))
