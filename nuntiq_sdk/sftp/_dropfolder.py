"""A drop folder: a server folder another system writes files into, read once settled, emptied crash-safely.

A pull connector uses it in this order: ``prepare()`` (the folder is there,
the archive, error and state folders too, and the moves a killed run planned
are finished), ``scan(settle_seconds)`` (two listings apart: what has settled,
what is still being written, which names cannot be trusted), ``plan(...)``
(sidecars paired with their originals and attachments into documents: ready,
in error, or waiting), ``download(...)``, then ``archive(document)`` or
``reject(document)``, whose moves are written down in the journal first.
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from nuntiq_sdk.sftp._connection import RemoteFile, SFTPConnection, SFTPDeliveryError
from nuntiq_sdk.sftp._journal import DeliveryJournal
from nuntiq_sdk.sftp._naming import safe_remote_name

if TYPE_CHECKING:
    from nuntiq_sdk._logging import ConnectorLogger

__all__ = [
    "PARTIAL_SUFFIXES",
    "Document",
    "DocumentProblem",
    "DropFolder",
    "Listing",
    "Plan",
    "Sidecar",
    "SidecarRules",
    "is_partial",
    "local_name",
    "pair_documents",
    "plain_name_problem",
    "read_sidecar",
    "settled",
    "stem_of",
]

# Names of files still being written by the sender: never read.
PARTIAL_SUFFIXES = (".tmp", ".part", ".partial", ".filepart", ".crdownload", ".upload")
ERROR_REPORT_SUFFIX = ".error.json"
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\\/]")


def plain_name_problem(name: object) -> str | None:
    """Why ``name`` cannot be a file of a drop folder, or None: no separator, '..', control char or hidden name."""
    if not isinstance(name, str) or not name:
        return "must be a non-empty file name"
    if _UNSAFE_NAME.search(name) or name in (".", ".."):
        return "is not a plain file name (no '/', '\\', '..' or control characters)"
    if name.startswith("."):
        return "is a hidden file name"
    return None


def is_partial(name: str) -> bool:
    """Whether the name says the sender is still writing the file (``.part``, ``.tmp``, ...)."""
    return name.lower().endswith(PARTIAL_SUFFIXES)


def stem_of(name: str) -> str:
    """``INV-1.pdf`` -> ``INV-1``: the part a sidecar and its original share."""
    stem, dot, _ = name.rpartition(".")
    return stem if dot and stem else name


def local_name(name: str, prefix: str = "") -> str:
    """A safe local file name for the remote ``name``: a remote name never becomes a local path as it is."""
    stem, _, extension = name.rpartition(".")
    ext = f".{extension}" if stem and re.fullmatch(r"[A-Za-z0-9]{1,10}", extension) else ""
    return safe_remote_name(f"{prefix}{stem or name}", ext)


def settled(
    first: Mapping[str, RemoteFile], second: Mapping[str, RemoteFile]
) -> tuple[dict[str, RemoteFile], list[str]]:
    """The files unchanged (size and mtime) between two listings, and the names that changed or appeared."""
    stable = {name: entry for name, entry in second.items() if first.get(name) == entry}
    return stable, sorted(set(second) - set(stable))


@attrs.frozen
class Listing:
    """What ``scan`` saw: settled files, refused names (with why), partial names, names still changing."""

    files: dict[str, RemoteFile]
    refused: dict[str, str] = attrs.Factory(dict)
    partial: list[str] = attrs.Factory(list)
    changing: list[str] = attrs.Factory(list)

    @property
    def skipped(self) -> list[str]:
        """The names left for a later run because the sender is still writing them."""
        return [*self.partial, *self.changing]


@attrs.frozen
class DocumentProblem:
    """Why a document goes to the error folder: a sentence, and the field and value it is about."""

    reason: str
    field: str | None = None
    value: Any = None
    problems: tuple[Mapping[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The error report's body: the reason, the field and value, and every problem (at least this one)."""
        listed = list(self.problems) or [{"field": self.field, "value": self.value, "message": self.reason}]
        return {"reason": self.reason, "field": self.field, "value": self.value, "problems": listed}


