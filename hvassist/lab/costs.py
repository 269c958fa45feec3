"""The lab's cost model: what the network and the host charge for each thing hvassist asks.

A lab without costs answers as fast as the machine allows, which is what tests and the demo want.
Benchmarks (and scenarios that want realism) switch costs on, so that a design that asks too much of
the network or the host shows up as slow, as it would against a real estate.

The defaults are argued in ``docs/performance.md``:

* ``round_trip_ms`` (20): one network round trip, charged once per HTTP request (half before the
  lab reads it, half before the answer leaves), once per new TCP connection and once more for a TLS
  handshake. 20 ms is a consultant's laptop on a site VPN or a helpdesk PC reaching a branch
  office; a LAN is under 1 ms, so 20 ms makes chatty designs visible.
* ``powershell_start_ms`` (600): start of ``powershell.exe`` on the host for each command (process,
  CLR, profile-less runspace), counted from the Command request that creates the process.
  On Windows Server 2012 R2/2016 hosts it is typically 0.4–1.5 s; importing the Hyper-V module on
  first use adds more, which the lab does not charge.
* ``per_vm_ms`` (15): the host-side cost of gathering one VM's facts in the collection script
  (Get-VM, controllers, disks, integration services, checkpoints), charged by the collect-host answer;
  the lab's own time to build the answer counts towards it (a host's work is not on our CPU).
* ``bytes_per_second`` (12,500,000 = 100 Mbit/s): bytes on the wire, both ways (request bodies
  and answers), as a VPN or a busy branch link carries them.

A scenario switches costs on with a ``[costs]`` table (keys not given take these defaults); a
benchmark passes ``Lab(..., costs=Costs(...))``. Without either, every cost is zero.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the scenario model imports this module; the endpoint loads only with a running lab
    from hvassist.lab.wsman import CommandIO, ServerHooks


@dataclass(frozen=True)
class Costs:
    """What the lab charges. The field defaults are the realistic costs; ``Costs.off()`` charges nothing."""

    round_trip_ms: float = 20.0
    powershell_start_ms: float = 600.0
    per_vm_ms: float = 15.0
    bytes_per_second: float = 12_500_000.0  # 0 = unlimited

    @classmethod
    def off(cls) -> Costs:
        return cls(0.0, 0.0, 0.0, 0.0)

    @classmethod
    def realistic(cls, **overrides: Any) -> Costs:
        return replace(cls(), **overrides)

    def __post_init__(self) -> None:
        for name in ("round_trip_ms", "powershell_start_ms", "per_vm_ms", "bytes_per_second"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError("costs.%s must be a number of zero or more, not %r" % (name, value))

    @property
    def enabled(self) -> bool:
        return any((self.round_trip_ms, self.powershell_start_ms, self.per_vm_ms, self.bytes_per_second))

    @property
    def round_trip_seconds(self) -> float:
        return self.round_trip_ms / 1000.0

    @property
    def powershell_start_seconds(self) -> float:
        return self.powershell_start_ms / 1000.0

    @property
    def per_vm_seconds(self) -> float:
        return self.per_vm_ms / 1000.0

    def transfer_seconds(self, n_bytes: int) -> float:
        return n_bytes / self.bytes_per_second if self.bytes_per_second > 0 else 0.0

    def server_hooks(self) -> ServerHooks:
        """The WinRM endpoint's hooks that charge these costs."""
        from hvassist.lab.wsman import ServerHooks

        return self.apply_to(ServerHooks())

    def apply_to(self, hooks: ServerHooks) -> ServerHooks:
        """``hooks`` (e.g. a host's fault injection) with these costs added; unchanged when costs are off."""
        if not self.enabled:
            return hooks
        start = self.powershell_start_seconds
        earlier = hooks.on_command_start

        def powershell_start(io: CommandIO) -> None:
            if earlier is not None:
                earlier(io)
            # Only a PowerShell command line starts powershell.exe; cmd.exe builtins cost nothing here.
            # WinRS creates the process on the Command request, so its start-up overlaps the stdin Sends.
            if start > 0 and io.encoded_script is not None:
                io.wait_cancelled(max(0.0, start - io.age))

        return replace(hooks, on_command_start=powershell_start if start > 0 else earlier,
                       bytes_per_second=self.bytes_per_second, round_trip_seconds=self.round_trip_seconds)

    def to_json(self) -> dict[str, float]:
        return {"round_trip_ms": self.round_trip_ms, "powershell_start_ms": self.powershell_start_ms,
                "per_vm_ms": self.per_vm_ms, "bytes_per_second": self.bytes_per_second}
