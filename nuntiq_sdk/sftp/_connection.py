"""The SFTP connection: host keys verified before any credential, and what connectors need of a server."""

from __future__ import annotations

import base64
import hashlib
import io
import posixpath
import socket
import stat
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import attrs
import paramiko

from nuntiq_sdk._exceptions import NuntiqError
from nuntiq_sdk.settings import option, read_settings, secret
from nuntiq_sdk.sftp._naming import (
    MAX_COLLISION_SUFFIX,
    TEMP_SUFFIX,
    candidates,
    safe_remote_name,
    split_name,
    temp_prefix,
)

if TYPE_CHECKING:
    from nuntiq_sdk._context import JobContext

__all__ = [
    "CONNECTION_ERRORS",
    "HostKeyVerificationError",
    "RemoteFile",
    "SFTPConnection",
    "SFTPDeliveryError",
    "SFTPSettings",
    "connect_sftp",
]

MAX_RENAME_RACES = 20
MAX_TIMEOUT_SECONDS = 3600


class HostKeyVerificationError(NuntiqError):
    """The server's host key is unknown or differs from the one configured: no credential was sent."""


class SFTPDeliveryError(NuntiqError, OSError):
    """An upload could not be completed; nothing was left under the final name."""


CONNECTION_ERRORS = (paramiko.SSHException, EOFError, OSError)
"""What a dropped or failing SFTP connection raises: reconnect (or give up) on these."""


def _fingerprint(key: paramiko.PKey) -> str:
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


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


@attrs.frozen
class RemoteFile:
    """A regular file on the server as a listing shows it; ``folder`` is where it was listed."""

    name: str
    size: int
    mtime: int
    folder: str = ""

    @property
    def path(self) -> str:
        return posixpath.join(self.folder, self.name)

    @property
    def position(self) -> tuple[int, str]:
        """Oldest first, then by name: the order a folder's files are handled in."""
        return (self.mtime, self.name)