@attrs.frozen
class Sidecar:
    """A sidecar's content: the document's data, and the names of its original and attachments.

    A sidecar is a JSON object; its keys ``original`` and ``attachments`` name
    files in the same folder, every other key is the document's data.
    """

    values: dict[str, Any]
    original: str | None = None
    attachments: tuple[str, ...] = ()


@attrs.frozen
class SidecarRules:
    """How files make up documents: which names are originals, what a sidecar is, how long to wait for the rest."""

    original_patterns: tuple[str, ...]
    incomplete_max_age_seconds: int = 86400  # 0 waits forever
    sidecar_suffix: str = ".json"
    max_sidecar_bytes: int = 1_000_000
    reserved_keys: tuple[str, ...] = ()  # keys the connector sets itself: a sidecar holding one is refused

    def is_original(self, name: str) -> bool:
        """Whether ``name`` matches one of ``original_patterns`` (case-insensitive)."""
        return any(fnmatch.fnmatch(name.lower(), pattern.lower()) for pattern in self.original_patterns)

    def is_sidecar(self, name: str) -> bool:
        """Whether ``name`` ends in ``sidecar_suffix`` (case-insensitive)."""
        return name.lower().endswith(self.sidecar_suffix)


def read_sidecar(data: bytes, rules: SidecarRules) -> Sidecar | DocumentProblem:
    """A JSON sidecar's data, ``original`` and ``attachments``; or the problem with it (naming field and value)."""
    if len(data) > rules.max_sidecar_bytes:
        return DocumentProblem(f"the sidecar is {len(data)} bytes, at most {rules.max_sidecar_bytes} accepted")
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        return DocumentProblem(f"the sidecar is not UTF-8 text: {exc}")
    except ValueError as exc:
        return DocumentProblem(f"the sidecar is not valid JSON: {exc}")
    if not isinstance(parsed, dict):
        return DocumentProblem("the sidecar must hold a JSON object", None, type(parsed).__name__)
    for key in rules.reserved_keys:
        if key in parsed:
            return DocumentProblem(f"'{key}' is set by the connector, not by the sidecar", key, parsed[key])
    original = parsed.pop("original", None)
    if original is not None and (why := plain_name_problem(original)):
        return DocumentProblem(f"'original' {why}", "original", original)
    attachments = parsed.pop("attachments", [])
    if not isinstance(attachments, list):
        return DocumentProblem("'attachments' must be a list of file names", "attachments", attachments)
    for index, name in enumerate(attachments):
        if why := plain_name_problem(name):
            return DocumentProblem(f"attachments[{index}] {why}", f"attachments[{index}]", name)
    if len(set(attachments)) != len(attachments):
        return DocumentProblem("'attachments' names a file twice", "attachments", attachments)
    return Sidecar(parsed, original, tuple(attachments))


@attrs.define
class Document:
    """One document in the drop folder: its sidecar, original and attachments, and what to do with it."""

    key: str  # the sidecar's name, or the original's when no sidecar came
    sidecar: RemoteFile | None = None
    original: RemoteFile | None = None
    attachments: list[RemoteFile] = attrs.Factory(list)
    values: dict[str, Any] = attrs.Factory(dict)  # the sidecar's data
    problem: DocumentProblem | None = None
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


@attrs.frozen
class Plan:
    """The documents to handle this run (ready, or with a problem), those still waiting, and how many wait a run."""

    documents: list[Document]
    waiting: list[Document] = attrs.Factory(list)
    held_back: int = 0


