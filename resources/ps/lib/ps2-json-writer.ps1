# --- hvassist PS2 JSON writer (PowerShell 2.0 has no ConvertTo-Json). Everything that is not
# printable ASCII is written as \uXXXX, so the output survives any console code page.
function ConvertTo-HvJsonString([string]$Text) {
    $sb = New-Object System.Text.StringBuilder
    [void]$sb.Append('"')
    foreach ($ch in $Text.ToCharArray()) {
        $code = [int]$ch
        if ($code -eq 34) { [void]$sb.Append('\"') }
        elseif ($code -eq 92) { [void]$sb.Append('\\') }
        elseif ($code -lt 32 -or $code -gt 126) { [void]$sb.Append(('\u{0:x4}' -f $code)) }
        else { [void]$sb.Append($ch) }
    }
    [void]$sb.Append('"')
    return $sb.ToString()
}

function ConvertTo-HvJson($Value) {
    if ($null -eq $Value) { return 'null' }
    if ($Value -is [bool]) {
        if ($Value) { return 'true' }
        return 'false'
    }
    if ($Value -is [string] -or $Value -is [char] -or $Value -is [guid]) { return (ConvertTo-HvJsonString ([string]$Value)) }
    if ($Value -is [datetime]) { return (ConvertTo-HvJsonString ($Value.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ'))) }
    if ($Value -is [System.Collections.IDictionary]) {
        $parts = @()
        foreach ($key in $Value.Keys) {
            $parts += ((ConvertTo-HvJsonString ([string]$key)) + ':' + (ConvertTo-HvJson $Value[$key]))
        }
        return ('{' + ($parts -join ',') + '}')
    }
    if ($Value -is [System.Collections.IEnumerable]) {
        $parts = @()
        foreach ($item in $Value) { $parts += (ConvertTo-HvJson $item) }
        return ('[' + ($parts -join ',') + ']')
    }
    if ($Value -is [System.ValueType]) { return [string]::Format([Globalization.CultureInfo]::InvariantCulture, '{0}', $Value) }
    return (ConvertTo-HvJsonString ([string]$Value))
}

