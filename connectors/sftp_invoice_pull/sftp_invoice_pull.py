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

import fnmatch
import json
import posixpath
import re
import shutil
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from nuntiq_sdk import JobContext, ValidationError
from nuntiq_sdk.delta import delta_run
from nuntiq_sdk.errors import FileTooLargeError, RequestValidationError, SourceKeyConflictError
from nuntiq_sdk.objects.ingestion import ATTACHMENT, ORIGINAL, IngestionLoad, InvoiceDraft, max_file_bytes
from nuntiq_sdk.settings import group, option, read_settings
from nuntiq_sdk.sftp import (
    DeliveryJournal,
    DropFolder,
    RemoteFile,
    SFTPConnection,
    SFTPDeliveryError,
    SFTPSettings,
    connect_sftp,
    safe_remote_name,
    settled,
)

STREAM_NAME = "inbound_invoice_files"
SIDECAR_SUFFIX = ".json"
ERROR_REPORT_SUFFIX = ".error.json"
# Names of files still being written by the sender: never read.
PARTIAL_SUFFIXES = (".tmp", ".part", ".partial", ".filepart", ".crdownload", ".upload")
DEFAULT_ORIGINAL_PATTERNS = ("*.pdf", "*.xml", "*.tif", "*.tiff", "*.png", "*.jpg", "*.jpeg")
MAX_SIDECAR_BYTES = 1_000_000
MAX_COLLISION_SUFFIX = 999
# Sidecar keys the connector reads itself; every other key is an InvoiceImportRequest field.
OWN_KEYS = ("original", "attachments")
# Set by the connector, never by the sidecar.
RESERVED_KEYS = ("source_key", "files")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\\/]")


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


# --- the drop folder --------------------------------------------------------------------


def plain_name_problem(name: object) -> str | None:
    """Why ``name`` cannot be a file of the drop folder, or None: no separator, '..', control char or hidden name."""
    if not isinstance(name, str) or not name:
        return "must be a non-empty file name"
    if _UNSAFE_NAME.search(name) or name in (".", ".."):
        return "is not a plain file name (no '/', '\\', '..' or control characters)"
    if name.startswith("."):
        return "is a hidden file name"
    return None


def is_partial(name: str) -> bool:
    return name.lower().endswith(PARTIAL_SUFFIXES)


def stem_of(name: str) -> str:
    stem, dot, _ = name.rpartition(".")
    return stem if dot and stem else name


# --- documents --------------------------------------------------------------------------


