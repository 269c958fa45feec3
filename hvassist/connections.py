"""Saved connections: customers/sites (groups) → clusters → hosts, stored as JSON in the config folder.

Credentials set on a group are inherited by everything under it (sub-groups, clusters, their nodes)
unless a cluster or host sets its own. Passwords are never in this file, only in the keyring
(``CredentialStore``), keyed by the id of the group or connection that owns them.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from hvassist.credentials import CredentialStore
from hvassist.paths import app_paths
from hvassist.remote.endpoint import DEFAULT_PORTS, Endpoint, host_name_problem

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
TRANSPORTS = ("https", "http")
AUTH_METHODS = ("ntlm", "kerberos", "credssp")



def _new_id() -> str:
    return os.urandom(6).hex()  # 12 random hex digits, as uuid4().hex[:12] gave, without importing uuid

@dataclass
class Group:
    id: str
    name: str
    parent: str | None = None
    username: str = ""  # credentials for everything under this group (password in the keyring)


@dataclass
class Connection:
    id: str
    name: str  # host or cluster name as the user knows it
    kind: str = "host"  # host | cluster
    group: str | None = None
    address: str = ""  # connect here instead of ``name`` (IP, lab port)
    port: int = 0
    transport: str = "https"
    auth: str = "ntlm"
    username: str = ""  # own credentials; "" = inherit from the cluster or group
    pinned_sha256: str = ""
    ca_file: str = ""
    nodes: list[str] = field(default_factory=list)  # cluster: node names found by the last discovery
    cluster: str | None = None  # host: id of the cluster connection it is a node of
    node_state: str = ""  # host in a cluster: Up, Down, Paused, ... or "Removed" (no longer a node)
    discovered_at: str = ""  # cluster: when its nodes were last read (UTC, ISO 8601)
    allow_credssp: bool = False  # the user explicitly allowed CredSSP for this connection

    def endpoint(self) -> Endpoint:
        return Endpoint(host=self.name, address=self.address, port=self.port,
                        transport=self.transport,  # type: ignore[arg-type]
                        auth=self.auth, ca_file=self.ca_file,  # type: ignore[arg-type]
                        pinned_sha256=self.pinned_sha256, allow_credssp=self.allow_credssp)

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS.get(self.transport, 5986)


@dataclass
class ResolvedConnection:
    connection: Connection
    endpoint: Endpoint
    username: str
    password: str | None = field(repr=False)
    credential_from: str  # "own", "cluster <name>", the name of the group it is inherited from, or ""
    credential_owner: str = ""  # id of the group or connection whose credentials apply

    @property
    def inherited(self) -> bool:
        return self.credential_from not in ("own", "")


_CONNECTION_FIELDS = {f.name for f in dataclasses.fields(Connection)}
_GROUP_FIELDS = {f.name for f in dataclasses.fields(Group)}


def validate_connection(conn: Connection) -> str:
    """'' when the connection's settings are acceptable, else what is wrong in plain words."""
    name = conn.name.strip()
    if not name:
        return "Enter the host's name (or IP address)."
    problem = host_name_problem(name) or (host_name_problem(conn.address.strip(), "address")
                                          if conn.address.strip() else "")
    if problem:
        return problem
    if conn.kind not in ("host", "cluster"):
        return "Unknown kind of connection %r." % conn.kind
    if conn.transport not in TRANSPORTS:
        return "The transport must be HTTPS or HTTP."
    if conn.auth not in AUTH_METHODS:
        return "The logon method must be NTLM, Kerberos or CredSSP."
    if conn.auth == "credssp" and not conn.allow_credssp:
        return "CredSSP hands your password to the host: allow it explicitly to use it."
    if not 0 <= conn.port <= 65535:
        return "The port must be between 1 and 65535."
    return ""


