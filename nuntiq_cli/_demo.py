"""``nuntiq demo``: the main job, end to end on one machine.

In a temporary folder it starts the API sandbox (demo seed) and an embedded
SFTP server on 127.0.0.1 (host keys are verified through a known_hosts file).
Inbound leg: a supplier drops invoice PDFs with their JSON sidecars (one with
a UBL XML attachment), generated at run time, into a drop folder; the SFTP
invoice pull runs through ``nuntiq run`` and ingests them, and intake
completes. Outbound leg: the Acme ERP push connector runs through ``nuntiq
run`` with the product docs' settings.json and pushes the imported invoices
together with the demo seed's; then the demo plays the ERP: picks up the
files, moves them to ``sent/`` and reports ERP_RECEIVED by reference. Finally
it shows the files that landed and each invoice's final status and lifecycle
timeline, the imported ones marked.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nuntiq_sandbox.sftp import EmbeddedSFTPServer
    from nuntiq_sandbox.testing import SandboxServer
    from nuntiq_sdk import JobContext

__all__ = ["configure", "run"]

OUTBOX = "/inbound/invoices"
SENT = "/inbound/invoices/sent"
DROP = "/supplier-drop/invoices"
SFTP_USER = "nuntiq_push"
# The invoices a supplier drops for the inbound leg: number, supplier, gross amount.
DROPPED = (
    ("INV-2026-0301", "SUP-100", "1190.00"),
    ("INV-2026-0302", "SUP-200", "476.00"),
    ("INV-2026-0303", "SUP-300", "2380.00"),
    ("INV-2026-0304", "SUP-400", "95.20"),
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch-size", type=int, default=20, help="invoices per run (default 20)")
    parser.add_argument("--keep", type=Path, help="copy the SFTP folder here afterwards, to look at the files")


def _settings(sftp: EmbeddedSFTPServer, known_hosts: Path, password: str, batch_size: int) -> dict[str, object]:
    """The product docs' settings.json, pointed at the local servers."""
    return {
        "customer_number": "10000001",
        "secrets": {"sftp_password": password},
        "config": {
            "connector_name": "acme_erp_push",
            "sftp_host": sftp.host,
            "sftp_port": sftp.port,
            "sftp_user": SFTP_USER,
            "sftp_known_hosts": str(known_hosts),
            "remote_outbox": OUTBOX,
            "remote_sent": SENT,
            "batch_size": batch_size,
        },
    }


def _pull_settings(sftp: EmbeddedSFTPServer, known_hosts: Path, password: str) -> dict[str, object]:
    """settings.json of the SFTP invoice pull (connectors/sftp_invoice_pull/README.md), on the same server."""
    return {
        "customer_number": "10000001",
        "secrets": {"sftp_password": password},
        "config": {
            "connector_name": "supplier_drop_pull",
            "sftp_host": sftp.host,
            "sftp_port": sftp.port,
            "sftp_user": SFTP_USER,
            "sftp_known_hosts": str(known_hosts),
            "remote_inbox": DROP,
        },
    }


def _drop_invoices(root: Path) -> dict[str, bytes]:
    """The supplier's side: each invoice's PDF and sidecar (the first also a UBL XML); the originals by name."""
    from nuntiq_sandbox.documents import invoice_drop

    folder = root / DROP.lstrip("/")
    folder.mkdir(parents=True)
    originals: dict[str, bytes] = {}
    for index, (number, supplier, amount) in enumerate(DROPPED):
        for name, data in invoice_drop(number, supplier, amount, with_xml=index == 0).items():
            (folder / name).write_bytes(data)
            if name.endswith(".pdf"):
                originals[name] = data
    names = sorted(p.name for p in folder.iterdir())
    print(f"\nThe supplier dropped {len(names)} file(s) into {DROP}: {', '.join(names)}")
    return originals


def _run_job(connector_file: str, settings_path: Path, env: dict[str, str]) -> int:
    """``nuntiq run CONNECTOR --settings settings.json``, as the scheduler would run it."""
    print(f"\n$ nuntiq run {Path(connector_file).name} --settings {settings_path.name}\n", flush=True)
    command = [sys.executable, "-m", "nuntiq_cli", "run", connector_file, "--settings", str(settings_path)]
    result = subprocess.run(command, env=env, check=False, timeout=600)  # noqa: S603 - our own interpreter
    if result.returncode != 0:
        print(f"\n{Path(connector_file).name} failed (exit {result.returncode})", file=sys.stderr)
    return result.returncode


def _show_intake(context: JobContext, originals: dict[str, bytes]) -> set[str]:
    """Each imported invoice's intake, by the source key of its original; the imported invoices' tokens."""
    from nuntiq_sdk.objects.ingestion import IngestionLoad

    load = IngestionLoad(context)
    print("\nImported invoices after intake:")
    tokens: set[str] = set()
    for name, data in originals.items():
        status = load.get(IngestionLoad.source_key_for(data))
        tokens.add(str(status.invoice_token))
        print(f"  {name:<20} {status.status:<6} {status.invoice_status} {status.invoice_status_name}")
    return tokens


