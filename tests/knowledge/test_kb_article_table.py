"""The knowledge base says what the article says: every error code, its causes in order, and the limits.

The expected values are restated here from the digests of the article (KNOWLEDGE.md, "Error codes",
for the two 2019 editions; KNOWLEDGE-current.md for 2025-11), not read from the knowledge base.
"""

from __future__ import annotations

import pytest

from kb_engine.errors import UnknownEditionError, UnknownErrorCodeError
from kb_engine.knowledge.model import Edition, KnowledgeBase

LETTERS = {
    "A": "agent_unresponsive_windows",
    "B": "agent_outdated_linux",
    "C": "no_internet_access",
    "D": "agent_config_options",
    "E": "snapshot_unavailable",
    "E1": "shutdown_over_rdp",
    "E2": "no_dhcp",
    "F": "extension_load_failed",
    "G": "rp_group_locked",
    "H": "several_backups_a_day",
    "I": "keyvault_permissions",
    "J": "backup_in_progress",
}

# code -> its causes in the article's order, by letter (causes the digest gives no letter by id).
TABLE_2019_07 = {
    "UserErrorGuestAgentStatusUnavailable": ["A", "B", "E", "F", "C"],
    "GuestAgentSnapshotTaskStatusError": ["A", "B", "C"],
    "UserErrorRpCollectionLimitReached": ["G", "H"],
    "UserErrorKeyvaultPermissionsNotConfigured": ["I"],
    "ExtensionSnapshotFailedNoNetwork": ["E", "F", "C"],
    "ExtentionOperationFailedForManagedDisks": ["E", "F", "A", "B"],
    "BackUpOperationFailed": ["A", "B", "E", "F", "G", "C"],
    "UserErrorUnsupportedDiskSize": ["disk_too_large"],
    "UserErrorBackupOperationInProgress": ["J"],
}
TABLE_2019_12 = {
    # The 2019-12 article first checks that the VM is Running, then the agent (A or B).
    "UserErrorGuestAgentStatusUnavailable": ["vm_not_running", "A", "B"],
    "GuestAgentSnapshotTaskStatusError": ["A", "B", "E", "F", "D"],
    "UserErrorVmProvisioningStateFailed": ["snapshot_extension_failed_state", "other_extension_failed_state"],
    "UserErrorRpCollectionLimitReached": ["G", "H"],
    "UserErrorKeyvaultPermissionsNotConfigured": ["I"],
    "ExtensionSnapshotFailedNoNetwork": ["E", "F", "C"],
    "ExtensionOperationFailedForManagedDisks": ["E", "F", "A", "B"],
    "BackUpOperationFailed": ["A", "B", "E", "F", "G", "C"],
    "UserErrorUnsupportedDiskSize": ["disk_too_large"],
    "UserErrorBackupOperationInProgress": ["J"],
}
# 2025-11: C and F are gone; L (application control) and M (provider DLL) are new, E3 (168.63.129.16) under E.
TABLE_2025_11 = {
    "UserErrorGuestAgentStatusUnavailable": ["vm_not_running", "A", "B"],
    "GuestAgentSnapshotTaskStatusError": ["A", "B", "E", "D", "L"],
    "UserErrorVmProvisioningStateFailed": ["snapshot_extension_failed_state", "other_extension_failed_state"],
    "UserErrorRpCollectionLimitReached": ["G", "H"],
    "UserErrorKeyvaultPermissionsNotConfigured": ["I"],
    "ExtensionSnapshotFailedNoNetwork": ["E"],
    "ExtensionOperationFailedForManagedDisks": ["E", "A", "B"],
    "BackUpOperationFailed": ["A", "B", "E", "G", "M"],
    "UserErrorUnsupportedDiskSize": ["disk_too_large"],
    "UserErrorBackupOperationInProgress": ["J"],
    "UserErrorCrpReportedUserError": ["platform_reported_error"],
    "UserErrorBcmDatasourceNotPresent": ["protection_not_active"],
}
TABLES = {"2019-07": TABLE_2019_07, "2019-12": TABLE_2019_12, "2025-11": TABLE_2025_11}


