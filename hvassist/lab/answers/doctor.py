"""doctor-probe/1 and discover-cluster/1 on a lab host: what the scripts print on a real host."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from hvassist.lab import faults
from hvassist.lab.answers.base import LabCall, LabPSError


def doctor_probe(call: LabCall) -> Iterator[str]:
    host = call.host
    netbios = next((d.netbios for d in call.estate.domains if d.name == host.domain), "") or host.name.upper()
    role, module = faults.hyperv_state(host)
    is_admin, is_hyperv_admin = faults.account_rights(host)
    module_version = {"2012r2": "1.1", "2012": "1.0"}.get(host.os, "2.0.0.0") if module else ""
    facts: dict[str, Any] = {
        "name": host.name.upper(), "os_caption": host.os_caption, "os_version": host.os_version,
        "os_build": host.os_build, "ps_version": host.powershell, "user": "%s\\%s" % (netbios, call.username or "?"),
        "is_admin": is_admin, "is_hyperv_admin": is_hyperv_admin and host.os != "2008r2",
        "hyperv_module": module, "hyperv_module_version": module_version,
        "vmms_service": "Running" if role else "",
        "wmi_v1": role and host.os in ("2008r2", "2012"),  # root\virtualization was removed in 2012 R2
        "wmi_v2": role and host.os != "2008r2",
    }
    # the script's own JSON writer (not ConvertTo-Json): compact, every non-ASCII character as \uXXXX;
    # a line of text is written as is
    return iter([json.dumps(facts, ensure_ascii=True, separators=(",", ":"))])


def discover_cluster(call: LabCall) -> dict[str, Any]:
    host = call.host
    cluster = call.estate.cluster_of(host)
    if cluster is None:
        raise LabPSError("Get-Cluster", "The cluster service is not running.  Make sure that the service is running "
                         "on all nodes in the cluster.\r\n    There are no more endpoints available from the "
                         "endpoint mapper", "ConnectionError", "ClusterCmdletException",
                         "GetClusterWin32Exception,Microsoft.FailoverClusters.PowerShell.GetClusterCommand")
    nodes = []
    for i, name in enumerate(cluster.nodes, start=1):
        node = call.estate.host(name)
        nodes.append({"name": node.name, "state": "Down" if node.down else "Up", "id": str(i)})
    return {"cluster": cluster.name, "domain": cluster.domain, "nodes": nodes}


ANSWERS = {"doctor-probe": doctor_probe, "discover-cluster": discover_cluster}
