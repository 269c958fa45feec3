# hvassist-script: vm-remove-recovery-checkpoint/1
# summary: Remove the leftover backup (recovery) checkpoints named by id from a VM; Hyper-V then merges their disk files into the VM's disks while it keeps running. Refuses while a backup is running. Does nothing if they are already gone.
# min-windows-server: 2012r2
# powershell: 4.0
# output: vm-remove-recovery-checkpoint.schema.json
# params: VMId, CheckpointIds
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$P = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)) | ConvertFrom-Json
$vm = Get-VM -Id ([guid]$P.VMId)
$wanted = @($P.CheckpointIds | ForEach-Object { ([string]$_).Trim('{}').ToLower() })

function Get-HyperVWriterState {
    $text = (vssadmin list writers | Out-String)
    foreach ($block in ($text -split '\r?\n\s*\r?\n')) {
        if ($block -match '66841cd4-6ded-4f4b-8f17-fd23f8ddc3de' -and $block -match '\[(\d+)\]') {
            return [int]$Matches[1]
        }
    }
    return -1
}

$recovery = @(Get-VMSnapshot -VM $vm -SnapshotType Recovery)
$targets = @($recovery | Where-Object { $wanted -contains ([string]$_.Id).ToLower() })
if ($targets.Count -gt 0) {
    # A running backup still needs its checkpoint: removing it would break that job.
    $operation = ''
    if ($vm.PSObject.Properties['SecondaryOperationalStatus']) { $operation = [string]$vm.SecondaryOperationalStatus }
    if ($operation -eq 'BackingUpVirtualMachine') {
        throw ('A backup of {0} is running right now. Wait until the backup job has finished, then run this fix again.' -f $vm.Name)
    }
    $writerState = Get-HyperVWriterState
    if ($writerState -ge 2 -and $writerState -le 5) {
        throw ('A backup is running on this host (the Hyper-V VSS writer is in state {0}). Wait until it has finished, then run this fix again.' -f $writerState)
    }
    foreach ($checkpoint in $targets) {
        Remove-VMSnapshot -VMSnapshot $checkpoint -Confirm:$false
    }
}
$left = @(Get-VMSnapshot -VM $vm -SnapshotType Recovery)
$vm = Get-VM -Id ([guid]$P.VMId)
[pscustomobject]@{
    vm = [string]$vm.Name
    id = [string]$vm.Id
    changed = ($targets.Count -gt 0)
    removed = @($targets | ForEach-Object { [string]$_.Name })
    recovery_checkpoints_before = $recovery.Count
    recovery_checkpoints_after = $left.Count
    state = [string]$vm.State
} | ConvertTo-Json -Compress
