"""Where the accounting plans run: DuckDB in process (the default) or Apache Spark.

Everything Spark-specific lives here; the rest of the engine builds Ibis expressions that both
backends run. On Spark the input is read by Spark's own readers (CSV, Parquet; any path Spark
reads: local, ``hdfs://``, ``s3a://`` …) into the same located table DuckDB builds
(``_file``, ``_file_id``, ``_sheet``, ``_row``, the template columns as text and
``<column>_number``), and every step of the plan is Spark SQL run by the executors: no input row
is collected to the driver or handed to DuckDB. Only small things are: the distinct spellings the
validation resolves, the per-split row counts that number CSV rows, results and issues.

One SparkSession per process (the one ``spark-submit`` made, else one built for ``master``);
each run gets a child session of it (:meth:`SparkSession.newSession`): its own temporary views
and settings, the same executors and cache.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import hashlib
import os
import re
import shutil
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis.common.exceptions import IbisError

from greenmfg.accounting.reader import (
    LOCATION_COLUMNS,
    NUMERIC_COLUMNS,
    RAW_VIEW,
    SUFFIXES,
    ActivitySource,
    ColumnPlan,
    Heading,
    InputFile,
    SourceInput,
    column_plan,
    file_headings,
    header_issues,
    headings_of,
    read_csv_file,
    read_xlsx_file,
    table_digest,
)
from greenmfg.errors import GreenmfgError, InputError, Issue

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

__all__ = [
    "ENGINES",
    "SPARK_MASTER_ENV",
    "EngineError",
    "is_spark",
    "read_activity",
    "read_table",
    "spark_backend",
    "spark_master",
    "spark_session",
]

#: the engines by name
ENGINES = ("duckdb", "spark")
#: the Spark master when none is given (else ``local[*]``)
SPARK_MASTER_ENV = "GREENMFG_SPARK_MASTER"
#: driver memory of a local Spark (the executors run in the driver's JVM there)
SPARK_DRIVER_MEMORY_ENV = "GREENMFG_SPARK_DRIVER_MEMORY"

_LOCK = threading.Lock()
_SESSION: SparkSession | None = None
#: bytes of a CSV file read on the driver to take its header and tell UTF-8 from GB18030
_SAMPLE_BYTES = 1 << 20


class EngineError(GreenmfgError):
    """The engine asked for cannot run here (no pyspark, no Java, another master already running)."""

    status = 500
    code = "engine_unavailable"
    message = "the computing engine asked for cannot run here"
    message_zh = "所选计算引擎无法在此运行"
    one_text = True


def spark_master(master: str | None = None) -> str:
    """The Spark master: ``master`` if given, else ``$GREENMFG_SPARK_MASTER``, else ``local[*]``."""
    return master or os.environ.get(SPARK_MASTER_ENV) or "local[*]"


def _running(session: SparkSession | None) -> bool:
    return session is not None and session.sparkContext._jsc is not None


def spark_session(master: str | None = None) -> SparkSession:
    """The process's SparkSession, started on :func:`spark_master` the first time.

    A session that already runs (``spark-submit``'s, or one started earlier) is reused; asking
    for another master than the one it runs on is an error (one SparkContext per process).

    Raises
    ------
    EngineError
        pyspark is not installed, no Java runtime is found, or another master runs already.
    """
    global _SESSION
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - pyspark is a dependency
        raise EngineError("the Spark engine needs pyspark (pip install pyspark==4.0.5) / "
                          "Spark 引擎需要安装 pyspark") from exc
    with _LOCK:
        session = _SESSION if _running(_SESSION) else SparkSession.getActiveSession()
        if session is None:
            if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
                raise EngineError("the Spark engine needs a Java runtime (17 or 21): install one (Debian: "
                                  "apt-get install default-jre-headless) or set JAVA_HOME / "
                                  "Spark 引擎需要 Java 运行环境（17 或 21），请安装或设置 JAVA_HOME")
            chosen = spark_master(master)
            builder = (SparkSession.builder.master(chosen).appName("greenmfg")
                       .config("spark.ui.showConsoleProgress", "false")
                       .config("spark.sql.execution.arrow.pyspark.enabled", "true"))
            if chosen.startswith("local"):
                builder = builder.config("spark.driver.memory",
                                         os.environ.get(SPARK_DRIVER_MEMORY_ENV, "4g"))
            try:
                session = builder.getOrCreate()
            except Exception as exc:  # the JVM did not start: py4j and Spark raise many types
                raise EngineError(f"Spark could not start on {chosen} ({exc}) / Spark 无法启动") from exc
            session.sparkContext.setLogLevel("ERROR")
        elif master is not None and session.sparkContext.master != master:
            raise EngineError(
                f"Spark already runs on {session.sparkContext.master} in this process, not {master}: one "
                f"process has one Spark master / 本进程的 Spark 已在 {session.sparkContext.master} 上运行")
        _SESSION = session
        return session


def _configure(session: SparkSession) -> None:
    """Settings the plans rely on: SQL that returns NULL where DuckDB's does (no ANSI errors on a
    cast or an overflow) and shuffles sized for the cluster."""
    session.conf.set("spark.sql.ansi.enabled", "false")
    # decimal(38,10) + decimal(38,10) stays decimal(38,10), as in DuckDB (Spark would drop scale)
    session.conf.set("spark.sql.decimalOperations.allowPrecisionLoss", "false")
    session.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
    # CSV in GB18030 (Excel in China): Spark 4's CSV reader takes Java's charsets only so
    session.conf.set("spark.sql.legacy.javaCharsets", "true")
    if str(session.sparkContext.master).startswith("local"):
        # Spark's default of 200 shuffle partitions is for clusters; locally a few per core do
        session.conf.set("spark.sql.shuffle.partitions", str(max(4, 2 * session.sparkContext.defaultParallelism)))


def spark_backend(master: str | None = None) -> ibis.BaseBackend:
    """An Ibis PySpark backend for one run: a child session of :func:`spark_session` (its own
    temporary views, the same executors)."""
    return _connect(spark_session(master).newSession())


def adopt(con: ibis.BaseBackend) -> ibis.BaseBackend:
    """An Ibis backend given by the caller, made ready for the plans: a PySpark backend becomes
    one of :func:`_backend_class` on the same session (its tables and views stay visible)."""
    if is_spark(con) and not isinstance(con, _backend_class()):
        return _connect(con._session)
    return con


def is_spark(con: ibis.BaseBackend) -> bool:
    """Does ``con`` run on Spark?"""
    return getattr(con, "name", "") == "pyspark"


def _session(con: ibis.BaseBackend) -> SparkSession:
    session: SparkSession = con._session
    return session


@functools.cache
def _backend_class() -> type[ibis.BaseBackend]:
    """Ibis's PySpark backend with what the plans need and Ibis 12 lacks or gets wrong on Spark.

    - ``create_table`` of an expression (temporary or not; Ibis has no temporary tables on
      Spark and would write a table into the warehouse): computed once on first use and cached
      by the executors (memory, spilling to disk) under a temporary view of the run's session.
    - ``strip()``: Ibis writes the white space to trim as a literal with ``\\v`` and ``\\f``,
      which Spark SQL reads as the letters v and f; here a pattern trims exactly what DuckDB's
      ``trim`` does (tab, line feed, vertical tab, form feed, carriage return, space).
    - ``isinf()``: Ibis compiles it for Spark to false; here a comparison with ±infinity.
    - ``bit_or()``: not compiled by Ibis for Spark; Spark SQL has the aggregate.
    - a DOUBLE cast to DECIMAL: rounded as DuckDB rounds it (see ``visit_Cast``).
    - ``array[i]``: Spark's ``element_at`` takes an INT; Ibis gives it the BIGINT it has.
    - ``hash()``: Spark's ``hash`` is 32-bit (a collision among ten million keys would be near
      certain, see :func:`greenmfg.accounting.screening.may_have_duplicates`); ``xxhash64`` is 64-bit.
    """
    import sqlglot.expressions as sge
    from ibis.backends.pyspark import Backend
    from ibis.backends.sql.compilers.pyspark import PySparkCompiler

    ibis.pyspark  # noqa: B018 - loading the backend through ibis registers its options
    white = r"[\t-\r ]+"

    class Compiler(PySparkCompiler):  # type: ignore[misc]
        def visit_Strip(self, op: Any, *, arg: Any) -> Any:
            return self.f.regexp_replace(arg, sge.convert(f"^{white}|{white}$"), sge.convert(""))

        def visit_LStrip(self, op: Any, *, arg: Any) -> Any:
            return self.f.regexp_replace(arg, sge.convert(f"^{white}"), sge.convert(""))

        def visit_RStrip(self, op: Any, *, arg: Any) -> Any:
            return self.f.regexp_replace(arg, sge.convert(f"{white}$"), sge.convert(""))

        def visit_IsInf(self, op: Any, *, arg: Any) -> Any:
            if op.arg.dtype.is_floating():
                return sge.or_(sge.EQ(this=arg, expression=self.POS_INF), sge.EQ(this=arg, expression=self.NEG_INF))
            return sge.false()

        def visit_BitOr(self, op: Any, *, arg: Any, where: Any) -> Any:
            return self.agg.bit_or(arg, where=where)

        def visit_Hash(self, op: Any, *, arg: Any) -> Any:
            return self.f.xxhash64(arg)

        def visit_Cast(self, op: Any, *, arg: Any, to: Any) -> Any:
            if not (op.arg.dtype.is_floating() and to.is_decimal() and to.scale):
                return super().visit_Cast(op, arg=arg, to=to)
            # DuckDB rounds x · 10^scale (a double) half away from zero; Spark would round the
            # shortest decimal spelling of x, which differs in the last place for one value in
            # seven: done DuckDB's way, the exact sums are the same to the last digit
            double, whole = sge.DataType.build("double"), sge.DataType.build("decimal(38, 0)")
            scaled = self.f.round(sge.Mul(this=arg, expression=sge.Cast(this=sge.convert(10 ** to.scale), to=double)))
            units = sge.Case(ifs=[sge.If(
                this=sge.LT(this=self.f.abs(scaled), expression=sge.Cast(this=sge.convert(9e18), to=double)),
                true=sge.Cast(this=sge.Cast(this=scaled, to=sge.DataType.build("bigint")), to=whole))],
                default=sge.Cast(this=scaled, to=whole))
            unit = sge.Cast(this=sge.convert(f"1E-{to.scale}"),
                            to=sge.DataType.build(f"decimal({to.scale}, {to.scale})"))
            exact = sge.Mul(this=units, expression=unit)
            finite = sge.Not(this=sge.Paren(this=sge.Or(this=self.f.isnan(arg), expression=sge.EQ(
                this=self.f.abs(arg), expression=self.POS_INF))))
            return sge.Case(ifs=[sge.If(this=finite, true=self.cast(exact, to))], default=self.cast(sge.Null(), to))

        def visit_ArrayIndex(self, op: Any, *, arg: Any, index: Any) -> Any:
            return self.f.element_at(arg, sge.Cast(this=index + 1, to=sge.DataType.build("int")))

    class SparkBackend(Backend):  # type: ignore[misc]
        compiler = Compiler()

        def create_table(self, name: str, /, obj: Any = None, **kwargs: Any) -> ir.Table:
            if not isinstance(obj, ir.Table) or kwargs.get("database") is not None:
                return super().create_table(name, obj, **kwargs)
            from pyspark import StorageLevel

            self._run_pre_execute_hooks(obj)  # in-memory tables and functions
            frame = self._session.sql(self.compile(obj)).persist(StorageLevel.MEMORY_AND_DISK)
            previous = self._cached_dataframes.pop(name, None)
            frame.createOrReplaceTempView(name)
            self._cached_dataframes[name] = frame
            if previous is not None:
                previous.unpersist()
            return self.table(name)

    return SparkBackend


def _connect(session: SparkSession) -> ibis.BaseBackend:
    backend = _backend_class()()
    backend.do_connect(session)
    _configure(session)
    # what the run cached is released with the run (as DuckDB's database folder is)
    weakref.finalize(backend, _release, backend._cached_dataframes)
    return backend


def _release(frames: dict[str, DataFrame]) -> None:
    for frame in frames.values():
        with contextlib.suppress(Exception):  # the session may have stopped already
            frame.unpersist()
    frames.clear()


# ---------------------------------------------------------------------------------------------
# numbers in text: the same semantics as DuckDB's TRY_CAST(... AS DOUBLE) after reader._number_sql
# ---------------------------------------------------------------------------------------------

#: what DuckDB casts to a DOUBLE: white space around, an optional '+' then an optional '-', digits
#: with single '_' between them, an optional fraction and exponent; or inf, infinity, nan
_WHITE = r"[\t\n\x0b\x0c\r ]*"
_DIGITS = r"[0-9]+(?:_[0-9]+)*"
_NUMBER = (rf"^{_WHITE}\+?-?(?:(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})(?:[eE][+-]?{_DIGITS})?"
           rf"|(?i:inf|infinity|nan)){_WHITE}$")


_SPACE = r"[\t\n\x0b\x0c\r ]"


def _cast_double_sql(text: str) -> str:
    """Spark SQL: ``text`` as a DOUBLE where DuckDB's TRY_CAST gives one, else NULL."""
    bare = f"regexp_replace({text}, r'^{_SPACE}*\\+?|[\\t\\n\\x0b\\x0c\\r _]', '')"
    lowered = f"lower({bare})"
    return (f"CASE WHEN {text} RLIKE r'{_NUMBER}' THEN CASE"
            f" WHEN {lowered} IN ('nan', '-nan') THEN CAST('NaN' AS DOUBLE)"
            f" WHEN {lowered} IN ('inf', 'infinity') THEN CAST('Infinity' AS DOUBLE)"
            f" WHEN {lowered} IN ('-inf', '-infinity') THEN CAST('-Infinity' AS DOUBLE)"
            f" ELSE CAST({bare} AS DOUBLE) END END")


