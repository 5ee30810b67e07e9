"""An embedded SFTP server for tests and the demo: ``with EmbeddedSFTPServer(root, users={...}) as server: ...``.

Connectors that push files (seed 004) need a real SFTP peer to be tested
against, one that starts in milliseconds on 127.0.0.1, needs no system
package, and can be told to misbehave. This module serves a local folder over
SFTP v3 with paramiko's server side, in background threads of the calling
process:

* ``root`` is the remote ``/``; every remote path is resolved inside it, and a
  path whose ``..`` climbs above it, or whose symlinks lead out of it, is
  refused with *permission denied*;
* ``rename`` keeps the SFTP v3 rule (it fails when the target exists, which is
  what makes a connector's collision branch reachable) while the
  ``posix-rename@openssh.com`` extension replaces the target atomically, and
  can be switched off to play a server without it;
* ``faults`` drops a connection mid-upload, fails writes to chosen paths or
  refuses renames, and ``stats`` counts what the client did.

``python -m nuntiq_sandbox.sftp --root DIR ...`` runs the same server as a
process (for ``nuntiq demo``); see :func:`main`.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import errno
import functools
import hashlib
import hmac
import json
import logging
import os
import re
import signal
import socket
import stat
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import paramiko
from paramiko.common import AUTH_FAILED, AUTH_SUCCESSFUL, OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED, OPEN_SUCCEEDED
from paramiko.sftp import (
    SFTP_FAILURE,
    SFTP_NO_SUCH_FILE,
    SFTP_OK,
    SFTP_OP_UNSUPPORTED,
    SFTP_PERMISSION_DENIED,
)

if TYPE_CHECKING:
    from typing_extensions import Buffer

__all__ = [
    "EmbeddedSFTPServer",
    "SFTPFaults",
    "SFTPStats",
    "default_host_key",
    "fingerprint_sha256",
    "known_hosts_line",
    "main",
]

STOP_TIMEOUT_SECONDS = 5.0
_ACCEPT_POLL_SECONDS = 0.5
_JOIN_POLL_SECONDS = 0.5
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)

_log = logging.getLogger(__name__)
# The server's transports log here, not to "paramiko.transport": a client that
# hangs up (every connector does) is routine for a server, and must not reach
# the embedding process's stderr through logging's last-resort handler.
_TRANSPORT_LOG = f"{__name__}.transport"
logging.getLogger(_TRANSPORT_LOG).addHandler(logging.NullHandler())

_P = ParamSpec("_P")
_R = TypeVar("_R")

# -- host keys -----------------------------------------------------------------

_default_host_key: paramiko.PKey | None = None
_default_host_key_lock = threading.Lock()


def default_host_key() -> paramiko.PKey:
    """The process-wide RSA 2048 host key: generating one takes a while, so every server shares it."""
    global _default_host_key
    with _default_host_key_lock:
        if _default_host_key is None:
            _default_host_key = paramiko.RSAKey.generate(2048)
        return _default_host_key


def fingerprint_sha256(key: paramiko.PKey | bytes) -> str:
    """OpenSSH's ``SHA256:<base64 without padding>`` form of a public key (or its wire blob)."""
    blob = key if isinstance(key, bytes) else key.asbytes()
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii")
    return "SHA256:" + digest.rstrip("=")


def known_hosts_line(host: str, port: int, key_type: str, key_base64: str) -> str:
    """One OpenSSH known_hosts line; a non-default port is written ``[host]:port`` as ssh does."""
    where = host if port == 22 else f"[{host}]:{port}"
    return f"{where} {key_type} {key_base64}"


# -- faults and counters ----------------------------------------------------------


