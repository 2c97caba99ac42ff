"""Diagnosis services: the equipment register, its check against the minimum allowable values of
the national standards, replacement measures with savings and payback, consumption alerts, and
the data of the diagnosis report.

Reference data: ``equipment_efficiency/gb18613-2020`` (motors) and ``equipment_efficiency/gb20052-2020``
(transformers); the electricity coefficient on the equivalent basis (``energy_coefficients/gbt2589-2020``,
0.1229 kgce/kWh) and the grid factor of the enterprise's province and year (``grid_factors/mee-nbs-<year>``,
the latest published year not after the report year). Every value whose status is not ``verified``
or ``definitional`` puts a warning on the result. Air compressors, pumps, fans and industrial
boilers have no encoded minimum yet (GB 19153-2019, GB 19762, GB 19761-2020, GB 24500-2020 were not
found in readable form): they are registered and their replacement savings computed from a target
the user gives, but not checked.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from greenmfg.audit.service import record
from greenmfg.calc import diagnosis as calc
from greenmfg.diagnosis.models import ALERT_STATUSES, DiagnosisAlert, DiagnosisNotes, Equipment
from greenmfg.diagnosis.register import parse_item, read_register
from greenmfg.errors import Issue, ValidationFailed
from greenmfg.orgs.access import Forbidden, NotFound, Principal, get_enterprise
from greenmfg.orgs.models import Facility, Meter, Organisation
from greenmfg.refdata.catalog import Catalog, ParameterRow, load_catalog
from greenmfg.refdata.vocabulary import load_vocabulary

__all__ = [
    "ASSUMPTIONS", "MOTOR_DATASET", "TRANSFORMER_DATASET", "Check", "Factors", "Finding", "Measure",
    "acknowledge_alert", "check_equipment", "create_equipment", "default_year", "delete_equipment", "detect_for_meter",
    "equipment_for", "factors_for", "get_equipment", "import_register", "list_alerts", "save_notes",
    "update_equipment",
]

MOTOR_DATASET = "equipment_efficiency/gb18613-2020"
TRANSFORMER_DATASET = "equipment_efficiency/gb20052-2020"
COEFFICIENT_DATASET = "energy_coefficients/gbt2589-2020"

#: Documented defaults used when the user gives nothing: rough figures chosen by greenmfg, NOT cited
#: values. A result that uses one says so in a warning.
ASSUMPTIONS: Mapping[str, float] = {
    "electricity_price_cny_per_kwh": 0.70,   # typical general industrial tariff level in China, rough
    "fuel_price_cny_per_tce": 1200.0,        # thermal coal ≈ 850 CNY/t at 0.7143 tce/t, rough
    "transformer_energised_hours": 8760.0,   # a distribution transformer stays energised all year
    "cost_cny_per_kw.motor": 400.0,          # IE4-class motor incl. installation, rough
    "cost_cny_per_kw.pump": 800.0,
    "cost_cny_per_kw.fan": 600.0,
    "cost_cny_per_kw.air_compressor": 1500.0,
    "cost_cny_per_kva.transformer": 250.0,
    "cost_cny_per_mw.industrial_boiler": 400000.0,
}


@dataclass(frozen=True, slots=True)
class Finding:
    """A structured warning: dotted code, English and Chinese text."""

    code: str
    message: str
    message_zh: str


@dataclass(frozen=True, slots=True)
class Factors:
    """Conversion factors of one enterprise and year, with their citations."""

    kgce_per_kwh: float
    coefficient_ref: str
    coefficient_status: str
    grid_kgco2_per_kwh: float | None
    grid_ref: str
    grid_status: str
    electricity_price: float
    fuel_price: float
    price_assumed: bool


@dataclass
class Measure:
    """Replacing one item: target, annual savings, cost and payback."""

    target: str
    target_zh: str
    target_value: float
    kwh: float | None
    tce: float
    tco2: float | None
    cost_saving_cny: float
    replacement_cost_cny: float
    cost_assumed: bool
    payback_years: float | None


@dataclass
class Check:
    """One item against its standard."""

    equipment_id: int
    code: str
    name: str
    kind: str
    facility_id: int | None
    standard: str | None
    rating: str | None
    #: the minimum allowable value: efficiency [%], or (no-load W, load W) for transformers
    minimum: Any
    minimum_status: str | None
    actual: Any
    grade: int | None
    #: True below the minimum, False at or above it, None not checked
    below_minimum: bool | None
    #: efficiency points below the minimum [%], or excess losses [W] (no-load, load)
    gap: Any
    measure: Measure | None
    warnings: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# ------------------------------------------------------------------ register

def _facilities(session: Session, enterprise_id: int) -> dict[str, int]:
    return {code: fid for fid, code in session.execute(
        select(Facility.id, Facility.code).where(Facility.enterprise_id == enterprise_id))}


def equipment_for(session: Session, enterprise_id: int) -> list[Equipment]:
    return list(session.execute(select(Equipment).where(Equipment.enterprise_id == enterprise_id)
                                .order_by(Equipment.kind, Equipment.code)).scalars())


def get_equipment(session: Session, principal: Principal, enterprise_id: int, equipment_id: int, *,
                  manage: bool = False) -> Equipment:
    get_enterprise(session, principal, enterprise_id, manage=manage)
    item = session.get(Equipment, equipment_id)
    if item is None or item.enterprise_id != enterprise_id:
        raise NotFound("equipment", equipment_id)
    return item


def _duplicate(code: str, column: str, row: int | None, sheet: str = "") -> Issue:
    return Issue(code="diagnosis.input.duplicate_code", message=f"equipment code '{code}' is already used",
                 message_zh=f"设备编号“{code}”已存在", fix="give each item its own code", fix_zh="每台设备使用唯一编号",
                 sheet=sheet, row=row, column=column, value=code)


def create_equipment(session: Session, principal: Principal, enterprise_id: int, body: Mapping[str, Any]
                     ) -> Equipment:
    """Add one item (422 with located issues, nothing stored, when a field is wrong)."""
    get_enterprise(session, principal, enterprise_id, manage=True)
    values, issues = parse_item(body, facilities=_facilities(session, enterprise_id))
    if not issues and session.execute(select(Equipment.id).where(
            Equipment.enterprise_id == enterprise_id, Equipment.code == values["code"])).first():
        issues.append(_duplicate(values["code"], "code", None))
    if issues:
        raise ValidationFailed(issues, len(issues))
    item = Equipment(enterprise_id=enterprise_id, **values)
    session.add(item)
    session.flush()
    record(session, "diagnosis.equipment.create", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=enterprise_id, target_type="equipment", target_id=item.id, details={"code": item.code})
    return item


def update_equipment(session: Session, principal: Principal, enterprise_id: int, equipment_id: int,
                     body: Mapping[str, Any]) -> Equipment:
    item = get_equipment(session, principal, enterprise_id, equipment_id, manage=True)
    values, issues = parse_item(body, facilities=_facilities(session, enterprise_id), partial=True)
    merged = {f: getattr(item, f) for f in _COLUMNS} | values
    _, whole = parse_item({k: v for k, v in merged.items() if k != "facility_id"},
                          facilities=_facilities(session, enterprise_id))
    issues += [i for i in whole if i.code == "diagnosis.input.missing"]
    if "code" in values and values["code"] != item.code and session.execute(select(Equipment.id).where(
            Equipment.enterprise_id == enterprise_id, Equipment.code == values["code"])).first():
        issues.append(_duplicate(values["code"], "code", None))
    if issues:
        raise ValidationFailed(issues, len(issues))
    for key, value in values.items():
        setattr(item, key, value)
    session.flush()
    record(session, "diagnosis.equipment.update", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=enterprise_id, target_type="equipment", target_id=item.id, details={"fields": sorted(values)})
    return item


_COLUMNS = ("kind", "code", "name", "model", "year_installed", "rated_power_kw", "efficiency_pct", "efficiency_basis",
            "hours_per_year", "load_factor", "poles", "capacity_kva", "no_load_loss_w", "load_loss_w", "flow_m3_min",
            "pressure_mpa", "specific_power", "fuel", "rated_capacity_mw", "target_efficiency_pct",
            "target_specific_power", "replacement_cost_cny", "notes")


def delete_equipment(session: Session, principal: Principal, enterprise_id: int, equipment_id: int) -> None:
    item = get_equipment(session, principal, enterprise_id, equipment_id, manage=True)
    record(session, "diagnosis.equipment.delete", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=enterprise_id, target_type="equipment", target_id=item.id, details={"code": item.code})
    session.delete(item)
    session.flush()


def equipment_dict(item: Equipment) -> dict[str, Any]:
    return {"id": item.id, "enterprise_id": item.enterprise_id, "facility_id": item.facility_id,
            **{c: getattr(item, c) for c in _COLUMNS}}


def import_register(session: Session, principal: Principal, enterprise_id: int, content: bytes, filename: str
                    ) -> list[Equipment]:
    """Add every item of a register file, or none: any problem → :class:`ValidationFailed` with the
    sheet, row and column of each, nothing stored. Codes already in the register are refused."""
    get_enterprise(session, principal, enterprise_id, manage=True)
    sheet, rows, headers, issues = read_register(content, filename)
    facilities = _facilities(session, enterprise_id)
    existing = set(session.execute(select(Equipment.code).where(Equipment.enterprise_id == enterprise_id)).scalars())
    seen: dict[str, int] = {}
    parsed: list[dict[str, Any]] = []
    for number, raw in rows:
        values, row_issues = parse_item(raw, facilities=facilities, sheet=sheet, row=number, columns=headers)
        code = values.get("code")
        if code and (code in existing or code in seen):
            row_issues.append(_duplicate(code, headers.get("code", "code"), number, sheet))
        if code:
            seen[code] = number
        issues += row_issues
        parsed.append(values)
    if not rows and not issues:
        issues.append(Issue(code="diagnosis.input.no_rows", message="the register has no rows",
                            message_zh="台账没有数据行", fix="fill in one row per item", fix_zh="每台设备填写一行",
                            sheet=sheet, row=2))
    if issues:
        raise ValidationFailed(issues[:200], len(issues))
    items = [Equipment(enterprise_id=enterprise_id, **values) for values in parsed]
    session.add_all(items)
    session.flush()
    record(session, "diagnosis.equipment.import", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=enterprise_id, target_type="enterprise", target_id=enterprise_id,
           details={"file": filename, "rows": len(items)})
    return items


# ------------------------------------------------------------------ factors and check

def _status_finding(row: ParameterRow, what: str, what_zh: str) -> Finding:
    return Finding("diagnosis.reference.unverified",
                   f"{what} uses {row.reference()} = {row.value:g} {row.unit}, status '{row.verification_status}' "
                   f"(not checked against the standard's text): {row.source}",
                   f"{what_zh}使用的 {row.reference()} = {row.value:g} {row.unit} 核实状态为“{row.verification_status}”"
                   f"（未对照标准原文核实）：{row.source}")


def _grid_row(catalog: Catalog, province: str | None, year: int) -> ParameterRow | None:
    editions = sorted((int(d.info.edition.split("-")[2]), d) for d in catalog.family("grid_factors")
                      if d.info.edition.startswith("mee-nbs-") and d.info.edition.count("-") == 2)
    if not editions:
        return None
    chosen = [d for y, d in editions if y <= year] or [editions[0][1]]
    dataset = chosen[-1]
    vocabulary = load_vocabulary()
    chain = ["CN"]
    region = vocabulary.regions.get(province or "")
    if region:
        chain = [province or "", region["grid_region"], "CN"]
    return next((r for k in chain if (r := dataset.get(k, "ef")) is not None and r.value is not None), None)


def factors_for(enterprise: Organisation, year: int, *, electricity_price: float | None = None,
                fuel_price: float | None = None) -> tuple[Factors, list[Finding]]:
    """Electricity coefficient, grid factor and prices for one enterprise-year, with warnings."""
    catalog = load_catalog()
    findings: list[Finding] = []
    coefficient = catalog.dataset(COEFFICIENT_DATASET).get("electricity", "coefficient")
    assert coefficient is not None and coefficient.value is not None
    if coefficient.needs_warning:
        findings.append(_status_finding(coefficient, "Electricity in tce", "电力折标准煤"))
    grid = _grid_row(catalog, enterprise.province, year)
    if grid is not None and grid.unit not in ("kgCO2/kWh", "tCO2/MWh"):
        grid = None
    if grid is None:
        findings.append(Finding("diagnosis.reference.no_grid_factor", "no grid emission factor: tCO2 not computed",
                                "无电网排放因子：未计算二氧化碳减排量"))
    elif grid.needs_warning:
        findings.append(_status_finding(grid, "Avoided CO2", "二氧化碳减排量"))
    assumed = electricity_price is None or fuel_price is None
    if assumed:
        findings.append(Finding(
            "diagnosis.assumption.price",
            f"cost savings use greenmfg's rough default prices (electricity "
            f"{ASSUMPTIONS['electricity_price_cny_per_kwh']} CNY/kWh, fuel {ASSUMPTIONS['fuel_price_cny_per_tce']:g} "
            "CNY/tce) where you gave none: an assumption, not a cited value",
            f"节约费用在未提供价格时采用 greenmfg 粗略默认价格（电价 {ASSUMPTIONS['electricity_price_cny_per_kwh']} 元/kWh，"
            f"燃料 {ASSUMPTIONS['fuel_price_cny_per_tce']:g} 元/tce），属假设值，非引用数据"))
    return Factors(
        kgce_per_kwh=coefficient.value, coefficient_ref=coefficient.reference(),
        coefficient_status=coefficient.verification_status,
        grid_kgco2_per_kwh=grid.value if grid is not None else None,
        grid_ref=grid.reference() if grid is not None else "", grid_status=grid.verification_status if grid else "",
        electricity_price=electricity_price if electricity_price is not None
        else ASSUMPTIONS["electricity_price_cny_per_kwh"],
        fuel_price=fuel_price if fuel_price is not None else ASSUMPTIONS["fuel_price_cny_per_tce"],
        price_assumed=assumed,
    ), findings


def _cost(item: Equipment) -> tuple[float, bool]:
    if item.replacement_cost_cny is not None:
        return item.replacement_cost_cny, False
    if item.kind == "transformer":
        return (item.capacity_kva or 0) * ASSUMPTIONS["cost_cny_per_kva.transformer"], True
    if item.kind == "industrial_boiler":
        return (item.rated_capacity_mw or 0) * ASSUMPTIONS["cost_cny_per_mw.industrial_boiler"], True
    return (item.rated_power_kw or 0) * ASSUMPTIONS[f"cost_cny_per_kw.{item.kind}"], True


def _electric_measure(item: Equipment, kwh: float, factors: Factors, target: str, target_zh: str,
                      target_value: float) -> Measure:
    cost, assumed = _cost(item)
    saving = kwh * factors.electricity_price
    return Measure(target=target, target_zh=target_zh, target_value=target_value, kwh=kwh,
                   tce=kwh * factors.kgce_per_kwh / 1000.0,
                   tco2=kwh * factors.grid_kgco2_per_kwh / 1000.0 if factors.grid_kgco2_per_kwh is not None else None,
                   cost_saving_cny=saving, replacement_cost_cny=cost, cost_assumed=assumed,
                   payback_years=calc.payback_years(cost, saving))


def _grades(dataset_rows: Mapping[str, ParameterRow | None]) -> dict[int, float | None]:
    return {int(p[-1]): (r.value if r is not None else None) for p, r in dataset_rows.items()}


def _check_motor(item: Equipment, catalog: Catalog, factors: Factors, check: Check) -> None:
    dataset = catalog.dataset(MOTOR_DATASET)
    ratings = sorted({float(k.split(".", 1)[1][:-2]) for k in {r.key for r in dataset} if k.startswith(f"{item.poles}p.")})
    rating = calc.table_rating(item.rated_power_kw or 0, ratings) if ratings else None
    check.standard = MOTOR_DATASET
    if rating is None or item.efficiency_pct is None:
        check.warnings.append(Finding("diagnosis.check.not_covered",
                                      f"{item.poles}-pole {item.rated_power_kw:g} kW is outside the encoded table "
                                      "(2/4/6 poles, 0.75–375 kW): not checked",
                                      f"{item.poles} 极 {item.rated_power_kw:g} kW 不在已录入的表格范围内"
                                      "（2/4/6 极，0.75～375 kW）：未判定"))
        return
    key = f"{item.poles}p.{rating:g}kW"
    rows = {f"grade_{g}": dataset.get(key, f"grade_{g}") for g in (1, 2, 3)}
    grades = _grades(rows)
    check.rating = key
    if rating != item.rated_power_kw:
        check.warnings.append(Finding("diagnosis.check.intermediate_rating",
                                      f"{item.rated_power_kw:g} kW lies between table rows: the row of the next higher "
                                      f"rating ({rating:g} kW) applies (greenmfg's reading; check the standard's rule)",
                                      f"{item.rated_power_kw:g} kW 介于表中两档之间：按相邻较大功率（{rating:g} kW）判定"
                                      "（greenmfg 的理解，请核对标准条文）"))
    minimum = rows["grade_3"]
    assert minimum is not None and minimum.value is not None
    check.minimum, check.minimum_status, check.actual = minimum.value, minimum.verification_status, item.efficiency_pct
    check.grade = calc.efficiency_grade(item.efficiency_pct, grades)
    check.below_minimum = check.grade is None
    check.gap = round(minimum.value - item.efficiency_pct, 6) if check.below_minimum else 0.0
    for name, row in rows.items():
        if row is not None and row.value is not None and row.needs_warning and (
                name == "grade_3" or check.below_minimum):
            check.warnings.append(_status_finding(row, f"Motor {item.code} ({name})", f"电动机 {item.code}（{name}）"))
    best = next(((g, v) for g, v in sorted(grades.items()) if v is not None), None)
    target_value = item.target_efficiency_pct
    target, target_zh = "user target", "用户指定目标"
    if target_value is None and check.below_minimum and best is not None:
        target_value = best[1]
        target, target_zh = f"GB 18613-2020 grade {best[0]}", f"GB 18613-2020 {best[0]}级能效"
    if target_value is not None and target_value > item.efficiency_pct:
        kwh = calc.motor_saving_kwh(item.rated_power_kw or 0, item.hours_per_year, item.load_factor,
                                    item.efficiency_pct, target_value)
        check.measure = _electric_measure(item, kwh, factors, target, target_zh, target_value)


def _check_transformer(item: Equipment, catalog: Catalog, factors: Factors, check: Check) -> None:
    dataset = catalog.dataset(TRANSFORMER_DATASET)
    ratings = sorted({float(k.split(".", 1)[1][:-3]) for k in {r.key for r in dataset}})
    rating = calc.table_rating(item.capacity_kva or 0, ratings)
    check.standard = TRANSFORMER_DATASET
    if rating is None:
        check.warnings.append(Finding("diagnosis.check.not_covered",
                                      f"{item.capacity_kva:g} kVA is outside the encoded table (30–2500 kVA): not checked",
                                      f"{item.capacity_kva:g} kVA 不在已录入的表格范围内（30～2500 kVA）：未判定"))
        return
    key = f"oil.{rating:g}kVA"
    check.rating = key
    if rating != item.capacity_kva:
        check.warnings.append(Finding("diagnosis.check.intermediate_rating",
                                      f"{item.capacity_kva:g} kVA is not a table rating: the next higher ({rating:g} kVA) "
                                      "applies", f"{item.capacity_kva:g} kVA 非标准容量：按相邻较大容量（{rating:g} kVA）判定"))
    grades: dict[int, tuple[float | None, float | None]] = {}
    rows: dict[int, tuple[ParameterRow | None, ParameterRow | None]] = {}
    for g in (1, 2, 3):
        p0, pk = dataset.get(key, f"no_load_loss_grade_{g}"), dataset.get(key, f"load_loss_grade_{g}")
        rows[g] = (p0, pk)
        grades[g] = (p0.value if p0 else None, pk.value if pk else None)
    p0_min, pk_min = rows[3]
    assert p0_min is not None and pk_min is not None and p0_min.value is not None and pk_min.value is not None
    no_load, load = item.no_load_loss_w or 0.0, item.load_loss_w or 0.0
    check.minimum = [p0_min.value, pk_min.value]
    check.minimum_status = p0_min.verification_status
    check.actual = [no_load, load]
    check.grade = calc.loss_grade(no_load, load, grades)
    check.below_minimum = check.grade is None
    check.gap = [max(0.0, no_load - p0_min.value), max(0.0, load - pk_min.value)]
    for row in (p0_min, pk_min):
        if row.needs_warning:
            check.warnings.append(_status_finding(row, f"Transformer {item.code}", f"变压器 {item.code}"))
    if check.below_minimum:
        best = next((g for g in (1, 2, 3) if grades[g][0] is not None and grades[g][1] is not None), 3)
        new_p0, new_pk = grades[best]
        assert new_p0 is not None and new_pk is not None
        energised = ASSUMPTIONS["transformer_energised_hours"]
        kwh = (calc.transformer_loss_kwh(no_load, load, item.load_factor, item.hours_per_year, energised_hours=energised)
               - calc.transformer_loss_kwh(new_p0, new_pk, item.load_factor, item.hours_per_year,
                                           energised_hours=energised))
        check.measure = _electric_measure(item, kwh, factors, f"GB 20052-2020 grade {best} losses",
                                          f"GB 20052-2020 {best}级能效损耗", new_p0)
        if best == 3:
            check.warnings.append(Finding("diagnosis.measure.lower_bound",
                                          "grades 1–2 of GB 20052-2020 are not encoded: the saving is for a unit at the "
                                          "minimum allowable losses, a lower bound",
                                          "GB 20052-2020 的 1、2 级未录入：节能量按能效限定值（3级）计算，为下限估计"))


def _check_unencoded(item: Equipment, factors: Factors, check: Check) -> None:
    standard = {"air_compressor": "GB 19153-2019", "pump": "GB 19762", "fan": "GB 19761-2020",
                "industrial_boiler": "GB 24500-2020"}[item.kind]
    check.warnings.append(Finding("diagnosis.check.no_reference",
                                  f"the minimum allowable values of {standard} are not encoded yet: not checked",
                                  f"{standard} 的能效限定值尚未录入：未判定"))
    if item.kind == "air_compressor":
        check.actual = item.specific_power
        if item.target_specific_power is not None and item.specific_power is not None \
                and item.target_specific_power < item.specific_power:
            kwh = calc.compressor_saving_kwh(item.specific_power, item.target_specific_power, item.flow_m3_min or 0,
                                             item.hours_per_year, item.load_factor)
            check.measure = _electric_measure(item, kwh, factors, "user target specific power", "用户指定目标比功率",
                                              item.target_specific_power)
        return
    check.actual = item.efficiency_pct
    target = item.target_efficiency_pct
    if target is None or item.efficiency_pct is None or target <= item.efficiency_pct:
        return
    if item.kind == "industrial_boiler":
        tce = calc.boiler_fuel_saving_tce(item.rated_capacity_mw or 0, item.hours_per_year, item.load_factor,
                                          item.efficiency_pct, target)
        cost, assumed = _cost(item)
        saving = tce * factors.fuel_price
        check.measure = Measure(target="user target efficiency", target_zh="用户指定目标效率", target_value=target,
                                kwh=None, tce=tce, tco2=None, cost_saving_cny=saving, replacement_cost_cny=cost,
                                cost_assumed=assumed, payback_years=calc.payback_years(cost, saving))
        check.warnings.append(Finding("diagnosis.measure.no_fuel_factor",
                                      "boiler fuel savings are given in tce; tCO2 is not computed (fuel emission factor "
                                      "not applied)", "锅炉节约燃料以 tce 计；未计算二氧化碳减排量（未套用燃料排放因子）"))
        return
    kwh = calc.motor_saving_kwh(item.rated_power_kw or 0, item.hours_per_year, item.load_factor,
                                item.efficiency_pct, target)
    check.measure = _electric_measure(item, kwh, factors, "user target efficiency", "用户指定目标效率", target)


def check_equipment(items: Sequence[Equipment], factors: Factors) -> list[Check]:
    """Each item against its standard's minimum, with the replacement measure where one applies."""
    catalog = load_catalog()
    out: list[Check] = []
    for item in items:
        check = Check(equipment_id=item.id, code=item.code, name=item.name, kind=item.kind, facility_id=item.facility_id,
                      standard=None, rating=None, minimum=None, minimum_status=None, actual=None, grade=None,
                      below_minimum=None, gap=None, measure=None)
        if item.kind == "motor":
            _check_motor(item, catalog, factors, check)
        elif item.kind == "transformer":
            _check_transformer(item, catalog, factors, check)
        else:
            _check_unencoded(item, factors, check)
        if check.measure is not None and check.measure.cost_assumed:
            check.warnings.append(Finding("diagnosis.assumption.cost",
                                          "replacement cost is greenmfg's rough default per kW/kVA/MW (an assumption): "
                                          "enter the quoted cost", "更换投资采用 greenmfg 按功率/容量估算的粗略默认值"
                                          "（假设值）：请填写报价"))
        out.append(check)
    return out


