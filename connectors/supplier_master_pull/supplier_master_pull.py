"""Pull the ERP's supplier export (CSV over SFTP) into Nuntiq's suppliers (issue 5, part 3).

The ERP drops CSV files into a folder; each file is read, mapped header by
header onto ``SupplierLoad`` and saved as an incremental upsert or as a full
load that replaces the supplier table, by config. ``delta_run`` remembers the
last file processed (its mtime, name and sha256), so a rerun skips what was
done and a file changed in place is read again. A malformed row is reported
by its CSV line number, field and value; with ``on_bad_rows: reject_file``
(the default) the whole file is refused, nothing is saved and the file stays
unprocessed, so the fixed file is accepted on the next run.

The CSV format and every config key: ``README.md`` in this folder;
``nuntiq run connectors/supplier_master_pull --describe`` lists the settings.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Literal

import attrs

from nuntiq_sdk import ConfigError, FullLoadSummary, JobContext, SaveResult, ValidationError
from nuntiq_sdk.delta import DeltaRunHandle, delta_run
from nuntiq_sdk.objects.supplier import Supplier, SupplierLoad
from nuntiq_sdk.settings import check_settings, group, option, read_settings
from nuntiq_sdk.sftp import DropFolder, RemoteFile, SFTPConnection, SFTPSettings, connect_sftp, local_name
from nuntiq_sdk.tabular import CsvFormat, NestedRows, Nesting, RowProblem, column_map, nest_rows, read_csv

STREAM_NAME = "supplier_files"
CURSOR_TYPE = "file_mtime_name"
MAX_REPORTED_BAD_ROWS = 100  # in the summary; the log has every one
# A row's parts: the supplier's own columns, and each child part with the supplier's list it goes to.
NESTING = Nesting.of(Supplier, "supplier", {"location": "locations", "bank_account": "bank_accounts",
                                            "address": "addresses"})  # fmt: skip
KEY_TARGET = "supplier.supplier_code"
# The header each target is read from when config.column_map says nothing else.
DEFAULT_COLUMNS: dict[str, str] = {
    **{
        name: f"supplier.{name}"
        for name in (
            "supplier_code", "name", "legal_name", "vat_number", "tax_id", "country_code", "currency_code",
            "payment_terms_days", "email", "phone", "active", "ext_reference_1", "ext_reference_2", "ext_reference_3",
        )
    },
    "location_code": "location.location_code",
    "location_name": "location.name",
    "location_erp_company_code": "location.erp_company_code",
    "location_country_code": "location.country_code",
    "location_active": "location.active",
    "iban": "bank_account.iban",
    "bic": "bank_account.bic",
    "account_holder": "bank_account.account_holder",
    "bank_currency_code": "bank_account.currency_code",
    "is_primary": "bank_account.is_primary",
    "address_type": "address.address_type",
    "street": "address.street",
    "street_2": "address.street_2",
    "city": "address.city",
    "postal_code": "address.postal_code",
    "region": "address.region",
    "address_country_code": "address.country_code",
}  # fmt: skip


# --- config ---------------------------------------------------------------------------


@attrs.frozen
class SupplierSettings:
    """The pull's own settings (settings.json ``config``); ``nuntiq run CONNECTOR --describe`` lists them."""

    connector_name: str = option(help="Names the delta-run stream and this connector's temporary files.")
    remote_folder: str = option(remote_path=True, help="The folder the ERP drops its supplier exports into.")
    file_pattern: str = option(default="*.csv", help="Shell pattern of the export files.")
    mode: Literal["incremental", "full_load"] = option(
        default="incremental", help="Upsert the rows, or replace the supplier table with each file."
    )
    on_bad_rows: Literal["reject_file", "skip_rows"] = option(
        default="reject_file", help="Refuse a file with a bad row, or load the good rows."
    )
    csv: CsvFormat = group(CsvFormat, prefix="", help="The files' delimiter and encoding.")
    column_map: dict[str, str] = option(
        default=attrs.Factory(dict), help="CSV header -> target like 'supplier.name' (see the docs page)."
    )
    max_files: int = option(default=50, minimum=1, maximum=10000, help="Files loaded per run.")
    max_file_bytes: int = option(default=50_000_000, minimum=1, maximum=1_000_000_000, help="Largest file read.")
    allow_empty_full_load: bool = option(default=False, help="Let a full load with no rows delete every supplier.")

    def problems(self) -> list[str]:
        if self.mode == "full_load" and self.on_bad_rows == "skip_rows":
            return [
                "config.on_bad_rows 'skip_rows' with mode 'full_load' would delete every supplier whose row is "
                "bad; use 'reject_file', or mode 'incremental'"
            ]
        return []


