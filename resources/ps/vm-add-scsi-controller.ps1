# hvassist-script: vm-add-scsi-controller/1
# summary: Add one virtual SCSI controller to a VM that has none (the VM must be off). Does nothing if it already has one.
# min-windows-server: 2012r2
# powershell: 4.0
# output: vm-add-scsi-controller.schema.json
# params: VMId
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$P = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)) | ConvertFrom-Json
$vm = Get-VM -Id ([guid]$P.VMId)
$before = @(Get-VMScsiController -VM $vm).Count
$changed = $false
if ($before -eq 0) {
    Add-VMScsiController -VM $vm -Confirm:$false
    $changed = $true
}
[pscustomobject]@{
    vm = [string]$vm.Name
    id = [string]$vm.Id
    changed = $changed
    scsi_controllers_before = $before
    scsi_controllers_after = @(Get-VMScsiController -VM $vm).Count
    state = [string]$vm.State
} | ConvertTo-Json -Compress
