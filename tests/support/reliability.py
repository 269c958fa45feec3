"""Helpers of the reliability suite (tests/reliability): timeouts, what a clear message is, and the tally of what
was tried (printed at the end of the run: faults injected, hostile inputs, secret hits)."""

from __future__ import annotations

import re
import threading
from collections import Counter

from hvassist.lab.runtime import Lab
from hvassist.remote.endpoint import Timeouts
from hvassist.remote.errors import RemoteError
from hvassist.services.diagnosis import HostTarget

# Short, configurable timeouts: the lab's faults are real (a host that answers after 30 s really waits 30 s), the
# client just gives up sooner. Time is only ever checked as an upper bound with a generous margin.
TIMEOUTS = Timeouts(connect_read=4, operation=1, script=10)
MARGIN = 20.0

TALLY: Counter[str] = Counter()
FAULTS_INJECTED: set[tuple[str, object]] = set()
_LOCK = threading.Lock()


def count(what: str, n: int = 1) -> None:
    with _LOCK:
        TALLY[what] += n


def injected(fault: str, value: object) -> None:
    with _LOCK:
        FAULTS_INJECTED.add((fault, value))


def targets(lab: Lab, names: list[str]) -> list[HostTarget]:
    return [HostTarget(lab.endpoint(n), lab.username, lab.password) for n in names]


_TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|^\s+\^+\s*$", re.M)


def assert_clear(err: RemoteError | None, *, secrets: list[str], message_words: list[str] = (),
                 action_words: list[str] = ()) -> None:
    """A clear message: says what happened and what to do, in plain words, with no traceback and no secret."""
    assert isinstance(err, RemoteError), err
    assert err.message.strip() and err.action.strip(), err.to_dict()
    assert len(err.action.split()) >= 4, "the action is an instruction, not a word: %r" % err.action
    everything = " ".join([err.plain(), str(err), *err.to_dict().values()])
    assert not _TRACEBACK.search(everything), everything
    for raw in ("HTTPConnectionPool", "HTTPSConnectionPool", "Max retries exceeded", "object at 0x"):
        assert raw not in err.message and raw not in err.action, "library text belongs in the detail: %s" % err.message
    for secret in secrets:
        assert secret not in everything, "a secret in the error text"
    for w in message_words:
        assert w.lower() in err.message.lower(), (w, err.message)
    for w in action_words:
        assert w.lower() in err.action.lower(), (w, err.action)
