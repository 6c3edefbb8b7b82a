"""Every error status the service documents, as RFC 9457 problem details with the command line's problem list."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from serve_helpers import JSON, YAML, facts_file, problem, serving

from kb_engine.errors import ToolMissingError
from kb_engine.report.model import Report

TOKEN = "a-long-enough-secret-token"


def engine_of(client: TestClient, backend: str = "direct") -> Any:
    return client.app.state.service.engine(None, backend)  # type: ignore[attr-defined]  # what a request naming no edition uses


# ---------------------------------------------------------------- 400, 415, 422: bad input


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b"vm: {os: linux\n", "line 2, column 1"),
        (b"vm: {os: linux}\nvm: {os: windows}\n", "line 2, column 1"),
        (b"\xff\xfevm", ""),
    ],
)
def test_an_unreadable_body_is_400_saying_where(client: TestClient, body: bytes, where: str) -> None:
    """A syntax error, a key written twice, bytes that are not UTF-8: 400, with the line when there is one."""
    details = problem(client.post("/v1/diagnose", content=body, headers=YAML), 400, "malformed-body")
    assert details["problems"][0]["source"] == "body"
    assert details["problems"][0]["path"] == where


def test_invalid_facts_are_422_with_path_value_allowed_and_did_you_mean(client: TestClient) -> None:
    """Every problem at once, as `kb-engine diagnose` lists them."""
    body = b'{"vm": {"os": "linx"}, "agnt": {"status": "ready"}, "backup": {"backups_per_day": -1}}'
    details = problem(client.post("/v1/diagnose", content=body, headers=JSON), 422, "invalid-input")
    by_path = {p["path"]: p for p in details["problems"]}
    assert by_path["vm.os"]["value"] == '"linx"' and "linux" in by_path["vm.os"]["allowed"]
    assert "did you mean agent?" in by_path["agnt"]["message"]
    assert by_path["backup.backups_per_day"]["value"] == "-1"
    assert details["detail"] == "3 problems in the input"


def test_an_unknown_observed_error_is_422_with_the_closest_code(client: TestClient) -> None:
    """The observed error code is checked against the edition, with a suggestion."""
    details = problem(client.post("/v1/diagnose", content=b"observed_error: BackUpOperationFaild\n", headers=YAML), 422, "invalid-input")
    assert details["problems"][0]["path"] == "observed_error"
    assert "did you mean BackUpOperationFailed" in details["problems"][0]["message"]


@pytest.mark.parametrize(
    ("query", "path"),
    [("edition=2020-01", "edition"), ("edition=", "edition"), ("lang=fr", "lang"), ("format=html", "format"), ("backend=rete", "backend"), ("backend=", "backend")],
)
def test_an_invalid_parameter_is_422_naming_it_and_what_is_allowed(client: TestClient, query: str, path: str) -> None:
    """Query parameters are checked too, and the problem says what would do."""
    details = problem(client.post(f"/v1/diagnose?{query}"), 422, "invalid-input")
    assert [(p["source"], p["path"]) for p in details["problems"]] == [("query", path)]
    assert details["problems"][0]["allowed"]


@pytest.mark.parametrize("media_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_json_or_yaml_by_its_type_is_415(client: TestClient, media_type: str | None) -> None:
    """curl -d sends a form by default: the service says to send JSON or YAML."""
    headers = {"Content-Type": media_type} if media_type else {}
    details = problem(client.post("/v1/diagnose", content=b"vm: {os: linux}", headers=headers), 415, "unsupported-media-type")
    assert "application/json" in details["detail"]


# ---------------------------------------------------------------- 401: the token


@pytest.fixture(scope="module")
def guarded() -> Iterator[TestClient]:
    with serving(token=TOKEN) as client:
        yield client


@pytest.mark.parametrize("header", [None, "Bearer wrong-token-of-some-length", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_without_the_token_every_v1_route_and_metrics_are_401(guarded: TestClient, header: str | None) -> None:
    """No token, a wrong one, another scheme: 401 with WWW-Authenticate, and nothing is diagnosed."""
    headers = {"Authorization": header} if header else {}
    for response in (
        guarded.post("/v1/diagnose", content=facts_file("linux-agent-outdated.yaml"), headers={**YAML, **headers}),
        guarded.get("/v1/kb/editions", headers=headers),
        guarded.post("/v1/diagnose/batch", content=b'{"vm": {"os": "linux"}}\n', headers={"Content-Type": "application/x-ndjson", **headers}),
        guarded.get("/metrics", headers=headers),
    ):
        problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_with_the_token_requests_are_answered_and_probes_never_need_it(guarded: TestClient) -> None:
    """The right bearer token opens /v1 and /metrics; /healthz and /readyz stay open for probes."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert guarded.post("/v1/diagnose", content=facts_file("linux-agent-outdated.yaml"), headers={**YAML, **auth}).status_code == 200
    assert guarded.get("/metrics", headers=auth).status_code == 200
    assert guarded.get("/healthz").status_code == 200
    assert guarded.get("/readyz").status_code == 200


# ---------------------------------------------------------------- 404, 405


def test_an_unknown_route_is_404_and_a_wrong_method_405(client: TestClient) -> None:
    """Routes that do not exist, and methods a route does not take, are problems too."""
    problem(client.get("/v2/diagnose"), 404, "not-found")
    wrong = problem(client.get("/v1/diagnose"), 405, "method-not-allowed")
    assert wrong["detail"] == "GET is not allowed on /v1/diagnose"
    assert client.get("/v1/diagnose").headers["allow"] == "POST"


