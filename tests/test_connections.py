"""Saved connections: credentials inherited from groups and clusters unless overridden, editing, search and
filter, import/export without secrets."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from hvassist.connections import Connection, ConnectionStore, matches, validate_connection
from hvassist.connections_io import export_csv, export_file, export_json, import_csv, import_file
from hvassist.credentials import CredentialStore

SECRET = "Kestrel-Lantern-4417"


@pytest.fixture
def store(tmp_path):
    return ConnectionStore(tmp_path / "connections.json", CredentialStore(memory_only=True))


def three_hosts(store):
    customer = store.add_group("Contoso", username="CONTOSO\\admin", password=SECRET)
    site = store.add_group("Berlin", parent=customer.id)
    a = store.add_connection(Connection(id="", name="hv01", group=site.id))
    b = store.add_connection(Connection(id="", name="hv02", group=site.id))
    c = store.add_connection(Connection(id="", name="hv03", group=site.id, username="HV03\\local"),
                             password="own-password")
    return customer, site, (a, b, c)


def test_group_credentials_are_inherited_unless_overridden(store):
    customer, site, (a, b, c) = three_hosts(store)
    for conn in (a, b):
        r = store.resolve(conn)
        assert (r.username, r.password, r.credential_from) == ("CONTOSO\\admin", SECRET, "Contoso")
        assert r.inherited
    r = store.resolve(c)
    assert (r.username, r.password, r.credential_from) == ("HV03\\local", "own-password", "own")
    # back to inheriting: the own password is forgotten
    store.set_connection_credentials(c.id, "", None)
    assert store.resolve(store.connection(c.id)).username == "CONTOSO\\admin"
    assert store.credentials.get_password("credential:%s" % c.id) is None


def test_the_file_holds_no_password(store):
    three_hosts(store)
    text = store.path.read_text()
    assert SECRET not in text and "own-password" not in text
    assert "CONTOSO\\\\admin" in text  # user names are not secrets


def test_cluster_nodes_inherit_from_the_cluster_then_the_group(store):
    customer = store.add_group("Fabrikam", username="FAB\\ops", password=SECRET)
    cluster = store.add_connection(Connection(id="", name="CLU1", kind="cluster", group=customer.id))
    node = store.add_connection(Connection(id="", name="n1", group=customer.id, cluster=cluster.id))
    assert store.resolve(node).credential_from == "Fabrikam"
    store.set_connection_credentials(cluster.id, "FAB\\clusteradmin", "c-pass")
    r = store.resolve(store.connection(node.id))
    assert (r.username, r.password, r.credential_from) == ("FAB\\clusteradmin", "c-pass", "cluster CLU1")
    assert store.inherited_credentials(customer.id, cluster.id) == ("FAB\\clusteradmin", "cluster CLU1")
    assert store.remove_connection(cluster.id) == 2, "a cluster goes with its nodes"
    assert store.connections == []


def test_restart_keeps_everything(store, tmp_path):
    customer, site, hosts = three_hosts(store)
    again = ConnectionStore(store.path, store.credentials)
    assert [g.name for g in again.groups] == ["Contoso", "Berlin"]
    assert [c.name for c in again.connections] == ["hv01", "hv02", "hv03"]
    assert again.group_path(site.id) == "Contoso / Berlin"
    assert again.missing_passwords() == []


def test_memory_only_store_asks_again_after_restart(tmp_path):
    store = ConnectionStore(tmp_path / "c.json", CredentialStore(memory_only=True))
    three_hosts(store)
    restarted = ConnectionStore(store.path, CredentialStore(memory_only=True))
    missing = {r.connection.name for r in restarted.missing_passwords()}
    assert missing == {"hv01", "hv02", "hv03"}


def test_remove_group_takes_its_subgroups_connections_and_passwords(store):
    customer, site, (a, b, c) = three_hosts(store)
    other = store.add_group("Other")
    keep = store.add_connection(Connection(id="", name="x1", group=other.id))
    assert store.remove_group(customer.id) == (2, 3)
    assert [g.name for g in store.groups] == ["Other"] and [c.name for c in store.connections] == [keep.name]
    assert store.credentials.get_password("credential:%s" % customer.id) is None
    assert store.credentials.get_password("credential:%s" % c.id) is None


def test_a_group_cannot_move_under_itself(store):
    customer, site, _ = three_hosts(store)
    with pytest.raises(ValueError, match="under itself"):
        store.update_group(replace(customer, parent=site.id))


def test_validation_in_plain_words():
    assert validate_connection(Connection(id="", name="")) == "Enter the host's name (or IP address)."
    assert "spaces" in validate_connection(Connection(id="", name="hv 01"))
    assert "CredSSP" in validate_connection(Connection(id="", name="hv01", auth="credssp"))
    assert validate_connection(Connection(id="", name="hv01", auth="credssp", allow_credssp=True)) == ""


def test_store_refuses_invalid_connections(store):
    with pytest.raises(ValueError, match="CredSSP"):
        store.add_connection(Connection(id="", name="hv01", auth="credssp"))


def test_search_and_filter(store):
    customer, site, (a, b, c) = three_hosts(store)
    cluster = store.add_connection(Connection(id="", name="HVCLU", kind="cluster", group=customer.id))
    store.add_connection(Connection(id="", name="node7", group=customer.id, cluster=cluster.id, node_state="Paused"))
    names = lambda text, show="all": sorted(x.name for x in store.connections if matches(store, x, text, show))  # noqa: E731
    assert names("berlin") == ["hv01", "hv02", "hv03"]
    assert names("contoso hv03") == ["hv03"]
    assert names("HV03\\local") == ["hv03"]
    assert names("hvclu") == ["HVCLU", "node7"], "a node matches its cluster's name"
    assert names("paused") == ["node7"]
    assert names("", "clusters") == ["HVCLU"]
    assert "HVCLU" not in names("", "hosts")
    store.pin_certificate(a.id, "AB" * 32)
    assert names("", "pinned") == ["hv01"]
    assert names("", "no-credentials") == []
    store.set_group_credentials(customer.id, "", None)
    assert names("", "no-credentials") == ["HVCLU", "hv01", "hv02", "node7"]


def test_unknown_fields_from_a_newer_version_are_ignored(store):
    three_hosts(store)
    data = json.loads(store.path.read_text())
    data["connections"][0]["colour"] = "blue"
    store.path.write_text(json.dumps(data))
    assert ConnectionStore(store.path, store.credentials).connections[0].name == "hv01"


def test_find_host_by_short_name(store):
    store.add_connection(Connection(id="", name="hv01.contoso.local"))
    assert store.find_host("HV01").name == "hv01.contoso.local"
    assert store.find_host("hv01.fabrikam.local") is None


# -- import / export ---------------------------------------------------------------------------------------------
def test_export_import_json_round_trip_without_secrets(store, tmp_path):
    customer, site, (a, b, c) = three_hosts(store)
    cluster = store.add_connection(Connection(id="", name="CLU", kind="cluster", group=site.id, transport="http",
                                              port=5985))
    store.add_connection(Connection(id="", name="n1", group=site.id, cluster=cluster.id, transport="http"))
    store.pin_certificate(a.id, "cd" * 32)
    path = tmp_path / "export.json"
    assert export_file(store, path) == 5
    text = path.read_text()
    assert SECRET not in text and "own-password" not in text and "password" not in text.replace(
        "No passwords", "")
    other = ConnectionStore(tmp_path / "other.json", CredentialStore(memory_only=True))
    report = import_file(other, path)
    assert sorted(report.added) == ["CLU", "hv01", "hv02", "hv03", "n1"] and not report.problems
    assert other.group_path(other.find_host("hv01").group) == "Contoso / Berlin"
    assert other.find_host("hv01").pinned_sha256 == "cd" * 32
    assert other.connection(other.find_host("n1").cluster).name == "CLU"
    assert other.find_host("CLU").port == 5985
    r = other.resolve(other.find_host("hv02"))
    assert r.username == "CONTOSO\\admin" and r.password is None, "the user name travels, the password does not"
    assert any("hv03" in n and "password" in n for n in report.notes)
    again = import_file(other, path)
    assert again.added == [] and sorted(again.skipped) == ["CLU", "hv01", "hv02", "hv03", "n1"]


def test_export_csv_has_a_row_per_group_and_connection(store):
    three_hosts(store)
    lines = export_csv(store).splitlines()
    assert lines[0] == "kind,group,name,cluster,address,port,transport,auth,username,pinned_sha256,allow_credssp"
    assert "group,,Contoso,,,,,,CONTOSO\\admin,," in lines
    assert any(line.startswith("host,Contoso / Berlin,hv03,") and "HV03\\local" in line for line in lines)
    assert SECRET not in "\n".join(lines)


def test_import_csv_from_a_spreadsheet(store):
    text = ("Name;Group;Transport;Port;Password;Username\n"
            "hv10.fabrikam.local;Fabrikam / Munich;http;5985;hunter2;\n"
            "hv11;Fabrikam / Munich;;;;FAB\\ops\n"
            "bad host;Fabrikam;;;;\n"
            "hv12;Fabrikam;https;notaport;;\n"
            "hv13;Fabrikam;ftp;;;\n")
    report = import_csv(store, text)
    assert report.added == ["hv10.fabrikam.local", "hv11"]
    assert report.groups_added == 2
    assert any("never imports passwords" in n for n in report.notes)
    assert len(report.problems) == 3
    assert any("row 4" in p and "spaces" in p for p in report.problems)
    assert any("row 5" in p and "not a number" in p for p in report.problems)
    assert any("row 6" in p and "HTTPS or HTTP" in p for p in report.problems)
    hv10 = store.find_host("hv10.fabrikam.local")
    assert (hv10.transport, hv10.port) == ("http", 5985)
    assert "hunter2" not in store.path.read_text()
    assert store.credentials.get_password("credential:%s" % hv10.id) is None
    assert "3 row(s) with problems" in report.summary


def test_import_rejects_files_that_are_not_ours(store, tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{"hello": 1}')
    assert "not an hvassist connections file" in import_file(store, p).problems[0]
    p.write_text("{broken")
    assert "not valid JSON" in import_file(store, p).problems[0]
    p = tmp_path / "x.csv"
    p.write_text("host,port\nhv1,5986\n")
    assert "'name' column" in import_file(store, p).problems[0]


def test_export_json_is_ours(store):
    three_hosts(store)
    doc = json.loads(export_json(store))
    assert doc["format"] == "hvassist-connections" and len(doc["connections"]) == 3
    assert {g["path"] for g in doc["groups"]} == {"Contoso", "Contoso / Berlin"}
