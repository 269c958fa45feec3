"""Fuzzing what hvassist reads: no unhandled exception, ever; only the documented error types.

- the snapshot parser (``parse_snapshot``, ``parse_guest_facts``) on mutated collect-host / guest documents, and
  everything that runs on what it accepts (rules, pending checks, readiness, the report);
- offline analysis of collector files (``analyze_files``), whole and bit-flipped;
- the vssadmin parsers (host snapshot and triage);
- the triage parser on hostile text (more in tests/triage/test_fuzz.py);
- the scenario loader (``load_scenario`` on mutated TOML text, ``load_scenario_data`` on mutated tables, the
  fault check), which raises only ``ScenarioError``;
- the .evtx and event XML importers: tests/triage/test_fuzz.py (never raise), plus hostile names in event XML here.
"""

from __future__ import annotations

import copy
import json
import math
import os
import tomllib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import snapshots as S
from support.reliability import NASTY, count, hostile_names

from hvassist.diagnose.engine import run_rules
from hvassist.lab import faults
from hvassist.lab.answers import ANSWERS, LabCall
from hvassist.lab.answers.base import ps_json
from hvassist.lab.model import ScenarioError, load_scenario, load_scenario_data
from hvassist.offline import read_event_xml
from hvassist.report import build_report, render_html, render_ticket_text
from hvassist.resources import resource_path
from hvassist.services.diagnosis import Diagnosis, HostOutcome, evaluate, host_json
from hvassist.services.offline import analyze_files
from hvassist.snapshot import (
    SnapshotError,
    parse_guest_facts,
    parse_snapshot,
    parse_vssadmin_providers,
    parse_vssadmin_shadows,
    parse_vssadmin_writers,
)
from hvassist.triage import parse_vssadmin_writers as triage_writers
from hvassist.triage import triage_text

# HVASSIST_FUZZ_EXAMPLES=5000 for a longer hunt; the default keeps the suite quick
EXAMPLES = int(os.environ.get("HVASSIST_FUZZ_EXAMPLES", "400"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


# -- documents to mutate ----------------------------------------------------------------------------------------------
def _lab_collection(scenario: str, host: str) -> dict[str, Any]:
    """What the lab's host prints for collect-host, as the client parses it (plain JSON)."""
    estate = load_scenario(scenario)
    h = estate.host(host)
    call = LabCall(estate, h, "collect-host", {"EventDays": 30, "MaxEvents": 500}, "hvadmin", lambda _t: None,
                   lambda _s: False)
    return json.loads(ps_json(ANSWERS["collect-host"](call)))


BASES = [
    _lab_collection("seed", "HV01"),
    _lab_collection("seed", "HV02"),
    _lab_collection("all-faults", "hv12-n1"),
    _lab_collection("all-faults", "hv19-n1"),
    S.host("2019", vms=[S.vm("a", generation=1), S.vm("b")],
           events=[S.event("Microsoft-Windows-Hyper-V-VMMS", 10103, "x", ["a"])]),
]
GUEST_BASE = S.guest()

json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30), st.sampled_from(NASTY),
    st.sampled_from(["", "0", "-1", "Running", "Off", "SCSI", "IDE", "10.0.17763", "6.3.9600", "{}", "[]",
                     "2026-11-24T10:00:00Z", "not a date", "C:\\", "\\\\server\\share\\x.vhdx", "Recovery"]))
json_value = st.recursive(json_leaf, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                             st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                          max_leaves=12)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, prefix + (i,))
    return out


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        doc = doc[p]
    return doc


