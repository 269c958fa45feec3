# hvassist-script: vm-update-version/1
# summary: Upgrade a VM's configuration version to the newest this host (and its cluster's functional level) supports, with Update-VMVersion. Cannot be undone. The VM must be turned off. Does nothing if it already has that version.
# min-windows-server: 2016
# powershell: 5.1
# output: vm-update-version.schema.json
# params: VMId
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$P = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)) | ConvertFrom-Json
$vm = Get-VM -Id ([guid]$P.VMId)
$before = [string]$vm.Version
$hostDefault = [string](Get-VMHostSupportedVersion -Default).Version
if ([version]$before -lt [version]$hostDefault) {
    Update-VMVersion -VM $vm -Force -Confirm:$false
}
$vm = Get-VM -Id ([guid]$P.VMId)
[pscustomobject]@{
    vm = [string]$vm.Name
    id = [string]$vm.Id
    changed = ([string]$vm.Version -ne $before)
    version_before = $before
    version_after = [string]$vm.Version
    host_default_version = $hostDefault
    state = [string]$vm.State
} | ConvertTo-Json -Compress
