# hvassist-script: mig-dest-inventory/1
# summary: Migration destination (2012 R2+): this node's OS, Hyper-V, virtual switches, registered VMs (with their adapters) and the disks it sees; the cluster's nodes, CSVs with their disk signature, VM roles and the disks available to it; and whether each given path exists here. Changes nothing.
# min-windows-server: 2012r2
# powershell: 4.0
# output: mig-dest-inventory.schema.json
# params: Paths
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$P = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)) | ConvertFrom-Json

# hvassist-include: disk-id.ps1

# hvassist-include: cluster-disk-signature.ps1

$os = Get-CimInstance -ClassName Win32_OperatingSystem
$cs = Get-CimInstance -ClassName Win32_ComputerSystem
$module = Get-Module -ListAvailable -Name Hyper-V | Select-Object -First 1
$node = [pscustomobject]@{
    name = [string]$env:COMPUTERNAME
    domain = [string]$cs.Domain
    os_caption = [string]$os.Caption
    os_build = [int]$os.BuildNumber
    ps_version = [string]$PSVersionTable.PSVersion
    hyperv_module = [bool]($null -ne $module)
}

$cluster = $null
$csvs = @()
$groups = @()
$available = @()
if (Get-Module -ListAvailable -Name FailoverClusters) {
    Import-Module FailoverClusters
    $c = $null
    try { $c = Get-Cluster } catch { $c = $null }
    if ($c) {
        $cluster = [pscustomobject]@{
            name = [string]$c.Name
            domain = [string]$c.Domain
            nodes = @(Get-ClusterNode | ForEach-Object { [pscustomobject]@{ name = [string]$_.Name; state = [string]$_.State } })
        }
        $csvs = @(Get-ClusterSharedVolume | ForEach-Object {
            $info = $_.SharedVolumeInfo | Select-Object -First 1
            [pscustomobject]@{
                name = [string]$_.Name
                path = [string]$info.FriendlyVolumeName
                state = [string]$_.State
                owner = [string]$_.OwnerNode.Name
                disk_signature = (Get-CsvSignature $_)
            }
        })
        $groups = @(Get-ClusterResource | Where-Object { [string]$_.ResourceType.Name -eq 'Virtual Machine' } | ForEach-Object {
            $vmId = ''
            foreach ($p in @($_ | Get-ClusterParameter)) {
                if ($p.Name -eq 'VmID') { $vmId = [string]$p.Value }
            }
            [pscustomobject]@{
                name = [string]$_.OwnerGroup.Name
                state = [string]$_.OwnerGroup.State
                owner = [string]$_.OwnerGroup.OwnerNode.Name
                vm_id = $vmId
            }
        })
        $available = @(Get-ClusterAvailableDisk | ForEach-Object {
            [pscustomobject]@{
                name = [string]$_.Name
                number = [int]$_.Number
                size_bytes = [int64]$_.Size
                signature = (Format-HvDiskId $_.Id)
            }
        })
    }
}

$switches = @()
$vms = @()
if ($module) {
    $switches = @(Get-VMSwitch | ForEach-Object { [pscustomobject]@{ name = [string]$_.Name; type = [string]$_.SwitchType } })
    $vms = @(Get-VM | ForEach-Object {
        $vm = $_
        [pscustomobject]@{
            name = [string]$vm.Name
            id = [string]$vm.Id
            state = [string]$vm.State
            is_clustered = [bool]$vm.IsClustered
            config_location = [string]$vm.ConfigurationLocation
            version = [string]$vm.Version
            nics = @(Get-VMNetworkAdapter -VM $vm | ForEach-Object {
                [pscustomobject]@{
                    name = [string]$_.Name
                    switch_name = [string]$_.SwitchName
                    mac = [string]$_.MacAddress
                    static_mac = -not [bool]$_.DynamicMacAddressEnabled
                    legacy = [bool]$_.IsLegacy
                }
            })
        }
    })
}

# Disks this node sees (LUN masking): a LUN still reserved by another cluster is seen but not available.
$disks = @(Get-Disk | ForEach-Object {
    $id = Format-HvDiskId $_.Signature
    if (-not $id) { $id = Format-HvDiskId $_.Guid }
    [pscustomobject]@{ signature = $id; size_bytes = [int64]$_.Size; model = [string]$_.FriendlyName }
})

$paths = @()
if ($P.Paths) {
    $paths = @(foreach ($p in @($P.Paths)) { [pscustomobject]@{ path = [string]$p; exists = [bool](Test-Path -LiteralPath ([string]$p)) } })
}

[pscustomobject]@{
    schema = 'mig-dest-inventory/1'
    node = $node
    cluster = $cluster
    csvs = $csvs
    groups = $groups
    available_disks = $available
    switches = $switches
    vms = $vms
    disks = $disks
    paths = $paths
} | ConvertTo-Json -Depth 6 -Compress
