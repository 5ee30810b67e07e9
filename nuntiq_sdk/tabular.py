"""Tabular exports (CSV) read into the nested records a Load takes, every bad row named by line, column and value.

An ERP export is bytes in some encoding, with a delimiter and a header row.
``read_csv`` decodes it (a UTF-8 byte-order mark tolerated), maps each
header through a column map (case-insensitive) onto a target such as
``supplier.name`` or ``location.name``, converts the cells, and hands back the
rows with the line each starts on (a quoted field over several lines keeps
later line numbers right). ``nest_rows`` merges the rows of one record (the
same key) and their child rows (``location.*`` into ``locations``, ...) into
the values a Load's ``new(**values)`` takes; ``NestedRows.locate`` maps a
Load's ``ValidationError`` problems back to the lines and columns they came
from. Bad data never raises: every problem is a ``RowProblem`` (file, line,
column, value, why) and the caller decides whether one bad row refuses the
file. Bad arguments (a delimiter of two characters, an unknown encoding, a
target that is no part of the nesting) raise ``ValueError`` naming them::

    nesting = Nesting.of(Supplier, "supplier", {"location": "locations"})
    columns = column_map({"supplier_code": "supplier.supplier_code"}, {"Lief": "supplier.supplier_code"})
    table = read_csv("suppliers.csv", data, columns, csv_format=CsvFormat(delimiter=";"),
                     required=["supplier.supplier_code"], converters=nesting.converters(columns.values()))
    nested = nest_rows(table, nesting)
    for record in nested.records.values():
        suppliers.new(**record.entity_values())
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from nuntiq_sdk._entity import Entity
from nuntiq_sdk._exceptions import FieldProblem
from nuntiq_sdk.settings import option

__all__ = [
    "CsvFormat",
    "CsvTable",
    "MappedRow",
    "NestedRecord",
    "NestedRows",
    "Nesting",
    "RowProblem",
    "column_map",
    "nest_rows",
    "read_csv",
    "whole_number",
    "yes_no",
]

TRUE = frozenset({"true", "1", "yes", "y", "x"})
FALSE = frozenset({"false", "0", "no", "n"})
_CHILD_FIELD = re.compile(r"^(?P<list>\w+)\[(?P<label>[^\]]*)\]\.(?P<field>.+)$")  # locations[location_code=W].name


# --- format -------------------------------------------------------------------------------


def _separator(delimiter: str) -> str:
    return "\t" if delimiter in ("tab", "\\t") else delimiter


def _delimiter_problem(value: str) -> str | None:
    separator = _separator(value)
    return None if len(separator) == 1 and separator not in '\r\n"' else "must be one character (or 'tab')"


def _encoding_problem(value: str) -> str | None:
    try:
        codecs.lookup(value)
    except LookupError:
        return "is not a known text encoding"
    return None


@attrs.frozen
class CsvFormat:
    """How an export is written: field separator and text encoding.

    Declared settings: a connector nests them with ``group(CsvFormat, prefix="")``.
    """

    delimiter: str = option(default=",", check=_delimiter_problem, help="The CSV field separator ('tab' for a tab).")
    encoding: str = option(default="utf-8", check=_encoding_problem, help="The files' text encoding.")

    def __attrs_post_init__(self) -> None:
        # Settings are checked before they are built; this guards a CsvFormat made in code.
        for name, why in (
            ("delimiter", _delimiter_problem(self.delimiter)),
            ("encoding", _encoding_problem(self.encoding)),
        ):
            if why is not None:
                raise ValueError(f"CsvFormat.{name} {why}, got {getattr(self, name)!r}")

    @property
    def separator(self) -> str:
        """The one character between fields (``delimiter`` 'tab' is a tab)."""
        return _separator(self.delimiter)


# --- conversions ---------------------------------------------------------------------------


def yes_no(text: str) -> bool:
    """A yes/no cell: true/false, yes/no, y/n, 1/0, x (any case)."""
    lowered = text.casefold()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ValueError("is not a yes/no value (true/false, yes/no, 1/0)")


def whole_number(text: str) -> int:
    """A whole-number cell."""
    try:
        return int(text)
    except ValueError:
        raise ValueError("is not a whole number") from None


_CONVERTERS: dict[str, Callable[[str], Any]] = {"boolean": yes_no, "integer": whole_number}


# --- reading ---------------------------------------------------------------------------------


@attrs.frozen
class RowProblem:
    """A problem of one row, or of the file (``line`` None): where, which column ('-': the row as a whole), what, why.

    ``line`` is the CSV line the row starts on (1 is the header); ``field`` the
    column as the file spells it.
    """

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


@attrs.frozen
class MappedRow:
    """One row: its line, its converted values by target (empty cells left out), and the cells that did not convert."""

    line: int
    values: dict[str, Any]
    problems: tuple[RowProblem, ...] = ()


@attrs.frozen
class CsvTable:
    """A file read: the headers it used (target -> header as spelled), its rows, and the file's own problems.

    ``problems`` are those of the file, the header or a whole row (a wrong
    number of fields); a cell that did not convert is its row's problem.
    ``row_count`` counts every non-blank record after the header.
    """

    name: str
    headers: dict[str, str]
    rows: list[MappedRow]
    problems: list[RowProblem]
    row_count: int


def column_map(defaults: Mapping[str, str], custom: Mapping[str, str] | None = None) -> dict[str, str]:
    """Header (case-folded) -> target: ``defaults`` with ``custom`` over them.

    A target given a custom header no longer answers to its default header.
    """
    custom = custom or {}
    mapped = set(custom.values())
    columns = {header.strip().casefold(): target for header, target in defaults.items() if target not in mapped}
    columns.update({header.strip().casefold(): target for header, target in custom.items()})
    return columns


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the line each starts on (a quoted field may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    for record in reader:
        yield start, record
        start = reader.line_num + 1


def read_csv(
    name: str,
    data: bytes,
    columns: Mapping[str, str],
    *,
    csv_format: CsvFormat | None = None,
    required: Sequence[str] = (),
    converters: Mapping[str, Callable[[str], Any]] | None = None,
) -> CsvTable:
    """Decode, parse and map ``data`` (the file ``name``): every problem a ``RowProblem``, nothing raised for bad data.

    ``columns`` maps case-folded headers to targets (see ``column_map``);
    headers it does not know are ignored. A header without a ``required``
    target, or with two columns for one target, leaves the file without rows.
    ``converters`` turn a target's cell text into its value (a ``ValueError``
    is the cell's problem); other cells stay text. Cells are stripped; blank
    lines are not rows.
    """
    csv_format = csv_format or CsvFormat()
    converters = converters or {}
    headers: dict[str, str] = {}
    problems: list[RowProblem] = []
    rows: list[MappedRow] = []
    table = CsvTable(name, headers, rows, problems, 0)
    encoding = "utf-8-sig" if codecs.lookup(csv_format.encoding).name == "utf-8" else csv_format.encoding
    try:
        text = data.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(RowProblem(name, line, "-", data[exc.start : exc.end], f"is not {csv_format.encoding} text"))
        return table
    records = _records(text, csv_format.separator)
    try:
        header_line, header = next(records, (1, []))
    except csv.Error as exc:
        problems.append(RowProblem(name, 1, "-", None, f"the header is not valid CSV: {exc}"))
        return table
    targets: list[str | None] = []
    for column in header:
        target = columns.get(column.strip().casefold())
        if target is not None and target in headers:
            problems.append(RowProblem(name, header_line, column, None, f"maps to {target} like an earlier column"))
        elif target is not None:
            headers[target] = column.strip()
        targets.append(target)
    for target in required:
        if target not in headers:
            wanted = [h for h, t in columns.items() if t == target]
            label = target.rpartition(".")[2]
            problems.append(RowProblem(name, header_line, "-", None, f"the header has no {label} column ({wanted})"))
    if problems:
        return table
    count = 0
    try:
        for line, record in records:
            if not any(cell.strip() for cell in record):
                continue  # blank lines are not rows
            count += 1
            if len(record) != len(header):
                problems.append(
                    RowProblem(name, line, "-", None, f"has {len(record)} fields, the header has {len(header)}")
                )
                continue
            cells = {t: c.strip() for t, c in zip(targets, record, strict=True) if t and c.strip()}
            rows.append(_convert(name, line, cells, headers, converters))
    except csv.Error as exc:  # e.g. an unterminated quote: nothing after it can be trusted
        problems.append(RowProblem(name, None, "-", None, f"is not valid CSV: {exc}"))
    return attrs.evolve(table, row_count=count)


def _convert(
    name: str, line: int, cells: Mapping[str, str], headers: Mapping[str, str], converters: Mapping[str, Any]
) -> MappedRow:
    values: dict[str, Any] = {}
    problems: list[RowProblem] = []
    for target, text in cells.items():
        convert = converters.get(target)
        try:
            values[target] = text if convert is None else convert(text)
        except ValueError as exc:
            problems.append(RowProblem(name, line, headers[target], text, str(exc)))
    return MappedRow(line, values, tuple(problems))


# --- nesting ------------------------------------------------------------------------------


@attrs.frozen
class Nesting:
    """How rows make nested records: ``<root>.<field>`` targets are the record's, ``<part>.<field>`` a child's.

    ``children`` maps a part to (the record's list, the child's key), e.g.
    ``{"location": ("locations", "location_code")}``. Rows with the same
    ``key`` value are one record; a child appears once per key value.
    ``Nesting.of`` reads all of that from a Load's entity (the spec).
    """

    root: str
    key: str
    children: Mapping[str, tuple[str, str]] = attrs.Factory(dict)
    entity: type[Entity] | None = None  # the record's entity: targets and cell types checked against the spec

    @classmethod
    def of(cls, entity: type[Entity], root: str, children: Mapping[str, str] | None = None) -> Nesting:
        """The nesting of ``entity`` (e.g. ``Supplier``): its key, and each child part's list and key.

        ``children`` names each part's list, e.g. ``{"location": "locations"}``.
        """
        meta = entity._meta
        if len(meta.key) != 1:
            raise ValueError(f"{meta.name} has the key {meta.key}; nesting needs a one-field key")
        lists = {}
        for part, list_name in (children or {}).items():
            if list_name not in meta.children or len(meta.children[list_name].key) != 1:
                raise ValueError(f"children[{part!r}]: {list_name!r} is not a list of keyed children of {meta.name}")
            lists[part] = (list_name, meta.children[list_name].key[0])
        return cls(root, meta.key[0], lists, entity)

    def _meta_of(self, part: str) -> Any:
        meta = self.entity._meta if self.entity is not None else None
        return meta if meta is None or part == self.root else meta.children[self.children[part][0]]

    def target_problem(self, target: str) -> str | None:
        """Why ``target`` cannot be filled from a column (None: it can): an unknown part, or no such field."""
        part, dot, field = target.partition(".")
        if not dot or part not in (self.root, *self.children):
            return f"is not '<part>.<field>' with part one of {', '.join((self.root, *self.children))}"
        meta = self._meta_of(part)
        if meta is not None and field not in meta.writable:
            return f"is not a {self.root} field: {meta.refuse(field)}"
        return None

    def converters(self, targets: Iterable[str]) -> dict[str, Callable[[str], Any]]:
        """Cell converters by the spec's types: booleans read as yes/no, integers as whole numbers; the rest is text."""
        found: dict[str, Callable[[str], Any]] = {}
        for target in targets:
            part, _, field = target.partition(".")
            meta = self._meta_of(part) if self.target_problem(target) is None else None
            kind = meta.checks.properties.get(field, {}).get("type") if meta is not None else None
            if kind in _CONVERTERS:
                found[target] = _CONVERTERS[kind]
        return found


