# --- hvassist PS2 JSON reader (PowerShell 2.0 has no ConvertFrom-Json). Reads the parameters only:
# objects become hashtables, arrays object[], strings, numbers, true/false/null. Never evaluates text.
function Skip-HvJsonSpace {
    while ($script:hvJsonPos -lt $script:hvJsonText.Length -and [char]::IsWhiteSpace($script:hvJsonText[$script:hvJsonPos])) {
        $script:hvJsonPos++
    }
}

function Read-HvJsonChar([string]$Expected) {
    Skip-HvJsonSpace
    if ($script:hvJsonPos -ge $script:hvJsonText.Length -or [string]$script:hvJsonText[$script:hvJsonPos] -cne $Expected) {
        throw ('hvassist: the parameters are not valid JSON (expected {0} at {1}).' -f $Expected, $script:hvJsonPos)
    }
    $script:hvJsonPos++
}

function Read-HvJsonString {
    Read-HvJsonChar '"'
    $sb = New-Object System.Text.StringBuilder
    while ($true) {
        if ($script:hvJsonPos -ge $script:hvJsonText.Length) { throw 'hvassist: the parameters are not valid JSON (unterminated text).' }
        $c = [string]$script:hvJsonText[$script:hvJsonPos]
        $script:hvJsonPos++
        if ($c -ceq '"') { return $sb.ToString() }
        if ($c -cne '\') {
            [void]$sb.Append($c)
            continue
        }
        $e = [string]$script:hvJsonText[$script:hvJsonPos]
        $script:hvJsonPos++
        if ($e -ceq 'u') {
            [void]$sb.Append([char][Convert]::ToInt32($script:hvJsonText.Substring($script:hvJsonPos, 4), 16))
            $script:hvJsonPos += 4
        }
        elseif ($e -ceq 'n') { [void]$sb.Append("`n") }
        elseif ($e -ceq 'r') { [void]$sb.Append("`r") }
        elseif ($e -ceq 't') { [void]$sb.Append("`t") }
        elseif ($e -ceq 'b') { [void]$sb.Append([char]8) }
        elseif ($e -ceq 'f') { [void]$sb.Append([char]12) }
        else { [void]$sb.Append($e) }
    }
}

function Read-HvJsonValue {
    Skip-HvJsonSpace
    if ($script:hvJsonPos -ge $script:hvJsonText.Length) { throw 'hvassist: the parameters are not valid JSON (unexpected end).' }
    $c = [string]$script:hvJsonText[$script:hvJsonPos]
    if ($c -ceq '{') {
        $script:hvJsonPos++
        $object = @{}
        Skip-HvJsonSpace
        if ([string]$script:hvJsonText[$script:hvJsonPos] -ceq '}') {
            $script:hvJsonPos++
            return $object
        }
        while ($true) {
            $key = Read-HvJsonString
            Read-HvJsonChar ':'
            $object[$key] = Read-HvJsonValue
            Skip-HvJsonSpace
            if ([string]$script:hvJsonText[$script:hvJsonPos] -ceq ',') {
                $script:hvJsonPos++
                Skip-HvJsonSpace
                continue
            }
            Read-HvJsonChar '}'
            return $object
        }
    }
    if ($c -ceq '[') {
        $script:hvJsonPos++
        $items = New-Object System.Collections.ArrayList
        Skip-HvJsonSpace
        if ([string]$script:hvJsonText[$script:hvJsonPos] -ceq ']') {
            $script:hvJsonPos++
            return ,($items.ToArray())
        }
        while ($true) {
            $item = Read-HvJsonValue
            [void]$items.Add($item)
            Skip-HvJsonSpace
            if ([string]$script:hvJsonText[$script:hvJsonPos] -ceq ',') {
                $script:hvJsonPos++
                continue
            }
            Read-HvJsonChar ']'
            return ,($items.ToArray())
        }
    }
    if ($c -ceq '"') { return (Read-HvJsonString) }
    foreach ($word in @('true', 'false', 'null')) {
        if ($script:hvJsonPos + $word.Length -le $script:hvJsonText.Length -and $script:hvJsonText.Substring($script:hvJsonPos, $word.Length) -ceq $word) {
            $script:hvJsonPos += $word.Length
            if ($word -ceq 'true') { return $true }
            if ($word -ceq 'false') { return $false }
            return $null
        }
    }
    $start = $script:hvJsonPos
    while ($script:hvJsonPos -lt $script:hvJsonText.Length -and '0123456789+-.eE'.IndexOf($script:hvJsonText[$script:hvJsonPos]) -ge 0) {
        $script:hvJsonPos++
    }
    if ($script:hvJsonPos -eq $start) { throw ('hvassist: the parameters are not valid JSON (unexpected character at {0}).' -f $start) }
    $number = $script:hvJsonText.Substring($start, $script:hvJsonPos - $start)
    if ($number.IndexOfAny([char[]]'.eE') -ge 0) { return [double]::Parse($number, [Globalization.CultureInfo]::InvariantCulture) }
    return [int64]::Parse($number, [Globalization.CultureInfo]::InvariantCulture)
}

function Read-HvJson([string]$Text) {
    $script:hvJsonText = $Text
    $script:hvJsonPos = 0
    $value = Read-HvJsonValue
    Skip-HvJsonSpace
    if ($script:hvJsonPos -ne $script:hvJsonText.Length) { throw 'hvassist: the parameters are not valid JSON (text after the end).' }
    return $value
}

