"""Event correlation: match on provider + id + OS build + message or properties, never on the id alone.

The same id means different things on different versions (Hyper-V-VMMS 10103 on Windows Server 2012 R2 is
"no SCSI controllers"; on 2008 it is "failed to revert to VSS snapshot"), and message texts are localised.
So a signature names the provider, the id, the OS builds where the id has that meaning, and what must be
in the event: language-neutral tokens (HRESULTs, GUIDs) looked for in the properties and the message,
and/or the English wording. Events whose id or text the knowledge base marks unverified are not used.
Templates: Microsoft's message files (vssvc.exe, vmms) as quoted in shared/kb/hyperv-backup-kb.md section 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from hvassist.snapshot import HYPERV_WRITER_ID, EventFact, HostSnapshot, VMFact, version_tuple

VMMS = "Microsoft-Windows-Hyper-V-VMMS"
VSS = "VSS"
SCM = "Service Control Manager"
VMICVSS = "vmicvss"  # guest, 2012/2012 R2 integration components
ICSVC = "Microsoft-Windows-Hyper-V-Guest-Drivers-IcSvc"  # guest, 2016+ integration components

BUILD_2012R2 = 9600
BUILD_2016 = 14393

# HRESULTs named in the knowledge base and in Microsoft's VSS reference
HR_ACCESS_DENIED = "0x80070005"
HR_SHARING_VIOLATION = "0x80070020"
HR_XML_TOO_LONG = "0x80070018"
HR_LOGON_TYPE = "0x80070569"  # the user has not been granted the requested logon type
HR_STALE_SESSION = "0x80042409"  # VSS_E_WRITER_STATUS_NOT_AVAILABLE
HR_PROVIDER_VETO = "0x80042306"  # VSS_E_PROVIDER_VETO
HR_SNAPSHOT_SET_IN_PROGRESS = "0x80042316"  # VSS_E_SNAPSHOT_SET_IN_PROGRESS
HR_WRITER_TIMEOUT = "0x800423f2"  # VSS_E_WRITERERROR_TIMEOUT
SWPRV_CLSID = "{65ee1dba-8ff4-4a58-ac1c-3470ee2f376a}"  # Microsoft Software Shadow Copy Provider COM class


@dataclass(frozen=True)
class EventSignature:
    provider: str
    event_id: int
    min_build: int = 0  # the OS build from which the id carries this meaning
    max_build: int = 1 << 30
    text: re.Pattern[str] | None = None  # English wording; localised hosts match via tokens/properties
    tokens: tuple[str, ...] = ()  # all must appear (case-insensitive) in the properties or the message
    needs_text_or_tokens: bool = True  # False only where the VM binding (name/id in properties) suffices

    def matches(self, event: EventFact, build: int) -> bool:
        if event.id != self.event_id or event.provider.lower() != self.provider.lower():
            return False
        if not self.min_build <= build <= self.max_build:
            return False
        haystack = event_text(event)
        if self.tokens and not all(t.lower() in haystack for t in self.tokens):
            return False
        return True

    def wording_ok(self, event: EventFact) -> bool:
        return self.text is None or bool(self.text.search(event.message))


def event_text(event: EventFact) -> str:
    """Properties and message together, lower case: where language-neutral tokens are looked for."""
    return ("\n".join(event.properties) + "\n" + event.message).lower()


def names_vm(event: EventFact, vm: VMFact) -> bool:
    """The event concerns the VM: its id or exact name is a property, or the message quotes them."""
    props = [p.strip().strip("{}").lower() for p in event.properties]
    if vm.id.lower() in props or vm.name in [p.strip() for p in event.properties]:
        return True
    msg = event.message
    return (vm.id.lower() in msg.lower() or "'%s'" % vm.name in msg or "\u2018%s\u2019" % vm.name in msg
            or "\u201c%s\u201d" % vm.name in msg or '"%s"' % vm.name in msg)


def find(events: Iterable[EventFact], signature: EventSignature, build: int) -> list[EventFact]:
    """Events of this signature on a system of this build. Without tokens, the English wording must match
    (an id alone is never enough)."""
    out = []
    for e in events:
        if not signature.matches(e, build):
            continue
        if not signature.tokens and signature.needs_text_or_tokens and not signature.wording_ok(e):
            continue
        out.append(e)
    return out


def events_matching(snapshot: HostSnapshot, signature: EventSignature) -> list[EventFact]:
    return find(snapshot.events_with_id(signature.event_id), signature, snapshot.host.os_build)


def events_for_vm(snapshot: HostSnapshot, signature: EventSignature, vm: VMFact) -> list[EventFact]:
    """Events of this signature that concern the VM (its id or name in the properties or the text). A
    localised message is accepted when the properties name the VM; an English one must have the wording."""
    out = []
    for e in snapshot.events_with_id(signature.event_id):  # a signature matches only events with its id
        if not signature.matches(e, snapshot.host.os_build) or not names_vm(e, vm):
            continue
        by_props = vm.id.lower() in [p.strip().strip("{}").lower() for p in e.properties] or vm.name in [
            p.strip() for p in e.properties]
        if signature.wording_ok(e) or by_props:
            out.append(e)
    return out


def with_token(events: Iterable[EventFact], *tokens: str, provider: str | None = None) -> list[EventFact]:
    """Events from a provider carrying all these language-neutral tokens (an HRESULT, a GUID)."""
    return [e for e in events if (provider is None or e.provider.lower() == provider.lower())
            and all(t.lower() in event_text(e) for t in tokens)]


def guest_build(os_version: str) -> int:
    v = version_tuple(os_version)
    return v[2] if len(v) >= 3 else 0


# -- host signatures ---------------------------------------------------------------------------
NO_SCSI_10103 = EventSignature(
    VMMS, 10103, min_build=BUILD_2012R2,
    text=re.compile(r"cannot be hot backed up since it has no SCSI controllers", re.I))
MERGE_ACCESS_DENIED_19100 = EventSignature(
    VMMS, 19100, text=re.compile(r"background disk merge failed to complete", re.I), tokens=(HR_ACCESS_DENIED,))
# id confirmed by Microsoft's Linux integration tests after a failed Linux guest freeze; the text is not, so
# only the VM binding (its name or id in the properties) is used
LINUX_FREEZE_10150 = EventSignature(VMMS, 10150, min_build=BUILD_2012R2, needs_text_or_tokens=False)
METADATA_TOO_LONG_8193 = EventSignature(
    VSS, 8193, text=re.compile(r"Unexpected error calling routine", re.I), tokens=(HR_XML_TOO_LONG,))
WRITER_CALLBACK_8194 = EventSignature(
    VSS, 8194, text=re.compile(r"IVssWriterCallback", re.I), tokens=(HR_ACCESS_DENIED,))
WRITER_REJECTED_8229 = EventSignature(
    VSS, 8229, text=re.compile(r"A VSS writer has rejected an event", re.I))
HV_WRITER_REJECTED_8229 = EventSignature(VSS, 8229, tokens=(HYPERV_WRITER_ID,))
HV_WRITER_UNEXPECTED_12289 = EventSignature(VSS, 12289, tokens=(HYPERV_WRITER_ID,))
STALE_SESSIONS_12289 = EventSignature(VSS, 12289, tokens=(HR_STALE_SESSION, HYPERV_WRITER_ID))
PROVIDER_CLASS_12292 = EventSignature(
    VSS, 12292, text=re.compile(r"Error creating the Shadow Copy Provider COM class", re.I), tokens=(SWPRV_CLSID,))
PROVIDER_ROUTINE_12293 = EventSignature(
    VSS, 12293, text=re.compile(r"Error calling a routine on a Shadow Copy Provider", re.I))
WRITES_NOT_HELD_12298 = EventSignature(
    VSS, 12298, text=re.compile(r"I/O writes cannot be held during the shadow copy creation", re.I))
COMMIT_TIMEOUT_12310 = EventSignature(
    VSS, 12310, text=re.compile(r"shadow copy could not be committed - operation timed out", re.I))
WRITER_EXCEPTION_12366 = EventSignature(
    VSS, 12366, text=re.compile(r"unhandled exception was encountered while processing a VSS writer event "
                                r"callback", re.I))
# System log, Service Control Manager 7023 "The %1 service terminated with the following error: %2": the
# collector keeps only those whose first property is the swprv service's (localised) display name.
SWPRV_TERMINATED_7023 = EventSignature(SCM, 7023, needs_text_or_tokens=False)

# -- guest signatures (matched against the guest's OS build) -------------------------------------
# vmicvss (2012/2012 R2 integration components in the guest); English wording paraphrased in the KB from
# the message file, so only provider + id + guest version are used
GUEST_UNSUPPORTED_1 = EventSignature(VMICVSS, 1, max_build=BUILD_2016 - 1, needs_text_or_tokens=False)
GUEST_WRITER_FAILED_2 = EventSignature(VMICVSS, 2, max_build=BUILD_2016 - 1, needs_text_or_tokens=False)
GUEST_DIFF_AREA_3 = EventSignature(VMICVSS, 3, max_build=BUILD_2016 - 1, needs_text_or_tokens=False)
GUEST_SCOPED_ENABLED_13 = EventSignature(VMICVSS, 13, max_build=BUILD_2016 - 1, needs_text_or_tokens=False)
GUEST_SCOPED_PRESENT_14 = EventSignature(VMICVSS, 14, max_build=BUILD_2016 - 1, needs_text_or_tokens=False)
GUEST_DIRECT_DISKS_15 = EventSignature(VMICVSS, 15, max_build=BUILD_2016 - 1, needs_text_or_tokens=False)
# IcSvc (2016+ integration components in the guest); texts quoted from the message file
ICSVC_UNSUPPORTED_22 = EventSignature(
    ICSVC, 22, min_build=BUILD_2016,
    text=re.compile(r"Hot backup is not supported on this version of the guest operating system", re.I),
    needs_text_or_tokens=False)
ICSVC_WRITER_FAILED_23 = EventSignature(
    ICSVC, 23, min_build=BUILD_2016, text=re.compile(r"The selected writer .* is in a failed state", re.I),
    needs_text_or_tokens=False)
ICSVC_CLUSTER_DISK_24 = EventSignature(ICSVC, 24, min_build=BUILD_2016, needs_text_or_tokens=False)
