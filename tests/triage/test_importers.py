"""Offline importers: the shared .evtx samples (some damaged) and event XML exports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hvassist.offline import read_event_file, read_event_xml, read_evtx
from hvassist.resources import resource_path

EVENT_KEYS = {"log", "provider", "id", "level", "time", "message", "properties"}


def _schema_event_validator():  # type: ignore[no-untyped-def]
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(resource_path("ps", "collect-host.schema.json").read_text(encoding="utf-8"))
    event_schema = schema["properties"]["events"]["items"]
    return jsonschema.Draft202012Validator(event_schema)


def _samples(shared: Path) -> list[Path]:
    folder = shared / "evtx-samples"
    files = sorted(folder.glob("*.evtx")) if folder.is_dir() else []
    if not files:
        pytest.skip("no evtx samples")
    return files


def test_every_sample_imports(shared: Path) -> None:
    validator = _schema_event_validator()
    for path in _samples(shared):
        result = read_evtx(path)
        print(path.name, len(result.events), "events;", result.problems)
        assert result.events, path.name
        for event in result.events[:200]:
            assert set(event) == EVENT_KEYS
            validator.validate(event)
        assert all(isinstance(p, str) and p for p in result.problems)


def test_damaged_samples_report_what_was_lost(shared: Path) -> None:
    folder = shared / "evtx-samples"
    bad_magic = folder / "sample_with_a_bad_chunk_magic.evtx"
    zero_size = folder / "sample-with-zero-data-size-event.evtx"
    no_crc = folder / "Application_no_crc32.evtx"
    if not bad_magic.exists():
        pytest.skip("damaged samples missing")
    problems = read_evtx(bad_magic).problems
    assert any("Chunk" in p and "6" in p and "could not be read" in p for p in problems), problems
    assert any("about" in p and "events" in p for p in problems)
    assert read_evtx(zero_size).problems
    assert any("checksum" in p for p in read_evtx(no_crc).problems)


def test_clean_sample_reports_nothing(shared: Path) -> None:
    path = shared / "evtx-samples" / "system.evtx"
    if not path.exists():
        pytest.skip("system.evtx missing")
    result = read_evtx(path)
    assert result.problems == []
    assert len(result.events) == 1881
    first = result.events[0]
    assert first["provider"] == "EventLog" and first["id"] == 6009 and first["log"] == "System"
    assert first["time"] == "2017-07-12T17:16:28Z" and first["level"] == "Information"
    assert first["properties"] == ["10.00.", "15063", "", "Multiprocessor Free", "0"]


def test_evtx_from_bytes_and_read_event_file(shared: Path) -> None:
    path = _samples(shared)[0]
    assert len(read_evtx(path.read_bytes()).events) == len(read_evtx(path).events)
    assert len(read_event_file(path).events) == len(read_evtx(path).events)


def test_evtx_truncated_file(shared: Path, tmp_path: Path) -> None:
    path = shared / "evtx-samples" / "system.evtx"
    if not path.exists():
        pytest.skip("system.evtx missing")
    cut = tmp_path / "cut.evtx"
    cut.write_bytes(path.read_bytes()[: 4096 + 65536 * 3 + 20000])
    result = read_evtx(cut)
    assert result.events
    assert result.problems


def test_evtx_not_an_event_log(tmp_path: Path) -> None:
    p = tmp_path / "notes.evtx"
    p.write_text("these are my notes", encoding="utf-8")
    result = read_evtx(p)
    assert result.events == [] and result.problems
    missing = read_evtx(tmp_path / "missing.evtx")
    assert missing.events == [] and "could not be opened" in missing.problems[0]


# ------------------------------------------------------------------------------------------- XML

GET_WINEVENT_TOXML = (
    "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider "
    "Name='Microsoft-Windows-Hyper-V-VMMS' Guid='{6066F867-7CA1-4418-85FD-36E3F9C0600C}'/>"
    "<EventID>10103</EventID>"
    "<Version>0</Version><Level>2</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>"
    "<TimeCreated SystemTime='2024-03-05T01:00:03.1234567+01:00'/><EventRecordID>4711</EventRecordID>"
    "<Correlation/><Execution ProcessID='2344' ThreadID='5012'/><Channel>Microsoft-Windows-Hyper-V-VMMS-Admin"
    "</Channel><Computer>HV01.contoso.local</Computer><Security UserID='S-1-5-18'/></System><UserData>"
    "<VmlEventLog xmlns='http://www.microsoft.com/Windows/Virtualization/Events'><VmName>APP01</VmName>"
    "<VmId>4B2F9C1E-7A2D-4C11-9E0B-55D1A7C3E901</VmId></VmlEventLog></UserData></Event>\n"
    "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='VSS'/>"
    "<EventID Qualifiers='0'>12289</EventID><Level>2</Level>"
    "<TimeCreated SystemTime='2024-03-05T01:00:04.000Z'/>"
    "<Channel>Application</Channel><Computer>HV01.contoso.local</Computer></System><EventData>"
    "<Data>An older writer session state is being removed. </Data><Data>0x80042409, Writer status is not "
    "available</Data><Binary>2D20436F64</Binary></EventData></Event>\n"
)

WEVTUTIL_RENDERED = """<?xml version="1.0" encoding="UTF-8"?>
<Events>
<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="VSS"/>
    <EventID Qualifiers="0">8193</EventID>
    <Level>2</Level>
    <TimeCreated SystemTime="2024-02-05T03:12:40.000000000Z"/>
    <Channel>Application</Channel>
    <Computer>HV03</Computer>
  </System>
  <EventData>
    <Data>Writer Modifying Backup Document</Data>
    <Data>0x80070018, El programa emitió un comando pero la longitud del comando es incorrecta.</Data>
  </EventData>
  <RenderingInfo Culture="es-ES">
    <Message>Error del Servicio de instantáneas de volumen: error inesperado al llamar a la rutina