@st.composite
def mutated(draw: st.DrawFn, base: Any = None) -> Any:
    doc = copy.deepcopy(base if base is not None else draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 8))):
        # a depth first, then a place at that depth: the top-level keys are hit as often as the leaves
        by_depth: dict[int, list[tuple[Any, ...]]] = {}
        for p in _paths(doc):
            by_depth.setdefault(len(p), []).append(p)
        path = draw(st.sampled_from(by_depth[draw(st.sampled_from(sorted(by_depth)))]))
        if not path:
            if draw(st.integers(0, 9)) == 0:
                doc = draw(json_value)  # the whole document replaced
            continue
        parent, key = _at(doc, path[:-1]), path[-1]
        how = draw(st.sampled_from(["replace", "delete", "empty", "wrap", "duplicate", "stringify", "big"]))
        value = parent[key]
        if how == "replace":
            parent[key] = draw(json_value)
        elif how == "delete":
            del parent[key]
        elif how == "empty":
            parent[key] = type(value)() if isinstance(value, (dict, list, str)) else None
        elif how == "wrap":
            parent[key] = [value]
        elif how == "duplicate" and isinstance(value, list) and value:
            parent[key] = value + value[: draw(st.integers(1, len(value)))]
        elif how == "stringify":
            parent[key] = json.dumps(value) if not isinstance(value, str) else value * 3
        elif how == "big":
            parent[key] = draw(st.sampled_from([2 ** 63, -(2 ** 63), 10 ** 30, math.inf, "x" * 100_000, "9" * 50]))
    return doc


# -- the snapshot parser and what runs on its result ----------------------------------------------------------------
@FUZZ
@given(mutated())
def test_snapshot_parser_and_analysis_never_crash(doc):
    count("mutated collect-host documents")
    try:
        snapshot = parse_snapshot(doc)
    except SnapshotError as e:
        assert str(e), "the error says what is wrong"
        return
    outcome = evaluate(HostOutcome(snapshot.host.name or "host"), snapshot)
    json.dumps(host_json(outcome), allow_nan=True)
    assert run_rules(snapshot) is not None
    report = build_report(Diagnosis([outcome]), [])
    render_html(report)
    render_ticket_text(report)


@FUZZ
@given(mutated(GUEST_BASE))
def test_guest_facts_parser_never_crashes(doc):
    count("mutated guest documents")
    try:
        parse_guest_facts(doc)
    except SnapshotError:
        pass


@settings(max_examples=max(150, EXAMPLES // 2), deadline=None, suppress_health_check=list(HealthCheck))
@given(doc=mutated(), cut=st.floats(0, 1), flips=st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)),
                                                          max_size=6), encoding=st.sampled_from(["utf-8", "utf-16"]),
       with_events=st.booleans())
def test_offline_analysis_of_collector_files_never_crashes(tmp_path_factory, doc, cut, flips, encoding, with_events):
    """A collector file the user opens may be damaged (cut off in a mail, edited by hand): a plain problem
    line, never an exception."""
    count("damaged collector files analysed")
    data = bytearray(json.dumps(doc, ensure_ascii=False).encode(encoding))
    if cut < 0.3:
        del data[int(len(data) * cut / 0.3):]
    for where, bits in flips:
        if data:
            data[int(where * (len(data) - 1))] ^= bits
    folder = tmp_path_factory.mktemp("collect")
    path = folder / "host.json"
    path.write_bytes(bytes(data))
    files = [path]
    if with_events:  # an event export opened together with it: its events join the collection's
        files.append(folder / "events.xml")
        files[-1].write_text(EVENT_EXPORT, encoding="utf-8")
    result = analyze_files(files)
    assert isinstance(result.problems, list)
    json.dumps(result.to_json(), allow_nan=True)


EVENT_EXPORT = ("<Events><Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
                "<Provider Name='Microsoft-Windows-Hyper-V-VMMS'/><EventID>10103</EventID><Level>2</Level>"
                "<TimeCreated SystemTime='2026-11-24T01:00:04.000Z'/><Channel>Microsoft-Windows-Hyper-V-VMMS-Admin"
                "</Channel></System><EventData><Data>VM001</Data></EventData></Event></Events>")
VSSADMIN = [BASES[0]["vss"]["writers_text"], BASES[0]["vss"]["providers_text"], BASES[2]["vss"]["shadows_text"],
            BASES[2]["vss"]["writers_text"]]


@FUZZ
@given(st.one_of(
    st.text(max_size=3000),
    st.sampled_from(VSSADMIN).flatmap(lambda t: st.tuples(st.integers(0, len(t)), st.integers(0, len(t)),
                                                          hostile_names()).map(
        lambda c: t[: c[0]] + c[2] + t[c[1]:])),
    st.lists(st.sampled_from(["Writer name: '", "'\r\n", "   State: [", "] Failed\r\n", "Last error: ",
                              "Provider name: '", "Provider Id: {", "Shadow Copy ID: {", "}\r\n", "Writer Id: "]
                             + NASTY), max_size=60).map("".join)))
