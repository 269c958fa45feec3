"""Saved connections: hosts and clusters grouped by customer/site, stored as JSON in the config
folder. Credentials set on a group are inherited by everything under it unless overridden.
Passwords are never in this file: only in the keyring (``CredentialStore``)."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from hvassist.credentials import CredentialStore
from hvassist.paths import app_paths
from hvassist.remote.endpoint import Endpoint

FORMAT_VERSION = 1


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
    username: str = ""  # own credentials; "" = inherit from the group
    pinned_sha256: str = ""
    ca_file: str = ""
    nodes: list[str] = field(default_factory=list)  # cluster: discovered node names

    def endpoint(self) -> Endpoint:
        return Endpoint(host=self.name, address=self.address, port=self.port,
                        transport=self.transport,  # type: ignore[arg-type]
                        auth=self.auth, ca_file=self.ca_file,  # type: ignore[arg-type]
                        pinned_sha256=self.pinned_sha256)


@dataclass
class ResolvedConnection:
    connection: Connection
    endpoint: Endpoint
    username: str
    password: str | None = field(repr=False)
    credential_from: str  # "own", or the group's name it was inherited from, or "" when none


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
            self.groups = [Group(**g) for g in data.get("groups", [])]
            self.connections = [Connection(**c) for c in data.get("connections", [])]
        except (OSError, ValueError, TypeError) as e:
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

    # -- editing -------------------------------------------------------------------------------
    def add_group(self, name: str, parent: str | None = None, username: str = "",
                  password: str | None = None) -> Group:
        g = Group(_new_id(), name, parent, username)
        self.groups.append(g)
        if password is not None:
            self.credentials.set_password(self._key(g.id), password)
        self.save()
        return g

    def add_connection(self, conn: Connection, password: str | None = None) -> Connection:
        if not conn.id:
            conn = replace(conn, id=_new_id())
        self.connections.append(conn)
        if password is not None and conn.username:
            self.credentials.set_password(self._key(conn.id), password)
        self.save()
        return conn

    def update_connection(self, conn: Connection, password: str | None = None) -> None:
        self.connections = [conn if c.id == conn.id else c for c in self.connections]
        if password is not None and conn.username:
            self.credentials.set_password(self._key(conn.id), password)
        self.save()

    def set_group_credentials(self, group_id: str, username: str, password: str | None) -> None:
        for g in self.groups:
            if g.id == group_id:
                g.username = username
        if password is not None:
            self.credentials.set_password(self._key(group_id), password)
        self.save()

    def remove_connection(self, conn_id: str) -> None:
        self.connections = [c for c in self.connections if c.id != conn_id]
        self.credentials.delete(self._key(conn_id))
        self.save()

    def group(self, group_id: str | None) -> Group | None:
        return next((g for g in self.groups if g.id == group_id), None)

    def find_host(self, name: str) -> Connection | None:
        return next((c for c in self.connections if c.name.lower() == name.lower()), None)

    def credential_source(self, conn: Connection) -> tuple[str, str]:
        """(user name, where it comes from: "own", a group's name, or "") without reading the keyring."""
        if conn.username:
            return conn.username, "own"
        seen: set[str] = set()
        g = self.group(conn.group)
        while g is not None and g.id not in seen:
            seen.add(g.id)
            if g.username:
                return g.username, g.name
            g = self.group(g.parent)
        return "", ""

    def resolve(self, conn: Connection) -> ResolvedConnection:
        """Endpoint and credentials, walking up the groups for inherited credentials."""
        if conn.username:
            return ResolvedConnection(conn, conn.endpoint(), conn.username,
                                      self.credentials.get_password(self._key(conn.id)), "own")
        seen: set[str] = set()
        g = self.group(conn.group)
        while g is not None and g.id not in seen:
            seen.add(g.id)
            if g.username:
                return ResolvedConnection(conn, conn.endpoint(), g.username,
                                          self.credentials.get_password(self._key(g.id)), g.name)
            g = self.group(g.parent)
        return ResolvedConnection(conn, conn.endpoint(), "", None, "")

    @staticmethod
    def _key(item_id: str) -> str:
        return "credential:%s" % item_id
