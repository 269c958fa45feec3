"""``hvassist fix``: the same plans from the command line, previewed, confirmed (--yes or a typed yes), applied
with an audit record, verified."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from hvassist.audit import AuditLog
from hvassist.paths import app_paths


def hvassist(*args, home, stdin=subprocess.DEVNULL):
    env = dict(os.environ, HVASSIST_HOME=str(home))
    return subprocess.run([sys.executable, "-m", "hvassist", *args], capture_output=True, text=True, env=env,
                          stdin=stdin, timeout=240)


def test_fix_with_yes_applies_audits_and_verifies(hvassist_home):
    proc = hvassist("fix", "--lab", "all-faults", "hv12-n1", "--cause", "backup-ic-disabled", "--vm",
                    "backup-ic-disabled", "--yes", "--json", home=hvassist_home)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["status"] == "fixed" and doc["verified"] is True
    assert doc["plan"]["steps"][0]["script"] == "vm-enable-integration-service"
    assert doc["steps"][0]["output"]["enabled_after"] is True
    entries = AuditLog(app_paths().audit_log).entries()
    assert [e["action"] for e in entries] == ["fix-confirmed", "fix-step", "fix-verified"]


def test_preview_only_shows_the_warning_and_changes_nothing(hvassist_home):
    proc = hvassist("fix", "--lab", "all-faults", "hv19-n1", "--cause", "vm-config-version", "--vm",
                    "vm-config-version", "--preview-only", "--show-script", home=hvassist_home)
    assert proc.returncode == 0, proc.stderr
    assert "WARNING: This cannot be undone." in proc.stdout
    assert "Update-VMVersion -VM $vm -Force" in proc.stdout and '"VMId":' in proc.stdout
    assert AuditLog(app_paths().audit_log).entries() == []


def test_without_yes_and_without_a_terminal_nothing_is_applied(hvassist_home):
    proc = hvassist("fix", "--lab", "all-faults", "hv19-n1", "--cause", "checkpoint-type", "--vm",
                    "checkpoint-type", home=hvassist_home)
    assert proc.returncode == 2
    assert "add --yes" in proc.stderr and "Nothing was changed" in proc.stdout
    assert AuditLog(app_paths().audit_log).entries() == []


def test_a_cause_without_automatic_fix_prints_what_to_do(hvassist_home):
    proc = hvassist("fix", "--lab", "all-faults", "hw-provider", "--cause", "hw-provider", "--yes",
                    home=hvassist_home)
    assert proc.returncode == 1, proc.stderr
    assert "No automatic fix" in proc.stdout and "What to do:" in proc.stdout


def test_no_such_finding_is_nothing_to_do(hvassist_home):
    proc = hvassist("fix", "--lab", "all-faults", "hv19-n1", "--cause", "checkpoint-type", "--vm", "ok-19-gen2",
                    "--yes", home=hvassist_home)
    assert proc.returncode == 0 and "Nothing to do" in proc.stdout
