"""Responsiveness benchmark: the GUI diagnosing a generated estate (default 16 hosts × 64 VMs = 1,024 VMs).

The real main window (offscreen) with saved connections to the lab's hosts (the lab runs in its own
process with the cost model on): open "Diagnose a backup problem", check all hosts, "Check hosts".
A heartbeat timer on the GUI thread ticks every few milliseconds from the moment the main window is
shown until the findings are on screen and the event loop has been idle for a moment (the wizard is
opened 1.5 s after the window appears, "Check hosts" clicked 0.5 s later, as a user would); the
longest gap between two ticks, less the interval, is the longest stall the user could feel.

    uv run python benchmarks/responsiveness.py [--hosts 16 --vms 64] [--screenshot out.png]

The last line of output is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from typing import Any

from _support import LabProcess, add_cost_arguments, costs_from, peak_rss_mb, print_json_line, verdict

TARGET_STALL_MS = 50.0
TICK_MS = 5
SETTLE_MS = 500  # after the findings are shown: how long the loop must stay idle before stopping
OPEN_AFTER_MS = 1500  # the user reads the home page, then opens the wizard
CLICK_AFTER_MS = 500  # ... glances at the hosts, then clicks "Check hosts"


class Heartbeat:
    """Ticks on the GUI thread; records the longest gap between ticks and where it happened."""

    def __init__(self, interval_ms: int) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.interval = interval_ms / 1000.0
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.longest = 0.0
        self.longest_during = ""
        self.phase = "start"
        self.ticks = 0
        self.gaps_over_16ms = 0
        self.stalls: list[tuple[float, float, str, float, float]] = []
        self.on_cpu, self.run_queue = self._schedstat()
        self.started = 0.0
        self.last_phase = self.phase

    def start(self) -> None:
        self.last = self.started = time.perf_counter()
        self.last_phase = self.phase
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self._tick()

    @staticmethod
    def _schedstat() -> tuple[float, float]:
        """(seconds on a CPU, seconds runnable but waiting for a CPU) of this thread; zeros where unknown.

        Splits a stall into our own work, the machine being busy (other processes), and the rest:
        blocked, i.e. waiting for Python's GIL (worker threads) or a lock."""
        try:
            with open("/proc/thread-self/schedstat", encoding="ascii") as f:
                on_cpu, waiting, _ = f.read().split()
            return int(on_cpu) / 1e9, int(waiting) / 1e9
        except (OSError, ValueError):
            return 0.0, 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        on_cpu, run_queue = self._schedstat()
        ran, queued = on_cpu - self.on_cpu, run_queue - self.run_queue
        self.on_cpu, self.run_queue = on_cpu, run_queue
        stall = now - self.last - self.interval
        # A gap belongs to what ran since the previous tick: the phase then, and the phase now if it moved on.
        during = self.phase if self.phase == self.last_phase else "%s → %s" % (self.last_phase, self.phase)
        if stall > self.longest:
            self.longest, self.longest_during = stall, during
        if stall > 0.016:
            self.gaps_over_16ms += 1
            self.stalls.append((now - self.started, stall, during, ran, queued))
        self.ticks += 1
        self.last, self.last_phase = now, self.phase


