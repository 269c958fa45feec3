"""Must-show 3 (flow): the migration is saved in the data folder as the user goes; a new flow (the app
reopened) resumes at the same page and step with the same evidence, without asking the hosts."""

from __future__ import annotations

import datetime as dt

from migrate.conftest import DEST, SOURCE
from migrate.walkthrough import move_lun, prepare_source

from hvassist.flows.migrate_flow import Page
from hvassist.migrate.state import MigrationStore
from hvassist.paths import app_paths


def test_reopen_resumes_at_the_same_page_with_the_evidence(make_flow, migration_lab):
    flow = make_flow()
    flow.start(SOURCE, DEST)
    before = flow.check().to_json()
    flow.confirm("destination-validated", "Validation report of 20 Nov, all green")
    flow.set_switch_mapping("LegacyNet", "Production")
    flow.select_step("shut-down-source")
    flow.go(Page.VMS)
    expected = flow.checklist.to_json()
    saved = app_paths().data / "migrations" / ("%s.json" % flow.state.id)
    assert saved.exists(), "saved in the platform data folder"

    migration_lab.stop()  # the hosts are gone: resuming must not need them
    reopened = make_flow()
    state = reopened.resume_latest()
    assert state is not None and state.id == flow.state.id
    assert reopened.resumed and reopened.page is Page.VMS
    assert state.selected_step == "shut-down-source"
    assert state.switch_map == {"LegacyNet": "Production"}
    c = state.confirmations["destination-validated"]
    assert c.confirmed and c.note == "Validation report of 20 Nov, all green" and c.by and c.at
    assert reopened.checklist.to_json() == expected, "same statuses, evidence, blockers"
    assert reopened.checklist.step("inventory-source").evidence == [
        s for s in before["steps"] if s["id"] == "inventory-source"][0]["evidence"]


def test_reopen_mid_runbook_keeps_progress_and_the_downtime_clock(make_flow, migration_lab):
    flow = make_flow()
    flow.start(SOURCE, DEST)
    flow.check()
    prepare_source(flow, migration_lab)
    move_lun(flow, migration_lab)
    first = flow.next_runbook_op()
    assert first is not None and first.kind == "register"
    assert flow.run(first.id, confirmed=True).ok
    flow.go(Page.RUNBOOK)
    started = flow.state.downtime_started_at
    assert started

    reopened = make_flow()
    reopened.resume_latest()
    assert reopened.page is Page.RUNBOOK
    assert reopened.runbook_status(first.id) == "done"
    nxt = reopened.next_runbook_op()
    assert nxt is not None and nxt.id != first.id and nxt.kind == "register"
    assert reopened.state.downtime_started_at == started
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert reopened.downtime(later) >= dt.timedelta(hours=1), "the clock kept running while the app was closed"
    assert "the VMs have been down since" in reopened.downtime_text(later)


def test_a_damaged_state_file_is_named_not_a_crash(make_flow, hvassist_home):
    flow = make_flow()
    flow.start(SOURCE, DEST)
    path = MigrationStore().path(flow.state.id)
    path.write_text("{not json", encoding="utf-8")
    store = MigrationStore()
    assert store.all() == []
    try:
        store.load(flow.state.id)
    except ValueError as e:
        assert path.name in str(e)
    else:
        raise AssertionError("a damaged file must be reported")


def test_saved_connections_reach_the_nodes(migration_lab, hvassist_home):
    """Outside the lab: a saved cluster connection, its node saved under it with its own port."""
    from hvassist.connections import Connection, ConnectionStore
    from hvassist.credentials import CredentialStore
    from hvassist.migrate.access import access_for
    from hvassist.migrate.state import ClusterRef

    store = ConnectionStore(hvassist_home / "connections.json", CredentialStore(memory_only=True))
    group = store.add_group("Contoso", username=migration_lab.username, password=migration_lab.password)
    ep = migration_lab.endpoint("OLDCLU")
    cluster = store.add_connection(Connection(id="", name="OLDCLU", kind="cluster", group=group.id,
                                              address=ep.address, port=ep.port, transport="http"))
    node_ep = migration_lab.endpoint("OLD02")
    store.add_connection(Connection(id="", name="OLD02", group=group.id, cluster=cluster.id,
                                    address=node_ep.address, port=node_ep.port, transport="http"))
    access = access_for(ClusterRef("OLDCLU", connection=cluster.id), connections=store)
    assert access.target("OLDCLU").endpoint.port == ep.port
    assert access.target("OLD02").endpoint.port == node_ep.port, "the node's own saved settings"
    other = access.target("OLD01").endpoint
    assert other.host == "OLD01" and other.port == ep.port and not other.address, "like the cluster name"
