"""Static checks that a script claiming PowerShell 2.0 (Windows Server 2008 R2, WMI v1) uses nothing
PowerShell 3.0 or later added. There is no PowerShell here, so this is a careful reading of the text:
comments and string contents are blanked first, then constructs are matched, commands are checked
against what PowerShell 2.0 and the 2008 R2 FailoverClusters module have, and parameters that later
versions added to old cmdlets are flagged."""

from __future__ import annotations

import re

from support import pscheck

# (name, pattern on code without comments/strings, why)
CONSTRUCTS: list[tuple[str, str, str]] = [
    ("[pscustomobject]", r"\[\s*pscustomobject\s*\]", "the [pscustomobject] accelerator is PowerShell 3.0"),
    ("[ordered]", r"\[\s*ordered\s*\]", "[ordered] dictionaries are PowerShell 3.0"),
    ("-in/-notin", r"(?<![\w-])-(?:not)?in(?![\w-])", "the -in / -notin operators are PowerShell 3.0"),
    (".Where()", r"\.where\s*\(", "the .Where() method is PowerShell 4.0"),
    (".ForEach()", r"\.foreach\s*\(", "the .ForEach() method is PowerShell 4.0"),
    ("::new()", r"::new\s*\(", "::new() constructors are PowerShell 5.0"),
    ("$PSItem", r"\$psitem\b", "$PSItem is PowerShell 3.0 (use $_)"),
    ("$PSScriptRoot", r"\$ps(?:scriptroot|commandpath)\b", "$PSScriptRoot/$PSCommandPath in scripts are 3.0"),
    ("-shl/-shr", r"(?<![\w-])-sh[lr](?![\w-])", "bit shift operators are PowerShell 3.0"),
    ("class/enum", r"(?im)^\s*(?:class|enum)\s+\w+", "classes and enums are PowerShell 5.0"),
    ("using namespace", r"(?im)^\s*using\s+(?:namespace|module)\b", "'using' statements are PowerShell 5.0"),
    ("simplified Where-Object", r"(?i)(?:\bwhere-object|\|\s*(?:where|\?))\s+(?![{\s-]|-filterscript)",
     "Where-Object Name -eq x (simplified syntax) is PowerShell 3.0: use a script block"),
    ("simplified ForEach-Object", r"(?i)(?:\bforeach-object|\|\s*%)\s+(?![{\s-]|-process|-begin)",
     "ForEach-Object Name (simplified syntax) is PowerShell 3.0: use a script block"),
    ("@(...).Property", r"@\([^()]*(?:\([^()]*\)[^()]*)*\)\.(?!count\b|length\b)\w+(?!\s*\()",
     "reading a property of an array (member enumeration) is PowerShell 3.0"),
]
REQUIRES = re.compile(r"(?im)^#requires\s+-version\s+([3-9])")

