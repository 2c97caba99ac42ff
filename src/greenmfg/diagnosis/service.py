"""Diagnosis services: the equipment register, its check against the minimum allowable values of
the national standards, replacement measures with savings and payback, consumption alerts, and
the data of the diagnosis report.

Reference data: ``equipment_efficiency/gb18613-2020`` (motors), ``equipment_efficiency/gb20052-2020``
(transformers), ``equipment_efficiency/gb19153-2019`` (air compressors, partial) and
``equipment_efficiency/gb24500-2020`` (industrial boilers); ``metering_requirements/gb17167-2006`` (required
equipping rates of energy meters, for the metering coverage of the report); the electricity coefficient on the equivalent basis (``energy_coefficients/gbt2589-2020``,
0.1229 kgce/kWh) and the grid factor of the enterprise's province and year (``grid_factors/mee-nbs-<year>``,
the latest published year not after the report year). Every value whose status is not ``verified``
or ``definitional`` puts a warning on the result. Pumps are checked with GB 19762-2025's formula
(``equipment_efficiency/gb19762-2025``), fans with GB 19761-2020 表1–表3 (``equipment_efficiency/gb19761-2020``),
each when the register gives the fields that choose the row; otherwise the item is registered, not
checked, and the result says so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from greenmfg import errors
from greenmfg.audit.service import record
from greenmfg.calc import diagnosis as calc
from greenmfg.diagnosis.labels import alert_severity_key
from greenmfg.diagnosis.models import ALERT_STATUSES, DiagnosisAlert, DiagnosisNotes, Equipment
from greenmfg.diagnosis.register import parse_item, read_register
from greenmfg.errors import Issue, ValidationFailed
from greenmfg.orgs.access import Forbidden, NotFound, Principal, get_enterprise
from greenmfg.orgs.models import Facility, Meter, Organisation
from greenmfg.refdata.catalog import Catalog, Dataset, ParameterRow, load_catalog
from greenmfg.refdata.vocabulary import load_vocabulary
from greenmfg.refdata.words import dataset_name, reference_name, status_name, unit_name

__all__ = [
    "ASSUMPTIONS", "BOILER_DATASET", "COMPRESSOR_DATASET", "FAN_DATASET", "METERING_DATASET", "MOTOR_DATASET",
    "PUMP_DATASET",
    "TRANSFORMER_DATASET", "Check", "MeteringRow", "Factors", "Finding", "Measure",
    "acknowledge_alert", "can_acknowledge", "check_equipment", "create_equipment", "default_year",
    "delete_equipment", "detect_for_meter",
    "equipment_for", "factors_for", "get_equipment", "import_register", "list_alerts", "metering_coverage",
    "save_notes",
    "update_equipment",
]

MOTOR_DATASET = "equipment_efficiency/gb18613-2020"
TRANSFORMER_DATASET = "equipment_efficiency/gb20052-2020"
COMPRESSOR_DATASET = "equipment_efficiency/gb19153-2019"
PUMP_DATASET = "equipment_efficiency/gb19762-2025"
FAN_DATASET = "equipment_efficiency/gb19761-2020"
BOILER_DATASET = "equipment_efficiency/gb24500-2020"
METERING_DATASET = "metering_requirements/gb17167-2006"
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
class Finding(errors.Finding):
    """A structured warning: dotted code, English and Chinese text (a ``warning``
    :class:`~greenmfg.errors.Finding` made as ``Finding(code, message, message_zh)``)."""

    fix: str = field(default="", kw_only=True)
    fix_zh: str = field(default="", kw_only=True)
    severity: str = field(default="warning", kw_only=True)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "message_zh": self.message_zh}


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
    #: the inputs and formula of the saving (operating hours, load factor, cost model), English and Chinese
    basis: str = ""
    basis_zh: str = ""


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
    #: unit of ``minimum``/``actual``/``gap``: ``%``, ``W`` (transformers) or ``kW/(m3/min)`` (compressors)
    unit: str = "%"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "warnings": [w.as_dict() for w in self.warnings]}


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
            "pressure_mpa", "specific_power", "pump_type", "flow_m3_h", "head_m", "speed_rpm", "stages",
            "fan_type", "pressure_coefficient", "fan_specific_speed", "hub_ratio", "machine_number", "fuel", "rated_capacity_mw", "target_efficiency_pct",
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
                   f"{what_zh}使用的{reference_name(row.reference(), zh=True)} = {row.value:g} "
                   f"{unit_name(row.unit, zh=True)}，核实状态为“{status_name(row.verification_status, zh=True)}”"
                   "（未对照标准原文核实）")


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


_COST_MODEL = {"transformer": ("capacity_kva", "cost_cny_per_kva.transformer", "CNY/kVA"),
               "industrial_boiler": ("rated_capacity_mw", "cost_cny_per_mw.industrial_boiler", "CNY/MW")}


def _basis(item: Equipment, cost_assumed: bool) -> tuple[str, str]:
    """The inputs of a measure's saving in words: hours, load factor and the cost model."""
    hours = f"h = {item.hours_per_year:g} h/a, β = {item.load_factor:g} (register)"
    hours_zh = f"h = {item.hours_per_year:g} h/a，β = {item.load_factor:g}（台账填报）"
    if not cost_assumed:
        return f"{hours}; replacement cost as registered", f"{hours_zh}；更换投资按台账填报"
    size, key, unit = _COST_MODEL.get(item.kind, ("rated_power_kw", f"cost_cny_per_kw.{item.kind}", "CNY/kW"))
    rate = ASSUMPTIONS[key]
    return (f"{hours}; replacement cost = {rate:g} {unit} × {getattr(item, size) or 0:g} (greenmfg's rough default)",
            f"{hours_zh}；更换投资 = {rate:g} {unit} × {getattr(item, size) or 0:g}（greenmfg 粗略默认值）")


