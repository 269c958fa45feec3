# --- hvassist: a disk's signature or GUID as one comparable text (MBR signatures as 8 hex digits, GUIDs
# without braces, lower case). PowerShell 2.0 compatible.
function Format-HvDiskId($Value) {
    if ($null -eq $Value) { return '' }
    if ($Value -is [int32] -or $Value -is [uint32] -or $Value -is [int64] -or $Value -is [uint64]) {
        if ([int64]$Value -eq 0) { return '' }
        return ('{0:x8}' -f $Value)
    }
    $text = ([string]$Value).Trim().ToLower()
    if ($text.StartsWith('0x')) { $text = $text.Substring(2) }
    return ($text -replace '[{}]', '')
}
