"""The ``greenmfg`` command line: parse, call services, render. No formula lives here."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from greenmfg import __version__
from greenmfg.cli_output import Lang, Printout, number
from greenmfg.errors import GreenmfgError, ValidationFailed

if TYPE_CHECKING:
    from greenmfg.i18n import Translator

app = typer.Typer(help="greenmfg: energy (tce) and GHG (tCO2e) accounting per Chinese national standards.",
                  no_args_is_help=True, add_completion=False)
refdata_app = typer.Typer(help="Reference library: cited datasets and vocabularies.", no_args_is_help=True)
app.add_typer(refdata_app, name="refdata")

EXIT_BAD_INPUT = 2


class OutputFormat(StrEnum):
    """``--format`` of the commands that print a table or write JSON or a workbook (ets, cbam, benchmark,
    pathways scenario/decompose/macc)."""

    table = "table"
    json = "json"
    xlsx = "xlsx"


class AccountFormat(StrEnum):
    """``--format`` of ``greenmfg account``: also parquet (result tables for Spark or DuckDB)."""

    table = "table"
    json = "json"
    xlsx = "xlsx"
    parquet = "parquet"


class Basis(StrEnum):
    equivalent = "equivalent"
    equal_value = "equal-value"


class GridFactorYear(StrEnum):
    data = "data"
    latest = "latest"


_GRID_HELP = ("Electricity emission-factor dataset id; it names its series (the editions whose id differs only "
              "by the year), of which --grid-factor-year picks the year")
_GRID_YEAR_HELP = ("Which year's grid factor: 'data' = the factor of the data year (the nearest published year, "
                   "with a warning, when none is), 'latest' = the latest published factor of the series")


class FuelDefaults(StrEnum):
    methodology = "methodology"
    general = "general"
    ets = "ets"


_FUEL_DEFAULTS_HELP = ("Default fuel parameters: 'methodology' = the default table of the industry guideline that "
                       "applies to each enterprise (general table where none is encoded, with a warning), "
                       "'general' = the general table for every industry, 'ets' = the national carbon market's "
                       "guidelines for steel, cement and aluminium (their fuel and process tables), the industry "
                       "guidelines for the others")


def _methodologies(choice: FuelDefaults) -> str | None:
    """The options' ``methodologies`` for ``--fuel-defaults`` (the options' default, the ETS edition, or none)."""
    from greenmfg.accounting.parameters import AccountingOptions

    if choice is FuelDefaults.ets:
        from greenmfg.ets.methodology import ETS_METHODOLOGIES

        return ETS_METHODOLOGIES
    return None if choice is FuelDefaults.general else AccountingOptions().methodologies


class GridLevel(StrEnum):
    national = "national"
    regional = "regional"
    provincial = "provincial"


class EngineName(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


_ENGINE_HELP = "Engine that runs the plans: duckdb (in process) or spark"
_MASTER_HELP = "Spark master URL for --engine spark (default: $GREENMFG_SPARK_MASTER, else local[*])"
_INPUT_HELP = (".xlsx, .csv, .parquet or a folder of them; with --engine spark any path Spark reads "
               "(hdfs://…, s3a://…)")


def _input(path: str, engine: EngineName) -> str | Path:
    """The input as the engine takes it: a local path for DuckDB, the text for Spark (URIs)."""
    return path if engine is EngineName.spark else Path(path)


class DemoFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


def _console() -> Console:
    return Console(stderr=False, soft_wrap=False)


def _default_lang() -> Lang:
    locale = os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    return Lang.zh if locale.lower().startswith("zh") else Lang.both


def _locale(lang: Lang) -> str:
    """The locale of what a command writes (workbooks, PDF): English with ``--lang en``, else Chinese."""
    return "en" if lang is Lang.en else "zh-CN"


def _workbook_words(lang: Lang) -> Translator:
    """The language of a workbook's column headers: English with ``--lang en``, else Chinese."""
    from greenmfg.exports import export_translator

    return export_translator(locale=_locale(lang))


def _report_issues(error: ValidationFailed, lang: Lang) -> None:
    console = Console(stderr=True)
    title = {Lang.zh: f"输入有 {error.total} 处错误，未进行计算，未写出结果文件",
             Lang.en: f"{error.total} error(s) in the input: nothing was computed and no output was written",
             Lang.both: f"{error.total} error(s) in the input: nothing was computed and no output was written\n"
                        f"输入有 {error.total} 处错误，未进行计算，未写出结果文件"}[lang]
    console.print(f"[bold red]{title}[/]")
    for issue in error.issues:
        console.print(f"\n[bold cyan]✗ {escape(issue.location())}[/]  [dim]{issue.code}[/]")
        if lang in (Lang.en, Lang.both):
            console.print(f"  {escape(issue.message)}\n  [green]→ {escape(issue.fix)}[/]")
        if lang in (Lang.zh, Lang.both):
            console.print(f"  {escape(issue.message_zh)}\n  [green]→ {escape(issue.fix_zh)}[/]")
    if error.total > len(error.issues):
        more = error.total - len(error.issues)
        console.print(f"\n… {more} more not listed / 另有 {more} 处未列出")


def _fail(error: GreenmfgError) -> typer.Exit:
    Console(stderr=True).print(f"[bold red]error / 错误:[/] {error}")
    return typer.Exit(EXIT_BAD_INPUT)


def _write_json(document: object, output: Path | None) -> None:
    """A command's JSON document to ``output``, else to standard output."""
    text = json.dumps(document, ensure_ascii=False, indent=1)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")


def _needs_file(output_format: StrEnum, output: object, *to_file: StrEnum) -> None:
    """A format written only to a file (``to_file``: xlsx, pdf, parquet) without ``-o``: refused, exit 2."""
    if output_format in to_file and output is None:
        raise _fail(GreenmfgError(f"--format {output_format.value} needs -o FILE / 请用 -o 指定输出文件"))


