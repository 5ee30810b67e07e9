"""The bad-input catalogue: every bad input a connector author or operator can give is refused, by name.

Each case feeds one bad value through the public surface (settings.json,
``nuntiq run`` arguments, the connector's settings, Loads and drafts, file
names) and checks three things: the SDK raises its own error (``ConfigError``
or ``ValidationError``, both ``ValueError``s; never a crash from deep inside),
the message names the field, and nothing was sent (the API transport records
every request) or written (the job's work_dir stays empty). The test at the
end counts the catalogue: at least 60 inputs, 0 crashes, 0 silent acceptances.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

from connectors.acme_erp_sftp_push.acme_erp_sftp_push import PushConfig
from nuntiq_cli.__main__ import main
from nuntiq_sdk import ConfigError, JobContext, ValidationError
from nuntiq_sdk.objects.ingestion import IngestionLoad
from nuntiq_sdk.objects.invoice import Attachment, IntegrationResult, InvoiceLoad, Lease
from nuntiq_sdk.objects.lifecycle_message import LifecycleMessageLoad
from nuntiq_sdk.objects.payment import PaymentLoad
from nuntiq_sdk.objects.purchase_order import PurchaseOrderLineLoad, PurchaseOrderLoad
from nuntiq_sdk.objects.supplier import SupplierLoad
from nuntiq_sdk.sftp import SFTPSettings, safe_remote_name

TOKEN = "ntq_sk_" + "5" * 40
IBAN = "DE89370400440532013000"


@attrs.define
class Env:
    """A job's world with a network that records, never answers, and a work_dir to watch."""

    tmp: Path
    sent: list[httpx.Request] = attrs.field(factory=list)
    contexts: list[JobContext] = attrs.field(factory=list)

    @property
    def work(self) -> Path:
        return self.tmp / "work"

    def transport(self) -> httpx.MockTransport:
        def record(request: httpx.Request) -> httpx.Response:
            self.sent.append(request)
            return httpx.Response(500)

        return httpx.MockTransport(record)

    def settings(self, **config: Any) -> dict[str, Any]:
        return {
            "customer_number": "10000001",
            "secrets": {"api_token": TOKEN, "sftp_password": "pw-for-tests-1"},
            "config": {"api_base_url": "https://api.example.test/v1", **config},
        }

    def context(self, **config: Any) -> JobContext:
        return self.build(self.settings(**config))

    def build(self, settings: Any, **kwargs: Any) -> JobContext:
        context = JobContext.from_settings(
            settings, environ={}, work_dir=self.work, transport=self.transport(), **kwargs
        )
        self.contexts.append(context)
        return context

    def written(self) -> list[str]:
        """Files in the work_dir, the job's own log excepted."""
        if not self.work.exists():
            return []
        return sorted(
            str(p.relative_to(self.work)) for p in self.work.rglob("*") if p.is_file() and p.parent.name != "logs"
        )


@attrs.frozen
class Case:
    id: str
    run: Callable[[Env], object]
    field: str  # must appear in the error message
    kind: str  # the area, for the tally


CASES: list[Case] = []


def case(
    kind: str, field: str, case_id: str | None = None
) -> Callable[[Callable[[Env], object]], Callable[[Env], object]]:
    def register(function: Callable[[Env], object]) -> Callable[[Env], object]:
        CASES.append(Case(case_id or function.__name__.strip("_"), function, field, kind))
        return function

    return register


def settings_case(case_id: str, field: str, mutate: Callable[[dict[str, Any]], None], **kwargs: Any) -> None:
    def run(env: Env) -> object:
        settings = env.settings()
        mutate(settings)
        return env.build(settings, **kwargs)

    CASES.append(Case(case_id, run, field, "settings"))


def config_case(case_id: str, field: str, value: Any) -> None:
    settings_case(case_id, field, lambda s: s["config"].__setitem__(field, value))


# -- settings.json --------------------------------------------------------------------------------