def _electric_measure(item: Equipment, kwh: float, factors: Factors, target: str, target_zh: str,
                      target_value: float) -> Measure:
    cost, assumed = _cost(item)
    saving = kwh * factors.electricity_price
    basis, basis_zh = _basis(item, assumed)
    return Measure(target=target, target_zh=target_zh, target_value=target_value, kwh=kwh,
                   tce=kwh * factors.kgce_per_kwh / 1000.0,
                   tco2=kwh * factors.grid_kgco2_per_kwh / 1000.0 if factors.grid_kgco2_per_kwh is not None else None,
                   cost_saving_cny=saving, replacement_cost_cny=cost, cost_assumed=assumed,
                   payback_years=calc.payback_years(cost, saving), basis=basis, basis_zh=basis_zh)


def _boiler_measure(item: Equipment, factors: Factors, target: str, target_zh: str, target_value: float,
                    check: Check) -> None:
    assert item.efficiency_pct is not None
    tce = calc.boiler_fuel_saving_tce(item.rated_capacity_mw or 0, item.hours_per_year, item.load_factor,
                                      item.efficiency_pct, target_value)
    cost, assumed = _cost(item)
    saving = tce * factors.fuel_price
    basis, basis_zh = _basis(item, assumed)
    check.measure = Measure(target=target, target_zh=target_zh, target_value=target_value, kwh=None, tce=tce, tco2=None,
                            cost_saving_cny=saving, replacement_cost_cny=cost, cost_assumed=assumed,
                            payback_years=calc.payback_years(cost, saving), basis=basis, basis_zh=basis_zh)
    check.warnings.append(Finding("diagnosis.measure.no_fuel_factor",
                                  "boiler fuel savings are given in tce; tCO2 is not computed (fuel emission factor "
                                  "not applied)", "锅炉节约燃料以 tce 计；未计算二氧化碳减排量（未套用燃料排放因子）"))


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


def _not_covered(check: Check, message: str, message_zh: str) -> None:
    check.warnings.append(Finding("diagnosis.check.not_covered", message, message_zh))


def _compressor_cooling(item: Equipment) -> tuple[str, bool]:
    """``liquid`` when the item's name, model or notes say water/liquid cooled, else ``air`` (assumed)."""
    text = " ".join(t for t in (item.name, item.model, item.notes) if t).lower()
    if any(w in text for w in ("水冷", "液冷", "water-cooled", "water cooled", "liquid-cooled", "liquid cooled")):
        return "liquid", False
    if any(w in text for w in ("风冷", "air-cooled", "air cooled")):
        return "air", False
    return "air", True


def _replacement_target(check: Check, rows: Mapping[int, ParameterRow | None], grades: Mapping[int, float | None],
                        user: tuple[float | None, str, str], standard: str, what: str, what_zh: str
                        ) -> tuple[float | None, str, str]:
    """The replacement target of a checked item: the user's (``user``: value, label, 中文标签) or, when
    the item is below the minimum, the best grade of ``grades`` that has a value; a warning for each
    unverified grade row it rests on (grade 3, the minimum, always)."""
    target_value, target, target_zh = user
    used = {3}
    if target_value is None and check.below_minimum:
        best = next(((g, v) for g, v in sorted(grades.items()) if v is not None), None)
        if best is not None:
            target_value = best[1]
            target, target_zh = f"{standard} grade {best[0]}", f"{standard} {best[0]}级能效"
            used.add(best[0])
    for grade in sorted(used):
        row = rows.get(grade)
        if row is not None and row.value is not None and row.needs_warning:
            check.warnings.append(_status_finding(row, f"{what} (grade_{grade})", f"{what_zh}（grade_{grade}）"))
    return target_value, target, target_zh


