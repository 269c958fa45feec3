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


# -- hostile names ------------------------------------------------------------------------------------------------
# Every quote PowerShell knows (' U+2018..U+201B, " U+201C..U+201E), sub-expressions, backticks, separators,
# newlines, NUL, markup, right-to-left marks, emoji, format strings, very long names.
NASTY = ["'", "\u2018", "\u2019", "\u201a", "\u201b", '"', "\u201c", "\u201d", "\u201e", "$(", ")", "`", ";",
         "\n", "\r\n", "\x00", "|", "&", "@{", "}", "#", "<#", "#>", "\u202e", "\u200f", "\U0001f4a5",
         "Remove-VM * -Force", "$env:COMPUTERNAME", "\\\\server\\share", "%s", "{0}", "\u2028", "\ufeff",
         "<script>alert(1)</script>", "<b>", "&amp;", "&#39;", "]]>", "<!--", "javascript:", "{{ 7*7 }}",
         "{% raw %}", "\u0645\u0631\u062d\u0628\u0627", "\u05e9\u05dc\u05d5\u05dd", "CONTOSO\\", "@contoso.local"]


def hostile_names(min_size: int = 1):  # -> hypothesis strategy of str
    from hypothesis import strategies as st

    pieces = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=8)), min_size=min_size, max_size=12)
    long_names = st.integers(min_value=300, max_value=3000).map(lambda n: ("x'\u2019<&\U0001f4a5" * n)[:n])
    return st.one_of(pieces.map("".join), long_names)


class CommandSink:
    """Stands in for the lab endpoint's command buffer when a test calls a lab host's handler directly."""

    def __init__(self) -> None:
        self.out: dict[str, bytes] = {"stdout": b"", "stderr": b""}
        self.cancelled = threading.Event()
        self.restart_after: float | None = None

    def append(self, stream: str, data: bytes) -> None:
        self.out[stream] += data


def run_in_lab(handler, script, params: dict[str, object], user: str = "hvadmin"):  # -> (exit code, CommandSink)
    """A lab host's command handler, fed exactly what HostSession sends on stdin."""
    import base64

    from hvassist.lab.wsman import CommandIO
    from hvassist.remote.scripts import BOOTSTRAP

    sink = CommandSink()
    line = "powershell.exe -EncodedCommand " + base64.b64encode(BOOTSTRAP.encode("utf-16-le")).decode()
    io = CommandIO(line, BOOTSTRAP, user, script.payload(params), {"WINRS_CODEPAGE": "65001"}, sink)
    return handler(io), sink
