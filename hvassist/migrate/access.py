"""How to reach a cluster and its nodes: a saved connection, a lab, or a name with credentials.

A cluster is asked through its name first (the cluster name answers as one of its nodes); the
inventory then names every node, and each node is asked directly with the same settings and
credentials (the source and destination are in different domains, so each side has its own).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from hvassist.migrate.state import ClusterRef
from hvassist.remote.endpoint import Endpoint
from hvassist.services.diagnosis import HostTarget

if TYPE_CHECKING:
    from hvassist.connections import ConnectionStore
    from hvassist.lab.runtime import Lab


class ClusterAccess(Protocol):
    def target(self, name: str) -> HostTarget:
        """How to log on to ``name`` (the cluster name or one of its nodes)."""
        ...


@dataclass
class LabAccess:
    lab: Lab

    def target(self, name: str) -> HostTarget:
        return HostTarget(self.lab.endpoint(name), self.lab.username, self.lab.password)


@dataclass
class EndpointAccess:
    """Nodes are reached like the cluster name: same transport, port, authentication and CA; a pinned
    certificate applies to the name it was pinned for only."""

    endpoint: Endpoint
    username: str
    password: str = field(repr=False)

    def target(self, name: str) -> HostTarget:
        if name.lower() == self.endpoint.host.lower():
            return HostTarget(self.endpoint, self.username, self.password)
        return HostTarget(replace(self.endpoint, host=name, address="", pinned_sha256="", tls_server_name=""),
                          self.username, self.password)


@dataclass
class SavedAccess:
    """A saved cluster (or host) connection: a node saved under it is reached with its own saved settings
    (its port, pinned certificate, credentials); any other node like the cluster name."""

    connections: ConnectionStore
    cluster: EndpointAccess
    cluster_id: str

    def target(self, name: str) -> HostTarget:
        node = next((c for c in self.connections.nodes_of(self.cluster_id)
                     if c.name.lower() == name.lower() or c.name.lower().split(".")[0] == name.lower()), None)
        if node is not None:
            resolved = self.connections.resolve(node)
            if resolved.password is not None:
                return HostTarget(resolved.endpoint, resolved.username, resolved.password)
        return self.cluster.target(name)


class AccessError(Exception):
    """A cluster cannot be reached the way the migration remembers (say what to do)."""


def access_for(ref: ClusterRef, *, lab: Lab | None = None, connections: ConnectionStore | None = None) -> ClusterAccess:
    if ref.lab:
        if lab is None or lab.estate.name != ref.lab:
            raise AccessError("This migration uses the lab scenario '%s', which is not running. Start hvassist with "
                              "--demo (or the CLI with --lab %s)." % (ref.lab, ref.lab))
        return LabAccess(lab)
    if connections is None:
        raise AccessError("No saved connections are available to reach %s." % ref.name)
    conn = next((c for c in connections.connections if c.id == ref.connection), None) if ref.connection else None
    if conn is None:
        conn = connections.find_host(ref.name)
    if conn is None:
        raise AccessError("There is no saved connection for %s any more. Add it again (File → Add connection), "
                          "then reopen the migration." % ref.name)
    resolved = connections.resolve(conn)
    if resolved.password is None:
        raise AccessError("No password is saved for %s. Edit the connection and enter it." % ref.name)
    return SavedAccess(connections, EndpointAccess(resolved.endpoint, resolved.username, resolved.password), conn.id)
