# hvassist-script: mig-dest-add-role/1
# summary: Migration destination (2012 R2+): make a registered VM highly available again (Add-ClusterVirtualMachineRole). Does nothing if it is already a cluster role.
# min-windows-server: 2012r2
# powershell: 4.0
# output: mig-dest-add-role.schema.json
# params: VMId
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$P = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)) | ConvertFrom-Json
Import-Module FailoverClusters

$vm = Get-VM -Id ([guid]$P.VMId)
$changed = $false
if ($vm.IsClustered) {
    $group = Get-ClusterGroup -VMId $vm.Id
} else {
    $group = Add-ClusterVirtualMachineRole -VMId $vm.Id
    $changed = $true
}
[pscustomobject]@{
    vm = [string]$vm.Name
    id = [string]$vm.Id
    group = [string]$group.Name
    state = [string]$group.State
    owner_node = [string]$group.OwnerNode.Name
    changed = $changed
} | ConvertTo-Json -Compress
