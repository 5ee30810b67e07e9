"""One journal on the SFTP server for work that must happen exactly once across crashes."""

from __future__ import annotations

import hashlib
import json
import posixpath
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from nuntiq_sdk._exceptions import ConfigError
from nuntiq_sdk.sftp._connection import RemoteFile, SFTPConnection, SFTPDeliveryError
from nuntiq_sdk.sftp._naming import MAX_COLLISION_SUFFIX, safe_remote_name, suffixed

if TYPE_CHECKING:
    from nuntiq_sdk._logging import ConnectorLogger

__all__ = ["DeliveryJournal", "FileEntry", "PlannedFile"]


def _check_remote_dir(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.startswith("/"):
        raise ConfigError([f"config.{name} must be an absolute remote path, got {value!r}"])
    if "\x00" in value or ".." in value.split("/"):
        raise ConfigError([f"config.{name} must not contain '..' or NUL, got {value!r}"])
    return value.rstrip("/") or "/"


RECORD_PREFIX = "delivery-"


def is_record_name(name: str) -> bool:
    """A delivery record of any owner: ``delivery-...json``, or a one-key record of earlier versions."""
    stem = name.removesuffix(".json")
    return name.endswith(".json") and (
        name.startswith(RECORD_PREFIX) or (len(stem) == 40 and all(c in "0123456789abcdef" for c in stem))
    )


def record_owner_and_run(name: str) -> tuple[str, str] | None:
    """``(owner, run)`` of a record named by ``DeliveryJournal.new_record_path``; None for other names."""
    if not (name.startswith(RECORD_PREFIX) and name.endswith(".json")):
        return None
    parts = name[len(RECORD_PREFIX) : -len(".json")].split("~")
    return (parts[0], parts[1]) if len(parts) == 3 else None


@attrs.frozen
class FileEntry:
    """One delivered file as a record names it: its final path, size and sha256."""

    path: str
    size: int
    sha256: str

    @classmethod
    def of(cls, path: str, data: bytes) -> FileEntry:
        """The entry for ``data`` delivered as ``path``: what a rerun compares the file with."""
        return cls(path, len(data), hashlib.sha256(data).hexdigest())

    def as_json(self) -> dict[str, object]:
        """The entry as a record stores it."""
        return {"path": self.path, "size": self.size, "sha256": self.sha256}


@attrs.frozen
class PlannedFile:
    """One file of a delivery: where it goes, under which name, with what bytes."""

    remote_dir: str
    name: str
    data: bytes = attrs.field(repr=False)


class DeliveryJournal:
    """Exactly-once deliveries and moves across crashes, kept on the SFTP server itself.

    Moves (``plan_moves``, ``move``, ``replay_moves``): a document's files
    moved out of a drop folder as one step that a crash cannot leave half
    done. The plan (each source with its size and mtime, each target, an
    optional report file) is written to ``<state_dir>/move-<digest>.json``
    before the first rename and removed after the last; ``replay_moves``
    finishes a plan a killed run left, moving a source only if it is still the
    planned file (same size and mtime).

    Deliveries (the records ``Outbox`` keeps): before any file of a batch is
    renamed to its final name, one record for the whole batch
    (``<state_dir>/delivery-<owner>~<run>~<id>.json``: per delivery its keys
    and each file's final path, size and sha256) is written. A rerun that
    finds a record naming a key and every file of it intact - in its folder
    or already moved to one of ``also_taken_in`` (the ERP's ``sent/``) -
    knows the delivery happened and must not be repeated. A record is removed
    once every key in it is reported.
    """

    def __init__(self, connection: SFTPConnection, state_dir: str, logger: ConnectorLogger | None = None) -> None:
        self.connection = connection
        self.state_dir = _check_remote_dir("remote_state_dir", state_dir)
        self.logger = logger  # says when a planned move finds its source changed or its target taken
        self._ready = False

    def _ensure_dir(self) -> None:
        """Create the state folder unless known to exist: one MKDIR, a STAT only if that fails."""
        if not self._ready:
            try:
                self.connection.sftp.mkdir(self.state_dir)
            except OSError as exc:
                if not self.connection.exists(self.state_dir):
                    raise SFTPDeliveryError(
                        f"creating the delivery journal folder {self.state_dir} failed: {exc}"
                    ) from exc
            self._ready = True

    # -- deliveries ---------------------------------------------------------------------------

    def new_record_path(self) -> str:
        """A fresh record name, ``delivery-<owner>~<run>~<id>.json``: whose it is shows without reading it."""
        connection = self.connection
        run = connection.run_tag or "untagged"
        return posixpath.join(
            self.state_dir, f"{RECORD_PREFIX}{safe_remote_name(connection.owner)}~{run}~{uuid.uuid4().hex[:12]}.json"
        )

    def write_record(
        self,
        deliveries: Sequence[tuple[Sequence[str], Sequence[FileEntry]]],
        connection: SFTPConnection | None = None,
        *,
        path: str | None = None,
    ) -> str:
        """Write one record for ``deliveries`` (each: its keys, its files' final paths, sizes, sha256); its path.

        Written once, under its final name (open, write, close), never
        rewritten: a torn record does not parse, which reads as "not
        delivered: redo", and nothing was renamed before the record's close
        returned. ``connection``: another channel to write it on; ``path``: a
        name from ``new_record_path`` (default: a fresh one).
        """
        self._ensure_dir()
        path = path or self.new_record_path()
        body = {
            "deliveries": [{"keys": list(keys), "files": [e.as_json() for e in files]} for keys, files in deliveries]
        }
        (connection or self.connection).write_file(path, json.dumps(body).encode("utf-8"))
        return path

    def read_record(self, name: str) -> dict[str, list[FileEntry]] | None:
        """The files each key of the record ``name`` (in the state folder) vouches for; None if it does not parse.

        Reads this format and the one-key records of earlier versions
        (``{"key": ..., "files": [...]}``).
        """
        try:
            data = json.loads(self.connection.read(posixpath.join(self.state_dir, name)).decode("utf-8"))
            groups = data["deliveries"] if "deliveries" in data else [{"keys": [data["key"]], "files": data["files"]}]
            found: dict[str, list[FileEntry]] = {}
            for group in groups:
                files = [FileEntry(str(f["path"]), int(f["size"]), str(f["sha256"])) for f in group["files"]]
                for key in group["keys"]:
                    found.setdefault(str(key), []).extend(files)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return found

    def record_names(self) -> list[str]:
        """The delivery records in the state folder (none if it does not exist)."""
        try:
            names = self.connection.list_names(self.state_dir)
        except FileNotFoundError:
            return []
        return [name for name in names if is_record_name(name)]

    def intact(self, entry: FileEntry, also_taken_in: Sequence[str] = ()) -> str | None:
        """Where the recorded file is now, byte for byte (its folder or one of ``also_taken_in``); None if nowhere."""
        path = entry.path
        for candidate in (path, *(posixpath.join(d, posixpath.basename(path)) for d in also_taken_in)):
            try:
                content = self.connection.read(candidate)
            except OSError:
                continue
            if len(content) == entry.size and hashlib.sha256(content).hexdigest() == entry.sha256:
                return candidate
        return None

    def delivered(self, key: str, also_taken_in: Sequence[str] = ()) -> list[str] | None:
        """The final paths of an earlier, complete delivery of ``key``; None if it must be (re)done.

        Every record naming ``key`` is either true or points at files that are
        not ours (missing, or other bytes): the first whose files are all
        intact wins.
        """
        for name in self.record_names():
            files = (self.read_record(name) or {}).get(key)
            if files:
                paths = [self.intact(entry, also_taken_in) for entry in files]
                if all(paths):
                    return [p for p in paths if p]
        return None

    def remove_record(self, path: str) -> None:
        """Drop a record once every key in it is reported (best effort: a stale record only costs a read)."""
        self.connection._remove_quietly(path)

    def clean_stale_temp_files(self, is_live: Callable[[str], bool] | None = None) -> list[str]:
        """Remove records a crashed run was writing; see ``SFTPConnection.clean_stale_temp_files``."""
        if not self.connection.exists(self.state_dir):
            return []
        return self.connection.clean_stale_temp_files(self.state_dir, is_live)

    # -- moves -----------------------------------------------------------------------------

    def _move_record_path(self, source: str) -> str:
        return posixpath.join(self.state_dir, "move-" + hashlib.sha256(source.encode()).hexdigest()[:40] + ".json")

    def plan_moves(
        self,
        files: Sequence[RemoteFile],
        folder: str,
        *,
        report: Mapping[str, Any] | None = None,
        report_for: str = "",
        report_suffix: str = ".error.json",
    ) -> dict[str, Any]:
        """Targets free in ``folder`` for every file, with one shared suffix (the one collision rule).

        ``report``: also write it as ``<stem of report_for>`` + ``report_suffix`` (suffixed alike).
        """
        anchor = report_for or files[0].name
        for n in range(MAX_COLLISION_SUFFIX + 1):
            targets = [suffixed(entry.name, n) for entry in files]
            stem, dot, _ = suffixed(anchor, n).rpartition(".")
            report_name = (stem if dot and stem else suffixed(anchor, n)) + report_suffix if report else None
            wanted = targets + ([report_name] if report_name else [])
            if not any(self.connection.exists(posixpath.join(folder, name)) for name in wanted):
                break
        else:
            raise SFTPDeliveryError(f"no free name for {anchor} in {folder} after {MAX_COLLISION_SUFFIX} suffixes")
        moves = [
            {"source": e.path, "target": posixpath.join(folder, t), "size": e.size, "mtime": e.mtime}
            for e, t in zip(files, targets, strict=True)
        ]
        record: dict[str, Any] = {"moves": moves, "report": None}
        if report is not None and report_name is not None:
            record["report"] = {"path": posixpath.join(folder, report_name), "content": dict(report)}
        return record

    def move(self, record: dict[str, Any]) -> list[str]:
        """Write the plan down, then carry it out; the final paths."""
        path = self._move_record_path(record["moves"][0]["source"])
        data = json.dumps(record, sort_keys=True, default=str).encode("utf-8")
        if not self.connection.write_new(path, data):  # a plan a failed replay left: this one replaces it
            self.connection.remove(path)
            self.connection.write_new(path, data)
        return self._carry_out(path, record)

    def _carry_out(self, path: str, record: dict[str, Any]) -> list[str]:
        report = record.get("report")
        if report and not self.connection.exists(report["path"]):
            text = json.dumps(report["content"], indent=2, ensure_ascii=False, default=str) + "\n"
            self.connection.write_new(report["path"], text.encode("utf-8"))
        finals = [self._move_one(move) for move in record["moves"]]
        self.connection.remove(path)
        return finals

    def _warn(self, message: str) -> None:
        if self.logger is not None:
            self.logger.warn(message, step="move")

    def _move_one(self, move: Mapping[str, Any]) -> str:
        source, target = str(move["source"]), str(move["target"])
        try:
            now = self.connection.stat(source)
        except FileNotFoundError:
            return target  # moved before the crash
        if (now.size, now.mtime) != (move["size"], move["mtime"]):
            self._warn(f"{source} changed since it was planned to move to {target}; left for the next listing")
            return source
        folder, name = posixpath.split(target)
        for n in range(MAX_COLLISION_SUFFIX + 1):
            candidate = posixpath.join(folder, suffixed(name, n))
            if self.connection.move(source, candidate):
                if n:
                    self._warn(f"{target} was taken meanwhile; moved to {candidate}")
                return candidate
        raise SFTPDeliveryError(f"no free name for {name} in {folder}")

    def replay_moves(self) -> list[list[str]]:
        """Finish the moves a killed run planned; the final paths of each plan finished."""
        if not self.connection.exists(self.state_dir):
            return []
        finished = []
        for name in sorted(self.connection.list_names(self.state_dir)):
            if name.startswith("move-") and name.endswith(".json"):
                path = posixpath.join(self.state_dir, name)
                try:
                    record = json.loads(self.connection.read(path).decode("utf-8"))
                    moves = record["moves"]
                    if not isinstance(moves, list) or not moves:
                        raise ValueError("no moves")
                except (ValueError, KeyError, TypeError) as exc:
                    # Ours are written whole (temporary file, then rename): this one is someone else's.
                    self._warn(f"{path} is not a move plan of ours ({exc}); left in place, not carried out")
                    continue
                finished.append(self._carry_out(path, record))
        return finished
