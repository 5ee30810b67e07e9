"""The connector test harness (``nuntiq_sandbox.pytest_plugin``) tested through itself, with an example connector."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nuntiq_sandbox.pytest_plugin import ConnectorRunner, SandboxTenant, Seeder, SettingsBuilder, SFTPDropFolder
from nuntiq_sdk import JobContext
from nuntiq_sdk.objects.supplier import SupplierLoad
from tests.testing import example_connector

EXAMPLE = Path(example_connector.__file__)
SUPPLIERS = [
    {"supplier_code": "SUP-1", "name": "Acme GmbH", "country_code": "DE"},
    {"supplier_code": "SUP-2", "name": "Bolt BV", "locations": [{"location_code": "MAIN", "name": "Utrecht"}]},
]


def test_the_plugin_is_registered_by_its_entry_point(request: pytest.FixtureRequest) -> None:
    points = importlib.metadata.entry_points(group="pytest11")
    assert [p.value for p in points if p.name == "nuntiq_sandbox.pytest_plugin"] == ["nuntiq_sandbox.pytest_plugin"]
    assert request.config.pluginmanager.get_plugin("nuntiq_sandbox.pytest_plugin") is not None


def test_importing_the_sdk_or_the_plugin_loads_neither_the_sandbox_nor_the_sftp_server() -> None:
    code = (
        "import sys, nuntiq_sdk\n"
        "print(sorted(m for m in sys.modules if m.startswith(('nuntiq_sandbox', 'uvicorn', 'connexion', 'yaml'))))\n"
        "import nuntiq_sandbox.pytest_plugin\n"
        "print(sorted(m for m in sys.modules if m.startswith(('nuntiq_sandbox', 'uvicorn', 'connexion', 'yaml'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    sdk_only, with_plugin = result.stdout.splitlines()
    assert sdk_only == "[]"  # the SDK never imports the sandbox
    assert with_plugin == "['nuntiq_sandbox', 'nuntiq_sandbox._extra', 'nuntiq_sandbox.pytest_plugin']"


def test_a_remote_path_leaving_the_root_is_refused(tmp_path: Path) -> None:
    folder = SFTPDropFolder(server=None, root=tmp_path, user="u", password="p", known_hosts=tmp_path / "kh")  # type: ignore[arg-type]
    assert folder.local("/a/b.csv") == tmp_path / "a" / "b.csv"
    with pytest.raises(ValueError, match=r"'\.\.'"):
        folder.local("/a/../../etc/passwd")


@pytest.mark.live
def test_settings_without_sftp_name_only_the_api(
    nuntiq_settings: SettingsBuilder, nuntiq_tenant: SandboxTenant
) -> None:
    settings = nuntiq_settings.build({"connector_name": "x"})
    assert settings == {
        "customer_number": "10000001",
        "secrets": {"api_token": nuntiq_tenant.token},
        "config": {"api_base_url": nuntiq_tenant.api_url, "connector_name": "x"},
    }
    assert nuntiq_tenant.token not in repr(nuntiq_tenant) + repr(nuntiq_settings)


@pytest.mark.live
def test_settings_with_sftp_reach_the_server_with_its_host_key_verified(
    nuntiq_settings: SettingsBuilder, nuntiq_sftp: SFTPDropFolder
) -> None:
    from nuntiq_sdk.sftp import connect_sftp

    nuntiq_sftp.put("/in/a.csv", "x")
    settings = nuntiq_settings.build()
    assert settings["config"]["sftp_known_hosts"] == str(nuntiq_sftp.known_hosts)
    assert nuntiq_sftp.known_hosts.read_text().startswith(f"[127.0.0.1]:{nuntiq_sftp.server.port} ")
    with JobContext.from_settings(settings, environ={}) as context, connect_sftp(context) as connection:
        assert connection.list_names("/in") == ["a.csv"]


@pytest.mark.live
def test_the_context_and_the_seeder_work_on_the_tests_own_tenant(
    nuntiq_context: JobContext, nuntiq_seed: Seeder, nuntiq_tenant: SandboxTenant
) -> None:
    nuntiq_seed.suppliers(SUPPLIERS)
    assert [s.supplier_code for s in SupplierLoad(nuntiq_context).get_all()] == ["SUP-1", "SUP-2"]
    assert nuntiq_seed.supplier_rows()[1]["locations"] == [{"location_code": "MAIN", "name": "Utrecht"}]
    tokens = nuntiq_seed.invoices(2)
    invoice = nuntiq_tenant.admin.get_invoice(tokens[0])
    assert (invoice["invoice_number"], invoice["status"]) == ("INV-0001", 90)


@pytest.mark.live
def test_run_connector_runs_a_real_job_and_returns_summary_output_and_log(
    nuntiq_sftp: SFTPDropFolder, nuntiq_seed: Seeder, run_connector: ConnectorRunner
) -> None:
    nuntiq_seed.suppliers(SUPPLIERS)
    nuntiq_seed.file("/outbound/b.csv", "b")
    nuntiq_sftp.put("/outbound/a.csv", "a")

    result = run_connector(EXAMPLE, config={"remote_folder": "/outbound"}, job_params={"echo": "hi"})

    assert result.assert_ok() == {"suppliers": 2, "files": ["a.csv", "b.csv"], "echo": "hi"}
    assert result.messages(step="count") == ["Counted 2 supplier(s)"]
    assert "Counted 2 supplier(s)" in result.stderr
    assert nuntiq_sftp.password not in result.stdout + result.stderr + str(result.log)


@pytest.mark.live
def test_in_process_runs_give_the_same_result(nuntiq_seed: Seeder, run_connector: ConnectorRunner) -> None:
    nuntiq_seed.suppliers(SUPPLIERS[:1])
    result = run_connector("tests.testing.example_connector", in_process=True, job_params={"echo": "x"})
    assert result.assert_ok() == {"suppliers": 1, "echo": "x"}
    assert result.messages(step="count") == ["Counted 1 supplier(s)"]


@pytest.mark.live
@pytest.mark.parametrize("in_process", [False, True], ids=["subprocess", "in-process"])
def test_a_connector_that_raises_is_a_failed_job(run_connector: ConnectorRunner, in_process: bool) -> None:
    result = run_connector(example_connector, config={"fail_with": "ERP said no"}, in_process=in_process)
    assert (result.exit_code, result.summary, result.ok) == (1, None, False)
    assert result.messages(level="ERROR") == ["example_connector failed: RuntimeError: ERP said no"]
    with pytest.raises(AssertionError, match="exit code 1"):
        result.assert_ok()


@pytest.mark.live
def test_bad_settings_exit_2(run_connector: ConnectorRunner) -> None:
    result = run_connector(EXAMPLE, config={"api_timeout_seconds": -1})
    assert result.exit_code == 2
    assert "api_timeout_seconds" in result.stderr


@pytest.mark.live
def test_a_connector_authors_test_file_runs_with_nothing_but_the_installed_plugin(tmp_path: Path) -> None:
    """The README's example, in a project of its own (no conftest): the entry point brings the fixtures."""
    (tmp_path / "my_connector.py").write_text(EXAMPLE.read_text())
    (tmp_path / "test_my_connector.py").write_text(
        textwrap.dedent(
            """
            from pathlib import Path

            CONNECTOR = Path(__file__).with_name("my_connector.py")

            def test_counts(nuntiq_seed, nuntiq_sftp, run_connector):
                nuntiq_seed.suppliers([{"supplier_code": "SUP-1", "name": "Acme GmbH"}])
                nuntiq_sftp.put("/out/x.csv", "x")
                result = run_connector(CONNECTOR, config={"remote_folder": "/out"})
                assert result.assert_ok() == {"suppliers": 1, "files": ["x.csv"]}
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
