"""The "Diagnose a backup problem" wizard: choose → collect → findings → fix preview → apply → verify."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from hvassist.audit import AuditLog
from hvassist.cancel import CancelToken
from hvassist.diagnose.findings import Finding
from hvassist.diagnose.guestlook import PendingCheck
from hvassist.diagnose.readiness import Readiness
from hvassist.fixes.apply import (
    FixOutcome,
    PlanBlocked,
    PlanOutdated,
    StepCallback,
    apply_plan,
    restore_vm,
    vm_taken_down,
)
from hvassist.fixes.catalogue import build_plan, has_fix
from hvassist.fixes.plan import FixPlan, FixStep
from hvassist.remote.endpoint import Timeouts
from hvassist.remote.errors import RemoteError
from hvassist.remote.session import HostSession
from hvassist.services.diagnosis import Diagnosis, HostOutcome, HostTarget, ProgressCallback


class Step(StrEnum):
    CHOOSE = "choose"
    COLLECT = "collect"
    FINDINGS = "findings"
    FIX_PREVIEW = "fix-preview"
    FIX_APPLY = "fix-apply"
    VERIFY = "verify"


TITLES = {
    Step.CHOOSE: "Choose what to check",
    Step.COLLECT: "Collecting facts",
    Step.FINDINGS: "What we found",
    Step.FIX_PREVIEW: "Review the fix",
    Step.FIX_APPLY: "Applying the fix",
    Step.VERIFY: "Checking the result",
}


@dataclass
class VMSummary:
    host: str
    name: str
    state: str
    findings: list[Finding]
    readiness: Readiness | None = None
    pending: list[PendingCheck] = field(default_factory=list)  # looks inside its guest hvassist could not do


@dataclass(frozen=True)
class Interruption:
    """A fix that stopped between its steps: what was done, where it stopped, and what state the VM is in."""

    plan: FixPlan
    done: tuple[FixStep, ...]  # completed, in order
    stopped_at: FixStep
    error: RemoteError
    vm_state: str  # as last seen (the verification, else the last step's answer); "" = unknown
    vm_taken_down: bool  # a step of this fix shut the VM down and nothing started it again
    vm_may_be_down: bool = False  # ... or a shut-down step was cancelled or lost on the way (it may have completed)

    @property
    def position(self) -> str:
        return "step %d of %d" % (list(self.plan.steps).index(self.stopped_at) + 1, len(self.plan.steps))

    @property
    def remaining(self) -> tuple[FixStep, ...]:
        done = {s.id for s in self.done}
        return tuple(s for s in self.plan.steps if s.id not in done)

    @property
    def can_restart_vm(self) -> bool:
        return (self.vm_taken_down or self.vm_may_be_down) and any(s.restores for s in self.plan.steps)

    @property
    def connection_lost(self) -> bool:
        return self.error.kind in ("connection-lost", "timed-out", "connection-refused", "winrm-fault")

    def message(self) -> str:
        """What happened, in plain words (the verify page's banner)."""
        vm = self.plan.vm or self.plan.host
        step = "'%s'" % self.stopped_at.title
        if self.error.kind == "cancelled":
            why = "you cancelled it during %s, so that step may or may not have been done on the host" % step
        elif self.connection_lost:
            why = "the connection to %s broke off at %s, so hvassist could not complete that step" % (
                self.plan.host, step)
        else:
            why = "the step %s failed: %s" % (step, self.error.message.rstrip("."))
        parts = ["The fix was interrupted at %s: %s." % (self.position, why)]
        parts.append("Already done: %s." % "; ".join(s.title for s in self.done) if self.done
                     else "Nothing was changed before it.")
        if self.vm_state:
            parts.append("%s is %s now%s." % (vm, self.vm_state.lower(), " (hvassist shut it down for the fix)"
                                              if self.vm_taken_down else ""))
        return " ".join(parts)

    def what_to_do(self) -> str:
        vm = self.plan.vm or self.plan.host
        later = "when %s answers again, " % self.plan.host if self.connection_lost else ""
        text = ("To finish, %schoose 'Finish the fix': hvassist looks at %s again and does only what is left (%s); "
                "steps already done are skipped." % (later, self.plan.host, "; ".join(
                    s.title for s in self.remaining)))
        if self.can_restart_vm:
            text += (" Or choose 'Start %s again' to bring the VM back now without the change (the backup problem "
                     "stays)." % vm)
        return text


@dataclass
class DiagnoseFlow:
    available: list[HostTarget]
    audit: AuditLog
    step: Step = Step.CHOOSE
    selected: list[str] = field(default_factory=list)  # host names
    diagnosis: Diagnosis | None = None
    finding: Finding | None = None
    plan: FixPlan | None = None
    confirmed: bool = False
    outcome: FixOutcome | None = None
    fix_error: RemoteError | None = None
    timeouts: Timeouts | None = None  # None: the defaults (remote.endpoint.Timeouts)

    # -- navigation -------------------------------------------------------------------------
    def can_advance(self) -> bool:
        if self.step is Step.CHOOSE:
            return bool(self.selected)
        if self.step is Step.COLLECT:
            return self.diagnosis is not None
        if self.step is Step.FINDINGS:
            # every finding opens a plan: a guided fix, or (no automatic fix) the steps for a person
            return self.finding is not None
        if self.step is Step.FIX_PREVIEW:
            return self.plan is not None and ((self.plan.can_apply and self.confirmed) or self.plan.nothing_to_do)
        if self.step is Step.FIX_APPLY:
            return self.outcome is not None or self.fix_error is not None
        return False

    def advance(self) -> Step:
        if not self.can_advance():
            raise ValueError("cannot leave %s yet" % self.step)
        order = list(Step)
        if self.step is Step.FINDINGS:
            self.prepare_fix()
        self.step = order[order.index(self.step) + 1]
        return self.step

    def back(self) -> Step:
        if self.step in (Step.FIX_APPLY, Step.COLLECT):
            raise ValueError("cannot go back while work is running")
        if self.step is Step.VERIFY:
            self.step = Step.FINDINGS
        elif self.step is not Step.CHOOSE:
            order = list(Step)
            self.step = order[order.index(self.step) - 1]
        if self.step in (Step.CHOOSE, Step.FINDINGS):
            self.plan, self.confirmed, self.outcome, self.fix_error = None, False, None, None
        return self.step

    def select_hosts(self, names: list[str]) -> None:
        known = {t.name for t in self.available}
        self.selected = [n for n in names if n in known]

    def select_finding(self, finding: Finding | None) -> None:
        self.finding = finding
        self.plan, self.confirmed = None, False

    # -- work (blocking; the GUI runs these on a worker thread) ---------------------------------
    def targets(self) -> list[HostTarget]:
        return [t for t in self.available if t.name in self.selected]

    def collect(self, cancel: CancelToken, progress: ProgressCallback | None = None) -> Diagnosis:
        from hvassist.services.diagnosis_process import diagnose_hosts_isolated  # many hosts: a helper process

        self.diagnosis = diagnose_hosts_isolated(self.targets(), cancel=cancel, progress=progress,
                                                 timeouts=self.timeouts)
        return self.diagnosis

    def prepare_fix(self) -> FixPlan:
        assert self.finding is not None and self.diagnosis is not None
        outcome = self._host_outcome(self.finding.host)
        assert outcome is not None and outcome.snapshot is not None
        self.plan = build_plan(self.finding, outcome.snapshot)
        self.confirmed = False
        return self.plan

    def apply(self, cancel: CancelToken, on_step: StepCallback | None = None) -> FixOutcome | None:
        assert self.plan is not None
        try:
            target = self._target_for(self.plan.host)
            with HostSession(target.endpoint, target.username, target.password, cancel=cancel,
                             timeouts=self.timeouts) as session:
                self.outcome = apply_plan(self.plan, session, self.audit, confirmed=self.confirmed,
                                          on_step=on_step)
            self._refresh_after_fix()
        except RemoteError as e:
            self.fix_error = e
        except PlanOutdated as e:
            self.fix_error = RemoteError(self.plan.host, str(e), "Press 'Back to findings', then open the fix "
                                         "again to review the new steps.")
        except PlanBlocked as e:
            self.fix_error = RemoteError(self.plan.host, "%s Nothing was changed." % e,
                                         "Wait until that is resolved, then open the fix again.")
        return self.outcome

    def interruption(self) -> Interruption | None:
        """The applied fix stopped between its steps (or at its first): what to tell the user and offer."""
        outcome, plan = self.outcome, self.plan
        failed = outcome.failed_step if outcome is not None else None
        if outcome is None or plan is None or failed is None or failed.error is None:
            return None
        completed = {str(e.get("step")) for e in self.audit.entries() if e.get("plan") == plan.plan_id
                     and e.get("action") == "fix-step" and e.get("result") in ("ok", "no-change")}
        done = tuple(s for s in plan.steps if s.id in completed and s.id != failed.step.id)
        state = ""
        after_vm = outcome.after.vm(plan.vm) if outcome.after is not None and plan.vm else None
        if after_vm is not None:
            state = after_vm.state
        else:  # the host could not be looked at again: the last answer that named the VM's state
            for s in outcome.steps:
                if s.ok and isinstance(s.output.get("state_after"), str):
                    state = s.output["state_after"]
        return Interruption(plan, done, failed.step, failed.error, state, vm_taken_down(self.audit, plan),
                            vm_taken_down(self.audit, plan, maybe=True))

    def reopen_apply(self) -> None:
        """From the result of an interrupted fix back to applying (to finish it, or to start the VM again)."""
        if self.step is not Step.VERIFY or self.interruption() is None:
            raise ValueError("only an interrupted fix can be finished")
        self.step = Step.FIX_APPLY

    def finish_fix(self, cancel: CancelToken, on_step: StepCallback | None = None) -> FixOutcome | None:
        """After an interruption: apply the same confirmed plan again; only what is still needed runs (and a VM
        this fix shut down is started again)."""
        previous, self.outcome, self.fix_error = self.outcome, None, None
        self.apply(cancel, on_step)
        if self.outcome is None:  # nothing ran (e.g. the host is not back yet): still interrupted, as before
            self.outcome = previous
        return self.outcome

    def restart_vm(self, cancel: CancelToken, on_step: StepCallback | None = None) -> FixOutcome | None:
        """After an interruption: only start the VM again, leaving the change undone."""
        assert self.plan is not None
        previous, self.outcome, self.fix_error = self.outcome, None, None
        try:
            target = self._target_for(self.plan.host)
            with HostSession(target.endpoint, target.username, target.password, cancel=cancel,
                             timeouts=self.timeouts) as session:
                self.outcome = restore_vm(self.plan, session, self.audit, confirmed=True, on_step=on_step)
            self._refresh_after_fix()
        except RemoteError as e:
            self.fix_error = e
        if self.outcome is None:
            self.outcome = previous
        return self.outcome

    def has_automatic_fix(self) -> bool:
        return self.finding is not None and has_fix(self.finding.cause)

    # -- views ---------------------------------------------------------------------------------
    def vm_summaries(self) -> list[VMSummary]:
        out: list[VMSummary] = []
        if self.diagnosis is None:
            return out
        for h in self.diagnosis.hosts:
            if h.snapshot is None:
                continue
            findings: dict[str | None, list[Finding]] = {}  # grouped once: a host may have hundreds of VMs
            for f in h.findings:
                findings.setdefault(f.vm_id, []).append(f)
            pending: dict[str | None, list[PendingCheck]] = {}
            for p in h.pending:
                pending.setdefault(p.vm_id, []).append(p)
            for vm in h.snapshot.vms:
                out.append(VMSummary(h.host, vm.name, vm.state, findings.get(vm.id, []), h.readiness.get(vm.id),
                                     pending.get(vm.id, [])))
        return out

    def host_findings(self) -> list[Finding]:
        return [f for f in (self.diagnosis.findings if self.diagnosis else []) if f.vm is None]

    def failed_hosts(self) -> list[HostOutcome]:
        return [h for h in (self.diagnosis.hosts if self.diagnosis else []) if not h.ok]

    def _target_for(self, host: str) -> HostTarget:
        """How to reach the host a plan is for: the target it was diagnosed through (the collection names it
        by its computer name, which may differ from the saved name), or a cluster node as the diagnosis did."""
        h = self._host_outcome(host)
        names = [n for n in (h.host if h else None, host) if n]
        for name in names:
            for t in self.available:
                if t.name.lower() == name.lower():
                    return t
        selected = self.targets() or self.available
        if not selected:
            raise RemoteError(host, "hvassist no longer knows how to connect to %s." % host,
                              "Add the host under Connections, then diagnose again.")
        return selected[0].for_name(names[0])

    def _host_outcome(self, host: str) -> HostOutcome | None:
        if self.diagnosis is None:
            return None
        return next((h for h in self.diagnosis.hosts if h.host.lower() == host.lower()
                     or (h.snapshot is not None and h.snapshot.host.name.lower() == host.lower())), None)

    def _refresh_after_fix(self) -> None:
        """Replace the host's snapshot and findings with what verification collected."""
        if self.outcome is None or self.outcome.after is None or self.diagnosis is None:
            return
        from hvassist.diagnose.engine import run_rules
        from hvassist.diagnose.guestlook import pending_checks
        from hvassist.diagnose.readiness import host_readiness

        h = self._host_outcome(self.outcome.plan.host)
        if h is not None:
            # the verification collected the host only: keep what was seen inside guests and file servers
            before = h.snapshot
            after = self.outcome.after
            if before is not None:
                after = after.with_guests(before.guests).with_file_servers(before.file_servers)
            h.snapshot = after
            h.findings = run_rules(after)
            h.pending = pending_checks(after, h.findings)
            h.readiness = host_readiness(after, h.findings, h.pending)


FlowFactory = Callable[[], DiagnoseFlow]
