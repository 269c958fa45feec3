"""Rules that need a look inside a Windows guest (collect-guest over WinRM, or PowerShell Direct on 2016+).
Without that look they find nothing; the diagnosis lists the VM under "needs a look inside the guest"
with the commands to run there instead (``hvassist.diagnose.guestlook``)."""

from __future__ import annotations

from collections.abc import Iterable

from hvassist.diagnose import events as ev
from hvassist.diagnose.findings import Evidence, Finding
from hvassist.diagnose.rules.base import Rule, event_evidence, vm_finding
from hvassist.snapshot import GuestFacts, HostSnapshot, VMFact

NON_SNAPSHOT_FILE_SYSTEMS = ("fat", "fat32", "exfat")
# "The free space needed is at least 100 Mb for each volume to be shadow copied" (vssvc.exe message file)
DIFF_AREA_MIN_FREE = 100 << 20


def _guests(s: HostSnapshot) -> Iterable[tuple[VMFact, GuestFacts]]:
    for vm in s.vms:
        facts = s.guest_facts(vm)
        if facts is not None:
            yield vm, facts


def _label(facts: GuestFacts, device_id: str) -> str:
    v = facts.volume(device_id)
    if v is None:
        return device_id
    if v.name and not v.name.startswith("\\\\?\\"):
        return v.name.rstrip("\\")
    return "'%s' (no drive letter)" % v.label if v.label else device_id


def guest_writer_failed(s: HostSnapshot) -> Iterable[Finding]:
    for vm, facts in _guests(s):
        failed = [w for w in facts.writers if w.failed]
        evidence = [Evidence("Inside the guest, the VSS writer '%s' is in state [%d] %s (last error: %s)." % (
            w.name, w.state, w.state_text, w.last_error or "none"), source="guest: vssadmin list writers")
            for w in failed]
        build = ev.guest_build(facts.os_version)
        for sig in (ev.GUEST_WRITER_FAILED_2, ev.ICSVC_WRITER_FAILED_23):
            evidence += [event_evidence(e, "guest ") for e in ev.find(facts.events, sig, build)]
        if evidence:
            yield vm_finding(s, "guest-writer-failed", vm, "warning", evidence,
                             writers=[{"name": w.name, "id": w.id, "state": w.state} for w in failed])


def dynamic_disks_guest(s: HostSnapshot) -> Iterable[Finding]:
    for vm, facts in _guests(s):
        if facts.dynamic_partitions:
            yield vm_finding(s, "dynamic-disks-guest", vm, "warning", [Evidence(
                "Inside the guest, %d partition(s) are on dynamic disks (type 'Logical Disk Manager')."
                % facts.dynamic_partitions, source="guest: Win32_DiskPartition")],
                dynamic_partitions=facts.dynamic_partitions)


def non_ntfs_volume(s: HostSnapshot) -> Iterable[Finding]:
    for vm, facts in _guests(s):
        bad = [v for v in facts.volumes if v.file_system.lower() in NON_SNAPSHOT_FILE_SYSTEMS]
        if bad:
            yield vm_finding(s, "non-ntfs-volume", vm, "warning", [Evidence(
                "Inside the guest, volume %s uses %s, which cannot be shadow-copied." % (
                    _label(facts, v.device_id), v.file_system), source="guest: Win32_Volume") for v in bad],
                volumes=[{"name": v.name, "file_system": v.file_system} for v in bad])


def shadowstorage_other_volume(s: HostSnapshot) -> Iterable[Finding]:
    for vm, facts in _guests(s):
        other = [x for x in facts.shadow_storage if x.for_volume.lower() != x.on_volume.lower()]
        if other:
            yield vm_finding(s, "shadowstorage-other-volume", vm, "warning", [Evidence(
                "Inside the guest, the shadow copy storage for %s is on %s." % (
                    _label(facts, x.for_volume), _label(facts, x.on_volume)),
                source="guest: Win32_ShadowStorage") for x in other],
                associations=[{"for": _label(facts, x.for_volume), "on": _label(facts, x.on_volume)}
                              for x in other])


def guest_diff_area(s: HostSnapshot) -> Iterable[Finding]:
    for vm, facts in _guests(s):
        evidence = [event_evidence(e, "guest ") for e in ev.find(
            facts.events, ev.GUEST_DIFF_AREA_3, ev.guest_build(facts.os_version))]
        full = [v for v in facts.volumes if v.file_system.upper() == "NTFS" and v.size_bytes
                and v.free_bytes < DIFF_AREA_MIN_FREE]
        evidence += [Evidence("Inside the guest, volume %s has %d MB free; a shadow copy needs at least 100 MB "
                              "free on each volume." % (_label(facts, v.device_id), v.free_bytes >> 20),
                              source="guest: Win32_Volume") for v in full]
        if evidence:
            yield vm_finding(s, "guest-diff-area", vm, "warning", evidence,
                             volumes=[{"name": _label(facts, v.device_id), "free_bytes": v.free_bytes}
                                      for v in full])


def scoped_snapshots(s: HostSnapshot) -> Iterable[Finding]:
    for vm, facts in _guests(s):
        build = ev.guest_build(facts.os_version)
        evidence = [event_evidence(e, "guest ") for sig in (ev.GUEST_SCOPED_ENABLED_13, ev.GUEST_SCOPED_PRESENT_14)
                    for e in ev.find(facts.events, sig, build)]
        if facts.scope_snapshots and 9200 <= build < ev.BUILD_2016:  # Windows 8 / Server 2012 era guests
            evidence.append(Evidence("Inside the guest, SystemRestore\\ScopeSnapshots is %d (scoped snapshots "
                                     "enabled)." % facts.scope_snapshots, source="guest: registry"))
        if evidence:
            yield vm_finding(s, "scoped-snapshots", vm, "warning", evidence, scope_snapshots=facts.scope_snapshots,
                             registry_key="HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\SystemRestore")


RULES = [
    Rule("guest-writer-failed", guest_writer_failed),
    Rule("dynamic-disks-guest", dynamic_disks_guest),
    Rule("non-ntfs-volume", non_ntfs_volume),
    Rule("shadowstorage-other-volume", shadowstorage_other_volume),
    Rule("guest-diff-area", guest_diff_area),
    Rule("scoped-snapshots", scoped_snapshots),
]