def _check_compressor(item: Equipment, catalog: Catalog, factors: Factors, check: Check) -> None:
    """GB 19153-2019 表1 (fixed-speed oil-injected rotary): the row of the rated power (exact) and the
    next tabulated discharge pressure at or above the item's, air- or liquid-cooled."""
    dataset = catalog.dataset(COMPRESSOR_DATASET)
    check.standard, check.unit = COMPRESSOR_DATASET, "kW/(m3/min)"
    check.actual = item.specific_power
    table: dict[tuple[float, float, str], dict[int, ParameterRow]] = defaultdict(dict)
    for row in dataset:  # keys oir.<kW>kW.<MPa>MPa.<air|liquid>
        key_kw = float(row.key[len("oir."):row.key.index("kW")])
        key_mpa = float(row.key[row.key.index("kW.") + 3:row.key.index("MPa")])
        table[(key_kw, key_mpa, row.key.rsplit(".", 1)[1])][int(row.parameter[-1])] = row
    ratings = sorted({k[0] for k in table})
    power, pressure, sp = item.rated_power_kw or 0.0, item.pressure_mpa, item.specific_power
    rating = next((r for r in ratings if abs(r - power) < 1e-6), None)
    if rating is None or pressure is None or sp is None:
        what = ("no discharge pressure given" if pressure is None and rating is not None
                else f"{power:g} kW is not an encoded rating of GB 19153-2019 表1 "
                     f"({', '.join(f'{r:g}' for r in ratings)} kW)")
        what_zh = ("未填写排气压力" if pressure is None and rating is not None
                   else f"{power:g} kW 不在已录入的 GB 19153-2019 表1 功率档（{'、'.join(f'{r:g}' for r in ratings)} kW）")
        _not_covered(check, f"{what}: not checked", f"{what_zh}：未判定")
        return
    pressures = sorted({k[1] for k in table if k[0] == rating})
    tab_pressure = calc.table_rating(pressure, pressures)
    cooling, cooling_assumed = _compressor_cooling(item)
    grades_rows = table.get((rating, tab_pressure or -1.0, cooling), {})
    minimum = grades_rows.get(3)
    if tab_pressure is None or minimum is None or minimum.value is None:
        _not_covered(check, f"{rating:g} kW at {pressure:g} MPa ({cooling}-cooled) has no encoded minimum "
                            "(outside the table, '-' in the standard, or not read): not checked",
                     f"{rating:g} kW、{pressure:g} MPa（{'液冷' if cooling == 'liquid' else '风冷'}）无已录入的能效限定值"
                     "（超出表格、标准中为“—”或未录入）：未判定")
        return
    check.rating = f"oir.{rating:g}kW.{tab_pressure:g}MPa.{cooling}"  # the dataset key
    if tab_pressure != pressure:
        check.warnings.append(Finding(
            "diagnosis.check.intermediate_rating",
            f"{pressure:g} MPa is not a table pressure: the next higher ({tab_pressure:g} MPa) applies, whose limit is "
            "the more lenient one (greenmfg's reading; check the standard's rule)",
            f"{pressure:g} MPa 非表列压力：按相邻较高压力（{tab_pressure:g} MPa）判定，其限值较宽松（greenmfg 的理解，请核对标准条文）"))
    if cooling_assumed:
        check.warnings.append(Finding(
            "diagnosis.check.cooling_assumed",
            "cooling not stated (write 风冷/水冷 or air-/water-cooled in the name, model or notes): the air-cooled "
            "limit applies, which is the more lenient one",
            "未注明冷却方式（请在名称、型号或备注中写明风冷/水冷）：按风冷限值判定（较宽松）"))
    check.warnings.append(Finding(
        "diagnosis.check.compressor_type_assumed",
        "checked against GB 19153-2019 表1 (general-purpose oil-injected rotary, fixed speed); variable-speed, "
        "piston and oil-free compressors have other tables, not encoded",
        "按 GB 19153-2019 表1（一般用喷油回转空气压缩机，工频）判定；变转速、活塞及无油压缩机适用其他表，尚未录入"))
    grades = {g: (r.value if r is not None else None) for g, r in grades_rows.items()}
    check.minimum, check.minimum_status, check.actual = minimum.value, minimum.verification_status, sp
    check.grade = calc.specific_power_grade(sp, grades)
    check.below_minimum = check.grade is None
    check.gap = round(sp - minimum.value, 6) if check.below_minimum else 0.0
    target_value, target, target_zh = _replacement_target(
        check, grades_rows, grades, (item.target_specific_power, "user target specific power", "用户指定目标比功率"),
        "GB 19153-2019", f"Air compressor {item.code}", f"空压机 {item.code}")
    if target_value is not None and target_value < sp:
        kwh = calc.compressor_saving_kwh(sp, target_value, item.flow_m3_min or 0, item.hours_per_year,
                                         item.load_factor)
        check.measure = _electric_measure(item, kwh, factors, target, target_zh, target_value)


