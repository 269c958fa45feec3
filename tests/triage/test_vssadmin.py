"""vssadmin writer listings in several languages, and Backup Exec's one-line writer reports."""

from __future__ import annotations

from hvassist.triage import parse_vssadmin_writers, triage_text

EN_STABLE = """vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool
(C) Copyright 2001-2013 Microsoft Corp.

Writer name: 'Task Scheduler Writer'
   Writer Id: {d61d61c8-d73a-4eee-8cdd-f6f9786b7124}
   Writer Instance Id: {1bddd48e-5052-49db-9b07-b96f96727e6b}
   State: [1] Stable
   Last error: No error

Writer name: 'Microsoft Hyper-V VSS Writer'
   Writer Id: {66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}
   Writer Instance Id: {3e4c7a62-5d1f-4b5b-9a0e-2f4b5c6d7e8f}
   State: [1] Stable
   Last error: No error
"""

FR_FAILED = """Nom de l'enregistreur : 'Microsoft Hyper-V VSS Writer'
   ID de l'enregistreur : {66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}
   ID d'instance de l'enregistreur : {8a5e3b2c-1111-2222-3333-444455556666}
   État : [9] Échec
   Dernière erreur : Délai d'attente dépassé
"""

ES_WAITING_ERROR = """Nombre del escritor: 'SqlServerWriter'
   Id. del escritor: {a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}
   Id. de instancia del escritor: {11111111-2222-3333-4444-555555555555}
   Estado: [5] Esperando a que finalice
   Último error: Error de tiempo de espera
"""

PROVIDERS = """Provider name: 'Microsoft Software Shadow Copy provider 1.0'
   Provider type: System
   Provider Id: {b5946137-7b9f-4925-af80-51abd60b20d5}
   Version: 1.0.0.7
"""


def test_parse_english_stable() -> None:
    writers = parse_vssadmin_writers(EN_STABLE)
    assert [w.name for w in writers] == ["Task Scheduler Writer", "Microsoft Hyper-V VSS Writer"]
    hv = writers[1]
    assert hv.writer_id == "{66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}"
    assert hv.state == 1 and not hv.failed and not hv.has_error and hv.last_error == "No error"


def test_all_stable_is_recognised_but_names_no_cause() -> None:
    result = triage_text(EN_STABLE)
    assert result.causes == [] and not result.unrecognised
    assert any("stable" in n for n in result.notes)


def test_parse_french_failed() -> None:
    (hv,) = parse_vssadmin_writers(FR_FAILED)
    assert hv.state == 9 and hv.failed and hv.state_name == "Failed at freeze"
    assert triage_text(FR_FAILED).causes[0].id == "host-hv-writer-failed"


def test_waiting_state_with_error_counts() -> None:
    (w,) = parse_vssadmin_writers(ES_WAITING_ERROR)
    assert w.state == 5 and not w.failed and w.has_error
    assert triage_text(ES_WAITING_ERROR).causes[0].id == "guest-writer-failed"


def test_provider_list_is_not_a_writer_list() -> None:
    assert parse_vssadmin_writers(PROVIDERS) == []


def test_backup_exec_one_line() -> None:
    text = (
        "Writer Name: Microsoft Hyper-V VSS Writer, Writer ID: {66841CD4-6DED-4F4B-8F17-FD23F8DDC3DE}, "
        "Last error: The VSS Writer operation failed because of an error that might recur if another shadow "
        "copy is created. (0x800423F4), State: Failed during prepare snapshot operation (8)."
    )
    (w,) = parse_vssadmin_writers(text)
    assert w.state == 8 and w.failed and w.writer_id == "{66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}"
    assert "0x800423F4" in w.last_error


def test_crlf_and_tabs() -> None:
    text = EN_STABLE.replace(
        "State: [1] Stable\n   Last error: No error\n\nWriter name: 'Microsoft",
        "State: [1] Stable\n   Last error: No error\n\nWriter name: 'Microsoft",
        1,
    )
    text = text.replace(
        "'Microsoft Hyper-V VSS Writer'\n   Writer Id: {66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}\n"
        "   Writer Instance Id: {3e4c7a62-5d1f-4b5b-9a0e-2f4b5c6d7e8f}\n   State: [1] Stable\n"
        "   Last error: No error",
        "'Microsoft Hyper-V VSS Writer'\n\tWriter Id: {66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}\n"
        "\tWriter Instance Id: {3e4c7a62-5d1f-4b5b-9a0e-2f4b5c6d7e8f}\n\tState: [7] Failed\n"
        "\tLast error: Timed out",
    )
    result = triage_text(text.replace("\n", "\r\n"))
    assert result.causes[0].id == "host-hv-writer-failed"


def test_unknown_writer_failing_points_at_guest_writer() -> None:
    text = EN_STABLE.replace(
        "State: [1] Stable\n   Last error: No error\n\nWriter name: 'Microsoft",
        "State: [8] Failed\n   Last error: Timed out\n\nWriter name: 'Microsoft",
    )
    ranked = [c.id for c in triage_text(text).causes]
    assert ranked[0] == "guest-writer-failed"
