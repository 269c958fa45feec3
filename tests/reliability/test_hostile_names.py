"""Hostile names stay data: every quote character PowerShell knows, $(), backticks, ;, newlines, NUL, very
long names, right-to-left text and emoji reach the lab intact, and no script changes shape."""

from __future__ import annotations

import base64
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import pscheck
from support.reliability import count

from hvassist.lab.host import LabHost
from hvassist.lab.model import load_scenario
from hvassist.lab.wsman import CommandIO
from hvassist.remote.scripts import BOOTSTRAP, SEPARATOR, get_script

NASTY = ["'", "\u2018", "\u2019", "\u201a", "\u201b", '"', "\u201c", "\u201d", "\u201e", "$(", ")", "`", ";",
         "\n", "\r\n", "\x00", "|", "&", "@{", "}", "#", "<#", "#>", "\u202e", "\u200f", "\U0001f4a5",
         "Remove-VM * -Force",
         "$env:COMPUTERNAME", "\\\\server\\share", "%s", "{0}", "\u2028", "\ufeff"]
hostile = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=8)), min_size=1, max_size=12).map("".join)
long_names = st.integers(min_value=300, max_value=5000).map(lambda n: ("x'\u2019" * n)[:n])
names = st.one_of(hostile, long_names)


class _Sink:
    def __init__(self) -> None:
        import threading

        self.out: dict[str, bytes] = {"stdout": b"", "stderr": b""}
        self.cancelled = threading.Event()

    def append(self, stream: str, data: bytes) -> None:
        self.out[stream] += data


ESTATE = load_scenario("seed")
HOST = LabHost(ESTATE, ESTATE.host("HV01"))
SCRIPT = get_script("vm-start")
SHIPPED_SHAPE = pscheck.commands(SCRIPT.text)


def run_in_lab(params: dict[str, object]) -> tuple[int, _Sink]:
    """The lab's command handler, fed exactly what HostSession sends on stdin."""
    sink = _Sink()
    line = "powershell.exe -EncodedCommand " + base64.b64encode(BOOTSTRAP.encode("utf-16-le")).decode()
    io = CommandIO(line, BOOTSTRAP, "hvadmin", SCRIPT.payload(params), {"WINRS_CODEPAGE": "65001"}, sink)  # type: ignore[arg-type]
    return HOST(io), sink


@settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=names)
def test_hostile_names_reach_the_lab_intact_as_data(name):
    payload = SCRIPT.payload({"VMId": name})
    script_part, sep, params_part = payload.decode("utf-8").partition(SEPARATOR)
    assert sep and script_part == SCRIPT.text, "the script text never changes"
    assert set(params_part) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="), \
        "parameters travel as base64: nothing a PowerShell tokenizer could read as code"
    code, sink = run_in_lab({"VMId": name})
    assert HOST.last_params == {"VMId": name}, "the lab decoded exactly the value that was sent"
    assert code == 1 and b"unable to find a virtual machine" in sink.out["stderr"], "an unknown id is data, not code"
    count("hostile VM names through the lab")


@settings(max_examples=300, deadline=None)
@given(name=names)
def test_fix_preview_keeps_names_inside_the_comment(name):
    from hvassist.fixes.plan import FixStep

    preview = FixStep("start-vm", "Start the VM", "vm-start", {"VMId": name}).preview()
    header, body = preview.split("\n", 2)[:2], preview.split("\n", 2)[2]
    assert all(line.startswith("# ") for line in header), "a name with a newline cannot end the comment"
    assert body == SCRIPT.text
    assert pscheck.commands(body) == SHIPPED_SHAPE


def test_hostile_names_through_the_real_wire(seed_lab):
    from hvassist.remote import errors as E
    from hvassist.remote.session import HostSession

    handler = seed_lab.hosts["HV01"].handler
    samples = ["x'; Remove-VM * -Force; '", "x\u2019; Remove-VM * -Force; \u2019", "$(Stop-Computer)", "a`nb",
               "tab\there", "nul\x00byte", "\u202eevil", "\U0001f4a5 vm", "Сервер", "x" * 4000, '"; exit; "']
    with HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password) as s:
        for name in samples:
            try:
                s.run_json("vm-start", {"VMId": name})
            except E.ScriptFailed as e:
                assert "unable to find" in e.ps_error
            assert handler.last_params == {"VMId": name}
    assert all(vm.state in ("Running", "Off") for vm in seed_lab.estate.host("HV01").vms)
    assert json.dumps(samples)  # the samples themselves are plain data
