"""Starting the service: where the token comes from, and what `kb-engine serve` says when it cannot start."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from kb_engine.errors import InputError
from kb_engine.serve.settings import read_token

KB_ENGINE = str(Path(sys.executable).parent / "kb-engine")
SECRET = "0123456789abcdef-secret"


def test_the_token_comes_from_a_file_then_the_file_variable_then_the_variable(tmp_path: Path) -> None:
    """--token-file wins, then KB_ENGINE_TOKEN_FILE, then KB_ENGINE_TOKEN; the file's final newline is not part of it."""
    given, named = tmp_path / "given", tmp_path / "named"
    given.write_text(SECRET + "-given\n", encoding="utf-8")
    named.write_text(SECRET + "-named\n", encoding="utf-8")
    env = {"KB_ENGINE_TOKEN_FILE": str(named), "KB_ENGINE_TOKEN": SECRET + "-env"}
    assert read_token(str(given), env) == SECRET + "-given"
    assert read_token(None, env) == SECRET + "-named"
    assert read_token(None, {"KB_ENGINE_TOKEN": SECRET + "-env"}) == SECRET + "-env"
    assert read_token(None, {}) is None


@pytest.mark.parametrize("content", ["short", "   \n"])
def test_a_token_too_short_to_be_a_secret_is_refused(tmp_path: Path, content: str) -> None:
    """A guessable token (or an empty file) would protect nothing: refused, with the minimum length."""
    path = tmp_path / "token"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match="too short") as caught:
        read_token(str(path), {})
    assert caught.value.problems[0].allowed == "at least 16 characters"


def test_serve_exits_2_when_the_token_file_cannot_be_read(tmp_path: Path) -> None:
    """A missing token file is bad usage (2), named in the message; nothing starts."""
    done = subprocess.run([KB_ENGINE, "serve", "--token-file", str(tmp_path / "missing")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "token file cannot be read" in done.stderr


def test_serve_exits_2_when_its_port_is_taken() -> None:
    """Another program on the port: exit 2 naming the address, not a traceback or exit 1."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = subprocess.run([KB_ENGINE, "serve", "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr


def test_serve_exits_4_when_its_knowledge_base_does_not_load(tmp_path: Path) -> None:
    """--kb with a directory that is no knowledge base: exit 4 naming a missing file, before listening."""
    done = subprocess.run([KB_ENGINE, "serve", "--port", "0", "--kb", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 4
    assert "editions.yaml" in done.stderr and "listening" not in done.stderr
