"""``hvassist diagnose``: diagnose hosts (or a lab scenario) and print the findings."""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import os
import sys
from typing import Any

from hvassist.cli import host_progress
from hvassist.diagnose.findings import Finding
from hvassist.lab.model import ScenarioError
from hvassist.remote.endpoint import Endpoint, Timeouts, host_name_problem
from hvassist.services.diagnosis import Diagnosis, GuestCredentials, HostTarget, ProgressCallback, diagnose


def register(sub: Any) -> None:
    p = sub.add_parser("diagnose", help="diagnose backup problems on Hyper-V hosts",
                       description="Collect each host's VMs, VSS writers and events in one round trip and "
                       "report the causes of backup failures. Exit code: 0 clean, 1 findings, 2 could not "
                       "diagnose.")
    add_target_arguments(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def add_target_arguments(p: argparse.ArgumentParser) -> None:
    """What to diagnose and how to log on; shared by the commands that diagnose first (diagnose, report)."""
    p.add_argument("hosts", nargs="*", metavar="HOST", help="host names (or saved connection names); a cluster's "
                   "name is diagnosed node by node")
    p.add_argument("--cluster", action="append", default=[], metavar="NAME",
                   help="a cluster name: diagnose every node in parallel, with VM owners and CSV state "
                   "(repeatable; works with --lab)")
    p.add_argument("--lab", metavar="SCENARIO", help="start the built-in lab with this scenario and diagnose "
                   "all its hosts (or only --cluster NAME); its guest account, if it has one, is used for the "
                   "checks inside guests")
    p.add_argument("--guest-user", metavar="USER", help="an account valid inside the guests, for the checks "
                   "only a look inside a guest can do; the password is asked for, or read from "
                   "HVASSIST_GUEST_PASSWORD")
    p.add_argument("--no-guest-checks", action="store_true", help="do not look inside guests (list the "
                   "commands to run there instead)")
    p.add_argument("--user", help="user name (DOMAIN\\user); the password is asked for, or read from the "
                   "keyring for saved connections")
    p.add_argument("--transport", choices=["https", "http"], default="https",
                   help="https (port 5986, default) or http (port 5985, NTLM/Kerberos message encryption)")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--auth", choices=["ntlm", "kerberos", "credssp"], default="ntlm")
    p.add_argument("--allow-credssp", action="store_true",
                   help="allow CredSSP, which hands your password to the host (needed with --auth credssp)")
    p.add_argument("--ca-file", default="", help="extra CA certificate(s) to trust (PEM)")
    p.add_argument("--timeout", type=float, default=Timeouts.connect_read, metavar="SECONDS",
                   help="how long to wait for a host's answer to each request (default %(default)g)")
    p.add_argument("--script-timeout", type=float, default=Timeouts.script, metavar="SECONDS",
                   help="how long one check may run on a host, start to finish (default %(default)g)")


def run(args: argparse.Namespace) -> int:
    result = diagnose_from_args(args, progress=None if args.json else host_progress)
    if result is None:
        return 2
    return _print(result, args.json)


def diagnose_from_args(args: argparse.Namespace, progress: ProgressCallback | None) -> Diagnosis | None:
    """Diagnose the hosts named by ``add_target_arguments`` options (or the lab's); None when it could not
    start (the reason is printed)."""
    if args.lab:
        return _diagnose_lab(args, progress)
    if not args.hosts and not args.cluster:
        print("Name at least one host or --cluster NAME, or use --lab SCENARIO.", file=sys.stderr)
        return None
    targets = _targets_from_args(args, list(args.hosts) + list(args.cluster))
    if targets is None:
        return None
    guest = _guest_credentials(args)
    if guest is not None:
        targets = [dataclasses.replace(t, guest=guest) for t in targets]
    hosts, clusters = targets[:len(args.hosts)], targets[len(args.hosts):]
    return diagnose(hosts, clusters, progress=progress, timeouts=timeouts_from_args(args))


def timeouts_from_args(args: argparse.Namespace) -> Timeouts:
    return Timeouts(connect_read=max(1.0, float(getattr(args, "timeout", Timeouts.connect_read))),
                    script=max(5.0, float(getattr(args, "script_timeout", Timeouts.script))))


def _guest_credentials(args: argparse.Namespace) -> GuestCredentials | None:
    if args.no_guest_checks or not args.guest_user:
        return None
    password = os.environ.get("HVASSIST_GUEST_PASSWORD") or getpass.getpass("Password for %s (inside the "
                                                                             "guests): " % args.guest_user)
    return GuestCredentials(args.guest_user, password)


def _diagnose_lab(args: argparse.Namespace, progress: ProgressCallback | None) -> Diagnosis | None:
    from hvassist.lab.runtime import start_lab

    try:
        lab = start_lab(args.lab)
    except ScenarioError as e:
        print("Cannot start the lab: %s" % e, file=sys.stderr)
        return None
    try:
        guest = None
        if not args.no_guest_checks and lab.guest_username and lab.guest_password:
            guest = GuestCredentials(lab.guest_username, lab.guest_password)

        def target(name: str) -> HostTarget:
            return HostTarget(lab.endpoint(name), lab.username, lab.password, guest=guest, resolve=lab.endpoint)

        unknown = [c for c in args.cluster if c.lower() not in {n.lower() for n in lab.cluster_names()}]
        if unknown:
            print("The lab scenario %s has no cluster named %s (it has: %s)." % (
                args.lab, ", ".join(unknown), ", ".join(lab.cluster_names()) or "none"), file=sys.stderr)
            return None
        names = list(args.hosts) or ([] if args.cluster else lab.hyperv_host_names())
        return diagnose([target(h) for h in names], [target(c) for c in args.cluster], progress=progress,
                        timeouts=timeouts_from_args(args))
    finally:
        lab.stop()


def _targets_from_args(args: argparse.Namespace, names: list[str]) -> list[HostTarget] | None:
    from hvassist.connections import ConnectionStore

    for name in names:  # before any password is asked for
        problem = host_name_problem(name)
        if problem:
            print(problem, file=sys.stderr)
            return None
    store = ConnectionStore.default()
    targets = []
    password_cache: dict[str, str] = {}
    for name in names:
        saved = store.find_host(name)
        if saved is not None and not args.user:
            resolved = store.resolve(saved)
            if resolved.password is None:
                print("No password is saved for %s. Add it in the app, or use --user." % name, file=sys.stderr)
                return None
            targets.append(HostTarget(resolved.endpoint, resolved.username, resolved.password))
            continue
        user = args.user or os.environ.get("USERNAME") or getpass.getuser()
        if user not in password_cache:
            # for scripts: HVASSIST_PASSWORD (never a command-line argument, which other users can see)
            password_cache[user] = os.environ.get("HVASSIST_PASSWORD") or getpass.getpass(
                "Password for %s: " % user)
        ep = Endpoint(host=name, port=args.port, transport=args.transport, auth=args.auth, ca_file=args.ca_file,
                      allow_credssp=args.allow_credssp)
        targets.append(HostTarget(ep, user, password_cache[user]))
    return targets


def _print(result: Diagnosis, as_json: bool) -> int:
    if as_json:
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
        return result.exit_code
    for c in result.clusters:
        _print_cluster(c.to_json())
    for h in result.hosts:
        if h.error is not None:
            print("\n%s: could not be diagnosed.\n  %s\n  What to do: %s" % (h.host, h.error.message,
                                                                           h.error.action))
    findings = result.findings
    if not findings and all(h.ok for h in result.hosts):
        print("\nNo backup problems found on %d host(s)." % len(result.hosts))
    for f in findings:
        _print_finding(f)
    rows = [(h.host, vm.name, h.readiness[vm.id]) for h in result.hosts if h.snapshot
            for vm in h.snapshot.vms if vm.id in h.readiness]
    if rows:
        print("\nNext backup of each VM:")
        for host, vm, r in rows:
            print("  %-24s %-28s %s" % (host, vm, r.verdict))
            for reason in r.reasons[:3]:
                print("      - %s" % reason)
    groups: dict[tuple[str, str, tuple[str, ...]], list[str]] = {}
    for p in result.pending:  # one block per kind of look, naming every VM or server it concerns
        groups.setdefault((p.where, p.reason, tuple(cmd for _c, cmd in p.commands)), []).append(
            "%s (on %s)" % (p.target, p.host) if p.where == "guest" else p.target)
    for (where, reason, commands), targets in groups.items():
        place = "inside the guest(s)" if where == "guest" else "on the file server(s)"
        print("\nNeeds a look %s %s.\n  Why: %s\n  Run there:" % (place, ", ".join(targets), reason))
        for cmd in commands:
            print("    %s" % cmd)
    return result.exit_code


def _print_cluster(c: dict[str, Any]) -> None:
    print("\nCluster %s" % c["name"])
    if c.get("error"):
        print("  could not be reached: %s" % c["error"]["message"])
        return
    for n in c["nodes"]:
        state = "checked" if n["status"] == "ok" else "NOT CHECKED: %s" % n.get("error", {}).get("message", "")
        print("  node %-20s cluster says %-8s %s" % (n["name"], n["cluster_state"] or "?", state))
    if c["unreachable_nodes"]:
        print("  Unreachable node(s): %s. Their VMs could not be checked." % ", ".join(c["unreachable_nodes"]))
    for csv in c["csvs"]:
        states = ", ".join("%s: %s%s" % (node, st["state"], " (%s)" % st["reason"] if st["reason"] else "")
                           for node, st in csv["node_states"].items())
        print("  CSV %s (%s) owner %s, %s%s" % (csv["name"], csv["path"], csv["owner"], csv["state"],
                                               "; " + states if states else ""))
    for vm in c["vms"]:
        verdict = vm["readiness"]["verdict"] if vm.get("readiness") else vm.get("note", "")
        print("  VM %-28s owner %-20s %s" % (vm["name"], vm["owner_node"], verdict))


def _print_finding(f: Finding) -> None:
    where = "%s on %s" % (f.vm, f.host) if f.vm else f.host
    print("\n[%s] %s — %s (%s)" % (f.severity.upper(), where, f.title, f.cause))
    for e in f.evidence:
        print("  - %s" % e.as_text())
