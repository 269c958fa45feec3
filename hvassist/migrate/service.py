"""Talk to both clusters for a migration: collect the facts (nodes in parallel), run one operation.

Collection order: the source first (its inventory says which VMs and files move), then the
destination (told which paths to look for), then Compare-VM for each VM once its files are on a
CSV of the destination, then the backup diagnosis (collect-host) where moved VMs are registered.
A host that cannot be asked is recorded as a problem with what to do; the others still answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from hvassist.audit import AuditLog
from hvassist.cancel import CancelToken
from hvassist.migrate.access import ClusterAccess
from hvassist.migrate.checklist import refresh_scope
from hvassist.migrate.facts import FactsError, facts_from_docs, norm_id, parse_dest_inventory, parse_source_inventory
from hvassist.migrate.operations import Operation
from hvassist.migrate.state import MigrationState, now_iso
from hvassist.remote import errors as E
from hvassist.remote.endpoint import Timeouts
from hvassist.remote.session import HostSession
from hvassist.services.diagnosis import COLLECT_PARAMS

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, str], None]  # (host, message)


def _problem(side: str, host: str, message: str, action: str) -> dict[str, str]:
    return {"side": side, "host": host, "message": message, "action": action}


def _ask(access: ClusterAccess, name: str, script: str, params: dict[str, Any] | None, cancel: CancelToken,
         timeouts: Timeouts | None) -> Any:
    target = access.target(name)
    with HostSession(target.endpoint, target.username, target.password, cancel=cancel, timeouts=timeouts) as s:
        return s.run_json(script, params)


def _inventory_cluster(side: str, access: ClusterAccess, cluster: str, script: str, params: dict[str, Any] | None,
                       parse: Callable[[Any], Any], cancel: CancelToken, progress: ProgressCallback | None,
                       timeouts: Timeouts | None, problems: list[dict[str, str]]) -> list[Any]:
    """The cluster name first, then every other node that is up, in parallel."""
    def one(name: str) -> Any | None:
        if progress:
            progress(name, "Reading the %s" % side)
        try:
            doc = _ask(access, name, script, params, cancel, timeouts)
            parse(doc)
            if progress:
                progress(name, "Done")
            return doc
        except E.Cancelled:
            raise
        except E.RemoteError as e:
            problems.append(_problem(side, name, e.message, e.action))
            if progress:
                progress(name, "Failed: %s" % e.message)
        except FactsError as e:
            problems.append(_problem(side, name, "its answer was not understood (%s)." % e,
                                     "Make sure it runs the expected Windows Server version; then check again."))
        return None

    first = one(cluster)
    if first is None:
        return []
    parsed = parse(first)
    docs = [first]
    if parsed.cluster is None:
        return docs
    others = [n for n, st in parsed.cluster.nodes if n.lower() != parsed.name.lower()]
    down = [n for n, st in parsed.cluster.nodes if st.lower() != "up" and n in others]
    for n in down:
        problems.append(_problem(side, n, "the node is %s in the cluster." % dict(parsed.cluster.nodes)[n],
                                 "Bring it up (or evict it from the cluster) so that its VMs can be checked."))
    up = [n for n in others if n not in down]
    if up:
        with ThreadPoolExecutor(max_workers=min(8, len(up)), thread_name_prefix="migrate-%s" % side) as pool:
            docs += [d for d in pool.map(one, up) if d is not None]
    return docs


def collect(state: MigrationState, source: ClusterAccess, dest: ClusterAccess, *, cancel: CancelToken | None = None,
            progress: ProgressCallback | None = None, timeouts: Timeouts | None = None) -> dict[str, Any]:
    """Ask both clusters; return the raw documents (kept in ``state.facts``). Updates the scope in ``state``."""
    cancel = cancel or CancelToken()
    problems: list[dict[str, str]] = []
    docs: dict[str, Any] = {"collected_at": now_iso(), "source": [], "dest": [], "compare": {}, "compare_errors": {},
                            "dest_collect": [], "problems": problems}
    docs["source"] = _inventory_cluster("source", source, state.source.name, "mig-source-inventory", None,
                                        parse_source_inventory, cancel, progress, timeouts, problems)
    refresh_scope(state, facts_from_docs(docs))
    paths = sorted({p for vm in state.manifest.values() for p in [vm.config_path, *vm.vhds]})
    docs["dest"] = _inventory_cluster("destination", dest, state.dest.name, "mig-dest-inventory", {"Paths": paths},
                                      parse_dest_inventory, cancel, progress, timeouts, problems)
    facts = facts_from_docs(docs)
    _compare_all(state, facts, dest, docs, cancel, progress, timeouts, problems)
    _collect_hosts(state, facts, dest, docs, cancel, progress, timeouts, problems)
    return docs


def _compare_all(state: MigrationState, facts: Any, dest: ClusterAccess, docs: dict[str, Any], cancel: CancelToken,
                 progress: ProgressCallback | None, timeouts: Timeouts | None, problems: list[dict[str, str]]) -> None:
    by_sig = {c.disk_signature: c for c in facts.dest_csvs}
    ready = bool(state.csvs) and all(
        c.signature in by_sig and by_sig[c.signature].path.lower() == c.path.lower() for c in state.csvs)
    if not ready:
        return
    owner = by_sig[state.csvs[0].signature].owner or state.dest.name
    todo = [vm for vm in sorted(state.manifest.values(), key=lambda v: v.name) if facts.dest_vm(vm.id) is None]
    if not todo:
        return
    if progress:
        progress(owner, "Compare-VM for %d VM(s)" % len(todo))
    target = dest.target(owner)
    try:
        with HostSession(target.endpoint, target.username, target.password, cancel=cancel, timeouts=timeouts) as s:
            for vm in todo:
                mapping = {k: v for k, v in state.switch_map.items()
                           if k.lower() in {str(n.get("switch", "")).lower() for n in vm.nics}}
                try:
                    doc = s.run_json("mig-dest-compare-vm", {"Path": vm.config_path, "VMId": vm.id,
                                                             "SwitchMap": mapping})
                    docs["compare"][vm.id] = {"node": owner, "doc": doc}
                except E.ScriptFailed as e:
                    docs["compare_errors"][vm.id] = _first_line(e.ps_error or e.message)
    except E.Cancelled:
        raise
    except E.RemoteError as e:
        problems.append(_problem("destination", owner, e.message, e.action))


def _collect_hosts(state: MigrationState, facts: Any, dest: ClusterAccess, docs: dict[str, Any],
                   cancel: CancelToken, progress: ProgressCallback | None, timeouts: Timeouts | None,
                   problems: list[dict[str, str]]) -> None:
    ids = {norm_id(i) for i in state.manifest}
    nodes = sorted({vm.node for n in facts.dest_nodes for vm in n.vms if norm_id(vm.id) in ids})
    for node in nodes:
        if progress:
            progress(node, "Backup readiness (collect-host)")
        try:
            docs["dest_collect"].append(_ask(dest, node, "collect-host", COLLECT_PARAMS, cancel, timeouts))
        except E.Cancelled:
            raise
        except E.RemoteError as e:
            problems.append(_problem("destination", node, e.message, e.action))


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), text.strip())


@dataclass
class OperationOutcome:
    op: Operation
    ok: bool
    changed: bool = False
    output: dict[str, Any] = field(default_factory=dict)
    error: E.RemoteError | None = None

    @property
    def message(self) -> str:
        if self.error is not None:
            return "%s: %s" % (self.op.title, self.error.message)
        if not self.op.changes:
            return "%s: done" % self.op.title
        return "%s: %s" % (self.op.title, "done" if self.changed else "nothing to do (already done)")


class NotConfirmed(Exception):
    """An operation was about to run without the user's explicit confirmation."""


