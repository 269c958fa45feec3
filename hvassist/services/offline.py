"""Offline analysis: collector JSON, .evtx files and event XML exports, through the same rules as a live
diagnosis. Event files are merged into the collection of the host that wrote them; event files without a
collection are triaged event by event."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hvassist.diagnose.findings import Evidence, Finding
from hvassist.kb import all_causes
from hvassist.offline import read_event_file
from hvassist.remote.scripts import get_script
from hvassist.services.diagnosis import COLLECT_PARAMS, Diagnosis, HostOutcome, evaluate
from hvassist.snapshot import SnapshotError, parse_snapshot
from hvassist.triage import event_as_text, triage_event

MIN_EVENT_SCORE = 0.5


@dataclass
class OfflineAnalysis:
    diagnosis: Diagnosis
    problems: list[str] = field(default_factory=list)  # what could not be read, in plain words

    def to_json(self) -> dict[str, Any]:
        return {**self.diagnosis.to_json(), "import_problems": self.problems}


def _load_collection(path: Path) -> dict[str, Any] | None:
    raw = path.read_bytes()
    for codec in ("utf-8-sig", "utf-16"):
        try:
            doc = json.loads(raw.decode(codec))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(doc, dict) and str(doc.get("schema", "")).startswith("collect-host/"):
            return doc
    return None


def analyze_files(paths: list[str | Path]) -> OfflineAnalysis:
    problems: list[str] = []
    collections: list[tuple[str, dict[str, Any]]] = []
    event_files: list[tuple[str, list[dict[str, Any]], list[str]]] = []
    for p in map(Path, paths):
        try:
            head = p.read_bytes()[:8]
        except OSError as e:
            problems.append("%s: could not be opened (%s)." % (p.name, e.strerror or e))
            continue
        if head.startswith(b"ElfFile") or p.suffix.lower() in (".evtx", ".xml"):
            result = read_event_file(p)
            problems += ["%s: %s" % (p.name, m) for m in result.problems]
            event_files.append((p.name, [dict(e) for e in result.events], list(result.computers)))
            continue
        try:
            doc = _load_collection(p)
        except OSError as e:
            problems.append("%s: could not be read (%s)." % (p.name, e))
            continue
        if doc is None:
            problems.append("%s: not an hvassist collection, .evtx or event XML file." % p.name)
            continue
        collections.append((p.name, doc))
    outcomes: list[HostOutcome] = []
    hosts_by_name: dict[str, dict[str, Any]] = {}
    for name, doc in collections:
        hosts_by_name[_host_name(doc, name).lower()] = doc
    loose: list[tuple[str, list[dict[str, Any]], list[str]]] = []
    for name, events, computers in event_files:
        target = next((hosts_by_name[h] for c in computers for h in hosts_by_name
                       if c.lower() == h or c.lower().startswith(h + ".")), None)
        if target is None and len(hosts_by_name) == 1 and not computers:
            target = next(iter(hosts_by_name.values()))
        if target is None:
            loose.append((name, events, computers))
            continue
        known = target.setdefault("events", [])
        if not isinstance(known, list):  # a damaged collection: parsing it below says so
            loose.append((name, events, computers))
            continue
        seen = {_event_key(e) for e in known if isinstance(e, dict)}
        known += [e for e in events if _event_key(e) not in seen]
    for name, doc in collections:
        host = _host_name(doc, name)
        try:
            outcomes.append(evaluate(HostOutcome(host), parse_snapshot(doc)))
        except SnapshotError as e:
            problems.append("%s: the collection is not in the expected shape (%s)." % (name, e))
    for name, events, computers in loose:
        outcomes.append(_triage_events(computers[0] if computers else name, events))
    return OfflineAnalysis(Diagnosis(outcomes), problems)


def _event_key(e: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(e.get(k)) for k in ("log", "id", "time", "message"))


def _host_name(doc: dict[str, Any], file_name: str) -> str:
    host = doc.get("host")
    name = host.get("name") if isinstance(host, dict) else None
    return name if isinstance(name, str) and name else file_name


def _triage_events(host: str, events: list[dict[str, Any]]) -> HostOutcome:
    """Events without a host collection: each event is triaged; a confident cause becomes a finding."""
    by_cause: dict[str, list[Evidence]] = {}
    for e in events:
        result = triage_event(e)
        if result.unrecognised or not result.causes or result.causes[0].score < MIN_EVENT_SCORE:
            continue
        best = result.causes[0]
        by_cause.setdefault(best.id, []).append(Evidence(event_as_text(e)[:400], source="event file",
                                                         time=str(e.get("time") or "") or None))
    texts = all_causes()
    findings = [Finding(cause, host, None, texts[cause].severity if cause in texts else "warning",
                        tuple(ev[:20])) for cause, ev in by_cause.items()]
    outcome = HostOutcome(host, findings=findings)
    return outcome


def collector_script() -> str:
    """A standalone collector: the very collect-host script of the live diagnosis, run on the host itself
    (no WinRM), writing one JSON file and, optionally, exporting the relevant event logs."""
    script = get_script("collect-host")
    params = json.dumps(COLLECT_PARAMS, separators=(",", ":")).replace("'", "''")
    return (COLLECTOR_TEMPLATE.replace("@@NAME@@", "%s/%d" % (script.name, script.version))
            .replace("@@PARAMS@@", params).replace("@@SCRIPT@@", script.text.rstrip("\n")))


COLLECTOR_TEMPLATE = r"""# hvassist standalone collector (@@NAME@@)
# Run on the Hyper-V host, in an elevated PowerShell:
#   powershell -ExecutionPolicy Bypass -File .\hvassist-collect.ps1 [-OutFile C:\temp\host.json] [-ExportEvents]
# Then open the JSON file (and the .evtx files) in hvassist: hvassist analyze FILE... or File > Open collected data.
# Nothing is changed on the host. Output schema: collect-host.schema.json (shipped with hvassist).
param([string]$OutFile = (Join-Path (Get-Location) ($env:COMPUTERNAME + '-hvassist.json')), [switch]$ExportEvents)
$ErrorActionPreference = 'Stop'
$collector = {
@@SCRIPT@@
}
$parameters = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('@@PARAMS@@'))
$json = & $collector $parameters
[IO.File]::WriteAllText($OutFile, $json, (New-Object Text.UTF8Encoding($false)))
Write-Host ('Collected: ' + $OutFile)
if ($ExportEvents) {
    $logs = @('Microsoft-Windows-Hyper-V-VMMS-Admin', 'Microsoft-Windows-Hyper-V-Worker-Admin',
              'Application', 'System')
    foreach ($log in $logs) {
        $target = $OutFile -replace '\.json$', ('-' + ($log -replace '[^A-Za-z0-9]', '-') + '.evtx')
        wevtutil.exe epl $log $target /ow:true
        Write-Host ('Exported: ' + $target)
    }
}
"""
