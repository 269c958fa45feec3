"""Report test data: the seed lab diagnosed (plus one host that is down), with one fix applied through the
wizard's flow so that the audit log has real entries; and a lab whose VMs carry hostile names."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hvassist.audit import AuditLog
from hvassist.cancel import CancelToken
from hvassist.flows.diagnose_flow import DiagnoseFlow
from hvassist.lab.model import load_scenario_data
from hvassist.lab.runtime import start_lab
from hvassist.resources import resource_path
from hvassist.services.diagnosis import Diagnosis, HostTarget

LOCAL_USER = "jdoe-helpdesk"  # the person running hvassist, as the audit log records them
DOWN_HOST = "HV09"
HOSTILE_VMS = {
    "VM001": "x'; Remove-VM * -Force; '",
    "VM002": "<script>alert(1)</script>",
    "VM006": "\u2018a\u2019 \u201ab\u201b \u201cc\u201d \u201ed\u201d & <i>",
}


@dataclass
class LabData:
    diagnosis: Diagnosis  # after the fix
    before: Diagnosis  # the first diagnosis, before the fix
    entries: list[dict[str, Any]]
    password: str
    username: str
    since: dt.datetime
    names: list[str]  # every host, cluster, VM, domain and user name the report may show


def _as_local_user(mp: pytest.MonkeyPatch) -> None:
    for var in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        mp.setenv(var, LOCAL_USER)


def _diagnose_and_fix(lab: Any, audit: AuditLog, fix_cause: str | None) -> tuple[Diagnosis, Diagnosis]:
    targets = [HostTarget(lab.endpoint(h), lab.username, lab.password) for h in lab.host_names()]
    targets.append(HostTarget(lab.endpoint(DOWN_HOST), lab.username, lab.password))
    flow = DiagnoseFlow(targets, audit)
    flow.select_hosts([t.name for t in targets])
    flow.advance()
    flow.collect(CancelToken())
    flow.advance()
    assert flow.diagnosis is not None
    # the fix replaces a host's snapshot and findings (it does not change them): a copy per host keeps these
    before = Diagnosis([dataclasses.replace(h, findings=list(h.findings)) for h in flow.diagnosis.hosts])
    if fix_cause:
        flow.select_finding(next(f for f in flow.diagnosis.findings if f.cause == fix_cause))
        flow.advance()
        flow.confirmed = True
        flow.advance()
        outcome = flow.apply(CancelToken())
        assert outcome is not None and outcome.ok and outcome.verified
    return flow.diagnosis, before


@pytest.fixture(scope="module")
def seed_data(tmp_path_factory) -> LabData:
    with pytest.MonkeyPatch.context() as mp:
        _as_local_user(mp)
        since = dt.datetime.now(dt.UTC)
        audit = AuditLog(tmp_path_factory.mktemp("audit") / "audit.jsonl")
        lab = start_lab("seed")
        try:
            diagnosis, before = _diagnose_and_fix(lab, audit, "no-scsi-controller")
        finally:
            lab.stop()
        names = ["HV01", "HV02", DOWN_HOST, "HVCLU01", "contoso.local", "CONTOSO", lab.username, LOCAL_USER]
        names += ["VM%03d" % i for i in range(1, 7)]
        return LabData(diagnosis, before, audit.entries(), lab.password, lab.username, since, names)


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory) -> LabData:
    data = tomllib.loads(resource_path("scenarios", "seed.toml").read_text(encoding="utf-8"))
    for host in data["hosts"]:
        for vm in host.get("vms", []):
            vm["name"] = HOSTILE_VMS.get(vm["name"], vm["name"])
        for event in host.get("events", []):  # the events quote the VM's name as Hyper-V does
            event["message"] = event["message"].replace("'VM001'", "'%s'" % HOSTILE_VMS["VM001"])
            event["properties"] = [HOSTILE_VMS.get(p, p) for p in event.get("properties", [])]
    with pytest.MonkeyPatch.context() as mp:
        _as_local_user(mp)
        since = dt.datetime.now(dt.UTC)
        audit = AuditLog(tmp_path_factory.mktemp("audit") / "audit.jsonl")
        lab = start_lab(load_scenario_data(data, "hostile"))
        try:
            # the VM with the hostile name gets fixed, so its name is in the audit log too
            diagnosis, before = _diagnose_and_fix(lab, audit, "no-scsi-controller")
        finally:
            lab.stop()
        return LabData(diagnosis, before, audit.entries(), lab.password, lab.username, since,
                       list(HOSTILE_VMS.values()))


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The text of a PDF as poppler's pdftotext reads it (the test is skipped without poppler-utils)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          text=True, encoding="utf-8").stdout
    # the font's ligatures (ff, fi) come back as single characters
    return "".join(unicodedata.normalize("NFKC", c) if "\ufb00" <= c <= "\ufb06" else c for c in text)
