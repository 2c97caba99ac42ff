"""Read activity data (.xlsx, .csv, .parquet or a folder of them) into one located table.

Every row keeps where it came from (``_file``, ``_sheet``, ``_row``, and ``_file_id``: the
file's place among the inputs) so that validation can name the cell. Text columns are kept as text; numbers are parsed later, in SQL, so that a cell that is
not a number is reported rather than silently dropped.

Row numbers: for .csv and .xlsx the spreadsheet row (the header is row 1); for .parquet the
record number (first record = 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import ibis.expr.operations as ops
import ibis.expr.schema as sch
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from ibis.common.exceptions import IbisError

from greenmfg.accounting.template_spec import (
    COLUMNS,
    LABELS_EN,
    REQUIRED_COLUMNS,
    canonical_column,
    column_letter,
    header_zh,
    is_own_header,
)
from greenmfg.errors import InputError, Issue
from greenmfg.exports import keyed_cells
from greenmfg.findings import NUL_FIX, Locator, nul_line
from greenmfg.workbooks import check_local_xlsx

__all__ = [
    "LOCATION_COLUMNS", "RAW_VIEW", "SUFFIXES", "ActivitySource", "ColumnPlan", "Heading", "InputFile", "SourceInput",
    "column_plan", "file_headings", "header_issues", "headings_of", "read_activity", "read_csv_file", "read_table", "read_xlsx_file", "table_digest",
]

#: the located input rows of a run, as read (a view on the run's connection)
RAW_VIEW = "greenmfg_activity_raw"
_TABLE_INPUT = "greenmfg_input_table"

SUFFIXES = (".xlsx", ".csv", ".parquet")
NUMERIC_COLUMNS = ("quantity", "ncv", "carbon_content", "oxidation_rate", "steam_pressure", "steam_temperature",
                   "clinker_cao", "clinker_mgo", "clinker_cao_non_carbonate", "clinker_mgo_non_carbonate",
                   "anode_effect_minutes", "anode_effect_overvoltage", "current_efficiency")


def _number_sql(expression: str) -> str:
    """SQL turning a text cell into a DOUBLE (NULL when it is not a number).

    Thousands separators and spaces are ignored; a trailing % divides by 100 ("98%" → 0.98).
    """
    cleaned = f"replace(replace(trim({expression}), ',', ''), ' ', '')"
    return (
        f"CASE WHEN ends_with({cleaned}, '%') "
        f"THEN TRY_CAST(rtrim({cleaned}, '%') AS DOUBLE) / 100 "
        f"ELSE TRY_CAST({cleaned} AS DOUBLE) END"
    )
_INSTRUCTION_SHEETS = {"instructions", "说明", "填写说明", "readme", "lists", "选项"}


@dataclass(frozen=True)
class InputFile:
    """A file's bytes held in memory (an upload) with the name it came with."""

    name: str
    content: bytes = field(repr=False)

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class SourceInput:
    """One input of a run: a file (with the sheet read) or an in-memory table, and its SHA-256."""

    name: str
    sheet: str = ""
    path: Path | None = None
    #: SHA-256 of an in-memory file or table (a table's Arrow IPC stream); files are hashed when asked
    digest: str | None = None

    def sha256(self) -> str | None:
        if self.digest is not None or self.path is None:
            return self.digest
        digest = hashlib.sha256()
        with self.path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()


@dataclass(frozen=True)
class Heading:
    """A template column as one file heads it: the header's text and its place (1 = column A)."""

    text: str
    index: int

    def cell(self, row: int | None) -> str:
        """The spreadsheet reference of this column's cell in ``row`` (``G4``), '' without a row."""
        return f"{column_letter(self.index)}{row}" if row is not None else ""


#: the arrow schema metadata key under which a read file's table keeps its headings
_HEADINGS_KEY = b"greenmfg.headings"