def number_sql(expression: str) -> str:
    """Spark SQL version of :func:`greenmfg.accounting.reader._number_sql`: a text cell as a
    DOUBLE (NULL when it is not a number); thousands separators and spaces ignored, a trailing %
    divides by 100. The same semantics as DuckDB's, spelling by spelling (tested)."""
    # DuckDB's trim() removes Unicode space separators (category Zs: no-break and ideographic
    # spaces too), not tabs or line breaks
    cleaned = f"regexp_replace(regexp_replace({expression}, r'^\\p{{Zs}}+|\\p{{Zs}}+$', ''), '[, ]', '')"
    percent = f"regexp_replace({cleaned}, '%+$', '')"
    return (f"CASE WHEN endswith({cleaned}, '%') THEN {_cast_double_sql(percent)} / 100"
            f" ELSE {_cast_double_sql(cleaned)} END")


def _located(frame: DataFrame, plan: ColumnPlan, location: list[Column]) -> DataFrame:
    """The located table from ``frame`` (columns as ``plan`` names them) and its ``location``
    columns (_file, _file_id, _sheet, _row)."""
    from pyspark.sql import functions as F

    columns = list(location)
    for name, original, how in plan:
        if original is None:
            if name in NUMERIC_COLUMNS:
                columns.append(F.lit(None).cast("double").alias(f"{name}_number"))
            columns.append(F.lit(None).cast("string").alias(name))
        elif how == "number":
            columns.append(F.col(_quoted(original)).cast("double").alias(f"{name}_number"))
            columns.append(F.lit(None).cast("string").alias(name))
        elif how == "parsed":
            text = f"CAST({_quoted(original)} AS STRING)"
            columns.append(F.expr(number_sql(text)).alias(f"{name}_number"))
            columns.append(F.expr(text).alias(name))
        else:
            columns.append(F.col(_quoted(original)).cast("string").alias(name))
    return frame.select(*columns)


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


