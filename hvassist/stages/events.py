"""What a host's event log entries say about a backup: which stage, and which cause.

Events come in the shape ``collect-host`` and ``watch-backup`` print (log, provider, id, level,
time, message, properties). The same event id can mean different things on different OS versions
(10103 on 2008 is "failed to revert to VSS snapshot"), so a rule matches provider, id, OS build
and, where the id alone is not enough, the message text.

Only events whose id and text are confirmed in the knowledge base are used to name a cause
(``shared/kb/hyperv-backup-kb.md`` section 0). VSS messages name the VSS operation they happened in
("PrepareForSnapshot Event", "Freeze Event", ...); that places an error at a stage even when its
cause is unknown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

VMMS_ADMIN = "Microsoft-Windows-Hyper-V-VMMS-Admin"
WORKER_ADMIN = "Microsoft-Windows-Hyper-V-Worker-Admin"
VMMS_PROVIDER = "Microsoft-Windows-Hyper-V-VMMS"
VSS_PROVIDER = "VSS"
BUILD_2012R2 = 9600


@dataclass(frozen=True)
class EventMeaning:
    """What one event says: a stage (and flow), whether the backup failed there, and why."""

    stage: str | None  # stage id, or None when the event only says "something failed"
    failed: bool
    cause: str | None
    summary: str  # one plain line for the evidence list


@dataclass(frozen=True)
class _Rule:
    provider: str
    ids: tuple[int, ...]
    stage: str | None
    cause: str | None
    summary: str
    message: re.Pattern[str] | None = None
    min_build: int = 0
    failed: bool = True


_RULES = (
    _Rule(
        VMMS_PROVIDER,
        (10103,),
        "prepare-snapshot",
        "no-scsi-controller",
        "Hyper-V could not back up the running VM: it has no SCSI controller (event 10103)",
        re.compile(r"no SCSI controller", re.I),
        min_build=BUILD_2012R2,
    ),
    _Rule(
        VMMS_PROVIDER,
        (19100,),
        "thaw-merge",
        "permissions-av",
        "The background merge of the backup checkpoint failed: access denied (event 19100)",
        re.compile(r"0x80070005", re.I),
    ),
    _Rule(
        VMMS_PROVIDER,
        (19100,),
        "thaw-merge",
        None,
        "The background merge of the backup checkpoint failed (event 19100)",
    ),
    _Rule(
        VSS_PROVIDER,
        (8193,),
        "gather-metadata",
        "writer-metadata-too-large",
        "VSS: the writers' metadata is too large (event 8193, 0x80070018)",
        re.compile(r"0x80070018", re.I),
    ),
    _Rule(
        VSS_PROVIDER,
        (12293,),
        "commit-snapshot",
        "hw-provider",
        "VSS: error calling a routine on a shadow copy provider (event 12293)",
    ),
    _Rule(
        VSS_PROVIDER,
        (12298, 12310, 12338, 12340),
        "commit-snapshot",
        None,
        "VSS: the snapshot could not be committed in time (event {id})",
    ),
    _Rule(
        VSS_PROVIDER,
        (12289,),
        "backup-complete",
        "stale-writer-sessions",
        "VSS: an older writer session was removed (event 12289, 0x80042409); usually harmless",
        re.compile(r"0x80042409", re.I),
        failed=False,
    ),
    _Rule(
        VSS_PROVIDER,
        (8224,),
        None,
        None,
        "VSS went idle and stopped (event 8224): normal after a backup",
        failed=False,
    ),
)

# Messages without a confirmed event id (kb section 0, "Messages without IDs").
_MESSAGE_RULES = (
    (
        re.compile(r"failed to generate VSS snapshot set", re.I),
        "prepare-snapshot",
        None,
        "Hyper-V failed to generate the VSS snapshot set for the VM",
    ),
    (
        re.compile(r"0x800423FB|AUTORECOVERY_FAILED", re.I),
        "prepare-snapshot",
        "autorecovery-avhdx-left",
        "The auto-recovery step failed (0x800423FB)",
    ),
    (
        re.compile(r"could not initiate a checkpoint operation.*0x80070050", re.I | re.S),
        "prepare-snapshot",
        "autorecovery-avhdx-left",
        "A checkpoint could not start: the file exists (0x80070050)",
    ),
    (
        re.compile(r"Could not create backup checkpoint", re.I),
        "prepare-snapshot",
        None,
        "Hyper-V could not create the backup checkpoint",
    ),
)

# VSS messages name the operation they happened in; the order matters (more specific first).
_VSS_OPERATIONS = (
    (re.compile(r"PrepareForBackup", re.I), "prepare-backup"),
    (re.compile(r"PrepareForSnapshot|PrepareSnapshot", re.I), "prepare-snapshot"),
    (re.compile(r"\bThaw\b|PostSnapshot", re.I), "thaw-merge"),
    (re.compile(r"\bFreeze\b", re.I), "freeze"),
    (re.compile(r"DoSnapshotSet|CommitSnapshots|Flush", re.I), "commit-snapshot"),
    (re.compile(r"BackupComplete|Abort", re.I), "backup-complete"),
    (re.compile(r"GatherWriterMetadata|Gathering Writer Data|OnIdentify|Identify", re.I), "gather-metadata"),
)

# VSS writer states (vssadmin "[n]") 6..15: the writer failed at that VSS event.
WRITER_FAILED_STAGE = {
    6: "gather-metadata",
    7: "prepare-backup",
    8: "prepare-snapshot",
    9: "freeze",
    10: "thaw-merge",
    11: "thaw-merge",
    12: "backup-complete",
}
WRITER_STATE_NAMES = {
    0: "Unknown",
    1: "Stable",
    2: "Waiting for freeze",
    3: "Waiting for thaw",
    4: "Waiting for post-snapshot",
    5: "Waiting for backup complete",
    6: "Failed at identify",
    7: "Failed at prepare backup",
    8: "Failed at prepare snapshot",
    9: "Failed at freeze",
    10: "Failed at thaw",
    11: "Failed at post-snapshot",
    12: "Failed at backup complete",
    13: "Failed at pre-restore",
    14: "Failed at post-restore",
    15: "Failed at backup shutdown",
}


def classify_event(event: Mapping[str, Any], os_build: int | None = None) -> EventMeaning | None:
    """The backup meaning of one event, or None when it says nothing about a backup.

    ``os_build`` is the host's build; unknown (None) is read as 2012 R2 or later, and the
    message text then decides ids that changed meaning."""
    provider = str(event.get("provider") or "")
    try:
        event_id = int(event.get("id") or 0)
    except (TypeError, ValueError):
        return None
    message = str(event.get("message") or "")
    build = os_build or BUILD_2012R2
    for rule in _RULES:
        if rule.provider.lower() != provider.lower() or event_id not in rule.ids or build < rule.min_build:
            continue
        if rule.message is not None and not rule.message.search(message):
            continue
        return EventMeaning(rule.stage, rule.failed, rule.cause, rule.summary.format(id=event_id))
    is_error = str(event.get("level") or "").lower() in ("error", "critical")
    if provider.lower() == VMMS_PROVIDER.lower() or str(event.get("log") or "") in (VMMS_ADMIN, WORKER_ADMIN):
        for pattern, stage, cause, summary in _MESSAGE_RULES:
            if pattern.search(message):
                return EventMeaning(stage, True, cause, summary)
        if is_error and re.search(r"backup|checkpoint|snapshot|VSS", message, re.I):
            return EventMeaning(None, True, None, f"Hyper-V error: {first_sentence(message)}")
        return None
    if provider.lower() == VSS_PROVIDER.lower() and is_error:
        return EventMeaning(
            vss_operation_stage(message), True, None, f"VSS error {event_id}: {first_sentence(message)}"
        )
    return None


def vss_operation_stage(message: str) -> str | None:
    """The stage a VSS message's "Operation:" context names, if any."""
    context = message
    m = re.search(r"Operation:(.*)", message, re.I | re.S)
    if m:
        context = m.group(1)
    for pattern, stage in _VSS_OPERATIONS:
        if pattern.search(context):
            return stage
    return None


