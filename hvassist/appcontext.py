"""What the app's windows share: paths, credentials, saved connections, the audit log, the demo lab."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hvassist.audit import AuditLog
from hvassist.connections import Connection, ConnectionStore
from hvassist.credentials import CredentialStore
from hvassist.paths import AppPaths, app_paths
from hvassist.services.diagnosis import GuestCredentials, HostTarget

if TYPE_CHECKING:
    from hvassist.lab.runtime import Lab


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
            site = store.add_group(cluster.name, parent=customer.id)
            for node in cluster.nodes:
                _add_lab_host(store, lab, node, site.id)
        clustered = {n.lower() for c in estate.clusters for n in c.nodes}
        for h in estate.hosts:
            if h.name.lower() not in clustered and h.role == "hyperv":  # file servers are not diagnosed
                _add_lab_host(store, lab, h.name, customer.id)
        return cls(paths, creds, store, AuditLog(paths.audit_log), lab=lab, demo=True, _throwaway=home)

    def host_targets(self) -> list[HostTarget]:
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


def _add_lab_host(store: ConnectionStore, lab: Lab, name: str, group: str) -> None:
    ep = lab.endpoint(name)
    store.add_connection(Connection(id="", name=name, group=group, address=ep.address, port=ep.port,
                                    transport=ep.transport, auth=ep.auth, ca_file=ep.ca_file))
