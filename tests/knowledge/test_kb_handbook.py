"""The Markdown handbooks: complete, deterministic, and the committed ones up to date."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb_engine.knowledge.handbook import LANGS, handbook, handbook_name, handbooks
from kb_engine.knowledge.model import KnowledgeBase

COMMITTED = Path(__file__).resolve().parents[2] / "diagrams" / "handbook"
NAMES = [f"handbook-{e}-{lang}.md" for e in ("2019-07", "2019-12", "2025-11") for lang in ("en", "ja")]


@pytest.mark.parametrize("name", NAMES)
def test_committed_handbook_is_up_to_date(kb: KnowledgeBase, name: str) -> None:
    """diagrams/handbook/<name> is what the knowledge base generates now (else: kb-engine kb handbook -o diagrams/handbook)."""
    path = COMMITTED / name
    assert path.is_file(), f"{path} is missing: run kb-engine kb handbook -o diagrams/handbook"
    assert path.read_text(encoding="utf-8") == handbooks(kb)[name], (
        f"{path} is stale: run kb-engine kb handbook -o diagrams/handbook"
    )


def test_one_handbook_per_edition_and_language(kb: KnowledgeBase) -> None:
    """The handbooks are named handbook-<edition>-<lang>.md, editions oldest first, English then Japanese."""
    assert list(handbooks(kb)) == NAMES
    assert LANGS == ("en", "ja")
    assert handbook_name("2019-12", "ja") == "handbook-2019-12-ja.md"


def test_handbook_is_the_same_text_every_time(kb: KnowledgeBase) -> None:
    """Generating a handbook twice gives the same text."""
    edition = kb.edition("2019-12")
    assert handbook(edition, "ja") == handbook(edition, "ja")


@pytest.mark.parametrize("edition_id", ["2019-07", "2019-12"])
def test_handbook_has_every_code_cause_and_procedure(kb: KnowledgeBase, edition_id: str) -> None:
    """Each code, cause (by letter and id) and procedure of the edition has its own section, in order."""
    edition = kb.edition(edition_id)
    for lang in LANGS:
        text = handbook(edition, lang)
        headings = re.findall(r"^### (.+)$", text, re.MULTILINE)
        expected = [e.id for e in edition.codes]
        expected += [f"{c.ref}. " * bool(c.ref) + edition.fill(c.title, lang) for c in edition.causes.values()]
        expected += [f"{p.ref}. " + edition.fill(p.title, lang) for p in edition.procedures.values()]
        assert headings == expected
        for cid in edition.causes:
            assert f"- {'ID' if lang == 'ja' else 'Id'}: `{cid}`" in text


def test_handbook_title_names_the_edition(kb: KnowledgeBase) -> None:
    """The first line names the edition, in the handbook's language."""
    assert handbook(kb.edition("2019-07"), "en").splitlines()[0] == "# Azure VM backup troubleshooting handbook: edition 2019-07"
    assert handbook(kb.edition("2019-12"), "ja").splitlines()[0] == "# Azure VM バックアップ トラブルシューティング ハンドブック: 2019-12 版"


def test_handbook_limits_table(kb: KnowledgeBase) -> None:
    """The limits table gives 4095 GB with no encrypted-disk limit in 2019-07, 32 TB and 4 TB in 2019-12."""
    old = handbook(kb.edition("2019-07"), "en")
    new = handbook(kb.edition("2019-12"), "en")
    assert "| largest disk Azure Backup supports | 4095 GB (4095 GiB) |" in old
    assert "| largest encrypted (ADE) disk Azure Backup supports | none in this edition |" in old
    assert "| largest disk Azure Backup supports | 32 TB (32768 GiB) |" in new
    assert "| largest encrypted (ADE) disk Azure Backup supports | 4 TB (4096 GiB) |" in new
    assert "| instant restore points attached to a VM at any time | 18 |" in new
    assert "| .NET Framework the Windows agent needs | 4.5 |" in new


def test_code_section_numbers_causes_with_letters_and_sub_causes(kb: KnowledgeBase) -> None:
    """A code lists its causes numbered, with their letters, and E's sub-causes under it."""
    text = handbook(kb.edition("2019-07"), "en")
    section = text[text.index("### UserErrorGuestAgentStatusUnavailable"):text.index("### GuestAgentSnapshotTaskStatusError")]
    assert "1. **A** The VM agent is missing, stopped or unresponsive (Windows) (`agent_unresponsive_windows`)" in section
    assert "3. **E** " in section
    assert "   - **E1** " in section and "   - **E2** " in section
    assert "5. **C** " in section


def test_cause_steps_are_numbered_with_commands_and_labelled_variants(kb: KnowledgeBase) -> None:
    """Cause B's steps show `ps -e` as a command and the start command per distribution, labelled."""
    text = handbook(kb.edition("2019-12"), "en")
    section = text[text.index("### B. "):text.index("### C. ")]
    assert "2. Check that the agent is running.\n   - Command: `ps -e`" in section
    assert "   - Ubuntu: `service walinuxagent start`\n   - other distributions: `service waagent start`" in section
    assert "- `/var/log/waagent.log`" in section
    assert "**Confirmed when** (any of these holds):\n\n- The agent is older than the latest version" in section
    assert "**Applies when:**\n\n- The VM runs Linux" in section


def test_japanese_variant_labels_and_headings(kb: KnowledgeBase) -> None:
    """The Japanese handbook labels the fallback variant in Japanese and keeps the commands as they are."""
    text = handbook(kb.edition("2019-12"), "ja")
    assert "   - その他のディストリビューション: `service waagent start`" in text
    assert "## 原因" in text and "## 共通手順" in text


def test_lock_cause_points_to_the_cleanup_procedure(kb: KnowledgeBase) -> None:
    """Cause G's last step sends the reader to procedure K, whose steps are listed once under Procedures."""
    text = handbook(kb.edition("2019-12"), "en")
    assert "5. Follow procedure K “Clean up the restore point collection” (see Procedures)." in text
    assert text.count("trigger an on-demand backup") == 1


def test_escalation_closes_the_handbook_with_the_logs(kb: KnowledgeBase) -> None:
    """The last section is the escalation text, followed by every log the causes ask for."""
    edition = kb.edition("2019-12")
    text = handbook(edition, "en")
    tail = text[text.rindex("\n## "):]
    assert tail.startswith(f"\n## {edition.escalation_title.en}")
    assert edition.escalation_text.en in tail
    assert tail.endswith("- `/var/lib/waagent/*.xml`\n- `/var/log/waagent.log`\n- `/var/log/azure/*`\n")


def test_placeholders_are_filled(kb: KnowledgeBase) -> None:
    """No {placeholder} is left in a handbook; the restore-point group reads AzureBackupRG_<Geo>_<number>."""
    for name, text in handbooks(kb).items():
        assert not re.search(r"\{[a-z_]+\}", text), name
    assert "open the resource group AzureBackupRG_<Geo>_<number>." in handbook(kb.edition("2019-12"), "en")
