"""The service under test, started once with its default settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from serve_helpers import serving


@pytest.fixture(scope="session")
def client() -> Iterator[TestClient]:
    """The service with its default settings (shared: the engines are built once)."""
    with serving() as started:
        yield started
