# hvassist-script: doctor-probe/1
# summary: Connection doctor: PowerShell version, OS, the account's rights, and whether Hyper-V can be managed (Hyper-V module, or WMI root\virtualization on 2008 R2). Runs on PowerShell 2.0.
# min-windows-server: 2008r2
# powershell: 2.0
# output: doctor-probe.schema.json
# params:
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'

# PowerShell 2.0 has no ConvertTo-Json: write the flat result object as JSON by hand.
function ConvertTo-HvJsonValue($Value) {
    if ($null -eq $Value) { return 'null' }
    if ($Value -is [bool]) {
        if ($Value) { return 'true' }
        return 'false'
    }
    if ($Value -is [int] -or $Value -is [long]) { return [string]$Value }
    $sb = New-Object System.Text.StringBuilder
    [void]$sb.Append('"')
    foreach ($ch in ([string]$Value).ToCharArray()) {
        $code = [int]$ch
        if ($code -eq 34) { [void]$sb.Append('\"') }
        elseif ($code -eq 92) { [void]$sb.Append('\\') }
        elseif ($code -lt 32 -or $code -gt 126) { [void]$sb.Append('\u' + $code.ToString('x4')) }
        else { [void]$sb.Append($ch) }
    }
    [void]$sb.Append('"')
    return $sb.ToString()
}

function ConvertTo-HvJsonObject($Object) {
    $parts = @()
    foreach ($property in $Object.PSObject.Properties) {
        $parts += (ConvertTo-HvJsonValue $property.Name) + ':' + (ConvertTo-HvJsonValue $property.Value)
    }
    return '{' + ($parts -join ',') + '}'
}

$os = Get-WmiObject -Class Win32_OperatingSystem
$identity = [Security.Principal.WindowsIdentity]::GetCurrent()
$principal = New-Object Security.Principal.WindowsPrincipal($identity)
$isAdmin = $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
$hvAdmins = $false
try {
    $hvAdmins = $principal.IsInRole((New-Object Security.Principal.SecurityIdentifier('S-1-5-32-578')))
} catch {
    $hvAdmins = $false
}
$module = Get-Module -ListAvailable -Name Hyper-V | Select-Object -First 1
$vmms = Get-Service -Name vmms -ErrorAction SilentlyContinue
$wmiV1 = $null -ne (Get-WmiObject -Namespace root -Class __NAMESPACE -Filter "Name='virtualization'" -ErrorAction SilentlyContinue)
$wmiV2 = $false
if ($wmiV1) {
    $wmiV2 = $null -ne (Get-WmiObject -Namespace root\virtualization -Class __NAMESPACE -Filter "Name='v2'" -ErrorAction SilentlyContinue)
}
$result = New-Object -TypeName PSObject -Property @{
    name = [string]$env:COMPUTERNAME
    os_caption = [string]$os.Caption
    os_version = [string]$os.Version
    os_build = [int]$os.BuildNumber
    ps_version = [string]$PSVersionTable.PSVersion
    user = [string]$identity.Name
    is_admin = [bool]$isAdmin
    is_hyperv_admin = [bool]$hvAdmins
    hyperv_module = [bool]($null -ne $module)
    hyperv_module_version = [string]$(if ($module) { $module.Version } else { '' })
    vmms_service = [string]$(if ($vmms) { $vmms.Status } else { '' })
    wmi_v1 = [bool]$wmiV1
    wmi_v2 = [bool]$wmiV2
}
ConvertTo-HvJsonObject $result