@dataclass
class ActivitySource:
    """The input as one Ibis table plus the header problems found while reading it.

    Rows carry ``_file_id``, the index of their input in ``inputs``. ``headings`` says, for each
    .xlsx and .csv file (by its name, the rows' ``_file``), how it headed each template column, so
    that findings name the cell (G4) and the column as the file headed it.
    """

    table: ibis.Table
    con: ibis.BaseBackend
    inputs: list[SourceInput]
    issues: list[Issue] = field(default_factory=list)
    headings: dict[str, dict[str, Heading]] = field(default_factory=dict)

    def heading(self, file: str, column: str) -> Heading | None:
        """How file ``file`` headed template column ``column`` (None: not known)."""
        return self.headings.get(file, {}).get(column)

    def column_names(self, file: str, column: str) -> tuple[str, str]:
        """What English and Chinese messages call ``column`` of ``file``: its header in the file (in
        both), else the template's plain English label and Chinese header."""
        heading = self.heading(file, column)
        if heading is not None:
            return heading.text, heading.text
        return LABELS_EN.get(column, column), header_zh(column)


def headings_of(mapping: dict[str, str], headers: list[str]) -> dict[str, Heading]:
    """Template column → its heading, for the headers ``mapping`` maps (each at its first place)."""
    places: dict[str, int] = {}
    for index, header in enumerate(headers, start=1):
        places.setdefault(header, index)
    return {column: Heading(original, places[original]) for original, column in mapping.items()
            if original in places}


def header_issues(path: Path | InputFile, sheet: str, headers: list[str], *,
                  keys: Mapping[int, str] | None = None) -> tuple[dict[str, str], list[Issue]]:
    """Map each original header to its template column; report unknown, duplicate and missing ones.

    The template's own headers (``facility_id``, 设施编号, Facility ID) win over synonyms (生产线): a
    synonym names a column only when the file has no own header for it, and is otherwise ignored like
    any extra column. Two own headers of one column, or two synonyms and no own header, are an error.
    ``keys``: the column keys a workbook keeps as defined names of its header cells (place, 1 = column
    A → key; :func:`greenmfg.exports.header_row`): a header the user reworded still names the template
    column its cell was made for; a header that names a column itself goes by its words.
    """
    mapping: dict[str, str] = {}
    named: dict[str, list[tuple[str, bool]]] = {}  # template column -> (header, is the template's own)
    issues: list[Issue] = []
    header_row = Locator(file=path.name, sheet=sheet, row=1, code_prefix="accounting.input.", value_limit=None)
    places: dict[str, int] = {}
    for index, header in enumerate(headers, start=1):
        if header is None or not str(header).strip():
            continue
        places.setdefault(str(header), index)
        column = canonical_column(header)
        kept = (keys or {}).get(index)
        if column is None and kept in LABELS_EN:
            named.setdefault(kept, []).append((str(header), True))  # the template's own cell, reworded
            continue
        if column is None:
            continue  # extra columns (remarks, etc.) are allowed and ignored
        named.setdefault(column, []).append((str(header), is_own_header(header)))
    for column, found in named.items():
        own = [h for h, is_own in found if is_own]
        candidates = own or [h for h, _is_own in found]
        if len(candidates) > 1:
            zh, en = header_zh(column), LABELS_EN[column]
            first, header = candidates[0], candidates[1]
            issues.append(header_row.finding(
                "duplicate_column", column, header, f'the columns "{first}" and "{header}" both mean {en.lower()}',
                f"“{first}”与“{header}”两列都表示{zh}",
                "keep one of them, or rename the other to a header the template does not use",
                "只保留其中一列，或将另一列改为模板不使用的表头",
                header=header, cell=f"{column_letter(places[header])}1"))
            continue
        mapping[candidates[0]] = column
    for required in REQUIRED_COLUMNS:
        if required not in mapping.values():
            zh, en = header_zh(required), LABELS_EN[required]
            issues.append(header_row.finding(
                "missing_column", required, "", f'the required column "{zh}" ({en}) is missing',
                f"缺少必填列“{zh}”",
                f'add a column headed "{zh}" or "{en}"; the blank template on the Imports page has every column',
                f"请增加表头为“{zh}”的列；导入页面上的空白模板包含所有列", header=zh))
    return mapping, issues