# Commands PowerShell 2.0 has (Microsoft.PowerShell.* 2.0 and WSMan), plus the 2008 R2 FailoverClusters module.
_PS2_WORDS = """
Add-Content Add-History Add-Member Add-PSSnapin Add-Type Clear-Content Clear-Item Clear-ItemProperty Clear-Variable
Compare-Object ConvertFrom-Csv ConvertFrom-SecureString ConvertFrom-StringData Convert-Path ConvertTo-Csv
ConvertTo-Html ConvertTo-SecureString ConvertTo-Xml Copy-Item Copy-ItemProperty Export-Alias Export-Clixml
Export-Csv Export-FormatData Export-ModuleMember Exit-PSSession Enter-PSSession ForEach-Object Format-Custom
Format-List Format-Table Format-Wide Get-Acl Get-Alias Get-AuthenticodeSignature Get-ChildItem Get-Command
Get-Content Get-Counter Get-Credential Get-Culture Get-Date Get-Event Get-EventLog Get-ExecutionPolicy
Get-FormatData Get-Help Get-History Get-Host Get-HotFix Get-Item Get-ItemProperty Get-Job Get-Location Get-Member
Get-Module Get-PSDrive Get-PSProvider Get-PSSession Get-PSSnapin Get-PfxCertificate Get-Process Get-Random
Get-Service Get-TraceSource Get-Transaction Get-UICulture Get-Unique Get-Variable Get-WinEvent Get-WmiObject
Group-Object Import-Alias Import-Clixml Import-Csv Import-LocalizedData Import-Module Invoke-Command
Invoke-Expression Invoke-History Invoke-Item Invoke-WmiMethod Join-Path Limit-EventLog Measure-Command
Measure-Object Move-Item Move-ItemProperty New-Alias New-Event New-EventLog New-Item New-ItemProperty New-Module
New-ModuleManifest New-Object New-PSDrive New-PSSession New-Service New-TimeSpan New-Variable New-WebServiceProxy
Out-Default Out-File Out-GridView Out-Host Out-Null Out-Printer Out-String Pop-Location Push-Location Read-Host
Receive-Job Register-WmiEvent Remove-Item Remove-ItemProperty Remove-Job Remove-Module Remove-PSDrive
Remove-PSSession Remove-Variable Remove-WmiObject Rename-Item Rename-ItemProperty Resolve-Path Restart-Computer
Restart-Service Select-Object Select-String Select-Xml Set-Acl Set-Alias Set-Content Set-Date Set-ExecutionPolicy
Set-Item Set-ItemProperty Set-Location Set-PSDebug Set-Service Set-StrictMode Set-Variable Set-WmiInstance
Sort-Object Split-Path Start-Job Start-Process Start-Service Start-Sleep Start-Transcript Stop-Computer Stop-Job
Stop-Process Stop-Service Stop-Transcript Tee-Object Test-Connection Test-Path Trace-Command Update-FormatData
Update-TypeData Wait-Event Wait-Job Wait-Process Where-Object Write-Debug Write-Error Write-EventLog Write-Host
Write-Output Write-Progress Write-Verbose Write-Warning Add-ClusterDisk Add-ClusterFileServerRole
Add-ClusterGenericApplicationRole Add-ClusterGenericServiceRole Add-ClusterGroup Add-ClusterNode Add-ClusterResource
Add-ClusterResourceDependency Add-ClusterResourceType Add-ClusterSharedVolume Add-ClusterVirtualMachineRole
Block-ClusterAccess Clear-ClusterDiskReservation Clear-ClusterNode Get-Cluster Get-ClusterAccess
Get-ClusterAvailableDisk Get-ClusterGroup Get-ClusterLog Get-ClusterNetwork Get-ClusterNetworkInterface
Get-ClusterNode Get-ClusterOwnerNode Get-ClusterParameter Get-ClusterQuorum Get-ClusterResource
Get-ClusterResourceDependency Get-ClusterResourceDependencyReport Get-ClusterResourceType Get-ClusterSharedVolume
Grant-ClusterAccess Move-ClusterGroup Move-ClusterResource Move-ClusterSharedVolume Move-ClusterVirtualMachineRole
New-Cluster Remove-Cluster Remove-ClusterAccess Remove-ClusterGroup Remove-ClusterNode Remove-ClusterResource
Remove-ClusterResourceDependency Remove-ClusterResourceType Remove-ClusterSharedVolume Repair-ClusterSharedVolume
Resume-ClusterNode Resume-ClusterResource Set-ClusterLog Set-ClusterOwnerNode Set-ClusterParameter Set-ClusterQuorum
Set-ClusterResourceDependency Start-Cluster Start-ClusterGroup Start-ClusterNode Start-ClusterResource Stop-Cluster
Stop-ClusterGroup Stop-ClusterNode Stop-ClusterResource Suspend-ClusterNode Suspend-ClusterResource Test-Cluster
Test-ClusterResourceFailure Update-ClusterIPResource Update-ClusterVirtualMachineConfiguration
"""
PS2_COMMANDS = {c.lower() for c in _PS2_WORDS.split()}
NATIVE = {"vssadmin", "vssadmin.exe", "wmic", "wmic.exe"}
# Parameters PowerShell 3.0+ added to cmdlets 2.0 already had.
LATER_PARAMETERS = {
    "get-childitem": {"file", "directory", "attributes", "hidden", "readonly", "system"},
    "get-content": {"raw", "stream"},
    "set-content": {"nonewline", "stream"},
    "add-content": {"nonewline", "stream"},
    "out-file": {"nonewline"},
    "select-object": {"skiplast"},
    "import-module": {"minimumversion", "requiredversion", "maximumversion", "fullyqualifiedname", "cimsession",
                      "pssession"},
    "get-module": {"fullyqualifiedname", "cimsession", "pssession"},
    "copy-item": {"tosession", "fromsession"},
    "test-path": {"olderthan", "newerthan"},
    "rename-item": {"literalpath"},
    "where-object": {"property", "value", "eq", "ne", "like", "match", "in", "notin", "contains"},
    "foreach-object": {"membername"},
}


