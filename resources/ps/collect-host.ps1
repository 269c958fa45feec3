# hvassist-script: collect-host/1
# summary: One round trip gathers host facts, every VM's backup-relevant facts, VSS writers and providers, CSV state and recent Hyper-V and VSS events.
# min-windows-server: 2012r2
# powershell: 4.0
# output: collect-host.schema.json
# params: EventDays, MaxEvents
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$P = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)) | ConvertFrom-Json
$eventDays = 7
if ($P.EventDays) { $eventDays = [int]$P.EventDays }
$maxEvents = 500
if ($P.MaxEvents) { $maxEvents = [int]$P.MaxEvents }

function ConvertTo-IsoTime($value) {
    if ($null -eq $value) { return $null }
    return ([datetime]$value).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')
}

$os = Get-CimInstance -ClassName Win32_OperatingSystem
$cs = Get-CimInstance -ClassName Win32_ComputerSystem
$cluster = $null
$csvs = @()
if (Get-Module -ListAvailable -Name FailoverClusters) {
    Import-Module FailoverClusters
    try {
        $c = Get-Cluster
        $cluster = [pscustomobject]@{
            name = [string]$c.Name
            functional_level = [int]$c.ClusterFunctionalLevel
            nodes = @(Get-ClusterNode | ForEach-Object { [pscustomobject]@{ name = [string]$_.Name; state = [string]$_.State } })
        }
        $csvs = @(Get-ClusterSharedVolume | ForEach-Object {
            $info = $_.SharedVolumeInfo | Select-Object -First 1
            [pscustomobject]@{
                name = [string]$_.Name
                state = [string]$_.State
                owner = [string]$_.OwnerNode.Name
                path = [string]$info.FriendlyVolumeName
                size_bytes = [int64]$info.Partition.Size
                free_bytes = [int64]$info.Partition.FreeSpace
                redirected = [bool]$info.RedirectedAccess
            }
        })
    } catch {
        $cluster = $null
    }
}

$kvp = @{}
foreach ($k in @(Get-CimInstance -Namespace root\virtualization\v2 -ClassName Msvm_KvpExchangeComponent)) {
    $items = @{}
    foreach ($x in @($k.GuestIntrinsicExchangeItems)) {
        $doc = [xml]$x
        $n = $doc.SelectSingleNode("/INSTANCE/PROPERTY[@NAME='Name']/VALUE")
        $d = $doc.SelectSingleNode("/INSTANCE/PROPERTY[@NAME='Data']/VALUE")
        if ($n -and $d) { $items[$n.InnerText] = $d.InnerText }
    }
    $kvp[[string]$k.SystemName] = [pscustomobject]@{
        os_name = $items['OSName']
        os_version = $items['OSVersion']
        ic_version = $items['IntegrationServicesVersion']
        fqdn = $items['FullyQualifiedDomainName']
    }
}

$vms = @(Get-VM | ForEach-Object {
    $vm = $_
    $id = [string]$vm.Id
    $disks = @(Get-VMHardDiskDrive -VM $vm | ForEach-Object {
        [pscustomobject]@{
            path = [string]$_.Path
            controller_type = [string]$_.ControllerType
            controller_number = [int]$_.ControllerNumber
            controller_location = [int]$_.ControllerLocation
            disk_number = $_.DiskNumber
            shared = [bool]$_.SupportPersistentReservations
        }
    })
    $folders = @($disks | Where-Object { $_.path -and $_.path -notlike '\\*' } | ForEach-Object { Split-Path -Path $_.path -Parent } | Sort-Object -Unique)
    $autoRecovery = @(foreach ($f in $folders) {
        Get-ChildItem -LiteralPath $f -Filter '*AutoRecovery*.avhd*' -ErrorAction SilentlyContinue | ForEach-Object {
            [pscustomobject]@{ path = [string]$_.FullName; size_bytes = [int64]$_.Length; modified = (ConvertTo-IsoTime $_.LastWriteTime) }
        }
    })
    $checkpointType = $null
    if ($vm.PSObject.Properties['CheckpointType']) { $checkpointType = [string]$vm.CheckpointType }
    $guest = $kvp[$id]
    [pscustomobject]@{
        name = [string]$vm.Name
        id = $id
        generation = [int]$vm.Generation
        state = [string]$vm.State
        version = [string]$vm.Version
        is_clustered = [bool]$vm.IsClustered
        config_location = [string]$vm.ConfigurationLocation
        snapshot_location = [string]$vm.SnapshotFileLocation
        checkpoint_type = $checkpointType
        ic_version = [string]$vm.IntegrationServicesVersion
        ic_state = [string]$vm.IntegrationServicesState
        scsi_controllers = @(Get-VMScsiController -VM $vm).Count
        ide_controllers = @(Get-VMIdeController -VM $vm).Count
        disks = $disks
        integration_services = @(Get-VMIntegrationService -VM $vm | ForEach-Object {
            [pscustomobject]@{
                name = [string]$_.Name
                enabled = [bool]$_.Enabled
                primary_status = [string]$_.PrimaryStatusDescription
                secondary_status = [string]$_.SecondaryStatusDescription
            }
        })
        checkpoints = @(Get-VMSnapshot -VM $vm | ForEach-Object {
            [pscustomobject]@{
                name = [string]$_.Name
                id = [string]$_.Id
                type = [string]$_.SnapshotType
                created = (ConvertTo-IsoTime $_.CreationTime)
                parent_id = [string]$_.ParentSnapshotId
            }
        })
        autorecovery_files = $autoRecovery
        guest = $guest
    }
})

$since = (Get-Date).AddDays(-$eventDays)
$filters = @(
    @{ LogName = 'Microsoft-Windows-Hyper-V-VMMS-Admin'; StartTime = $since },
    @{ LogName = 'Microsoft-Windows-Hyper-V-Worker-Admin'; StartTime = $since },
    @{ LogName = 'Application'; ProviderName = 'VSS'; StartTime = $since }
)
$events = @(foreach ($f in $filters) {
    Get-WinEvent -FilterHashtable $f -MaxEvents $maxEvents -ErrorAction SilentlyContinue | ForEach-Object {
        [pscustomobject]@{
            log = [string]$_.LogName
            provider = [string]$_.ProviderName
            id = [int]$_.Id
            level = [string]$_.LevelDisplayName
            time = (ConvertTo-IsoTime $_.TimeCreated)
            message = [string]$_.Message
            properties = @($_.Properties | ForEach-Object { [string]$_.Value })
        }
    }
})

[pscustomobject]@{
    schema = 'collect-host/1'
    collected_at = (ConvertTo-IsoTime (Get-Date))
    host = [pscustomobject]@{
        name = [string]$env:COMPUTERNAME
        domain = [string]$cs.Domain
        os_caption = [string]$os.Caption
        os_version = [string]$os.Version
        os_build = [int]$os.BuildNumber
        product_type = [int]$os.ProductType
        ps_version = [string]$PSVersionTable.PSVersion
        cluster = $cluster
    }
    vms = $vms
    csvs = $csvs
    vss = [pscustomobject]@{
        writers_text = (vssadmin list writers | Out-String)
        providers_text = (vssadmin list providers | Out-String)
    }
    events = $events
} | ConvertTo-Json -Depth 6 -Compress
