"""Each rule on small hand-built snapshots: it fires on its fault, stays quiet on the healthy twin, knows
which host versions it applies to, and reads localised events through their properties."""

from __future__ import annotations

import pytest
from support.snapshots import HV_WRITER, causes, event, findings, guest, host, vm, vm_id

VMMS = "Microsoft-Windows-Hyper-V-VMMS"
VMMS_LOG = "Microsoft-Windows-Hyper-V-VMMS-Admin"
HW = "{c5d72a1f-7e9a-4d14-8a4a-2c49b4a1f3e6}"


def only(doc, cause, guests=None):
    return [f for f in findings(doc, guests) if f.cause == cause]


# -- healthy baseline -----------------------------------------------------------------------------
@pytest.mark.parametrize("os", ["2012r2", "2016", "2019", "2022"])
def test_a_healthy_host_and_vm_give_no_finding(os):
    doc = host(os, vms=[vm("good"), vm("good-gen1", generation=1, scsi_controllers=1)])
    assert findings(doc, {"good": guest(), "good-gen1": guest()}) == []


# -- no-scsi-controller and 10103 -------------------------------------------------------------------
def test_no_scsi_controller_on_2012r2_and_later_only():
    gen1 = vm("old", generation=1, scsi_controllers=0)
    assert ("no-scsi-controller", "old") in causes(host("2012r2", vms=[gen1]))
    assert ("no-scsi-controller", "old") in causes(host("2019", vms=[vm("old", generation=1, scsi_controllers=0)]))
    assert causes(host("2008r2", vms=[vm("old", generation=1, scsi_controllers=0)])) == set()


def test_10103_on_2008_means_something_else():
    text = "Failed to revert to VSS snapshot on the virtual hard disk 'x' of the virtual machine 'old'"
    doc = host("2008r2", vms=[vm("old", generation=1)], events=[
        event(VMMS, 10103, text, ["old"], log=VMMS_LOG)])
    assert findings(doc) == []


def test_10103_is_evidence_in_english_and_localised_via_properties():
    v = vm("old", generation=1, scsi_controllers=0)
    english = event(VMMS, 10103, "The virtual machine 'old' cannot be hot backed up since it has no SCSI "
                    "controllers attached. Please add one or more SCSI controllers to the virtual machine before "
                    "performing a backup. (Virtual machine ID %s)" % v["id"], ["old", v["id"]], log=VMMS_LOG)
    german = event(VMMS, 10103, "Für den virtuellen Computer \"old\" ist keine Sicherung im laufenden Betrieb "
                   "möglich, da keine SCSI-Controller angeschlossen sind.", ["old", v["id"].upper()], log=VMMS_LOG)
    other_vm = event(VMMS, 10103, "The virtual machine 'other' cannot be hot backed up since it has no SCSI "
                     "controllers attached.", ["other", vm_id("other")], log=VMMS_LOG)
    f = only(host("2012r2", vms=[v], events=[english, german, other_vm]), "no-scsi-controller")[0]
    texts = " ".join(e.text for e in f.evidence)
    assert "hot backed up" in texts and "SCSI-Controller" in texts and "'other'" not in texts
    assert f.detail["vm_id"] == v["id"] and f.detail["state"] == "Running"


# -- integration services ---------------------------------------------------------------------------
def test_backup_ic_disabled_names_the_service():
    ics = vm("a")["integration_services"]
    for ic in ics:
        if ic["name"] == "VSS":
            ic["enabled"] = False
    f = only(host(vms=[vm("a", integration_services=ics)]), "backup-ic-disabled")
    assert f and f[0].detail["integration_service"] == "VSS"


def test_guest_ic_service_stopped_from_the_host_and_from_the_guest():
    ics = vm("a")["integration_services"]
    for ic in ics:
        if ic["name"] == "VSS":
            ic["primary_status"] = "Lost Communication"
    assert only(host(vms=[vm("a", integration_services=ics)]), "guest-ic-service-stopped")
    g = guest(vmicvss={"state": "Stopped", "start_mode": "Disabled"})
    f = only(host(vms=[vm("b")]), "guest-ic-service-stopped", {"b": g})
    assert f and f[0].detail["start_mode"] == "Disabled"
    # a VM whose heartbeat is also silent is not "the backup helper stopped" (no contact at all)
    for ic in ics:
        ic["primary_status"] = "No Contact"
    assert not only(host(vms=[vm("c", integration_services=ics)]), "guest-ic-service-stopped")


