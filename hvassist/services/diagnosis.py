"""Diagnose hosts and clusters: one collection round trip per host (in parallel), then optional looks
inside guests and at file servers, then the rules, the pending checks and each VM's backup readiness.

- A host that cannot be reached is reported and does not stop the others.
- A cluster name is diagnosed by collecting on the node that answers for it, then on every other node
  in parallel (one collection each); a node that is down is named in the result.
- Guest checks need guest credentials: on 2016+ hosts through PowerShell Direct (in the same WinRM shell,
  right after the collection), otherwise over WinRM to the guest's FQDN (from KVP).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import logging
import threading
import time
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from hvassist.cancel import CancelToken
from hvassist.diagnose.engine import run_rules
from hvassist.diagnose.findings import Finding, sort_findings
from hvassist.diagnose.guestlook import PendingCheck, pending_checks
from hvassist.diagnose.readiness import Readiness, host_readiness
from hvassist.diagnose.rules.base import is_windows
from hvassist.diagnose.rules.host_rules import HOTFIXES_CHECKED
from hvassist.remote.endpoint import Endpoint, Timeouts
from hvassist.remote.errors import InternalError, OutputNotUnderstood, RemoteError
from hvassist.remote.session import HostSession, RunResult, parse_json_output
from hvassist.snapshot import (
    FileServerCheck,
    GuestInspection,
    HostSnapshot,
    SnapshotError,
    VMFact,
    parse_guest_facts,
    parse_snapshot,
    version_tuple,
)

log = logging.getLogger(__name__)

COLLECT_PARAMS: dict[str, Any] = {"EventDays": 7, "MaxEvents": 500, "Hotfixes": list(HOTFIXES_CHECKED)}
GUEST_EVENT_DAYS = 7
MAX_PARALLEL_GUESTS = 8

EndpointResolver = Callable[[str], Endpoint]


@dataclass(frozen=True)
class GuestCredentials:
    """An account valid inside the guests (for the inside-the-guest checks). Lives only in memory."""

    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class HostTarget:
    """A host (or cluster name) to diagnose and how to log on. The passwords live only in memory."""

    endpoint: Endpoint
    username: str
    password: str = field(repr=False)
    guest: GuestCredentials | None = field(default=None, repr=False)
    # how to reach another machine by name (a cluster node, a guest, a file server); default: like this one
    resolve: EndpointResolver | None = field(default=None, compare=False, repr=False)

    @property
    def name(self) -> str:
        return self.endpoint.host

    def endpoint_for(self, name: str) -> Endpoint:
        if self.resolve is not None:
            return self.resolve(name)
        ep = self.endpoint
        return Endpoint(host=name, port=ep.port, transport=ep.transport, auth=ep.auth, ca_file=ep.ca_file)

    def for_name(self, name: str) -> HostTarget:
        return dataclasses.replace(self, endpoint=self.endpoint_for(name))


@dataclass
class HostOutcome:
    host: str
    snapshot: HostSnapshot | None = None
    findings: list[Finding] = field(default_factory=list)
    error: RemoteError | None = None
    seconds: float = 0.0
    pending: list[PendingCheck] = field(default_factory=list)
    readiness: dict[str, Readiness] = field(default_factory=dict)  # by VM id

    @property
    def ok(self) -> bool:
        return self.error is None and self.snapshot is not None


@dataclass
class ClusterView:
    """A cluster seen through its nodes' collections: who owns which VM, how each node reaches each CSV."""

    name: str
    nodes: list[HostOutcome]  # in the cluster's node order; unreachable nodes have an error
    node_states: dict[str, str] = field(default_factory=dict)  # the cluster's own view (Up, Down, Paused)
    error: RemoteError | None = None  # the cluster name itself could not be reached

    @property
    def unreachable_nodes(self) -> list[str]:
        return [n.host for n in self.nodes if not n.ok]

    def to_json(self) -> dict[str, Any]:
        ok = [n for n in self.nodes if n.ok and n.snapshot is not None]
        cluster = next((n.snapshot.host.cluster for n in ok if n.snapshot and n.snapshot.host.cluster), None)
        doc: dict[str, Any] = {"name": self.name, "status": "ok" if not self.error else "error",
                               "functional_level": cluster.functional_level if cluster else None,
                               "unreachable_nodes": self.unreachable_nodes}
        if self.error is not None:
            doc["error"] = self.error.to_dict()
        doc["nodes"] = [{"name": n.host, "cluster_state": self.node_states.get(n.host, ""),
                         "status": "ok" if n.ok else "error",
                         **({"error": n.error.to_dict()} if n.error is not None else {}),
                         "vms": len(n.snapshot.vms) if n.snapshot else None} for n in self.nodes]
        csvs: dict[str, dict[str, Any]] = {}
        for n in ok:
            assert n.snapshot is not None
            for c in n.snapshot.csvs:
                entry = csvs.setdefault(c.name, {"name": c.name, "path": c.path, "owner": c.owner,
                                                 "state": c.state, "size_bytes": c.size_bytes,
                                                 "free_bytes": c.free_bytes, "node_states": {}})
                for st in c.node_states:
                    if st.node.lower() == n.host.lower() or st.node not in entry["node_states"]:
                        entry["node_states"][st.node] = {
                            "state": st.state, "reason": st.fs_redirected_reason if st.redirected else ""}
        doc["csvs"] = list(csvs.values())
        vms: list[dict[str, Any]] = []
        for n in ok:
            assert n.snapshot is not None
            for vm in n.snapshot.vms:
                r = n.readiness.get(vm.id)
                vms.append({"name": vm.name, "owner_node": n.host, "state": vm.state, "clustered": vm.is_clustered,
                            "readiness": r.to_json() if r else None,
                            "findings": [f.cause for f in n.findings if f.vm_id == vm.id]})
        seen = {str(v["name"]).lower() for v in vms}
        for n in ok:  # clustered VMs owned by a node that could not be reached: owner known, rest not
            groups = n.snapshot.host.cluster.vm_groups if n.snapshot and n.snapshot.host.cluster else ()
            for g in groups:
                if g.name.lower() not in seen:
                    seen.add(g.name.lower())
                    vms.append({"name": g.name, "owner_node": g.owner, "state": g.state, "clustered": True,
                                "readiness": None, "findings": [],
                                "note": "its owner node could not be checked"})
        doc["vms"] = vms
        return doc


