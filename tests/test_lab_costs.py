"""The lab's cost model, the generated estate and the naive-benchmark answers.

No timing here (the machine is noisy): the lab's sleeps are recorded instead of slept, so the tests
check what is charged, for what, and how often."""

from __future__ import annotations

import base64
import threading

import jsonschema
import pytest
import winrm

from hvassist.lab import wsman
from hvassist.lab.answers import collect
from hvassist.lab.costs import Costs
from hvassist.lab.generated import generate_estate, generate_scenario
from hvassist.lab.model import ScenarioError, load_scenario, load_scenario_data
from hvassist.lab.naive_benchmark import HOST_CHECKS, VM_CHECKS, naive_script
from hvassist.lab.runtime import Lab, start_lab
from hvassist.remote.scripts import get_script
from hvassist.remote.session import HostSession
from hvassist.services.diagnosis import HostTarget, diagnose_hosts


class SleepRecorder:
    """Stands in for time.sleep in the WinRM endpoint: records, does not wait."""

    def __init__(self):
        self.calls = []
        self.lock = threading.Lock()

    def __call__(self, seconds):
        with self.lock:
            self.calls.append(seconds)


def test_costs_are_off_unless_asked_for():
    assert not Costs.off().enabled
    assert Costs().enabled and Costs() == Costs.realistic()
    assert load_scenario("seed").costs is None
    lab = start_lab("seed")
    try:
        assert not lab.effective_costs.enabled
        hooks = lab.hosts["HV01"].server.hooks
        assert hooks.round_trip_seconds == 0 and hooks.bytes_per_second == 0 and hooks.on_command_start is None
    finally:
        lab.stop()


def test_costs_table_in_a_scenario():
    data = {"hosts": [{"name": "HV1"}], "costs": {}}
    assert load_scenario_data(dict(data)).costs == Costs()  # an empty table: the documented defaults
    tuned = load_scenario_data({**data, "costs": {"round_trip_ms": 5, "per_vm_ms": 2.5}}).costs
    assert tuned == Costs(round_trip_ms=5.0, per_vm_ms=2.5)
    with pytest.raises(ScenarioError, match="unknown key"):
        load_scenario_data({**data, "costs": {"rtt": 5}})
    with pytest.raises(ScenarioError, match="zero or more"):
        load_scenario_data({**data, "costs": {"round_trip_ms": -1}})
    with pytest.raises(ScenarioError, match="a number"):
        load_scenario_data({**data, "costs": {"per_vm_ms": "fast"}})


def test_a_benchmark_overrides_the_scenario_costs():
    estate = load_scenario_data({"hosts": [{"name": "HV1"}], "costs": {"round_trip_ms": 50}})
    assert Lab(estate).effective_costs.round_trip_ms == 50
    assert Lab(estate, costs=Costs.off()).effective_costs == Costs.off()


def test_round_trips_powershell_start_and_bandwidth_are_charged(monkeypatch):
    sleeps = SleepRecorder()
    monkeypatch.setattr(wsman.time, "sleep", sleeps)
    costs = Costs(round_trip_ms=20, powershell_start_ms=600, per_vm_ms=0, bytes_per_second=1_000_000)
    lab = Lab(load_scenario("seed"), costs=costs).start()
    starts = []
    server = lab.hosts["HV01"].server
    charge_start = server.hooks.on_command_start
    server.hooks.on_command_start = lambda io: (starts.append(io.encoded_script is not None), charge_start(io))
    try:
        with HostSession(lab.endpoint("HV01"), lab.username, lab.password) as s:
            s.run_json("probe-host")
        requests = server.request_count
    finally:
        lab.stop()
    half = [c for c in sleeps.calls if c == pytest.approx(0.010)]
    full = [c for c in sleeps.calls if c == pytest.approx(0.020)]
    assert len(half) == 2 * requests, "every HTTP request: half a round trip each way"
    assert len(full) == 1, "one TCP connection for the whole session"
    transfer = [c for c in sleeps.calls if c not in half and c not in full]
    assert transfer and all(0 < c < 0.2 for c in transfer), "bytes on the wire, both ways"
    assert starts == [True], "one PowerShell start for one script"


def test_powershell_start_counts_from_the_command_request(monkeypatch):
    waits = []

    class FakeIO:
        encoded_script = "..."
        age = 0.25  # the Command request came in 250 ms ago (the stdin Sends took that long)

        def wait_cancelled(self, seconds):
            waits.append(seconds)
            return False

    Costs(powershell_start_ms=600).server_hooks().on_command_start(FakeIO())
    assert waits == [pytest.approx(0.35)]
    FakeIO.encoded_script = None  # cmd.exe: no PowerShell to start
    Costs(powershell_start_ms=600).server_hooks().on_command_start(FakeIO())
    assert len(waits) == 1


