"""POST /v1/diagnose and /v1/overlay: the same reports as the command line, in every language, edition and backend."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from serve_helpers import FACTS, JSON, YAML, facts_file
from fastapi.testclient import TestClient

KB_ENGINE = str(Path(sys.executable).parent / "kb-engine")
EXAMPLES = sorted(p.name for p in FACTS.glob("*.yaml"))


def cli_report(name: str, *args: str) -> str:
    done = subprocess.run([KB_ENGINE, "diagnose", str(FACTS / name), *args], capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("edition", [None, "2019-07", "2019-12", "2025-11"])
def test_the_report_is_the_command_lines_byte_for_byte(client: TestClient, edition: str | None, lang: str) -> None:
    """A facts file posted as it is gives the report `kb-engine diagnose --format json --explain` prints for it
    (the service indents it; the command line writes one report per line). Naming no edition is the command
    line without --edition: the newest, and the report says it was the default, not asked for."""
    name = "linux-agent-outdated.yaml"
    query = {"lang": lang, **({} if edition is None else {"edition": edition})}
    response = client.post("/v1/diagnose", params=query, content=facts_file(name), headers=YAML)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    printed = cli_report(name, "--format", "json", "--explain", "--lang", lang, *([] if edition is None else ["--edition", edition]))
    assert response.text == json.dumps(json.loads(printed), ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    report = response.json()
    assert (report["edition"], report["lang"]) == (edition or "2025-11", lang)
    default = {"en": "the newest", "ja": "最新の版"}[lang]
    assert (default in report["edition_reason"]) == (edition is None)
    assert [c["ref"] for c in report["observed"]["causes"] if c["status"] == "confirmed"] == ["B"]


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("edition", ["2019-07", "2019-12", "2025-11"])
def test_both_backends_give_identical_bodies_for_every_example(client: TestClient, name: str, edition: str) -> None:
    """experta and direct answer the same bytes, for every shipped example, in every edition.

    (An example whose error code an edition lacks is refused the same way by both.)
    """
    bodies = {
        backend: client.post(f"/v1/diagnose?edition={edition}&backend={backend}", content=facts_file(name), headers=YAML)
        for backend in ("experta", "direct")
    }
    statuses = {r.status_code for r in bodies.values()}
    assert statuses in ({200}, {422})
    if statuses == {200}:
        assert bodies["experta"].content == bodies["direct"].content
    else:
        assert bodies["experta"].json()["problems"] == bodies["direct"].json()["problems"]
        assert f"not in edition {edition}" in bodies["direct"].json()["problems"][0]["message"]


def test_json_and_yaml_bodies_of_the_same_facts_give_the_same_report(client: TestClient) -> None:
    """A tool may send JSON or YAML; the facts, and so the report, are the same."""
    doc = {"vm": {"os": "linux", "distro": "ubuntu"}, "agent": {"status": "not_ready", "version": "2.2.9", "latest_version": "2.2.10"}}
    as_json = client.post("/v1/diagnose", content=json.dumps(doc), headers=JSON)
    as_yaml = client.post(
        "/v1/diagnose",
        content=b"vm: {os: linux, distro: ubuntu}\nagent: {status: not_ready, version: 2.2.9, latest_version: 2.2.10}\n",
        headers=YAML,
    )
    assert as_json.status_code == as_yaml.status_code == 200
    assert as_json.content == as_yaml.content


def test_an_empty_body_is_a_vm_about_which_nothing_is_known(client: TestClient) -> None:
    """No facts: an incomplete report that lists what it needs to know, never 'clean'."""
    report = client.post("/v1/diagnose").json()
    assert report["verdict"] == "incomplete"
    assert report["unknown"]


@pytest.mark.parametrize(("lang", "heading"), [("en", "Observed error"), ("ja", "発生したエラー")])
def test_text_and_markdown_for_people_in_english_and_japanese(client: TestClient, lang: str, heading: str) -> None:
    """format=text is the terminal report, format=markdown the ticket's; explain adds the derivations."""
    body = facts_file("linux-agent-outdated.yaml")
    text = client.post(f"/v1/diagnose?format=text&lang={lang}", content=body, headers=YAML)
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    assert text.text == cli_report("linux-agent-outdated.yaml", "--lang", lang)
    assert heading in text.text
    markdown = client.post(f"/v1/diagnose?format=markdown&explain=true&lang={lang}", content=body, headers=YAML)
    assert markdown.headers["content-type"] == "text/markdown; charset=utf-8"
    assert markdown.text == cli_report("linux-agent-outdated.yaml", "--lang", lang, "--format", "markdown", "--explain")
    assert "```text" in markdown.text


@pytest.mark.dot
def test_overlay_draws_the_vm_on_its_codes_tree(client: TestClient) -> None:
    """POST /v1/overlay answers an SVG picture that cannot run scripts, or its DOT text."""
    body = facts_file("linux-agent-outdated.yaml")
    svg = client.post("/v1/overlay", content=body, headers=YAML)
    assert svg.status_code == 200
    assert svg.headers["content-type"] == "image/svg+xml"
    assert svg.text.lstrip().startswith("<?xml") and "<svg" in svg.text
    assert "default-src 'none'" in svg.headers["content-security-policy"]
    dot = client.post("/v1/overlay?format=dot&lang=ja", content=body, headers=YAML)
    assert dot.headers["content-type"] == "text/vnd.graphviz; charset=utf-8"
    assert "digraph" in dot.text and "GuestAgentSnapshotTaskStatusError" in dot.text