def _text_table(path: Path | InputFile, sheet: str, mapping: dict[str, str], columns: dict[str, list[object]],
                rows: list[int], headers: list[str]) -> pa.Table:
    """Build the located, all-text arrow table in template column order; its schema's metadata
    keeps the file's headings (see :func:`file_headings`)."""
    arrays: dict[str, pa.Array] = {
        "_file": pa.array([path.name] * len(rows), pa.string()),
        "_sheet": pa.array([sheet] * len(rows), pa.string()),
        "_row": pa.array(rows, pa.int64()),
    }
    by_column = {canonical: columns[original] for original, canonical in mapping.items()}
    for column in COLUMNS:
        values = by_column.get(column.name)
        arrays[column.name] = pa.array(values if values is not None else [None] * len(rows), pa.string())
    headings = {column: [h.text, h.index] for column, h in headings_of(mapping, headers).items()}
    return pa.table(arrays).replace_schema_metadata({_HEADINGS_KEY: json.dumps(headings).encode()})


def file_headings(table: pa.Table) -> dict[str, Heading]:
    """The headings a table read by :func:`read_xlsx_file` or :func:`read_csv_file` keeps."""
    stored = (table.schema.metadata or {}).get(_HEADINGS_KEY)
    if not stored:
        return {}
    return {column: Heading(str(text), int(index)) for column, (text, index) in json.loads(stored).items()}


def _cell_text(value: object, column: str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        # Excel turns "2024-01" into a date; a period means its month
        return f"{value.year:04d}-{value.month:02d}" if column == "period" else value.isoformat()
    if isinstance(value, float) and value.is_integer() and column not in NUMERIC_COLUMNS:
        return str(int(value))  # ids and codes typed as numbers: 320000.0 -> 320000
    text = repr(value) if isinstance(value, float) else str(value)
    return text


def read_xlsx_file(path: Path | InputFile) -> tuple[pa.Table, list[Issue], str]:
    """The first data sheet of a workbook as text columns with its location columns, the header
    issues and the sheet's title (also read by the Spark engine for workbooks, which Spark cannot read)."""
    import openpyxl  # imported here: only xlsx input needs it

    if not isinstance(path, InputFile):
        check_local_xlsx(path)   # an upload was checked by the upload helper already
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(path.content) if isinstance(path, InputFile) else path,
                                          read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise InputError(f"{path}: not a readable .xlsx workbook ({exc}) / 无法读取该 .xlsx 文件") from exc
    try:
        sheets = [ws for ws in workbook.worksheets if ws.title.strip().casefold() not in _INSTRUCTION_SHEETS]
        if not sheets:
            raise InputError(f"{path}: no data sheet (only instruction sheets) / 没有数据工作表")
        sheet = sheets[0]
        row_iter = sheet.iter_rows(values_only=True)
        headers = [str(h).strip() if h is not None else "" for h in next(row_iter, ())]
        # the keys the template keeps as defined names of its header cells (greenmfg.exports.header_row)
        keys = {column: key for key, (row, column) in keyed_cells(sheet).items() if row == 1}
        mapping, issues = header_issues(path, sheet.title, headers, keys=keys)
        canonical = [mapping.get(h) for h in headers]
        columns: dict[str, list[object]] = {h: [] for h in mapping}
        rows: list[int] = []
        for number, values in enumerate(row_iter, start=2):
            if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            rows.append(number)
            for index, header in enumerate(headers):
                if header in columns:
                    value = values[index] if index < len(values) else None
                    columns[header].append(_cell_text(value, canonical[index]))
        return _text_table(path, sheet.title, mapping, columns, rows, headers), issues, sheet.title
    finally:
        workbook.close()


def read_csv_file(path: Path | InputFile) -> tuple[pa.Table, list[Issue]]:
    """A CSV file (UTF-8, or GB18030 as Excel in China saves it) as text columns with its location
    columns, and the header issues."""
    raw = path.content if isinstance(path, InputFile) else path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GB18030/GBK
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(f"{path}: not UTF-8 or GB18030 text / 文件编码无法识别，请另存为 UTF-8 CSV")
    line = nul_line(text)
    if line is not None:
        raise InputError(f"{path}: line {line} contains a NUL character, so this is not a text CSV: {NUL_FIX[0]} / "
                         f"第 {line} 行含 NUL 字符，不是文本 CSV：{NUL_FIX[1]}")
    first_line = text.split("\n", 1)[0]
    headers = next(csv.reader([first_line]), [])
    mapping, issues = header_issues(path, "", headers)
    as_headed = headers
    if len(set(headers)) != len(headers):
        headers = [f"{h}__{i}" for i, h in enumerate(headers)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=headers, skip_rows=1),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in headers}, strings_can_be_null=True,
                null_values=[""], quoted_strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise InputError(f"{path}: malformed CSV ({exc}) / CSV 格式错误") from exc
    rows = list(range(2, table.num_rows + 2))
    columns = {h: table.column(h).to_pylist() for h in mapping}
    return _text_table(path, "", mapping, columns, rows, as_headed), issues


