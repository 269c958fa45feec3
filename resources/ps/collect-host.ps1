# hvassist-script: collect-host/2
# summary: One round trip gathers host facts, every VM's backup-relevant facts (controllers, disks and their chains, file permissions, integration services, checkpoints, leftover AutoRecovery files, guest KVP), VSS writers, providers and shadow copies, cluster nodes, VM roles and CSV state per node, volumes, host disk signatures, the swprv registration, the Log on as a service right, selected hotfixes and recent Hyper-V, VSS and service events.
# min-windows-server: 2012r2
# powershell: 4.0
# output: collect-host.schema.json
# params: EventDays, MaxEvents, Hotfixes
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$P = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)) | ConvertFrom-Json
$eventDays = 7
if ($P.EventDays) { $eventDays = [int]$P.EventDays }
$maxEvents = 500
if ($P.MaxEvents) { $maxEvents = [int]$P.MaxEvents }
$wantedHotfixes = @()
if ($P.Hotfixes) { $wantedHotfixes = @($P.Hotfixes | ForEach-Object { [string]$_ }) }

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
        $level = 0
        if ($c.PSObject.Properties['ClusterFunctionalLevel']) { $level = [int]$c.ClusterFunctionalLevel }
        $groups = @(Get-ClusterGroup | Where-Object { [string]$_.GroupType -eq 'VirtualMachine' } | ForEach-Object {
            [pscustomobject]@{ name = [string]$_.Name; owner = [string]$_.OwnerNode.Name; state = [string]$_.State }
        })
        $cluster = [pscustomobject]@{
            name = [string]$c.Name
            functional_level = $level
            nodes = @(Get-ClusterNode | ForEach-Object { [pscustomobject]@{ name = [string]$_.Name; state = [string]$_.State } })
            vm_groups = $groups
        }
        $csvStates = @()
        try {
            $csvStates = @(Get-ClusterSharedVolumeState | ForEach-Object {
                [pscustomobject]@{
                    csv = [string]$_.Name
                    node = [string]$_.Node
                    state = [string]$_.StateInfo
                    fs_redirected_reason = [string]$_.FileSystemRedirectedIOReason
                    block_redirected_reason = [string]$_.BlockRedirectedIOReason
                }
            })
        } catch {
            $csvStates = @()
        }
        $csvs = @(Get-ClusterSharedVolume | ForEach-Object {
            $csvName = [string]$_.Name
            $info = $_.SharedVolumeInfo | Select-Object -First 1
            [pscustomobject]@{
                name = $csvName
                state = [string]$_.State
                owner = [string]$_.OwnerNode.Name
                path = [string]$info.FriendlyVolumeName
                size_bytes = [int64]$info.Partition.Size
                free_bytes = [int64]$info.Partition.FreeSpace
                redirected = [bool]$info.RedirectedAccess
                node_states = @($csvStates | Where-Object { $_.csv -eq $csvName })
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
    $vhds = @{}
    foreach ($v in @(Get-VHD -VMId $vm.Id -ErrorAction SilentlyContinue)) { $vhds[[string]$v.Path] = $v }
    $disks = @(Get-VMHardDiskDrive -VM $vm | ForEach-Object {
        $drive = $_
        $path = [string]$drive.Path
        $chain = @()
        $vhdType = $null
        $fileSize = $null
        $vmAccess = $null
        $v = $vhds[$path]
        if ($v) {
            $vhdType = [string]$v.VhdType
            $fileSize = [int64]$v.FileSize
            $parent = [string]$v.ParentPath
            while ($parent -and $chain.Count -lt 64) {
                $chain += $parent
                try { $parent = [string](Get-VHD -Path $parent).ParentPath } catch { $parent = $null }
            }
        }
        if ($path -and $path -notlike '\\*' -and $null -eq $drive.DiskNumber) {
            try {
                $rules = @((Get-Acl -LiteralPath $path).Access | Where-Object { [string]$_.IdentityReference -eq ('NT VIRTUAL MACHINE\' + $id) })
                $vmAccess = $rules.Count -gt 0
            } catch {
                $vmAccess = $null
            }
        }
        [pscustomobject]@{
            path = $path
            controller_type = [string]$drive.ControllerType
            controller_number = [int]$drive.ControllerNumber
            controller_location = [int]$drive.ControllerLocation
            disk_number = $drive.DiskNumber
            shared = [bool]$drive.SupportPersistentReservations
            vhd_type = $vhdType
            file_size_bytes = $fileSize
            chain = $chain
            vm_access = $vmAccess
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
    $replicationMode = ''
    if ($vm.PSObject.Properties['ReplicationMode']) { $replicationMode = [string]$vm.ReplicationMode }
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
        replication_mode = $replicationMode
        scsi_controllers = @(Get-VMScsiController -VM $vm).Count
        ide_controllers = @(Get-VMIdeController -VM $vm).Count
        fibre_channel_adapters = @(Get-VMFibreChannelHba -VM $vm -ErrorAction SilentlyContinue).Count
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

$volumes = @(Get-CimInstance -ClassName Win32_Volume | Where-Object { $_.DriveType -eq 3 } | ForEach-Object {
    [pscustomobject]@{
        device_id = [string]$_.DeviceID
        name = [string]$_.Name
        label = [string]$_.Label
        file_system = [string]$_.FileSystem
        size_bytes = [int64]$_.Capacity
        free_bytes = [int64]$_.FreeSpace
    }
})

$hostDisks = @(Get-Disk | ForEach-Object {
    $signature = $null
    if ($_.Signature) { $signature = ('{0:x8}' -f [uint32]$_.Signature) }
    [pscustomobject]@{ number = [int]$_.Number; partition_style = [string]$_.PartitionStyle; signature = $signature }
})

$svc = Get-CimInstance -ClassName Win32_Service -Filter "Name='swprv'"
$serviceDll = $null
try {
    $serviceDll = [string](Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Services\swprv\Parameters' -Name ServiceDll).ServiceDll
} catch {
    $serviceDll = $null
}
$swprv = [pscustomobject]@{
    display_name = [string]$svc.DisplayName
    state = [string]$svc.State
    start_mode = [string]$svc.StartMode
    service_dll = $serviceDll
}

# secedit is the only built-in way to read user rights; it writes them to a file we delete at once.
$logonRight = $null
$rightsFile = Join-Path -Path $env:TEMP -ChildPath ('hvassist-rights-' + [guid]::NewGuid().ToString() + '.inf')
try {
    secedit.exe /export /cfg $rightsFile /areas USER_RIGHTS | Out-Null
    $line = @(Get-Content -LiteralPath $rightsFile | Where-Object { $_ -like 'SeServiceLogonRight*' }) | Select-Object -First 1
    if ($line) {
        $logonRight = @(($line -split '=', 2)[1].Split(',') | ForEach-Object { $_.Trim().TrimStart('*') } | Where-Object { $_ })
    } else {
        $logonRight = @()
    }
} catch {
    $logonRight = $null
} finally {
    Remove-Item -LiteralPath $rightsFile -Force -ErrorAction SilentlyContinue
}

$installed = @()
if ($wantedHotfixes.Count -gt 0) {
    $qfe = @(Get-CimInstance -ClassName Win32_QuickFixEngineering | ForEach-Object { [string]$_.HotFixID })
    $installed = @($wantedHotfixes | Where-Object { $qfe -contains $_ })
}

$since = (Get-Date).AddDays(-$eventDays)
$filters = @(
    @{ LogName = 'Microsoft-Windows-Hyper-V-VMMS-Admin'; StartTime = $since },
    @{ LogName = 'Microsoft-Windows-Hyper-V-Worker-Admin'; StartTime = $since },
    @{ LogName = 'Application'; ProviderName = 'VSS'; StartTime = $since },
    @{ LogName = 'System'; ProviderName = 'Service Control Manager'; Id = 7023; StartTime = $since }
)
$events = @(foreach ($f in $filters) {
    Get-WinEvent -FilterHashtable $f -MaxEvents $maxEvents -ErrorAction SilentlyContinue | Where-Object {
        $_.Id -ne 7023 -or ($_.Properties.Count -gt 0 -and [string]$_.Properties[0].Value -eq $swprv.display_name)
    } | ForEach-Object {
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
    schema = 'collect-host/2'
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
        volumes = $volumes
        disks = $hostDisks
        swprv = $swprv
        service_logon_right = $logonRight
        hotfixes_checked = $wantedHotfixes
        hotfixes_installed = $installed
    }
    vms = $vms
    csvs = $csvs
    vss = [pscustomobject]@{
        writers_text = (vssadmin list writers | Out-String)
        providers_text = (vssadmin list providers | Out-String)
        shadows_text = (vssadmin list shadows | Out-String)
    }
    events = $events
} | ConvertTo-Json -Depth 7 -Compress
