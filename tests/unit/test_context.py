"""JobContext.from_settings: the seed's settings.json, environment overrides, every problem at once."""

from __future__ import annotations

import io
import json
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from generated_client.api.invoices import claim_invoices
from generated_client.models import ClaimRequest
from nuntiq_sdk import ConfigError, ConnectorLogger, JobContext, build_api_client
from nuntiq_sdk._http import call

TOKEN = "tok_live_9f8e7d"
PASSWORD = "rotated-quarterly"


def seed_settings(**config: Any) -> dict[str, Any]:
    """The settings.json of seed 004 plus the API entries."""
    return {
        "customer_number": "10000001",
        "secrets": {"sftp_password": PASSWORD, "api_token": TOKEN},
        "config": {
            "connector_name": "acme_erp_push",
            "sftp_host": "sftp.acme-erp.com",
            "sftp_port": 22,
            "sftp_user": "nuntiq_push",
            "remote_outbox": "/inbound/invoices",
            "remote_sent": "/inbound/invoices/sent",
            "batch_size": 20,
            "api_base_url": "https://api.nuntiq.example/v1",
            **config,
        },
    }


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


@pytest.fixture
def contexts() -> Iterator[list[JobContext]]:
    made: list[JobContext] = []
    yield made
    for context in made:
        context.close()


def build(contexts: list[JobContext], settings: Any, **kwargs: Any) -> JobContext:
    kwargs.setdefault("environ", {})
    kwargs.setdefault("console", io.StringIO())
    context = JobContext.from_settings(settings, **kwargs)
    contexts.append(context)
    return context


def problems_of(settings: Any, **kwargs: Any) -> tuple[str, ...]:
    kwargs.setdefault("environ", {})
    with pytest.raises(ConfigError) as caught:
        JobContext.from_settings(settings, **kwargs)
    assert isinstance(caught.value, ValueError)
    return caught.value.problems


# --- happy path ------------------------------------------------------------------------------


def test_from_a_settings_file(tmp_path: Path, contexts: list[JobContext]) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"leases": [], "idempotent": False})

    path = write(tmp_path / "settings.json", seed_settings())
    context = build(
        contexts, path, work_dir=tmp_path / "job", job_params={"run": "1"}, transport=httpx.MockTransport(handler)
    )
    assert context.customer_number == "10000001"
    assert context.work_dir == tmp_path / "job"
    assert context.work_dir.is_dir()
    assert context.job_params == {"run": "1"}
    assert context.get_config("connector_name") == "acme_erp_push"
    assert context.get_config("sftp_port", default=99) == 22
    assert context.get_config("missing") is None
    assert context.get_config("missing", default=22) == 22
    assert context.get_secret("sftp_password") == PASSWORD
    assert context.get_secret("missing") is None
    assert context.get_secret("missing", default="x") == "x"

    claimed = call(claim_invoices.sync_detailed, client=context.api, body=ClaimRequest(limit=1))
    assert claimed.leases == []
    assert str(seen[0].url) == "https://api.nuntiq.example/v1/invoices/claim"
    assert seen[0].headers["Authorization"] == f"Bearer {TOKEN}"

    context.logger.info(f"password is {PASSWORD}, token is {TOKEN}", step="check")
    log = (tmp_path / "job" / "logs" / "connector.jsonl").read_text(encoding="utf-8")
    assert json.loads(log)["message"] == "password is ***, token is ***"


