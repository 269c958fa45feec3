"""A generated estate for scale work: H hosts × V VMs with a realistic mix of facts and some faults.

Hosts are grouped into four-node clusters (2012 R2, 2016, 2019 in turn; a remainder stands alone),
each cluster with two CSVs. VMs mix generations, states, guest systems (Windows and Linux), disks,
checkpoints and integration services as a mid-sized estate does; a few carry the faults the rules
look for (Gen 1 without a SCSI controller with its 10103 events, backup integration service off, a
recovery checkpoint left behind, VMs off or saved), and one host in eight has a failed Hyper-V VSS
writer. The same ``seed`` gives the same estate, so benchmark runs compare like with like.
"""

from __future__ import annotations

import random
from typing import Any

from hvassist.lab.costs import Costs
from hvassist.lab.model import Estate, load_scenario_data

CLUSTER_OS = ("2012r2", "2016", "2019")
WORKLOADS = ("APP", "SQL", "WEB", "FS", "DC", "RDS", "EXCH", "FIN", "HR", "LOG", "CI", "PRINT")
WINDOWS_GUESTS = (
    ("Windows Server 2012 R2 Standard", "6.3.9600"),
    ("Windows Server 2016 Standard", "10.0.14393"),
    ("Windows Server 2019 Datacenter", "10.0.17763"),
    ("Windows Server 2022 Standard", "10.0.20348"),
)
LINUX_GUESTS = (("CentOS Linux", "3.10.0-1160.el7.x86_64"), ("Ubuntu", "5.15.0-91-generic"))
# A few names that must stay data end to end: non-ASCII, and a quote.
SPECIAL_NAMES = ("Buchhaltung-Prüfung", "Café-Kasse", "O'Brien-Test")
NO_SCSI_MESSAGE = ("The virtual machine '%s' cannot be hot backed up since it has no SCSI controllers attached. "
                   "Please add one or more SCSI controllers to the virtual machine before performing a backup. "
                   "(Virtual machine ID %s)")


def generate_estate(hosts: int = 16, vms_per_host: int = 64, *, seed: int = 1,
                    costs: Costs | None = None) -> Estate:
    """``hosts`` × ``vms_per_host`` VMs; ``costs`` switches the lab's cost model on for this estate."""
    if hosts < 1 or vms_per_host < 0:
        raise ValueError("an estate needs at least one host and zero or more VMs per host")
    data = generate_scenario(hosts, vms_per_host, seed=seed)
    if costs is not None:
        data["costs"] = costs.to_json()
    return load_scenario_data(data, "generated-%dx%d" % (hosts, vms_per_host))


