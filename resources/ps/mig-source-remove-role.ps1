# hvassist-script: mig-source-remove-role/1
# summary: Migration source (2008 R2, PowerShell 2.0): remove a VM's role (cluster group) from the source cluster. The VM must be off; it stays registered in Hyper-V on its node and its files are not touched. Does nothing if it is not a role.
# min-windows-server: 2008r2
# powershell: 2.0
# output: mig-source-vm-change.schema.json
# params: VMId
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

# hvassist-include: ps2-json-writer.ps1
# hvassist-include: ps2-json-reader.ps1
# hvassist-include: ps2-wmi-v1.ps1

$P = Read-HvJson ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)))
$vmId = [string]$P['VMId']
Assert-HvGuid $vmId 'VMId'
Import-Module FailoverClusters

$vm = Get-HvVm $vmId
$state = Get-HvStateText $vm.EnabledState
$groupName = ''
foreach ($resource in @(Get-ClusterResource | Where-Object { [string]$_.ResourceType.Name -eq 'Virtual Machine' })) {
    foreach ($p in @($resource | Get-ClusterParameter)) {
        if ($p.Name -eq 'VmID' -and [string]$p.Value -eq $vmId) { $groupName = [string]$resource.OwnerGroup.Name }
    }
}
$changed = $false
if ($groupName) {
    if ([int]$vm.EnabledState -ne 3) {
        throw ("The virtual machine '{0}' is {1}. Shut it down before removing its role from the cluster." -f $vm.ElementName, $state)
    }
    Remove-ClusterGroup -Name $groupName -RemoveResources -Force
    $changed = $true
}
ConvertTo-HvJson @{
    vm = [string]$vm.ElementName
    id = $vmId
    action = 'remove-role'
    changed = $changed
    state_before = $state
    state_after = (Get-HvStateText $vm.EnabledState)
}
