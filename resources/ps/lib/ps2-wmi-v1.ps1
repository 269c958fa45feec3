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

# hvassist-include: disk-id.ps1
