"""A pytest plugin for connector tests: sandbox, SFTP server, settings, JobContext, a real job run.

It is registered with pytest by the entry point ``pytest11``
``nuntiq_sandbox.pytest_plugin``, so a connector's tests only name fixtures::

    def test_pull(nuntiq_sftp, nuntiq_seed, run_connector):
        nuntiq_sftp.put("/outbound/suppliers.csv", "supplier_code,name\\nSUP-1,Acme\\n")
        result = run_connector("connectors/my_pull.py", config={"remote_folder": "/outbound"})
        assert result.assert_ok() == {"loaded": 1}
        assert nuntiq_seed.supplier_codes() == ["SUP-1"]

Fixtures (each test gets its own tenant, folder and settings; nothing outlives the session):

- ``nuntiq_sandbox`` (session): the API sandbox, a subprocess on 127.0.0.1.
- ``nuntiq_tenant``: a fresh tenant and a token with every permission.
- ``nuntiq_sftp``: an embedded SFTP server on 127.0.0.1 over a temporary root,
  its host key written to a known_hosts file the settings point at.
- ``nuntiq_settings``: builds the product docs' settings.json for the tenant
  (and for ``nuntiq_sftp`` when the test uses it).
- ``nuntiq_context``: a ``JobContext`` from those settings, for in-process SDK calls.
- ``nuntiq_seed``: invoices (admin API), suppliers (``SupplierLoad``), files on the SFTP server.
- ``run_connector``: runs a connector through ``nuntiq run`` in a subprocess (or
  in-process) and returns a ``ConnectorResult``.

It lives on the sandbox's side (the SDK never imports the sandbox) and uses
only the SDK's public modules. The sandbox and the SFTP server are imported
inside the fixtures, so loading the plugin loads neither; without the
``[sandbox]`` extra the sandbox fixtures fail with one line naming it.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import secrets
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import TYPE_CHECKING, Any

import attrs
import pytest

from nuntiq_sandbox._extra import missing_extra
from nuntiq_sdk import JobContext
from nuntiq_sdk.runtime import ENV_API_TOKEN, ENV_API_URL, install_lib_alias

if TYPE_CHECKING:
    from nuntiq_sandbox.sftp import EmbeddedSFTPServer
    from nuntiq_sandbox.testing import SandboxAdmin, SandboxServer
    from nuntiq_sdk import FullLoadSummary, SaveResult

__all__ = [
    "DEFAULT_CUSTOMER_NUMBER",
    "RUN_TIMEOUT_SECONDS",
    "SFTP_USER",
    "ConnectorResult",
    "ConnectorRunner",
    "SFTPDropFolder",
    "SandboxTenant",
    "Seeder",
    "SettingsBuilder",
    "invoice_spec",
    "nuntiq_context",
    "nuntiq_sandbox",
    "nuntiq_seed",
    "nuntiq_settings",
    "nuntiq_sftp",
    "nuntiq_tenant",
    "run_connector",
]

DEFAULT_CUSTOMER_NUMBER = "10000001"
SFTP_USER = "nuntiq_connector"
RUN_TIMEOUT_SECONDS = 120.0  # one job; a healthy test job takes about a second
LOG_FILE = Path("logs") / "connector.jsonl"


def invoice_spec(number: str = "INV-1001", **overrides: Any) -> dict[str, Any]:
    """A realistic invoice for the sandbox's admin API (status 90: ready for a push connector)."""
    spec: dict[str, Any] = {
        "status": 90,
        "invoice_number": number,
        "supplier_code": "SUP-100",
        "supplier_location_code": "MAIN",
        "erp_company_code": "EMEA",
        "ext_reference_1": "CUSTOMER-A",
        "fields": {
            "invoiceNumber": number,
            "invoiceDate": "2026-11-02",
            "currencyCode": "EUR",
            "grossAmount": "1190.00",
            "supplierCode": "SUP-100",
        },
        "addresses": [
            {"role": "vendor", "address_name": "Acme Supplies GmbH", "city": "Berlin", "country_code": "DE"},
            {"role": "buyer", "address_name": "Demo Customer BV", "city": "Utrecht", "country_code": "NL"},
        ],
        "lines": [
            {"line_number": 1, "fields": {"description": "Widgets", "quantity": 10, "amount": "1000.00"}},
            {"line_number": 2, "fields": {"description": "Freight", "quantity": 1, "amount": "0.00"}},
        ],
    }
    spec.update(overrides)
    return spec


