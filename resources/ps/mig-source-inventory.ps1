# hvassist-script: mig-source-inventory/1
# summary: Migration source (Windows Server 2008 R2, PowerShell 2.0, WMI v1): this node's VMs (ID, state, configuration file and its SHA-256, disks, SCSI controllers, snapshots, network adapters, switches, MACs), its virtual switches and the SAN disks it sees, and the cluster's nodes, CSVs and VM roles. Changes nothing.
# min-windows-server: 2008r2
# powershell: 2.0
# output: mig-source-inventory.schema.json
# params:
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$ns = 'root\virtualization'

# hvassist-include: ps2-json-writer.ps1
# hvassist-include: ps2-wmi-v1.ps1

function ConvertTo-HvIsoTime($CimTime) {
    if (-not $CimTime) { return $null }
    return ([Management.ManagementDateTimeConverter]::ToDateTime([string]$CimTime)).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')
}

$os = Get-WmiObject -Class Win32_OperatingSystem
$cs = Get-WmiObject -Class Win32_ComputerSystem
$node = @{
    name = [string]$env:COMPUTERNAME
    domain = [string]$cs.Domain
    os_caption = ([string]$os.Caption).Trim()
    os_build = [int]$os.BuildNumber
    ps_version = [string]$PSVersionTable.PSVersion
}

# The cluster as a whole (any node answers for all): nodes, CSVs with their disk signature, VM roles.
$cluster = $null
$csvs = @()
$groups = @()
if (Get-Module -ListAvailable -Name FailoverClusters) {
    Import-Module FailoverClusters
    $c = $null
    try { $c = Get-Cluster } catch { $c = $null }
    if ($c) {
        $nodes = @(Get-ClusterNode | ForEach-Object { @{ name = [string]$_.Name; state = [string]$_.State } })
        $cluster = @{ name = [string]$c.Name; domain = [string]$c.Domain; nodes = $nodes }
        $csvs = @(Get-ClusterSharedVolume | ForEach-Object {
            $csv = $_
            $path = ''
            foreach ($info in @($csv.SharedVolumeInfo)) {
                if ($info -and -not $path) { $path = [string]$info.FriendlyVolumeName }
            }
            $signature = ''
            foreach ($p in @($csv | Get-ClusterParameter)) {
                if ($p.Name -eq 'DiskSignature' -and -not $signature) { $signature = Format-HvDiskId $p.Value }
                if ($p.Name -eq 'DiskIdGuid' -and -not $signature) { $signature = Format-HvDiskId $p.Value }
            }
            @{ name = [string]$csv.Name; path = $path; state = [string]$csv.State; owner = [string]$csv.OwnerNode.Name; disk_signature = $signature }
        })
        $groups = @(Get-ClusterResource | Where-Object { [string]$_.ResourceType.Name -eq 'Virtual Machine' } | ForEach-Object {
            $resource = $_
            $vmId = ''
            foreach ($p in @($resource | Get-ClusterParameter)) {
                if ($p.Name -eq 'VmID') { $vmId = [string]$p.Value }
            }
            $group = $resource.OwnerGroup
            @{ name = [string]$group.Name; state = [string]$group.State; owner = [string]$group.OwnerNode.Name; vm_id = $vmId }
        })
    }
}

# This node's virtual switches; a switch port's path names its switch (SystemName).
$switchNames = @{}
$switches = @(Get-WmiObject -Namespace $ns -Class Msvm_VirtualSwitch | ForEach-Object {
    $switchNames[[string]$_.Name] = [string]$_.ElementName
    @{ name = [string]$_.ElementName }
})

$globalById = @{}
foreach ($g in @(Get-WmiObject -Namespace $ns -Class Msvm_VirtualSystemGlobalSettingData)) { $globalById[[string]$g.SystemName] = $g }
$settingsById = @{}
foreach ($s in @(Get-WmiObject -Namespace $ns -Class Msvm_VirtualSystemSettingData)) {
    $key = [string]$s.SystemName
    if (-not $settingsById.ContainsKey($key)) { $settingsById[$key] = New-Object System.Collections.ArrayList }
    [void]$settingsById[$key].Add($s)
}

