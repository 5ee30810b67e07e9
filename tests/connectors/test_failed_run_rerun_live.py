"""A connector run that fails is followed at once by a rerun that succeeds (real jobs, live sandbox and SFTP).

The product docs' failure mode "SFTP down": connecting raises inside
``delta_run``, which marks the run failed and re-raises, so the job exits 1
with the cursor where it was; the scheduler's next run, straight away, is not
blocked by the failed one and loads the file.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

import connectors.supplier_master_pull.supplier_master_pull as pull_connector
from nuntiq_sandbox.pytest_plugin import ConnectorRunner, Seeder, SFTPDropFolder
from nuntiq_sdk import JobContext
from nuntiq_sdk.delta import get_delta_state

pytestmark = pytest.mark.live

CONFIG = {"connector_name": "acme_supplier_pull", "remote_folder": "/outbound/suppliers"}
CSV = "supplier_code,name,country_code,currency_code\nSUP-1,Acme Supplies GmbH,DE,EUR\nSUP-2,Bolt BV,NL,EUR\n"


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound (so no one else gets it) but not listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_a_run_that_failed_with_the_sftp_server_down_is_rerun_at_once(
    nuntiq_sftp: SFTPDropFolder,
    nuntiq_seed: Seeder,
    nuntiq_context: JobContext,
    run_connector: ConnectorRunner,
    closed_port: int,
) -> None:
    nuntiq_sftp.put("/outbound/suppliers/suppliers_1.csv", CSV)

    down = run_connector(pull_connector, config={**CONFIG, "sftp_port": closed_port})

    assert down.exit_code == 1
    assert "cannot reach SFTP server" in down.stderr
    state = get_delta_state(nuntiq_context, CONFIG["connector_name"], pull_connector.STREAM_NAME)
    assert state.cursor is None
    assert state.last_run is not None
    assert state.last_run.status == "failed"
    reason = f"SFTPDeliveryError: cannot reach SFTP server 127.0.0.1:{closed_port}"
    assert state.last_run.error_message.startswith(reason)
    assert nuntiq_seed.supplier_codes() == []

    rerun = run_connector(pull_connector, config=CONFIG)  # at once: no clock moved, no TTL waited out

    assert (rerun.assert_ok()["files_processed"], rerun.summary["created"]) == (1, 2)
    assert nuntiq_seed.supplier_codes() == ["SUP-1", "SUP-2"]
    state = get_delta_state(nuntiq_context, CONFIG["connector_name"], pull_connector.STREAM_NAME)
    assert state.last_run is not None
    assert state.last_run.status == "completed"
    assert state.cursor is not None
    assert "suppliers_1.csv" in state.cursor
