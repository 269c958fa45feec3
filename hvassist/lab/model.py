"""The lab's simulated Hyper-V estate, loaded from a scenario file (TOML).

A scenario describes domains, clusters (nodes, CSVs, LUNs), hosts and their VMs, VSS writers and
providers, and event log entries worded as the real OS words them. See
``resources/scenarios/README.md`` for the format. Unknown keys are errors, so a typo in a
scenario never silently becomes a healthy default.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import threading
import tomllib
import types
import typing
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hvassist.lab.costs import Costs
from hvassist.resources import resource_path

HYPERV_WRITER_ID = "{66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}"

# Windows Server versions the lab knows: key -> (caption, version, build, default PowerShell)
OS_VERSIONS: dict[str, tuple[str, str, int, str]] = {
    "2008r2": ("Microsoft Windows Server 2008 R2 Enterprise", "6.1.7601", 7601, "2.0"),
    "2012": ("Microsoft Windows Server 2012 Datacenter", "6.2.9200", 9200, "3.0"),
    "2012r2": ("Microsoft Windows Server 2012 R2 Datacenter", "6.3.9600", 9600, "4.0"),
    "2016": ("Microsoft Windows Server 2016 Datacenter", "10.0.14393", 14393, "5.1.14393.0"),
    "2019": ("Microsoft Windows Server 2019 Datacenter", "10.0.17763", 17763, "5.1.17763.1"),
    "2022": ("Microsoft Windows Server 2022 Datacenter", "10.0.20348", 20348, "5.1.20348.1"),
    "win10": ("Microsoft Windows 10 Pro", "10.0.19045", 19045, "5.1.19041.1"),
}
# Default VM configuration version a host creates
DEFAULT_VM_VERSION = {"2008r2": "1.0", "2012": "4.0", "2012r2": "5.0", "2016": "8.0", "2019": "9.0",
                      "2022": "10.0", "win10": "9.0"}
# Host integration components version (what "up to date" means on that host)
HOST_IC_VERSION = {"2012": "6.2.9200.16433", "2012r2": "6.3.9600.16384", "2016": "10.0.14393.0",
                   "2019": "10.0.17763.1", "2022": "10.0.20348.1", "win10": "10.0.19045.1", "2008r2": "6.1.7601.17514"}

IC_NAMES = ["Time Synchronization", "Heartbeat", "Key-Value Pair Exchange", "Shutdown", "VSS",
            "Guest Service Interface"]


class ScenarioError(ValueError):
    """A scenario file is not valid; the message names the file and the place."""


@dataclass
class Disk:
    path: str
    controller_type: str = "IDE"  # IDE or SCSI
    controller_number: int = 0
    controller_location: int = 0
    disk_number: int | None = None  # passthrough disk
    shared: bool = False  # shared VHDX (SupportPersistentReservations)
    vhd_type: str = "Dynamic"  # Fixed, Dynamic, Differencing
    size_gb: int = 40  # file size on the host volume
    chain: list[str] = field(default_factory=list)  # parent paths when the disk is a differencing disk
    vm_access: bool = True  # the file's ACL has NT VIRTUAL MACHINE\<VM id>


@dataclass
class IntegrationService:
    name: str
    enabled: bool = True
    primary_status: str = "OK"
    secondary_status: str = ""


@dataclass
class Checkpoint:
    name: str
    type: str = "Standard"  # Standard, Recovery, Planned, Missing, Replica, ...
    id: str = ""
    created: str = "-P1D"
    parent_id: str = ""


@dataclass
class AutoRecoveryFile:
    path: str
    size_bytes: int = 4194304
    modified: str = "-P1D"
    in_chain: bool = False  # true when a live disk chain still references it


@dataclass
class Guest:
    """What the guest reports through KVP, and what only a look inside the guest shows."""

    os_name: str | None = "Windows Server 2012 R2 Standard"
    os_version: str | None = "6.3.9600"
    ic_version: str | None = None  # None: same as the host's
    fqdn: str | None = None
    reports_kvp: bool = True
    # inside the guest (needs guest credentials or PowerShell Direct)
    vmicvss: str = "Running"  # Running, Stopped, Disabled
    linux_vss_daemon: bool = True
    dynamic_disks: bool = False
    fat_volumes: list[str] = field(default_factory=list)  # drive letters, e.g. "E:"
    writers_failed: list[str] = field(default_factory=list)  # writer names, e.g. "SqlServerWriter"
    shadow_storage: dict[str, str] = field(default_factory=dict)  # volume -> volume holding its diff area
    low_space_volumes: list[str] = field(default_factory=list)  # "C:" or "System Reserved": almost no room
    scope_snapshots: int | None = None  # registry ScopeSnapshots (None: value not set)
    iscsi_sessions: int = 0
    clussvc: str = ""  # guest cluster service: "", Running, Stopped
    disk_signatures: list[str] = field(default_factory=list)  # MBR signatures; default: derived from the VM id
    events: list[Event] = field(default_factory=list)  # the guest's own event logs
    winrm: bool = True  # reachable over WinRM at its FQDN (when the scenario has guest credentials)
    accepts_credentials: bool = True  # the scenario's guest credentials are valid in this guest
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class NetworkAdapter:
    """A VM's network adapter: the virtual switch it is connected to, its MAC address."""

    name: str = "Network Adapter"
    switch: str = ""  # virtual switch name; "" = not connected
    mac: str = ""  # 12 hex digits; "" = generated from the VM id
    static_mac: bool = False
    legacy: bool = False  # emulated (legacy) adapter


