# hvassist-script: vm-mount-guest-iso/1
# summary: Insert the host's integration services disk (%windir%\System32\vmguest.iso, Windows Server 2012 R2 and older) into a VM's DVD drive so setup can be run inside the guest. Works while the VM runs. Does nothing if it is already inserted.
# min-windows-server: 2012r2
# powershell: 4.0
# output: vm-mount-guest-iso.schema.json
# params: VMId
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$P = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)) | ConvertFrom-Json
$vm = Get-VM -Id ([guid]$P.VMId)
$iso = Join-Path -Path $env:windir -ChildPath 'System32\vmguest.iso'
if (-not (Test-Path -LiteralPath $iso)) {
    throw ('This host has no integration services disk ({0}). Hosts from Windows Server 2016 on do not ship one: the guest gets its integration services through Windows Update.' -f $iso)
}
$drives = @(Get-VMDvdDrive -VM $vm)
if ($drives.Count -eq 0) {
    throw ('{0} has no DVD drive. Add one in its settings (a Generation 1 VM must be turned off for that), then run this fix again.' -f $vm.Name)
}
$drive = @($drives | Where-Object { [string]$_.Path -eq $iso }) + $drives | Select-Object -First 1
$before = [string]$drive.Path
$changed = $false
if ($before -ne $iso) {
    Set-VMDvdDrive -VMDvdDrive $drive -Path $iso -Confirm:$false
    $changed = $true
}
$drive = @(Get-VMDvdDrive -VM $vm | Where-Object { $_.ControllerNumber -eq $drive.ControllerNumber -and $_.ControllerLocation -eq $drive.ControllerLocation -and [string]$_.ControllerType -eq [string]$drive.ControllerType }) | Select-Object -First 1
[pscustomobject]@{
    vm = [string]$vm.Name
    id = [string]$vm.Id
    changed = $changed
    iso = $iso
    dvd_path_before = $before
    dvd_path_after = [string]$drive.Path
    controller = ('{0} {1}:{2}' -f $drive.ControllerType, $drive.ControllerNumber, $drive.ControllerLocation)
    state = [string]$vm.State
} | ConvertTo-Json -Compress