@dataclass
class Diagnosis:
    hosts: list[HostOutcome]
    clusters: list[ClusterView] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return sort_findings([f for h in self.hosts for f in h.findings])

    @property
    def pending(self) -> list[PendingCheck]:
        return [p for h in self.hosts for p in h.pending]

    @property
    def exit_code(self) -> int:
        if any(not h.ok for h in self.hosts) or any(c.error is not None for c in self.clusters):
            return 2
        return 1 if self.findings else 0

    def readiness_of(self, vm_id: str) -> Readiness | None:
        for h in self.hosts:
            if vm_id in h.readiness:
                return h.readiness[vm_id]
        return None

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "findings": [f.to_json() for f in self.findings],
            "hosts": [host_json(h) for h in self.hosts],
            "pending_checks": [p.to_json() for p in self.pending],
        }
        if self.clusters:
            doc["clusters"] = [c.to_json() for c in self.clusters]
        return doc


def host_json(h: HostOutcome) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": h.host, "status": "ok" if h.ok else "error"}
    if h.error is not None:
        doc["error"] = h.error.to_dict()
    if h.snapshot is not None:
        s = h.snapshot
        doc.update({
            "os": s.host.os_caption, "os_build": s.host.os_build,
            "cluster": s.host.cluster.name if s.host.cluster else None,
            "vms": [vm_json(h, v) for v in s.vms],
        })
    return doc


def vm_json(h: HostOutcome, v: VMFact) -> dict[str, Any]:
    r = h.readiness.get(v.id)
    inspection = h.snapshot.guests.get(v.id) if h.snapshot else None
    return {"name": v.name, "id": v.id, "state": v.state, "generation": v.generation,
            "findings": [f.cause for f in h.findings if f.vm_id == v.id],
            "readiness": r.to_json() if r else None,
            "guest_check": {"status": inspection.status, "method": inspection.method,
                            "reason": inspection.reason} if inspection else None}


ProgressCallback = Callable[[str, str], None]  # (host, message)