#: register fuel text (normalised) → GB 24500-2020 row family
_BOILER_FUELS: Mapping[str, str] = {
    **dict.fromkeys(("natural_gas", "naturalgas", "gas", "天然气", "燃气", "lng", "液化天然气"), "gas"),
    **dict.fromkeys(("oil", "fuel_oil", "diesel", "燃油", "柴油", "重油", "轻油"), "oil"),
    **dict.fromkeys(("biomass", "生物质", "生物质燃料", "生物质成型燃料"), "biomass"),
    **dict.fromkeys(("electric", "electricity", "电", "电力", "电加热", "电锅炉"), "electric"),
    **dict.fromkeys(("coal", "煤", "燃煤", "raw_coal", "原煤", "bituminous_coal", "烟煤", "anthracite", "无烟煤",
                     "lignite", "褐煤", "lean_coal", "贫煤"), "coal"),
}


_GAS_ASSUMED = ("non-condensing gas boiler assumed (write 冷凝/condensing in the fuel for a condensing one)",
                "按非冷凝燃气锅炉判定（冷凝锅炉请在燃料中注明“冷凝”）")
_COAL_ASSUMED = ("coal boiler: the combustion type and coal class are not in the register, so the most lenient "
                 "GB 24500-2020 row for coal at this capacity applies (an item below it is below every coal row)",
                 "燃煤锅炉：台账无燃烧方式和煤种，按该容量下 GB 24500-2020 最宽松的燃煤行判定（低于该值即低于所有燃煤行）")


def _boiler_rows(item: Equipment, dataset: Dataset) -> tuple[list[str], tuple[str, str] | None]:
    """Candidate row keys of GB 24500-2020 for the item, and the row-choice warning (None: exact)."""
    fuel_text = (item.fuel or "").strip().lower()
    family = _BOILER_FUELS.get(fuel_text.replace(" ", "_")) or next(
        (f for name, f in _BOILER_FUELS.items() if len(name) > 1 and name in fuel_text), None)
    mw = item.rated_capacity_mw or 0.0
    keys = set(dataset.keys())
    if family == "gas":
        condensing = "冷凝" in fuel_text or "condensing" in fuel_text
        return ["chamber.natural_gas_condensing" if condensing else "chamber.natural_gas"], (
            None if condensing else _GAS_ASSUMED)
    if family == "oil":
        return ["chamber.oil"], None
    if family == "electric":
        return ["electric"], None
    if family == "biomass":
        return ["biomass.le7MW" if mw <= 7 + 1e-9 else "biomass.gt7MW"], None
    if family == "coal":
        size = "le14MW" if mw <= 14 + 1e-9 else "gt14MW"
        if any(w in fuel_text for w in ("流化床", "fluidised", "fluidized", "cfb")):
            rows = sorted(k for k in keys if k.startswith("fluidised."))
        elif any(w in fuel_text for w in ("煤粉", "室燃", "pulverised", "pulverized")):
            return ["chamber.coal"], None
        else:
            rows = sorted(k for k in keys if k.startswith("layered.") and k.endswith(size))
            rows += sorted(k for k in keys if k.startswith("fluidised.")) + ["chamber.coal"]
        return rows, _COAL_ASSUMED
    return [], None


def _check_boiler(item: Equipment, catalog: Catalog, factors: Factors, check: Check) -> None:
    dataset = catalog.dataset(BOILER_DATASET)
    check.standard = BOILER_DATASET
    check.actual = item.efficiency_pct
    candidates, choice_note = _boiler_rows(item, dataset)
    if not candidates or item.efficiency_pct is None:
        _not_covered(check, f"fuel '{item.fuel or ''}' is not one GB 24500-2020 covers as encoded (coal, biomass, "
                            "natural gas, oil, electric): not checked",
                     f"燃料“{item.fuel or ''}”不在已录入的 GB 24500-2020 范围内（煤、生物质、天然气、燃油、电）：未判定")
        return
    # the most lenient candidate: the lowest grade-3 minimum
    key = min(candidates, key=lambda k: (getattr(dataset.get(k, "grade_3"), "value", None) or 1e9, k))
    rows = {g: dataset.get(key, f"grade_{g}") for g in (1, 2, 3)}
    minimum = rows[3]
    assert minimum is not None and minimum.value is not None
    check.rating = key
    if choice_note:
        check.warnings.append(Finding("diagnosis.check.row_assumed", *choice_note))
    grades = {g: (r.value if r is not None else None) for g, r in rows.items()}
    check.minimum, check.minimum_status = minimum.value, minimum.verification_status
    check.grade = calc.efficiency_grade(item.efficiency_pct, grades)
    check.below_minimum = check.grade is None
    check.gap = round(minimum.value - item.efficiency_pct, 6) if check.below_minimum else 0.0
    target_value, target, target_zh = _replacement_target(
        check, rows, grades, (item.target_efficiency_pct, "user target efficiency", "用户指定目标效率"),
        "GB 24500-2020", f"Boiler {item.code}", f"锅炉 {item.code}")
    if target_value is not None and target_value > item.efficiency_pct:
        _boiler_measure(item, factors, target, target_zh, target_value, check)


