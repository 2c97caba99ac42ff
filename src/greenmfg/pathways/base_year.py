"""The recorded base year of a scenario (``--from INPUT``): a sheet of output, energy and emissions per sector.

Columns (by key, Chinese header or alias): ``sector``, ``year``, ``output``, ``energy_tce``,
``emissions_tco2e`` and optionally ``route`` — the decomposition's input layout, so one file feeds
both. Rows of other years are ignored; every bad cell of a base-year row is a located finding.
"""

from __future__ import annotations

from pathlib import Path

from greenmfg.errors import Finding, ValidationFailed
from greenmfg.pathways.scenario_file import ScenarioFile
from greenmfg.sheets import Column, RowChecker, read_sheet

__all__ = ["BASE_COLUMNS", "read_base_year"]

#: the domain of the findings' codes: the footprint's, as when this file was first read by its reader (the
#: scenario tests name them so); pathways.input. would match the decomposition that reads the same layout
_CODE_PREFIX = "footprint.input."

BASE_COLUMNS: tuple[Column, ...] = (
    Column("sector", "行业", True, "the sector key of the scenario file (steel, cement …)", "情景文件中的行业 key（steel、cement……）",
           ("部门", "industry")),
    Column("route", "工艺路线", False, "a route key of the sector (optional)", "该行业的工艺路线 key（可选）", ("路线", "sub_sector")),
    Column("year", "年份", True, "the year, e.g. 2020", "年份，如 2020", ("period", "期间")),
    Column("output", "产量", True, "output in the sector's unit", "按行业单位计的产量", ("activity", "产出")),
    Column("energy_tce", "综合能耗", True, "energy consumption [tce]", "综合能源消费量（tce）", ("能耗", "energy")),
    Column("emissions_tco2e", "碳排放", True, "CO2 emissions [tCO2e]", "二氧化碳排放量（tCO2e）", ("排放", "emissions")),
)


def read_base_year(path: Path, scenario_file: ScenarioFile) -> dict[tuple[str, str | None], tuple[float, float, float]]:
    """(sector, route or None) → (output, energy [tce], emissions [tCO2e]) of the scenario's base year.

    Raises
    ------
    ValidationFailed
        A header or a cell of a base-year row is wrong, a sector or route is not in the scenario, or the
        file has no row of the base year.
    """
    issues: list[Finding] = []
    sheet = read_sheet(path, BASE_COLUMNS, ("base-year file", "基准年文件"), issues, code_prefix=_CODE_PREFIX)
    check = RowChecker(sheet, BASE_COLUMNS, issues, code_prefix=_CODE_PREFIX)
    sectors = {s.key: {r.key for r in s.routes} for s in scenario_file.scenarios[0].sectors}
    out: dict[tuple[str, str | None], tuple[float, float, float]] = {}
    year_text = str(scenario_file.base_year)
    for row, cells in check.rows():
        if cells.get("year", "").split(".")[0].split("-")[0] != year_text:
            continue
        sector = check.required(row, cells, "sector")
        route = cells.get("route") or None
        output = check.number(row, cells, "output", positive=True)
        energy = check.number(row, cells, "energy_tce", positive=False)
        emissions = check.number(row, cells, "emissions_tco2e", positive=False)
        if sector is not None and sector not in sectors:
            check.add(row, "sector", sector, "unknown_sector", f"the scenario file has no sector '{sector}'",
                      f"情景文件中没有行业“{sector}”", f"use one of {', '.join(sectors)}", f"请使用：{'、'.join(sectors)}")
            continue
        if sector is not None and route is not None and route not in sectors[sector]:
            check.add(row, "route", route, "unknown_route", f"sector {sector} has no route '{route}'",
                      f"行业 {sector} 没有工艺路线“{route}”", f"use one of {', '.join(sorted(sectors[sector]))}",
                      "请使用该行业已有的工艺路线")
            continue
        if sector is None or output is None or energy is None or emissions is None:
            continue
        if (sector, route) in out:
            check.add(row, "sector", sector, "duplicate_row", f"a second {year_text} row for {sector} {route or ''}",
                      f"{sector} {route or ''} 的 {year_text} 年数据重复", "keep one row", "请只保留一行")
            continue
        out[(sector, route)] = (output, energy, emissions)
    if not issues and not out:
        issues.append(check.at.finding("no_base_year", "year", year_text, f"no row of the base year {year_text}",
                                       f"没有基准年 {year_text} 的数据行", f"add rows with year {year_text}",
                                       f"请添加年份为 {year_text} 的数据行", row=None))
    if issues:
        raise ValidationFailed(issues[:100], len(issues))
    return out
