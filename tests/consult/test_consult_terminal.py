"""The interactive consultation, driven through a real pseudo-terminal as a user would type."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pexpect
import pytest
import yaml
from consult_sim import ENV, KB_ENGINE, consult_argv


def spawn(*args: str, env: dict[str, str] | None = None) -> pexpect.spawn:
    argv = consult_argv(*args)
    return pexpect.spawn(argv[0], argv[1:], encoding="utf-8", env=env or ENV, timeout=60, dimensions=(60, 250))


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    status: int = child.exitstatus if child.exitstatus is not None else 128 + (child.signalstatus or 0)
    return status


def test_english_session_invalid_answer_help_unknown_back_then_report(tmp_path: Path) -> None:
    """An invalid answer is explained and asked again; ? shows help; unknown skips; back returns; the report ends it."""
    saved = tmp_path / "vm.yaml"
    child = spawn("ExtensionSnapshotFailedNoNetwork", "--edition", "2019-12", "-o", str(saved))
    child.expect_exact("Consultation for ExtensionSnapshotFailedNoNetwork (edition 2019-12)")
    child.expect_exact("Q1. Was the VM shut down from inside the guest")
    child.expect_exact("answers: yes, no")
    child.expect_exact("> ")
    child.sendline("maybe")
    child.expect_exact('"maybe": not an answer to this question. Answer yes, no (or ?, unknown, back).')
    child.expect_exact("> ")
    child.sendline("?")
    child.expect_exact("help: Azure portal: VM > Activity log")
    child.expect_exact("> ")
    child.sendline("No")
    child.expect_exact("Q2. Is DHCP enabled inside the guest?")
    child.expect_exact("> ")
    child.sendline("unknown")
    child.expect_exact("(skipped: not asked again)")
    child.expect_exact("Q3. ")
    child.expect_exact("> ")
    child.sendline("back")
    child.expect_exact("(back to the previous question)")
    child.expect_exact("Q2. Is DHCP enabled inside the guest?")
    child.expect_exact("> ")
    child.sendline("n")
    child.expect_exact("Diagnosis")
    child.expect_exact("CONFIRMED (E2) The VM cannot get the host/fabric address from DHCP")
    child.expect_exact(f"answers saved to {saved}")
    assert finish(child) == 1
    data = yaml.safe_load(saved.read_text(encoding="utf-8"))
    assert data["observed_error"] == "ExtensionSnapshotFailedNoNetwork"
    assert data["vm"] == {"shutdown_in_guest": False} and data["network"] == {"dhcp_enabled": False}


def test_japanese_session_invalid_answer_help_unknown_back_then_report() -> None:
    """日本語: 不正な回答は説明して再質問、? で確認方法、unknown でスキップ、back で戻り、最後に結果を表示する。"""
    child = spawn("ExtensionSnapshotFailedNoNetwork", "--edition", "2019-12", "--lang", "ja")
    child.expect_exact("ExtensionSnapshotFailedNoNetwork の診断 (版 2019-12)")
    child.expect_exact("質問 1. VM はポータルからではなく、ゲスト内")
    child.expect_exact("回答: yes, no")
    child.expect_exact("> ")
    child.sendline("たぶん")
    child.expect_exact('"たぶん": この質問の回答として使えません。')
    child.expect_exact("> ")
    child.sendline("？")
    child.expect_exact("確認方法: Azure portal の VM > [アクティビティ ログ]")
    child.expect_exact("> ")
    child.sendline("いいえ")
    child.expect_exact("質問 2. ゲスト内で DHCP は有効ですか?")
    child.expect_exact("> ")
    child.sendline("不明")
    child.expect_exact("(スキップしました")
    child.expect_exact("質問 3. ")
    child.expect_exact("> ")
    child.sendline("戻る")
    child.expect_exact("(前の質問に戻ります)")
    child.expect_exact("質問 2. ゲスト内で DHCP は有効ですか?")
    child.expect_exact("> ")
    child.sendline("いいえ")
    child.expect_exact("診断結果")
    child.expect_exact("確定 (E2)")
    assert finish(child) == 1


def test_contradicting_answer_is_refused_and_asked_again(tmp_path: Path) -> None:
    """An answer that contradicts the given facts is explained, and the same question asked again."""
    facts = tmp_path / "given.yaml"
    facts.write_text("vm: {os: windows, encrypted: false}\n", encoding="utf-8")
    child = spawn("UserErrorUnsupportedDiskSize", "--facts", str(facts))
    child.expect_exact("Q1. How large is each disk of the VM, in GiB")
    child.expect_exact("answers that make a difference: 32768, 32769")
    child.expect_exact("> ")
    child.sendline("128, 5000e")
    child.expect_exact("that contradicts what is already known: vm.encrypted is false but a disk is encrypted")
    child.expect_exact("> ")
    child.sendline("128, 40000")
    child.expect_exact("CONFIRMED A disk is larger than Azure Backup supports")
    assert finish(child) == 1


def test_end_of_input_prints_the_report_so_far_and_saves(tmp_path: Path) -> None:
    """Ctrl-D ends cleanly: the report so far, the answers saved, exit 5 (incomplete) with nothing confirmed; no traceback."""
    saved = tmp_path / "partial.yaml"
    child = spawn("BackUpOperationFailed", "--edition", "2019-12", "-o", str(saved))
    child.expect_exact("Q1. Which operating system does the VM run")
    child.expect_exact("> ")
    child.sendline("linux")
    child.expect_exact("Q2. ")
    child.expect_exact("> ")
    child.sendeof()
    child.expect_exact("(end of input: the report so far)")
    child.expect_exact("incomplete: nothing confirmed")
    status = finish(child)
    assert "Traceback" not in (child.before or "")
    assert status == 5
    assert yaml.safe_load(saved.read_text(encoding="utf-8")) == {"observed_error": "BackUpOperationFailed", "vm": {"os": "linux"}}


def test_ctrl_c_exits_130_with_a_short_message_and_saves_nothing(tmp_path: Path) -> None:
    """Ctrl-C quits at once: a one-line message, exit 130, no traceback, no file written."""
    saved = tmp_path / "never.yaml"
    child = spawn("BackUpOperationFailed", "--edition", "2019-12", "-o", str(saved))
    child.expect_exact("Q1. ")
    child.expect_exact("> ")
    child.sendintr()
    child.expect_exact("kb-engine: consultation interrupted; nothing saved")
    status = finish(child)
    assert "Traceback" not in (child.before or "")
    assert status == 130
    assert not saved.exists()


def test_saved_answers_give_diagnose_the_same_confirmed_cause(tmp_path: Path) -> None:
    """The facts file -o writes is one `kb-engine diagnose` reads, and it confirms the same cause."""
    saved = tmp_path / "vm.yaml"
    child = spawn("UserErrorRpCollectionLimitReached", "-o", str(saved))
    child.expect_exact("Q1. Is there a lock on the restore-point resource group AzureBackupRG_<Geo>_<number>")
    child.expect_exact("> ")
    child.sendline("yes")
    child.expect_exact("CONFIRMED (G) A lock on the restore-point resource group")
    assert finish(child) == 1
    result = subprocess.run(
        [KB_ENGINE, "diagnose", str(saved), "--format", "json"], capture_output=True, text=True, timeout=120, env=ENV
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["observed"]["code"] == "UserErrorRpCollectionLimitReached"
    assert [c["id"] for c in report["observed"]["causes"] if c["status"] == "confirmed"] == ["rp_group_locked"]


def test_colour_only_on_a_terminal_without_no_color() -> None:
    """On a terminal the question is bold unless NO_COLOR is set; the text is the same either way."""
    env = {k: v for k, v in ENV.items() if k != "NO_COLOR"}
    child = spawn("UserErrorBackupOperationInProgress", env=env)
    child.expect_exact("> ")
    assert "\x1b[1m" in (child.before or "")
    child.sendintr()
    assert finish(child) == 130
    child = spawn("UserErrorBackupOperationInProgress")
    child.expect_exact("> ")
    assert "\x1b[" not in (child.before or "")
    child.sendintr()
    assert finish(child) == 130


@pytest.mark.parametrize("args", [["NoSuchCode"], ["BackUpOperationFailed", "--edition", "2030-01"]])
def test_bad_code_or_edition_exits_2_before_asking(args: list[str]) -> None:
    """An unknown code or edition is refused with exit 2 before any question."""
    result = subprocess.run(consult_argv(*args), capture_output=True, text=True, timeout=120, env=ENV, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert result.stdout == "" and "kb-engine: error:" in result.stderr


def test_help_shows_examples_and_exit_codes() -> None:
    """--help explains the command with examples and its exit codes."""
    result = subprocess.run(consult_argv("--help"), capture_output=True, text=True, timeout=120, env=ENV)
    assert result.returncode == 0
    assert "Examples:" in result.stdout and "kb-engine consult UserErrorGuestAgentStatusUnavailable" in result.stdout
    assert "130" in result.stdout and "--skip FACT" in result.stdout
