# hvassist-script: vm-stop/1
# summary: Shut a VM down gracefully through the guest (no turn-off, no saved state). Does nothing if it is already off.
# min-windows-server: 2012r2
# powershell: 4.0
# output: vm-state-change.schema.json
# params: VMId
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$P = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)) | ConvertFrom-Json
$vm = Get-VM -Id ([guid]$P.VMId)
$before = [string]$vm.State
$changed = $false
if ($before -ne 'Off') {
    Stop-VM -VM $vm -Force -Confirm:$false
    $changed = $true
}
$vm = Get-VM -Id ([guid]$P.VMId)
[pscustomobject]@{
    vm = [string]$vm.Name
    id = [string]$vm.Id
    action = 'stop'
    changed = $changed
    state_before = $before
    state_after = [string]$vm.State
} | ConvertTo-Json -Compress
