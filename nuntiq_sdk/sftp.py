"""SFTP delivery for connectors: verified hosts, atomic uploads that never overwrite.

What the product docs' upload code gets wrong, and this module does instead:

- The host key is always verified (a known_hosts file or a pinned SHA256
  fingerprint), *before* any credential is sent. An unknown or changed key
  refuses to connect with the fingerprint the server presented.
- ``posix_rename`` silently replaces an existing file, so the docs' collision
  branch never runs. Here the final name is chosen free in the outbox *and*
  in ``sent/`` first, and the move uses SFTP ``rename``, which never
  replaces; a name taken meanwhile is detected and the next suffix tried.
- ``os.fsync(f.fileno())`` is not valid on a paramiko file. Pipelined writes
  can fail silently, so the uploaded size is confirmed on the server before
  and after the rename.
- Temporary files are hidden and recognisable (``.nuntiq-<owner>~<name>.<id>.tmp``,
  or ``.nuntiq-<owner>~<run>~<name>.<id>.tmp`` when the connection is tagged
  with a run), removed on failure (again after a reconnect if the connection
  dropped), and a crashed run's left-overs are cleaned at start - only its own
  owner's, and of those only runs that are no longer live, so another job's
  or another concurrent worker's upload in flight is never touched.
- Remote names are built only from ASCII letters, digits, ``-`` and ``_``.

Settings (``config`` / ``secrets`` of settings.json, ``sftp_`` prefix by
default): ``sftp_host``, ``sftp_port`` (22), ``sftp_user``; secret
``sftp_password`` and/or secret ``sftp_private_key`` (PEM text) or config
``sftp_private_key_path``; config ``sftp_known_hosts`` (a file) or
``sftp_host_key_fingerprint`` (``SHA256:...``); ``sftp_timeout_seconds`` (30).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import posixpath
import re
import socket
import stat
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import attrs
import paramiko

from nuntiq_sdk._exceptions import ConfigError, NuntiqError
from nuntiq_sdk.settings import option, read_settings, secret

if TYPE_CHECKING:
    from nuntiq_sdk._context import JobContext

__all__ = [
    "DeliveryJournal",
    "HostKeyVerificationError",
    "PlannedFile",
    "SFTPConnection",
    "SFTPDeliveryError",
    "SFTPSettings",
    "connect_sftp",
    "safe_remote_name",
]

TEMP_PREFIX = ".nuntiq-"
TEMP_SUFFIX = ".tmp"
MAX_NAME_STEM = 100
MAX_COLLISION_SUFFIX = 999
MAX_RENAME_RACES = 20
MAX_TIMEOUT_SECONDS = 3600
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


class HostKeyVerificationError(NuntiqError):
    """The server's host key is unknown or differs from the one configured: no credential was sent."""


class SFTPDeliveryError(NuntiqError, OSError):
    """An upload could not be completed; nothing was left under the final name."""


def safe_remote_name(stem: object, extension: str = "") -> str:
    """A file name any SFTP server (and Windows) accepts, whatever ``stem`` holds.

    Characters other than ASCII letters, digits, ``-`` and ``_`` become ``_`` (runs of them one);
    an empty result is ``UNKNOWN``; names are capped at 100 characters; Windows'
    reserved device names get a leading ``_``. ``extension`` (e.g. ``".csv"``)
    must itself be safe.
    """
    if extension and not re.fullmatch(r"\.[A-Za-z0-9]{1,10}", extension):
        raise ValueError(f"extension {extension!r} must be a dot and 1-10 ASCII letters or digits")
    text = re.sub("_+", "_", _UNSAFE.sub("_", str(stem if stem is not None else "")))[:MAX_NAME_STEM].strip("_")
    text = text or "UNKNOWN"
    if text.upper() in _WINDOWS_RESERVED:
        text = f"_{text}"
    return f"{text}{extension}"


