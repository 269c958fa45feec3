# hvassist-script: probe-host/1
# summary: Quick check that PowerShell runs and Hyper-V can be managed: host name, OS, PowerShell version, Hyper-V module, administrator rights.
# min-windows-server: 2012r2
# powershell: 4.0
# output: probe-host.schema.json
# params:
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$os = Get-CimInstance -ClassName Win32_OperatingSystem
$identity = [Security.Principal.WindowsIdentity]::GetCurrent()
$principal = New-Object Security.Principal.WindowsPrincipal($identity)
$module = Get-Module -ListAvailable -Name Hyper-V | Select-Object -First 1
$hvAdmins = $false
try {
    $hvAdmins = $principal.IsInRole((New-Object Security.Principal.SecurityIdentifier('S-1-5-32-578')))
} catch {
    $hvAdmins = $false
}
[pscustomobject]@{
    name = [string]$env:COMPUTERNAME
    os_caption = [string]$os.Caption
    os_build = [int]$os.BuildNumber
    ps_version = [string]$PSVersionTable.PSVersion
    user = [string]$identity.Name
    is_admin = [bool]$principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
    is_hyperv_admin = [bool]$hvAdmins
    hyperv_module = [bool]($null -ne $module)
    hyperv_module_version = [string]$(if ($module) { $module.Version } else { '' })
} | ConvertTo-Json -Compress
