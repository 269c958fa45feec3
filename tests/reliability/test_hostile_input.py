"""Hostile switch and user names (VM names: test_hostile_names.py, 10,000 through the lab), and the HTML report.

- Switch names travel to the migration scripts as data (``mig-dest-compare-vm``'s SwitchMap): the lab decodes
  exactly what was sent, the script text never changes, and the real host's error names the switch verbatim.
- User names go through the connection store (save, load, JSON and CSV export and import) unchanged.
- Host, VM, switch and user names in the HTML report (browser and print versions) are text, never markup; with
  'Hide names' none of them is left.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import snapshots as S
from support.reliability import count, hostile_names, run_in_lab

from hvassist.connections import Connection, ConnectionStore
from hvassist.connections_io import export_csv, export_json, import_csv, import_json
from hvassist.credentials import CredentialStore
from hvassist.diagnose.findings import Evidence
from hvassist.lab.host import LabHost
from hvassist.lab.model import load_scenario
from hvassist.remote import errors as E
from hvassist.remote.scripts import SEPARATOR, get_script
from hvassist.report import build_report, render_html, render_print_html
from hvassist.services.diagnosis import Diagnosis, HostOutcome, evaluate

MIGRATION = load_scenario("migration")
NEW01 = LabHost(MIGRATION, MIGRATION.host("NEW01"))
COMPARE = get_script("mig-dest-compare-vm")
BASE64 = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


# -- switch names -------------------------------------------------------------------------------------------------
@settings(max_examples=2500, deadline=None, suppress_health_check=list(HealthCheck))
@given(source=hostile_names(), target=hostile_names(), vm_id=hostile_names())
def test_switch_names_reach_the_lab_intact_as_data(source, target, vm_id):
    params = {"Path": "C:\\ClusterStorage\\Volume3\\%s\\Virtual Machines\\%s.xml" % (target, vm_id), "VMId": vm_id,
              "SwitchMap": {source: target, "LegacyNet": target}}
    script_part, sep, params_part = COMPARE.payload(params).decode("utf-8").partition(SEPARATOR)
    assert sep and script_part == COMPARE.text, "the script text never changes"
    assert set(params_part) <= BASE64, "parameters travel as base64, nothing a tokenizer could read as code"
    code, sink = run_in_lab(NEW01, COMPARE, params)
    assert NEW01.last_params == params, "the host decoded exactly the names that were sent"
    assert code == 1 and b"file was not found" in sink.out["stderr"], "an unknown path is data, not code"
    count("hostile switch names through the lab", 3)


SWITCHES = ["x'; Remove-VMSwitch * -Force; '", "\u2018Prod\u2019 \u201cNet\u201d", "$(Stop-Computer)", "a`nb",
            "Net; exit", "\u202eevil", "\U0001f4a5 LAN", "Сеть-データ", "x" * 2000, '"; exit; "', "<b>LAN</b>"]


def test_switch_names_through_the_real_wire(migration_lab):
    """Through WinRM to a lab host that has the VM's files: the host answers that it has no switch of that name,
    naming it exactly (nothing was connected, nothing ran)."""
    from hvassist.remote.session import HostSession

    lab = migration_lab
    estate = lab.estate
    handler = lab.hosts["NEW01"].handler
    for vm in estate.host("OLD01").vms + estate.host("OLD02").vms:  # the LUN moved, as the migration does it
        vm.state = "Off"
    with HostSession(lab.endpoint("OLD01"), lab.username, lab.password) as s:
        s.run_json("mig-source-remove-csv", {"CsvName": "Cluster Disk 3"})
    estate.lun("LUN-0042").presented_to = ["NEW01", "NEW02"]
    with HostSession(lab.endpoint("NEW01"), lab.username, lab.password) as s:
        s.run_json("mig-dest-add-csv", {"DiskSignature": "5a1c3e7f", "MountName": "Volume3"})
        vm_id = "A7C3E5F1-9B2D-4C6E-8A0F-13D5B7E9C905"
        path = "C:\\ClusterStorage\\Volume3\\mig-switch\\Virtual Machines\\%s.xml" % vm_id
        for name in SWITCHES:
            params = {"Path": path, "VMId": vm_id, "SwitchMap": {"LegacyNet": name}}
            with pytest.raises(E.ScriptFailed) as info:
                s.run_json("mig-dest-compare-vm", params)
            assert handler.last_params == params
            assert 'Unable to find a virtual switch with name "%s"' % name in info.value.ps_error
    assert [v.name for v in estate.host("NEW01").vms] == [], "nothing was registered"
    count("hostile switch names through the real wire", len(SWITCHES))


@pytest.fixture
def migration_lab():
    from hvassist.lab.runtime import start_lab

    lab = start_lab("migration")
    try:
        yield lab
    finally:
        lab.stop()


# -- user names -----------------------------------------------------------------------------------------------------
@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(group_user=hostile_names(), host_user=hostile_names(), group=hostile_names())
def test_user_names_survive_the_connection_store(tmp_path_factory, group_user, host_user, group):
    """Saved, loaded, exported and imported (JSON and CSV): the same user names (the store trims surrounding
    spaces, as from a text field). Group paths use '/', so the exported group is a plain name."""
    folder = tmp_path_factory.mktemp("store")
    creds = CredentialStore(memory_only=True)
    store = ConnectionStore(folder / "connections.json", creds)
    g = store.add_group(group, username=group_user, password="pw-1")
    conn = store.add_connection(Connection(id="", name="hv01.contoso.local", group=g.id, username=host_user),
                                password="pw-2")
    again = ConnectionStore(folder / "connections.json", creds)
    assert again.group(g.id).username == group_user.strip() and again.group(g.id).name == group.strip()
    assert again.connection(conn.id).username == host_user.strip()
    assert again.resolve(again.connection(conn.id)).username == (host_user.strip() or group_user.strip())
    store.update_group(dataclasses.replace(store.group(g.id), name="Contoso"))
    for export, do_import in ((export_json, import_json), (export_csv, import_csv)):
        text = export(store)
        assert "pw-1" not in text and "pw-2" not in text
        other = ConnectionStore(folder / ("%s.json" % export.__name__), CredentialStore(memory_only=True))
        report = do_import(other, text)
        assert not report.problems, report.problems
        imported = other.find_host("hv01.contoso.local")
        assert imported is not None and imported.username == host_user.strip(), (export.__name__, imported)
        assert other.group(imported.group).username == group_user.strip(), export.__name__
    count("hostile user names through the connection store", 3)


# -- host names -----------------------------------------------------------------------------------------------------
def _host_like():
    """Hostile names, plus plausible host names with one hostile piece (user@host, host/path, host:port, ...)."""
    base = st.sampled_from(["hv01", "hv01.contoso.local", "10.0.0.5", "HV-OK1", "fe80::1", "[2001:db8::7]"])
    glue = st.sampled_from(["@", "/", "?", "#", ":", "\\", "%", " ", "'", "\u2019", "$()", "`", ";", "\n", "\x00"])
    return st.one_of(hostile_names(), st.tuples(base, glue, base).map("".join), base)


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=_host_like())
def test_a_host_name_is_refused_in_plain_words_or_reaches_exactly_that_host(tmp_path_factory, name):
    """The name becomes the WinRM URL: either the store refuses it with a message (and saves nothing), or the URL
    connects to exactly that name. 'admin@hv01' must never quietly become a logon at hv01."""
    from urllib.parse import urlsplit

    store = ConnectionStore(tmp_path_factory.mktemp("hosts") / "connections.json", CredentialStore(memory_only=True))
    conn = Connection(id="", name=name)
    try:
        saved = store.add_connection(conn)
    except ValueError as e:
        assert str(e) and "Traceback" not in str(e)
        assert store.connections == []
        count("hostile host names through the connection store", 1)
        return
    url = urlsplit(saved.endpoint().url)
    wanted = saved.name.strip("[]").lower()
    assert url.hostname == wanted, (name, saved.endpoint().url)
    assert url.username is None and url.path == "/wsman" and not url.query and not url.fragment
    count("hostile host names through the connection store", 1)


# -- the HTML report -----------------------------------------------------------------------------------------------
ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "h4", "p", "b", "br", "span",
                "table", "thead", "tbody", "tr", "th", "td", "ul", "ol", "li", "a", "pre", "code", "div", "section",
                "header", "footer", "small", "em", "strong", "i"}


class _Parse(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data):
        self.text.append(data)


def _report_data(host_name: str, vm_name: str, switch: str, user: str):
    """A host with a VM that has no SCSI controller (a finding), evidence naming its switch, and an audit entry
    of a fix run by the user."""
    doc = S.host("2012r2", name=host_name, vms=[S.vm(vm_name, generation=1)])
    snapshot = S.snapshot(doc)
    outcome = evaluate(HostOutcome(host_name), snapshot)
    finding = next(f for f in outcome.findings if f.cause == "no-scsi-controller")
    finding = dataclasses.replace(finding, evidence=finding.evidence + (
        Evidence("%s is connected to the virtual switch %s." % (vm_name, switch), source="Get-VMNetworkAdapter"),))
    outcome.findings = [finding if f.cause == "no-scsi-controller" else f for f in outcome.findings]
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    entries = [
        {"time": now, "who": user, "remote_user": user, "host": host_name, "vm": vm_name, "cause": finding.cause,
         "plan": "p1", "step": "", "action": "fix-confirmed", "script": "", "params": {}, "result": "ok",
         "detail": "Add a SCSI controller to %s" % vm_name},
        {"time": now, "who": user, "remote_user": user, "host": host_name, "vm": vm_name, "cause": finding.cause,
         "plan": "p1", "step": "stop-vm", "action": "fix-step", "script": "vm-stop", "params": {"VMId": "x"},
         "result": "ok", "detail": "changed=True, state_before=Running, state_after=Off"},
    ]
    return Diagnosis([outcome]), entries


MARK = "Zq7"  # around each name, so that "the whole name is there" means something for one-letter names


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(host_name=hostile_names(), vm_name=hostile_names(), switch=hostile_names(), user=hostile_names())
def test_the_html_report_escapes_every_name(host_name, vm_name, switch, user):
    host_name, vm_name, switch, user = ("%s%s%s" % (MARK, n, MARK) for n in (host_name, vm_name, switch, user))
    diagnosis, entries = _report_data(host_name, vm_name, switch, user)
    report = build_report(diagnosis, entries, generated_by=user)
    for render in (render_html, render_print_html):
        html = render(report)
        p = _Parse()
        p.feed(html)
        p.close()
        assert set(p.tags) <= ALLOWED_TAGS, set(p.tags) - ALLOWED_TAGS
        assert p.tags.count("script") == 0 and not [a for a, _v in p.attrs if a.startswith("on")]
        assert all(v is None or not v.strip().lower().startswith("javascript:") for _a, v in p.attrs)
        text = "".join(p.text)
        for name in (host_name, vm_name, switch, user):
            assert name.replace("\r\n", "\n").replace("\r", "\n") in text.replace("\r\n", "\n").replace("\r", "\n"), \
                "shown as it is: %r" % name
    hidden = _text(render_html(build_report(diagnosis, entries, redact=True, generated_by=user)))
    for name in (host_name, vm_name, user):
        assert name not in hidden, "'Hide names' leaves no name behind"
    count("hostile names in the HTML report", 4)


def _text(html: str) -> str:
    p = _Parse()
    p.feed(html)
    p.close()
    return "".join(p.text)


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_hidden_names_never_leak_through_evidence(data):
    """With 'Hide names', a name inside evidence text is replaced too (switch names are not customer names the
    report knows, so they stay; host, VM and user names must go)."""
    host_name = MARK + data.draw(hostile_names()) + MARK
    vm_name = MARK + data.draw(hostile_names()) + "Qx9"
    diagnosis, entries = _report_data(host_name, vm_name, "LAN", "jdoe")
    hidden = _text(render_html(build_report(diagnosis, entries, redact=True, generated_by="jdoe")))
    assert host_name not in hidden and vm_name not in hidden
    count("hostile names in the HTML report", 2)