# Reading a host's answer (JSON, snapshot, rules) is pure Python: with the GIL, threads cannot run it
# faster together than one at a time, but sixteen of them ready at once (hosts answer together) keep
# the GUI thread waiting for the GIL. One at a time leaves the others asleep on this lock instead.
_ANALYSIS_LOCK = threading.Lock()


@contextlib.contextmanager
def _analysing() -> Generator[None, None, None]:
    """One host's answer is read (or its rules run) at a time, with the cyclic garbage collector paused:
    parsing a host's answer makes tens of thousands of objects without a single reference cycle, and the
    collections they would set off (some of them full passes over everything in memory, a thousand VMs
    included) cost up to a tenth of the diagnosis's CPU time for nothing. The collector runs again as
    soon as the section ends."""
    with _ANALYSIS_LOCK:
        paused = gc.isenabled()
        if paused:
            gc.disable()
        try:
            yield
        finally:
            if paused:
                gc.enable()


def collect_snapshot(session: HostSession) -> HostSnapshot:
    return read_snapshot(session.endpoint.host, session.run("collect-host", COLLECT_PARAMS))


def read_snapshot(host: str, result: RunResult) -> HostSnapshot:
    """The snapshot in a collect-host answer."""
    try:
        with _analysing():
            return parse_snapshot(parse_json_output(host, result))
    except SnapshotError as e:
        raise OutputNotUnderstood(host, "The host's answer was not in the expected shape (%s)."
                                  % e, "Make sure the host runs Windows Server 2012 R2 or later with the Hyper-V "
                                  "PowerShell module; then try again.") from None


# -- looking inside guests -----------------------------------------------------------------------
def _direct_candidates(snapshot: HostSnapshot) -> list[VMFact]:
    """PowerShell Direct needs a 2016+ host and a running Windows 10 / Server 2016 or later guest."""
    if not snapshot.host.is_2016_or_later:
        return []
    return [vm for vm in snapshot.vms if vm.running and is_windows(vm) and vm.guest is not None
            and version_tuple(vm.guest.os_version)[:1] >= (10,)]


def _guest_candidates(snapshot: HostSnapshot) -> list[VMFact]:
    return [vm for vm in snapshot.vms if vm.running and is_windows(vm)]


def inspect_guests_direct(session: HostSession, snapshot: HostSnapshot, creds: GuestCredentials,
                          vms: list[VMFact]) -> dict[str, GuestInspection]:
    """One guest-check-direct run for all these VMs, in the host's WinRM shell."""
    out: dict[str, GuestInspection] = {}
    if not vms:
        return out
    params = {"VMIds": [vm.id for vm in vms], "GuestUser": creds.username, "GuestPassword": creds.password,
              "EventDays": GUEST_EVENT_DAYS}
    try:
        doc = session.run_json("guest-check-direct", params)
    except RemoteError as e:
        for vm in vms:
            out[vm.id] = GuestInspection(vm.id, "failed", "powershell-direct",
                                         "PowerShell Direct could not run on the host: %s" % e.message)
        return out
    results = doc.get("results") if isinstance(doc, dict) else None
    if isinstance(results, dict):
        results = [results]
    for r in results or []:
        if not isinstance(r, dict):
            continue
        vm_id = str(r.get("vm_id", "")).strip("{}").lower()
        if r.get("ok") and r.get("facts") is not None:
            try:
                out[vm_id] = GuestInspection(vm_id, "done", "powershell-direct", facts=parse_guest_facts(r["facts"]))
                continue
            except SnapshotError as e:
                out[vm_id] = GuestInspection(vm_id, "failed", "powershell-direct",
                                             "The guest's answer was not understood (%s)." % e)
                continue
        out[vm_id] = GuestInspection(vm_id, "failed", "powershell-direct",
                                     "PowerShell Direct into the guest failed: %s" % (r.get("error") or "no reason "
                                                                                       "given"))
    return out