# --- what the fixtures hand out -------------------------------------------------------


@attrs.frozen
class SandboxTenant:
    """A tenant of the sandbox and its token; ``repr`` never shows the token."""

    tenant_id: str
    customer_number: str
    token: str = attrs.field(repr=False)
    api_url: str
    admin: SandboxAdmin = attrs.field(repr=False)


@attrs.define
class SFTPDropFolder:
    """An embedded SFTP server, its local root (the remote ``/``) and how to log in."""

    server: EmbeddedSFTPServer = attrs.field(repr=False)
    root: Path
    user: str
    password: str = attrs.field(repr=False)
    known_hosts: Path

    def local(self, remote_path: str) -> Path:
        """The local file behind ``remote_path``; a path leaving the root is refused."""
        parts = PurePosixPath("/" + remote_path.lstrip("/")).parts[1:]
        if any(part in ("..", "") for part in parts):
            raise ValueError(f"remote path {remote_path!r} must not contain '..'")
        return self.root.joinpath(*parts)

    def put(self, remote_path: str, data: bytes | str, *, mtime: float | None = None) -> Path:
        """Place a file on the server (folders created); ``str`` is written as UTF-8. ``mtime`` in epoch seconds."""
        path = self.local(remote_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        if mtime is not None:
            os.utime(path, (mtime, mtime))
        return path

    def read(self, remote_path: str) -> bytes:
        return self.local(remote_path).read_bytes()

    def mkdir(self, remote_path: str) -> Path:
        path = self.local(remote_path)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def names(self, remote_dir: str = "/") -> list[str]:
        """The visible files of a folder (no hidden or temporary files), sorted."""
        folder = self.local(remote_dir)
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))

    def config(self, prefix: str = "sftp_") -> dict[str, Any]:
        """The settings.json ``config`` entries that reach this server (host key verified by known_hosts)."""
        return {
            f"{prefix}host": self.server.host,
            f"{prefix}port": self.server.port,
            f"{prefix}user": self.user,
            f"{prefix}known_hosts": str(self.known_hosts),
        }

    def secrets(self, prefix: str = "sftp_") -> dict[str, str]:
        return {f"{prefix}password": self.password}