# ---------------------------------------------------------------------------------------------
# files on any path Spark reads
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _File:
    """A file as Hadoop's file system names it, with the name it has in messages."""

    uri: str
    name: str
    #: its path below the folder read, for ordering as the local reader orders
    parts: tuple[str, ...]

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.name).suffix.lower()


def _text_path(path: str | Path) -> str:
    return str(path.resolve()) if isinstance(path, Path) else path


def _jvm(session: SparkSession) -> Any:
    jvm = session.sparkContext._jvm
    assert jvm is not None  # a running session has its gateway
    return jvm


def _file_system(session: SparkSession, path: str) -> tuple[Any, Any]:
    jvm = _jvm(session)
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    return hadoop_path.getFileSystem(session.sparkContext._jsc.hadoopConfiguration()), hadoop_path


def _input_files(session: SparkSession, path: str) -> list[_File]:
    """The files to read at ``path`` (a file or a folder, searched recursively), in the order
    the local reader takes them."""
    try:
        fs, root = _file_system(session, path)
        if not fs.exists(root):
            raise InputError(f"{path}: no such file or folder / 文件或文件夹不存在")
        status = fs.getFileStatus(root)
    except InputError:
        raise
    except Exception as exc:  # py4j wraps Hadoop's exceptions (no credentials, unknown scheme …)
        raise InputError(f"{path}: Spark cannot read it ({exc}) / Spark 无法读取该路径") from exc
    if not status.isDirectory():
        name = root.getName()
        if PurePosixPath(name).suffix.lower() not in SUFFIXES:
            raise InputError(
                f"{path}: unsupported file type '{PurePosixPath(name).suffix}'; use .xlsx, .csv or .parquet / "
                "不支持的文件类型，请使用 .xlsx、.csv 或 .parquet")
        return [_File(status.getPath().toString(), name, (name,))]
    base = status.getPath().toString().rstrip("/") + "/"
    files = []
    listing = fs.listFiles(root, True)
    while listing.hasNext():
        found = listing.next()
        uri = found.getPath().toString()
        parts = tuple(uri[len(base):].split("/")) if uri.startswith(base) else (found.getPath().getName(),)
        name = parts[-1]
        if (PurePosixPath(name).suffix.lower() in SUFFIXES and not name.startswith((".", "~$"))
                and not any(p.startswith(".") for p in parts[:-1])):
            files.append(_File(uri, name, parts))
    if not files:
        raise InputError(f"{path}: the folder has no .xlsx, .csv or .parquet file / 文件夹中没有可读取的数据文件")
    return sorted(files, key=lambda f: f.parts)


