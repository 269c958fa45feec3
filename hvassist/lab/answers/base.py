"""Shared pieces for the lab's script answers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from hvassist.lab.costs import Costs
from hvassist.lab.model import VM, Estate, Host


class LabPSError(Exception):
    """A PowerShell error the real host would raise; rendered as CLIXML on stderr, exit code 1."""

    def __init__(self, cmdlet: str, message: str, category: str = "InvalidOperation",
                 exception: str = "VirtualizationOperationFailedException",
                 error_id: str = "") -> None:
        super().__init__(message)
        self.cmdlet = cmdlet
        self.message = message
        self.category = category
        self.exception = exception
        self.error_id = error_id or "%s,Microsoft.HyperV.PowerShell.Commands.%s" % (
            category, cmdlet.replace("-", ""))


@dataclass
class LabCall:
    """One shipped script invoked on one lab host."""

    estate: Estate
    host: Host
    script: str
    params: dict[str, Any]
    username: str | None
    write: Callable[[str], None]  # stdout, for streaming scripts
    cancelled: Callable[[float], bool]  # sleep up to n seconds; True when the client hung up
    guest_vm: VM | None = None  # set when the endpoint is a guest (WinRM to the VM), not a host
    costs: Costs = field(default_factory=Costs.off)  # what the host-side work costs (hvassist.lab.costs)

    def vm_by_id(self, cmdlet: str = "Get-VM") -> VM:
        wanted = str(self.params.get("VMId", "")).strip("{}").upper()
        for vm in self.host.vms:
            if vm.id.upper() == wanted:
                return vm
        raise LabPSError(cmdlet, "Hyper-V was unable to find a virtual machine with ID %s." % wanted.lower(),
                         "ObjectNotFound", "VirtualizationInvalidArgumentException")


# An answer returns the JSON-able document the script prints, or an iterator of lines (streaming).
Answer = Callable[[LabCall], Any]


def ps_json(value: Any) -> str:
    """ConvertTo-Json -Compress as Windows PowerShell prints it (it escapes < > & ' as \\uXXXX)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        text = text.replace(ch, esc)
    return text


class PrintedDoc(dict):  # type: ignore[type-arg]
    """An answer's document with its ``ConvertTo-Json`` text already made. A real script formats its output on
    the host, inside the time the cost model gives the host's work; formatting it afterwards would add the
    lab's own CPU time (sixteen simulated hosts share one Python process) to what the client waits for."""

    text: str

    @classmethod
    def of(cls, doc: dict[str, Any]) -> PrintedDoc:
        printed = cls(doc)
        printed.text = ps_json(doc)
        return printed


def printed(result: Any) -> str:
    """What a script prints for ``result``: its ready text when the answer made it, else ConvertTo-Json's."""
    return result.text if isinstance(result, PrintedDoc) else ps_json(result)


def stream_lines(lines: Iterator[Any]) -> Iterator[str]:
    for item in lines:
        yield ps_json(item)
