"""Helpers for tests that use the lab."""

from __future__ import annotations

from hvassist.lab.runtime import Lab
from hvassist.services.diagnosis import HostTarget


def lab_targets(lab: Lab) -> list[HostTarget]:
    return [HostTarget(lab.endpoint(h), lab.username, lab.password) for h in lab.host_names()]