_MULTISTAGE_PUMPS = ("multistage", "light_multistage_vertical", "light_multistage_horizontal")


def _check_pump(item: Equipment, catalog: Catalog, factors: Factors, check: Check) -> None:
    """GB 19762-2025 clean-water centrifugal pumps: the grades from the efficiency formula of the pump's
    specific speed and flow, minus C_i of its type and flow range (表3)."""
    dataset = catalog.dataset(PUMP_DATASET)
    check.standard = PUMP_DATASET
    check.actual = item.efficiency_pct
    missing = [f for f in ("pump_type", "flow_m3_h", "head_m", "speed_rpm") if getattr(item, f) is None]
    if missing or item.efficiency_pct is None:
        _not_covered(check, f"GB 19762-2025 needs the pump type, flow, head and speed ({', '.join(missing)} missing): "
                            "not checked", f"GB 19762-2025 需要泵类型、流量、扬程和转速（缺少 {'、'.join(missing)}）：未判定")
        return
    pump_type = item.pump_type or ""
    flow, head, speed = item.flow_m3_h or 0.0, item.head_m or 0.0, item.speed_rpm or 0.0
    stages = item.stages or 1
    multistage = pump_type in _MULTISTAGE_PUMPS
    ns = calc.pump_specific_speed(flow, head, speed, double_suction=pump_type == "double_suction",
                                  stages=stages if multistage else 1)
    ranges = []
    keys = dataset.keys()
    for key in keys:
        kind, q = key.rsplit(".", 1)
        if kind == pump_type:
            low, high = (float(v) for v in q[1:].split("-"))
            ranges.append((low, high, key))
    ranges.sort()
    # ranges are (low, high] except the first of a type, which includes its low end
    row_key = next((k for i, (lo, hi, k) in enumerate(ranges)
                    if (lo <= flow if i == 0 else lo < flow) and flow <= hi + 1e-9), None)
    if row_key is None or not 20 <= ns <= 300:
        _not_covered(check, f"{pump_type} pump, Q = {flow:g} m³/h, ns = {ns:.0f}: outside the scope encoded from "
                            "GB 19762-2025 (flow ranges of 表3, ns 20–300): not checked",
                     f"{pump_type} 泵，Q = {flow:g} m³/h，ns = {ns:.0f}：超出已录入的 GB 19762-2025 范围"
                     "（表3 流量范围，ns 20～300）：未判定")
        return
    formula_key = "formula.multistage" if multistage else "formula.single_stage"
    coefficient_rows = {p: dataset.get(formula_key, p) for p in "abcde"}
    coefficients = {p: r.value for p, r in coefficient_rows.items() if r is not None and r.value is not None}
    ci_rows = {g: dataset.get(row_key, f"ci_grade_{g}") for g in (1, 2, 3)}
    grades = {g: (round(calc.pump_efficiency_pct(ns, flow, coefficients, r.value), 2)
                  if r is not None and r.value is not None else None) for g, r in ci_rows.items()}
    minimum = grades[3]
    assert minimum is not None and len(coefficients) == 5
    check.rating = f"{row_key} · ns {ns:.1f}"
    check.minimum, check.minimum_status = minimum, (ci_rows[3].verification_status if ci_rows[3] else None)
    check.grade = calc.efficiency_grade(item.efficiency_pct, grades)
    check.below_minimum = check.grade is None
    check.gap = round(minimum - item.efficiency_pct, 6) if check.below_minimum else 0.0
    check.warnings.append(Finding(
        "diagnosis.check.pump_formula",
        f"GB 19762-2025 minimum computed by its formula: ns = {ns:.1f} (3.65 n √Q / H^0.75), grade 3 = {minimum:.2f} %, "
        f"grade 2 = {grades[2]:.2f} %, grade 1 = {grades[1]:.2f} % ({formula_key}, {row_key}); the register's flow, head "
        "and speed are taken as the best-efficiency point",
        f"按 GB 19762-2025 公式计算能效限定值：ns = {ns:.1f}（3.65 n √Q / H^0.75），3级 = {minimum:.2f} %，"
        f"2级 = {grades[2]:.2f} %，1级 = {grades[1]:.2f} %（{formula_key}，{row_key}）；台账的流量、扬程、转速视为最高效率点参数"))
    row = ci_rows[3]
    if row is not None and row.needs_warning:
        check.warnings.append(_status_finding(row, f"Pump {item.code} (C_3)", f"水泵 {item.code}（C_3）"))
    target_value = item.target_efficiency_pct
    target, target_zh = "user target efficiency", "用户指定目标效率"
    if target_value is None and check.below_minimum and grades[1] is not None:
        target_value = grades[1]
        target, target_zh = "GB 19762-2025 grade 1", "GB 19762-2025 1级能效"
    if target_value is not None and target_value > item.efficiency_pct:
        kwh = calc.motor_saving_kwh(item.rated_power_kw or 0, item.hours_per_year, item.load_factor,
                                    item.efficiency_pct, target_value)
        check.measure = _electric_measure(item, kwh, factors, target, target_zh, target_value)