def test_mappings_are_read_only_copies(tmp_path: Path, contexts: list[JobContext]) -> None:
    settings = seed_settings()
    context = build(contexts, settings, work_dir=tmp_path)
    settings["config"]["connector_name"] = "changed"
    assert context.config["connector_name"] == "acme_erp_push"
    with pytest.raises(TypeError):
        context.config["x"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        context.secrets["x"] = "y"  # type: ignore[index]
    with pytest.raises(TypeError):
        context.job_params["x"] = "y"  # type: ignore[index]


def test_api_options(tmp_path: Path, contexts: list[JobContext]) -> None:
    settings = seed_settings(api_timeout_seconds=5, api_max_retries=0, api_verify_tls=False)
    context = build(contexts, settings, work_dir=tmp_path)
    client = context.api.get_httpx_client()
    assert client.timeout == httpx.Timeout(5.0)
    transport = context.retry_transport
    assert transport.max_retries == 0
    inner = transport.transport
    assert isinstance(inner, httpx.HTTPTransport)
    context_ssl = inner._pool._ssl_context
    assert context_ssl is not None
    assert context_ssl.verify_mode.name == "CERT_NONE"


def test_defaults_verify_tls_and_retry(tmp_path: Path, contexts: list[JobContext]) -> None:
    context = build(contexts, seed_settings(), work_dir=tmp_path)
    transport = context.retry_transport
    assert transport.max_retries == 3
    inner = transport.transport
    assert isinstance(inner, httpx.HTTPTransport)
    ssl_context = inner._pool._ssl_context
    assert ssl_context is not None
    assert ssl_context.verify_mode.name == "CERT_REQUIRED"


def test_environment_overrides_url_and_token(tmp_path: Path, contexts: list[JobContext]) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"leases": [], "idempotent": False})

    environ = {"NUNTIQ_API_URL": "http://127.0.0.1:8080/v1", "NUNTIQ_API_TOKEN": "tok_from_env"}
    context = build(
        contexts, seed_settings(), work_dir=tmp_path, environ=environ, transport=httpx.MockTransport(handler)
    )
    call(claim_invoices.sync_detailed, client=context.api, body=ClaimRequest())
    assert str(seen[0].url) == "http://127.0.0.1:8080/v1/invoices/claim"
    assert seen[0].headers["Authorization"] == "Bearer tok_from_env"
    assert context.get_config("api_base_url") == "http://127.0.0.1:8080/v1"
    assert context.get_secret("api_token") == "tok_from_env"
    context.logger.info(f"{TOKEN} tok_from_env")
    assert context.logger.log_path is not None
    assert json.loads(context.logger.log_path.read_text(encoding="utf-8"))["message"] == "*** ***"


def test_environment_alone_is_enough_and_empty_variables_are_ignored(
    tmp_path: Path, contexts: list[JobContext]
) -> None:
    bare = {"customer_number": "10000001"}
    environ = {"NUNTIQ_API_URL": "https://api.test/v1", "NUNTIQ_API_TOKEN": "t"}
    assert build(contexts, bare, work_dir=tmp_path, environ=environ).get_secret("api_token") == "t"
    empty = {"NUNTIQ_API_URL": "", "NUNTIQ_API_TOKEN": ""}
    context = build(contexts, seed_settings(), work_dir=tmp_path, environ=empty)
    assert context.get_config("api_base_url") == "https://api.nuntiq.example/v1"


def test_work_dir_from_config_relative_to_the_settings_file(tmp_path: Path, contexts: list[JobContext]) -> None:
    path = write(tmp_path / "settings.json", seed_settings(work_dir="state"))
    context = build(contexts, path)
    assert context.work_dir == tmp_path / "state"
    assert (tmp_path / "state" / "logs" / "connector.jsonl").exists() is True