def code_only(text: str) -> str:
    """The script with comments and the contents of string literals replaced by spaces (lines kept)."""
    tree, src = pscheck.parse(text)
    buf = bytearray(src)

    def blank(start: int, end: int) -> None:
        for i in range(start, end):
            if buf[i] not in (10, 13):
                buf[i] = 32

    def walk(n) -> None:  # type: ignore[no-untyped-def]
        if n.type == "comment":
            blank(n.start_byte, n.end_byte)
            return
        if n.type in ("verbatim_string_characters", "verbatim_here_string_characters"):
            blank(n.start_byte + 1, n.end_byte - 1)
            return
        if n.type in ("expandable_string_literal", "expandable_here_string_literal"):
            # keep the $variables inside: they are code
            inner = src[n.start_byte:n.end_byte]
            for m in re.finditer(rb"[^$]+|\$\w+", inner):
                if not m.group().startswith(b"$"):
                    blank(n.start_byte + m.start() + (1 if m.start() == 0 else 0),
                          n.start_byte + m.end() - (1 if m.end() == len(inner) else 0))
            return
        for c in n.children:
            walk(c)

    walk(tree.root_node)
    return buf.decode("utf-8")


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def problems(text: str) -> list[str]:
    out: list[str] = []
    code = code_only(text)
    for name, pattern, why in CONSTRUCTS:
        for m in re.finditer(pattern, code, re.I):
            out.append("line %d: %s: %s" % (_line(code, m.start()), name, why))
    m = REQUIRES.search(text)
    if m:
        out.append("line %d: #requires -version %s on a PowerShell 2.0 script" % (_line(text, m.start()), m.group(1)))
    # arrays from @(...): reading a property of the whole array is member enumeration (3.0)
    arrays = set(re.findall(r"\$(\w+)\s*=\s*@\(", code))
    for m in re.finditer(r"\$(\w+)\.(\w+)(?!\s*[(\w])", code):
        var, prop = m.group(1), m.group(2)
        if var in arrays and prop.lower() not in ("count", "length", "rank"):
            out.append("line %d: $%s.%s: $%s is an array; reading a property of every element (member "
                       "enumeration) is PowerShell 3.0" % (_line(code, m.start()), var, prop, var))
        if prop.lower() == "count" and var not in arrays and var not in ("matches", "args", "input"):
            out.append("line %d: $%s.Count: a single object has no Count before PowerShell 3.0; wrap it: @(...)"
                       % (_line(code, m.start()), var))
    defined = {f.lower() for f in re.findall(r"(?im)^\s*function\s+([\w-]+)", code)}
    for name, params, line in pscheck.commands(text):
        low = name.lower()
        if low in defined or low in NATIVE:
            continue
        if low not in PS2_COMMANDS:
            out.append("line %d: %s is not a PowerShell 2.0 / 2008 R2 command" % (line, name))
            continue
        later = LATER_PARAMETERS.get(low, set())
        for p in params:
            if p.lower() in later:
                out.append("line %d: %s -%s was added after PowerShell 2.0" % (line, name, p))
    return sorted(set(out), key=lambda s: int(s.split(":")[0].split()[1]))


def hash_literal_keys(text: str) -> set[str]:
    """Keys of every @{...} literal: in hvassist's PowerShell 2.0 scripts these are the output objects."""
    tree, src = pscheck.parse(text)
    keys: set[str] = set()

    def walk(n) -> None:  # type: ignore[no-untyped-def]
        if n.type == "hash_entry":
            k = next((c for c in n.children if c.type == "key_expression"), None)
            if k is not None:
                keys.add(src[k.start_byte:k.end_byte].decode().strip("'\""))
        for c in n.children:
            walk(c)

    walk(tree.root_node)
    return keys


def functions(text: str) -> dict[str, str]:
    tree, src = pscheck.parse(text)
    out: dict[str, str] = {}

    def walk(n) -> None:  # type: ignore[no-untyped-def]
        if n.type == "function_statement":
            body = src[n.start_byte:n.end_byte].decode()
            m = re.match(r"function\s+([\w-]+)", body, re.I)
            if m:
                out[m.group(1)] = body
            return
        for c in n.children:
            walk(c)

    walk(tree.root_node)
    return out
