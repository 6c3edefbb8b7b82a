"""`lint` finds what is valid but wrong in the knowledge base, one check at a time."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pytest

from kb_engine.errors import KnowledgeBaseError
from kb_engine.knowledge import confirmable as confirmable_module
from kb_engine.knowledge.lint import CHECKS, LintFinding, lint, lint_kb
from kb_engine.knowledge.load import load_kb

Edit = Callable[[str, str, str], Path]

# Findings only 2019-12's causes use: without `since: 2019-12`, 2019-07 carries them unused.
_LATER_FINDINGS = ("extensions_disabled_in_conf", "other_extension_failed", "vm_provisioning_failed", "encrypted_disk_over_limit")


@functools.cache
def _shipped() -> frozenset[tuple[str, str | None, str]]:
    return frozenset((f.check, f.edition, f.where) for f in lint())


def _new(path: Path) -> set[tuple[str, str | None, str]]:
    """What lint finds in the copy and not in the shipped knowledge base: (check, edition, where)."""
    return {(f.check, f.edition, f.where) for f in lint(path)} - _shipped()


def test_the_shipped_knowledge_base_lints_clean() -> None:
    """`lint` finds nothing in the knowledge base kb_engine ships."""
    assert [str(f) for f in lint()] == []


def test_a_knowledge_base_that_does_not_load_is_reported_as_load_findings(edit: Edit) -> None:
    """Invalid YAML gives one `load` finding naming the file and the line, and no crash."""
    path = edit("codes.yaml", "    causes: [backup_in_progress]", "    causes: [backup_in_progress")
    (finding,) = lint(path)
    assert finding.check == "load"
    assert finding.edition is None
    assert finding.where.startswith("codes.yaml: line ")
    assert "not valid YAML" in finding.message


def test_every_load_problem_is_a_finding(edit: Edit) -> None:
    """A duplicate id and an unknown cause id each give their own `load` finding."""
    edit("findings.yaml", "  - id: os_linux\n", "  - id: os_windows\n")
    path = edit("codes.yaml", "causes: [keyvault_permissions]", "causes: [keyvault_permission]")
    findings = lint(path)
    assert {(f.check, f.where) for f in findings} == {("load", "findings.yaml: findings[1].id")}
    # the loader stops at duplicates before it resolves causes; fixing the first shows the next
    edit("findings.yaml", "  - id: os_windows\n    question: {en: \"Does the VM run Linux?\"", "  - id: os_linux\n    question: {en: \"Does the VM run Linux?\"")
    assert {(f.check, f.where) for f in lint(path)} == {("load", "codes.yaml: codes[4].causes[0]")}


def test_unknown_fact_is_its_own_check(edit: Edit) -> None:
    """A condition on vm.operating_system gives `unknown-fact` at the condition's file and path, not `load`."""
    path = edit("findings.yaml", "when: {fact: vm.os, eq: windows}", "when: {fact: vm.operating_system, eq: windows}")
    (finding,) = lint(path)
    assert (finding.check, finding.edition, finding.where) == ("unknown-fact", "2019-07", "findings.yaml: findings[0].when.fact")
    assert "vm.operating_system" in finding.message


def test_unknown_fact_is_reported_even_when_the_loader_stops_earlier(edit: Edit) -> None:
    """With a missing translation the loader stops before conditions; lint still reports the unknown fact."""
    edit("findings.yaml", "when: {fact: vm.os, eq: windows}", "when: {fact: vm.operating_system, eq: windows}")
    path = edit(
        "causes.yaml",
        '{en: "Schedule one backup a day.", ja: "バックアップは 1 日 1 回にします。"}',
        '{en: "Schedule one backup a day."}',
    )
    assert {(f.check, f.where) for f in lint(path)} == {
        ("load", "causes.yaml: causes[11].steps[0].text.ja"),
        ("unknown-fact", "findings.yaml: findings[0].when.fact"),
    }


def test_unknown_fact_in_a_later_edition_names_that_edition(edit: Edit) -> None:
    """An unknown fact inside `changes: {2019-12: ...}` is reported for 2019-12, with the path into the change."""
    path = edit("causes.yaml", "            when: {not: {fact: vm.encrypted, eq: false}}", "            when: {not: {fact: vm.encrypted_disks, eq: false}}")
    (finding,) = lint(path)
    assert finding.check == "unknown-fact"
    assert finding.edition == "2019-12"
    assert finding.where == "causes.yaml: causes[14].changes.2019-12.steps[1].when.not.fact"


def test_unknown_item_field_is_an_unknown_fact(edit: Edit) -> None:
    """A test on a field list items do not have (size_gb) is an unknown fact too."""
    path = edit("findings.yaml", "any_item: {field: size_gib, gt: {limit: disk_max_gib}}", "any_item: {field: size_gb, gt: {limit: disk_max_gib}}")
    (finding,) = lint(path)
    assert finding.check == "unknown-fact"
    assert "size_gb" in finding.message