class SFTPFaults:
    """Misbehaviour a test switches on while the server runs; each operation reads it afresh.

    * ``drop_connection_after_bytes``: once that many file bytes have been
      written (counted from when it was set, over all connections), the
      bytes up to the limit are written and the client's transport is closed
      mid-request, like a line lost mid-batch. It fires once, then resets to
      ``None`` (``drops`` counts the firings), so a reconnect succeeds.
    * ``fail_writes_matching``: a regex searched in the remote path; writes to
      matching files answer a failure status (the open itself succeeds).
    * ``deny_rename``: ``rename`` and ``posix-rename`` answer permission denied.
    * ``on_write``: called with the remote path before each write request is
      served (in the server's thread), e.g. to make the server slow - by
      sleeping, or by moving the API sandbox's clock, which is what a lease
      sees.
    * ``latency_ms``: a fixed delay before every SFTP request is served, what
      a WAN round trip adds (``0``, the default, adds none). A channel's
      requests are served one after another, so pipelined requests wait in
      turn, as they would behind a slow link; the SSH handshake is not delayed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._drop_after: int | None = None
        self._bytes_since_armed = 0
        self._fail_pattern: re.Pattern[str] | None = None
        self.deny_rename: bool = False
        self.on_write: Callable[[str], None] | None = None
        self.drops: int = 0
        self._latency_ms = 0

    def __repr__(self) -> str:
        return (
            f"SFTPFaults(drop_connection_after_bytes={self._drop_after!r}, "
            f"fail_writes_matching={self.fail_writes_matching!r}, deny_rename={self.deny_rename!r}, "
            f"latency_ms={self._latency_ms!r})"
        )

    @property
    def latency_ms(self) -> int:
        return self._latency_ms

    @latency_ms.setter
    def latency_ms(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"latency_ms must be an integer >= 0, got {value!r}")
        self._latency_ms = value

    @property
    def drop_connection_after_bytes(self) -> int | None:
        return self._drop_after

    @drop_connection_after_bytes.setter
    def drop_connection_after_bytes(self, value: int | None) -> None:
        if value is not None and value < 0:
            raise ValueError("drop_connection_after_bytes must be >= 0 or None")
        with self._lock:
            self._drop_after = value
            self._bytes_since_armed = 0

    @property
    def fail_writes_matching(self) -> str | None:
        return None if self._fail_pattern is None else self._fail_pattern.pattern

    @fail_writes_matching.setter
    def fail_writes_matching(self, value: str | None) -> None:
        # Compiled here so that a bad regex fails in the test that sets it, not in a server thread.
        self._fail_pattern = None if value is None else re.compile(value)

    def clear(self) -> None:
        """Switch every fault off (``drops`` is a counter and stays)."""
        self.drop_connection_after_bytes = None
        self.fail_writes_matching = None
        self.deny_rename = False
        self.on_write = None
        self.latency_ms = 0

    def _write_fails(self, remote_path: str) -> bool:
        pattern = self._fail_pattern
        return pattern is not None and pattern.search(remote_path) is not None

    def _take(self, size: int) -> tuple[int, bool]:
        """How many of ``size`` bytes may be written, and whether to drop the connection after them."""
        with self._lock:
            if self._drop_after is None:
                return size, False
            room = max(self._drop_after - self._bytes_since_armed, 0)
            if size < room:
                self._bytes_since_armed += size
                return size, False
            self._drop_after = None
            self._bytes_since_armed = 0
            self.drops += 1
            return room, True


@dataclass
class SFTPStats:
    """What clients did, for assertions: TCP connections accepted, files written and closed, file bytes written.

    A file counts in ``files_written`` when the client closes a handle it
    opened for writing and none of its writes failed; a handle left open by a
    dropped connection does not count.
    """

    connections: int = 0
    files_written: int = 0
    bytes_written: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.connections = self.files_written = self.bytes_written = 0

    def _add(self, *, connections: int = 0, files_written: int = 0, bytes_written: int = 0) -> None:
        with self._lock:
            self.connections += connections
            self.files_written += files_written
            self.bytes_written += bytes_written


# -- remote paths ---------------------------------------------------------------------


class _Refused(Exception):
    """An operation answered with an SFTP status instead of an OSError's."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _remote_parts(remote: str) -> list[str]:
    """The components of a remote path below ``/``; climbing above ``/`` is refused, never clamped."""
    if "\x00" in remote:
        raise _Refused(SFTP_PERMISSION_DENIED)
    parts: list[str] = []
    for part in remote.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise _Refused(SFTP_PERMISSION_DENIED)
            parts.pop()
        else:
            parts.append(part)
    return parts


def _status_of(error: OSError) -> int:
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return SFTP_PERMISSION_DENIED
    if error.errno in (errno.ENOENT, errno.ENOTDIR):
        return SFTP_NO_SUCH_FILE
    return SFTP_FAILURE


def _answers_status(
    method: Callable[Concatenate[_SFTPInterface, _P], _R],
) -> Callable[Concatenate[_SFTPInterface, _P], _R | int]:
    """Turn a refusal or an OSError into the SFTP status paramiko sends back."""

    @functools.wraps(method)
    def wrapper(self: _SFTPInterface, /, *args: _P.args, **kwargs: _P.kwargs) -> _R | int:
        try:
            return method(self, *args, **kwargs)
        except _Refused as refused:
            return refused.status
        except OSError as error:
            return _status_of(error)

    return wrapper


