# --- hvassist: the switch mapping the user chose for a VM being registered (old switch name -> switch on this
# host, or "" for "leave the adapter unconnected"), applied to what Compare-VM reports.
function Get-HvSwitchMap($Params) {
    $map = @{}
    if ($Params.SwitchMap) {
        foreach ($prop in $Params.SwitchMap.PSObject.Properties) { $map[[string]$prop.Name] = [string]$prop.Value }
    }
    return $map
}

# Each adapter Compare-VM reports with 33012 (this host has no switch of that name) and that the map names is
# connected to the mapped switch, or disconnected; one object per adapter changed.
function Connect-HvMappedSwitch($Report, $Map) {
    foreach ($i in @($Report.Incompatibilities)) {
        if ([int]$i.MessageId -ne 33012) { continue }
        $from = [string]$i.Source.SwitchName
        if (-not $from -and [string]$i.Message -match "'([^']+)'") { $from = $Matches[1] }
        if (-not $Map.ContainsKey($from)) { continue }
        $to = $Map[$from]
        if ($to) {
            $i.Source | Connect-VMNetworkAdapter -SwitchName $to
            $action = 'connect'
        } else {
            $i.Source | Disconnect-VMNetworkAdapter
            $action = 'disconnect'
        }
        [pscustomobject]@{ adapter = [string]$i.Source.Name; switch_from = $from; switch_to = $to; action = $action }
    }
}
