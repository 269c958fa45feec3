"""A migration's saved state: survives closing the app (``<data dir>/migrations/<id>.json``).

It keeps what the user chose (clusters, CSVs, switch mapping), what they confirmed (with a note,
who and when), the raw documents of the last check (so the evidence reopens as it was), the VMs in
scope, what the runbook has done, and when the downtime started. Written atomically.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hvassist.paths import app_paths

FORMAT = 1


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_iso(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@dataclass
class ClusterRef:
    """Which cluster, and how to reach it: a saved connection, a lab scenario, or just its name."""

    name: str
    connection: str = ""  # saved connection id
    lab: str = ""  # lab scenario name (demo and tests)

    def describe(self) -> str:
        return self.name + (" (lab: %s)" % self.lab if self.lab else "")


@dataclass
class MovedCsv:
    name: str
    path: str = ""  # mount folder on the source, e.g. C:\ClusterStorage\Volume3
    signature: str = ""  # disk signature: how the LUN is recognised on the destination

    @property
    def mount_name(self) -> str:
        return self.path.rstrip("\\").rsplit("\\", 1)[-1] if self.path else ""


@dataclass
class ManifestVM:
    """A VM in scope, as the source showed it. Kept when the source no longer answers for it."""

    id: str
    name: str
    node: str
    config_path: str
    vhds: list[str] = field(default_factory=list)
    scsi_controllers: int = 0
    nics: list[dict[str, Any]] = field(default_factory=list)  # name, switch, mac, static_mac
    last_seen: str = ""


@dataclass
class Confirmation:
    confirmed: bool
    note: str
    by: str
    at: str


@dataclass
class OperationRecord:
    status: str  # done, failed
    at: str
    changed: bool = False
    output: dict[str, Any] = field(default_factory=dict)
    error: str = ""


@dataclass
class MigrationState:
    id: str
    source: ClusterRef
    dest: ClusterRef
    created_at: str
    updated_at: str = ""
    csvs: list[MovedCsv] = field(default_factory=list)  # empty until the first check: all the source's CSVs
    page: str = "checklist"  # wizard page to resume at
    selected_step: str = ""  # checklist step last looked at
    switch_map: dict[str, str] = field(default_factory=dict)  # source switch -> destination switch ("" = none)
    confirmations: dict[str, Confirmation] = field(default_factory=dict)
    manifest: dict[str, ManifestVM] = field(default_factory=dict)  # by VM id
    facts: dict[str, Any] = field(default_factory=dict)  # raw documents of the last check
    config_copies: dict[str, dict[str, str]] = field(default_factory=dict)  # VM id -> copy, sha256, node, at
    operations: dict[str, OperationRecord] = field(default_factory=dict)  # by operation id
    downtime_started_at: str = ""
    downtime_ended_at: str = ""
    finished: bool = False

    @property
    def title(self) -> str:
        return "%s → %s" % (self.source.name, self.dest.name)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MigrationState:
        d = dict(data)
        d.pop("format", None)
        d["source"] = ClusterRef(**d["source"])
        d["dest"] = ClusterRef(**d["dest"])
        d["csvs"] = [MovedCsv(**c) for c in d.get("csvs", [])]
        d["confirmations"] = {k: Confirmation(**v) for k, v in d.get("confirmations", {}).items()}
        d["manifest"] = {k: ManifestVM(**v) for k, v in d.get("manifest", {}).items()}
        d["operations"] = {k: OperationRecord(**v) for k, v in d.get("operations", {}).items()}
        return cls(**d)


def new_state(source: ClusterRef, dest: ClusterRef, csvs: list[str] | None = None) -> MigrationState:
    created = now_iso()
    return MigrationState(id=uuid.uuid4().hex[:12], source=source, dest=dest, created_at=created,
                          updated_at=created, csvs=[MovedCsv(n) for n in csvs or []])


class MigrationStore:
    """The saved migrations in the data folder."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or app_paths().data / "migrations"

    def path(self, migration_id: str) -> Path:
        if not migration_id.isalnum():
            raise ValueError("not a migration id: %r" % migration_id)
        return self.folder / ("%s.json" % migration_id)

    def save(self, state: MigrationState) -> None:
        state.updated_at = now_iso()
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".migration-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(state.to_json(), f, indent=1, ensure_ascii=False)
        os.replace(tmp, self.path(state.id))  # atomic: a crash never leaves half a file

    def load(self, migration_id: str) -> MigrationState:
        path = self.path(migration_id)
        try:
            return MigrationState.from_json(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise KeyError("no saved migration %s" % migration_id) from None
        except (ValueError, TypeError, KeyError) as e:
            raise ValueError("The saved migration %s could not be read (%s: %s)." % (path.name, type(e).__name__,
                                                                                     e)) from None

    def all(self) -> list[MigrationState]:
        out = []
        for p in sorted(self.folder.glob("*.json")):
            try:
                out.append(self.load(p.stem))
            except (KeyError, ValueError):
                continue  # a damaged file is skipped here; load() names it when asked for it
        return sorted(out, key=lambda s: s.updated_at, reverse=True)

    def latest_unfinished(self) -> MigrationState | None:
        return next((s for s in self.all() if not s.finished), None)

    def find(self, source: str, dest: str) -> MigrationState | None:
        return next((s for s in self.all() if not s.finished and s.source.name.lower() == source.lower()
                     and s.dest.name.lower() == dest.lower()), None)