@dataclass
class VirtualSwitch:
    name: str
    type: str = "External"  # External, Internal, Private


@dataclass
class Lun:
    """A SAN LUN and its masking: the hosts the SAN presents it to."""

    id: str
    signature: str = ""  # disk signature (8 hex digits) as Windows shows it; "" = derived from the id
    size_gb: int = 2048
    presented_to: list[str] = field(default_factory=list)  # host names


@dataclass
class VM:
    name: str
    id: str = ""
    generation: int = 1
    state: str = "Running"
    version: str = ""
    scsi_controllers: int = 0
    ide_controllers: int = -1  # -1: 2 for Gen 1, 0 for Gen 2
    disks: list[Disk] = field(default_factory=list)
    integration_services: dict[str, bool] = field(default_factory=dict)  # name -> enabled (others enabled)
    ic_status: dict[str, str] = field(default_factory=dict)  # name -> primary status override
    ic_version: str = ""  # "" = host's version
    ic_state: str = ""  # "" = derived
    checkpoints: list[Checkpoint] = field(default_factory=list)
    checkpoint_type: str = ""  # 2016+: "" = Production
    fibre_channel: int = 0  # virtual Fibre Channel adapters
    replication_mode: str = "None"  # Hyper-V Replica: None, Primary, Replica
    config_location: str = ""
    snapshot_location: str = ""
    is_clustered: bool | None = None  # None: clustered when the host is a cluster node
    autorecovery_files: list[AutoRecoveryFile] = field(default_factory=list)
    other_files: list[str] = field(default_factory=list)  # further files in its folders (e.g. set aside)
    dvd_drives: int = -1  # -1: one (IDE 1:0) for Gen 1, none for Gen 2
    dvd_path: str = ""  # the ISO in its (first) DVD drive
    operation: str = ""  # what Hyper-V is doing with it now (SecondaryOperationalStatus, e.g. BackingUpVirtualMachine)
    guest: Guest = field(default_factory=Guest)
    notes: str = ""
    network_adapters: list[NetworkAdapter] = field(default_factory=list)
    lun: str = ""  # SAN LUN its files are on; "" = the LUN of the CSV holding its configuration


@dataclass
class Event:
    log: str
    provider: str
    id: int
    message: str
    level: str = "Error"
    time: str = "-PT1H"  # ISO 8601 or a negative duration from lab start
    properties: list[str] = field(default_factory=list)


@dataclass
class Writer:
    name: str
    id: str
    state: int = 1
    last_error: str = "No error"
    instance_id: str = ""


@dataclass
class Provider:
    name: str
    id: str
    type: str = "System"  # System, Software, Hardware
    version: str = "1.0.0.7"


@dataclass
class ShadowCopy:
    """A volume shadow copy (``Win32_ShadowCopy``); a backup job makes one and deletes it."""

    id: str
    volume: str
    provider_id: str = ""
    created: str = "-PT1H"


@dataclass
class CSV:
    name: str
    path: str
    lun: str = ""
    owner: str = ""
    state: str = "Online"
    size_gb: int = 2048
    free_gb: int = 900
    redirected: bool = False
    redirected_on: dict[str, str] = field(default_factory=dict)  # node -> FileSystemRedirectedIOReason