class _Pairing:
    """Pairs the settled files of one listing into documents: ready, in error, or waiting."""

    def __init__(self, rules: SidecarRules, now: float) -> None:
        self.rules = rules
        self.now = now

    def too_old(self, entry: RemoteFile) -> bool:
        limit = self.rules.incomplete_max_age_seconds
        return limit > 0 and self.now - entry.mtime > limit

    def same_stem_originals(self, sidecar: RemoteFile, present: set[str], attachments: Sequence[str]) -> list[str]:
        stem = stem_of(sidecar.name)
        return sorted(
            name
            for name in present
            if name != sidecar.name
            and stem_of(name) == stem
            and self.rules.is_original(name)
            and name not in attachments
        )

    def document(
        self,
        sidecar: RemoteFile,
        parsed: Sidecar | DocumentProblem,
        stable: Mapping[str, RemoteFile],
        claimed: set[str],
    ) -> Document:
        """The document a sidecar describes."""
        document = Document(key=sidecar.name, sidecar=sidecar)
        present = set(stable)
        if isinstance(parsed, DocumentProblem):
            # The original goes to the error folder with its unreadable sidecar, when it is clear which one it is.
            same_stem = self.same_stem_originals(sidecar, present, ())
            if len(same_stem) == 1 and same_stem[0] not in claimed:
                document.original = stable[same_stem[0]]
            document.problem = parsed
            return document
        document.values = dict(parsed.values)
        original, attachments = parsed.original, list(parsed.attachments)
        if original is None:
            candidates = self.same_stem_originals(sidecar, present, attachments)
            if len(candidates) > 1:
                document.problem = DocumentProblem(
                    "several files could be the original; name one in the sidecar's 'original'", "original", candidates
                )
                return document
            original = candidates[0] if candidates else None
        wanted = ([original] if original else []) + attachments
        for index, name in enumerate(wanted):
            field = "original" if original and index == 0 else f"attachments[{index - (1 if original else 0)}]"
            if name == sidecar.name:
                document.problem = DocumentProblem("names the sidecar itself", field, name)
                return document
            if name in claimed:
                document.problem = DocumentProblem("belongs to another sidecar's document too", field, name)
                return document
        if original is not None and original in stable:
            document.original = stable[original]
        document.attachments = [stable[name] for name in attachments if name in stable]
        missing = [name for name in wanted if name not in stable]
        if original is None:
            missing.insert(0, f"{stem_of(sidecar.name)}.<{'|'.join(self.rules.original_patterns)}>")
        if missing:
            if self.too_old(sidecar):
                age = self.rules.incomplete_max_age_seconds
                about = "original" if original is None else None
                document.problem = DocumentProblem(f"waited more than {age} s for {', '.join(missing)}", about, missing)
            else:
                document.waiting_for = ", ".join(missing)
        return document

    def orphan(self, original: RemoteFile) -> Document:
        """An original no sidecar describes (yet)."""
        document = Document(key=original.name, original=original)
        sidecar_name = stem_of(original.name) + self.rules.sidecar_suffix
        if self.too_old(original):
            age = self.rules.incomplete_max_age_seconds
            document.problem = DocumentProblem(
                f"no sidecar {sidecar_name} arrived within {age} s", "sidecar", sidecar_name
            )
        else:
            document.waiting_for = sidecar_name
        return document


def pair_documents(
    files: Mapping[str, RemoteFile],
    rules: SidecarRules,
    *,
    now: float,
    read: Callable[[RemoteFile], bytes],
    max_documents: int,
) -> Plan:
    """Pair settled ``files`` into at most ``max_documents`` documents (waiting ones count: each cost a read).

    Sidecars first, oldest first (``read`` gives a sidecar's bytes); then
    the originals no sidecar named. A sidecar whose files have not all come,
    or an original without a sidecar, waits until it is older than
    ``rules.incomplete_max_age_seconds`` (by ``now``) and is then a problem.
    """
    pairing = _Pairing(rules, now)
    claimed: set[str] = set()
    documents: list[Document] = []
    waiting: list[Document] = []
    held_back = 0
    sidecars = sorted((e for e in files.values() if rules.is_sidecar(e.name)), key=lambda e: e.position)
    sidecar_stems = {stem_of(e.name) for e in sidecars}

    def take(document: Document) -> None:
        claimed.update(entry.name for entry in document.files)
        (documents if document.waiting_for is None else waiting).append(document)

    for index, sidecar in enumerate(sidecars):
        if len(documents) + len(waiting) >= max_documents:
            held_back += len(sidecars) - index
            break
        take(pairing.document(sidecar, read_sidecar(read(sidecar), rules), files, claimed))
    for entry in sorted(files.values(), key=lambda e: e.position):
        if entry.name in claimed or rules.is_sidecar(entry.name) or not rules.is_original(entry.name):
            continue
        if stem_of(entry.name) in sidecar_stems:
            continue  # its sidecar is there; it was not named (e.g. held back, or another original was chosen)
        if len(documents) + len(waiting) >= max_documents:
            held_back += 1
            continue
        take(pairing.orphan(entry))  # only once every sidecar was read: a held-back one may name this file
    return Plan(documents, waiting, held_back)