#: how a located column is taken from its input: absent (null), text, a typed number, or text parsed as a number
ColumnPlan = list[tuple[str, str | None, str]]


def column_plan(names: list[str], numeric: set[str], where: str) -> tuple[ColumnPlan, list[Issue]]:
    """For each template column, the input column it is read from (``names``; those in ``numeric``
    are typed numbers) and how: ``"absent"``, ``"text"``, ``"number"`` (a typed number, no text to
    complain about) or ``"parsed"`` (text parsed as a number, the text kept). Engine-neutral: both
    DuckDB's SQL and Spark's columns are written from it."""
    mapping, issues = header_issues(Path(where), "", names)
    by_column = {canonical: original for original, canonical in mapping.items()}
    plan: ColumnPlan = []
    for column in COLUMNS:
        original = by_column.get(column.name)
        if original is None:
            plan.append((column.name, None, "absent"))
        elif column.name in NUMERIC_COLUMNS:
            plan.append((column.name, original, "number" if original in numeric else "parsed"))
        else:
            plan.append((column.name, original, "text"))
    return plan, issues


def _located_select(schema: pa.Schema, relation: str, *, file: str, index: int, where: str,
                    number_text: bool = False) -> tuple[str, list[Issue]]:
    """SQL selecting the located template columns from ``relation`` (columns as in ``schema``).

    ``_file``, ``_sheet`` and ``_row`` come from columns of those names when ``relation`` has them
    (rows stored by the platform keep where they were uploaded from), else ``file``, '' and the
    record number (first = 1). Numeric columns that are typed numbers are taken as they are;
    text ones are parsed, so that a cell that is not a number is reported. ``number_text``: typed
    numbers keep their text too (rows the platform stores as read); files do without (cheaper).
    """
    names = list(schema.names)
    numeric = {f.name for f in schema if pa.types.is_floating(f.type) or pa.types.is_integer(f.type)
               or pa.types.is_decimal(f.type)}
    plan, issues = column_plan([n for n in names if n not in LOCATION_COLUMNS], numeric, where)
    quoted_file = file.replace("'", "''")
    select = [
        "CAST(_file AS VARCHAR) AS _file" if "_file" in names else f"'{quoted_file}' AS _file",
        f"CAST({index} AS INTEGER) AS _file_id",
        "coalesce(CAST(_sheet AS VARCHAR), '') AS _sheet" if "_sheet" in names else "'' AS _sheet",
        "CAST(_row AS BIGINT) AS _row" if "_row" in names else "CAST(file_row_number + 1 AS BIGINT) AS _row",
    ]
    for name, original, how in plan:
        if original is None:
            if name in NUMERIC_COLUMNS:
                select.append(f"CAST(NULL AS DOUBLE) AS {name}_number")
            select.append(f"CAST(NULL AS VARCHAR) AS {name}")
            continue
        expression = '"' + original.replace('"', '""') + '"'
        if how == "number":
            # typed numbers: no text to complain about
            select.append(f"CAST({expression} AS DOUBLE) AS {name}_number")
            select.append(f"CAST({expression} AS VARCHAR) AS {name}" if number_text
                          else f"CAST(NULL AS VARCHAR) AS {name}")
        elif how == "parsed":
            text = f"CAST({expression} AS VARCHAR)"
            select.append(f"{_number_sql(text)} AS {name}_number")
            select.append(f"{text} AS {name}")
        else:
            select.append(f"CAST({expression} AS VARCHAR) AS {name}")
    return f"SELECT {', '.join(select)} FROM {relation}", issues