@attrs.frozen
class PullSettings:
    """Everything the pull reads from settings.json besides the API settings."""

    pull: SupplierSettings = group(SupplierSettings, prefix="")
    sftp: SFTPSettings = group(SFTPSettings, prefix="sftp_")


SETTINGS = PullSettings  # ``nuntiq run`` checks these with the API settings, every problem in one round


@attrs.frozen
class PullConfig:
    """The declared settings, and the column map (CSV header, case-folded -> target) checked against the spec."""

    settings: SupplierSettings
    columns: Mapping[str, str]

    @classmethod
    def from_context(cls, context: JobContext) -> PullConfig:
        """Every problem of the settings and of the column map's targets in one ``ConfigError``."""
        problems = check_settings(SupplierSettings, context.config, context.secrets)
        custom = context.get_config("column_map", {})
        if not isinstance(custom, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in custom.items()
        ):
            custom = {}  # the declaration has named the problem
        for header, target in custom.items():
            if (why := NESTING.target_problem(target)) is not None:
                problems.append(f"config.column_map[{header!r}]: target {target!r} {why}")
        columns = column_map(DEFAULT_COLUMNS, custom)
        if KEY_TARGET not in columns.values():
            problems.append(f"config.column_map maps no column to {KEY_TARGET!r}")
        if problems:
            raise ConfigError(problems)
        return cls(read_settings(SupplierSettings, context), columns)


def parse_csv(name: str, data: bytes, config: PullConfig) -> NestedRows:
    """The file's suppliers by code; every problem a ``RowProblem`` with its line, column and value."""
    table = read_csv(
        name, data, config.columns, csv_format=config.settings.csv, required=[KEY_TARGET],
        converters=NESTING.converters(config.columns.values()),
    )  # fmt: skip
    return nest_rows(table, NESTING)


# --- one run ----------------------------------------------------------------------------


@attrs.define
class Outcome:
    """What loading one file did."""

    status: str  # processed | rejected
    sha256: str
    rows: int = 0
    suppliers: int = 0
    counts: dict[str, int] = attrs.Factory(dict)
    bad: list[RowProblem] = attrs.Factory(list)
    skipped_suppliers: list[str] = attrs.Factory(list)


