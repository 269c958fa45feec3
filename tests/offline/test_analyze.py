"""Offline analysis gives the same findings as a live diagnosis; the standalone collector is the live script."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import pscheck

from hvassist.cli import main
from hvassist.remote.scripts import get_script
from hvassist.remote.session import HostSession
from hvassist.services.diagnosis import COLLECT_PARAMS
from hvassist.services.offline import analyze_files, collector_script

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "evtx-samples"


def keys(doc):
    return {(f["cause"], f["host"], f["vm"]) for f in doc["findings"]}


def test_collector_json_gives_the_same_findings_as_a_live_diagnosis(seed_lab, tmp_path, capsys):
    files = []
    for host in seed_lab.host_names():
        with HostSession(seed_lab.endpoint(host), seed_lab.username, seed_lab.password) as s:
            out = s.run("collect-host", COLLECT_PARAMS).stdout  # exactly what the collector writes
        f = tmp_path / ("%s-hvassist.json" % host)
        f.write_text(out, encoding="utf-8")
        files.append(str(f))
    assert main(["analyze", *files, "--json"]) == 1
    offline = json.loads(capsys.readouterr().out)
    assert main(["diagnose", "--lab", "seed", "--json"]) == 1
    live = json.loads(capsys.readouterr().out)
    assert keys(offline) == keys(live)
    assert ("no-scsi-controller", "HV01", "VM001") in keys(offline)
    assert [h["name"] for h in offline["hosts"]] == ["HV01", "HV02"]


def test_collect_script_is_the_live_script(tmp_path, capsys):
    out = tmp_path / "collect.ps1"
    assert main(["collect-script", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")  # universal newlines: CRLF on disk reads back as \n
    assert get_script("collect-host").text.rstrip("\n") in text
    assert collector_script().startswith("# hvassist standalone collector (collect-host/")
    assert pscheck.syntax_errors(collector_script()) == []
    if pscheck.REFERENCE.exists():
        problems = [p for p in pscheck.cmdlet_problems(collector_script(), "2012r2") if "wevtutil" not in p]
        assert problems == []


def test_evtx_files_alone_and_damaged_files_are_reported(tmp_path):
    if not SAMPLES.exists():
        pytest.skip("shared/evtx-samples not beside the checkout")
    files = sorted(SAMPLES.glob("*.evtx"))
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    result = analyze_files([*files, junk])
    assert any("notes.txt" in p for p in result.problems)
    assert any("bad_chunk" in p for p in result.problems), "the damaged sample says what was lost"
    assert result.diagnosis.hosts, "the event files were read"


def test_event_xml_merged_into_its_host(seed_lab, tmp_path):
    with HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password) as s:
        doc = json.loads(s.run("collect-host", COLLECT_PARAMS).stdout)
    doc["events"] = []
    (tmp_path / "hv01.json").write_text(json.dumps(doc), encoding="utf-8")
    vm = next(v for v in doc["vms"] if v["name"] == "VM001")
    xml = ("<Events><Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
           "<Provider Name='Microsoft-Windows-Hyper-V-VMMS'/><EventID>10103</EventID><Level>2</Level>"
           "<TimeCreated SystemTime='2026-11-20T10:00:00.000Z'/><Channel>Microsoft-Windows-Hyper-V-VMMS-Admin</Channel>"
           "<Computer>HV01.contoso.local</Computer></System><EventData><Data Name='VmName'>VM001</Data>"
           "<Data Name='VmId'>%s</Data></EventData></Event></Events>" % vm["id"].upper())
    (tmp_path / "vmms.xml").write_text(xml, encoding="utf-8")
    result = analyze_files([tmp_path / "hv01.json", tmp_path / "vmms.xml"])
    f = next(f for f in result.diagnosis.findings if f.cause == "no-scsi-controller")
    assert any("10103" in e.text for e in f.evidence), "the imported event became evidence"


def test_gui_open_collected_data(qtbot, seed_lab, tmp_path):
    from hvassist.appcontext import AppContext
    from hvassist.gui.main_window import MainWindow
    from hvassist.gui.offline_page import OfflineResultsPage

    with HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password) as s:
        (tmp_path / "hv01.json").write_text(s.run("collect-host", COLLECT_PARAMS).stdout, encoding="utf-8")
    win = MainWindow(AppContext.create())
    qtbot.addWidget(win)
    win.open_collected_data([str(tmp_path / "hv01.json")])
    page = win.stack.currentWidget()
    assert isinstance(page, OfflineResultsPage)
    qtbot.waitUntil(lambda: "problem(s) found" in page.summary.text(), timeout=15000)
    assert "SCSI" in page.view.toPlainText()