def _head(session: SparkSession, file: _File, size: int | None = _SAMPLE_BYTES) -> bytes:
    """The first ``size`` bytes of ``file`` (all of it when ``size`` is None), read on the driver."""
    fs, hadoop_path = _file_system(session, file.uri)
    length = fs.getFileStatus(hadoop_path).getLen()
    wanted = length if size is None else min(size, length)
    stream = fs.open(hadoop_path)
    try:
        # commons-io is on Spark's class path; py4j hands a byte[] back as bytes
        data = _jvm(session).org.apache.commons.io.IOUtils.toByteArray(stream, int(wanted))
        return bytes(data)
    finally:
        stream.close()


def _csv_frame(session: SparkSession, file: _File,
               index: int) -> tuple[DataFrame, list[Issue], bool, dict[str, Heading]]:
    """One CSV file as a located frame (rows not numbered yet: ``_m`` and ``_block``); its header
    issues; whether it is read as GB18030."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    head = _head(session, file)
    complete = len(head) < _SAMPLE_BYTES
    encoding = "UTF-8"
    try:
        # a multi-byte character may be cut at the end of the sample
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
    except UnicodeDecodeError:
        try:
            codecs.getincrementaldecoder("gb18030")().decode(head, final=complete)
        except UnicodeDecodeError:
            raise InputError(f"{file.name}: not UTF-8 or GB18030 text / 文件编码无法识别，请另存为 UTF-8 CSV") from None
        encoding = "GB18030"
    text = head.decode("utf-8-sig" if encoding == "UTF-8" else "gb18030", errors="ignore")
    first_line = text.split("\n", 1)[0].rstrip("\r")
    headers = next(csv.reader([first_line]), [])
    mapping, issues = header_issues(Path(file.name), "", headers)
    columns = [f"c{i}" for i in range(len(headers))]
    schema = StructType([StructField(c, StringType(), True) for c in columns])

    def read(charset: str) -> DataFrame:
        return (session.read.schema(schema)
                .option("header", "false").option("encoding", charset).option("mode", "FAILFAST")
                .option("quote", '"').option("escape", '"').option("multiLine", "false")
                .csv(file.uri))

    frame = read(encoding)
    # an all-ASCII sample does not tell: the rest may be GB18030 (which UTF-8 reads as U+FFFD)
    if (encoding == "UTF-8" and not complete and head.isascii()
            and frame.filter(F.concat_ws("", *columns).contains("\ufffd")).limit(1).count()):
        frame = read("GB18030")
        encoding = "GB18030"
    by_header = {h: c for h, c in zip(headers, columns, strict=True)}
    plan, _ = column_plan(list(mapping), set(), file.name)
    plan = [(name, by_header[original] if original is not None else None, how) for name, original, how in plan]
    located = _located(frame.select(*columns, F.col("_metadata.file_block_start").alias("_block")), plan, [
        F.lit(file.name).alias("_file"), F.lit(index).cast("int").alias("_file_id"), F.lit("").alias("_sheet"),
        F.col("_block"),
    ])
    return located, issues, encoding == "GB18030", headings_of(mapping, headers)


def _numbered_csv(session: SparkSession, frames: list[DataFrame]) -> DataFrame:
    """CSV frames with ``_row``: the spreadsheet row of each record (header = row 1).

    Spark reads a file in splits, each a task; the records of a split come in file order, one
    after another within the task's partition. Each record gets ``monotonically_increasing_id()``
    (consecutive within a partition); one pass counts the records of each split (file, start
    offset) with their least id; a record's number in its file is then its id less its split's
    least id plus the records of the file's earlier splits. Only those counts (one row per split)
    come to the driver.
    """
    from pyspark.sql import functions as F

    union = frames[0]
    for frame in frames[1:]:
        union = union.unionByName(frame)
    union = union.withColumn("_m", F.monotonically_increasing_id())
    try:
        splits = (union.groupBy("_file_id", "_block").agg(F.count(F.lit(1)).alias("_n"), F.min("_m").alias("_first"))
                  .collect())
    except Exception as exc:  # FAILFAST: a malformed record (py4j/Spark raise many types)
        raise InputError(f"malformed CSV ({_first_line(exc)}) / CSV 格式错误") from exc
    offsets: list[tuple[int, int, int]] = []
    done: dict[int, int] = {}
    for split in sorted(splits, key=lambda s: (s["_file_id"], s["_block"])):
        before = done.get(split["_file_id"], 0)
        # record number (header = 0) = _m - _first + records before this split
        offsets.append((split["_file_id"], split["_block"], before - split["_first"]))
        done[split["_file_id"]] = before + split["_n"]
    table = session.createDataFrame(offsets, "_file_id int, _block long, _offset long")
    numbered = union.join(F.broadcast(table), ["_file_id", "_block"])
    numbered = numbered.withColumn("_row", (F.col("_m") + F.col("_offset") + 1).cast("long"))
    numbered = numbered.filter(F.col("_row") > 1)
    located = ["_file", "_file_id", "_sheet", "_row"]
    return numbered.select(*located, *(c for c in frames[0].columns if c not in (*located, "_block")))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    match = re.search(r"Malformed[^\n]*", text)
    return match.group(0) if match else text.splitlines()[0][:300] if text else type(exc).__name__


def _parquet_frame(session: SparkSession, file: _File, index: int) -> tuple[DataFrame, list[Issue]]:
    """One Parquet file as a located frame: rows numbered by their record number (first = 1)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import DecimalType, FractionalType, IntegralType

    try:
        frame = session.read.parquet(file.uri)
        fields = [f for f in frame.schema.fields if f.name not in LOCATION_COLUMNS]
    except Exception as exc:  # not a Parquet file: Spark raises several types
        raise InputError(f"{file.name}: not a readable Parquet file ({_first_line(exc)}) / 无法读取该 Parquet 文件") from exc
    numeric = {f.name for f in fields if isinstance(f.dataType, IntegralType | FractionalType | DecimalType)}
    plan, issues = column_plan([f.name for f in fields], numeric, file.name)
    located = _located(frame, plan, [
        F.lit(file.name).alias("_file"), F.lit(index).cast("int").alias("_file_id"), F.lit("").alias("_sheet"),
        (F.col("_metadata.row_index") + 1).cast("long").alias("_row"),
    ])
    return located, issues