_INTERVAL = re.compile(r"(psi|ns|hub|No)([\[(])([0-9.]+),([0-9.]+|inf)([\])])")


def _in_interval(value: float, low_bracket: str, low: str, high: str, high_bracket: str) -> bool:
    lo, hi = float(low), float(high)
    above = value >= lo - 1e-9 if low_bracket == "[" else value > lo + 1e-9
    below = value <= hi + 1e-9 if high_bracket == "]" else value < hi - 1e-9
    return above and below


def _check_fan(item: Equipment, catalog: Catalog, factors: Factors, check: Check) -> None:
    """GB 19761-2020 表1–表3: the row whose intervals (ψ and n_s, or γ for axial fans, and machine number)
    contain the fan's values, the ends closed or open as the standard prints them (kept in the keys)."""
    dataset = catalog.dataset(FAN_DATASET)
    check.standard = FAN_DATASET
    check.actual = item.efficiency_pct
    if item.fan_type == "axial":
        needed = {"hub": item.hub_ratio, "No": item.machine_number}
    else:
        needed = {"psi": item.pressure_coefficient, "ns": item.fan_specific_speed, "No": item.machine_number}
    missing = [name for name, v in needed.items() if v is None]
    if item.fan_type is None or missing or item.efficiency_pct is None:
        names = {"psi": "pressure_coefficient", "ns": "fan_specific_speed", "hub": "hub_ratio", "No": "machine_number"}
        what = ", ".join(["fan_type"] * (item.fan_type is None) + [names[m] for m in missing])
        _not_covered(check, f"GB 19761-2020 needs the fan type, pressure coefficient and specific speed (centrifugal) "
                            f"or hub ratio (axial), and machine number ({what} missing): not checked",
                     f"GB 19761-2020 需要风机类型、压力系数和比转速（离心）或轮毂比（轴流）及机号（缺少 {what}）：未判定")
        return
    key = None
    keys = dataset.keys()
    for candidate in keys:
        if not candidate.startswith(f"{item.fan_type}."):
            continue
        parts = _INTERVAL.findall(candidate)
        if parts and all(name in needed and _in_interval(float(needed[name] or 0), *rest) for name, *rest in parts):
            key = candidate
            break
    if key is None:
        _not_covered(check, f"no row of GB 19761-2020 表1–表3 contains this {item.fan_type} fan "
                            f"({', '.join(f'{k} {v:g}' for k, v in needed.items() if v is not None)}): not checked",
                     f"GB 19761-2020 表1～表3 中无对应此{'轴流' if item.fan_type == 'axial' else '离心'}通风机的行：未判定")
        return
    rows = {g: dataset.get(key, f"grade_{g}") for g in (1, 2, 3)}
    grades = {g: (r.value if r is not None else None) for g, r in rows.items()}
    minimum = rows[3]
    assert minimum is not None and minimum.value is not None
    check.rating = key
    check.minimum, check.minimum_status = minimum.value, minimum.verification_status
    check.grade = calc.efficiency_grade(item.efficiency_pct, grades)
    check.below_minimum = check.grade is None
    check.gap = round(minimum.value - item.efficiency_pct, 6) if check.below_minimum else 0.0
    check.warnings.append(Finding(
        "diagnosis.check.fan_efficiency_basis",
        "GB 19761-2020 grades the peak (impeller) efficiency; the register's efficiency is compared as given, and the "
        "standard's deductions (double inlet, HVAC fans, inlet boxes) are not applied",
        "GB 19761-2020 按最高（叶轮）效率分级；台账效率按填报值比较，未计入标准中双吸入、空调用及带进气箱风机的扣减"))
    # a fan's replacement target is grade 1 only (not the best grade with a value, as for the others)
    target_value, target, target_zh = _replacement_target(
        check, rows, {1: grades[1]}, (item.target_efficiency_pct, "user target efficiency", "用户指定目标效率"),
        "GB 19761-2020", f"Fan {item.code}", f"风机 {item.code}")
    if target_value is not None and target_value > item.efficiency_pct:
        kwh = calc.motor_saving_kwh(item.rated_power_kw or 0, item.hours_per_year, item.load_factor,
                                    item.efficiency_pct, target_value)
        check.measure = _electric_measure(item, kwh, factors, target, target_zh, target_value)


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
            check.unit = "W"
        elif item.kind == "air_compressor":
            _check_compressor(item, catalog, factors, check)
        elif item.kind == "industrial_boiler":
            _check_boiler(item, catalog, factors, check)
        elif item.kind == "pump":
            _check_pump(item, catalog, factors, check)
        else:
            _check_fan(item, catalog, factors, check)
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


