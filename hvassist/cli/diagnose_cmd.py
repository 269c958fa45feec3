"""``hvassist diagnose``: diagnose hosts (or a lab scenario) and print the findings."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import Any

from hvassist.diagnose.findings import Finding
from hvassist.lab.model import ScenarioError
from hvassist.remote.endpoint import Endpoint
from hvassist.services.diagnosis import Diagnosis, HostTarget, ProgressCallback, diagnose_hosts


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
    p.add_argument("hosts", nargs="*", metavar="HOST", help="host names (or saved connection names)")
    p.add_argument("--lab", metavar="SCENARIO", help="start the built-in lab with this scenario and diagnose "
                   "all its hosts")
    p.add_argument("--user", help="user name (DOMAIN\\user); the password is asked for, or read from the "
                   "keyring for saved connections")
    p.add_argument("--transport", choices=["https", "http"], default="https",
                   help="https (port 5986, default) or http (port 5985, NTLM/Kerberos message encryption)")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--auth", choices=["ntlm", "kerberos", "credssp"], default="ntlm")
    p.add_argument("--ca-file", default="", help="extra CA certificate(s) to trust (PEM)")


def run(args: argparse.Namespace) -> int:
    result = diagnose_from_args(args, progress=None if args.json else _progress)
    if result is None:
        return 2
    return _print(result, args.json)


def diagnose_from_args(args: argparse.Namespace, progress: ProgressCallback | None) -> Diagnosis | None:
    """Diagnose the hosts named by ``add_target_arguments`` options (or the lab's); None when it could not
    start (the reason is printed)."""
    if args.lab:
        return _diagnose_lab(args, progress)
    if not args.hosts:
        print("Name at least one host, or use --lab SCENARIO.", file=sys.stderr)
        return None
    targets = _targets_from_args(args)
    if targets is None:
        return None
    return diagnose_hosts(targets, progress=progress)


def _diagnose_lab(args: argparse.Namespace, progress: ProgressCallback | None) -> Diagnosis | None:
    from hvassist.lab.runtime import start_lab

    try:
        lab = start_lab(args.lab)
    except ScenarioError as e:
        print("Cannot start the lab: %s" % e, file=sys.stderr)
        return None
    try:
        targets = [HostTarget(lab.endpoint(h), lab.username, lab.password) for h in lab.host_names()]
        return diagnose_hosts(targets, progress=progress)
    finally:
        lab.stop()


def _targets_from_args(args: argparse.Namespace) -> list[HostTarget] | None:
    from hvassist.connections import ConnectionStore

    store = ConnectionStore.default()
    targets = []
    password_cache: dict[str, str] = {}
    for name in args.hosts:
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
        ep = Endpoint(host=name, port=args.port, transport=args.transport, auth=args.auth, ca_file=args.ca_file)
        targets.append(HostTarget(ep, user, password_cache[user]))
    return targets


def _progress(host: str, message: str) -> None:
    print("%s: %s" % (host, message), file=sys.stderr, flush=True)


def _print(result: Diagnosis, as_json: bool) -> int:
    if as_json:
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
        return result.exit_code
    for h in result.hosts:
        if h.error is not None:
            print("\n%s: could not be diagnosed.\n  %s\n  What to do: %s" % (h.host, h.error.message,
                                                                           h.error.action))
    findings = result.findings
    if not findings and all(h.ok for h in result.hosts):
        print("\nNo backup problems found on %d host(s)." % len(result.hosts))
    for f in findings:
        _print_finding(f)
    return result.exit_code


def _print_finding(f: Finding) -> None:
    where = "%s on %s" % (f.vm, f.host) if f.vm else f.host
    print("\n[%s] %s — %s (%s)" % (f.severity.upper(), where, f.title, f.cause))
    for e in f.evidence:
        print("  - %s" % e.as_text())