def build_context(lab: LabProcess) -> Any:
    """A throwaway profile whose saved connections are the lab's hosts (credentials on their group)."""
    from hvassist.appcontext import AppContext
    from hvassist.audit import AuditLog
    from hvassist.connections import Connection, ConnectionStore
    from hvassist.credentials import CredentialStore
    from hvassist.paths import app_paths

    paths = app_paths().ensure()
    creds = CredentialStore(memory_only=True)
    store = ConnectionStore(paths.config / "connections.json", creds)
    group = store.add_group("Generated estate", username=lab.info["user"], password=lab.info["password"])
    for h in lab.info["hosts"]:
        store.add_connection(Connection(id="", name=h["name"], group=group.id, address="127.0.0.1", port=h["port"],
                                        transport="http", auth="ntlm"))
    return AppContext(paths, creds, store, AuditLog(paths.audit_log))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_cost_arguments(p)
    p.add_argument("--screenshot", default="", help="save the findings page as this PNG")
    p.add_argument("--timeout", type=float, default=90.0, help="give up after this many seconds")
    args = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = tempfile.mkdtemp(prefix="hvassist-resp-")
    os.environ["HVASSIST_HOME"] = home
    costs = costs_from(args)
    print("Responsiveness benchmark: %d hosts × %d VMs, costs on; machine: %d CPUs, load average %.1f"
          % (args.hosts, args.vms, os.cpu_count() or 0, os.getloadavg()[0]), flush=True)

    import gc

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    gc_pauses: list[tuple[int, float]] = []
    gc_started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:  # the collector's pauses, to tell them apart
        if phase == "start":
            gc_started[0] = time.perf_counter()
        elif time.perf_counter() - gc_started[0] > 0.005:
            gc_pauses.append((info["generation"], time.perf_counter() - gc_started[0]))

    gc.callbacks.append(on_gc)
    from hvassist.flows.diagnose_flow import Step
    from hvassist.gui.app import make_application
    from hvassist.gui.main_window import MainWindow

    with LabProcess(args.hosts, args.vms, costs) as lab:
        app = make_application()
        ctx = build_context(lab)
        window = MainWindow(ctx)
        window.show()
        heartbeat = Heartbeat(TICK_MS)
        heartbeat.phase = "main window shown (warming up in the background)"
        heartbeat.start()
        state: dict[str, Any] = {"clicked": 0.0, "shown": 0.0, "error": "", "wizard": None}

        def open_wizard() -> None:
            heartbeat.phase = "opening the wizard"
            window.open_diagnose()  # what the "Diagnose a backup problem" card does
            wizard = state["wizard"] = window.stack.currentWidget()
            heartbeat.phase = "choosing hosts"
            fill, finish = wizard._fill_findings, wizard._finish_fill

            def fill_labelled() -> None:  # these only name the phases for the report
                heartbeat.phase = "filling the findings tree"
                fill()

            def finish_labelled(first: Any) -> None:
                finish(first)
                heartbeat.phase = "findings shown"

            wizard._fill_findings = fill_labelled
            wizard._finish_fill = finish_labelled
            QTimer.singleShot(CLICK_AFTER_MS, click_check_hosts)

        def click_check_hosts() -> None:
            wizard = state["wizard"]
            wizard.flow.select_hosts([t.name for t in wizard.flow.available])
            heartbeat.phase = "collecting (workers running, progress shown)"
            state["clicked"] = time.perf_counter()
            wizard._next()  # what the "Check hosts >" button does
            QTimer.singleShot(20, watch)

        def watch() -> None:
            wizard = state["wizard"]
            elapsed = time.perf_counter() - state["clicked"] if state["clicked"] else 0.0
            if state["clicked"] and elapsed > args.timeout:
                state["error"] = "timed out after %.0f s (step: %s)" % (elapsed, wizard.flow.step)
                app.quit()
                return
            filling = getattr(wizard, "findings_filling", False)  # set while the tree fills in slices
            if wizard.flow.step is Step.FINDINGS and not filling and not state["shown"]:
                state["shown"] = time.perf_counter()
                heartbeat.phase = "idle after the findings were shown"
                QTimer.singleShot(SETTLE_MS, app.quit)
            if not state["shown"]:
                QTimer.singleShot(20, watch)

        QTimer.singleShot(OPEN_AFTER_MS, open_wizard)
        app.exec()
        wizard = state["wizard"]
        heartbeat.stop()
        rss = peak_rss_mb()
        if state["error"]:
            print("ERROR: %s" % state["error"])
            return 2
        diagnosis = wizard.flow.diagnosis
        failed = [h.host for h in diagnosis.hosts if not h.ok] if diagnosis else ["?"]
        if failed:
            print("ERROR: hosts could not be diagnosed: %s" % ", ".join(failed))
            return 2
        tree = wizard.findings_tree
        items = _count_items(tree)
        vms = sum(len(h.snapshot.vms) for h in diagnosis.hosts if h.snapshot)
        if args.screenshot:
            wizard.grab().save(args.screenshot)
        seconds = state["shown"] - state["clicked"]
        window.close()
        QApplication.processEvents()
    stall_ms = heartbeat.longest * 1000
    print()
    print("Diagnosed %d VMs on %d hosts; %d finding(s); %d rows in the findings tree."
          % (vms, args.hosts, len(diagnosis.findings), items))
    print("Click to findings shown:        %.2f s" % seconds)
    print("Heartbeat: every %d ms, %d ticks; gaps over 16 ms: %d" % (TICK_MS, heartbeat.ticks,
                                                                   heartbeat.gaps_over_16ms))
    if heartbeat.stalls:
        print("Gaps over 16 ms (GUI thread: running / waiting for a CPU / blocked, e.g. on the GIL):")
    for at, gap, during, ran, queued in heartbeat.stalls:
        blocked = max(0.0, gap + TICK_MS / 1000 - ran - queued)
        print("  %5.1f ms at +%.2f s: %4.0f / %4.0f / %4.0f ms  (%s)" % (gap * 1000, at, ran * 1000, queued * 1000,
                                                                     blocked * 1000, during))
    if gc_pauses:
        print("Garbage-collector pauses over 5 ms: %s" % ", ".join("%.0f ms (generation %d)" % (d * 1000, g)
                                                               for g, d in gc_pauses))
    print("Longest event-loop stall:       %.1f ms  (while %s)   target ≤ %.0f ms  %s"
          % (stall_ms, heartbeat.longest_during, TARGET_STALL_MS, verdict(stall_ms, TARGET_STALL_MS)))
    print("Peak RSS (GUI process):         %.1f MB" % rss)
    print_json_line({"benchmark": "responsiveness", "hosts": args.hosts, "vms_per_host": args.vms, "vms": vms,
                     "findings": len(diagnosis.findings), "tree_rows": items, "costs": costs.to_json(),
                     "click_to_findings_s": round(seconds, 3), "longest_stall_ms": round(stall_ms, 1),
                     "longest_stall_during": heartbeat.longest_during, "tick_ms": TICK_MS,
                     "gaps_over_16ms": heartbeat.gaps_over_16ms, "peak_rss_mb": rss,
                     "load_average_1min": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
                     "targets_met": {"longest_stall": stall_ms <= TARGET_STALL_MS}})
    return 0


def _count_items(tree: Any) -> int:
    from PySide6.QtWidgets import QTreeWidgetItemIterator

    n = 0
    it = QTreeWidgetItemIterator(tree)
    while it.value() is not None:
        n += 1
        it += 1
    return n


if __name__ == "__main__":
    sys.exit(main())
