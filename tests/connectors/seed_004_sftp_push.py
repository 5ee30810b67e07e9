"""Push pending invoices to Acme ERP as CSV via SFTP."""
# The product docs' connector (seed 004) exactly as published, `lib.` imports
# included (`nuntiq run` provides them); a test runs it through `nuntiq run`.
# ruff: noqa
import csv
import io
import os
from datetime import datetime, timezone

import paramiko

from lib.delta import delta_run
from lib.objects.invoice import InvoiceLoad

STREAM_NAME = 'pushed_invoices'

# BOM so Excel renders UTF-8 correctly when finance opens the file.
UTF8_BOM = '\ufeff' # zero-width no-break space, makes Excel honor UTF-8


def open_sftp(host, port, user, password, logger):
    logger.info(f"Connecting to SFTP {user}@{host}:{port}", step='sftp_connect')
    transport = paramiko.Transport((host, port))
    transport.connect(username=user, password=password)
    return paramiko.SFTPClient.from_transport(transport), transport


def render_invoice_csv(invoice):
    """Render one invoice as a TSV string the ERP expects.

    Field keys (`invoiceNumber`, `grossAmount`, …) come from the customer's
    invoice template config — they're typically camelCase. If your customer
    uses different keys, swap these strings to match what their template
    actually emits.
    """
    inv_number = invoice.get_field('invoiceNumber') or 'UNKNOWN'
    inv_date = invoice.get_field('invoiceDate') or ''
    currency = invoice.get_field('currencyCode') or ''
    total = invoice.get_field('grossAmount') or ''

    vendor = invoice.get_address('vendor')
    supplier_code = invoice.get_field('supplierCode') or (vendor.address_name if vendor else '')

    buf = io.StringIO()
    buf.write(UTF8_BOM)
    writer = csv.writer(buf, delimiter='\t', lineterminator='\n')
    writer.writerow(['invoice_number', 'date', 'currency', 'total',
                     'supplier_code', 'line_count'])
    writer.writerow([
        inv_number, inv_date, currency, total,
        supplier_code, len(invoice.lines),
    ])
    return buf.getvalue(), inv_number


def safe_filename(invoice_number):
    """Drop characters the SFTP server (or Windows) might choke on."""
    safe = ''.join(c if c.isalnum() or c in ('-', '_') else '_' for c in invoice_number)
    return f"{safe}-{datetime.now(timezone.utc):%Y%m%d}.csv"


def upload_with_rename_on_collision(sftp, remote_dir, name, body_str, logger):
    """Write to a .tmp path, fsync, rename to final. Atomic visibility."""
    final = f"{remote_dir}/{name}"
    tmp = f"{final}.tmp"

    # Step 1: write tmp
    with sftp.open(tmp, 'wb') as f:
        f.write(body_str.encode('utf-8'))
        try:
            f.flush()
            # Not all servers implement fsync; ignore quietly if missing.
            os.fsync(f.fileno()) if hasattr(os, 'fsync') else None
        except (AttributeError, IOError):
            pass

    # Step 2: try to rename to final. Collision → suffix with timestamp.
    try:
        sftp.posix_rename(tmp, final)
    except (AttributeError, IOError):
        # posix_rename not supported, or final exists
        try:
            sftp.rename(tmp, final)
        except IOError:
            ts = datetime.now(timezone.utc).strftime('%H%M%S')
            alt = f"{remote_dir}/{name.rsplit('.', 1)[0]}-{ts}.csv"
            logger.warn(
                f"{final} exists; renaming to {alt}",
                step='upload',
                detail={'original': final, 'final': alt},
            )
            sftp.rename(tmp, alt)
            return alt

    return final


def run(context):
    connector_name = context.get_config('connector_name')
    host = context.get_config('sftp_host')
    port = int(context.get_config('sftp_port', default=22))
    user = context.get_config('sftp_user')
    password = context.get_secret('sftp_password')
    remote_outbox = context.get_config('remote_outbox')
    batch_size = int(context.get_config('batch_size', default=20))

    required = {
        'connector_name': connector_name, 'sftp_host': host,
        'sftp_user': user, 'sftp_password': password,
        'remote_outbox': remote_outbox,
    }
    missing = [k for k, v in required.items() if not v]
    if missing:
        raise RuntimeError(f"Missing required config/secrets: {missing}")

    inv_load = InvoiceLoad(context)

    # Claim BEFORE opening SFTP — if there's nothing to do, we don't even
    # need to log into the supplier server.
    leases = inv_load.claim(
        state='PendingIntegration',
        limit=batch_size,
        lease_ttl_seconds=600,
    )
    if not leases:
        context.logger.info("Nothing to push — no PendingIntegration invoices.")
        return {'pushed': 0, 'failed': 0}

    context.logger.info(f"Claimed {len(leases)} invoice(s)", step='claim')

    sftp, transport = open_sftp(host, port, user, password, context.logger)
    pushed = 0
    failed = 0

    try:
        with delta_run(context, connector_name, STREAM_NAME, cursor_type='timestamp_utc') as r:
            for lease in leases:
                invoice = inv_load.get_by_token(lease.invoice_token)
                csv_body, inv_number = render_invoice_csv(invoice)
                filename = safe_filename(inv_number)

                try:
                    final_remote = upload_with_rename_on_collision(
                        sftp, remote_outbox, filename, csv_body, context.logger,
                    )

                    # Acknowledge AFTER the file lands on SFTP, BEFORE we
                    # report the final result. If anything below crashes,
                    # the next run finds the invoice at PendingResult (93),
                    # not PendingIntegration — so we don't re-push it.
                    inv_load.acknowledge(lease.invoice_token)
                    inv_load.integration_result(
                        lease.invoice_token,
                        success=True,
                        external_id_1=final_remote,
                        external_message_1='SFTP_DELIVERED',
                    )
                    pushed += 1
                    context.logger.info(
                        f"Pushed {inv_number} → {final_remote}",
                        step='pushed',
                        detail={'invoice_number': inv_number, 'remote_path': final_remote},
                    )

                except Exception as e:
                    # Don't re-raise — record the failure and keep going.
                    # The invoice will land in IntegrationFailed (97); ops
                    # can re-trigger or hand-fix.
                    context.logger.warn(
                        f"Failed to push {inv_number}: {e}",
                        step='push',
                        detail={'invoice_number': inv_number, 'error': str(e)},
                    )
                    inv_load.integration_result(
                        lease.invoice_token,
                        success=False,
                        failure_code='SFTP_UPLOAD_FAILED',
                        failure_message=str(e)[:500],
                    )
                    failed += 1

            now_iso = datetime.now(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
            r.set_new_cursor(now_iso)
            r.set_records_processed(pushed + failed)
            r.set_metadata({
                'pushed': pushed,
                'failed': failed,
                'remote_outbox': remote_outbox,
            })

    finally:
        sftp.close()
        transport.close()

    return {
        'claimed': len(leases),
        'pushed': pushed,
        'failed': failed,
    }
