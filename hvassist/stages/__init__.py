"""How a host-level Hyper-V backup works, stage by stage (plain Python, no Qt).

``model``: the stages of the 2012 R2 and 2016+ flows as data (``resources/stages``);
``events``: what an event log entry says about a backup; ``tracker``: follow a live backup from
the watcher's observations; ``replay``: rebuild the last backup from a host's events;
``timeline``: the result both produce, which the CLI prints and the explainer shows.
"""

from hvassist.stages.model import (
    Flow,
    Stage,
    Variant,
    causes_for_stage,
    flow_for_host,
    flows,
    get_flow,
    get_stage,
)
from hvassist.stages.replay import replay_last_backup
from hvassist.stages.timeline import BackupTimeline, StageMark
from hvassist.stages.tracker import BackupTracker

__all__ = [
    "BackupTimeline",
    "BackupTracker",
    "Flow",
    "Stage",
    "StageMark",
    "Variant",
    "causes_for_stage",
    "flow_for_host",
    "flows",
    "get_flow",
    "get_stage",
    "replay_last_backup",
]
