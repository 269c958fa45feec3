"""Turn what the clusters showed (``MigrationFacts``) and what the user chose and confirmed
(``MigrationState``) into the ordered checklist: per step a status, evidence, blockers (each naming
the VM and what to do), what is still to do, warnings and manual confirmations; per VM its
readiness; and the operations hvassist can run. Pure: no remote calls, no clock.

Statuses: a step is *failed* when its checks found a problem (blockers), *not-started* when
something of it is still to be done, *needs-manual-confirmation* when only the user's confirmation
is missing, *passed* otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from hvassist.diagnose.engine import run_rules
from hvassist.diagnose.findings import Finding
from hvassist.kb import all_causes
from hvassist.migrate import operations as O
from hvassist.migrate.facts import MigrationFacts, SourceVM, norm_id, under
from hvassist.migrate.state import ManifestVM, MigrationState, MovedCsv, now_iso
from hvassist.migrate.steps import FAILED, NEEDS_MANUAL, NOT_STARTED, PASSED, STEPS, StepDef
from hvassist.snapshot import HostSnapshot

KEY_INTEGRATION_SERVICES = ("heartbeat", "shutdown", "vss")


@dataclass(frozen=True)
class Blocker:
    vm: str | None  # None: concerns a host, the cluster or the SAN
    problem: str
    fix: str
    action: str | None = None  # id of an operation hvassist offers for it

    def to_json(self) -> dict[str, Any]:
        return {"vm": self.vm, "problem": self.problem, "fix": self.fix, "action": self.action}


@dataclass(frozen=True)
class Todo:
    text: str
    action: str | None = None


@dataclass(frozen=True)
class ManualCheck:
    id: str
    text: str
    confirmed: bool
    note: str = ""
    by: str = ""
    at: str = ""


@dataclass
class StepResult:
    step: StepDef
    status: str
    evidence: list[str] = field(default_factory=list)
    blockers: list[Blocker] = field(default_factory=list)
    todo: list[Todo] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    manual: list[ManualCheck] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.step.id

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.step.id, "number": self.step.kb, "title": self.step.title, "side": self.step.side,
            "status": self.status, "blockers": [b.to_json() for b in self.blockers],
            "todo": [{"text": t.text, "action": t.action} for t in self.todo],
            "evidence": list(self.evidence), "warnings": list(self.warnings),
            "manual": [{"id": m.id, "text": m.text, "confirmed": m.confirmed, "note": m.note, "by": m.by,
                        "at": m.at} for m in self.manual],
        }


@dataclass
class NicReadiness:
    name: str
    switch: str
    mapped_to: str | None  # None: no mapping; "": mapped to "not connected"
    mac: str
    static_mac: bool
    on_every_destination_node: bool | None


@dataclass
class VMReadiness:
    id: str
    name: str
    node: str
    state: str
    snapshots: int
    source_role: bool
    files: list[tuple[str, bool, bool | None]]  # path, on a CSV being moved, exists on the destination
    nics: list[NicReadiness]
    incompatibilities: list[str]  # Compare-VM, after the mapping
    destination: str  # "" or "registered on NEW01 (Off, role)"
    problems: list[str]

    @property
    def ready(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"vm": self.name, "id": self.id, "node": self.node, "state": self.state,
                "snapshots": self.snapshots, "source_cluster_role": self.source_role,
                "files": [{"path": p, "on_moved_csv": c, "exists_on_destination": e} for p, c, e in self.files],
                "nics": [{"name": n.name, "switch": n.switch, "mapped_to": n.mapped_to, "mac": n.mac,
                          "static_mac": n.static_mac, "switch_on_every_destination_node":
                              n.on_every_destination_node} for n in self.nics],
                "incompatibilities": self.incompatibilities, "destination": self.destination,
                "problems": self.problems, "ready": self.ready}


@dataclass
class Checklist:
    steps: list[StepResult]
    vms: list[VMReadiness]
    operations: dict[str, O.Operation]  # what hvassist can run now, by id
    runbook: list[O.Operation]
    checked_at: str

    def step(self, step_id: str) -> StepResult:
        return next(s for s in self.steps if s.step.id == step_id)

    def blockers_by_vm(self) -> dict[str, list[tuple[str, Blocker]]]:
        out: dict[str, list[tuple[str, Blocker]]] = {}
        for s in self.steps:
            for b in s.blockers:
                if b.vm:
                    out.setdefault(b.vm, []).append((s.step.id, b))
        return out

    def runbook_blockers(self) -> list[str]:
        """Why the runbook may not run yet (empty: it may)."""
        reasons = []
        for s in self.steps:
            if s.step.kb <= 6 and s.status != PASSED:
                reasons.append("Step %d '%s' has not passed yet." % (s.step.kb, s.step.title))
        present = self.step("present-destination")
        if present.status != PASSED:
            only_csv = not present.blockers and all((t.action or "").startswith("add-csv:") for t in present.todo) \
                and all(m.confirmed for m in present.manual)
            if not only_csv:
                reasons.append("Step 7 '%s' has not passed yet." % present.step.title)
        if self.step("register-in-place").blockers:
            reasons.append("Compare-VM still reports incompatibilities (step 8).")
        return reasons

    def to_json(self) -> dict[str, Any]:
        return {"checked_at": self.checked_at, "steps": [s.to_json() for s in self.steps],
                "vms": [v.to_json() for v in self.vms],
                "runbook": [op.to_json() for op in self.runbook],
                "runbook_blockers": self.runbook_blockers()}


# -- scope: which CSVs and VMs move ---------------------------------------------------------------
def refresh_scope(state: MigrationState, facts: MigrationFacts) -> None:
    """Learn the CSVs being moved and the VMs on them from the source (kept when it stops showing them)."""
    if not state.csvs and facts.source_csvs:
        state.csvs = [MovedCsv(c.name) for c in facts.source_csvs]
    for moved in state.csvs:
        seen = next((c for c in facts.source_csvs if c.name.lower() == moved.name.lower()), None)
        if seen is not None:
            moved.path = seen.path or moved.path
            moved.signature = seen.disk_signature or moved.signature
    folders = [c.path for c in state.csvs if c.path]
    stamp = facts.collected_at or now_iso()
    for vm in facts.source_vms():
        if not any(under(f, folder) for f in vm.files for folder in folders):
            continue
        state.manifest[vm.id] = ManifestVM(
            id=vm.id, name=vm.name, node=vm.node, config_path=vm.config_path, vhds=list(vm.vhds),
            scsi_controllers=vm.scsi_controllers,
            nics=[{"name": n.name, "switch": n.switch, "mac": n.mac, "static_mac": n.static_mac} for n in vm.nics],
            last_seen=stamp)


def mapping_for(state: MigrationState, switch: str) -> str | None:
    """The destination switch chosen for a source switch: None = no mapping, "" = leave unconnected."""
    return next((v for k, v in state.switch_map.items() if k.lower() == switch.lower()), None)


def common_destination_switches(facts: MigrationFacts) -> list[str]:
    """Switch names every destination node has (a VM can only fail over where its switch is)."""
    if not facts.dest_nodes:
        return []
    names = [{s.lower(): s for s in n.switches} for n in facts.dest_nodes]
    common = set(names[0])
    for n in names[1:]:
        common &= set(n)
    return sorted((names[0][k] for k in common), key=str.lower)


def source_switches(state: MigrationState) -> list[str]:
    seen: dict[str, str] = {}
    for vm in state.manifest.values():
        for n in vm.nics:
            if n.get("switch"):
                seen.setdefault(str(n["switch"]).lower(), str(n["switch"]))
    return sorted(seen.values(), key=str.lower)


# -- evaluation -----------------------------------------------------------------------------------
class _Eval:
    def __init__(self, state: MigrationState, facts: MigrationFacts) -> None:
        self.state = state
        self.facts = facts
        self.vms = sorted(state.manifest.values(), key=lambda v: v.name.lower())
        self.latest: dict[str, SourceVM] = {vm.id: vm for vm in facts.source_vms()}
        self.ops: dict[str, O.Operation] = {}
        self.results: dict[str, StepResult] = {}
        self._findings: dict[int, list[Finding]] = {}
        self.src_name = facts.source_cluster.name if facts.source_cluster else state.source.name
        self.dst_name = facts.dest_cluster.name if facts.dest_cluster else state.dest.name

    def offer(self, op: O.Operation) -> str:
        self.ops[op.id] = op
        return op.id

    def findings(self, snapshot: HostSnapshot) -> list[Finding]:
        key = id(snapshot)
        if key not in self._findings:
            self._findings[key] = run_rules(snapshot)
        return self._findings[key]

    def node_of(self, vm: ManifestVM) -> str:
        latest = self.latest.get(vm.id)
        return latest.node if latest else vm.node

    def moved_paths(self) -> list[str]:
        return [c.path for c in self.state.csvs if c.path]

    def host_problems(self, side: str) -> list[Blocker]:
        return [Blocker(None, "hvassist could not ask %s: %s" % (p.host, p.message), p.action)
                for p in self.facts.problems_on(side)]

    def manual(self, step: StepDef, only: Iterable[str] | None = None) -> list[ManualCheck]:
        wanted = set(only) if only is not None else None
        out = []
        for m in step.manual:
            if wanted is not None and m.id not in wanted:
                continue
            c = self.state.confirmations.get(m.id)
            out.append(ManualCheck(m.id, m.text, bool(c and c.confirmed), c.note if c else "", c.by if c else "",
                                   c.at if c else ""))
        return out


def _finish(step: StepDef, ev: list[str], bl: list[Blocker], todo: list[Todo], warn: list[str],
            manual: list[ManualCheck]) -> StepResult:
    if bl:
        status = FAILED
    elif todo:
        status = NOT_STARTED
    elif any(not m.confirmed for m in manual):
        status = NEEDS_MANUAL
    else:
        status = PASSED
    return StepResult(step, status, ev, bl, todo, warn, manual)


def _names(items: Iterable[str]) -> str:
    items = list(items)
    return ", ".join(items) if items else "none"


def _prepare_destination(e: _Eval, step: StepDef) -> StepResult:
    ev: list[str] = []
    bl = e.host_problems("destination")
    todo: list[Todo] = []
    warn: list[str] = []
    facts = e.facts
    if not facts.dest_nodes:
        if not bl:
            todo.append(Todo("The destination has not been checked yet."))
        return _finish(step, ev, bl, todo, warn, e.manual(step))
    dc = facts.dest_cluster
    if dc is None:
        bl.append(Blocker(None, "%s did not answer as a failover cluster (Get-Cluster found none)." % e.state.dest.name,
                          "Build the destination failover cluster first (or check the name), then check again."))
    else:
        ev.append("Destination cluster %s in domain %s; nodes: %s." % (
            dc.name, dc.domain or "?", ", ".join("%s (%s)" % n for n in dc.nodes)))
        for name, st in dc.nodes:
            if st.lower() != "up":
                warn.append("Node %s is %s: hvassist could not check its switches." % (name, st))
        src = facts.source_cluster
        if src is not None and src.domain and dc.domain and src.domain.lower() == dc.domain.lower():
            warn.append("Both clusters are in the same domain (%s): the Copy Cluster Roles wizard would be "
                        "supported too." % dc.domain)
    for n in facts.dest_nodes:
        ev.append("%s: %s (build %d), Hyper-V PowerShell module: %s; virtual switches: %s." % (
            n.name, n.os_caption or "?", n.os_build, "yes" if n.hyperv_module else "no", _names(n.switches)))
        if n.os_build and n.os_build < 9600:
            bl.append(Blocker(None, "%s runs Windows build %d; the destination must run Windows Server 2012 R2 or "
                              "later." % (n.name, n.os_build), "Use nodes with Windows Server 2012 R2 or later."))
        if not n.hyperv_module:
            bl.append(Blocker(None, "%s has no Hyper-V PowerShell module." % n.name,
                              "Install Hyper-V with its management tools on %s (Install-WindowsFeature Hyper-V "
                              "-IncludeManagementTools), then check again." % n.name))
    ok_switches: set[str] = set()
    for vm in e.vms:
        for nic in vm.nics:
            switch = str(nic.get("switch") or "")
            if not switch:
                continue
            target = mapping_for(e.state, switch)
            if target == "":
                warn.append("%s: its adapter '%s' will be left unconnected (your mapping for '%s')." % (
                    vm.name, nic.get("name"), switch))
                continue
            wanted = target or switch
            missing = [n.name for n in facts.dest_nodes if wanted.lower() not in {s.lower() for s in n.switches}]
            if not missing:
                ok_switches.add(wanted)
                continue
            has = _names(common_destination_switches(facts))
            if target:
                bl.append(Blocker(vm.name, "Its adapter '%s' is mapped to the switch '%s', which %s do(es) not have."
                                  % (nic.get("name"), target, ", ".join(missing)),
                                  "Choose a switch that every destination node has (%s) on the 'VMs and switches' "
                                  "page, or create '%s' on %s." % (has, target, ", ".join(missing))))
            else:
                bl.append(Blocker(vm.name, "Its network adapter '%s' is connected to the switch '%s'; destination "
                                  "node(s) %s have no switch with that name (they have: %s)." % (
                                      nic.get("name"), switch, ", ".join(missing), has),
                                  "Create a virtual switch named '%s' on every node of %s (same name, same network), "
                                  "or map '%s' to an existing switch on the 'VMs and switches' page." % (
                                      switch, e.dst_name, switch)))
    if ok_switches:
        ev.append("Switches the VMs need exist on every destination node: %s." % _names(sorted(ok_switches)))
    return _finish(step, ev, bl, todo, warn, e.manual(step))


def _inventory_source(e: _Eval, step: StepDef) -> StepResult:
    ev: list[str] = []
    bl = e.host_problems("source")
    todo: list[Todo] = []
    warn: list[str] = []
    facts = e.facts
    if not facts.source_nodes:
        if not bl:
            todo.append(Todo("The source has not been checked yet."))
        return _finish(step, ev, bl, todo, warn, [])
    sc = facts.source_cluster
    if sc is None:
        bl.append(Blocker(None, "%s did not answer as a failover cluster." % e.state.source.name,
                          "Check the name of the source cluster, then check again."))
    else:
        ev.append("Source cluster %s in domain %s; nodes: %s." % (sc.name, sc.domain or "?",
                                                                  ", ".join("%s (%s)" % n for n in sc.nodes)))
    for n in facts.source_nodes:
        ev.append("%s: %s (build %d), PowerShell %s; read through WMI v1 (root\\virtualization); %d VM(s) "
                  "registered." % (n.name, n.os_caption or "?", n.os_build, n.ps_version, len(n.vms)))
    for c in e.state.csvs:
        if not c.path:
            bl.append(Blocker(None, "The source cluster has no CSV named '%s'." % c.name,
                              "Choose the CSV(s) to move from: %s." % _names(x.name for x in facts.source_csvs)))
        else:
            ev.append("Moving CSV '%s' (%s, disk signature %s) with every VM on it." % (c.name, c.path,
                                                                                       c.signature or "unknown"))
    if not e.vms and e.state.csvs:
        warn.append("No VM has files on the CSV(s) being moved.")
    folders = e.moved_paths()
    for vm in e.vms:
        latest = e.latest.get(vm.id)
        nics = "; ".join("'%s' → switch '%s', MAC %s (%s)" % (
            x.get("name"), x.get("switch") or "not connected", _mac(str(x.get("mac", ""))),
            "static" if x.get("static_mac") else "dynamic") for x in vm.nics) or "no network adapters"
        ev.append("%s (ID %s) on %s: configuration %s; disks: %s; adapters: %s." % (
            vm.name, vm.id.lower(), e.node_of(vm), vm.config_path, _names(vm.vhds), nics))
        for f in [vm.config_path, *vm.vhds]:
            if folders and not any(under(f, folder) for folder in folders):
                bl.append(Blocker(vm.name, "Its file %s is not on the CSV being moved (%s): it would be missing on "
                                  "the destination." % (f, _names(folders)),
                                  "Move it onto the CSV first (with %s off, in Hyper-V Manager on %s), or move the "
                                  "CSV that holds it too." % (vm.name, e.node_of(vm))))
        for nic in vm.nics:
            if not nic.get("static_mac"):
                warn.append("%s uses a dynamic MAC address (%s); it may change on the destination. If the guest has "
                            "a DHCP reservation or a licence bound to it, make it static on the source first." % (
                                vm.name, _mac(str(nic.get("mac", "")))))
        if latest is None:
            warn.append("%s was not reported by the source in this check (last seen %s); hvassist uses what it saw "
                        "then." % (vm.name, vm.last_seen or "?"))
    return _finish(step, ev, bl, todo, warn, [])


def _mac(mac: str) -> str:
    m = mac.replace("-", "").replace(":", "").upper()
    return ":".join(m[i:i + 2] for i in range(0, 12, 2)) if len(m) == 12 else mac or "?"


def _vm_folder(vm: ManifestVM) -> str:
    # C:\ClusterStorage\Volume3\vm\Virtual Machines\<ID>.xml -> C:\ClusterStorage\Volume3\vm
    parts = vm.config_path.split("\\")
    return "\\".join(parts[:-2]) if len(parts) > 2 else vm.config_path


def _no_snapshots(e: _Eval, step: StepDef) -> StepResult:
    ev: list[str] = []
    bl: list[Blocker] = []
    todo: list[Todo] = []
    warn: list[str] = []
    if not e.facts.source_nodes:
        todo.append(Todo("The source has not been checked yet."))
        return _finish(step, ev, bl, todo, warn, e.manual(step))
    with_snapshots = set()
    for vm in e.vms:
        latest = e.latest.get(vm.id)
        if latest is None or not latest.snapshots:
            continue
        with_snapshots.add(vm.id)
        names = "; ".join("'%s'%s" % (s.name, " (taken %s)" % s.created if s.created else "")
                          for s in latest.snapshots)
        bl.append(Blocker(vm.name, "It has %d snapshot(s): %s." % (len(latest.snapshots), names),
                          "In Hyper-V Manager on %s, with %s turned off, delete its snapshots (right-click the "
                          "top one, Delete Snapshot Subtree) and leave the VM off until the merge has finished "
                          "(its .avhd files are gone). Then check again." % (latest.node, vm.name)))
    files = sorted({f for n in e.facts.source_nodes for f in n.snapshot_files
                    if any(under(f, p) for p in e.moved_paths())})
    for f in files:
        owner = next((vm for vm in e.vms if under(f, _vm_folder(vm)) or
                      (e.latest.get(vm.id) and under(f, e.latest[vm.id].snapshot_root))), None)
        if owner is not None and owner.id in with_snapshots:
            ev.append("%s belongs to a snapshot of %s." % (f, owner.name))
            continue
        bl.append(Blocker(owner.name if owner else None,
                          "The differencing disk %s is on the CSV although no snapshot uses it (a merge has not "
                          "finished, or it was left behind)." % f,
                          "If the VM is off, wait for Hyper-V to finish merging and check again. Otherwise find out "
                          "which disk chain uses it before you delete anything."))
    if not bl:
        ev.append("No VM on the CSV has snapshots, and there are no .avhd/.avhdx files on it.")
    return _finish(step, ev, bl, todo, warn, e.manual(step))


def _copy_configs(e: _Eval, step: StepDef) -> StepResult:
    ev: list[str] = []
    bl: list[Blocker] = []
    todo: list[Todo] = []
    warn: list[str] = []
    if not e.vms:
        todo.append(Todo("The source has not been checked yet." if not e.facts.source_nodes
                         else "There are no VMs to copy."))
        return _finish(step, ev, bl, todo, warn, [])
    need: dict[str, list[ManifestVM]] = {}
    for vm in e.vms:
        copy = e.state.config_copies.get(vm.id)
        latest = e.latest.get(vm.id)
        if copy is None:
            need.setdefault(e.node_of(vm), []).append(vm)
            continue
        ev.append("%s: configuration copied to %s on %s, SHA-256 %s (%s)." % (
            vm.name, copy.get("copy"), copy.get("node"), copy.get("sha256", "")[:16] + "…", copy.get("at")))
        if latest is not None and latest.config_sha256 and copy.get("sha256") and \
                latest.config_sha256 != copy.get("sha256"):
            need.setdefault(e.node_of(vm), []).append(vm)
            warn.append("%s's configuration changed since it was copied; copy it again for an exact rollback "
                        "point." % vm.name)
        elif latest is not None and latest.config_sha256:
            ev.append("%s: the copy matches the current configuration file." % vm.name)
    for node, vms in sorted(need.items()):
        op = O.op_copy_configs(node, vms, e.state.id)
        todo.append(Todo("Copy the configuration of %s aside (on %s)." % (", ".join(v.name for v in vms), node),
                         e.offer(op)))
    return _finish(step, ev, bl, todo, warn, [])


def _shut_down_source(e: _Eval, step: StepDef) -> StepResult:
    ev: list[str] = []
    bl: list[Blocker] = []
    todo: list[Todo] = []
    warn: list[str] = []
    if not e.facts.source_nodes:
        todo.append(Todo("The source has not been checked yet."))
        return _finish(step, ev, bl, todo, warn, [])
    groups = {g.vm_id: g for g in e.facts.source_groups}
    for vm in e.vms:
        latest = e.latest.get(vm.id)
        state = latest.state if latest else "unknown"
        if latest is not None and state != "Off":
            if state == "Running":
                fix, action = ("Shut it down: choose 'Shut down %s' (hvassist shuts the guest down cleanly through "
                               "its Shutdown integration service), or shut it down from inside the guest." % vm.name,
                               e.offer(O.op_shutdown(replace(vm, node=latest.node))))
            elif state == "Saved":
                fix, action = ("A saved state cannot move to the new host version. Start %s on %s and shut it "
                               "down cleanly from inside the guest." % (vm.name, latest.node), None)
            else:
                fix, action = ("Bring %s to a normal running state and shut it down cleanly from inside the guest "
                               "(or turn it off in Hyper-V Manager if it hangs)." % vm.name, None)
            bl.append(Blocker(vm.name, "It is %s." % state, fix, action))
        group = groups.get(norm_id(vm.id))
        if group is not None:
            off = latest is not None and state == "Off"
            bl.append(Blocker(vm.name, "It is still a role of the source cluster %s (group '%s', %s)." % (
                e.src_name, group.name, group.state),
                "Remove the role from the source cluster%s: choose 'Remove %s from %s' (hvassist removes only the "
                "role; the VM stays registered on %s with its files). Do not delete the VM in Hyper-V Manager: that "
                "deletes its configuration." % ("" if off else " once it is off", vm.name, e.src_name,
                                                e.node_of(vm)),
                e.offer(O.op_remove_role(replace(vm, node=e.node_of(vm)), e.src_name))
                if off else None))
        if latest is not None and state == "Off" and group is None:
            ev.append("%s is off and no longer a role of %s." % (vm.name, e.src_name))
        elif latest is None and e.facts.dest_vm(vm.id) is not None:
            ev.append("%s is no longer reported by the source; it is registered on the destination." % vm.name)
    return _finish(step, ev, bl, todo, warn, [])


def _release_source(e: _Eval, step: StepDef, shutdown_passed: bool) -> StepResult:
    ev: list[str] = []
    bl = e.host_problems("source")
    todo: list[Todo] = []
    warn: list[str] = []
    if not e.facts.source_nodes:
        if not bl:
            todo.append(Todo("The source has not been checked yet."))
        return _finish(step, ev, bl, todo, warn, e.manual(step))
    for c in e.state.csvs:
        in_source = next((s for s in e.facts.source_csvs if s.name.lower() == c.name.lower() or
                          (c.signature and s.disk_signature == c.signature)), None)
        if in_source is not None:
            if shutdown_passed:
                node = in_source.owner or e.facts.source_nodes[0].name
                todo.append(Todo("The CSV '%s' is still part of %s: remove it from the source cluster." % (
                    c.name, e.src_name), e.offer(O.op_remove_csv(node, in_source.name, e.src_name))))
            else:
                todo.append(Todo("The CSV '%s' is still part of %s; remove it once step 5 has passed." % (
                    c.name, e.src_name)))
        else:
            ev.append("The CSV '%s' is no longer part of %s." % (c.name, e.src_name))
        if not c.signature:
            warn.append("The disk signature of '%s' is not known, so hvassist cannot tell whether the source "
                        "hosts still see its LUN." % c.name)
            continue
        if len(c.signature) > 8:
            # a GPT disk (a GUID): Win32_DiskDrive on 2008 R2 shows no GUID, so the masking cannot be seen
            text = ("The LUN of '%s' is a GPT disk (%s): the 2008 R2 hosts cannot show whether they still "
                            "see it, so only your confirmation covers the masking." % (c.name, c.signature))
            warn.append(text)
            continue
        seen_by = [n.name for n in e.facts.source_nodes if c.signature in n.disks]
        if seen_by:
            todo.append(Todo("%s still see(s) the LUN of '%s' (disk signature %s): unmask it from every source host "
                             "in the SAN console." % (", ".join(seen_by), c.name, c.signature)))
        else:
            ev.append("No source node sees the LUN of '%s' any more (disk signature %s)." % (c.name, c.signature))
    return _finish(step, ev, bl, todo, warn, e.manual(step))


def _csv_ready(e: _Eval) -> bool:
    if not e.state.csvs or not e.facts.dest_nodes:
        return False
    for c in e.state.csvs:
        d = next((x for x in e.facts.dest_csvs if c.signature and x.disk_signature == c.signature), None)
        if d is None or d.path.lower() != c.path.lower() or d.state.lower() != "online":
            return False
    return True


def _present_destination(e: _Eval, step: StepDef) -> StepResult:
    ev: list[str] = []
    bl = e.host_problems("destination")
    todo: list[Todo] = []
    warn: list[str] = []
    if not e.facts.dest_nodes:
        if not bl:
            todo.append(Todo("The destination has not been checked yet."))
        return _finish(step, ev, bl, todo, warn, e.manual(step))
    host = O.runbook_host(e.state, e.facts)
    for c in e.state.csvs:
        if not c.signature or not c.path:
            todo.append(Todo("'%s' is not known from the source yet (check the source first)." % c.name))
            continue
        add = O.op_add_csv(host, c.signature, c.mount_name, c.name)
        d = next((x for x in e.facts.dest_csvs if x.disk_signature == c.signature), None)
        still_source = any(s.name.lower() == c.name.lower() or s.disk_signature == c.signature
                           for s in e.facts.source_csvs)
        available = next((a for a in e.facts.dest_available if a.signature == c.signature), None)
        if d is not None:
            if d.path.lower() != c.path.lower():
                todo.append(Todo("The LUN is CSV '%s' of %s, but mounted at %s; the VMs expect %s." % (
                    d.name, e.dst_name, d.path, c.path), e.offer(add)))
            else:
                ev.append("The LUN is CSV '%s' of %s at %s (owner %s, %s)." % (d.name, e.dst_name, d.path, d.owner,
                                                                             d.state))
            if d.state.lower() != "online":
                bl.append(Blocker(None, "The CSV '%s' is %s on %s." % (d.name, d.state, e.dst_name),
                                  "Bring it online in Failover Cluster Manager, then check again."))
        else:
            seen_by = [n.name for n in e.facts.dest_nodes if c.signature in n.disks]
            if still_source and (seen_by or available is not None):
                bl.append(Blocker(None, "The destination sees the LUN of '%s' (%s) while it is still a CSV of the "
                                  "source cluster %s." % (c.name, ", ".join(seen_by) or "available to the cluster",
                                                          e.src_name),
                                  "Do not add it yet. Finish step 6 first (remove it from the source, unmask it from "
                                  "the source hosts), so that the two clusters never use it at the same time."))
            elif available is not None:
                todo.append(Todo("Every destination node sees the LUN (disk signature %s, offered as '%s'), but it is "
                                 "not a CSV yet." % (c.signature, available.name), e.offer(add)))
            elif seen_by and len(seen_by) < len(e.facts.dest_nodes):
                todo.append(Todo("Only %s see(s) the LUN of '%s' (disk signature %s): present it to every destination "
                                 "node in the SAN console." % (", ".join(seen_by), c.name, c.signature)))
            elif seen_by:
                todo.append(Todo("Every destination node sees the LUN of '%s', but the cluster does not offer it: it "
                                 "is still reserved by another cluster, or already in use. Check that it is no longer "
                                 "part of %s." % (c.name, e.src_name)))
            else:
                todo.append(Todo("The destination nodes do not see the LUN of '%s' (disk signature %s) yet: present "
                                 "it to every destination node in the SAN console." % (c.name, c.signature)))
    if _csv_ready(e):
        missing = False
        for vm in e.vms:
            for f in [vm.config_path, *vm.vhds]:
                exists = e.facts.dest_path_exists(f)
                if exists is False:
                    missing = True
                    bl.append(Blocker(vm.name, "Its file %s is not found on the destination." % f,
                                      "Check that this is the right LUN and that the CSV folder has the name the VM "
                                      "expects; then check again."))
                elif exists is None:
                    missing = True
                    todo.append(Todo("%s: %s was not looked for yet; check again." % (vm.name, f)))
        if not missing and e.vms:
            ev.append("All %d configuration files and disks of the %d VM(s) are found on the destination." % (
                sum(1 + len(v.vhds) for v in e.vms), len(e.vms)))
    return _finish(step, ev, bl, todo, warn, e.manual(step))


def _register(e: _Eval, step: StepDef) -> StepResult:
    ev: list[str] = []
    bl: list[Blocker] = []
    todo: list[Todo] = []
    warn: list[str] = []
    csv_ready = _csv_ready(e)
    registered = 0
    for vm in e.vms:
        dvm = e.facts.dest_vm(vm.id)
        if dvm is not None:
            registered += 1
            ev.append("%s is registered on %s with its original ID %s (%s, configuration version %s)." % (
                vm.name, dvm.node, dvm.id.lower(), dvm.state, dvm.version or "?"))
            continue
        if not csv_ready:
            continue
        err = e.facts.compare_errors.get(vm.id)
        cf = e.facts.compare.get(vm.id)
        if err:
            bl.append(Blocker(vm.name, "Compare-VM failed on its configuration file: %s" % err,
                              "Check that %s exists on the destination and is readable; then check again."
                              % vm.config_path))
        elif cf is None:
            todo.append(Todo("%s has not been compared yet; check again." % vm.name))
        elif cf.after:
            for inc in cf.after:
                if inc.message_id == 33012:
                    fix = ("Choose a destination switch for '%s' on the 'VMs and switches' page (or create a switch "
                           "with that name on every destination node), then check again." % inc.switch_name)
                else:
                    fix = ("Resolve it by hand with Compare-VM on %s (see the Compare-VM documentation), then check "
                           "again." % cf.node)
                bl.append(Blocker(vm.name, "Compare-VM reports: %s" % inc.text(), fix))
        else:
            mapped = "; ".join("%s: %s → %s" % (a.adapter, a.switch_from, a.switch_to or "(not connected)")
                               for a in cf.actions)
            before = "; ".join(i.text() for i in cf.before)
            ev.append("%s: Compare-VM finds no incompatibilities%s. Ready to register in place." % (
                vm.name, " after your mapping (%s; before it: %s)" % (mapped, before) if cf.actions else ""))
            todo.append(Todo("Register %s in place (runbook)." % vm.name, "register:%s" % vm.id))
    if not csv_ready and registered < len(e.vms):
        todo.append(Todo("Waits for step 7: the VMs' files must be on a CSV of the destination first."))
    if not e.vms:
        todo.append(Todo("No VMs known yet."))
    return _finish(step, ev, bl, todo, warn, [])


def _waiting_for_registration(e: _Eval) -> Todo | None:
    missing = [vm.name for vm in e.vms if e.facts.dest_vm(vm.id) is None]
    if not missing:
        return None
    return Todo("Waits for step 8: not registered on the destination yet: %s." % _names(missing))


def _roles(e: _Eval, step: StepDef) -> StepResult:
    ev: list[str] = []
    todo: list[Todo] = []
    groups = {g.vm_id: g for g in e.facts.dest_groups}
    waiting = _waiting_for_registration(e)
    if waiting:
        todo.append(waiting)
    for vm in e.vms:
        dvm = e.facts.dest_vm(vm.id)
        if dvm is None:
            continue
        g = groups.get(norm_id(vm.id))
        if g is not None or dvm.is_clustered:
            ev.append("%s is a role of %s%s." % (vm.name, e.dst_name, " (group '%s', %s, on %s)" % (
                g.name, g.state, g.owner) if g else ""))
        else:
            todo.append(Todo("%s is registered on %s but is not a cluster role yet." % (vm.name, dvm.node),
                             "add-role:%s" % vm.id))
    if not e.vms:
        todo.append(Todo("No VMs known yet."))
    return _finish(step, ev, [], todo, [], [])


def _start(e: _Eval, step: StepDef) -> StepResult:
    ev: list[str] = []
    bl: list[Blocker] = []
    todo: list[Todo] = []
    waiting = _waiting_for_registration(e)
    if waiting:
        todo.append(waiting)
    for vm in e.vms:
        dvm = e.facts.dest_vm(vm.id)
        if dvm is None:
            continue
        if dvm.state != "Running":
            todo.append(Todo("%s is %s on %s." % (vm.name, dvm.state, dvm.node), "start:%s" % vm.id))
            continue
        found = e.facts.dest_snapshot_vm(vm.id)
        if found is None:
            todo.append(Todo("%s is running; its integration services were not read yet: check again." % vm.name))
            continue
        _snap, fact = found
        if fact.ic_state and fact.ic_state.lower() != "up to date":
            bl.append(Blocker(vm.name, "Its integration services are older than the host's (%s, version %s)." % (
                fact.ic_state, fact.ic_version or "?"),
                "In Hyper-V Manager on %s: connect to %s, Action → Insert Integration Services Setup Disk, install "
                "them in the guest and restart it. Then check again." % (dvm.node, vm.name)))
        bad = [i for i in fact.integration_services
               if i.enabled and i.name.lower() in KEY_INTEGRATION_SERVICES and i.primary_status not in ("OK", "")]
        for i in bad:
            bl.append(Blocker(vm.name, "Its integration service '%s' reports '%s'%s." % (
                i.name, i.primary_status, " (%s)" % i.secondary_status if i.secondary_status else ""),
                "Inside the guest, make sure the matching 'Hyper-V ...' service is running (for backups: 'Hyper-V "
                "Volume Shadow Copy Requestor'); update the integration services if they are old."))
        if not bad and not (fact.ic_state and fact.ic_state.lower() != "up to date"):
            ev.append("%s is running on %s; integration services %s (%s); heartbeat, shutdown and backup answer." % (
                vm.name, dvm.node, (fact.ic_state or "reported").lower(), fact.ic_version or "version not reported"))
    if not e.vms:
        todo.append(Todo("No VMs known yet."))
    return _finish(step, ev, bl, todo, [], [])


def _backup_ready(e: _Eval, step: StepDef) -> StepResult:
    ev: list[str] = []
    bl: list[Blocker] = []
    todo: list[Todo] = []
    warn: list[str] = []
    causes = all_causes()
    pending = [vm.name for vm in e.vms if (d := e.facts.dest_vm(vm.id)) is None or d.state != "Running"
               or e.facts.dest_snapshot_vm(vm.id) is None]
    if pending:
        todo.append(Todo("Checked once the VMs run on the destination (%s)." % _names(pending)))
    for vm in e.vms:
        dvm = e.facts.dest_vm(vm.id)
        found = e.facts.dest_snapshot_vm(vm.id)
        if dvm is None or dvm.state != "Running" or found is None:
            continue
        snap, fact = found
        mine = [f for f in e.findings(snap) if f.vm_id and norm_id(f.vm_id) == norm_id(vm.id)]
        for f in mine:
            text = causes.get(f.cause)
            fix = text.what_to_do[0] if text and text.what_to_do else "See the diagnosis of %s." % snap.host.name
            detail = " ".join(x.as_text() for x in f.evidence[:2])
            if f.severity == "error":
                action = "add-scsi:%s" % vm.id if f.cause == "no-scsi-controller" else None
                bl.append(Blocker(vm.name, "%s: %s" % (f.title, detail), fix, action))
            else:
                warn.append("%s: %s (%s)" % (vm.name, f.title, detail))
        if not any(f.severity == "error" for f in mine):
            vss = fact.integration_service("VSS")
            ev.append("%s: %d SCSI controller(s); backup integration service %s; %d checkpoint(s): no backup "
                      "blockers found by the diagnosis." % (
                          vm.name, fact.scsi_controllers,
                          "enabled" if vss is None or vss.enabled else "disabled", len(fact.checkpoints)))
    if not e.vms:
        todo.append(Todo("No VMs known yet."))
    return _finish(step, ev, bl, todo, warn, e.manual(step))


def _vm_version(e: _Eval, step: StepDef) -> StepResult:
    ev: list[str] = []
    todo: list[Todo] = []
    registered = [e.facts.dest_vm(vm.id) for vm in e.vms]
    if not e.vms or any(r is None for r in registered):
        todo.append(Todo("Waits for the VMs to be registered on the destination (step 8)."))
        return _finish(step, ev, [], todo, [], [])
    builds = [n.os_build for n in e.facts.dest_nodes if n.os_build]
    versions = sorted({r.version for r in registered if r is not None})
    if builds and min(builds) >= 14393:
        ev.append("The destination runs Windows Server 2016 or later; the VMs have configuration version(s) %s. "
                  "Update-VMVersion is possible but cannot be undone." % _names(versions))
        return _finish(step, ev, [], todo, [], e.manual(step))
    ev.append("The destination runs Windows Server 2012 R2: configuration version %s is the only one it has; "
              "nothing to do." % _names(versions))
    return _finish(step, ev, [], todo, [], [])


def _vm_readiness(e: _Eval, steps: list[StepResult]) -> list[VMReadiness]:
    problems: dict[str, list[str]] = {}
    for s in steps:
        for b in s.blockers:
            if b.vm:
                problems.setdefault(b.vm, []).append("%s (step %d)" % (b.problem, s.step.kb))
    groups = {g.vm_id for g in e.facts.source_groups}
    dest_groups = {g.vm_id for g in e.facts.dest_groups}
    dest_switches = {n.name: {s.lower() for s in n.switches} for n in e.facts.dest_nodes}
    out = []
    for vm in e.vms:
        latest = e.latest.get(vm.id)
        nics = []
        for n in vm.nics:
            switch = str(n.get("switch") or "")
            mapped = mapping_for(e.state, switch) if switch else None
            wanted = (mapped if mapped is not None else switch).lower()
            everywhere = None if not dest_switches or not wanted else all(wanted in s for s in dest_switches.values())
            nics.append(NicReadiness(str(n.get("name", "")), switch, mapped, _mac(str(n.get("mac", ""))),
                                     bool(n.get("static_mac")), everywhere))
        ready = _csv_ready(e)  # before the LUN is a CSV there, "not found on the destination" means nothing
        files = [(f, any(under(f, p) for p in e.moved_paths()), e.facts.dest_path_exists(f) if ready else None)
                 for f in [vm.config_path, *vm.vhds]]
        cf = e.facts.compare.get(vm.id)
        dvm = e.facts.dest_vm(vm.id)
        dest = ""
        if dvm is not None:
            dest = "registered on %s (%s%s)" % (dvm.node, dvm.state, ", cluster role" if (
                dvm.is_clustered or norm_id(vm.id) in dest_groups) else "")
        out.append(VMReadiness(
            id=vm.id, name=vm.name, node=e.node_of(vm), state=latest.state if latest else "not reported",
            snapshots=len(latest.snapshots) if latest else 0, source_role=norm_id(vm.id) in groups, files=files,
            nics=nics, incompatibilities=[i.text() for i in cf.after] if cf else [], destination=dest,
            problems=problems.get(vm.name, [])))
    return out


def evaluate(state: MigrationState, facts: MigrationFacts) -> Checklist:
    e = _Eval(state, facts)
    by_id = {s.id: s for s in STEPS}
    results = [
        _prepare_destination(e, by_id["prepare-destination"]),
        _inventory_source(e, by_id["inventory-source"]),
        _no_snapshots(e, by_id["no-snapshots"]),
        _copy_configs(e, by_id["copy-configs"]),
    ]
    shutdown = _shut_down_source(e, by_id["shut-down-source"])
    results.append(shutdown)
    results.append(_release_source(e, by_id["release-source"], shutdown.status == PASSED))
    results += [
        _present_destination(e, by_id["present-destination"]),
        _register(e, by_id["register-in-place"]),
        _roles(e, by_id["cluster-roles"]),
        _start(e, by_id["start-vms"]),
        _backup_ready(e, by_id["backup-ready"]),
        _vm_version(e, by_id["vm-version"]),
    ]
    runbook = O.build_runbook(state, facts)
    for op in runbook:
        e.ops.setdefault(op.id, op)
    return Checklist(results, _vm_readiness(e, results), e.ops, runbook, facts.collected_at)


__all__ = ["Blocker", "Checklist", "ManualCheck", "NEEDS_MANUAL", "NOT_STARTED", "PASSED", "FAILED", "StepResult",
           "Todo", "VMReadiness", "evaluate", "refresh_scope", "mapping_for", "common_destination_switches",
           "source_switches"]
