"""Lab fault injection: the one place where a scenario host's ``faults = {...}`` becomes lab behaviour.

A scenario host names its faults by key, for example::

    [[hosts]]
    name = "HV-EXPIRED"
    faults = { tls = "expired" }

Each fault in ``FAULTS`` says which values it takes, what it imitates on a real network, which step of
the connection doctor it breaks, and how it changes the host's listener (``configure``: the address
clients are given, whether anything listens, the TLS certificate, and ``ServerHooks`` on the WinRM
endpoint). Faults that act inside the host (PowerShell, the Hyper-V module, rights) are read by
``host.py`` and the script answers through the helpers at the bottom (``command_refusal``,
``hyperv_state``, ``account_rights``).

To add a fault: one ``Fault`` entry here, plus, if it needs a new point of interference, a hook field on
``ServerHooks`` (wsman.py) that stays inert by default. Unknown names or values are scenario errors, so a
typo never silently becomes a healthy host.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hvassist.lab.model import Host, ScenarioError
from hvassist.lab.wsman import FAULT_ACCESS_DENIED, FAULT_SHELL_QUOTA, FAULT_TIMED_OUT, ServerHooks, WSManFault

# The lab's stand-in for a name that is not in DNS: ".invalid" never resolves (RFC 6761).
UNRESOLVABLE_SUFFIX = ".invalid"
OUTPUT_FAULTS = ("truncated_json", "invalid_json", "exception", "50mb", "invalid_utf8")
REBOOT_SECONDS = 3.0  # how long a restarting lab host answers nothing


@dataclass
class ListenerPlan:
    """How the lab serves one host's WinRM listener, after its faults are applied."""

    transport: str  # "http" or "https"
    serve: bool = True  # False: nothing listens (the client gets a closed port)
    silent: bool = False  # with serve False: a port that takes no connection and never answers (dropped packets)
    address: str = "127.0.0.1"  # what a client is told to connect to
    certificate: str = "valid"  # valid | untrusted | wrong_name | expired (HTTPS only)
    hooks: ServerHooks = field(default_factory=ServerHooks)


@dataclass(frozen=True)
class Fault:
    name: str
    values: tuple[Any, ...]
    step: str  # the connection doctor step this fault makes fail ("" = none, e.g. a warning only)
    summary: str  # what it imitates, in plain words
    configure: Callable[[Any, ListenerPlan, Host], None] | None = None
    transport: str = ""  # the listener this fault needs ("https" for certificate faults), "" = any


def _dns(value: Any, plan: ListenerPlan, host: Host) -> None:
    plan.serve = False
    plan.address = host.name.lower() + UNRESOLVABLE_SUFFIX


def _closed_port(value: Any, plan: ListenerPlan, host: Host) -> None:
    plan.serve = False


def _certificate(value: Any, plan: ListenerPlan, host: Host) -> None:
    plan.certificate = str(value)


def _not_winrm(value: Any, plan: ListenerPlan, host: Host) -> None:
    page = (b"<!DOCTYPE html><html><head><title>404 - File or directory not found.</title></head>"
            b"<body><h2>404 - File or directory not found.</h2></body></html>")

    def answer(path: str) -> tuple[int, list[tuple[str, str]], bytes]:
        return 404, [("Server", "Microsoft-IIS/10.0"), ("Content-Type", "text/html")], page

    plan.hooks.http_override = answer


def _auth_fails(value: Any, plan: ListenerPlan, host: Host) -> None:
    plan.hooks.login_allowed = lambda user: False


def _encryption(value: Any, plan: ListenerPlan, host: Host) -> None:
    plan.hooks.message_encryption = "refused" if value == "unencrypted_only" else "plaintext_replies"


def _no_answer(value: Any, plan: ListenerPlan, host: Host) -> None:
    plan.serve = False
    plan.silent = True


