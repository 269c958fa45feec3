"""Build hvassist for this operating system: the one-folder bundle, the portable zip and (on Windows, when
Inno Setup's ``iscc`` is installed) the per-user installer.

    uv run --group build python installer/build.py [--if-stale] [--installer]

Output in ``installer/dist/``:
  hvassist/                                 the one-folder bundle (hvassist-gui, hvassist, _internal/)
  hvassist-<version>-<os>-<arch>-portable.zip   the same folder plus the portable marker file
  hvassist-<version>-setup.exe              Windows only: the installer (installer/hvassist.iss)
  build-info.json                           version, sizes and a fingerprint of the sources built

``--if-stale``: do nothing when build-info.json says the bundle and zip were built from the current sources
(used by tests/test_bundle.py). ``--installer``: fail when the Windows installer cannot be built.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import stat
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DIST = HERE / "dist"
WORK = HERE / "build"
BUNDLE = DIST / "hvassist"
INFO = DIST / "build-info.json"
PORTABLE_MARKER = "hvassist-portable"  # hvassist/paths.py PORTABLE_MARKER
IS_WINDOWS = sys.platform.startswith("win")
EXE_SUFFIX = ".exe" if IS_WINDOWS else ""
EXECUTABLES = ("hvassist" + EXE_SUFFIX, "hvassist-gui" + EXE_SUFFIX)

# Linux budget from issue 9, in bytes (1 MB = 1,000,000 bytes): unpacked folder and portable zip.
BUDGET = {"unpacked": 150_000_000, "zipped": 60_000_000}

MARKER_TEXT = """\
This file switches hvassist to portable mode: settings, saved connections (never passwords: those stay
in the Windows Credential Manager / system keyring), logs and the audit log are kept in the "data" folder
next to this file instead of the user profile. Delete this file to use the profile folders instead.
"""

# What goes into the bundle; a change to any of these makes a built bundle stale.
SOURCES = ("hvassist", "resources", "installer/hvassist.spec", "installer/entry_cli.py", "installer/entry_gui.py",
           "installer/build.py", "pyproject.toml", "uv.lock")


def project_version() -> str:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return str(data["project"]["version"])


def platform_tag() -> str:
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform.rstrip("0123456789"))
    machine = platform.machine().lower().replace("amd64", "x86_64")
    return "%s-%s" % (system, machine)


def source_fingerprint() -> str:
    digest = hashlib.sha256()
    digest.update(("%s|%s" % (sys.version, platform_tag())).encode())
    for name in SOURCES:
        path = ROOT / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            if "__pycache__" in f.parts or f.suffix in (".pyc", ".pyo"):
                continue
            digest.update(f.relative_to(ROOT).as_posix().encode())
            digest.update(hashlib.sha256(f.read_bytes()).digest())
    return digest.hexdigest()


def unpacked_size(folder: Path) -> int:
    """Bytes of the regular files (symbolic links count as nothing: they take no space)."""
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            st = os.lstat(os.path.join(dirpath, name))
            if stat.S_ISREG(st.st_mode):
                total += st.st_size
    return total


def mb(n: int) -> str:
    return "%.1f MB" % (n / 1_000_000)


def run_pyinstaller() -> None:
    if BUNDLE.exists():
        shutil.rmtree(BUNDLE)
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
           "--distpath", str(DIST), "--workpath", str(WORK), str(HERE / "hvassist.spec")]
    print("+ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)
    for exe in EXECUTABLES:
        if not (BUNDLE / exe).is_file():
            raise SystemExit("build failed: %s is missing from %s" % (exe, BUNDLE))
    if not (BUNDLE / "_internal" / "resources" / "ps").is_dir():
        raise SystemExit("build failed: the resources folder is missing from the bundle")


def make_zip(version: str) -> Path:
    """The bundle under ``hvassist-<version>/`` plus the portable marker. Symbolic links (Linux) stay links
    and permissions are kept, so ``unzip`` restores a working folder."""
    top = "hvassist-%s" % version
    path = DIST / ("hvassist-%s-%s-portable.zip" % (version, platform_tag()))
    tmp = path.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for dirpath, dirs, files in os.walk(BUNDLE):
            dirs.sort()
            for name in sorted(files):
                full = Path(dirpath) / name
                arc = "%s/%s" % (top, full.relative_to(BUNDLE).as_posix())
                st = os.lstat(full)
                if stat.S_ISLNK(st.st_mode):
                    info = zipfile.ZipInfo(arc, date_time=time.localtime(st.st_mtime)[:6])
                    info.create_system = 3  # Unix: the mode bits below are meaningful
                    info.external_attr = (stat.S_IFLNK | 0o777) << 16
                    zf.writestr(info, os.readlink(full))
                else:
                    zf.write(full, arc)
        marker = zipfile.ZipInfo("%s/%s" % (top, PORTABLE_MARKER), date_time=time.localtime()[:6])
        marker.create_system = 3
        marker.external_attr = (stat.S_IFREG | 0o644) << 16
        zf.writestr(marker, MARKER_TEXT, compress_type=zipfile.ZIP_DEFLATED)
    tmp.replace(path)
    return path


def find_iscc() -> str | None:
    found = shutil.which("iscc") or shutil.which("ISCC")
    if found:
        return found
    for base in (os.environ.get("PROGRAMFILES(X86)"), os.environ.get("PROGRAMFILES"),
                 os.path.join(os.environ.get("LOCALAPPDATA", ""), "Programs")):
        if base:
            candidate = Path(base) / "Inno Setup 6" / "ISCC.exe"
            if candidate.is_file():
                return str(candidate)
    return None


def run_iscc(iscc: str, version: str) -> Path:
    numeric = ".".join((re.findall(r"\d+", version) + ["0"] * 4)[:4])  # Windows file version: 4 numbers
    cmd = [iscc, "/Qp", "/DAppVersion=%s" % version, "/DAppNumericVersion=%s" % numeric, str(HERE / "hvassist.iss")]
    print("+ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=HERE, check=True)
    setup = DIST / ("hvassist-%s-setup.exe" % version)
    if not setup.is_file():
        raise SystemExit("Inno Setup finished but %s is missing" % setup)
    return setup


def read_info() -> dict[str, object]:
    try:
        data = json.loads(INFO.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def is_fresh(fingerprint: str) -> bool:
    info = read_info()
    return (info.get("fingerprint") == fingerprint and all((BUNDLE / e).is_file() for e in EXECUTABLES)
            and Path(str(info.get("zip", ""))).is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--if-stale", action="store_true", help="skip the build when the sources have not changed")
    parser.add_argument("--installer", action="store_true",
                        help="Windows: fail if Inno Setup (iscc) is not installed")
    args = parser.parse_args(argv)

    version = project_version()
    fingerprint = source_fingerprint()
    reused = args.if_stale and is_fresh(fingerprint)
    if reused:
        print("The bundle in %s is up to date with the sources." % BUNDLE)
    else:
        INFO.unlink(missing_ok=True)
        started = time.monotonic()
        run_pyinstaller()
        zip_path = make_zip(version)
        info: dict[str, object] = {
            "version": version, "platform": platform_tag(), "fingerprint": fingerprint,
            "bundle": str(BUNDLE), "zip": str(zip_path), "unpacked_bytes": unpacked_size(BUNDLE),
            "zipped_bytes": zip_path.stat().st_size, "build_seconds": round(time.monotonic() - started, 1),
        }
        INFO.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")

    info = read_info()
    unpacked, zipped = int(str(info["unpacked_bytes"])), int(str(info["zipped_bytes"]))
    print("hvassist %s (%s)" % (version, info["platform"]))
    print("  bundle:   %s" % BUNDLE)
    print("  portable: %s" % info["zip"])
    print("  size:     %s unpacked, %s zipped" % (mb(unpacked), mb(zipped)))
    status = 0
    if sys.platform.startswith("linux"):
        over = [k for k, n in (("unpacked", unpacked), ("zipped", zipped)) if n > BUDGET[k]]
        print("  budget:   %s unpacked, %s zipped: %s" % (
            mb(BUDGET["unpacked"]), mb(BUDGET["zipped"]), "OVER (%s)" % ", ".join(over) if over else "within"))
        status = 1 if over else 0

    if IS_WINDOWS:
        iscc = find_iscc()
        setup = DIST / ("hvassist-%s-setup.exe" % version)
        if reused and setup.is_file() and setup.stat().st_mtime >= INFO.stat().st_mtime:
            print("  installer: %s (up to date)" % setup)
        elif iscc:
            print("  installer: %s" % run_iscc(iscc, version))
        elif args.installer:
            print("Inno Setup 6 (iscc) was not found; install it (choco install innosetup) and run again.",
                  file=sys.stderr)
            return 2
        else:
            print("  installer: skipped (Inno Setup 6 is not installed)")
    elif args.installer:
        print("The Windows installer can only be built on Windows.", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":
    sys.exit(main())
