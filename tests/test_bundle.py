"""Smoke test of the PyInstaller bundle, run from the BUILT executables (not the source tree).

Builds the bundle with the documented command (``uv run --group build python installer/build.py``; reused when
installer/dist/build-info.json says it was built from the current sources), then runs the executables with the
working directory in a temporary folder and a clean environment, so nothing from the checkout or its virtual
environment can be imported. Skipped unless HVASSIST_TEST_BUNDLE=1 (``.ci/run`` sets it).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import platformdirs
import pytest

pytestmark = [
    pytest.mark.bundle,
    pytest.mark.skipif(os.environ.get("HVASSIST_TEST_BUNDLE") != "1",
                       reason="builds the PyInstaller bundle: set HVASSIST_TEST_BUNDLE=1"),
    pytest.mark.timeout(1800),
]

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "installer" / "dist"
IS_WINDOWS = sys.platform.startswith("win")
EXE = ".exe" if IS_WINDOWS else ""
RUN_TIMEOUT = 300


@pytest.fixture(scope="module")
def build_info() -> dict:
    uv = shutil.which("uv")
    if uv:
        cmd = [uv, "run", "--group", "build", "python", "installer/build.py", "--if-stale"]
    else:  # pytest started without uv: the environment must already have the build group
        cmd = [sys.executable, "installer/build.py", "--if-stale"]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1500)
    print(r.stdout[-3000:])
    assert r.returncode == 0, "build failed (exit %d):\n%s\n%s" % (r.returncode, r.stdout[-5000:], r.stderr[-5000:])
    return json.loads((DIST / "build-info.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def bundle(build_info) -> Path:
    folder = Path(build_info["bundle"])
    assert folder == DIST / "hvassist"
    return folder


def clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    """No PYTHONPATH, no virtual environment, a throwaway home and temp folder."""
    home = tmp / "user"
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    if IS_WINDOWS:
        system_root = os.environ.get("SYSTEMROOT", r"C:\Windows")
        env = {"SYSTEMROOT": system_root, "WINDIR": system_root, "PATH": system_root + r"\System32",
               "USERPROFILE": str(home), "TEMP": str(home / "tmp"), "TMP": str(home / "tmp"),
               "USERNAME": os.environ.get("USERNAME", "tester")}
    else:
        env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "TMPDIR": str(home / "tmp"), "LANG": "C.UTF-8"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.update(extra)
    return env


def run(exe: Path, args: list[str], tmp: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    workdir = tmp / "cwd"
    workdir.mkdir(exist_ok=True)
    return subprocess.run([str(exe), *args], cwd=workdir, env=env, capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=RUN_TIMEOUT)


def assert_no_traceback(r: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in r.stderr, r.stderr
    assert "Traceback" not in r.stdout, r.stdout


def check_seed_diagnosis(r: subprocess.CompletedProcess[str]) -> None:
    assert_no_traceback(r)
    assert r.returncode == 1, "exit code %d (1 = findings)\n%s" % (r.returncode, r.stderr)
    result = json.loads(r.stdout)
    causes = {(f["vm"], f["cause"]) for f in result["findings"]}
    assert ("VM001", "no-scsi-controller") in causes, causes


def test_bundle_layout_and_contents(bundle):
    internal = bundle / "_internal"
    assert (bundle / ("hvassist" + EXE)).is_file()
    assert (bundle / ("hvassist-gui" + EXE)).is_file()
    assert not (bundle / "hvassist-portable").exists(), "the installer's folder must not be portable"
    for sub in ("ps/collect-host.ps1", "ps/collect-host.schema.json", "kb/causes/no-scsi-controller.toml",
                "scenarios/seed.toml", "icons/hvassist.svg"):
        assert (internal / "resources" / sub).is_file(), sub
    # byte-identical scripts: the lab (and a real host's audit) accepts only the shipped ones
    assert ((internal / "resources/ps/collect-host.ps1").read_bytes()
            == (ROOT / "resources/ps/collect-host.ps1").read_bytes())
    names = {p.name for p in internal.rglob("*")}
    for dev_only in ("pytest", "_pytest", "hypothesis", "mypy", "tree_sitter", "tree_sitter_pwsh", "PyInstaller"):
        assert dev_only not in names, "%s is in the bundle" % dev_only
    qt = internal / "PySide6"
    modules = {p.name.split(".")[0] for p in qt.glob("Qt*.*") if p.suffix in (".so", ".pyd")}
    assert {"QtCore", "QtGui", "QtWidgets"} <= modules
    unused = {"QtNetwork", "QtQml", "QtQuick", "QtWebEngineCore", "QtMultimedia", "QtCharts", "QtDesigner", "QtSql",
              "QtTest", "QtOpenGL", "Qt3DCore"}
    assert not modules & unused, "unused Qt modules bundled: %s" % sorted(modules & unused)
    libs = {p.name for p in qt.rglob("*") if "Qt6Quick" in p.name or "Qt6Qml" in p.name or "WebEngine" in p.name}
    assert not libs, sorted(libs)


def test_version(bundle, tmp_path):
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    r = run(bundle / ("hvassist" + EXE), ["--version"], tmp_path, clean_env(tmp_path))
    assert_no_traceback(r)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "hvassist %s" % version


def test_diagnose_seed_lab_finds_vm001_cause(bundle, tmp_path):
    home = tmp_path / "home"
    r = run(bundle / ("hvassist" + EXE), ["diagnose", "--lab", "seed", "--json"], tmp_path,
            clean_env(tmp_path, HVASSIST_HOME=str(home)))
    check_seed_diagnosis(r)
    assert (home / "logs" / "hvassist.log").is_file()


def test_stages_and_triage_load_their_texts(bundle, tmp_path):
    env = clean_env(tmp_path, HVASSIST_HOME=str(tmp_path / "home"))
    exe = bundle / ("hvassist" + EXE)
    r = run(exe, ["stages", "--flow", "2016", "--json"], tmp_path, env)
    assert_no_traceback(r)
    assert r.returncode == 0, r.stderr
    flow = json.loads(r.stdout)
    assert flow["flow"] == "2016" and flow["stages"], flow
    error = tmp_path / "error.txt"
    error.write_text("'VM001' cannot be hot backed up since it has no SCSI controllers attached. Event 10103\n",
                     encoding="utf-8")
    r = run(exe, ["triage", "--json", str(error)], tmp_path, env)
    assert_no_traceback(r)
    assert r.returncode == 1, "exit code %d (1 = causes found)\n%s" % (r.returncode, r.stderr)
    assert json.loads(r.stdout)["causes"][0]["id"] == "no-scsi-controller"


@pytest.mark.parametrize("args", [["--smoke-test"], ["--demo", "--smoke-test"]], ids=["profile", "demo"])
def test_gui_starts_offscreen_and_closes_cleanly(bundle, tmp_path, args):
    home = tmp_path / "home"
    r = run(bundle / ("hvassist-gui" + EXE), args, tmp_path, clean_env(tmp_path, HVASSIST_HOME=str(home)))
    assert_no_traceback(r)
    assert r.returncode == 0, "exit code %d\n%s" % (r.returncode, r.stderr)
    log = (home / "logs" / "hvassist.log").read_text(encoding="utf-8")
    assert "smoke-test: main window shown=True" in log, log
    assert "icon=ok" in log, "the app icon (SVG) did not load from the bundle"
    assert "ERROR" not in log, log


def test_installed_copy_keeps_its_data_in_the_user_profile(bundle, tmp_path, monkeypatch):
    env = clean_env(tmp_path)
    # where platformdirs puts the log folder for that environment (Linux: $HOME/.local/state/...)
    for name in [k for k in os.environ if k.startswith("XDG_")]:
        monkeypatch.delenv(name)
    for key in ("HOME", "USERPROFILE"):
        if key in env:
            monkeypatch.setenv(key, env[key])
    log_dir = Path(platformdirs.user_log_dir("hvassist", "hvassist"))
    r = run(bundle / ("hvassist" + EXE), ["diagnose", "--lab", "seed", "--json"], tmp_path, env)
    check_seed_diagnosis(r)
    assert (log_dir / "hvassist.log").is_file(), "no log in %s" % log_dir
    assert not (bundle / "data").exists(), "an installed copy wrote next to its executable"


def extract(zip_path: Path, dest: Path) -> None:
    """Unzip keeping permissions and symbolic links (what unzip and file managers do)."""
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            target = dest / info.filename
            mode = info.external_attr >> 16
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if stat.S_ISLNK(mode):
                target.symlink_to(zf.read(info).decode("utf-8"))
                continue
            with zf.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
            if mode and not IS_WINDOWS:
                target.chmod(stat.S_IMODE(mode))


def test_portable_zip_keeps_data_beside_the_executable(build_info, tmp_path):
    zip_path = Path(build_info["zip"])
    version = build_info["version"]
    with zipfile.ZipFile(zip_path) as zf:
        names = set(zf.namelist())
    top = "hvassist-%s/" % version
    assert top + "hvassist-portable" in names
    assert top + "hvassist" + EXE in names and top + "hvassist-gui" + EXE in names
    assert all(n.startswith(top) for n in names)

    extract(zip_path, tmp_path / "stick")
    folder = tmp_path / "stick" / top.rstrip("/")
    env = clean_env(tmp_path)
    r = run(folder / ("hvassist" + EXE), ["diagnose", "--lab", "seed", "--json"], tmp_path, env)
    check_seed_diagnosis(r)
    assert (folder / "data" / "logs" / "hvassist.log").is_file()
    home_files = [p for p in Path(env.get("HOME", env.get("USERPROFILE", ""))).rglob("*")
                  if "hvassist" in p.name]
    assert home_files == [], "portable copy wrote into the user profile: %s" % home_files


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the size budget is set for the Linux build")
def test_size_within_budget(build_info):
    unpacked, zipped = build_info["unpacked_bytes"], build_info["zipped_bytes"]
    print("bundle: %.1f MB unpacked, %.1f MB zipped" % (unpacked / 1e6, zipped / 1e6))
    assert unpacked <= 150_000_000
    assert zipped <= 60_000_000
