"""Which WinRM authentication methods this copy of hvassist can use.

NTLM is always there (pywinrm depends on requests-ntlm). Kerberos and CredSSP are optional extras of
pywinrm (``pywinrm[kerberos]``: pykerberos or winkerberos; ``pywinrm[credssp]``: requests-credssp).
The UI and the connection doctor use this to say plainly when one is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from hvassist.remote.endpoint import AUTH_LABELS as AUTH_LABELS  # defined there, light for the GUI's start

CREDSSP_WARNING = ("CredSSP hands your password to the host, so anyone in control of that host can use it "
                   "elsewhere on the network. Use it only when a task needs a second hop, and only with hosts "
                   "you trust.")


@dataclass(frozen=True)
class AuthSupport:
    method: str
    available: bool
    reason: str  # why not (plain words), empty when available


def auth_support(method: str) -> AuthSupport:
    try:
        import winrm.transport as t
    except ImportError:  # pragma: no cover - pywinrm is a hard dependency
        return AuthSupport(method, False, "pywinrm is not installed.")
    if method == "ntlm":
        ok = bool(getattr(t, "HAVE_NTLM", False))
        return AuthSupport(method, ok, "" if ok else "NTLM support (requests-ntlm) is not installed.")
    if method == "kerberos":
        ok = bool(getattr(t, "HAVE_KERBEROS", False))
        return AuthSupport(method, ok, "" if ok else (
            "Kerberos is not available in this copy of hvassist: pywinrm's Kerberos extra (the 'pykerberos' "
            "package, or 'winkerberos' on Windows) is not installed."))
    if method == "credssp":
        ok = bool(getattr(t, "HAVE_CREDSSP", False))
        return AuthSupport(method, ok, "" if ok else (
            "CredSSP is not available in this copy of hvassist: pywinrm's CredSSP extra (the "
            "'requests-credssp' package) is not installed."))
    if method == "basic":
        return AuthSupport(method, True, "")
    return AuthSupport(method, False, "Unknown authentication method %r." % method)
