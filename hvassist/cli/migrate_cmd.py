"""``hvassist migrate``: check a cross-domain move (2008 R2 cluster → 2012 R2+ cluster, shared SAN,
register in place), write the destination runbook, record confirmations, run operations.

The migration's state is saved in the data folder under the pair of cluster names, so the commands
can be run one after the other (and mixed with the app's wizard). With ``--lab SCENARIO`` a fresh
lab runs for that one command and nothing is saved.

Exit codes: 0 every step passed / the operation ran, 1 something is still open or failed, 2 could
not run (a cluster cannot be reached, wrong arguments).
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hvassist.audit import AuditLog
from hvassist.cli import host_progress
from hvassist.flows.migrate_flow import MigrationFlow, NotAllowedYet
from hvassist.lab.model import ScenarioError
from hvassist.migrate.access import AccessError, ClusterAccess, EndpointAccess, LabAccess, access_for
from hvassist.migrate.checklist import Checklist
from hvassist.migrate.state import ClusterRef, MigrationStore
from hvassist.migrate.steps import PASSED, STATUS_WORDS
from hvassist.paths import app_paths
from hvassist.remote.endpoint import Endpoint
from hvassist.remote.errors import RemoteError

MARKS = {"passed": "[ok]", "failed": "[!!]", "not-started": "[  ]", "needs-manual-confirmation": "[??]"}


def register(sub: Any) -> None:
    p = sub.add_parser("migrate", help="check and run a move of VMs from a 2008 R2 cluster to a 2012 R2+ cluster",
                       description="Cross-domain migration over a shared SAN, registering the VMs in place "
                       "(no export). Exit code: 0 done, 1 still open, 2 could not run.")
    msub = p.add_subparsers(dest="migrate_command", metavar="MIGRATE_COMMAND", required=True)

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("--source", required=True, metavar="CLUSTER", help="the 2008 R2 source cluster")
        q.add_argument("--dest", required=True, metavar="CLUSTER", help="the 2012 R2+ destination cluster")
        q.add_argument("--lab", metavar="SCENARIO", help="run against a fresh built-in lab (e.g. 'migration') "
                       "for this command only; nothing is saved")
        q.add_argument("--csv", action="append", default=[], metavar="NAME",
                       help="a CSV to move (repeat for several; default: every CSV of the source cluster)")
        q.add_argument("--map", action="append", default=[], metavar="OLD=NEW",
                       help="connect adapters on the source switch OLD to the destination switch NEW "
                       "(OLD= leaves them unconnected)")
        q.add_argument("--source-user", default="", help="DOMAIN\\user for the source (password: "
                       "HVASSIST_SOURCE_PASSWORD or asked)")
        q.add_argument("--dest-user", default="", help="DOMAIN\\user for the destination (password: "
                       "HVASSIST_DEST_PASSWORD or asked)")
        q.add_argument("--transport", choices=["https", "http"], default="https")
        q.add_argument("--port", type=int, default=0)
        q.add_argument("--auth", choices=["ntlm", "kerberos", "credssp"], default="ntlm")
        q.add_argument("--ca-file", default="", help="extra CA certificate(s) to trust (PEM)")
        q.add_argument("--json", action="store_true", help="machine-readable output")

    check = msub.add_parser("check", help="run the checklist against both clusters")
    common(check)
    check.set_defaults(func=run_check)
    book = msub.add_parser("runbook", help="write the destination runbook as a .ps1 (after a check)")
    common(book)
    book.add_argument("--out", required=True, metavar="FILE.ps1", help="where to write the runbook")
    book.set_defaults(func=run_runbook)
    confirm = msub.add_parser("confirm", help="record a manual confirmation (SAN masking, AD, backup) with a note")
    common(confirm)
    confirm.add_argument("--check", required=True, metavar="ID", help="e.g. san-unmasked, san-presented, backup, "
                         "destination-validated, test-backup")
    confirm.add_argument("--note", required=True, help="what you checked (kept with the migration and audited)")
    confirm.add_argument("--withdraw", action="store_true", help="withdraw the confirmation")
    confirm.set_defaults(func=run_confirm)
    run = msub.add_parser("run", help="run one operation (a fix from the checklist or a runbook step)")
    common(run)
    what = run.add_mutually_exclusive_group(required=True)
    what.add_argument("--op", metavar="ID", help="operation id, as 'action' in the check output")
    what.add_argument("--next", action="store_true", help="the next step of the runbook")
    run.add_argument("--yes", action="store_true", help="confirm: without it nothing is changed, the preview is "
                     "printed")
    run.set_defaults(func=run_operation)


# -- plumbing ---------------------------------------------------------------------------------------
@contextlib.contextmanager
def _flow(args: argparse.Namespace) -> Iterator[MigrationFlow]:
    if args.lab:
        from hvassist.lab.runtime import start_lab

        lab = start_lab(args.lab)
        tmp = tempfile.TemporaryDirectory(prefix="hvassist-migrate-lab-")
        try:
            store = MigrationStore(Path(tmp.name))
            flow = MigrationFlow(store, AuditLog(Path(tmp.name) / "audit.jsonl"), lambda ref: LabAccess(lab))
            flow.start(ClusterRef(args.source, lab=args.lab), ClusterRef(args.dest, lab=args.lab), args.csv)
            _apply_mapping(flow, args.map, check=False)
            yield flow
        finally:
            lab.stop()
            tmp.cleanup()
        return
    paths = app_paths().ensure()
    store = MigrationStore()
    accesses = {"source": _access(args, args.source, args.source_user, "HVASSIST_SOURCE_PASSWORD"),
                "dest": _access(args, args.dest, args.dest_user, "HVASSIST_DEST_PASSWORD")}

    def resolve(ref: ClusterRef) -> ClusterAccess:
        return accesses["source"] if ref.name.lower() == args.source.lower() else accesses["dest"]

    flow = MigrationFlow(store, AuditLog(paths.audit_log), resolve)
    saved = store.find(args.source, args.dest)
    if saved is not None:
        flow.resume(saved)
    else:
        flow.start(ClusterRef(args.source), ClusterRef(args.dest), args.csv)
    _apply_mapping(flow, args.map, check=False)
    yield flow


def _access(args: argparse.Namespace, name: str, user: str, env: str) -> ClusterAccess:
    from hvassist.connections import ConnectionStore

    store = ConnectionStore.default()
    saved = store.find_host(name)
    if saved is not None and not user:
        return access_for(ClusterRef(name, connection=saved.id), connections=store)
    user = user or os.environ.get("USERNAME") or getpass.getuser()
    # HVASSIST_*_PASSWORD for scripts (never a command-line argument, which other users can see)
    password = os.environ.get(env) or getpass.getpass("Password for %s on %s: " % (user, name))
    ep = Endpoint(host=name, port=args.port, transport=args.transport, auth=args.auth, ca_file=args.ca_file)
    return EndpointAccess(ep, user, password)


def _apply_mapping(flow: MigrationFlow, pairs: list[str], check: bool) -> None:
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old:
            raise ValueError("--map takes OLD=NEW (or OLD= to leave the adapters unconnected), not %r" % pair)
        state = flow.state
        assert state is not None
        for key in [k for k in state.switch_map if k.lower() == old.lower()]:
            del state.switch_map[key]
        state.switch_map[old] = new
    if pairs:
        flow.save()


def _guard(func: Any) -> Any:
    def wrapper(args: argparse.Namespace) -> int:
        try:
            return int(func(args))
        except (AccessError, ScenarioError, ValueError, KeyError) as e:
            print("hvassist migrate: %s" % (e.args[0] if e.args else e), file=sys.stderr)
            return 2
        except RemoteError as e:
            print("hvassist migrate: %s\nWhat to do: %s" % (e.message, e.action), file=sys.stderr)
            return 2
    return wrapper


# -- commands ---------------------------------------------------------------------------------------
@_guard
def run_check(args: argparse.Namespace) -> int:
    with _flow(args) as flow:
        checklist = flow.check(progress=None if args.json else host_progress)
        if args.json:
            doc = {"migration": flow.state.id if flow.state else "", **checklist.to_json(),
                   "downtime": flow.downtime_text()}
            print(json.dumps(doc, indent=2, ensure_ascii=False))
        else:
            _print_checklist(flow, checklist)
        return 0 if all(s.status == PASSED for s in checklist.steps) else 1


def _print_checklist(flow: MigrationFlow, checklist: Checklist) -> None:
    state = flow.state
    assert state is not None
    print("\nMigration %s (%s), checked %s" % (state.title, state.id, checklist.checked_at))
    for s in checklist.steps:
        print("\n%s %2d. %s — %s (%s)" % (MARKS[s.status], s.step.kb, s.step.title, STATUS_WORDS[s.status],
                                          s.step.id))
        for b in s.blockers:
            print("      %s: %s\n        What to do: %s%s" % (b.vm or "(cluster/SAN)", b.problem, b.fix,
                                                            "\n        hvassist can do it: --op %s" % b.action
                                                            if b.action else ""))
        for t in s.todo:
            print("      to do: %s%s" % (t.text, "  [--op %s]" % t.action if t.action else ""))
        for m in s.manual:
            print("      %s %s%s" % ("confirmed:" if m.confirmed else "confirm (--check %s):" % m.id, m.text,
                                     " — note: %s" % m.note if m.note else ""))
        for w in s.warnings:
            print("      note: %s" % w)
    print("\n%s" % flow.downtime_text())
    reasons = checklist.runbook_blockers()
    print("Runbook: %s" % ("ready to run (hvassist migrate run --next --yes, or export it with 'migrate runbook')."
                           if not reasons else "not yet — " + " ".join(reasons)))


@_guard
def run_runbook(args: argparse.Namespace) -> int:
    with _flow(args) as flow:
        flow.check(progress=None if args.json else host_progress)
        if not flow.state or not flow.state.manifest:
            print("No VMs were found on the CSV(s) to move, so there is no runbook to write.", file=sys.stderr)
            return 2
        out = Path(args.out)
        flow.export_runbook(out)
        ops = flow.runbook()
        if args.json:
            print(json.dumps({"out": str(out), "steps": [op.to_json() for op in ops],
                              "runbook_blockers": flow.checklist.runbook_blockers()}, indent=2))
        else:
            print("Wrote the runbook (%d steps) to %s. Run it on %s." % (len(ops), out, ops[0].host if ops else "?"))
            for reason in flow.checklist.runbook_blockers():
                print("  Before you run it: %s" % reason)
        return 0


@_guard
def run_confirm(args: argparse.Namespace) -> int:
    with _flow(args) as flow:
        flow.confirm(args.check, args.note, confirmed=not args.withdraw)
        print("%s %s." % ("Withdrew" if args.withdraw else "Recorded", args.check))
        return 0


@_guard
def run_operation(args: argparse.Namespace) -> int:
    with _flow(args) as flow:
        if not flow.checked or args.lab:
            flow.check(progress=None if args.json else host_progress)
        op = flow.next_runbook_op() if args.next else flow.operation(args.op)
        if op is None:
            print("The runbook has run to the end.")
            return 0
        if not args.yes:
            print(op.confirmation_text())
            print("\nThis is a preview. Add --yes to run it.\n\n" + op.preview())
            return 1
        try:
            outcome = flow.run(op.id, confirmed=True)
        except NotAllowedYet as e:
            print("Not yet: %s" % e, file=sys.stderr)
            return 1
        if args.json:
            print(json.dumps({"op": op.to_json(), "ok": outcome.ok, "changed": outcome.changed,
                              "output": outcome.output,
                              "error": outcome.error.to_dict() if outcome.error else None}, indent=2))
        else:
            print(outcome.message)
            if outcome.error is not None:
                print("What to do: %s" % outcome.error.action)
        return 0 if outcome.ok else 1
