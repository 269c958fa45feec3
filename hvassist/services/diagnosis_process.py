"""Diagnose many hosts in a helper process, so that the GUI's thread never waits for Python's GIL.

``diagnose_hosts`` runs one thread per host. Their work between network waits (NTLM, HTTP, decrypting,
parsing) is Python, which holds the GIL; with a dozen or more hosts answering at once, the GUI thread
queues behind them for tens of milliseconds at a time and the window stutters. In a helper process
those threads have a GIL (and a CPU core) of their own; the GUI process only receives progress and
each host's outcome, one small message per host, quick to unpickle.

The helper is this program started again (``python -m hvassist.services.diagnosis_process``, or the
frozen executable with ``--diagnosis-helper``), talking over its stdin and stdout: length-prefixed
pickles, between two processes of the same program only. The GUI starts it ahead of need (``prepare()``
in its warm-up) and reuses it. Below ``PROCESS_MIN_HOSTS`` hosts, or if the helper cannot run, the
diagnosis runs in threads here, as before.
"""

from __future__ import annotations

import logging
import os
import pickle
import struct
import subprocess
import sys
import threading
from typing import IO, Any

from hvassist.cancel import CancelToken
from hvassist.remote.endpoint import Timeouts
from hvassist.remote.errors import Cancelled, RemoteError
from hvassist.services.diagnosis import Diagnosis, HostOutcome, HostTarget, ProgressCallback, diagnose_hosts

log = logging.getLogger(__name__)

# With fewer hosts the threads contend little, and a helper would only add its messages.
PROCESS_MIN_HOSTS = 8
HELPER_FLAG = "--diagnosis-helper"

_helper: _Helper | None = None
_helper_lock = threading.Lock()
_disabled = False  # the helper failed once in this session


def diagnose_hosts_isolated(targets: list[HostTarget], *, cancel: CancelToken | None = None,
                            timeouts: Timeouts | None = None, progress: ProgressCallback | None = None,
                            min_hosts: int = PROCESS_MIN_HOSTS) -> Diagnosis:
    """``diagnose_hosts``, in the helper process when there are ``min_hosts`` hosts or more."""
    cancel = cancel or CancelToken()
    if len(targets) >= min_hosts and _can_travel(targets, timeouts):
        helper = prepare()
        if helper is not None:
            try:
                return helper.diagnose(targets, cancel, timeouts, progress)
            except HelperGone as e:
                log.warning("the diagnosis helper process stopped (%s); diagnosing here from now on", e)
                shutdown()
                global _disabled
                _disabled = True  # do not pay for starting it again and again
    return diagnose_hosts(targets, cancel=cancel, timeouts=timeouts, progress=progress)


