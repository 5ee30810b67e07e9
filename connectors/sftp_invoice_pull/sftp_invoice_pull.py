"""Pull invoice files from a supplier's or scanner's SFTP drop folder into Nuntiq, exactly once (issue 5, part 2).

Each invoice is an original (``INV-123.pdf``) plus a JSON sidecar with its
data (``INV-123.json``: the spec's ``InvoiceImportRequest`` fields, and the
names of extra attachments). A complete, settled pair is downloaded to the
job's work_dir under safe local names, ingested with ``IngestionLoad`` under a
source key derived from the original's bytes, and moved to the archive
folder; a document Nuntiq refuses (or whose sidecar is invalid) goes to the
error folder with a ``<name>.error.json`` saying why.

Exactly once: a rerun after a crash between ingest and move submits the same
document again, which the API answers with the first invoice (idempotent);
the moves of one document are written down first (a record in the state
folder on the server), so a crash in the middle of them is finished by the
next run before it lists the folder. Moves are SFTP renames that never
replace a file (a taken name gets ``-1``, ``-2``, ... on every file of the
document).

The sidecar format and every config key: ``README.md`` in this folder;
``nuntiq run connectors/sftp_invoice_pull --describe`` lists the settings.
"""

from __future__ import annotations

import posixpath
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from nuntiq_sdk import JobContext, ValidationError
from nuntiq_sdk.delta import delta_run
from nuntiq_sdk.errors import FileTooLargeError, RequestValidationError, SourceKeyConflictError
from nuntiq_sdk.objects.ingestion import ATTACHMENT, ORIGINAL, IngestionLoad, InvoiceDraft, max_file_bytes
from nuntiq_sdk.settings import group, option, read_settings
from nuntiq_sdk.sftp import (
    Document,
    DocumentProblem,
    DropFolder,
    SFTPConnection,
    SFTPSettings,
    SidecarRules,
    connect_sftp,
)

STREAM_NAME = "inbound_invoice_files"
SIDECAR_SUFFIX = ".json"
DEFAULT_ORIGINAL_PATTERNS = ("*.pdf", "*.xml", "*.tif", "*.tiff", "*.png", "*.jpg", "*.jpeg")
MAX_SIDECAR_BYTES = 1_000_000
# Set by the connector, never by the sidecar; every other sidecar key is an InvoiceImportRequest field.
RESERVED_KEYS = ("source_key", "files")


# --- config ---------------------------------------------------------------------------


def _no_sidecar_pattern(patterns: tuple[str, ...]) -> str | None:
    if any(p.lower().endswith(SIDECAR_SUFFIX) for p in patterns):
        return f"must be shell patterns not matching *{SIDECAR_SUFFIX}"
    return None


def _under_inbox(name: str) -> Any:
    return attrs.Factory(lambda self: posixpath.join(self.remote_inbox, name), takes_self=True)


@attrs.frozen
class PullConfig:
    """The pull's own settings (settings.json ``config``); ``nuntiq run CONNECTOR --describe`` lists them."""

    connector_name: str = option(help="Names the delta-run stream and this connector's temporary files.")
    remote_inbox: str = option(remote_path=True, help="The drop folder the sender writes to.")
    remote_archive: str = option(
        default=_under_inbox("archive"), remote_path=True, help="Where ingested files go (<remote_inbox>/archive)."
    )
    remote_error: str = option(
        default=_under_inbox("error"), remote_path=True, help="Where refused files go (<remote_inbox>/error)."
    )
    remote_state_dir: str = option(
        default=_under_inbox(".nuntiq-state"), remote_path=True, help="The move journal (<remote_inbox>/.nuntiq-state)."
    )
    original_patterns: tuple[str, ...] = option(
        default=DEFAULT_ORIGINAL_PATTERNS, check=_no_sidecar_pattern, help="Shell patterns of the originals."
    )
    max_files: int = option(default=50, minimum=1, maximum=10000, help="Documents handled per run.")
    settle_seconds: float = option(
        default=2.0, minimum=0, maximum=300, help="A file must keep its size and time this long to be read."
    )
    incomplete_max_age_seconds: int = option(
        default=86400, minimum=0, maximum=90 * 86400, help="An original without its sidecar is an error after this."
    )
    run_ttl_seconds: int = option(
        default=60, minimum=10, maximum=86400, help="A killed run frees the stream this long after its heartbeat."
    )

    @classmethod
    def from_context(cls, context: JobContext) -> PullConfig:
        return read_settings(cls, context)

    def problems(self) -> list[str]:
        folders = (self.remote_inbox, self.remote_archive, self.remote_error, self.remote_state_dir)
        if len(set(folders)) < 4:
            return [
                "config.remote_inbox, remote_archive, remote_error and remote_state_dir must be four different "
                f"folders, got {', '.join(map(repr, folders))}"
            ]
        return []


