# hvassist-script: mig-source-remove-csv/1
# summary: Migration source (2008 R2, PowerShell 2.0): take a CSV out of the source cluster (Remove-ClusterSharedVolume, then stop and remove its disk resource). The data on the LUN is not touched. Refuses while a VM on this node with files on the CSV is not off. Does nothing if the CSV is already gone.
# min-windows-server: 2008r2
# powershell: 2.0
# output: mig-source-remove-csv.schema.json
# params: CsvName
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

# --- hvassist PS2 JSON writer (PowerShell 2.0 has no ConvertTo-Json). Everything that is not
# printable ASCII is written as \uXXXX, so the output survives any console code page.
function ConvertTo-HvJsonString([string]$Text) {
    $sb = New-Object System.Text.StringBuilder
    [void]$sb.Append('"')
    foreach ($ch in $Text.ToCharArray()) {
        $code = [int]$ch
        if ($code -eq 34) { [void]$sb.Append('\"') }
        elseif ($code -eq 92) { [void]$sb.Append('\\') }
        elseif ($code -lt 32 -or $code -gt 126) { [void]$sb.Append(('\u{0:x4}' -f $code)) }
        else { [void]$sb.Append($ch) }
    }
    [void]$sb.Append('"')
    return $sb.ToString()
}

function ConvertTo-HvJson($Value) {
    if ($null -eq $Value) { return 'null' }
    if ($Value -is [bool]) {
        if ($Value) { return 'true' }
        return 'false'
    }
    if ($Value -is [string] -or $Value -is [char] -or $Value -is [guid]) { return (ConvertTo-HvJsonString ([string]$Value)) }
    if ($Value -is [datetime]) { return (ConvertTo-HvJsonString ($Value.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ'))) }
    if ($Value -is [System.Collections.IDictionary]) {
        $parts = @()
        foreach ($key in $Value.Keys) {
            $parts += ((ConvertTo-HvJsonString ([string]$key)) + ':' + (ConvertTo-HvJson $Value[$key]))
        }
        return ('{' + ($parts -join ',') + '}')
    }
    if ($Value -is [System.Collections.IEnumerable]) {
        $parts = @()
        foreach ($item in $Value) { $parts += (ConvertTo-HvJson $item) }
        return ('[' + ($parts -join ',') + ']')
    }
    if ($Value -is [System.ValueType]) { return [string]::Format([Globalization.CultureInfo]::InvariantCulture, '{0}', $Value) }
    return (ConvertTo-HvJsonString ([string]$Value))
}

# --- hvassist PS2 JSON reader (PowerShell 2.0 has no ConvertFrom-Json). Reads the parameters only:
# objects become hashtables, arrays object[], strings, numbers, true/false/null. Never evaluates text.
function Skip-HvJsonSpace {
    while ($script:hvJsonPos -lt $script:hvJsonText.Length -and [char]::IsWhiteSpace($script:hvJsonText[$script:hvJsonPos])) {
        $script:hvJsonPos++
    }
}

function Read-HvJsonChar([string]$Expected) {
    Skip-HvJsonSpace
    if ($script:hvJsonPos -ge $script:hvJsonText.Length -or [string]$script:hvJsonText[$script:hvJsonPos] -cne $Expected) {
        throw ('hvassist: the parameters are not valid JSON (expected {0} at {1}).' -f $Expected, $script:hvJsonPos)
    }
    $script:hvJsonPos++
}

function Read-HvJsonString {
    Read-HvJsonChar '"'
    $sb = New-Object System.Text.StringBuilder
    while ($true) {
        if ($script:hvJsonPos -ge $script:hvJsonText.Length) { throw 'hvassist: the parameters are not valid JSON (unterminated text).' }
        $c = [string]$script:hvJsonText[$script:hvJsonPos]
        $script:hvJsonPos++
        if ($c -ceq '"') { return $sb.ToString() }
        if ($c -cne '\') {
            [void]$sb.Append($c)
            continue
        }
        $e = [string]$script:hvJsonText[$script:hvJsonPos]
        $script:hvJsonPos++
        if ($e -ceq 'u') {
            [void]$sb.Append([char][Convert]::ToInt32($script:hvJsonText.Substring($script:hvJsonPos, 4), 16))
            $script:hvJsonPos += 4
        }
        elseif ($e -ceq 'n') { [void]$sb.Append("`n") }
        elseif ($e -ceq 'r') { [void]$sb.Append("`r") }
        elseif ($e -ceq 't') { [void]$sb.Append("`t") }
        elseif ($e -ceq 'b') { [void]$sb.Append([char]8) }
        elseif ($e -ceq 'f') { [void]$sb.Append([char]12) }
        else { [void]$sb.Append($e) }
    }
}

function Read-HvJsonValue {
    Skip-HvJsonSpace
    if ($script:hvJsonPos -ge $script:hvJsonText.Length) { throw 'hvassist: the parameters are not valid JSON (unexpected end).' }
    $c = [string]$script:hvJsonText[$script:hvJsonPos]
    if ($c -ceq '{') {
        $script:hvJsonPos++
        $object = @{}
        Skip-HvJsonSpace
        if ([string]$script:hvJsonText[$script:hvJsonPos] -ceq '}') {
            $script:hvJsonPos++
            return $object
        }
        while ($true) {
            $key = Read-HvJsonString
            Read-HvJsonChar ':'
            $object[$key] = Read-HvJsonValue
            Skip-HvJsonSpace
            if ([string]$script:hvJsonText[$script:hvJsonPos] -ceq ',') {
                $script:hvJsonPos++
                Skip-HvJsonSpace
                continue
            }
            Read-HvJsonChar '}'
            return $object
        }
    }
    if ($c -ceq '[') {
        $script:hvJsonPos++
        $items = New-Object System.Collections.ArrayList
        Skip-HvJsonSpace
        if ([string]$script:hvJsonText[$script:hvJsonPos] -ceq ']') {
            $script:hvJsonPos++
            return ,($items.ToArray())
        }
        while ($true) {
            $item = Read-HvJsonValue
            [void]$items.Add($item)
            Skip-HvJsonSpace
            if ([string]$script:hvJsonText[$script:hvJsonPos] -ceq ',') {
                $script:hvJsonPos++
                continue
            }
            Read-HvJsonChar ']'
            return ,($items.ToArray())
        }
    }
    if ($c -ceq '"') { return (Read-HvJsonString) }
    foreach ($word in @('true', 'false', 'null')) {
        if ($script:hvJsonPos + $word.Length -le $script:hvJsonText.Length -and $script:hvJsonText.Substring($script:hvJsonPos, $word.Length) -ceq $word) {
            $script:hvJsonPos += $word.Length
            if ($word -ceq 'true') { return $true }
            if ($word -ceq 'false') { return $false }
            return $null
        }
    }
    $start = $script:hvJsonPos
    while ($script:hvJsonPos -lt $script:hvJsonText.Length -and '0123456789+-.eE'.IndexOf($script:hvJsonText[$script:hvJsonPos]) -ge 0) {
        $script:hvJsonPos++
    }
    if ($script:hvJsonPos -eq $start) { throw ('hvassist: the parameters are not valid JSON (unexpected character at {0}).' -f $start) }
    $number = $script:hvJsonText.Substring($start, $script:hvJsonPos - $start)
    if ($number.IndexOfAny([char[]]'.eE') -ge 0) { return [double]::Parse($number, [Globalization.CultureInfo]::InvariantCulture) }
    return [int64]::Parse($number, [Globalization.CultureInfo]::InvariantCulture)
}

function Read-HvJson([string]$Text) {
    $script:hvJsonText = $Text
    $script:hvJsonPos = 0
    $value = Read-HvJsonValue
    Skip-HvJsonSpace
    if ($script:hvJsonPos -ne $script:hvJsonText.Length) { throw 'hvassist: the parameters are not valid JSON (text after the end).' }
    return $value
}

# --- hvassist PS2 helpers for WMI v1 (root\virtualization)
function Get-HvStateText($State) {
    switch ([string]$State) {
        '2' { return 'Running' }
        '3' { return 'Off' }
        '32768' { return 'Paused' }
        '32769' { return 'Saved' }
        '32770' { return 'Starting' }
        '32773' { return 'Saving' }
        '32774' { return 'Stopping' }
        '32776' { return 'Pausing' }
        '32777' { return 'Resuming' }
    }
    return ('Other ({0})' -f $State)
}

function Get-HvVm([string]$Id) {
    $found = @(Get-WmiObject -Namespace 'root\virtualization' -Class Msvm_ComputerSystem | Where-Object { [string]$_.Name -eq $Id })
    if ($found.Count -eq 0) { throw ('Hyper-V was unable to find a virtual machine with ID {0} on {1}.' -f $Id, $env:COMPUTERNAME) }
    return $found[0]
}

function Assert-HvGuid([string]$Text, [string]$What) {
    if ($Text -notmatch '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$') {
        throw ('hvassist: {0} must be a GUID.' -f $What)
    }
}

function Get-HvFileHash([string]$Path) {
    if (-not $Path -or -not (Test-Path -LiteralPath $Path)) { return '' }
    $sha = [Security.Cryptography.SHA256]::Create()
    $hash = $sha.ComputeHash([IO.File]::ReadAllBytes($Path))
    return ((@($hash) | ForEach-Object { $_.ToString('x2') }) -join '')
}

function Format-HvDiskId($Value) {
    if ($null -eq $Value) { return '' }
    if ($Value -is [int32] -or $Value -is [uint32] -or $Value -is [int64] -or $Value -is [uint64]) {
        if ([int64]$Value -eq 0) { return '' }
        return ('{0:x8}' -f $Value)
    }
    $text = ([string]$Value).Trim().ToLower()
    if ($text.StartsWith('0x')) { $text = $text.Substring(2) }
    return ($text -replace '[{}]', '')
}

$P = Read-HvJson ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)))
$csvName = [string]$P['CsvName']
Import-Module FailoverClusters

