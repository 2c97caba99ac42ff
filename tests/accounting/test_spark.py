"""The Spark engine gives what DuckDB gives: every facility-period and category within 1e-9
relative, the same products, warnings, derivation lines and located issues.

One local Spark (``local[2]``, small shuffles) for the module. Files are split into small pieces
(8 KB splits, Parquet row groups of 40 rows) so that numbering rows across Spark's splits is
exercised. Skipped, with the reason, where pyspark or Java is missing, unless
``GREENMFG_REQUIRE_SERVICES=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from greenmfg.accounting import account, account_table, result_document
from greenmfg.accounting.output import write_parquet
from greenmfg.accounting.reader import RAW_VIEW, _number_sql
from greenmfg.accounting.template_spec import COLUMNS
from greenmfg.demo import generate_region, write_region
from greenmfg.errors import ValidationFailed

from ..conftest import BASE, HEADER

pytestmark = [pytest.mark.slow,  # a local Spark: several seconds per run even on tiny inputs
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]  # pyspark on pandas 3
REQUIRE_SERVICES = os.environ.get("GREENMFG_REQUIRE_SERVICES") == "1"
MASTER = "local[2]"
CATEGORIES = ("combustion", "process", "purchased_electricity", "purchased_heat", "exported", "total",
              "scope1", "scope2")
ZH = {c.name: c.header_zh for c in COLUMNS}

# measured NCV, carbon content and oxidation rate, exported heat and electricity, process inputs
# and products (one process reported two ways), numbers written as people write them
EXTRA: list[dict[str, object]] = [
    {"item": "原煤", "quantity": "1,200.5", "unit": "吨", "flow": "消耗", "ncv": "21.5", "ncv_unit": "GJ/t",
     "oxidation_rate": "95%"},
    {"item": "raw coal", "quantity": "300", "unit": "kg", "flow": "consumed"},
    {"item": "焦炭", "quantity": " 80 ", "unit": "t", "flow": "消耗", "carbon_content": "0.0285",
     "carbon_content_unit": "tC/GJ"},
    {"item": "天然气", "quantity": "12", "unit": "万立方米", "flow": "消耗", "ncv": "389.31", "ncv_unit": "GJ/万Nm3"},
    {"item": "电力", "quantity": "5000", "unit": "千瓦时", "flow": "外购"},
    {"item": "电力", "quantity": "1.5e3", "unit": "kWh", "flow": "输出"},
    {"item": "热力", "quantity": "300", "unit": "GJ", "flow": "输出"},
    {"item": "蒸汽", "quantity": "40", "unit": "t", "flow": "外购", "steam_pressure": "1.0", "steam_temperature": "250"},
    {"item": "蒸汽", "quantity": "25", "unit": "t", "flow": "消耗", "steam_pressure": "0.6"},
    {"item": "石灰石", "quantity": "900", "unit": "t", "flow": "工艺"},
    {"item": "电极", "quantity": "100", "unit": "t", "flow": "工艺", "carbon_content": "0.82",
     "carbon_content_unit": "tC/t"},
    {"item": "熟料", "quantity": "700", "unit": "t", "flow": "产出"},
    # clinker with its measured CaO/MgO (less the non-carbonate CaO): the factor is computed per line
    {"item": "熟料", "quantity": "1,000,000", "unit": "吨", "flow": "产出", "facility_id": "K1", "clinker_cao": "65%",
     "clinker_mgo": "0.02", "clinker_cao_non_carbonate": "1 %"},
    # the steel guideline's flux beside the generic limestone: one method counts, the other is set aside
    {"item": "熔剂石灰石", "quantity": "850", "unit": "t", "flow": "工艺"},
    {"item": "原煤", "quantity": "50", "unit": "t", "flow": "消耗", "facility_id": "F2"},
    {"item": "电力", "quantity": "2", "unit": "MWh", "flow": "外购", "facility_id": "F2", "period": "2024-02"},
    {"item": "电力", "quantity": "7", "unit": "MWh", "flow": "外购", "enterprise_id": "E2", "region": "江苏",
     "enterprise_name": "二厂"},
]
# text that DuckDB's cast does or does not take as a number: both engines must agree on each
NUMBER_TEXTS = ["1,200.5", " 80 ", "95%", "5 %", "5%%", "1e5", "1.5E-3", ".5", "5.", "+5", "-5", "+-1", "-+1",
                "++1", "1_000", "1__0", "_1", "1_", "1.5_5", "1e1_0", "0x10", "inf", "-Infinity", "+inf",
                "NaN", "-nan", "1d", "1f", "1e", "e5", "1.2.3", "１２", "\t5", "5\n", "1\t5", "\u00a05", "5\u3000", "\u3000\t5", "\u200b5", "abc",
                "1e400", "1e-400", "--1", ".", "", "  ", "%", "1,5", "0.98", "98%"]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    reason = None
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        reason = "pyspark is not installed (make setup installs it)"
    if reason is None and not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        reason = "no Java runtime for Spark (make setup installs default-jre-headless)"
    if reason is not None:
        if REQUIRE_SERVICES:
            pytest.fail(reason + " (GREENMFG_REQUIRE_SERVICES=1: Spark is mandatory here)")
        pytest.skip(reason)
    session = (SparkSession.builder.master(MASTER).appName("greenmfg-tests")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
               .config("spark.sql.files.maxPartitionBytes", "8192")
               .config("spark.driver.memory", "1g").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session


@pytest.fixture
def whole_files(spark: Any) -> Iterator[None]:
    """Spark's default file splits (128 MB) for a test that does not check numbering across splits
    (``runs`` does, on 8 KB splits): the same plans, far fewer tasks."""
    spark.conf.set("spark.sql.files.maxPartitionBytes", str(128 * 1024 * 1024))
    yield
    spark.conf.set("spark.sql.files.maxPartitionBytes", "8192")


def _rows(rows: list[dict[str, object]], **override: object) -> list[dict[str, object]]:
    return [{h: {**BASE, **r, **override}.get(h) for h in HEADER} for r in rows]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of every kind of input: the demo region as CSV and (other enterprises) as
    Parquet, the extra rows as a GB18030 CSV with Chinese headers, as typed Parquet, as a
    workbook and as a CSV with quoted cells."""
    folder = tmp_path_factory.mktemp("spark-inputs")
    write_region(generate_region(enterprises=6, months=3, seed=5), folder / "a", "csv")
    other = generate_region(enterprises=6, months=2, seed=6)
    for column in ("enterprise_id", "facility_id"):
        other = other.set_column(other.column_names.index(column), column,
                                 pc.replace_substring(other.column(column), "DEMO-", "PQ-"))
    (folder / "b").mkdir()
    pq.write_table(other, folder / "b" / "activity.parquet", row_group_size=40)
    with (folder / "extra-gb18030.csv").open("w", encoding="gb18030", newline="") as handle:
        import csv

        writer = csv.writer(handle)
        writer.writerow([ZH[h] for h in HEADER])
        for row in _rows(EXTRA):
            writer.writerow(["" if row[h] is None else row[h] for h in HEADER])
    typed = pa.Table.from_pylist(_rows(EXTRA[4:-1], enterprise_id="E3", enterprise_name="三厂", region="320000"))
    for column in ("quantity", "ncv", "carbon_content", "oxidation_rate", "steam_pressure", "steam_temperature",
                   "clinker_cao", "clinker_mgo", "clinker_cao_non_carbonate", "clinker_mgo_non_carbonate"):
        values = [None if v in (None, "") else float(str(v).replace(",", "").replace("%", "").strip())
                  * (0.01 if "%" in str(v) else 1.0) for v in typed.column(column).to_pylist()]
        typed = typed.set_column(typed.column_names.index(column), column, pa.array(values, pa.float64()))
    pq.write_table(typed, folder / "typed.parquet")
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "数据"
    sheet.append(HEADER)
    for row in _rows(EXTRA[:6], enterprise_id="E4", enterprise_name="四厂", region="320000"):
        sheet.append([row[h] for h in HEADER])
    workbook.save(folder / "workbook.xlsx")
    # quoted cells with commas and quotes, an empty quoted cell: as pyarrow writes them
    quoted = _rows(EXTRA[:5], enterprise_id="E5", enterprise_name='示例, "企业"', region="320000")
    quoted[1]["ncv"] = ""
    pacsv.write_csv(pa.Table.from_pylist(quoted, schema=pa.schema([(h, pa.string()) for h in HEADER])),
                    folder / "quoted.csv")
    return folder


