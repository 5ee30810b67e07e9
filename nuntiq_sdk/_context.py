"""``JobContext``: the ``context`` argument every connector's ``run(context)`` receives.

``JobContext.from_settings`` reads the product docs' settings.json::

    {
      "customer_number": "10000001",
      "secrets": {"api_token": "...", "sftp_password": "..."},
      "config": {"api_base_url": "https://api.nuntiq.example/v1", "connector_name": "acme_erp_push", ...}
    }

``NUNTIQ_API_URL`` and ``NUNTIQ_API_TOKEN``, when set and not empty, override
``config.api_base_url`` and ``secrets.api_token``. Optional config entries:
``api_timeout_seconds`` (number > 0), ``api_max_retries`` (integer >= 0),
``api_verify_tls`` (boolean, default true) and ``work_dir`` (relative paths
are taken from the settings file's folder). Every problem is collected and
reported in one ``ConfigError``, with every secret of the file (and the
environment's token, and the password of any ``scheme://user:password@``
URL) replaced by ``***`` before a value is shortened for the message.
"""

from __future__ import annotations

import copy
import json
import math
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any, TextIO
from urllib.parse import urlsplit

import attrs

from generated_client import AuthenticatedClient
from nuntiq_sdk._config import (
    API_BASE_URL_KEY,
    API_MAX_RETRIES_KEY,
    API_TIMEOUT_KEY,
    API_TOKEN_SECRET,
    API_VERIFY_TLS_KEY,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    ENV_API_TOKEN,
    ENV_API_URL,
    WORK_DIR_KEY,
    WORK_DIR_PREFIX,
)
from nuntiq_sdk._exceptions import ConfigError
from nuntiq_sdk._http import Transport, build_api_client
from nuntiq_sdk._logging import ConnectorLogger, Redactor
from nuntiq_sdk._transport import RetryTransport
from nuntiq_sdk._util import short_repr

__all__ = ["JobContext"]

MAX_TIMEOUT_SECONDS = 3600.0
MAX_RETRIES_LIMIT = 25
"""``api_max_retries`` above this is a typo, not a policy (with 8 s backoff, 25 retries is over 3 minutes)."""


def _read_only(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value) if value else {})


