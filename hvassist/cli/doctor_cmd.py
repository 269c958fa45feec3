"""``hvassist doctor HOST``: why can't hvassist connect to this host? Nine checks, in order, with the fix."""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import os
import sys
from typing import Any

from hvassist.lab.model import ScenarioError
from hvassist.remote.endpoint import Endpoint, normalise_fingerprint
from hvassist.services.doctor import FAIL, PASS, SKIPPED, WARN, DoctorReport, StepResult, run_doctor


def register(sub: Any) -> None:
    p = sub.add_parser(
        "doctor", help="check step by step why a host cannot be reached, and what to do",
        description="Run the connection doctor against a host: name, port, certificate, WinRM, logon, "
        "encryption, PowerShell, Hyper-V and the account's rights, in that order. It stops at the first "
        "failure and says what to do. Exit code: 0 all passed, 1 a check failed, 2 could not run.")
    p.add_argument("hosts", nargs="*", metavar="HOST", help="a saved connection's name, or a host name; with "
                   "--lab, a host of the scenario (all of them when omitted)")
    p.add_argument("--lab", metavar="SCENARIO", help="start the built-in lab with this scenario (for example "
                   "'doctor', whose hosts each fail at one step) and check its hosts")
    p.add_argument("--user", help="user name (DOMAIN\\user); the password is asked for, or read from the keyring "
                   "for saved connections (scripts: HVASSIST_PASSWORD)")
    p.add_argument("--transport", choices=["https", "http"], help="https (port 5986, default) or http (5985)")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--auth", choices=["ntlm", "kerberos", "credssp", "basic"], help="logon method (default ntlm)")
    p.add_argument("--allow-credssp", action="store_true", help="allow CredSSP, which hands your password to "
                   "the host")
    p.add_argument("--ca-file", default="", help="extra CA certificate(s) to trust (PEM)")
    p.add_argument("--trust-fingerprint", metavar="SHA256", default="",
                   help="trust the host's certificate with this SHA-256 fingerprint (as the doctor shows it); "
                   "for a saved connection it is remembered once the check passes")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.lab:
        return _run_lab(args)
    if len(args.hosts) != 1:
        print("Name one host (or use --lab SCENARIO).", file=sys.stderr)
        return 2
    return _run_host(args, args.hosts[0])


def _apply_overrides(ep: Endpoint, args: argparse.Namespace) -> Endpoint:
    changes: dict[str, Any] = {}
    if args.transport:
        changes["transport"] = args.transport
        if not args.port:
            changes["port"] = 0
    if args.port:
        changes["port"] = args.port
    if args.auth:
        changes["auth"] = args.auth
    if args.allow_credssp:
        changes["allow_credssp"] = True
    if args.ca_file:
        changes["ca_file"] = args.ca_file
    if args.trust_fingerprint:
        changes["pinned_sha256"] = normalise_fingerprint(args.trust_fingerprint)
    return dataclasses.replace(ep, **changes)


def _run_lab(args: argparse.Namespace) -> int:
    from hvassist.lab.runtime import start_lab

    try:
        lab = start_lab(args.lab)
    except ScenarioError as e:
        print("Cannot start the lab: %s" % e, file=sys.stderr)
        return 2
    try:
        names = args.hosts or lab.host_names()
        unknown = [n for n in names if n.lower() not in {h.lower() for h in lab.host_names()}
                   and n.lower() not in {c.name.lower() for c in lab.estate.clusters}]
        if unknown:
            print("The lab scenario %s has no host %s (hosts: %s)." % (lab.estate.name, ", ".join(unknown),
                                                                       ", ".join(lab.host_names())), file=sys.stderr)
            return 2
        reports = [run_doctor(_apply_overrides(lab.endpoint(n), args), args.user or lab.username, lab.password,
                              on_step=None if args.json else _live)
                   for n in names]
    finally:
        lab.stop()
    return _print(reports, args.json, single=len(args.hosts) == 1)


def _run_host(args: argparse.Namespace, name: str) -> int:
    from hvassist.connections import ConnectionStore

    store = ConnectionStore.default()
    saved = store.find_host(name)
    if saved is not None and not args.user:
        resolved = store.resolve(saved)
        endpoint, user, password = resolved.endpoint, resolved.username, resolved.password
        if user and password is None:
            password = _ask_password(user, "%s (%s)" % (saved.name, resolved.credential_from or "own"))
    else:
        endpoint = Endpoint(host=name)
        user = args.user or os.environ.get("USERNAME") or getpass.getuser()
        password = _ask_password(user, name)
    endpoint = _apply_overrides(endpoint, args)
    report = run_doctor(endpoint, user, password, on_step=None if args.json else _live)
    if saved is not None and args.trust_fingerprint and report.step("tls").status == PASS:
        store.pin_certificate(saved.id, endpoint.pinned_sha256)
        if not args.json:
            print("The certificate is now trusted for %s." % saved.name, file=sys.stderr)
    return _print([report], args.json, single=True)


def _ask_password(user: str, what: str) -> str:
    # for scripts: HVASSIST_PASSWORD (never a command-line argument, which other users can see)
    return os.environ.get("HVASSIST_PASSWORD") or getpass.getpass("Password for %s on %s: " % (user, what))


def _live(step: StepResult) -> None:
    if not sys.stderr.isatty():
        return
    marks = {PASS: "ok", WARN: "warning", FAIL: "FAILED", SKIPPED: "not used"}
    if step.status in marks:
        print("  %-28s %s" % (step.title, marks[step.status]), file=sys.stderr, flush=True)


def _print(reports: list[DoctorReport], as_json: bool, single: bool) -> int:
    if as_json:
        doc: Any = reports[0].to_json() if single else {"hosts": [r.to_json() for r in reports]}
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        for i, r in enumerate(reports):
            if i:
                print()
            print(r.as_text())
    if any(r.cancelled for r in reports):
        return 2
    return 0 if all(r.ok for r in reports) else 1
