"""What the analysis (snapshot parsing, rules, pending checks, readiness) concludes for whole estates, in a
canonical form, to compare with a stored copy: speeding the analysis up must not change one finding.

The estates: the generated benchmark estate (16 hosts × 64 VMs, seed 1), and the ``all-faults`` and ``seed``
scenarios with every Windows guest looked into and every file server checked (so the guest and file-server
rules run too). The snapshots come from the lab's own answers (what the scripts print), through the same
JSON text and parser a live diagnosis uses, without the network.

Times in the answers are relative to now, so the canonical form replaces ISO times with ``<time>``.

Regenerate the stored copy only when a change of findings is intended:

    uv run python -m tests.support.analysis_golden --write
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path
from typing import Any

from hvassist.diagnose.engine import run_rules
from hvassist.diagnose.guestlook import pending_checks
from hvassist.diagnose.readiness import host_readiness
from hvassist.lab.answers.base import LabCall, ps_json
from hvassist.lab.answers.collect import collect_host
from hvassist.lab.answers.guest import guest_facts
from hvassist.lab.answers.probe import probe_file_server
from hvassist.lab.generated import generate_estate
from hvassist.lab.model import Estate, load_scenario
from hvassist.services.diagnosis import COLLECT_PARAMS
from hvassist.snapshot import FileServerCheck, GuestInspection, parse_guest_facts, parse_snapshot

GOLDEN = Path(__file__).resolve().parent.parent / "diagnosis" / "golden" / "analysis.json.gz"
_TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?")


def _call(estate: Estate, host: Any, script: str, params: dict[str, Any] | None = None) -> LabCall:
    return LabCall(estate, host, script, dict(params or {}), "lab\\admin", lambda _t: None, lambda _s: False)


def _through_json(doc: Any) -> Any:
    return json.loads(ps_json(doc))


def analyse(estate: Estate, look_inside: bool) -> list[dict[str, Any]]:
    by_name = {h.name.lower(): h for h in estate.hosts}
    out = []
    for host in estate.hosts:
        if host.role != "hyperv" or host.down:
            continue
        snapshot = parse_snapshot(_through_json(collect_host(_call(estate, host, "collect-host", COLLECT_PARAMS))))
        if look_inside:
            guests = {}
            for vm in host.vms:
                if vm.state == "Running" and "windows" in (vm.guest.os_name or "").lower():
                    facts = parse_guest_facts(_through_json(guest_facts(estate, host, vm)))
                    guests[vm.id.lower()] = GuestInspection(vm.id.lower(), "done", "winrm", facts=facts)
            servers = {}
            for server in snapshot.share_servers():
                fs = by_name.get(server.lower())
                if fs is None:
                    servers[server] = FileServerCheck(server, "failed", "no such server in the lab")
                    continue
                doc = _through_json(probe_file_server(_call(estate, fs, "probe-file-server")))
                agent = doc.get("agent")
                servers[server] = FileServerCheck(server, "done", agent_state=agent.get("state") if agent else None)
            snapshot = snapshot.with_guests(guests).with_file_servers(servers)
        findings = run_rules(snapshot)
        pending = pending_checks(snapshot, findings)
        readiness = host_readiness(snapshot, findings, pending)
        out.append({
            "host": snapshot.host.name,
            "findings": [{**f.to_json(), "detail": f.detail} for f in findings],
            "pending": [p.to_json() for p in pending],
            "readiness": {vm_id: r.to_json() for vm_id, r in readiness.items()},
        })
    return out


def canonical() -> dict[str, Any]:
    doc = {
        "generated-16x64": analyse(generate_estate(16, 64, seed=1), look_inside=False),
        "all-faults": analyse(load_scenario("all-faults"), look_inside=True),
        "seed": analyse(load_scenario("seed"), look_inside=True),
    }
    text = json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str)
    return json.loads(_TIME.sub("<time>", text))  # type: ignore[no-any-return]


def stored() -> dict[str, Any]:
    with gzip.open(GOLDEN, "rt", encoding="utf-8") as f:
        return json.load(f)  # type: ignore[no-any-return]


def write() -> None:
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(canonical(), sort_keys=True, ensure_ascii=False, indent=0)
    with gzip.GzipFile(GOLDEN, "wb", mtime=0) as f:
        f.write(text.encode("utf-8"))


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write()
        print("wrote %s" % GOLDEN)
    else:
        print(__doc__)