# -- the paramiko server side ----------------------------------------------------------


class _Connection(paramiko.ServerInterface):
    """One client connection: authentication and channel policy."""

    def __init__(self, server: EmbeddedSFTPServer, transport: paramiko.Transport) -> None:
        self.server = server
        self.transport = transport
        self.username: str | None = None

    def get_allowed_auths(self, username: str) -> str:
        methods = []
        if self.server._users:
            methods.append("password")
        if self.server._authorized_keys:
            methods.append("publickey")
        return ",".join(methods)

    def check_auth_password(self, username: str, password: str) -> int:
        expected = self.server._users.get(username)
        if expected is not None and hmac.compare_digest(expected.encode("utf-8"), password.encode("utf-8")):
            self.username = username
            return AUTH_SUCCESSFUL
        return AUTH_FAILED

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        offered = key.asbytes()
        for allowed in self.server._authorized_keys.get(username, ()):
            if hmac.compare_digest(allowed.asbytes(), offered):
                self.username = username
                return AUTH_SUCCESSFUL
        return AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return OPEN_SUCCEEDED
        return OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def drop(self) -> None:
        """Close the transport under the client's feet (the drop fault)."""
        _log.info("sftp: dropping the connection of %s (fault)", self.username)
        self.transport.close()


class _SFTPSubsystem(paramiko.SFTPServer):
    """paramiko's SFTP subsystem, registered with the server so stop() can join its thread."""

    def __init__(self, channel: paramiko.Channel, name: str, server: _Connection, *args: Any, **kwargs: Any) -> None:
        super().__init__(channel, name, server, *args, **kwargs)
        server.server._track_thread(self)
        self._faults = server.server.faults

    def _process(self, t: int, request_number: int, msg: paramiko.Message) -> None:
        """Serve one request, after the injected latency (read afresh, so a test can change it mid-session)."""
        delay = self._faults.latency_ms
        if delay:
            time.sleep(delay / 1000)
        super()._process(t, request_number, msg)

    def finish_subsystem(self) -> None:
        # Handles still open here were never closed by the client: not "written".
        for handle in self.file_table.values():
            if isinstance(handle, _FileHandle):
                handle.aborted = True
        super().finish_subsystem()