def list_alerts(session: Session, enterprise_id: int, *, status: str | None = None,
                year: int | None = None) -> list[DiagnosisAlert]:
    """The enterprise's alerts, newest first; with ``year`` those whose days overlap that year (the
    year a page or report shows)."""
    query = (select(DiagnosisAlert).join(Facility, Facility.id == DiagnosisAlert.facility_id)
             .where(Facility.enterprise_id == enterprise_id))
    if status:
        query = query.where(DiagnosisAlert.status == status)
    if year is not None:
        query = query.where(DiagnosisAlert.started <= dt.date(year, 12, 31), DiagnosisAlert.ended >= dt.date(year, 1, 1))
    return list(session.execute(query.order_by(DiagnosisAlert.started.desc(), DiagnosisAlert.id)).scalars())


def alert_dict(alert: DiagnosisAlert) -> dict[str, Any]:
    """An alert as the API answers it; ``severity`` is ``info`` for a departure below the baseline
    (:func:`greenmfg.diagnosis.labels.alert_severity_key`), ``departure_severity`` its stored size."""
    out = {c: getattr(alert, c) for c in ("id", "facility_id", "meter_id", "kind", "started", "ended", "excess_kwh",
                                          "expected_kwh", "max_abs_z", "severity", "status", "created_at",
                                          "acknowledged_by", "acknowledged_at")}
    out["departure_severity"] = alert.severity
    out["severity"] = alert_severity_key(alert.severity, alert.excess_kwh)
    return out


def can_acknowledge(principal: Principal, enterprise_id: int) -> bool:
    """Members of the enterprise (any role) and admins, with a ``write`` credential, set its alerts' status."""
    return (principal.is_admin or enterprise_id in principal.enterprise_ids()) and "write" in principal.scopes


def acknowledge_alert(session: Session, principal: Principal, enterprise_id: int, alert_id: int, status: str
                      ) -> DiagnosisAlert:
    """Set an alert's status (acknowledged or closed): members of the enterprise and admins only."""
    get_enterprise(session, principal, enterprise_id)
    alert = session.get(DiagnosisAlert, alert_id)
    facility = session.get(Facility, alert.facility_id) if alert is not None else None
    if alert is None or facility is None or facility.enterprise_id != enterprise_id:
        raise NotFound("alert", alert_id)
    if not can_acknowledge(principal, enterprise_id):
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


# ------------------------------------------------------------------ metering coverage (GB 17167-2006)

#: vocabulary item → GB 17167-2006 energy category (keys of ``metering_requirements/gb17167-2006``);
#: items not listed (coal tar, oxygen, compressed air …) have no encoded requirement
METERING_CATEGORY: Mapping[str, str] = {
    "electricity": "electricity",
    **dict.fromkeys(("raw_coal", "anthracite", "bituminous_coal", "lignite", "washed_coal", "other_washed_coal",
                     "coal_slime", "briquette", "coal_gangue"), "coal"),
    **dict.fromkeys(("coke", "petroleum_coke"), "coke"),
    "crude_oil": "crude_oil",
    **dict.fromkeys(("gasoline", "diesel", "kerosene", "naphtha", "refined_oil_products", "other_petroleum_products"),
                    "oil_products"),
    "fuel_oil": "heavy_oil", "residual_oil": "residual_oil",
    **dict.fromkeys(("natural_gas", "lng"), "natural_gas"), "lpg": "lpg",
    **dict.fromkeys(("blast_furnace_gas", "converter_gas", "coke_oven_gas", "producer_gas", "other_gas"), "coal_gas"),
    **dict.fromkeys(("steam", "heat"), "steam"),
    **dict.fromkeys(("fresh_water", "softened_water", "deaerated_water"), "water"),
}


@dataclass
class MeteringRow:
    """Metering of one GB 17167-2006 energy category against its required equipping rates."""

    category: str
    items: list[str]
    #: facilities whose stored results of the year use the category / of them, with a meter of it
    facilities_using: int
    facilities_metered: int
    meters: int
    #: the enterprise boundary (进出用能单位): at least one meter of the category → 100, else 0
    rate_unit: float | None
    #: facilities as main secondary units (主要次级用能单位): metered / using × 100
    rate_secondary: float | None
    required_unit: float | None
    required_secondary: float | None
    required_equipment: float | None
    meets_unit: bool | None
    meets_secondary: bool | None
    status: str