@attrs.frozen
class PullSettings:
    """Everything the pull reads from settings.json besides the API settings."""

    pull: PullConfig = group(PullConfig, prefix="")
    sftp: SFTPSettings = group(SFTPSettings, prefix="sftp_")


SETTINGS = PullSettings  # ``nuntiq run`` checks these with the API settings, every problem in one round


def sidecar_rules(config: PullConfig) -> SidecarRules:
    """How this pull pairs files into invoices: the configured originals, ``<stem>.json`` sidecars."""
    return SidecarRules(
        original_patterns=config.original_patterns, incomplete_max_age_seconds=config.incomplete_max_age_seconds,
        sidecar_suffix=SIDECAR_SUFFIX, max_sidecar_bytes=MAX_SIDECAR_BYTES, reserved_keys=RESERVED_KEYS,
    )  # fmt: skip


# --- one run ----------------------------------------------------------------------------


class InvoicePull:
    """Ingests each complete document of the drop folder and moves it out; one SFTP connection."""

    def __init__(self, context: JobContext, config: PullConfig, connection: SFTPConnection) -> None:
        self.context = context
        self.config = config
        self.load = IngestionLoad(context)
        self.drop_folder = DropFolder(
            connection, config.remote_inbox, archive=config.remote_archive, error=config.remote_error,
            state_dir=config.remote_state_dir, setting="config.remote_inbox", logger=context.logger,
        )  # fmt: skip
        self.rules = sidecar_rules(config)
        self.downloads = context.work_dir / "downloads"
        self.summary: dict[str, Any] = {
            "ingested": 0, "already_ingested": 0, "errors": 0, "skipped": 0, "waiting": 0, "refused": 0,
            "held_back": 0, "moves_recovered": 0, "invoice_tokens": [], "error_files": [],
        }  # fmt: skip

    def plan(self) -> list[Document]:
        """Finish a killed run's moves, then the documents to handle this run (ready or in error)."""
        self.summary["moves_recovered"] = len(self.drop_folder.prepare())
        listing = self.drop_folder.scan(self.config.settle_seconds)
        plan = self.drop_folder.plan(listing, self.rules, self.config.max_files)
        self.summary.update(
            refused=len(listing.refused), skipped=len(listing.skipped), waiting=len(plan.waiting),
            held_back=plan.held_back,
        )  # fmt: skip
        return plan.documents

    def handle(self, document: Document, serial: int) -> None:
        if document.problem is None:
            folder = self.downloads / f"{serial:04d}"
            folder.mkdir(parents=True, exist_ok=True)
            try:
                outcome = self.ingest(document, folder)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            if not isinstance(outcome, DocumentProblem):
                self.archive(document, *outcome)
                return
            document.problem = outcome
        self.reject(document)

    def ingest(self, document: Document, folder: Path) -> tuple[str, str, bool] | DocumentProblem:
        """Submit the document; (source key, invoice token, idempotent), or the problem Nuntiq or the data has."""
        assert document.original is not None
        limit = max_file_bytes()
        for part, entry in [("original", document.original), *(("attachments", a) for a in document.attachments)]:
            if entry.size > limit:
                return DocumentProblem(
                    f"{entry.name} is {entry.size} bytes, at most {limit} accepted", part, entry.name
                )
        original = self.drop_folder.download(document.original, folder, 0)
        source_key = IngestionLoad.source_key_for(original)
        draft = self.load.new(source_key)
        problem = _fill(draft, document.values)
        if problem is not None:
            return problem
        draft.attach(original, file_name=document.original.name, role=ORIGINAL)
        for index, attachment in enumerate(document.attachments, start=1):
            draft.attach(
                self.drop_folder.download(attachment, folder, index), file_name=attachment.name, role=ATTACHMENT
            )
        try:
            result = draft.submit()
        except ValidationError as exc:
            listed = tuple({"field": p.field, "value": p.value, "message": p.message} for p in exc.problems)
            first = exc.problems[0]
            return DocumentProblem(f"invalid invoice data: {first.field}: {first.message}", first.field, first.value,
                                   listed)  # fmt: skip
        except RequestValidationError as exc:
            errors = tuple({"field": e.get("field"), "value": None, "message": e.get("message")} for e in exc.errors)
            api_field = str(errors[0]["field"]) if errors else None
            return DocumentProblem(f"refused by the API: {exc}", api_field, None, errors)
        except SourceKeyConflictError as exc:
            return DocumentProblem(
                f"this original was imported before with other data (a changed sidecar?): {exc}", "source_key",
                source_key,
            )  # fmt: skip
        except FileTooLargeError as exc:
            return DocumentProblem(f"refused by the API: {exc}", "original", document.original.name)
        return source_key, str(result.invoice_token), bool(result.idempotent)

    def archive(self, document: Document, source_key: str, token: str, idempotent: bool) -> None:
        finals = self.drop_folder.archive(document)
        self.summary["already_ingested" if idempotent else "ingested"] += 1
        self.summary["invoice_tokens"].append(token)
        verb = "Already ingested" if idempotent else "Ingested"
        self.context.logger.info(
            f"{verb} {document.label} as invoice {token}; archived in {self.config.remote_archive}",
            step="ingested",
            detail={"invoice_token": token, "source_key": source_key, "archived": finals, "idempotent": idempotent},
        )

    def reject(self, document: Document) -> None:
        problem = document.problem
        assert problem is not None
        finals, report = self.drop_folder.reject(document, {"connector": self.config.connector_name})
        self.summary["errors"] += 1
        self.summary["error_files"].append(document.label)
        value = "" if problem.value is None else f" ({problem.field or 'value'}: {problem.value!r})"
        self.context.logger.error(
            f"{document.label} moved to {self.config.remote_error}: {problem.reason}{value}",
            step="error",
            detail={"moved": finals, "report": report, "field": problem.field},
        )


