"""A real OpenSSH sshd for tests: ``with OpenSSHServer(root, sftp_flags=["-R"]) as sshd: ...``.

The embedded server (:mod:`nuntiq_sandbox.sftp`) is paramiko talking to
paramiko; a connector must also work against the server customers actually
run. This harness starts the system's ``sshd`` on 127.0.0.1 with a throwaway
configuration: its own ed25519 host key, a client key pair for the current
user, public-key login only, and ``internal-sftp`` as the SFTP subsystem, whose
flags play the server variants a connector meets (``-R`` read-only,
``-P posix-rename`` a server without the atomic-replace extension).

There is no chroot: remote paths are the real absolute paths under ``root``
(``str(root / "inbound/invoices")``). When tests run as root, file permissions
stop nothing, which is why read-only is ``internal-sftp -R`` and not a chmod.
Startup is bounded and a failure says why, with sshd's own log; stop() is
SIGTERM, then kill, and per-connection sshd children are ended by their pid.
"""

from __future__ import annotations

import base64
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
import weakref
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import paramiko

from nuntiq_sandbox._process import stop_process
from nuntiq_sandbox.sftp import fingerprint_sha256, known_hosts_line

__all__ = ["OpenSSHServer", "OpenSSHStartError", "find_sshd", "openssh_available", "openssh_version"]

STARTUP_TIMEOUT_SECONDS = 15.0
STOP_TIMEOUT_SECONDS = 5.0
_POLL_SECONDS = 0.05
_PRIVSEP_DIR = Path("/run/sshd")
_PORT_ATTEMPTS = 3


class OpenSSHStartError(RuntimeError):
    """sshd did not start, or did not answer with an SSH banner in time."""


def find_sshd() -> str | None:
    """The absolute path of sshd (it refuses to run from a relative one), or None."""
    for candidate in ("/usr/sbin/sshd", shutil.which("sshd")):
        if candidate and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    return None


def openssh_version(sshd: str) -> tuple[int, int] | None:
    """sshd's (major, minor) version, read from ``sshd -V`` (older ones print it with their usage)."""
    try:
        result = subprocess.run([sshd, "-V"], capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"OpenSSH_(\d+)\.(\d+)", result.stdout + result.stderr)
    return (int(found.group(1)), int(found.group(2))) if found else None


def openssh_available() -> tuple[bool, str]:
    """Whether an OpenSSHServer can start here; the string says why not (for ``pytest.skip``)."""
    if os.name != "posix":
        return False, "OpenSSH tests need a POSIX system"
    sshd = find_sshd()
    if sshd is None:
        return False, "sshd not found (install openssh-server)"
    if shutil.which("ssh-keygen") is None:
        return False, "ssh-keygen not found (install openssh-client)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("sshd")
        except KeyError:
            return False, "the sshd privilege separation user 'sshd' does not exist"
    version = openssh_version(sshd)
    shown = f"OpenSSH {version[0]}.{version[1]}" if version else "sshd"
    return True, f"{shown} at {sshd}"


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _ssh_keygen(path: Path, comment: str) -> None:
    subprocess.run(  # noqa: S603 - fixed arguments, our own temp folder
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],  # noqa: S607
        check=True,
        capture_output=True,
        timeout=30,
    )


def _children_of(pid: int) -> list[int]:
    """Direct children of ``pid`` (sshd's per-connection processes), read from /proc; empty elsewhere."""
    children = []
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = entry.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces; the ppid is the second field after it.
        fields = text[text.rfind(")") + 2 :].split()
        if len(fields) > 1 and fields[1] == str(pid):
            children.append(int(entry.parent.name))
    return children


def _cleanup(process: subprocess.Popen[bytes] | None, workdir: Path) -> None:
    try:
        if process is not None:
            stop_process(process, STOP_TIMEOUT_SECONDS, children=_children_of(process.pid))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


