"""The sandbox is safe to share: bad input is a 4xx (never a 500), the admin API is closed,
tokens can be revoked and expire, bodies are refused by size before they are read, and a
stalled request does not hold a connection for good. Everything over a real socket."""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sandbox_helpers import Api, problem

from nuntiq_cli.__main__ import main
from nuntiq_sandbox._constants import ADMIN_KEY_PATTERN, INGESTION_MAX_FILE_BYTES, JSON_BODY_MAX_BYTES
from nuntiq_sandbox._server import is_loopback
from nuntiq_sandbox.testing import SandboxServer

pytestmark = pytest.mark.live

MB = 1024 * 1024


def _post_json(api: Api, path: str, raw: bytes) -> httpx.Response:
    return api.client.post(path, content=raw, headers={"Content-Type": "application/json"})


# -- bad input: 4xx naming the field, never a 500 -------------------------------------------


def test_int64_overflow_is_a_400_naming_the_field(api: Api) -> None:
    run = api.post("/delta-runs", json={"connector_name": "c", "stream_name": "overflow"}).json()
    response = api.post(f"/delta-runs/{run['run_id']}/complete", json={"records_processed": 2**63})
    body = problem(response, 400, "VALIDATION_ERROR")
    assert body["errors"][0]["field"] == "records_processed"
    assert str(2**63) in body["errors"][0]["message"]
    # The run is still running: nothing was half-written.
    assert api.get(f"/delta-runs/{run['run_id']}").json()["status"] == "running"


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("/suppliers/upsert", rb'{"rows": [{"supplier_code": "S\ud800", "name": "Lone surrogate"}]}'),
        ("/lifecycle-messages/by-reference", rb'{"reference": {"invoice_number": "\udfff"}, "code": "RECEIVED"}'),
        ("/delta-runs", rb'{"connector_name": "c\ud83d", "stream_name": "s"}'),
    ],
)
def test_a_lone_surrogate_is_a_400_naming_the_field(api: Api, path: str, raw: bytes) -> None:
    body = problem(_post_json(api, path, raw), 400, "VALIDATION_ERROR")
    assert any("surrogate" in error["message"] for error in body["errors"]), body


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(api: Api, constant: str) -> None:
    raw = b'{"rows": [{"supplier_code": "S1", "name": "x", "payment_terms_days": %s}]}' % constant.encode()
    body = problem(_post_json(api, "/suppliers/upsert", raw), 400, "VALIDATION_ERROR")
    assert constant.lstrip("-") in body["detail"]


@pytest.mark.parametrize("depth", [65, 5000, 200_000])
def test_deep_nesting_is_refused(api: Api, depth: int) -> None:
    raw = b'{"limit": ' + b"[" * depth + b"]" * depth + b"}"
    body = problem(_post_json(api, "/invoices/claim", raw), 400, "VALIDATION_ERROR")
    assert "nested deeper than 64" in body["detail"]


def test_a_huge_array_is_refused_without_walking_it(api: Api) -> None:
    raw = b'{"rows": [' + b",".join([b"0"] * 1_000_000) + b"]}"
    body = problem(_post_json(api, "/suppliers/upsert", raw), 400, "VALIDATION_ERROR")
    assert body["errors"] == [{"field": "rows", "message": "has 1000000 items; at most 10000"}]


# -- the admin API is closed ----------------------------------------------------------------


def test_a_tenant_token_never_reaches_the_admin_api(sandbox: SandboxServer, api: Api) -> None:
    for method, path in [
        ("GET", "/clock"),
        ("POST", "/tenants"),
        ("GET", f"/invoices/{api.invoice()['invoice_token']}"),
    ]:
        response = httpx.request(method, sandbox.base_url + "/_sandbox" + path, headers=api.token.headers)
        problem(response, 403, "TENANT_TOKEN_NOT_ADMIN")


def test_a_sandbox_without_a_given_key_generates_one() -> None:
    with SandboxServer() as server:
        assert ADMIN_KEY_PATTERN.fullmatch(server.admin_key)
        problem(httpx.get(server.base_url + "/_sandbox/clock"), 401, "ADMIN_KEY_REQUIRED")
        assert server.admin.clock()["now"]


def _start_cli(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[bytes], str, Path]:
    ready, out = tmp_path / "ready", tmp_path / "stdout"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUNTIQ_SANDBOX_")}
    command = [sys.executable, "-m", "nuntiq_cli", "sandbox", "--port", "0", "--ready-file", str(ready), *extra]
    with open(out, "wb") as stdout:
        process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 30
    while not (ready.exists() and ready.read_text().endswith("\n")):
        assert process.poll() is None, "the sandbox exited early"
        assert time.monotonic() < deadline, "no ready file within 30 s"
        time.sleep(0.05)
    return process, ready.read_text().strip(), out


def _stop(process: subprocess.Popen[bytes]) -> str:
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=15)
    assert process.returncode == 0, err.decode()
    return err.decode()