class _FileHandle(paramiko.SFTPHandle):
    """An open file: positional reads and writes on an OS descriptor, no per-write flush."""

    def __init__(self, interface: _SFTPInterface, fd: int, remote_path: str, flags: int) -> None:
        super().__init__(flags)
        self._interface = interface
        self._fd: int | None = fd
        self.remote_path = remote_path
        self.writable = bool(flags & (os.O_WRONLY | os.O_RDWR))
        self.append = bool(flags & os.O_APPEND)
        self.aborted = False
        self.failed = False

    def _descriptor(self) -> int:
        if self._fd is None:
            raise _Refused(SFTP_FAILURE)
        return self._fd

    def close(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        os.close(fd)
        if self.writable and not self.aborted and not self.failed:
            self._interface.embedded.stats._add(files_written=1)

    def read(self, offset: int, length: int) -> bytes | int:
        try:
            return os.pread(self._descriptor(), length, offset)
        except _Refused as refused:
            return refused.status
        except OSError as error:
            return _status_of(error)

    def write(self, offset: int, data: Buffer) -> int:
        if not self.writable:
            return SFTP_PERMISSION_DENIED
        embedded = self._interface.embedded
        hook = embedded.faults.on_write
        if hook is not None:
            hook(self.remote_path)
        if embedded.faults._write_fails(self.remote_path):
            self.failed = True
            return SFTP_FAILURE
        view = memoryview(data)
        size, drop = embedded.faults._take(view.nbytes)
        done = 0
        try:
            fd = self._descriptor()
            while done < size:
                chunk = view[done:size]
                done += os.write(fd, chunk) if self.append else os.pwrite(fd, chunk, offset + done)
        except _Refused as refused:
            self.failed = True
            return refused.status
        except OSError as error:
            self.failed = True
            return _status_of(error)
        finally:
            embedded.stats._add(bytes_written=done)
        if drop:
            self.aborted = True
            self._interface.connection.drop()
            return SFTP_FAILURE
        return SFTP_OK

    def stat(self) -> paramiko.SFTPAttributes | int:
        try:
            return paramiko.SFTPAttributes.from_stat(os.fstat(self._descriptor()))
        except _Refused as refused:
            return refused.status
        except OSError as error:
            return _status_of(error)

    def chattr(self, attr: paramiko.SFTPAttributes) -> int:
        if self._interface.embedded.read_only:
            return SFTP_PERMISSION_DENIED
        try:
            _apply_attributes(self._descriptor(), attr)
        except _Refused as refused:
            return refused.status
        except OSError as error:
            return _status_of(error)
        return SFTP_OK


def _attr_flags(attr: paramiko.SFTPAttributes) -> int:
    """Which attributes the client actually sent (paramiko keeps it private)."""
    return int(getattr(attr, "_flags", 0))


def _requested_mode(attr: paramiko.SFTPAttributes, default: int) -> int:
    if _attr_flags(attr) & attr.FLAG_PERMISSIONS and attr.st_mode is not None:
        return stat.S_IMODE(attr.st_mode)
    return default


def _apply_attributes(target: int | str, attr: paramiko.SFTPAttributes) -> None:
    """Apply mode, times and size; ownership is ignored (a test server has no users to map)."""
    flags = _attr_flags(attr)
    if flags & attr.FLAG_PERMISSIONS and attr.st_mode is not None:
        os.chmod(target, stat.S_IMODE(attr.st_mode))
    if flags & attr.FLAG_AMTIME and attr.st_atime is not None and attr.st_mtime is not None:
        os.utime(target, (attr.st_atime, attr.st_mtime))
    if flags & attr.FLAG_SIZE and attr.st_size is not None:
        os.truncate(target, attr.st_size)


class _SFTPInterface(paramiko.SFTPServerInterface):
    """The SFTP operations, each on a path resolved inside the server's root."""

    def __init__(self, connection: _Connection, *args: Any, **kwargs: Any) -> None:
        super().__init__(connection, *args, **kwargs)
        self.connection = connection
        self.embedded = connection.server
        self._root = self.embedded._real_root

    # -- path resolution --

    def _local(self, remote: str, *, follow: bool = True) -> str:
        """The local path of ``remote``; with ``follow=False`` the last component is not dereferenced."""
        parts = _remote_parts(remote)
        if not parts:
            return self._root
        local = os.path.join(self._root, *parts)
        if not follow:
            local = os.path.join(os.path.realpath(os.path.dirname(local)), parts[-1])
        real = os.path.realpath(local) if follow else local
        if real != self._root and not real.startswith(self._root + os.sep):
            raise _Refused(SFTP_PERMISSION_DENIED)
        return real

    def _local_entry(self, remote: str) -> str:
        """A path that names a directory entry to change: never the root itself."""
        local = self._local(remote, follow=False)
        if local == self._root:
            raise _Refused(SFTP_PERMISSION_DENIED)
        return local

    def _check_writable(self) -> None:
        if self.embedded.read_only:
            raise _Refused(SFTP_PERMISSION_DENIED)

    def _check_rename_allowed(self) -> None:
        self._check_writable()
        if self.embedded.faults.deny_rename:
            raise _Refused(SFTP_PERMISSION_DENIED)

    # -- operations --

    @_answers_status
    def open(self, path: str, flags: int, attr: paramiko.SFTPAttributes) -> paramiko.SFTPHandle:
        if flags & _WRITE_FLAGS:
            self._check_writable()
        local = self._local(path)
        fd = os.open(local, flags | _O_CLOEXEC | _O_NOFOLLOW, _requested_mode(attr, 0o666))
        try:
            if stat.S_ISDIR(os.fstat(fd).st_mode):
                raise _Refused(SFTP_FAILURE)
        except BaseException:
            os.close(fd)
            raise
        remote = "/" + "/".join(_remote_parts(path))
        return _FileHandle(self, fd, remote, flags)

    @_answers_status
    def list_folder(self, path: str) -> list[paramiko.SFTPAttributes]:
        local = self._local(path)
        entries = []
        for name in sorted(os.listdir(local)):
            try:
                entries.append(paramiko.SFTPAttributes.from_stat(os.lstat(os.path.join(local, name)), name))
            except OSError:
                continue  # removed while listing
        return entries

    @_answers_status
    def stat(self, path: str) -> paramiko.SFTPAttributes:
        return paramiko.SFTPAttributes.from_stat(os.stat(self._local(path)))

    @_answers_status
    def lstat(self, path: str) -> paramiko.SFTPAttributes:
        return paramiko.SFTPAttributes.from_stat(os.lstat(self._local(path, follow=False)))

    @_answers_status
    def remove(self, path: str) -> int:
        self._check_writable()
        local = self._local_entry(path)
        if stat.S_ISDIR(os.lstat(local).st_mode):
            return SFTP_FAILURE
        os.remove(local)
        return SFTP_OK

    @_answers_status
    def rename(self, oldpath: str, newpath: str) -> int:
        """SFTP v3 rename: never replaces an existing target (hard link, then unlink, as OpenSSH does)."""
        self._check_rename_allowed()
        source = self._local_entry(oldpath)
        target = self._local_entry(newpath)
        try:
            os.link(source, target, follow_symlinks=False)
        except FileExistsError:
            return SFTP_FAILURE
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.EXDEV, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOTSUP):
                raise
            # Directories (and filesystems without hard links): check, then rename.
            if os.path.lexists(target):
                return SFTP_FAILURE
            os.rename(source, target)
            return SFTP_OK
        os.unlink(source)
        return SFTP_OK

    @_answers_status
    def posix_rename(self, oldpath: str, newpath: str) -> int:
        """The ``posix-rename@openssh.com`` extension: an atomic replace, unless switched off."""
        if not self.embedded.posix_rename:
            return SFTP_OP_UNSUPPORTED
        self._check_rename_allowed()
        os.replace(self._local_entry(oldpath), self._local_entry(newpath))
        return SFTP_OK

    @_answers_status
    def mkdir(self, path: str, attr: paramiko.SFTPAttributes) -> int:
        self._check_writable()
        os.mkdir(self._local_entry(path), _requested_mode(attr, 0o777))
        return SFTP_OK

    @_answers_status
    def rmdir(self, path: str) -> int:
        self._check_writable()
        os.rmdir(self._local_entry(path))
        return SFTP_OK

    @_answers_status
    def chattr(self, path: str, attr: paramiko.SFTPAttributes) -> int:
        self._check_writable()
        _apply_attributes(self._local(path), attr)
        return SFTP_OK

    def canonicalize(self, path: str) -> str:
        """Lexical normalisation (``..`` stops at ``/`` here, as in a chroot; operations still refuse it)."""
        parts: list[str] = []
        for part in path.split("/"):
            if part == "..":
                if parts:
                    parts.pop()
            elif part not in ("", "."):
                parts.append(part)
        return "/" + "/".join(parts)

    @_answers_status
    def readlink(self, path: str) -> str:
        local = self._local(path, follow=False)
        target = os.path.realpath(os.path.join(os.path.dirname(local), os.readlink(local)))
        if target == self._root:
            return "/"
        if not target.startswith(self._root + os.sep):
            raise _Refused(SFTP_PERMISSION_DENIED)
        return "/" + os.path.relpath(target, self._root).replace(os.sep, "/")

    def symlink(self, target_path: str, path: str) -> int:
        """Not offered: a drop folder has no use for links, and each one is a way out of the root."""
        return SFTP_OP_UNSUPPORTED


