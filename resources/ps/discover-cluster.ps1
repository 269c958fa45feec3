# hvassist-script: discover-cluster/1
# summary: The failover cluster this host belongs to and its nodes with their state, to keep a cluster's list of hosts fresh.
# min-windows-server: 2012r2
# powershell: 4.0
# output: discover-cluster.schema.json
# params:
param([string]$ParamsB64)
$ErrorActionPreference = 'Stop'
Import-Module FailoverClusters
$cluster = Get-Cluster
$nodes = @(Get-ClusterNode -Cluster $cluster.Name | ForEach-Object {
    [pscustomobject]@{
        name = [string]$_.Name
        state = [string]$_.State
        id = [string]$_.Id
    }
})
[pscustomobject]@{
    cluster = [string]$cluster.Name
    domain = [string]$cluster.Domain
    nodes = $nodes
} | ConvertTo-Json -Compress -Depth 4
