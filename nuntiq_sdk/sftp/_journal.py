"""One journal on the SFTP server for work that must happen exactly once across crashes."""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from nuntiq_sdk._exceptions import ConfigError
from nuntiq_sdk.sftp._connection import MAX_RENAME_RACES, RemoteFile, SFTPConnection, SFTPDeliveryError
from nuntiq_sdk.sftp._naming import MAX_COLLISION_SUFFIX, suffixed

if TYPE_CHECKING:
    from nuntiq_sdk._logging import ConnectorLogger

__all__ = ["DeliveryJournal", "PlannedFile"]


def _check_remote_dir(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.startswith("/"):
        raise ConfigError([f"config.{name} must be an absolute remote path, got {value!r}"])
    if "\x00" in value or ".." in value.split("/"):
        raise ConfigError([f"config.{name} must not contain '..' or NUL, got {value!r}"])
    return value.rstrip("/") or "/"


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

    Deliveries:
    Before a delivery's files are moved to their final names, a small record
    (``<state_dir>/<key digest>.json``: each file's final path, size and
    sha256) is written. A rerun that finds the record and every file intact -
    in its folder or already moved to one of ``also_taken_in`` (the ERP's
    ``sent/``) - knows the delivery happened and must not be repeated. The
    record is removed once the caller has reported the result.
    """

    def __init__(self, connection: SFTPConnection, state_dir: str, logger: ConnectorLogger | None = None) -> None:
        self.connection = connection
        self.state_dir = _check_remote_dir("remote_state_dir", state_dir)
        self.logger = logger  # says when a planned move finds its source changed or its target taken
        self._ready = False

    def _record_path(self, key: str) -> str:
        return posixpath.join(self.state_dir, hashlib.sha256(key.encode()).hexdigest()[:40] + ".json")

    def _ensure_dir(self) -> None:
        if not self._ready:
            try:
                if not self.connection.exists(self.state_dir):
                    self.connection.make_dir(self.state_dir)
            except OSError as exc:
                raise SFTPDeliveryError(f"creating the delivery journal folder {self.state_dir} failed: {exc}") from exc
            self._ready = True

    def delivered(self, key: str, also_taken_in: Sequence[str] = ()) -> list[str] | None:
        """The final paths of an earlier, complete delivery of ``key``; None if it must be (re)done."""
        sftp = self.connection.sftp
        try:
            with sftp.open(self._record_path(key), "rb") as handle:
                record = json.loads(handle.read().decode("utf-8"))
        except (OSError, ValueError):
            return None
        paths: list[str] = []
        for entry in record.get("files", []):
            found = self._find_intact(entry, also_taken_in)
            if found is None:
                return None
            paths.append(found)
        return paths or None

    def _find_intact(self, entry: dict[str, object], also_taken_in: Sequence[str]) -> str | None:
        path = str(entry["path"])
        for candidate in (path, *(posixpath.join(d, posixpath.basename(path)) for d in also_taken_in)):
            try:
                with self.connection.sftp.open(candidate, "rb") as handle:
                    content = handle.read()
            except OSError:
                continue
            if len(content) == entry["size"] and hashlib.sha256(content).hexdigest() == entry["sha256"]:
                return candidate
        return None

    def deliver(
        self, keys: str | Sequence[str], files: Sequence[PlannedFile], also_taken_in: Sequence[str] = ()
    ) -> list[str]:
        """Upload ``files`` in order (put the one the ERP polls for last); returns their final paths.

        ``keys`` names what was delivered: one invoice token, or every invoice
        of a batch file (each then finds the delivery on its own). The record
        always names the final path *before* the rename to it, also when a
        name is taken meanwhile, so a crash at any point leaves a record that
        is either true or points at a file that is not ours (and is redone).
        """
        keys = [keys] if isinstance(keys, str) else list(keys)
        self._ensure_dir()
        connection = self.connection
        temps: list[str] = []
        try:
            for planned in files:
                temps.append(connection.temp_path(planned.remote_dir, planned.name))
                connection._write_confirmed(temps[-1], planned.data)
            finals = [connection._free_name(p.remote_dir, p.name, also_taken_in) for p in files]
            self._write_records(keys, files, finals)
            for index, (planned, temp) in enumerate(zip(files, temps, strict=True)):
                for _attempt in range(MAX_RENAME_RACES):
                    if connection._rename_no_clobber(temp, finals[index], len(planned.data)):
                        break
                    finals[index] = connection._free_name(planned.remote_dir, planned.name, also_taken_in)
                    self._write_records(keys, files, finals)
                else:
                    raise SFTPDeliveryError(f"{planned.name}: every free name was taken while moving; gave up")
            return finals
        except BaseException:
            for temp in temps:
                connection._remove_quietly(temp)
            raise

    def _write_records(self, keys: Sequence[str], files: Sequence[PlannedFile], finals: Sequence[str]) -> None:
        entries = [
            {"path": final, "size": len(p.data), "sha256": hashlib.sha256(p.data).hexdigest()}
            for p, final in zip(files, finals, strict=True)
        ]
        for key in keys:
            path = self._record_path(key)
            temp = self.connection.temp_path(self.state_dir, posixpath.basename(path))
            sftp = self.connection.sftp
            try:
                self._write_record_file(temp, {"key": key, "files": entries})
                try:
                    sftp.rename(temp, path)
                except OSError:
                    if not self.connection.exists(path):
                        raise
                    sftp.remove(path)  # an earlier record of the same key (a retried delivery)
                    sftp.rename(temp, path)
            except OSError as exc:
                self.connection._remove_quietly(temp)
                if isinstance(exc, SFTPDeliveryError):
                    raise
                raise SFTPDeliveryError(f"recording the delivery in {path} failed: {exc}") from exc

    def _write_record_file(self, path: str, record: dict[str, object]) -> None:
        # No size check here: a torn record does not parse, which reads as "not delivered: redo".
        with self.connection.sftp.open(path, "wb") as handle:
            handle.write(json.dumps(record).encode("utf-8"))

    def recorded_keys(self, limit: int = 100) -> list[str]:
        """The keys of up to ``limit`` records (to prune those whose result is already reported)."""
        if not self.connection.exists(self.state_dir):
            return []
        found: list[str] = []
        for name in sorted(self.connection.sftp.listdir(self.state_dir))[:limit]:
            if not name.endswith(".json"):
                continue
            try:
                with self.connection.sftp.open(posixpath.join(self.state_dir, name), "rb") as handle:
                    found.append(str(json.loads(handle.read().decode("utf-8"))["key"]))
            except (OSError, ValueError, KeyError):
                continue
        return found

    def clean_stale_temp_files(self, is_live: Callable[[str], bool] | None = None) -> list[str]:
        """Remove records a crashed run was writing; see ``SFTPConnection.clean_stale_temp_files``."""
        if not self.connection.exists(self.state_dir):
            return []
        return self.connection.clean_stale_temp_files(self.state_dir, is_live)

    def forget(self, key: str) -> None:
        """Drop the record once the result is reported (best effort: a stale record only saves a re-upload)."""
        self.connection._remove_quietly(self._record_path(key))

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
