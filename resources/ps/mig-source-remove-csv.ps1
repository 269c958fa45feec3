# hvassist-script: mig-source-remove-csv/1
# summary: Migration source (2008 R2, PowerShell 2.0): take a CSV out of the source cluster (Remove-ClusterSharedVolume, then stop and remove its disk resource). The data on the LUN is not touched. Refuses while a VM on this node with files on the CSV is not off. Does nothing if the CSV is already gone.
# min-windows-server: 2008r2
# powershell: 2.0
# output: mig-source-remove-csv.schema.json
# params: CsvName
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

# hvassist-include: ps2-json-writer.ps1
# hvassist-include: ps2-json-reader.ps1
# hvassist-include: ps2-wmi-v1.ps1

$P = Read-HvJson ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)))
$csvName = [string]$P['CsvName']
Import-Module FailoverClusters

$found = @(Get-ClusterSharedVolume | Where-Object { [string]$_.Name -eq $csvName })
$path = ''
$changed = $false
if ($found.Count -gt 0) {
    $csv = $found[0]
    foreach ($info in @($csv.SharedVolumeInfo)) {
        if ($info -and -not $path) { $path = [string]$info.FriendlyVolumeName }
    }
    if ($path) {
        $prefix = $path.TrimEnd('\') + '\'
        $globals = @{}
        foreach ($g in @(Get-WmiObject -Namespace 'root\virtualization' -Class Msvm_VirtualSystemGlobalSettingData)) { $globals[[string]$g.SystemName] = [string]$g.ExternalDataRoot }
        foreach ($vm in @(Get-WmiObject -Namespace 'root\virtualization' -Class Msvm_ComputerSystem | Where-Object { [string]$_.Caption -eq 'Virtual Machine' })) {
            $root = [string]$globals[[string]$vm.Name]
            if ([int]$vm.EnabledState -ne 3 -and ($root + '\').StartsWith($prefix, [StringComparison]::OrdinalIgnoreCase)) {
                throw ("The virtual machine '{0}' on {1} is {2} and its files are on {3}. Shut it down before removing the CSV." -f $vm.ElementName, $env:COMPUTERNAME, (Get-HvStateText $vm.EnabledState), $path)
            }
        }
    }
    Remove-ClusterSharedVolume -Name $csvName
    Stop-ClusterResource -Name $csvName
    Remove-ClusterResource -Name $csvName -Force
    $changed = $true
}
ConvertTo-HvJson @{
    csv = $csvName
    path = $path
    changed = $changed
}
