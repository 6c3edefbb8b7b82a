"""GET /v1/kb/... and /v1/diagrams/...: the knowledge base and its diagrams, as the command line and diagrams/ have them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from serve_helpers import REPO, problem

KB_ENGINE = str(Path(sys.executable).parent / "kb-engine")


def cli(*args: str) -> str:
    done = subprocess.run([KB_ENGINE, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_editions_lists_both_with_the_newest_as_default(client: TestClient) -> None:
    """Every edition, oldest first, with what each holds; the default is the newest (today's article)."""
    data = client.get("/v1/kb/editions?lang=ja").json()
    assert [e["id"] for e in data["editions"]] == ["2019-07", "2019-12", "2025-11"]
    assert data["default"] == "2025-11"
    assert all(e["codes"] > 0 and e["causes"] > 0 and e["title"] for e in data["editions"])


@pytest.mark.parametrize(("edition", "lang"), [("2019-07", "en"), ("2019-12", "ja")])
def test_codes_is_kb_list_json(client: TestClient, edition: str, lang: str) -> None:
    """GET /v1/kb/codes answers what `kb-engine kb list --format json` prints."""
    response = client.get(f"/v1/kb/codes?edition={edition}&lang={lang}")
    assert response.text == cli("kb", "list", "--format", "json", "--edition", edition, "--lang", lang)


@pytest.mark.parametrize(
    ("path", "args"),
    [
        ("/v1/kb/codes/ExtentionOperationFailedForManagedDisks?lang=ja", ["ExtentionOperationFailedForManagedDisks", "--lang", "ja"]),
        ("/v1/kb/causes/B", ["B"]),
        ("/v1/kb/causes/e1?edition=2019-07", ["E1", "--edition", "2019-07"]),
        ("/v1/kb/causes/K", ["K"]),
        ("/v1/kb/causes/rp_group_locked", ["rp_group_locked"]),
    ],
)
def test_one_code_or_cause_is_kb_show_json(client: TestClient, path: str, args: list[str]) -> None:
    """A code by name or alias, a cause by id or letter (any case), K the procedure: as `kb-engine kb show`."""
    response = client.get(path)
    assert response.status_code == 200
    assert response.text == cli("kb", "show", *args, "--format", "json")


def test_a_cause_in_another_edition_only_is_404_saying_where_it_is(client: TestClient) -> None:
    """Cause D exists in 2019-12 only: asking 2019-07 for it says so."""
    body = problem(client.get("/v1/kb/causes/D?edition=2019-07"), 404, "not-found")
    assert "2019-12" in body["problems"][0]["message"]


def test_a_misspelt_code_is_404_with_did_you_mean(client: TestClient) -> None:
    """The closest code is suggested, in the same problem list the command line prints."""
    body = problem(client.get("/v1/kb/codes/UserErrorRpCollectionLimitReachd"), 404, "not-found")
    assert "did you mean UserErrorRpCollectionLimitReached" in body["problems"][0]["message"]


def test_a_finding_is_not_a_cause(client: TestClient) -> None:
    """/v1/kb/causes/ looks among causes and procedures only."""
    problem(client.get("/v1/kb/causes/agent_not_ready"), 404, "not-found")


@pytest.mark.parametrize("fmt", ["mmd", "dot", "txt"])
@pytest.mark.parametrize(("edition", "lang"), [("2019-07", "ja"), ("2019-12", "en")])
def test_tree_text_formats_are_the_committed_diagrams(client: TestClient, edition: str, lang: str, fmt: str) -> None:
    """The Mermaid, DOT and outline of a tree are the files in diagrams/, byte for byte."""
    response = client.get(f"/v1/diagrams/{edition}/{lang}/UserErrorRpCollectionLimitReached.{fmt}")
    assert response.status_code == 200
    committed = REPO / "diagrams" / edition / lang / f"tree-UserErrorRpCollectionLimitReached.{fmt}"
    assert response.content == committed.read_bytes()


@pytest.mark.dot
def test_tree_svg_is_drawn_by_graphviz_and_cached(client: TestClient) -> None:
    """An SVG of a tree, by an alias too; the second answer is the same picture."""
    first = client.get("/v1/diagrams/2019-12/ja/ExtentionOperationFailedForManagedDisks.svg")
    assert first.status_code == 200 and first.headers["content-type"] == "image/svg+xml"
    assert "<svg" in first.text and "default-src 'none'" in first.headers["content-security-policy"]
    assert client.get("/v1/diagrams/2019-12/ja/ExtensionOperationFailedForManagedDisks.svg").content == first.content


@pytest.mark.parametrize(
    ("path", "what"),
    [
        ("/v1/diagrams/2020-01/en/BackUpOperationFailed.svg", "edition"),
        ("/v1/diagrams/2019-12/fr/BackUpOperationFailed.svg", "lang"),
        ("/v1/diagrams/2019-12/en/BackUpOperationFailed.png", "fmt"),
        ("/v1/diagrams/2019-12/en/BackUpOperationFaild.svg", "code"),
    ],
)
def test_an_unknown_part_of_a_diagrams_path_is_404_naming_it(client: TestClient, path: str, what: str) -> None:
    """Each part of the path is checked; the problem names it and what is allowed or meant."""
    body = problem(client.get(path), 404, "not-found")
    assert body["problems"][0]["path"] == what
