"""What one collection round trip saw on a host (``collect-host`` output), as typed objects.

The parser is strict about types but forgiving about what a host may leave out: a missing list is
empty, a missing text is "". Anything that is not the documented shape raises ``SnapshotError``
with a plain message (never a KeyError from deep inside).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

HYPERV_WRITER_ID = "{66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}"
# PowerShell name and the names Hyper-V Manager shows, in the versions hvassist knows
BACKUP_IC_NAMES = ("vss", "backup (volume shadow copy)", "backup (volume checkpoint)", "backup (volume snapshot)")
VIRTUAL_MACHINES_SID = "S-1-5-83-0"  # NT VIRTUAL MACHINE\Virtual Machines


@lru_cache(maxsize=1024)  # rules ask for the same few versions for every VM
def version_tuple(text: str | None) -> tuple[int, ...]:
    """'6.3.9600.16384' -> (6, 3, 9600, 16384); anything not numeric is dropped."""
    out: list[int] = []
    for part in (text or "").split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        if not digits:
            break
        out.append(int(digits))
    return tuple(out)


class SnapshotError(ValueError):
    pass


@dataclass(frozen=True)
class DiskFact:
    path: str
    controller_type: str
    controller_number: int
    controller_location: int
    disk_number: int | None  # a pass-through disk: the host's disk number
    shared: bool  # shared VHDX (SupportPersistentReservations)
    vhd_type: str | None = None  # Fixed, Dynamic, Differencing; None when unknown
    file_size_bytes: int | None = None
    chain: tuple[str, ...] = ()  # parent paths of a differencing disk, nearest first
    vm_access: bool | None = None  # ACL has NT VIRTUAL MACHINE\<VM id>; None when not checked

    @property
    def is_passthrough(self) -> bool:
        return self.disk_number is not None

    @property
    def on_share(self) -> bool:
        return self.path.startswith("\\\\")

    @property
    def is_vhd_set(self) -> bool:
        return self.path.lower().endswith(".vhds")


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
    replication_mode: str = ""
    fibre_channel_adapters: int = 0

    def integration_service(self, name: str) -> IntegrationServiceFact | None:
        for s in self.integration_services:
            if s.name.lower() == name.lower():
                return s
        return None

    @property
    def backup_ic(self) -> IntegrationServiceFact | None:
        """The "Backup (volume shadow copy)" integration service (PowerShell name VSS)."""
        return next((i for i in self.integration_services if i.name.lower() in BACKUP_IC_NAMES), None)

    @property
    def running(self) -> bool:
        return self.state.lower() == "running"

    @property
    def guest_os(self) -> str:
        return (self.guest.os_name or "") if self.guest else ""

    @property
    def config_version(self) -> tuple[int, ...]:
        return version_tuple(self.version)

    @property
    def share_servers(self) -> list[str]:
        """Servers of the \\\\server\\share paths holding this VM's disks or configuration (lower case)."""
        out: list[str] = []
        for p in [d.path for d in self.disks] + [self.config_location]:
            if p.startswith("\\\\"):
                server = p[2:].split("\\")[0].lower()
                if server and server not in out:
                    out.append(server)
        return out


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
class CSVNodeState:
    node: str
    state: str  # Direct, FileSystemRedirected, BlockRedirected, Unavailable
    fs_redirected_reason: str
    block_redirected_reason: str

    @property
    def redirected(self) -> bool:
        return self.state.lower() not in ("direct", "")


@dataclass(frozen=True)
class CSVFact:
    name: str
    state: str
    owner: str
    path: str
    size_bytes: int
    free_bytes: int
    redirected: bool
    node_states: tuple[CSVNodeState, ...] = ()

    def state_on(self, node: str) -> CSVNodeState | None:
        return next((n for n in self.node_states if n.node.lower() == node.lower()), None)


@dataclass(frozen=True)
class VMGroupFact:
    name: str
    owner: str
    state: str