$found = @(Get-ClusterSharedVolume | Where-Object { [string]$_.Name -eq $csvName })
$path = ''
$changed = $false
if ($found.Count -gt 0) {
    $csv = $found[0]
    foreach ($info in @($csv.SharedVolumeInfo)) {
        if ($info -and -not $path) { $path = [string]$info.FriendlyVolumeName }
    }
    if ($path) {
        $prefix = $path.TrimEnd('\') + '\'
        $globals = @{}
        foreach ($g in @(Get-WmiObject -Namespace 'root\virtualization' -Class Msvm_VirtualSystemGlobalSettingData)) { $globals[[string]$g.SystemName] = [string]$g.ExternalDataRoot }
        foreach ($vm in @(Get-WmiObject -Namespace 'root\virtualization' -Class Msvm_ComputerSystem | Where-Object { [string]$_.Caption -eq 'Virtual Machine' })) {
            $root = [string]$globals[[string]$vm.Name]
            if ([int]$vm.EnabledState -ne 3 -and ($root + '\').StartsWith($prefix, [StringComparison]::OrdinalIgnoreCase)) {
                throw ("The virtual machine '{0}' on {1} is {2} and its files are on {3}. Shut it down before removing the CSV." -f $vm.ElementName, $env:COMPUTERNAME, (Get-HvStateText $vm.EnabledState), $path)
            }
        }
    }
    Remove-ClusterSharedVolume -Name $csvName
    Stop-ClusterResource -Name $csvName
    Remove-ClusterResource -Name $csvName -Force
    $changed = $true
}
ConvertTo-HvJson @{
    csv = $csvName
    path = $path
    changed = $changed
}