@dataclass
class Cluster:
    name: str
    domain: str = ""
    nodes: list[str] = field(default_factory=list)
    functional_level: int = 0  # 0 = from the nodes' OS
    csvs: list[CSV] = field(default_factory=list)


@dataclass
class Volume:
    name: str  # "C:\\" or a mount point
    size_gb: int = 500
    free_gb: int = 300
    label: str = ""
    file_system: str = "NTFS"


@dataclass
class Host:
    name: str
    os: str = "2012r2"
    domain: str = ""
    cluster: str = ""
    ps_version: str = ""
    build: int = 0
    vms: list[VM] = field(default_factory=list)
    writers: list[Writer] = field(default_factory=list)
    providers: list[Provider] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    shadow_copies: list[ShadowCopy] = field(default_factory=list)
    hyperv_module: bool = True
    role: str = "hyperv"  # "hyperv", or "file-server" (holds VM files on SMB 3 shares; not a Hyper-V host)
    features: list[str] = field(default_factory=list)  # installed roles/features, e.g. FS-VSS-Agent
    switches: list[VirtualSwitch] = field(default_factory=list)
    down: bool = False  # the lab does not serve this host (a node that is off)
    transport: str = ""  # this host's WinRM listener: "http" or "https"; "" = the lab's default
    volumes: list[Volume] = field(default_factory=list)  # default: C: and D:
    disk_signatures: list[str] = field(default_factory=list)  # MBR signatures of the host's disks
    swprv_service_dll: str = "C:\\Windows\\System32\\swprv.dll"  # "": the registry value is missing
    service_logon_right: list[str] | None = None  # None: the Hyper-V default (services + Virtual Machines)
    hotfixes: list[str] = field(default_factory=list)  # installed KB ids
    faults: dict[str, Any] = field(default_factory=dict)  # fault injection, see hvassist.lab.faults

    @property
    def os_caption(self) -> str:
        return OS_VERSIONS[self.os][0]

    @property
    def os_version(self) -> str:
        return OS_VERSIONS[self.os][1]

    @property
    def os_build(self) -> int:
        return self.build or OS_VERSIONS[self.os][2]

    @property
    def powershell(self) -> str:
        return self.ps_version or OS_VERSIONS[self.os][3]


@dataclass
class Domain:
    name: str
    netbios: str = ""


@dataclass
class Credentials:
    user: str = "hvadmin"
    password: str = ""  # generated at start when empty


@dataclass
class Estate:
    name: str
    description: str = ""
    domains: list[Domain] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    hosts: list[Host] = field(default_factory=list)
    luns: list[Lun] = field(default_factory=list)  # SAN LUN masking; empty = not modelled
    credentials: Credentials = field(default_factory=Credentials)
    costs: Costs | None = None  # a [costs] table switches the cost model on (hvassist.lab.costs)
    guest_credentials: Credentials | None = None  # an account valid inside the guests (for guest checks)
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0))
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def host(self, name: str) -> Host:
        for h in self.hosts:
            if h.name.lower() == name.lower():
                return h
        raise KeyError(name)

    def cluster_of(self, host: Host) -> Cluster | None:
        for c in self.clusters:
            if c.name.lower() == host.cluster.lower():
                return c
        return None

    def lun(self, lun_id: str) -> Lun | None:
        return next((u for u in self.luns if u.id.lower() == lun_id.lower()), None) if lun_id else None

    def find_vm(self, name: str) -> tuple[Host, VM]:
        for h in self.hosts:
            for vm in h.vms:
                if vm.name == name:
                    return h, vm
        raise KeyError(name)

    def resolve_time(self, text: str) -> dt.datetime:
        return resolve_time(text, self.started)


