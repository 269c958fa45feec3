# hvassist-script: mig-source-copy-configs/1
# summary: Migration source (2008 R2, PowerShell 2.0): copy the configuration (Virtual Machines\<ID>.xml and its <ID> folder) of the given VMs on this node to a folder on this node's own disk, as the rollback point, and report the SHA-256 of each copy. Changes nothing on the VMs.
# min-windows-server: 2008r2
# powershell: 2.0
# output: mig-source-copy-configs.schema.json
# params: VMIds, Folder
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

# hvassist-include: ps2-json-writer.ps1
# hvassist-include: ps2-json-reader.ps1
# hvassist-include: ps2-wmi-v1.ps1

$P = Read-HvJson ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)))
$folder = [string]$P['Folder']
if ($folder -notmatch '^[A-Za-z]:\\' -or $folder -match '\\ClusterStorage\\') {
    throw 'hvassist: Folder must be a folder on the node''s own disk (for example C:\hvassist-migration), not on a CSV.'
}
$wanted = @()
foreach ($id in @($P['VMIds'])) {
    if ($id) {
        Assert-HvGuid ([string]$id) 'VMIds'
        $wanted += [string]$id
    }
}

$globals = @{}
foreach ($g in @(Get-WmiObject -Namespace 'root\virtualization' -Class Msvm_VirtualSystemGlobalSettingData)) { $globals[[string]$g.SystemName] = [string]$g.ExternalDataRoot }
$copies = @()
foreach ($vm in @(Get-WmiObject -Namespace 'root\virtualization' -Class Msvm_ComputerSystem | Where-Object { [string]$_.Caption -eq 'Virtual Machine' })) {
    $id = [string]$vm.Name
    if ($wanted -notcontains $id -or -not $globals.ContainsKey($id)) { continue }
    $source = $globals[$id] + '\Virtual Machines\' + $id + '.xml'
    $target = Join-Path $folder $id
    New-Item -ItemType Directory -Path $target -Force | Out-Null
    Copy-Item -LiteralPath $source -Destination $target -Force
    $extra = $globals[$id] + '\Virtual Machines\' + $id
    if (Test-Path -LiteralPath $extra) { Copy-Item -LiteralPath $extra -Destination $target -Recurse -Force }
    $copy = Join-Path $target ($id + '.xml')
    $copies += ,@{ vm = [string]$vm.ElementName; id = $id; source = $source; copy = $copy; sha256 = (Get-HvFileHash $copy) }
}
ConvertTo-HvJson @{
    folder = $folder
    copies = $copies
}
