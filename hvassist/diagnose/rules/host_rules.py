"""Rules about the host as a whole: VSS writers, providers and their registration, user rights, CSVs,
updates, and VSS events that concern every VM on the host."""

from __future__ import annotations

from collections.abc import Iterable

from hvassist.diagnose import events as ev
from hvassist.diagnose.findings import Evidence, Finding
from hvassist.diagnose.rules.base import Rule, event_evidence, host_finding
from hvassist.snapshot import VIRTUAL_MACHINES_SID, HostSnapshot

SOFTWARE_PROVIDER_ID = "{b5946137-7b9f-4925-af80-51abd60b20d5}"
VSS_UPDATE_KB = "KB2996928"  # VSS writer callback / freeze timeout problems after the November 2014 rollup
HOTFIXES_CHECKED = (VSS_UPDATE_KB,)


def host_hv_writer_failed(s: HostSnapshot) -> Iterable[Finding]:
    w = s.hyperv_writer
    if w is None or not w.failed:
        return
    evidence = [Evidence("vssadmin list writers: '%s' is in state [%d] %s, last error: %s."
                         % (w.name, w.state, w.state_text, w.last_error or "none"), source="vssadmin list writers")]
    for sig in (ev.HV_WRITER_REJECTED_8229, ev.HV_WRITER_UNEXPECTED_12289):
        evidence += [event_evidence(e) for e in ev.events_matching(s, sig)
                     if ev.HR_STALE_SESSION not in ev.event_text(e)]
    yield host_finding(s, "host-hv-writer-failed", "error", evidence, writer=w.name, writer_id=w.id,
                       writer_state=w.state, service="vmms")


def client_hyperv_no_writer(s: HostSnapshot) -> Iterable[Finding]:
    if not s.host.is_client or s.hyperv_writer is not None:
        return
    yield host_finding(s, "client-hyperv-no-writer", "error", [Evidence(
        "%s runs %s (a client edition); vssadmin list writers shows no 'Microsoft Hyper-V VSS Writer', so host-level "
        "VSS backups of its VMs are not possible." % (s.host.name, s.host.os_caption),
        source="Win32_OperatingSystem ProductType; vssadmin list writers")])


def hw_provider(s: HostSnapshot) -> Iterable[Finding]:
    """A hardware provider is installed and VSS logged it failing: 12293 naming it, its veto (0x80042306),
    or writes that could not be held / a commit that timed out (the provider's 10-second window)."""
    hardware = [p for p in s.providers if p.type.lower() == "hardware"]
    if not hardware:
        return
    hw_ids = {p.id.lower() for p in hardware}
    found = [e for e in ev.events_matching(s, ev.PROVIDER_ROUTINE_12293)
             if any(i in ev.event_text(e) for i in hw_ids)]
    found += ev.with_token(s.events, ev.HR_PROVIDER_VETO, provider=ev.VSS)
    found += ev.events_matching(s, ev.WRITES_NOT_HELD_12298) + ev.events_matching(s, ev.COMMIT_TIMEOUT_12310)
    if not found:
        return
    unique = list({(e.time, e.id, e.message): e for e in found}.values())
    evidence = [Evidence("Hardware VSS provider installed: '%s' %s, version %s." % (p.name, p.id, p.version),
                         source="vssadmin list providers") for p in hardware]
    evidence += [event_evidence(e) for e in sorted(unique, key=lambda e: e.time, reverse=True)[:10]]
    yield host_finding(s, "hw-provider", "error", evidence, providers=[{"name": p.name, "id": p.id,
                                                                         "version": p.version} for p in hardware])