_DUR = re.compile(r"^(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def resolve_time(text: str, now: dt.datetime) -> dt.datetime:
    """ISO 8601 time, or a duration relative to ``now`` such as ``-PT2H`` (two hours ago)."""
    m = _DUR.match(text)
    if m:
        sign = -1 if m.group(1) else 1
        d, h, mi, s = (int(g) if g else 0 for g in m.groups()[1:])
        return now + sign * dt.timedelta(days=d, hours=h, minutes=mi, seconds=s)
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- loading -----------------------------------------------------------------------------------
def _build(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise ScenarioError("%s: expected a table, found %s" % (where, type(data).__name__))
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init and f.name != "lock"}
    unknown = set(data) - set(fields)
    if unknown:
        raise ScenarioError("%s: unknown key(s) %s (known: %s)" % (where, ", ".join(sorted(unknown)),
                                                                   ", ".join(sorted(fields))))
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        kwargs[key] = _convert(hints[key], value, "%s.%s" % (where, key))
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as e:
        raise ScenarioError("%s: %s" % (where, e)) from None


def _convert(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        non_none = [a for a in args if a is not type(None)]
        if value is None:
            return None
        return _convert(non_none[0], value, where)
    if origin is list:
        if not isinstance(value, list):
            raise ScenarioError("%s: expected a list" % where)
        return [_convert(args[0], v, "%s[%d]" % (where, i)) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ScenarioError("%s: expected a table" % where)
        return dict(value)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, where)  # type: ignore[arg-type]
    if hint is Any:
        return value
    if hint is bool and not isinstance(value, bool):
        raise ScenarioError("%s: expected true or false" % where)
    if hint is int and (not isinstance(value, int) or isinstance(value, bool)):
        raise ScenarioError("%s: expected a whole number" % where)
    if hint is str and not isinstance(value, str):
        raise ScenarioError("%s: expected text" % where)
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScenarioError("%s: expected a number" % where)
        return float(value)
    return value


def _stable_guid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "hvassist-lab:" + "/".join(parts))).upper()


def _complete(estate: Estate) -> Estate:
    """Fill the defaults a real host would have (ids, controllers, writers, providers, ...)."""
    names = [h.name.lower() for h in estate.hosts]
    if len(set(names)) != len(names):
        raise ScenarioError("%s: two hosts share a name" % estate.name)
    for c in estate.clusters:
        for n in c.nodes:
            if n.lower() not in names:
                raise ScenarioError("%s: cluster %s names unknown node %s" % (estate.name, c.name, n))
            estate.host(n).cluster = c.name
            if not estate.host(n).domain:
                estate.host(n).domain = c.domain
        for csv in c.csvs:
            csv.owner = csv.owner or (c.nodes[0] if c.nodes else "")
    for h in estate.hosts:
        if h.transport not in ("", "http", "https"):
            raise ScenarioError("%s: host %s has transport %r (use \"http\" or \"https\")" % (
                estate.name, h.name, h.transport))
        if not h.domain and estate.domains:
            h.domain = estate.domains[0].name
        if h.os not in OS_VERSIONS:
            raise ScenarioError("%s: host %s has unknown os %r (known: %s)" % (estate.name, h.name, h.os,
                                                                              ", ".join(OS_VERSIONS)))
        if not h.writers and h.os != "win10":
            h.writers = default_writers(h.name)
        if not h.volumes:
            h.volumes = [Volume("C:\\", 200, 120, "System"), Volume("D:\\", 2048, 1200, "VMs")]
        if not h.disk_signatures:
            h.disk_signatures = [_stable_guid(h.name, "disk", str(i))[:8].lower() for i in range(2)]
        if h.service_logon_right is None:
            h.service_logon_right = ["S-1-5-80-0", "S-1-5-83-0"]  # NT SERVICE\ALL SERVICES, Virtual Machines
        if not h.providers:
            h.providers = [Provider("Microsoft Software Shadow Copy provider 1.0",
                                    "{b5946137-7b9f-4925-af80-51abd60b20d5}", "System", "1.0.0.7")]
        for w in h.writers:
            w.instance_id = w.instance_id or "{%s}" % _stable_guid(h.name, w.name).lower()
        seen: set[str] = set()
        cluster_of_host = estate.cluster_of(h)
        for vm in h.vms:
            if vm.name in seen:
                raise ScenarioError("%s: host %s has two VMs named %r" % (estate.name, h.name, vm.name))
            seen.add(vm.name)
            vm.id = (vm.id or _stable_guid(h.name, vm.name)).upper()
            vm.version = vm.version or DEFAULT_VM_VERSION[h.os]
            if vm.ide_controllers < 0:
                vm.ide_controllers = 2 if vm.generation == 1 else 0
            if vm.dvd_drives < 0:
                vm.dvd_drives = 1 if vm.generation == 1 else 0
            if vm.generation == 2 and vm.scsi_controllers == 0:
                vm.scsi_controllers = 1  # a Gen 2 VM always boots from SCSI
            base = csv_root(estate, h)
            vm.config_location = vm.config_location or "%s\\%s" % (base, vm.name)
            vm.snapshot_location = vm.snapshot_location or vm.config_location
            if not vm.disks:
                ctype = "IDE" if vm.generation == 1 else "SCSI"
                vm.disks = [Disk("%s\\Virtual Hard Disks\\%s.vhdx" % (vm.config_location, vm.name), ctype)]
            if vm.is_clustered is None:
                vm.is_clustered = bool(h.cluster)
            for i, cp in enumerate(vm.checkpoints):
                cp.id = (cp.id or _stable_guid(h.name, vm.name, "cp", str(i))).upper()
            for j, nic in enumerate(vm.network_adapters):
                nic.mac = (nic.mac or "00155D" + _stable_guid(h.name, vm.name, "nic", str(j)).replace("-", "")[:6]
                           ).upper()
            if not vm.lun and cluster_of_host is not None:
                home = next((c for c in cluster_of_host.csvs
                             if vm.config_location.lower().startswith(c.path.lower() + "\\")), None)
                vm.lun = home.lun if home is not None else ""
            if vm.guest.ic_version is None and vm.guest.reports_kvp and vm.guest.os_name \
                    and "Windows" in vm.guest.os_name:
                vm.guest.ic_version = vm.ic_version or HOST_IC_VERSION.get(h.os, "")
            if vm.guest.fqdn is None and vm.guest.reports_kvp and "Windows" in (vm.guest.os_name or ""):
                vm.guest.fqdn = "%s.%s" % (vm.name, h.domain) if h.domain else vm.name
            if not vm.guest.disk_signatures:
                vm.guest.disk_signatures = [_stable_guid(h.name, vm.name, "disk", str(i))[:8].lower()
                                            for i in range(len(vm.disks))]
    for lun in estate.luns:
        lun.signature = (lun.signature or _stable_guid("lun", lun.id).replace("-", "")[:8]).lower()
    return estate


