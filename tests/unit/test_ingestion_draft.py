"""The ingestion draft: fields from the spec, one ValidationError naming every problem, nothing sent before."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest

from nuntiq_sdk import JobContext, RetryTransport, ValidationError
from nuntiq_sdk._spec import customer_api_spec
from nuntiq_sdk.objects.ingestion import IngestionLoad, InvoiceDraft, StagedFile, max_file_bytes


@pytest.fixture
def requests() -> list[httpx.Request]:
    return []


@pytest.fixture
def load(tmp_path: Path, requests: list[httpx.Request]) -> IngestionLoad:
    def refuse(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(500)

    settings = {
        "customer_number": "1",
        "secrets": {"api_token": "ntq_sk_x"},
        "config": {"api_base_url": "http://127.0.0.1:9/v1", "api_max_retries": 0},
    }
    context = JobContext.from_settings(settings, environ={}, work_dir=tmp_path, transport=httpx.MockTransport(refuse))
    return IngestionLoad(context)


def test_fields_come_from_the_spec_schema(load: IngestionLoad) -> None:
    spec = customer_api_spec()["components"]["schemas"]["InvoiceImportRequest"]["properties"]
    draft = load.new(source_key="doc-1")
    assert draft._meta.fields == frozenset(spec)
    draft.ext_reference_5 = "X"
    with pytest.raises(AttributeError, match="did you mean 'supplier_code'"):
        draft.suplier_code = "SUP-1"
    with pytest.raises(AttributeError, match="attach"):
        draft.files = []


def test_the_builder_numbers_lines_and_keeps_roles(load: IngestionLoad, tmp_path: Path) -> None:
    pdf = tmp_path / "INV-1.pdf"
    pdf.write_bytes(b"%PDF")
    draft = load.new(source_key="doc-1", supplier_code="SUP-1")
    draft.set_field("invoiceNumber", "INV-1").fields["currencyCode"] = "EUR"
    draft.add_line({"description": "Widgets"}, amount="10.00")
    draft.add_line(line_number=7, description="Freight")
    draft.add_line()
    draft.add_address("vendor", address_name="Acme")
    original = draft.attach(pdf, role="original")
    extra = draft.attach(b"<x/>", file_name="INV-1.xml")

    assert draft.fields == {"invoiceNumber": "INV-1", "currencyCode": "EUR"}
    assert [line["line_number"] for line in draft.lines] == [1, 7, 8]
    assert draft.lines[0]["fields"] == {"description": "Widgets", "amount": "10.00"}
    assert draft.addresses == [{"role": "vendor", "address_name": "Acme"}]
    assert (original.file_name, original.content_type, original.path) == ("INV-1.pdf", "application/pdf", pdf)
    assert (extra.file_name, extra.content_type) == ("INV-1.xml", "application/xml")
    assert draft.attachments == (original, extra)
    draft.validate()


def test_every_problem_is_listed_with_its_field_and_value_before_any_request(
    load: IngestionLoad, requests: list[httpx.Request], tmp_path: Path
) -> None:
    draft = load.new(source_key="has space", supplier_code="S" * 51, ext_reference_1="r" * 256)
    draft.add_line(line_number=0)
    draft.add_line(line_number=2)
    draft.add_line(line_number=2)
    draft.add_address("", country_code="Germany")
    draft.attach(b"x", file_name="a/b.pdf", role="primary", content_type="pdf")
    draft.attach(tmp_path / "missing.pdf")

    with pytest.raises(ValidationError) as caught:
        draft.submit()

    fields = {problem.field for problem in caught.value.problems}
    assert fields == {
        "source_key",
        "supplier_code",
        "ext_reference_1",
        "lines[0].line_number",
        "lines[2].line_number",
        "addresses[0].role",
        "addresses[0].country_code",
        "files",
        "files[0].role",
        "files[0].file_name",
        "files[0].content_type",
        "files[1]",
    }
    message = str(caught.value)
    assert "'has space'" in message
    assert "'primary' is not one of original, attachment" in message
    assert "'Germany'" in message
    assert "exactly one original" in message
    assert requests == []


def test_files_are_required_and_only_one_original(load: IngestionLoad) -> None:
    draft = load.new(source_key="doc-1")
    with pytest.raises(ValidationError, match="files: needs at least 1 item"):
        draft.validate()
    draft.attach(b"a", file_name="a.pdf", role="original")
    draft.attach(b"b", file_name="b.pdf", role="original")
    with pytest.raises(ValidationError, match="holds 2"):
        draft.validate()


def test_a_file_over_the_spec_limit_is_refused_locally(load: IngestionLoad, monkeypatch: pytest.MonkeyPatch) -> None:
    assert (
        max_file_bytes()
        == customer_api_spec()["paths"]["/ingestion/files"]["post"]["requestBody"]["content"][
            "application/octet-stream"
        ]["schema"]["maxLength"]
    )
    monkeypatch.setattr(StagedFile, "size", lambda self: max_file_bytes() + 1)
    draft = load.new(source_key="doc-1")
    draft.attach(b"x", file_name="big.pdf", role="original")
    with pytest.raises(ValidationError, match=r"files\[0\]: 'big.pdf' is \d+ bytes, at most 52428800"):
        draft.validate()


def test_source_key_is_the_sha256_of_the_bytes_streamed_from_disk(tmp_path: Path) -> None:
    content = b"%PDF" * 700_000  # several hash chunks
    path = tmp_path / "a.pdf"
    path.write_bytes(content)
    expected = "sha256:" + hashlib.sha256(content).hexdigest()
    assert IngestionLoad.source_key_for(path) == expected
    assert IngestionLoad.source_key_for(str(path)) == expected
    assert IngestionLoad.source_key_for(content) == expected
    assert StagedFile("original", "a.pdf", "application/pdf", path=path).sha256() == (expected[7:], len(content))


def test_draft_is_an_invoice_draft(load: IngestionLoad) -> None:
    assert isinstance(load.new(source_key="k"), InvoiceDraft)


class _FlakyStreamingTransport(httpx.BaseTransport):
    """Reads the body the way a network transport does (iterating the stream); the first attempt fails."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(b"".join(request.stream))  # type: ignore[union-attr]
        if len(self.bodies) == 1:
            raise httpx.ConnectError("dropped")
        return httpx.Response(200)


def test_a_file_body_is_rewound_for_a_retry_not_buffered(tmp_path: Path) -> None:
    path = tmp_path / "a.pdf"
    path.write_bytes(b"0123456789" * 10_000)
    inner = _FlakyStreamingTransport()
    transport = RetryTransport(inner, max_retries=2, sleep=lambda _: None)
    with path.open("rb") as handle:
        request = httpx.Request("POST", "http://x/v1/ingestion/files", content=handle)
        assert transport.handle_request(request).status_code == 200
    assert inner.bodies == [path.read_bytes(), path.read_bytes()]
    assert not hasattr(request, "_content")  # never held in memory as a whole
