"""Every shipped PowerShell script is a contract: header, parameters as data, output schema, and
cmdlets/parameters that exist on the oldest Windows Server it claims (Microsoft's reference)."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from support import pscheck

from hvassist.remote.scripts import BOOTSTRAP, all_scripts, parse_header
from hvassist.resources import resource_path

SCRIPTS = sorted(all_scripts().values(), key=lambda s: s.name)
MODERN = [s for s in SCRIPTS if s.min_windows_server != "2008r2"]


def test_scripts_found():
    assert {"collect-host", "vm-stop", "vm-start", "vm-add-scsi-controller", "probe-host"} <= {s.name for s in SCRIPTS}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.name)
def test_header(script):
    h = parse_header(script.text)
    assert h["hvassist-script"] == "%s/%d" % (script.name, script.version)
    assert h.get("summary"), "say what the script does"
    assert script.min_windows_server in ("2008r2", "2012", "2012r2", "2016", "2019", "2022")
    assert script.powershell in ("2.0", "3.0", "4.0", "5.1")
    assert script.output == "jsonl" or resource_path("ps", script.output).exists()


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.name)
def test_parameters_are_data(script):
    text = script.text
    assert re.search(r"^param\(\[string\]\$ParamsB64\)$", text, re.M), "parameters arrive as one base64 string"
    body = text.split("param([string]$ParamsB64)", 1)[1]
    # nothing builds code from strings at run time
    for forbidden in ("Invoke-Expression", "iex ", "[ScriptBlock]::Create", "AddScript("):
        assert forbidden.lower() not in body.lower(), forbidden
    assert text.isascii(), "scripts travel through a console: keep them ASCII"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.name)
def test_parses(script):
    assert pscheck.syntax_errors(script.text) == []


def test_bootstrap_parses_and_is_short():
    assert pscheck.syntax_errors(BOOTSTRAP) == []
    assert len(BOOTSTRAP) < 400


@pytest.mark.parametrize("script", MODERN, ids=lambda s: s.name)
def test_cmdlets_exist_on_oldest_claimed_version(script):
    if not pscheck.REFERENCE.exists():
        pytest.skip("shared/ps-reference/cmdlets.json is not beside the checkout")
    assert pscheck.cmdlet_problems(script.text, script.min_windows_server) == []


def test_cmdlet_check_can_fail():
    if not pscheck.REFERENCE.exists():
        pytest.skip("no reference")
    bad = "param([string]$ParamsB64)\nGet-VMCheckpoint -VMName x\nGet-VM -Bogus 1\n"
    problems = pscheck.cmdlet_problems(bad, "2012r2")
    assert any("Get-VMCheckpoint" in p for p in problems)
    assert any("-Bogus" in p for p in problems)
    assert pscheck.cmdlet_problems("Get-VMSnapshot -VMName x -SnapshotType Recovery", "2012r2") == []


# PowerShell 2.0 scripts have no [pscustomobject]: tests/migrate/test_ps2_scripts.py checks their @{...} keys.
@pytest.mark.parametrize("script", [s for s in SCRIPTS if s.schema and s.powershell != "2.0"], ids=lambda s: s.name)
def test_pscustomobject_keys_match_schema(script):
    keys = pscheck.pscustomobject_keys(script.text)
    names = pscheck.schema_property_names(script.schema)
    assert keys, "the script builds its output with [pscustomobject]@{...}"
    assert keys == names, "keys only in script: %s; only in schema: %s" % (sorted(keys - names), sorted(names - keys))


def test_schemas_are_valid_json_schema():
    for path in resource_path("ps").glob("*.schema.json"):
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))


def test_shared_helpers_come_from_one_file_and_arrive_whole():
    """``# hvassist-include:`` lines are replaced by ``resources/ps/lib/`` files when scripts load: no include line
    travels to a host, every library file is used, and its text is in the script it went into."""
    from hvassist.remote.scripts import expand_includes

    include = re.compile(r"^# hvassist-include: (\S+)$", re.MULTILINE)
    raw = {p.name: p.read_text(encoding="utf-8").removesuffix("\n") for p in resource_path("ps", "lib").glob("*.ps1")}
    lib = {name: expand_includes(text, name) for name, text in raw.items()}
    used = {name for text in raw.values() for name in include.findall(text)}
    for script in SCRIPTS:
        assert "hvassist-include" not in script.text, script.name
        source = resource_path("ps", script.name + ".ps1").read_text(encoding="utf-8")
        for name in include.findall(source):
            assert lib[name] in script.text, (script.name, name)
            used.add(name)
    assert used == set(lib), "library files no script includes: %s" % sorted(set(lib) - used)
    with pytest.raises(ValueError, match="not in resources/ps/lib"):
        expand_includes("# hvassist-include: no-such-helper.ps1\n", "x.ps1")