@attrs.frozen(repr=False)
class JobContext:
    """What a connector gets: ``api``, ``logger``, ``secrets``, ``config``, ``job_params``,
    ``customer_number`` and ``work_dir``.

    ``secrets``, ``config`` and ``job_params`` are read-only mappings. The repr
    names keys only, never values (so never a secret or the token).
    """

    api: AuthenticatedClient
    logger: ConnectorLogger
    customer_number: str
    work_dir: Path = attrs.field(converter=Path)
    secrets: Mapping[str, str] = attrs.field(factory=dict, converter=_read_only)
    config: Mapping[str, Any] = attrs.field(factory=dict, converter=_read_only)
    job_params: Mapping[str, str] = attrs.field(factory=dict, converter=_read_only)

    def get_config(self, key: str, default: Any = None) -> Any:
        """``config[key]``, or ``default`` when the key is absent."""
        return self.config.get(key, default)

    def get_secret(self, key: str, default: str | None = None) -> str | None:
        """``secrets[key]``, or ``default`` when the key is absent."""
        return self.secrets.get(key, default)

    @property
    def retry_transport(self) -> RetryTransport:
        """The retrying transport every API call goes through: its policy (``max_retries``, backoff) is read here.

        To set another policy, pass a ``RetryTransport`` of your own as
        ``from_settings(..., transport=...)``.
        """
        transport = self.api.get_httpx_client()._transport  # httpx keeps its transport private
        if not isinstance(transport, RetryTransport):  # built by hand around another transport
            raise TypeError(f"this context's API client has no RetryTransport but {type(transport).__name__}")
        return transport

    def __repr__(self) -> str:
        return (
            f"JobContext(customer_number={self.customer_number!r}, work_dir={str(self.work_dir)!r}, "
            f"config_keys={sorted(self.config)!r}, secret_keys={sorted(self.secrets)!r}, "
            f"job_params_keys={sorted(self.job_params)!r})"
        )

    # --- building from settings ------------------------------------------------------

    @classmethod
    def from_settings(
        cls,
        settings: str | os.PathLike[str] | Mapping[str, Any],
        *,
        job_params: Mapping[str, str] | None = None,
        work_dir: str | os.PathLike[str] | None = None,
        environ: Mapping[str, str] = os.environ,
        transport: Transport | None = None,
        console: TextIO | None = None,
        declared: type[Any] | None = None,
    ) -> JobContext:
        """Validate ``settings`` (a settings.json path or its parsed content) and build the context.

        ``transport`` replaces the network under the retrying transport (e.g.
        ``httpx.MockTransport`` in tests); ``console`` is the logger's stream.
        ``declared``: the connector's settings declaration (``nuntiq_sdk.settings``),
        checked with the API settings so one ``ConfigError`` lists every problem.
        """
        problems: list[str] = []
        if isinstance(settings, Mapping):
            source, base_dir = None, None
            data: object = copy.deepcopy(dict(settings))
        else:
            path = Path(settings)
            source, base_dir = str(path), path.parent
            data = _load_json(path, problems)
        if problems:
            raise ConfigError(problems, source=source)
        redactor = _settings_redactor(data, environ)
        parsed = _Parsed.check(data, job_params, environ, problems, show=lambda v: short_repr(redactor.value(v)))
        if declared is not None and isinstance(data, dict):
            from nuntiq_sdk.settings import check_settings

            config, secrets = data.get("config"), data.get("secrets")
            if isinstance(config, dict) and isinstance(secrets, dict | None):
                named = {p.split(" ", 1)[0] for p in problems}  # an entry the API check refused is named once
                problems += [
                    p for p in check_settings(declared, config, secrets or {}) if p.split(" ", 1)[0] not in named
                ]
        if problems or parsed is None:
            raise ConfigError([redactor.text(p) for p in problems], source=source)

        directory = _work_dir(work_dir, parsed.config.get(WORK_DIR_KEY), base_dir, problems)
        if problems or directory is None:
            raise ConfigError([redactor.text(p) for p in problems], source=source)

        logger = ConnectorLogger(secrets=parsed.redact, work_dir=directory, console=console)
        try:
            api = build_api_client(
                parsed.base_url,
                parsed.token,
                timeout=parsed.timeout,
                max_retries=parsed.max_retries,
                transport=transport,
                verify=parsed.verify,
            )
        except BaseException:
            logger.close()
            raise
        return cls(
            api=api,
            logger=logger,
            customer_number=parsed.customer_number,
            work_dir=directory,
            secrets=parsed.secrets,
            config=parsed.config,
            job_params=parsed.job_params,
        )

    # --- lifecycle ----------------------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP client and the logger's file."""
        try:
            self.api.get_httpx_client().close()
        finally:
            self.logger.close()

    def __enter__(self) -> JobContext:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _load_json(path: Path, problems: list[str]) -> object:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        problems.append(f"settings file {str(path)!r} does not exist")
        return None
    except IsADirectoryError:
        problems.append(f"settings file {str(path)!r} is a directory")
        return None
    except UnicodeDecodeError as exc:
        problems.append(f"settings file {str(path)!r} is not UTF-8 text ({exc.reason} at byte {exc.start})")
        return None
    except OSError as exc:
        problems.append(f"settings file {str(path)!r} cannot be read: {exc.strerror or exc}")
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(f"settings file is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")
        return None


def _settings_redactor(data: object, environ: Mapping[str, str]) -> Redactor:
    """Redacts the file's secrets and the environment's token from settings errors, even before they are checked."""
    redactor = Redactor()
    secrets = data.get("secrets") if isinstance(data, dict) else None
    if isinstance(secrets, dict):
        for value in secrets.values():
            if isinstance(value, str):
                redactor.add(value)
    token = _env(environ, ENV_API_TOKEN)
    if token is not None:
        redactor.add(token)
    return redactor


