"""The headline, the verdict and the exit code say the same thing, for diagnose and consult alike: silence never exits like health."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

KB_ENGINE = str(Path(sys.executable).parent / "kb-engine")
FACTS = Path(__file__).resolve().parents[2] / "facts"
ENV = {**os.environ, "NO_COLOR": "1"}

# verdict -> (exit code, the headline's words), as the README's exit-code table documents them.
MEANING = {
    "problems": (1, "problems found"),
    "unexplained": (1, "unexplained: every cause of the observed error is ruled out"),
    "incomplete": (5, "incomplete: nothing confirmed"),
    "clean": (0, "no problem found"),
}


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([KB_ENGINE, *args], input=stdin, capture_output=True, text=True, env=ENV, timeout=120)


@pytest.mark.parametrize(
    ("args", "stdin", "verdict"),
    [
        (["-"], "{}", "incomplete"),
        (["-"], '{"observed_error": "UserErrorRpCollectionLimitReached"}', "incomplete"),
        ([str(FACTS / "mostly-unknown.yaml")], "", "incomplete"),
        ([str(FACTS / "all-causes-ruled-out.yaml")], "", "unexplained"),
        ([str(FACTS / "all-causes-ruled-out.yaml"), "--edition", "2019-07"], "", "unexplained"),
        ([str(FACTS / "healthy-linux-vm.yaml")], "", "clean"),
        ([str(FACTS / "linux-agent-outdated.yaml")], "", "problems"),
    ],
    ids=["empty", "only-observed-code", "mostly-unknown", "all-ruled-out", "all-ruled-out-2019-07", "healthy", "problems"],
)
def test_diagnose_headline_verdict_and_exit_code_agree(args: list[str], stdin: str, verdict: str) -> None:
    """Each case's text headline, JSON verdict and exit code are the documented trio for that verdict."""
    code, words = MEANING[verdict]
    text = run("diagnose", *args, stdin=stdin)
    assert text.returncode == code, text.stderr
    assert words in text.stdout.splitlines()[1]
    as_json = run("diagnose", *args, "--format", "json", stdin=stdin)
    assert as_json.returncode == code
    assert json.loads(as_json.stdout)["verdict"] == verdict


def test_a_consultation_ended_early_is_incomplete_and_exits_5() -> None:
    """Ctrl-D before any answer: the report so far is headed incomplete, and the exit code says so."""
    result = run("consult", "UserErrorGuestAgentStatusUnavailable", stdin="")
    assert result.returncode == 5, result.stderr
    assert MEANING["incomplete"][1] in result.stdout


def test_a_consultation_that_rules_out_every_cause_is_unexplained_and_exits_1(tmp_path: Path) -> None:
    """Every cause of the code ruled out: headed unexplained (collect logs and escalate), not incomplete, exit 1."""
    facts = tmp_path / "vm.yaml"
    facts.write_text(
        "backup: {backups_per_day: 1, restore_point_group: {locked: false}}\n", encoding="utf-8"
    )
    result = run("consult", "UserErrorRpCollectionLimitReached", "--facts", str(facts), stdin="")
    assert result.returncode == 1, result.stdout + result.stderr
    assert MEANING["unexplained"][1] in result.stdout
    as_json = run("consult", "UserErrorRpCollectionLimitReached", "--facts", str(facts), "--format", "json")
    assert as_json.returncode == 1
    step = json.loads(as_json.stdout)
    assert step["type"] == "report" and step["report"]["verdict"] == "unexplained"