def _arrow_frame(session: SparkSession, table: pa.Table, index: int) -> DataFrame:
    """An all-text located Arrow table (from the local xlsx/csv readers) as a located frame."""
    from pyspark.sql import functions as F

    frame = session.createDataFrame(table)
    plan: ColumnPlan = [(c, c, "parsed" if c in NUMERIC_COLUMNS else "text")
                        for c in table.column_names if c not in LOCATION_COLUMNS]
    return _located(frame, plan, [F.col("_file"), F.lit(index).cast("int").alias("_file_id"), F.col("_sheet"),
                                  F.col("_row").cast("long").alias("_row")])


def _union(frames: list[DataFrame]) -> DataFrame:
    union = frames[0]
    for frame in frames[1:]:
        union = union.unionByName(frame)
    return union


def _source(con: ibis.BaseBackend, frame: DataFrame, inputs: list[SourceInput], issues: list[Issue],
            headings: dict[str, dict[str, Heading]] | None = None) -> ActivitySource:
    """The located table as the run's view :data:`RAW_VIEW`, cached by the executors on first
    use: the plan reads it several times (distinct spellings, the accounting pass, products,
    lines), and its row numbers are then computed once."""
    from pyspark import StorageLevel

    frame = frame.persist(StorageLevel.MEMORY_AND_DISK)
    frame.createOrReplaceTempView(RAW_VIEW)
    previous = con._cached_dataframes.pop(RAW_VIEW, None)
    con._cached_dataframes[RAW_VIEW] = frame
    if previous is not None:
        previous.unpersist()
    return ActivitySource(table=con.table(RAW_VIEW), con=con, inputs=inputs, issues=issues,
                          headings=headings or {})