def _close(a: Any, b: Any, where: str) -> None:
    """Equal, but floats within 1e-9 relative."""
    if isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(a) and math.isnan(b)), \
            f"{where}: {a!r} != {b!r}"
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), f"{where}: keys {sorted(a)} != {sorted(b)}"
        for key in a:
            _close(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), f"{where}: {len(a)} != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def _results(document: dict[str, Any]) -> list[dict[str, Any]]:
    return document["results"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def runs(spark: Any, inputs: Path) -> tuple[Any, Any]:
    return account(inputs), account(inputs, engine="spark", spark_master=MASTER)


def test_every_result_product_warning_and_line_is_the_same(runs: tuple[Any, Any]) -> None:
    duck, spark_run = runs
    assert spark_run.con.name == "pyspark" and duck.con.name == "duckdb"
    expected, got = result_document(duck), result_document(spark_run)
    assert len(_results(expected)) > 40  # demo facility-periods of both regions and the extra rows
    keys = [(r["enterprise_id"], r["facility_id"], r["period"]) for r in _results(expected)]
    assert keys == [(r["enterprise_id"], r["facility_id"], r["period"]) for r in _results(got)]
    for want, have in zip(_results(expected), _results(got), strict=True):
        where = f"{want['enterprise_id']}/{want['facility_id']}/{want['period']}"
        _close(want["energy_tce"], have["energy_tce"], f"{where} energy_tce")
        for category in CATEGORIES:
            _close(want["emissions_tco2e"][category], have["emissions_tco2e"][category], f"{where} {category}")
        _close(want["products"], have["products"], f"{where} products")
        assert want["warnings"] == have["warnings"], where
        _close(want["lines"], have["lines"], f"{where} lines")
    # the cases the extra rows are there for did occur
    assert '示例, "企业"' in {r["enterprise_name"] for r in _results(got)}
    lines = [line for r in _results(got) for line in r["lines"]]
    assert {"exported", "process", "purchased_heat", "combustion"} <= {line["category"] for line in lines}
    assert any(p["ref"] == "measured" for line in lines for p in line["parameters"])
    clinker = [line for line in lines if any(p["name"] == "clinker_cao_content" for p in line["parameters"])]
    assert clinker and all(line["co2e_t"] > 0 for line in clinker)
    assert any(r["products"] for r in _results(got)) and any(r["warnings"] for r in _results(got))
    provenance = {k: v for k, v in got["provenance"].items() if k != "run_at_utc"}
    assert provenance == {k: v for k, v in expected["provenance"].items() if k != "run_at_utc"}


def test_rows_are_numbered_as_in_the_files_across_splits(runs: tuple[Any, Any], inputs: Path) -> None:
    duck, spark_run = runs
    columns = ["_file", "_file_id", "_sheet", "_row", "item", "quantity_number", "quantity"]
    want = duck.source.select(*columns).order_by(["_file", "_row"]).to_pyarrow()
    have = spark_run.source.select(*columns).order_by(["_file", "_row"]).to_pyarrow()
    assert have.to_pylist() == want.to_pylist()
    # the demo CSV spans several 8 KB splits, the Parquet file several row groups
    assert (inputs / "a" / "activity.csv").stat().st_size > 2 * 8192
    assert pq.ParquetFile(inputs / "b" / "activity.parquet").num_row_groups > 3
    rows = have.filter(pc.equal(have.column("_file"), "activity.csv")).column("_row").to_pylist()
    assert rows == list(range(2, len(rows) + 2))


def test_files_are_read_by_spark_not_collected(runs: tuple[Any, Any]) -> None:
    _, spark_run = runs
    plan = spark_run.con._session.table(RAW_VIEW)._jdf.queryExecution().executedPlan().toString()
    assert "FileScan csv" in plan and "FileScan parquet" in plan


def test_parquet_output_is_written_by_spark(runs: tuple[Any, Any], tmp_path: Path) -> None:
    duck, spark_run = runs
    write_parquet(duck, tmp_path / "duck.parquet")
    written = write_parquet(spark_run, tmp_path / "spark.parquet")
    assert (tmp_path / "spark.parquet").is_dir() and (tmp_path / "spark.lines.parquet").is_dir()
    assert len(written) == 5 and all(Path(p).exists() for p in written)
    for suffix, keys in ((".parquet", ["enterprise_id", "facility_id", "period"]),
                         (".products.parquet", ["enterprise_id", "facility_id", "period", "product"]),
                         (".lines.parquet", ["file_id", "row"]), (".parameter_sets.parquet", ["parameter_set"])):
        want = pq.read_table(tmp_path / f"duck{suffix}").sort_by([(k, "ascending") for k in keys])
        have = pq.read_table(tmp_path / f"spark{suffix}").sort_by([(k, "ascending") for k in keys])
        assert have.column_names == want.column_names, suffix
        _close(have.to_pylist(), want.to_pylist(), suffix)


def test_the_same_located_issues(spark: Any, whole_files: None, tmp_path: Path) -> None:
    table = generate_region(enterprises=3, months=2, seed=7, with_errors=True)
    table = table.cast(pa.schema([(f.name, pa.string()) for f in table.schema]))
    rows = table.to_pylist()
    rows[3]["quantity"] = "12 吨"  # not a number
    rows[5]["ncv"], rows[5]["ncv_unit"] = "1e", "GJ/t"
    rows[8]["period"] = "2024-13"
    write_region(pa.Table.from_pylist(rows, schema=table.schema), tmp_path, "csv")
    errors = []
    for engine in ("duckdb", "spark"):
        with pytest.raises(ValidationFailed) as raised:
            account(tmp_path / "activity.csv", engine=engine, spark_master=MASTER)
        errors.append(raised.value)
    duck, spark_error = errors
    assert duck.total > 5
    assert spark_error.total == duck.total
    assert [i.as_dict() for i in spark_error.issues] == [i.as_dict() for i in duck.issues]
    codes = {i.code for i in duck.issues}
    assert {"accounting.input.not_a_number", "accounting.input.bad_period", "accounting.input.duplicate_row"} <= codes


def test_arrow_table_on_spark(spark: Any) -> None:
    table = pa.Table.from_pylist(_rows(EXTRA), schema=pa.schema([(h, pa.string()) for h in HEADER]))
    duck = result_document(account_table(table, name="rows"))
    on_spark = result_document(account_table(table, name="rows", engine="spark", spark_master=MASTER))
    _close(_results(on_spark), _results(duck), "results")


def test_numbers_in_text_are_read_alike(spark: Any) -> None:
    from pyspark.sql import functions as F

    from greenmfg.accounting.engines import number_sql

    con = duckdb.connect()
    texts = pa.table({"t": pa.array(NUMBER_TEXTS, pa.string())})
    con.register("texts", texts)
    want = [r[0] for r in con.execute(f"SELECT {_number_sql('t')} FROM texts").fetchall()]
    frame = spark.createDataFrame(texts)
    have = [r[0] for r in frame.select(F.expr(number_sql("t"))).collect()]
    for text, x, y in zip(NUMBER_TEXTS, want, have, strict=True):
        assert (x is None and y is None) or (x is not None and y is not None and (
            x == y or (math.isnan(x) and math.isnan(y)))), f"{text!r}: DuckDB {x!r}, Spark {y!r}"
    assert want.count(None) > 10  # the list has text that is not a number


def test_engine_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="unknown engine"):
        account(Path("x.csv"), engine="polars")


