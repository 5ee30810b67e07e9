"""A sandbox in a subprocess, for tests: ``with SandboxServer() as sandbox: ...``.

The server runs as its own OS process on 127.0.0.1 with a port the OS picks,
so tests talk to it over a real socket exactly as a connector would. Startup
is bounded and a failure says why (with the subprocess's stderr); the process
is always stopped, terminate first, then kill. Secrets (the admin key, the
demo token) reach the subprocess through its environment, not its command
line, and never appear in a ``repr``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from nuntiq_sandbox._constants import ADMIN_BASE_PATH, ADMIN_KEY_HEADER, API_BASE_PATH, PERMISSIONS
from nuntiq_sandbox._process import stop_process
from nuntiq_sandbox._tokens import generate_admin_key, generate_token, mask_token

__all__ = ["ApiToken", "SandboxAdmin", "SandboxAdminError", "SandboxServer", "SandboxStartError", "Tenant"]

STARTUP_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
WAN_RULE_COUNT = 1_000_000  # the admin API's largest count: every request of a bench or a test
_POLL_SECONDS = 0.05


class SandboxStartError(RuntimeError):
    """The sandbox subprocess did not become ready."""


class SandboxAdminError(RuntimeError):
    """The admin API refused a call; ``problem`` is its problem+json body."""

    def __init__(self, status: int, problem: Any) -> None:
        code = problem.get("code") if isinstance(problem, dict) else None
        detail = problem.get("detail") if isinstance(problem, dict) else problem
        super().__init__(f"sandbox admin API answered {status} {code}: {detail}")
        self.status = status
        self.problem = problem


@dataclass(frozen=True)
class Tenant:
    tenant_id: str
    name: str
    customer_number: str
    config: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ApiToken:
    """An issued token; ``repr`` shows only its masked form."""

    token: str = field(repr=False)
    token_id: str
    tenant_id: str
    display_name: str
    actor_id: str
    permissions: tuple[str, ...]

    @property
    def masked(self) -> str:
        return mask_token(self.token)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class SandboxAdmin:
    """A typed wrapper over the ``/_sandbox`` admin API."""

    def __init__(self, base_url: str, admin_key: str | None = None, *, timeout: float = 30.0) -> None:
        headers = {ADMIN_KEY_HEADER: admin_key} if admin_key else {}
        self._client = httpx.Client(base_url=base_url + ADMIN_BASE_PATH, headers=headers, timeout=timeout)

    def close(self) -> None:
        self._client.close()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self._client.request(method, path, json=body)
        if response.status_code >= 400:
            try:
                problem: Any = response.json()
            except ValueError:
                problem = response.text
            raise SandboxAdminError(response.status_code, problem)
        return response.json()

    def health(self) -> dict[str, Any]:
        return dict(self._call("GET", "/health"))

    def create_tenant(
        self,
        name: str = "Test Customer",
        customer_number: str = "10000001",
        *,
        note_required_codes: Iterable[str] = (),
        clarification_code_required_codes: Iterable[str] = (),
    ) -> Tenant:
        data = self._call(
            "POST",
            "/tenants",
            {
                "name": name,
                "customer_number": customer_number,
                "config": {
                    "note_required_codes": list(note_required_codes),
                    "clarification_code_required_codes": list(clarification_code_required_codes),
                },
            },
        )
        return Tenant(data["tenant_id"], data["name"], data["customer_number"], data["config"])

    def create_token(
        self,
        tenant_id: str,
        permissions: Iterable[str] = PERMISSIONS,
        *,
        display_name: str = "Test Connector",
        token: str | None = None,
    ) -> ApiToken:
        body: dict[str, Any] = {"display_name": display_name, "permissions": list(permissions)}
        if token is not None:
            body["token"] = token
        data = self._call("POST", f"/tenants/{tenant_id}/tokens", body)
        return ApiToken(
            token=data["token"],
            token_id=data["token_id"],
            tenant_id=data["tenant_id"],
            display_name=data["display_name"],
            actor_id=data["actor_id"],
            permissions=tuple(data["permissions"]),
        )

    def create_tenant_with_token(
        self,
        permissions: Iterable[str] = PERMISSIONS,
        *,
        name: str = "Test Customer",
        note_required_codes: Iterable[str] = (),
        clarification_code_required_codes: Iterable[str] = (),
    ) -> tuple[Tenant, ApiToken]:
        """A fresh tenant (isolation per test) and one token for it."""
        tenant = self.create_tenant(
            name,
            note_required_codes=note_required_codes,
            clarification_code_required_codes=clarification_code_required_codes,
        )
        return tenant, self.create_token(tenant.tenant_id, permissions)

    def create_invoice(self, tenant_id: str, **invoice: Any) -> dict[str, Any]:
        """Any field of the admin ``InvoiceCreate`` schema (status defaults to 90)."""
        return dict(self._call("POST", "/invoices", {"tenant_id": tenant_id, **invoice}))

    def create_invoices(self, invoices: Iterable[Mapping[str, Any]]) -> list[str]:
        """Many invoices in one transaction; each mapping names its ``tenant_id``."""
        data = self._call("POST", "/invoices/batch", {"invoices": [dict(invoice) for invoice in invoices]})
        return list(data["invoice_tokens"])

    def create_customer_data_table(
        self,
        tenant_id: str,
        table_name: str,
        columns: Iterable[Mapping[str, Any]],
        key_columns: Iterable[str],
        *,
        description: str | None = None,
    ) -> dict[str, Any]:
        """Define a customer data table: columns are {name, type, required, max_length}."""
        body = {
            "table_name": table_name,
            "description": description,
            "columns": [dict(column) for column in columns],
            "key_columns": list(key_columns),
        }
        return dict(self._call("POST", f"/tenants/{tenant_id}/customer-data-tables", body))

    def set_user_activity(self, tenant_id: str, email: str, last_activity_at: str | datetime | None) -> dict[str, Any]:
        """Set a user's server-side last activity (None: never active)."""
        text = last_activity_at.isoformat() if isinstance(last_activity_at, datetime) else last_activity_at
        body = {"tenant_id": tenant_id, "email": email, "last_activity_at": text}
        return dict(self._call("POST", "/users/activity", body))

    def get_invoice(self, invoice_token: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/invoices/{invoice_token}"))

    def add_platform_message(self, invoice_token: str, code: str, **fields: Any) -> dict[str, Any]:
        data = self._call("POST", f"/invoices/{invoice_token}/lifecycle-messages", {"code": code, **fields})
        return dict(data["message"])

    def add_platform_messages(self, invoice_token: str, messages: list[dict[str, Any]]) -> int:
        """Record many messages (``{"code": ..., **fields}`` each) in one transaction; how many were recorded."""
        return int(
            self._call("POST", f"/invoices/{invoice_token}/lifecycle-messages/batch", {"messages": messages})["count"]
        )

    def clock(self) -> dict[str, Any]:
        return dict(self._call("GET", "/clock"))

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        return dict(self._call("POST", "/clock/advance", {"seconds": seconds}))

    def set_clock(self, instant: str | datetime) -> dict[str, Any]:
        text = instant.isoformat() if isinstance(instant, datetime) else instant
        return dict(self._call("POST", "/clock/set", {"now": text}))

    def set_intake_delay(self, tenant_id: str, seconds: float) -> dict[str, Any]:
        """Imports submitted from now on stay in intake for ``seconds`` of sandbox clock (default 0)."""
        return dict(self._call("POST", f"/tenants/{tenant_id}/intake-delay", {"seconds": seconds}))

    def complete_intake(self, tenant_id: str | None = None) -> list[str]:
        """Finish every pending import's intake now (one tenant's, or all); the invoices that reached 90."""
        body = {} if tenant_id is None else {"tenant_id": tenant_id}
        return list(self._call("POST", "/intake/complete", body)["invoice_tokens"])

    def add_fault(
        self,
        path_regex: str,
        *,
        method: str | None = None,
        count: int = 1,
        status: int | None = None,
        retry_after: int | None = None,
        latency_ms: int | None = None,
        drop: str | None = None,
        tenant_id: str | None = None,
    ) -> dict[str, Any]:
        """One fault rule; ``tenant_id`` limits it to requests made with that tenant's tokens."""
        options = {
            "method": method,
            "status": status,
            "retry_after": retry_after,
            "latency_ms": latency_ms,
            "drop": drop,
            "tenant_id": tenant_id,
        }
        body = {"path_regex": path_regex, "count": count, **{k: v for k, v in options.items() if v is not None}}
        return dict(self._call("POST", "/faults", body))

    def add_latency(self, tenant_id: str, latency_ms: int, *, count: int = WAN_RULE_COUNT) -> dict[str, Any]:
        """Delay every Customer API request of one tenant by ``latency_ms`` (a WAN), for the next ``count`` of them."""
        return self.add_fault(f"^{API_BASE_PATH}/", count=count, latency_ms=latency_ms, tenant_id=tenant_id)

    def writes(self, tenant_id: str) -> dict[str, Any]:
        """The tenant's keyed writes: ``applied``, ``replayed``, ``in_use`` and ``repeated`` (applied twice)."""
        return dict(self._call("GET", f"/tenants/{tenant_id}/writes"))

    def list_faults(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/faults")["data"])

    def clear_faults(self) -> int:
        return int(self._call("DELETE", "/faults")["cleared"])


class SandboxServer:
    """A sandbox subprocess on 127.0.0.1 (port picked by the OS), for the length of a ``with``."""

    def __init__(
        self,
        db: str = ":memory:",
        seed: str = "none",
        admin_key: str | None = None,
        demo_token: str | None = None,
        *,
        startup_timeout: float = STARTUP_TIMEOUT_SECONDS,
    ) -> None:
        self.db = db
        self.seed = seed
        # The admin API always needs a key; the harness makes one unless the test gives it.
        self.admin_key = admin_key or generate_admin_key()
        self.demo_token = demo_token or (generate_token() if seed == "demo" else None)
        self.startup_timeout = min(startup_timeout, STARTUP_TIMEOUT_SECONDS)
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None
        self._base_url: str | None = None
        self._admin: SandboxAdmin | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None

    def __repr__(self) -> str:
        return f"SandboxServer(base_url={self._base_url!r}, seed={self.seed!r})"

    # -- what tests use ----------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("the sandbox is not running; use it in a with block or call start()")
        return self._base_url

    @property
    def api_url(self) -> str:
        return self.base_url + API_BASE_PATH

    @property
    def admin(self) -> SandboxAdmin:
        if self._admin is None:
            raise RuntimeError("the sandbox is not running; use it in a with block or call start()")
        return self._admin

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def api_client(self, token: ApiToken | str, **kwargs: Any) -> httpx.Client:
        """An httpx client for the Customer API with the token's bearer header."""
        value = token.token if isinstance(token, ApiToken) else token
        headers = {"Authorization": f"Bearer {value}", **kwargs.pop("headers", {})}
        return httpx.Client(base_url=self.api_url, headers=headers, timeout=kwargs.pop("timeout", 30.0), **kwargs)

    def logs(self) -> str:
        """The subprocess's stderr so far (for a failing test's message)."""
        if self._workdir is None or not (self._workdir / "stderr.log").exists():
            return ""
        return (self._workdir / "stderr.log").read_text(encoding="utf-8", errors="replace")

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> SandboxServer:
        if self._process is not None:
            raise RuntimeError("the sandbox is already running")
        workdir = Path(tempfile.mkdtemp(prefix="nuntiq-sandbox-"))
        self._workdir = workdir
        ready_file = workdir / "ready"
        command = [sys.executable, "-m", "nuntiq_cli", "sandbox", "--host", "127.0.0.1", "--port", "0"]
        command += ["--db", self.db, "--seed", self.seed, "--ready-file", str(ready_file)]
        env = dict(os.environ)
        env.pop("NUNTIQ_SANDBOX_ADMIN_KEY", None)
        env.pop("NUNTIQ_SANDBOX_DEMO_TOKEN", None)
        env["NUNTIQ_SANDBOX_ADMIN_KEY"] = self.admin_key
        if self.demo_token:
            env["NUNTIQ_SANDBOX_DEMO_TOKEN"] = self.demo_token
        project_root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (project_root, env.get("PYTHONPATH")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        with open(workdir / "stdout.log", "wb") as stdout, open(workdir / "stderr.log", "wb") as stderr:
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and CLI
                command, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, env=env
            )
        self._finalizer = weakref.finalize(self, _cleanup, self._process, workdir)
        try:
            self._base_url = self._wait_until_ready(ready_file)
        except BaseException:
            self.stop()
            raise
        self._admin = SandboxAdmin(self._base_url, self.admin_key)
        return self

    def _wait_until_ready(self, ready_file: Path) -> str:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            code = self._process.poll()
            if code is not None:
                raise SandboxStartError(f"the sandbox exited with status {code} while starting:\n{self.logs()}")
            text = ready_file.read_text(encoding="utf-8") if ready_file.exists() else ""
            if text.endswith("\n"):
                url = text.strip()
                try:
                    if httpx.get(url + ADMIN_BASE_PATH + "/health", timeout=2.0).status_code == 200:
                        return url
                except httpx.TransportError:
                    pass
            time.sleep(_POLL_SECONDS)
        raise SandboxStartError(f"the sandbox was not ready within {self.startup_timeout:.0f} s:\n{self.logs()}")

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if self._finalizer is not None:
            self._finalizer()
            self._finalizer = None
        self._process = None
        self._base_url = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def _cleanup(process: subprocess.Popen[bytes], workdir: Path) -> None:
    try:
        stop_process(process, STOP_TIMEOUT_SECONDS)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
