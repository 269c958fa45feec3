"""Typed, plain-language errors of the remote layer. Messages never contain secrets."""

from __future__ import annotations

from typing import Any


class RemoteError(Exception):
    """Something went wrong talking to a host. ``message`` says what, ``action`` what to do next."""

    kind = "remote-error"

    def __init__(self, host: str, message: str, action: str, detail: str = "") -> None:
        super().__init__("%s: %s" % (host, message))
        self.host = host
        self.message = message
        self.action = action
        self.detail = detail

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "host": self.host, "message": self.message, "action": self.action,
                "detail": self.detail}

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled whole (the diagnosis helper process sends outcomes with their errors): Exception's
        # default would call the class with its one-string ``args`` and fail.
        return (_rebuild, (type(self), self.args, self.__dict__.copy()))

    def plain(self) -> str:
        return "%s\nWhat to do: %s" % (self.message, self.action)


class NameNotResolved(RemoteError):
    kind = "name-not-resolved"


class InvalidHostName(RemoteError):
    kind = "invalid-host-name"


class ConnectionRefused(RemoteError):
    kind = "connection-refused"


class TimedOut(RemoteError):
    kind = "timed-out"


class CertificateNotTrusted(RemoteError):
    """The TLS certificate is not trusted. ``fingerprint`` (SHA-256) can be pinned explicitly by the user."""

    kind = "certificate-not-trusted"

    def __init__(self, host: str, message: str, action: str, detail: str = "", fingerprint: str = "") -> None:
        super().__init__(host, message, action, detail)
        self.fingerprint = fingerprint

    def to_dict(self) -> dict[str, str]:
        return {**super().to_dict(), "fingerprint": self.fingerprint}


class CertificateNameMismatch(CertificateNotTrusted):
    kind = "certificate-name-mismatch"


class CertificateExpired(CertificateNotTrusted):
    kind = "certificate-expired"


class CertificateChanged(CertificateNotTrusted):
    kind = "certificate-changed"


class AuthenticationFailed(RemoteError):
    kind = "authentication-failed"


class AccessDenied(RemoteError):
    kind = "access-denied"


class WinRMNotAvailable(RemoteError):
    kind = "winrm-not-available"


class WinRMFault(RemoteError):
    kind = "winrm-fault"


class ConnectionLost(WinRMFault):
    """The connection broke while hvassist was talking to the host (dropped, reset, or cut off mid-answer)."""

    kind = "connection-lost"


class InsecureTransportRefused(RemoteError):
    kind = "insecure-transport-refused"


class ScriptFailed(RemoteError):
    """The script ran and PowerShell reported an error (its own text is in ``ps_error``)."""

    kind = "script-failed"

    def __init__(self, host: str, message: str, action: str, detail: str = "", ps_error: str = "") -> None:
        super().__init__(host, message, action, detail)
        self.ps_error = ps_error

    def to_dict(self) -> dict[str, str]:
        return {**super().to_dict(), "ps_error": self.ps_error}


class OutputNotUnderstood(RemoteError):
    kind = "output-not-understood"


class InternalError(RemoteError):
    """Something unexpected inside hvassist while handling this host; the log file has the details."""

    kind = "internal-error"


class Cancelled(RemoteError):
    kind = "cancelled"


def _rebuild(cls: type[RemoteError], args: tuple[Any, ...], state: dict[str, Any]) -> RemoteError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error