def _can_travel(targets: list[HostTarget], timeouts: Timeouts | None) -> bool:
    """Whether the targets can be sent to the helper (a demo lab's targets resolve names through the lab
    object of this process, which cannot)."""
    try:
        pickle.dumps((targets, timeouts), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - pickling raises several kinds
        return False
    return True


def prepare() -> _Helper | None:
    """Start the helper process unless it runs (idempotent; None if it cannot start)."""
    global _helper
    with _helper_lock:
        if _disabled:
            return None
        if _helper is not None and _helper.alive:
            return _helper
        try:
            _helper = _Helper()
        except OSError as e:
            log.warning("cannot start the diagnosis helper process: %s", e)
            _helper = None
        return _helper


def shutdown() -> None:
    """Stop the helper process (if any)."""
    global _helper
    with _helper_lock:
        helper, _helper = _helper, None
    if helper is not None:
        helper.stop()


def helper_command() -> list[str]:
    if getattr(sys, "frozen", False):  # a PyInstaller build: its entry points hand the flag to serve()
        return [sys.executable, HELPER_FLAG]
    return [sys.executable, "-m", "hvassist.services.diagnosis_process"]


class HelperGone(Exception):
    """The helper process ended or its pipe broke."""


def _write(stream: IO[bytes], message: tuple[Any, ...]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("!I", len(data)) + data)
    stream.flush()


def _read(stream: IO[bytes]) -> tuple[Any, ...]:
    header = _read_exactly(stream, 4)
    message: tuple[Any, ...] = pickle.loads(_read_exactly(stream, struct.unpack("!I", header)[0]))  # noqa: S301
    return message  # from our own helper process, over its private pipe


def _read_exactly(stream: IO[bytes], n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = stream.read(n - len(data))
        if not chunk:
            raise EOFError("the pipe closed")
        data += chunk
    return data


class _Helper:
    """The parent's side: one diagnosis at a time."""

    def __init__(self) -> None:
        env = dict(os.environ)
        if not getattr(sys, "frozen", False):  # the helper imports hvassist from where this process does
            env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        self._process = subprocess.Popen(helper_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         env=env, close_fds=True)
        assert self._process.stdin is not None and self._process.stdout is not None
        self._to, self._from = self._process.stdin, self._process.stdout
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def _send(self, message: tuple[Any, ...]) -> None:
        with self._write_lock:
            _write(self._to, message)

    def diagnose(self, targets: list[HostTarget], cancel: CancelToken, timeouts: Timeouts | None,
                 progress: ProgressCallback | None) -> Diagnosis:
        with self._lock:
            try:
                self._send(("diagnose", targets, timeouts))
            except (OSError, ValueError) as e:
                raise HelperGone(str(e)) from None
            cancel.on_cancel(self._cancel)
            outcomes: dict[int, HostOutcome] = {}
            while True:
                try:
                    message = _read(self._from)
                except (EOFError, OSError, pickle.UnpicklingError) as e:
                    raise HelperGone("%s: %s" % (type(e).__name__, e)) from None
                kind = message[0]
                if kind == "progress":
                    if progress is not None:
                        progress(message[1], message[2])
                elif kind == "host":
                    outcomes[message[1]] = message[2]
                elif kind == "done":
                    return Diagnosis([outcomes.get(i) or _lost(t, cancel) for i, t in enumerate(targets)])
                elif kind == "failed":
                    raise RuntimeError(message[1])

    def _cancel(self) -> None:
        try:
            self._send(("cancel",))
        except (OSError, ValueError):
            pass

    def stop(self) -> None:
        try:
            self._send(("quit",))
            self._to.close()
        except (OSError, ValueError):
            pass
        try:
            self._process.wait(5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._from.close()


def _lost(target: HostTarget, cancel: CancelToken) -> HostOutcome:
    if cancel.cancelled:
        return HostOutcome(target.name, error=Cancelled(target.name, "Cancelled.", "Start again when you are ready."))
    return HostOutcome(target.name, error=RemoteError(target.name, "The result for this host was lost.",
                                                      "Run the diagnosis again."))


def serve() -> int:
    """The helper process: run diagnoses as the parent asks; send progress and each host's outcome."""
    # The protocol owns file descriptors 0 and 1 (the pipes; a windowed build may have no sys.stdout
    # object, but has them); anything else printing goes to stderr, or nowhere.
    out = os.fdopen(os.dup(1), "wb")
    inp = os.fdopen(os.dup(0), "rb")
    try:
        os.dup2(2, 1)
    except OSError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    from hvassist.logsetup import install_redaction

    install_redaction()
    logging.basicConfig(level=logging.WARNING)
    write_lock = threading.Lock()
    cancel: CancelToken | None = None
    worker: threading.Thread | None = None

    def send(message: tuple[Any, ...]) -> None:
        with write_lock:
            _write(out, message)

    def run(targets: list[HostTarget], timeouts: Timeouts | None, token: CancelToken) -> None:
        index = {id(t): i for i, t in enumerate(targets)}
        try:
            diagnose_hosts(targets, cancel=token, timeouts=timeouts,
                           progress=lambda host, text: send(("progress", host, text)),
                           on_host_done=lambda target, outcome: send(("host", index[id(target)], outcome)))
            send(("done",))
        except Exception as e:  # noqa: BLE001 - reported to the parent, which shows it
            send(("failed", "%s: %s" % (type(e).__name__, e)))

    while True:
        try:
            message = _read(inp)
        except (EOFError, OSError):
            break  # the parent is gone
        if message[0] == "diagnose":
            cancel = CancelToken()
            worker = threading.Thread(target=run, args=(message[1], message[2], cancel), daemon=True)
            worker.start()
        elif message[0] == "cancel" and cancel is not None:
            cancel.cancel()
        elif message[0] == "quit":
            break
    if cancel is not None:
        cancel.cancel()
    if worker is not None:
        worker.join(5)
    return 0


if __name__ == "__main__":
    sys.exit(serve())
