"""Fixtures for the migration tests: the 'migration' lab and flows bound to it (throwaway HVASSIST_HOME)."""

from __future__ import annotations

import pytest

from hvassist.audit import AuditLog
from hvassist.flows.migrate_flow import MigrationFlow
from hvassist.lab.runtime import start_lab
from hvassist.migrate.access import LabAccess
from hvassist.migrate.state import ClusterRef, MigrationStore
from hvassist.paths import app_paths

SOURCE = ClusterRef("OLDCLU", lab="migration")
DEST = ClusterRef("NEWCLU", lab="migration")


@pytest.fixture
def migration_lab():
    lab = start_lab("migration")
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture
def make_flow(migration_lab, hvassist_home):
    """A new flow, as a freshly started app would build it (same data folder, same lab)."""

    def make() -> MigrationFlow:
        return MigrationFlow(MigrationStore(), AuditLog(app_paths().audit_log), lambda ref: LabAccess(migration_lab))

    return make