class ConnectionStore:
    def __init__(self, path: Path, credentials: CredentialStore) -> None:
        self.path = path
        self.credentials = credentials
        self.groups: list[Group] = []
        self.connections: list[Connection] = []
        self.load()

    @classmethod
    def default(cls, credentials: CredentialStore | None = None) -> ConnectionStore:
        paths = app_paths().ensure()
        return cls(paths.config / "connections.json", credentials or CredentialStore())

    # -- persistence -----------------------------------------------------------------------
    def load(self) -> None:
        if not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.groups = [Group(**_known(g, _GROUP_FIELDS)) for g in data.get("groups", [])]
            self.connections = [Connection(**_known(c, _CONNECTION_FIELDS)) for c in data.get("connections", [])]
        except (OSError, ValueError, TypeError, AttributeError) as e:
            # Keep the damaged file for the user; start empty rather than crash.
            backup = self.path.with_suffix(".damaged.json")
            try:
                self.path.replace(backup)
            except OSError:
                pass
            raise ValueError("The saved connections could not be read (%s); the file was kept as %s."
                             % (type(e).__name__, backup.name)) from None

    def save(self) -> None:
        data: dict[str, Any] = {"version": FORMAT_VERSION, "groups": [asdict(g) for g in self.groups],
                                "connections": [asdict(c) for c in self.connections]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".connections-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, ensure_ascii=False)
        os.replace(tmp, self.path)  # atomic: a crash never leaves half a file

    # -- groups --------------------------------------------------------------------------------
    def add_group(self, name: str, parent: str | None = None, username: str = "",
                  password: str | None = None) -> Group:
        g = Group(_new_id(), name.strip(), parent, username.strip())
        self.groups.append(g)
        if password is not None and g.username:
            self.credentials.set_password(self._key(g.id), password)
        self.save()
        return g

    def update_group(self, group: Group) -> None:
        if group.parent is not None and (group.parent == group.id or group.parent in self.descendant_groups(group.id)):
            raise ValueError("A customer or site cannot be moved under itself.")
        self.groups = [group if g.id == group.id else g for g in self.groups]
        self.save()

    def set_group_credentials(self, group_id: str, username: str, password: str | None) -> None:
        """Set (or with an empty user name, clear) the credentials a group passes down."""
        for g in self.groups:
            if g.id == group_id:
                g.username = username.strip()
        if not username.strip():
            self.credentials.delete(self._key(group_id))
        elif password is not None:
            self.credentials.set_password(self._key(group_id), password)
        self.save()

    def remove_group(self, group_id: str) -> tuple[int, int]:
        """Remove a group with its sub-groups and connections; returns (groups, connections) removed."""
        doomed = {group_id} | set(self.descendant_groups(group_id))
        conns = [c for c in self.connections if c.group in doomed]
        for c in conns:
            self.credentials.delete(self._key(c.id))
        for gid in doomed:
            self.credentials.delete(self._key(gid))
        self.connections = [c for c in self.connections if c.group not in doomed]
        self.groups = [g for g in self.groups if g.id not in doomed]
        self.save()
        return len(doomed), len(conns)

    def group(self, group_id: str | None) -> Group | None:
        return next((g for g in self.groups if g.id == group_id), None)

    def child_groups(self, group_id: str | None) -> list[Group]:
        return [g for g in self.groups if g.parent == group_id]

    def descendant_groups(self, group_id: str) -> list[str]:
        out: list[str] = []
        todo = [group_id]
        while todo:
            current = todo.pop()
            for g in self.child_groups(current):
                if g.id not in out and g.id != group_id:
                    out.append(g.id)
                    todo.append(g.id)
        return out

    def group_path(self, group_id: str | None) -> str:
        """'Customer A / Site 1' for a group (empty for none)."""
        names: list[str] = []
        seen: set[str] = set()
        g = self.group(group_id)
        while g is not None and g.id not in seen:
            seen.add(g.id)
            names.append(g.name)
            g = self.group(g.parent)
        return " / ".join(reversed(names))

    def find_or_create_group_path(self, path: str) -> str | None:
        """The id of the group at 'Customer / Site', creating the missing parts."""
        parent: str | None = None
        for part in [p.strip() for p in path.split("/") if p.strip()]:
            found = next((g for g in self.groups if g.parent == parent and g.name.lower() == part.lower()), None)
            parent = found.id if found else self.add_group(part, parent).id
        return parent

    # -- connections -----------------------------------------------------------------------------
    def add_connection(self, conn: Connection, password: str | None = None) -> Connection:
        problem = validate_connection(conn)
        if problem:
            raise ValueError(problem)
        if not conn.id:
            conn = replace(conn, id=_new_id())
        conn = replace(conn, name=conn.name.strip(), username=conn.username.strip())
        self.connections.append(conn)
        if password is not None and conn.username:
            self.credentials.set_password(self._key(conn.id), password)
        self.save()
        return conn

    def update_connection(self, conn: Connection, password: str | None = None) -> None:
        problem = validate_connection(conn)
        if problem:
            raise ValueError(problem)
        self.connections = [conn if c.id == conn.id else c for c in self.connections]
        if not conn.username:
            self.credentials.delete(self._key(conn.id))  # inherits again: no stale own password
        elif password is not None:
            self.credentials.set_password(self._key(conn.id), password)
        if conn.kind == "cluster":  # nodes follow their cluster when it moves
            for c in self.connections:
                if c.cluster == conn.id:
                    c.group = conn.group
        self.save()

    def set_connection_credentials(self, conn_id: str, username: str, password: str | None) -> None:
        """Own credentials for a host or cluster; an empty user name means: inherit again."""
        conn = self.connection(conn_id)
        if conn is None:
            raise KeyError(conn_id)
        self.update_connection(replace(conn, username=username.strip()), password)

    def remove_connection(self, conn_id: str) -> int:
        """Remove a connection (a cluster with its nodes); returns how many were removed."""
        doomed = {conn_id} | {c.id for c in self.connections if c.cluster == conn_id}
        for cid in doomed:
            self.credentials.delete(self._key(cid))
        self.connections = [c for c in self.connections if c.id not in doomed]
        self.save()
        return len(doomed)

    def connection(self, conn_id: str | None) -> Connection | None:
        return next((c for c in self.connections if c.id == conn_id), None)

    def find_host(self, name: str) -> Connection | None:
        wanted = name.lower()
        return next((c for c in self.connections if c.name.lower() == wanted), None) or next(
            (c for c in self.connections if c.name.lower().split(".")[0] == wanted.split(".")[0]
             and "." not in wanted), None)

    def nodes_of(self, cluster_id: str) -> list[Connection]:
        return [c for c in self.connections if c.cluster == cluster_id]

    def pin_certificate(self, conn_id: str, sha256_hex: str) -> None:
        """Trust this certificate explicitly (the user confirmed its fingerprint); "" forgets it."""
        conn = self.connection(conn_id)
        if conn is None:
            raise KeyError(conn_id)
        self.update_connection(replace(conn, pinned_sha256=sha256_hex.lower()))

    # -- credentials -------------------------------------------------------------------------------
    def resolve(self, conn: Connection) -> ResolvedConnection:
        """Endpoint and credentials: the connection's own, else its cluster's, else up the groups."""
        username, source, owner = self.credential_owner(conn)
        password = self.credentials.get_password(self._key(owner)) if owner else None
        return ResolvedConnection(conn, conn.endpoint(), username, password, source, owner)

    def credential_owner(self, conn: Connection) -> tuple[str, str, str]:
        """(user name, where from, owner id) without reading the keyring."""
        if conn.username:
            return conn.username, "own", conn.id
        cluster = self.connection(conn.cluster) if conn.cluster else None
        if cluster is not None and cluster.username:
            return cluster.username, "cluster %s" % cluster.name, cluster.id
        seen: set[str] = set()
        g = self.group(conn.group if cluster is None else cluster.group)
        while g is not None and g.id not in seen:
            seen.add(g.id)
            if g.username:
                return g.username, g.name, g.id
            g = self.group(g.parent)
        return "", "", ""

    def inherited_credentials(self, group_id: str | None, cluster_id: str | None = None) -> tuple[str, str]:
        """(user name, where from) that a new connection in this group/cluster would inherit."""
        username, source, _owner = self.credential_owner(Connection(id="", name="probe", group=group_id,
                                                                    cluster=cluster_id))
        return username, source

    def has_password(self, owner_id: str) -> bool:
        return self.credentials.get_password(self._key(owner_id)) is not None

    def set_password(self, owner_id: str, password: str) -> None:
        """Store the password for a group or connection that already has a user name (e.g. after a prompt)."""
        self.credentials.set_password(self._key(owner_id), password)

    def missing_passwords(self) -> list[ResolvedConnection]:
        """Connections whose credentials have a user name but no password (the app would have to ask)."""
        out = []
        for c in self.connections:
            r = self.resolve(c)
            if r.username and r.password is None:
                out.append(r)
        return out

    @staticmethod
    def _key(item_id: str) -> str:
        return "credential:%s" % item_id


def _known(data: Any, names: set[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise TypeError("expected an object")
    unknown = set(data) - names
    if unknown:  # written by a newer hvassist: keep what we understand
        log.info("ignoring unknown fields in saved connections: %s", ", ".join(sorted(unknown)))
    return {k: v for k, v in data.items() if k in names}


def matches(store: ConnectionStore, conn: Connection, text: str, show: str = "all") -> bool:
    """Search and filter: ``text`` matches name, address, user, customer/site path or cluster (case-
    insensitive, all words); ``show`` is all | hosts | clusters | no-credentials | pinned."""
    if show == "hosts" and conn.kind != "host":
        return False
    if show == "clusters" and conn.kind != "cluster":
        return False
    if show == "pinned" and not conn.pinned_sha256:
        return False
    if show == "no-credentials":
        username, _source, owner = store.credential_owner(conn)
        if username and store.has_password(owner):
            return False
    words = text.lower().split()
    if not words:
        return True
    cluster = store.connection(conn.cluster)
    haystack = " ".join([conn.name, conn.address, store.credential_owner(conn)[0],
                         store.group_path(conn.group), cluster.name if cluster else "", conn.transport,
                         conn.auth, conn.node_state]).lower()
    return all(w in haystack for w in words)
