"""Where settings, logs and the audit log go: HVASSIST_HOME, portable mode (frozen app + marker file), or the
platform's folders. The frozen app is faked by setting ``sys.frozen`` and ``sys.executable``."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs
import pytest

from hvassist import paths
from hvassist.paths import PORTABLE_MARKER, app_paths


@pytest.fixture
def bundle(tmp_path, monkeypatch):
    """A fake one-folder bundle: ``sys.executable`` is its hvassist executable and ``sys.frozen`` is set."""
    folder = tmp_path / "hvassist-0.1.0"
    folder.mkdir()
    exe = folder / ("hvassist.exe" if sys.platform.startswith("win") else "hvassist")
    exe.write_bytes(b"")
    monkeypatch.delenv("HVASSIST_HOME", raising=False)
    monkeypatch.setattr(sys, "executable", str(exe))
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    return folder


def platform_paths() -> tuple[Path, Path, Path, Path]:
    return (Path(platformdirs.user_config_dir("hvassist", "hvassist")),
            Path(platformdirs.user_data_dir("hvassist", "hvassist")),
            Path(platformdirs.user_log_dir("hvassist", "hvassist")),
            Path(platformdirs.user_cache_dir("hvassist", "hvassist")))


def test_portable_marker_puts_everything_in_data_beside_the_executable(bundle):
    (bundle / PORTABLE_MARKER).write_text("portable\n")
    p = app_paths()
    assert p.mode == "portable"
    data = bundle / "data"
    assert (p.config, p.data, p.log, p.cache) == (data / "config", data / "data", data / "logs", data / "cache")
    assert p.audit_log == data / "logs" / "audit.jsonl"
    assert p.app_log == data / "logs" / "hvassist.log"
    p.ensure()
    assert all(d.is_dir() for d in p.all_dirs())


def test_frozen_without_marker_uses_the_platform_folders(bundle):
    p = app_paths()
    assert p.mode == "platform"
    assert (p.config, p.data, p.log, p.cache) == platform_paths()
    assert bundle not in p.log.parents
    assert not (bundle / "data").exists()


def test_marker_is_ignored_when_not_frozen(bundle, monkeypatch):
    # running from source (python -m hvassist): a stray marker next to python must not move the user's data
    (bundle / PORTABLE_MARKER).write_text("")
    monkeypatch.delattr(sys, "frozen")
    assert app_paths().mode == "platform"


def test_marker_must_sit_next_to_the_executable(bundle):
    (bundle / "_internal").mkdir()
    (bundle / "_internal" / PORTABLE_MARKER).write_text("")
    (bundle.parent / PORTABLE_MARKER).write_text("")
    assert app_paths().mode == "platform"


def test_hvassist_home_wins_over_portable_mode(bundle, monkeypatch, tmp_path):
    (bundle / PORTABLE_MARKER).write_text("")
    monkeypatch.setenv("HVASSIST_HOME", str(tmp_path / "home"))
    p = app_paths()
    assert p.mode == "home"
    assert p.audit_log == tmp_path / "home" / "logs" / "audit.jsonl"


def test_executable_dir_follows_symlinks(bundle, tmp_path, monkeypatch):
    # /usr/local/bin/hvassist -> /opt/hvassist/hvassist: the marker is looked for in the real folder
    if sys.platform.startswith("win"):
        pytest.skip("symbolic links need privileges on Windows")
    (bundle / PORTABLE_MARKER).write_text("")
    link = tmp_path / "bin" / "hvassist"
    link.parent.mkdir()
    link.symlink_to(Path(sys.executable))
    monkeypatch.setattr(sys, "executable", str(link))
    assert paths._executable_dir() == bundle.resolve()
    assert app_paths().mode == "portable"


def test_log_file_and_audit_log_go_to_the_portable_folder(bundle, monkeypatch):
    """The writers (log setup, audit log, connections) all take their folder from app_paths."""
    import logging

    from hvassist import logsetup
    from hvassist.appcontext import AppContext

    (bundle / PORTABLE_MARKER).write_text("")
    root = logging.getLogger()
    before = list(root.handlers)
    monkeypatch.setattr(logsetup, "_configured", False)
    try:
        logsetup.setup_logging()
        logging.getLogger("hvassist.test").warning("portable log line")
    finally:
        for h in root.handlers[len(before):]:
            h.close()
        root.handlers[:] = before
    assert "portable log line" in (bundle / "data" / "logs" / "hvassist.log").read_text(encoding="utf-8")
    ctx = AppContext.create()
    try:
        assert ctx.audit.path == bundle / "data" / "logs" / "audit.jsonl"
        assert ctx.connections.path.parent == bundle / "data" / "config"
    finally:
        ctx.close()