settings_case("customer-number-missing", "customer_number", lambda s: s.pop("customer_number"))
settings_case("customer-number-int", "customer_number", lambda s: s.__setitem__("customer_number", 10000001))
settings_case("customer-number-blank", "customer_number", lambda s: s.__setitem__("customer_number", "   "))
settings_case("secrets-a-list", "secrets", lambda s: s.__setitem__("secrets", ["tok"]))
settings_case("secret-not-a-string", "secrets.sftp_password", lambda s: s["secrets"].__setitem__("sftp_password", 42))
settings_case("config-a-string", "config", lambda s: s.__setitem__("config", "api_base_url=x"))
settings_case("token-missing", "api_token", lambda s: s["secrets"].pop("api_token"))
config_case("url-ftp", "api_base_url", "ftp://api.example.test/v1")
config_case("url-relative", "api_base_url", "/v1")
config_case("url-a-number", "api_base_url", 8080)
config_case("url-port-out-of-range", "api_base_url", "https://api.example.test:99999/v1")
config_case("url-control-char", "api_base_url", "https://api.example.test/v1\x1b[2J")
config_case("timeout-nan", "api_timeout_seconds", math.nan)
config_case("timeout-inf", "api_timeout_seconds", math.inf)
config_case("timeout-negative", "api_timeout_seconds", -1)
config_case("timeout-zero", "api_timeout_seconds", 0)
config_case("timeout-string", "api_timeout_seconds", "30")
config_case("timeout-true", "api_timeout_seconds", True)
config_case("retries-1e9-float", "api_max_retries", 1e9)
config_case("retries-1e9-int", "api_max_retries", 1_000_000_000)
config_case("retries-negative", "api_max_retries", -1)
config_case("retries-fraction", "api_max_retries", 2.5)
config_case("verify-tls-string", "api_verify_tls", "yes")
config_case("work-dir-number", "work_dir", 7)


@case("settings", "settings must be a JSON object", "settings-a-list")
def _settings_a_list(env: Env) -> object:
    path = env.tmp / "settings.json"
    path.write_text('[{"customer_number": "1"}]')
    return env.build(path)


@case("settings", "not valid JSON", "settings-file-not-json")
def _settings_not_json(env: Env) -> object:
    path = env.tmp / "settings.json"
    path.write_text('{"customer_number": "1",}')
    return env.build(path)


@case("settings", "job_params", "job-param-control-char")
def _job_param_control(env: Env) -> object:
    return env.build(env.settings(), job_params={"since": "2026-11-01\x1b[31m"})


@case("settings", "job_params", "job-param-empty-key")
def _job_param_empty_key(env: Env) -> object:
    return env.build(env.settings(), job_params={"": "x"})


@case("settings", "job_params", "job-param-not-a-string")
def _job_param_int(env: Env) -> object:
    return env.build(env.settings(), job_params={"limit": 5})


# -- the SFTP settings -------------------------------------------------------------------------------


def sftp_case(case_id: str, field: str, value: Any) -> None:
    def run(env: Env) -> object:
        known_hosts = env.tmp / "known_hosts"
        known_hosts.write_text("")
        config = {"sftp_host": "127.0.0.1", "sftp_user": "acme", "sftp_known_hosts": str(known_hosts), field: value}
        return SFTPSettings.from_context(env.context(**config))

    CASES.append(Case(case_id, run, field, "sftp settings"))


sftp_case("sftp-port-true", "sftp_port", True)
sftp_case("sftp-port-fraction", "sftp_port", 22.9)
sftp_case("sftp-port-zero", "sftp_port", 0)
sftp_case("sftp-port-too-big", "sftp_port", 70000)
sftp_case("sftp-port-word", "sftp_port", "ssh")
sftp_case("sftp-timeout-nan", "sftp_timeout_seconds", math.nan)
sftp_case("sftp-timeout-inf", "sftp_timeout_seconds", math.inf)
sftp_case("sftp-timeout-zero", "sftp_timeout_seconds", 0)
sftp_case("sftp-host-missing", "sftp_host", None)
sftp_case("sftp-host-control-char", "sftp_host", "files.example\x1b.com")
sftp_case("sftp-known-hosts-missing", "sftp_known_hosts", "/nonexistent/known_hosts")
sftp_case("sftp-fingerprint-md5", "sftp_host_key_fingerprint", "MD5:aa:bb")


# -- the push connector's settings ---------------------------------------------------------------


def push_case(case_id: str, field: str, value: Any) -> None:
    def run(env: Env) -> object:
        config = {"connector_name": "acme_erp_push", "remote_outbox": "/inbound/invoices", field: value}
        return PushConfig.from_context(env.context(**config))

    CASES.append(Case(case_id, run, field, "connector settings"))


push_case("batch-size-zero", "batch_size", 0)
push_case("batch-size-too-big", "batch_size", 501)
push_case("batch-size-word", "batch_size", "ten")
push_case("batch-size-true", "batch_size", True)
push_case("file-mode-unknown", "file_mode", "zip")
push_case("outbox-relative", "remote_outbox", "inbound/invoices")
push_case("outbox-traversal", "remote_outbox", "/inbound/../etc")
push_case("lease-ttl-too-short", "lease_ttl_seconds", 5)
push_case("connector-name-missing", "connector_name", None)


# -- nuntiq run arguments -------------------------------------------------------------------------