def metering_coverage(session: Session, enterprise_id: int, year: int) -> tuple[list[MeteringRow], list[Finding]]:
    """Energy meters registered per energy category against GB 17167-2006's required equipping rates.

    The categories are those of the enterprise's stored accounting results of ``year`` (lines with
    energy); the meters are the facilities' registered meters (``meters.item``). Two levels are
    computed: the enterprise boundary (进出用能单位: at least one meter of the category), and the
    facilities as main secondary units (主要次级用能单位: facilities with a meter of the category /
    facilities using it). The equipment level (主要用能设备) is not computed: meters are not linked
    to equipment. A meter counted here is registered, not necessarily read.
    """
    from greenmfg.accounting.lines import preload_lines
    from greenmfg.accounting.models import FacilityResult

    findings: list[Finding] = []
    dataset = load_catalog().dataset(METERING_DATASET)
    using: dict[str, set[int]] = defaultdict(set)
    items_of: dict[str, set[str]] = defaultdict(set)
    unmapped: set[str] = set()
    results = session.execute(select(FacilityResult).where(
        FacilityResult.enterprise_id == enterprise_id, FacilityResult.current.is_(True), FacilityResult.year == year)
        .options(undefer(FacilityResult.lines_packed), undefer(FacilityResult.lines_json))).scalars().all()
    preload_lines(session, results)
    for facility_id, lines in ((r.facility_id, r.lines) for r in results):
        for line in lines or []:
            if not line.get("energy_tce"):
                continue
            category = METERING_CATEGORY.get(line.get("item", ""))
            if category is None:
                unmapped.add(str(line.get("item")))
                continue
            using[category].add(facility_id)
            items_of[category].add(line["item"])
    metered: dict[str, set[int]] = defaultdict(set)
    meters: dict[str, int] = defaultdict(int)
    for facility_id, item in session.execute(select(Meter.facility_id, Meter.item).join(
            Facility, Facility.id == Meter.facility_id).where(Facility.enterprise_id == enterprise_id)):
        category = METERING_CATEGORY.get(item)
        if category is not None:
            metered[category].add(facility_id)
            meters[category] += 1
    rows: list[MeteringRow] = []
    warned: set[str] = set()
    for category in sorted(using, key=lambda c: (c != "electricity", c)):
        required = {lvl: dataset.get(category, f"equipping_rate.{lvl}") for lvl in ("unit", "secondary_unit",
                                                                                    "equipment")}
        for row in required.values():
            if row is not None and row.needs_warning and row.verification_status not in warned:
                warned.add(row.verification_status)
                findings.append(Finding(
                    "diagnosis.reference.unverified",
                    f"the required equipping rates of {METERING_DATASET} have status '{row.verification_status}' "
                    f"(not checked against the standard's text): {row.source}",
                    f"{dataset_name(METERING_DATASET, zh=True)}的配备率要求核实状态为"
                    f"“{status_name(row.verification_status, zh=True)}”（未对照标准原文核实）"))
        users = using[category]
        with_meter = users & metered[category]
        rate_unit = 100.0 if meters[category] else 0.0
        rate_secondary = calc.equipping_rate_pct(len(with_meter), len(users))
        req = {k: (r.value if r is not None else None) for k, r in required.items()}
        meets_unit = None if req["unit"] is None else rate_unit >= req["unit"] - 1e-9
        meets_secondary = (None if req["secondary_unit"] is None or rate_secondary is None
                           else rate_secondary >= req["secondary_unit"] - 1e-9)
        status = next((r.verification_status for r in required.values() if r is not None), "")
        rows.append(MeteringRow(category=category, items=sorted(items_of[category]), facilities_using=len(users),
                                facilities_metered=len(with_meter), meters=meters[category], rate_unit=rate_unit,
                                rate_secondary=rate_secondary, required_unit=req["unit"],
                                required_secondary=req["secondary_unit"], required_equipment=req["equipment"],
                                meets_unit=meets_unit, meets_secondary=meets_secondary, status=status))
    if rows:
        findings.append(Finding(
            "diagnosis.metering.equipment_level",
            "metering of main energy-using equipment (主要用能设备) is not computed: meters are not linked to equipment; "
            "the enterprise level counts whether any meter of the carrier is registered, not every required one",
            "主要用能设备的计量器具配备率未计算：计量器具未与设备关联；企业（进出用能单位）层级仅判断是否登记了该能源的计量器具，"
            "而非所需全部器具"))
    if unmapped:
        findings.append(Finding(
            "diagnosis.metering.no_requirement",
            f"no GB 17167-2006 category encoded for: {', '.join(sorted(unmapped))}",
            f"以下能源未对应 GB 17167-2006 的能源种类：{'、'.join(sorted(unmapped))}"))
    return rows, findings
