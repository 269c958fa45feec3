"""The knowledge texts under resources/kb/causes cover the whole cause catalogue and keep to its rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hvassist import kb
from hvassist.resources import resource_path

CATALOGUE = Path("/work/shared/kb/causes.md")

# The 40 stable ids of shared/kb/causes.md, used when that file is not available (e.g. in CI).
FROZEN_IDS = (
    "no-scsi-controller",
    "backup-ic-disabled",
    "guest-ic-service-stopped",
    "ic-outdated",
    "host-hv-writer-failed",
    "guest-writer-failed",
    "lingering-recovery-checkpoint",
    "autorecovery-avhdx-left",
    "vm-not-running",
    "dynamic-disks-guest",
    "non-ntfs-volume",
    "shadowstorage-other-volume",
    "guest-diff-area",
    "scoped-snapshots",
    "snapshot-location",
    "unsupported-guest-os",
    "linux-no-vss-daemon",
    "passthrough-iscsi-vfc",
    "shared-vhdx-2012r2",
    "vhds-guest-cluster",
    "csv-issues",
    "hw-provider",
    "smb3-no-agent",
    "writer-metadata-too-large",
    "stale-writer-sessions",
    "overlapping-vss-jobs",
    "vm-config-version",
    "checkpoint-type",
    "permissions-av",
    "host-space",
    "vss-com-security",
    "os-vss-update-bug",
    "guest-credentials",
    "disk-signature-collision",
    "client-hyperv-no-writer",
    "benign-vss-noise",
    "vss-provider-registration",
    "logon-as-service-right",
    "backup-target-full",
    "io-flush-timeout",
)

STAGES_2012R2 = (
    "gather-metadata",
    "prepare-backup",
    "prepare-snapshot",
    "freeze",
    "commit-snapshot",
    "thaw-merge",
    "read-snapshot",
    "backup-complete",
)
STAGES_2016 = (
    "request-checkpoint",
    "guest-freeze",
    "create-checkpoint",
    "read-rct",
    "convert-reference-point",
)
STAGE_IDS = frozenset(STAGES_2012R2 + STAGES_2016)

SEEN_ON = frozenset({"host", "guest", "product-log"})

# Causes that only the guest can confirm: the texts must say what to run inside it.
GUEST_ONLY = frozenset(
    {
        "dynamic-disks-guest",
        "non-ntfs-volume",
        "shadowstorage-other-volume",
        "guest-diff-area",
        "scoped-snapshots",
        "guest-ic-service-stopped",
        "guest-writer-failed",
        "linux-no-vss-daemon",
    }
)

# Event ids the KB could not verify in any source (shared/kb/hyperv-backup-kb.md §0): never shown.
UNVERIFIED_EVENT_IDS = re.compile(r"(?<![0-9A-Fa-fx])(4093|10172|16010|18012|18016)(?![0-9A-Fa-f])")


def catalogue_ids() -> list[str]:
    if not CATALOGUE.is_file():
        return list(FROZEN_IDS)
    ids = []
    for line in CATALOGUE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\|\s*([a-z0-9][a-z0-9-]*)\s*\|", line)
        if m and m.group(1) != "id":
            ids.append(m.group(1))
    assert ids, f"no cause ids found in {CATALOGUE}"
    return ids


def all_text(c: kb.CauseText) -> str:
    return "\n".join(
        [c.id, c.title, c.summary, c.why, c.technical, c.versions, c.guest_command, *c.what_to_do, *c.sources]
    )


def test_frozen_list_matches_catalogue() -> None:
    assert len(FROZEN_IDS) == len(set(FROZEN_IDS)) == 40
    if CATALOGUE.is_file():
        # New ids may be added to the catalogue; existing ids are never renamed or removed.
        assert set(FROZEN_IDS) <= set(catalogue_ids())


def test_every_catalogue_id_has_a_file() -> None:
    folder = resource_path("kb", "causes")
    missing = [i for i in catalogue_ids() if not (folder / f"{i}.toml").is_file()]
    assert not missing, "no knowledge text for: " + ", ".join(missing)


def test_all_causes_loads_every_id() -> None:
    causes = kb.all_causes()
    assert set(catalogue_ids()) <= set(causes)
    assert set(causes) <= set(catalogue_ids()) | set(FROZEN_IDS), "a text file for an id not in the catalogue"
    assert kb.cause("no-scsi-controller").id == "no-scsi-controller"
    with pytest.raises(KeyError):
        kb.cause("no-such-cause")


@pytest.mark.parametrize("cause_id", catalogue_ids())
def test_required_fields(cause_id: str) -> None:
    c = kb.cause(cause_id)
    for name in ("title", "summary", "why", "technical", "versions"):
        assert getattr(c, name).strip(), f"{cause_id}: empty {name}"
    assert "\n" not in c.title, f"{cause_id}: the title must be one line"
    assert c.what_to_do and all(step.strip() for step in c.what_to_do), f"{cause_id}: empty what_to_do"
    assert c.sources, f"{cause_id}: no sources"
    assert c.severity in kb.SEVERITIES
    assert c.seen_on and set(c.seen_on) <= SEEN_ON, f"{cause_id}: seen_on {c.seen_on!r}"
    if c.severity != "info":
        assert c.stages, f"{cause_id}: a failing or degrading cause names its stage"


@pytest.mark.parametrize("cause_id", catalogue_ids())
def test_stage_ids_are_known(cause_id: str) -> None:
    unknown = set(kb.cause(cause_id).stages) - STAGE_IDS
    assert not unknown, f"{cause_id}: unknown stage ids {sorted(unknown)}"


@pytest.mark.parametrize("cause_id", catalogue_ids())
def test_sources_are_urls(cause_id: str) -> None:
    for url in kb.cause(cause_id).sources:
        assert url.startswith(("https://", "http://")), f"{cause_id}: not a URL: {url!r}"
        assert " " not in url


@pytest.mark.parametrize("cause_id", catalogue_ids())
def test_guest_only_causes_say_what_to_run_in_the_guest(cause_id: str) -> None:
    c = kb.cause(cause_id)
    if cause_id in GUEST_ONLY:
        assert "guest" in c.seen_on
        assert c.guest_command, f"{cause_id}: guest-only cause without guest_command"
    if c.guest_command:
        assert "guest" in c.seen_on, f"{cause_id}: guest_command but not seen in the guest"


@pytest.mark.parametrize("cause_id", catalogue_ids())
def test_no_unverified_event_ids(cause_id: str) -> None:
    text = all_text(kb.cause(cause_id))
    found = UNVERIFIED_EVENT_IDS.findall(text)
    assert not found, f"{cause_id} mentions unverified event ids {found}"
    assert "42 MB" not in text, f"{cause_id} repeats the unverified 'System Reserved < 42 MB' claim"


def test_severity_spot_checks() -> None:
    assert kb.cause("no-scsi-controller").severity == "error"
    assert kb.cause("benign-vss-noise").severity == "info"
    assert kb.cause("vm-not-running").severity == "warning"


def test_product_log_only_causes() -> None:
    for cause_id in ("guest-credentials", "benign-vss-noise", "backup-target-full", "io-flush-timeout"):
        assert kb.cause(cause_id).seen_on == ("product-log",)
