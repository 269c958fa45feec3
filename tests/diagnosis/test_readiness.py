"""Backup readiness per VM: the same facts and findings, read for the host version's backup method."""

from __future__ import annotations

import pytest
from support.snapshots import HV_WRITER, findings, guest, host, snapshot, vm, vm_id

from hvassist.diagnose.guestlook import pending_checks
from hvassist.diagnose.readiness import vm_readiness


def readiness(doc, name, guests=None):
    s = snapshot(doc, guests)
    f = findings(doc, guests)
    v = s.vm(name)
    assert v is not None
    return vm_readiness(s, v, f, pending_checks(s, f))


def disabled_backup_ic(name, **kw):
    ics = vm(name)["integration_services"]
    for ic in ics:
        if ic["name"] == "VSS":
            ic["enabled"] = False
    return vm(name, integration_services=ics, **kw)


@pytest.mark.parametrize(("os", "checkpoint", "verdict"), [
    ("2012r2", None, "offline"),                 # host VSS: the saved-state method
    ("2019", "Production", "crash-consistent"),  # production checkpoint falls back to standard
    ("2019", "ProductionOnly", "failing"),       # no fallback allowed
])
def test_guest_that_cannot_help(os, checkpoint, verdict):
    r = readiness(host(os, vms=[disabled_backup_ic("a", checkpoint_type=checkpoint)]), "a", {"a": guest()})
    assert r.verdict == verdict
    assert any("Backup integration service is turned off" in x for x in r.reasons)


def test_healthy_vm_is_application_consistent_and_says_how():
    r = readiness(host("2012r2", vms=[vm("a")]), "a", {"a": guest()})
    assert r.verdict == "application-consistent" and "online backup" in r.reasons[0]
    r = readiness(host("2019", vms=[vm("b")]), "b", {"b": guest(os_version="10.0.17763")})
    assert r.verdict == "application-consistent" and "production checkpoint" in r.reasons[0]


def test_not_checked_inside_is_said_but_does_not_change_the_verdict():
    r = readiness(host("2012r2", vms=[vm("a")]), "a")
    assert r.verdict == "application-consistent"
    assert any("Not checked inside the guest" in x for x in r.reasons)


def test_vm_state_and_version():
    assert readiness(host("2012r2", vms=[vm("a", state="Off")]), "a").verdict == "offline"
    assert readiness(host("2019", vms=[vm("a", state="Saved")]), "a").verdict == "offline"
    standard = readiness(host("2019", vms=[vm("a", checkpoint_type="Standard")]), "a", {"a": guest()})
    assert standard.verdict == "crash-consistent"
    r = readiness(host("2019", vms=[vm("a", version="5.0")]), "a", {"a": guest()})
    assert r.verdict == "application-consistent" and any("older than 6.2" in x for x in r.reasons)


def test_no_scsi_controller_fails_only_a_running_vm():
    assert readiness(host("2012r2", vms=[vm("a", generation=1, scsi_controllers=0)]), "a").verdict == "failing"
    off = readiness(host("2012r2", vms=[vm("a", generation=1, scsi_controllers=0, state="Off")]), "a")
    assert off.verdict == "offline"


def test_host_wide_failures_fail_every_vm():
    doc = host(vms=[vm("a"), vm("b")], writers=[("Microsoft Hyper-V VSS Writer", HV_WRITER, 8, "Timed out")])
    for name in ("a", "b"):
        r = readiness(doc, name, {"a": guest(), "b": guest()})
        assert r.verdict == "failing" and "Hyper-V VSS writer" in r.reasons[0]


def test_writer_veto_is_crash_consistent_on_both_methods():
    failed = guest(writers_text=guest()["writers_text"].replace("[1] Stable", "[9] Failed"))
    assert readiness(host("2012r2", vms=[vm("a")]), "a", {"a": failed}).verdict == "crash-consistent"
    assert readiness(host("2019", vms=[vm("a")]), "a", {"a": failed}).verdict == "crash-consistent"


def test_linux_without_a_look_inside_says_it_depends_on_the_daemon():
    linux = {"os_name": "Ubuntu 22.04", "os_version": "5.15", "ic_version": None, "fqdn": None}
    r = readiness(host("2019", vms=[vm("l", guest=linux)]), "l")
    assert r.verdict == "application-consistent"
    assert any("hv_vss_daemon" in x for x in r.reasons)
    s = snapshot(host("2019", vms=[vm("l", guest=linux)]))
    assert [(p.target, p.causes) for p in pending_checks(s, [])] == [("l", ("linux-no-vss-daemon",))]
    assert vm_id("l") == s.vms[0].id