def run_operation(op: Operation, access: ClusterAccess, audit: AuditLog, migration_id: str, *, confirmed: bool,
                  cancel: CancelToken | None = None, timeouts: Timeouts | None = None) -> OperationOutcome:
    """Run one operation on its host; every attempt is in the audit log."""
    if not confirmed and op.changes:
        raise NotConfirmed("an operation that changes a host runs only after the user confirmed it")
    target = access.target(op.host)
    audit.record(host=op.host, vm=op.vm, action="migrate-confirmed", script=op.script, params=op.params,
                 result="ok", remote_user=target.username, plan_id=migration_id, cause=op.step, step=op.id,
                 detail=op.title)
    try:
        with HostSession(target.endpoint, target.username, target.password, cancel=cancel, timeouts=timeouts) as s:
            output = s.run_json(op.script, op.params)
    except E.RemoteError as e:
        audit.record(host=op.host, vm=op.vm, action="migrate-step", script=op.script, params=op.params,
                     result="failed", remote_user=target.username, plan_id=migration_id, cause=op.step, step=op.id,
                     detail=e.message)
        return OperationOutcome(op, False, error=e)
    out = output if isinstance(output, dict) else {"output": output}
    changed = bool(out.get("changed", False)) or op.kind == "copy-configs"
    audit.record(host=op.host, vm=op.vm, action="migrate-step", script=op.script, params=op.params,
                 result=("ok" if changed else "no-change") if op.changes else "read", remote_user=target.username,
                 plan_id=migration_id, cause=op.step, step=op.id, detail=_summary(out))
    return OperationOutcome(op, True, changed, out)


def _summary(output: dict[str, Any]) -> str:
    keys = ("vm", "changed", "state_before", "state_after", "state", "original_id_kept", "group", "path",
            "renamed_from", "csv", "folder")
    return ", ".join("%s=%s" % (k, output[k]) for k in keys if k in output)[:500]
