# hvassist-script: vm-enable-integration-service/1
# summary: Turn on one integration service of a VM (for example the Backup service, named VSS in PowerShell). Works while the VM runs. Does nothing if it is already on.
# min-windows-server: 2012r2
# powershell: 4.0
# output: vm-enable-integration-service.schema.json
# params: VMId, Name
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$P = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)) | ConvertFrom-Json
$vm = Get-VM -Id ([guid]$P.VMId)
$name = [string]$P.Name
$service = @(Get-VMIntegrationService -VM $vm -Name $name) | Select-Object -First 1
$before = [bool]$service.Enabled
$changed = $false
if (-not $before) {
    Enable-VMIntegrationService -VM $vm -Name $name -Confirm:$false
    $changed = $true
}
$service = @(Get-VMIntegrationService -VM $vm -Name $name) | Select-Object -First 1
[pscustomobject]@{
    vm = [string]$vm.Name
    id = [string]$vm.Id
    name = [string]$service.Name
    changed = $changed
    enabled_before = $before
    enabled_after = [bool]$service.Enabled
    status = [string]$service.PrimaryStatusDescription
} | ConvertTo-Json -Compress