@attrs.define
class SettingsBuilder:
    """Builds the product docs' settings.json: ``customer_number``, ``secrets``, ``config``.

    ``config`` and ``secrets`` start with the API (and the SFTP server, when
    the test uses ``nuntiq_sftp``); a test adds its connector's entries to
    them, or per call to ``build()`` / ``write()``.
    """

    tenant: SandboxTenant
    folder: Path
    sftp: SFTPDropFolder | None = None
    customer_number: str = DEFAULT_CUSTOMER_NUMBER
    config: dict[str, Any] = attrs.Factory(dict)
    secrets: dict[str, str] = attrs.field(factory=dict, repr=False)

    def __attrs_post_init__(self) -> None:
        self.config = {"api_base_url": self.tenant.api_url, **self.config}
        self.secrets = {"api_token": self.tenant.token, **self.secrets}
        if self.sftp is not None:
            self.config = {**self.sftp.config(), **self.config}
            self.secrets = {**self.sftp.secrets(), **self.secrets}

    def build(
        self, config: Mapping[str, Any] | None = None, secrets: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """The settings as a dict; ``config`` / ``secrets`` entries override (``None`` removes one)."""

        def merged(base: Mapping[str, Any], extra: Mapping[str, Any] | None) -> dict[str, Any]:
            out = {**base, **(extra or {})}
            return {k: v for k, v in out.items() if v is not None}

        return {
            "customer_number": self.customer_number,
            "secrets": merged(self.secrets, secrets),
            "config": merged(self.config, config),
        }

    def write(
        self,
        config: Mapping[str, Any] | None = None,
        secrets: Mapping[str, str] | None = None,
        *,
        path: Path | None = None,
    ) -> Path:
        """Write settings.json (default: in the test's settings folder) and return its path."""
        target = path or self.folder / "settings.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(self.build(config, secrets), indent=2), encoding="utf-8")
        return target


@attrs.frozen
class ConnectorResult:
    """One job run: exit code (0 ok, 1 the connector raised, 2 bad settings), summary, output and log."""

    exit_code: int
    summary: Any
    stdout: str
    stderr: str
    log: list[dict[str, Any]]
    work_dir: Path
    settings_path: Path | None

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def assert_ok(self) -> Any:
        """The summary; fails the test with the job's output when the run did not succeed."""
        if not self.ok:
            raise AssertionError(
                f"the connector run failed with exit code {self.exit_code}\n"
                f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"
            )
        return self.summary

    def messages(self, *, step: str | None = None, level: str | None = None) -> list[str]:
        """The log's messages, optionally only of one ``step`` and/or ``level`` (``INFO``, ``WARNING``, ...)."""
        return [
            str(record.get("message", ""))
            for record in self.log
            if (step is None or record.get("step") == step) and (level is None or record.get("level") == level)
        ]


def _read_log(work_dir: Path) -> list[dict[str, Any]]:
    path = work_dir / LOG_FILE
    if not path.exists():
        return []
    records: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            records.append(json.loads(line))
    return records


def _connector_path(connector: str | os.PathLike[str] | ModuleType) -> Path:
    """A connector given as a file path, an imported module or a dotted module name."""
    if isinstance(connector, ModuleType):
        if connector.__file__ is None:
            raise ValueError(f"module {connector.__name__} has no file to run")
        return Path(connector.__file__)
    text = os.fspath(connector)
    if text.endswith(".py") or os.sep in text or "/" in text:
        return Path(text)
    spec = importlib.util.find_spec(text)
    if spec is None or spec.origin is None:
        raise ValueError(f"connector {text!r} is neither a .py file nor an importable module")
    return Path(spec.origin)


@attrs.define
class ConnectorRunner:
    """``run_connector(connector, config=..., job_params=...)``: run a connector as a job, return the result."""

    settings: SettingsBuilder
    folder: Path
    runs: int = 0

    def __call__(
        self,
        connector: str | os.PathLike[str] | ModuleType,
        *,
        config: Mapping[str, Any] | None = None,
        secrets: Mapping[str, str] | None = None,
        job_params: Mapping[str, str] | None = None,
        in_process: bool = False,
        work_dir: Path | None = None,
        timeout: float = RUN_TIMEOUT_SECONDS,
    ) -> ConnectorResult:
        """Write settings.json and run ``connector``; every run gets a fresh work_dir unless one is given.

        By default a real job: ``python -m nuntiq_cli run PATH --settings ...`` in a
        subprocess, killed after ``timeout`` seconds. ``in_process=True`` builds
        the ``JobContext`` and calls ``run(context)`` here, as ``nuntiq run``
        does (faster, and a debugger or monkeypatch reaches the connector).
        """
        self.runs += 1
        path = _connector_path(connector)
        job_dir = work_dir or self.folder / f"run-{self.runs}"
        settings_path = self.settings.write(config, secrets, path=self.folder / f"settings-{self.runs}.json")
        if in_process:
            return self._in_process(path, settings_path, job_params or {}, job_dir)
        command = [sys.executable, "-m", "nuntiq_cli", "run", str(path), "--settings", str(settings_path)]
        command += ["--work-dir", str(job_dir)]
        for key, value in (job_params or {}).items():
            command += ["--job-param", f"{key}={value}"]
        # The settings file names the API; the developer's own environment must not redirect the job.
        env = {k: v for k, v in os.environ.items() if k not in (ENV_API_URL, ENV_API_TOKEN)}
        env["PYTHONUNBUFFERED"] = "1"
        completed = subprocess.run(  # noqa: S603 - our own interpreter and CLI
            command, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
        summary: Any = None
        if completed.returncode == 0 and completed.stdout.strip():
            summary = json.loads(completed.stdout)
        return ConnectorResult(
            exit_code=completed.returncode,
            summary=summary,
            stdout=completed.stdout,
            stderr=completed.stderr,
            log=_read_log(job_dir),
            work_dir=job_dir,
            settings_path=settings_path,
        )

    def _in_process(
        self, path: Path, settings_path: Path, job_params: Mapping[str, str], job_dir: Path
    ) -> ConnectorResult:
        entry = _load_run(path, self.runs)
        console = io.StringIO()
        # Only the settings file counts, as in the subprocess run.
        environ = {k: v for k, v in os.environ.items() if k not in (ENV_API_URL, ENV_API_TOKEN)}
        context = JobContext.from_settings(
            settings_path, job_params=job_params, work_dir=job_dir, environ=environ, console=console
        )
        exit_code, summary = 0, None
        with context:
            try:
                summary = json.loads(json.dumps(entry(context), default=str))
            except Exception as exc:  # as `nuntiq run`: the failure is the job's result
                context.logger.exception(f"{path.stem} failed: {type(exc).__name__}: {exc}", step="run")
                console.write(traceback.format_exc())
                exit_code = 1
        stdout = json.dumps(summary, indent=2, ensure_ascii=False) + "\n" if exit_code == 0 else ""
        return ConnectorResult(
            exit_code=exit_code,
            summary=summary,
            stdout=stdout,
            stderr=console.getvalue(),
            log=_read_log(job_dir),
            work_dir=job_dir,
            settings_path=settings_path,
        )


def _load_run(path: Path, serial: int) -> Callable[[JobContext], Any]:
    """Import the connector file as a fresh module (each run re-reads it) and return its ``run``."""
    name = f"nuntiq_testing_connector_{path.stem}_{serial}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path} is not a Python module")
    module = importlib.util.module_from_spec(spec)
    install_lib_alias()  # as `nuntiq run`: the product docs' `lib.*` imports
    spec.loader.exec_module(module)
    entry = getattr(module, "run", None)
    if not callable(entry):
        raise AttributeError(f"{path} has no run(context) function")
    return entry  # type: ignore[no-any-return]


class Seeder:
    """Test data: invoices through the admin API, suppliers through ``SupplierLoad``, files on the SFTP server."""

    def __init__(self, tenant: SandboxTenant, context: JobContext, request: pytest.FixtureRequest) -> None:
        self.tenant = tenant
        self.context = context
        self._request = request
        self._invoices = 0

    def invoice(self, **spec: Any) -> dict[str, Any]:
        """One invoice (``invoice_spec()`` with ``spec`` over it); returns the admin API's answer."""
        self._invoices += 1
        body = invoice_spec(spec.pop("invoice_number", f"INV-{self._invoices:04d}"), **spec)
        return self.tenant.admin.create_invoice(self.tenant.tenant_id, **body)

    def invoices(self, count: int, **overrides: Any) -> list[str]:
        """``count`` invoices at 90, ``INV-0001`` ... in creation order (oldest first); returns their tokens."""
        specs = []
        for n in range(count):
            self._invoices += 1
            spec = invoice_spec(f"INV-{self._invoices:04d}", **overrides)
            spec["tenant_id"] = self.tenant.tenant_id
            spec.setdefault("created_at", f"2026-11-01T{(n // 60) % 24:02d}:{n % 60:02d}:00Z")
            specs.append(spec)
        return self.tenant.admin.create_invoices(specs)

    def suppliers(self, rows: Iterable[Mapping[str, Any]], *, full_load: bool = False) -> SaveResult | FullLoadSummary:
        """Save suppliers (``SupplierLoad.new(**row)``: nested ``locations`` etc. as lists of dicts)."""
        from nuntiq_sdk.objects.supplier import SupplierLoad

        load = SupplierLoad(self.context)
        for row in rows:
            load.new(**row)
        return load.save_all(full_load=full_load)

    def supplier_rows(self) -> list[dict[str, Any]]:
        """Every supplier of the tenant as a dict, by ``supplier_code``: the fields that have a value.

        The API's timestamps and empty child lists are left out, so a test can compare whole rows.
        """
        from nuntiq_sdk.objects.supplier import SupplierLoad

        rows = [
            {k: v for k, v in entity.to_dict().items() if k not in ("created_at", "updated_at") and v != []}
            for entity in SupplierLoad(self.context).get_all()
        ]
        return sorted(rows, key=lambda row: str(row.get("supplier_code")))

    def supplier_codes(self) -> list[str]:
        return [str(row["supplier_code"]) for row in self.supplier_rows()]

    def file(self, remote_path: str, data: bytes | str, *, mtime: float | None = None) -> Path:
        """Place a file on the test's SFTP server (``nuntiq_sftp``)."""
        folder: SFTPDropFolder = self._request.getfixturevalue("nuntiq_sftp")
        return folder.put(remote_path, data, mtime=mtime)


# --- the fixtures ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def nuntiq_sandbox() -> Iterator[SandboxServer]:
    """The API sandbox for the whole session: a subprocess on 127.0.0.1, stopped at the end."""
    problem = missing_extra("the nuntiq_sandbox fixture")
    if problem:
        pytest.fail(problem, pytrace=False)
    from nuntiq_sandbox.testing import SandboxServer

    with SandboxServer() as server:
        yield server


@pytest.fixture
def nuntiq_tenant(nuntiq_sandbox: SandboxServer) -> SandboxTenant:
    """A fresh tenant (so tests never see each other's data) and a token with every permission."""
    tenant, token = nuntiq_sandbox.admin.create_tenant_with_token(name="Connector Test Customer")
    return SandboxTenant(
        tenant_id=tenant.tenant_id,
        customer_number=tenant.customer_number,
        token=token.token,
        api_url=nuntiq_sandbox.api_url,
        admin=nuntiq_sandbox.admin,
    )


@pytest.fixture
def nuntiq_sftp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SFTPDropFolder]:
    """An embedded SFTP server on 127.0.0.1 over an empty temporary root; password login, host key pinned."""
    from nuntiq_sandbox.sftp import EmbeddedSFTPServer

    base = tmp_path_factory.mktemp("nuntiq-sftp")
    root = base / "root"
    root.mkdir()
    password = secrets.token_urlsafe(16)
    with EmbeddedSFTPServer(root, users={SFTP_USER: password}) as server:
        known_hosts = server.write_known_hosts(base / "known_hosts")
        yield SFTPDropFolder(server=server, root=root, user=SFTP_USER, password=password, known_hosts=known_hosts)