def _labels(edition: Edition, code: str) -> list[str]:
    entry = edition.code(code)
    assert entry is not None, f"{code} missing from {edition.id}"
    return [edition.causes[c].ref or c for c in entry.causes]


def test_editions_are_2019_07_2019_12_and_2025_11_and_the_default_is_the_newest(kb: KnowledgeBase) -> None:
    """The editions are 2019-07, 2019-12 and 2025-11; without --edition today's article (2025-11) is used."""
    assert kb.edition_ids == ("2019-07", "2019-12", "2025-11")
    assert kb.default.id == "2025-11"
    assert kb.edition().id == "2025-11"


def test_an_unknown_edition_is_refused_with_the_known_ones(kb: KnowledgeBase) -> None:
    """Asking for edition 2020-01 fails and names the known editions."""
    with pytest.raises(UnknownEditionError) as caught:
        kb.edition("2020-01")
    assert caught.value.known == ("2019-07", "2019-12", "2025-11")


@pytest.mark.parametrize("edition_id", TABLES)
def test_every_code_of_the_edition_is_there_and_no_other(kb: KnowledgeBase, edition_id: str) -> None:
    """Each edition lists exactly the article's error codes (BackUpOperationFailedV2 beside BackUpOperationFailed)."""
    expected = set(TABLES[edition_id]) | {"BackUpOperationFailedV2"}
    assert set(kb.edition(edition_id).code_names()) == expected


@pytest.mark.parametrize(
    ("edition_id", "code"), [(e, c) for e, table in TABLES.items() for c in table]
)
def test_each_code_lists_the_articles_causes_in_the_articles_order(kb: KnowledgeBase, edition_id: str, code: str) -> None:
    """A code's causes come in the order the article asks users to check them, by letter."""
    assert _labels(kb.edition(edition_id), code) == TABLES[edition_id][code]


def test_cause_letters_name_the_expected_causes(kb: KnowledgeBase) -> None:
    """Letters A to J, E1 and E2 are the causes the digest names; K is the clean-up procedure."""
    edition = kb.edition("2019-12")
    assert {c.ref: cid for cid, c in edition.causes.items() if c.ref} == LETTERS
    assert edition.procedures["cleanup_restore_points"].ref == "K"
    for cid in ("disk_too_large", "snapshot_extension_failed_state", "other_extension_failed_state"):
        assert edition.causes[cid].ref is None


def test_e1_and_e2_are_sub_causes_of_e(kb: KnowledgeBase) -> None:
    """The RDP shutdown (E1) and DHCP (E2) causes sit under the snapshot cause (E); 2025-11 adds 168.63.129.16 (E3)."""
    for edition in kb.editions:
        extra = ("wireserver_blocked",) if edition.id == "2025-11" else ()
        assert edition.causes["snapshot_unavailable"].children == ("shutdown_over_rdp", "no_dhcp", *extra)
        assert edition.causes["shutdown_over_rdp"].parent == "snapshot_unavailable"
        assert edition.causes["no_dhcp"].parent == "snapshot_unavailable"


def test_cause_d_exists_only_in_2019_12(kb: KnowledgeBase) -> None:
    """The waagent.conf cause (D) is new in 2019-12."""
    assert "agent_config_options" not in kb.edition("2019-07").causes
    assert kb.edition("2019-12").causes["agent_config_options"].ref == "D"


def test_provisioning_state_failed_is_not_a_2019_07_code(kb: KnowledgeBase) -> None:
    """UserErrorVmProvisioningStateFailed is unknown to 2019-07, and the error says it is in 2019-12."""
    old = kb.edition("2019-07")
    assert old.code("UserErrorVmProvisioningStateFailed") is None
    with pytest.raises(UnknownErrorCodeError, match="2019-12"):
        kb.resolve_code("UserErrorVmProvisioningStateFailed", old)