@attrs.define
class NestedRecord:
    """One record as the file describes it: its values, its children, and the lines they came from."""

    key: str
    lines: list[int] = attrs.Factory(list)  # every line of the record, bad ones too
    values: dict[str, Any] = attrs.Factory(dict)
    value_lines: dict[str, int] = attrs.Factory(dict)
    children: dict[str, dict[str, dict[str, Any]]] = attrs.Factory(dict)  # list name -> child key -> values
    child_lines: dict[tuple[str, str], int] = attrs.Factory(dict)  # (list name, child label) -> line

    def entity_values(self) -> dict[str, Any]:
        """The values a Load's ``new(**values)`` takes: the record's, and a list per child part."""
        values = dict(self.values)
        for list_name, by_key in self.children.items():
            if by_key:
                values[list_name] = [dict(child) for child in by_key.values()]
        return values


@attrs.define
class NestedRows:
    """A file's records by key, its problems (in file order, the file's own last), and its row count."""

    name: str
    nesting: Nesting
    headers: dict[str, str]
    records: dict[str, NestedRecord]
    problems: list[RowProblem]
    rows: int
    _line_keys: dict[int, str] = attrs.field(factory=dict, init=False, repr=False)  # for record_at

    def record_at(self, line: int | None) -> str | None:
        """The key of the record a line belongs to, or None."""
        return None if line is None else self._line_keys.get(line)

    def locate(self, problems: Sequence[FieldProblem]) -> list[RowProblem]:
        """A Load's ``ValidationError`` problems (named by record key and child key) as row problems with lines."""
        by_label = {f"{self.nesting.key}={key}": record for key, record in self.records.items()}
        parts = {list_name: part for part, (list_name, _) in self.nesting.children.items()}
        located: list[RowProblem] = []
        for problem in problems:
            record = by_label.get(str(problem.row))
            field = str(problem.field)
            if record is None:
                located.append(RowProblem(self.name, None, field, problem.value, f"{problem.message} [{problem.row}]"))
                continue
            match = _CHILD_FIELD.match(field)
            if match is not None:
                list_name, label, child_field = match["list"], match["label"], match["field"]
                line = record.child_lines.get((list_name, label), record.lines[0])
                header = self.headers.get(f"{parts.get(list_name, list_name)}.{child_field}", field)
            else:
                line = record.value_lines.get(field, record.lines[0])
                header = self.headers.get(f"{self.nesting.root}.{field}", field)
            located.append(RowProblem(self.name, line, header, problem.value, problem.message))
        return located


