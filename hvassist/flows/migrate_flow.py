"""The "Check a migration" wizard without Qt: choose → checklist → VMs and switches → runbook.

Everything the user does is saved at once in the migration's state file, so closing the app and
opening the wizard again resumes at the same page with the same evidence. Nothing changes a host
without an explicit confirmation; every change is in the audit log.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from hvassist.audit import AuditLog
from hvassist.cancel import CancelToken
from hvassist.migrate import service
from hvassist.migrate.access import ClusterAccess
from hvassist.migrate.checklist import Checklist, common_destination_switches, evaluate, refresh_scope
from hvassist.migrate.facts import MigrationFacts, facts_from_docs, norm_id
from hvassist.migrate.operations import Operation, export_runbook, next_runbook_op, op_is_done
from hvassist.migrate.state import (
    ClusterRef,
    Confirmation,
    MigrationState,
    MigrationStore,
    OperationRecord,
    new_state,
    now_iso,
    parse_iso,
)
from hvassist.migrate.steps import MANUAL_BY_ID, PASSED
from hvassist.remote.endpoint import Timeouts


class Page(StrEnum):
    CHOOSE = "choose"
    CHECKLIST = "checklist"
    VMS = "vms"
    RUNBOOK = "runbook"


PAGE_TITLES = {
    Page.CHOOSE: "Choose the clusters",
    Page.CHECKLIST: "Checklist",
    Page.VMS: "VMs and switches",
    Page.RUNBOOK: "Runbook for the destination",
}
RUNBOOK_KINDS = ("add-csv", "register", "add-role", "add-scsi", "start", "check")

AccessResolver = Callable[[ClusterRef], ClusterAccess]


class NotAllowedYet(Exception):
    """An operation was asked for before the steps it depends on passed. The message says which."""


@dataclass
class MigrationFlow:
    store: MigrationStore
    audit: AuditLog
    resolve: AccessResolver
    state: MigrationState | None = None
    page: Page = Page.CHOOSE
    resumed: bool = False
    timeouts: Timeouts | None = None
    _checklist: Checklist | None = field(default=None, repr=False)

    # -- starting and resuming --------------------------------------------------------------------
    def start(self, source: ClusterRef, dest: ClusterRef, csvs: list[str] | None = None) -> MigrationState:
        if source.name.lower() == dest.name.lower():
            raise ValueError("The source and the destination must be two different clusters.")
        self.state = new_state(source, dest, csvs)
        self.resumed = False
        self._checklist = None
        self.go(Page.CHECKLIST)
        return self.state

    def resume(self, state: MigrationState | str) -> MigrationState:
        self.state = self.store.load(state) if isinstance(state, str) else state
        self.resumed = True
        self._checklist = None
        try:
            self.page = Page(self.state.page)
        except ValueError:
            self.page = Page.CHECKLIST
        return self.state

    def resume_latest(self) -> MigrationState | None:
        latest = self.store.latest_unfinished()
        return self.resume(latest) if latest is not None else None

    def _require(self) -> MigrationState:
        if self.state is None:
            raise ValueError("no migration chosen yet")
        return self.state

    def save(self) -> None:
        self.store.save(self._require())

    # -- navigation ------------------------------------------------------------------------------
    def go(self, page: Page) -> None:
        state = self._require()
        self.page = page
        state.page = page.value
        self.save()

    def select_step(self, step_id: str) -> None:
        state = self._require()
        if state.selected_step != step_id:
            state.selected_step = step_id
            self.save()

    # -- facts and checklist ------------------------------------------------------------------------
    @property
    def facts(self) -> MigrationFacts:
        return facts_from_docs(self._require().facts) if self._require().facts else MigrationFacts()

    @property
    def checklist(self) -> Checklist:
        if self._checklist is None:
            state = self._require()
            facts = self.facts
            refresh_scope(state, facts)
            self._checklist = evaluate(state, facts)
        return self._checklist

    @property
    def checked(self) -> bool:
        return bool(self._require().facts)

    def check(self, cancel: CancelToken | None = None, progress: service.ProgressCallback | None = None) -> Checklist:
        """Ask both clusters again (slow: run it on a worker). The last evidence stays if this is cancelled."""
        state = self._require()
        docs = service.collect(state, self.resolve(state.source), self.resolve(state.dest), cancel=cancel,
                               progress=progress, timeouts=self.timeouts)
        state.facts = docs
        self._checklist = None
        checklist = self.checklist
        self._update_downtime(checklist)
        self.save()
        return checklist

    def _update_downtime(self, checklist: Checklist) -> None:
        state = self._require()
        if not state.downtime_started_at and checklist.step("shut-down-source").status == PASSED and state.manifest:
            state.downtime_started_at = checklist.checked_at or now_iso()
        facts = self.facts
        if state.downtime_started_at and not state.downtime_ended_at and state.manifest and all(
                (vm := facts.dest_vm(i)) is not None and vm.state == "Running" for i in state.manifest):
            state.downtime_ended_at = checklist.checked_at or now_iso()

    # -- what the user decides ----------------------------------------------------------------------
    def confirm(self, check_id: str, note: str, confirmed: bool = True, by: str = "") -> None:
        """Record a manual confirmation (SAN masking, AD, backup). A confirmation needs a note."""
        state = self._require()
        if check_id not in MANUAL_BY_ID:
            raise KeyError("no manual check %r" % check_id)
        if confirmed and not note.strip():
            raise ValueError("Write a short note with the confirmation: what you checked, where, or the change "
                             "number. It is kept with the migration and in the audit log.")
        who = by or _local_user()
        state.confirmations[check_id] = Confirmation(confirmed, note.strip(), who, now_iso())
        step, _m = MANUAL_BY_ID[check_id]
        self.audit.record(host=state.dest.name if step.side.startswith(("destination", "SAN and dest"))
                          else state.source.name, vm=None, action="migrate-manual-check", script="",
                          params={"check": check_id}, result="confirmed" if confirmed else "withdrawn",
                          plan_id=state.id, cause=step.id, step=check_id, detail=note.strip())
        self._checklist = None
        self.save()

    def destination_switches(self) -> list[str]:
        return common_destination_switches(self.facts)

    def set_switch_mapping(self, source_switch: str, dest_switch: str | None) -> None:
        """Map a source switch to a destination switch; "" leaves the adapters unconnected; None removes it.

        Compare-VM results for the VMs concerned are out of date afterwards: check again."""
        state = self._require()
        known = self.destination_switches()
        if dest_switch and known and dest_switch.lower() not in {s.lower() for s in known}:
            raise ValueError("Every destination node must have the switch '%s' (they all have: %s)." % (
                dest_switch, ", ".join(known) or "none"))
        for key in [k for k in state.switch_map if k.lower() == source_switch.lower()]:
            del state.switch_map[key]
        if dest_switch is not None:
            state.switch_map[source_switch] = next((s for s in known if s.lower() == dest_switch.lower()),
                                                   dest_switch)
        self.audit.record(host=state.dest.name, vm=None, action="migrate-switch-mapping", script="",
                          params={"source": source_switch, "destination": dest_switch}, result="saved",
                          plan_id=state.id, cause="register-in-place")
        # Compare-VM results were made with the old mapping: drop them so nothing stale is shown as ready.
        for vm in state.manifest.values():
            if any(str(n.get("switch", "")).lower() == source_switch.lower() for n in vm.nics):
                state.facts.get("compare", {}).pop(vm.id, None)
        self._checklist = None
        self.save()

    # -- operations -------------------------------------------------------------------------------
    def operation(self, op_id: str) -> Operation:
        try:
            return self.checklist.operations[op_id]
        except KeyError:
            raise KeyError("'%s' is not something hvassist can do now; check again." % op_id) from None

    def runbook(self) -> list[Operation]:
        return self.checklist.runbook

    def next_runbook_op(self) -> Operation | None:
        return next_runbook_op(self._require(), self.runbook())

    def runbook_status(self, op_id: str) -> str:
        rec = self._require().operations.get(op_id)
        return rec.status if rec is not None else "pending"

    def why_not(self, op: Operation) -> list[str]:
        """Why ``op`` may not run now (empty: it may)."""
        checklist = self.checklist
        reasons: list[str] = []
        if op.kind in ("add-csv", "remove-csv"):
            # Releasing the LUN needs steps 1-5 (destination ready, backup confirmed, configurations copied
            # while they can still be read, VMs off and no longer roles); adding it needs step 6 too, so the
            # two clusters never use it at the same time.
            upto = 6 if op.kind == "add-csv" else 5
            reasons += ["Step %d '%s' has not passed yet." % (s.step.kb, s.step.title) for s in checklist.steps
                        if s.step.kb <= upto and s.status != PASSED]
        elif op.kind in RUNBOOK_KINDS:
            reasons += checklist.runbook_blockers()
            nxt = self.next_runbook_op()
            if nxt is not None and nxt.id != op.id and not op_is_done(self._require(), op.id):
                reasons.append("The runbook runs in order: next is '%s'." % nxt.title)
        return reasons

    def run(self, op_id: str, *, confirmed: bool, cancel: CancelToken | None = None,
            recheck: bool = True) -> service.OperationOutcome:
        """Run one operation after the user confirmed it; record it; check again where it helps."""
        state = self._require()
        op = self.operation(op_id)
        reasons = self.why_not(op)
        if reasons:
            raise NotAllowedYet(" ".join(reasons))
        if op.kind in ("remove-csv", "add-csv"):
            # Look again right before touching the storage: the clusters may have changed since the preview.
            self.check(cancel)
            fresh = self.checklist.operations.get(op_id)
            reasons = self.why_not(fresh) if fresh is not None else ["It is no longer needed or possible."]
            if reasons:
                raise NotAllowedYet("The clusters changed since you reviewed this: " + " ".join(reasons))
            op = fresh or op
        access = self.resolve(state.source if op.side == "source" else state.dest)
        outcome = service.run_operation(op, access, self.audit, state.id, confirmed=confirmed, cancel=cancel,
                                        timeouts=self.timeouts)
        state.operations[op.id] = OperationRecord("done" if outcome.ok else "failed", now_iso(), outcome.changed,
                                                  outcome.output, outcome.error.message if outcome.error else "")
        if outcome.ok:
            self._after(op, outcome)
        self._checklist = None
        self.save()
        if recheck and outcome.ok and (op.kind not in RUNBOOK_KINDS or op.kind in ("check", "add-csv")):
            self.check(cancel)
        return outcome

    def _after(self, op: Operation, outcome: service.OperationOutcome) -> None:
        state = self._require()
        if op.kind == "copy-configs":
            for c in outcome.output.get("copies", []):
                state.config_copies[norm_id(str(c.get("id", "")))] = {
                    "copy": str(c.get("copy", "")), "sha256": str(c.get("sha256", "")).lower(), "node": op.host,
                    "at": now_iso()}
        if op.kind == "shutdown" and outcome.changed and not state.downtime_started_at:
            state.downtime_started_at = now_iso()
        if op.kind == "start":
            starts = [o for o in self.runbook() if o.kind == "start"]
            if starts and all(op_is_done(state, o.id) for o in starts) and not state.downtime_ended_at:
                state.downtime_ended_at = now_iso()

    def export_runbook(self, path: Path | None = None) -> str:
        text = export_runbook(self._require(), self.runbook())
        if path is not None:
            # with a BOM: Windows PowerShell reads a BOM-less file in the ANSI code page
            path.write_text(text, encoding="utf-8-sig", newline="\r\n")
        return text

    # -- the downtime clock -------------------------------------------------------------------------
    def downtime(self, now: dt.datetime | None = None) -> dt.timedelta | None:
        state = self._require()
        if not state.downtime_started_at:
            return None
        end = parse_iso(state.downtime_ended_at) if state.downtime_ended_at else (now or dt.datetime.now(dt.UTC))
        return max(end - parse_iso(state.downtime_started_at), dt.timedelta(0))

    def downtime_text(self, now: dt.datetime | None = None) -> str:
        state = self._require()
        span = self.downtime(now)
        if span is None:
            return "Downtime: not started (it starts when the VMs are shut down)."
        total = int(span.total_seconds())
        h, rem = divmod(total, 3600)
        m, s = divmod(rem, 60)
        since = parse_iso(state.downtime_started_at).astimezone().strftime("%H:%M on %d %b")
        length = "%d h %02d min" % (h, m) if h else "%d min %02d s" % (m, s)
        if state.downtime_ended_at:
            return "Downtime: %s (from %s until the VMs were started on the destination)." % (length, since)
        return "Downtime so far: %s (the VMs have been down since %s)." % (length, since)

    def finish(self) -> None:
        self._require().finished = True
        self.save()


def _local_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"