def _slow(value: Any, plan: ListenerPlan, host: Host) -> None:
    plan.hooks.reply_delay = float(value)


def _shell_refused(value: Any, plan: ListenerPlan, host: Host) -> None:
    def refuse(action: str, body: bytes) -> None:
        if action != "Create":
            return
        if value == "quota_exceeded":  # the user's MaxShellsPerUser is used up (shells left open elsewhere)
            raise WSManFault("The WS-Management service cannot process the request. This user is allowed a maximum "
                             "number of 5 concurrent shells, which has been exceeded. Close existing shells or "
                             "raise the quota for this user.", FAULT_SHELL_QUOTA, "w:QuotaLimit")
        raise WSManFault("Access is denied.", FAULT_ACCESS_DENIED, "w:AccessDenied")

    _chain_before_request(plan.hooks, refuse)


def _receive(value: Any, plan: ListenerPlan, host: Host) -> None:
    """Faults in the replies that carry a command's output (WS-Man Receive)."""
    if value == "operation_timeout":
        def never_output(action: str, body: bytes) -> None:
            if action == "Receive":  # every Receive times out, again and again: the command never says anything
                raise WSManFault("The WS-Management service cannot complete the operation within the time specified "
                                 "in OperationTimeout.", FAULT_TIMED_OUT, "w:TimedOut")

        _chain_before_request(plan.hooks, never_output)
    elif value == "closed_mid_response":
        plan.hooks.cut_reply = lambda action: action == "Receive"
    else:
        def mangle(action: str, reply: bytes) -> bytes:
            if action != "Receive":
                return reply
            if value == "truncated_xml":
                return reply[: len(reply) * 2 // 3]
            # malformed: an element closed by the wrong tag (as a broken proxy or a buggy plug-in would send)
            return reply.replace(b"</rsp:ReceiveResponse>", b"</rsp:Receive>", 1)

        plan.hooks.mangle_reply = mangle


def _chain_before_request(hooks: ServerHooks, fn: Callable[[str, bytes], None]) -> None:
    previous = hooks.before_request
    if previous is None:
        hooks.before_request = fn
        return

    def both(action: str, body: bytes) -> None:
        previous(action, body)
        fn(action, body)

    hooks.before_request = both


FAULTS: dict[str, Fault] = {f.name: f for f in [
    Fault("dns", ("unresolvable",), "resolve",
          "the host's name is not in DNS (clients are given '<name>.invalid')", _dns),
    Fault("port", ("closed",), "port",
          "nothing listens on the WinRM port (service stopped, no listener, or a firewall that rejects)",
          _closed_port),
    Fault("tls", ("untrusted", "wrong_name", "expired"), "tls",
          "the HTTPS listener's certificate is from an unknown CA, for another name, or expired",
          _certificate, transport="https"),
    Fault("wsman", ("not_winrm",), "wsman",
          "another web server (IIS) answers on the port: HTTP 404 for /wsman", _not_winrm),
    Fault("auth", ("always_fails",), "auth",
          "every logon is refused (wrong password, locked or expired account)", _auth_fails),
    Fault("encryption", ("unencrypted_only", "plaintext_replies"), "encryption",
          "the listener refuses encrypted messages, or answers in clear text", _encryption, transport="http"),
    Fault("shell", ("access_denied", "quota_exceeded"), "powershell",
          "the account may log on but not open a remote shell (SOAP fault: Access is denied, or the user's shell "
          "quota is used up)", _shell_refused),
    Fault("network", ("no_answer",), "port",
          "nothing answers on the WinRM port: packets are dropped (host off, or a firewall that drops)", _no_answer),
    Fault("slow", (30,), "wsman",
          "every request is answered only after 30 seconds (an overloaded host or a slow link)", _slow),
    Fault("receive", ("operation_timeout", "closed_mid_response", "truncated_xml", "malformed_xml"), "powershell",
          "the replies carrying a command's output: the OperationTimeout fault every time, the connection closed "
          "halfway through the reply, or XML that is cut off or not well-formed", _receive),
    Fault("output", OUTPUT_FAULTS, "",
          "what collect-host prints is broken: cut-off or invalid JSON, a PowerShell exception (CLIXML on stderr), "
          "50 MB of output, or bytes that are not UTF-8"),
    Fault("reboot", ("during_fix",), "",
          "the host restarts right after the first step of a fix that changes something: connections drop, and it "
          "answers again %g seconds later without its shells" % REBOOT_SECONDS),
    Fault("powershell", ("not_recognized",), "powershell",
          "'powershell.exe' cannot be started (not installed, or not on the PATH)"),
    Fault("hyperv", ("module_missing", "role_missing"), "hyperv",
          "the Hyper-V PowerShell module, or the whole Hyper-V role, is not installed"),
    Fault("not_admin", (True,), "permission",
          "the account is neither a local administrator nor in Hyper-V Administrators"),
    Fault("hyperv_admin", (True,), "",
          "the account is only in Hyper-V Administrators (the doctor warns: VSS checks need an administrator)"),
]}


def validate(host: Host) -> None:
    for name, value in host.faults.items():
        fault = FAULTS.get(name)
        if fault is None:
            raise ScenarioError("host %s: unknown fault %r (known: %s)" % (host.name, name, ", ".join(sorted(FAULTS))))
        if value not in fault.values:
            raise ScenarioError("host %s: fault %s takes %s, not %r" % (
                host.name, name, " or ".join(repr(v) for v in fault.values), value))
        if fault.transport and host.transport and host.transport != fault.transport:
            raise ScenarioError("host %s: fault %s needs an %s listener" % (host.name, name,
                                                                             fault.transport.upper()))


def active(host: Host, name: str) -> Any:
    """The value of fault ``name`` on ``host``, or None."""
    return host.faults.get(name)


def listener_plan(host: Host, default_transport: str) -> ListenerPlan:
    validate(host)
    transport = host.transport or next(
        (FAULTS[n].transport for n in host.faults if FAULTS[n].transport), default_transport)
    plan = ListenerPlan(transport=transport, hooks=dataclasses.replace(ServerHooks()))
    for name, value in host.faults.items():
        configure = FAULTS[name].configure
        if configure is not None:
            configure(value, plan, host)
    return plan


# -- faults inside the host (read by host.py and the script answers) ---------------------------------------
def command_refusal(host: Host, program: str) -> str | None:
    """What cmd.exe prints when the program cannot be started, or None when it starts."""
    if active(host, "powershell") == "not_recognized":
        return ("'%s' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"
                % program)
    return None


def hyperv_state(host: Host) -> tuple[bool, bool]:
    """(Hyper-V role installed, Hyper-V PowerShell module installed)."""
    fault = active(host, "hyperv")
    role = fault != "role_missing"
    module = role and fault != "module_missing" and host.hyperv_module and host.os != "2008r2"
    return role, module


def broken_output(host: Host, script: str) -> str | None:
    """How the output of ``script`` is broken on this host (one of ``OUTPUT_FAULTS``), or None."""
    value = active(host, "output")
    return str(value) if value is not None and script == "collect-host" else None


def restart_after(host: Host, result: Any) -> float | None:
    """Seconds the host stays away if it restarts after a script that returned ``result``; None: no restart.
    A ``reboot = "during_fix"`` host restarts after an answer that says it changed something (the lab host
    asks only until it has restarted once)."""
    if active(host, "reboot") != "during_fix" or not (isinstance(result, dict) and result.get("changed")):
        return None
    return REBOOT_SECONDS


def account_rights(host: Host) -> tuple[bool, bool]:
    """(local administrator, member of Hyper-V Administrators)."""
    if active(host, "not_admin"):
        return False, False
    if active(host, "hyperv_admin"):
        return False, True
    return True, False
