"""IngestionLoad: push invoices INTO Nuntiq - upload their files, submit the structured invoice, in one call.

A draft is built locally (its fields are the spec's ``InvoiceImportRequest``),
then ``submit()`` validates everything from the spec before any request,
streams each file once to hash it, skips files the tenant already stored
(looked up by sha256), uploads the rest straight from disk, and submits the
import. The import is idempotent on ``source_key``: submitting the same
document again returns the first invoice token with ``idempotent=True``; the
same key with different content raises ``SourceKeyConflictError``.

Example::

    load = IngestionLoad(context)
    draft = load.new(source_key=IngestionLoad.source_key_for(pdf_path), supplier_code="SUP-100")
    draft.fields["invoiceNumber"] = "INV-1001"
    draft.add_line({"description": "Widgets", "quantity": 10, "amount": "1000.00"})
    draft.add_address("vendor", address_name="Acme Supplies GmbH", country_code="DE")
    draft.attach(pdf_path, role="original")
    result = draft.submit()  # result.invoice_token, result.status ("intake" or "ready"), result.idempotent
"""

from __future__ import annotations

import hashlib
import io
import math
import mimetypes
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import attrs

from generated_client.api.ingestion import (
    get_ingestion_file,
    get_invoice_import,
    submit_invoice_import,
    upload_ingestion_file,
)
from generated_client.models import InvoiceImportRequest
from generated_client.types import UNSET, File
from nuntiq_sdk._exceptions import FieldProblem, FileNotFoundOnServerError, ValidationError
from nuntiq_sdk._generated.entities import InvoiceImportRequest as InvoiceImportFields
from nuntiq_sdk._generated.views import IngestionFile, InvoiceImport
from nuntiq_sdk._http import call_view
from nuntiq_sdk._spec import customer_api_spec, resolve, spec_cache
from nuntiq_sdk._validation import RequestSchema, check_parameter

if TYPE_CHECKING:
    from nuntiq_sdk._context import JobContext

__all__ = ["IngestionLoad", "InvoiceDraft", "StagedFile"]

ORIGINAL = "original"
ATTACHMENT = "attachment"
DEFAULT_CONTENT_TYPE = "application/octet-stream"
# Files are hashed in chunks of this size, never read whole.
HASH_CHUNK_BYTES = 1 << 20
_NESTED = {"lines": "InvoiceLine", "addresses": "Address"}
# A free-form template value (fields, line and address extras) longer than this is a mistake, not an invoice.
MAX_FREE_TEXT = 65_536
MAX_FREE_DEPTH = 20


@spec_cache
def max_file_bytes() -> int:
    """The largest file the API accepts: the upload body's ``maxLength`` in the spec."""
    operation = customer_api_spec()["paths"]["/ingestion/files"]["post"]
    schema = resolve(operation["requestBody"]["content"]["application/octet-stream"]["schema"])
    return int(schema["maxLength"])


def _hash_stream(handle: BinaryIO) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(HASH_CHUNK_BYTES):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


@attrs.frozen
class StagedFile:
    """A file attached to a draft: read from ``path`` when submitted (or held as ``content``)."""

    role: str
    file_name: str
    content_type: str
    path: Path | None = attrs.field(default=None)
    content: bytes | None = attrs.field(default=None, repr=False)

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """The file's bytes as a stream (a disk file is opened, never read whole)."""
        if self.content is not None:
            yield io.BytesIO(self.content)
            return
        assert self.path is not None
        with self.path.open("rb") as handle:
            yield handle

    def size(self) -> int:
        """The size now (a disk file's, from the file system)."""
        if self.content is not None:
            return len(self.content)
        assert self.path is not None
        return self.path.stat().st_size

    def sha256(self) -> tuple[str, int]:
        """Hex sha256 and size, computed in one streaming pass."""
        with self.open() as handle:
            return _hash_stream(handle)