def _type_name(value: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _env(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name)
    return value if value else None


@attrs.frozen
class _Parsed:
    customer_number: str
    secrets: dict[str, str]
    config: dict[str, Any]
    job_params: dict[str, str]
    base_url: str
    token: str
    timeout: float | None
    max_retries: int
    verify: bool
    redact: tuple[str, ...]

    @classmethod
    def check(
        cls,
        data: object,
        job_params: Mapping[str, str] | None,
        environ: Mapping[str, str],
        problems: list[str],
        show: Callable[[object], str] = short_repr,
    ) -> _Parsed | None:
        """Every problem of ``data`` appended to ``problems``; the parsed settings when there is none.

        ``show`` renders a value for a message (the caller's redacts secrets first).
        """
        if not isinstance(data, dict):
            problems.append(f"settings must be a JSON object, got {_type_name(data)}")
            return None

        customer_number = data.get("customer_number")
        if "customer_number" not in data:
            problems.append("customer_number is missing")
        elif not isinstance(customer_number, str) or not customer_number.strip():
            problems.append(
                f"customer_number must be a non-empty string, got {_type_name(customer_number)} {show(customer_number)}"
            )

        secrets = _object(data, "secrets", problems)
        for key, value in secrets.items():
            if not isinstance(value, str):
                # The value itself is not shown: it is a secret.
                problems.append(f"secrets.{key} must be a string, got {_type_name(value)}")
        config = _object(data, "config", problems)

        params: dict[str, str] = {}
        raw_params: object = job_params
        if raw_params is not None:
            if not isinstance(raw_params, Mapping):
                problems.append(f"job_params must be a mapping, got {_type_name(raw_params)}")
            else:
                for key, value in raw_params.items():
                    if not isinstance(key, str) or not isinstance(value, str):
                        problems.append(f"job_params[{show(key)}] must be a string, got {show(value)}")
                    elif not key.strip() or _has_control(key):
                        problems.append(f"job_params key {show(key)} must be a non-empty name, no control characters")
                    elif _has_control(value):
                        problems.append(f"job_params[{show(key)}] must have no control characters, got {show(value)}")
                    else:
                        params[key] = value

        base_url = _base_url(config, environ, problems, show)
        # Every secret of the file is redacted, even one the environment overrides.
        redact = tuple(value for value in secrets.values() if isinstance(value, str))
        token = _env(environ, ENV_API_TOKEN)
        if token is not None:
            secrets[API_TOKEN_SECRET] = token
        else:
            file_token = secrets.get(API_TOKEN_SECRET)
            if file_token is None or (isinstance(file_token, str) and not file_token.strip()):
                problems.append(
                    f"API token is missing: set secrets.{API_TOKEN_SECRET} in the settings "
                    f"or the {ENV_API_TOKEN} environment variable"
                )
            elif isinstance(file_token, str):
                token = file_token

        timeout = _number(config, API_TIMEOUT_KEY, DEFAULT_TIMEOUT, problems, show)
        max_retries = _count(config, API_MAX_RETRIES_KEY, DEFAULT_MAX_RETRIES, problems, show)
        verify = config.get(API_VERIFY_TLS_KEY, True)
        if not isinstance(verify, bool):
            problems.append(f"config.{API_VERIFY_TLS_KEY} must be true or false, got {show(verify)}")
        work_dir = config.get(WORK_DIR_KEY)
        if work_dir is not None and (not isinstance(work_dir, str) or not work_dir.strip() or "\x00" in work_dir):
            problems.append(f"config.{WORK_DIR_KEY} must be a non-empty string, got {show(work_dir)}")

        if problems or base_url is None or token is None or not isinstance(customer_number, str):
            return None
        return cls(
            customer_number=customer_number,
            secrets=secrets,
            config=config,
            job_params=params,
            base_url=base_url,
            token=token,
            timeout=timeout,
            max_retries=max_retries,
            verify=bool(verify),
            redact=(*redact, token),
        )


def _object(data: dict[str, Any], key: str, problems: list[str]) -> dict[str, Any]:
    value = data.get(key)
    if value is None and key not in data:
        return {}
    if not isinstance(value, dict):
        problems.append(f"{key} must be a JSON object, got {_type_name(value)}")
        return {}
    return value


def _has_control(text: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def _base_url(
    config: dict[str, Any], environ: Mapping[str, str], problems: list[str], show: Callable[[object], str]
) -> str | None:
    from_env = _env(environ, ENV_API_URL)
    where = f"the {ENV_API_URL} environment variable" if from_env else f"config.{API_BASE_URL_KEY}"
    value: object = from_env if from_env else config.get(API_BASE_URL_KEY)
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append(
            f"API base URL is missing: set config.{API_BASE_URL_KEY} in the settings "
            f"or the {ENV_API_URL} environment variable"
        )
        return None
    if not isinstance(value, str):
        problems.append(f"{where} must be a string, got {_type_name(value)} {show(value)}")
        return None
    url = value.strip()
    parts = urlsplit(url)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok or _has_control(url):
        problems.append(f"{where} must be an absolute http(s) URL, got {show(url)}")
        return None
    if from_env:
        config[API_BASE_URL_KEY] = url
    return url


def _number(
    config: dict[str, Any], key: str, default: float, problems: list[str], show: Callable[[object], str]
) -> float:
    value = config.get(key, default)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 < value <= MAX_TIMEOUT_SECONDS
    ):
        limit = f"{MAX_TIMEOUT_SECONDS:g}"
        problems.append(f"config.{key} must be a number of seconds > 0 and <= {limit}, got {show(value)}")
        return default
    return float(value)


def _count(config: dict[str, Any], key: str, default: int, problems: list[str], show: Callable[[object], str]) -> int:
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RETRIES_LIMIT:
        problems.append(f"config.{key} must be an integer from 0 to {MAX_RETRIES_LIMIT}, got {show(value)}")
        return default
    return value


def _work_dir(
    argument: str | os.PathLike[str] | None, configured: object, base_dir: Path | None, problems: list[str]
) -> Path | None:
    if argument is not None:
        directory = Path(argument)
    elif isinstance(configured, str) and configured.strip():
        directory = Path(configured).expanduser()
        if not directory.is_absolute() and base_dir is not None:
            directory = base_dir / directory
    else:
        return Path(tempfile.mkdtemp(prefix=WORK_DIR_PREFIX))
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        problems.append(f"work_dir {str(directory)!r} cannot be created: {exc.strerror or exc}")
        return None
    return directory
