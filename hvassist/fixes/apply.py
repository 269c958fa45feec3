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


class PlanBlocked(Exception):
    """A precondition no step takes care of is not met (now, on the host): nothing was changed."""


class NothingToApply(Exception):
    """The plan has no automatic steps: it is instructions for a person."""


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
    # nothing was run: the fresh facts showed the problem gone, or every step already done (see ``left_to_you``)
    nothing_to_do: bool = False
    after: HostSnapshot | None = None
    remaining: list[Finding] = field(default_factory=list)
    left_to_you: tuple[str, ...] = ()  # hvassist's part is done; the finding stays until a person does these
    restored_only: bool = False  # after an interruption only the VM was started again (``restore_vm``)

    @property
    def problem_gone(self) -> bool:
        return self.verified is True

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
    if not plan.automatic and not plan.nothing_to_do:
        raise NothingToApply("%s: hvassist has no automatic steps for this; follow the instructions" % plan.title)
    if plan.blocked:
        raise PlanBlocked(_blocked_text(plan))
    outcome = FixOutcome(plan)
    user = session_user(session)
    audit.record(host=plan.host, vm=plan.vm, action="fix-confirmed", script="", params={}, result="ok",
                 remote_user=user, plan_id=plan.plan_id, cause=plan.cause, detail=plan.title)
    # Look again right before changing anything: the host may have changed since the preview. A fix that was
    # interrupted after it shut the VM down also starts it again (what the user confirmed), as the audit log shows.
    try:
        before, remaining, steps, fresh = _steps_still_needed(plan, session, vm_taken_down(audit, plan, maybe=True))
    except (PlanOutdated, PlanBlocked) as e:
        audit.record(host=plan.host, vm=plan.vm, action="fix-skipped", script="collect-host", params={},
                     result="blocked" if isinstance(e, PlanBlocked) else "outdated", remote_user=user,
                     plan_id=plan.plan_id, cause=plan.cause, detail=str(e))
        raise
    if not steps:
        outcome.nothing_to_do = True
        outcome.after = before
        outcome.remaining = remaining
        outcome.verified = not remaining
        if remaining:  # every step is already done; what is left is for a person
            outcome.left_to_you = fresh.manual_steps if fresh is not None else plan.manual_steps
        audit.record(host=plan.host, vm=plan.vm, action="fix-skipped", script="collect-host", params={},
                     result="nothing-to-do" if not remaining else "already-done", remote_user=user,
                     plan_id=plan.plan_id, cause=plan.cause,
                     detail="the problem is no longer present" if not remaining else
                     "hvassist's steps are already done; the rest is for a person")
        return outcome
    for step in steps:
        result = _run_step(plan, step, session, audit, user, on_step)
        outcome.steps.append(result)
        if not result.ok:
            break
    if verify:
        verify_plan(outcome, session, audit)
        if outcome.verified is False and outcome.ok:
            outcome.left_to_you = plan.manual_steps
    return outcome


def _run_step(plan: FixPlan, step: FixStep, session: HostSession, audit: AuditLog, user: str,
              on_step: StepCallback | None) -> StepResult:
    """One step on the host, audited whatever its result; ``on_step`` hears "running", then "done" or "failed"."""
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
                     result="cancelled" if e.kind == "cancelled" else "failed", remote_user=user,
                     plan_id=plan.plan_id, cause=plan.cause, step=step.id, detail=e.message)
    if on_step:
        on_step(step, "done" if result.ok else "failed")
    return result


def _blocked_text(plan: FixPlan) -> str:
    return "Not applied to %s: %s" % (plan.vm or plan.host, " ".join(
        "%s %s" % (p.text, p.how) for p in plan.blockers))


def _matching(plan: FixPlan, findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.cause == plan.cause and (f.vm_id == plan.vm_id if plan.vm_id else f.vm is None)]


