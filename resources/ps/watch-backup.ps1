# hvassist-script: watch-backup/1
# summary: Watch one VM while it is backed up: its checkpoints, the .avhdx files next to its disks, the Hyper-V VSS writer's state, shadow copies and new Hyper-V and VSS events. Prints one JSON line (watch-backup.schema.json) whenever something changes, until the duration ends or the client stops it.
# min-windows-server: 2012r2
# powershell: 4.0
# output: jsonl
# params: VMName, VMId, DurationSeconds, PollSeconds
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$P = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)) | ConvertFrom-Json
$duration = 3600
if ($P.DurationSeconds) { $duration = [Math]::Min([int]$P.DurationSeconds, 86400) }
$poll = 2.0
if ($P.PollSeconds) { $poll = [Math]::Max([double]$P.PollSeconds, 0.05) }
$hvWriterId = '{66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}'

function ConvertTo-IsoTime($value) {
    if ($null -eq $value) { return $null }
    return ([datetime]$value).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')
}

# One compressed JSON document per line, flushed at once so the client sees it while we keep watching.
function Write-JsonLine($value) {
    [Console]::Out.WriteLine(($value | ConvertTo-Json -Depth 5 -Compress))
    [Console]::Out.Flush()
}

# Exact match on the name: Get-VM -Name would treat [ ] * ? in a VM's name as wildcards.
if ($P.VMId) {
    $vm = Get-VM -Id ([guid][string]$P.VMId)
} else {
    $name = [string]$P.VMName
    $vm = @(Get-VM | Where-Object { $_.Name -eq $name }) | Select-Object -First 1
    if ($null -eq $vm) { throw "No virtual machine named '$name' on this host." }
}
$vmId = $vm.Id
$folders = @(Get-VMHardDiskDrive -VM $vm | Where-Object { $_.Path -and $_.Path -notlike '\\*' } | ForEach-Object { Split-Path -Path $_.Path -Parent } | Sort-Object -Unique)
$os = Get-CimInstance -ClassName Win32_OperatingSystem

Write-JsonLine ([pscustomobject]@{
    kind = 'start'
    time = (ConvertTo-IsoTime (Get-Date))
    host = [pscustomobject]@{
        name = [string]$env:COMPUTERNAME
        os_caption = [string]$os.Caption
        os_version = [string]$os.Version
        os_build = [int]$os.BuildNumber
    }
    vm = [pscustomobject]@{
        name = [string]$vm.Name
        id = [string]$vm.Id
        generation = [int]$vm.Generation
        version = [string]$vm.Version
        state = [string]$vm.State
        folders = $folders
    }
    poll_seconds = $poll
})

$since = (Get-Date).AddSeconds(-2)
$seenEvents = @{}
$filters = @(
    @{ LogName = 'Microsoft-Windows-Hyper-V-VMMS-Admin'; StartTime = $since },
    @{ LogName = 'Microsoft-Windows-Hyper-V-Worker-Admin'; StartTime = $since },
    @{ LogName = 'Application'; ProviderName = 'VSS'; StartTime = $since }
)
# Events already there when the watch starts are not news.
foreach ($f in $filters) {
    Get-WinEvent -FilterHashtable $f -ErrorAction SilentlyContinue | ForEach-Object { $seenEvents['' + $_.LogName + '/' + $_.RecordId] = $true }
}

$deadline = (Get-Date).AddSeconds($duration)
$last = ''
$seq = 0
$reason = 'duration'
while ((Get-Date) -lt $deadline) {
    $now = Get-VM -Id $vmId -ErrorAction SilentlyContinue
    if ($null -eq $now) { $reason = 'vm-gone'; break }

    # vssadmin's text is localised; the writer id and the [n] state number are not.
    $writer = $null
    $failedWriters = @()
    $text = (vssadmin list writers | Out-String)
    foreach ($block in [regex]::Split($text, '\r?\n\s*\r?\n')) {
        $ids = [regex]::Matches($block, '\{[0-9a-fA-F\-]{36}\}')
        $st = [regex]::Match($block, '\[(\d+)\]')
        if ($ids.Count -lt 1 -or -not $st.Success) { continue }
        $lines = @($block.Trim() -split '\r?\n')
        $lastLine = $lines[$lines.Count - 1]
        $entry = [pscustomobject]@{
            name = [regex]::Match($block, "'([^']*)'").Groups[1].Value
            state = [int]$st.Groups[1].Value
            error = $lastLine.Substring($lastLine.IndexOf(':') + 1).Trim()
        }
        if ($ids[0].Value -eq $hvWriterId) {
            $writer = [pscustomobject]@{ state = $entry.state; error = $entry.error }
        } elseif ($entry.state -ge 6) {
            $failedWriters += $entry
        }
    }

    $observation = [pscustomobject]@{
        vm = [pscustomobject]@{ state = [string]$now.State; status = [string]$now.Status }
        checkpoints = @(Get-VMSnapshot -VM $now | ForEach-Object {
            [pscustomobject]@{ id = [string]$_.Id; name = [string]$_.Name; type = [string]$_.SnapshotType }
        })
        files = @(@(foreach ($f in $folders) {
            Get-ChildItem -LiteralPath $f -Filter '*.avhd*' -ErrorAction SilentlyContinue | ForEach-Object { [string]$_.Name }
        }) | Sort-Object)
        writer = $writer
        failed_writers = $failedWriters
        shadows = @(Get-CimInstance -ClassName Win32_ShadowCopy -ErrorAction SilentlyContinue | ForEach-Object { [string]$_.ID } | Sort-Object)
    }

    $events = @(@(foreach ($f in $filters) {
        Get-WinEvent -FilterHashtable $f -ErrorAction SilentlyContinue | Where-Object { -not $seenEvents.ContainsKey('' + $_.LogName + '/' + $_.RecordId) } | ForEach-Object {
            $seenEvents['' + $_.LogName + '/' + $_.RecordId] = $true
            [pscustomobject]@{
                log = [string]$_.LogName
                provider = [string]$_.ProviderName
                id = [int]$_.Id
                level = [string]$_.LevelDisplayName
                time = (ConvertTo-IsoTime $_.TimeCreated)
                message = [string]$_.Message
                properties = @($_.Properties | ForEach-Object { [string]$_.Value })
            }
        }
    }) | Sort-Object -Property time)

    $key = $observation | ConvertTo-Json -Depth 5 -Compress
    if ($key -ne $last -or $events.Count -gt 0) {
        $seq++
        $last = $key
        Write-JsonLine ([pscustomobject]@{
            kind = 'observation'
            time = (ConvertTo-IsoTime (Get-Date))
            seq = $seq
            vm = $observation.vm
            checkpoints = $observation.checkpoints
            files = $observation.files
            writer = $observation.writer
            failed_writers = $observation.failed_writers
            shadows = $observation.shadows
            events = $events
        })
    }
    Start-Sleep -Milliseconds ([int]($poll * 1000))
}
Write-JsonLine ([pscustomobject]@{ kind = 'end'; time = (ConvertTo-IsoTime (Get-Date)); reason = $reason })
