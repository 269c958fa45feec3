"""Cross-domain migration checker (KB §3): a Windows Server 2008 R2 cluster to a 2012 R2+ cluster in
another domain over a shared SAN, registering the VMs in place.

- ``steps``: the ordered steps with stable ids, in plain words;
- ``facts``: what the clusters showed (source through PowerShell 2.0 / WMI v1);
- ``checklist``: statuses, evidence, blockers (VM + what to do), manual confirmations, per-VM readiness;
- ``operations``: what hvassist can run (fixes and the destination runbook), preview and ``.ps1`` export;
- ``state``: the saved migration (data folder), so it survives closing the app;
- ``service``: the remote calls; ``access``: how to reach the clusters.
The wizard logic is ``hvassist.flows.migrate_flow``.
"""
