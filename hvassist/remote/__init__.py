"""Talking to Hyper-V hosts over WinRM (pywinrm's low-level ``Protocol``)."""