@contextmanager
def _working(description: str) -> Iterator[Progress]:
    """A spinner with the time elapsed on standard error while the work runs (gone when it ends)."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as progress:
        progress.add_task(description, total=None)
        yield progress


def _written(*paths: object) -> None:
    """The files a command wrote, on standard error (None: not written)."""
    for path in paths:
        if path:
            Console(stderr=True).print(f"written / 已写出: {path}")


def _deliver(result: Any, output_format: OutputFormat, output: Path | None, lang: Lang, *,
             workbook: Callable[[Any, Path], object], document: Callable[[Any], object],
             printer: Callable[[Any, Console, Lang], None]) -> None:
    """The result of a table/json/xlsx command: its ``workbook`` written to ``output``, its JSON ``document`` to
    ``output`` or standard output, or its table (``printer``) with the JSON document to ``output`` when given."""
    with _input_errors(lang):
        if output_format is OutputFormat.xlsx:
            assert output is not None
            workbook(result, output)
        elif output_format is OutputFormat.json or output:
            _write_json(document(result), output)
    if output_format is OutputFormat.table:
        printer(result, _console(), lang)
    _written(output)


@contextmanager
def _input_errors(lang: Lang) -> Iterator[None]:
    """Bad input: its located errors and exit 2; any other refusal: its message and exit 2."""
    try:
        yield
    except ValidationFailed as error:
        _report_issues(error, lang)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except GreenmfgError as error:
        raise _fail(error) from None


@app.callback(invoke_without_command=True)
def _main(version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit()


@app.command()
def account(
    input_path: Annotated[str, typer.Argument(metavar="INPUT", help=_INPUT_HELP)],
    grid_factor: Annotated[str, typer.Option(help=_GRID_HELP)] = "grid_factors/mee-nbs-2023",
    grid_level: Annotated[GridLevel, typer.Option(help="Use national, regional or provincial factors")] = GridLevel.national,
    electricity_basis: Annotated[Basis, typer.Option(help="Standard-coal basis of electricity")] = Basis.equivalent,
    grid_factor_year: Annotated[GridFactorYear, typer.Option(help=_GRID_YEAR_HELP)] = GridFactorYear.data,
    fuel_defaults: Annotated[FuelDefaults, typer.Option(help=_FUEL_DEFAULTS_HELP)] = FuelDefaults.methodology,
    output_format: Annotated[AccountFormat, typer.Option("--format", help="Output format")] = AccountFormat.table,
    output: Annotated[str | None, typer.Option(
        "-o", "--output", help="Output file (json/xlsx/parquet; parquet with --engine spark: any path Spark "
                               "writes, results written as folders of part files)")] = None,
    lines: Annotated[bool, typer.Option(help="Write derivation lines with parquet output")] = True,
    lang: Annotated[Lang | None, typer.Option(help="Language of messages")] = None,
    engine: Annotated[EngineName, typer.Option(help=_ENGINE_HELP)] = EngineName.duckdb,
    spark_master: Annotated[str | None, typer.Option(help=_MASTER_HELP)] = None,
) -> None:
    """Account energy (tce) and GHG emissions (tCO2e) per facility and period."""
    from greenmfg.accounting.output import result_document, write_json, write_parquet, write_xlsx
    from greenmfg.accounting.parameters import AccountingOptions
    from greenmfg.accounting.service import account as run_account

    lang = lang or _default_lang()
    _needs_file(output_format, output, AccountFormat.xlsx, AccountFormat.parquet)
    options = AccountingOptions(grid_factor=grid_factor, grid_level=grid_level.value,
                                electricity_basis=electricity_basis.value, grid_factor_year=grid_factor_year.value,
                                methodologies=_methodologies(fuel_defaults))
    console = _console()
    with _input_errors(lang), _working("validating input / 校验输入…") as progress:
        run = run_account(_input(input_path, engine), options, engine=engine.value, spark_master=spark_master)
        progress.update(progress.task_ids[0], description="accounting / 核算…")
        if output_format is AccountFormat.json:
            _write_json(result_document(run), Path(output) if output else None)
        elif output_format is AccountFormat.xlsx:
            assert output is not None
            write_xlsx(run, Path(output), translator=_workbook_words(lang))
        elif output_format is AccountFormat.parquet:
            assert output is not None
            write_parquet(run, _input(output, engine), with_lines=lines)
        elif output:
            write_json(run, Path(output))
    if output_format is AccountFormat.table:
        _print_summary(run, console)
    _written(output)


def _print_summary(run: object, console: Console) -> None:
    from greenmfg.accounting.output import summary_by_industry
    from greenmfg.accounting.service import AccountingRun

    assert isinstance(run, AccountingRun)
    names = {k: v["name_zh"] for k, v in run.vocabulary.industries.items()}
    rows = summary_by_industry(run)
    table = Table(title="Energy and emissions by industry / 分行业综合能耗与碳排放",
                  caption="万tce = 10^4 tce; 万tCO2e = 10^4 tCO2e", title_style="bold")
    table.add_column("行业\nindustry", no_wrap=True)
    for header in ("企业\nfirms", "设施\nplants", "综合能耗\n万tce", "排放\n万tCO2e", "范围一\nscope 1",
                   "范围二\nscope 2"):
        table.add_column(header, justify="right", no_wrap=True)
    totals = [0.0] * 4
    for row in rows:
        values = [row["energy_tce"], row["total"], row["scope1"], row["scope2"]]
        totals = [a + b for a, b in zip(totals, values, strict=True)]
        table.add_row(names.get(row["industry"], row["industry"]), str(row["enterprises"]),
                      str(row["facilities"]), *(f"{v / 1e4:,.2f}" for v in values))
    table.add_section()
    table.add_row("合计 all", str(sum(r["enterprises"] for r in rows)), str(sum(r["facilities"] for r in rows)),
                  *(f"{v / 1e4:,.2f}" for v in totals), style="bold")
    console.print(table)


class EtsSector(StrEnum):
    auto = "auto"
    cement = "cement"
    aluminium = "aluminium"
    steel = "steel"


@app.command()
def ets(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help=".xlsx, .csv, .parquet or a folder of them "
                                                                    "(the template of greenmfg account)")],
    sector: Annotated[EtsSector, typer.Option(help="Sector: auto (from each unit's industry), cement, aluminium "
                                                   "or steel")] = EtsSector.auto,
    year: Annotated[int | None, typer.Option(min=2000, max=2100, help="Data year (default: every year of the "
                                                                    "input)")] = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="Output format")] = OutputFormat.table,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Output file (json/xlsx)")] = None,
    lang: Annotated[Lang | None, typer.Option(help="Language of messages and of the xlsx headers")] = None,
) -> None:
    """National carbon market (全国碳市场): covered emissions per month and year, unit and company, by the
    MEE guidelines for cement, aluminium and steel; purchased electricity shown as information only."""
    from greenmfg.ets.output import write_xlsx
    from greenmfg.ets.service import account_ets

    lang = lang or _default_lang()
    _needs_file(output_format, output, OutputFormat.xlsx)
    with _input_errors(lang), _working("accounting / 核算…"):
        result = account_ets(input_path, sector=sector.value, year=year)
    _deliver(result, output_format, output, lang, workbook=lambda r, path: write_xlsx(r, path, lang=_locale(lang)),
             document=lambda r: r.to_document(), printer=_print_ets)


@app.command()
def cbam(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help="The activity template of greenmfg account "
                                                                    "(.xlsx, .csv, .parquet or a folder): one facility "
                                                                    "per production process")],
    goods: Annotated[Path, typer.Option(help="Goods made (.csv/.xlsx): facility_id, period, cn_code, quantity, unit")],
    precursors: Annotated[Path | None, typer.Option(help="Precursors used (.csv/.xlsx): facility_id, period, "
                                                         "precursor_cn_code, quantity, unit and from_facility_id, or "
                                                         "see_direct, see_indirect, source, or neither (default value)")] = None,
    supplier: Annotated[list[Path] | None, typer.Option(help="A supplier's filled CBAM communication template (.xlsx); "
                                                             "a precursors row whose supplier column names it (its "
                                                             "file name or installation name) takes its SEE. Repeatable")] = None,
    year: Annotated[int | None, typer.Option(min=2026, max=2100, help="Year of import: mark-up, CBAM factor and price "
                                                                     "(default: the goods' latest year)")] = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="Output format")] = OutputFormat.table,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Output file (json/xlsx)")] = None,
    communication: Annotated[Path | None, typer.Option(help="Also write the EU communication template (.xlsx) for the "
                                                            "EU customer")] = None,
    price: Annotated[float | None, typer.Option(min=0, help="Certificate price [EUR/tCO2e] (default: the latest "
                                                            "published quarterly price of the year)")] = None,
    electricity_ef: Annotated[float | None, typer.Option(min=0, max=2, help="Actual electricity emission factor "
                                                                           "[tCO2/MWh] (direct link or power purchase "
                                                                           "agreement)")] = None,
    electricity_ef_source: Annotated[str, typer.Option(help="Evidence of the actual electricity factor")] = "",
    carbon_price: Annotated[float | None, typer.Option(min=0, help="Carbon price effectively paid in China "
                                                                   "[CNY/tCO2e] (national ETS)")] = None,
    carbon_price_share: Annotated[float, typer.Option(min=0, max=1, help="Share of the embedded emissions for which "
                                                                         "it was paid (not covered by free allocation)")] = 1.0,
    eur_per_cny: Annotated[float | None, typer.Option(min=0, help="Exchange rate [EUR per CNY]")] = None,
    carbon_price_source: Annotated[str, typer.Option(help="Source of the carbon price paid")] = "",
    lang: Annotated[Lang | None, typer.Option(help="Language of messages and of the xlsx headers")] = None,
) -> None:
    """EU CBAM (欧盟碳边境调节机制): specific embedded emissions of each good by CN code, the default value it
    replaces, the free-allocation adjustment, the carbon price paid and the estimated certificates."""
    from greenmfg.cbam.communication import write_communication
    from greenmfg.cbam.models import CbamOptions
    from greenmfg.cbam.output import write_xlsx
    from greenmfg.cbam.service import account_cbam

    lang = lang or _default_lang()
    _needs_file(output_format, output, OutputFormat.xlsx)
    options = CbamOptions(year=year, certificate_price_eur=price, electricity_ef=electricity_ef,
                          electricity_ef_source=electricity_ef_source, carbon_price_cny_per_t=carbon_price,
                          carbon_price_share=carbon_price_share, eur_per_cny=eur_per_cny,
                          carbon_price_source=carbon_price_source)
    with _input_errors(lang):
        with _working("accounting / 核算…"):
            result = account_cbam(input_path, goods, precursors, options=options, suppliers=supplier or ())
        if communication:
            write_communication(result, communication)
    _deliver(result, output_format, output, lang, workbook=lambda r, path: write_xlsx(r, path, lang=_locale(lang)),
             document=lambda r: r.to_document(), printer=_print_cbam)
    _written(communication)


def _print_cbam(result: object, console: Console, lang: Lang) -> None:
    from greenmfg.cbam.models import CbamResult

    assert isinstance(result, CbamResult)
    out = Printout.of(console, lang, width=160)
    words = out.words
    table = Table(title=words(f"欧盟CBAM隐含排放（{result.year}年进口）", f"EU CBAM embedded emissions (imports of {result.year})"),
                  caption=words("隐含排放强度单位 tCO2e/t；缺省值为中国值（含加成）；费用为估算",
                                "SEE in tCO2e/t; default = China value with mark-up; costs are estimates"),
                  title_style="bold")
    for chinese, english in (("工序", "process"), ("期间", "period")):
        table.add_column(words(chinese, english))
    table.add_column(words("CN编码", "CN code"), no_wrap=True, min_width=10)
    table.add_column(words("货物", "good"), max_width=24)
    for chinese, english in (("产量 t", "made t"), ("直接SEE", "SEE dir"), ("间接SEE", "SEE ind"), ("计入SEE", "SEE counted"),
                             ("隐含排放 tCO2e", "embedded tCO2e"), ("缺省值", "default"), ("证书", "certificates"),
                             ("费用 EUR", "cost EUR")):
        table.add_column(words(chinese, english), justify="right")
    for g in result.goods:
        table.add_row(escape(g.facility_id), g.period, g.cn_code, escape(words(g.name_zh, g.name_en)),
                      number(g.quantity_t, 1), number(g.see_direct, 4), number(g.see_indirect, 4),
                      number(g.see_counted, 4), number(g.embedded_t, 1), number(g.default_with_markup, 4),
                      number(g.certificates_t, 1), number(g.cost_eur, 0))
    out.print(table)
    for finding in result.findings:
        if finding.severity == "warning" and finding.code != "cbam.result.unverified_value":
            out.warn(words(finding.message_zh, finding.message))
    unverified = sum(1 for f in result.findings if f.code == "cbam.result.unverified_value")
    if unverified:
        out.print(words(f"结果使用了 {unverified} 项未经原文核实的参考数据，详见 json 或 xlsx 输出",
                        f"the result uses {unverified} reference value(s) not verified against the primary "
                        "text: see --format json or xlsx"))


class FootprintFormat(StrEnum):
    table = "table"
    json = "json"
    xlsx = "xlsx"
    pdf = "pdf"


class FootprintAllocation(StrEnum):
    rule = "rule"
    mass = "mass"
    economic = "economic"


class ElectricityFactor(StrEnum):
    footprint = "footprint"
    accounting = "accounting"


@app.command("footprint")
def footprint_command(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help="Activity data: .xlsx, .csv, .parquet or a "
                                                                    "folder of them (the template of greenmfg account)")],
    products: Annotated[Path, typer.Option(help="Products file (.csv/.xlsx): facility_id, period, product, quantity, "
                                                "unit, [price], [route]")],
    upstream: Annotated[Path | None, typer.Option(help="Upstream file (.csv/.xlsx) of purchased materials: "
                                                       "facility_id, period, material, quantity, unit, [factor, "
                                                       "factor_unit, factor_source]")] = None,
    year: Annotated[int | None, typer.Option(min=2000, max=2100, help="Sum the months of one year (default: each "
                                                                    "period of the files)")] = None,
    allocation: Annotated[FootprintAllocation, typer.Option(help="Between co-products: rule (the product rule's), "
                                                                 "mass or economic")] = FootprintAllocation.rule,
    electricity: Annotated[ElectricityFactor, typer.Option(help="Purchased electricity: footprint (life-cycle "
                                                                "electricity footprint factor) or accounting (the "
                                                                "accounting's grid CO2 factor)")] = ElectricityFactor.footprint,
    output_format: Annotated[FootprintFormat, typer.Option("--format", help="Output format")] = FootprintFormat.table,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Output file (json/xlsx/pdf)")] = None,
    lang: Annotated[Lang | None, typer.Option(help="Language of messages and of the xlsx and PDF")] = None,
) -> None:
    """Product carbon footprint (产品碳足迹), cradle to gate, GB/T 24067-2024 / ISO 14067: per product and period,
    kgCO2e per functional unit by life-cycle stage and gas, the allocation, data quality and derivation."""
    from greenmfg.footprint import FootprintOptions, footprint
    from greenmfg.footprint.output import result_document, workbook_bytes

    lang = lang or _default_lang()
    locale = _locale(lang)
    _needs_file(output_format, output, FootprintFormat.xlsx, FootprintFormat.pdf)
    with _input_errors(lang):
        with _working("footprint / 碳足迹核算…"):
            run = footprint(input_path, products, upstream, FootprintOptions(
                allocation=allocation.value, year=year, electricity=electricity.value))
        if output_format is FootprintFormat.xlsx:
            assert output is not None
            output.write_bytes(workbook_bytes(run, locale=locale))
        elif output_format is FootprintFormat.pdf:
            from greenmfg.footprint.report import render_pdf

            assert output is not None
            output.write_bytes(render_pdf(run, locale=locale))
        elif output_format is FootprintFormat.json or output:
            _write_json(result_document(run), output)
    if output_format is FootprintFormat.table:
        _print_footprint(run, _console(), lang)
    _written(output)


_ALLOCATION_NAMES = {"system_expansion": ("系统扩展", "system expansion"), "mass": ("质量分配", "by mass"),
                     "economic": ("经济价值分配", "by economic value"),
                     "single_product": ("单一产品，无需分配", "single product, no allocation")}


def _print_footprint(run: Any, console: Console, lang: Lang) -> None:
    out = Printout.of(console, lang, width=None)
    one = out.one
    stages = (("raw_material", "原材料获取", "Raw material acquisition"), ("upstream_energy", "燃料上游", "Upstream of fuels"),
              ("direct", "生产：直接排放", "Production, direct"), ("indirect_electricity", "生产：外购电力",
                                                                    "Production, purchased electricity"),
              ("indirect_heat", "生产：外购热力", "Production, purchased heat"), ("credits", "输出能源扣减",
                                                                               "Credits for exported energy"))
    for b, p in run.products:
        title = (f"{one(p.name_zh, p.name_en)} · {b.facility_id} · {b.period} · "
                 f"{one(p.functional_unit_zh, p.functional_unit_en)}")
        table = Table(title=escape(title), title_justify="left")
        table.add_column(one("阶段", "Stage"))
        table.add_column("kgCO2e / " + one("功能单位", "functional unit"), justify="right")
        for key, name_zh, name_en in stages:
            table.add_row(one(name_zh, name_en), number(p.by_stage[key]))
        table.add_row("[bold]" + one("碳足迹", "Carbon footprint") + "[/]", f"[bold]{number(p.footprint_kg)}[/]")
        out.print(table)
        method = one(*_ALLOCATION_NAMES.get(b.allocation, (b.allocation, b.allocation)))
        out.print(one("分配", "Allocation") + f": {method} ({p.share:.1%})  DQR {number(b.dqr)} "
                  f"({run.band_name(b.dqr, zh=out.lang is not Lang.en)})  " + one("一手数据占比", "primary data")
                  + f" {(b.primary_share or 0):.1%}")
    for warning in run.warnings:
        out.warn(one(warning.message_zh, warning.message))


def _print_ets(result: object, console: Console, lang: Lang) -> None:
    from greenmfg.ets.models import EtsResult
    from greenmfg.ets.output import period_rows

    assert isinstance(result, EtsResult)
    out = Printout.of(console, lang)
    words = out.words
    table = Table(title=words("全国碳市场覆盖排放（tCO2e）", "National carbon market: covered emissions (tCO2e)"),
                  caption=words("覆盖排放 = 化石燃料燃烧 + 工业生产过程 + 全氟化碳；外购电力仅作信息项，不计入",
                                "covered = combustion + process + PFCs; purchased electricity is information only"),
                  title_style="bold")
    for chinese, english in (("企业", "company"), ("设施/工序", "unit/process"), ("期间", "period")):
        table.add_column(words(chinese, english), no_wrap=True)
    for chinese, english in (("覆盖排放", "covered"), ("燃烧", "combustion"), ("过程", "process"), ("全氟化碳", "PFC"),
                             ("外购电力 tCO2", "electricity (info)")):
        table.add_column(words(chinese, english), justify="right", no_wrap=True)
    for level, enterprise_id, facility_id, process, row in period_rows(result):
        f = row.figures
        where = facility_id if level == "facility" else (process + (f" {facility_id}" if facility_id else "")
                                                         if level == "process" else words("合计", "total"))
        table.add_row(escape(enterprise_id), escape(where), row.period, *(number(v) for v in (
            f.covered_tco2e, f.combustion_tco2, f.process_tco2, f.pfc_tco2e, f.purchased_electricity_tco2)),
            style="bold" if level == "company" and len(row.period) == 4 else None)
    out.print(table)
    for finding in result.findings:
        if finding.severity == "warning":
            out.warn(words(finding.message_zh, finding.message))
    infos = sum(1 for f in result.findings if f.severity != "warning")
    if infos:
        out.print(words(f"另有 {infos} 条提示，详见 json 或 xlsx 输出",
                        f"{infos} more note(s): see --format json or xlsx"))


@app.command()
def benchmark(
    input_path: Annotated[str, typer.Argument(metavar="INPUT", help=_INPUT_HELP)],
    edition: Annotated[str | None, typer.Option(
        help="Edition of the benchmark/baseline levels: 2021 or 2023 (default: for each indicator the "
             "newest edition that has a value)")] = None,
    attributes: Annotated[Path | None, typer.Option(
        help="Facility attributes (.csv/.xlsx: enterprise_id, facility_id, attribute, value)")] = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="Output format")] = OutputFormat.table,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Output file (json/xlsx)")] = None,
    grid_factor: Annotated[str, typer.Option(help=_GRID_HELP)] = "grid_factors/mee-nbs-2023",
    grid_level: Annotated[GridLevel, typer.Option(help="Use national, regional or provincial factors")] = GridLevel.national,
    electricity_basis: Annotated[Basis, typer.Option(help="Standard-coal basis of electricity")] = Basis.equivalent,
    grid_factor_year: Annotated[GridFactorYear, typer.Option(help=_GRID_YEAR_HELP)] = GridFactorYear.data,
    fuel_defaults: Annotated[FuelDefaults, typer.Option(help=_FUEL_DEFAULTS_HELP)] = FuelDefaults.methodology,
    lang: Annotated[Lang | None, typer.Option(help="Language of messages")] = None,
    engine: Annotated[EngineName, typer.Option(help=_ENGINE_HELP)] = EngineName.duckdb,
    spark_master: Annotated[str | None, typer.Option(help=_MASTER_HELP)] = None,
) -> None:
    """Benchmark each product against the benchmark/baseline levels and the quota grades."""
    from greenmfg.accounting.parameters import AccountingOptions
    from greenmfg.accounting.service import account as run_account
    from greenmfg.benchmarking.output import benchmark_document, write_xlsx
    from greenmfg.benchmarking.service import BenchmarkOptions, benchmark_editions, resolve_edition
    from greenmfg.benchmarking.service import benchmark as run_benchmark
    from greenmfg.refdata import load_catalog

    lang = lang or _default_lang()
    _needs_file(output_format, output, OutputFormat.xlsx)
    try:
        resolve_edition(edition, benchmark_editions(load_catalog()))
    except GreenmfgError as error:
        raise _fail(error) from None
    options = AccountingOptions(grid_factor=grid_factor, grid_level=grid_level.value,
                                electricity_basis=electricity_basis.value, grid_factor_year=grid_factor_year.value,
                                methodologies=_methodologies(fuel_defaults))
    with _input_errors(lang), _working("validating input / 校验输入…") as progress:
        run = run_account(_input(input_path, engine), options, engine=engine.value, spark_master=spark_master)
        progress.update(progress.task_ids[0], description="benchmarking / 能效对标…")
        bench = run_benchmark(run, BenchmarkOptions(edition=edition, attributes=attributes))
    _deliver(bench, output_format, output, lang,
             workbook=lambda b, path: write_xlsx(b, path, translator=_workbook_words(lang)),
             document=benchmark_document, printer=_print_benchmark)


def _print_benchmark(bench: object, console: Console, lang: Lang = Lang.both) -> None:
    from rich import box

    from greenmfg.benchmarking.output import summary_by_indicator
    from greenmfg.benchmarking.service import BenchmarkRun
    from greenmfg.compliance.labels import class_label, grade_label

    assert isinstance(bench, BenchmarkRun)
    out = Printout.of(console, lang)
    summary = summary_by_indicator(bench)
    table = Table(title="Energy-efficiency benchmarking / 能效对标（标杆水平、基准水平与能耗限额等级）",
                  caption="classes 分类: at/better than benchmark 标杆 / between 之间 / worse than baseline 未达基准; "
                          "n/a = no value or no level 未分类. Savings at the same output 同产量节能量.",
                  title_style="bold", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("indicator 指标", overflow="fold", min_width=28, max_width=34)
    table.add_column("levels 标杆/基准", justify="right", no_wrap=True)
    for header in ("n", "标杆/之间/未达/n.a.", "限额 1/2/3/✗", "→标杆 tce", "→基准 tce"):
        table.add_column(header, justify="right", no_wrap=True)
    for row in summary:
        if row["indicator"] is None:
            continue
        levels = (f"{row['benchmark_level']:g}/{row['baseline_level']:g} {row['unit']}"
                  if row["benchmark_level"] is not None and row["baseline_level"] is not None else f"— {row['unit']}")
        edition = f" ({row['edition']})" if row["edition"] else ""
        classes = "/".join(str(row[c]) for c in ("benchmark", "between", "below_baseline", "not_classified"))
        grades = "/".join(str(row[f"grade_{g}"]) for g in ("1", "2", "3", "fails"))
        table.add_row(escape(f"{row['indicator']}{edition}\n{row['indicator_name_zh']}{row['variant_zh'] and '·' + row['variant_zh']}"),
                      levels, str(row["results"]), classes, grades, number(row["savings_to_benchmark_tce"], 0),
                      number(row["savings_to_baseline_tce"], 0))
    out.print(table)
    ranked = sorted((r for r in bench.results if r.savings_to_baseline_tce), key=lambda r: -(r.savings_to_baseline_tce or 0))
    if ranked:
        worst = Table(title="Largest savings to the baseline / 距基准水平节能潜力最大", title_style="bold",
                      box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for header in ("企业", "设施", "期间", "指标", "单位"):
            worst.add_column(header, no_wrap=True)
        for header in ("数值", "基准", "等级", "→基准 tce"):
            worst.add_column(header, justify="right", no_wrap=True)
        for r in ranked[:10]:
            worst.add_row(escape(r.enterprise_id), escape(r.facility_id), r.period, r.indicator or "", r.unit,
                          number(r.value), number(r.baseline_level),
                          out.label(grade_label, r.quota_grade),
                          number(r.savings_to_baseline_tce, 0))
        out.print(worst)
    if bench.works:
        works = Table(title="Iron and steel works by process / 钢铁联合企业吨钢综合能耗（工序能耗按钢比系数加权，"
                            "吨钢水平为推算值）", title_style="bold", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for header in ("企业", "期间"):
            works.add_column(header, no_wrap=True)
        for header in ("粗钢 t", "kgce/t", "标杆/基准", "分类", "等级", "→标杆 tce"):
            works.add_column(header, justify="right", no_wrap=True)
        for w in bench.works:
            works.add_row(escape(w.enterprise_id), w.period, number(w.output, 0), number(w.value, 1),
                          f"{number(w.benchmark_level, 1)}/{number(w.baseline_level, 1)}",
                          out.label(class_label, w.cls),
                          out.label(grade_label, w.quota_grade), number(w.savings_to_benchmark_tce, 0))
        out.print(works)
    without = [r for r in summary if r["indicator"] is None]
    if without:
        from greenmfg.refdata.vocabulary import load_vocabulary

        items = load_vocabulary().items

        def product_name(key: str) -> str:
            item = items.get(key)
            if item is None:
                return key
            return {Lang.zh: item.name_zh, Lang.en: item.name_en}.get(lang, f"{item.name_zh} {item.name_en}")

        listed = ", ".join(f"{product_name(r['product'])} ({r['results']})" for r in without)
        out.print(f"[dim]Products without an indicator or whose variant is undetermined / 无对标指标或类别未定: "
                  f"{escape(listed)}[/]")
    warnings = sum(len(r.warnings) for r in bench.results)
    out.print(f"[yellow]{warnings} warning(s) on {len(bench.results)} product result(s): unverified levels and "
              f"limits, assumed variants, boundaries; see --format json or xlsx / 共 {warnings} 条提示，"
              "详见 json 或 xlsx 输出[/]")


@refdata_app.command("list")
def refdata_list() -> None:
    """List the datasets of the reference library."""
    from greenmfg.refdata import load_catalog

    table = Table(title="greenmfg reference library / 参考数据库")
    table.add_column("id", no_wrap=True)
    for header in ("title", "标题", "publisher", "rows", "unverified", "sha256"):
        table.add_column(header)
    for dataset in load_catalog():
        rows = dataset.rows or dataset.records
        unverified = sum(1 for r in dataset.rows if r.needs_warning)
        table.add_row(dataset.id, dataset.info.title, dataset.info.title_zh, dataset.info.publisher,
                      str(len(rows)), str(unverified), dataset.info.sha256[:12])
    _console().print(table)


@refdata_app.command("show")
def refdata_show(dataset_id: Annotated[str, typer.Argument(metavar="ID")],
                 as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False) -> None:
    """Show one dataset: its catalog entry and every row with source and status."""
    from greenmfg.refdata import load_catalog

    try:
        dataset = load_catalog().dataset(dataset_id)
    except GreenmfgError as error:
        raise _fail(error) from None
    info = dataset.info
    if as_json:
        rows: list[dict[str, object]] = [dict(r) for r in dataset.records] or [
            {"key": r.key, "parameter": r.parameter, "value": r.value, "unit": r.unit, "source": r.source,
             "verification_status": r.verification_status, "notes": r.notes} for r in dataset.rows]
        typer.echo(json.dumps({"dataset": info.__dict__ if hasattr(info, "__dict__") else {
            f: getattr(info, f) for f in info.__slots__}, "rows": rows}, ensure_ascii=False, indent=1))
        return
    console = _console()
    console.print(f"[bold]{info.id}[/] — {info.title} / {info.title_zh}\npublisher: {info.publisher}; "
                  f"edition {info.edition}; valid {info.valid_from or '…'} – {info.valid_to or '…'}\n"
                  f"sha256 {info.sha256}\n{info.description}")
    table = Table(show_lines=False)
    if dataset.records:
        columns = list(dataset.records[0])
        for c in columns:
            table.add_column(c)
        for record in dataset.records:
            table.add_row(*(record.get(c, "") for c in columns))
    else:
        for c in ("key", "parameter", "value", "unit", "status", "source"):
            table.add_column(c, overflow="fold")
        for r in dataset.rows:
            style = None if not r.needs_warning else "yellow"
            table.add_row(r.key, r.parameter, "" if r.value is None else f"{r.value:g}", r.unit,
                          r.verification_status, r.source[:80], style=style)
    console.print(table)


@app.command()
def template(
    lang: Annotated[Lang, typer.Option(help="Header language (zh or en)")] = Lang.zh,
    output: Annotated[Path, typer.Option("-o", "--output", help="Template file (.xlsx or .csv)")] = Path("greenmfg-template.xlsx"),
) -> None:
    """Write the blank activity-data template with an instructions sheet."""
    from greenmfg.accounting.template import write_template

    try:
        write_template(output, lang="en" if lang is Lang.en else "zh")
    except GreenmfgError as error:
        raise _fail(error) from None
    _written(output)


@app.command("demo-data")
def demo_data(
    enterprises: Annotated[int, typer.Option(min=1, help="Number of enterprises")] = 30,
    months: Annotated[int, typer.Option(min=1, max=120, help="Number of months")] = 12,
    seed: Annotated[int, typer.Option(help="Random seed")] = 1,
    output_format: Annotated[DemoFormat, typer.Option("--format")] = DemoFormat.csv,
    with_errors: Annotated[bool, typer.Option("--with-errors", help="Inject realistic data errors")] = False,
    output: Annotated[Path, typer.Option("-o", "--output", help="Output folder")] = Path("demo-region"),
) -> None:
    """Write a realistic synthetic region in the template format."""
    from greenmfg.demo import generate_region, write_region

    with _working(f"generating {enterprises} enterprises × {months} months…"):
        table = generate_region(enterprises=enterprises, months=months, seed=seed, with_errors=with_errors)
        output.mkdir(parents=True, exist_ok=True)
        written = write_region(table, output, output_format.value)
    Console(stderr=True).print(f"{table.num_rows:,} rows written / 已写出: {', '.join(str(p) for p in written)}")


pathways_app = typer.Typer(help="Carbon-peak pathways: decomposition, scenarios with uncertainty, least-cost measures "
                                "/ 碳达峰路径：分解、情景与不确定性、最低成本措施.",
                           no_args_is_help=True)
app.add_typer(pathways_app, name="pathways")


@pathways_app.command("scenario")
def pathways_scenario(
    scenario_file: Annotated[Path, typer.Argument(metavar="SCENARIO_FILE", help="Scenario definition (.yaml): "
                                                  "see src/greenmfg/pathways/README.md")],
    base_from: Annotated[Path | None, typer.Option("--from", metavar="INPUT", help="Base year recorded (.csv/.xlsx: "
                                                   "sector, year, output, energy_tce, emissions_tco2e, [route])")] = None,
    draws: Annotated[int | None, typer.Option("--draws", min=0, max=100_000, help="Monte Carlo draws (default: the "
                                              "file's, else 1000; 0: none)")] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="Seed of the draws (default: the file's, else "
                                             "20260101)")] = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="Output format")] = OutputFormat.table,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Output file (json/xlsx)")] = None,
    lang: Annotated[Lang | None, typer.Option(help="Language of messages and of the xlsx")] = None,
) -> None:
    """Carbon-peak scenarios (碳达峰情景): baseline and policies to 2035-2060, peak year and plateau, cumulative
    emissions, dual-control targets and budgets; Monte Carlo bands when the file declares uncertainties."""
    from greenmfg.pathways.scenarios import scenario_pathways

    lang = lang or _default_lang()
    _needs_file(output_format, output, OutputFormat.xlsx)
    with _input_errors(lang):
        run = scenario_pathways(scenario_file, base_from=base_from, draws=draws, seed=seed)

    def workbook(run: Any, path: Path) -> None:
        from greenmfg.pathways.scenario_output import workbook_bytes

        path.write_bytes(workbook_bytes(run, locale=_locale(lang)))

    _deliver(run, output_format, output, lang, workbook=workbook, document=lambda r: r.to_document(),
             printer=_print_scenarios)


def _print_scenarios(run: Any, console: Console, lang: Lang) -> None:
    out = Printout.of(console, lang, joiner=" / ")
    words = out.words
    out.print(f"[bold]{escape(words(run.title_zh, run.title_en))}[/]")
    for s in run.scenarios:
        u = s.uncertainty
        table = Table(title=escape(words(s.name_zh, s.name_en)), title_justify="left")
        table.add_column(words("年份", "year"))
        table.add_column(words("能耗 tce", "energy tce"), justify="right")
        table.add_column(words("净排放 tCO2", "net tCO2"), justify="right")
        if s.carbon_intensity is not None:
            table.add_column(words("碳强度", "carbon intensity"), justify="right")
        if u is not None:
            table.add_column(words("排放 5%–95%", "5%-95% band"), justify="right")
            table.add_column(words("已达峰概率", "P(peaked)"), justify="right")
        shown = [i for i, y in enumerate(s.years) if y % 5 == 0 or i in (0, len(s.years) - 1)
                 or y == s.peak_year]
        for i in shown:
            cells = [str(s.years[i]), number(s.energy_tce[i], 0), number(s.total_tco2[i], 0)]
            if s.carbon_intensity is not None:
                cells.append(number(s.carbon_intensity[i], 4))
            if u is not None:
                cells += [f"{u.total_tco2.p5[i]:,.0f} – {u.total_tco2.p95[i]:,.0f}", f"{u.peak_probability[i]:.0%}"]
            table.add_row(*cells, style="bold" if s.years[i] == s.peak_year else None)
        out.print(table)
        peak = (words(f"达峰年份 {s.peak_year}，峰值 {s.peak_tco2:,.0f} tCO2", f"peak {s.peak_year}, "
                      f"{s.peak_tco2:,.0f} tCO2") if s.peaked else
                words(f"规划期内未达峰（{s.years[-1]} 年仍为最高）", f"no peak within the horizon (highest in {s.years[-1]})"))
        out.print(f"{peak}; " + words(f"平台期 {s.plateau[0]}–{s.plateau[1]}（峰值 ±{run.plateau_tolerance:.0%}）",
                                      f"plateau {s.plateau[0]}-{s.plateau[1]} (within {run.plateau_tolerance:.0%} "
                                      "of the peak)")
                  + "; " + words(f"累计排放 {s.cumulative_tco2:,.0f} tCO2", f"cumulative {s.cumulative_tco2:,.0f} tCO2"))
        if u is not None and u.peak_year_p50 is not None:
            out.print(words(f"蒙特卡洛 {u.draws} 次（种子 {u.seed}）：达峰年份 5%/50%/95% = "
                            f"{u.peak_year_p5}/{u.peak_year_p50}/{u.peak_year_p95}，未达峰比例 {u.not_peaked_share:.0%}",
                            f"Monte Carlo {u.draws} draws (seed {u.seed}): peak year 5/50/95 % = "
                            f"{u.peak_year_p5}/{u.peak_year_p50}/{u.peak_year_p95}, not peaked {u.not_peaked_share:.0%}"))
        for c in s.targets:
            state = words("无法核验", "not checkable") if c.met is None else (
                words("达标", "met") if c.met else words("未达标", "not met"))
            chance = "" if c.probability is None else f" ({words('概率', 'probability')} {c.probability:.0%})"
            note = f" — {words(c.note_zh, c.note_en)}" if c.note_en else ""
            out.print(f"  • {escape(words(c.name_zh, c.name_en))} {c.year}: {state}{chance}{escape(note)}")
    for w in run.warnings:
        if w.code != "pathways.scenario.unverified_reference":
            out.warn(words(w.message_zh, w.message))
    unverified = sum(1 for w in run.warnings if w.code == "pathways.scenario.unverified_reference")
    if unverified:
        out.print(words(f"结果依赖 {unverified} 个未经核实的参考值，详见 json 或 xlsx 输出",
                        f"the result depends on {unverified} unverified reference value(s): see --format json or xlsx"))


def main() -> None:
    app()


def _register_platform_commands() -> None:
    from greenmfg.platform_cli import register

    register(app)


_register_platform_commands()


greenfactory_app = typer.Typer(help="Green-manufacturing evaluations (GB/T 36132 green factory, green park, "
                               "green supply chain) / 绿色制造评价.", no_args_is_help=True)
app.add_typer(greenfactory_app, name="greenfactory")


class ReportLang(StrEnum):
    zh = "zh-CN"
    en = "en"


class EvaluationFormat(StrEnum):
    table = "table"
    json = "json"
    html = "html"
    pdf = "pdf"
    xlsx = "xlsx"


@greenfactory_app.command("template")
def greenfactory_template(
    framework: Annotated[str, typer.Argument(help="gbt36132-2025, gbt36132-2018, park-2024 or supply-chain-2024")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The .xlsx file to write")],
    lang: Annotated[ReportLang, typer.Option(help="Language of the labels and column headers")] = ReportLang.zh,
) -> None:
    """Write the xlsx input template of a framework."""
    from greenmfg.greenfactory.workbook import template

    try:
        from greenmfg.exports import export_translator

        output.write_bytes(template(framework, translator=export_translator(locale=lang.value)))
    except GreenmfgError as error:
        raise _fail(error) from None


@greenfactory_app.command("evaluate")
def greenfactory_evaluate(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help="input document (.json) or filled template (.xlsx)")],
    lang: Annotated[ReportLang, typer.Option(help="Language of the report")] = ReportLang.zh,
    output_format: Annotated[EvaluationFormat, typer.Option("--format", help="Output format")] = EvaluationFormat.table,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Output file (needed for pdf and xlsx)")] = None,
    organisation: Annotated[str, typer.Option(help="Name of the organisation on the report")] = "",
) -> None:
    """Score a self-evaluation offline (values are entered; the platform fills intensities from stored results)."""
    from greenmfg.greenfactory import report
    from greenmfg.greenfactory.evaluation import evaluate
    from greenmfg.greenfactory.workbook import locate, read_workbook

    messages = Lang.zh if lang is ReportLang.zh else Lang.en
    rows: list[int] = []
    try:
        if input_path.suffix.lower() == ".xlsx":
            document, rows = read_workbook(input_path.read_bytes(), file=input_path.name)
        else:
            document = json.loads(input_path.read_text(encoding="utf-8"))
        try:
            result = evaluate(document)
        except ValidationFailed as error:
            raise locate(error, rows, file=input_path.name) if rows else error from None
    except ValidationFailed as error:
        _report_issues(error, messages)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except (OSError, ValueError, GreenmfgError) as error:
        Console(stderr=True).print(f"[bold red]error / 错误:[/] {escape(str(error))}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    evaluation = {"result": result, "status": "draft", "id": None}
    name = organisation or str(result.get("title") or input_path.stem)
    _needs_file(output_format, output, EvaluationFormat.pdf, EvaluationFormat.xlsx)
    if output_format is EvaluationFormat.table:
        _print_evaluation(result, lang)
        return
    content: bytes
    if output_format is EvaluationFormat.json:
        content = json.dumps(result, ensure_ascii=False, indent=2).encode("utf-8")
    elif output_format is EvaluationFormat.html:
        content = report.render_html(evaluation, organisation=name, lang=lang.value).encode("utf-8")
    elif output_format is EvaluationFormat.pdf:
        content = report.render_pdf(evaluation, organisation=name, lang=lang.value)
    else:
        content = report.render_xlsx(evaluation, organisation=name, lang=lang.value)
    if output is None:
        sys.stdout.write(content.decode("utf-8") + "\n")
    else:
        output.write_bytes(content)


def _print_evaluation(result: dict[str, Any], lang: ReportLang) -> None:
    out = Printout.of(_console(), Lang.zh if lang is ReportLang.zh else Lang.en, width=None)
    one = out.one
    name = one("name_zh", "name_en")
    verdict = one("通过", "PASS") if result["passed"] else one("未通过", "FAIL")
    out.print(f"[bold]{verdict}[/]  {one('总分', 'total')} {float(result['total_score']):.2f} / "
              f"{float(result['max_score']):g}  ({one('通过分数线', 'pass mark')} "
              f"{float(result['pass_threshold']):g})")
    for reason in result["reasons"]:
        out.print(f"  {escape(reason[one('zh', 'en')])}")
    table = Table(title=one("一级指标得分", "Score by level-1 indicator"))
    for header in one(("指标", "得分", "满分"), ("indicator", "points", "max")):
        table.add_column(header)
    for row in result["by_level1"]:
        table.add_row(row[name], f"{row['points']:.2f}", f"{row['max_points']:g}")
    out.print(table)
    gaps = Table(title=one("差距清单", "Gap list"))
    for header in one(("#", "指标", "可提升分值"), ("#", "indicator", "recoverable")):
        gaps.add_column(header)
    for place, gap in enumerate(result["gaps"], start=1):
        gaps.add_row(str(place), gap[name], f"{gap['recoverable']:.2f}")
    out.print(gaps)
    for warning in result["warnings"]:
        out.warn(warning[one("zh", "en")])


class DecompositionMethod(StrEnum):
    additive = "additive"
    multiplicative = "multiplicative"


@pathways_app.command("decompose")
def pathways_decompose(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help=".csv or .xlsx: sector, year, output, energy_tce, "
                                               "emissions_tco2e (optional region, subsector, fuel, output_unit)")],
    base: Annotated[int, typer.Option(min=1900, max=2100, help="Base year")],
    target: Annotated[int, typer.Option(min=1900, max=2100, help="Target year")],
    method: Annotated[DecompositionMethod, typer.Option(help="Form shown first (both are computed)")] = (
        DecompositionMethod.additive),
    zero_value: Annotated[float | None, typer.Option(help="Small value δ replacing zeros (Ang: 1e-10 … 1e-20); "
                                                     "default: the analytical limit δ → 0")] = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="Output format")] = (
        OutputFormat.table),
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Output file (json/xlsx)")] = None,
    lang: Annotated[Lang | None, typer.Option(help="Language of messages and of the xlsx headers")] = None,
) -> None:
    """LMDI-I decomposition (Ang 2005/2015) of the change in CO2 and energy into activity, structure,
    energy-intensity and carbon-intensity (fuel mix, grid and fuel emission factors) effects."""
    from greenmfg.pathways.decomposition import decompose_file, workbook_bytes

    lang = lang or _default_lang()
    _needs_file(output_format, output, OutputFormat.xlsx)
    if zero_value is not None and not 0 < zero_value < 1e-6:
        raise _fail(GreenmfgError("--zero-value must lie between 0 and 1e-6 (Ang: 1e-10 … 1e-20) / "
                                  "--zero-value 须在 0 与 1e-6 之间（Ang 建议 1e-10 至 1e-20）"))
    with _input_errors(lang):
        result = decompose_file(input_path, base=base, target=target, method=method.value, zero_value=zero_value)
    _deliver(result, output_format, output, lang,
             workbook=lambda r, path: path.write_bytes(workbook_bytes(r, locale=_locale(lang))),
             document=lambda r: r.to_document(), printer=_print_decomposition)


def _print_decomposition(result: Any, console: Console, lang: Lang) -> None:
    from greenmfg.exports import export_translator
    from greenmfg.pathways.decomposition import EFFECT_WORDS

    zh_t = export_translator(locale="zh-CN")
    out = Printout.of(console, lang, joiner=" / ")
    words = out.words
    additive_first = result.method == "additive"
    for a in result.aggregates:
        title = words("碳排放（tCO2e）" if a.name == "emissions" else "能耗（tce）",
                      "Emissions (tCO2e)" if a.name == "emissions" else "Energy (tce)")
        table = Table(title=f"LMDI-I {result.base} → {result.target}: {title}", title_style="bold")
        table.add_column(words("效应", "effect"))
        columns = [(words("加法分解", "additive"), "additive"), (words("乘法分解", "multiplicative"), "multiplicative")]
        for header, _key in (columns if additive_first else columns[::-1]):
            table.add_column(header, justify="right", no_wrap=True)
        table.add_column(words("占总变化", "share"), justify="right")

        def cells(additive: float, multiplicative: float | None) -> list[str]:
            pair = [f"{additive:+,.4f}", "—" if multiplicative is None else f"{multiplicative:.4f}"]
            return pair if additive_first else pair[::-1]

        for e in a.effects:
            name = EFFECT_WORDS.get(e.key, e.key)
            table.add_row(escape(words(zh_t.gettext(name), name)), *cells(e.additive, e.multiplicative),
                          f"{e.additive / a.change:.1%}" if a.change else "—")
        table.add_row(words("总变化", "total change"), *cells(a.change, a.ratio), "100.0%" if a.change else "—",
                      style="bold")
        out.print(table)
        out.print(words(f"基年 {a.base_value:,.4f} → 目标年 {a.target_value:,.4f}",
                        f"base {a.base_value:,.4f} → target {a.target_value:,.4f}"))
        if a.zero_terms:
            out.print(f"[yellow]! {escape(words('含零值的项（按解析极限处理）：', 'terms with zero values (analytical limit): '))}"
                      f"{escape(', '.join(a.zero_terms))}[/]")
        if a.sign_change_terms:
            out.print(f"[yellow]! {escape(words('正负号变化的项（变化归于变号因素）：', 'terms changing sign (change given to the factor changing sign): '))}"
                      f"{escape(', '.join(a.sign_change_terms))}[/]")
        if a.ratio is None:
            out.print(words("总量跨越零或为零：乘法分解无定义，请看加法分解",
                            "the total crosses or is zero: the multiplicative form is not defined"))
    for finding in result.findings:
        out.warn(words(finding.message_zh, finding.message))


class MaccIndustry(StrEnum):
    steel = "steel"
    cement = "cement"
    aluminium = "aluminium"
    glass = "glass"
    chemicals = "chemicals"
    general = "general"


class MaccEtsSector(StrEnum):
    steel = "steel"
    cement = "cement"
    aluminium = "aluminium"


_ACTIVITY_HELP = ("Annual activity the library is counted per, KEY=QUANTITY (repeatable): crude_steel, clinker, "
                  "aluminium_liquid, flat_glass, ammonia [t]; motor_electricity, compressed_air_electricity, "
                  "lighting_electricity [MWh]; boiler_fuel [GJ]")


def _activities(texts: list[str]) -> dict[str, float]:
    """``KEY=QUANTITY`` options as a mapping; every bad one a located finding (raised together)."""
    from greenmfg.findings import Locator
    from greenmfg.pathways.macc import ACTIVITIES

    at = Locator(code_prefix="pathways.macc.input.")
    out: dict[str, float] = {}
    issues = []
    known = ", ".join(ACTIVITIES)
    for text in texts:
        key, _, quantity = text.partition("=")
        key = key.strip()
        if key not in ACTIVITIES:
            issues.append(at.finding("unknown_activity", "activity", text, f"'{key}' is not an activity of the library",
                                     f"“{key}”不是措施库的活动量", f"write KEY=QUANTITY with KEY one of {known}",
                                     f"请按 KEY=数量 填写，KEY 取 {known} 之一", row=None))
            continue
        try:
            value = float(quantity)
        except ValueError:
            value = float("nan")
        if not value > 0 or value == float("inf"):
            unit = ACTIVITIES[key][0]
            issues.append(at.finding("bad_activity", "activity", text, f"the quantity of {key} must be a number > 0 "
                                     f"[{unit}]", f"{ACTIVITIES[key][1]}必须是大于 0 的数（{unit}）",
                                     f"write e.g. {key}=1000000", f"请填写如 {key}=1000000", row=None))
            continue
        out[key] = value
    if issues:
        raise ValidationFailed(issues, len(issues))
    return out


@pathways_app.command("macc")
def pathways_macc(
    measures: Annotated[Path | None, typer.Argument(metavar="[MEASURES]", help="The enterprise's own measures (.csv/"
                                                                              ".xlsx): key, name, abatement_tco2e, "
                                                                              "capex_cny, lifetime_years …")] = None,
    industry: Annotated[list[MaccIndustry] | None, typer.Option(help="Library measures of these industries "
                                                                     "(repeatable)")] = None,
    activity: Annotated[list[str] | None, typer.Option(help=_ACTIVITY_HELP)] = None,
    target: Annotated[float | None, typer.Option(help="Abatement target [tCO2e/yr]")] = None,
    budget: Annotated[float | None, typer.Option(help="Emissions budget [tCO2e/yr] (needs --baseline)")] = None,
    baseline: Annotated[float | None, typer.Option(help="Emissions before any measure [tCO2e/yr]")] = None,
    capex_limit: Annotated[float | None, typer.Option(help="Investment limit of the portfolio [CNY]")] = None,
    discount_rate: Annotated[float, typer.Option(help="Discount rate [1/yr]")] = 0.08,
    electricity_price: Annotated[float | None, typer.Option(help="Electricity price [CNY/kWh]")] = None,
    fuel_price: Annotated[float | None, typer.Option(help="Fuel price [CNY/GJ]")] = None,
    grid_ef: Annotated[float | None, typer.Option(help="Grid emission factor [tCO2/MWh] (default: national "
                                                       "factor of grid_factors/mee-nbs-2023)")] = None,
    ets_sector: Annotated[MaccEtsSector | None, typer.Option(help="National carbon market sector: the allowance "
                                                                  "effect of the portfolio")] = None,
    ets_year: Annotated[int, typer.Option(min=2024, max=2100, help="Compliance year of the allocation rules")] = 2025,
    ets_emissions: Annotated[float | None, typer.Option(help="The line's covered emissions of the year [tCO2e]")] = None,
    ets_basis_emissions: Annotated[float | None, typer.Option(help="Emissions of the rule's intensity basis "
                                                                   "[tCO2e] (default: the covered emissions)")] = None,
    ets_output: Annotated[float | None, typer.Option(help="The line's output of the rule's product [t]")] = None,
    balance_value: Annotated[float | None, typer.Option(help="Balance value [tCO2/t] when the rule has none")] = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="Output format")] = OutputFormat.table,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Output file (json/xlsx)")] = None,
    lang: Annotated[Lang | None, typer.Option(help="Language of messages and of the xlsx headers")] = None,
) -> None:
    """Marginal abatement cost curve (边际减排成本曲线) and the least-cost portfolio of measures (HiGHS MILP) under
    an abatement target or an emissions budget, with its allowance effect in the national carbon market."""
    from greenmfg.pathways.macc import (
        EtsOptions,
        MaccOptions,
        library_measures,
        read_measures,
        run_macc,
    )
    from greenmfg.pathways.macc_output import write_xlsx

    lang = lang or _default_lang()
    _needs_file(output_format, output, OutputFormat.xlsx)
    ets = None
    if ets_sector is not None:
        ets = EtsOptions(ets_sector.value, ets_year, ets_emissions, ets_basis_emissions, ets_output, balance_value)
    options = MaccOptions(discount_rate=discount_rate, electricity_price=electricity_price, fuel_price=fuel_price,
                          grid_ef=grid_ef, target=target, budget=budget, baseline=baseline, capex_limit=capex_limit,
                          ets=ets)
    with _input_errors(lang):
        rows = read_measures(measures) if measures is not None else []
        findings: list[Any] = []
        if industry or activity:
            quantities = _activities(activity or [])
            if not quantities:
                raise GreenmfgError("library measures need the enterprise's activity: give --activity KEY=QUANTITY "
                                    "(e.g. crude_steel=1000000) / 措施库需要企业活动量：请用 --activity 给出，如 "
                                    "crude_steel=1000000")
            library, findings = library_measures(quantities, options,
                                                 industries=[i.value for i in industry] if industry else None)
            rows += library
        if not rows:
            raise GreenmfgError("no measures: give a MEASURES file or --industry/--activity for the library / "
                                "没有措施：请给出措施文件，或用 --industry/--activity 选用措施库")
        result = run_macc(rows, options, findings=findings)
    _deliver(result, output_format, output, lang, workbook=lambda r, path: write_xlsx(r, path, lang=_locale(lang)),
             document=lambda r: r.to_document(), printer=_print_macc)


def _print_macc(result: object, console: Console, lang: Lang) -> None:
    from greenmfg.pathways.macc import MaccResult

    assert isinstance(result, MaccResult)
    out = Printout.of(console, lang, width=160)
    words = out.words
    chosen = set(result.portfolio.chosen)
    table = Table(title=words("边际减排成本曲线", "Marginal abatement cost curve"),
                  caption=words(f"折现率 {result.options.discount_rate:.1%}；★ 入选最低成本组合",
                                f"discount rate {result.options.discount_rate:.1%}; ★ in the least-cost portfolio"),
                  title_style="bold")
    table.add_column(words("措施", "measure"), max_width=40)
    for chinese, english in (("减排量 tCO2e/年", "abatement tCO2e/yr"), ("成本 元/tCO2e", "MAC CNY/tCO2e"),
                             ("年化成本 元/年", "cost CNY/yr"), ("累计减排 tCO2e/年", "cumulative tCO2e/yr")):
        table.add_column(words(chinese, english), justify="right")
    for step in result.curve:
        m = result.measure(step.key)
        mark = "★ " if step.key in chosen else "  "
        table.add_row(mark + escape(words(m.name_zh, m.name_en)), number(step.abatement, 1),
                      number(step.marginal_cost, 1), number(step.annualised_cost, 0),
                      number(step.cumulative_abatement, 1))
    out.print(table)
    p = result.portfolio
    if p.feasible:
        out.print(words(
            f"最低成本组合：{len(p.chosen)} 项措施，减排 {p.abatement:,.1f} tCO2e/年（其中直接排放 {p.covered_abatement:,.1f}），"
            f"年化净成本 {p.annualised_cost:,.0f} 元/年，投资 {p.capex:,.0f} 元",
            f"Least-cost portfolio: {len(p.chosen)} measures, {p.abatement:,.1f} tCO2e/yr abated ({p.covered_abatement:,.1f} "
            f"direct), annualised net cost {p.annualised_cost:,.0f} CNY/yr, investment {p.capex:,.0f} CNY"))
    effect = result.allowance_effect
    if effect is not None and effect.delta_allowances is not None and effect.delta_net is not None:
        out.print(words(f"配额变化 {effect.delta_allowances:,.0f} tCO2e；配额盈缺改善 {effect.delta_net:,.0f} tCO2e",
                        f"allowances change {effect.delta_allowances:,.0f} tCO2e; position improves by "
                        f"{effect.delta_net:,.0f} tCO2e"))
    for finding in result.findings:
        if finding.severity in ("warning", "error"):
            out.warn(words(finding.message_zh, finding.message))