def test_command_line_on_spark(spark: Any, whole_files: None, inputs: Path, tmp_path: Path) -> None:
    """``greenmfg benchmark`` and ``greenmfg account --format parquet`` with ``--engine spark``."""
    import json

    from typer.testing import CliRunner

    from greenmfg.cli import app

    runner = CliRunner()
    documents = []
    # the demo region's CSV: every kind of input is compared by the accounting parity test above;
    # here the benchmark's own plans and the command line's options on Spark
    for engine in ("duckdb", "spark"):
        out = tmp_path / f"benchmark-{engine}.json"
        result = runner.invoke(app, ["benchmark", str(inputs / "a"), "--engine", engine, "--spark-master", MASTER,
                                     "--format", "json", "-o", str(out)])
        assert result.exit_code == 0, result.output
        document = json.loads(out.read_text(encoding="utf-8"))
        document.pop("provenance", None)
        documents.append(document)
    _close(documents[1], documents[0], "benchmark")
    assert documents[0]["results"]
    target = tmp_path / "out" / "results.parquet"
    result = runner.invoke(app, ["account", str(inputs / "a"), "--engine", "spark", "--spark-master", MASTER,
                                 "--format", "parquet", "-o", str(target), "--no-lines"])
    assert result.exit_code == 0, result.output
    assert target.is_dir() and pq.read_table(target).num_rows == len(_results(result_document(account(inputs / "a"))))


