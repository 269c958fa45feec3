# hvassist-script: vm-set-checkpoint-type/1
# summary: Set a VM's checkpoint type to Production (or ProductionOnly) so backups ask the guest to prepare (Windows Server 2016 and later). Works while the VM runs. Does nothing if it is already set.
# min-windows-server: 2016
# powershell: 5.1
# output: vm-set-checkpoint-type.schema.json
# params: VMId, CheckpointType
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$P = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)) | ConvertFrom-Json
$wanted = [string]$P.CheckpointType
if (@('Production', 'ProductionOnly') -notcontains $wanted) {
    throw ('hvassist only sets the checkpoint type Production or ProductionOnly, not "{0}".' -f $wanted)
}
$vm = Get-VM -Id ([guid]$P.VMId)
$before = [string]$vm.CheckpointType
$changed = $false
if ($before -ne $wanted) {
    Set-VM -VM $vm -CheckpointType $wanted -Confirm:$false
    $changed = $true
}
$vm = Get-VM -Id ([guid]$P.VMId)
[pscustomobject]@{
    vm = [string]$vm.Name
    id = [string]$vm.Id
    changed = $changed
    checkpoint_type_before = $before
    checkpoint_type_after = [string]$vm.CheckpointType
    state = [string]$vm.State
} | ConvertTo-Json -Compress
