"""Shared pieces of the benchmarks: the lab in its own process, targets, peak memory, the JSON line."""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def add_cost_arguments(p: argparse.ArgumentParser) -> None:
    from hvassist.lab.costs import Costs

    d = Costs()
    p.add_argument("--hosts", type=int, default=16, help="hosts in the generated estate (default 16)")
    p.add_argument("--vms", type=int, default=64, help="VMs per host (default 64)")
    p.add_argument("--round-trip-ms", type=float, default=d.round_trip_ms)
    p.add_argument("--powershell-start-ms", type=float, default=d.powershell_start_ms)
    p.add_argument("--per-vm-ms", type=float, default=d.per_vm_ms)
    p.add_argument("--bytes-per-second", type=float, default=d.bytes_per_second)


def costs_from(args: argparse.Namespace) -> Any:
    from hvassist.lab.costs import Costs

    return Costs(args.round_trip_ms, args.powershell_start_ms, args.per_vm_ms, args.bytes_per_second)


class LabProcess:
    """``benchmarks/_labserver.py`` in a child process; ``info`` is its first JSON line."""

    def __init__(self, hosts: int, vms: int, costs: Any, naive: bool = False) -> None:
        cmd = [sys.executable, str(HERE / "_labserver.py"), "--hosts", str(hosts), "--vms", str(vms),
               "--costs", json.dumps(costs.to_json())]
        if naive:
            cmd.append("--naive")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(HERE.parent), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            raise RuntimeError("the lab process did not start (exit code %s)" % self.proc.poll())
        self.info: dict[str, Any] = json.loads(line)

    def _ask(self, command: str) -> Any:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def stats(self) -> dict[str, dict[str, int]]:
        return self._ask("stats")  # type: ignore[no-any-return]

    def reset(self) -> None:
        self._ask("reset")

    def targets(self) -> list[Any]:
        from hvassist.remote.endpoint import Endpoint
        from hvassist.services.diagnosis import HostTarget

        return [HostTarget(Endpoint(host=h["name"], address="127.0.0.1", port=h["port"], transport="http",
                                    auth="ntlm"), self.info["user"], self.info["password"])
                for h in self.info["hosts"]]

    def close(self) -> None:
        try:
            if self.proc.stdin:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
            self.proc.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> LabProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1 << 20 if sys.platform == "darwin" else 1 << 10), 1)


def verdict(value: float, limit: float, smaller_is_better: bool = True) -> str:
    ok = value <= limit if smaller_is_better else value >= limit
    return "OK" if ok else "MISSED"


def print_json_line(figures: dict[str, Any]) -> None:
    print(json.dumps(figures, sort_keys=False), flush=True)
