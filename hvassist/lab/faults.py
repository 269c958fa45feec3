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
from hvassist.lab.wsman import FAULT_ACCESS_DENIED, ServerHooks, WSManFault

# The lab's stand-in for a name that is not in DNS: ".invalid" never resolves (RFC 6761).
UNRESOLVABLE_SUFFIX = ".invalid"


@dataclass
class ListenerPlan:
    """How the lab serves one host's WinRM listener, after its faults are applied."""

    transport: str  # "http" or "https"
    serve: bool = True  # False: nothing listens (the client gets a closed port)
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


def _shell_denied(value: Any, plan: ListenerPlan, host: Host) -> None:
    def deny(action: str, body: bytes) -> None:
        if action == "Create":
            raise WSManFault("Access is denied.", FAULT_ACCESS_DENIED, "w:AccessDenied")

    _chain_before_request(plan.hooks, deny)


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
    Fault("shell", ("access_denied",), "powershell",
          "the account may log on but not open a remote shell (Access is denied)", _shell_denied),
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


def account_rights(host: Host) -> tuple[bool, bool]:
    """(local administrator, member of Hyper-V Administrators)."""
    if active(host, "not_admin"):
        return False, False
    if active(host, "hyperv_admin"):
        return False, True
    return True, False