@attrs.frozen
class Problem:
    """Why a document goes to the error folder: a sentence, and the field and value it is about."""

    reason: str
    field: str | None = None
    value: Any = None
    problems: tuple[Mapping[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        listed = list(self.problems) or [{"field": self.field, "value": self.value, "message": self.reason}]
        return {"reason": self.reason, "field": self.field, "value": self.value, "problems": listed}


@attrs.define
class Document:
    """One invoice in the drop folder: its sidecar, original and attachments, and what to do with it."""

    key: str  # the sidecar's name, or the original's when no sidecar came
    sidecar: RemoteFile | None = None
    original: RemoteFile | None = None
    attachments: list[RemoteFile] = attrs.Factory(list)
    values: dict[str, Any] = attrs.Factory(dict)  # the InvoiceImportRequest fields from the sidecar
    problem: Problem | None = None
    waiting_for: str | None = None

    @property
    def label(self) -> str:
        """The document's name in logs and summaries: its original's, else its sidecar's."""
        return self.original.name if self.original else self.key

    @property
    def files(self) -> list[RemoteFile]:
        """Attachments, original, sidecar: the order they are moved in (the sidecar last)."""
        return [
            *self.attachments,
            *([self.original] if self.original else []),
            *([self.sidecar] if self.sidecar else []),
        ]


def parse_sidecar(data: bytes) -> tuple[dict[str, Any], str | None, list[str]] | Problem:
    """The sidecar's invoice fields, its ``original`` and ``attachments`` names; or the problem with it."""
    if len(data) > MAX_SIDECAR_BYTES:
        return Problem(f"the sidecar is {len(data)} bytes, at most {MAX_SIDECAR_BYTES} accepted")
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        return Problem(f"the sidecar is not UTF-8 text: {exc}")
    except ValueError as exc:
        return Problem(f"the sidecar is not valid JSON: {exc}")
    if not isinstance(parsed, dict):
        return Problem("the sidecar must hold a JSON object", None, type(parsed).__name__)
    for key in RESERVED_KEYS:
        if key in parsed:
            return Problem(f"'{key}' is set by the connector, not by the sidecar", key, parsed[key])
    original = parsed.pop("original", None)
    if original is not None and (why := plain_name_problem(original)):
        return Problem(f"'original' {why}", "original", original)
    attachments = parsed.pop("attachments", [])
    if not isinstance(attachments, list):
        return Problem("'attachments' must be a list of file names", "attachments", attachments)
    for index, name in enumerate(attachments):
        if why := plain_name_problem(name):
            return Problem(f"attachments[{index}] {why}", f"attachments[{index}]", name)
    if len(set(attachments)) != len(attachments):
        return Problem("'attachments' names a file twice", "attachments", attachments)
    return parsed, original, list(attachments)


class Planner:
    """Pairs the settled files of one listing into documents: ready, in error, or waiting."""

    def __init__(self, config: PullConfig, now: float) -> None:
        self.config = config
        self.now = now

    def is_original(self, name: str) -> bool:
        return any(fnmatch.fnmatch(name.lower(), pattern.lower()) for pattern in self.config.original_patterns)

    def too_old(self, entry: RemoteFile) -> bool:
        limit = self.config.incomplete_max_age_seconds
        return limit > 0 and self.now - entry.mtime > limit

    def same_stem_originals(self, sidecar: RemoteFile, present: set[str], attachments: Sequence[str]) -> list[str]:
        stem = stem_of(sidecar.name)
        return sorted(
            name
            for name in present
            if name != sidecar.name and stem_of(name) == stem and self.is_original(name) and name not in attachments
        )

    def document(
        self,
        sidecar: RemoteFile,
        parsed: tuple[dict[str, Any], str | None, list[str]] | Problem,
        stable: Mapping[str, RemoteFile],
        present: set[str],
        claimed: set[str],
    ) -> Document:
        """The document a sidecar describes; ``present`` are all visible names (settled or not)."""
        document = Document(key=sidecar.name, sidecar=sidecar)
        if isinstance(parsed, Problem):
            # The original goes to the error folder with its unreadable sidecar, when it is clear which one it is.
            same_stem = self.same_stem_originals(sidecar, present, ())
            if len(same_stem) == 1 and same_stem[0] in stable and same_stem[0] not in claimed:
                document.original = stable[same_stem[0]]
            document.problem = parsed
            return document
        values, original, attachments = parsed
        document.values = values
        if original is None:
            candidates = self.same_stem_originals(sidecar, present, attachments)
            if len(candidates) > 1:
                document.problem = Problem(
                    "several files could be the original; name one in the sidecar's 'original'", "original", candidates
                )
                return document
            original = candidates[0] if candidates else None
        wanted = ([original] if original else []) + attachments
        for index, name in enumerate(wanted):
            field = "original" if original and index == 0 else f"attachments[{index - (1 if original else 0)}]"
            if name == sidecar.name:
                document.problem = Problem("names the sidecar itself", field, name)
                return document
            if name in claimed:
                document.problem = Problem("belongs to another sidecar's document too", field, name)
                return document
        if original is not None and original in stable:
            document.original = stable[original]
        document.attachments = [stable[name] for name in attachments if name in stable]
        missing = [name for name in wanted if name not in stable]
        if original is None:
            missing.insert(0, f"{stem_of(sidecar.name)}.<{'|'.join(self.config.original_patterns)}>")
        if missing:
            if self.too_old(sidecar):
                age = self.config.incomplete_max_age_seconds
                document.problem = Problem(
                    f"waited more than {age} s for {', '.join(missing)}", "original" if original is None else None,
                    missing,
                )  # fmt: skip
            else:
                document.waiting_for = ", ".join(missing)
        return document

    def orphan(self, original: RemoteFile) -> Document:
        """An original no sidecar describes (yet)."""
        document = Document(key=original.name, original=original)
        sidecar_name = stem_of(original.name) + SIDECAR_SUFFIX
        if self.too_old(original):
            age = self.config.incomplete_max_age_seconds
            document.problem = Problem(f"no sidecar {sidecar_name} arrived within {age} s", "sidecar", sidecar_name)
        else:
            document.waiting_for = sidecar_name
        return document


# --- moves that survive a crash ------------------------------------------------------------


# --- one run ----------------------------------------------------------------------------


class InvoicePull:
    """Lists the drop folder, ingests each complete document, moves it out; one SFTP connection."""

    def __init__(self, context: JobContext, config: PullConfig, connection: SFTPConnection) -> None:
        self.context = context
        self.config = config
        self.connection = connection
        self.load = IngestionLoad(context)
        self.journal = DeliveryJournal(connection, config.remote_state_dir, context.logger)
        self.drop_folder = DropFolder(connection, config.remote_inbox)
        self.downloads = context.work_dir / "downloads"
        self.summary: dict[str, Any] = {
            "ingested": 0, "already_ingested": 0, "errors": 0, "skipped": 0, "waiting": 0, "refused": 0,
            "held_back": 0, "moves_recovered": 0, "invoice_tokens": [], "error_files": [],
        }  # fmt: skip

    def prepare(self) -> None:
        """Create the archive, error and state folders if missing; finish what a killed run left."""
        if not self.connection.exists(self.config.remote_inbox):
            raise SFTPDeliveryError(
                f"config.remote_inbox {self.config.remote_inbox!r} does not exist on the SFTP server"
            )
        for folder in (self.config.remote_archive, self.config.remote_error, self.config.remote_state_dir):
            self.connection.make_dir(folder)
        for folder in (self.config.remote_archive, self.config.remote_error):
            for stale in self.connection.clean_stale_temp_files(folder):
                self.context.logger.info(f"Removed stale temporary file {stale}", step="cleanup")
        for stale in self.journal.clean_stale_temp_files():
            self.context.logger.info(f"Removed stale temporary file {stale}", step="cleanup")
        finished = self.journal.replay_moves()
        for finals in finished:
            self.context.logger.info(
                f"Finished the moves of an interrupted run: {', '.join(posixpath.basename(p) for p in finals)}",
                step="recover",
                detail={"moved": finals},
            )
        self.summary["moves_recovered"] = len(finished)

    def listing(self) -> dict[str, RemoteFile]:
        """The inbox's visible regular files (and those whose names cannot be trusted, to refuse them)."""
        # Hidden files (ours among them) are skipped; a hidden name with a separator is refused.
        files = self.drop_folder.listing(hidden=True)
        return {n: e for n, e in files.items() if not n.startswith(".") or _UNSAFE_NAME.search(n)}

    def settled_listing(self) -> dict[str, RemoteFile]:
        """Two listings ``settle_seconds`` apart; a file that changed, or looks partial, is skipped this run."""
        first = self.listing()
        refused = [name for name in first if plain_name_problem(name)]
        for name in refused:
            self.context.logger.error(
                f"Refused {name!r}: the name {plain_name_problem(name)}; it is never read or moved",
                step="refused",
                detail={"name": name},
            )
        self.summary["refused"] = len(refused)
        first = {name: entry for name, entry in first.items() if name not in refused}
        partial = [name for name in first if is_partial(name)]
        first = {name: entry for name, entry in first.items() if name not in partial}
        stable, changing = self.drop_folder.settle(first, self.config.settle_seconds, hidden=True)
        stable = {n: e for n, e in stable.items() if not n.startswith(".") or _UNSAFE_NAME.search(n)}
        for name in [*partial, *changing]:
            self.context.logger.info(f"Skipped {name}: still being written", step="skip")
        self.summary["skipped"] = len(partial) + len(changing)
        return stable

    def plan(self, stable: dict[str, RemoteFile]) -> list[Document]:
        """The documents to handle this run (at most ``max_files``), ready or in error; waiting ones logged."""
        planner = Planner(self.config, self.drop_folder.clock())
        present = set(stable)
        claimed: set[str] = set()
        documents: list[Document] = []
        sidecars = sorted((e for e in stable.values() if e.name.lower().endswith(SIDECAR_SUFFIX)),
                          key=lambda e: (e.mtime, e.name))  # fmt: skip
        sidecar_stems = {stem_of(e.name) for e in sidecars}

        def full() -> bool:  # waiting documents count too: each cost a read
            return len(documents) + int(self.summary["waiting"]) >= self.config.max_files

        for index, sidecar in enumerate(sidecars):
            if full():
                self.summary["held_back"] += len(sidecars) - index
                break
            document = planner.document(sidecar, parse_sidecar(self._read(sidecar)), stable, present, claimed)
            self._take(document, documents, claimed)
        for entry in sorted(stable.values(), key=lambda e: (e.mtime, e.name)):
            if (
                entry.name in claimed
                or entry.name.lower().endswith(SIDECAR_SUFFIX)
                or not planner.is_original(entry.name)
            ):
                continue
            if stem_of(entry.name) in sidecar_stems:
                continue  # its sidecar is there; it was not named (e.g. held back, or another original was chosen)
            if full():
                self.summary["held_back"] += 1
                continue
            orphan = planner.orphan(entry)
            if orphan.problem is not None and self.summary["held_back"]:
                # A held-back sidecar may list this file as an attachment: judge it when every sidecar was read.
                orphan.problem, orphan.waiting_for = None, "the sidecars held back this run"
            self._take(orphan, documents, claimed)
        return documents

    def _take(self, document: Document, documents: list[Document], claimed: set[str]) -> None:
        claimed.update(entry.name for entry in document.files)
        if document.waiting_for is not None:
            self.summary["waiting"] += 1
            self.context.logger.info(f"{document.key} waits for {document.waiting_for}", step="wait")
            return
        documents.append(document)

    def _read(self, sidecar: RemoteFile) -> bytes:
        return self.connection.read(posixpath.join(self.config.remote_inbox, sidecar.name), MAX_SIDECAR_BYTES + 1)

    def download(self, entry: RemoteFile, folder: Path, index: int) -> Path:
        """The file in ``folder`` under a safe local name (the remote name never becomes a path as is)."""
        stem, _, extension = entry.name.rpartition(".")
        ext = f".{extension}" if stem and re.fullmatch(r"[A-Za-z0-9]{1,10}", extension) else ""
        local = folder / safe_remote_name(f"{index}-{stem or entry.name}", ext)
        self.connection.download(posixpath.join(self.config.remote_inbox, entry.name), local)
        if local.stat().st_size != entry.size:
            raise SFTPDeliveryError(f"{entry.name} changed while it was read ({local.stat().st_size} != {entry.size})")
        return local

    def handle(self, document: Document, serial: int) -> None:
        if document.problem is None:
            folder = self.downloads / f"{serial:04d}"
            folder.mkdir(parents=True, exist_ok=True)
            try:
                outcome = self.ingest(document, folder)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            if isinstance(outcome, Problem):
                document.problem = outcome
            else:
                self.archive(document, *outcome)
                return
        self.reject(document)

    def ingest(self, document: Document, folder: Path) -> tuple[str, str, bool] | Problem:
        """Submit the document; (source key, invoice token, idempotent), or the problem Nuntiq or the data has."""
        assert document.original is not None
        limit = max_file_bytes()
        for part, entry in [("original", document.original), *(("attachments", a) for a in document.attachments)]:
            if entry.size > limit:
                return Problem(f"{entry.name} is {entry.size} bytes, at most {limit} accepted", part, entry.name)
        original = self.download(document.original, folder, 0)
        source_key = IngestionLoad.source_key_for(original)
        draft = self.load.new(source_key)
        problem = _fill(draft, document.values)
        if problem is not None:
            return problem
        draft.attach(original, file_name=document.original.name, role=ORIGINAL)
        for index, attachment in enumerate(document.attachments, start=1):
            draft.attach(self.download(attachment, folder, index), file_name=attachment.name, role=ATTACHMENT)
        try:
            result = draft.submit()
        except ValidationError as exc:
            listed = tuple({"field": p.field, "value": p.value, "message": p.message} for p in exc.problems)
            first = exc.problems[0]
            return Problem(f"invalid invoice data: {first.field}: {first.message}", first.field, first.value, listed)
        except RequestValidationError as exc:
            errors = tuple({"field": e.get("field"), "value": None, "message": e.get("message")} for e in exc.errors)
            api_field = str(errors[0]["field"]) if errors else None
            return Problem(f"refused by the API: {exc}", api_field, None, errors)
        except SourceKeyConflictError as exc:
            return Problem(
                f"this original was imported before with other data (a changed sidecar?): {exc}", "source_key",
                source_key,
            )  # fmt: skip
        except FileTooLargeError as exc:
            return Problem(f"refused by the API: {exc}", "original", document.original.name)
        return source_key, str(result.invoice_token), bool(result.idempotent)

    def archive(self, document: Document, source_key: str, token: str, idempotent: bool) -> None:
        finals = self.journal.move(self.journal.plan_moves(document.files, self.config.remote_archive))
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
        report = {
            **problem.to_dict(),
            "files": [entry.name for entry in document.files],
            "connector": self.config.connector_name,
            "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        anchor = document.original or document.sidecar or document.files[0]
        record = self.journal.plan_moves(
            document.files,
            self.config.remote_error,
            report=report,
            report_for=anchor.name,
            report_suffix=ERROR_REPORT_SUFFIX,
        )
        finals = self.journal.move(record)
        self.summary["errors"] += 1
        self.summary["error_files"].append(document.label)
        value = "" if problem.value is None else f" ({problem.field or 'value'}: {problem.value!r})"
        self.context.logger.error(
            f"{document.label} moved to {self.config.remote_error}: {problem.reason}{value}",
            step="error",
            detail={"moved": finals, "report": record["report"]["path"], "field": problem.field},
        )


def _fill(draft: InvoiceDraft, values: Mapping[str, Any]) -> Problem | None:
    """Set the sidecar's values on the draft; a key that is not an InvoiceImportRequest field is the problem."""
    for key, value in values.items():
        try:
            setattr(draft, key, value)
        except (AttributeError, TypeError, ValueError) as exc:
            return Problem(f"the sidecar's {key!r} is not an invoice field: {exc}", key, value)
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
            pull.prepare()
            documents = pull.plan(pull.settled_listing())
            for serial, document in enumerate(documents):
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


__all__ = ["InvoicePull", "PullConfig", "parse_sidecar", "run", "settled"]