def test_collect_host_charges_per_vm():
    estate = generate_estate(1, 10)
    budgets = []
    call = collect.LabCall(estate, estate.hosts[0], "collect-host", {}, "u", lambda t: None,
                           lambda s: budgets.append(s) or False, costs=Costs(per_vm_ms=15))
    doc = collect.collect_host(call)
    assert len(doc["vms"]) == 10
    assert len(budgets) == 1 and 0 < budgets[0] <= 0.150, "10 VMs × 15 ms, less the time spent building the answer"
    free = collect.LabCall(estate, estate.hosts[0], "collect-host", {}, "u", lambda t: None,
                           lambda s: budgets.append(s) or False)
    collect.collect_host(free)
    assert len(budgets) == 1, "no costs: no waiting"


def test_generated_estate_is_repeatable_and_realistic():
    a, b = generate_scenario(4, 20, seed=7), generate_scenario(4, 20, seed=7)
    assert a == b
    assert generate_scenario(4, 20, seed=8) != a
    estate = generate_estate(16, 64)
    vms = [vm for h in estate.hosts for vm in h.vms]
    assert len(estate.hosts) == 16 and len(vms) == 1024
    assert len(estate.clusters) == 4 and {h.os for h in estate.hosts} >= {"2012r2", "2016", "2019"}
    assert {vm.generation for vm in vms} == {1, 2} and {vm.state for vm in vms} >= {"Running", "Off", "Saved"}
    assert any(vm.generation == 1 and vm.scsi_controllers == 0 for vm in vms)
    assert any(c.type == "Recovery" for vm in vms for c in vm.checkpoints)
    assert any(vm.integration_services.get("VSS") is False for vm in vms)
    assert any("'" in vm.name for vm in vms) and any(not vm.name.isascii() for vm in vms)
    assert any(w.state != 1 for h in estate.hosts for w in h.writers)
    doc = collect.collect_host(collect.LabCall(estate, estate.hosts[0], "collect-host", {}, "u", lambda t: None,
                                               lambda s: False))
    jsonschema.validate(doc, get_script("collect-host").schema)


def test_generated_estate_diagnoses_with_the_expected_causes():
    lab = Lab(generate_estate(2, 40, seed=3)).start()
    try:
        diagnosis = diagnose_hosts([HostTarget(lab.endpoint(h), lab.username, lab.password)
                                    for h in lab.host_names()])
    finally:
        lab.stop()
    assert all(h.ok for h in diagnosis.hosts)
    assert sum(len(h.snapshot.vms) for h in diagnosis.hosts) == 80
    causes = {f.cause for f in diagnosis.findings}
    assert "vm-not-running" in causes
    assert causes & {"no-scsi-controller", "lingering-recovery-checkpoint", "backup-ic-disabled"}


def _run_ps(lab, host, script):
    ep = lab.endpoint(host)
    session = winrm.Session(ep.url, auth=(lab.username, lab.password), transport="ntlm",
                            server_cert_validation="ignore")  # plain HTTP with NTLM encryption: no TLS here
    try:
        return session.run_ps(script)
    finally:
        session.protocol.transport.close_session()


def test_naive_benchmark_scripts_are_refused_by_an_ordinary_lab(seed_lab):
    result = _run_ps(seed_lab, "HV01", naive_script("vm", "VM001"))
    assert result.status_code != 0 and not result.std_out
    assert b"only hvassist's bootstrap" in result.std_err or b"bootstrap" in result.std_err


def test_naive_benchmark_scripts_are_answered_only_when_the_benchmark_asks():
    lab = Lab(load_scenario("seed"), accept_naive_benchmark_scripts=True).start()
    try:
        for check in VM_CHECKS:
            result = _run_ps(lab, "HV01", naive_script(check, "VM001"))
            assert result.status_code == 0, (check, result.std_err)
        assert _run_ps(lab, "HV01", naive_script("scsi", "VM001")).std_out.strip() == b"0"
        for check in HOST_CHECKS:
            assert _run_ps(lab, "HV01", naive_script(check)).status_code == 0
        assert _run_ps(lab, "HV01", "Remove-VM * -Force").status_code != 0, "anything else is still refused"
        assert _run_ps(lab, "HV01", naive_script("vm", "no such VM")).status_code != 0
        assert lab.hosts["HV01"].handler.powershell_starts == len(VM_CHECKS) + len(HOST_CHECKS) + 3
    finally:
        lab.stop()


def test_a_quote_in_a_vm_name_stays_data_in_the_naive_script():
    text = naive_script("vm", "O'Brien")
    assert "'O''Brien'" in text
    assert base64.b64encode(text.encode("utf-16-le"))  # travels like run_ps sends it