# ------------------------------------------------------------------ alerts

def detect_for_meter(session: Session, meter_id: int, dates: Sequence[dt.date], actual: Sequence[float],
                     expected: Sequence[float], **options: Any) -> list[DiagnosisAlert]:
    """Find anomalies of one meter's daily energy against its baseline and store new alerts.

    ``expected`` is the baseline prediction for the same days (the M&V model's prediction). An
    alert already stored for the same meter, kind and start day is updated, not duplicated.
    Options go to :func:`greenmfg.calc.diagnosis.detect_anomalies`.
    """
    meter = session.get(Meter, meter_id)
    if meter is None:
        raise NotFound("meter", meter_id)
    stored: list[DiagnosisAlert] = []
    for anomaly in calc.detect_anomalies(dates, actual, expected, **options):
        alert = session.execute(select(DiagnosisAlert).where(
            DiagnosisAlert.facility_id == meter.facility_id, DiagnosisAlert.meter_id == meter_id,
            DiagnosisAlert.kind == anomaly.kind, DiagnosisAlert.started == anomaly.start)).scalar_one_or_none()
        if alert is None:
            alert = DiagnosisAlert(facility_id=meter.facility_id, meter_id=meter_id, kind=anomaly.kind,
                                   started=anomaly.start, status="open")
            session.add(alert)
        alert.ended, alert.excess_kwh, alert.expected_kwh = anomaly.end, anomaly.excess, anomaly.expected
        alert.max_abs_z, alert.severity = anomaly.max_abs_z, anomaly.severity
        stored.append(alert)
    session.flush()
    return stored


