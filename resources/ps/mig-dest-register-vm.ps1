# hvassist-script: mig-dest-register-vm/1
# summary: Migration destination (2012 R2+): register a VM in place, keeping its ID (Compare-VM -Register on its configuration file, apply the switch mapping to the report, Import-VM -CompatibilityReport). Nothing is copied. Does nothing if a VM with that ID is already registered.
# min-windows-server: 2012r2
# powershell: 4.0
# output: mig-dest-register-vm.schema.json
# params: Path, VMId, SwitchMap
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$P = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)) | ConvertFrom-Json
# hvassist-include: switch-map.ps1

$wanted = [guid]$P.VMId
$vm = Get-VM -Id $wanted -ErrorAction SilentlyContinue
$changed = $false
$actions = @()
if (-not $vm) {
    $report = Compare-VM -Path ([string]$P.Path) -Register
    $actions = @(Connect-HvMappedSwitch $report (Get-HvSwitchMap $P))
    if ($actions.Count -gt 0) { $report = Compare-VM -CompatibilityReport $report }
    $vm = Import-VM -CompatibilityReport $report
    $changed = $true
}
[pscustomobject]@{
    vm = [string]$vm.Name
    id = [string]$vm.Id
    changed = $changed
    state = [string]$vm.State
    original_id_kept = ([guid]$vm.Id -eq $wanted)
    config_location = [string]$vm.ConfigurationLocation
    actions = $actions
} | ConvertTo-Json -Depth 4 -Compress