def read_activity(path: str | Path | InputFile, con: ibis.BaseBackend) -> ActivitySource:
    """:func:`greenmfg.accounting.reader.read_activity` on Spark: a file or folder on any path
    Spark reads (CSV and Parquet by Spark's readers, on the executors; a workbook, being small,
    read on the driver) or an uploaded file's bytes, as the located table.

    Raises
    ------
    InputError
        The path does not exist, has an unsupported type, or a file cannot be read at all.
    """
    session = _session(con)
    if isinstance(path, InputFile):
        if path.suffix.lower() not in (".xlsx", ".csv"):
            raise InputError(f"{path.name}: unsupported file type '{path.suffix}'; use .xlsx or .csv / "
                             "不支持的文件类型，请使用 .xlsx 或 .csv")
        table, found, sheet = read_xlsx_file(path) if path.suffix.lower() == ".xlsx" else (*read_csv_file(path), "")
        upload = [SourceInput(name=path.name, sheet=sheet, digest=hashlib.sha256(path.content).hexdigest())]
        return _source(con, _arrow_frame(session, table, 0), upload, list(found),
                       {path.name: file_headings(table)})
    files = _input_files(session, _text_path(path))
    issues: list[Issue] = []
    inputs: list[SourceInput] = []
    frames: list[DataFrame] = []
    csv_frames: list[DataFrame] = []
    headings: dict[str, dict[str, Heading]] = {}
    for index, file in enumerate(files):
        sheet = ""
        if file.suffix == ".parquet":
            frame, found = _parquet_frame(session, file, index)
            frames.append(frame)
        elif file.suffix == ".csv":
            frame, found, _, heads = _csv_frame(session, file, index)
            headings.setdefault(file.name, heads)  # rows name their file by its name, as on DuckDB
            csv_frames.append(frame)
        else:  # a workbook: small, read on the driver
            table, found, sheet = read_xlsx_file(InputFile(file.name, _head(session, file, None)))
            headings.setdefault(file.name, file_headings(table))
            frames.append(_arrow_frame(session, table, index))
        issues.extend(found)
        local = Path(file.uri[len("file:"):]) if file.uri.startswith("file:") else None
        inputs.append(SourceInput(name=file.name, sheet=sheet, path=local)
                      if local is not None and local.exists() else SourceInput(name=file.name, sheet=sheet))
    if csv_frames:
        frames.append(_numbered_csv(session, csv_frames))
    return _source(con, _union(frames), inputs, issues, headings)


