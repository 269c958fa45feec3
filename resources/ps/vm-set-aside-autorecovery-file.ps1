# hvassist-script: vm-set-aside-autorecovery-file/1
# summary: Rename a leftover "-AutoRecovery.avhdx" file in one of a VM's disk folders to "..._avhdx.old" (it can be renamed back), only when none of the VM's disks uses it and no backup of the VM is running. Does nothing if it was already set aside or is gone.
# min-windows-server: 2012r2
# powershell: 4.0
# output: vm-set-aside-autorecovery-file.schema.json
# params: VMId, Path
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$P = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)) | ConvertFrom-Json
$vm = Get-VM -Id ([guid]$P.VMId)
$path = [string]$P.Path
$name = [IO.Path]::GetFileName($path)
$folder = [IO.Path]::GetDirectoryName($path)
if ($name -notmatch '-AutoRecovery\.avhdx?$') {
    throw ('{0} is not an AutoRecovery disk file; hvassist only sets aside files ending in -AutoRecovery.avhdx.' -f $path)
}
# The new name no longer contains ".avhd", so neither Hyper-V nor hvassist's check takes it for a disk file.
$newName = $name -replace '\.(avhdx?)$', '_$1.old'
$newPath = Join-Path -Path $folder -ChildPath $newName

$drives = @(Get-VMHardDiskDrive -VM $vm | Where-Object { $_.Path -and $null -eq $_.DiskNumber })
$folders = @($drives | ForEach-Object { [IO.Path]::GetDirectoryName([string]$_.Path) })
if ($folders -notcontains $folder) {
    throw ('{0} is not in a folder that holds one of the disks of {1}; hvassist does not touch it.' -f $path, $vm.Name)
}
# The live chain: every disk the VM uses and all their parents.
$chain = @()
foreach ($drive in $drives) {
    $current = [string]$drive.Path
    while ($current -and $chain.Count -lt 256) {
        $chain += $current
        try { $current = [string](Get-VHD -Path $current).ParentPath } catch { $current = $null }
    }
}
if ($chain -contains $path) {
    throw ('{0} is part of the disk chain {1} uses right now. It must not be renamed or deleted.' -f $path, $vm.Name)
}
$operation = ''
if ($vm.PSObject.Properties['SecondaryOperationalStatus']) { $operation = [string]$vm.SecondaryOperationalStatus }
if ($operation -eq 'BackingUpVirtualMachine') {
    throw ('A backup of {0} is running right now. Wait until it has finished, then run this fix again.' -f $vm.Name)
}
$existed = Test-Path -LiteralPath $path
$changed = $false
if ($existed) {
    if (Test-Path -LiteralPath $newPath) {
        throw ('{0} already exists; rename or remove it first.' -f $newPath)
    }
    Rename-Item -LiteralPath $path -NewName $newName
    $changed = $true
}
$after = ''
if (Test-Path -LiteralPath $newPath) { $after = $newPath }
[pscustomobject]@{
    vm = [string]$vm.Name
    id = [string]$vm.Id
    changed = $changed
    path_before = $(if ($existed) { $path } else { '' })
    path_after = $after
    in_live_chain = $false
} | ConvertTo-Json -Compress
