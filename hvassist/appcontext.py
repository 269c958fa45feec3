"""What the app's windows share: paths, credentials, saved connections, the audit log, the demo lab."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hvassist.audit import AuditLog
from hvassist.connections import Connection, ConnectionStore
from hvassist.credentials import CredentialStore
from hvassist.paths import AppPaths, app_paths
from hvassist.remote.endpoint import Endpoint

if TYPE_CHECKING:
    from hvassist.lab.runtime import Lab
    from hvassist.services.diagnosis import HostTarget


@dataclass
class AppContext:
    paths: AppPaths
    credentials: CredentialStore
    connections: ConnectionStore
    audit: AuditLog
    lab: Lab | None = None
    demo: bool = False
    # The migration wizard practises on its own lab scenario ('migration': a 2008 R2 and a 2012 R2
    # cluster on one SAN); in demo mode it is started on first use. Tests may attach a running lab.
    migration_lab: Lab | None = None
    _throwaway: str = field(default="", repr=False)

    @classmethod
    def create(cls) -> AppContext:
        paths = app_paths().ensure()
        creds = CredentialStore()
        return cls(paths, creds, ConnectionStore(paths.config / "connections.json", creds),
                   AuditLog(paths.audit_log))

    @classmethod
    def create_demo(cls, scenario: str = "seed") -> AppContext:
        """A throwaway profile with the lab's hosts added: never touches saved connections or the keyring."""
        from hvassist.lab.runtime import start_lab
        from hvassist.services.cluster_discovery import ClusterInfo, NodeInfo, apply_discovery

        home = tempfile.mkdtemp(prefix="hvassist-demo-")
        os.environ["HVASSIST_HOME"] = home
        paths = app_paths().ensure()
        creds = CredentialStore(memory_only=True)
        store = ConnectionStore(paths.config / "connections.json", creds)
        lab = start_lab(scenario)
        estate = lab.estate
        customer = store.add_group("Demo lab (%s)" % estate.name, username=lab.username,
                                   password=lab.password)
        for cluster in estate.clusters:
            ep = lab.endpoint(cluster.name)
            conn = store.add_connection(Connection(id="", name=cluster.name, kind="cluster", group=customer.id,
                                                   address=ep.address, port=ep.port, transport=ep.transport,
                                                   auth=ep.auth, ca_file=ep.ca_file))
            info = ClusterInfo(cluster.name, cluster.domain, tuple(
                NodeInfo(n, "Down" if estate.host(n).down else "Up") for n in cluster.nodes))
            apply_discovery(store, conn.id, info, lambda node: lab_node_overrides(lab, node))
        clustered = {n.lower() for c in estate.clusters for n in c.nodes}
        for h in estate.hosts:
            if h.name.lower() not in clustered and h.role == "hyperv":  # file servers are not diagnosed
                _add_lab_host(store, lab, h.name, customer.id)
        return cls(paths, creds, store, AuditLog(paths.audit_log), lab=lab, demo=True, _throwaway=home)

    def lab_endpoint_for(self, name: str) -> Endpoint | None:
        """In the demo, where the lab serves a host or cluster of that name (the lab listens on 127.0.0.1)."""
        if self.lab is None:
            return None
        known = {h.lower() for h in self.lab.host_names()} | {c.name.lower() for c in self.lab.estate.clusters}
        return self.lab.endpoint(name) if name.lower() in known else None

    def node_overrides(self, node: str) -> dict[str, Any]:
        """Connection settings for a newly discovered cluster node: in the demo, its lab port; else none."""
        return lab_node_overrides(self.lab, node) if self.lab is not None else {}

    def host_targets(self) -> list[HostTarget]:
        # The diagnosis service loads the remote stack (pywinrm, ...): here, not at start-up.
        from hvassist.services.diagnosis import GuestCredentials, HostTarget

        out = []
        for c in self.connections.connections:
            if c.kind != "host":
                continue
            r = self.connections.resolve(c)
            # in the demo, guests and file servers are lab endpoints too, with the scenario's guest account
            lab = self.lab
            guest = (GuestCredentials(lab.guest_username, lab.guest_password)
                     if lab is not None and lab.guest_username and lab.guest_password else None)
            out.append(HostTarget(r.endpoint, r.username, r.password or "", guest=guest,
                                  resolve=lab.endpoint if lab is not None else None))
        return out

    def ensure_migration_lab(self) -> Lab | None:
        """The demo's migration lab, started on first use; None outside demo mode (unless attached)."""
        if self.migration_lab is None and self.demo:
            from hvassist.lab.runtime import start_lab

            self.migration_lab = start_lab("migration")
        return self.migration_lab

    def close(self) -> None:
        if self.migration_lab is not None:
            self.migration_lab.stop()
            self.migration_lab = None
        if self.lab is not None:
            self.lab.stop()
            self.lab = None
        if self._throwaway:
            shutil.rmtree(self._throwaway, ignore_errors=True)
            os.environ.pop("HVASSIST_HOME", None)


def lab_node_overrides(lab: Lab, node: str) -> dict[str, Any]:
    ep = lab.endpoint(node)
    return {"address": ep.address, "port": ep.port, "transport": ep.transport, "ca_file": ep.ca_file}


def _add_lab_host(store: ConnectionStore, lab: Lab, name: str, group: str) -> None:
    ep = lab.endpoint(name)
    store.add_connection(Connection(id="", name=name, group=group, address=ep.address, port=ep.port,
                                    transport=ep.transport, auth=ep.auth, ca_file=ep.ca_file))
