"""Checks hvassist could not do itself: a look inside a guest (without guest credentials, or when the look
failed, or for Linux guests), or on a file server holding VM files. Each says why, which causes it would
settle, and the exact commands to run there (from the knowledge texts)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from hvassist.diagnose.findings import Finding
from hvassist.diagnose.rules.base import is_linux, is_windows
from hvassist.kb import all_causes
from hvassist.snapshot import HostSnapshot

# causes only a look inside a Windows guest can show (some also have a host-side hint)
WINDOWS_GUEST_CAUSES = ("guest-ic-service-stopped", "guest-writer-failed", "dynamic-disks-guest", "non-ntfs-volume",
                        "shadowstorage-other-volume", "guest-diff-area", "scoped-snapshots",
                        "disk-signature-collision")
LINUX_GUEST_CAUSES = ("linux-no-vss-daemon",)
FILE_SERVER_CAUSES = ("smb3-no-agent",)
FILE_SERVER_COMMANDS = ("Get-Service fssagent", "Get-WindowsFeature FS-VSS-Agent")
NO_GUEST_CREDENTIALS = ("No guest credentials were given, so hvassist did not look inside the guest.")
LINUX_NOT_CHECKED = ("hvassist looks inside Windows guests only; the Linux backup daemon has to be checked in the "
                     "guest itself.")


@dataclass(frozen=True)
class PendingCheck:
    host: str
    where: str  # "guest" or "file-server"
    target: str  # the VM's name, or the file server's name
    reason: str  # why hvassist did not (or could not) look itself
    causes: tuple[str, ...]
    commands: tuple[tuple[str, str], ...]  # (cause id, command to run there)
    vm_id: str | None = None

    @property
    def vm(self) -> str | None:
        return self.target if self.where == "guest" else None

    def to_json(self) -> dict[str, Any]:
        return {"host": self.host, "where": self.where, "target": self.target, "vm_id": self.vm_id,
                "reason": self.reason, "causes": list(self.causes),
                "commands": [{"cause": c, "command": cmd} for c, cmd in self.commands]}

    def as_text(self) -> str:
        place = "inside the guest %s" % self.target if self.where == "guest" else "on the file server %s" % (
            self.target)
        lines = ["Needs a look %s: %s" % (place, self.reason), "Run there:"]
        lines += ["  %s" % cmd for _c, cmd in self.commands]
        return "\n".join(lines)


@cache  # the same few cause sets for every VM; the cause texts do not change while the app runs
def _commands(causes: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    texts = all_causes()
    out: list[tuple[str, str]] = []
    for c in causes:
        t = texts.get(c)
        for line in (t.guest_command.splitlines() if t else []):
            if line.strip() and line.strip() not in [cmd for _c, cmd in out]:
                out.append((c, line.strip()))
    return tuple(out)


def pending_checks(snapshot: HostSnapshot, findings: list[Finding]) -> list[PendingCheck]:
    found = {(f.cause, f.vm_id) for f in findings}
    out: list[PendingCheck] = []
    for vm in snapshot.vms:
        if not vm.running:
            continue  # the next backup of a VM that is off does not involve the guest
        if is_linux(vm):
            causes = tuple(c for c in LINUX_GUEST_CAUSES if (c, vm.id) not in found)
            if causes:
                out.append(PendingCheck(snapshot.host.name, "guest", vm.name, LINUX_NOT_CHECKED, causes,
                                        _commands(causes), vm.id))
            continue
        if not is_windows(vm):
            continue
        inspection = snapshot.guests.get(vm.id)
        if inspection is not None and inspection.done:
            continue
        causes = tuple(c for c in WINDOWS_GUEST_CAUSES if (c, vm.id) not in found)
        if causes:
            reason = inspection.reason if inspection is not None and inspection.reason else NO_GUEST_CREDENTIALS
            out.append(PendingCheck(snapshot.host.name, "guest", vm.name, reason, causes, _commands(causes),
                                    vm.id))
    for server, vms in snapshot.share_servers().items():
        check = snapshot.file_servers.get(server)
        if check is not None and check.done:
            continue
        reason = check.reason if check is not None and check.reason else (
            "hvassist has no connection to this file server, so it could not check it.")
        out.append(PendingCheck(snapshot.host.name, "file-server", server, "%s (VMs there: %s)" % (
            reason, ", ".join(v.name for v in vms)), FILE_SERVER_CAUSES,
            tuple(("smb3-no-agent", c) for c in FILE_SERVER_COMMANDS)))
    return out
