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

$wanted = [guid]$P.VMId
$vm = Get-VM -Id $wanted -ErrorAction SilentlyContinue
$changed = $false
$actions = @()
if (-not $vm) {
    $map = @{}
    if ($P.SwitchMap) {
        foreach ($prop in $P.SwitchMap.PSObject.Properties) { $map[[string]$prop.Name] = [string]$prop.Value }
    }
    $report = Compare-VM -Path ([string]$P.Path) -Register
    $actions = @(foreach ($i in @($report.Incompatibilities)) {
        if ([int]$i.MessageId -ne 33012) { continue }
        $from = [string]$i.Source.SwitchName
        if (-not $from -and [string]$i.Message -match "'([^']+)'") { $from = $Matches[1] }
        if (-not $map.ContainsKey($from)) { continue }
        $to = $map[$from]
        if ($to) {
            $i.Source | Connect-VMNetworkAdapter -SwitchName $to
            $action = 'connect'
        } else {
            $i.Source | Disconnect-VMNetworkAdapter
            $action = 'disconnect'
        }
        [pscustomobject]@{ adapter = [string]$i.Source.Name; switch_from = $from; switch_to = $to; action = $action }
    })
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