Writer Modifying Backup Document. hr = 0x80070018</Message>
    <Level>Error</Level>
  </RenderingInfo>
</Event>
</Events>
"""


def test_get_winevent_toxml_without_root() -> None:
    result = read_event_xml(GET_WINEVENT_TOXML)
    assert result.problems == []
    first, second = result.events
    assert first == {
        "log": "Microsoft-Windows-Hyper-V-VMMS-Admin",
        "provider": "Microsoft-Windows-Hyper-V-VMMS",
        "id": 10103,
        "level": "Error",
        "time": "2024-03-05T00:00:03Z",
        "message": "VmName: APP01\nVmId: 4B2F9C1E-7A2D-4C11-9E0B-55D1A7C3E901",
        "properties": ["APP01", "4B2F9C1E-7A2D-4C11-9E0B-55D1A7C3E901"],
    }
    assert second["id"] == 12289 and "0x80042409" in str(second["message"])
    assert result.computers == ["HV01.contoso.local"]


def test_wevtutil_rendered_xml_uses_rendered_message(tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    path.write_bytes(b"\xff\xfe" + WEVTUTIL_RENDERED.encode("utf-16-le"))  # as PowerShell 5.1 writes files
    result = read_event_xml(path)
    assert result.problems == []
    (event,) = result.events
    assert event["id"] == 8193 and event["provider"] == "VSS" and event["level"] == "Error"
    assert str(event["message"]).startswith("Error del Servicio de instantáneas")
    assert event["properties"] == [
        "Writer Modifying Backup Document",
        "0x80070018, El programa emitió un comando pero la longitud del comando es incorrecta.",
    ]
    assert read_event_file(path).events == result.events


def test_xml_damaged_and_cut_off_events_are_counted() -> None:
    damaged = GET_WINEVENT_TOXML.replace(
        "<Level>2</Level><TimeCreated SystemTime='2024-03-05T01:00:04.000Z'/>",
        "<Level>2<Level><TimeCreated SystemTime='2024-03-05T01:00:04.000Z'/>",
    )
    result = read_event_xml(damaged + "<Event xmlns='x'><System><Provider Name='VSS'/><EventID>8229")
    assert len(result.events) == 1
    assert result.problems == ["2 events could not be read (damaged or cut-off XML)."]


def test_xml_doctype_is_refused() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        "<Event><System><EventID>1</EventID><Provider Name='&lol2;'/></System></Event>"
    )
    result = read_event_xml(bomb)
    assert result.events == [] and "DOCTYPE" in result.problems[0]


def test_xml_not_events(tmp_path: Path) -> None:
    assert read_event_xml("<html><body>hello</body></html>").problems
    p = tmp_path / "garbage.xml"
    p.write_bytes(bytes(range(256)) * 10)
    assert read_event_xml(p).events == []
    assert read_event_xml(tmp_path / "nope.xml").problems
