"""Scripts for Windows Server 2008 R2 (the migration source) are PowerShell 2.0 and WMI v1 only: no
ConvertTo-Json, no [pscustomobject], no CIM, no 3.0+ syntax. Their hand-built JSON keys match the
documented schema, and their shared helpers are the same text in every script."""

from __future__ import annotations

import pytest
from support import ps2check, pscheck

from hvassist.remote.scripts import all_scripts

PS2 = sorted((s for s in all_scripts().values() if s.min_windows_server == "2008r2"), key=lambda s: s.name)


def test_the_source_scripts_are_there():
    assert {s.name for s in PS2} >= {"mig-source-inventory", "mig-source-vm-shutdown", "mig-source-remove-role",
                                     "mig-source-remove-csv", "mig-source-copy-configs"}


@pytest.mark.parametrize("script", PS2, ids=lambda s: s.name)
def test_claims_powershell_2(script):
    assert script.powershell == "2.0"
    assert "root\\virtualization" in script.text and "\\v2" not in script.text, "WMI v1 only"


@pytest.mark.parametrize("script", PS2, ids=lambda s: s.name)
def test_no_powershell_3_constructs(script):
    assert ps2check.problems(script.text) == []


@pytest.mark.parametrize("script", PS2, ids=lambda s: s.name)
def test_hand_built_json_keys_match_schema(script):
    keys = ps2check.hash_literal_keys(script.text)
    names = pscheck.schema_property_names(script.schema)
    assert keys, "the script builds its output as @{...} hashtables"
    assert keys == names, "keys only in script: %s; only in schema: %s" % (sorted(keys - names), sorted(names - keys))


def test_shared_helpers_are_identical():
    seen: dict[str, tuple[str, str]] = {}
    for script in PS2:
        for name, body in ps2check.functions(script.text).items():
            if name in seen:
                assert body == seen[name][1], "%s differs between %s and %s" % (name, seen[name][0], script.name)
            else:
                seen[name] = (script.name, body)
    assert {"ConvertTo-HvJson", "ConvertTo-HvJsonString", "Read-HvJson"} <= set(seen)


@pytest.mark.parametrize("snippet, expected", [
    ("$x | ConvertTo-Json", "ConvertTo-Json is not a PowerShell 2.0"),
    ("$o = $t | ConvertFrom-Json", "ConvertFrom-Json is not"),
    ("$o = [pscustomobject]@{ a = 1 }", "[pscustomobject]"),
    ("$o = [ordered]@{ a = 1 }", "[ordered]"),
    ("$os = Get-CimInstance -ClassName Win32_OperatingSystem", "Get-CimInstance is not"),
    ("$s = New-CimSession -ComputerName x", "New-CimSession is not"),
    ("if ($a -in $b) { 1 }", "-in/-notin"),
    ("if ($a -notin $b) { 1 }", "-in/-notin"),
    ("$a.Where({ $_ })", ".Where()"),
    ("$a.ForEach({ $_ })", ".ForEach()"),
    ("$l = [System.Collections.ArrayList]::new()", "::new()"),
    ("$a | ForEach-Object { $PSItem }", "$PSItem"),
    ("$r = Invoke-WebRequest -Uri http://x", "Invoke-WebRequest is not"),
    ("$r = Invoke-RestMethod -Uri http://x", "Invoke-RestMethod is not"),
    ("$h = Get-FileHash -Path x", "Get-FileHash is not"),
    ("$v = Get-VM -Name x", "Get-VM is not"),
    ("$f = Get-ChildItem -Path C:\\ -File", "-File was added"),
    ("$t = Get-Content -Path x -Raw", "-Raw was added"),
    ("$v = $list | Where-Object Name -eq 'x'", "simplified Where-Object"),
    ("$v = $list | ForEach-Object Name", "simplified ForEach-Object"),
    ("$n = @(Get-ChildItem -Path C:\\).Name", "@(...).Property"),
    ("$items = @(Get-ChildItem -Path C:\\)\n$names = $items.Name", "member enumeration"),
    ("$one = Get-Item -Path C:\\\nif ($one.Count -gt 0) { 1 }", "a single object has no Count"),
    ("$x = 1 -shl 2", "-shl/-shr"),
    ("class Foo { }", "class/enum"),
    ("#requires -version 3\n$a = 1", "#requires -version 3"),
])
def test_checker_catches(snippet, expected):
    found = ps2check.problems(snippet)
    assert any(expected in p for p in found), found


def test_checker_ignores_comments_and_strings():
    text = ("# ConvertTo-Json is not used here, nor [pscustomobject]\n"
            "$m = 'ConvertTo-Json -in .Where( ::new( $PSItem'\n"
            "$n = \"text [ordered] $m\"\n"
            "$items = @(Get-ChildItem -Path C:\\)\n"
            "$count = $items.Count\n")
    assert ps2check.problems(text) == []
