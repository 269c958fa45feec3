"""Add a cluster by its name: the nodes are discovered over WinRM (discover-cluster) and kept fresh."""

from __future__ import annotations

import jsonschema
import pytest

from hvassist.appcontext import lab_node_overrides
from hvassist.connections import Connection, ConnectionStore
from hvassist.credentials import CredentialStore
from hvassist.lab.model import Host, load_scenario
from hvassist.lab.runtime import start_lab
from hvassist.remote import errors as E
from hvassist.remote.scripts import get_script
from hvassist.remote.session import HostSession
from hvassist.services.cluster_discovery import (
    REMOVED,
    ClusterInfo,
    NodeInfo,
    apply_discovery,
    discover_cluster,
    node_connection_name,
    refresh_clusters,
)
from hvassist.services.doctor import run_doctor


@pytest.fixture
def store(tmp_path):
    return ConnectionStore(tmp_path / "c.json", CredentialStore(memory_only=True))


def add_cluster(store, lab, name="HVCLU01"):
    customer = store.add_group("Contoso", username=lab.username, password=lab.password)
    ep = lab.endpoint(name)
    return store.add_connection(Connection(id="", name=name, kind="cluster", group=customer.id, address=ep.address,
                                           port=ep.port, transport=ep.transport))


def test_discover_by_cluster_name_adds_its_nodes(store, seed_lab):
    cluster = add_cluster(store, seed_lab)
    result = refresh_clusters(store, overrides=lambda n: lab_node_overrides(seed_lab, n))
    assert not result.errors and not result.skipped
    assert result.changes[0].added == ["HV01", "HV02"]
    nodes = store.nodes_of(cluster.id)
    assert [n.name for n in nodes] == ["HV01", "HV02"] and all(n.node_state == "Up" for n in nodes)
    assert store.connection(cluster.id).nodes == ["HV01", "HV02"] and store.connection(cluster.id).discovered_at
    # the nodes inherit the customer's credentials and reach their own lab listener
    for node in nodes:
        r = store.resolve(node)
        assert r.credential_from == "Contoso"
        report = run_doctor(r.endpoint, r.username, r.password)
        assert report.ok, report.as_text()
    assert "no changes" in refresh_clusters(store, overrides=lambda n: lab_node_overrides(seed_lab, n)
                                            ).changes[0].summary


def test_the_list_is_kept_fresh():
    estate = load_scenario("seed")
    estate.hosts.append(Host(name="HV03", os="2012r2"))
    estate.clusters[0].nodes.append("HV03")
    estate.host("HV03").cluster = "HVCLU01"
    lab = start_lab(estate)
    try:
        store = ConnectionStore.default(CredentialStore(memory_only=True))
        cluster = add_cluster(store, lab)
        overrides = lambda n: lab_node_overrides(lab, n)  # noqa: E731
        refresh_clusters(store, overrides=overrides)
        assert len(store.nodes_of(cluster.id)) == 3
        # HV03 leaves the cluster, HV02 goes down
        estate.clusters[0].nodes.remove("HV03")
        estate.host("HV03").cluster = ""
        estate.host("HV02").down = True
        change = refresh_clusters(store, overrides=overrides).changes[0]
        assert change.removed == ["HV03"] and change.changed == ["HV02: Up -> Down"] and change.added == []
        states = {n.name: n.node_state for n in store.nodes_of(cluster.id)}
        assert states == {"HV01": "Up", "HV02": "Down", "HV03": REMOVED}, "a node that left is kept, marked"
        assert "no longer in the cluster: HV03" in change.summary
    finally:
        lab.stop()


def test_a_host_that_is_not_clustered_says_so(seed_lab):
    estate = load_scenario("seed")
    estate.hosts.append(Host(name="STANDALONE", os="2019"))
    lab = start_lab(estate)
    try:
        with pytest.raises(E.ScriptFailed, match="not part of a failover cluster") as info:
            discover_cluster(lab.endpoint("STANDALONE"), lab.username, lab.password)
        assert "Add host" in info.value.action
    finally:
        lab.stop()


def test_clusters_without_a_password_are_skipped(store, seed_lab):
    cluster = add_cluster(store, seed_lab)
    store.set_group_credentials(cluster.group, "CONTOSO\\someone", None)
    store.credentials.delete("credential:%s" % cluster.group)
    result = refresh_clusters(store)
    assert result.skipped == {"HVCLU01": "no password is available for it"} and not result.changes


def test_nodes_are_named_like_the_cluster():
    assert node_connection_name("HV01", "HVCLU01", "contoso.local") == "HV01"
    assert node_connection_name("HV01", "hvclu01.contoso.local", "contoso.local") == "HV01.contoso.local"
    assert node_connection_name("hv01.x.y", "clu.contoso.local", "contoso.local") == "hv01.x.y"


def test_new_nodes_take_the_clusters_settings(store):
    cluster = store.add_connection(Connection(id="", name="clu.contoso.local", kind="cluster", transport="http",
                                              port=5985, auth="ntlm"))
    apply_discovery(store, cluster.id, ClusterInfo("CLU", "contoso.local", (NodeInfo("N1", "Paused"),)))
    node = store.nodes_of(cluster.id)[0]
    assert (node.name, node.transport, node.port, node.node_state, node.address) == (
        "N1.contoso.local", "http", 5985, "Paused", "")


def test_lab_answers_of_the_new_scripts_match_their_schemas(seed_lab):
    with HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password) as s:
        jsonschema.validate(s.run_json("discover-cluster"), get_script("discover-cluster").schema)
        jsonschema.validate(s.run_json("doctor-probe"), get_script("doctor-probe").schema)


def test_a_node_name_that_is_not_a_host_name_is_ignored_and_said(store):
    """A cluster's answer cannot add a connection that would log on somewhere else ('x@evil' reaches evil)."""
    cluster = store.add_connection(Connection(id="", name="CLU", kind="cluster"))
    change = apply_discovery(store, cluster.id, ClusterInfo("CLU", "contoso.local", (
        NodeInfo("N1", "Up"), NodeInfo("admin@evil", "Up"), NodeInfo("n2/x", "Up"))))
    assert [n.name for n in store.nodes_of(cluster.id)] == ["N1"]
    assert change.ignored == ["admin@evil", "n2/x"]
    assert "ignored, not a host name: 'admin@evil', 'n2/x'" in change.summary
