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
from hvassist.fixes.apply import FixOutcome, PlanOutdated, StepCallback, apply_plan
from hvassist.fixes.catalogue import build_plan, has_fix
from hvassist.fixes.plan import FixPlan
from hvassist.remote.errors import RemoteError
from hvassist.remote.session import HostSession
from hvassist.services.diagnosis import Diagnosis, HostOutcome, HostTarget, ProgressCallback, diagnose_hosts


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

    # -- navigation -------------------------------------------------------------------------
    def can_advance(self) -> bool:
        if self.step is Step.CHOOSE:
            return bool(self.selected)
        if self.step is Step.COLLECT:
            return self.diagnosis is not None
        if self.step is Step.FINDINGS:
            return self.finding is not None and has_fix(self.finding.cause)
        if self.step is Step.FIX_PREVIEW:
            return self.plan is not None and (self.confirmed or self.plan.nothing_to_do)
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
        self.diagnosis = diagnose_hosts(self.targets(), cancel=cancel, progress=progress)
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
        target = next(t for t in self.available if t.name == self.plan.host)
        try:
            with HostSession(target.endpoint, target.username, target.password, cancel=cancel) as session:
                self.outcome = apply_plan(self.plan, session, self.audit, confirmed=self.confirmed,
                                          on_step=on_step)
            self._refresh_after_fix()
        except RemoteError as e:
            self.fix_error = e
        except PlanOutdated as e:
            self.fix_error = RemoteError(self.plan.host, str(e), "Press 'Back to findings', then open the fix "
                                         "again to review the new steps.")
        return self.outcome

    # -- views ---------------------------------------------------------------------------------
    def vm_summaries(self) -> list[VMSummary]:
        out: list[VMSummary] = []
        if self.diagnosis is None:
            return out
        for h in self.diagnosis.hosts:
            if h.snapshot is None:
                continue
            for vm in h.snapshot.vms:
                out.append(VMSummary(h.host, vm.name, vm.state, [f for f in h.findings if f.vm_id == vm.id],
                                     h.readiness.get(vm.id), [p for p in h.pending if p.vm_id == vm.id]))
        return out

    def host_findings(self) -> list[Finding]:
        return [f for f in (self.diagnosis.findings if self.diagnosis else []) if f.vm is None]

    def failed_hosts(self) -> list[HostOutcome]:
        return [h for h in (self.diagnosis.hosts if self.diagnosis else []) if not h.ok]

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