# -- the server -------------------------------------------------------------------------


class EmbeddedSFTPServer:
    """An SFTP server on ``host:port`` serving ``root`` as ``/``, in threads, for the length of a ``with``."""

    def __init__(
        self,
        root: Path,
        *,
        users: Mapping[str, str] | None = None,
        authorized_keys: Mapping[str, Sequence[paramiko.PKey]] | None = None,
        host_key: paramiko.PKey | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        posix_rename: bool = True,
        read_only: bool = False,
    ) -> None:
        if not users and not authorized_keys:
            raise ValueError("give users (name -> password) or authorized_keys (name -> keys): nobody could log in")
        self.root = Path(root)
        self._users = dict(users or {})
        self._authorized_keys = {name: tuple(keys) for name, keys in (authorized_keys or {}).items()}
        self._host_key = host_key
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self.posix_rename = posix_rename
        self.read_only = read_only
        self.faults = SFTPFaults()
        self.stats = SFTPStats()
        self._real_root = os.path.realpath(self.root)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._threads: list[threading.Thread] = []
        self._transports: set[paramiko.Transport] = set()

    def __repr__(self) -> str:
        return f"EmbeddedSFTPServer(root={str(self.root)!r}, host={self._host!r}, port={self._port!r})"

    # -- what tests use --

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the SFTP server is not running; use it in a with block or call start()")
        return self._port

    @property
    def host_key(self) -> paramiko.PKey:
        if self._host_key is None:
            self._host_key = default_host_key()
        return self._host_key

    @property
    def fingerprint_sha256(self) -> str:
        return fingerprint_sha256(self.host_key)

    @property
    def running(self) -> bool:
        return self._accept_thread is not None and self._accept_thread.is_alive()

    def known_hosts_line(self) -> str:
        return known_hosts_line(self.host, self.port, self.host_key.get_name(), self.host_key.get_base64())

    def write_known_hosts(self, path: Path | str, *, append: bool = False) -> Path:
        """Write (or append) this server's known_hosts line, for clients that verify host keys."""
        target = Path(path)
        with target.open("a" if append else "w", encoding="utf-8") as handle:
            handle.write(self.known_hosts_line() + "\n")
        return target

    # -- lifecycle --

    def start(self) -> EmbeddedSFTPServer:
        if self._listener is not None:
            raise RuntimeError("the SFTP server is already running")
        if not self.root.is_dir():
            raise FileNotFoundError(f"SFTP root {self.root} is not a directory")
        self._real_root = os.path.realpath(self.root)
        if self._host_key is None:  # generate (or reuse) it now, not while the first client waits
            self._host_key = default_host_key()
        listener = socket.socket(socket.AF_INET6 if ":" in self._host else socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self._host, self._requested_port))
            listener.listen(64)
            listener.settimeout(_ACCEPT_POLL_SECONDS)
        except BaseException:
            listener.close()
            raise
        self._stopping.clear()
        self._listener = listener
        self._port = listener.getsockname()[1]
        self._accept_thread = threading.Thread(target=self._accept_loop, name=f"sftp-accept-{self._port}", daemon=True)
        self._accept_thread.start()
        return self

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """Close the listener and every connection, then join all threads (bounded by ``timeout``)."""
        self._stopping.set()
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):  # already shut down
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        deadline = time.monotonic() + timeout
        # The accept thread first: once it is gone no new connection thread can appear.
        if self._accept_thread is not None and self._accept_thread.is_alive():
            self._accept_thread.join(timeout)
        with self._lock:
            transports = list(self._transports)
        for transport in transports:
            transport.close()
        with self._lock:
            threads = [*self._threads, *transports]
        for thread in threads:
            if thread.is_alive():  # never started (stopped mid-handshake) or already done: nothing to join
                thread.join(max(deadline - time.monotonic(), 0.0))
        with self._lock:
            self._threads = [thread for thread in self._threads if thread.is_alive()]
        self._accept_thread = None

    def __enter__(self) -> EmbeddedSFTPServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    # -- internals --

    def _track_thread(self, thread: threading.Thread) -> None:
        with self._lock:
            self._threads = [alive for alive in self._threads if alive.is_alive()]
            self._threads.append(thread)

    def _accept_loop(self) -> None:
        listener = self._listener
        assert listener is not None
        while not self._stopping.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # the listener was closed by stop()
            if self._stopping.is_set():
                client.close()
                return
            self.stats._add(connections=1)
            thread = threading.Thread(
                target=self._serve, args=(client,), name=f"sftp-conn-{self._port}-{client.fileno()}", daemon=True
            )
            self._track_thread(thread)
            thread.start()

    def _serve(self, client: socket.socket) -> None:
        """One connection: SSH handshake, then wait for the transport to end (or for stop())."""
        client.settimeout(None)
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            transport = paramiko.Transport(client)
        except Exception:
            client.close()
            raise
        with self._lock:
            if self._stopping.is_set():
                client.close()
                return
            self._transports.add(transport)
        try:
            transport.set_log_channel(_TRANSPORT_LOG)
            transport.add_server_key(self.host_key)
            transport.set_subsystem_handler("sftp", _SFTPSubsystem, _SFTPInterface)
            try:
                transport.start_server(server=_Connection(self, transport))
            except (paramiko.SSHException, EOFError, OSError) as error:
                _log.debug("sftp: handshake failed: %s", error)
                return
            while transport.is_alive() and not self._stopping.is_set():
                transport.join(_JOIN_POLL_SECONDS)
        finally:
            transport.close()
            client.close()
            with self._lock:
                self._transports.discard(transport)