def test_placeholder_without_param(edit: Edit) -> None:
    """A text using {disk_limt} gives `missing-param` in both languages it is written in."""
    path = edit(
        "causes.yaml",
        '{en: "Keep every disk at {disk_limit} or less.", ja: "すべてのディスクを {disk_limit} 以下にします。"}',
        '{en: "Keep every disk at {disk_limt} or less.", ja: "すべてのディスクを {disk_limt} 以下にします。"}',
    )
    findings = lint(path)
    assert {(f.check, f.edition, f.where) for f in findings} == {
        ("missing-param", "2019-07", "causes.yaml: causes[14].steps[0].text.en"),
        ("missing-param", "2019-07", "causes.yaml: causes[14].steps[0].text.ja"),
    }
    assert all("{disk_limt}" in f.message for f in findings)


def test_placeholder_for_a_limit_the_edition_lacks(edit: Edit) -> None:
    """{encrypted_disk_limit} in a 2019-07 text gives `missing-param`: that edition has no encrypted-disk limit."""
    path = edit(
        "causes.yaml",
        '      en: "Backing up a disk larger than {disk_limit} fails; support for larger disks is announced as coming soon."',
        '      en: "Backing up a disk larger than {disk_limit} or {encrypted_disk_limit} fails."',
    )
    assert _new(path) == {("missing-param", "2019-07", "cause disk_too_large summary (en)")}


def test_cause_no_code_leads_to(edit: Edit) -> None:
    """Taking H out of UserErrorRpCollectionLimitReached makes it unreachable in every edition."""
    path = edit("codes.yaml", "causes: [rp_group_locked, several_backups_a_day]", "causes: [rp_group_locked]")
    assert _new(path) == {
        ("unreachable-cause", "2019-07", "cause several_backups_a_day"),
        ("unreachable-cause", "2019-12", "cause several_backups_a_day"),
        ("unreachable-cause", "2025-11", "cause several_backups_a_day"),
    }


def test_sub_causes_and_referenced_causes_count_as_reached(kb_copy: Path) -> None:
    """E1 and E2 are reached through E, though no code lists them."""
    edition = load_kb(kb_copy).edition("2019-12")
    listed = {c for entry in edition.codes for c in entry.causes}
    assert {"shutdown_over_rdp", "no_dhcp"}.isdisjoint(listed)
    assert not [f for f in lint_kb(load_kb(kb_copy)) if f.check == "unreachable-cause"]


def test_code_without_causes(edit: Edit) -> None:
    """An error code with `causes: []` gives `code-without-causes` (and its cause becomes unreachable)."""
    path = edit("codes.yaml", "causes: [backup_in_progress]", "causes: []")
    assert _new(path) == {
        ("code-without-causes", "2019-07", "code UserErrorBackupOperationInProgress"),
        ("code-without-causes", "2019-12", "code UserErrorBackupOperationInProgress"),
        ("code-without-causes", "2025-11", "code UserErrorBackupOperationInProgress"),
        ("unreachable-cause", "2019-07", "cause backup_in_progress"),
        ("unreachable-cause", "2019-12", "cause backup_in_progress"),
        ("unreachable-cause", "2025-11", "cause backup_in_progress"),
    }


_CONTRADICTION = (
    "causes.yaml",
    "    when: {finding: several_backups_a_day}\n",
    "    when: {all: [{finding: several_backups_a_day}, {fact: backup.backups_per_day, lt: 1}]}\n",
)


def test_cause_no_facts_can_confirm(edit: Edit) -> None:
    """H confirmed only by more than one backup a day and fewer than one at once gives `unconfirmable-cause`."""
    path = edit(*_CONTRADICTION)
    assert _new(path) == {
        ("unconfirmable-cause", "2019-07", "cause several_backups_a_day"),
        ("unconfirmable-cause", "2019-12", "cause several_backups_a_day"),
        ("unconfirmable-cause", "2025-11", "cause several_backups_a_day"),
    }


def test_cause_that_does_not_apply_when_it_holds(edit: Edit) -> None:
    """A Windows-only cause confirmed only on Linux VMs can never be confirmed."""
    path = edit(
        "causes.yaml",
        "    applies: {finding: os_windows}\n    when:\n      any:\n        - {finding: agent_not_installed}\n"
        "        - {finding: agent_not_ready}\n        - {finding: agent_service_stopped}\n        - {finding: dotnet_too_old}\n",
        "    applies: {finding: os_windows}\n    when: {all: [{finding: os_linux}, {finding: agent_not_ready}]}\n",
    )
    assert _new(path) == {
        ("unconfirmable-cause", "2019-07", "cause agent_unresponsive_windows"),
        ("unconfirmable-cause", "2019-12", "cause agent_unresponsive_windows"),
        ("unconfirmable-cause", "2025-11", "cause agent_unresponsive_windows"),
        ("unused-finding", "2019-07", "finding dotnet_too_old"),
        ("unused-finding", "2019-12", "finding dotnet_too_old"),
        ("unused-finding", "2025-11", "finding dotnet_too_old"),
    }


