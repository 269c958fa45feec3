"""``hvassist fix``: preview, confirm and apply the guided fix for one finding, as the wizard does.

The host is collected, the finding looked up (cause, and VM unless the cause is host-wide), the plan printed
(what it does, downtime, risk, undo, preconditions, the steps and what is left to a person). Nothing changes
without ``--yes`` or a typed "yes". Every step goes to the audit log; the host is collected again to verify.
Exit code: 0 fixed (or nothing to do), 1 instructions only, or the problem is still reported (e.g. a step is
left to a person), 2 could not apply (blocked, refused, failed, not confirmed).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import Any

from hvassist.fixes.apply import FixOutcome, PlanBlocked, PlanOutdated, apply_plan
from hvassist.fixes.plan import FixPlan, FixStep
from hvassist.remote.errors import RemoteError


def register(sub: Any) -> None:
    p = sub.add_parser("fix", help="preview and apply the guided fix for one finding",
                       description="Collect the host, show the guided fix for one finding (what it does, downtime, "
                       "risk, how to undo it, the exact PowerShell with --show-script) and apply it after "
                       "confirmation, with an audit record per step and a second collection to verify. Exit code: "
                       "0 fixed or nothing to do, 1 instructions only or still reported, 2 not applied.")
    p.add_argument("host", metavar="HOST", help="the host (a cluster node: the one that owns the VM)")
    p.add_argument("--cause", required=True, help="the cause id of the finding, e.g. backup-ic-disabled")
    p.add_argument("--vm", help="the VM the finding is on (leave out for a host-wide cause)")
    p.add_argument("--lab", metavar="SCENARIO", help="apply it in the built-in lab (a throwaway copy of the scenario)")
    p.add_argument("--yes", action="store_true", help="apply without asking (the preview is still printed)")
    p.add_argument("--preview-only", action="store_true", help="show the plan and change nothing")
    p.add_argument("--show-script", action="store_true", help="also print the exact PowerShell of every step")
    p.add_argument("--json", action="store_true", help="machine-readable output (needs --yes or --preview-only)")
    p.add_argument("--user", help="user name (DOMAIN\\user); the password is asked for, or read from "
                   "HVASSIST_PASSWORD")
    p.add_argument("--transport", choices=["https", "http"], default="https")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--auth", choices=["ntlm", "kerberos", "credssp"], default="ntlm")
    p.add_argument("--ca-file", default="", help="extra CA certificate(s) to trust (PEM)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.json and not (args.yes or args.preview_only):
        print("--json needs --yes or --preview-only (there is no prompt in JSON mode).", file=sys.stderr)
        return 2
    if args.lab:
        from hvassist.lab.model import ScenarioError
        from hvassist.lab.runtime import start_lab

        try:
            lab = start_lab(args.lab)
        except ScenarioError as e:
            print("Cannot start the lab: %s" % e, file=sys.stderr)
            return 2
        try:
            if args.host.lower() not in {h.lower() for h in lab.hyperv_host_names()}:
                print("The lab scenario %s has no Hyper-V host named %s (it has: %s)." % (
                    args.lab, args.host, ", ".join(lab.hyperv_host_names())), file=sys.stderr)
                return 2
            return _fix(args, lab.endpoint(args.host), lab.username, lab.password)
        finally:
            lab.stop()
    from hvassist.remote.endpoint import Endpoint

    user = args.user or os.environ.get("USERNAME") or getpass.getuser()
    password = os.environ.get("HVASSIST_PASSWORD") or getpass.getpass("Password for %s: " % user)
    ep = Endpoint(host=args.host, port=args.port, transport=args.transport, auth=args.auth, ca_file=args.ca_file)
    return _fix(args, ep, user, password)


def _fix(args: argparse.Namespace, endpoint: Any, username: str, password: str) -> int:
    from hvassist.audit import AuditLog
    from hvassist.diagnose.engine import run_rules
    from hvassist.fixes.catalogue import build_plan
    from hvassist.paths import app_paths
    from hvassist.remote.session import HostSession
    from hvassist.services.diagnosis import collect_snapshot

    out = _Printer(args.json)
    try:
        with HostSession(endpoint, username, password) as session:
            snapshot = collect_snapshot(session)
            found = [f for f in run_rules(snapshot) if f.cause == args.cause
                     and ((f.vm or "").lower() == args.vm.lower() if args.vm else f.vm is None)]
            where = "%s on %s" % (args.vm, args.host) if args.vm else args.host
            if not found:
                out.say("Nothing to do: hvassist finds no '%s' problem on %s." % (args.cause, where))
                out.doc.update(status="nothing-to-do")
                return out.done(0)
            plan = build_plan(found[0], snapshot)
            out.doc["plan"] = plan.to_json()
            out.plan(plan, args.show_script)
            if plan.nothing_to_do:
                out.doc.update(status="nothing-to-do")
                return out.done(0)
            if not plan.automatic:
                out.doc.update(status="instructions")
                return out.done(1)
            if plan.blocked:
                out.say("\nNot applied: a precondition is not met (see above). Nothing was changed.")
                out.doc.update(status="blocked")
                return out.done(2)
            if args.preview_only:
                out.doc.update(status="preview")
                return out.done(0)
            if not args.yes and not _ask(plan):
                out.say("Not applied. Nothing was changed.")
                out.doc.update(status="not-confirmed")
                return out.done(2)
            audit = AuditLog(app_paths().audit_log)
            outcome = apply_plan(plan, session, audit, confirmed=True,
                                 on_step=None if args.json else _progress)
    except (PlanBlocked, PlanOutdated) as e:
        out.say("\nNot applied: %s" % e)
        out.doc.update(status="blocked", message=str(e))
        return out.done(2)
    except RemoteError as e:
        out.say("%s: %s\nWhat to do: %s" % (e.host, e.message, e.action))
        out.doc.update(status="error", error=e.to_dict())
        return out.done(2)
    return out.done(out.outcome(outcome))


def _ask(plan: FixPlan) -> bool:
    if not sys.stdin.isatty():
        print("\nNo terminal to ask for confirmation: add --yes to apply, or --preview-only.", file=sys.stderr)
        return False
    prompt = "\nApply this fix to %s now? %sType yes to apply: " % (
        plan.vm or plan.host, "It cannot be undone. " if not plan.reversible else "")
    try:
        return input(prompt).strip().lower() == "yes"
    except EOFError:
        return False


def _progress(step: FixStep, state: str) -> None:
    marks = {"running": "...", "done": "done", "failed": "FAILED"}
    if state != "running":
        print("  %-6s %s" % (marks[state], step.title), flush=True)
    else:
        print("  ...    %s" % step.title, flush=True)


class _Printer:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.doc: dict[str, Any] = {}

    def say(self, text: str) -> None:
        if not self.as_json:
            print(text)

    def plan(self, plan: FixPlan, show_script: bool) -> None:
        if self.as_json:
            return
        print("%s\n%s\n" % (plan.title, "=" * min(len(plan.title), 100)))
        print(plan.summary + "\n")
        print(plan.confirmation_text().split("\n", 2)[2] if plan.confirmation_text().count("\n") >= 2 else "")
        pre = [p for p in plan.preconditions if not p.blocking and not p.satisfied]
        if pre:
            print("\nBefore that:")
            for p in pre:
                print("  - %s %s" % (p.text, p.how))
        if plan.verify:
            print("\nAfterwards: %s" % plan.verify)
        if show_script and plan.steps:
            print("\nThe exact PowerShell (parameters are passed as data):\n")
            print(plan.preview())
        elif plan.steps:
            print("\n(--show-script prints the exact PowerShell of each step.)")

    def outcome(self, outcome: FixOutcome) -> int:
        code = 0 if outcome.verified else 2 if not outcome.ok else 1
        status = ("nothing-to-do" if outcome.nothing_to_do and outcome.verified else
                  "fixed" if outcome.verified and outcome.ok else "failed" if not outcome.ok else
                  "left-to-you" if outcome.left_to_you else "still-reported" if outcome.verified is False else
                  "not-verified")
        failed = outcome.failed_step
        self.doc.update(status=status, verified=outcome.verified, steps=[
            {"id": s.step.id, "ok": s.ok, "changed": s.changed, "output": s.output,
             "error": s.error.to_dict() if s.error else None} for s in outcome.steps],
            left_to_you=list(outcome.left_to_you))
        if failed is not None and failed.error is not None:
            self.say("\nThe step '%s' failed: %s\n%s" % (failed.step.title, failed.error.message,
                                                        failed.error.detail.strip()))
        elif status == "nothing-to-do":
            self.say("\nNothing to do: the host was checked again and the problem is already gone.")
        elif status == "fixed":
            self.say("\nFixed: hvassist checked the host again and the problem is gone.")
        elif outcome.left_to_you:
            self.say("\nhvassist's part is done. The problem is still reported until you do this:")
            for i, m in enumerate(outcome.left_to_you, 1):
                self.say("  %d. %s" % (i, m))
        elif outcome.verified is False:
            self.say("\nThe steps ran, but the problem is still reported. Diagnose again for details.")
        else:
            self.say("\nThe steps ran, but hvassist could not check the host again. Diagnose again later.")
        return code

    def done(self, code: int) -> int:
        if self.as_json:
            self.doc["exit_code"] = code
            print(json.dumps(self.doc, indent=2, ensure_ascii=False))
        return code
