"""Apply a confirmed fix plan step by step, auditing every step, then verify by collecting again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hvassist.audit import AuditLog
from hvassist.diagnose.engine import run_rules
from hvassist.diagnose.findings import Finding
from hvassist.fixes.plan import FixPlan, FixStep
from hvassist.remote.errors import RemoteError
from hvassist.remote.session import HostSession
from hvassist.services.diagnosis import collect_snapshot
from hvassist.snapshot import HostSnapshot

log = logging.getLogger(__name__)


class NotConfirmed(Exception):
    """A plan was about to be applied without the user's explicit confirmation."""


class PlanOutdated(Exception):
    """The host changed since the plan was previewed so that it would need steps the user did not confirm."""


@dataclass
class StepResult:
    step: FixStep
    ok: bool
    output: dict[str, Any] = field(default_factory=dict)
    error: RemoteError | None = None

    @property
    def changed(self) -> bool:
        return bool(self.output.get("changed", False))


@dataclass
class FixOutcome:
    plan: FixPlan
    steps: list[StepResult] = field(default_factory=list)
    verified: bool | None = None  # None: not verified (yet)
    nothing_to_do: bool = False  # the fresh facts showed the problem was already gone: nothing was run
    after: HostSnapshot | None = None
    remaining: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.nothing_to_do or (all(s.ok for s in self.steps) and bool(self.steps))

    @property
    def failed_step(self) -> StepResult | None:
        return next((s for s in self.steps if not s.ok), None)

    @property
    def changed_anything(self) -> bool:
        return any(s.changed for s in self.steps)


StepCallback = Callable[[FixStep, str], None]  # (step, "running" | "done" | "failed")


def apply_plan(plan: FixPlan, session: HostSession, audit: AuditLog, *, confirmed: bool,
               on_step: StepCallback | None = None, verify: bool = True) -> FixOutcome:
    """Run the plan's steps in order; stop at the first failure. Requires ``confirmed=True``."""
    if not confirmed:
        raise NotConfirmed("a fix is applied only after the user confirmed the preview")
    outcome = FixOutcome(plan)
    user = session_user(session)
    audit.record(host=plan.host, vm=plan.vm, action="fix-confirmed", script="", params={}, result="ok",
                 remote_user=user, plan_id=plan.plan_id, cause=plan.cause, detail=plan.title)
    # Look again right before changing anything: the host may have changed since the preview.
    steps = _steps_still_needed(plan, session)
    if not steps:
        outcome.nothing_to_do = True
        audit.record(host=plan.host, vm=plan.vm, action="fix-skipped", script="collect-host", params={},
                     result="nothing-to-do", remote_user=user, plan_id=plan.plan_id, cause=plan.cause,
                     detail="the problem is no longer present")
        outcome.verified = True
        return outcome
    for step in steps:
        if on_step:
            on_step(step, "running")
        try:
            output = session.run_json(step.script, step.params)
            result = StepResult(step, True, output if isinstance(output, dict) else {"output": output})
            audit.record(host=plan.host, vm=plan.vm, action="fix-step", script=step.script, params=step.params,
                         result="ok" if result.changed else "no-change", remote_user=user,
                         plan_id=plan.plan_id, cause=plan.cause, step=step.id, detail=_summary(result.output))
        except RemoteError as e:
            result = StepResult(step, False, error=e)
            audit.record(host=plan.host, vm=plan.vm, action="fix-step", script=step.script, params=step.params,
                         result="failed", remote_user=user, plan_id=plan.plan_id, cause=plan.cause,
                         step=step.id, detail=e.message)
        outcome.steps.append(result)
        if on_step:
            on_step(step, "done" if result.ok else "failed")
        if not result.ok:
            break
    if verify:
        verify_plan(outcome, session, audit)
    return outcome


def _steps_still_needed(plan: FixPlan, session: HostSession) -> list[FixStep]:
    from hvassist.fixes.catalogue import build_plan

    before = collect_snapshot(session)
    current = [f for f in run_rules(before) if f.cause == plan.cause
               and (plan.vm_id is None or f.vm_id == plan.vm_id)]
    if not current:
        return []
    fresh = build_plan(current[0], before)
    confirmed = {s.id for s in plan.steps}
    extra = [s.title for s in fresh.steps if s.id not in confirmed]
    if extra:
        raise PlanOutdated("%s changed since you reviewed the fix; it would now also need: %s. Review the fix "
                           "again." % (plan.vm or plan.host, "; ".join(extra)))
    wanted = {s.id for s in fresh.steps}
    return [s for s in plan.steps if s.id in wanted]


def verify_plan(outcome: FixOutcome, session: HostSession, audit: AuditLog) -> None:
    plan = outcome.plan
    try:
        outcome.after = collect_snapshot(session)
    except RemoteError as e:
        log.warning("verification of %s on %s failed: %s", plan.cause, plan.host, e.message)
        outcome.verified = None
        return
    findings = run_rules(outcome.after)
    outcome.remaining = [f for f in findings if f.cause == plan.cause
                         and (plan.vm_id is None or f.vm_id == plan.vm_id)]
    outcome.verified = not outcome.remaining
    audit.record(host=plan.host, vm=plan.vm, action="fix-verified", script="collect-host", params={},
                 result="finding-gone" if outcome.verified else "finding-still-present",
                 remote_user=session_user(session), plan_id=plan.plan_id, cause=plan.cause)


def session_user(session: HostSession) -> str:
    return session.username


def _summary(output: dict[str, Any]) -> str:
    keys = ("changed", "state_before", "state_after", "scsi_controllers_before", "scsi_controllers_after")
    return ", ".join("%s=%s" % (k, output[k]) for k in keys if k in output)
