"""The stage model: both flows complete, stable ids, every field filled, causes from the catalogue."""

from __future__ import annotations

import pytest

from hvassist.stages import model as M

IDS_2012R2 = (
    "gather-metadata",
    "prepare-backup",
    "prepare-snapshot",
    "freeze",
    "commit-snapshot",
    "thaw-merge",
    "read-snapshot",
    "backup-complete",
)
IDS_2016 = ("request-checkpoint", "guest-freeze", "create-checkpoint", "read-rct", "convert-reference-point")
ACTORS = {
    "requestor",
    "host-vss",
    "hv-writer",
    "ic-provider",
    "guest",
    "vm-disks",
    "vscsi",
    "csv-lun",
    "vss-provider",
    "offhost-proxy",
}


def test_stage_ids_are_the_fixed_ones():
    assert M.get_flow("2012r2").stage_ids == IDS_2012R2
    assert M.get_flow("2016").stage_ids == IDS_2016
    assert M.all_stage_ids() == IDS_2012R2 + IDS_2016


def test_actor_ids_cover_the_issue():
    assert set(M.catalogue().actors) >= ACTORS


@pytest.mark.parametrize("stage_id", IDS_2012R2 + IDS_2016)
def test_every_stage_has_every_field(stage_id):
    s = M.get_stage(stage_id)
    for name in ("title", "technical", "what", "duration", "failure"):
        assert getattr(s, name).strip(), name
    assert s.actors and set(s.actors) <= set(M.catalogue().actors)
    assert s.observe, "what the user can observe"
    assert {o.where for o in s.observe} <= set(M.OBSERVE_PLACES)
    assert s.causes, "which causes fail here"
    assert s.beats, "the diagram's flow"
    assert s.number == s.index + 1


def test_2012r2_writer_states_follow_vssadmin():
    states = [M.get_stage(s).writer_state for s in IDS_2012R2]
    assert states == [1, 1, 1, 2, 3, 4, 5, 1]


def test_stage_causes_exist_in_the_catalogue(catalogue_cause_ids):
    for flow in M.flows():
        for s in flow.stages:
            unknown = set(s.causes) - catalogue_cause_ids
            assert not unknown, f"{s.id}: {unknown}"


def test_scsi_controller_fails_in_prepare_snapshot():
    assert "no-scsi-controller" in M.get_stage("prepare-snapshot").causes
    assert [s.id for s in M.stages_for_cause("no-scsi-controller")] == ["prepare-snapshot"]
    assert "no-scsi-controller" in M.causes_for_stage("prepare-snapshot")


def test_cause_texts_name_known_stages():
    from hvassist.kb import all_causes

    for cid, text in all_causes().items():
        assert set(text.stages) <= set(M.all_stage_ids()), cid


def test_variants_change_text_beats_and_actors():
    commit = M.get_stage("commit-snapshot")
    software = commit.view(M.Variant("software", "on-host"))
    hardware = commit.view(M.Variant("hardware", "on-host"))
    assert "copy-on-write" in software.what and "SAN" in hardware.what
    assert any("shadow" in b.show for b in software.beats) and not any(
        "lun-snapshot" in b.show for b in software.beats
    )
    assert any("lun-snapshot" in b.show for b in hardware.beats)
    read_off = M.get_stage("read-snapshot").view(M.Variant("hardware", "off-host"))
    read_on = M.get_stage("read-snapshot").view(M.Variant("hardware", "on-host"))
    assert "offhost-proxy" in read_off.actors and "offhost-proxy" not in read_on.actors
    assert "offhost-proxy" in M.get_flow("2012r2").actors_for(M.Variant("hardware", "off-host"))
    assert "offhost-proxy" not in M.get_flow("2012r2").actors_for(M.Variant())


def test_off_host_needs_a_hardware_provider():
    assert M.Variant("software", "off-host").effective() == M.Variant("hardware", "off-host")


def test_2012r2_diagram_shows_checkpoint_files_appear_and_merge():
    beats = [b for s in M.get_flow("2012r2").stages for b in s.view().beats]
    shown = [a for b in beats for a in b.show]
    assert {"avhdx", "autorecovery", "guest-snapshot", "shadow"} <= set(shown)
    assert any(("autorecovery", "vscsi") in b.attach for b in beats), "AutoRecovery disk hot-added via vSCSI"
    assert any(("avhdx", "vhdx") in b.merge for b in beats)


def test_flow_for_host():
    assert M.flow_for_host(9600) == "2012r2"
    assert M.flow_for_host(14393, "8.0") == "2016"
    assert M.flow_for_host(17763, "5.0") == "2012r2"
    assert M.flow_for_host(None) == "2012r2"


def test_bad_stage_data_is_refused(monkeypatch):
    with pytest.raises(M.StageDataError):
        M._beat({"from": "a", "to": "b", "label": "x", "typo": 1}, "here")