def nest_rows(table: CsvTable, nesting: Nesting) -> NestedRows:
    """Merge the table's rows into records; a row that contradicts an earlier one of its record is a problem."""
    for target in table.headers:
        if (why := nesting.target_problem(target)) is not None:
            raise ValueError(f"target {target!r} {why}")
    nested = NestedRows(table.name, nesting, table.headers, {}, list(table.problems), table.row_count)
    key_target = f"{nesting.root}.{nesting.key}"
    if table.rows and key_target not in table.headers:  # read_csv was not told the key is required
        nested.problems.append(RowProblem(table.name, 1, "-", None, f"the header has no column for {key_target}"))
        return nested
    for row in table.rows:
        _merge(nested, row)
    nested.problems.sort(key=lambda p: (p.line is None, p.line or 0))  # file order, the file's own problems last
    return nested


def _merge(nested: NestedRows, row: MappedRow) -> None:
    nesting, headers, line = nested.nesting, nested.headers, row.line
    problems = list(row.problems)
    values: dict[str, dict[str, Any]] = {nesting.root: {}, **{part: {} for part in nesting.children}}
    for target, value in row.values.items():
        part, _, field = target.partition(".")
        values[part][field] = value
    key = values[nesting.root].get(nesting.key)
    if key is None:
        problems.append(RowProblem(nested.name, line, headers[f"{nesting.root}.{nesting.key}"], None, "is empty"))
    for part, (_, child_key) in nesting.children.items():
        if values[part] and values[part].get(child_key) is None:
            header = headers.get(f"{part}.{child_key}", f"{part}.{child_key}")
            others = ", ".join(headers[f"{part}.{f}"] for f in values[part])
            problems.append(RowProblem(nested.name, line, header, None, f"is empty but {others} is set"))
    if key is None:
        nested.problems.extend(problems)
        return
    record = nested.records.setdefault(str(key), NestedRecord(str(key)))
    record.lines.append(line)  # a bad line too: a caller skipping bad rows drops the whole record
    nested._line_keys[line] = record.key
    whose = f"for {nesting.root} {key}"
    for field, value in values[nesting.root].items():
        if field in record.values and record.values[field] != value:
            earlier = record.value_lines[field]
            message = f"differs from {record.values[field]!r} on line {earlier} {whose}"
            problems.append(RowProblem(nested.name, line, headers[f"{nesting.root}.{field}"], value, message))
    for part, (list_name, child_key) in nesting.children.items():
        child = values[part]
        if not child or child.get(child_key) is None:  # a child without its key is reported above
            continue
        existing = record.children.get(list_name, {}).get(str(child[child_key]))
        if existing is not None and existing != child:
            earlier = record.child_lines[(list_name, f"{child_key}={child[child_key]}")]
            message = f"appears on line {earlier} too, with other values, {whose}"
            problems.append(RowProblem(nested.name, line, headers[f"{part}.{child_key}"], child[child_key], message))
    if problems:
        nested.problems.extend(problems)
        return
    for field, value in values[nesting.root].items():
        record.values[field] = value
        record.value_lines.setdefault(field, line)
    for part, (list_name, child_key) in nesting.children.items():
        child = values[part]
        if child:
            by_key = record.children.setdefault(list_name, {})
            if str(child[child_key]) not in by_key:
                by_key[str(child[child_key])] = child
                record.child_lines[(list_name, f"{child_key}={child[child_key]}")] = line
                record.child_lines[(list_name, f"#{len(by_key) - 1}")] = line