def test_ic_outdated_depends_on_the_host_version():
    old = vm("a", guest={"os_name": "Windows Server 2008 R2", "os_version": "6.1.7601",
                         "ic_version": "6.1.7601.17514", "fqdn": "a"})
    f = only(host("2012r2", vms=[old]), "ic-outdated")
    assert f and f[0].detail["update_method"] == "vmguest.iso"
    # on 2016+ only Hyper-V's own verdict counts; the fix is Windows Update inside the guest
    assert not only(host("2019", vms=[dict(old)]), "ic-outdated")
    f = only(host("2019", vms=[dict(old, ic_state="Update required")]), "ic-outdated")
    assert f and f[0].detail["update_method"] == "windows-update"


# -- checkpoints and files ----------------------------------------------------------------------------
def test_lingering_recovery_checkpoint_detail_has_ids():
    cp = {"name": "a - Backup", "id": "5A1E", "type": "Recovery", "created": "2026-11-20T00:00:00Z",
          "parent_id": ""}
    std = dict(cp, type="Standard", id="77")
    f = only(host(vms=[vm("a", checkpoints=[cp, std])]), "lingering-recovery-checkpoint")
    assert f[0].detail["checkpoints"] == ["5a1e"]
    assert not only(host(vms=[vm("b", checkpoints=[std])]), "lingering-recovery-checkpoint")


def test_autorecovery_file_in_or_out_of_the_live_chain():
    base = vm("a")
    left = "D:\\Hyper-V\\a\\Virtual Hard Disks\\a_1-AutoRecovery.avhdx"
    out_of_chain = vm("a", autorecovery_files=[{"path": left, "size_bytes": 4 << 20, "modified": None}])
    f = only(host(vms=[out_of_chain]), "autorecovery-avhdx-left")[0]
    assert f.detail["files"][0]["in_live_chain"] is False
    disk = dict(base["disks"][0], chain=[left.upper()])
    in_chain = vm("a", disks=[disk], autorecovery_files=[{"path": left, "size_bytes": 1, "modified": None}])
    assert only(host(vms=[in_chain]), "autorecovery-avhdx-left")[0].detail["files"][0]["in_live_chain"] is True


def test_vm_not_running_severity_by_version():
    assert only(host("2012r2", vms=[vm("a", state="Saved")]), "vm-not-running")[0].severity == "warning"
    assert only(host("2019", vms=[vm("a", state="Off")]), "vm-not-running")[0].severity == "info"


def test_snapshot_location_only_for_the_host_vss_method():
    a = vm("a", snapshot_location="E:\\Snapshots")
    vols = host()["host"]["volumes"] + [{"device_id": "e", "name": "E:\\", "label": "", "file_system": "NTFS",
                                         "size_bytes": 1 << 40, "free_bytes": 1 << 39}]
    f = only(host("2012r2", vms=[a], volumes=vols), "snapshot-location")
    assert f and f[0].detail["snapshot_volume"] == "e:" and f[0].detail["disk_volumes"] == ["d:"]
    assert not only(host("2016", vms=[vm("a", snapshot_location="E:\\Snapshots")], volumes=vols),
                    "snapshot-location")
    csv_vm = vm("c", snapshot_location="C:\\ClusterStorage\\Volume1\\c",
                disks=[dict(vm("c")["disks"][0], path="C:\\ClusterStorage\\Volume1\\c\\c.vhdx")])
    csvs = [{"name": "Cluster Disk 1", "state": "Online", "owner": "HV1", "path": "C:\\ClusterStorage\\Volume1",
             "size_bytes": 1 << 40, "free_bytes": 1 << 39, "redirected": False, "node_states": []}]
    assert not only(host("2012r2", vms=[csv_vm], csvs=csvs), "snapshot-location"), "same CSV, not drive C:"