def argument_case(case_id: str, field: str, *params: str) -> None:
    def run(env: Env) -> object:
        connector = env.tmp / "connector.py"
        marker = env.work / "ran"
        connector.write_text(f"def run(context):\n    open({str(marker)!r}, 'w').close()\n    return {{}}\n")
        settings = env.tmp / "settings.json"
        settings.write_text(json.dumps(env.settings()))
        argv = ["run", str(connector), "--settings", str(settings), "--work-dir", str(env.work)]
        for param in params:
            argv += ["--job-param", param]
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = main(argv)
        assert not marker.exists(), "the connector ran"
        if code == 2:
            raise ConfigError([f"nuntiq run exit 2: {err.getvalue().strip()}"])
        return code

    CASES.append(Case(case_id, run, field, "arguments"))


argument_case("job-param-no-equals", "KEY=VALUE", "since")
argument_case("job-param-empty-key-argument", "KEY=VALUE", "=2026-11-01")
argument_case("job-param-twice", "given twice", "since=2026-11-01", "since=2026-11-02")
argument_case("job-param-escape", "control characters", "since=2026\x1b[2J")
argument_case("job-param-newline", "control characters", "note=a\nb")


# -- rows: master data --------------------------------------------------------------------------------


def save(load: Any) -> object:
    return load.save_all()


@case("rows", "supplier_code", "supplier-code-missing")
def _supplier_code_missing(env: Env) -> object:
    load = SupplierLoad(env.context())
    load.new(name="Acme")
    return save(load)


@case("rows", "supplier_code", "supplier-code-bad-pattern")
def _supplier_code_pattern(env: Env) -> object:
    load = SupplierLoad(env.context())
    load.new(supplier_code="-SUP 1", name="Acme")
    return save(load)


@case("rows", "name", "supplier-name-too-long")
def _supplier_name_long(env: Env) -> object:
    load = SupplierLoad(env.context())
    load.new(supplier_code="SUP-1", name="x" * 201)
    return save(load)


@case("rows", "name", "supplier-new-without-name")
def _supplier_no_name(env: Env) -> object:
    load = SupplierLoad(env.context())
    load.new(supplier_code="SUP-1")
    return save(load)


@case("rows", "country_code", "supplier-country-xx")
def _supplier_country(env: Env) -> object:
    load = SupplierLoad(env.context())
    load.new(supplier_code="SUP-1", name="Acme", country_code="XX")
    return save(load)


@case("rows", "country_code", "supplier-address-country-xx")
def _supplier_address_country(env: Env) -> object:
    load = SupplierLoad(env.context())
    supplier = load.new(supplier_code="SUP-1", name="Acme")
    supplier.addresses.new(address_type="legal", city="Berlin", country_code="XX")
    return save(load)


@case("rows", "iban", "iban-bad-checksum")
def _iban(env: Env) -> object:
    load = SupplierLoad(env.context())
    supplier = load.new(supplier_code="SUP-1", name="Acme")
    supplier.bank_accounts.new(iban="DE89370400440532013001")
    return save(load)


@case("rows", "currency_code", "currency-unknown")
def _currency(env: Env) -> object:
    load = SupplierLoad(env.context())
    load.new(supplier_code="SUP-1", name="Acme", currency_code="XYZ")
    return save(load)


@case("rows", "email", "email-without-at")
def _email(env: Env) -> object:
    load = SupplierLoad(env.context())
    load.new(supplier_code="SUP-1", name="Acme", email="ap.acme.example")
    return save(load)


@case("rows", "payment_terms_days", "payment-terms-negative")
def _terms(env: Env) -> object:
    load = SupplierLoad(env.context())
    load.new(supplier_code="SUP-1", name="Acme", payment_terms_days=-3)
    return save(load)


@case("rows", "batch_size", "save-all-batch-size-zero")
def _batch_zero(env: Env) -> object:
    load = SupplierLoad(env.context())
    load.new(supplier_code="SUP-1", name="Acme")
    return load.save_all(batch_size=0)


@case("rows", "batch_size", "load-batch-size-zero")
def _load_batch_zero(env: Env) -> object:
    load = SupplierLoad(env.context(), batch_size=0)
    load.new(supplier_code="SUP-1", name="Acme")
    return load.save_all()


@case("rows", "batch_size", "save-all-batch-size-negative")
def _batch_negative(env: Env) -> object:
    load = SupplierLoad(env.context())
    load.new(supplier_code="SUP-1", name="Acme")
    return load.save_all(batch_size=-5)


# -- amounts ---------------------------------------------------------------------------------------------