def csv_root(estate: Estate, host: Host) -> str:
    cluster = estate.cluster_of(host)
    if cluster and cluster.csvs:
        return cluster.csvs[0].path
    return "D:\\Hyper-V"


def default_writers(host: str) -> list[Writer]:
    return [
        Writer("Task Scheduler Writer", "{d61d61c8-d73a-4eee-8cdd-f6f9786b7124}"),
        Writer("VSS Metadata Store Writer", "{75dfb225-e2e4-4d39-9ac9-ffaff65ddf06}"),
        Writer("Performance Counters Writer", "{0bada1de-01a9-4625-8278-69e735f39dd2}"),
        Writer("System Writer", "{e8132975-6f93-4464-a53e-1050253ae220}"),
        Writer("Microsoft Hyper-V VSS Writer", HYPERV_WRITER_ID),
        Writer("ASR Writer", "{be000cbe-11fe-4426-9c58-531aa6355fc4}"),
        Writer("Shadow Copy Optimization Writer", "{4dc3bdd4-ab48-4d07-adb0-3bee2926fd7f}"),
        Writer("Registry Writer", "{afbab4a2-367d-4d15-a586-71dbb18f8485}"),
        Writer("COM+ REGDB Writer", "{542da469-d3e1-473c-9f4f-7847f01fc64f}"),
        Writer("WMI Writer", "{a6ad56c2-b509-4e6c-bb19-49d8f43532f0}"),
    ]


def load_scenario(name_or_path: str) -> Estate:
    """Load a scenario by name (``resources/scenarios/<name>.toml``) or by file path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = resource_path("scenarios", name_or_path + ".toml")
        if not path.exists():
            known = sorted(p.stem for p in resource_path("scenarios").glob("*.toml"))
            raise ScenarioError("no lab scenario named %r (known: %s)" % (name_or_path, ", ".join(known)))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError("%s: cannot read: %s" % (path.name, e)) from None
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError("%s: not valid TOML: %s" % (path.name, e)) from None
    return load_scenario_data(data, path.stem)


def load_scenario_data(data: dict[str, Any], name: str = "scenario") -> Estate:
    data = dict(data)
    data.setdefault("name", name)
    estate = _build(Estate, data, name)
    return _complete(estate)