# -- the command line ---------------------------------------------------------------------

PASSWORD_ENV = "NUNTIQ_SFTP_PASSWORD"  # noqa: S105 - the variable's name, not a password


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m nuntiq_sandbox.sftp",
        description="Serve a local folder over SFTP on 127.0.0.1 (the Nuntiq demo's drop folder).",
    )
    parser.add_argument("--root", type=Path, required=True, help="the folder served as /, created if missing")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 lets the OS pick (default)")
    parser.add_argument(
        "--user",
        action="append",
        default=[],
        metavar="NAME[:PASSWORD]",
        help=f"a password login; without ':PASSWORD' the password is read from ${PASSWORD_ENV}",
    )
    parser.add_argument(
        "--authorized-keys",
        action="append",
        default=[],
        metavar="NAME:FILE",
        help="a public-key login: an OpenSSH authorized_keys (or .pub) file for NAME",
    )
    parser.add_argument("--host-key", type=Path, help="a private host key file (default: a generated RSA key)")
    parser.add_argument("--mkdir", action="append", default=[], metavar="PATH", help="create a folder in the root")
    parser.add_argument("--ready-file", type=Path, help="written (one JSON line) once the server accepts connections")
    parser.add_argument("--known-hosts", type=Path, help="write the server's known_hosts line to this file")
    parser.add_argument("--no-posix-rename", action="store_true", help="do not offer posix-rename@openssh.com")
    parser.add_argument("--read-only", action="store_true", help="refuse every write")
    parser.add_argument(
        "--latency-ms", type=int, default=0, metavar="MS", help="delay every SFTP request by MS ms (a WAN; default 0)"
    )
    args = parser.parse_args(argv)
    if not args.user and not args.authorized_keys:
        parser.error("give at least one --user or --authorized-keys")
    if args.latency_ms < 0:
        parser.error(f"--latency-ms must be >= 0, got {args.latency_ms}")
    return args


