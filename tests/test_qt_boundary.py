"""Qt lives only under hvassist/gui/: the core must run without a display."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "hvassist"


def qt_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        found += [n for n in names if n.split(".")[0] in ("PySide6", "shiboken6", "PyQt5", "PyQt6")]
    return found


def test_no_qt_import_outside_gui():
    offenders = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "gui":
            continue
        if qt_imports(path):
            offenders[str(rel)] = qt_imports(path)
    assert offenders == {}, "Qt imported outside hvassist/gui/: %s" % offenders


def test_gui_package_does_import_qt():
    # the check above must be able to fail: the GUI does import Qt
    assert any(qt_imports(p) for p in (PACKAGE / "gui").rglob("*.py"))


def test_core_modules_load_without_qt():
    code = (
        "import sys\n"
        "import hvassist.cli, hvassist.services.diagnosis, hvassist.lab.runtime, hvassist.flows.diagnose_flow\n"
        "import hvassist.fixes.apply, hvassist.connections, hvassist.appcontext\n"
        "hvassist.cli.build_parser()\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
