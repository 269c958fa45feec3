"""``hvassist report``: the lab diagnosed and written as HTML, PDF and text; a bad path is a clear error and the
other files are still written."""

from __future__ import annotations

from hvassist.cli import main


def test_report_command_writes_all_three(tmp_path, capsys, qapp):
    html, pdf, text = tmp_path / "r.html", tmp_path / "r.pdf", tmp_path / "r.txt"
    rc = main(["report", "--lab", "seed", "--html", str(html), "--pdf", str(pdf), "--text", str(text)])
    assert rc == 1, "findings: exit code 1, as diagnose"
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert pdf.read_bytes().startswith(b"%PDF-")
    summary = text.read_text(encoding="utf-8")
    assert "no-scsi-controller" in summary and "What was done:" in summary
    err = capsys.readouterr().err
    assert "PDF report saved: %s" % pdf in err


def test_report_command_redacts(tmp_path, capsys):
    text = tmp_path / "r.txt"
    assert main(["report", "--lab", "seed", "--text", str(text), "--redact"]) == 1
    out = text.read_text(encoding="utf-8")
    assert "HOST-1" in out and "HV01" not in out and "VM001" not in out


def test_report_command_bad_path_is_a_clear_error(tmp_path, capsys):
    good = tmp_path / "r.html"
    rc = main(["report", "--lab", "seed", "--pdf", str(tmp_path / "missing" / "r.pdf"), "--html", str(good)])
    assert rc == 2
    err = capsys.readouterr().err
    assert "could not be saved" in err and "does not exist" in err and "Choose another folder" in err
    assert good.exists(), "the other file is still written"
    assert not list(tmp_path.glob("**/*.part")), "no half-written files left"


def test_report_command_prints_summary_without_files(capsys):
    assert main(["report", "--lab", "seed"]) == 1
    assert "What is wrong:" in capsys.readouterr().out