def test_host_space_on_a_nearly_full_volume():
    vols = [{"device_id": "d", "name": "D:\\", "label": "", "file_system": "NTFS", "size_bytes": 2000 << 30,
             "free_bytes": 50 << 30}]
    f = only(host(vms=[vm("a")], volumes=vols), "host-space")
    assert f and f[0].detail["volumes"]["d:"]["free_bytes"] == 50 << 30
    vols[0]["free_bytes"] = 500 << 30
    assert not only(host(vms=[vm("a")], volumes=vols), "host-space")


# -- 2016+ only ---------------------------------------------------------------------------------------
def test_config_version_and_checkpoint_type_are_2016_plus_causes():
    assert not only(host("2012r2", vms=[vm("a", version="5.0")]), "vm-config-version")
    f = only(host("2016", vms=[vm("a", version="5.0")]), "vm-config-version")
    assert f and f[0].detail["irreversible"] is True and f[0].detail["upgrade_allowed"] is True
    clustered = host("2019", vms=[vm("a", version="5.0")],
                     cluster={"name": "C", "functional_level": 8, "nodes": [], "vm_groups": []})
    assert only(clustered, "vm-config-version")[0].detail["upgrade_allowed"] is False  # CFL not raised yet
    assert not only(host("2012r2", vms=[vm("a", checkpoint_type="Standard")]), "checkpoint-type")
    assert only(host("2019", vms=[vm("a", checkpoint_type="Standard")]), "checkpoint-type")[0].severity == "warning"
    assert only(host("2019", vms=[vm("a", checkpoint_type="Disabled")]), "checkpoint-type")[0].severity == "error"
    assert not only(host("2019", vms=[vm("a", checkpoint_type="ProductionOnly")]), "checkpoint-type")


def test_vhds_needs_a_failure_not_just_a_vhd_set():
    disks = vm("a")["disks"] + [dict(vm("a")["disks"][0], path="C:\\CS\\g\\shared.vhds", shared=True)]
    healthy = host("2019", vms=[vm("a", disks=disks)])
    assert findings(healthy, {"a": guest(clussvc_state="Running")}) == []
    f = only(host("2019", vms=[vm("a", disks=disks)]), "vhds-guest-cluster", {"a": guest(clussvc_state="Stopped")})
    assert f and f[0].detail["vhd_sets"] == ["C:\\CS\\g\\shared.vhds"]
    merge = event(VMMS, 19100, "'a' background disk merge failed to complete: General access denied error "
                  "(0x80070005)", ["a", "0x80070005"], log=VMMS_LOG)
    doc = host("2019", vms=[vm("a", disks=disks)], events=[merge])
    assert {c for c, _ in causes(doc)} == {"vhds-guest-cluster"}, "a VHD Set's 19100 is not permissions-av"


def test_shared_vhdx_on_any_version_but_not_vhd_sets():
    shared = [dict(vm("a")["disks"][0], path="C:\\CS\\q.vhdx", shared=True)]
    assert only(host("2012r2", vms=[vm("a", disks=shared)]), "shared-vhdx-2012r2")
    assert "VHD Set" in only(host("2019", vms=[vm("a", disks=shared)]), "shared-vhdx-2012r2")[0].evidence[0].text
    sets = [dict(shared[0], path="C:\\CS\\q.vhds")]
    assert not only(host("2019", vms=[vm("a", disks=sets)]), "shared-vhdx-2012r2")


def test_permissions_from_the_acl_and_from_19100():
    no_acl = [dict(vm("a")["disks"][0], vm_access=False)]
    f = only(host(vms=[vm("a", disks=no_acl)]), "permissions-av")
    assert f and f[0].detail["vm_account"].startswith("NT VIRTUAL MACHINE\\")
    unknown = [dict(vm("a")["disks"][0], vm_access=None)]  # not checked (share, unreadable): no finding
    assert not only(host(vms=[vm("a", disks=unknown)]), "permissions-av")