class OpenSSHServer:
    """The system sshd on 127.0.0.1 (a free port), public-key login for the current user, internal-sftp."""

    def __init__(
        self,
        root: Path,
        *,
        sftp_flags: Sequence[str] = (),
        host: str = "127.0.0.1",
        startup_timeout: float = STARTUP_TIMEOUT_SECONDS,
    ) -> None:
        for flag in sftp_flags:
            if not flag or any(char.isspace() or char in "\"'#\\" for char in flag):
                raise ValueError(f"internal-sftp flag {flag!r} must be one word without quotes or '#'")
        self.root = Path(root)
        self.sftp_flags = tuple(sftp_flags)
        self.host = host
        self.username = pwd.getpwuid(os.getuid()).pw_name
        self.startup_timeout = min(startup_timeout, STARTUP_TIMEOUT_SECONDS)
        self._port: int | None = None
        self._workdir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._client_key: paramiko.PKey | None = None
        self._host_key: paramiko.PKey | None = None
        self._version: tuple[int, int] | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None

    def __repr__(self) -> str:
        return f"OpenSSHServer(root={str(self.root)!r}, port={self._port!r}, sftp_flags={self.sftp_flags!r})"

    # -- what tests use --

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("sshd is not running; use it in a with block or call start()")
        return self._port

    @property
    def workdir(self) -> Path:
        if self._workdir is None:
            raise RuntimeError("sshd is not running; use it in a with block or call start()")
        return self._workdir

    @property
    def client_key_path(self) -> Path:
        """The generated private key (OpenSSH format, no passphrase) that may log in as ``username``."""
        return self.workdir / "client_ed25519"

    @property
    def client_key(self) -> paramiko.PKey:
        if self._client_key is None:
            self._client_key = paramiko.PKey.from_path(self.client_key_path)
        return self._client_key

    @property
    def host_key(self) -> paramiko.PKey:
        """The public host key, for clients that pin keys in a ``paramiko.HostKeys``."""
        if self._host_key is None:
            key_type, blob = self._host_public_key()
            self._host_key = paramiko.PKey.from_type_string(key_type, blob)
        return self._host_key

    @property
    def host_key_fingerprint_sha256(self) -> str:
        return fingerprint_sha256(self._host_public_key()[1])

    def known_hosts_line(self) -> str:
        key_type, blob = self._host_public_key()
        return known_hosts_line(self.host, self.port, key_type, base64.b64encode(blob).decode("ascii"))

    def write_known_hosts(self, path: Path | str, *, append: bool = False) -> Path:
        """Write (or append) this server's known_hosts line."""
        target = Path(path)
        with target.open("a" if append else "w", encoding="utf-8") as handle:
            handle.write(self.known_hosts_line() + "\n")
        return target

    def logs(self) -> str:
        """sshd's log so far (``-e`` sends it to stderr, kept in a file), for a failing test's message."""
        if self._workdir is None or not (self._workdir / "sshd.log").exists():
            return ""
        return (self._workdir / "sshd.log").read_text(encoding="utf-8", errors="replace")

    # -- lifecycle --

    def start(self) -> OpenSSHServer:
        if self._process is not None:
            raise RuntimeError("sshd is already running")
        available, reason = openssh_available()
        if not available:
            raise OpenSSHStartError(reason)
        sshd = find_sshd()
        assert sshd is not None
        self._version = openssh_version(sshd)
        self.root.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix="nuntiq-sshd-"))
        self._workdir = workdir
        self._finalizer = weakref.finalize(self, _cleanup, None, workdir)
        try:
            _ssh_keygen(workdir / "ssh_host_ed25519_key", "nuntiq-test-host")
            _ssh_keygen(self.client_key_path, f"{self.username}@nuntiq-test")
            shutil.copyfile(self.client_key_path.with_suffix(".pub"), workdir / "authorized_keys")
            if os.geteuid() == 0 and not _PRIVSEP_DIR.exists():
                _PRIVSEP_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)
            self._launch(sshd, workdir)
        except BaseException:
            self.stop()
            raise
        return self

    def _launch(self, sshd: str, workdir: Path) -> None:
        """Start sshd on a free port; another process may take the port first, so retry a few times."""
        for attempt in range(_PORT_ATTEMPTS):
            self._port = _free_port(self.host)
            config = workdir / "sshd_config"
            config.write_text(self._config(workdir), encoding="utf-8")
            with open(workdir / "sshd.log", "wb") as log:
                process = subprocess.Popen(  # noqa: S603 - the system sshd with our own config
                    [sshd, "-D", "-e", "-f", str(config)],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self._process = process
            if self._finalizer is not None:
                self._finalizer.detach()
            self._finalizer = weakref.finalize(self, _cleanup, process, workdir)
            if self._wait_until_ready(process, last_attempt=attempt == _PORT_ATTEMPTS - 1):
                return
            stop_process(process, STOP_TIMEOUT_SECONDS, children=_children_of(process.pid))

    def _wait_until_ready(self, process: subprocess.Popen[bytes], *, last_attempt: bool) -> bool:
        """True once the port answers an SSH banner; False if sshd lost the port race (and may retry)."""
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            code = process.poll()
            if code is not None:
                if "Address already in use" in self.logs() and not last_attempt:
                    return False
                raise OpenSSHStartError(f"sshd exited with status {code} while starting:\n{self.logs()}")
            if self._banner_arrives():
                return True
            time.sleep(_POLL_SECONDS)
        raise OpenSSHStartError(
            f"sshd did not answer on {self.host}:{self._port} within {self.startup_timeout:.0f} s:\n{self.logs()}"
        )

    def _banner_arrives(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=1.0) as probe:
                return probe.recv(256).startswith(b"SSH-")
        except OSError:
            return False

    def _config(self, workdir: Path) -> str:
        subsystem = " ".join(("internal-sftp", *self.sftp_flags))
        lines = [
            f"Port {self.port}",
            f"ListenAddress {self.host}",
            f"HostKey {workdir / 'ssh_host_ed25519_key'}",
            f"PidFile {workdir / 'sshd.pid'}",
            f"AuthorizedKeysFile {workdir / 'authorized_keys'}",
            f"AllowUsers {self.username}",
            "AuthenticationMethods publickey",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password",
            "StrictModes no",
            "UsePAM no",
            "UseDNS no",
            "PrintMotd no",
            "X11Forwarding no",
            "AllowTcpForwarding no",
            "AllowAgentForwarding no",
            "PermitTTY no",
            "LogLevel INFO",
            f"Subsystem sftp {subsystem}",
        ]
        if self._version is not None and self._version >= (9, 8):
            # Tests refuse logins on purpose; 9.8+ would start refusing 127.0.0.1 itself after a few.
            lines.append("PerSourcePenalties no")
        return "\n".join(lines) + "\n"

    def _host_public_key(self) -> tuple[str, bytes]:
        fields = (self.workdir / "ssh_host_ed25519_key.pub").read_text(encoding="ascii").split()
        return fields[0], base64.b64decode(fields[1])

    def stop(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
            self._finalizer = None
        self._process = None
        self._workdir = None
        self._port = None
        self._client_key = None
        self._host_key = None

    def __enter__(self) -> OpenSSHServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