class InvoiceDraft(InvoiceImportFields):
    """An invoice being built for import; its fields are the spec's ``InvoiceImportRequest`` properties.

    ``fields`` (template keys), ``lines`` and ``addresses`` start empty; files
    are added with ``attach()`` (the server's file ids are filled in at submit).
    Nothing is checked until ``validate()`` or ``submit()``.
    """

    __slots__ = ("_files", "_load")

    _load: IngestionLoad
    _files: list[StagedFile]

    def __init__(self, load: IngestionLoad, **values: Any) -> None:
        object.__setattr__(self, "_load", load)
        object.__setattr__(self, "_files", [])
        super().__init__()
        empty: dict[str, Any] = {"fields": {}, "lines": [], "addresses": []}
        for name, value in empty.items():
            setattr(self, name, value)
        for name, value in values.items():
            setattr(self, name, value)

    def _set_field(self, name: str, value: Any) -> None:
        if name == "files":
            raise AttributeError("InvoiceDraft.files are the uploaded files' ids, set at submit; use attach()")
        super()._set_field(name, value)

    @property
    def attachments(self) -> tuple[StagedFile, ...]:
        """The files attached so far, in order."""
        return tuple(self._files)

    def set_field(self, key: str, value: Any) -> InvoiceDraft:
        """Set one template field (``invoiceNumber``, ``grossAmount``, ...); returns the draft for chaining."""
        self.fields[key] = value
        return self

    def add_line(
        self, fields: Mapping[str, Any] | None = None, /, *, line_number: int | None = None, **more: Any
    ) -> dict[str, Any]:
        """Append a line (numbered after the last one unless ``line_number`` is given) and return it."""
        lines = self.lines
        if lines is None:
            lines = self.lines = []
        if line_number is None:
            numbers = [line.get("line_number") for line in lines]
            line_number = max((n for n in numbers if isinstance(n, int)), default=0) + 1
        line = {"line_number": line_number, "fields": {**(fields or {}), **more}}
        lines.append(line)
        return line

    def add_address(self, role: str, **values: Any) -> dict[str, Any]:
        """Append an address with this role (``vendor``, ``buyer``, ``remit_to``, ...) and return it."""
        address = {"role": role, **values}
        addresses = self.addresses
        if addresses is None:
            addresses = self.addresses = []
        addresses.append(address)
        return address

    def attach(
        self,
        source: str | os.PathLike[str] | bytes,
        *,
        file_name: str | None = None,
        content_type: str | None = None,
        role: str = ATTACHMENT,
    ) -> StagedFile:
        """Attach a file by path (read at submit, streamed) or by its bytes; ``role`` is original or attachment.

        ``file_name`` defaults to the path's name (required for bytes);
        ``content_type`` to a guess from the name, else application/octet-stream.
        """
        if isinstance(source, bytes | bytearray):
            path, content = None, bytes(source)
            name = file_name
        else:
            path, content = Path(source), None
            name = file_name if file_name is not None else path.name
        guessed = mimetypes.guess_type(name or "")[0]
        staged = StagedFile(
            role=role,
            file_name=name or "",
            content_type=content_type or guessed or DEFAULT_CONTENT_TYPE,
            path=path,
            content=content,
        )
        self._files.append(staged)
        return staged

    def problems(self) -> list[FieldProblem]:
        """Every problem with the draft, named by field and value, from the spec's constraints."""
        values = {k: v for k, v in self.to_dict().items() if k != "files"}
        refs = [{"role": f.role, "file_name": f.file_name, "content_type": f.content_type} for f in self._files]
        schema = RequestSchema.of("InvoiceImportRequest")
        found = [p for p in schema.problems({**values, "files": refs}) if p.field != "files"]
        for field in (*_NESTED, "files"):
            items = refs if field == "files" else values.get(field) or []
            found.extend(_count_problems(schema, field, items))
        for field, component in _NESTED.items():
            items = values.get(field)
            if not isinstance(items, list):
                continue
            nested = RequestSchema.of(component)
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    found.append(FieldProblem(f"{field}[{index}]", item, "must be an object"))
                    continue
                found.extend(_prefixed(f"{field}[{index}]", nested.problems(item)))
        found.extend(_line_number_problems(values.get("lines")))
        for field in ("fields", *_NESTED):
            found.extend(_free_form_problems(field, values.get(field)))
        found.extend(self._file_problems(refs))
        return found

    def _file_problems(self, refs: list[dict[str, str]]) -> list[FieldProblem]:
        found: list[FieldProblem] = []
        originals = sum(1 for f in self._files if f.role == ORIGINAL)
        if originals != 1:
            found.append(FieldProblem("files", None, f"must hold exactly one original file, holds {originals}"))
        schema, limit = RequestSchema.of("InvoiceImportFile"), max_file_bytes()
        for index, (staged, ref) in enumerate(zip(self._files, refs, strict=True)):
            where = f"files[{index}]"
            # file_id is the server's, assigned by the upload.
            found.extend(p for p in _prefixed(where, schema.problems(ref)) if p.field != f"{where}.file_id")
            try:
                size = staged.size()
            except OSError as exc:
                found.append(FieldProblem(where, str(staged.path), f"cannot be read ({exc.strerror or exc})"))
                continue
            if size > limit:
                found.append(FieldProblem(where, staged.file_name, f"is {size} bytes, at most {limit} accepted"))
        return found

    def validate(self) -> None:
        """Raise one ValidationError listing every problem; nothing is sent."""
        found = self.problems()
        if found:
            raise ValidationError(found)

    def submit(self, idempotency_key: str | None = None) -> InvoiceImport:
        """Upload the files and submit the import; see ``IngestionLoad.submit``."""
        return self._load.submit(self, idempotency_key=idempotency_key)


def _prefixed(prefix: str, problems: list[FieldProblem]) -> list[FieldProblem]:
    return [FieldProblem(f"{prefix}.{p.field}", p.value, p.message, p.row) for p in problems]


def _count_problems(schema: RequestSchema, field: str, items: object) -> list[FieldProblem]:
    """minItems/maxItems of an array field (the compiled checks cover types, not counts)."""
    if not isinstance(items, list):
        return []
    spec = schema.properties.get(field, {})
    low, high = spec.get("minItems"), spec.get("maxItems")
    if low is not None and len(items) < low:
        return [FieldProblem(field, None, f"needs at least {low} item{'s' if low > 1 else ''}, has {len(items)}")]
    if high is not None and len(items) > high:
        return [FieldProblem(field, None, f"has {len(items)} items, at most {high} allowed")]
    return []


