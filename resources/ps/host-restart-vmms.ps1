# hvassist-script: host-restart-vmms/1
# summary: Reset a failed Microsoft Hyper-V VSS Writer by restarting the service that hosts it (vmms, Hyper-V Virtual Machine Management). Running VMs keep running. Refuses while a backup, migration, merge or other VM operation is in progress. Does nothing if the writer is not in a failed state.
# min-windows-server: 2012r2
# powershell: 4.0
# output: host-restart-vmms.schema.json
# params: WaitSeconds
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$P = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)) | ConvertFrom-Json
$waitSeconds = 120
if ($P.WaitSeconds) { $waitSeconds = [int]$P.WaitSeconds }

# vssadmin is localised; the writer id and the "[n]" state are not.
function Get-HyperVWriter {
    $text = (vssadmin list writers | Out-String)
    foreach ($block in ($text -split '\r?\n\s*\r?\n')) {
        if ($block -match '66841cd4-6ded-4f4b-8f17-fd23f8ddc3de' -and $block -match '\[(\d+)\]') {
            $state = [int]$Matches[1]
            $lines = @($block -split '\r?\n' | Where-Object { $_.Trim() })
            $lastError = ''
            if ($lines.Count -gt 0) { $lastError = ($lines[$lines.Count - 1] -split ':', 2)[-1].Trim() }
            return @{ state = $state; last_error = $lastError }
        }
    }
    return @{ state = -1; last_error = '' }
}

$before = Get-HyperVWriter
$changed = $false
if ($before.state -ge 6 -and $before.state -le 15) {
    # Restarting vmms interrupts whatever Hyper-V is doing with a VM right now.
    $busy = @(Get-VM | Where-Object {
        $_.PSObject.Properties['SecondaryOperationalStatus'] -and [string]$_.SecondaryOperationalStatus -and
        [string]$_.SecondaryOperationalStatus -ne 'Ok'
    } | ForEach-Object { '{0} ({1})' -f $_.Name, $_.SecondaryOperationalStatus })
    if ($busy.Count -gt 0) {
        throw ('Hyper-V is busy with: {0}. Restarting its management service now would interrupt that. Wait until it has finished, then run this fix again.' -f ($busy -join ', '))
    }
    $waiting = @((vssadmin list writers | Out-String) -split '\r?\n' | Where-Object { $_ -match '\[[2-5]\]' })
    if ($waiting.Count -gt 0) {
        throw 'A backup is running on this host (a VSS writer is waiting for it). Wait until it has finished, then run this fix again.'
    }
    Restart-Service -Name vmms -Force
    $changed = $true
    # vmms registers its writer again a few seconds after it starts.
    $deadline = (Get-Date).AddSeconds($waitSeconds)
    do {
        Start-Sleep -Seconds 2
        $now = Get-HyperVWriter
    } while ($now.state -lt 0 -and (Get-Date) -lt $deadline)
}
$after = Get-HyperVWriter
[pscustomobject]@{
    service = 'vmms'
    changed = $changed
    service_state = [string](Get-Service -Name vmms).Status
    writer_state_before = $before.state
    writer_state_after = $after.state
    writer_last_error_before = [string]$before.last_error
    writer_last_error_after = [string]$after.last_error
} | ConvertTo-Json -Compress