def test_spark_master_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    from greenmfg.accounting.engines import SPARK_MASTER_ENV, spark_master

    monkeypatch.delenv(SPARK_MASTER_ENV, raising=False)
    assert spark_master() == "local[*]"
    monkeypatch.setenv(SPARK_MASTER_ENV, "spark://head:7077")
    assert spark_master() == "spark://head:7077"
    assert spark_master("local[3]") == "local[3]"


def test_decimal_casts_round_as_duckdb(spark: Any) -> None:
    """Exact sums cast each double to DECIMAL(38,10): Spark must round it as DuckDB does (the
    shortest spelling of one double in seven rounds otherwise in the last place)."""
    import random

    import ibis

    from greenmfg.accounting.engines import spark_backend

    rng = random.Random(3)
    values = [rng.uniform(-1, 1) * 10 ** rng.randint(-9, 8) for _ in range(3000)]
    values += [0.5e-10, 1.5e-10, 2.5e-10, -2.5e-10, 12.34567890125, 0.0, -0.0, 2e9, 123456789.123456789]
    table = ibis.memtable({"x": values}, schema={"x": "float64"})
    expr = table.select(d=table.x.cast("decimal(38, 10)"), s=table.x.cast("decimal(38, 10)").sum().over())
    want = ibis.duckdb.connect().to_pyarrow(expr).column("d").to_pylist()
    have = spark_backend(MASTER).to_pyarrow(expr).column("d").to_pylist()
    assert sorted(have) == sorted(want)
