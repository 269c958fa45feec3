"""``hvassist stages``: how a host-level backup works, stage by stage; follow one live; replay the last one.

    hvassist stages [--flow 2012r2|2016] [--json]
    hvassist stages --follow [HOST] --vm VM [--lab SCENARIO] [--json]
    hvassist stages --replay [HOST] --vm VM [--lab SCENARIO | --events FILE] [--json]

With ``--lab`` the host may be left out: the lab host that runs the VM is used. A follow on the lab
starts the lab's backup job on the VM once the watcher is in place.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from hvassist.remote.endpoint import Endpoint, Timeouts
from hvassist.remote.errors import RemoteError
from hvassist.stages.model import FLOW_IDS, cause_title, get_flow, get_stage
from hvassist.stages.timeline import BackupTimeline

EXIT_OK, EXIT_PROBLEM, EXIT_CANNOT_RUN = 0, 1, 2


def register(sub: Any) -> None:
    p = sub.add_parser(
        "stages",
        help="how a host-level backup works, stage by stage; follow or replay one",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("host", nargs="?", help="the Hyper-V host (optional with --lab)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--follow", action="store_true", help="follow a backup of --vm live until it ends")
    mode.add_argument(
        "--replay", action="store_true", help="rebuild the last backup of --vm from the host's events"
    )
    p.add_argument("--flow", choices=FLOW_IDS, help="list the stages of one flow only")
    p.add_argument("--vm", help="the virtual machine to follow or replay")
    p.add_argument("--lab", metavar="SCENARIO", help="use the built-in lab with this scenario (e.g. seed)")
    p.add_argument(
        "--events", metavar="FILE", help="--replay from a file: collect-host JSON or a list of events"
    )
    p.add_argument("--json", action="store_true", help="JSON output (one object per line when following)")
    p.add_argument(
        "--poll",
        type=float,
        default=None,
        metavar="SECONDS",
        help="how often the watcher looks (default: 2 on a host, 0.05 in the lab)",
    )
    p.add_argument(
        "--duration",
        type=int,
        default=4 * 3600,
        metavar="SECONDS",
        help="stop following after this long (default: 4 hours)",
    )
    p.add_argument(
        "--lab-step",
        type=float,
        default=None,
        metavar="SECONDS",
        help="lab only: length of one step of the simulated backup job",
    )
    conn = p.add_argument_group("connection (real hosts)")
    conn.add_argument(
        "--user",
        default=os.environ.get("HVASSIST_USER", ""),
        help="account (DOMAIN\\user); the password comes from HVASSIST_PASSWORD or a prompt",
    )
    conn.add_argument(
        "--http",
        action="store_true",
        help="HTTP on port 5985 with NTLM message encryption (default: HTTPS on 5986)",
    )
    conn.add_argument("--port", type=int, default=0)
    conn.add_argument("--ca-file", default="", help="extra CA certificates (PEM) to trust for HTTPS")
    p.set_defaults(func=run_stages)


def run_stages(args: argparse.Namespace) -> int:
    if not (args.follow or args.replay):
        if args.host or args.vm or args.lab or args.events:
            print("--vm, --lab, HOST and --events need --follow or --replay.", file=sys.stderr)
            return EXIT_CANNOT_RUN
        return _list(args)
    if not args.vm:
        print("Name the VM with --vm.", file=sys.stderr)
        return EXIT_CANNOT_RUN
    try:
        if args.replay and args.events:
            return _replay_file(args)
        if args.lab:
            return _with_lab(args)
        if not args.host:
            print("Name the host, or use --lab SCENARIO.", file=sys.stderr)
            return EXIT_CANNOT_RUN
        return _with_host(args)
    except RemoteError as e:
        _error(args, e.plain(), e.to_dict())
        return EXIT_CANNOT_RUN


# -- listing ---------------------------------------------------------------------------------------
def _list(args: argparse.Namespace) -> int:
    flows = [get_flow(args.flow)] if args.flow else [get_flow(f) for f in FLOW_IDS]
    if args.json:
        doc = [
            {
                "flow": f.id,
                "title": f.long_title,
                "stages": [
                    {
                        "id": s.id,
                        "number": s.number,
                        "title": s.title,
                        "technical": s.technical,
                        "what": s.what,
                        "actors": list(s.actors),
                        "duration": s.duration,
                        "failure": s.failure,
                        "causes": list(s.causes),
                        "writer_state": s.writer_state,
                        "observe": [
                            {"where": o.where, "text": o.text, "when": o.when or None} for o in s.observe
                        ],
                    }
                    for s in f.stages
                ],
            }
            for f in flows
        ]
        print(json.dumps(doc if len(doc) > 1 else doc[0], indent=2))
        return EXIT_OK
    width = max(len(s.id) for f in flows for s in f.stages)
    for f in flows:
        print(f.long_title)
        for s in f.stages:
            print(f"  {s.number}. {s.id:<{width}}  {s.title}")
        print()
    return EXIT_OK


# -- follow / replay -------------------------------------------------------------------------------
def _with_lab(args: argparse.Namespace) -> int:
    from hvassist.lab.backup import DEFAULT_STEP_SECONDS, LabBackupJob
    from hvassist.lab.model import ScenarioError
    from hvassist.lab.runtime import start_lab
    from hvassist.remote.session import HostSession

    try:
        lab = start_lab(args.lab)
    except ScenarioError as e:
        _error(args, f"Cannot load the lab scenario: {e}")
        return EXIT_CANNOT_RUN
    try:
        try:
            host, _vm = lab.estate.find_vm(args.vm)
        except KeyError:
            _error(args, f"The lab scenario {args.lab!r} has no VM named {args.vm!r}.")
            return EXIT_CANNOT_RUN
        if args.host and args.host.lower() != host.name.lower():
            _error(args, f"In the lab, {args.vm} runs on {host.name}, not {args.host}.")
            return EXIT_CANNOT_RUN
        session = HostSession(
            lab.endpoint(host.name),
            lab.username,
            lab.password,
            timeouts=Timeouts(operation=1, script=args.duration + 120),
        )
        with session:
            if args.replay:
                return _replay(args, session)
            job = LabBackupJob(
                lab.estate,
                args.vm,
                step_seconds=args.lab_step if args.lab_step is not None else DEFAULT_STEP_SECONDS,
            )

            def start_job(_baseline: Mapping[str, Any]) -> None:
                job.start()

            code = _follow(args, session, poll=0.05, on_watch_started=start_job)
            job.stop()
            job.join(5)
            return code
    finally:
        lab.stop()


def _with_host(args: argparse.Namespace) -> int:
    from hvassist.logsetup import register_secret
    from hvassist.remote.session import HostSession

    user = args.user or input(f"User for {args.host}: ")
    password = os.environ.get("HVASSIST_PASSWORD") or getpass.getpass(f"Password for {user}: ")
    register_secret(password)
    endpoint = Endpoint(
        host=args.host,
        port=args.port,
        transport="http" if args.http else "https",
        auth="ntlm",
        ca_file=args.ca_file,
    )
    with HostSession(endpoint, user, password, timeouts=Timeouts(script=args.duration + 120)) as session:
        if args.replay:
            return _replay(args, session)
        return _follow(args, session, poll=2.0)


def _follow(
    args: argparse.Namespace,
    session: Any,
    poll: float,
    on_watch_started: Callable[[Mapping[str, Any]], None] | None = None,
) -> int:
    from hvassist.stages.follow import follow_backup

    if not args.json:
        print(
            f"Following the backup of {args.vm} on {session.endpoint.host}. "
            "Start the backup now if it is not running yet (Ctrl+C stops).",
            flush=True,
        )
    printer = _print_json if args.json else _print_text
    try:
        timeline = follow_backup(
            session,
            args.vm,
            poll_seconds=args.poll or poll,
            duration_seconds=args.duration,
            on_change=printer,
            on_watch_started=on_watch_started,
        )
    except KeyboardInterrupt:
        session.cancel.cancel()
        return EXIT_PROBLEM
    return _exit_code(timeline)


def _replay(args: argparse.Namespace, session: Any) -> int:
    from hvassist.stages.follow import replay_from_host

    return _show_replay(args, replay_from_host(session, args.vm))


def _replay_file(args: argparse.Namespace) -> int:
    from hvassist.stages.follow import replay_from_collection, replay_from_events

    try:
        doc = json.loads(Path(args.events).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as e:
        _error(args, f"Cannot read {args.events}: {e}")
        return EXIT_CANNOT_RUN
    if isinstance(doc, dict) and "events" in doc:
        timeline = replay_from_collection(doc, args.vm)
    elif isinstance(doc, list):
        timeline = replay_from_events(doc, args.vm)
    else:
        _error(args, f"{args.events} holds neither a collect-host document nor a list of events.")
        return EXIT_CANNOT_RUN
    return _show_replay(args, timeline)


def _show_replay(args: argparse.Namespace, timeline: BackupTimeline) -> int:
    if args.json:
        print(json.dumps(timeline.to_json()))
        return _exit_code(timeline)
    print(
        "The last backup of {}{}, from the event log:".format(
            timeline.vm, f" on {timeline.host}" if timeline.host else ""
        )
    )
    for mark in timeline.marks:
        _print_text(mark.to_json())
    _print_text(timeline.result_json())
    if timeline.note:
        print(timeline.note)
    return _exit_code(timeline)


def _exit_code(timeline: BackupTimeline) -> int:
    return EXIT_PROBLEM if timeline.failed else EXIT_OK


# -- output ----------------------------------------------------------------------------------------
def _print_json(obj: Mapping[str, Any]) -> None:
    print(json.dumps(obj), flush=True)


def _print_text(obj: Mapping[str, Any]) -> None:
    if "result" in obj:
        stage = get_stage(obj["stage"]) if obj.get("stage") else None
        where = f" at stage {stage.number}, \u201c{stage.title}\u201d" if stage else ""
        if obj["result"] == "failed":
            why = (
                cause_title(obj["cause"]) + " ({})".format(obj["cause"])
                if obj.get("cause")
                else "cause not known"
            )
            print(f"Result: the backup FAILED{where}. Why: {why}", flush=True)
        elif obj["result"] == "completed":
            extra = " It was an offline (saved-state) backup." if obj.get("degraded") == "saved-state" else ""
            print(f"Result: the backup completed.{extra}", flush=True)
        else:
            print("Result: {}{}.".format(obj["result"].replace("-", " "), where), flush=True)
        return
    stage = get_stage(obj["stage"])
    flow = get_flow(stage.flow)
    when = (obj.get("time") or "")[11:19]
    note = "  (must have happened; left no sign of its own)" if obj.get("inferred") else ""
    print(f"{when or '--:--:--'} {stage.number}/{len(flow.stages)} {stage.title}{note}", flush=True)
    if not obj.get("inferred"):
        for line in obj.get("evidence", []):
            print(f"           - {line}", flush=True)


def _error(args: argparse.Namespace, message: str, detail: Mapping[str, Any] | None = None) -> None:
    if getattr(args, "json", False):
        print(json.dumps({"error": message, **(dict(detail) if detail else {})}))
    else:
        print(message, file=sys.stderr)
