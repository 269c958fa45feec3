# hvassist-script: vm-start/1
# summary: Start a VM. Does nothing if it is already running.
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
if ($before -ne 'Running') {
    Start-VM -VM $vm -Confirm:$false
    $changed = $true
}
$vm = Get-VM -Id ([guid]$P.VMId)
[pscustomobject]@{
    vm = [string]$vm.Name
    id = [string]$vm.Id
    action = 'start'
    changed = $changed
    state_before = $before
    state_after = [string]$vm.State
} | ConvertTo-Json -Compress