@pytest.fixture
def nuntiq_settings(
    request: pytest.FixtureRequest, nuntiq_tenant: SandboxTenant, tmp_path_factory: pytest.TempPathFactory
) -> SettingsBuilder:
    """settings.json for the test's tenant, and for its ``nuntiq_sftp`` server when the test uses one."""
    sftp: SFTPDropFolder | None = None
    if "nuntiq_sftp" in request.fixturenames:
        sftp = request.getfixturevalue("nuntiq_sftp")
    return SettingsBuilder(tenant=nuntiq_tenant, folder=tmp_path_factory.mktemp("nuntiq-settings"), sftp=sftp)


@pytest.fixture
def nuntiq_context(nuntiq_settings: SettingsBuilder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JobContext]:
    """A ``JobContext`` on the test's tenant, for calling the SDK in the test itself; closed afterwards."""
    context = JobContext.from_settings(
        nuntiq_settings.build(), environ={}, work_dir=tmp_path_factory.mktemp("nuntiq-context")
    )
    with context:
        yield context


@pytest.fixture
def nuntiq_seed(request: pytest.FixtureRequest, nuntiq_tenant: SandboxTenant, nuntiq_context: JobContext) -> Seeder:
    """Seeding helpers for the test's tenant (and its SFTP server)."""
    return Seeder(nuntiq_tenant, nuntiq_context, request)


@pytest.fixture
def run_connector(nuntiq_settings: SettingsBuilder, tmp_path_factory: pytest.TempPathFactory) -> ConnectorRunner:
    """Run a connector as a job against the test's settings: ``run_connector(path, config={...})``."""
    return ConnectorRunner(settings=nuntiq_settings, folder=tmp_path_factory.mktemp("nuntiq-runs"))
