"""Serve a generated estate from its own process, for the benchmarks.

The lab plays the hosts; in the field they are other machines. Running it in its own process keeps
its work (answering, encrypting, the simulated costs) off the measured client's CPU, GIL and memory.

Prints one JSON line (endpoints, credentials, each host's collect-host output size), then obeys
commands on stdin, one per line: ``stats`` (print counters as JSON), ``reset`` (zero them), ``quit``.
"""

from __future__ import annotations

import argparse
import json
import sys


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--hosts", type=int, default=16)
    p.add_argument("--vms", type=int, default=64)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--costs", default="", help="JSON object of hvassist.lab.costs.Costs fields; '' = no costs")
    p.add_argument("--naive", action="store_true", help="also answer the naive baseline's scripts")
    p.add_argument("--only", default="", help="serve only these hosts (comma-separated indexes from 0)")
    args = p.parse_args()

    from hvassist.lab.answers.base import LabCall, ps_json
    from hvassist.lab.answers.collect import collect_host
    from hvassist.lab.costs import Costs
    from hvassist.lab.generated import generate_estate
    from hvassist.lab.runtime import Lab
    from hvassist.services.diagnosis import COLLECT_PARAMS

    costs = Costs(**json.loads(args.costs)) if args.costs else Costs.off()
    estate = generate_estate(args.hosts, args.vms, seed=args.seed)
    if args.only:
        keep = {int(i) for i in args.only.split(",")}
        for i, h in enumerate(estate.hosts):
            h.down = i not in keep
    lab = Lab(estate, costs=costs, accept_naive_benchmark_scripts=args.naive).start()
    try:
        hosts = []
        for h in estate.hosts:
            if h.name not in lab.hosts:
                continue
            # What collect-host prints for this host: the bytes the physical floor must move.
            doc = collect_host(LabCall(estate, h, "collect-host", dict(COLLECT_PARAMS), lab.username,
                                       lambda _t: None, lambda _s: False))
            hosts.append({"name": h.name, "port": lab.hosts[h.name].server.port, "vms": len(h.vms),
                          "vm_names": [v.name for v in h.vms], "output_bytes": len((ps_json(doc) + "\r\n").encode())})
        print(json.dumps({"user": lab.username, "password": lab.password, "costs": costs.to_json(),
                          "hosts": hosts}), flush=True)
        for line in sys.stdin:
            cmd = line.strip()
            if cmd == "stats":
                print(json.dumps({name: {"requests": h.server.request_count, "commands": h.server.command_count,
                                         "powershell_starts": h.handler.powershell_starts}
                                  for name, h in lab.hosts.items()}), flush=True)
            elif cmd == "reset":
                for h in lab.hosts.values():
                    h.server.request_count = h.server.command_count = h.handler.powershell_starts = 0
                print("{}", flush=True)
            elif cmd == "quit":
                break
    finally:
        lab.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
