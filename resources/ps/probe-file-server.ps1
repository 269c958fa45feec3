# hvassist-script: probe-file-server/1
# summary: On a file server that holds Hyper-V VM files on SMB 3 shares: is the File Server VSS Agent Service (fssagent) installed and running, which host-level backups of those VMs need. Reads only.
# min-windows-server: 2012
# powershell: 3.0
# output: probe-file-server.schema.json
# params:
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$os = Get-CimInstance -ClassName Win32_OperatingSystem
$svc = Get-CimInstance -ClassName Win32_Service -Filter "Name='fssagent'"
$agent = $null
if ($svc) { $agent = [pscustomobject]@{ state = [string]$svc.State; start_mode = [string]$svc.StartMode } }
[pscustomobject]@{
    schema = 'probe-file-server/1'
    name = [string]$env:COMPUTERNAME
    os_caption = [string]$os.Caption
    agent = $agent
} | ConvertTo-Json -Compress