class SupplierPull:
    """Lists the folder, picks the files the cursor has not seen, loads each, moves the cursor."""

    def __init__(self, context: JobContext, config: PullConfig, connection: SFTPConnection) -> None:
        self.context = context
        self.pull_config = config
        self.config = config.settings
        self.connection = connection
        self.downloads = context.work_dir / "downloads"

    def candidates(self) -> list[RemoteFile]:
        return DropFolder(self.connection, self.config.remote_folder).matching(self.config.file_pattern)

    def download(self, remote: RemoteFile) -> bytes:
        data = self.connection.read(remote.path, self.config.max_file_bytes + 1)
        # A copy for whoever investigates a rejected file; the remote name never becomes a local path as is.
        self.downloads.mkdir(parents=True, exist_ok=True)
        (self.downloads / local_name(remote.name)).write_bytes(data)
        return data

    def load(self, remote: RemoteFile, data: bytes) -> Outcome:
        outcome = Outcome(status="rejected", sha256=hashlib.sha256(data).hexdigest())
        limit = self.config.max_file_bytes
        if len(data) > limit:
            outcome.bad.append(RowProblem(remote.name, None, "-", None, f"is larger than max_file_bytes ({limit})"))
            return outcome
        parsed = parse_csv(remote.name, data, self.pull_config)
        outcome.rows = parsed.rows
        outcome.bad.extend(parsed.problems)
        if parsed.problems and (self.config.on_bad_rows == "reject_file" or not parsed.records):
            return outcome
        for _attempt in range(2):  # the second attempt only without the suppliers the SDK refused
            skipped = {code for bad in outcome.bad if (code := parsed.record_at(bad.line)) is not None}
            suppliers = [s for code, s in parsed.records.items() if code not in skipped]
            outcome.skipped_suppliers = sorted(skipped)
            if not suppliers and (self.config.mode == "incremental" or not self.config.allow_empty_full_load):
                outcome.bad.append(RowProblem(remote.name, None, "-", None, "has no supplier to load"))
                return outcome
            load = SupplierLoad(self.context)
            for supplier in suppliers:
                load.new(**supplier.entity_values())
            try:
                result = load.save_all(full_load=self.config.mode == "full_load", allow_empty=True)
            except ValidationError as exc:  # raised before anything is sent
                located = parsed.locate(exc.problems)
                outcome.bad.extend(located)
                if self.config.on_bad_rows == "reject_file" or any(bad.line is None for bad in located):
                    return outcome
                continue
            outcome.suppliers = len(suppliers)
            outcome.counts = _counts(result)
            if isinstance(result, SaveResult) and result.failed:
                outcome.bad.extend(_refused(parsed, result))
                refused = {str(failed.key.get("supplier_code")) for failed in result.failed}
                outcome.skipped_suppliers = sorted(skipped | refused)
                if self.config.on_bad_rows == "reject_file":
                    return outcome  # the other rows are saved; the file stays unprocessed and is read again
            outcome.status = "processed"
            return outcome
        return outcome


def _refused(parsed: NestedRows, result: SaveResult) -> list[RowProblem]:
    """The rows the API refused (after the SDK accepted them), at their supplier's first line."""
    refused = []
    for failed in result.failed:
        supplier = parsed.records.get(str(failed.key.get("supplier_code")))
        line = supplier.lines[0] if supplier else None
        for field, message in failed.errors or (("-", "refused by the API"),):
            refused.append(RowProblem(parsed.name, line, field or "-", None, f"refused by the API: {message}"))
    return refused


def _counts(result: SaveResult | FullLoadSummary) -> dict[str, int]:
    if isinstance(result, FullLoadSummary):
        return {"created": result.inserted, "updated": result.updated, "unchanged": result.unchanged,
                "deleted": result.deleted}  # fmt: skip
    return {"created": len(result.created), "updated": len(result.updated), "unchanged": len(result.unchanged),
            "deleted": 0}  # fmt: skip


def read_cursor(text: str | None) -> tuple[tuple[int, str], str] | None:
    """The last processed file's ((mtime, name), sha256), from the stream's cursor."""
    if not text:
        return None
    try:
        data = json.loads(text)
        return (int(data["mtime"]), str(data["name"])), str(data["sha256"])
    except (ValueError, KeyError, TypeError):
        raise ValueError(f"the stream's cursor {text[:200]!r} is not this connector's") from None


def _cursor(remote: RemoteFile, sha256: str) -> str:
    return json.dumps({"mtime": remote.mtime, "name": remote.name[:500], "sha256": sha256}, sort_keys=True)


