# hvassist-script: collect-guest/1
# summary: Runs inside a Windows guest (WinRM to the guest): what the host cannot see - the backup helper service (vmicvss), dynamic disks, FAT volumes, shadow storage and its room, scoped snapshots, iSCSI sessions, the guest cluster service, VSS writers, disk signatures and recent backup-related events. Reads only.
# min-windows-server: 2012
# powershell: 3.0
# output: collect-guest.schema.json
# params: EventDays
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$P = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)) | ConvertFrom-Json
$eventDays = 7
if ($P.EventDays) { $eventDays = [int]$P.EventDays }

# BEGIN guest-facts: this function is the same in collect-guest.ps1 and guest-check-direct.ps1 (a test compares them)
function Get-GuestFacts {
    param([int]$EventDays)
    $ErrorActionPreference = 'Stop'
    $os = Get-CimInstance -ClassName Win32_OperatingSystem
    $vmicvss = $null
    $svc = Get-CimInstance -ClassName Win32_Service -Filter "Name='vmicvss'"
    if ($svc) { $vmicvss = [pscustomobject]@{ state = [string]$svc.State; start_mode = [string]$svc.StartMode } }
    $clussvc = $null
    $svc = Get-CimInstance -ClassName Win32_Service -Filter "Name='ClusSvc'"
    if ($svc) { $clussvc = [string]$svc.State }
    $dynamic = @(Get-CimInstance -ClassName Win32_DiskPartition | Where-Object { [string]$_.Type -like 'Logical Disk Manager*' }).Count
    $signatures = @(Get-CimInstance -ClassName Win32_DiskDrive | Where-Object { $_.Signature } | ForEach-Object { '{0:x8}' -f [uint32]$_.Signature })
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
    $storage = @(Get-CimInstance -ClassName Win32_ShadowStorage -ErrorAction SilentlyContinue | ForEach-Object {
        [pscustomobject]@{
            for_volume = [string]$_.Volume.DeviceID
            on_volume = [string]$_.DiffVolume.DeviceID
            max_bytes = [int64]$_.MaxSpace
            used_bytes = [int64]$_.UsedSpace
        }
    })
    $scope = $null
    try {
        $scope = [int](Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SystemRestore' -Name ScopeSnapshots).ScopeSnapshots
    } catch {
        $scope = $null
    }
    $iscsi = @(Get-CimInstance -Namespace root\wmi -ClassName MSiSCSIInitiator_SessionClass -ErrorAction SilentlyContinue).Count
    $since = (Get-Date).AddDays(-$EventDays)
    $filters = @(
        @{ ProviderName = 'vmicvss'; StartTime = $since },
        @{ ProviderName = 'Microsoft-Windows-Hyper-V-Guest-Drivers-IcSvc'; StartTime = $since },
        @{ LogName = 'Application'; ProviderName = 'VSS'; StartTime = $since }
    )
    $events = @(foreach ($f in $filters) {
        Get-WinEvent -FilterHashtable $f -MaxEvents 200 -ErrorAction SilentlyContinue | ForEach-Object {
            [pscustomobject]@{
                log = [string]$_.LogName
                provider = [string]$_.ProviderName
                id = [int]$_.Id
                level = [string]$_.LevelDisplayName
                time = $_.TimeCreated.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')
                message = [string]$_.Message
                properties = @($_.Properties | ForEach-Object { [string]$_.Value })
            }
        }
    })
    [pscustomobject]@{
        schema = 'guest-facts/1'
        computer_name = [string]$env:COMPUTERNAME
        os_caption = [string]$os.Caption
        os_version = [string]$os.Version
        vmicvss = $vmicvss
        clussvc_state = $clussvc
        dynamic_partitions = $dynamic
        disk_signatures = $signatures
        volumes = $volumes
        shadow_storage = $storage
        scope_snapshots = $scope
        iscsi_sessions = $iscsi
        writers_text = (vssadmin list writers | Out-String)
        events = $events
    } | ConvertTo-Json -Depth 5 -Compress
}
# END guest-facts

Get-GuestFacts -EventDays $eventDays