def generate_scenario(hosts: int, vms_per_host: int, *, seed: int = 1) -> dict[str, Any]:
    """The estate as scenario data (what a ``.toml`` scenario file would hold)."""
    rnd = random.Random(seed)
    data: dict[str, Any] = {
        "description": "Generated estate: %d hosts × %d VMs" % (hosts, vms_per_host),
        "domains": [{"name": "corp.example", "netbios": "CORP"}],
        "clusters": [], "hosts": [],
    }
    names = ["HV%03d" % (i + 1) for i in range(hosts)]
    host_os: dict[str, str] = {}
    for c in range(hosts // 4):
        nodes = names[c * 4: c * 4 + 4]
        os_key = CLUSTER_OS[c % len(CLUSTER_OS)]
        for n in nodes:
            host_os[n] = os_key
        data["clusters"].append({
            "name": "CLU%02d" % (c + 1), "domain": "corp.example", "nodes": nodes,
            "csvs": [{"name": "Cluster Disk %d" % (d + 1), "path": "C:\\ClusterStorage\\Volume%d" % (d + 1),
                      "lun": "LUN-%02d%02d" % (c + 1, d + 1), "owner": nodes[d % len(nodes)],
                      "size_gb": 8192, "free_gb": rnd.randint(900, 4000)} for d in range(2)],
        })
    serial = 0
    for h_index, name in enumerate(names):
        os_key = host_os.get(name, "2019")
        host: dict[str, Any] = {"name": name, "os": os_key, "domain": "corp.example", "vms": [], "events": []}
        if h_index % 8 == 5:
            host["writers"] = _writers_with_failed_hyperv()
            host["events"].append({
                "log": "Application", "provider": "VSS", "id": 8229, "level": "Warning", "time": "-PT3H",
                "message": "A VSS writer has rejected an event with error 0x800423f4, The writer experienced a "
                           "non-transient error. Writer name: [Microsoft Hyper-V VSS Writer]"})
        for _ in range(vms_per_host):
            serial += 1
            vm, events = _vm(rnd, serial, os_key)
            host["vms"].append(vm)
            host["events"] += events
        for k in range(rnd.randint(3, 8)):  # routine noise the rules must not turn into findings
            host["events"].append({
                "log": "Microsoft-Windows-Hyper-V-VMMS-Admin", "provider": "Microsoft-Windows-Hyper-V-VMMS",
                "id": 18304, "level": "Information", "time": "-PT%dH" % (k * 7 + 1),
                "message": "The virtual machine was started successfully."})
        data["hosts"].append(host)
    return data


def _vm(rnd: random.Random, serial: int, os_key: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    base = SPECIAL_NAMES[serial % len(SPECIAL_NAMES)] if serial % 97 == 0 else rnd.choice(WORKLOADS)
    name = "%s-%04d" % (base, serial)
    gen1_share = 0.6 if os_key == "2012r2" else 0.3
    generation = 1 if rnd.random() < gen1_share else 2
    roll = rnd.random()
    state = "Running" if roll < 0.88 else ("Off" if roll < 0.97 else "Saved")
    vm: dict[str, Any] = {"name": name, "generation": generation, "state": state}
    events: list[dict[str, Any]] = []
    if rnd.random() < 0.15:
        os_name, os_version = rnd.choice(LINUX_GUESTS)
    else:
        os_name, os_version = rnd.choice(WINDOWS_GUESTS)
    guest: dict[str, Any] = {"os_name": os_name, "os_version": os_version}
    if state == "Running" and rnd.random() < 0.03:
        guest["reports_kvp"] = False
    vm["guest"] = guest
    vm_dir = "C:\\ClusterStorage\\Volume%d\\%s" % (1 + serial % 2, name)
    disks: list[dict[str, Any]] = []
    boot = "IDE" if generation == 1 else "SCSI"
    disks.append({"path": "%s\\Virtual Hard Disks\\%s.vhdx" % (vm_dir, name), "controller_type": boot})
    if generation == 1:
        no_scsi = rnd.random() < 0.05
        vm["scsi_controllers"] = 0 if no_scsi else 1
        if no_scsi and os_key == "2012r2":
            vm_id = "%08X-0000-4000-8000-%012X" % (serial, serial)
            vm["id"] = vm_id
            for days in range(rnd.randint(1, 3)):
                events.append({
                    "log": "Microsoft-Windows-Hyper-V-VMMS-Admin", "provider": "Microsoft-Windows-Hyper-V-VMMS",
                    "id": 10103, "level": "Error", "time": "-P%dDT2H" % days,
                    "message": NO_SCSI_MESSAGE % (name, vm_id), "properties": [name, vm_id]})
    for n in range(rnd.choice((0, 0, 1, 1, 2))):
        ctype = "SCSI" if generation == 2 or vm.get("scsi_controllers") else "IDE"
        disks.append({"path": "%s\\Virtual Hard Disks\\%s-data%d.vhdx" % (vm_dir, name, n + 1),
                      "controller_type": ctype, "controller_number": 0 if ctype == "SCSI" else 1,
                      "controller_location": n + (1 if ctype == "SCSI" and generation == 2 else 0)})
    vm["disks"] = disks
    if rnd.random() < 0.02:
        vm["integration_services"] = {"VSS": False}
    checkpoints: list[dict[str, Any]] = []
    if rnd.random() < 0.10:
        checkpoints.append({"name": "Before patching", "type": "Standard", "created": "-P%dD" % rnd.randint(3, 90)})
    if rnd.random() < 0.02:
        checkpoints.append({"name": "%s - Backup - (aborted)" % name, "type": "Recovery",
                            "created": "-P%dDT4H" % rnd.randint(1, 9)})
    if checkpoints:
        vm["checkpoints"] = checkpoints
    return vm, events


def _writers_with_failed_hyperv() -> list[dict[str, Any]]:
    from hvassist.lab.model import HYPERV_WRITER_ID, default_writers

    out = []
    for w in default_writers(""):
        doc: dict[str, Any] = {"name": w.name, "id": w.id}
        if w.id == HYPERV_WRITER_ID:
            doc.update({"state": 8, "last_error": "Timed out"})
        out.append(doc)
    return out
