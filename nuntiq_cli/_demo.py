"""``nuntiq demo``: the main job, end to end on one machine.

In a temporary folder it starts the API sandbox (demo seed) and an embedded
SFTP server on 127.0.0.1, writes the product docs' settings.json for the Acme
ERP push connector (plus a known_hosts file: host keys are verified), runs
the connector through ``nuntiq run`` as a real job would run, and then plays
the ERP: picks up the files, moves them to ``sent/`` and reports
ERP_RECEIVED by reference. Finally it shows the files that landed and each
invoice's final status and lifecycle timeline.
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
SFTP_USER = "nuntiq_push"


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


def run(args: argparse.Namespace) -> int:
    import connectors.acme_erp_sftp_push as push_connector
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
            settings_path = scratch / "settings.json"
            settings_path.write_text(json.dumps(_settings(sftp, known_hosts, password, args.batch_size), indent=2))

            print(f"\n$ nuntiq run {Path(push_connector.__file__).name} --settings settings.json\n", flush=True)
            env = {**os.environ, "NUNTIQ_API_URL": sandbox.api_url, "NUNTIQ_API_TOKEN": sandbox.demo_token or ""}
            command = [
                sys.executable,
                "-m",
                "nuntiq_cli",
                "run",
                push_connector.__file__,
                "--settings",
                str(settings_path),
            ]
            result = subprocess.run(command, env=env, check=False, timeout=600)  # noqa: S603 - our own interpreter
            if result.returncode != 0:
                print(f"\nthe connector failed (exit {result.returncode})", file=sys.stderr)
                return result.returncode

            delivered = _show_files(root)
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
                tokens = _play_the_erp(root, delivered, context)
                _show_invoices(sandbox, context, tokens)
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


def _show_invoices(sandbox: SandboxServer, context: JobContext, tokens: list[str]) -> None:
    from nuntiq_sdk.objects.lifecycle_message import LifecycleMessageLoad

    load = LifecycleMessageLoad(context)
    print("\nInvoices after the run:")
    for token in tokens:
        invoice = sandbox.admin.get_invoice(token)
        timeline = " > ".join(m.code for m in load.get_for_invoice(token))
        print(f"  {invoice['invoice_number']:<16} {invoice['status']:>3} {invoice['status_name']:<18} {timeline}")
        if invoice.get("external_id_1"):
            print(f"  {'':<16}     delivered as {invoice['external_id_1']}")
