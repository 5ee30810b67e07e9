"""SFTP delivery for connectors: verified hosts, atomic uploads that never overwrite.

What the product docs' upload code gets wrong, and this module does instead:

- The host key is always verified (a known_hosts file or a pinned SHA256
  fingerprint), *before* any credential is sent. An unknown or changed key
  refuses to connect with the fingerprint the server presented.
- ``posix_rename`` silently replaces an existing file, so the docs' collision
  branch never runs. Here the final name is chosen free in the outbox *and*
  in ``sent/`` first, and the move uses SFTP ``rename``, which never
  replaces; a name taken meanwhile is detected and the next suffix tried.
- ``os.fsync(f.fileno())`` is not valid on a paramiko file. A pipelined
  write's every acknowledgement is read before the file is closed (see
  ``SFTPConnection.write_file``), and a delivery is checked by size and
  sha256 wherever a rerun must decide whether it happened.
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
``sftp_host_key_fingerprint`` (``SHA256:...``); ``sftp_timeout_seconds`` (30);
``nuntiq run CONNECTOR --describe`` lists them.

Split by responsibility: ``_connection`` (settings, host keys, the
connection and what connectors need of a server), ``_naming`` (safe names,
the one collision rule, temporary names), ``_journal`` (exactly-once work
across crashes), ``_outbox`` (a batch of files delivered exactly once in
about four requests per file, on several channels; the ``DeliveryStep`` seam),
``_push`` (claimed invoices delivered and reported: ``InvoicePush``),
``_dropfolder`` (reading a folder another system writes to: settling, sidecars
paired with their files into documents, archive and error moves through the journal).
"""

from nuntiq_sdk.sftp._connection import (
    CONNECTION_ERRORS,
    HostKeyVerificationError,
    RemoteFile,
    SFTPConnection,
    SFTPDeliveryError,
    SFTPSettings,
    connect_sftp,
)
from nuntiq_sdk.sftp._dropfolder import (
    PARTIAL_SUFFIXES,
    Document,
    DocumentProblem,
    DropFolder,
    Listing,
    Plan,
    Sidecar,
    SidecarRules,
    is_partial,
    local_name,
    pair_documents,
    plain_name_problem,
    read_sidecar,
    settled,
    stem_of,
)
from nuntiq_sdk.sftp._journal import DeliveryJournal, FileEntry, PlannedFile
from nuntiq_sdk.sftp._naming import TEMP_PREFIX, TEMP_SUFFIX, safe_remote_name, suffixed
from nuntiq_sdk.sftp._outbox import Delivery, DeliveryStep, Outbox, OutboxBatch, Outcome, observe_delivery_steps
from nuntiq_sdk.sftp._push import InvoicePush, give_back

__all__ = [
    "CONNECTION_ERRORS",
    "PARTIAL_SUFFIXES",
    "TEMP_PREFIX",
    "TEMP_SUFFIX",
    "Delivery",
    "DeliveryJournal",
    "DeliveryStep",
    "Document",
    "DocumentProblem",
    "DropFolder",
    "FileEntry",
    "HostKeyVerificationError",
    "InvoicePush",
    "Listing",
    "Outbox",
    "OutboxBatch",
    "Outcome",
    "Plan",
    "PlannedFile",
    "RemoteFile",
    "SFTPConnection",
    "SFTPDeliveryError",
    "SFTPSettings",
    "Sidecar",
    "SidecarRules",
    "connect_sftp",
    "give_back",
    "is_partial",
    "local_name",
    "observe_delivery_steps",
    "pair_documents",
    "plain_name_problem",
    "read_sidecar",
    "safe_remote_name",
    "settled",
    "stem_of",
    "suffixed",
]