def payment(env: Env, amount: object) -> object:
    load = PaymentLoad(env.context())
    load.new(payment_number="PAY-1", payment_date="2026-11-02", currency_code="EUR", amount=amount)
    return save(load)


for _id, _amount in (("nan", math.nan), ("inf", math.inf), ("minus-inf", -math.inf), ("string", "12,50")):
    CASES.append(Case(f"payment-amount-{_id}", lambda env, a=_amount: payment(env, a), "amount", "amounts"))


@case("amounts", "total_amount", "po-total-nan")
def _po_total(env: Env) -> object:
    load = PurchaseOrderLoad(env.context())
    load.new(po_number="PO-1", supplier_code="SUP-1", currency_code="EUR", total_amount=math.nan)
    return save(load)


@case("amounts", "quantity", "po-line-quantity-negative")
def _po_line_quantity(env: Env) -> object:
    load = PurchaseOrderLineLoad(env.context())
    load.new(po_number="PO-1", line_number=1, quantity=-1)
    return save(load)


@case("amounts", "unit_price", "po-line-price-inf")
def _po_line_price(env: Env) -> object:
    load = PurchaseOrderLineLoad(env.context())
    load.new(po_number="PO-1", line_number=1, quantity=1, unit_price=math.inf)
    return save(load)


# -- dates -----------------------------------------------------------------------------------------------


@case("dates", "payment_date", "payment-date-february-30")
def _payment_date(env: Env) -> object:
    load = PaymentLoad(env.context())
    load.new(payment_number="PAY-1", payment_date="2026-02-30", currency_code="EUR", amount=1)
    return save(load)


@case("dates", "order_date", "po-date-not-iso")
def _po_date(env: Env) -> object:
    load = PurchaseOrderLoad(env.context())
    load.new(po_number="PO-1", order_date="02.11.2026")
    return save(load)


@case("dates", "occurred_at", "lifecycle-occurred-at-not-a-time")
def _occurred_at(env: Env) -> object:
    message = LifecycleMessageLoad(env.context()).new()
    message.code = "ACCEPTED"
    message.occurred_at = "yesterday"
    return message.post_to(invoice_token="tok_1")


# -- ingestion ----------------------------------------------------------------------------------------


def draft(env: Env, **values: Any) -> Any:
    pdf = env.tmp / "invoice.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    item = IngestionLoad(env.context()).new(source_key="scan-0001", **values)
    item.fields["invoiceNumber"] = "INV-1"
    item.attach(pdf, role="original")
    return item


@case("ingestion", "country_code", "ingestion-address-country-xx")
def _ingestion_country(env: Env) -> object:
    item = draft(env)
    item.add_address("vendor", address_name="Acme", country_code="XX")
    return item.submit()


@case("ingestion", "fields.notes", "ingestion-field-10-mb")
def _ingestion_huge_field(env: Env) -> object:
    item = draft(env)
    item.fields["notes"] = "x" * (10 * 1024 * 1024)
    return item.submit()


@case("ingestion", "fields.grossAmount", "ingestion-amount-nan")
def _ingestion_nan(env: Env) -> object:
    item = draft(env)
    item.fields["grossAmount"] = math.nan
    return item.submit()


@case("ingestion", "lines[0]", "ingestion-line-amount-inf")
def _ingestion_line_inf(env: Env) -> object:
    item = draft(env)
    item.add_line({"description": "Widgets", "amount": math.inf})
    return item.submit()


@case("ingestion", "supplier_code", "ingestion-supplier-code-pattern")
def _ingestion_supplier(env: Env) -> object:
    return draft(env, supplier_code="ACME SUPPLIES").submit()


@case("ingestion", "source_key", "ingestion-source-key-empty")
def _ingestion_source_key(env: Env) -> object:
    item = IngestionLoad(env.context()).new(source_key="")
    item.fields["invoiceNumber"] = "INV-1"
    return item.submit()


# -- invoice batches -----------------------------------------------------------------------------------


def lease(token: str = "tok_1", lease_id: str = "lease_1") -> Lease:
    return Lease(invoice_token=token, lease_id=lease_id, status=92, lease_expires_at="2026-11-15T12:10:00Z")


@case("invoices", "with_invoices", "claim-with-invoices-not-a-bool")
def _claim_with_invoices(env: Env) -> object:
    return InvoiceLoad(env.context()).claim(with_invoices="yes")  # type: ignore[call-overload]


@case("invoices", "leases[1]", "acknowledge-all-unclaimed-token")
def _acknowledge_all_token(env: Env) -> object:
    return InvoiceLoad(env.context()).acknowledge_all([lease(), "tok_never_claimed"])