$vms = @(Get-WmiObject -Namespace $ns -Class Msvm_ComputerSystem | Where-Object { [string]$_.Caption -eq 'Virtual Machine' } | ForEach-Object {
    $vm = $_
    $id = [string]$vm.Name
    $current = $null
    $snapshots = @()
    if ($settingsById.ContainsKey($id)) {
        foreach ($s in $settingsById[$id]) {
            if ([int]$s.SettingType -eq 3) { $current = $s }
            elseif ([int]$s.SettingType -eq 5) {
                $snapshots += ,@{ name = [string]$s.ElementName; id = ([string]$s.InstanceID -replace '^Microsoft:', ''); created = (ConvertTo-HvIsoTime $s.CreationTime) }
            }
        }
    }
    $vhds = @()
    $scsi = 0
    $nics = @()
    if ($current) {
        foreach ($r in @($current.GetRelated('Msvm_ResourceAllocationSettingData'))) {
            if ([string]$r.ResourceSubType -eq 'Microsoft Virtual Hard Disk') {
                foreach ($p in @($r.Connection)) { if ($p) { $vhds += [string]$p } }
            }
            elseif ([string]$r.ResourceSubType -eq 'Microsoft Synthetic SCSI Controller') { $scsi++ }
        }
        foreach ($class in @('Msvm_SyntheticEthernetPortSettingData', 'Msvm_EmulatedEthernetPortSettingData')) {
            foreach ($n in @($current.GetRelated($class))) {
                $switchName = ''
                foreach ($port in @($n.Connection)) {
                    if ($port -and ([string]$port -match 'SystemName="([^"]+)"')) {
                        $switchName = [string]$switchNames[$matches[1]]
                        if (-not $switchName) { $switchName = $matches[1] }
                    }
                }
                $nics += ,@{ name = [string]$n.ElementName; switch_name = $switchName; mac = [string]$n.Address; static_mac = [bool]$n.StaticMacAddress; legacy = ($class -eq 'Msvm_EmulatedEthernetPortSettingData') }
            }
        }
    }
    $configPath = ''
    $snapshotRoot = ''
    if ($globalById.ContainsKey($id)) {
        $configPath = [string]$globalById[$id].ExternalDataRoot + '\Virtual Machines\' + $id + '.xml'
        $snapshotRoot = [string]$globalById[$id].SnapshotDataRoot
    }
    @{
        name = [string]$vm.ElementName
        id = $id
        state = (Get-HvStateText $vm.EnabledState)
        config_path = $configPath
        config_sha256 = (Get-HvFileHash $configPath)
        snapshot_root = $snapshotRoot
        vhds = $vhds
        scsi_controllers = $scsi
        snapshots = $snapshots
        nics = $nics
    }
})

# SAN disks this node sees (LUN masking): an unmasked LUN no longer shows up here.
$disks = @(Get-WmiObject -Class Win32_DiskDrive | ForEach-Object {
    @{ signature = (Format-HvDiskId $_.Signature); size_bytes = [int64]$_.Size; model = [string]$_.Model }
})

# Differencing disks left on the CSVs (snapshots not merged yet).
$snapshotFiles = @()
foreach ($csv in $csvs) {
    if ($csv['path']) {
        $snapshotFiles += @(Get-ChildItem -Path $csv['path'] -Recurse -Include '*.avhd', '*.avhdx' -ErrorAction SilentlyContinue | ForEach-Object { [string]$_.FullName })
    }
}

ConvertTo-HvJson @{
    schema = 'mig-source-inventory/1'
    node = $node
    cluster = $cluster
    csvs = $csvs
    groups = $groups
    switches = $switches
    vms = $vms
    disks = $disks
    snapshot_files = $snapshotFiles
}
