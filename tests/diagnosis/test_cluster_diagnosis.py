"""MUST-SHOW 4: diagnosing a cluster by its name covers every node in parallel (one collection each),
shows VM owners and CSV state, and a node that is down is named without stopping the others."""

from __future__ import annotations

import json

import pytest

from hvassist.cli import main
from hvassist.lab.model import load_scenario
from hvassist.lab.runtime import start_lab
from hvassist.services.diagnosis import HostTarget, diagnose, diagnose_cluster


def lab_target(lab, name):
    return HostTarget(lab.endpoint(name), lab.username, lab.password, resolve=lab.endpoint)


@pytest.fixture
def lab_with_node_down():
    estate = load_scenario("all-faults")
    estate.host("hv12-n2").down = True
    lab = start_lab(estate)
    try:
        yield lab
    finally:
        lab.stop()


def test_one_node_down_is_named_and_the_others_are_diagnosed(lab_with_node_down):
    lab = lab_with_node_down
    view, nodes = diagnose_cluster(lab_target(lab, "clu2012"))
    assert view.name == "clu2012" and view.error is None
    assert [n.host for n in nodes] == ["hv12-n1", "hv12-n2", "csv-issues"]  # the cluster's node order
    assert view.unreachable_nodes == ["hv12-n2"]
    down = next(n for n in nodes if n.host == "hv12-n2")
    assert down.error is not None and down.error.host == "hv12-n2" and down.snapshot is None
    up = [n for n in nodes if n.host != "hv12-n2"]
    assert all(n.ok for n in up)
    n1 = next(n for n in up if n.host == "hv12-n1")
    assert {f.cause for f in n1.findings} >= {"no-scsi-controller", "backup-ic-disabled"}
    assert any(f.cause == "csv-issues" for f in next(n for n in up if n.host == "csv-issues").findings)
    # each node answered exactly one collection
    for n in ("hv12-n1", "csv-issues"):
        assert lab.hosts[n].handler.scripts_run.count("collect-host") == 1, n

    doc = view.to_json()
    assert doc["unreachable_nodes"] == ["hv12-n2"]
    nodes_json = {n["name"]: n for n in doc["nodes"]}
    assert nodes_json["hv12-n2"]["status"] == "error" and "hv12-n2" in nodes_json["hv12-n2"]["error"]["host"]
    assert nodes_json["hv12-n2"]["cluster_state"] == "Down"
    owners = {v["name"]: v["owner_node"] for v in doc["vms"]}
    assert owners["no-scsi-controller"] == "hv12-n1" and owners["ok-12-gen2"] == "hv12-n1"
    csv = {c["name"]: c for c in doc["csvs"]}
    assert csv["Cluster Disk 1"]["node_states"]["csv-issues"]["state"] == "FileSystemRedirected"
    assert csv["Cluster Disk 1"]["node_states"]["hv12-n1"]["state"] == "Direct"


def test_vms_of_the_down_node_are_listed_with_their_owner(lab_with_node_down):
    # the lab's clustered VMs stay on their node; the cluster's VM roles still name the down owner
    view, _nodes = diagnose_cluster(lab_target(lab_with_node_down, "clu2012"))
    doc = view.to_json()
    ghosts = [v for v in doc["vms"] if v["owner_node"] == "hv12-n2"]
    assert ghosts and all(v["readiness"] is None and "could not be checked" in v["note"] for v in ghosts)
    assert "guest-diff-area" in {v["name"] for v in ghosts}


def test_when_the_first_node_is_down_the_cluster_name_answers_on_another():
    estate = load_scenario("all-faults")
    estate.host("hv19-n1").down = True
    lab = start_lab(estate)
    try:
        view, nodes = diagnose_cluster(lab_target(lab, "clu2019"))
    finally:
        lab.stop()
    assert view.error is None
    assert view.unreachable_nodes == ["hv19-n1"]
    assert next(n for n in nodes if n.host == "hv19-n2").ok


def test_a_cluster_name_given_as_host_is_expanded_to_its_nodes():
    lab = start_lab("all-faults")
    try:
        result = diagnose([lab_target(lab, "clu2019")])
    finally:
        lab.stop()
    assert {h.host for h in result.hosts} == {"hv19-n1", "hv19-n2"}
    assert [c.name for c in result.clusters] == ["clu2019"]
    assert result.exit_code == 1


def test_cli_cluster_option_reports_nodes_owners_and_csvs(capsys):
    code = main(["diagnose", "--lab", "all-faults", "--cluster", "clu2019", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    assert {h["name"] for h in doc["hosts"]} == {"hv19-n1", "hv19-n2"}
    cluster = doc["clusters"][0]
    assert cluster["name"] == "clu2019" and cluster["unreachable_nodes"] == []
    owners = {v["name"]: v["owner_node"] for v in cluster["vms"]}
    assert owners["vhds-guest-cluster"] == "hv19-n1" and owners["smb3-no-agent"] == "hv19-n2"
    assert all(v["readiness"]["verdict"] for v in cluster["vms"])
    assert cluster["csvs"][0]["path"] == "C:\\ClusterStorage\\Volume1"


def test_cli_text_output_names_the_down_node(capsys, monkeypatch):
    estate = load_scenario("all-faults")
    estate.host("hv12-n2").down = True
    monkeypatch.setattr("hvassist.lab.runtime.load_scenario", lambda name: estate)
    code = main(["diagnose", "--lab", "all-faults", "--cluster", "clu2012"])
    out = capsys.readouterr().out
    assert code == 2, "a node could not be diagnosed"
    assert "Unreachable node(s): hv12-n2" in out
    assert "hv12-n2: could not be diagnosed" in out
    assert "no-scsi-controller" in out, "the other nodes' findings are still reported"


def test_cli_rejects_an_unknown_lab_cluster(capsys):
    assert main(["diagnose", "--lab", "all-faults", "--cluster", "nope"]) == 2
    assert "no cluster named nope" in capsys.readouterr().err