def csv_issues(s: HostSnapshot) -> Iterable[Finding]:
    """This node reaches a CSV in redirected mode, or a CSV it owns is not online. Before 2016 the software
    provider's CSV snapshots also accumulate (KB2878635/KB3090343): shadow copies left on a CSV are evidence."""
    if s.host.cluster is None:
        return
    evidence: list[Evidence] = []
    csvs: list[str] = []
    node = s.host.name
    for c in s.csvs:
        st = c.state_on(node)
        if st is not None and st.redirected:
            reason = st.fs_redirected_reason if "file" in st.state.lower() else st.block_redirected_reason
            evidence.append(Evidence("%s reaches %s (%s) in %s mode (reason: %s)." % (
                node, c.name, c.path, st.state, reason or "not given"), source="Get-ClusterSharedVolumeState"))
            csvs.append(c.name)
        elif not c.node_states and c.redirected:
            evidence.append(Evidence("%s (%s) is in redirected access mode." % (c.name, c.path),
                                     source="Get-ClusterSharedVolume SharedVolumeInfo.RedirectedAccess"))
            csvs.append(c.name)
        if c.state.lower() not in ("online", "") and c.owner.lower() == node.lower():
            evidence.append(Evidence("%s (%s) is %s." % (c.name, c.path, c.state), source="Get-ClusterSharedVolume"))
            csvs.append(c.name)
    if evidence and s.host.host_vss_flow:
        csv_vols = {v.device_id.lower() for v in s.host.volumes if v.file_system.upper() == "CSVFS"}
        left = [x for x in s.shadows if x.original_volume in csv_vols]
        if left:
            evidence.append(Evidence("%d shadow copies exist on CSV volumes." % len(left), source="vssadmin list "
                                                                                              "shadows"))
    if evidence:
        yield host_finding(s, "csv-issues", "error", evidence, csvs=sorted(set(csvs)), node=node,
                           cluster=s.host.cluster.name)


def vss_provider_registration(s: HostSnapshot) -> Iterable[Finding]:
    evidence: list[Evidence] = []
    sw = s.host.swprv
    if sw is not None and sw.display_name:
        dll = sw.service_dll
        if not dll or not dll.lower().replace("/", "\\").endswith("\\swprv.dll"):
            evidence.append(Evidence("The ServiceDll value of the service swprv (%s) is %s." % (
                sw.display_name, "missing" if not dll else "'%s', not swprv.dll" % dll),
                source="HKLM\\SYSTEM\\CurrentControlSet\\Services\\swprv\\Parameters"))
    evidence += [event_evidence(e) for e in ev.events_matching(s, ev.PROVIDER_CLASS_12292)]
    if evidence:  # a 7023 for swprv says the same; alone it could have other reasons
        evidence += [event_evidence(e) for e in ev.events_matching(s, ev.SWPRV_TERMINATED_7023)]
        yield host_finding(s, "vss-provider-registration", "error", evidence, service="swprv",
                           service_dll=sw.service_dll if sw else None,
                           expected="%SystemRoot%\\System32\\swprv.dll")


def logon_as_service_right(s: HostSnapshot) -> Iterable[Finding]:
    rights = s.host.service_logon_right
    if rights is None or s.host.is_client:
        return
    if VIRTUAL_MACHINES_SID.lower() in {r.lower() for r in rights}:
        return
    evidence = [Evidence("'Log on as a service' does not include NT VIRTUAL MACHINE\\Virtual Machines (%s); it is "
                         "granted to: %s." % (VIRTUAL_MACHINES_SID, ", ".join(rights) or "nobody"),
                         source="secedit /export /areas USER_RIGHTS")]
    evidence += [event_evidence(e) for e in ev.with_token(s.events, ev.HR_LOGON_TYPE, provider=ev.VMMS)]
    yield host_finding(s, "logon-as-service-right", "error", evidence, right="SeServiceLogonRight",
                       missing_sid=VIRTUAL_MACHINES_SID, holders=list(rights))


def writer_metadata_too_large(s: HostSnapshot) -> Iterable[Finding]:
    found = ev.events_matching(s, ev.METADATA_TOO_LONG_8193)
    if found:
        yield host_finding(s, "writer-metadata-too-large", "error", [event_evidence(e) for e in found[:5]],
                           vm_count=len(s.vms), occurrences=len(found))


