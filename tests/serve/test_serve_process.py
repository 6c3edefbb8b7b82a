"""The real server process: `kb-engine serve` on a free port, a health check, a diagnosis, a clean stop on SIGTERM."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from factsgen import random_facts
from serve_helpers import FACTS

KB_ENGINE = str(Path(sys.executable).parent / "kb-engine")
TOKEN = "process-test-token-0123456789"


def request(url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, headers=headers or {}, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=30) as answer:  # noqa: S310 (a loopback URL this test built)
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def read_events(stream: Any, until: str, deadline: float) -> list[dict[str, Any]]:
    """JSON log lines from the server's stderr, up to the first whose message starts with ``until``."""
    events = []
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        events.append(json.loads(line))  # every line of the log is JSON
        if events[-1]["message"].startswith(until):
            return events
    raise AssertionError(f"no {until!r} in the log: {events}")


def test_start_serve_and_stop_on_sigterm(tmp_path: Path) -> None:
    """The process listens on 127.0.0.1 only, answers, logs JSON lines, and exits 0 once SIGTERM has stopped it."""
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_ENGINE_TOKEN")}
    with subprocess.Popen(
        [KB_ENGINE, "serve", "--port", "0", "--token-file", str(token_file)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    ) as server:
        try:
            started = read_events(server.stderr, "listening on", time.monotonic() + 60)
            listening = started[-1]
            assert listening["host"] == "127.0.0.1" and listening["port"] > 0
            base = f"http://127.0.0.1:{listening['port']}"
            ready = time.monotonic() + 60
            while request(f"{base}/readyz")[0] != 200:
                assert time.monotonic() < ready, "never ready"
                time.sleep(0.1)
            assert request(f"{base}/healthz") == (200, b'{"status":"ok"}')
            auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/yaml"}
            status, body = request(f"{base}/v1/diagnose", (FACTS / "linux-agent-outdated.yaml").read_bytes(), auth)
            assert status == 200 and json.loads(body)["verdict"] == "problems"
            assert request(f"{base}/v1/diagnose", b"", {"Content-Type": "application/yaml"})[0] == 401
            server.send_signal(signal.SIGTERM)
            assert server.wait(timeout=30) == 0
            assert server.stderr is not None and server.stdout is not None
            events = [json.loads(line) for line in server.stderr.read().splitlines()]
            assert server.stdout.read() == ""
        finally:
            if server.poll() is None:
                server.kill()
    access = [e for e in events if e["logger"] == "kb_engine.serve.access"]
    assert [(e["route"], e["status"]) for e in access][-2:] == [("/v1/diagnose", 200), ("/v1/diagnose", 401)]
    assert events[-1]["message"] == "stopped"


def test_a_batch_streams_and_a_client_that_leaves_frees_its_worker() -> None:
    """One worker, no queue: a long batch answers its first line long before its last; the client closes the
    connection after that line; the worker is given back (a new batch is served, not refused with 429) well
    before the time limit, which would otherwise have held it."""
    body = "".join(json.dumps(doc) + "\n" for doc in random_facts(20261206, 3000)).encode("utf-8")
    with subprocess.Popen(
        [KB_ENGINE, "serve", "--port", "0", "--workers", "1", "--queue", "0", "--time-limit", "120", "--no-access-log"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    ) as server:
        try:
            port = read_events(server.stderr, "listening on", time.monotonic() + 60)[-1]["port"]
            base = f"http://127.0.0.1:{port}"
            ready = time.monotonic() + 60
            while request(f"{base}/readyz")[0] != 200:
                assert time.monotonic() < ready, "never ready"
                time.sleep(0.1)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("POST", "/v1/diagnose/batch?backend=experta&format=json&explain=true", body,
                               {"Content-Type": "application/x-ndjson"})
            answer = connection.getresponse()
            assert answer.status == 200
            first = json.loads(answer.readline())
            assert first["schema_version"] and first["vm"] == "random-20261206-0", first  # the first VM's report
            connection.close()  # the client leaves with 2,999 VMs to go
            served = time.monotonic() + 30
            while (status := request(f"{base}/v1/diagnose/batch", b'{"vm": {"os": "linux"}}\n',
                                     {"Content-Type": "application/x-ndjson"})[0]) == 429:
                assert time.monotonic() < served, "the worker was not given back"
                time.sleep(0.2)
            assert status == 200
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            finally:
                if server.poll() is None:
                    server.kill()


def _read_until(sock: socket.socket, marker: bytes, received: bytearray, deadline: float) -> None:
    while marker not in received:
        assert time.monotonic() < deadline, f"no {marker!r} in {bytes(received)[:300]!r}"
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed before {marker!r}: {bytes(received)[:300]!r}"
        received.extend(chunk)


def test_a_chunked_upload_is_answered_line_by_line_while_it_is_sent() -> None:
    """Through the real server: the client sends one line of a chunked body and gets its answer before it sends
    the next, cut in the middle; the answer is complete once the body ends."""
    with subprocess.Popen([KB_ENGINE, "serve", "--port", "0", "--no-access-log"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True) as server:
        try:
            port = read_events(server.stderr, "listening on", time.monotonic() + 60)[-1]["port"]
            ready = time.monotonic() + 60
            while request(f"http://127.0.0.1:{port}/readyz")[0] != 200:
                assert time.monotonic() < ready, "never ready"
                time.sleep(0.1)

            def chunk(data: bytes) -> bytes:
                return f"{len(data):x}\r\n".encode() + data + b"\r\n"

            first, second = b'{"name": "first", "vm": {"os": "linux"}}\n', b'{"name": "second", "vm": {"os": "windows"}}\n'
            deadline = time.monotonic() + 60
            with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
                sock.sendall(b"POST /v1/diagnose/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-ndjson\r\n"
                             b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunk(first))
                received = bytearray()
                _read_until(sock, b'"vm":"first"', received, deadline)  # answered with the rest of the body unsent
                assert received.startswith(b"HTTP/1.1 200 ")
                sock.sendall(chunk(second[:9]))
                sock.sendall(chunk(second[9:]) + b"0\r\n\r\n")
                _read_until(sock, b"\r\n0\r\n\r\n", received, deadline)  # the answer's last chunk
            _, _, body = bytes(received).partition(b"\r\n\r\n")
            text = b"".join(body.split(b"\r\n")[1::2]).decode("utf-8")  # the chunks' data, without their sizes
            assert [(row["line"], row["vm"]) for row in map(json.loads, text.splitlines())] == [(1, "first"), (2, "second")]
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            finally:
                if server.poll() is None:
                    server.kill()
