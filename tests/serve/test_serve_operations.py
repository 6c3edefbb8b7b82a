"""Running the service: probes, metrics, access logs, request ids, the committed OpenAPI document, a light import."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from serve_helpers import REPO, YAML, facts_file, serving

from kb_engine.serve.app import committed_openapi

KB_ENGINE = str(Path(sys.executable).parent / "kb-engine")
OPENAPI = REPO / "kb_engine" / "schemas" / "openapi.json"


def test_healthz_and_readyz(client: TestClient) -> None:
    """Liveness is a plain ok; readiness names the editions and backends whose engines are built."""
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"
    assert ready["editions"] == ["2019-07", "2019-12", "2025-11"] and sorted(ready["backends"]) == ["direct", "experta"]


def test_metrics_count_requests_by_route_template_and_diagnoses_by_verdict() -> None:
    """Prometheus text: routes by template (never the raw path, so clients cannot grow the series), verdicts."""
    with serving() as client:
        client.post("/v1/diagnose", content=facts_file("linux-agent-outdated.yaml"), headers=YAML)
        client.get("/v1/kb/codes/BackUpOperationFailed")
        client.get("/no/such/path/12345")
        text = client.get("/metrics").text
    assert 'kb_engine_http_requests_total{method="POST",route="/v1/diagnose",status="200"} 1.0' in text
    assert 'route="/v1/kb/codes/{code}",status="200"' in text
    assert 'route="<unmatched>",status="404"' in text and "12345" not in text
    assert 'kb_engine_diagnoses_total{backend="direct",edition="2025-11",verdict="problems"} 1.0' in text
    assert 'kb_engine_http_requests_rejected_total{reason="busy"} 0.0' in text
    assert "kb_engine_http_request_duration_seconds_bucket" in text


def test_the_access_log_has_one_record_per_request_and_never_a_body_or_token(caplog: pytest.LogCaptureFixture) -> None:
    """Method, route, status, size, duration and request id; not the facts sent, not the Authorization header."""
    marker = "vm-name-that-must-not-be-logged"
    token = "secret-token-that-must-not-be-logged"
    with serving(token=token) as client, caplog.at_level(logging.INFO, logger="kb_engine.serve.access"):
        response = client.post(
            "/v1/diagnose?format=text", content=f"name: {marker}\n".encode(), headers={**YAML, "Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 200 and marker in response.text
    records = [r for r in caplog.records if r.name == "kb_engine.serve.access"]
    assert len(records) == 1
    fields = records[0].access  # type: ignore[attr-defined]
    assert fields["method"] == "POST" and fields["route"] == "/v1/diagnose" and fields["status"] == 200
    assert fields["request_id"] == response.headers["x-request-id"] and fields["bytes"] == len(response.content)
    assert fields["duration_ms"] > 0
    logged = json.dumps([vars(r) for r in caplog.records], default=str)
    assert marker not in logged and token not in logged


@pytest.mark.parametrize(("given", "kept"), [("ticket-4711.retry-2", True), ("x" * 65, False), ("bad id with spaces", False)])
def test_a_sane_request_id_from_the_client_is_kept_any_other_is_replaced(client: TestClient, given: str, kept: bool) -> None:
    """X-Request-ID ties a client's request to the service's log; a long or odd one is not trusted."""
    answered = client.get("/healthz", headers={"X-Request-ID": given}).headers["x-request-id"]
    assert (answered == given) is kept
    assert len(answered) <= 64


def test_every_answer_says_nosniff(client: TestClient) -> None:
    """Browsers must not guess a media type (an SVG or a text report is never run as a page)."""
    assert client.get("/healthz").headers["x-content-type-options"] == "nosniff"
    assert client.get("/nowhere").headers["x-content-type-options"] == "nosniff"


def test_the_committed_openapi_document_is_fresh(client: TestClient) -> None:
    """kb_engine/schemas/openapi.json is what the service serves and what `kb-engine schema openapi` prints."""
    committed = OPENAPI.read_text(encoding="utf-8")
    assert committed == committed_openapi(), "regenerate: kb-engine schema openapi > kb_engine/schemas/openapi.json"
    assert client.get("/openapi.json").json() == json.loads(committed)
    printed = subprocess.run([KB_ENGINE, "schema", "openapi"], capture_output=True, text=True, timeout=120)
    assert printed.returncode == 0 and printed.stdout == committed


def test_the_document_describes_every_error_a_v1_route_can_answer() -> None:
    """Each /v1 operation documents 401, 422, 429, 500 and 503 as problem details; bodies add 413 and 415, and 400
    when the body is one document (a batch answers a bad line in its place)."""
    doc = json.loads(OPENAPI.read_text(encoding="utf-8"))
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if not path.startswith("/v1/"):
                continue
            statuses = set(operation["responses"])
            assert {"200", "401", "422", "429", "500", "503"} <= statuses, (method, path)
            if "requestBody" in operation:
                assert {"413", "415"} <= statuses, (method, path)
                assert ("400" in statuses) == (path != "/v1/diagnose/batch"), (method, path)
            assert operation["security"] == [{"HTTPBearer": []}, {}]
            for status, answer in operation["responses"].items():
                if status != "200":
                    assert list(answer["content"]) == ["application/problem+json"]


def test_the_library_and_the_command_lines_help_do_not_load_the_service() -> None:
    """`import kb_engine` and `kb-engine --help` stay light: no web framework is imported."""
    code = (
        "import sys, kb_engine, kb_engine.cli.main\n"
        "from kb_engine.cli.main import main\n"
        "main(['--help'])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'fastapi', 'starlette', 'uvicorn', 'prometheus_client', 'pydantic'})\n"
        "print(heavy, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stderr.strip() == "[]"
    assert "serve" in done.stdout


def test_without_the_serve_extra_the_command_says_what_to_install() -> None:
    """Exit 3 and the pip command, when fastapi is not installed."""
    code = (
        "import importlib.util, sys\n"
        "real = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a: None if name == 'fastapi' else real(name, *a)\n"
        "from kb_engine.cli.main import main\n"
        "sys.exit(main(['serve']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 3
    assert "pip install 'kb-engine[serve]'" in done.stderr