def _free_form_problems(where: str, value: object, depth: int = 0) -> list[FieldProblem]:
    """Template fields are free-form: still no NaN or infinity (JSON has none), no text over MAX_FREE_TEXT."""
    if isinstance(value, float) and not math.isfinite(value):
        return [FieldProblem(where, value, "must be a finite number (JSON has no NaN or infinity)")]
    if isinstance(value, str) and len(value) > MAX_FREE_TEXT:
        return [FieldProblem(where, None, f"is {len(value)} characters long, at most {MAX_FREE_TEXT} accepted")]
    if depth > MAX_FREE_DEPTH:
        return [FieldProblem(where, None, f"is nested deeper than {MAX_FREE_DEPTH} levels")]
    if isinstance(value, Mapping):
        return [p for key, item in value.items() for p in _free_form_problems(f"{where}.{key}", item, depth + 1)]
    if isinstance(value, list | tuple):
        return [p for i, item in enumerate(value) for p in _free_form_problems(f"{where}[{i}]", item, depth + 1)]
    return []


def _line_number_problems(lines: object) -> list[FieldProblem]:
    if not isinstance(lines, list):
        return []
    seen: set[object] = set()
    found = []
    for index, line in enumerate(lines):
        number = line.get("line_number") if isinstance(line, dict) else None
        if number is not None and number in seen:
            found.append(FieldProblem(f"lines[{index}].line_number", number, "is used by an earlier line"))
        seen.add(number)
    return found


class IngestionLoad:
    """Push invoices into Nuntiq for the context's tenant (needs the INVOICE_IMPORT permission)."""

    def __init__(self, context: JobContext) -> None:
        self.context = context

    @staticmethod
    def source_key_for(source: str | os.PathLike[str] | bytes) -> str:
        """A source key derived from a document's bytes: ``sha256:<hex>`` (the same file gives the same key)."""
        if isinstance(source, bytes | bytearray):
            return "sha256:" + hashlib.sha256(source).hexdigest()
        with Path(source).open("rb") as handle:
            return "sha256:" + _hash_stream(handle)[0]

    def new(self, source_key: str, **values: Any) -> InvoiceDraft:
        """A draft for the document ``source_key``; ``values`` are any ``InvoiceImportRequest`` fields."""
        return InvoiceDraft(self, source_key=source_key, **values)

    def submit(self, draft: InvoiceDraft, idempotency_key: str | None = None) -> InvoiceImport:
        """Validate, upload what the tenant lacks, and submit; the import with its invoice token and status.

        Raises ``ValidationError`` before any request, ``SourceKeyConflictError``
        when the source key was imported with other content, and
        ``FileChecksumMismatchError`` when a file changed while it was sent.
        """
        draft.validate()
        refs = []
        for staged in draft.attachments:
            stored = self.store_file(staged)
            refs.append(
                {
                    "file_id": stored.file_id,
                    "role": staged.role,
                    "file_name": staged.file_name,
                    "content_type": staged.content_type,
                }
            )
        body = {**{k: v for k, v in draft.to_dict().items() if k != "files"}, "files": refs}
        return call_view(
            InvoiceImport.from_dict,
            submit_invoice_import.sync_raw,
            client=self.context.api,
            body=InvoiceImportRequest.from_dict(body),
            idempotency_key=idempotency_key or UNSET,
        )

    def get(self, source_key: str) -> InvoiceImport:
        """The import submitted under ``source_key``, with its invoice's current status."""
        problem = check_parameter("getInvoiceImport", "source_key", source_key)
        if problem:
            raise ValidationError([problem])
        return call_view(InvoiceImport.from_dict, get_invoice_import.sync_raw, source_key, client=self.context.api)

    def find_file(self, sha256: str) -> IngestionFile | None:
        """The tenant's stored file with this sha256, or None."""
        problem = check_parameter("getIngestionFile", "sha256", sha256)
        if problem:
            raise ValidationError([problem])
        try:
            return call_view(IngestionFile.from_dict, get_ingestion_file.sync_raw, sha256, client=self.context.api)
        except FileNotFoundOnServerError:
            return None

    def store_file(self, staged: StagedFile) -> IngestionFile:
        """The file on the server: found by its sha256, else uploaded from disk in a stream."""
        sha256, size = staged.sha256()
        limit = max_file_bytes()
        if size > limit:  # grown since validation
            raise ValidationError(
                [FieldProblem("files", staged.file_name, f"grew to {size} bytes since validation; at most {limit}")]
            )
        found = self.find_file(sha256)
        if found is not None:
            return found
        with staged.open() as handle:
            return call_view(
                IngestionFile.from_dict,
                upload_ingestion_file.sync_raw,
                client=self.context.api,
                body=File(payload=handle, file_name=staged.file_name, mime_type=staged.content_type),
                sha256=sha256,
                file_name=staged.file_name,
                content_type=staged.content_type,
            )