#: columns of an in-memory table that say where its rows came from (see :func:`read_table`)
LOCATION_COLUMNS = ("_file", "_sheet", "_row")


def _parquet_relation(path: Path, index: int) -> tuple[str, list[Issue]]:
    """SQL selecting the located template columns from a Parquet file, scanned lazily by DuckDB."""
    try:
        schema = pq.read_schema(path)
    except Exception as exc:  # pyarrow raises several types for non-parquet files
        raise InputError(f"{path}: not a readable Parquet file ({exc}) / 无法读取该 Parquet 文件") from exc
    quoted = str(path).replace("'", "''")
    schema = pa.schema([f for f in schema if f.name not in LOCATION_COLUMNS])
    return _located_select(schema, f"read_parquet('{quoted}', file_row_number = true)", file=path.name,
                           index=index, where=path.name)


def _input_files(path: Path) -> list[Path]:
    if not path.exists():
        raise InputError(f"{path}: no such file or folder / 文件或文件夹不存在")
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                       and not p.name.startswith((".", "~$")))
        if not files:
            raise InputError(f"{path}: the folder has no .xlsx, .csv or .parquet file / 文件夹中没有可读取的数据文件")
        return files
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(
            f"{path}: unsupported file type '{path.suffix}'; use .xlsx, .csv or .parquet / "
            "不支持的文件类型，请使用 .xlsx、.csv 或 .parquet"
        )
    return [path]


def read_activity(path: Path | InputFile, con: ibis.BaseBackend) -> ActivitySource:
    """Read one file or a folder of files, or a file's bytes held in memory (:class:`InputFile`,
    .xlsx or .csv), into a located Ibis table on ``con`` (a DuckDB backend).

    Text columns stay text. Numeric columns of .csv/.xlsx arrive as text and are parsed during
    validation; numeric Parquet columns arrive as DOUBLE.

    Raises
    ------
    InputError
        If the path does not exist, has an unsupported type, or a file cannot be read at all.
    """
    files: list[Path | InputFile] = [path] if isinstance(path, InputFile) else list(_input_files(path))
    if isinstance(path, InputFile) and path.suffix.lower() not in (".xlsx", ".csv"):
        raise InputError(f"{path.name}: unsupported file type '{path.suffix}'; use .xlsx or .csv / "
                         "不支持的文件类型，请使用 .xlsx 或 .csv")
    raw = con.con  # the underlying duckdb connection: Parquet is scanned lazily, never loaded whole
    selects: list[str] = []
    issues: list[Issue] = []
    inputs: list[SourceInput] = []
    headings: dict[str, dict[str, Heading]] = {}
    for index, file in enumerate(files):
        suffix = file.suffix.lower()
        sheet = ""
        if isinstance(file, Path) and suffix == ".parquet":
            sql, found = _parquet_relation(file, index)
        else:
            if suffix == ".xlsx":
                table, found, sheet = read_xlsx_file(file)
            else:
                table, found = read_csv_file(file)
            headings.setdefault(file.name, file_headings(table))  # rows name their file by its name
            name = f"greenmfg_input_{index}"
            raw.register(name, table)
            text_cast = ", ".join(
                f"{_number_sql(c.name)} AS {c.name}_number, {c.name}" if c.name in NUMERIC_COLUMNS else c.name
                for c in COLUMNS
            )
            sql = f"SELECT _file, CAST({index} AS INTEGER) AS _file_id, _sheet, _row, {text_cast} FROM {name}"
        issues.extend(found)
        selects.append(sql)
        inputs.append(SourceInput(name=file.name, sheet=sheet, path=file) if isinstance(file, Path) else
                      SourceInput(name=file.name, sheet=sheet, digest=hashlib.sha256(file.content).hexdigest()))
    union = " UNION ALL ".join(selects)
    raw.execute(f"CREATE OR REPLACE TEMP VIEW {RAW_VIEW} AS {union}")
    return ActivitySource(table=con.table(RAW_VIEW), con=con, inputs=inputs, issues=issues, headings=headings)