def inspect_guest_winrm(target: HostTarget, vm: VMFact, creds: GuestCredentials, *, cancel: CancelToken,
                        timeouts: Timeouts | None) -> GuestInspection:
    fqdn = vm.guest.fqdn if vm.guest else None
    if not fqdn:
        return GuestInspection(vm.id, "not-possible", "winrm", "The guest does not report its network name (KVP), "
                               "so hvassist cannot connect to it.")
    try:
        with HostSession(target.endpoint_for(fqdn), creds.username, creds.password, timeouts=timeouts,
                         cancel=cancel) as session:
            doc = session.run_json("collect-guest", {"EventDays": GUEST_EVENT_DAYS})
        return GuestInspection(vm.id, "done", "winrm", facts=parse_guest_facts(doc))
    except RemoteError as e:
        return GuestInspection(vm.id, "failed", "winrm", "Could not check inside the guest at %s: %s" % (
            fqdn, e.message))
    except SnapshotError as e:
        return GuestInspection(vm.id, "failed", "winrm", "The guest's answer was not understood (%s)." % e)


class FileServerCache:
    """File servers are checked once per diagnosis, however many hosts keep VMs on them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._results: dict[str, FileServerCheck] = {}
        self._events: dict[str, threading.Event] = {}

    def check(self, server: str, target: HostTarget, cancel: CancelToken,
              timeouts: Timeouts | None) -> FileServerCheck:
        key = server.lower()
        with self._lock:
            done = self._results.get(key)
            if done is not None:
                return done
            waiter = self._events.get(key)
            mine = waiter is None
            if mine:
                waiter = self._events[key] = threading.Event()
        assert waiter is not None
        if not mine:
            waiter.wait()
            return self._results[key]
        result = probe_file_server(server, target, cancel, timeouts)
        with self._lock:
            self._results[key] = result
        waiter.set()
        return result


def probe_file_server(server: str, target: HostTarget, cancel: CancelToken,
                      timeouts: Timeouts | None) -> FileServerCheck:
    try:
        with HostSession(target.endpoint_for(server), target.username, target.password, timeouts=timeouts,
                         cancel=cancel) as session:
            doc = session.run_json("probe-file-server")
    except RemoteError as e:
        return FileServerCheck(server, "failed", "hvassist could not check the file server: %s" % e.message)
    agent = doc.get("agent") if isinstance(doc, dict) else None
    state = str(agent.get("state")) if isinstance(agent, dict) else None
    return FileServerCheck(server, "done", agent_state=state)


# -- one host ------------------------------------------------------------------------------------
def evaluate(outcome: HostOutcome, snapshot: HostSnapshot) -> HostOutcome:
    """Rules, pending guest checks and readiness for one snapshot (live or from a collector file)."""
    outcome.snapshot = snapshot
    with _analysing():
        outcome.findings = run_rules(snapshot)
        outcome.pending = pending_checks(snapshot, outcome.findings)
        outcome.readiness = host_readiness(snapshot, outcome.findings, outcome.pending)
    return outcome


def diagnose_host(target: HostTarget, *, cancel: CancelToken | None = None, timeouts: Timeouts | None = None,
                  progress: ProgressCallback | None = None, file_servers: FileServerCache | None = None,
                  label: str | None = None) -> HostOutcome:
    cancel = cancel or CancelToken()
    started = time.monotonic()
    name = label or target.name
    outcome = HostOutcome(name)

    def say(message: str) -> None:
        if progress:
            progress(name, message)

    closing: threading.Thread | None = None
    try:
        say("Connecting")
        guests: dict[str, GuestInspection] = {}
        session = HostSession(target.endpoint, target.username, target.password, timeouts=timeouts, cancel=cancel)
        try:
            say("Collecting VMs, VSS writers and events")
            answer = session.run("collect-host", COLLECT_PARAMS)
            if target.guest is None:
                # Nothing else runs on this host: its shell is deleted (a round trip) while the answer is read.
                closing = session.close_in_background()
            snapshot = read_snapshot(target.endpoint.host, answer)
            if target.guest is not None:
                direct = _direct_candidates(snapshot)
                if direct:
                    say("Looking inside %d guest(s) through PowerShell Direct" % len(direct))
                    guests.update(inspect_guests_direct(session, snapshot, target.guest, direct))
        finally:
            if closing is None:
                session.close()
        outcome.snapshot = snapshot
        if target.guest is not None:
            rest = [vm for vm in _guest_candidates(snapshot) if not guests.get(vm.id, _NOT_DONE).done]
            if rest:
                say("Looking inside %d guest(s) over the network" % len(rest))
                with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_GUESTS, len(rest)),
                                        thread_name_prefix="guest") as pool:
                    creds = target.guest
                    futures = {vm.id: pool.submit(inspect_guest_winrm, target, vm, creds, cancel=cancel,
                                                  timeouts=timeouts) for vm in rest}
                    for vm_id, fut in futures.items():
                        result = fut.result()
                        earlier = guests.get(vm_id)
                        if result.done or earlier is None:
                            guests[vm_id] = result
                        else:  # keep both reasons: PowerShell Direct and the network both failed
                            guests[vm_id] = dataclasses.replace(earlier, reason="%s Over the network: %s" % (
                                earlier.reason, result.reason))
        servers = snapshot.share_servers()
        checks: dict[str, FileServerCheck] = {}
        for server in servers:
            say("Checking file server %s" % server)
            cache = file_servers or FileServerCache()
            checks[server] = cache.check(server, target, cancel, timeouts)
        evaluate(outcome, snapshot.with_guests(guests).with_file_servers(checks))
        say("Done: %d finding(s)" % len(outcome.findings))
    except RemoteError as e:
        outcome.error = e
        outcome.snapshot = None
        log.info("diagnosis of %s failed: %s", name, e.message)
        say("Failed: %s" % e.message)
    except Exception as e:  # a fault of hvassist's own must not stop the other hosts of the diagnosis
        log.error("diagnosis of %s stopped by an internal error", name, exc_info=e)
        outcome.error = InternalError(name, "hvassist could not finish checking %s because of an error inside "
                                      "hvassist (%s)." % (name, type(e).__name__),
                                      "Save the log file (it has the details) and report it. The other hosts "
                                      "are not affected; you can try this host again.")
        outcome.snapshot = None
        say("Failed: %s" % outcome.error.message)
    finally:
        if closing is not None:  # the host's shell is gone before its outcome is reported
            closing.join()
    outcome.seconds = time.monotonic() - started
    return outcome


_NOT_DONE = GuestInspection("", "not-possible")


def diagnose_hosts(targets: list[HostTarget], *, cancel: CancelToken | None = None,
                   timeouts: Timeouts | None = None, progress: ProgressCallback | None = None,
                   max_parallel: int = 32,
                   on_host_done: Callable[[HostTarget, HostOutcome], None] | None = None) -> Diagnosis:
    """All hosts in parallel; a host that fails is reported and does not stop the others.
    ``on_host_done`` is called (on the host's worker thread) as soon as each host's outcome is ready."""
    cancel = cancel or CancelToken()
    if not targets:
        return Diagnosis([])
    cache = FileServerCache()

    def run(target: HostTarget) -> HostOutcome:
        outcome = diagnose_host(target, cancel=cancel, timeouts=timeouts, progress=progress, file_servers=cache)
        if on_host_done is not None:
            on_host_done(target, outcome)
        return outcome

    with ThreadPoolExecutor(max_workers=min(max_parallel, len(targets)), thread_name_prefix="diagnose") as pool:
        futures = [pool.submit(run, t) for t in targets]
        return Diagnosis([f.result() for f in futures])


# -- clusters --------------------------------------------------------------------------------------
def _expand_cluster(entry: HostOutcome, target: HostTarget, *, cancel: CancelToken, timeouts: Timeouts | None,
                    progress: ProgressCallback | None, cache: FileServerCache,
                    max_parallel: int) -> ClusterView:
    """The entry outcome came through the cluster name; collect every other node in parallel."""
    assert entry.snapshot is not None and entry.snapshot.host.cluster is not None
    cluster = entry.snapshot.host.cluster
    answered = entry.snapshot.host.name.lower()
    node_names = [n for n, _state in cluster.nodes]
    entry.host = next((n for n in node_names if n.lower() == answered), entry.snapshot.host.name)
    others = [n for n in node_names if n.lower() != answered]
    results: dict[str, HostOutcome] = {entry.host.lower(): entry}
    if others:
        with ThreadPoolExecutor(max_workers=min(max_parallel, len(others)), thread_name_prefix="node") as pool:
            futures = {n: pool.submit(diagnose_host, target.for_name(n), cancel=cancel, timeouts=timeouts,
                                      progress=progress, file_servers=cache, label=n) for n in others}
            for n, fut in futures.items():
                results[n.lower()] = fut.result()
    nodes = [results[n.lower()] for n in node_names if n.lower() in results]
    return ClusterView(cluster.name, nodes, node_states={n: st for n, st in cluster.nodes})


def diagnose_cluster(target: HostTarget, *, cancel: CancelToken | None = None, timeouts: Timeouts | None = None,
                     progress: ProgressCallback | None = None, max_parallel: int = 32,
                     file_servers: FileServerCache | None = None) -> tuple[ClusterView, list[HostOutcome]]:
    """Diagnose a cluster through its name: the node that answers first, then every other node in parallel.
    Returns the cluster view and the node outcomes (for the findings). If the name is a stand-alone host,
    the view has just that host."""
    cancel = cancel or CancelToken()
    cache = file_servers or FileServerCache()
    entry = diagnose_host(target, cancel=cancel, timeouts=timeouts, progress=progress, file_servers=cache)
    if not entry.ok or entry.snapshot is None:
        return ClusterView(target.name, [], error=entry.error), []
    if entry.snapshot.host.cluster is None:
        return ClusterView(target.name, [entry]), [entry]
    view = _expand_cluster(entry, target, cancel=cancel, timeouts=timeouts, progress=progress, cache=cache,
                           max_parallel=max_parallel)
    return view, view.nodes


def diagnose(targets: list[HostTarget], clusters: list[HostTarget] | None = None, *,
             cancel: CancelToken | None = None, timeouts: Timeouts | None = None,
             progress: ProgressCallback | None = None, max_parallel: int = 32) -> Diagnosis:
    """Hosts and cluster names together. A HOST that turns out to be a cluster's name is expanded to all its
    nodes, like an explicit cluster."""
    cancel = cancel or CancelToken()
    cache = FileServerCache()
    clusters = list(clusters or [])
    jobs: list[tuple[str, HostTarget]] = [("host", t) for t in targets] + [("cluster", t) for t in clusters]
    hosts: list[HostOutcome] = []
    views: list[ClusterView] = []
    if not jobs:
        return Diagnosis([])

    def run(kind: str, t: HostTarget) -> tuple[list[HostOutcome], ClusterView | None]:
        if kind == "cluster":
            view, nodes = diagnose_cluster(t, cancel=cancel, timeouts=timeouts, progress=progress,
                                           max_parallel=max_parallel, file_servers=cache)
            return nodes, view
        outcome = diagnose_host(t, cancel=cancel, timeouts=timeouts, progress=progress, file_servers=cache)
        cl = outcome.snapshot.host.cluster if outcome.ok and outcome.snapshot else None
        if cl is not None and cl.name.lower() == t.name.split(".")[0].lower():
            view = _expand_cluster(outcome, t, cancel=cancel, timeouts=timeouts, progress=progress, cache=cache,
                                   max_parallel=max_parallel)
            return view.nodes, view
        return [outcome], None

    with ThreadPoolExecutor(max_workers=min(max_parallel, len(jobs)), thread_name_prefix="diagnose") as pool:
        for nodes, view in [f.result() for f in [pool.submit(run, k, t) for k, t in jobs]]:
            for n in nodes:  # a node named twice (as a host and through its cluster) is reported once
                if not any(h.host.lower() == n.host.lower() for h in hosts):
                    hosts.append(n)
            if view is not None:
                views.append(view)
    views += cluster_views_from_hosts(hosts, known={v.name.lower() for v in views})
    return Diagnosis(hosts, views)


def cluster_views_from_hosts(hosts: list[HostOutcome], known: set[str] | None = None) -> list[ClusterView]:
    """Cluster views for nodes diagnosed one by one (as hosts): grouped by the cluster their collection
    names. Nodes of such a cluster that were not among the hosts are listed as not checked."""
    known = set(known or ())
    views: list[ClusterView] = []
    for h in hosts:
        cl = h.snapshot.host.cluster if h.ok and h.snapshot else None
        if cl is None or cl.name.lower() in known:
            continue
        known.add(cl.name.lower())
        by_name = {x.host.lower(): x for x in hosts}
        nodes = []
        for n, _state in cl.nodes:
            node = by_name.get(n.lower())
            nodes.append(node if node is not None else HostOutcome(n, error=RemoteError(
                n, "This node was not among the hosts checked.", "Diagnose the cluster by its name to check "
                "every node.")))
        views.append(ClusterView(cl.name, nodes, node_states={n: st for n, st in cl.nodes}))
    return views
