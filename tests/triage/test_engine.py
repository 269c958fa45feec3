"""Triage engine details: code forms, event labels in many languages, OS-dependent meanings,
context rules and the JSON shape."""

from __future__ import annotations

import json

import pytest

from hvassist.triage import triage_text


def top(text: str) -> str | None:
    result = triage_text(text)
    return result.causes[0].id if result.causes else None


@pytest.mark.parametrize(
    "text",
    [
        "0x80042313",
        "0x80042313L",
        "hr = 0x80042313",
        "80042313",
        "2147754771",
        "-2147212525",
        "%%2147754771",
        "VSS_E_FLUSH_WRITES_TIMEOUT",
        "Error: -0x80042313",
        "(HRESULT 0X80042313)",
    ],
)
def test_code_forms(text: str) -> None:
    assert top(text) == "io-flush-timeout"


def test_guid_parts_are_not_codes() -> None:
    # 800423f3 inside a GUID must not be read as VSS_E_WRITERERROR_RETRYABLE
    assert triage_text("Instance {800423f3-1111-2222-3333-444455556666} started").unrecognised


@pytest.mark.parametrize(
    "label",
    [
        "Event ID:",
        "EventID:",
        "Id           :",
        "Ereignis-ID:",
        "ID de l'événement :",
        "Id. del evento:",
        "ID evento:",
        "Gebeurtenis-id:",
        "Händelse-ID:",
        "Identyfikator zdarzenia:",
        "Код события:",
        "イベント ID:",
        "ID do Evento:",
    ],
)
def test_event_id_labels(label: str) -> None:
    text = f"Source: Microsoft-Windows-Hyper-V-VMMS\n{label} 10103\n"
    assert top(text) == "no-scsi-controller"


def test_event_unlabelled_with_provider() -> None:
    assert (
        top("Error Event 19100 Hyper-V-VMMS 19100 'X' background disk merge failed to complete")
        == "permissions-av"
    )


def test_get_winevent_table_output() -> None:
    text = """   ProviderName: Microsoft-Windows-Hyper-V-VMMS

TimeCreated                     Id LevelDisplayName Message
-----------                     -- ---------------- -------
3/5/2024 1:00:03 AM          10103 Error            The virtual machine 'APP1' cannot be hot backed up..."""
    assert top(text) == "no-scsi-controller"


def test_wevtutil_text_output() -> None:
    text = """Event[0]:
  Log Name: Application
  Source: VSS
  Date: 2024-03-01T23:00:05.000
  Event ID: 8194
  Task: N/A
  Level: Error
  Description:
Volume Shadow Copy Service error: Unexpected error querying for the IVssWriterCallback interface.
hr = 0x80070005"""
    assert top(text) == "vss-com-security"


def test_10103_meaning_follows_os() -> None:
    event = "Source: Microsoft-Windows-Hyper-V-VMMS\nEvent ID: 10103\nComputer: HV1 (%s)\n"
    assert top(event % "Windows Server 2012 R2 Datacenter") == "no-scsi-controller"
    assert top(event % "Windows Server 2016") == "no-scsi-controller"
    assert top(event % "Windows Server 2008 R2") != "no-scsi-controller"
    assert top(event % "Windows Server 2008") != "no-scsi-controller"
    assert top(event % "unknown OS") == "no-scsi-controller"


def test_10103_text_beats_os_hint() -> None:
    text = (
        "Windows Server 2008 R2 guest on our host. Event ID 10103 Hyper-V-VMMS: The virtual machine 'X' "
        "cannot be hot backed up since it has no SCSI controllers attached."
    )
    assert top(text) == "no-scsi-controller"


def test_generic_windows_code_needs_backup_context() -> None:
    assert top("0x80070005") == "permissions-av"  # bare code: the user asks about a backup error
    assert triage_text(
        "Cannot open the spreadsheet budget.xlsx on the file server: Access is denied "
        "(0x80070005). Ask the owner of the folder for permission."
    ).unrecognised
    assert top("Checkpoint merge of VM 'X' failed: Access is denied (0x80070005)") == "permissions-av"


def test_vss_specific_code_needs_no_context() -> None:
    assert top("The flux capacitor reported 0x800423FB") == "autorecovery-avhdx-left"


def test_wmi_codes_need_error_wording() -> None:
    assert top("32775") == "vhds-guest-cluster"
    assert top("Wmi error: '32775'") == "vhds-guest-cluster"
    assert triage_text("The VM has 32768 MB of memory and 4 virtual processors, all good.").unrecognised


def test_json_shape() -> None:
    data = triage_text("0x800423F4").to_json()
    json.dumps(data)
    assert set(data) >= {"causes", "unrecognised"}
    assert data["unrecognised"] is False
    first = data["causes"][0]
    assert set(first) >= {"id", "score", "title", "evidence", "next_step"}
    assert 0 <= first["score"] <= 1


def test_empty_and_whitespace() -> None:
    for text in ("", "   \n\t ", "\x00\x01"):
        result = triage_text(text)
        assert result.unrecognised and not result.causes


def test_very_long_text_is_cut_not_refused() -> None:
    text = "0x800423FB " + "filler words without meaning " * 100_000
    result = triage_text(text)
    assert result.causes[0].id == "autorecovery-avhdx-left"


def test_fullwidth_digits_and_invisible_characters() -> None:
    assert top("hr = ０ｘ８００４２３１３") == "io-flush-timeout"
    assert top("0x8004\u200b2313") == "io-flush-timeout"


def test_mixed_paste_keeps_several_causes() -> None:
    text = (
        "Event ID: 10103 Source: Hyper-V-VMMS The virtual machine 'A' cannot be hot backed up since it "
        "has no SCSI controllers attached.\nAlso on VM B: The number of volumes reverted does not match the "
        "number of volumes in the snapshot set for virtual machine 'B'."
    )
    ids = [c.id for c in triage_text(text).causes]
    assert ids[0] == "no-scsi-controller" and "disk-signature-collision" in ids[:3]


def test_host_os_decides_event_meaning() -> None:
    event = "Source: Microsoft-Windows-Hyper-V-VMMS\nEvent ID: 10103\n"
    assert top(event) == "no-scsi-controller"
    assert triage_text(event, host_os="Microsoft Windows Server 2008 R2 Enterprise").causes[0].id != (
        "no-scsi-controller"
    )
    assert triage_text(event + "on a Windows Server 2008 guest", host_os="6.3.9600").causes[0].id == (
        "no-scsi-controller"
    )


def test_triage_imported_event() -> None:
    from hvassist.offline import read_event_xml
    from hvassist.triage import triage_event

    xml = (
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='VSS'/>"
        "<EventID Qualifiers='0'>8193</EventID><Level>2</Level><Channel>Application</Channel></System>"
        "<EventData><Data>Writer Modifying Backup Document</Data><Data>0x80070018, The program issued a "
        "command but the command length is incorrect.</Data></EventData></Event>"
    )
    (event,) = read_event_xml(xml).events
    assert triage_event(event).causes[0].id == "writer-metadata-too-large"
