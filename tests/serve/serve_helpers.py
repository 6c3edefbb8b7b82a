"""Helpers of the service's tests: applications with chosen settings, example facts, problem details."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from kb_engine.serve import ServeSettings, create_app

REPO = Path(__file__).resolve().parents[2]
FACTS = REPO / "facts"
YAML = {"Content-Type": "application/yaml"}
JSON = {"Content-Type": "application/json"}


@contextmanager
def serving(**settings: Any) -> Iterator[TestClient]:
    """A started application with these settings, through the framework's test client."""
    with TestClient(create_app(ServeSettings(**settings)), raise_server_exceptions=False) as client:
        yield client


def facts_file(name: str) -> bytes:
    """One of the shipped example facts files, as bytes."""
    return (FACTS / name).read_bytes()


def problem(response: Any, status: int, kind: str) -> dict[str, Any]:
    """The problem details of a response, checked for what every problem has."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"] == f"urn:kb-engine:problem:{kind}"
    assert body["title"] and body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body