def test_passthrough_vfc_and_guest_iscsi():
    pt = vm("a")["disks"] + [dict(vm("a")["disks"][0], path="Disk 3", disk_number=3)]
    assert only(host(vms=[vm("a", disks=pt)]), "passthrough-iscsi-vfc")[0].detail["passthrough_disks"] == [3]
    assert only(host(vms=[vm("b", fibre_channel_adapters=2)]), "passthrough-iscsi-vfc")
    assert only(host(vms=[vm("c")]), "passthrough-iscsi-vfc", {"c": guest(iscsi_sessions=1)})


def test_unsupported_guest_os_from_kvp_or_without_integration():
    assert only(host(vms=[vm("xp", guest={"os_name": "Windows XP Professional", "os_version": "5.1.2600",
                                          "ic_version": "6.3.9600.16384", "fqdn": "xp"})]), "unsupported-guest-os")
    ics = vm("n")["integration_services"]
    for ic in ics:
        ic["primary_status"] = "No Contact"
    assert only(host(vms=[vm("n", guest=None, ic_version="", integration_services=ics)]), "unsupported-guest-os")


def test_linux_daemon_needs_10150_for_the_vm():
    linux = {"os_name": "Ubuntu 22.04", "os_version": "5.15", "ic_version": None, "fqdn": None}
    v = vm("l", guest=linux)
    assert not only(host("2019", vms=[v]), "linux-no-vss-daemon")
    e = event(VMMS, 10150, "", ["l", v["id"]], log=VMMS_LOG)
    assert only(host("2019", vms=[vm("l", guest=linux)], events=[e]), "linux-no-vss-daemon")
    other = event(VMMS, 10150, "", ["x", vm_id("x")], log=VMMS_LOG)
    assert not only(host("2019", vms=[vm("l", guest=linux)], events=[other]), "linux-no-vss-daemon")


def test_disk_signature_collision_needs_the_guest_view_and_is_weaker_after_2012r2():
    assert not only(host(vms=[vm("a")]), "disk-signature-collision")
    same = {"a": guest(disk_signatures=["1A2B3C4D"])}
    assert only(host("2012r2", vms=[vm("a")]), "disk-signature-collision", same)[0].severity == "warning"
    assert only(host("2008r2", vms=[vm("a")]), "disk-signature-collision", same)[0].severity == "error"


# -- host-wide --------------------------------------------------------------------------------------
def test_hyperv_writer_failed():
    doc = host(writers=[("Microsoft Hyper-V VSS Writer", HV_WRITER, 9, "Timed out")])
    f = only(doc, "host-hv-writer-failed")
    assert f and f[0].vm is None and f[0].detail["writer_state"] == 9


def test_client_hyperv_without_writer():
    assert only(host("win10", writers=[]), "client-hyperv-no-writer")
    assert not only(host("2019", writers=[]), "client-hyperv-no-writer")


def test_hw_provider_needs_its_failure_events():
    providers = [("Microsoft Software Shadow Copy provider 1.0", "{b5946137-7b9f-4925-af80-51abd60b20d5}",
                  "System"), ("Vendor VSS Provider", HW, "Hardware")]
    assert not only(host(providers=providers), "hw-provider"), "installed is not failing"
    sw_error = event("VSS", 12293, "Volume Shadow Copy Service error: Error calling a routine on a Shadow Copy "
                     "Provider {b5946137-7b9f-4925-af80-51abd60b20d5}. Routine details x [hr = 0x1].",
                     ["{b5946137-7b9f-4925-af80-51abd60b20d5}", "x", "0x1"])
    assert not only(host(providers=providers, events=[sw_error]), "hw-provider")
    hw_error = event("VSS", 12293, "Fehler beim Aufrufen einer Routine", [HW, "EndPrepareSnapshots", "0x80042306"])
    f = only(host(providers=providers, events=[hw_error]), "hw-provider")
    assert f and f[0].detail["providers"][0]["id"] == HW
    timeout = event("VSS", 12310, "Volume Shadow Copy Service error: The shadow copy could not be committed - "
                    "operation timed out.", ["x"])
    assert only(host(providers=providers, events=[timeout]), "hw-provider")
    assert not only(host(events=[timeout]), "hw-provider"), "no hardware provider: not this cause"