# ---------------------------------------------------------------- 413: the body size limit


def test_a_body_over_the_limit_is_413_whether_its_length_is_declared_or_not() -> None:
    """Content-Length over the limit is refused before reading; a chunked body as soon as it passes the limit."""
    with serving(max_body_bytes=64) as small:
        problem(small.post("/v1/diagnose", content=b"x" * 65, headers=YAML), 413, "body-too-large")

        def chunks() -> Iterator[bytes]:
            for _ in range(10):
                yield b"# a comment line of sixteen\n"

        problem(small.post("/v1/diagnose", content=chunks(), headers=YAML), 413, "body-too-large")
        assert small.post("/v1/diagnose", content=b"vm: {os: linux}\n", headers=YAML).status_code == 200


# ---------------------------------------------------------------- 429, 503: concurrency and time


def test_beyond_the_workers_and_the_queue_requests_are_429_with_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """One worker, no queue: while it is busy a second request is refused at once, and served afterwards."""
    with serving(workers=1, queue=0) as client:
        engine = engine_of(client)
        release = threading.Event()
        entered = threading.Event()
        original = engine.diagnose

        def held(*args: Any, **kwargs: Any) -> Report:
            entered.set()
            release.wait(10)
            return original(*args, **kwargs)

        monkeypatch.setattr(engine, "diagnose", held)
        results: list[int] = []
        first = threading.Thread(target=lambda: results.append(client.post("/v1/diagnose").status_code))
        first.start()
        assert entered.wait(10)
        refused = client.post("/v1/diagnose")
        release.set()
        first.join(10)
        details = problem(refused, 429, "busy")
        assert refused.headers["retry-after"] == "1" and "1 workers" in details["detail"]
        assert results == [200]
        assert client.post("/v1/diagnose").status_code == 200


def test_a_request_over_the_time_limit_is_503_with_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """A diagnosis that takes too long is answered 503 when the limit passes, not when it ends."""
    with serving(time_limit=0.3) as client:
        engine = engine_of(client)
        original = engine.diagnose

        def slow(*args: Any, **kwargs: Any) -> Report:
            time.sleep(1.5)
            return original(*args, **kwargs)

        monkeypatch.setattr(engine, "diagnose", slow)
        started = time.monotonic()
        response = client.post("/v1/diagnose")
        assert time.monotonic() - started < 1.4
        problem(response, 503, "time-limit")
        assert response.headers["retry-after"] == "1"


def test_before_start_up_the_service_is_not_ready() -> None:
    """Without its start-up (engines not built), /readyz and the routes that need engines say 503."""
    from kb_engine.serve import ServeSettings, create_app

    client = TestClient(create_app(ServeSettings()), raise_server_exceptions=False)  # no `with`: no lifespan
    assert client.get("/healthz").status_code == 200
    problem(client.get("/readyz"), 503, "not-ready")
    problem(client.post("/v1/diagnose"), 503, "not-ready")


# ---------------------------------------------------------------- 500


def test_a_bug_is_500_without_its_details_and_logged_with_the_request_id(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An internal error tells the client only the request id; the log has the traceback under that id."""
    with serving() as client:

        def broken(*args: Any, **kwargs: Any) -> Report:
            raise RuntimeError("internal detail that must not leak")

        monkeypatch.setattr(engine_of(client), "diagnose", broken)
        with caplog.at_level("ERROR", logger="kb_engine.serve"):
            response = client.post("/v1/diagnose")
        details = problem(response, 500, "internal")
        assert "must not leak" not in response.text
        assert any(details["request_id"] in r.getMessage() and r.exc_info for r in caplog.records)


@pytest.mark.parametrize("route", ["/v1/overlay", "/v1/diagrams/2019-12/en/BackUpOperationFailed.svg"])
def test_a_missing_graphviz_is_500_naming_it(monkeypatch: pytest.MonkeyPatch, route: str) -> None:
    """Without `dot` an SVG cannot be drawn: 500 with what to install, never a traceback."""
    import kb_engine.diagrams.render as render

    def missing() -> str:
        raise ToolMissingError("dot", "graphviz", "render diagrams as SVG, PNG or PDF")

    monkeypatch.setattr(render, "require_dot", missing)
    with serving() as client:
        response = client.post(route) if route == "/v1/overlay" else client.get(route)
    details = problem(response, 500, "tool-failed")
    assert "graphviz" in details["detail"]


# ---------------------------------------------------------------- CORS


def test_no_cors_unless_configured() -> None:
    """A browser on another origin gets no CORS permission by default; a configured origin does."""
    preflight = {"Origin": "https://portal.example", "Access-Control-Request-Method": "POST"}
    with serving() as plain:
        assert "access-control-allow-origin" not in plain.options("/v1/diagnose", headers=preflight).headers
        assert "access-control-allow-origin" not in plain.post("/v1/diagnose", headers={"Origin": "https://portal.example"}).headers
    with serving(cors_origins=("https://portal.example",)) as open_to_portal:
        allowed = open_to_portal.options("/v1/diagnose", headers=preflight)
        assert allowed.headers["access-control-allow-origin"] == "https://portal.example"
        other = open_to_portal.options("/v1/diagnose", headers={**preflight, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