def list_alerts(session: Session, enterprise_id: int, *, status: str | None = None) -> list[DiagnosisAlert]:
    query = (select(DiagnosisAlert).join(Facility, Facility.id == DiagnosisAlert.facility_id)
             .where(Facility.enterprise_id == enterprise_id))
    if status:
        query = query.where(DiagnosisAlert.status == status)
    return list(session.execute(query.order_by(DiagnosisAlert.started.desc(), DiagnosisAlert.id)).scalars())


def alert_dict(alert: DiagnosisAlert) -> dict[str, Any]:
    return {c: getattr(alert, c) for c in ("id", "facility_id", "meter_id", "kind", "started", "ended", "excess_kwh",
                                           "expected_kwh", "max_abs_z", "severity", "status", "created_at",
                                           "acknowledged_by", "acknowledged_at")}


def acknowledge_alert(session: Session, principal: Principal, enterprise_id: int, alert_id: int, status: str
                      ) -> DiagnosisAlert:
    """Set an alert's status (acknowledged or closed): members of the enterprise and admins only."""
    get_enterprise(session, principal, enterprise_id)
    alert = session.get(DiagnosisAlert, alert_id)
    facility = session.get(Facility, alert.facility_id) if alert is not None else None
    if alert is None or facility is None or facility.enterprise_id != enterprise_id:
        raise NotFound("alert", alert_id)
    if not (principal.is_admin or enterprise_id in principal.enterprise_ids()) or "write" not in principal.scopes:
        raise Forbidden("only the enterprise's members acknowledge its alerts", "仅企业成员可确认本企业的告警")
    if status not in ALERT_STATUSES or status == "open":
        raise ValidationFailed([Issue(code="diagnosis.input.bad_status", message=f"status '{status}' is not "
                                      "acknowledged or closed", message_zh=f"状态“{status}”无效",
                                      fix="send acknowledged or closed", fix_zh="请填写 acknowledged 或 closed",
                                      column="status", value=status)], 1)
    alert.status = status
    alert.acknowledged_by, alert.acknowledged_at = principal.user_id, dt.datetime.now(dt.UTC)
    session.flush()
    record(session, f"diagnosis.alert.{status}", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=enterprise_id, target_type="diagnosis_alert", target_id=alert.id)
    return alert


