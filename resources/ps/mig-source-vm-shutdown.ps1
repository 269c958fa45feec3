# hvassist-script: mig-source-vm-shutdown/1
# summary: Migration source (2008 R2, PowerShell 2.0, WMI v1): shut a VM down cleanly through its Shutdown integration service and wait until it is off. Does nothing if it is already off.
# min-windows-server: 2008r2
# powershell: 2.0
# output: mig-source-vm-change.schema.json
# params: VMId, TimeoutSeconds
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

# hvassist-include: ps2-json-writer.ps1
# hvassist-include: ps2-json-reader.ps1
# hvassist-include: ps2-wmi-v1.ps1

$P = Read-HvJson ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)))
$vmId = [string]$P['VMId']
Assert-HvGuid $vmId 'VMId'
$timeout = 600
if ($P['TimeoutSeconds']) { $timeout = [int]$P['TimeoutSeconds'] }

$vm = Get-HvVm $vmId
$before = Get-HvStateText $vm.EnabledState
$changed = $false
if ([int]$vm.EnabledState -ne 3) {
    if ([int]$vm.EnabledState -ne 2) {
        throw ("The virtual machine '{0}' is {1}. hvassist shuts down only running VMs; start it and shut it down from inside the guest, or turn it off in Hyper-V Manager." -f $vm.ElementName, $before)
    }
    $shutdown = @(Get-WmiObject -Namespace 'root\virtualization' -Class Msvm_ShutdownComponent | Where-Object { [string]$_.SystemName -eq $vmId })
    if ($shutdown.Count -eq 0) {
        throw ("The virtual machine '{0}' cannot be shut down because the shutdown integration service is unavailable. Shut it down from inside the guest." -f $vm.ElementName)
    }
    $result = $shutdown[0].InitiateShutdown($true, 'hvassist: moving the VM to another cluster')
    if ([int]$result.ReturnValue -ne 0 -and [int]$result.ReturnValue -ne 4096) {
        throw ("The guest of '{0}' refused to shut down (InitiateShutdown returned {1})." -f $vm.ElementName, $result.ReturnValue)
    }
    $deadline = (Get-Date).AddSeconds($timeout)
    while ([int]$vm.EnabledState -ne 3 -and (Get-Date) -lt $deadline) {
        Start-Sleep -Seconds 2
        $vm = Get-HvVm $vmId
    }
    if ([int]$vm.EnabledState -ne 3) {
        throw ("The virtual machine '{0}' did not shut down within {1} seconds; it is {2}." -f $vm.ElementName, $timeout, (Get-HvStateText $vm.EnabledState))
    }
    $changed = $true
}
ConvertTo-HvJson @{
    vm = [string]$vm.ElementName
    id = $vmId
    action = 'shutdown'
    changed = $changed
    state_before = $before
    state_after = (Get-HvStateText $vm.EnabledState)
}
