"""Headless Chromium for the tests: Debian's browser driven by Playwright, as root, with no network.

The set-up (``bash .ci/task test``) installs Debian's ``chromium`` and the
Playwright package; Playwright's own browser download is never used.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

# Chromium as root needs --no-sandbox; the rest keeps it from calling out (this machine has no network).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--disable-extensions",
]


def chromium_path() -> str | None:
    """Debian's Chromium (or KB_ENGINE_CHROMIUM)."""
    return os.environ.get("KB_ENGINE_CHROMIUM") or shutil.which("chromium")


@contextmanager
def browser() -> Iterator[Any]:
    """A headless Chromium; the test is skipped only when no browser is installed."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is installed by `bash .ci/task test`")
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium: `bash .ci/task test` installs Debian's chromium")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()