def save_notes(session: Session, principal: Principal, enterprise_id: int, text: str) -> DiagnosisNotes:
    get_enterprise(session, principal, enterprise_id, manage=True)
    notes = session.execute(select(DiagnosisNotes).where(DiagnosisNotes.enterprise_id == enterprise_id)
                            ).scalar_one_or_none()
    if notes is None:
        notes = DiagnosisNotes(enterprise_id=enterprise_id)
        session.add(notes)
    notes.energy_management = text[:20000]
    notes.updated_by = principal.user_id
    session.flush()
    record(session, "diagnosis.notes.save", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=enterprise_id, target_type="enterprise", target_id=enterprise_id)
    return notes


def notes_text(session: Session, enterprise_id: int) -> str:
    notes = session.execute(select(DiagnosisNotes.energy_management).where(
        DiagnosisNotes.enterprise_id == enterprise_id)).scalar_one_or_none()
    return notes or ""


def default_year(session: Session, enterprise_id: int) -> int:
    """The latest year with stored accounting results of the enterprise, else last year."""
    from sqlalchemy import func

    from greenmfg.accounting.models import FacilityResult

    latest = session.execute(select(func.max(FacilityResult.year)).where(
        FacilityResult.enterprise_id == enterprise_id, FacilityResult.current.is_(True))).scalar_one_or_none()
    return int(latest) if latest is not None else dt.date.today().year - 1


def meter_counts(session: Session, enterprise_id: int) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for (facility_id,) in session.execute(select(Meter.facility_id).join(Facility, Facility.id == Meter.facility_id)
                                          .where(Facility.enterprise_id == enterprise_id)):
        counts[facility_id] += 1
    return dict(counts)