def test_symbolic_check_takes_over_past_the_search_limit(edit: Edit, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the search capped at one combination, the contradiction is still found and no sound cause is flagged."""
    monkeypatch.setattr(confirmable_module, "SEARCH_LIMIT", 1)
    assert not [f for f in lint() if f.check == "unconfirmable-cause"]
    path = edit(*_CONTRADICTION)
    assert [(f.edition, f.where) for f in lint(path) if f.check == "unconfirmable-cause"] == [
        ("2019-07", "cause several_backups_a_day"),
        ("2019-12", "cause several_backups_a_day"),
        ("2025-11", "cause several_backups_a_day"),
    ]


def test_every_shipped_cause_can_be_confirmed(kb_copy: Path) -> None:
    """Each cause of each edition has some combination of facts that confirms it."""
    assert not [f for f in lint_kb(load_kb(kb_copy)) if f.check == "unconfirmable-cause"]


def test_finding_no_cause_uses(edit: Edit) -> None:
    """A finding that no cause or step refers to gives `unused-finding` in every edition."""
    path = edit(
        "findings.yaml",
        "  - id: old_vault_job_running\n",
        '  - id: vm_stopped\n    question: {en: "Is the VM stopped?", ja: "VM は停止していますか?"}\n'
        '    text: {en: "The VM is stopped", ja: "VM が停止している"}\n'
        "    when: {fact: vm.power_state, eq: stopped}\n"
        "  - id: old_vault_job_running\n",
    )
    assert _new(path) == {("unused-finding", e, "finding vm_stopped") for e in ("2019-07", "2019-12", "2025-11")}


def test_findings_of_2019_12_causes_marked_since_2019_12_leave_nothing_unused(kb_copy: Path) -> None:
    """With `since: 2019-12` on the findings only 2019-12's causes use, the knowledge base lints clean."""
    path = kb_copy / "findings.yaml"
    text = path.read_text(encoding="utf-8")
    for fid in _LATER_FINDINGS:
        head = f"  - id: {fid}\n"
        assert text.count(head) == 1
        if f'{head}    since: "2019-12"\n' not in text:
            text = text.replace(head, f'{head}    since: "2019-12"\n')
    path.write_text(text, encoding="utf-8")
    assert [str(f) for f in lint(kb_copy)] == []


def test_step_left_in_english_in_japanese(edit: Edit) -> None:
    """A step whose ja text is the English sentence gives `missing-translation`."""
    path = edit(
        "causes.yaml",
        '{en: "Schedule one backup a day.", ja: "バックアップは 1 日 1 回にします。"}',
        '{en: "Schedule one backup a day.", ja: "Schedule one backup a day."}',
    )
    found = [f for f in lint(path) if f.check == "missing-translation"]
    assert {(f.edition, f.where) for f in found} == {
        ("2019-07", "cause several_backups_a_day step 1"),
        ("2019-12", "cause several_backups_a_day step 1"),
    }
    assert "looks untranslated" in found[0].message


def test_blank_text_in_one_language(edit: Edit) -> None:
    """A step whose en text is only spaces gives `missing-translation` naming the blank language."""
    path = edit(
        "causes.yaml",
        '{en: "Schedule one backup a day.", ja: "バックアップは 1 日 1 回にします。"}',
        '{en: "   ", ja: "バックアップは 1 日 1 回にします。"}',
    )
    found = [f for f in lint(path) if f.check == "missing-translation"]
    assert [(f.edition, f.where, f.message) for f in found] == [
        ("2019-07", "cause several_backups_a_day step 1", "the en text is blank"),
        ("2019-12", "cause several_backups_a_day step 1", "the en text is blank"),
    ]


def test_alias_equal_to_another_codes_name(edit: Edit) -> None:
    """An alias spelling another entry's code (in another case) gives `alias-collision`."""
    path = edit(
        "codes.yaml",
        "  - names: [UserErrorBackupOperationInProgress]\n",
        "  - names: [UserErrorBackupOperationInProgress]\n    aliases: [usererrorrpcollectionlimitreached]\n",
    )
    found = [f for f in lint(path) if f.check == "alias-collision"]
    assert {(f.edition, f.where) for f in found} == {
        ("2019-07", "code UserErrorBackupOperationInProgress alias usererrorrpcollectionlimitreached"),
        ("2019-12", "code UserErrorBackupOperationInProgress alias usererrorrpcollectionlimitreached"),
        ("2025-11", "code UserErrorBackupOperationInProgress alias usererrorrpcollectionlimitreached"),
    }
    assert found[0].message == "the alias is also a code of entry UserErrorRpCollectionLimitReached"


def test_alias_equal_to_its_own_name(edit: Edit) -> None:
    """An alias that only changes the case of the entry's own code gives `alias-collision`."""
    path = edit(
        "codes.yaml",
        "  - names: [UserErrorUnsupportedDiskSize]\n",
        "  - names: [UserErrorUnsupportedDiskSize]\n    aliases: [USERERRORUNSUPPORTEDDISKSIZE]\n",
    )
    found = [f for f in lint(path) if f.check == "alias-collision"]
    assert [f.message for f in found] == ["the alias is one of the entry's own codes"] * 3  # one per edition


def test_alias_shared_by_two_entries(edit: Edit) -> None:
    """Two entries claiming the same alias both get `alias-collision`."""
    path = edit(
        "codes.yaml",
        "  - names: [UserErrorBackupOperationInProgress]\n",
        "  - names: [UserErrorBackupOperationInProgress]\n    aliases: [ExtensionOperationFailedForManagedDisks]\n",
    )
    found = {(f.edition, f.where, f.message) for f in lint(path) if f.check == "alias-collision"}
    assert (
        "2019-07",
        "code UserErrorBackupOperationInProgress alias ExtensionOperationFailedForManagedDisks",
        "the alias is also an alias of entry ExtentionOperationFailedForManagedDisks",
    ) in found
    assert (
        "2019-12",
        "code UserErrorBackupOperationInProgress alias ExtensionOperationFailedForManagedDisks",
        "the alias is also a code of entry ExtensionOperationFailedForManagedDisks",
    ) in found


def test_findings_come_in_check_order_and_print_on_one_line() -> None:
    """Findings sort by check, then edition; each prints as `check [edition] where: message`."""
    finding = LintFinding("unused-finding", "2019-07", "finding x", "no cause or step of the edition uses this finding")
    assert str(finding) == "unused-finding [2019-07] finding x: no cause or step of the edition uses this finding"
    assert str(LintFinding("load", None, "codes.yaml: line 3", "bad")) == "load [all editions] codes.yaml: line 3: bad"
    assert CHECKS[0] == "load" and len(set(CHECKS)) == len(CHECKS)


def test_a_question_for_a_misspelt_fact_is_a_questions_finding(edit: Edit) -> None:
    """A typo in questions.yaml is reported with its path and a suggestion, and the fact left without a question too."""
    path = edit("questions.yaml", "  - fact: agent.status\n", "  - fact: agent.statuz\n")
    found = [f for f in lint(path) if f.check == "questions"]
    wheres = {f.where: f.message for f in found}
    assert "did you mean agent.status" in wheres["questions.yaml: questions[1].fact"]
    assert any("no question for fact 'agent.status'" in f.message for f in found)
    assert not [f for f in lint(path) if f.check != "questions"]


def test_a_knowledge_base_without_questions_cannot_be_consulted_and_lint_says_so(kb_copy: Path) -> None:
    """Deleting questions.yaml gives one `questions` finding naming the missing file."""
    (kb_copy / "questions.yaml").unlink()
    assert [(f.check, f.where, f.message) for f in lint(kb_copy)] == [("questions", "questions.yaml", "missing file")]


def test_a_fact_no_rule_reads_and_not_declared_informational_is_reported(edit: Edit) -> None:
    """Without its informational declaration, backup.instant_restore_points (read by no rule) is an `unused-fact` finding."""
    path = edit("editions.yaml", "  backup.instant_restore_points:\n", "  backup_instant_restore_points_gone:\n")
    with pytest.raises(KnowledgeBaseError):
        load_kb(path)  # an informational name that is no fact is refused on load
    path = edit("editions.yaml", "  backup_instant_restore_points_gone:\n", "  backup.job_in_progress:\n")
    findings = lint(path)
    assert [(f.check, f.edition, f.where) for f in findings] == [("unused-fact", None, "fact backup.instant_restore_points")]
    assert "informational" in findings[0].message


def test_every_fact_is_read_by_a_rule_or_documented_as_informational() -> None:
    """The facts model's every fact is read by some rule, or the README's facts table says why it is informational."""
    from kb_engine.knowledge.docs import facts_table
    from kb_engine.knowledge.lint import facts_read
    from kb_engine.knowledge.vocabulary import fact_catalog

    kb = load_kb()
    read = facts_read(kb)
    table = facts_table(kb)
    for name in fact_catalog():
        if name not in read:
            (row,) = [line for line in table.splitlines() if line.startswith(f"| `{name}` |")]
            assert "*Informational: " in row, name
    assert "vm.power_state" in read