@dataclass(frozen=True)
class ClusterFact:
    name: str
    functional_level: int
    nodes: tuple[tuple[str, str], ...]  # (name, state)
    vm_groups: tuple[VMGroupFact, ...] = ()


@dataclass(frozen=True)
class VolumeFact:
    device_id: str
    name: str  # C:\, C:\ClusterStorage\Volume1\, or \\?\Volume{...}\ without a mount point
    label: str
    file_system: str
    size_bytes: int
    free_bytes: int


@dataclass(frozen=True)
class HostDiskFact:
    number: int
    partition_style: str
    signature: str | None  # 8 lower-case hex digits (MBR); None for GPT


@dataclass(frozen=True)
class ServiceRegistration:
    display_name: str
    state: str
    start_mode: str
    service_dll: str | None


@dataclass(frozen=True)
class ShadowFact:
    shadow_id: str
    original_volume: str  # \\?\Volume{...}\ (language-neutral part of vssadmin's text)


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
    volumes: tuple[VolumeFact, ...] = ()
    disks: tuple[HostDiskFact, ...] = ()
    swprv: ServiceRegistration | None = None
    service_logon_right: tuple[str, ...] | None = None  # None: could not be read
    hotfixes_checked: tuple[str, ...] = ()
    hotfixes_installed: tuple[str, ...] = ()

    @property
    def is_client(self) -> bool:
        return self.product_type == 1

    @property
    def host_vss_flow(self) -> bool:
        """Whether host-level backups go through the host's VSS (2012 R2 and older) rather than
        production checkpoints and RCT (2016 and later)."""
        return not self.is_2016_or_later

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
class GuestVolumeFact:
    device_id: str
    name: str  # drive letter path (D:\\) or the volume GUID path when it has no mount point
    label: str
    file_system: str
    size_bytes: int
    free_bytes: int


@dataclass(frozen=True)
class ShadowStorageFact:
    for_volume: str  # device ids (\\?\Volume{...}\)
    on_volume: str
    max_bytes: int
    used_bytes: int


@dataclass(frozen=True)
class GuestFacts:
    """What a look inside a Windows guest saw (``collect-guest`` output)."""

    computer_name: str
    os_caption: str
    os_version: str
    vmicvss_state: str | None  # Running, Stopped; None when the service does not exist
    vmicvss_start_mode: str | None  # Auto, Manual, Disabled
    clussvc_state: str | None
    dynamic_partitions: int
    disk_signatures: tuple[str, ...]  # MBR signatures, 8 lower-case hex digits
    volumes: tuple[GuestVolumeFact, ...]
    shadow_storage: tuple[ShadowStorageFact, ...]
    scope_snapshots: int | None  # registry SystemRestore\ScopeSnapshots; None when not set
    iscsi_sessions: int
    writers: tuple[WriterFact, ...]
    events: tuple[EventFact, ...]

    def volume(self, device_id: str) -> GuestVolumeFact | None:
        return next((v for v in self.volumes if v.device_id.lower() == device_id.lower()), None)


@dataclass(frozen=True)
class GuestInspection:
    """The result of trying to look inside one VM's guest."""

    vm_id: str
    status: str  # "done", "failed", "not-possible"
    method: str = ""  # "powershell-direct", "winrm"
    reason: str = ""  # plain words when not done
    facts: GuestFacts | None = None

    @property
    def done(self) -> bool:
        return self.status == "done" and self.facts is not None