@case("invoices", "leases[1].invoice_token", "acknowledge-all-same-invoice-twice")
def _acknowledge_all_twice(env: Env) -> object:
    return InvoiceLoad(env.context()).acknowledge_all([lease(), lease(lease_id="lease_2")])


@case("invoices", "leases[0].lease_id", "acknowledge-all-lease-id-too-long")
def _acknowledge_all_lease_id(env: Env) -> object:
    return InvoiceLoad(env.context()).acknowledge_all([lease(lease_id="l" * 65)])


@case("invoices", "leases", "acknowledge-all-too-many")
def _acknowledge_all_too_many(env: Env) -> object:
    return InvoiceLoad(env.context()).acknowledge_all([lease(f"tok_{n}") for n in range(501)])


@case("invoices", "results[0].failure_code", "report-results-failure-without-code")
def _report_results_no_code(env: Env) -> object:
    return InvoiceLoad(env.context()).report_results([IntegrationResult(lease(), success=False)])


@case("invoices", "results[1]", "report-results-not-a-result")
def _report_results_not_a_result(env: Env) -> object:
    load = InvoiceLoad(env.context())
    return load.report_results([IntegrationResult(lease(), success=True), lease("tok_2")])  # type: ignore[list-item]


@case("invoices", "results[0].failure_message", "report-results-message-too-long")
def _report_results_message(env: Env) -> object:
    result = IntegrationResult(lease(), success=False, failure_code="ERP_DOWN", failure_message="x" * 501)
    return InvoiceLoad(env.context()).report_results([result])


# -- remote and attachment names ---------------------------------------------------------------------


def attachment(env: Env, file_name: str) -> Attachment:
    load = InvoiceLoad(env.context())
    return Attachment("att_1", file_name, "application/pdf", 10, "0" * 64, load=load, invoice_token="tok_1")


@case("names", "name", "attachment-server-name-255-chars")
def _attachment_long_server_name(env: Env) -> object:
    return attachment(env, "a" * 251 + ".pdf").save()


@case("names", "name", "attachment-name-300-chars")
def _attachment_long_name(env: Env) -> object:
    return attachment(env, "invoice.pdf").save("b" * 300)


@case("names", "name", "attachment-name-escape")
def _attachment_escape(env: Env) -> object:
    return attachment(env, "invoice\x1b[2J.pdf").save()


@case("names", "name", "attachment-name-newline")
def _attachment_newline(env: Env) -> object:
    return attachment(env, "invoice\n.pdf").save()


@case("names", "name", "attachment-name-traversal")
def _attachment_traversal(env: Env) -> object:
    return attachment(env, "../../etc/passwd").save()


@case("names", "name", "attachment-name-dotdot")
def _attachment_dotdot(env: Env) -> object:
    return attachment(env, "..").save()


@case("names", "extension", "remote-name-bad-extension")
def _remote_extension(env: Env) -> object:
    return safe_remote_name("INV-1", ".c sv")


@case("names", "extension", "remote-name-extension-traversal")
def _remote_extension_traversal(env: Env) -> object:
    return safe_remote_name("INV-1", "./../x")


# -- the catalogue -------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", CASES, ids=[c.id for c in CASES])
def test_a_bad_input_is_refused_by_name_with_nothing_sent_or_written(bad: Case, tmp_path: Path) -> None:
    env = Env(tmp_path)
    try:
        with pytest.raises(ValueError, match=None) as caught:  # ConfigError and ValidationError are ValueErrors
            bad.run(env)
    finally:
        for context in env.contexts:
            context.close()
    error = caught.value
    assert isinstance(error, ConfigError | ValidationError) or type(error) is ValueError, (
        f"{bad.id}: {type(error).__name__} is not the SDK's error: {error}"
    )
    assert bad.field in str(error), f"{bad.id}: {bad.field!r} not named in: {error}"
    assert env.sent == [], f"{bad.id}: {len(env.sent)} request(s) sent: {[str(r.url) for r in env.sent]}"
    assert env.written() == [], f"{bad.id}: written: {env.written()}"


def test_the_catalogue_holds_at_least_60_inputs_across_every_area() -> None:
    kinds = {c.kind for c in CASES}
    assert len(CASES) >= 60, len(CASES)
    assert len({c.id for c in CASES}) == len(CASES), "case ids repeat"
    assert kinds >= {"settings", "arguments", "rows", "amounts", "dates", "names", "ingestion", "sftp settings"}
    assert "invoices" in kinds
    print(
        f"\nbad-input catalogue: {len(CASES)} inputs; by area: "
        + ", ".join(f"{kind} {sum(1 for c in CASES if c.kind == kind)}" for kind in sorted(kinds))
    )
