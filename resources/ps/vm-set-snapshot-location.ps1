# hvassist-script: vm-set-snapshot-location/1
# summary: Move a VM's checkpoint (snapshot) file location to a folder on the volume of its virtual disks, so the host shadow-copy backup can take it online. Only for a VM without checkpoints; Hyper-V changes it only while the VM is off. Does nothing if it is already there.
# min-windows-server: 2012r2
# powershell: 4.0
# output: vm-set-snapshot-location.schema.json
# params: VMId, Path
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$P = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)) | ConvertFrom-Json
$vm = Get-VM -Id ([guid]$P.VMId)
$path = ([string]$P.Path).TrimEnd('\')
$before = ([string]$vm.SnapshotFileLocation).TrimEnd('\')
$changed = $false
if ($before -ne $path) {
    $checkpoints = @(Get-VMSnapshot -VM $vm)
    if ($checkpoints.Count -gt 0) {
        throw ('{0} has {1} checkpoint(s); its checkpoint file location can only be changed when it has none.' -f $vm.Name, $checkpoints.Count)
    }
    if (-not (Test-Path -LiteralPath $path -PathType Container)) {
        throw ('The folder {0} does not exist on this host.' -f $path)
    }
    Set-VM -VM $vm -SnapshotFileLocation $path -Confirm:$false
    $changed = $true
}
$vm = Get-VM -Id ([guid]$P.VMId)
[pscustomobject]@{
    vm = [string]$vm.Name
    id = [string]$vm.Id
    changed = $changed
    snapshot_location_before = $before
    snapshot_location_after = ([string]$vm.SnapshotFileLocation).TrimEnd('\')
    state = [string]$vm.State
} | ConvertTo-Json -Compress