def run(context: JobContext) -> dict[str, Any]:
    sftp_settings = read_settings(PullSettings, context).sftp  # checked before the run starts
    pull_config = PullConfig.from_context(context)
    config = pull_config.settings
    summary: dict[str, Any] = {
        "files_seen": 0, "files_processed": 0, "files_skipped": 0, "files_rejected": 0, "files_superseded": 0,
        "files_held_back": 0, "rows": 0, "suppliers": 0, "created": 0, "updated": 0, "unchanged": 0, "deleted": 0,
        "bad_rows": [], "rejected_files": [],
    }  # fmt: skip
    # Exclusive: one poller at a time reads the file cursor; a killed run frees the stream within a minute.
    with delta_run(context, config.connector_name, STREAM_NAME, CURSOR_TYPE, exclusive=True) as run_handle:
        last = read_cursor(run_handle.previous_cursor)
        with connect_sftp(sftp_settings, owner=config.connector_name) as connection:
            pull = SupplierPull(context, pull_config, connection)
            files = pull.candidates()
            summary["files_seen"] = len(files)
            _process(context, config, pull, files, last, run_handle, summary)
        run_handle.set_records_processed(summary["rows"])
        run_handle.set_metadata({k: v for k, v in summary.items() if k != "bad_rows"})
    summary["bad_rows"] = summary["bad_rows"][:MAX_REPORTED_BAD_ROWS]
    return summary


def _process(
    context: JobContext,
    config: SupplierSettings,
    pull: SupplierPull,
    files: list[RemoteFile],
    last: tuple[tuple[int, str], str] | None,
    run_handle: DeltaRunHandle,
    summary: dict[str, Any],
) -> None:
    logger = context.logger
    pending: list[tuple[RemoteFile, bytes | None]] = []
    for remote in files:
        if last is None or remote.position > last[0]:
            pending.append((remote, None))
        elif remote.position == last[0]:
            content = pull.download(remote)  # the same name and second: read it to see whether it changed
            if hashlib.sha256(content).hexdigest() != last[1]:
                pending.append((remote, content))
            else:
                summary["files_skipped"] += 1
        else:
            summary["files_skipped"] += 1
    if config.mode == "full_load" and len(pending) > 1:
        # Each file is the complete list: only the newest counts.
        for remote, _ in pending[:-1]:
            logger.info(f"{remote.name} is superseded by {pending[-1][0].name}", step="skip")
        summary["files_superseded"] = len(pending) - 1
        pending = pending[-1:]
    if len(pending) > config.max_files:
        summary["files_held_back"] += len(pending) - config.max_files
        pending = pending[: config.max_files]
    for index, (remote, data) in enumerate(pending):
        outcome = pull.load(remote, data if data is not None else pull.download(remote))
        outcome.bad.sort(key=lambda bad: (bad.line is None, bad.line or 0))  # in file order, file-level last
        summary["rows"] += outcome.rows
        summary["bad_rows"] += [bad.to_dict() for bad in outcome.bad]
        for bad in outcome.bad:
            logger.error(str(bad), step="bad_row", detail=bad.to_dict())
        if outcome.status != "processed":
            summary["files_rejected"] += 1
            summary["rejected_files"].append(remote.name)
            saved = (
                f"{outcome.suppliers} supplier(s) were saved before the API refused the others"
                if outcome.suppliers
                else "nothing saved"
            )
            logger.error(
                f"Rejected {remote.name}: {len(outcome.bad)} problem(s), {saved}; "
                "it stays unprocessed and is read again on the next run",
                step="rejected",
                detail={"file": remote.name, "problems": len(outcome.bad)},
            )
            # Later files wait: applying them before this one is fixed would apply the exports out of order.
            summary["files_held_back"] += len(pending) - index - 1
            return
        summary["files_processed"] += 1
        summary["suppliers"] += outcome.suppliers
        for key, value in outcome.counts.items():
            summary[key] += value
        run_handle.set_new_cursor(_cursor(remote, outcome.sha256))
        logger.info(
            f"Loaded {remote.name} ({config.mode}): {outcome.suppliers} supplier(s) from {outcome.rows} row(s)"
            + (f", skipped {', '.join(outcome.skipped_suppliers)}" if outcome.skipped_suppliers else ""),
            step="loaded",
            detail={"file": remote.name, **outcome.counts, "skipped_suppliers": outcome.skipped_suppliers},
        )