@dataclass(frozen=True)
class FileServerCheck:
    """What hvassist learned from a file server that holds VM files (SMB 3 shares)."""

    server: str  # as it appears in the VM's paths (\\server\share)
    status: str  # "done", "failed", "not-possible"
    reason: str = ""
    agent_state: str | None = None  # the File Server VSS Agent service: Running, Stopped; None: not installed

    @property
    def done(self) -> bool:
        return self.status == "done"


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
    shadows: tuple[ShadowFact, ...] = ()
    guests: Mapping[str, GuestInspection] = field(default_factory=dict, compare=False)  # by VM id
    file_servers: Mapping[str, FileServerCheck] = field(default_factory=dict, compare=False)  # by server, lower

    def vm(self, name: str) -> VMFact | None:
        for v in self.vms:
            if v.name == name:
                return v
        return None

    def guest_facts(self, vm: VMFact) -> GuestFacts | None:
        g = self.guests.get(vm.id)
        return g.facts if g is not None and g.done else None

    def with_guests(self, guests: Mapping[str, GuestInspection]) -> HostSnapshot:
        return dataclasses.replace(self, guests=dict(guests))

    def with_file_servers(self, servers: Mapping[str, FileServerCheck]) -> HostSnapshot:
        return dataclasses.replace(self, file_servers={k.lower(): v for k, v in servers.items()})

    def share_servers(self) -> dict[str, list[VMFact]]:
        """File servers (lower case) holding VM files, with the VMs on them."""
        out: dict[str, list[VMFact]] = {}
        for vm in self.vms:
            for server in vm.share_servers:
                out.setdefault(server, []).append(vm)
        return out

    def volume_of(self, path: str) -> str:
        """The volume a path lives on, as a comparable key: a CSV or mount point, a drive, or a share."""
        return _volume_key(path, self._mount_points)

    # Derived once per snapshot (rules ask per VM). Kept in the instance's __dict__, which a frozen dataclass
    # allows for cached properties; left out of pickles (``__getstate__``), rebuilt on first use.
    @cached_property
    def _mount_points(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.host.volumes) + tuple(c.path for c in self.csvs)

    @cached_property
    def _events_by_id(self) -> dict[int, tuple[EventFact, ...]]:
        index: dict[int, list[EventFact]] = {}
        for e in self.events:
            index.setdefault(e.id, []).append(e)
        return {k: tuple(v) for k, v in index.items()}

    def events_with_id(self, event_id: int) -> tuple[EventFact, ...]:
        """The events with this id, in the snapshot's order."""
        return self._events_by_id.get(event_id, ())

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in _SNAPSHOT_CACHES}

    def free_space(self, volume: str) -> tuple[int, int] | None:
        """(free, size) in bytes of the volume with this key, from the CSV list or Win32_Volume."""
        for c in self.csvs:
            if _volume_key(c.path, (c.path,)) == volume and c.size_bytes:
                return c.free_bytes, c.size_bytes
        for v in self.host.volumes:
            if _volume_key(v.name, (v.name,)) == volume and v.size_bytes:
                return v.free_bytes, v.size_bytes
        return None

    @property
    def hyperv_writer(self) -> WriterFact | None:
        for w in self.writers:
            if w.id.lower() == HYPERV_WRITER_ID:
                return w
        return None


_SNAPSHOT_CACHES = ("_mount_points", "_events_by_id")


# -- parsing --------------------------------------------------------------------------------
# The helpers below run thousands of times per host: the usual case (the exact JSON type) is tested first.
def _s(d: dict[str, Any], key: str, where: str) -> str:
    v = d.get(key)
    if type(v) is str:
        return v
    if v is None:
        return ""
    if not isinstance(v, str):
        raise SnapshotError("%s.%s should be text" % (where, key))
    return v


def _i(d: dict[str, Any], key: str, where: str, default: int = 0) -> int:
    v = d.get(key, default)
    if type(v) is int:
        return v
    if v is None:
        return default
    if isinstance(v, bool) or not isinstance(v, int):
        raise SnapshotError("%s.%s should be a whole number" % (where, key))
    return v


def _b(d: dict[str, Any], key: str, where: str) -> bool:
    v = d.get(key, False)
    if v is True or v is False:
        return v
    raise SnapshotError("%s.%s should be true or false" % (where, key))


