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

import codecs
import csv
import fnmatch
import hashlib
import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

import attrs

from nuntiq_sdk import ConfigError, FullLoadSummary, JobContext, SaveResult, ValidationError
from nuntiq_sdk.delta import DeltaRunHandle, delta_run
from nuntiq_sdk.objects.supplier import SupplierLoad
from nuntiq_sdk.settings import check_settings, group, option, read_settings
from nuntiq_sdk.sftp import DropFolder, RemoteFile, SFTPConnection, SFTPSettings, connect_sftp, safe_remote_name

STREAM_NAME = "supplier_files"
CURSOR_TYPE = "file_mtime_name"
MAX_REPORTED_BAD_ROWS = 100  # in the summary; the log has every one
# The parts of a supplier a row can carry: (prefix in the column map, the supplier's list, the child's key).
CHILDREN = {
    "location": ("locations", "location_code"),
    "bank_account": ("bank_accounts", "iban"),
    "address": ("addresses", "address_type"),
}
BOOLEAN_FIELDS = frozenset({"active", "is_primary"})
INTEGER_FIELDS = frozenset({"payment_terms_days"})
TRUE = frozenset({"true", "1", "yes", "y", "x"})
FALSE = frozenset({"false", "0", "no", "n"})
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
_CHILD_PROBLEM = re.compile(r"^(?P<list>\w+)\[(?P<label>[^\]]*)\]\.(?P<field>.+)$")


# --- config ---------------------------------------------------------------------------


@attrs.frozen
class PullConfig:
    connector_name: str
    remote_folder: str
    file_pattern: str
    mode: str
    on_bad_rows: str
    delimiter: str
    encoding: str
    columns: Mapping[str, str]  # CSV header (case-folded) -> target "supplier.name", "location.name", ...
    max_files: int
    max_file_bytes: int
    allow_empty_full_load: bool

    @classmethod
    def from_context(cls, context: JobContext) -> PullConfig:
        """The declared settings read, with the column map's targets checked against the spec."""
        problems = check_settings(SupplierSettings, context.config, context.secrets)
        columns = _column_map(context, problems)
        if problems:
            raise ConfigError(problems)
        declared = read_settings(SupplierSettings, context)
        return cls(
            connector_name=declared.connector_name,
            remote_folder=declared.remote_folder,
            file_pattern=declared.file_pattern,
            mode=declared.mode,
            on_bad_rows=declared.on_bad_rows,
            delimiter=_delimiter(declared.delimiter),
            encoding=declared.encoding,
            columns=columns,
            max_files=declared.max_files,
            max_file_bytes=declared.max_file_bytes,
            allow_empty_full_load=declared.allow_empty_full_load,
        )


def _delimiter(value: str) -> str:
    return "\t" if value in ("tab", "\\t") else value


def _one_character(value: str) -> str | None:
    delimiter = _delimiter(value)
    return None if len(delimiter) == 1 and delimiter not in '\r\n"' else "must be one character (or 'tab')"


def _known_encoding(value: str) -> str | None:
    try:
        codecs.lookup(value)
    except LookupError:
        return "is not a known text encoding"
    return None


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
    delimiter: str = option(default=",", check=_one_character, help="The CSV field separator ('tab' for a tab).")
    encoding: str = option(default="utf-8", check=_known_encoding, help="The files' text encoding.")
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


def _column_map(context: JobContext, problems: list[str]) -> dict[str, str]:
    """The default columns with ``config.column_map`` ({header: target}) over them; every target checked."""
    custom = context.get_config("column_map", {})
    if not isinstance(custom, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in custom.items()):
        custom = {}  # the declaration has named the problem
    # A target given a custom header no longer answers to its default header.
    mapped = set(custom.values())
    columns = {header: target for header, target in DEFAULT_COLUMNS.items() if target not in mapped}
    columns.update({header.strip().casefold(): target for header, target in custom.items()})
    probe = SupplierLoad(context).new()  # built, never saved: only to ask the spec which fields exist
    for header, target in custom.items():
        part, _, field = target.partition(".")
        try:
            if part == "supplier":
                getattr(probe, field)
            elif part in CHILDREN:
                getattr(probe, CHILDREN[part][0]).new(**{field: None})
            else:
                raise AttributeError(f"{part!r} is not one of supplier, {', '.join(CHILDREN)}")
        except AttributeError as exc:
            problems.append(f"config.column_map[{header!r}]: target {target!r} is not a supplier field: {exc}")
    if "supplier.supplier_code" not in columns.values():
        problems.append("config.column_map maps no column to 'supplier.supplier_code'")
    return columns


