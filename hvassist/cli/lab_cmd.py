"""``hvassist lab serve``: run a lab scenario as WinRM endpoints on 127.0.0.1."""

from __future__ import annotations

import argparse
import json
import signal
import threading
from typing import Any

from hvassist.lab.model import ScenarioError
from hvassist.lab.runtime import start_lab


def register(sub: Any) -> None:
    p = sub.add_parser("lab", help="run the built-in lab (a simulated Hyper-V estate)")
    lab_sub = p.add_subparsers(dest="lab_command", metavar="LAB_COMMAND", required=True)
    serve = lab_sub.add_parser("serve", help="serve a scenario's hosts as WinRM endpoints on 127.0.0.1")
    serve.add_argument("--scenario", default="seed", help="scenario name or .toml file (default: seed)")
    serve.add_argument("--https", action="store_true", help="HTTPS listeners with a generated CA "
                       "(default: HTTP with NTLM message encryption)")
    serve.add_argument("--json", action="store_true", help="print the endpoints as JSON")
    serve.set_defaults(func=run_serve)
    backup = lab_sub.add_parser("backup", help="run a simulated backup job on a lab VM and print its stages")
    backup.add_argument("vm", help="the VM to back up (e.g. VM001)")
    backup.add_argument("--scenario", default="seed", help="scenario name or .toml file (default: seed)")
    backup.add_argument("--step", type=float, default=None, metavar="SECONDS", help="length of one job step")
    backup.add_argument("--json", action="store_true", help="one JSON object per step, then the outcome")
    backup.set_defaults(func=run_backup)


def run_serve(args: argparse.Namespace) -> int:
    try:
        lab = start_lab(args.scenario, transport="https" if args.https else "http")
    except ScenarioError as problem:
        print("Cannot load the scenario: %s" % problem)
        return 2
    try:
        endpoints = []
        for name in lab.host_names():
            ep = lab.endpoint(name)
            endpoints.append({"host": name, "url": ep.url, "transport": ep.transport, "auth": ep.auth,
                              "served": name in lab.hosts})
        info = {"scenario": lab.estate.name, "user": lab.username, "password": lab.password,
                "ca_file": lab.ca_file or None, "endpoints": endpoints}
        if args.json:
            print(json.dumps(info), flush=True)
        else:
            print("Lab scenario %r is running (Ctrl+C to stop)." % lab.estate.name)
            print("User: %s   Password: %s   (lab only; not a real account)" % (lab.username, lab.password))
            if lab.ca_file:
                print("Trust this CA file for HTTPS: %s" % lab.ca_file)
            for e in endpoints:
                print("  %-12s %s  %s" % (e["host"], e["url"] if e["served"] else "(down)",
                                          "NTLM" if e["auth"] == "ntlm" else "Basic"))
            print("", flush=True)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *a: stop.set())
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    finally:
        lab.stop()
    return 0


def run_backup(args: argparse.Namespace) -> int:
    import dataclasses

    from hvassist.lab.backup import DEFAULT_STEP_SECONDS, LabBackupJob

    try:
        lab = start_lab(args.scenario)
    except ScenarioError as err:
        print(f"Cannot load the scenario: {err}")
        return 2

    def progress(stage: str, text: str) -> None:
        print(json.dumps({"stage": stage, "text": text}) if args.json else f"{stage:<18} {text}", flush=True)

    try:
        try:
            job = LabBackupJob(lab.estate, args.vm, on_progress=progress,
                               step_seconds=DEFAULT_STEP_SECONDS if args.step is None else args.step)
        except KeyError:
            print(f"The scenario {lab.estate.name!r} has no VM named {args.vm!r}.")
            return 2
        outcome = job.run()
    finally:
        lab.stop()
    if args.json:
        print(json.dumps(dataclasses.asdict(outcome)))
    else:
        cause = f" ({outcome.cause})" if outcome.cause else ""
        print(f"Backup of {args.vm} on {job.host.name}: {outcome.result}{cause}")
    return 0 if outcome.result == "completed" else 1