def table_digest(table: pa.Table) -> str:
    """The sha256 of a table's Arrow stream: the same rows and schema, the same digest."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return hashlib.sha256(sink.getvalue()).hexdigest()


def read_table(table: pa.Table | ibis.Table, con: ibis.BaseBackend, *, name: str = "table") -> ActivitySource:
    """An in-memory table of activity rows as a located table on ``con`` (a DuckDB backend).

    ``table`` has the template's columns, headed in English or Chinese like a file's; numeric
    columns may be numbers or text. Optional ``_file``, ``_sheet`` and ``_row`` columns say where
    each row came from (the platform's stored rows keep their upload's); otherwise the rows are
    numbered from 1 and ``name`` stands for the file in messages and provenance. An Ibis table of
    another backend is brought over as Arrow; one on ``con`` itself is used where it is.
    """
    raw = con.con
    digest: str | None = None
    if isinstance(table, pa.Table):
        if "_row" not in table.column_names:
            table = table.append_column("file_row_number", pa.array(range(table.num_rows), pa.int64()))
        digest = table_digest(table)
        raw.register(_TABLE_INPUT, table)
        relation, schema = _TABLE_INPUT, table.schema
    else:
        try:
            backend = table._find_backend(use_default=False)
        except IbisError:  # in-memory tables only (ibis.memtable): any backend takes them
            backend = con
        if backend is not con:
            return read_table(table.to_pyarrow(), con, name=name)
        if "_row" not in table.columns:
            table = table.mutate(file_row_number=ibis.row_number())
        con.create_view(_TABLE_INPUT, table, overwrite=True)
        relation, schema = _TABLE_INPUT, table.schema().to_pyarrow()
    schema = pa.schema([f for f in schema if f.name != "file_row_number"])
    sql, issues = _located_select(schema, relation, file=name, index=0, where=name, number_text=True)
    raw.execute(f"CREATE OR REPLACE TEMP VIEW {RAW_VIEW} AS {sql}")
    return ActivitySource(table=_raw_view(con, (sql, tuple((f.name, str(f.type)) for f in schema))), con=con,
                          inputs=[SourceInput(name=name, digest=digest)], issues=issues)


#: the column types DuckDB gives the located view, by its SQL and the types of the table it reads
_RAW_SCHEMAS: dict[tuple[str, tuple[tuple[str, str], ...]], sch.Schema] = {}
_RAW_SCHEMAS_LOCK = threading.Lock()


def _raw_view(con: ibis.BaseBackend, key: tuple[str, tuple[tuple[str, str], ...]]) -> ibis.Table:
    """The view :data:`RAW_VIEW` of ``con``; its column types asked of DuckDB once per SQL and
    input types (asking costs a query and parsing the type names, ≈ 20 ms a run)."""
    with _RAW_SCHEMAS_LOCK:
        schema = _RAW_SCHEMAS.get(key)
    if schema is None:
        table = con.table(RAW_VIEW)
        with _RAW_SCHEMAS_LOCK:
            if len(_RAW_SCHEMAS) > 256:
                _RAW_SCHEMAS.clear()
            _RAW_SCHEMAS[key] = table.schema()
        return table
    return ops.DatabaseTable(RAW_VIEW, schema=schema, source=con,
                             namespace=ops.Namespace(catalog=None, database=None)).to_expr()