@pytest.fixture
def cli_sandbox(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """``nuntiq sandbox`` with a generated admin key written to --admin-key-file, and short timeouts."""
    key_file = tmp_path / "admin-key"
    process, base_url, out = _start_cli(
        tmp_path, "--admin-key-file", str(key_file), "--header-timeout", "1", "--body-timeout", "1"
    )
    try:
        yield base_url, key_file, out
    finally:
        _stop(process)


def test_the_cli_generates_an_admin_key_and_writes_it_privately(cli_sandbox: tuple[str, Path, Path]) -> None:
    base_url, key_file, out = cli_sandbox
    key = key_file.read_text().strip()
    assert ADMIN_KEY_PATTERN.fullmatch(key)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    printed = out.read_text()
    assert key not in printed
    assert f"Admin key: ntq_sbx_\u2026{key[-4:]} (written to {key_file})" in printed
    problem(httpx.get(base_url + "/_sandbox/faults"), 401, "ADMIN_KEY_REQUIRED")
    assert httpx.get(base_url + "/_sandbox/faults", headers={"X-Sandbox-Admin-Key": key}).status_code == 200


def test_a_non_loopback_host_warns_at_start_up(capsys: pytest.CaptureFixture[str]) -> None:
    # 192.0.2.1 (TEST-NET-1) is on no interface here: the warning comes first, then the bind fails.
    assert main(["sandbox", "--host", "192.0.2.1", "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert re.search(r"warning: listening on 192\.0\.2\.1, reachable from other machines", err), err
    assert [is_loopback(h) for h in ("127.0.0.1", "::1", "localhost", "0.0.0.0", "::", "10.0.0.5", "example.org")] == [
        True,
        True,
        True,
        False,
        False,
        False,
        False,
    ]


# -- tokens: revocation and expiry ----------------------------------------------------------


def test_a_revoked_token_is_refused_with_its_code(sandbox: SandboxServer, api: Api) -> None:
    assert api.get("/lifecycle-catalog").status_code == 200  # cached by the sandbox now
    admin_key = {"X-Sandbox-Admin-Key": sandbox.admin_key}
    url = f"{sandbox.base_url}/_sandbox/tokens/{api.token.token_id}/revoke"
    first = httpx.post(url, headers=admin_key)
    assert first.status_code == 200, first.text
    assert first.json()["revoked_at"]
    assert "token" not in first.json()
    problem(api.get("/lifecycle-catalog"), 401, "TOKEN_REVOKED")
    again = httpx.post(url, headers=admin_key)
    assert again.json()["revoked_at"] == first.json()["revoked_at"]
    missing = httpx.post(f"{sandbox.base_url}/_sandbox/tokens/tok_missing/revoke", headers=admin_key)
    problem(missing, 404, "TOKEN_NOT_FOUND")


def test_a_token_expires_on_the_sandbox_clock(sandbox: SandboxServer, api: Api) -> None:
    response = httpx.post(
        f"{sandbox.base_url}/_sandbox/tenants/{api.tenant.tenant_id}/tokens",
        json={"display_name": "Short-lived", "permissions": ["INVOICE_READ"], "expires_in_seconds": 60},
        headers={"X-Sandbox-Admin-Key": sandbox.admin_key},
    )
    assert response.status_code == 201, response.text
    issued = response.json()
    assert issued["expires_at"]
    assert issued["revoked_at"] is None
    headers = {"Authorization": f"Bearer {issued['token']}"}
    assert httpx.get(sandbox.api_url + "/lifecycle-catalog", headers=headers).status_code == 200
    sandbox.admin.advance_clock(61)
    body = problem(httpx.get(sandbox.api_url + "/lifecycle-catalog", headers=headers), 401, "TOKEN_EXPIRED")
    assert issued["expires_at"] in body["detail"]


# -- limits: authentication first, size before reading, timeouts ----------------------------


def _send_until_answered(sock: socket.socket, head: bytes, chunks: Iterator[bytes]) -> tuple[bytes, int]:
    """Send the head, then chunks while the server has not answered; the answer and the body bytes sent."""
    sock.sendall(head)
    sent = 0
    for chunk in chunks:
        readable, _, _ = select.select([sock], [], [], 0)
        if readable:
            break
        try:
            sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            break
        sent += len(chunk)
    sock.settimeout(15)
    answer = b""
    while not _complete(answer):
        try:
            data = sock.recv(65536)
        except ConnectionResetError:  # the server closed with our unsent bytes pending: what arrived counts
            break
        if not data:
            break
        answer += data
    return answer, sent


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    return bool(_) and match is not None and len(body) >= int(match.group(1))


def _host_port(base_url: str) -> tuple[str, int]:
    host, port = base_url.split("//")[1].rsplit(":", 1)
    return host, int(port)


def _head(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: sandbox", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _megabytes(count: int) -> Iterator[bytes]:
    return iter([b" " * MB] * count)


@pytest.mark.parametrize(
    ("authorized", "status", "code"),
    [(True, 413, "CONTENT_TOO_LARGE"), (False, 401, "UNAUTHENTICATED")],
)
def test_a_60_mb_body_is_answered_before_it_is_read(
    sandbox: SandboxServer, api: Api, authorized: bool, status: int, code: str
) -> None:
    headers = {"Content-Type": "application/json", "Content-Length": str(60 * MB)}
    if authorized:
        headers.update(api.token.headers)
    with socket.create_connection(_host_port(sandbox.base_url)) as sock:
        answer, sent = _send_until_answered(sock, _head("/v1/suppliers/upsert", headers), _megabytes(60))
        assert answer.startswith(f"HTTP/1.1 {status} ".encode()), answer[:200]
        assert b"connection: close" in answer.lower()
        assert sent < 60 * MB  # answered (and closed) while most of the body was still unsent
        assert f'"code":"{code}"'.encode() in answer


def test_an_upload_over_50_mib_is_refused_from_content_length(sandbox: SandboxServer, api: Api) -> None:
    headers = {
        "Content-Type": "application/octet-stream",
        "Content-Length": str(INGESTION_MAX_FILE_BYTES + 1),
        **api.token.headers,
    }
    path = "/v1/ingestion/files?sha256=" + "0" * 64 + "&file_name=big.pdf"
    with socket.create_connection(_host_port(sandbox.base_url)) as sock:
        answer, sent = _send_until_answered(sock, _head(path, headers), _megabytes(51))
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert sent < INGESTION_MAX_FILE_BYTES


def test_a_chunked_body_is_refused_once_it_passes_the_limit(sandbox: SandboxServer, api: Api) -> None:
    headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked", **api.token.headers}

    def chunked() -> Iterator[bytes]:
        for _ in range(60):
            yield b"%x\r\n%s\r\n" % (MB, b" " * MB)
        yield b"0\r\n\r\n"

    with socket.create_connection(_host_port(sandbox.base_url)) as sock:
        answer, sent = _send_until_answered(sock, _head("/v1/suppliers/upsert", headers), chunked())
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert JSON_BODY_MAX_BYTES < sent < 30 * MB


def test_a_request_stalled_in_its_headers_is_closed(cli_sandbox: tuple[str, Path, Path]) -> None:
    base_url, _, _ = cli_sandbox
    with socket.create_connection(_host_port(base_url)) as sock:
        sock.sendall(b"GET /_sandbox/health HTTP/1.1\r\nHost: sandbox\r\n")  # never finished
        sock.settimeout(20)
        assert sock.recv(1024) == b""  # closed by the server (header timeout 1 s)


def test_a_stalled_body_is_answered_408(cli_sandbox: tuple[str, Path, Path]) -> None:
    base_url, key_file, _ = cli_sandbox
    headers = {"Content-Type": "application/json", "Content-Length": "100", "X-Sandbox-Admin-Key": ""}
    headers["X-Sandbox-Admin-Key"] = key_file.read_text().strip()
    with socket.create_connection(_host_port(base_url)) as sock:
        sock.sendall(_head("/_sandbox/tenants", headers) + b'{"name": "sl')
        sock.settimeout(20)
        answer = b""
        while data := sock.recv(65536):  # until the server closes
            answer += data
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:300]
    assert b'"code":"REQUEST_TIMEOUT"' in answer


def test_a_small_chunked_json_body_is_read_like_any_other(api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"limit":'
        yield b" 5}"

    response = api.client.post("/invoices/claim", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json()["leases"] == []


# -- conformance: what the spec says is what is served --------------------------------------


def test_a_405_lists_every_method_of_the_path(api: Api) -> None:
    token = api.invoice()["invoice_token"]
    response = api.client.request("OPTIONS", f"/invoices/{token}/lifecycle-messages")
    problem(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "GET, POST"
    # A literal path is not taken for the parameter path beside it.
    assert api.client.request("OPTIONS", "/invoices/claim").headers["allow"] == "POST"


def test_a_json_null_body_is_checked_like_any_body(api: Api) -> None:
    token = api.invoice()["invoice_token"]
    response = api.client.post(
        f"/invoices/{token}/lease/release", content=b"null", headers={"Content-Type": "application/json"}
    )
    problem(response, 400, "VALIDATION_ERROR")
    assert api.post(f"/invoices/{token}/lease/release").status_code in (200, 409)  # no body at all is fine


@pytest.mark.parametrize(
    ("stored", "served"),
    [("application/pdf", "application/pdf"), ("application/x-custom", "application/octet-stream")],
)
def test_an_attachment_is_served_with_a_content_type_the_spec_lists(api: Api, stored: str, served: str) -> None:
    created = api.invoice(attachments=[{"file_name": "a.bin", "content_base64": "aGk=", "content_type": stored}])
    attachment = api.get(f"/invoices/{created['invoice_token']}").json()["attachments"][0]
    response = api.get(f"/invoices/{created['invoice_token']}/attachments/{attachment['attachment_id']}/content")
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == served
    assert response.content == b"hi"