def test_work_dir_argument_wins_and_default_is_a_fresh_temp_dir(
    tmp_path: Path, contexts: list[JobContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert build(contexts, seed_settings(work_dir=str(tmp_path / "cfg")), work_dir=tmp_path / "arg").work_dir == (
        tmp_path / "arg"
    )
    first = build(contexts, seed_settings()).work_dir
    second = build(contexts, seed_settings()).work_dir
    assert first != second
    assert first.name.startswith("nuntiq-job-")
    assert first.parent == tmp_path
    assert first.is_dir()


def test_repr_shows_no_secret_and_no_token(tmp_path: Path, contexts: list[JobContext]) -> None:
    context = build(contexts, seed_settings(), work_dir=tmp_path, job_params={"p": "secret-param"})
    text = repr(context)
    assert TOKEN not in text
    assert PASSWORD not in text
    assert "secret-param" not in text
    assert text.startswith("JobContext(customer_number='10000001'")
    assert "secret_keys=['api_token', 'sftp_password']" in text


def test_context_manager_closes_client_and_logger(tmp_path: Path) -> None:
    sdk_logger = logging.getLogger("nuntiq_sdk")
    before = list(sdk_logger.handlers)
    with JobContext.from_settings(seed_settings(), work_dir=tmp_path, environ={}, console=io.StringIO()) as context:
        client = context.api.get_httpx_client()
        assert len(sdk_logger.handlers) == len(before) + 2
    assert client.is_closed
    assert sdk_logger.handlers == before


def test_built_directly(tmp_path: Path) -> None:
    api = build_api_client("https://api.test/v1", TOKEN, transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    with JobContext(
        api=api,
        logger=ConnectorLogger(console=io.StringIO()),
        customer_number="1",
        work_dir=str(tmp_path),
        config={"a": 1},
    ) as context:
        assert context.work_dir == tmp_path
        assert context.secrets == {}
        assert context.get_config("a") == 1
        with pytest.raises(AttributeError):
            context.customer_number = "2"  # type: ignore[misc]


# --- problems ---------------------------------------------------------------------------------------


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    settings = {
        "customer_number": 10000001,
        "secrets": {"sftp_password": 1234, "api_token": ""},
        "config": {
            "api_base_url": "ftp://files.example.com",
            "api_timeout_seconds": "30",
            "api_max_retries": -1,
            "api_verify_tls": "yes",
            "work_dir": 7,
        },
    }
    path = write(tmp_path / "settings.json", settings)
    with pytest.raises(ConfigError) as caught:
        JobContext.from_settings(path, environ={}, job_params={"run": 1})  # type: ignore[dict-item]
    error = caught.value
    assert error.problems == (
        "customer_number must be a non-empty string, got int 10000001",
        "secrets.sftp_password must be a string, got int",
        "job_params['run'] must be a string, got 1",
        "config.api_base_url must be an absolute http(s) URL, got 'ftp://files.example.com'",
        "API token is missing: set secrets.api_token in the settings or the NUNTIQ_API_TOKEN environment variable",
        "config.api_timeout_seconds must be a number of seconds > 0 and <= 3600, got '30'",
        "config.api_max_retries must be an integer from 0 to 25, got -1",
        "config.api_verify_tls must be true or false, got 'yes'",
        "config.work_dir must be a non-empty string, got 7",
    )
    assert str(error).startswith(f"Invalid settings in {path} (9 problems): customer_number must be")
    assert "1234" not in str(error)


def test_missing_entries() -> None:
    assert problems_of({}) == (
        "customer_number is missing",
        "API base URL is missing: set config.api_base_url in the settings or the NUNTIQ_API_URL environment variable",
        "API token is missing: set secrets.api_token in the settings or the NUNTIQ_API_TOKEN environment variable",
    )


def test_sections_of_the_wrong_type() -> None:
    problems = problems_of({"customer_number": " ", "secrets": ["x"], "config": "y"})
    assert problems[:3] == (
        "customer_number must be a non-empty string, got string ' '",
        "secrets must be a JSON object, got array",
        "config must be a JSON object, got string",
    )


def test_bad_url_from_the_environment_names_the_variable() -> None:
    environ = {"NUNTIQ_API_URL": "api.nuntiq.example/v1", "NUNTIQ_API_TOKEN": "t"}
    assert problems_of(seed_settings(), environ=environ) == (
        "the NUNTIQ_API_URL environment variable must be an absolute http(s) URL, got 'api.nuntiq.example/v1'",
    )


def test_settings_must_be_an_object(tmp_path: Path) -> None:
    assert problems_of(write(tmp_path / "s.json", [1, 2])) == ("settings must be a JSON object, got array",)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    with pytest.raises(ConfigError) as caught:
        JobContext.from_settings(path, environ={})
    assert caught.value.problems == (f"settings file {str(path)!r} does not exist",)
    assert caught.value.source == str(path)


def test_unreadable_file(tmp_path: Path) -> None:
    assert problems_of(tmp_path) == (f"settings file {str(tmp_path)!r} is a directory",)
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00{")
    assert problems_of(binary)[0].startswith(f"settings file {str(binary)!r} is not UTF-8 text")


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{\n  "customer_number": "1",\n  "config": {,}\n}\n', encoding="utf-8")
    assert problems_of(path) == (
        "settings file is not valid JSON: Expecting property name enclosed in double quotes at line 3, column 14",
    )


def test_a_utf8_bom_is_accepted(tmp_path: Path, contexts: list[JobContext]) -> None:
    path = tmp_path / "settings.json"
    path.write_text("\ufeff" + json.dumps(seed_settings()), encoding="utf-8")
    assert build(contexts, path, work_dir=tmp_path).customer_number == "10000001"


def test_work_dir_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    problems = problems_of(seed_settings(), work_dir=blocker / "sub")
    assert len(problems) == 1
    assert problems[0].startswith(f"work_dir {str(blocker / 'sub')!r} cannot be created")
