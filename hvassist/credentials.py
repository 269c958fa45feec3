"""Secrets in the OS keyring (Windows Credential Manager, macOS Keychain, Secret Service).

Never a file: when no secure backend is usable, secrets are kept in memory for this session only
and ``backend_description`` says so, so the UI can tell the user.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from hvassist.logsetup import register_secret

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

log = logging.getLogger(__name__)

SERVICE = "hvassist"
_INSECURE_MARKERS = ("plaintext", "keyrings.alt", "fail.keyring", "null")


def _usable(backend: KeyringBackend) -> bool:
    name = "%s.%s" % (type(backend).__module__, type(backend).__name__)
    if any(m in name.lower() for m in _INSECURE_MARKERS):
        return False
    try:
        return float(backend.priority) > 0
    except Exception:
        return False


def _describe(backend: KeyringBackend) -> str:
    name = type(backend).__name__
    module = type(backend).__module__
    if "SecretService" in module or "secretservice" in module.lower():
        return "the system keyring (Secret Service)"
    if "Windows" in module or "Windows" in name:
        return "Windows Credential Manager"
    if "macOS" in module or "OS_X" in name or "macos" in module.lower():
        return "the macOS Keychain"
    if "kwallet" in module.lower():
        return "KDE Wallet"
    if "chainer" in module.lower():
        return "the system keyring"
    return "the system keyring (%s)" % name


class CredentialStore:
    """Passwords by key (e.g. a connection or group id). Thread-safe.

    The keyring is opened on first use (any property or call below), not when the store is made:
    finding the backend imports and probes every keyring backend (D-Bus, ...), which would delay the
    app's start. The GUI opens it on a background thread right after its window is shown
    (``resolve_backend()``), so a locked keyring is still known before any password is typed.
    """

    def __init__(self, *, memory_only: bool = False, backend: KeyringBackend | None = None) -> None:
        self._memory: dict[str, str] = {}
        self._lock = threading.RLock()
        self._backend: KeyringBackend | None = None
        self._candidate = backend
        self._resolved = memory_only
        self._reason = "this is a throwaway profile" if memory_only else ""

    def resolve_backend(self) -> None:
        """Open the keyring now (idempotent; blocks while the backends are probed)."""
        with self._lock:
            if self._resolved:
                return
            self._resolved = True
            try:
                import keyring

                candidate = self._candidate or keyring.get_keyring()
            except Exception as e:  # a broken keyring configuration
                self._reason = "the keyring could not be opened (%s)" % type(e).__name__
                return
            if not _usable(candidate):
                self._reason = "no secure keyring is available on this computer"
                return
            self._backend = candidate
            try:
                # A locked keyring asks to be unlocked here (the desktop shows its prompt); refused or
                # unavailable, we know at once and can say so before any password is typed.
                candidate.get_password(SERVICE, "probe")
            except Exception as e:  # KeyringError, or a D-Bus error the backend does not wrap
                self._fall_back(e)

    @property
    def resolved(self) -> bool:
        """True once the keyring question is settled (no call will block on probing backends)."""
        return self._resolved

    @property
    def reason(self) -> str:
        self.resolve_backend()
        return self._reason

    @reason.setter
    def reason(self, text: str) -> None:
        self._reason = text

    @property
    def persistent(self) -> bool:
        self.resolve_backend()
        return self._backend is not None

    @property
    def backend_name(self) -> str:
        """Short form for a status line: where passwords are kept right now."""
        self.resolve_backend()
        if self._backend is not None:
            text = _describe(self._backend)
            return text[4:] if text.startswith("the ") else text
        return "memory only (this session)"

    @property
    def backend_description(self) -> str:
        self.resolve_backend()
        if self._backend is not None:
            return "Passwords are stored in %s." % _describe(self._backend)
        return ("Passwords are held in memory for this session only (%s); you will be asked again next "
                "time." % self._reason)

    def set_password(self, key: str, password: str) -> None:
        register_secret(password)
        self.resolve_backend()
        with self._lock:
            if self._backend is not None:
                try:
                    self._backend.set_password(SERVICE, key, password)
                    self._memory.pop(key, None)
                    return
                except Exception as e:  # locked, or the keyring went away
                    self._fall_back(e)
            self._memory[key] = password

    def get_password(self, key: str) -> str | None:
        with self._lock:
            if key in self._memory:
                return self._memory[key]
            self.resolve_backend()
            if self._backend is None:
                return None
            try:
                value = self._backend.get_password(SERVICE, key)
            except Exception as e:  # locked, or the keyring went away
                self._fall_back(e)
                return None
        if value:
            register_secret(value)
        return value

    def delete(self, key: str) -> None:
        import keyring.errors

        self.resolve_backend()
        with self._lock:
            self._memory.pop(key, None)
            if self._backend is None:
                return
            try:
                self._backend.delete_password(SERVICE, key)
            except keyring.errors.PasswordDeleteError:
                pass
            except keyring.errors.KeyringError as e:
                log.warning("could not delete a keyring entry: %s", type(e).__name__)

    def _fall_back(self, error: BaseException) -> None:
        import keyring.errors

        log.warning("keyring unusable (%s); keeping passwords in memory for this session", type(error).__name__)
        self._backend = None
        if isinstance(error, keyring.errors.KeyringLocked):
            self._reason = "the keyring is locked and was not unlocked"
        elif isinstance(error, keyring.errors.InitError):
            self._reason = "the keyring could not be opened or created"
        else:
            self._reason = "the keyring could not be used (%s)" % type(error).__name__
