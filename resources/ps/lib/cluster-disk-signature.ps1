# --- hvassist: a cluster shared volume's disk signature (MBR) or disk GUID (GPT), as Format-HvDiskId writes it.
function Get-CsvSignature($Csv) {
    $signature = ''
    foreach ($p in @($Csv | Get-ClusterParameter)) {
        if ($p.Name -eq 'DiskSignature' -and -not $signature) { $signature = Format-HvDiskId $p.Value }
        if ($p.Name -eq 'DiskIdGuid' -and -not $signature) { $signature = Format-HvDiskId $p.Value }
    }
    return $signature
}