def mentions_vm(event: Mapping[str, Any], vm_name: str, vm_id: str = "") -> bool:
    """True when an event names the VM (by name in quotes or properties, or by its id)."""
    message = str(event.get("message") or "")
    props = [str(p) for p in (event.get("properties") or [])]
    wanted_id = vm_id.strip("{}").lower()
    if wanted_id and (wanted_id in message.lower() or any(p.strip("{}").lower() == wanted_id for p in props)):
        return True
    if not vm_name:
        return False
    if vm_name in props:
        return True
    return any(q % vm_name in message for q in ("'%s'", '"%s"', "\u2018%s\u2019", "\u201c%s\u201d"))


def is_vm_specific(event: Mapping[str, Any]) -> bool:
    """Hyper-V log entries are about one VM; VSS entries are about the host's backup as a whole."""
    return (
        str(event.get("log") or "") in (VMMS_ADMIN, WORKER_ADMIN)
        or str(event.get("provider") or "").lower() == VMMS_PROVIDER.lower()
    )


def first_sentence(text: str, limit: int = 160) -> str:
    line = " ".join(text.split())
    m = re.match(r"(.+?[.!?])(\s|$)", line)
    out = m.group(1) if m else line
    return out if len(out) <= limit else out[: limit - 1] + "\u2026"


def event_summary(event: Mapping[str, Any]) -> str:
    """A short evidence line for any event: log, id, time and the first sentence."""
    log = str(event.get("log") or event.get("provider") or "")
    short_log = log.replace("Microsoft-Windows-", "")
    return "{} {} at {}: {}".format(
        short_log, event.get("id"), event.get("time") or "?", first_sentence(str(event.get("message") or ""))
    )