def test_vssadmin_parsers_never_crash(text):
    count("mutated vssadmin outputs")
    parse_vssadmin_writers(text)
    parse_vssadmin_providers(text)
    parse_vssadmin_shadows(text)
    triage_writers(text)


@FUZZ
@given(st.lists(st.one_of(hostile_names(), st.sampled_from(
    ["Event ID: 10103", "Source: Microsoft-Windows-Hyper-V-VMMS", "0x800423F3", "Writer name: '", "State: [8]",
     "The virtual machine '", "' cannot be hot backed up", "\r\n"])), max_size=20).map("".join))
def test_triage_never_crashes_on_hostile_text(text):
    count("hostile texts triaged")
    result = triage_text(text)
    assert not (result.unrecognised and result.causes)


@FUZZ
@given(names=st.lists(hostile_names(), min_size=1, max_size=4))
def test_event_xml_keeps_hostile_names_as_data(names):
    """Names inside an exported event (a VM called <script>, quotes, RTL marks) come back as text."""
    from xml.sax.saxutils import escape

    safe = [n for n in names if all(c in "\t\n\r" or ord(c) >= 0x20 for c in n)
            and not any(0xFFFE <= ord(c) <= 0xFFFF for c in n)]
    data = "".join("<Data Name='p%d'>%s</Data>" % (i, escape(n)) for i, n in enumerate(safe))
    xml = ("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
           "<Provider Name='Microsoft-Windows-Hyper-V-VMMS'/><EventID>10103</EventID><Level>2</Level>"
           "<TimeCreated SystemTime='2026-11-24T01:00:04.000Z'/><Channel>Microsoft-Windows-Hyper-V-VMMS-Admin"
           "</Channel></System><EventData>%s</EventData></Event>" % data)
    result = read_event_xml(xml)
    count("hostile names in event XML", len(names))
    assert len(result.events) == 1
    props = result.events[0]["properties"]
    for n in safe:
        assert n.replace("\r\n", "\n").replace("\r", "\n").strip() in [p.replace("\r\n", "\n").strip()
                                                                       for p in props]


# -- the scenario loader -------------------------------------------------------------------------------------------
SCENARIOS = {p.stem: p.read_text(encoding="utf-8") for p in resource_path("scenarios").glob("*.toml")}


def _check_scenario(load):
    try:
        estate = load()
    except ScenarioError as e:
        assert str(e)
        return
    for host in estate.hosts:
        try:
            faults.listener_plan(host, "http")
        except ScenarioError as e:
            assert str(e)


@settings(max_examples=max(300, EXAMPLES), deadline=None, suppress_health_check=list(HealthCheck))
@given(name=st.sampled_from(sorted(SCENARIOS)), edits=st.lists(
    st.tuples(st.floats(0, 1), st.integers(0, 40), st.one_of(st.text(max_size=12), st.sampled_from(
        ["=", "[[hosts]]", "[[hosts.vms]]", "\"", "'''", "\n", "{", "}", "[", "]", "faults = { tls = 1 }",
         "name = 3", "os = \"2099\"", "state = \"Exploded\"", "generation = -1", "vms = 5", "# ", "\\u0000",
         "time = \"yesterday\"", "size_gb = 1e400"]))), min_size=1, max_size=6))
def test_scenario_loader_raises_only_scenario_errors_on_edited_text(tmp_path_factory, name, edits):
    text = SCENARIOS[name]
    for where, length, insert in edits:
        at = int(where * len(text))
        text = text[:at] + insert + text[at + length:]
    path = tmp_path_factory.mktemp("scenario") / ("%s.toml" % name)
    path.write_text(text, encoding="utf-8")
    count("edited scenario files loaded")
    _check_scenario(lambda: load_scenario(str(path)))


@settings(max_examples=max(300, EXAMPLES), deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_scenario_loader_raises_only_scenario_errors_on_edited_tables(data):
    name = data.draw(st.sampled_from(sorted(SCENARIOS)))
    table = data.draw(mutated(tomllib.loads(SCENARIOS[name])))
    count("edited scenario tables loaded")
    if not isinstance(table, dict):
        table = {"hosts": table}
    _check_scenario(lambda: load_scenario_data(table, name))