def test_csv_redirected_only_on_the_node_that_is_redirected():
    states = [{"csv": "Cluster Disk 1", "node": "HV1", "state": "FileSystemRedirected",
               "fs_redirected_reason": "NoDiskConnectivity", "block_redirected_reason": "NotBlockRedirected"},
              {"csv": "Cluster Disk 1", "node": "HV2", "state": "Direct",
               "fs_redirected_reason": "NotFileSystemRedirected", "block_redirected_reason": "NotBlockRedirected"}]
    csvs = [{"name": "Cluster Disk 1", "state": "Online", "owner": "HV2", "path": "C:\\ClusterStorage\\Volume1",
             "size_bytes": 1 << 40, "free_bytes": 1 << 39, "redirected": True, "node_states": states}]
    cl = {"name": "C", "functional_level": 0, "nodes": [{"name": "HV1", "state": "Up"}], "vm_groups": []}
    f = only(host(name="HV1", cluster=cl, csvs=csvs), "csv-issues")
    assert f and "NoDiskConnectivity" in f[0].evidence[0].text
    assert not only(host(name="HV2", cluster=cl, csvs=csvs), "csv-issues")


def test_swprv_registration_from_the_registry_and_12292():
    sw = {"display_name": "Microsoft Software Shadow Copy Provider", "state": "Stopped", "start_mode": "Manual",
          "service_dll": None}
    assert only(host(swprv=sw), "vss-provider-registration")
    ok = dict(sw, service_dll="C:\\Windows\\System32\\swprv.dll")
    stopped = event("Service Control Manager", 7023, "", ["Microsoft Software Shadow Copy Provider", "%%2"],
                    log="System")
    assert not only(host(swprv=ok, events=[stopped]), "vss-provider-registration"), "7023 alone is not enough"
    clsid = event("VSS", 12292, "Fehler beim Erstellen der COM-Klasse", ["{65ee1dba-8ff4-4a58-ac1c-3470ee2f376a}",
                                                                          "0x80080005"])
    assert only(host(swprv=ok, events=[clsid]), "vss-provider-registration")


def test_logon_as_service_right():
    assert only(host(service_logon_right=["S-1-5-80-0"]), "logon-as-service-right")
    assert not only(host(service_logon_right=None), "logon-as-service-right"), "unreadable is not missing"
    assert not only(host(), "logon-as-service-right")


def test_vss_events_need_their_hresult_not_just_the_id():
    generic_8193 = event("VSS", 8193, "Volume Shadow Copy Service error: Unexpected error calling routine "
                         "ConvertStringSidToSid.  hr = 0x80070539.", ["ConvertStringSidToSid", "0x80070539"])
    generic_12289 = event("VSS", 12289, "Volume Shadow Copy Service error: Unexpected error DeviceIoControl.  "
                          "hr = 0x80070001.", ["DeviceIoControl", "0x80070001", "Writer Class Id: %s" % HV_WRITER])
    generic_8194 = event("VSS", 8194, "Volume Shadow Copy Service error: Unexpected error querying for the "
                         "IVssWriterCallback interface.  hr = 0x80070057.", ["0x80070057"])
    assert findings(host(events=[generic_8193, generic_12289, generic_8194])) == []


def test_localised_vss_events_are_read_through_their_properties():
    # Japanese 12289 as Microsoft's KB 978773 shows it: the text is localised, the hr and writer id are not
    stale = event("VSS", 12289, "ボリューム シャドウ コピー サービス エラー: 予期しないエラー "
                  "以前のライター セッションの状態が削除されています。 . hr = 0x80042409、"
                  "ライターの状態は 1 つ以上のライターでは使用できません。",
                  ["以前のライター セッションの状態が削除されています。", "0x80042409",
                   "操作:\n プレリストア イベント\nコンテキスト:\n ライター クラス ID: %s" % HV_WRITER])
    metadata = event("VSS", 8193, "Schattenkopiedienstfehler: Unerwarteter Fehler beim Aufrufen der Routine "
                     "XML-Dokument ist zu lang.  hr = 0x80070018.", ["XML-Dokument ist zu lang", "0x80070018"])
    com = event("VSS", 8194, "Erreur du service de cliché instantané des volumes : erreur inattendue lors de la "
                "requête de l'interface IVssWriterCallback. hr = 0x80070005, Accès refusé.",
                ["0x80070005, Accès refusé."])
    got = {c for c, _ in causes(host(events=[stale, metadata, com]))}
    assert got == {"stale-writer-sessions", "writer-metadata-too-large", "vss-com-security"}


