"""Least-cost measures: the measures library, the enterprise's own measures, the marginal abatement
cost curve (MACC), the least-cost portfolio under a target or an emissions budget, and its allowance
effect in the national carbon market.

Inputs (ONE place each)
    * the library: ``refdata/data/pathway_measures`` and ``pathway_energy_uses`` (newest edition),
      instantiated for the enterprise's annual activities (:func:`library_measures`: t of crude steel,
      clinker, aluminium, glass, ammonia; MWh of a motor, compressed-air or lighting system; GJ of
      boiler fuel);
    * the enterprise's own measures: a .csv/.xlsx file (:func:`read_measures`, located errors in
      Chinese and English, all-or-nothing) or the energy-saving diagnosis of its equipment register
      (:func:`measures_from_checks`, :func:`diagnosis_measures`);
    * factors and prices: the grid factor of ``grid_factors/mee-nbs-2023`` (national) unless given;
      electricity and fuel prices from the diagnosis's documented assumptions
      (:data:`greenmfg.diagnosis.service.ASSUMPTIONS`) unless given;
    * the allocation rules of the national carbon market: :func:`greenmfg.ets.allowances.rules_for`.

What
    :func:`run_macc`: each measure's annualised cost and MAC (:mod:`greenmfg.calc.macc`), the curve,
    the least-cost portfolio (HiGHS MILP; interactions as the multiplicative remaining share of a shared
    energy use; exclusive groups) and, for a company of the national carbon market, the allowance
    effect of the portfolio's covered (direct) abatement through
    :func:`greenmfg.calc.ets_allowances.measure_effect` — the what-if of the allowances page.
    :meth:`MaccResult.to_document` is the JSON shape a page, the API and the command line share.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from greenmfg import __version__
from greenmfg.calc import macc as calc
from greenmfg.calc.ets_allowances import Baseline, MeasureEffect, measure_effect
from greenmfg.errors import Finding, ValidationFailed
from greenmfg.findings import Locator
from greenmfg.refdata import load_catalog
from greenmfg.refdata.catalog import WARNING_FREE_STATUSES
from greenmfg.refdata.words import reference_name, status_name
from greenmfg.sheets import Column, RowChecker, read_sheet

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from greenmfg.accounting.reader import InputFile
    from greenmfg.diagnosis.service import Check
    from greenmfg.orgs.access import Principal

__all__ = ["ACTIVITIES", "DEFAULT_DISCOUNT_RATE", "DIAGNOSIS_LIFETIMES", "GRID_DATASET", "MEASURE_COLUMNS",
           "EtsOptions", "MaccOptions", "MaccResult", "MeasureRow", "diagnosis_measures", "library_measures",
           "measures_from_checks", "read_measures", "run_macc"]

#: the discount rate when none is given [1/yr]: greenmfg's assumption (a typical industrial hurdle rate)
DEFAULT_DISCOUNT_RATE = 0.08
#: the grid-factor dataset of the library's electricity savings (national row ``CN``)
GRID_DATASET = "grid_factors/mee-nbs-2023"
#: GJ per tce (GB/T 2589-2020: 1 kgce = 29.3076 MJ)
GJ_PER_TCE = 29.3076
#: activity key → (unit, Chinese, English) of the quantities the library is counted per
ACTIVITIES: Mapping[str, tuple[str, str, str]] = {
    "crude_steel": ("t", "粗钢产量", "crude steel output"),
    "clinker": ("t", "熟料产量", "clinker output"),
    "aluminium_liquid": ("t", "电解铝液产量", "primary aluminium output"),
    "flat_glass": ("t", "平板玻璃产量", "flat glass output"),
    "ammonia": ("t", "合成氨产量", "ammonia output"),
    "motor_electricity": ("MWh", "电机系统年用电量", "annual electricity of motor systems"),
    "compressed_air_electricity": ("MWh", "空压系统年用电量", "annual electricity of compressed-air systems"),
    "lighting_electricity": ("MWh", "照明年用电量", "annual electricity of lighting"),
    "boiler_fuel": ("GJ", "锅炉年燃料消耗", "annual boiler fuel"),
}
#: lifetime [yr] of an equipment replacement from the diagnosis: greenmfg's assumptions (warned)
DIAGNOSIS_LIFETIMES: Mapping[str, float] = {"motor": 15.0, "pump": 15.0, "fan": 15.0, "air_compressor": 12.0,
                                            "transformer": 25.0, "industrial_boiler": 20.0}
_INPUT = "pathways.macc.input."


def _warning(code: str, message: str, message_zh: str, *, fix: str = "", fix_zh: str = "",
             severity: str = "warning", value: str = "") -> Finding:
    return Finding(f"pathways.macc.{code}", message, fix, message_zh, fix_zh, severity=severity, value=value)


# ------------------------------------------------------------------------------------ measures


@dataclass(frozen=True, slots=True)
class MeasureRow:
    """One measure of the enterprise with its words, numbers per year and where it comes from.

    ``origin``: ``library`` (a library row for the enterprise's activity), ``file`` (its own measures
    file) or ``diagnosis`` (an equipment replacement of the energy-saving diagnosis). Money in CNY,
    abatement in tCO2e per year; ``covered_tco2e`` the direct part (fuel, process) that a national
    carbon market covers.
    """

    key: str
    name_zh: str
    name_en: str
    origin: str
    abatement_tco2e: float
    covered_tco2e: float
    capex_cny: float
    opex_change_cny: float
    energy_saving_cny: float
    lifetime_years: float
    industry: str = ""
    group: str | None = None
    energy_use: str | None = None
    energy_use_zh: str = ""
    energy_use_en: str = ""
    use_emissions_tco2e: float | None = None
    electricity_saved_mwh: float | None = None
    fuel_saved_gj: float | None = None
    applicability_zh: str = ""
    applicability_en: str = ""
    verification_status: str = ""
    reference: str = ""
    source: str = ""
    derivation: tuple[str, ...] = ()

    @property
    def unverified(self) -> bool:
        return self.origin == "library" and self.verification_status not in WARNING_FREE_STATUSES

    def for_calc(self) -> calc.MaccMeasure:
        return calc.MaccMeasure(self.key, self.abatement_tco2e, self.capex_cny, self.opex_change_cny,
                                self.energy_saving_cny, self.lifetime_years, group=self.group,
                                energy_use=self.energy_use, use_emissions=self.use_emissions_tco2e,
                                covered=self.covered_tco2e)


def _number(text: str | None) -> float:
    text = (text or "").strip()
    return float(text) if text else 0.0


@dataclass(frozen=True, slots=True)
class _Factors:
    grid_tco2_per_mwh: float
    grid_reference: str
    grid_status: str
    electricity_price: float
    fuel_price: float


def _factors(options: MaccOptions) -> tuple[_Factors, list[Finding]]:
    from greenmfg.diagnosis.service import ASSUMPTIONS

    findings: list[Finding] = []
    if options.grid_ef is not None:
        grid, reference, status = options.grid_ef, "given", "user"
    else:
        row = load_catalog().dataset(GRID_DATASET).get("CN", "ef")
        assert row is not None and row.value is not None
        grid, reference, status = row.value, row.reference(), row.verification_status
        if row.needs_warning:
            findings.append(_warning(
                "unverified_grid_factor",
                f"the grid factor {grid} tCO2/MWh ({reference_name(reference, zh=False)}) is "
                f"{status_name(status, zh=False)}, not verified",
                f"电网排放因子 {grid} tCO2/MWh（{reference_name(reference, zh=True)}）为{status_name(status, zh=True)}，未经核实",
                value=reference))
    electricity = options.electricity_price
    fuel = options.fuel_price
    if electricity is None or fuel is None:
        findings.append(_warning(
            "assumed_prices",
            f"energy is valued at greenmfg's rough default prices where none was given (electricity "
            f"{ASSUMPTIONS['electricity_price_cny_per_kwh']} CNY/kWh, fuel "
            f"{ASSUMPTIONS['fuel_price_cny_per_tce'] / GJ_PER_TCE:.2f} CNY/GJ): an assumption, not a cited value",
            f"未提供价格时按 greenmfg 粗略默认价格计算节能收益（电价 {ASSUMPTIONS['electricity_price_cny_per_kwh']} "
            f"元/kWh，燃料 {ASSUMPTIONS['fuel_price_cny_per_tce'] / GJ_PER_TCE:.2f} 元/GJ），属假设值，非引用数据",
            fix="give --electricity-price and --fuel-price", fix_zh="请用 --electricity-price 和 --fuel-price 给出价格"))
    return _Factors(
        grid_tco2_per_mwh=grid, grid_reference=reference, grid_status=status,
        electricity_price=electricity if electricity is not None else ASSUMPTIONS["electricity_price_cny_per_kwh"],
        fuel_price=fuel if fuel is not None else ASSUMPTIONS["fuel_price_cny_per_tce"] / GJ_PER_TCE,
    ), findings


def library_measures(activities: Mapping[str, float], options: MaccOptions, *,
                     industries: Iterable[str] | None = None) -> tuple[list[MeasureRow], list[Finding]]:
    """The library's measures for the enterprise's annual ``activities`` (activity key → quantity in
    the unit of :data:`ACTIVITIES`), those of ``industries`` only when given.

    Per measure: abatement = Q × (kWh × EF_grid / 1000 + GJ × EF_fuel(use) + other direct) [tCO2e/yr],
    covered part = Q × (GJ × EF_fuel + other direct), investment = Q × capex, energy value =
    Q × (kWh × price_e + GJ × price_fuel); the use's emissions E_u = Q × (its kWh × EF_grid / 1000 +
    GJ × EF_fuel + process). A measure that abates nothing at these factors is left out (info).
    """
    findings: list[Finding] = []
    factors, more = _factors(options)
    findings += more
    uses_data = load_catalog().newest("pathway_energy_uses")
    measures_data = load_catalog().newest("pathway_measures")
    uses = {r["key"]: r for r in uses_data.records}
    wanted = set(industries) if industries is not None else None
    rows: list[MeasureRow] = []
    for record in measures_data.records:
        industry, activity = record["industry"], record["activity"]
        if wanted is not None and industry not in wanted:
            continue
        quantity = activities.get(activity)
        if quantity is None or quantity <= 0:
            continue
        use = uses.get(record["energy_use"]) if record["energy_use"] else None
        fuel_factor = _number(use["fuel_tco2_per_gj"]) if use else 0.0
        kwh, gj, other = (_number(record["electricity_saved_kwh"]), _number(record["fuel_saved_gj"]),
                          _number(record["direct_other_tco2e"]))
        if gj and not fuel_factor:
            fuel_factor = float(_number(uses["general.steam"]["fuel_tco2_per_gj"]))
        electricity_t = quantity * kwh * factors.grid_tco2_per_mwh / 1000.0
        covered = quantity * (gj * fuel_factor + other)
        abatement = electricity_t + covered
        unit = record["activity_unit"]
        if abatement <= 0:
            findings.append(_warning(
                "no_abatement", f"{record['name_en']}: abates nothing at a grid factor of "
                f"{factors.grid_tco2_per_mwh:g} tCO2/MWh (its extra electricity outweighs its saving); left out",
                f"{record['name_zh']}：在电网排放因子 {factors.grid_tco2_per_mwh:g} tCO2/MWh 下无减排量（增加的用电超过节约），未纳入",
                severity="info", value=record["key"]))
            continue
        use_emissions = None
        if use is not None:
            use_emissions = quantity * (_number(use["electricity_kwh"]) * factors.grid_tco2_per_mwh / 1000.0
                                        + _number(use["fuel_gj"]) * _number(use["fuel_tco2_per_gj"])
                                        + _number(use["process_tco2e"]))
        capex = quantity * _number(record["capex_cny"])
        opex = quantity * _number(record["opex_change_cny"])
        saving = quantity * (kwh * factors.electricity_price + gj * factors.fuel_price)
        derivation = (
            f"A = {quantity:g} {unit} × ({kwh:g} kWh × {factors.grid_tco2_per_mwh:g} tCO2/MWh / 1000 + {gj:g} GJ × "
            f"{fuel_factor:g} tCO2/GJ + {other:g} tCO2e) = {abatement:.3f} tCO2e/yr",
            f"CAPEX = {quantity:g} {unit} × {_number(record['capex_cny']):g} CNY = {capex:.2f} CNY; "
            f"ΔOPEX = {quantity:g} × {_number(record['opex_change_cny']):g} = {opex:.2f} CNY/yr",
            f"S = {quantity:g} × ({kwh:g} kWh × {factors.electricity_price:g} CNY/kWh + {gj:g} GJ × "
            f"{factors.fuel_price:.4g} CNY/GJ) = {saving:.2f} CNY/yr",
        )
        rows.append(MeasureRow(
            key=record["key"], name_zh=record["name_zh"], name_en=record["name_en"], origin="library",
            abatement_tco2e=abatement, covered_tco2e=covered, capex_cny=capex, opex_change_cny=opex,
            energy_saving_cny=saving, lifetime_years=_number(record["lifetime_years"]), industry=industry,
            group=record["exclusive_group"] or None, energy_use=record["energy_use"] or None,
            energy_use_zh=use["name_zh"] if use else "", energy_use_en=use["name_en"] if use else "",
            use_emissions_tco2e=use_emissions, electricity_saved_mwh=quantity * kwh / 1000.0,
            fuel_saved_gj=quantity * gj, applicability_zh=record["applicability_zh"],
            applicability_en=record["applicability_en"], verification_status=record["verification_status"],
            reference=f"{measures_data.id}:{record['key']}", source=record["source"], derivation=derivation))
    unverified = [r for r in rows if r.unverified]
    if unverified:
        findings.append(_warning(
            "unverified_library",
            f"{len(unverified)} library measures use values that are not verified (mostly recalled orders of "
            f"magnitude): {'; '.join(r.name_en for r in unverified)}. The curve and the portfolio depend on them: "
            "replace them with quotes for your plant",
            f"{len(unverified)} 项措施库措施的数值未经核实（多为经验估计的量级）：{'；'.join(r.name_zh for r in unverified)}。"
            "曲线和组合依赖这些数值，请以本厂报价替换", value=" ".join(r.key for r in unverified)))
    unverified_uses = sorted({r.energy_use for r in rows if r.energy_use and uses[r.energy_use]["verification_status"]
                              not in WARNING_FREE_STATUSES})
    if unverified_uses:
        findings.append(_warning(
            "unverified_energy_use",
            f"the emissions of the energy uses {'; '.join(uses[u]['name_en'] for u in unverified_uses)} (how measures "
            "on them interact) are recalled typical values",
            f"用能环节 {'；'.join(uses[u]['name_zh'] for u in unverified_uses)} 的排放（决定同一环节措施的相互影响）为经验典型值",
            value=" ".join(unverified_uses)))
    return rows, findings


#: the columns of an enterprise's measures file (key, Chinese header, required, help, aliases)
MEASURE_COLUMNS: tuple[Column, ...] = (
    Column("key", "措施编号", True, "a short unique code of the measure", "措施的唯一编号", ("编号", "code", "id")),
    Column("name", "措施名称", True, "the measure in words", "措施名称", ("名称", "措施", "measure")),
    Column("abatement_tco2e", "年减排量", True, "tCO2e avoided per year when the measure runs alone, > 0",
           "单独实施时每年减少的排放（tCO2e），大于 0", ("减排量", "abatement")),
    Column("capex_cny", "投资", True, "investment in CNY, ≥ 0", "投资额（元），不小于 0", ("投资额", "capex", "investment")),
    Column("opex_change_cny", "年运行费用变化", False, "change of the yearly operating cost other than energy in CNY "
           "(negative: cheaper)", "每年非能源运行费用的变化（元，减少为负）", ("运行费用变化", "opex_change", "opex")),
    Column("energy_saving_cny", "年节能收益", False, "value of the energy saved per year in CNY",
           "每年节约能源的价值（元）", ("节能收益", "energy_saving", "saving")),
    Column("lifetime_years", "寿命", True, "years the measure lasts, > 0", "措施寿命（年），大于 0",
           ("寿命年限", "使用年限", "lifetime")),
    Column("exclusive_group", "互斥组", False, "alternatives share a group: at most one of a group is chosen",
           "互为替代的措施填写相同的组名，同组至多选一项", ("互斥", "group")),
    Column("energy_use", "用能环节", False, "measures acting on the same energy use share a name and reduce each "
           "other's abatement", "作用于同一用能环节的措施填写相同名称，其减排量相互影响", ("环节", "use")),
    Column("use_emissions_tco2e", "用能环节排放", False, "emissions of the energy use per year before any measure "
           "(tCO2e; needed when two measures share a use)", "该用能环节实施措施前的年排放（tCO2e，两项以上措施共用环节时必填）",
           ("环节排放", "use_emissions")),
    Column("covered_tco2e", "直接排放减排量", False, "the part of the abatement that is direct emissions (fuel, "
           "process), counted by the national carbon market; default: all of it", "减排量中属于直接排放（燃料、过程）的部分，"
           "全国碳市场计入；缺省为全部", ("直接减排量", "covered")),
)


def read_measures(source: Path | InputFile) -> list[MeasureRow]:
    """The enterprise's own measures from a .csv/.xlsx file (first sheet, header row).

    Raises
    ------
    ValidationFailed
        Any bad cell, a missing column, a duplicate code, or measures sharing an energy use with a
        missing or different ``use_emissions_tco2e`` or an abatement above it: every problem located
        (file, sheet, row, column) in Chinese and English; nothing is returned.
    """
    issues: list[Finding] = []
    sheet = read_sheet(source, MEASURE_COLUMNS, ("measures file", "措施文件"), issues, code_prefix=_INPUT)
    check = RowChecker(sheet, MEASURE_COLUMNS, issues, code_prefix=_INPUT)
    rows: list[tuple[int, MeasureRow]] = []
    seen: dict[str, int] = {}
    for row, cells in check.rows():
        before = len(issues)
        key = check.required(row, cells, "key")
        name = check.required(row, cells, "name")
        abatement = check.number(row, cells, "abatement_tco2e", positive=True)
        capex = check.number(row, cells, "capex_cny", positive=False)
        opex = check.number(row, cells, "opex_change_cny", positive=False, required=False, signed=True)
        saving = check.number(row, cells, "energy_saving_cny", positive=False, required=False, signed=True)
        lifetime = check.number(row, cells, "lifetime_years", positive=True)
        use_emissions = check.number(row, cells, "use_emissions_tco2e", positive=True, required=False)
        covered = check.number(row, cells, "covered_tco2e", positive=False, required=False, signed=True)
        if lifetime is not None and lifetime > 100:
            check.add(row, "lifetime_years", cells.get("lifetime_years"), "out_of_range",
                      "the lifetime must be at most 100 years", "寿命不得超过 100 年", "write the years the measure "
                      "lasts, e.g. 15", "请填写措施的寿命年数，如 15")
        if key is not None and key in seen:
            check.add(row, "key", key, "duplicate_key", f"the code {key} is already used on row {seen[key]}",
                      f"编号 {key} 已在第 {seen[key]} 行使用", "give each measure its own code", "请为每项措施填写不同的编号")
        elif key is not None:
            seen[key] = row
        if len(issues) > before or None in (key, name, abatement, capex, lifetime):
            continue
        assert key and name and abatement is not None and capex is not None and lifetime is not None
        rows.append((row, MeasureRow(
            key=key, name_zh=name, name_en=name, origin="file", abatement_tco2e=abatement,
            covered_tco2e=abatement if covered is None else covered, capex_cny=capex,
            opex_change_cny=opex or 0.0, energy_saving_cny=saving or 0.0, lifetime_years=lifetime,
            group=cells.get("exclusive_group") or None, energy_use=cells.get("energy_use") or None,
            energy_use_zh=cells.get("energy_use") or "", energy_use_en=cells.get("energy_use") or "",
            use_emissions_tco2e=use_emissions, reference=f"{sheet.name} row {row}", source=sheet.name)))
    _check_uses(rows, check)
    if issues:
        raise ValidationFailed(issues, len(issues))
    return [r for _, r in rows]


def _check_uses(rows: Sequence[tuple[int, MeasureRow]], check: RowChecker) -> None:
    by_use: dict[str, list[tuple[int, MeasureRow]]] = {}
    for row, measure in rows:
        if measure.energy_use:
            by_use.setdefault(measure.energy_use, []).append((row, measure))
    for use, members in by_use.items():
        if len(members) < 2:
            continue
        if len(members) > calc.MAX_SHARED:
            row, _ = members[calc.MAX_SHARED]
            check.add(row, "energy_use", use, "too_many_on_use", f"more than {calc.MAX_SHARED} measures act on the "
                      f"energy use {use}", f"作用于用能环节 {use} 的措施超过 {calc.MAX_SHARED} 项",
                      "split the use into smaller parts", "请将该用能环节拆分")
            continue
        first = next((m.use_emissions_tco2e for _, m in members if m.use_emissions_tco2e is not None), None)
        for row, measure in members:
            value = measure.use_emissions_tco2e
            if value is None:
                check.add(row, "use_emissions_tco2e", "", "missing_use_emissions",
                          f"{len(members)} measures act on the energy use {use}: its emissions are needed to "
                          "combine them", f"{len(members)} 项措施作用于用能环节 {use}，需填写该环节的排放才能合并计算",
                          "fill in the use's yearly emissions before any measure (tCO2e)",
                          "请填写该环节实施措施前的年排放（tCO2e）")
            elif first is not None and abs(value - first) > 1e-9 * max(1.0, abs(first)):
                check.add(row, "use_emissions_tco2e", value, "inconsistent_use_emissions",
                          f"the energy use {use} has {first:g} tCO2e on another row",
                          f"用能环节 {use} 在其他行填写的排放为 {first:g} tCO2e", "write the same emissions on every "
                          "row of the use", "同一用能环节各行的排放应相同")
            elif measure.abatement_tco2e > value:
                check.add(row, "abatement_tco2e", measure.abatement_tco2e, "abatement_above_use",
                          f"the measure abates more than its energy use emits ({value:g} tCO2e)",
                          f"减排量超过了所在用能环节的排放（{value:g} tCO2e）", "check the abatement or the use's emissions",
                          "请核对减排量或该环节的排放")


def measures_from_checks(checks: Sequence[Check]) -> tuple[list[MeasureRow], list[Finding]]:
    """The replacement measures of the energy-saving diagnosis (:func:`greenmfg.diagnosis.service.
    check_equipment`) as MACC measures: abatement = the avoided tCO2 of the saved electricity (not
    covered by the national carbon market), investment = the replacement cost, energy value = the
    cost saving, lifetime = :data:`DIAGNOSIS_LIFETIMES` (an assumption, warned); one exclusive group
    per item (replacing it one way). Items without tCO2 (boilers: fuel in tce only; no grid factor)
    are left out with a finding."""
    rows: list[MeasureRow] = []
    findings: list[Finding] = []
    left_out: list[str] = []
    for check in checks:
        m = check.measure
        if m is None:
            continue
        if m.tco2 is None or m.tco2 <= 0:
            left_out.append(check.code)
            continue
        lifetime = DIAGNOSIS_LIFETIMES.get(check.kind, 15.0)
        rows.append(MeasureRow(
            key=f"diagnosis.{check.code}", name_zh=f"{check.name}：{m.target_zh}", name_en=f"{check.name}: {m.target}",
            origin="diagnosis", abatement_tco2e=m.tco2, covered_tco2e=0.0, capex_cny=m.replacement_cost_cny,
            opex_change_cny=0.0, energy_saving_cny=m.cost_saving_cny, lifetime_years=lifetime,
            group=f"equipment.{check.equipment_id}", electricity_saved_mwh=(m.kwh or 0.0) / 1000.0,
            fuel_saved_gj=m.tce * GJ_PER_TCE if m.kwh is None else None,
            reference=f"diagnosis equipment {check.code}", source="greenmfg.diagnosis",
            derivation=(m.basis, m.basis_zh)))
    if rows:
        findings.append(_warning(
            "assumed_lifetime", "the lifetimes of equipment replacements are greenmfg's assumptions ("
            + ", ".join(f"{k.replace('_', ' ')} {v:g} yr" for k, v in DIAGNOSIS_LIFETIMES.items()) + ")",
            "设备更换措施的寿命为 greenmfg 的假设值（电机、泵、风机 15 年，空压机 12 年，变压器 25 年，锅炉 20 年）"))
    if left_out:
        findings.append(_warning(
            "diagnosis_without_tco2", f"diagnosis measures without avoided tCO2 left out: {', '.join(left_out)}",
            f"未计算二氧化碳减排量的诊断措施未纳入：{', '.join(left_out)}", value=" ".join(left_out)))
    return rows, findings


def diagnosis_measures(session: Session, principal: Principal, enterprise_id: int, year: int, *,
                       electricity_price: float | None = None, fuel_price: float | None = None
                       ) -> tuple[list[MeasureRow], list[Finding]]:
    """The enterprise's equipment-register measures for ``year`` (access by
    :func:`greenmfg.orgs.access.get_enterprise`; NotFound when the caller may not see it)."""
    from greenmfg.diagnosis import service as diagnosis
    from greenmfg.orgs.access import get_enterprise

    enterprise = get_enterprise(session, principal, enterprise_id)
    factors, findings = diagnosis.factors_for(enterprise, year, electricity_price=electricity_price,
                                              fuel_price=fuel_price)
    checks = diagnosis.check_equipment(diagnosis.equipment_for(session, enterprise.id), factors)
    rows, more = measures_from_checks(checks)
    return rows, [*findings, *more]


# ------------------------------------------------------------------------------------ the run


@dataclass(frozen=True, slots=True)
class EtsOptions:
    """The company's national-carbon-market line for the allowance effect: its ``sector`` (steel,
    cement, aluminium) and compliance ``year``; for a balance-value rule the year's covered emissions,
    the emissions of the intensity basis [tCO2e] and the output [t] (and the balance value [tCO2/t]
    when the rule has none)."""

    sector: str
    year: int
    emissions: float | None = None
    basis_emissions: float | None = None
    output: float | None = None
    balance_value: float | None = None


@dataclass(frozen=True, slots=True)
class MaccOptions:
    """Options of a run: discount rate [1/yr], prices [CNY/kWh, CNY/GJ] and grid factor [tCO2/MWh]
    (None: the defaults named in the findings), and the portfolio's constraint — an abatement
    ``target`` [tCO2e/yr] or an emissions ``budget`` [tCO2e/yr] below the ``baseline`` emissions, and
    an investment limit [CNY]."""

    discount_rate: float = DEFAULT_DISCOUNT_RATE
    electricity_price: float | None = None
    fuel_price: float | None = None
    grid_ef: float | None = None
    target: float | None = None
    budget: float | None = None
    baseline: float | None = None
    capex_limit: float | None = None
    ets: EtsOptions | None = None


@dataclass
class MaccResult:
    """The measures with their costs, the curve, the portfolio and its allowance effect."""

    measures: list[MeasureRow]
    costs: dict[str, float]
    macs: dict[str, float | None]
    curve: list[calc.CurveStep]
    off_curve: list[str]
    portfolio: calc.Portfolio
    options: MaccOptions
    target: float | None
    allowance_effect: MeasureEffect | None = None
    ets_rules: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)

    def measure(self, key: str) -> MeasureRow:
        return next(m for m in self.measures if m.key == key)

    def to_document(self) -> dict[str, Any]:
        """The result as JSON-ready data: numbers in CNY, tCO2e per year, CNY/tCO2e."""
        p = self.portfolio
        chosen = set(p.chosen)
        effect = self.allowance_effect
        return {
            "kind": "greenmfg.pathways.macc",
            "version": __version__,
            "options": {"discount_rate": self.options.discount_rate, "target_tco2e": self.target,
                        "budget_tco2e": self.options.budget, "baseline_tco2e": self.options.baseline,
                        "capex_limit_cny": self.options.capex_limit,
                        "electricity_price_cny_per_kwh": self.options.electricity_price,
                        "fuel_price_cny_per_gj": self.options.fuel_price, "grid_ef_tco2_per_mwh": self.options.grid_ef},
            "formula": {"crf": "CRF = r(1+r)^n / ((1+r)^n − 1)", "cost": "C = CRF·CAPEX + ΔOPEX − S",
                        "mac": "MAC = C / A", "interaction": "A_u(S) = E_u·(1 − Π(1 − A_j/E_u))"},
            "measures": [{
                "key": m.key, "name_zh": m.name_zh, "name_en": m.name_en, "origin": m.origin, "industry": m.industry,
                "abatement_tco2e": m.abatement_tco2e, "covered_tco2e": m.covered_tco2e, "capex_cny": m.capex_cny,
                "opex_change_cny": m.opex_change_cny, "energy_saving_cny": m.energy_saving_cny,
                "lifetime_years": m.lifetime_years,
                "crf": calc.capital_recovery_factor(self.options.discount_rate, m.lifetime_years),
                "annualised_cost_cny": self.costs[m.key], "mac_cny_per_tco2e": self.macs[m.key],
                "exclusive_group": m.group, "energy_use": m.energy_use, "energy_use_zh": m.energy_use_zh,
                "energy_use_en": m.energy_use_en, "use_emissions_tco2e": m.use_emissions_tco2e,
                "electricity_saved_mwh": m.electricity_saved_mwh, "fuel_saved_gj": m.fuel_saved_gj,
                "applicability_zh": m.applicability_zh, "applicability_en": m.applicability_en,
                "verification_status": m.verification_status, "reference": m.reference, "source": m.source,
                "in_portfolio": m.key in chosen, "derivation": list(m.derivation)} for m in self.measures],
            "curve": [{"key": s.key, "abatement_tco2e": s.abatement, "stand_alone_abatement_tco2e": s.stand_alone_abatement,
                       "annualised_cost_cny": s.annualised_cost, "mac_cny_per_tco2e": s.marginal_cost,
                       "cumulative_abatement_tco2e": s.cumulative_abatement, "cumulative_cost_cny": s.cumulative_cost}
                      for s in self.curve],
            "off_curve": list(self.off_curve),
            "portfolio": {"measures": list(p.chosen), "abatement_tco2e": p.abatement,
                          "covered_abatement_tco2e": p.covered_abatement, "annualised_cost_cny": p.annualised_cost,
                          "capex_cny": p.capex, "feasible": p.feasible, "target_tco2e": p.target,
                          "max_abatement_tco2e": p.max_abatement, "method": p.method,
                          "average_cost_cny_per_tco2e": p.annualised_cost / p.abatement if p.abatement > 0 else None},
            "allowance_effect": None if effect is None else {
                "sector": self.options.ets.sector if self.options.ets else None,
                "year": self.options.ets.year if self.options.ets else None, "rules": list(self.ets_rules),
                "delta_emissions_tco2e": effect.delta_emissions, "delta_allowances_tco2e": effect.delta_allowances,
                "delta_net_tco2e": effect.delta_net, "derivation": list(effect.derivation)},
            "findings": [{"severity": f.severity, "code": f.code, "message": f.message, "message_zh": f.message_zh,
                          "fix": f.fix, "fix_zh": f.fix_zh, "value": f.value} for f in self.findings],
            "datasets": list(self.datasets),
        }


def _target(options: MaccOptions) -> float | None:
    if options.target is not None and options.budget is not None:
        raise ValidationFailed([Locator(code_prefix=_INPUT).finding(
            "target_and_budget", "budget", options.budget, "give an abatement target or an emissions budget, not both",
            "减排目标与排放预算只能给出其一", "drop --target or --budget", "请去掉 --target 或 --budget 之一", row=None)], 1)
    if options.budget is None:
        return options.target
    if options.baseline is None:
        raise ValidationFailed([Locator(code_prefix=_INPUT).finding(
            "budget_without_baseline", "baseline", None, "an emissions budget needs the baseline emissions",
            "排放预算须同时给出基准排放", "give --baseline TCO2E (the yearly emissions before any measure)",
            "请用 --baseline 给出实施措施前的年排放（tCO2e）", row=None)], 1)
    return max(options.baseline - options.budget, 0.0)


def _check_options(options: MaccOptions) -> None:
    at = Locator(code_prefix=_INPUT)
    issues = []
    for name, value, upper in (("discount_rate", options.discount_rate, 1.0), ("target", options.target, None),
                               ("budget", options.budget, None), ("baseline", options.baseline, None),
                               ("capex_limit", options.capex_limit, None), ("grid_ef", options.grid_ef, 5.0),
                               ("electricity_price", options.electricity_price, 100.0),
                               ("fuel_price", options.fuel_price, 10000.0)):
        if value is None:
            continue
        if not math.isfinite(value) or value < 0 or (upper is not None and value > upper):
            bound = f"between 0 and {upper:g}" if upper is not None else "a number ≥ 0"
            bound_zh = f"介于 0 与 {upper:g} 之间" if upper is not None else "不小于 0 的数"
            issues.append(at.finding("bad_option", name, value, f"{name} must be {bound}", f"{name} 必须{bound_zh}",
                                     f"give {name} as {bound}", f"请将 {name} 填写为{bound_zh}", row=None))
    if issues:
        raise ValidationFailed(issues, len(issues))


def _allowance_effect(ets: EtsOptions, covered: float) -> tuple[MeasureEffect | None, list[str], list[Finding]]:
    from greenmfg.ets.allowances import rules_for

    records = [r for r in rules_for(ets.year, ets.sector) if r.rule.case == "general"]
    if not records:
        sector_zh = {"steel": "钢铁", "cement": "水泥", "aluminium": "电解铝"}.get(ets.sector, ets.sector)
        return None, [], [_warning("no_ets_rule", f"no allocation rule of the national carbon market for the "
                                   f"{ets.sector} sector in {ets.year}", f"全国碳市场 {ets.year} 年无{sector_zh}行业的配额分配规则",
                                   fix="choose a compliance year the rules cover (2024 or later)",
                                   fix_zh="请选择已有分配规则的履约年度（2024 年及以后）")]
    rules = [r.rule for r in records]
    baseline = None
    if ets.emissions is not None and ets.output:
        baseline = Baseline(emissions=ets.emissions, basis_emissions=ets.basis_emissions
                            if ets.basis_emissions is not None else ets.emissions,
                            output=ets.output, balance_value=ets.balance_value)
    effect = measure_effect("macc_portfolio", -covered, {}, rules,
                            [f"ΔE = −{covered:.3f} tCO2e (the portfolio's direct abatement; electricity is not covered)"],
                            baseline=baseline)
    findings = [_warning("unverified_ets_rule", f"the allocation rule of {r.name_en} ({ets.year}) is "
                         f"{status_name(r.rule.verification_status, zh=False)}",
                         f"{ets.year} 年{r.name_zh}的配额分配规则：{status_name(r.rule.verification_status, zh=True)}",
                         value=r.rule.key)
                for r in records if r.rule.needs_warning]
    if effect.delta_allowances is None:
        findings.append(_warning(
            "allowance_effect_incomplete", "the allowance effect needs the line's covered emissions and output of the "
            "year (a balance-value rule) or a value the rule lacks",
            "配额影响需要生产线当年的覆盖排放量和产量（平衡值法规则），或规则缺少数值",
            fix="give --ets-emissions, --ets-output (and --balance-value when the rule has none)",
            fix_zh="请给出 --ets-emissions、--ets-output（规则无平衡值时还需 --balance-value）"))
    return effect, [r.rule.key for r in records], findings


def run_macc(measures: Sequence[MeasureRow], options: MaccOptions, *,
             findings: Sequence[Finding] = ()) -> MaccResult:
    """The curve, the least-cost portfolio and its allowance effect for ``measures``.

    Raises
    ------
    ValidationFailed
        Bad options (a negative target, both a target and a budget, a budget without a baseline),
        duplicate measure codes, or measures sharing an energy use inconsistently.
    """
    _check_options(options)
    target = _target(options)
    at = Locator(code_prefix=_INPUT)
    keys = [m.key for m in measures]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ValidationFailed([at.finding("duplicate_key", "key", k, f"the measure code {k} is used twice",
                                           f"措施编号 {k} 重复", "give each measure its own code",
                                           "请为每项措施填写不同的编号", row=None) for k in duplicates], len(duplicates))
    items = [m.for_calc() for m in measures]
    try:
        curve, off_curve = calc.macc_curve(items, options.discount_rate)
        portfolio = calc.solve_portfolio(items, options.discount_rate, target=target, capex_limit=options.capex_limit)
    except ValueError as exc:
        raise ValidationFailed([at.finding("inconsistent_measures", "measures", "", str(exc),
                                           f"措施数据不一致：{exc}", "check the energy uses and their emissions",
                                           "请核对用能环节及其排放", row=None)], 1) from None
    costs = {m.key: calc.annualised_cost(m, options.discount_rate) for m in items}
    macs = {m.key: calc.marginal_cost(m, options.discount_rate) for m in items}
    out = list(findings)
    out.append(_warning("discount_rate", f"costs are annualised at a discount rate of {options.discount_rate:.1%}"
                        + (" (greenmfg's default, an assumption)" if options.discount_rate == DEFAULT_DISCOUNT_RATE else ""),
                        f"费用按折现率 {options.discount_rate:.1%} 年化" + ("（greenmfg 缺省值，属假设）"
                                                                     if options.discount_rate == DEFAULT_DISCOUNT_RATE else ""),
                        severity="info"))
    if not portfolio.feasible:
        out.append(_warning(
            "target_out_of_reach", f"no portfolio of these measures reaches {target:,.1f} tCO2e/yr; together they "
            f"abate at most {portfolio.max_abatement or 0:,.1f} tCO2e/yr", f"这些措施的任何组合都达不到 {target:,.1f} tCO2e/年；"
            f"全部可行组合最多减排 {portfolio.max_abatement or 0:,.1f} tCO2e/年",
            fix="add measures, raise the investment limit or lower the target", fix_zh="请补充措施、提高投资上限或降低目标"))
    by_key = {m.key: m for m in measures}
    unverified_chosen = [by_key[k] for k in portfolio.chosen if by_key[k].unverified]
    if unverified_chosen:
        out.append(_warning(
            "portfolio_unverified",
            f"the portfolio rests on unverified library values: {'; '.join(m.name_en for m in unverified_chosen)}",
            f"所选组合依赖未经核实的措施库数值：{'；'.join(m.name_zh for m in unverified_chosen)}",
            value=" ".join(m.key for m in unverified_chosen)))
    effect = None
    rule_keys: list[str] = []
    if options.ets is not None:
        effect, rule_keys, more = _allowance_effect(options.ets, portfolio.covered_abatement)
        out += more
    datasets = sorted({m.reference.split(":", 1)[0] for m in measures if m.origin == "library"})
    if datasets:
        datasets += [load_catalog().newest("pathway_energy_uses").id]
        if options.grid_ef is None:
            datasets.append(GRID_DATASET)
    return MaccResult(list(measures), costs, macs, curve, off_curve, portfolio, options, target, effect, rule_keys,
                      out, sorted(set(datasets)))