def test_the_misspelt_managed_disks_code_is_2019_07s_name_and_2019_12s_alias(kb: KnowledgeBase) -> None:
    """2019-07 spells it ExtentionOperationFailedForManagedDisks, 2019-12 Extension...; each accepts the other."""
    old, new = kb.edition("2019-07"), kb.edition("2019-12")
    old_entry = old.code("ExtentionOperationFailedForManagedDisks")
    new_entry = new.code("ExtensionOperationFailedForManagedDisks")
    assert old_entry is not None and new_entry is not None
    assert old_entry.names == ("ExtentionOperationFailedForManagedDisks",)
    assert old_entry.aliases == ("ExtensionOperationFailedForManagedDisks",)
    assert new_entry.names == ("ExtensionOperationFailedForManagedDisks",)
    assert new_entry.aliases == ("ExtentionOperationFailedForManagedDisks",)
    assert old.code("ExtensionOperationFailedForManagedDisks") is old_entry
    assert new.code("ExtentionOperationFailedForManagedDisks") is new_entry


def test_backup_operation_failed_and_v2_are_two_names_of_one_entry(kb: KnowledgeBase) -> None:
    """BackUpOperationFailed and BackUpOperationFailedV2 share one entry, message and causes."""
    for edition in kb.editions:
        entry = edition.code("BackUpOperationFailed")
        assert entry is not None
        assert entry.names == ("BackUpOperationFailed", "BackUpOperationFailedV2")
        assert edition.code("BackUpOperationFailedV2") is entry


def test_2019_07_limits(kb: KnowledgeBase) -> None:
    """2019-07: disks up to 4095 GiB, no separate limit for encrypted disks, 18 restore points, 1 to 5 days, .NET 4.5."""
    edition = kb.edition("2019-07")
    assert edition.limits["disk_max_gib"] == 4095
    assert edition.limits["encrypted_disk_max_gib"] is None
    assert edition.limit_label("disk_max_gib") == "4095 GB (4095 GiB)"
    assert edition.limits["instant_rp_max"] == 18
    assert (edition.limits["snapshot_retention_min_days"], edition.limits["snapshot_retention_max_days"]) == (1, 5)
    assert edition.limits["dotnet_min"] == "4.5"


def test_2019_12_limits(kb: KnowledgeBase) -> None:
    """2019-12: disks up to 32 TB (32768 GiB), encrypted disks up to 4 TB (4096 GiB); the rest unchanged."""
    edition = kb.edition("2019-12")
    assert edition.limits["disk_max_gib"] == 32768
    assert edition.limits["encrypted_disk_max_gib"] == 4096
    assert edition.limit_label("disk_max_gib") == "32 TB (32768 GiB)"
    assert edition.limit_label("encrypted_disk_max_gib") == "4 TB (4096 GiB)"
    assert edition.limits["instant_rp_max"] == 18
    assert (edition.limits["snapshot_retention_min_days"], edition.limits["snapshot_retention_max_days"]) == (1, 5)
    assert edition.limits["dotnet_min"] == "4.5"


def test_retention_and_restore_point_limits_read_as_the_article_states_them(kb: KnowledgeBase) -> None:
    """Cause H says restore points are kept 1 to 5 days and at most 18 are attached, in both languages."""
    for edition in kb.editions:
        cause = edition.causes["several_backups_a_day"]
        assert "1 to 5 days" in edition.fill(cause.summary, "en")
        assert "18" in edition.fill(cause.summary, "en")
        assert "1 ～ 5 日間" in edition.fill(cause.summary, "ja")


def test_2025_11_limits_and_policy_dependence(kb: KnowledgeBase) -> None:
    """2025-11 keeps 32 TB and 4 TB (noting the support matrix's 64 TB), drops C and F, and H depends on the policy."""
    edition = kb.edition("2025-11")
    assert edition.limit_label("disk_max_gib") == "32 TB (32768 GiB)"
    assert edition.limit_label("encrypted_disk_max_gib") == "4 TB (4096 GiB)"
    assert edition.limits["instant_rp_max"] == 18
    assert "no_internet_access" not in edition.causes and "extension_load_failed" not in edition.causes
    assert {c.ref: cid for cid, c in edition.causes.items() if c.ref in {"E3", "L", "M"}} == {
        "E3": "wireserver_blocked", "L": "app_control_blocks_extension", "M": "provider_dll_mismatch",
    }
    assert any("64 TB" in note.get("en") for note in edition.causes["disk_too_large"].notes)
    assert edition.causes["several_backups_a_day"].applies is not None