def run(args: argparse.Namespace) -> int:
    import connectors.acme_erp_sftp_push.acme_erp_sftp_push as push_connector
    import connectors.sftp_invoice_pull.sftp_invoice_pull as pull_connector
    from nuntiq_sandbox.sftp import EmbeddedSFTPServer
    from nuntiq_sandbox.testing import SandboxServer
    from nuntiq_sdk import JobContext

    with tempfile.TemporaryDirectory(prefix="nuntiq-demo-") as scratch_name:
        scratch = Path(scratch_name)
        root = scratch / "sftp"
        (root / SENT.lstrip("/")).mkdir(parents=True)
        password = secrets.token_urlsafe(18)
        with SandboxServer(seed="demo") as sandbox, EmbeddedSFTPServer(root, users={SFTP_USER: password}) as sftp:
            print(f"API sandbox (demo seed)  {sandbox.api_url}")
            print(f"SFTP server              sftp://{SFTP_USER}@{sftp.host}:{sftp.port}")
            print(f"SFTP host key            {sftp.fingerprint_sha256}")
            known_hosts = scratch / "known_hosts"
            sftp.write_known_hosts(known_hosts)
            pull_settings = scratch / "settings-pull.json"
            pull_settings.write_text(json.dumps(_pull_settings(sftp, known_hosts, password), indent=2))
            settings_path = scratch / "settings.json"
            settings_path.write_text(json.dumps(_settings(sftp, known_hosts, password, args.batch_size), indent=2))
            env = {**os.environ, "NUNTIQ_API_URL": sandbox.api_url, "NUNTIQ_API_TOKEN": sandbox.demo_token or ""}
            context = JobContext.from_settings(
                {
                    "customer_number": "10000001",
                    "secrets": {"api_token": sandbox.demo_token or ""},
                    "config": {"api_base_url": sandbox.api_url},
                },
                environ={},
                work_dir=scratch / "erp",
            )
            with context:
                originals = _drop_invoices(root)
                exit_code = _run_job(pull_connector.__file__, pull_settings, env)
                if exit_code != 0:
                    return exit_code
                sandbox.admin.complete_intake()  # Nuntiq captures and validates the imported invoices
                imported = _show_intake(context, originals)
                exit_code = _run_job(push_connector.__file__, settings_path, env)
                if exit_code != 0:
                    return exit_code
                delivered = _show_files(root)
                tokens = _play_the_erp(root, delivered, context)
                _show_invoices(sandbox, context, tokens, imported)
            if args.keep:
                shutil.copytree(root, args.keep, dirs_exist_ok=True)
                print(f"\nThe SFTP folder is copied to {args.keep}")
    return 0


def _show_files(root: Path) -> list[Path]:
    outbox = root / OUTBOX.lstrip("/")
    files = sorted(p for p in outbox.iterdir() if p.is_file() and not p.name.startswith("."))
    print(f"\nFiles in {OUTBOX}: {len(files)}")
    for path in files:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        print(f"  {path.name:<32} {path.stat().st_size:>5} bytes  {lines[1] if len(lines) > 1 else ''}")
    if files:
        print(f"\nFirst lines of {files[0].name} (tab-separated, UTF-8 with BOM):")
        for line in files[0].read_text(encoding="utf-8-sig").splitlines()[:3]:
            print("  " + line.replace("\t", " | "))
    return files


def _play_the_erp(root: Path, files: list[Path], context: JobContext) -> list[str]:
    """The ERP picks the files up, moves them to sent/ and reports ERP_RECEIVED by reference."""
    from nuntiq_sdk.objects.lifecycle_message import LifecycleMessageLoad

    sent = root / SENT.lstrip("/")
    load = LifecycleMessageLoad(context)
    tokens: list[str] = []
    for path in files:
        invoice_number, _date, _currency, _total, supplier_code, _lines = (
            path.read_text(encoding="utf-8-sig").splitlines()[1].split("\t")
        )
        path.rename(sent / path.name)
        msg = load.new()
        msg.code = "ERP_RECEIVED"
        msg.note_supplier = f"Picked up as {path.name}"
        response = msg.post_by_reference(
            invoice_number=invoice_number, supplier_code=supplier_code, idempotency_key=f"erp-{path.name}"
        )
        tokens.append(str(response.message.invoice_token))
    print(f"\nThe ERP moved {len(files)} file(s) to {SENT} and posted ERP_RECEIVED for each")
    return tokens


def _show_invoices(sandbox: SandboxServer, context: JobContext, tokens: list[str], imported: set[str]) -> None:
    from nuntiq_sdk.objects.lifecycle_message import LifecycleMessageLoad

    load = LifecycleMessageLoad(context)
    print("\nInvoices after the run:")
    for token in tokens:
        invoice = sandbox.admin.get_invoice(token)
        timeline = " > ".join(m.code for m in load.get_for_invoice(token))
        origin = "imported" if token in imported else "seed"
        print(
            f"  {invoice['invoice_number']:<16} {origin:<8} {invoice['status']:>3} {invoice['status_name']:<18} "
            f"{timeline}"
        )
        if invoice.get("external_id_1"):
            print(f"  {'':<16} {'':<8}     delivered as {invoice['external_id_1']}")
