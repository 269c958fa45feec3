"""Passwords in a REAL keyring (Secret Service via gnome-keyring): a customer with credentials and three
hosts, one overriding; a restart of the app (a new process) keeps everything and needs no password.
And the fallbacks: a locked or absent keyring keeps passwords in memory only, and says so.

The ``keyring`` tests need a reachable Secret Service; run them with ``.ci/keyring-session.sh uv run pytest``
(a private D-Bus session with an unlocked gnome-keyring). They are skipped without one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import keyring
import keyring.errors
import pytest

from hvassist.credentials import SERVICE, CredentialStore
from hvassist.lab.model import load_scenario
from hvassist.lab.runtime import start_lab
from hvassist.lab.wsman import register_ntlm_users

HELPER = Path(__file__).parent / "support" / "app_restart.py"
GROUP_PASSWORD = "Orchid-Granite-5521"
OWN_PASSWORD = "Falcon-Meadow-9083"


def secret_service():
    from keyring.backends import SecretService

    return SecretService.Keyring()


def secret_service_available() -> bool:
    try:
        backend = secret_service()
        if backend.priority <= 0:  # raises when no Secret Service answers on D-Bus
            return False
        backend.set_password("hvassist-test-probe", "probe", "x")
        backend.delete_password("hvassist-test-probe", "probe")
        return True
    except Exception:
        return False


# CI sets HVASSIST_REQUIRE_KEYRING=1 so that a missing Secret Service fails instead of skipping silently.
_REQUIRED = os.environ.get("HVASSIST_REQUIRE_KEYRING") == "1"
needs_secret_service = pytest.mark.skipif(not _REQUIRED and not secret_service_available(),
                                          reason="no Secret Service reachable (run under .ci/keyring-session.sh)")


def run_helper(mode: str, request: dict, home: Path, env_extra: dict | None = None,
               wrapper: list[str] | None = None) -> dict:
    env = {**os.environ, "HVASSIST_HOME": str(home), "QT_QPA_PLATFORM": "offscreen", **(env_extra or {})}
    cmd = [*(wrapper or []), sys.executable, str(HELPER), mode]
    proc = subprocess.run(cmd, input=json.dumps(request), capture_output=True, text=True, env=env, timeout=240,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.keyring
@needs_secret_service
def test_restart_keeps_everything_and_asks_for_no_password(tmp_path):
    assert secret_service_available(), "HVASSIST_REQUIRE_KEYRING=1 but no Secret Service is reachable"
    estate = load_scenario("doctor")
    estate.credentials.password = GROUP_PASSWORD
    lab = start_lab(estate)
    register_ntlm_users({"legacyadmin": OWN_PASSWORD})  # HV-LEGACY's own account
    group_user = "CONTOSO\\%s" % lab.username
    ids: list[str] = []
    try:
        hosts = []
        for name in ("HV-OK", "HV-OK-HTTP", "HV-LEGACY"):
            ep = lab.endpoint(name)
            h = {"name": name, "address": ep.address, "port": ep.port, "transport": ep.transport,
                 "ca_file": ep.ca_file}
            if name == "HV-LEGACY":
                h.update(user="legacyadmin", password=OWN_PASSWORD)
            hosts.append(h)
        home = tmp_path / "home"
        first = run_helper("setup", {"group_user": group_user, "group_password": GROUP_PASSWORD, "hosts": hosts},
                           home)
        ids = first["ids"]
        assert first["persistent"] and "Secret Service" in first["backend"]
        # nothing secret on disk
        for p in home.rglob("*"):
            if p.is_file():
                data = p.read_bytes()
                assert GROUP_PASSWORD.encode() not in data and OWN_PASSWORD.encode() not in data, p
        # the passwords are in the Secret Service, under hvassist's name
        assert secret_service().get_password(SERVICE, "credential:%s" % ids[0]) == GROUP_PASSWORD

        shot = Path(os.environ.get("HVASSIST_SHOT_DIR", tmp_path)) / "restart-tree.png"
        second = run_helper("restart", {"gui": True, "screenshot": str(shot)}, home)
        assert second["missing"] == [], "no password is asked for after the restart"
        assert "Secret Service" in second["backend"] and "Secret Service" in second["keyring_label"]
        for name in ("HV-OK", "HV-OK-HTTP"):
            h = second["hosts"][name]
            assert h["ok"], h["summary"]
            assert (h["user"], h["from"]) == (group_user, "Contoso")
            assert "CONTOSO\\%s" % lab.username in h["ran_as"]
        legacy = second["hosts"]["HV-LEGACY"]
        assert legacy["ok"] and (legacy["user"], legacy["from"]) == ("legacyadmin", "own")
        assert "CONTOSO\\legacyadmin" in legacy["ran_as"], "the override was used, not the group's account"
        tree = "\n".join(second["tree"])
        assert "Contoso" in tree and "HV-OK" in tree and "HV-LEGACY" in tree
        assert "Contoso | %s" % group_user in second["tree"]
        assert "  HV-LEGACY | own: legacyadmin" in second["tree"]
        assert "  HV-OK | from Contoso" in second["tree"] and "  HV-OK-HTTP | from Contoso" in second["tree"]
    finally:
        lab.stop()
        for item in ids:
            try:
                secret_service().delete_password(SERVICE, "credential:%s" % item)
            except keyring.errors.PasswordDeleteError:
                pass


def _gnome_keyring_binaries() -> bool:
    return bool(shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon"))


def _private_keyring_env(home: Path) -> dict:
    return {"HOME": str(home), "XDG_DATA_HOME": str(home / ".local/share"), "XDG_RUNTIME_DIR": str(home),
            "DISPLAY": ""}


@pytest.mark.skipif(not _gnome_keyring_binaries(), reason="dbus-run-session / gnome-keyring-daemon not installed")
def test_locked_keyring_keeps_passwords_in_memory_and_says_so(tmp_path):
    # A private user with a login keyring (created unlocked once), then a new session in which it is locked
    # and nothing can prompt to unlock it.
    home = tmp_path / "user"
    home.mkdir()
    env = {**os.environ, **_private_keyring_env(home)}
    create = "printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; sleep 0.5"
    subprocess.run(["dbus-run-session", "--", "sh", "-c", create], env=env, timeout=60, check=True,
                   capture_output=True)
    assert list((home / ".local/share/keyrings").glob("*.keyring")), "the login keyring exists"
    start = "gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1; exec \"$@\""
    result = run_helper("probe", {"password": "Locked-Out-123"}, tmp_path / "hv", env_extra=_private_keyring_env(home),
                        wrapper=["dbus-run-session", "--", "sh", "-c", start, "sh"])
    assert result["persistent"] is False and result["read_back"] is True
    assert "held in memory for this session only" in result["backend"]
    assert "the keyring is locked" in result["backend"] and "you will be asked again next time" in result["backend"]
    assert result["before"]["persistent"] is False, "known at start, before any password is typed"
    assert result["backend_name"] == "memory only (this session)"


@pytest.mark.skipif(not _gnome_keyring_binaries(), reason="dbus-run-session / gnome-keyring-daemon not installed")
def test_keyring_that_cannot_be_created_keeps_passwords_in_memory(tmp_path):
    home = tmp_path / "user"
    home.mkdir()
    start = "gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1; exec \"$@\""
    result = run_helper("probe", {"password": "No-Keyring-789"}, tmp_path / "hv", env_extra=_private_keyring_env(home),
                        wrapper=["dbus-run-session", "--", "sh", "-c", start, "sh"])
    assert result["persistent"] is False and result["read_back"] is True
    assert "could not be opened or created" in result["backend"]


def test_absent_keyring_keeps_passwords_in_memory_and_says_so(tmp_path):
    env = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=%s" % (tmp_path / "no-such-bus"), "PYTHON_KEYRING_BACKEND": ""}
    result = run_helper("probe", {"password": "Nowhere-456"}, tmp_path / "hv", env_extra=env)
    assert result["before"]["persistent"] is False and result["persistent"] is False
    assert "held in memory for this session only" in result["backend"]
    assert result["read_back"] is True


# Stand-ins are plain classes, not KeyringBackend subclasses: those register themselves with keyring and
# could be chosen as this process's default backend.
class _LockedBackend:
    priority = 5

    def get_password(self, service, username):
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service, username, password):
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    def delete_password(self, service, username):
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")


class _WorkingThenLocked:
    priority = 5

    def __init__(self):
        self.data = {}
        self.locked = False

    def get_password(self, service, username):
        if self.locked:
            raise keyring.errors.KeyringLocked("locked")
        return self.data.get((service, username))

    def set_password(self, service, username, password):
        if self.locked:
            raise keyring.errors.KeyringLocked("locked")
        self.data[(service, username)] = password

    def delete_password(self, service, username):
        self.data.pop((service, username), None)


def test_locked_at_start_is_known_before_a_password_is_typed():
    store = CredentialStore(backend=_LockedBackend())
    assert not store.persistent
    assert "locked" in store.backend_description and "memory" in store.backend_description
    store.set_password("k", "v")
    assert store.get_password("k") == "v"


def test_keyring_that_locks_later_falls_back_to_memory_with_a_message():
    backend = _WorkingThenLocked()
    store = CredentialStore(backend=backend)
    assert store.persistent and "keyring" in store.backend_description
    store.set_password("a", "first")
    assert backend.data[(SERVICE, "a")] == "first" and store.get_password("a") == "first"
    backend.locked = True
    store.set_password("b", "second")  # not lost: kept in memory
    assert not store.persistent and store.get_password("b") == "second"
    assert "locked" in store.backend_description and "asked again" in store.backend_description


def test_plaintext_backends_are_never_used():
    class PlaintextKeyring:
        priority = 1

        def get_password(self, service, username):
            return None

        def set_password(self, service, username, password):
            raise AssertionError("a password was written to a plaintext backend")

        def delete_password(self, service, username):
            pass

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    store = CredentialStore(backend=PlaintextKeyring())
    store.set_password("k", "v")
    assert not store.persistent and "no secure keyring" in store.backend_description
