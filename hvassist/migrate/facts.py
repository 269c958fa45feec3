"""What the migration checks saw on both clusters, as typed objects.

Parsed from the JSON the scripts print (``mig-source-inventory``, ``mig-dest-inventory``,
``mig-dest-compare-vm``, ``collect-host``). The raw documents are what the migration state keeps
(so a reopened migration shows the same evidence); these classes are rebuilt from them.
Parsing is forgiving about missing lists and strict about shapes: anything else raises
``FactsError`` with a plain message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hvassist.snapshot import HostSnapshot, SnapshotError, parse_snapshot


class FactsError(ValueError):
    pass


def norm_id(value: str) -> str:
    """VM IDs compare without braces and case (2008 R2 prints them upper case, 2012 R2 lower case)."""
    return value.strip().strip("{}").upper()


def norm_signature(value: str) -> str:
    text = value.strip().lower()
    return text[2:] if text.startswith("0x") else text.strip("{}")


def under(path: str, folder: str) -> bool:
    """Whether ``path`` lies in ``folder`` (Windows paths: case-insensitive, backslashes)."""
    p, f = path.replace("/", "\\").lower(), folder.replace("/", "\\").rstrip("\\").lower()
    return bool(f) and p.startswith(f + "\\")


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FactsError("%s: expected an object" % where)
    return value


def _list(d: dict[str, Any], key: str, where: str) -> list[Any]:
    value = d.get(key)
    if value is None:
        return []
    if isinstance(value, dict):  # a one-element array, as PowerShell sometimes prints it
        return [value]
    if not isinstance(value, list):
        raise FactsError("%s.%s: expected a list" % (where, key))
    return value


def _s(d: dict[str, Any], key: str) -> str:
    value = d.get(key)
    return "" if value is None else str(value)


def _i(d: dict[str, Any], key: str) -> int:
    value = d.get(key)
    try:
        return int(value) if value is not None else 0
    except (TypeError, ValueError):
        return 0


def _b(d: dict[str, Any], key: str) -> bool:
    return bool(d.get(key))


@dataclass(frozen=True)
class NicFact:
    name: str
    switch: str  # "" = not connected
    mac: str
    static_mac: bool
    legacy: bool

    @property
    def mac_text(self) -> str:
        m = self.mac.replace("-", "").replace(":", "").upper()
        return ":".join(m[i:i + 2] for i in range(0, len(m), 2)) if len(m) == 12 else self.mac


@dataclass(frozen=True)
class SnapshotInfo:
    name: str
    id: str
    created: str | None


@dataclass(frozen=True)
class SourceVM:
    node: str
    name: str
    id: str
    state: str
    config_path: str
    config_sha256: str
    snapshot_root: str
    vhds: tuple[str, ...]
    scsi_controllers: int
    snapshots: tuple[SnapshotInfo, ...]
    nics: tuple[NicFact, ...]

    @property
    def files(self) -> tuple[str, ...]:
        return (self.config_path, *self.vhds)


@dataclass(frozen=True)
class CsvFact:
    name: str
    path: str
    state: str
    owner: str
    disk_signature: str


@dataclass(frozen=True)
class GroupFact:
    name: str
    state: str
    owner: str
    vm_id: str


@dataclass(frozen=True)
class ClusterInfo:
    name: str
    domain: str
    nodes: tuple[tuple[str, str], ...]  # (name, state)

    @property
    def node_names(self) -> list[str]:
        return [n for n, _ in self.nodes]

    @property
    def up_nodes(self) -> list[str]:
        return [n for n, s in self.nodes if s.lower() == "up"]


@dataclass(frozen=True)
class SourceNode:
    name: str
    domain: str
    os_caption: str
    os_build: int
    ps_version: str
    cluster: ClusterInfo | None
    csvs: tuple[CsvFact, ...]
    groups: tuple[GroupFact, ...]
    switches: tuple[str, ...]
    vms: tuple[SourceVM, ...]
    disks: tuple[str, ...]  # signatures of the disks the node sees
    snapshot_files: tuple[str, ...]


@dataclass(frozen=True)
class DestVM:
    node: str
    name: str
    id: str
    state: str
    is_clustered: bool
    config_location: str
    version: str
    nics: tuple[NicFact, ...]


@dataclass(frozen=True)
class AvailableDisk:
    name: str
    number: int
    size_bytes: int
    signature: str


@dataclass(frozen=True)
class DestNode:
    name: str
    domain: str
    os_caption: str
    os_build: int
    ps_version: str
    hyperv_module: bool
    cluster: ClusterInfo | None
    csvs: tuple[CsvFact, ...]
    groups: tuple[GroupFact, ...]
    available_disks: tuple[AvailableDisk, ...]
    switches: tuple[str, ...]
    vms: tuple[DestVM, ...]
    paths: dict[str, bool]
    disks: tuple[str, ...] = ()  # signatures of the disks the node sees


@dataclass(frozen=True)
class Incompatibility:
    message_id: int
    message: str
    adapter: str
    switch_name: str

    def text(self) -> str:
        return "%d %s" % (self.message_id, self.message)


@dataclass(frozen=True)
class SwitchAction:
    adapter: str
    switch_from: str
    switch_to: str
    action: str


@dataclass(frozen=True)
class CompareFact:
    node: str
    path: str
    vm: str
    vm_id: str
    already_registered: bool
    before: tuple[Incompatibility, ...]
    actions: tuple[SwitchAction, ...]
    after: tuple[Incompatibility, ...]


@dataclass(frozen=True)
class HostProblem:
    """A host (or cluster name) that could not be asked: what happened and what to do."""

    side: str  # "source" or "destination"
    host: str
    message: str
    action: str


@dataclass
class MigrationFacts:
    source_nodes: list[SourceNode] = field(default_factory=list)
    dest_nodes: list[DestNode] = field(default_factory=list)
    compare: dict[str, CompareFact] = field(default_factory=dict)  # by VM id
    compare_errors: dict[str, str] = field(default_factory=dict)  # by VM id: what Compare-VM said
    dest_snapshots: list[HostSnapshot] = field(default_factory=list)
    problems: list[HostProblem] = field(default_factory=list)
    collected_at: str = ""

    # -- views ----------------------------------------------------------------------------------
    @property
    def source_cluster(self) -> ClusterInfo | None:
        return next((n.cluster for n in self.source_nodes if n.cluster is not None), None)

    @property
    def dest_cluster(self) -> ClusterInfo | None:
        return next((n.cluster for n in self.dest_nodes if n.cluster is not None), None)

    @property
    def source_csvs(self) -> tuple[CsvFact, ...]:
        return self.source_nodes[0].csvs if self.source_nodes else ()

    @property
    def source_groups(self) -> tuple[GroupFact, ...]:
        return self.source_nodes[0].groups if self.source_nodes else ()

    @property
    def dest_csvs(self) -> tuple[CsvFact, ...]:
        return self.dest_nodes[0].csvs if self.dest_nodes else ()

    @property
    def dest_groups(self) -> tuple[GroupFact, ...]:
        return self.dest_nodes[0].groups if self.dest_nodes else ()

    @property
    def dest_available(self) -> tuple[AvailableDisk, ...]:
        return self.dest_nodes[0].available_disks if self.dest_nodes else ()

    def source_vms(self) -> list[SourceVM]:
        return [vm for n in self.source_nodes for vm in n.vms]

    def dest_vm(self, vm_id: str) -> DestVM | None:
        return next((vm for n in self.dest_nodes for vm in n.vms if norm_id(vm.id) == norm_id(vm_id)), None)

    def dest_path_exists(self, path: str) -> bool | None:
        for n in self.dest_nodes:
            for p, exists in n.paths.items():
                if p.lower() == path.lower():
                    return exists
        return None

    def dest_snapshot_vm(self, vm_id: str) -> tuple[HostSnapshot, Any] | None:
        for s in self.dest_snapshots:
            for vm in s.vms:
                if norm_id(vm.id) == norm_id(vm_id):
                    return s, vm
        return None

    def problems_on(self, side: str) -> list[HostProblem]:
        return [p for p in self.problems if p.side == side]


# -- parsing ------------------------------------------------------------------------------------
def _nics(d: dict[str, Any], where: str) -> tuple[NicFact, ...]:
    return tuple(NicFact(_s(n, "name"), _s(n, "switch_name"), _s(n, "mac"), _b(n, "static_mac"), _b(n, "legacy"))
                 for n in (_obj(x, where + ".nics") for x in _list(d, "nics", where)))


def _cluster(value: Any, where: str) -> ClusterInfo | None:
    if value is None:
        return None
    c = _obj(value, where)
    nodes = tuple((_s(n, "name"), _s(n, "state"))
                  for n in (_obj(x, where + ".nodes") for x in _list(c, "nodes", where)))
    return ClusterInfo(_s(c, "name"), _s(c, "domain"), nodes)


def _csvs(d: dict[str, Any], where: str) -> tuple[CsvFact, ...]:
    return tuple(CsvFact(_s(c, "name"), _s(c, "path"), _s(c, "state"), _s(c, "owner"),
                         norm_signature(_s(c, "disk_signature")))
                 for c in (_obj(x, where + ".csvs") for x in _list(d, "csvs", where)))


def _groups(d: dict[str, Any], where: str) -> tuple[GroupFact, ...]:
    return tuple(GroupFact(_s(g, "name"), _s(g, "state"), _s(g, "owner"), norm_id(_s(g, "vm_id")))
                 for g in (_obj(x, where + ".groups") for x in _list(d, "groups", where)))


def parse_source_inventory(doc: Any) -> SourceNode:
    d = _obj(doc, "mig-source-inventory")
    if d.get("schema") != "mig-source-inventory/1":
        raise FactsError("not a mig-source-inventory/1 document")
    node = _obj(d.get("node"), "node")
    name = _s(node, "name")
    vms = []
    for x in _list(d, "vms", "vms"):
        v = _obj(x, "vms[]")
        vms.append(SourceVM(
            node=name, name=_s(v, "name"), id=norm_id(_s(v, "id")), state=_s(v, "state"),
            config_path=_s(v, "config_path"), config_sha256=_s(v, "config_sha256").lower(),
            snapshot_root=_s(v, "snapshot_root"), vhds=tuple(str(p) for p in _list(v, "vhds", "vm") if p),
            scsi_controllers=_i(v, "scsi_controllers"),
            snapshots=tuple(SnapshotInfo(_s(s, "name"), norm_id(_s(s, "id")), s.get("created"))
                            for s in (_obj(y, "snapshots[]") for y in _list(v, "snapshots", "vm"))),
            nics=_nics(v, "vm")))
    return SourceNode(
        name=name, domain=_s(node, "domain"), os_caption=_s(node, "os_caption"), os_build=_i(node, "os_build"),
        ps_version=_s(node, "ps_version"), cluster=_cluster(d.get("cluster"), "cluster"), csvs=_csvs(d, "source"),
        groups=_groups(d, "source"), switches=tuple(_s(_obj(s, "switches[]"), "name")
                                                    for s in _list(d, "switches", "switches")),
        vms=tuple(vms), disks=tuple(norm_signature(_s(_obj(k, "disks[]"), "signature"))
                                    for k in _list(d, "disks", "disks")),
        snapshot_files=tuple(str(p) for p in _list(d, "snapshot_files", "snapshot_files")))


def parse_dest_inventory(doc: Any) -> DestNode:
    d = _obj(doc, "mig-dest-inventory")
    if d.get("schema") != "mig-dest-inventory/1":
        raise FactsError("not a mig-dest-inventory/1 document")
    node = _obj(d.get("node"), "node")
    name = _s(node, "name")
    vms = tuple(DestVM(name, _s(v, "name"), norm_id(_s(v, "id")), _s(v, "state"), _b(v, "is_clustered"),
                       _s(v, "config_location"), _s(v, "version"), _nics(v, "vm"))
                for v in (_obj(x, "vms[]") for x in _list(d, "vms", "vms")))
    return DestNode(
        name=name, domain=_s(node, "domain"), os_caption=_s(node, "os_caption"), os_build=_i(node, "os_build"),
        ps_version=_s(node, "ps_version"), hyperv_module=_b(node, "hyperv_module"),
        cluster=_cluster(d.get("cluster"), "cluster"), csvs=_csvs(d, "dest"), groups=_groups(d, "dest"),
        available_disks=tuple(AvailableDisk(_s(a, "name"), _i(a, "number"), _i(a, "size_bytes"),
                                            norm_signature(_s(a, "signature")))
                              for a in (_obj(x, "available_disks[]") for x in _list(d, "available_disks", "d"))),
        switches=tuple(_s(_obj(s, "switches[]"), "name") for s in _list(d, "switches", "switches")),
        vms=vms, paths={_s(p, "path"): _b(p, "exists") for p in (_obj(x, "paths[]") for x in _list(d, "paths", "p"))},
        disks=tuple(norm_signature(_s(_obj(k, "disks[]"), "signature")) for k in _list(d, "disks", "disks")))


def _incompatibilities(d: dict[str, Any], key: str) -> tuple[Incompatibility, ...]:
    return tuple(Incompatibility(_i(i, "message_id"), _s(i, "message"), _s(i, "adapter"), _s(i, "switch_name"))
                 for i in (_obj(x, key + "[]") for x in _list(d, key, key)))


def parse_compare(doc: Any, node: str) -> CompareFact:
    d = _obj(doc, "mig-dest-compare-vm")
    return CompareFact(
        node=node, path=_s(d, "path"), vm=_s(d, "vm"), vm_id=norm_id(_s(d, "vm_id")),
        already_registered=_b(d, "already_registered"),
        before=_incompatibilities(d, "incompatibilities_before"),
        actions=tuple(SwitchAction(_s(a, "adapter"), _s(a, "switch_from"), _s(a, "switch_to"), _s(a, "action"))
                      for a in (_obj(x, "actions[]") for x in _list(d, "actions", "actions"))),
        after=_incompatibilities(d, "incompatibilities"))


def facts_from_docs(docs: dict[str, Any]) -> MigrationFacts:
    """Rebuild the facts from the raw documents a migration state keeps (see ``MigrationState.facts``)."""
    facts = MigrationFacts(collected_at=str(docs.get("collected_at", "")))
    try:
        facts.source_nodes = [parse_source_inventory(d) for d in docs.get("source", [])]
        facts.dest_nodes = [parse_dest_inventory(d) for d in docs.get("dest", [])]
        for vm_id, entry in (docs.get("compare") or {}).items():
            facts.compare[norm_id(vm_id)] = parse_compare(entry["doc"], str(entry.get("node", "")))
        facts.compare_errors = {norm_id(k): str(v) for k, v in (docs.get("compare_errors") or {}).items()}
        facts.dest_snapshots = [parse_snapshot(d) for d in docs.get("dest_collect", [])]
    except (KeyError, TypeError, SnapshotError) as e:
        raise FactsError("saved facts are damaged: %s" % e) from None
    facts.problems = [HostProblem(str(p.get("side", "")), str(p.get("host", "")), str(p.get("message", "")),
                                  str(p.get("action", ""))) for p in docs.get("problems", [])]
    return facts