def stale_writer_sessions(s: HostSnapshot) -> Iterable[Finding]:
    found = ev.events_matching(s, ev.STALE_SESSIONS_12289)
    if found:
        yield host_finding(s, "stale-writer-sessions", "warning", [Evidence(
            "VSS logged %d time(s) that older Hyper-V VSS Writer session state was removed (0x80042409)."
            % len(found), source="Application log, VSS 12289")] + [event_evidence(e) for e in found[:3]],
            occurrences=len(found))


def overlapping_vss_jobs(s: HostSnapshot) -> Iterable[Finding]:
    found = ev.with_token(s.events, ev.HR_SNAPSHOT_SET_IN_PROGRESS, provider=ev.VSS)
    found += ev.with_token(s.events, ev.HR_SNAPSHOT_SET_IN_PROGRESS, provider=ev.VMMS)
    if not found:
        return
    evidence = [Evidence("A shadow copy could not start because another one was being created "
                         "(VSS_E_SNAPSHOT_SET_IN_PROGRESS, %d time(s))." % len(found), source="event log")]
    evidence += [event_evidence(e) for e in found[:5]]
    replicas = [vm.name for vm in s.vms if vm.replication_mode.lower() == "primary"]
    if replicas:
        evidence.append(Evidence("Hyper-V Replica also takes VSS snapshots on this host (primary VMs: %s)."
                                 % ", ".join(replicas), source="Get-VM ReplicationMode"))
    yield host_finding(s, "overlapping-vss-jobs", "error", evidence, occurrences=len(found),
                       replica_primary_vms=replicas)


def vss_com_security(s: HostSnapshot) -> Iterable[Finding]:
    found = ev.events_matching(s, ev.WRITER_CALLBACK_8194)
    if found:
        yield host_finding(s, "vss-com-security", "info", [event_evidence(e) for e in found[:3]],
                           occurrences=len(found), account="NT AUTHORITY\\NETWORK SERVICE")


def os_vss_update_bug(s: HostSnapshot) -> Iterable[Finding]:
    found = ev.events_matching(s, ev.WRITER_EXCEPTION_12366)
    timeouts = [w for w in s.writers if w.failed and ev.HR_WRITER_TIMEOUT in w.last_error.lower()]
    if not found and not timeouts:
        return
    installed = VSS_UPDATE_KB in s.host.hotfixes_installed
    checked = VSS_UPDATE_KB in s.host.hotfixes_checked
    if installed and s.host.os_build <= ev.BUILD_2012R2:
        return  # the known fix for this version is in place
    evidence = [event_evidence(e) for e in found[:5]]
    evidence += [Evidence("Writer '%s' is in state [%d] with last error %s." % (w.name, w.state, w.last_error),
                          source="vssadmin list writers") for w in timeouts]
    if s.host.os_build <= ev.BUILD_2012R2 and checked:
        evidence.append(Evidence("The update %s is not installed on %s (%s, build %d)." % (
            VSS_UPDATE_KB, s.host.name, s.host.os_caption, s.host.os_build), source="Win32_QuickFixEngineering"))
    yield host_finding(s, "os-vss-update-bug", "error", evidence, update=VSS_UPDATE_KB,
                       update_installed=installed if checked else None)


RULES = [
    Rule("host-hv-writer-failed", host_hv_writer_failed),
    Rule("client-hyperv-no-writer", client_hyperv_no_writer),
    Rule("hw-provider", hw_provider),
    Rule("csv-issues", csv_issues),
    Rule("vss-provider-registration", vss_provider_registration),
    Rule("logon-as-service-right", logon_as_service_right),
    Rule("writer-metadata-too-large", writer_metadata_too_large),
    Rule("stale-writer-sessions", stale_writer_sessions),
    Rule("overlapping-vss-jobs", overlapping_vss_jobs),
    Rule("vss-com-security", vss_com_security),
    Rule("os-vss-update-bug", os_vss_update_bug),
]

__all__ = ["RULES", "SOFTWARE_PROVIDER_ID", "HOTFIXES_CHECKED"]