# --- parsing ----------------------------------------------------------------------------


@attrs.frozen
class BadRow:
    """A row the load refused: where (file, CSV line; 1 is the header), which field, what value, why."""

    file: str
    line: int | None
    field: str
    value: Any
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else "file"
        value = "" if self.value is None else f"{self.value!r} "
        return f"{self.file} {where}: {self.field}: {value}{self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field, "value": self.value, "message": self.message}


@attrs.define
class SupplierRows:
    """One supplier as the file describes it: its values, its children, and the lines they came from."""

    code: str
    lines: list[int]
    values: dict[str, Any]
    value_lines: dict[str, int]
    children: dict[str, dict[str, dict[str, Any]]]  # list name -> child key -> values
    child_lines: dict[tuple[str, str], int]  # (list name, child label) -> line

    def entity_values(self) -> dict[str, Any]:
        values = dict(self.values)
        for list_name, by_key in self.children.items():
            if by_key:
                values[list_name] = [dict(child) for child in by_key.values()]
        return values


@attrs.define
class ParsedFile:
    name: str
    suppliers: dict[str, SupplierRows]
    bad: list[BadRow]
    rows: int
    headers: dict[str, str]  # target -> the header as the file spells it


def _convert(field: str, text: str) -> Any:
    if field in BOOLEAN_FIELDS:
        lowered = text.casefold()
        if lowered in TRUE:
            return True
        if lowered in FALSE:
            return False
        raise ValueError("is not a yes/no value (true/false, yes/no, 1/0)")
    if field in INTEGER_FIELDS:
        try:
            return int(text)
        except ValueError:
            raise ValueError("is not a whole number") from None
    return text


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the line each starts on (a quoted field may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    for record in reader:
        yield start, record
        start = reader.line_num + 1


def parse_csv(name: str, data: bytes, config: PullConfig) -> ParsedFile:
    """Map every row onto suppliers; every problem is a ``BadRow`` with its line, field and value."""
    parsed = ParsedFile(name=name, suppliers={}, bad=[], rows=0, headers={})
    encoding = "utf-8-sig" if codecs.lookup(config.encoding).name == "utf-8" else config.encoding
    try:
        text = data.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        parsed.bad.append(BadRow(name, line, "-", data[exc.start : exc.end], f"is not {config.encoding} text"))
        return parsed
    records = _records(text, config.delimiter)
    try:
        header_line, header = next(records, (1, []))
    except csv.Error as exc:
        parsed.bad.append(BadRow(name, 1, "-", None, f"the header is not valid CSV: {exc}"))
        return parsed
    targets: list[str | None] = []
    for column in header:
        target = config.columns.get(column.strip().casefold())
        if target is not None and target in parsed.headers:
            parsed.bad.append(BadRow(name, header_line, column, None, f"maps to {target} like an earlier column"))
        elif target is not None:
            parsed.headers[target] = column.strip()
        targets.append(target)
    if "supplier.supplier_code" not in parsed.headers:
        wanted = [h for h, t in config.columns.items() if t == "supplier.supplier_code"]
        parsed.bad.append(BadRow(name, header_line, "-", None, f"the header has no supplier_code column ({wanted})"))
    if parsed.bad:
        return parsed
    try:
        for line, record in records:
            if not any(cell.strip() for cell in record):
                continue  # blank lines are not rows
            parsed.rows += 1
            if len(record) != len(header):
                parsed.bad.append(
                    BadRow(name, line, "-", None, f"has {len(record)} fields, the header has {len(header)}")
                )
                continue
            _add_row(parsed, line, {t: c.strip() for t, c in zip(targets, record, strict=True) if t and c.strip()})
    except csv.Error as exc:  # e.g. an unterminated quote: nothing after it can be trusted
        parsed.bad.append(BadRow(name, None, "-", None, f"is not valid CSV: {exc}"))
    return parsed


def _add_row(parsed: ParsedFile, line: int, cells: dict[str, str]) -> None:
    """Merge one row into its supplier; a conflict with an earlier row of the same supplier is a bad row."""
    problems: list[BadRow] = []
    values: dict[str, dict[str, Any]] = {"supplier": {}, **{part: {} for part in CHILDREN}}
    for target, text in cells.items():
        part, _, field = target.partition(".")
        try:
            values[part][field] = _convert(field, text)
        except ValueError as exc:
            problems.append(BadRow(parsed.name, line, parsed.headers[target], text, str(exc)))
    code = values["supplier"].get("supplier_code")
    if code is None:
        problems.append(BadRow(parsed.name, line, parsed.headers["supplier.supplier_code"], None, "is empty"))
    for part, (_, key) in CHILDREN.items():
        if values[part] and values[part].get(key) is None:
            header = parsed.headers.get(f"{part}.{key}", f"{part}.{key}")
            others = ", ".join(parsed.headers[f"{part}.{f}"] for f in values[part])
            problems.append(BadRow(parsed.name, line, header, None, f"is empty but {others} is set"))
    if code is None:
        parsed.bad.extend(problems)
        return
    supplier = parsed.suppliers.get(code)
    if supplier is None:
        supplier = parsed.suppliers[code] = SupplierRows(
            code=code, lines=[], values={}, value_lines={}, children={}, child_lines={}
        )
    supplier.lines.append(line)  # a bad line too: skip_rows then drops the whole supplier
    for field, value in values["supplier"].items():
        if field in supplier.values and supplier.values[field] != value:
            earlier = supplier.value_lines[field]
            problems.append(
                BadRow(
                    parsed.name, line, parsed.headers[f"supplier.{field}"], value,
                    f"differs from {supplier.values[field]!r} on line {earlier} for supplier {code}",
                )
            )  # fmt: skip
    for part, (list_name, key) in CHILDREN.items():
        child = values[part]
        if not child or child.get(key) is None:  # a child without its key is reported above
            continue
        existing = supplier.children.get(list_name, {}).get(str(child[key]))
        if existing is not None and existing != child:
            earlier = supplier.child_lines[(list_name, f"{key}={child[key]}")]
            problems.append(
                BadRow(
                    parsed.name, line, parsed.headers[f"{part}.{key}"], child[key],
                    f"appears on line {earlier} too, with other values, for supplier {code}",
                )
            )  # fmt: skip
    if problems:
        parsed.bad.extend(problems)
        return
    for field, value in values["supplier"].items():
        supplier.values[field] = value
        supplier.value_lines.setdefault(field, line)
    for part, (list_name, key) in CHILDREN.items():
        child = values[part]
        if child:
            by_key = supplier.children.setdefault(list_name, {})
            if str(child[key]) not in by_key:
                by_key[str(child[key])] = child
                supplier.child_lines[(list_name, f"{key}={child[key]}")] = line
                supplier.child_lines[(list_name, f"#{len(by_key) - 1}")] = line


# --- mapping the SDK's problems back to lines -------------------------------------------


def _locate(parsed: ParsedFile, problems: Sequence[Any]) -> list[BadRow]:
    """``ValidationError`` problems (named by supplier key and child key) as bad rows with their CSV lines."""
    by_label = {f"supplier_code={code}": supplier for code, supplier in parsed.suppliers.items()}
    header_of = parsed.headers
    located: list[BadRow] = []
    for problem in problems:
        supplier = by_label.get(str(problem.row))
        field = str(problem.field)
        if supplier is None:
            located.append(BadRow(parsed.name, None, field, problem.value, f"{problem.message} [{problem.row}]"))
            continue
        match = _CHILD_PROBLEM.match(field)
        if match is not None:
            list_name, label, child_field = match["list"], match["label"], match["field"]
            line = supplier.child_lines.get((list_name, label), supplier.lines[0])
            part = next((p for p, (name, _) in CHILDREN.items() if name == list_name), list_name)
            header = header_of.get(f"{part}.{child_field}", field)
        else:
            line = supplier.value_lines.get(field, supplier.lines[0])
            header = header_of.get(f"supplier.{field}", field)
        located.append(BadRow(parsed.name, line, header, problem.value, problem.message))
    return located


def _supplier_of(parsed: ParsedFile, bad: BadRow) -> str | None:
    for code, supplier in parsed.suppliers.items():
        if bad.line in supplier.lines:
            return code
    return None


# --- one run ----------------------------------------------------------------------------


@attrs.define
class Outcome:
    """What loading one file did."""

    status: str  # processed | rejected
    sha256: str
    rows: int = 0
    suppliers: int = 0
    counts: dict[str, int] = attrs.Factory(dict)
    bad: list[BadRow] = attrs.Factory(list)
    skipped_suppliers: list[str] = attrs.Factory(list)


class SupplierPull:
    """Lists the folder, picks the files the cursor has not seen, loads each, moves the cursor."""

    def __init__(self, context: JobContext, config: PullConfig, connection: SFTPConnection) -> None:
        self.context = context
        self.config = config
        self.connection = connection
        self.downloads = context.work_dir / "downloads"

    def candidates(self) -> list[RemoteFile]:
        files = DropFolder(self.connection, self.config.remote_folder).listing().values()
        return sorted(
            (f for f in files if fnmatch.fnmatchcase(f.name, self.config.file_pattern)), key=lambda f: f.position
        )

    def download(self, remote: RemoteFile) -> bytes:
        data = self.connection.read(remote.path, self.config.max_file_bytes + 1)
        # A copy for whoever investigates a rejected file; the remote name never becomes a local path as is.
        stem, _, extension = remote.name.rpartition(".")
        ext = f".{extension}" if stem and re.fullmatch(r"[A-Za-z0-9]{1,10}", extension) else ""
        self.downloads.mkdir(parents=True, exist_ok=True)
        (self.downloads / safe_remote_name(stem or remote.name, ext)).write_bytes(data)
        return data

    def load(self, remote: RemoteFile, data: bytes) -> Outcome:
        outcome = Outcome(status="rejected", sha256=hashlib.sha256(data).hexdigest())
        if len(data) > self.config.max_file_bytes:
            outcome.bad.append(
                BadRow(remote.name, None, "-", None, f"is larger than max_file_bytes ({self.config.max_file_bytes})")
            )
            return outcome
        parsed = parse_csv(remote.name, data, self.config)
        outcome.rows = parsed.rows
        outcome.bad.extend(parsed.bad)
        if parsed.bad and (self.config.on_bad_rows == "reject_file" or not parsed.suppliers):
            return outcome
        for _attempt in range(2):  # the second attempt only without the suppliers the SDK refused
            skipped = {code for bad in outcome.bad if (code := _supplier_of(parsed, bad)) is not None}
            suppliers = [s for code, s in parsed.suppliers.items() if code not in skipped]
            outcome.skipped_suppliers = sorted(skipped)
            if not suppliers and (self.config.mode == "incremental" or not self.config.allow_empty_full_load):
                outcome.bad.append(BadRow(remote.name, None, "-", None, "has no supplier to load"))
                return outcome
            load = SupplierLoad(self.context)
            for supplier in suppliers:
                load.new(**supplier.entity_values())
            try:
                result = load.save_all(full_load=self.config.mode == "full_load", allow_empty=True)
            except ValidationError as exc:  # raised before anything is sent
                located = _locate(parsed, exc.problems)
                outcome.bad.extend(located)
                if self.config.on_bad_rows == "reject_file" or any(bad.line is None for bad in located):
                    return outcome
                continue
            outcome.suppliers = len(suppliers)
            outcome.counts = _counts(result)
            if isinstance(result, SaveResult) and result.failed:
                outcome.bad.extend(self._refused(parsed, result))
                refused = {str(failed.key.get("supplier_code")) for failed in result.failed}
                outcome.skipped_suppliers = sorted(skipped | refused)
                if self.config.on_bad_rows == "reject_file":
                    return outcome  # the other rows are saved; the file stays unprocessed and is read again
            outcome.status = "processed"
            return outcome
        return outcome

    @staticmethod
    def _refused(parsed: ParsedFile, result: SaveResult) -> list[BadRow]:
        refused = []
        for failed in result.failed:
            supplier = parsed.suppliers.get(str(failed.key.get("supplier_code")))
            line = supplier.lines[0] if supplier else None
            for field, message in failed.errors or (("-", "refused by the API"),):
                refused.append(BadRow(parsed.name, line, field or "-", None, f"refused by the API: {message}"))
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
    config = PullConfig.from_context(context)
    summary: dict[str, Any] = {
        "files_seen": 0, "files_processed": 0, "files_skipped": 0, "files_rejected": 0, "files_superseded": 0,
        "files_held_back": 0, "rows": 0, "suppliers": 0, "created": 0, "updated": 0, "unchanged": 0, "deleted": 0,
        "bad_rows": [], "rejected_files": [],
    }  # fmt: skip
    # Exclusive: one poller at a time reads the file cursor; a killed run frees the stream within a minute.
    with delta_run(context, config.connector_name, STREAM_NAME, CURSOR_TYPE, exclusive=True) as run_handle:
        last = read_cursor(run_handle.previous_cursor)
        with connect_sftp(sftp_settings, owner=config.connector_name) as connection:
            pull = SupplierPull(context, config, connection)
            files = pull.candidates()
            summary["files_seen"] = len(files)
            _process(context, config, pull, files, last, run_handle, summary)
        run_handle.set_records_processed(summary["rows"])
        run_handle.set_metadata({k: v for k, v in summary.items() if k != "bad_rows"})
    summary["bad_rows"] = summary["bad_rows"][:MAX_REPORTED_BAD_ROWS]
    return summary


def _process(
    context: JobContext,
    config: PullConfig,
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
