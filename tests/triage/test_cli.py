"""``hvassist triage``: JSON and human output, files in the encodings Windows writes, stdin."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from hvassist.cli import main

EVENT = """Log Name:      Microsoft-Windows-Hyper-V-VMMS-Admin
Source:        Microsoft-Windows-Hyper-V-VMMS
Event ID:      10103
Level:         Error
Description:
The virtual machine 'APP01' cannot be hot backed up since it has no SCSI controllers attached. Please add one
or more SCSI controllers to the virtual machine before performing a backup.
"""


@pytest.fixture(autouse=True)
def _throwaway_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # main() sets up a log file under the app's data folder; keep it out of the real profile.
    monkeypatch.setenv("HVASSIST_HOME", str(tmp_path / "home"))


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main(["triage", *args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "event.txt"
    path.write_text(EVENT, encoding="utf-8")
    code, data = run_json(capsys, str(path))
    assert code == 1
    assert data["unrecognised"] is False
    causes = data["causes"]
    assert isinstance(causes, list)
    first = causes[0]
    assert first["id"] == "no-scsi-controller"
    assert 0 < first["score"] <= 1 and first["title"] and first["evidence"] and first["next_step"]


def test_utf16_file_with_bom(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "event-utf16.txt"
    path.write_bytes(b"\xff\xfe" + EVENT.replace("\n", "\r\n").encode("utf-16-le"))
    code, data = run_json(capsys, str(path))
    assert data["causes"][0]["id"] == "no-scsi-controller"  # type: ignore[index]


def test_garbage_file_does_not_crash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "garbage.bin"
    path.write_bytes(bytes(range(256)) * 50 + b"\xff\xfe\x00\xd8")
    code, data = run_json(capsys, str(path))
    assert code == 0 and data["unrecognised"] is True and data["causes"] == []


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["triage", str(tmp_path / "nope.txt")]) == 2
    assert "Cannot read" in capsys.readouterr().err


def test_stdin_and_human_output(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"0x80042313\n"), encoding="utf-8"))
    assert main(["triage"]) == 1
    out = capsys.readouterr().out
    assert "Likely causes" in out and "Next step:" in out and "io-flush-timeout" in out


def test_human_output_unrecognised(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"Bake for 35 minutes."), encoding="utf-8"))
    assert main(["triage", "-"]) == 0
    assert "Nothing in this text" in capsys.readouterr().out