def _steps_still_needed(plan: FixPlan, session: HostSession, taken_down: bool = False
                        ) -> tuple[HostSnapshot, list[Finding], list[FixStep], FixPlan | None]:
    """(fresh facts, the finding(s) still there, the confirmed steps still needed, the plan built now).
    ``taken_down``: an earlier, interrupted run of this plan shut the VM down, so its restoring steps are needed
    too (the plan built now, for a VM that is off, would not start it)."""
    from hvassist.fixes.catalogue import build_plan

    before = collect_snapshot(session)
    current = _matching(plan, run_rules(before))
    restoring = [s for s in plan.steps if s.restores] if taken_down else []
    if not current:
        return before, [], restoring, None
    fresh = build_plan(current[0], before)
    if fresh.blocked:
        raise PlanBlocked(_blocked_text(fresh))
    confirmed = {s.id for s in plan.steps}
    extra = [s.title for s in fresh.steps if s.id not in confirmed]
    if extra:
        raise PlanOutdated("%s changed since you reviewed the fix; it would now also need: %s. Review the fix "
                           "again." % (plan.vm or plan.host, "; ".join(extra)))
    wanted = {s.id for s in fresh.steps} | {s.id for s in restoring}
    return before, current, [s for s in plan.steps if s.id in wanted], fresh


def vm_taken_down(audit: AuditLog, plan: FixPlan, *, maybe: bool = False) -> bool:
    """True when, by the audit log, a step of this plan shut its VM down and no step of it started the VM again
    (an interrupted fix: the host restarted, the connection dropped, the user cancelled). With ``maybe``, a shut-down
    step that was cancelled or lost on the way counts too: it may have completed on the host."""
    steps = {s.id: s for s in plan.steps}
    down = False
    for e in audit.entries():
        step = steps.get(str(e.get("step") or ""))
        if e.get("plan") != plan.plan_id or e.get("action") != "fix-step" or step is None:
            continue
        if step.downtime and (e.get("result") == "ok" or maybe and e.get("result") in ("failed", "cancelled")):
            down = True
        elif step.restores and e.get("result") in ("ok", "no-change"):
            down = False
    return down


def restore_vm(plan: FixPlan, session: HostSession, audit: AuditLog, *, confirmed: bool,
               on_step: StepCallback | None = None) -> FixOutcome:
    """After an interrupted fix: only start the VM again (the plan's restoring steps), without finishing the
    change. Audited under the same plan; the host is looked at again afterwards (the finding stays)."""
    if not confirmed:
        raise NotConfirmed("the VM is started again only when the user asks for it")
    outcome = FixOutcome(plan, restored_only=True)
    user = session_user(session)
    for step in [s for s in plan.steps if s.restores]:
        result = _run_step(plan, step, session, audit, user, on_step)
        outcome.steps.append(result)
        if not result.ok:
            return outcome
    try:
        outcome.after = collect_snapshot(session)
        outcome.remaining = _matching(plan, run_rules(outcome.after))
    except RemoteError as e:
        log.warning("looking at %s after starting %s failed: %s", plan.host, plan.vm, e.message)
    return outcome


def verify_plan(outcome: FixOutcome, session: HostSession, audit: AuditLog) -> None:
    plan = outcome.plan
    try:
        outcome.after = collect_snapshot(session)
    except RemoteError as e:
        log.warning("verification of %s on %s failed: %s", plan.cause, plan.host, e.message)
        outcome.verified = None
        return
    outcome.remaining = _matching(plan, run_rules(outcome.after))
    outcome.verified = not outcome.remaining
    audit.record(host=plan.host, vm=plan.vm, action="fix-verified", script="collect-host", params={},
                 result="finding-gone" if outcome.verified else "finding-still-present",
                 remote_user=session_user(session), plan_id=plan.plan_id, cause=plan.cause)


def session_user(session: HostSession) -> str:
    return session.username


def _summary(output: dict[str, Any]) -> str:
    """``changed=True, state_before=Running, state_after=Off``: what changed, as the report reads it back."""
    keys = ["changed"] + [k for k in output if k.endswith(("_before", "_after"))]
    keys += [k for k in ("removed",) if output.get(k)]
    parts = []
    for k in keys:
        if k not in output:
            continue
        v = output[k]
        text = "; ".join(str(x) for x in v) if isinstance(v, list) else "" if v is None else str(v)
        parts.append("%s=%s" % (k, text.replace(",", ";")))
    return ", ".join(parts)
