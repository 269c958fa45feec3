# hvassist-script: mig-dest-add-csv/1
# summary: Migration destination (2012 R2+): add the moved LUN (found by its disk signature among the disks available to the cluster) as a cluster disk and a CSV, then rename its mount folder under C:\ClusterStorage to the name it had on the source so the VMs' paths resolve. Does nothing that is already done.
# min-windows-server: 2012r2
# powershell: 4.0
# output: mig-dest-add-csv.schema.json
# params: DiskSignature, MountName
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$P = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)) | ConvertFrom-Json
Import-Module FailoverClusters

# hvassist-include: disk-id.ps1

# hvassist-include: cluster-disk-signature.ps1

$wanted = Format-HvDiskId ([string]$P.DiskSignature)
$mountName = [string]$P.MountName
if ($mountName -notmatch '^[A-Za-z0-9][A-Za-z0-9 ._-]*$') {
    throw 'hvassist: MountName must be a plain folder name such as Volume3.'
}
$changed = $false
$csv = Get-ClusterSharedVolume | Where-Object { (Get-CsvSignature $_) -eq $wanted } | Select-Object -First 1
if (-not $csv) {
    $disk = Get-ClusterAvailableDisk | Where-Object { (Format-HvDiskId $_.Id) -eq $wanted } | Select-Object -First 1
    if (-not $disk) {
        throw ('hvassist: no disk with signature {0} is available to every node of the cluster. Present the LUN to all nodes in the SAN console and try again.' -f $wanted)
    }
    $resource = $disk | Add-ClusterDisk
    $csv = Add-ClusterSharedVolume -Name $resource.Name
    $changed = $true
}
$info = $csv.SharedVolumeInfo | Select-Object -First 1
$path = [string]$info.FriendlyVolumeName
$target = Join-Path (Split-Path -Path $path -Parent) $mountName
$renamedFrom = ''
if ($path -ne $target) {
    if (Test-Path -LiteralPath $target) {
        throw ('hvassist: {0} already exists on this cluster, so the CSV mounted at {1} cannot take that name. Free the name first.' -f $target, $path)
    }
    Rename-Item -LiteralPath $path -NewName $mountName
    $renamedFrom = $path
    $path = $target
    $changed = $true
}
[pscustomobject]@{
    csv = [string]$csv.Name
    path = $path
    state = [string]$csv.State
    owner = [string]$csv.OwnerNode.Name
    renamed_from = $renamedFrom
    changed = $changed
} | ConvertTo-Json -Compress