def _fingerprint(key: paramiko.PKey) -> str:
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def _check_remote_dir(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.startswith("/"):
        raise ConfigError([f"config.{name} must be an absolute remote path, got {value!r}"])
    if "\x00" in value or ".." in value.split("/"):
        raise ConfigError([f"config.{name} must not contain '..' or NUL, got {value!r}"])
    return value.rstrip("/") or "/"


@attrs.frozen
class SFTPSettings:
    """The SFTP server: where and how to connect; host key verification is not optional."""

    host: str = option(
        check=lambda v: "must be a host name without spaces" if any(c.isspace() for c in v) else None,
        help="The SFTP server's host name or address.",
    )
    user: str = option(help="The SFTP login name.")
    port: int = option(default=22, minimum=1, maximum=65535, help="The SFTP server's TCP port.")
    timeout_seconds: float = option(
        default=30.0, minimum=0.1, maximum=MAX_TIMEOUT_SECONDS, help="Seconds to wait for the server per step."
    )
    known_hosts: Path | None = option(
        default=None, local_file=True, help="A known_hosts file holding the server's key (or host_key_fingerprint)."
    )
    host_key_fingerprint: str | None = option(
        default=None,
        check=lambda v: None if v.startswith("SHA256:") else "must look like 'SHA256:<base64>'",
        help="The server's pinned key, 'SHA256:<base64>' (or known_hosts).",
    )
    private_key_path: Path | None = option(
        default=None, local_file=True, help="A private key file (or secrets.sftp_private_key, or a password)."
    )
    password: str | None = secret(required=False, help="The login password (or a private key).")
    private_key: str | None = secret(required=False, help="A private key as PEM/OpenSSH text (or a password).")
    key_passphrase: str | None = secret(required=False, help="The private key's passphrase, if it has one.")

    @property
    def username(self) -> str:
        return self.user

    @property
    def timeout(self) -> float:
        return float(self.timeout_seconds)

    @classmethod
    def from_context(cls, context: JobContext, prefix: str = "sftp_") -> SFTPSettings:
        """Read and check the ``prefix``-ed entries of settings.json; one ``ConfigError`` lists every problem."""
        return read_settings(cls, context, prefix)

    def load_key(self) -> paramiko.PKey | None:
        """The private key to log in with, or None for a password login."""
        if not (self.private_key or self.private_key_path):
            return None
        return _load_private_key(self.private_key, self.private_key_path, self.key_passphrase)

    def problems(self, prefix: str = "sftp_") -> list[str]:
        """Rules across entries: a credential, a way to verify the host key, a loadable private key."""
        found = []
        try:
            key = self.load_key()
        except (OSError, paramiko.SSHException, ValueError) as exc:
            where = (
                f"config.{prefix}private_key_path {str(self.private_key_path)!r}"
                if self.private_key_path
                else f"secrets.{prefix}private_key"
            )
            found.append(f"{where} could not be loaded: {exc}")
        else:
            if not self.password and key is None:
                found.append(
                    f"no SFTP credential: set secrets.{prefix}password, secrets.{prefix}private_key "
                    f"or config.{prefix}private_key_path"
                )
        if self.known_hosts is None and self.host_key_fingerprint is None:
            found.append(
                f"host key verification needs config.{prefix}known_hosts (a known_hosts file) "
                f"or config.{prefix}host_key_fingerprint ('SHA256:...'); it is not optional"
            )
        return found


def _load_private_key(text: str | None, path: Path | None, passphrase: str | None) -> paramiko.PKey:
    """Load an RSA, ECDSA or Ed25519 private key from PEM/OpenSSH text or a file."""
    data = text if text else Path(str(path)).expanduser().read_text(encoding="utf-8")
    errors: list[str] = []
    for key_class in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return key_class.from_private_key(io.StringIO(data), password=passphrase)
        except paramiko.SSHException as exc:
            errors.append(f"{key_class.__name__}: {exc}")
    raise ValueError("not a supported private key (" + "; ".join(errors) + ")")


class SFTPConnection:
    """An open, host-verified SFTP session with delivery helpers; use as a context manager."""

    def __init__(
        self,
        transport: paramiko.Transport,
        client: paramiko.SFTPClient,
        settings: SFTPSettings,
        owner: str = "sdk",
        run_tag: str | None = None,
    ) -> None:
        self.transport = transport
        self.sftp = client
        self.settings = settings
        self.owner = owner
        # Concurrent workers of one owner tag their temporary files with their run (e.g. the delta run id).
        self.run_tag = None if run_tag is None else safe_remote_name(run_tag)
        # Temporary files whose removal failed (the connection dropped): remove them on the next connection.
        self.unremoved: list[str] = []

    def __enter__(self) -> SFTPConnection:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.sftp.close()
        finally:
            self.transport.close()

    # -- queries -------------------------------------------------------------------

    def exists(self, path: str) -> bool:
        try:
            self.sftp.stat(path)
        except FileNotFoundError:
            return False
        except OSError as exc:
            if getattr(exc, "errno", None) == 2:
                return False
            raise
        return True

    def _size(self, path: str) -> int | None:
        attributes = self.sftp.stat(path)
        return attributes.st_size

    def list_names(self, remote_dir: str) -> list[str]:
        return sorted(self.sftp.listdir(remote_dir))

    # -- delivery --------------------------------------------------------------------

    def clean_stale_temp_files(self, remote_dir: str, is_live: Callable[[str], bool] | None = None) -> list[str]:
        """Remove this owner's temporary files a crashed run left in ``remote_dir``; returns their paths.

        Only files named with this connection's ``owner`` are touched: another
        job delivering to the same folder keeps its uploads in flight. Files
        tagged with a run are kept if the run is this connection's, or if
        ``is_live(run_tag)`` says that run still works (a concurrent worker of
        the same connector); without ``is_live`` only one run at a time may
        use the owner.
        """
        prefix = _temp_prefix(self.owner)
        removed: list[str] = []
        liveness: dict[str, bool] = {}
        for entry in self.sftp.listdir_attr(remote_dir):
            name = entry.filename
            if not (name.startswith(prefix) and name.endswith(TEMP_SUFFIX) and stat.S_ISREG(entry.st_mode or 0)):
                continue
            tag, tagged, _ = name[len(prefix) :].partition("~")  # '~' never occurs in a safe name
            if tagged and (tag == self.run_tag or (is_live is not None and liveness.setdefault(tag, is_live(tag)))):
                continue
            path = posixpath.join(remote_dir, name)
            self.sftp.remove(path)
            removed.append(path)
        return removed

    def temp_path(self, remote_dir: str, name: str) -> str:
        """A hidden temporary name next to ``name``, recognisable as this owner's (and this run's)."""
        tag = f"{self.run_tag}~" if self.run_tag else ""
        return posixpath.join(remote_dir, f"{_temp_prefix(self.owner)}{tag}{name}.{uuid.uuid4().hex[:12]}{TEMP_SUFFIX}")

    def _candidates(self, name: str) -> Iterator[str]:
        stem, dot, extension = name.rpartition(".")
        if not dot:
            stem, extension = name, ""
        yield name
        for n in range(1, MAX_COLLISION_SUFFIX + 1):
            yield f"{stem}-{n}.{extension}" if dot else f"{stem}-{n}"

    def upload(
        self,
        remote_dir: str,
        name: str,
        data: bytes,
        *,
        also_taken_in: Sequence[str] = (),
    ) -> str:
        """Deliver ``data`` as ``remote_dir/name`` without ever replacing a file; returns the final path.

        A name already present in ``remote_dir`` or in any ``also_taken_in``
        folder (e.g. the ERP's ``sent/``) gets a ``-1``, ``-2``, ... suffix.
        The file appears under its final name complete or not at all.
        """
        if "/" in name or name in {"", ".", ".."} or name != safe_remote_name(*_split(name)):
            raise SFTPDeliveryError(f"remote file name {name!r} is not safe; build it with safe_remote_name()")
        temp = self.temp_path(remote_dir, name)
        try:
            self._write_confirmed(temp, data)
            return self._move_into_place(temp, remote_dir, name, len(data), also_taken_in)
        except BaseException:
            self._remove_quietly(temp)
            raise

    def _write_confirmed(self, path: str, data: bytes) -> None:
        try:
            with self.sftp.open(path, "wb") as handle:
                handle.set_pipelined(True)
                handle.write(data)
            size = self._size(path)
        except OSError as exc:
            raise SFTPDeliveryError(f"writing {path} failed: {exc}") from exc
        if size != len(data):
            raise SFTPDeliveryError(f"{path} holds {size} bytes after upload, expected {len(data)}: write lost")

    def _taken(self, remote_dir: str, name: str, also_taken_in: Sequence[str]) -> bool:
        return self.exists(posixpath.join(remote_dir, name)) or any(
            self.exists(posixpath.join(d, name)) for d in also_taken_in
        )

    def _free_name(self, remote_dir: str, name: str, also_taken_in: Sequence[str]) -> str:
        for candidate in self._candidates(name):
            if not self._taken(remote_dir, candidate, also_taken_in):
                return posixpath.join(remote_dir, candidate)
        raise SFTPDeliveryError(f"no free name for {name} in {remote_dir} after {MAX_COLLISION_SUFFIX} suffixes")

    def _rename_no_clobber(self, temp: str, final: str, size: int) -> bool:
        """Move ``temp`` to ``final`` unless ``final`` exists; False if it was taken meanwhile."""
        try:
            self.sftp.rename(temp, final)  # SFTP rename never replaces an existing file
        except OSError as exc:
            if self.exists(final):
                return False
            raise SFTPDeliveryError(f"renaming {temp} to {final} failed: {exc}") from exc
        confirmed = self._size(final)
        if confirmed != size:
            raise SFTPDeliveryError(f"{final} holds {confirmed} bytes after the rename, expected {size}")
        return True

    def _move_into_place(self, temp: str, remote_dir: str, name: str, size: int, also_taken_in: Sequence[str]) -> str:
        for _attempt in range(MAX_RENAME_RACES):
            final = self._free_name(remote_dir, name, also_taken_in)
            if self._rename_no_clobber(temp, final, size):
                return final
        raise SFTPDeliveryError(f"{name}: every free name in {remote_dir} was taken while moving; gave up")

    def move(self, source: str, target: str) -> bool:
        """Rename ``source`` to ``target`` on the server (one atomic step), never replacing a file.

        Returns False when ``target`` is taken; the size is confirmed after the move.
        """
        size = self._size(source)
        if size is None:
            raise SFTPDeliveryError(f"the server reports no size for {source}; cannot confirm the move")
        return self._rename_no_clobber(source, target, size)

    def write_new(self, path: str, data: bytes) -> bool:
        """Create ``path`` holding ``data``, complete or not at all, never replacing a file; False if it exists."""
        directory, name = posixpath.split(path)
        temp = self.temp_path(directory or "/", name)
        try:
            self._write_confirmed(temp, data)
            if self._rename_no_clobber(temp, path, len(data)):
                return True
        except BaseException:
            self._remove_quietly(temp)
            raise
        self._remove_quietly(temp)
        return False

    def _remove_quietly(self, path: str) -> None:
        """Best effort: a file never created is fine; one left by a dropped connection is remembered."""
        try:
            self.sftp.remove(path)
        except FileNotFoundError:
            pass
        except (OSError, paramiko.SSHException, EOFError):
            if not self.transport.is_active():
                self.unremoved.append(path)

    def remove_left_by(self, previous: SFTPConnection) -> None:
        """After a reconnect: remove the temporary files the dropped connection could not."""
        for path in previous.unremoved:
            self._remove_quietly(path)
        previous.unremoved.clear()


def _temp_prefix(owner: str) -> str:
    """``.nuntiq-<owner>~``: '~' never occurs in a safe name, so one owner's prefix never matches another's."""
    return f"{TEMP_PREFIX}{safe_remote_name(owner)}~"


def _split(name: str) -> tuple[str, str]:
    stem, dot, extension = name.rpartition(".")
    return (stem, f".{extension}") if dot and stem else (name, "")


def connect_sftp(
    settings: SFTPSettings | JobContext, prefix: str = "sftp_", owner: str = "sdk", run_tag: str | None = None
) -> SFTPConnection:
    """Open an SFTP session after verifying the server's host key; credentials go only to a verified host."""
    if not isinstance(settings, SFTPSettings):
        settings = SFTPSettings.from_context(settings, prefix)
    try:
        sock = socket.create_connection((settings.host, settings.port), timeout=settings.timeout)
    except OSError as exc:
        raise SFTPDeliveryError(f"cannot reach SFTP server {settings.host}:{settings.port}: {exc}") from exc
    transport = paramiko.Transport(sock)
    transport.banner_timeout = settings.timeout
    transport.auth_timeout = settings.timeout
    try:
        transport.start_client(timeout=settings.timeout)
        _verify_host_key(transport.get_remote_server_key(), settings)
        key = settings.load_key()
        if key is not None:
            transport.auth_publickey(settings.username, key)
        else:
            transport.auth_password(settings.username, settings.password or "")
        client = paramiko.SFTPClient.from_transport(transport)
        if client is None:
            raise SFTPDeliveryError("the server refused to open an SFTP session")
        client.get_channel().settimeout(settings.timeout)  # type: ignore[union-attr]
    except HostKeyVerificationError:
        transport.close()
        raise
    except (paramiko.SSHException, OSError, EOFError) as exc:
        transport.close()
        raise SFTPDeliveryError(
            f"SFTP login to {settings.username}@{settings.host}:{settings.port} failed: {exc}"
        ) from exc
    return SFTPConnection(transport, client, settings, owner, run_tag)


def _verify_host_key(key: paramiko.PKey, settings: SFTPSettings) -> None:
    presented = _fingerprint(key)
    where = f"{settings.host}:{settings.port}"
    if settings.host_key_fingerprint is not None:
        if presented != settings.host_key_fingerprint:
            pinned = settings.host_key_fingerprint
            raise HostKeyVerificationError(
                f"host key of {where} is {presented}, not the pinned {pinned}; refusing to connect"
            )
        return
    assert settings.known_hosts is not None
    known = paramiko.HostKeys(str(settings.known_hosts))
    lookup = settings.host if settings.port == 22 else f"[{settings.host}]:{settings.port}"
    entries = known.lookup(lookup)
    if not entries:
        raise HostKeyVerificationError(
            f"{where} is not in {settings.known_hosts} (it presented {key.get_name()} {presented}); refusing to connect"
        )
    expected = entries.get(key.get_name())
    if expected is None or expected.asbytes() != key.asbytes():
        raise HostKeyVerificationError(
            f"host key of {where} CHANGED: it presented {key.get_name()} {presented}, "
            f"which does not match {settings.known_hosts}; refusing to connect"
        )


@attrs.frozen
class PlannedFile:
    """One file of a delivery: where it goes, under which name, with what bytes."""

    remote_dir: str
    name: str
    data: bytes = attrs.field(repr=False)


class DeliveryJournal:
    """Exactly-once delivery across crashes, kept on the SFTP server itself.

    Before a delivery's files are moved to their final names, a small record
    (``<state_dir>/<key digest>.json``: each file's final path, size and
    sha256) is written. A rerun that finds the record and every file intact -
    in its folder or already moved to one of ``also_taken_in`` (the ERP's
    ``sent/``) - knows the delivery happened and must not be repeated. The
    record is removed once the caller has reported the result.
    """

    def __init__(self, connection: SFTPConnection, state_dir: str) -> None:
        self.connection = connection
        self.state_dir = _check_remote_dir("remote_state_dir", state_dir)
        self._ready = False

    def _record_path(self, key: str) -> str:
        return posixpath.join(self.state_dir, hashlib.sha256(key.encode()).hexdigest()[:40] + ".json")

    def _ensure_dir(self) -> None:
        if not self._ready:
            try:
                if not self.connection.exists(self.state_dir):
                    self.connection.sftp.mkdir(self.state_dir)
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
