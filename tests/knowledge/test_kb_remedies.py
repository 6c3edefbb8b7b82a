"""Exact facts the remedies carry: commands, log paths, resource-group names, and the wording that changed."""

from __future__ import annotations

import pytest

from kb_engine.knowledge import conditions
from kb_engine.knowledge.model import Edition, KnowledgeBase, Step

EDITIONS = ("2019-07", "2019-12")


def _commands(steps: tuple[Step, ...]) -> list[str]:
    return [c for s in steps for c in ([s.command] if s.command else []) + [v.command for v in s.variants]]


def _texts(edition: Edition, steps: tuple[Step, ...], lang: str = "en") -> list[str]:
    return [edition.fill(s.text, lang) for s in steps]


@pytest.mark.parametrize("edition_id", EDITIONS)
def test_linux_agent_start_command_depends_on_the_distribution(kb: KnowledgeBase, edition_id: str) -> None:
    """Cause B starts the agent with `service walinuxagent start` on Ubuntu and `service waagent start` elsewhere."""
    edition = kb.edition(edition_id)
    (step,) = [s for s in edition.causes["agent_outdated_linux"].steps if s.variants]
    ubuntu, other = step.variants
    assert (ubuntu.label.en, ubuntu.command) == ("Ubuntu", "service walinuxagent start")
    assert ubuntu.when == conditions.Test("vm.distro", "eq", "ubuntu")
    assert other.command == "service waagent start"
    assert other.when is None


@pytest.mark.parametrize("edition_id", EDITIONS)
def test_linux_agent_logs_to_collect(kb: KnowledgeBase, edition_id: str) -> None:
    """Cause B asks for /var/lib/waagent/*.xml, /var/log/waagent.log and /var/log/azure/*."""
    cause = kb.edition(edition_id).causes["agent_outdated_linux"]
    assert cause.logs == ("/var/lib/waagent/*.xml", "/var/log/waagent.log", "/var/log/azure/*")
    assert "ps -e" in _commands(cause.steps)


@pytest.mark.parametrize("edition_id", EDITIONS)
def test_restore_point_group_is_named_azurebackuprg_geo_number(kb: KnowledgeBase, edition_id: str) -> None:
    """Cause G names the group AzureBackupRG_<Geo>_<number>, and its steps open that group by default."""
    edition = kb.edition(edition_id)
    cause = edition.causes["rp_group_locked"]
    assert "AzureBackupRG_<Geo>_<number>" in cause.summary.en
    assert "AzureBackupRG_northeurope_1" in cause.summary.en
    assert any("AzureBackupRG_<Geo>_<number>" in t for t in _texts(edition, cause.steps))
    assert any("AzureBackupRG_<Geo>_<number>" in t for t in _texts(edition, cause.steps, "ja"))


@pytest.mark.parametrize("edition_id", EDITIONS)
def test_restore_point_group_steps_name_the_vms_own_group_when_known(kb: KnowledgeBase, edition_id: str) -> None:
    """With the group's name in the facts, the steps say AzureBackupRG_westeurope_7 instead of the pattern."""
    edition = kb.edition(edition_id)
    step = edition.causes["rp_group_locked"].steps[1]
    filled = edition.fill(step.text, "en", {"backup.restore_point_group.name": "AzureBackupRG_westeurope_7"})
    assert "AzureBackupRG_westeurope_7" in filled


@pytest.mark.parametrize("edition_id", EDITIONS)
def test_backup_in_progress_cancels_with_stop_azrecoveryservicesbackupjob(kb: KnowledgeBase, edition_id: str) -> None:
    """Cause J cancels a running job with PowerShell's Stop-AzRecoveryServicesBackupJob."""
    assert "Stop-AzRecoveryServicesBackupJob" in _commands(kb.edition(edition_id).causes["backup_in_progress"].steps)


@pytest.mark.parametrize("edition_id", EDITIONS)
def test_windows_agent_needs_dotnet_4_5(kb: KnowledgeBase, edition_id: str) -> None:
    """Cause A asks for .NET 4.5 or later, in both languages."""
    edition = kb.edition(edition_id)
    steps = edition.causes["agent_unresponsive_windows"].steps
    assert any(".NET 4.5 or later" in t for t in _texts(edition, steps))
    assert any(".NET 4.5 以降" in t for t in _texts(edition, steps, "ja"))
    assert "services.msc" in _commands(steps)


def test_waagent_conf_cause_tells_the_real_option_name(kb: KnowledgeBase) -> None:
    """Cause D sets Extensions.Enabled=y and notes the article's Extensions.Enable and what the agent really reads."""
    cause = kb.edition("2019-12").causes["agent_config_options"]
    assert "Extensions.Enabled=y" in _commands(cause.steps)
    assert "Provisioning.Agent=auto" in _commands(cause.steps)
    (note,) = [n for n in cause.notes if "Extensions.Enable " in n.en]
    assert "Extensions.Enabled (default y)" in note.en
    assert "Extensions.Enabled=no" in note.en
    assert "Extensions.Enabled=no" in note.ja


def test_cleanup_says_ad_hoc_in_2019_07_and_on_demand_in_2019_12(kb: KnowledgeBase) -> None:
    """The clean-up procedure (K) triggers an "ad-hoc" backup in 2019-07 and an "on-demand" one in 2019-12."""
    old = kb.edition("2019-07").procedures["cleanup_restore_points"].steps[0].text
    new = kb.edition("2019-12").procedures["cleanup_restore_points"].steps[0].text
    assert "ad-hoc" in old.en and "on-demand" not in old.en
    assert "on-demand" in new.en and "ad-hoc" not in new.en
    assert "アドホック" in old.ja and "オンデマンド" in new.ja


def test_cleanup_notes_deleted_vms_only_from_2019_12(kb: KnowledgeBase) -> None:
    """2019-12 adds the note that a deleted VM's instant-restore snapshots stay until their retention ends."""
    old = kb.edition("2019-07").procedures["cleanup_restore_points"]
    new = kb.edition("2019-12").procedures["cleanup_restore_points"]
    assert len(old.notes) == 1 and "2-3 retries" in old.notes[0].en
    assert len(new.notes) == 2 and "deleted" in new.notes[1].en


@pytest.mark.parametrize("edition_id", EDITIONS)
def test_lock_cause_ends_with_the_cleanup_procedure(kb: KnowledgeBase, edition_id: str) -> None:
    """Cause G's steps end with procedure K's steps, in place."""
    edition = kb.edition(edition_id)
    steps = edition.causes["rp_group_locked"].steps
    procedure = edition.procedures["cleanup_restore_points"]
    assert steps[-len(procedure.steps):] == tuple(
        Step(**{**s.__dict__, "procedure": "cleanup_restore_points"}) for s in procedure.steps
    )


def test_disk_limit_texts_follow_the_edition(kb: KnowledgeBase) -> None:
    """The disk-size cause reads 4095 GB in 2019-07 and 32 TB plus 4 TB for encrypted disks in 2019-12."""
    old = kb.edition("2019-07")
    new = kb.edition("2019-12")
    assert "4095 GB (4095 GiB)" in old.fill(old.causes["disk_too_large"].summary, "en")
    summary = new.fill(new.causes["disk_too_large"].summary, "en")
    assert "32 TB (32768 GiB)" in summary and "4 TB (4096 GiB)" in summary
    entry = old.code("UserErrorUnsupportedDiskSize")
    assert entry is not None and "4095GB" in entry.message.en
