"""What the performance work changed in the product, tested without timing: the session's round
trips, thread safety of parallel connections, the helper process, lazy loading at start-up."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import threading

import pytest

from hvassist.remote import errors as E
from hvassist.remote.session import HostSession
from hvassist.services.diagnosis import HostTarget, diagnose_hosts

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _actions(lab, host):
    seen = []
    lab.hosts[host].server.hooks.before_request = lambda action, body: seen.append(action)
    return seen


def test_one_script_session_deletes_the_shell_without_a_separate_signal(seed_lab):
    seen = _actions(seed_lab, "HV01")
    with HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password) as s:
        s.run_json("probe-host")
    assert [a for a in seen if a != "auth"] == ["Create", "Command", "Send", "Receive", "Delete"]


def test_a_finished_command_is_released_before_the_next_one(seed_lab):
    seen = _actions(seed_lab, "HV01")
    with HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password) as s:
        s.run_json("probe-host")
        s.run_json("probe-host")
    actions = [a for a in seen if a != "auth"]
    assert actions == ["Create", "Command", "Send", "Receive", "Signal", "Command", "Send", "Receive", "Delete"]


def test_requests_environment_trick_is_one_thread_at_a_time():
    """requests sets and deletes os.environ["no_proxy"] while checking proxies; pywinrm makes it do so for
    each connection. Two hosts connecting at once must not see each other's half-done environment."""
    import requests.utils

    import hvassist.remote.session  # noqa: F401 - installs the guard

    assert getattr(requests.utils.set_environ, "hvassist_serialised", False)
    inside, entered = threading.Event(), threading.Event()
    release = threading.Event()

    def first():
        with requests.utils.set_environ("no_proxy", "*"):
            inside.set()
            release.wait(5)

    def second():
        inside.wait(5)
        with requests.utils.set_environ("no_proxy", "*"):
            entered.set()

    t1, t2 = threading.Thread(target=first), threading.Thread(target=second)
    t1.start()
    t2.start()
    inside.wait(5)
    assert not entered.wait(0.3), "the second thread waits while the first has the environment changed"
    release.set()
    t1.join(5)
    t2.join(5)
    assert entered.is_set()


def test_proxy_checks_in_many_threads_do_not_trip_over_each_other():
    import requests

    errors = []

    def work():
        session = requests.Session()
        try:
            for _ in range(200):
                session.merge_environment_settings("http://127.0.0.1:5985/wsman", {"no_proxy": "*"}, None, None,
                                                   None)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


@pytest.mark.parametrize("error", [
    E.RemoteError("hv01", "It failed.", "Try again.", detail="d"),
    E.ScriptFailed("hv01", "The check failed.", "Read it.", detail="d", ps_error="Get-VM : no"),
    E.CertificateChanged("hv01", "Changed.", "Ask.", fingerprint="ab" * 32),
    E.Cancelled("hv01", "Cancelled.", "Start again."),
])
def test_remote_errors_survive_pickling(error):
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error) and copy.to_dict() == error.to_dict() and str(copy) == str(error)


def test_diagnosis_in_the_helper_process_equals_the_one_in_threads(seed_lab):
    from hvassist.services import diagnosis_process

    targets = [HostTarget(seed_lab.endpoint(h), seed_lab.username, seed_lab.password) for h in seed_lab.host_names()]
    progress = []
    try:
        isolated = diagnosis_process.diagnose_hosts_isolated(targets, min_hosts=1,
                                                             progress=lambda h, m: progress.append((h, m)))
        helper = diagnosis_process.prepare()
        assert helper is not None and helper.alive, "it ran in the helper process"
    finally:
        diagnosis_process.shutdown()
    threaded = diagnose_hosts(targets)
    assert [h.host for h in isolated.hosts] == [h.host for h in threaded.hosts]
    assert [f.cause for f in isolated.findings] == [f.cause for f in threaded.findings]
    assert isolated.hosts[0].snapshot.vms == threaded.hosts[0].snapshot.vms  # (collected_at may differ)
    assert {h for h, _m in progress} == set(seed_lab.host_names())
    assert any(m.startswith("Done") for _h, m in progress)


def test_helper_process_reports_host_errors_and_cancelling(seed_lab):
    from hvassist.cancel import CancelToken
    from hvassist.services import diagnosis_process

    bad = HostTarget(seed_lab.endpoint("HV01"), seed_lab.username, "wrong password")
    try:
        result = diagnosis_process.diagnose_hosts_isolated([bad], min_hosts=1)
        assert isinstance(result.hosts[0].error, E.AuthenticationFailed)
        gate = threading.Event()
        for h in seed_lab.hosts.values():
            h.server.hooks.on_command_start = lambda io: gate.wait(20)
        cancel = CancelToken()
        threading.Timer(1.0, cancel.cancel).start()
        targets = [HostTarget(seed_lab.endpoint(h), seed_lab.username, seed_lab.password)
                   for h in seed_lab.host_names()]
        result = diagnosis_process.diagnose_hosts_isolated(targets, cancel=cancel, min_hosts=1)
        gate.set()
        assert all(h.error is not None and h.error.kind == "cancelled" for h in result.hosts)
    finally:
        diagnosis_process.shutdown()


