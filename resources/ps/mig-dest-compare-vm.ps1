# hvassist-script: mig-dest-compare-vm/1
# summary: Migration destination (2012 R2+): Compare-VM -Register on a VM's configuration file where it lies on the CSV, apply the switch mapping to the compatibility report (33012: switch not found), compare again and list what is left. Registers nothing.
# min-windows-server: 2012r2
# powershell: 4.0
# output: mig-dest-compare-vm.schema.json
# params: Path, VMId, SwitchMap
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$P = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ParamsB64)) | ConvertFrom-Json

# hvassist-include: switch-map.ps1

function Get-Incompatibility($Report) {
    @(foreach ($i in @($Report.Incompatibilities)) {
        $adapter = ''
        $switch = ''
        if ($i.Source -and $i.Source.PSObject.Properties['SwitchName']) {
            $adapter = [string]$i.Source.Name
            $switch = [string]$i.Source.SwitchName
        }
        if (-not $switch -and [int]$i.MessageId -eq 33012 -and [string]$i.Message -match "'([^']+)'") { $switch = $Matches[1] }
        [pscustomobject]@{ message_id = [int]$i.MessageId; message = [string]$i.Message; adapter = $adapter; switch_name = $switch }
    })
}

$path = [string]$P.Path
$existing = Get-VM -Id ([guid]$P.VMId) -ErrorAction SilentlyContinue
if ($existing) {
    [pscustomobject]@{
        path = $path; vm = [string]$existing.Name; vm_id = [string]$existing.Id; already_registered = $true
        incompatibilities_before = @(); actions = @(); incompatibilities = @()
    } | ConvertTo-Json -Depth 5 -Compress
    return
}

$report = Compare-VM -Path $path -Register
$before = Get-Incompatibility $report
$actions = @(Connect-HvMappedSwitch $report (Get-HvSwitchMap $P))
if ($actions.Count -gt 0) { $report = Compare-VM -CompatibilityReport $report }
[pscustomobject]@{
    path = $path
    vm = [string]$report.VM.Name
    vm_id = [string]$report.VM.Id
    already_registered = $false
    incompatibilities_before = $before
    actions = $actions
    incompatibilities = (Get-Incompatibility $report)
} | ConvertTo-Json -Depth 5 -Compress
