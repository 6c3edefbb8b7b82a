"""Property-based fuzzing from the committed OpenAPI document: no 5xx, every answer as the document says.

Schemathesis generates requests from kb_engine/schemas/openapi.json (valid and
invalid parameters and bodies, for every operation; a batch's JSON Lines body from
its array of lines, and each line of its answer checked against the item schema) and checks each answer: no
server error, a documented status, a documented media type and headers, a body
valid against the document's schema, invalid parameters refused. Set
KB_ENGINE_FUZZ_EXAMPLES for a longer run, KB_ENGINE_FUZZ_REPORT=FILE for its figures (the README
gives those of one).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection, positive_data_acceptance
from schemathesis.core.parameters import ParameterLocation

from kb_engine.serve import ServeSettings, create_app

EXAMPLES = int(os.environ.get("KB_ENGINE_FUZZ_EXAMPLES", "100"))
COMMITTED = Path(__file__).resolve().parents[2] / "kb_engine" / "schemas" / "openapi.json"
REPORT = os.environ.get("KB_ENGINE_FUZZ_REPORT")
"""A file to keep the running count of requests and statuses in (for a long run's figures)."""
SENT: Counter[int] = Counter()


@schemathesis.serializer("application/x-ndjson", "application/jsonl")
def _json_lines(_: Any, value: Any) -> bytes:
    """A batch body: the document describes it as an array whose items are the lines; anything else is one line."""
    if isinstance(value, bytes):
        return value
    items = value if isinstance(value, list) else [value]
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items).encode("utf-8", "surrogatepass")


@schemathesis.deserializer("application/x-ndjson")
def _answer_lines(_: Any, response: Any) -> list[Any]:
    """A batch answer, line by line, so that each line is checked against the document's item schema.

    Lines end at line feeds only: a text may hold U+2028 or U+0085 as they are, which JSON allows.
    """
    return [json.loads(line) for line in response.content.decode("utf-8").split("\n")[:-1]]


# The committed document (the contract clients read), answered by a fresh application; schemathesis
# runs the application's lifespan once, so the engines are built once.
schema = schemathesis.openapi.from_dict(json.loads(COMMITTED.read_text(encoding="utf-8")))
schema.app = create_app(ServeSettings())


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_generated_request_gets_a_documented_answer_and_never_a_server_error(case: Any) -> None:
    """Each answer is documented (status, media type, schema); none is a 5xx; bad parameters are refused."""
    response = case.call()
    SENT[response.status_code] += 1
    if REPORT:
        Path(REPORT).write_text(json.dumps({"requests": sum(SENT.values()), "statuses": SENT}, sort_keys=True) + "\n", encoding="utf-8")
    excluded = []
    # A facts body is read as facts files are, more leniently than its JSON Schema says (portal spellings
    # such as "Not Ready", 0 and 1 for booleans): a body outside the schema may be accepted, by design.
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.BODY):
        excluded.append(negative_data_rejection)
    # And more strictly: an error code the edition does not know, contradictory facts. Such a body is
    # refused with 422 and problems that all point into the body.
    if response.status_code == 422 and all(p["source"] == "body" for p in response.json()["problems"]):
        excluded.append(positive_data_acceptance)
    case.validate_response(response, excluded_checks=excluded)
    assert response.status_code < 500