def _fill(draft: InvoiceDraft, values: Mapping[str, Any]) -> DocumentProblem | None:
    """Set the sidecar's values on the draft; a key that is not an InvoiceImportRequest field is the problem."""
    for key, value in values.items():
        try:
            setattr(draft, key, value)
        except (AttributeError, TypeError, ValueError) as exc:
            return DocumentProblem(f"the sidecar's {key!r} is not an invoice field: {exc}", key, value)
    return None


def run(context: JobContext) -> dict[str, Any]:
    settings = read_settings(PullSettings, context)  # checked before the run starts
    config, sftp_settings = settings.pull, settings.sftp
    # Exclusive: two pollers must never move the same file. The SDK heartbeats the run's lease, so a killed
    # run frees the stream run_ttl_seconds (60) after its last heartbeat.
    with delta_run(
        context, config.connector_name, STREAM_NAME, "opaque", run_ttl_seconds=config.run_ttl_seconds, exclusive=True
    ) as r:
        with connect_sftp(sftp_settings, owner=config.connector_name) as connection:
            pull = InvoicePull(context, config, connection)
            for serial, document in enumerate(pull.plan()):
                r.check_lease()  # a stalled run that lost the stream stops before moving another file
                pull.handle(document, serial)
        summary = pull.summary
        r.set_records_processed(summary["ingested"] + summary["already_ingested"] + summary["errors"])
        r.set_metadata({k: v for k, v in summary.items() if not isinstance(v, list)})
    context.logger.info(
        "Pulled {ingested} new, {already_ingested} already ingested, {errors} to the error folder; "
        "{waiting} waiting, {skipped} still being written".format(**summary),
        step="done",
    )
    return summary


__all__ = ["STREAM_NAME", "InvoicePull", "PullConfig", "PullSettings", "run", "sidecar_rules"]
