"""What one collection round trip saw on a host (``collect-host`` output), as typed objects.

The parser is strict about types but forgiving about what a host may leave out: a missing list is
empty, a missing text is "". Anything that is not the documented shape raises ``SnapshotError``
with a plain message (never a KeyError from deep inside).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

HYPERV_WRITER_ID = "{66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}"


class SnapshotError(ValueError):
    pass


@dataclass(frozen=True)
class DiskFact:
    path: str
    controller_type: str
    controller_number: int
    controller_location: int
    disk_number: int | None
    shared: bool


@dataclass(frozen=True)
class IntegrationServiceFact:
    name: str
    enabled: bool
    primary_status: str
    secondary_status: str


@dataclass(frozen=True)
class CheckpointFact:
    name: str
    id: str
    type: str
    created: str | None
    parent_id: str


@dataclass(frozen=True)
class FileFact:
    path: str
    size_bytes: int
    modified: str | None


@dataclass(frozen=True)
class GuestFact:
    os_name: str | None
    os_version: str | None
    ic_version: str | None
    fqdn: str | None


@dataclass(frozen=True)
class VMFact:
    name: str
    id: str
    generation: int
    state: str
    version: str
    is_clustered: bool
    config_location: str
    snapshot_location: str
    checkpoint_type: str | None
    ic_version: str
    ic_state: str
    scsi_controllers: int
    ide_controllers: int
    disks: tuple[DiskFact, ...]
    integration_services: tuple[IntegrationServiceFact, ...]
    checkpoints: tuple[CheckpointFact, ...]
    autorecovery_files: tuple[FileFact, ...]
    guest: GuestFact | None

    def integration_service(self, name: str) -> IntegrationServiceFact | None:
        for s in self.integration_services:
            if s.name.lower() == name.lower():
                return s
        return None


@dataclass(frozen=True)
class WriterFact:
    name: str
    id: str
    instance_id: str
    state: int
    state_text: str
    last_error: str

    @property
    def failed(self) -> bool:
        return 6 <= self.state <= 15


@dataclass(frozen=True)
class ProviderFact:
    name: str
    type: str
    id: str
    version: str


@dataclass(frozen=True)
class EventFact:
    log: str
    provider: str
    id: int
    level: str
    time: str
    message: str
    properties: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class CSVFact:
    name: str
    state: str
    owner: str
    path: str
    size_bytes: int
    free_bytes: int
    redirected: bool


@dataclass(frozen=True)
class ClusterFact:
    name: str
    functional_level: int
    nodes: tuple[tuple[str, str], ...]  # (name, state)


@dataclass(frozen=True)
class HostFact:
    name: str
    domain: str
    os_caption: str
    os_version: str
    os_build: int
    product_type: int
    ps_version: str
    cluster: ClusterFact | None

    @property
    def os_key(self) -> str:
        """2008r2, 2012, 2012r2, 2016, 2019, 2022, or client (Windows 10/11)."""
        if self.product_type == 1:
            return "client"
        b = self.os_build
        if b >= 20348:
            return "2022"
        if b >= 17763:
            return "2019"
        if b >= 14393:
            return "2016"
        if b >= 9600:
            return "2012r2"
        if b >= 9200:
            return "2012"
        return "2008r2"

    @property
    def is_2016_or_later(self) -> bool:
        return self.os_build >= 14393


@dataclass(frozen=True)
class HostSnapshot:
    schema: str
    collected_at: str
    host: HostFact
    vms: tuple[VMFact, ...]
    csvs: tuple[CSVFact, ...]
    writers: tuple[WriterFact, ...]
    providers: tuple[ProviderFact, ...]
    events: tuple[EventFact, ...]
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def vm(self, name: str) -> VMFact | None:
        for v in self.vms:
            if v.name == name:
                return v
        return None

    @property
    def hyperv_writer(self) -> WriterFact | None:
        for w in self.writers:
            if w.id.lower() == HYPERV_WRITER_ID:
                return w
        return None


# -- parsing --------------------------------------------------------------------------------
def _s(d: dict[str, Any], key: str, where: str) -> str:
    v = d.get(key)
    if v is None:
        return ""
    if not isinstance(v, str):
        raise SnapshotError("%s.%s should be text" % (where, key))
    return v


def _i(d: dict[str, Any], key: str, where: str, default: int = 0) -> int:
    v = d.get(key, default)
    if v is None:
        return default
    if isinstance(v, bool) or not isinstance(v, int):
        raise SnapshotError("%s.%s should be a whole number" % (where, key))
    return v


def _b(d: dict[str, Any], key: str, where: str) -> bool:
    v = d.get(key, False)
    if not isinstance(v, bool):
        raise SnapshotError("%s.%s should be true or false" % (where, key))
    return v


def _list(d: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    v = d.get(key)
    if v is None:
        return []
    if isinstance(v, dict):  # ConvertTo-Json may unwrap a one-element array
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
        raise SnapshotError("%s.%s should be a list of objects" % (where, key))
    return v


def _obj(d: Any, where: str) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise SnapshotError("%s should be an object" % where)
    return d


def parse_snapshot(doc: Any) -> HostSnapshot:
    d = _obj(doc, "output")
    schema = _s(d, "schema", "output")
    if not schema.startswith("collect-host/"):
        raise SnapshotError("this is not hvassist collector output (schema %r)" % schema)
    h = _obj(d.get("host"), "host")
    c = h.get("cluster")
    cluster = None
    if c is not None:
        c = _obj(c, "host.cluster")
        cluster = ClusterFact(_s(c, "name", "cluster"), _i(c, "functional_level", "cluster"),
                              tuple((_s(n, "name", "node"), _s(n, "state", "node"))
                                    for n in _list(c, "nodes", "cluster")))
    host = HostFact(_s(h, "name", "host"), _s(h, "domain", "host"), _s(h, "os_caption", "host"),
                    _s(h, "os_version", "host"), _i(h, "os_build", "host"), _i(h, "product_type", "host", 3),
                    _s(h, "ps_version", "host"), cluster)
    vms = []
    for i, v in enumerate(_list(d, "vms", "output")):
        w = "vms[%d]" % i
        g = v.get("guest")
        guest = None
        if g is not None:
            g = _obj(g, w + ".guest")
            guest = GuestFact(g.get("os_name"), g.get("os_version"), g.get("ic_version"), g.get("fqdn"))
        vms.append(VMFact(
            name=_s(v, "name", w), id=_s(v, "id", w).lower(), generation=_i(v, "generation", w, 1),
            state=_s(v, "state", w), version=_s(v, "version", w), is_clustered=_b(v, "is_clustered", w),
            config_location=_s(v, "config_location", w), snapshot_location=_s(v, "snapshot_location", w),
            checkpoint_type=v.get("checkpoint_type") if isinstance(v.get("checkpoint_type"), str) else None,
            ic_version=_s(v, "ic_version", w), ic_state=_s(v, "ic_state", w),
            scsi_controllers=_i(v, "scsi_controllers", w), ide_controllers=_i(v, "ide_controllers", w),
            disks=tuple(DiskFact(_s(x, "path", w), _s(x, "controller_type", w), _i(x, "controller_number", w),
                                 _i(x, "controller_location", w),
                                 x.get("disk_number") if isinstance(x.get("disk_number"), int) else None,
                                 _b(x, "shared", w)) for x in _list(v, "disks", w)),
            integration_services=tuple(IntegrationServiceFact(_s(x, "name", w), _b(x, "enabled", w),
                                                              _s(x, "primary_status", w),
                                                              _s(x, "secondary_status", w))
                                       for x in _list(v, "integration_services", w)),
            checkpoints=tuple(CheckpointFact(_s(x, "name", w), _s(x, "id", w).lower(), _s(x, "type", w),
                                             x.get("created"), _s(x, "parent_id", w))
                              for x in _list(v, "checkpoints", w)),
            autorecovery_files=tuple(FileFact(_s(x, "path", w), _i(x, "size_bytes", w), x.get("modified"))
                                     for x in _list(v, "autorecovery_files", w)),
            guest=guest,
        ))
    vss = _obj(d.get("vss") or {}, "vss")
    events = tuple(EventFact(_s(e, "log", "event"), _s(e, "provider", "event"), _i(e, "id", "event"),
                             _s(e, "level", "event"), _s(e, "time", "event"), _s(e, "message", "event"),
                             tuple(str(p) for p in (e.get("properties") or [])))
                   for e in _list(d, "events", "output"))
    csvs = tuple(CSVFact(_s(x, "name", "csv"), _s(x, "state", "csv"), _s(x, "owner", "csv"), _s(x, "path", "csv"),
                         _i(x, "size_bytes", "csv"), _i(x, "free_bytes", "csv"), _b(x, "redirected", "csv"))
                 for x in _list(d, "csvs", "output"))
    return HostSnapshot(schema, _s(d, "collected_at", "output"), host, tuple(vms), csvs,
                        tuple(parse_vssadmin_writers(_s(vss, "writers_text", "vss"))),
                        tuple(parse_vssadmin_providers(_s(vss, "providers_text", "vss"))), events, raw=d)


# vssadmin output is localised; GUIDs, "[n]" states and the quoted names are not.
_QUOTED = re.compile(r"'([^']*)'")
_GUID = re.compile(r"\{[0-9a-fA-F-]{36}\}")
_STATE = re.compile(r"\[(\d+)\]\s*(.*)")


def parse_vssadmin_writers(text: str) -> list[WriterFact]:
    """Writers from ``vssadmin list writers`` text in any UI language."""
    writers: list[WriterFact] = []
    blocks = re.split(r"\r?\n\s*\r?\n", text.replace("\r\n", "\n"))
    for block in blocks:
        lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
        name_line = next((ln for ln in lines if _QUOTED.search(ln) and ":" in ln), None)
        guids = [m.group(0).lower() for ln in lines for m in [_GUID.search(ln)] if m]
        state_m = next((m for ln in lines for m in [_STATE.search(ln)] if m), None)
        if name_line is None or len(guids) < 1 or state_m is None:
            continue
        name_m = _QUOTED.search(name_line)
        assert name_m is not None
        last_error = ""
        state_idx = next(i for i, ln in enumerate(lines) if _STATE.search(ln))
        if state_idx + 1 < len(lines):
            last_error = lines[state_idx + 1].split(":", 1)[-1].strip()
        writers.append(WriterFact(name_m.group(1), guids[0], guids[1] if len(guids) > 1 else "",
                                  int(state_m.group(1)), state_m.group(2).strip(), last_error))
    return writers


def parse_vssadmin_providers(text: str) -> list[ProviderFact]:
    providers: list[ProviderFact] = []
    for block in re.split(r"\r?\n\s*\r?\n", text.replace("\r\n", "\n")):
        lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
        name_line = next((ln for ln in lines if _QUOTED.search(ln) and ":" in ln), None)
        guid = next((m.group(0).lower() for ln in lines for m in [_GUID.search(ln)] if m), None)
        if name_line is None or guid is None:
            continue
        name_m = _QUOTED.search(name_line)
        assert name_m is not None
        rest = [ln.split(":", 1)[-1].strip() for ln in lines if ln is not name_line and ":" in ln]
        ptype = next((r for r in rest if r.lower() in ("system", "software", "hardware")), rest[0] if rest else "")
        version = next((r for r in rest if re.fullmatch(r"[\d.]+", r)), "")
        providers.append(ProviderFact(name_m.group(1), ptype, guid, version))
    return providers