def _list(d: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    v = d.get(key)
    if v is None:
        return []
    if type(v) is list and all(type(x) is dict for x in v):
        return v
    if isinstance(v, dict):  # ConvertTo-Json may unwrap a one-element array
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
        raise SnapshotError("%s.%s should be a list of objects" % (where, key))
    return v


def _obj(d: Any, where: str) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise SnapshotError("%s should be an object" % where)
    return d


def _opt_s(d: dict[str, Any], key: str, where: str) -> str | None:
    v = d.get(key)
    if v is None:
        return None
    if not isinstance(v, str):
        raise SnapshotError("%s.%s should be text" % (where, key))
    return v


def _opt_i(d: dict[str, Any], key: str) -> int | None:
    v = d.get(key)
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _strings(d: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    v = d.get(key)
    if v is None:
        return ()
    if isinstance(v, str):  # ConvertTo-Json unwraps a one-element array
        return (v,)
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise SnapshotError("%s.%s should be a list of text" % (where, key))
    return tuple(v)


def parse_events(items: list[dict[str, Any]]) -> tuple[EventFact, ...]:
    out = []
    for e in items:
        props = e.get("properties")
        props = [] if props is None else props if isinstance(props, list) else [props]  # one unwrapped value
        # A host sends hundreds of events: the usual shape (every field present with its type) is taken
        # directly; anything else goes through the checking helpers, which also name what is wrong.
        log, provider, eid, level, when, message = (e.get("log"), e.get("provider"), e.get("id"), e.get("level"),
                                                    e.get("time"), e.get("message"))
        if not (type(log) is str and type(provider) is str and type(eid) is int and type(level) is str
                and type(when) is str and type(message) is str):
            log, provider, eid = _s(e, "log", "event"), _s(e, "provider", "event"), _i(e, "id", "event")
            level, when, message = _s(e, "level", "event"), _s(e, "time", "event"), _s(e, "message", "event")
        out.append(EventFact(log, provider, eid, level, when, message,
                             tuple(p if type(p) is str else str(p) for p in props)))
    return tuple(out)


def _disk(x: dict[str, Any], w: str) -> DiskFact:
    vm_access = x.get("vm_access")
    return DiskFact(_s(x, "path", w), _s(x, "controller_type", w), _i(x, "controller_number", w),
                    _i(x, "controller_location", w), _opt_i(x, "disk_number"), _b(x, "shared", w),
                    _opt_s(x, "vhd_type", w), _opt_i(x, "file_size_bytes"), _strings(x, "chain", w),
                    vm_access if isinstance(vm_access, bool) else None)


def _host(h: dict[str, Any]) -> HostFact:
    c = h.get("cluster")
    cluster = None
    if c is not None:
        c = _obj(c, "host.cluster")
        cluster = ClusterFact(_s(c, "name", "cluster"), _i(c, "functional_level", "cluster"),
                              tuple((_s(n, "name", "node"), _s(n, "state", "node"))
                                    for n in _list(c, "nodes", "cluster")),
                              tuple(VMGroupFact(_s(g, "name", "group"), _s(g, "owner", "group"),
                                                _s(g, "state", "group")) for g in _list(c, "vm_groups", "cluster")))
    sw = h.get("swprv")
    swprv = None
    if isinstance(sw, dict):
        swprv = ServiceRegistration(_s(sw, "display_name", "swprv"), _s(sw, "state", "swprv"),
                                    _s(sw, "start_mode", "swprv"), _opt_s(sw, "service_dll", "swprv"))
    rights = h.get("service_logon_right")
    return HostFact(
        _s(h, "name", "host"), _s(h, "domain", "host"), _s(h, "os_caption", "host"), _s(h, "os_version", "host"),
        _i(h, "os_build", "host"), _i(h, "product_type", "host", 3), _s(h, "ps_version", "host"), cluster,
        volumes=tuple(VolumeFact(_s(v, "device_id", "volume"), _s(v, "name", "volume"), _s(v, "label", "volume"),
                                 _s(v, "file_system", "volume"), _i(v, "size_bytes", "volume"),
                                 _i(v, "free_bytes", "volume")) for v in _list(h, "volumes", "host")),
        disks=tuple(HostDiskFact(_i(x, "number", "disk"), _s(x, "partition_style", "disk"),
                                 (_opt_s(x, "signature", "disk") or "").lower() or None)
                    for x in _list(h, "disks", "host")),
        swprv=swprv,
        service_logon_right=None if rights is None else _strings(h, "service_logon_right", "host"),
        hotfixes_checked=_strings(h, "hotfixes_checked", "host"),
        hotfixes_installed=_strings(h, "hotfixes_installed", "host"))


def parse_snapshot(doc: Any) -> HostSnapshot:
    d = _obj(doc, "output")
    schema = _s(d, "schema", "output")
    if not schema.startswith("collect-host/"):
        raise SnapshotError("this is not hvassist collector output (schema %r)" % schema)
    host = _host(_obj(d.get("host"), "host"))
    vms = []
    for i, v in enumerate(_list(d, "vms", "output")):
        w = "vms[%d]" % i
        g = v.get("guest")
        guest = None
        if g is not None:
            g = _obj(g, w + ".guest")
            guest = GuestFact(_opt_s(g, "os_name", w), _opt_s(g, "os_version", w), _opt_s(g, "ic_version", w),
                              _opt_s(g, "fqdn", w))
        vms.append(VMFact(
            name=_s(v, "name", w), id=_s(v, "id", w).lower(), generation=_i(v, "generation", w, 1),
            state=_s(v, "state", w), version=_s(v, "version", w), is_clustered=_b(v, "is_clustered", w),
            config_location=_s(v, "config_location", w), snapshot_location=_s(v, "snapshot_location", w),
            checkpoint_type=v.get("checkpoint_type") if isinstance(v.get("checkpoint_type"), str) else None,
            ic_version=_s(v, "ic_version", w), ic_state=_s(v, "ic_state", w),
            scsi_controllers=_i(v, "scsi_controllers", w), ide_controllers=_i(v, "ide_controllers", w),
            disks=tuple(_disk(x, w) for x in _list(v, "disks", w)),
            integration_services=tuple(IntegrationServiceFact(_s(x, "name", w), _b(x, "enabled", w),
                                                              _s(x, "primary_status", w),
                                                              _s(x, "secondary_status", w))
                                       for x in _list(v, "integration_services", w)),
            checkpoints=tuple(CheckpointFact(_s(x, "name", w), _s(x, "id", w).lower(), _s(x, "type", w),
                                             _opt_s(x, "created", w), _s(x, "parent_id", w))
                              for x in _list(v, "checkpoints", w)),
            autorecovery_files=tuple(FileFact(_s(x, "path", w), _i(x, "size_bytes", w), _opt_s(x, "modified", w))
                                     for x in _list(v, "autorecovery_files", w)),
            guest=guest,
            replication_mode=_s(v, "replication_mode", w),
            fibre_channel_adapters=_i(v, "fibre_channel_adapters", w),
        ))
    vss = _obj(d.get("vss") or {}, "vss")
    csvs = tuple(CSVFact(_s(x, "name", "csv"), _s(x, "state", "csv"), _s(x, "owner", "csv"), _s(x, "path", "csv"),
                         _i(x, "size_bytes", "csv"), _i(x, "free_bytes", "csv"), _b(x, "redirected", "csv"),
                         tuple(CSVNodeState(_s(n, "node", "csv"), _s(n, "state", "csv"),
                                            _s(n, "fs_redirected_reason", "csv"),
                                            _s(n, "block_redirected_reason", "csv"))
                               for n in _list(x, "node_states", "csv")))
                 for x in _list(d, "csvs", "output"))
    return HostSnapshot(schema, _s(d, "collected_at", "output"), host, tuple(vms), csvs,
                        tuple(parse_vssadmin_writers(_s(vss, "writers_text", "vss"))),
                        tuple(parse_vssadmin_providers(_s(vss, "providers_text", "vss"))),
                        parse_events(_list(d, "events", "output")),
                        shadows=tuple(parse_vssadmin_shadows(_s(vss, "shadows_text", "vss"))))


def parse_guest_facts(doc: Any) -> GuestFacts:
    """``collect-guest`` output (also what ``guest-check-direct`` returns per VM)."""
    d = _obj(doc, "guest output")
    schema = _s(d, "schema", "guest")
    if not schema.startswith("guest-facts/"):
        raise SnapshotError("this is not hvassist guest output (schema %r)" % schema)
    w = "guest"
    vmicvss = d.get("vmicvss")
    vmicvss = _obj(vmicvss, "guest.vmicvss") if vmicvss is not None else None
    return GuestFacts(
        computer_name=_s(d, "computer_name", w), os_caption=_s(d, "os_caption", w),
        os_version=_s(d, "os_version", w),
        vmicvss_state=_s(vmicvss, "state", w) if vmicvss else None,
        vmicvss_start_mode=_s(vmicvss, "start_mode", w) if vmicvss else None,
        clussvc_state=_opt_s(d, "clussvc_state", w),
        dynamic_partitions=_i(d, "dynamic_partitions", w),
        disk_signatures=tuple(x.lower() for x in _strings(d, "disk_signatures", w)),
        volumes=tuple(GuestVolumeFact(_s(v, "device_id", w), _s(v, "name", w), _s(v, "label", w),
                                      _s(v, "file_system", w), _i(v, "size_bytes", w), _i(v, "free_bytes", w))
                      for v in _list(d, "volumes", w)),
        shadow_storage=tuple(ShadowStorageFact(_s(x, "for_volume", w), _s(x, "on_volume", w),
                                               _i(x, "max_bytes", w), _i(x, "used_bytes", w))
                             for x in _list(d, "shadow_storage", w)),
        scope_snapshots=_opt_i(d, "scope_snapshots"),
        iscsi_sessions=_i(d, "iscsi_sessions", w),
        writers=tuple(parse_vssadmin_writers(_s(d, "writers_text", w))),
        events=parse_events(_list(d, "events", w)),
    )


@lru_cache(maxsize=16384)
def _volume_key(path: str, mount_points: tuple[str, ...]) -> str:
    # Rules ask for the same few paths per VM again and again; a thousand VMs make that add up.
    return volume_key(path, list(mount_points))


def volume_key(path: str, mount_points: list[str]) -> str:
    """Which volume a path is on: the longest mount point (CSV, mounted folder) that contains it, else
    its drive letter, else its \\\\server\\share; lower case, without a trailing backslash."""
    p = path.replace("/", "\\").rstrip("\\").lower()
    best = ""
    for m in mount_points:
        mm = m.replace("/", "\\").rstrip("\\").lower()
        if mm and (p == mm or p.startswith(mm + "\\")) and len(mm) > len(best):
            best = mm
    if best:
        return best
    if p.startswith("\\\\"):
        parts = p[2:].split("\\")
        return "\\\\" + "\\".join(parts[:2])
    return p[:2] if len(p) >= 2 and p[1] == ":" else p


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


_SHADOW_ID = re.compile(r"\{[0-9a-fA-F-]{36}\}")
_VOLUME_GUID_PATH = re.compile(r"\\\\\?\\Volume\{[0-9a-fA-F-]{36}\}\\")


def parse_vssadmin_shadows(text: str) -> list[ShadowFact]:
    """Shadow copies from ``vssadmin list shadows`` in any UI language: each block has the shadow copy's
    id (the second GUID of its header, after the set id) and its original volume's GUID path."""
    shadows: list[ShadowFact] = []
    for block in re.split(r"\r?\n\s*\r?\n", text.replace("\r\n", "\n")):
        guids = _SHADOW_ID.findall(block)
        vols = _VOLUME_GUID_PATH.findall(block)
        if len(guids) < 2 or not vols:
            continue
        shadows.append(ShadowFact(guids[1].lower(), vols[0].lower()))
    return shadows