def _users_from(specs: Sequence[str]) -> dict[str, str]:
    users = {}
    for spec in specs:
        name, sep, password = spec.partition(":")
        if not sep:
            password = os.environ.get(PASSWORD_ENV, "")
            if not password:
                raise SystemExit(f"--user {name}: no ':PASSWORD' and ${PASSWORD_ENV} is not set")
        if not name:
            raise SystemExit(f"--user {spec!r}: the name is empty")
        users[name] = password
    return users


def _authorized_keys_from(specs: Sequence[str]) -> dict[str, list[paramiko.PKey]]:
    keys: dict[str, list[paramiko.PKey]] = {}
    for spec in specs:
        name, sep, path = spec.partition(":")
        if not sep or not name or not path:
            raise SystemExit(f"--authorized-keys {spec!r}: expected NAME:FILE")
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            fields = line.split()
            if len(fields) < 2 or line.lstrip().startswith("#"):
                continue
            key = paramiko.PKey.from_type_string(fields[0], base64.b64decode(fields[1]))
            keys.setdefault(name, []).append(key)
    return keys


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server until SIGTERM or Ctrl-C (the ready file and known_hosts file say where it is)."""
    args = _parse_args(argv)
    root: Path = args.root
    root.mkdir(parents=True, exist_ok=True)
    for folder in args.mkdir:
        (root / folder.lstrip("/")).mkdir(parents=True, exist_ok=True)
    host_key = paramiko.PKey.from_path(args.host_key) if args.host_key else None
    server = EmbeddedSFTPServer(
        root,
        users=_users_from(args.user),
        authorized_keys=_authorized_keys_from(args.authorized_keys),
        host_key=host_key,
        host=args.host,
        port=args.port,
        posix_rename=not args.no_posix_rename,
        read_only=args.read_only,
    )
    server.faults.latency_ms = args.latency_ms
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with server:
        if args.known_hosts:
            _write_atomically(args.known_hosts, server.known_hosts_line() + "\n")
        sys.stdout.write(
            f"SFTP server listening on {server.host}:{server.port} (host key {server.fingerprint_sha256})\n"
        )
        sys.stdout.flush()
        if args.ready_file:
            ready = {
                "host": server.host,
                "port": server.port,
                "root": str(root.resolve()),
                "fingerprint_sha256": server.fingerprint_sha256,
                "known_hosts_line": server.known_hosts_line(),
            }
            _write_atomically(args.ready_file, json.dumps(ready) + "\n")
        while not stop.wait(1.0):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
