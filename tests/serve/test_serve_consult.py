"""POST /v1/consult/{code}: the stateless consultation a chat bot drives, as `kb-engine consult --format json`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from serve_helpers import FACTS, JSON, problem

from kb_engine.facts.documents import get_fact, set_fact

KB_ENGINE = str(Path(sys.executable).parent / "kb-engine")


def test_the_first_question_is_the_command_lines(client: TestClient, tmp_path: Path) -> None:
    """Same facts, same question, same bytes as `kb-engine consult CODE --format json --facts FILE`."""
    facts = tmp_path / "facts.yaml"
    facts.write_text("vm: {os: linux, distro: ubuntu}\n", encoding="utf-8")
    cli = subprocess.run(
        [KB_ENGINE, "consult", "GuestAgentSnapshotTaskStatusError", "--format", "json", "--facts", str(facts)],
        capture_output=True, text=True, timeout=120,
    )
    response = client.post("/v1/consult/GuestAgentSnapshotTaskStatusError", content=facts.read_bytes(), headers={"Content-Type": "application/yaml"})
    assert response.status_code == 200
    assert response.text == cli.stdout
    question = response.json()
    # today's article: the agent's causes wait on the policy (a Linux VM's power state is not asked: no cause of this code reads it)
    assert question["type"] == "question" and question["fact"] == "backup.policy_type" and question["help"]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_bot_answering_from_a_vms_facts_reaches_its_cause(client: TestClient, lang: str) -> None:
    """Answer each question from the VM's real facts (skip what they do not say) until the report confirms cause B."""
    truth = yaml.safe_load((FACTS / "linux-agent-outdated.yaml").read_text(encoding="utf-8"))
    known: dict[str, Any] = {}
    skipped: list[str] = []
    asked: list[str] = []
    for _ in range(20):
        query = "&".join([f"lang={lang}", *(f"skip={fact}" for fact in skipped)])
        step = client.post(f"/v1/consult/GuestAgentSnapshotTaskStatusError?{query}", content=json.dumps(known), headers=JSON).json()
        if step["type"] == "report":
            break
        assert step["fact"] not in asked, "a question is never asked twice"
        asked.append(step["fact"])
        value = get_fact(truth, step["fact"])
        if value is None:
            skipped.append(step["fact"])
        else:
            known = set_fact(known, step["fact"], value)
    assert step["type"] == "report" and step["outcome"] == "confirmed"
    assert step["report"]["lang"] == lang
    assert [c["ref"] for c in step["report"]["observed"]["causes"] if c["status"] == "confirmed"] == ["B"]


def test_an_unknown_code_is_404_with_the_closest_codes(client: TestClient) -> None:
    """A misspelt code in the path: not found, and the problem says what was meant."""
    body = problem(client.post("/v1/consult/GuestAgentSnapshotTaskStatusEror"), 404, "not-found")
    assert body["problems"][0]["path"] == "code"
    assert "did you mean GuestAgentSnapshotTaskStatusError" in body["problems"][0]["message"]


def test_an_unknown_fact_to_skip_is_422_with_the_closest_facts(client: TestClient) -> None:
    """skip=agent.stauts is refused, naming agent.status."""
    body = problem(client.post("/v1/consult/BackUpOperationFailed?skip=agent.stauts"), 422, "invalid-input")
    assert body["problems"][0]["source"] == "skip"
    assert "agent.status" in body["problems"][0]["message"]


def test_facts_naming_another_code_are_422(client: TestClient) -> None:
    """The facts' observed_error must be the code consulted (or one of its spellings)."""
    response = client.post("/v1/consult/BackUpOperationFailed", content=b'{"observed_error": "UserErrorUnsupportedDiskSize"}', headers=JSON)
    body = problem(response, 422, "invalid-input")
    assert body["problems"][0]["path"] == "observed_error"
