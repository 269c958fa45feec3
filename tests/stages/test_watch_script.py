"""watch-backup.ps1: header contract, parameters as data, 2012 R2 cmdlets, output schema, lab answer.

A focused check until the project has a generic one for every shipped script."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hvassist.remote.scripts import decode_params, get_script, parse_header
from hvassist.resources import resource_path

SCRIPT = resource_path("ps", "watch-backup.ps1")
SCHEMA = resource_path("ps", "watch-backup.schema.json")
COMMON_PARAMETERS = {
    "verbose",
    "debug",
    "erroraction",
    "warningaction",
    "errorvariable",
    "warningvariable",
    "outvariable",
    "outbuffer",
    "pipelinevariable",
    "whatif",
    "confirm",
}
EXTERNAL_PROGRAMS = {"vssadmin"}


def _cmdlet_reference() -> dict:
    for base in [Path(__file__).resolve().parents[2], *Path(__file__).resolve().parents[2].parents]:
        path = base / "shared" / "ps-reference" / "cmdlets.json"
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    pytest.skip("shared/ps-reference/cmdlets.json not found")


def _tree(text: str):
    tree_sitter = pytest.importorskip("tree_sitter")
    pwsh = pytest.importorskip("tree_sitter_pwsh")
    parser = tree_sitter.Parser(tree_sitter.Language(pwsh.language()))
    return parser.parse(text.encode("utf-8"))


def _nodes(node, kind):
    if node.type == kind:
        yield node
    for c in node.children:
        yield from _nodes(c, kind)


def _text(node, src: bytes) -> str:
    return src[node.start_byte : node.end_byte].decode("utf-8")


def test_header():
    text = SCRIPT.read_text(encoding="utf-8")
    h = parse_header(text)
    assert h["hvassist-script"] == "watch-backup/1"
    assert h["min-windows-server"] == "2012r2"
    assert h["powershell"] == "4.0"
    assert h["output"] == "jsonl"
    assert h["summary"]
    script = get_script("watch-backup")
    assert script.params == ("VMName", "VMId", "DurationSeconds", "PollSeconds")
    assert SCHEMA.is_file(), "a schema for one output line sits beside the script"


def test_parameters_are_data():
    text = SCRIPT.read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    assert body.lstrip().startswith("param([string]$ParamsB64)")
    assert "FromBase64String($ParamsB64)" in body and "ConvertFrom-Json" in body
    for bad in ("Invoke-Expression", "iex ", "[ScriptBlock]::Create", "ExpandString"):
        assert bad not in body
    # the VM name is compared, never used as a wildcard pattern or spliced into text that runs
    assert "Get-VM -Name" not in body
    payload = get_script("watch-backup").payload({"VMName": "x'; Remove-VM * -Force; \u2019"})
    script_text, _, params_b64 = payload.decode("utf-8").partition("\0\0\0\0")
    assert script_text == text
    assert decode_params(params_b64)["VMName"] == "x'; Remove-VM * -Force; \u2019"


def test_script_parses():
    tree = _tree(SCRIPT.read_text(encoding="utf-8"))
    assert not tree.root_node.has_error


def test_cmdlets_and_parameters_exist_on_2012r2():
    ref = _cmdlet_reference()
    available: dict[str, set[str]] = {}
    for module in ref["windows_server"]["2012r2"].values():
        for name, params in module.items():
            available[name.lower()] = {p.lower() for p in params}
    for module in ref["powershell"]["4.0"].values():
        for name, params in module.items():
            available[name.lower()] = {p.lower() for p in params}
    text = SCRIPT.read_text(encoding="utf-8")
    src = text.encode("utf-8")
    tree = _tree(text)
    functions = {_text(n, src).lower() for n in _nodes(tree.root_node, "function_name")}
    used = []
    for cmd in _nodes(tree.root_node, "command"):
        names = [c for c in cmd.children if c.type == "command_name"]
        if not names:
            continue
        name = _text(names[0], src)
        params = [
            _text(p, src).lstrip("-").rstrip(":").lower()
            for p in _nodes(cmd, "command_parameter")
            if p.parent is not None and p.parent.parent == cmd
        ]
        used.append(name)
        if name.lower() in functions or name.lower() in EXTERNAL_PROGRAMS:
            continue
        assert name.lower() in available, f"{name} does not exist on Windows Server 2012 R2 / PowerShell 4.0"
        unknown = set(params) - available[name.lower()] - COMMON_PARAMETERS
        assert not unknown, f"{name}: parameters {unknown} do not exist on 2012 R2"
    assert {"Get-VM", "Get-VMSnapshot", "Get-WinEvent", "Get-ChildItem"} <= set(used)
    assert "get-vmcheckpoint" not in {u.lower() for u in used}


def test_property_names_match_the_schema():
    schema_text = SCHEMA.read_text(encoding="utf-8")
    names = set(re.findall(r'"([a-z_]+)"\s*:', schema_text))
    text = SCRIPT.read_text(encoding="utf-8")
    src = text.encode("utf-8")
    keys = set()
    for cast in _nodes(_tree(text).root_node, "cast_expression"):
        literal = [c for c in cast.children if c.type == "type_literal"]
        if not literal or _text(literal[0], src).lower() != "[pscustomobject]":
            continue
        hashes = list(_nodes(cast, "hash_literal_expression"))
        for entry in _nodes(hashes[0], "hash_entry") if hashes else []:
            if entry.parent.parent == hashes[0]:
                keys.add(_text(entry.children[0], src).strip())
    assert keys and keys <= names, f"not in the schema: {keys - names}"
    # and the other way: every key of an observation line is built by the script
    obs = json.loads(schema_text)["$defs"]["observation"]["required"]
    assert set(obs) <= keys


def test_lab_answer_lines_validate(seed_lab):
    jsonschema = pytest.importorskip("jsonschema")
    from hvassist.lab.backup import LabBackupJob
    from hvassist.remote.endpoint import Timeouts
    from hvassist.remote.session import HostSession

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    host, _ = seed_lab.estate.find_vm("VM002")
    session = HostSession(
        seed_lab.endpoint(host.name), seed_lab.username, seed_lab.password, timeouts=Timeouts(operation=1)
    )
    lines = []
    job = LabBackupJob(seed_lab.estate, "VM002", step_seconds=0.05)
    with session:
        stream = session.stream_json_lines(
            "watch-backup", {"VMName": "VM002", "DurationSeconds": 60, "PollSeconds": 0.05}
        )
        for line in stream:
            lines.append(line)
            if line.get("seq") == 1:
                job.start()
            if (
                job.outcome.result != "running"
                and line.get("kind") == "observation"
                and line["writer"]["state"] == 1
                and len(lines) > 3
            ):
                break
        stream.close()
        # the session is usable again after the watcher was stopped
        assert session.run_json("collect-host")["schema"].startswith("collect-host/")
    job.join(10)
    assert lines[0]["kind"] == "start" and lines[0]["vm"]["name"] == "VM002"
    for line in lines:
        jsonschema.validate(line, schema)


def test_lab_refuses_an_unknown_vm(seed_lab):
    from hvassist.remote import errors as E
    from hvassist.remote.session import HostSession

    session = HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password)
    with session, pytest.raises(E.ScriptFailed, match="No virtual machine named"):
        list(session.stream_json_lines("watch-backup", {"VMName": "VM*", "DurationSeconds": 5}))
