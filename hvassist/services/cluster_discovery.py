"""Add a cluster by its name: ask it for its nodes (``discover-cluster``), and keep the list fresh.

Connecting to a cluster's name reaches the node that owns the cluster's network name; the script asks
the cluster service for all nodes and their state. New nodes become host connections under the cluster
(inheriting its settings and credentials); nodes that left the cluster are kept but marked "Removed",
so the user's settings for them are never silently lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from hvassist.cancel import CancelToken
from hvassist.connections import Connection, ConnectionStore
from hvassist.remote import errors as E
from hvassist.remote.endpoint import Endpoint, Timeouts, host_name_problem
from hvassist.remote.session import HostSession

REMOVED = "Removed"

# A node's name -> connection fields to use instead of the cluster's (the lab's loopback ports); real
# networks need none: a node is reached by its name.
NodeOverrides = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class NodeInfo:
    name: str
    state: str


@dataclass(frozen=True)
class ClusterInfo:
    cluster: str
    domain: str
    nodes: tuple[NodeInfo, ...]


@dataclass
class DiscoveryChange:
    cluster: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # state changed, e.g. "HV02: Up -> Paused"
    ignored: list[str] = field(default_factory=list)  # names the cluster gave that are not host names

    @property
    def summary(self) -> str:
        parts = []
        if self.added:
            parts.append("new node(s): %s" % ", ".join(self.added))
        if self.removed:
            parts.append("no longer in the cluster: %s" % ", ".join(self.removed))
        if self.changed:
            parts.append("state changed: %s" % ", ".join(self.changed))
        if self.ignored:
            parts.append("ignored, not a host name: %s" % ", ".join(repr(n) for n in self.ignored))
        return "%s: %s." % (self.cluster, "; ".join(parts) if parts else "no changes")


@dataclass
class RefreshResult:
    changes: list[DiscoveryChange] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # cluster name -> plain message
    skipped: dict[str, str] = field(default_factory=dict)  # cluster name -> why it was not asked


def discover_cluster(endpoint: Endpoint, username: str, password: str,
                     cancel: CancelToken | None = None) -> ClusterInfo:
    """Ask the cluster (by its name, or any node) for its nodes. Raises ``RemoteError`` in plain words."""
    try:
        with HostSession(endpoint, username, password, cancel=cancel,
                         timeouts=Timeouts(connect_read=20, script=120)) as s:
            doc = s.run_json("discover-cluster")
    except E.ScriptFailed as e:
        text = e.ps_error.lower()
        if "cluster service" in text or "failoverclusters" in text or "no valid module" in text:
            raise E.ScriptFailed(endpoint.host, "%s is not part of a failover cluster (or its cluster service is "
                                 "not running)." % endpoint.host, "Enter the cluster's name, or the name of one "
                                 "of its nodes. To add a single host, use 'Add host' instead.",
                                 detail=e.detail, ps_error=e.ps_error) from None
        raise
    try:
        nodes = tuple(NodeInfo(str(n["name"]), str(n.get("state") or "Unknown")) for n in doc["nodes"])
        return ClusterInfo(str(doc["cluster"]), str(doc.get("domain") or ""), nodes)
    except (KeyError, TypeError) as e:
        raise E.OutputNotUnderstood(endpoint.host, "The list of cluster nodes was not understood.",
                                    "Try again; if it persists, save the log and report it.",
                                    detail=repr(e)) from None


def node_connection_name(node: str, cluster_conn_name: str, domain: str) -> str:
    """Nodes are named as the cluster was: by full name if the cluster was entered as cluster.domain."""
    if "." in node or "." not in cluster_conn_name:
        return node
    suffix = cluster_conn_name.split(".", 1)[1] or domain
    return "%s.%s" % (node, suffix)


def apply_discovery(store: ConnectionStore, cluster_id: str, info: ClusterInfo,
                    overrides: NodeOverrides | None = None) -> DiscoveryChange:
    cluster = store.connection(cluster_id)
    if cluster is None or cluster.kind != "cluster":
        raise KeyError(cluster_id)
    change = DiscoveryChange(cluster.name)
    existing = store.nodes_of(cluster.id)
    found: set[str] = set()
    for node in info.nodes:
        name = node_connection_name(node.name, cluster.name, info.domain)
        if host_name_problem(name):  # never a connection (and a logon) to somewhere the name does not say
            change.ignored.append(node.name)
            continue
        current = next((c for c in existing if _same_host(c.name, name)), None)
        if current is None:
            fields: dict[str, Any] = {"address": "", "port": cluster.port, "transport": cluster.transport,
                                      "ca_file": cluster.ca_file}
            if overrides is not None:
                fields.update(overrides(node.name))
            conn = Connection(id="", name=name, kind="host", group=cluster.group, cluster=cluster.id,
                              auth=cluster.auth, allow_credssp=cluster.allow_credssp, node_state=node.state,
                              **fields)
            store.add_connection(conn)
            change.added.append(name)
            found.add(conn.name.lower())
            continue
        found.add(current.name.lower())
        if current.node_state != node.state:
            if current.node_state:
                change.changed.append("%s: %s -> %s" % (current.name, current.node_state, node.state))
            store.update_connection(replace(current, node_state=node.state))
    for c in existing:
        if c.name.lower() not in found and c.node_state != REMOVED:
            store.update_connection(replace(c, node_state=REMOVED))
            change.removed.append(c.name)
    cluster = store.connection(cluster_id)
    assert cluster is not None
    store.update_connection(replace(cluster, nodes=[n.name for n in info.nodes],
                                    discovered_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")))
    return change


@dataclass(frozen=True)
class ClusterTarget:
    cluster_id: str
    name: str
    endpoint: Endpoint
    username: str
    password: str = field(repr=False)


@dataclass
class ClusterReadings:
    infos: dict[str, ClusterInfo] = field(default_factory=dict)  # cluster connection id -> what it said
    errors: dict[str, str] = field(default_factory=dict)  # cluster name -> plain message
    skipped: dict[str, str] = field(default_factory=dict)  # cluster name -> why it was not asked


def cluster_targets(store: ConnectionStore, only: list[str] | None = None,
                    endpoint_for: Callable[[Connection], Endpoint] | None = None,
                    ) -> tuple[list[ClusterTarget], dict[str, str]]:
    """The saved clusters (or those in ``only``) with their credentials; those without a password are skipped."""
    targets: list[ClusterTarget] = []
    skipped: dict[str, str] = {}
    for conn in [c for c in store.connections if c.kind == "cluster" and (only is None or c.id in only)]:
        r = store.resolve(conn)
        if not r.username or r.password is None:
            skipped[conn.name] = "no password is available for it"
            continue
        targets.append(ClusterTarget(conn.id, conn.name, endpoint_for(conn) if endpoint_for else r.endpoint,
                                     r.username, r.password))
    return targets, skipped


def read_clusters(targets: list[ClusterTarget], cancel: CancelToken | None = None) -> ClusterReadings:
    """Network only (safe on a worker thread): ask each cluster for its nodes."""
    readings = ClusterReadings()
    cancel = cancel or CancelToken()
    for t in targets:
        if cancel.cancelled:
            break
        try:
            readings.infos[t.cluster_id] = discover_cluster(t.endpoint, t.username, t.password, cancel)
        except E.RemoteError as e:
            readings.errors[t.name] = e.message
    return readings


def apply_readings(store: ConnectionStore, readings: ClusterReadings,
                   overrides: NodeOverrides | None = None) -> RefreshResult:
    """Store what the clusters said (on the thread that owns the store)."""
    result = RefreshResult(errors=dict(readings.errors), skipped=dict(readings.skipped))
    for cluster_id, info in readings.infos.items():
        if store.connection(cluster_id) is not None:  # not deleted meanwhile
            result.changes.append(apply_discovery(store, cluster_id, info, overrides))
    return result


def refresh_clusters(store: ConnectionStore, cancel: CancelToken | None = None,
                     overrides: NodeOverrides | None = None,
                     endpoint_for: Callable[[Connection], Endpoint] | None = None,
                     only: list[str] | None = None) -> RefreshResult:
    """Read and store the nodes of every saved cluster that has a password available (one thread)."""
    targets, skipped = cluster_targets(store, only, endpoint_for)
    readings = read_clusters(targets, cancel)
    readings.skipped.update(skipped)
    return apply_readings(store, readings, overrides)


def _same_host(a: str, b: str) -> bool:
    a, b = a.lower(), b.lower()
    return a == b or a.split(".")[0] == b.split(".")[0] and ("." not in a or "." not in b)