def _now() -> float:
    """Now, in seconds since the epoch: how old a waiting file is, and the time of a report."""
    return time.time()


def _wait(seconds: float) -> None:
    """The pause between the two listings of a scan."""
    time.sleep(seconds)


class DropFolder:
    """A folder another system writes into: settled listings, documents, and crash-safe archive and error moves.

    ``archive``, ``error`` and ``state_dir`` (the moves journal) default to
    ``archive``, ``error`` and ``.nuntiq-state`` under ``folder``. ``setting``
    names the folder's settings key in messages. With ``logger`` the folder
    says what it refused, skipped, left waiting and recovered. ``clock`` and
    ``sleep`` are injectable (a test passes its own, or sets them on the
    class, instead of patching ``time`` for the whole process).
    """

    clock: Callable[[], float] = staticmethod(_now)
    sleep: Callable[[float], None] = staticmethod(_wait)

    def __init__(
        self,
        connection: SFTPConnection,
        folder: str,
        *,
        archive: str | None = None,
        error: str | None = None,
        state_dir: str | None = None,
        setting: str = "the drop folder",
        logger: ConnectorLogger | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.connection = connection
        self.folder = folder
        self.archive_dir = archive or posixpath.join(folder, "archive")
        self.error_dir = error or posixpath.join(folder, "error")
        self.journal = DeliveryJournal(connection, state_dir or posixpath.join(folder, ".nuntiq-state"), logger)
        self.setting = setting
        self.logger = logger
        if clock is not None:
            self.clock = clock
        if sleep is not None:
            self.sleep = sleep

    def _log(self, level: str, message: str, step: str, detail: Mapping[str, Any] | None = None) -> None:
        if self.logger is not None:
            getattr(self.logger, level)(message, step=step, detail=detail)

    def listing(self, *, hidden: bool = False) -> dict[str, RemoteFile]:
        """The folder's regular files by name (hidden ones only with ``hidden``)."""
        return {entry.name: entry for entry in self.connection.list_files(self.folder, hidden=hidden)}

    def matching(self, pattern: str) -> list[RemoteFile]:
        """The visible files whose name matches the shell ``pattern`` (case-sensitive), oldest first."""
        files = self.listing().values()
        return sorted((f for f in files if fnmatch.fnmatchcase(f.name, pattern)), key=lambda f: f.position)

    def settle(
        self, first: Mapping[str, RemoteFile], seconds: float, *, hidden: bool = False
    ) -> tuple[dict[str, RemoteFile], list[str]]:
        """List again ``seconds`` after ``first``: the files that kept size and time, and the names still changing."""
        if not first or not seconds:
            return dict(first), []
        self.sleep(seconds)
        second = {name: entry for name, entry in self.listing(hidden=hidden).items() if name in first}
        return settled(first, second)

    def prepare(self) -> list[list[str]]:
        """Create the archive, error and state folders if missing and finish what a killed run left.

        Removes this owner's temporary files a crashed run left and carries
        out the move plans it wrote down; returns each finished plan's final paths.
        """
        if not self.connection.exists(self.folder):
            raise SFTPDeliveryError(f"{self.setting} {self.folder!r} does not exist on the SFTP server")
        for folder in (self.archive_dir, self.error_dir, self.journal.state_dir):
            self.connection.make_dir(folder)
        stale = [
            *self.connection.clean_stale_temp_files(self.archive_dir),
            *self.connection.clean_stale_temp_files(self.error_dir),
            *self.journal.clean_stale_temp_files(),
        ]
        for path in stale:
            self._log("info", f"Removed stale temporary file {path}", "cleanup")
        finished = self.journal.replay_moves()
        for finals in finished:
            names = ", ".join(posixpath.basename(p) for p in finals)
            self._log("info", f"Finished the moves of an interrupted run: {names}", "recover", {"moved": finals})
        return finished

    def scan(self, settle_seconds: float) -> Listing:
        """Two listings ``settle_seconds`` apart; a file that changed, or looks partial, is left for a later run.

        Hidden files (the journal's among them) are not listed; a name that
        could leave the folder (a separator, a control character) is refused:
        never read, never moved.
        """
        first = {n: e for n, e in self.listing(hidden=True).items() if not n.startswith(".") or _UNSAFE_NAME.search(n)}
        refused = {name: why for name in first if (why := plain_name_problem(name))}
        for name, why in refused.items():
            self._log(
                "error", f"Refused {name!r}: the name {why}; it is never read or moved", "refused", {"name": name}
            )
        partial = [name for name in first if name not in refused and is_partial(name)]
        candidates = {n: e for n, e in first.items() if n not in refused and n not in partial}
        stable, changing = self.settle(candidates, settle_seconds, hidden=True)
        for name in [*partial, *changing]:
            self._log("info", f"Skipped {name}: still being written", "skip")
        return Listing(stable, refused, partial, changing)

    def plan(self, listing: Listing, rules: SidecarRules, max_documents: int) -> Plan:
        """The settled files paired into documents (see ``pair_documents``); the waiting ones are logged."""
        plan = pair_documents(
            listing.files,
            rules,
            now=self.clock(),
            read=lambda entry: self.connection.read(entry.path, rules.max_sidecar_bytes + 1),
            max_documents=max_documents,
        )
        for document in plan.waiting:
            self._log("info", f"{document.key} waits for {document.waiting_for}", "wait")
        return plan

    def download(self, entry: RemoteFile, local_folder: Path, index: int = 0) -> Path:
        """The file in ``local_folder`` under a safe local name; raises if it changed since it was listed."""
        local = local_folder / local_name(entry.name, f"{index}-")
        self.connection.download(entry.path, local)
        if local.stat().st_size != entry.size:
            raise SFTPDeliveryError(f"{entry.name} changed while it was read ({local.stat().st_size} != {entry.size})")
        return local

    def archive(self, document: Document) -> list[str]:
        """Move the document's files to the archive folder as one crash-safe step; their final paths."""
        if document.problem is not None:
            raise ValueError(f"document {document.key!r} has a problem ({document.problem.reason}); reject it instead")
        return self.journal.move(self.journal.plan_moves(document.files, self.archive_dir))

    def reject(self, document: Document, extra: Mapping[str, Any] | None = None) -> tuple[list[str], str]:
        """Move the document's files to the error folder with ``<stem>.error.json`` saying why.

        The report holds the problem (reason, field, value, problems), the
        files, ``extra`` and the time. Returns the final paths and the report's path.
        """
        if document.problem is None:
            raise ValueError(f"document {document.key!r} has no problem to report; archive it instead")
        report = {
            **document.problem.to_dict(),
            "files": [entry.name for entry in document.files],
            **(extra or {}),
            "at": datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        anchor = document.original or document.sidecar or document.files[0]
        record = self.journal.plan_moves(
            document.files, self.error_dir, report=report, report_for=anchor.name, report_suffix=ERROR_REPORT_SUFFIX
        )
        return self.journal.move(record), str(record["report"]["path"])
