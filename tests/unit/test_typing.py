"""mypy infers the model type through ``call``/``send`` from the real generated endpoints."""

from __future__ import annotations

import textwrap
from pathlib import Path

from mypy import api as mypy_api

SNIPPET = """
from generated_client import AuthenticatedClient
from generated_client.api.invoices import claim_invoices, get_invoice
from generated_client.models import ClaimRequest, Invoice
from nuntiq_sdk._http import call, send


def use(api: AuthenticatedClient) -> None:
    reveal_type(call(claim_invoices.sync_detailed, client=api, body=ClaimRequest(limit=5)))
    reveal_type(send(get_invoice.sync_detailed, "tok_1", client=api))
    wrong: Invoice = call(claim_invoices.sync_detailed, client=api, body=ClaimRequest())
    call(claim_invoices.sync_detailed, client=api, bogus=1)
"""


def test_call_and_send_infer_the_model_type(tmp_path: Path) -> None:
    source = tmp_path / "typed_usage.py"
    source.write_text(textwrap.dedent(SNIPPET), encoding="utf-8")
    stdout, stderr, _ = mypy_api.run(["--strict", "--no-error-summary", "--hide-error-context", str(source)])
    # The path may be reported as an earlier run's (mypy's cache knows the module), so match on the name.
    lines = [line.split(": ", 1)[1] for line in stdout.splitlines() if "typed_usage.py:" in line]
    assert stderr == ""
    assert lines == [
        'note: Revealed type is "generated_client.models.claim_response.ClaimResponse"',
        'note: Revealed type is "generated_client.types.Response[generated_client.models.invoice.Invoice]"',
        'error: Incompatible types in assignment (expression has type "ClaimResponse", variable has type "Invoice")'
        "  [assignment]",
        'error: Unexpected keyword argument "bogus" for "call"  [call-arg]',
        'note: "call" defined in "nuntiq_sdk._http"',
    ], stdout
