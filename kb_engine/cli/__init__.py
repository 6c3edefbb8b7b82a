"""The ``kb-engine`` command line: thin commands over the library, mapping errors to exit codes."""

from __future__ import annotations

from .main import cli, main

__all__ = ["cli", "main"]
