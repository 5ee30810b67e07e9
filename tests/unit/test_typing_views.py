"""A connector author's mypy sees every field of the results the Loads return, and catches a misspelt one."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from mypy import api as mypy_api

SNIPPET = """
from nuntiq_sdk import IntegrationResult, InvoiceLoad, JobContext, LifecycleMessageLoad, get_delta_state


def use(context: JobContext) -> None:
    load = InvoiceLoad(context)
    for lease in load.claim(limit=5):
        reveal_type(lease)  # 8
        reveal_type(lease.lease_expires_at)  # 9
        done = load.acknowledge(lease.invoice_token)
        reveal_type(done.status_name)  # 11
        print(done.status_name == "Procesed")  # 12: a misspelt status name
        print(lease.lease_idd)  # 13: a misspelt field
    state = get_delta_state(context, "acme", "pushed")
    cursor: str = state.cursor  # 15: may be None
    reveal_type(state.last_run.status if state.last_run else None)  # 16
    for message in LifecycleMessageLoad(context).get_for_invoice("tok"):
        reveal_type(message.invoice_id)  # 18
        print(message.note_supplier.upper())  # 19: may be None
    invoice = load.get_by_token("tok")
    reveal_type(invoice.supplier_location_code)  # 21
    reveal_type(invoice.attachments[0].save())  # 22
    print(invoice.invoice_numbr)  # 23: a misspelt field
    reveal_type(invoice.get_address("vendor"))  # 24
    for leased in load.claim(limit=5, with_invoices=True):
        reveal_type(leased)  # 26
        reveal_type(leased.invoice.attachments[0].read())  # 27: the SDK's Invoice, not Optional
    outcomes = load.acknowledge_all(load.claim())
    reveal_type(outcomes[0].outcome)  # 29
    print(outcomes[0].problem.code)  # 30: may be None
    reported = load.report_results([IntegrationResult(outcomes[0].invoice_token, success=True)])
    reveal_type(reported[0].outcome)  # 32
"""


def test_views_are_typed_field_by_field(tmp_path: Path) -> None:
    source = tmp_path / "connector_probe.py"
    source.write_text(textwrap.dedent(SNIPPET), encoding="utf-8")
    stdout, stderr, _ = mypy_api.run(["--strict", "--no-error-summary", "--hide-error-context", str(source)])
    assert stderr == ""
    found = re.findall(r"connector_probe\.py:(\d+): (error|note): (.*)", stdout)
    errors = {(int(line), text.rsplit("[", 1)[-1].rstrip("]")) for line, kind, text in found if kind == "error"}
    expected = {(12, "comparison-overlap"), (13, "attr-defined"), (15, "assignment"), (19, "union-attr")}
    expected |= {(30, "union-attr")}
    assert errors == {*expected, (23, "attr-defined")}, stdout
    revealed = {int(line): text for line, kind, text in found if kind == "note" and "Revealed type" in text}
    assert "nuntiq_sdk._generated.views.Lease" in revealed[8]
    assert revealed[9].endswith('"str"') or "builtins.str" in revealed[9]
    assert "'Processed'" in revealed[11]
    assert "'PendingResult'" in revealed[11]
    assert "'abandoned'" in revealed[16]
    assert "None" in revealed[16]
    assert "int" in revealed[18]
    assert "str" in revealed[18]
    assert "None" in revealed[21]
    assert "Path" in revealed[22]
    assert "nuntiq_sdk._generated.views.Address" in revealed[24]
    assert "nuntiq_sdk.objects.invoice.LeasedInvoice" in revealed[26]
    assert revealed[27].endswith('"bytes"') or "builtins.bytes" in revealed[27]
    assert "'acknowledged'" in revealed[29]
    assert "'already'" in revealed[29]
    assert "'reported'" in revealed[32]
