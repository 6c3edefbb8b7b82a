"""Helpers of the service's tests: applications with chosen settings, example facts, problem details, chunked uploads."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator, Mapping
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


def post_in_chunks(
    client: TestClient,
    path: str,
    chunks: Iterable[bytes],
    *,
    query: str = "",
    headers: Mapping[str, str] | None = None,
    hold_before: int | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """POST a body to the started application as a chunked upload arrives: each chunk its own message, no
    Content-Length (the test client would send it whole). With ``hold_before``, that chunk is sent only once
    the answer holds a whole line, so an answer that waits for the whole body never comes (an assertion fails).

    Returns the status, the headers and the answer's body.
    """
    pieces = list(chunks)
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(b"host", b"testserver"), (b"transfer-encoding", b"chunked"),
                    *((k.lower().encode(), v.encode()) for k, v in (headers or {"Content-Type": "application/x-ndjson"}).items())],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }

    async def run() -> tuple[int, dict[str, str], bytes]:
        status = 0
        answer_headers: dict[str, str] = {}
        answer = bytearray()
        answered = asyncio.Event()
        complete = asyncio.Event()
        given = 0

        async def receive() -> dict[str, Any]:
            nonlocal given
            if given < len(pieces):
                if given == hold_before:
                    await asyncio.wait_for(answered.wait(), 30)  # TimeoutError: no answer before the rest of the body
                given += 1
                return {"type": "http.request", "body": pieces[given - 1], "more_body": True}
            if given == len(pieces):
                given += 1
                return {"type": "http.request", "body": b"", "more_body": False}
            await complete.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                answer_headers.update((k.decode(), v.decode()) for k, v in message.get("headers", []))
            elif message["type"] == "http.response.body":
                answer.extend(message.get("body", b""))
                if b"\n" in answer:
                    answered.set()
                if not message.get("more_body", False):
                    complete.set()

        await asyncio.wait_for(client.app(scope, receive, send), 120)
        return status, answer_headers, bytes(answer)

    return asyncio.run(run())