def test_overlapping_jobs_from_the_in_progress_hresult():
    e = event("VSS", 8193, "", ["StartSnapshotSet", "0x80042316"])
    f = only(host(vms=[vm("r", replication_mode="Primary")], events=[e]), "overlapping-vss-jobs")
    assert f and f[0].detail["replica_primary_vms"] == ["r"]


def test_os_vss_update_bug_is_quiet_once_the_update_is_installed_on_2012r2():
    e = event("VSS", 12366, "An unhandled exception was encountered while processing a VSS writer event callback "
              "method. The VSS writer infrastructure is in an unstable state.", ["Registry Writer"])
    f = only(host("2012r2", events=[e]), "os-vss-update-bug")
    assert f and f[0].detail["update_installed"] is False
    assert not only(host("2012r2", events=[e], hotfixes_installed=["KB2996928"]), "os-vss-update-bug")


# -- inside the guest ---------------------------------------------------------------------------------
def test_guest_rules_fire_only_with_guest_facts():
    v = vm("g")
    quiet = host(vms=[v])
    assert findings(quiet) == [], "without a look inside, guest rules say nothing (a pending check does)"
    sys_res = "\\\\?\\Volume{aaaa0000-0000-0000-0000-000000000002}\\"
    c = "\\\\?\\Volume{aaaa0000-0000-0000-0000-000000000001}\\"
    cases = {
        "guest-writer-failed": guest(writers_text=guest()["writers_text"].replace("[1] Stable", "[9] Failed")),
        "dynamic-disks-guest": guest(dynamic_partitions=2),
        "non-ntfs-volume": guest(volumes=guest()["volumes"] + [{
            "device_id": "f", "name": "F:\\", "label": "", "file_system": "FAT32", "size_bytes": 1 << 34,
            "free_bytes": 1 << 33}]),
        "shadowstorage-other-volume": guest(shadow_storage=[{"for_volume": c, "on_volume": sys_res,
                                                             "max_bytes": 1, "used_bytes": 0}]),
        "guest-diff-area": guest(volumes=[dict(guest()["volumes"][1], free_bytes=20 << 20)]),
        "scoped-snapshots": guest(os_version="6.2.9200", scope_snapshots=1),
    }
    for cause, g in cases.items():
        assert {c for c, _ in causes(host(vms=[vm("g")]), {"g": g})} == {cause}, cause


def test_guest_events_are_matched_on_provider_id_and_guest_version():
    icsvc = event("Microsoft-Windows-Hyper-V-Guest-Drivers-IcSvc", 23, "The selected writer SqlServerWriter is in "
                  "a failed state, status 9, 0x800423f4.", ["SqlServerWriter", "9", "0x800423f4"],
                  log="Microsoft-Windows-Hyper-V-Guest-Drivers/Admin")
    new_guest = guest(os_version="10.0.17763", events=[icsvc])
    assert only(host("2019", vms=[vm("g")]), "guest-writer-failed", {"g": new_guest})
    old_guest = guest(os_version="6.3.9600", events=[icsvc])  # IcSvc events come from 2016+ guests only
    assert not only(host("2019", vms=[vm("g")]), "guest-writer-failed", {"g": old_guest})
    scoped = event("vmicvss", 13, "", ["x"])
    assert only(host(vms=[vm("g")]), "scoped-snapshots", {"g": guest(events=[scoped])})
    assert not only(host(vms=[vm("g")]), "scoped-snapshots", {"g": guest(os_version="10.0.17763", events=[scoped])})