def read_table(table: pa.Table | ir.Table, con: ibis.BaseBackend, *, name: str = "table") -> ActivitySource:
    """:func:`greenmfg.accounting.reader.read_table` on Spark: an Arrow table becomes a Spark
    frame (``createDataFrame`` from Arrow); an Ibis table on ``con`` is used where it is."""
    from pyspark.sql import functions as F

    session = _session(con)
    digest: str | None = None
    if isinstance(table, pa.Table):
        if "_row" not in table.column_names:
            table = table.append_column("file_row_number", pa.array(range(table.num_rows), pa.int64()))
        digest = table_digest(table)
        frame = session.createDataFrame(table)
    else:
        try:
            backend = table._find_backend(use_default=False)
        except IbisError:  # in-memory tables only (ibis.memtable): any backend takes them
            backend = con
        if backend is not con and not (is_spark(backend) and backend._session is session):
            return read_table(table.to_pyarrow(), con, name=name)
        if "_row" not in table.columns:
            table = table.mutate(file_row_number=ibis.row_number())
        con._run_pre_execute_hooks(table)
        frame = session.sql(con.compile(table))
    from pyspark.sql.types import DecimalType, FractionalType, IntegralType

    names = [f.name for f in frame.schema.fields if f.name not in (*LOCATION_COLUMNS, "file_row_number")]
    numeric = {f.name for f in frame.schema.fields
               if isinstance(f.dataType, IntegralType | FractionalType | DecimalType)}
    plan, issues = column_plan(names, numeric, name)
    present = set(frame.columns)
    location = [
        F.col("_file").cast("string").alias("_file") if "_file" in present else F.lit(name).alias("_file"),
        F.lit(0).cast("int").alias("_file_id"),
        F.coalesce(F.col("_sheet").cast("string"), F.lit("")).alias("_sheet") if "_sheet" in present
        else F.lit("").alias("_sheet"),
        F.col("_row").cast("long").alias("_row") if "_row" in present
        else (F.col("file_row_number") + 1).cast("long").alias("_row"),
    ]
    return _source(con, _located(frame, plan, location), [SourceInput(name=name, digest=digest)], issues)


# ---------------------------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------------------------

def write_parquet(con: ibis.BaseBackend, expr: ir.Table, path: str | Path) -> None:
    """``expr`` written as Parquet at ``path``: DuckDB one file; Spark a folder of part files
    written by the executors (nothing is collected)."""
    if not is_spark(con):
        con.to_parquet(expr, path)
        return
    con._run_pre_execute_hooks(expr)
    _session(con).sql(con.compile(expr)).write.mode("overwrite").parquet(_text_path(path))


def put_bytes(con: ibis.BaseBackend, path: str | Path, data: bytes) -> None:
    """Write a small file (provenance, parameter sets) at ``path``; on Spark any path Spark
    writes (``hdfs://``, ``s3a://`` …) through Hadoop's file system."""
    text = _text_path(path)
    if not is_spark(con) or "://" not in text or text.startswith("file://"):
        Path(text.removeprefix("file://")).write_bytes(data)
        return
    fs, hadoop_path = _file_system(_session(con), text)
    stream = fs.create(hadoop_path, True)
    try:
        stream.write(bytearray(data))
    finally:
        stream.close()