def test_few_hosts_stay_in_this_process(seed_lab, monkeypatch):
    from hvassist.services import diagnosis_process

    monkeypatch.setattr(diagnosis_process, "prepare", lambda: pytest.fail("no helper for two hosts"))
    targets = [HostTarget(seed_lab.endpoint(h), seed_lab.username, seed_lab.password) for h in seed_lab.host_names()]
    assert all(h.ok for h in diagnosis_process.diagnose_hosts_isolated(targets).hosts)


def _python(code: str) -> str:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_gui_start_path_loads_no_remote_stack_keyring_jinja_or_lab():
    out = _python(
        "import sys, json\n"
        "import hvassist.gui.app, hvassist.gui.main_window\n"
        "from hvassist.logsetup import setup_logging\n"
        "setup_logging(0)\n"
        "heavy = ['winrm', 'requests', 'spnego', 'keyring', 'jinja2', 'hvassist.lab', 'hvassist.remote.session',\n"
        "         'logging.handlers', 'importlib.metadata', 'hvassist.cli.diagnose_cmd']\n"
        "print(json.dumps(sorted(m for m in heavy if m in sys.modules)))\n")
    assert json.loads(out.strip().splitlines()[-1]) == []


def test_cli_without_a_command_goes_to_the_gui_without_the_command_modules():
    out = _python(
        "import sys, json\n"
        "import hvassist.gui.app\n"
        "called = []\n"
        "hvassist.gui.app.run_gui = lambda demo=False: called.append(demo) or 0\n"
        "import hvassist.cli\n"
        "assert hvassist.cli.main(['--demo', '-vv']) == 0\n"
        "print(json.dumps([called, [m for m in hvassist.cli.COMMAND_MODULES if m in sys.modules]]))\n")
    called, loaded = json.loads(out.strip().splitlines()[-1])
    assert called == [True] and loaded == []


def test_version_is_the_project_version():
    import tomllib

    import hvassist

    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        assert hvassist.__version__ == tomllib.load(f)["project"]["version"]


def test_log_file_opens_with_the_first_record(tmp_path, monkeypatch):
    monkeypatch.setenv("HVASSIST_HOME", str(tmp_path))
    out = _python(
        "import logging, sys\n"
        "from hvassist.logsetup import setup_logging\n"
        "from hvassist.paths import app_paths\n"
        "setup_logging(0)\n"
        "path = app_paths().app_log\n"
        "before = path.exists()\n"
        "logging.getLogger('t').warning('hello password=s3cret-value')\n"
        "print(before, path.read_text())\n")
    assert out.startswith("False ")
    assert "hello" in out and "s3cret-value" not in out


def test_credential_store_opens_the_keyring_on_first_use():
    from keyring.backend import KeyringBackend

    from hvassist.credentials import CredentialStore

    class Backend(KeyringBackend):
        priority = 1  # type: ignore[assignment]
        values: dict = {}

        def get_password(self, service, username):
            return self.values.get((service, username))

        def set_password(self, service, username, password):
            self.values[(service, username)] = password

        def delete_password(self, service, username):
            self.values.pop((service, username), None)

    store = CredentialStore(backend=Backend())
    assert not store.resolved, "nothing is probed when the store is made"
    store.set_password("k", "secret-1")
    assert store.resolved and store.persistent and store.get_password("k") == "secret-1"
    assert Backend.values, "stored in the keyring, not in memory"


def test_connection_ids_are_twelve_hex_digits(tmp_path):
    from hvassist.connections import Connection, ConnectionStore
    from hvassist.credentials import CredentialStore

    store = ConnectionStore(tmp_path / "c.json", CredentialStore(memory_only=True))
    group = store.add_group("Contoso", username="CONTOSO\\helpdesk")
    a = store.add_connection(Connection(id="", name="HV1", group=group.id))
    b = store.add_connection(Connection(id="", name="HV2", group=group.id))
    assert all(len(x) == 12 and int(x, 16) >= 0 for x in (group.id, a.id, b.id)) and a.id != b.id


def test_warm_up_loads_the_diagnosis_stack():
    out = _python(
        "import sys\n"
        "from hvassist.services.warmup import warm_up\n"
        "warm_up()\n"
        "print(all(m in sys.modules for m in ('hvassist.services.diagnosis', 'winrm', 'hvassist.kb',\n"
        "                                     'cryptography.hazmat.backends.openssl')))\n")
    assert out.strip().endswith("True")


def test_a_helper_that_dies_leaves_the_diagnosis_to_threads(seed_lab, monkeypatch):
    from hvassist.services import diagnosis_process

    monkeypatch.setattr(diagnosis_process, "helper_command", lambda: [sys.executable, "-c", "pass"])
    monkeypatch.setattr(diagnosis_process, "_disabled", False)
    diagnosis_process.shutdown()
    targets = [HostTarget(seed_lab.endpoint(h), seed_lab.username, seed_lab.password) for h in seed_lab.host_names()]
    try:
        result = diagnosis_process.diagnose_hosts_isolated(targets, min_hosts=1)
        assert all(h.ok for h in result.hosts), "diagnosed here instead"
        assert diagnosis_process.prepare() is None, "and the helper is not started again this session"
    finally:
        diagnosis_process.shutdown()