class SFTPConnection:
    """An open, host-verified SFTP session with delivery helpers; use as a context manager."""

    def __init__(
        self,
        transport: paramiko.Transport,
        client: paramiko.SFTPClient,
        settings: SFTPSettings,
        owner: str = "sdk",
        run_tag: str | None = None,
        *,
        owns_transport: bool = True,
    ) -> None:
        self.transport = transport
        self.sftp = client
        self.settings = settings
        self.owner = owner
        # Concurrent workers of one owner tag their temporary files with their run (e.g. the delta run id).
        self.run_tag = None if run_tag is None else safe_remote_name(run_tag)
        # Temporary files whose removal failed (the connection dropped): remove them on the next connection.
        self.unremoved: list[str] = []
        self.owns_transport = owns_transport  # a channel of another connection closes only its channel

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
            if self.owns_transport:
                self.transport.close()

    def open_channel(self) -> SFTPConnection:
        """Another SFTP channel over this connection's SSH transport: no new login, its own request stream.

        Why: one SFTP channel answers one request at a time for a caller that waits on each, so
        uploads on several channels overlap their round trips; closing the channel leaves the
        transport (and this connection) open.
        """
        client = self.transport.open_sftp_client()
        if client is None:
            raise SFTPDeliveryError("the server refused to open another SFTP channel")
        client.get_channel().settimeout(self.settings.timeout)  # type: ignore[union-attr]
        channel = SFTPConnection(self.transport, client, self.settings, self.owner, None, owns_transport=False)
        channel.run_tag = self.run_tag
        return channel

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

    def stat(self, path: str) -> RemoteFile:
        """Size and modification time of ``path``; ``FileNotFoundError`` if there is none."""
        attributes = self.sftp.stat(path)
        folder, name = posixpath.split(path)
        return RemoteFile(name, int(attributes.st_size or 0), int(attributes.st_mtime or 0), folder)

    def list_files(self, remote_dir: str, *, hidden: bool = False) -> list[RemoteFile]:
        """The regular files of ``remote_dir`` (no folders; hidden names only with ``hidden``), by name."""
        found = [
            RemoteFile(entry.filename, int(entry.st_size or 0), int(entry.st_mtime or 0), remote_dir)
            for entry in self.sftp.listdir_attr(remote_dir)
            if stat.S_ISREG(entry.st_mode or 0) and (hidden or not entry.filename.startswith("."))
        ]
        return sorted(found, key=lambda f: f.name)

    def read(self, path: str, limit: int | None = None) -> bytes:
        """The bytes of ``path`` (at most ``limit``: one more than a caller's maximum tells it is too large)."""
        with self.sftp.open(path, "rb") as handle:
            return handle.read(limit) if limit is not None else handle.read()

    def download(self, path: str, local: Path) -> None:
        """Copy ``path`` to the local file ``local``."""
        self.sftp.get(path, str(local))

    def make_dir(self, path: str) -> None:
        """Create the folder ``path`` unless it exists."""
        if not self.exists(path):
            self.sftp.mkdir(path)

    def remove(self, path: str) -> None:
        """Delete the file ``path``."""
        self.sftp.remove(path)

    def _size(self, path: str) -> int | None:
        attributes = self.sftp.stat(path)
        return attributes.st_size

    def list_names(self, remote_dir: str) -> list[str]:
        return sorted(self.sftp.listdir(remote_dir))

    # -- delivery --------------------------------------------------------------------

    def clean_stale_temp_files(
        self,
        remote_dir: str,
        is_live: Callable[[str], bool] | None = None,
        listing: Sequence[paramiko.SFTPAttributes] | None = None,
    ) -> list[str]:
        """Remove this owner's temporary files a crashed run left in ``remote_dir``; returns their paths.

        Only files named with this connection's ``owner`` are touched: another
        job delivering to the same folder keeps its uploads in flight. Files
        tagged with a run are kept if the run is this connection's, or if
        ``is_live(run_tag)`` says that run still works (a concurrent worker of
        the same connector); without ``is_live`` only one run at a time may
        use the owner. ``listing``: ``remote_dir``'s entries if the caller listed it already.
        """
        prefix = temp_prefix(self.owner)
        removed: list[str] = []
        liveness: dict[str, bool] = {}
        for entry in self.sftp.listdir_attr(remote_dir) if listing is None else listing:
            name = entry.filename
            if not (name.startswith(prefix) and name.endswith(TEMP_SUFFIX) and stat.S_ISREG(entry.st_mode or 0)):
                continue
            tag, tagged, _ = name[len(prefix) :].partition("~")  # '~' never occurs in a safe name
            if tagged and (tag == self.run_tag or (is_live is not None and liveness.setdefault(tag, is_live(tag)))):
                continue
            path = posixpath.join(remote_dir, name)
            try:
                self.sftp.remove(path)
            except FileNotFoundError:
                continue  # gone since the listing: its run renamed or removed it before it ended
            removed.append(path)
        return removed

    def temp_path(self, remote_dir: str, name: str) -> str:
        """A hidden temporary name next to ``name``, recognisable as this owner's (and this run's)."""
        tag = f"{self.run_tag}~" if self.run_tag else ""
        return posixpath.join(remote_dir, f"{temp_prefix(self.owner)}{tag}{name}.{uuid.uuid4().hex[:12]}{TEMP_SUFFIX}")

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
        if "/" in name or name in {"", ".", ".."} or name != safe_remote_name(*split_name(name)):
            raise SFTPDeliveryError(f"remote file name {name!r} is not safe; build it with safe_remote_name()")
        temp = self.temp_path(remote_dir, name)
        try:
            self._write_confirmed(temp, data)
            return self._move_into_place(temp, remote_dir, name, len(data), also_taken_in)
        except BaseException:
            self._remove_quietly(temp)
            raise

    def write_file(self, path: str, data: bytes) -> None:
        """Write ``data`` as the file ``path`` (created or truncated) in three requests for up to 32 KiB: open,
        write, close (one more write per further 32 KiB), every write acknowledged before it returns.

        No STAT afterwards, and why none is needed: an SFTP WRITE has no short
        count - it writes all its bytes or answers an error status - so once
        every WRITE of the file answered OK, the server holds ``len(data)``
        bytes and a STAT would only repeat that. The catch is paramiko's: a
        pipelined file's WRITE answers are *not* checked at ``close()`` (they
        are read and dropped), which is how a pipelined upload fails silently.
        So the writes are pipelined (sent without waiting) and then their
        answers are read and checked here, before the CLOSE. What no answer
        can prove (a server that lies) is caught where it matters, by the
        sha256 a delivery record is checked with.
        """
        try:
            with self.sftp.open(path, "wb") as handle:
                handle.set_pipelined(True)
                handle.write(data)
                handle.flush()
                pending = getattr(handle, "_reqs", None)  # paramiko's outstanding WRITE request numbers
                while pending:
                    self.sftp._read_response(pending.popleft())  # type: ignore[attr-defined]  # IOError on failure
        except OSError as exc:
            raise SFTPDeliveryError(f"writing {path} failed: {exc}") from exc

    def rename_no_clobber(self, source: str, target: str) -> bool:
        """Rename ``source`` to ``target`` in one request unless ``target`` exists; False if it does.

        SFTP ``rename`` never replaces a file; only when it fails is ``target``
        looked at (one STAT), to tell "taken meanwhile" from a real error.
        """
        try:
            self.sftp.rename(source, target)
        except OSError as exc:
            if self.exists(target):
                return False
            raise SFTPDeliveryError(f"renaming {source} to {target} failed: {exc}") from exc
        return True

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
        for candidate in candidates(name):
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
