"""The footprint run: activity data (through the one accounting engine), products and upstream
materials → each product's cradle-to-gate carbon footprint per functional unit, by stage and gas,
its allocation, data quality and derivation.

Stages (GB/T 24067-2024 / ISO 14067:2018, cradle to gate):

* ``raw_material`` — purchased materials up to the supplier's gate: the upstream file's rows (a
  supplier's factor, else the database's) and process materials of the activity data (limestone,
  anodes, scrap …) with a factor;
* ``upstream_energy`` — extraction, processing and transport of the fuels burnt on site (their
  combustion is ``direct``);
* ``direct`` — the plant's own emissions: fuel combustion and industrial processes from
  :func:`greenmfg.accounting.account` (the one engine);
* ``indirect_electricity`` — purchased electricity × the electricity footprint factor (life cycle of
  grid power, as GB/T 24067 asks; ``electricity="accounting"``: the accounting's grid CO2 factor);
* ``indirect_heat`` — purchased heat as accounted (CO2 factor of the accounting: no life-cycle
  factor of heat was found);
* ``credits`` — exported electricity and heat as the accounting deducts them (system expansion).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
from pint.errors import DimensionalityError

from greenmfg import __version__
from greenmfg.accounting.parameters import AccountingOptions
from greenmfg.accounting.reader import InputFile
from greenmfg.calc.footprint import (
    STAGES,
    allocation_shares,
    dqr,
    geographical_score,
    per_functional_unit,
    precision_score,
    rating,
    technological_score,
    temporal_score,
    weighted_dqr,
)
from greenmfg.errors import Finding, UnitError, ValidationFailed
from greenmfg.findings import Locator
from greenmfg.footprint.factors import (
    AVOIDED_SCOPE,
    MATERIAL_SCOPES,
    Factor,
    FootprintData,
    Rule,
    load_footprint_data,
)
from greenmfg.footprint.inputs import (
    CODE_PREFIX,
    PRODUCT_COLUMNS,
    UPSTREAM_COLUMNS,
    ProductRow,
    UpstreamRow,
    check_products,
    check_upstream,
)
from greenmfg.refdata.catalog import WARNING_FREE_STATUSES, load_catalog
from greenmfg.refdata.vocabulary import load_vocabulary
from greenmfg.sheets import read_sheet
from greenmfg.units import conversion_factor, parse_unit, registry

__all__ = ["ALLOCATION_CHOICES", "Boundary", "Contribution", "FootprintOptions", "FootprintRun", "ProductFootprint",
           "footprint"]

#: what ``--allocation`` accepts: the product rule's method, or mass / economic for every boundary
ALLOCATION_CHOICES = ("rule", "mass", "economic")
_ROUTES = {"bf_bof": "bf_bof", "bf-bof": "bf_bof", "bfbof": "bf_bof", "高炉-转炉": "bf_bof", "高炉转炉": "bf_bof",
           "长流程": "bf_bof", "eaf": "eaf", "电炉": "eaf", "短流程": "eaf", "电弧炉": "eaf"}
_UPSTREAM_FLOWS = ("consumed", "feedstock")
_MATERIAL_FLOWS = ("process", "feedstock", "consumed")
_MATERIAL_KINDS = ("carbonate", "carbon_material")
_ENERGY_ITEMS_REFUSED = ("electricity", "heat", "steam")


@dataclass(frozen=True)
class FootprintOptions:
    """``allocation``: ``rule`` (the product rule's), ``mass`` or ``economic``; ``year``: sum the
    months of one year (else each period of the files); ``electricity``: ``footprint`` (the
    electricity footprint factor) or ``accounting`` (the accounting's grid CO2 factor)."""

    allocation: str = "rule"
    year: int | None = None
    electricity: str = "footprint"
    accounting: AccountingOptions = field(default_factory=AccountingOptions)

    def as_dict(self) -> dict[str, object]:
        return {"allocation": self.allocation, "year": self.year, "electricity": self.electricity}


@dataclass
class Contribution:
    """One derivation line of a boundary's burden: quantity × factor = emissions [tCO2e]."""

    stage: str
    item: str
    name_zh: str
    name_en: str
    quantity: float | None
    unit: str
    factor: float | None
    factor_unit: str
    co2e_t: float
    gas: str                 # co2, pfc (CF4 + C2F6 as CO2e) or co2e (a life-cycle factor: gases not separated)
    ref: str
    source: str
    status: str
    primary: bool
    scores: dict[str, float]
    file: str = ""
    rows: tuple[int, ...] = ()
    note_en: str = ""
    note_zh: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "item": self.item, "name_zh": self.name_zh, "name_en": self.name_en,
                "quantity": self.quantity, "unit": self.unit, "factor": self.factor, "factor_unit": self.factor_unit,
                "co2e_t": self.co2e_t, "gas": self.gas, "ref": self.ref, "source": self.source,
                "verification_status": self.status, "primary_data": self.primary, "data_quality": self.scores,
                "file": self.file, "rows": list(self.rows), "note": self.note_en, "note_zh": self.note_zh}


@dataclass
class ProductFootprint:
    product: str
    name_zh: str
    name_en: str
    quantity: float
    unit: str
    functional_unit: str
    functional_unit_zh: str
    functional_unit_en: str
    quantity_fu: float
    share: float
    bears_burden: bool
    footprint_kg: float
    by_stage: dict[str, float]
    by_gas: dict[str, float]
    rule: Rule | None
    file: str
    row: int


@dataclass
class Boundary:
    """One facility-period: its burden, contributions, allocation and products."""

    enterprise_id: str
    enterprise_name: str
    industry: str
    region: str
    facility_id: str
    period: str
    year: int
    contributions: list[Contribution] = field(default_factory=list)
    allocation: str = ""
    allocation_zh: str = ""
    allocation_en: str = ""
    products: list[ProductFootprint] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def burden_t(self) -> dict[str, float]:
        out = dict.fromkeys(STAGES, 0.0)
        for c in self.contributions:
            out[c.stage] += c.co2e_t
        return out

    @property
    def total_t(self) -> float:
        return sum(self.burden_t.values())

    @property
    def by_gas_t(self) -> dict[str, float]:
        out = {"co2": 0.0, "pfc": 0.0, "co2e": 0.0}
        for c in self.contributions:
            out[c.gas] += c.co2e_t
        return out

    @property
    def dqr(self) -> float | None:
        return weighted_dqr([(c.co2e_t, c.scores["dqr"]) for c in self.contributions if c.factor is not None
                             or c.ref == "accounting"])

    @property
    def primary_share(self) -> float | None:
        weight = sum(abs(c.co2e_t) for c in self.contributions)
        return sum(abs(c.co2e_t) for c in self.contributions if c.primary) / weight if weight > 0 else None

    @property
    def criteria(self) -> dict[str, float | None]:
        """Each data-quality criterion weighted by the contributions' emissions."""
        parts = [c for c in self.contributions if c.factor is not None or c.ref == "accounting"]
        return {k: weighted_dqr([(c.co2e_t, c.scores[k]) for c in parts]) for k in ("te", "ge", "ti", "p")}

    @property
    def unverified(self) -> list[Contribution]:
        return [c for c in self.contributions if c.status not in WARNING_FREE_STATUSES and c.status != "supplier"]

    @property
    def missing(self) -> list[Contribution]:
        """Inputs with no factor: counted as zero (cut off), named."""
        return [c for c in self.contributions if c.factor is None and c.ref != "accounting"]


@dataclass
class FootprintRun:
    options: FootprintOptions
    boundaries: list[Boundary]
    data: FootprintData
    accounting_provenance: dict[str, Any]
    warnings: list[Finding]
    inputs: dict[str, str]
    run_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def products(self) -> list[tuple[Boundary, ProductFootprint]]:
        return [(b, p) for b in self.boundaries for p in b.products]

    def band_name(self, value: float | None, *, zh: bool) -> str:
        band = rating(value, self.data.bands)
        if band is None:
            return "—"
        names = self.data.band_names.get(band, (band, band))
        return names[0] if zh else names[1]

    def provenance(self) -> dict[str, Any]:
        catalog = load_catalog()
        datasets = [{"id": d, "title": catalog.dataset(d).info.title, "title_zh": catalog.dataset(d).info.title_zh,
                     "sha256": catalog.dataset(d).info.sha256} for d in self.data.datasets]
        return {"greenmfg_version": __version__, "run_at_utc": self.run_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "options": self.options.as_dict(), "standard": "GB/T 24067-2024 / ISO 14067:2018",
                "footprint_datasets": datasets, "inputs": self.inputs, "accounting": self.accounting_provenance}


def _route(text: str | None) -> str | None:
    if not text:
        return None
    return _ROUTES.get(text.strip().lower().replace(" ", ""), text.strip().lower())


def _co2e_t(quantity: float, unit: str, factor: float, factor_unit: str) -> float:
    """quantity [unit] × factor [factor_unit] in tCO2e (pint checks the dimensions)."""
    ureg = registry()
    value = ureg.Quantity(quantity, parse_unit(unit)) * ureg.Quantity(factor, parse_unit(factor_unit))
    return float(value.to(parse_unit("tCO2e")).magnitude)


def _scores(*, te: str, factor_region: str, region: str, grid: str | None, factor_year: int | None, year: int,
            status: str) -> dict[str, float]:
    scores = {"te": float(technological_score(te)), "ge": float(geographical_score(factor_region, region, grid)),
              "ti": float(temporal_score(factor_year, year)), "p": float(precision_score(status))}
    scores["dqr"] = dqr(scores["te"], scores["ge"], scores["ti"], scores["p"])
    return scores


_OWN = {"te": 1.0, "ge": 1.0, "ti": 1.0}


def footprint(activity: str | Path | InputFile | pa.Table, products: str | Path | InputFile,
              upstream: str | Path | InputFile | None = None, options: FootprintOptions | None = None) -> FootprintRun:
    """Cradle-to-gate footprints of the products in ``products`` from the activity data ``activity``
    (the accounting template, accounted by :func:`greenmfg.accounting.account`; or its rows in
    memory, e.g. the platform's stored rows, by :func:`greenmfg.accounting.account_table`) and the
    purchased materials in ``upstream``.

    Raises
    ------
    ValidationFailed
        The activity data, the products or the upstream file has errors (located); nothing is computed.
    InputError
        A file cannot be read.
    """
    from greenmfg.accounting import account, account_table, result_document

    options = options or FootprintOptions()
    if options.allocation not in ALLOCATION_CHOICES:
        raise ValueError(f"allocation must be one of {', '.join(ALLOCATION_CHOICES)}")
    if options.electricity not in ("footprint", "accounting"):
        raise ValueError("electricity must be 'footprint' or 'accounting'")
    if isinstance(activity, pa.Table):
        run = account_table(activity, options.accounting, name="stored rows")
    else:
        run = account(activity if isinstance(activity, InputFile) else Path(activity), options.accounting)
    document = result_document(run)
    catalog, vocabulary = load_catalog(), load_vocabulary()
    data = load_footprint_data(catalog, vocabulary)
    issues: list[Finding] = []
    product_sheet = read_sheet(products if isinstance(products, InputFile) else Path(products), PRODUCT_COLUMNS,
                               ("products file", "产品文件"), issues, code_prefix=CODE_PREFIX)
    product_rows = check_products(product_sheet, issues)
    upstream_rows: list[UpstreamRow] = []
    if upstream is not None:
        upstream_sheet = read_sheet(upstream if isinstance(upstream, InputFile) else Path(upstream), UPSTREAM_COLUMNS,
                                    ("upstream file", "上游物料文件"), issues, code_prefix=CODE_PREFIX)
        upstream_rows = check_upstream(upstream_sheet, issues)
    boundaries = _boundaries(document["results"], options.year)
    placed_products = _place(product_rows, boundaries, options.year, issues, "product")
    placed_upstream = _place(upstream_rows, boundaries, options.year, issues, "material")
    resolved = _resolve_materials(placed_upstream, data, vocabulary, issues)
    if options.year is None:
        _check_duplicate_products(placed_products, vocabulary, issues)
    else:
        placed_products = _merge_months(placed_products, vocabulary, issues)
    _raise_errors(issues)
    warnings: list[Finding] = []
    out: list[Boundary] = []
    for key, boundary in boundaries.items():
        rows = [r for r, k in placed_products if k == key]
        if not rows:
            continue
        results = boundary.pop("_results")
        b = Boundary(**boundary)
        _contributions(b, results, [(r, item) for (r, k), item in zip(placed_upstream, resolved, strict=True)
                                    if k == key], data, vocabulary, options)
        _allocate(b, rows, data, vocabulary, options, issues)
        warnings += b.warnings
        out.append(b)
    _raise_errors(issues)
    inputs = {"activity": "stored rows" if isinstance(activity, pa.Table) else str(activity), "products": str(products), "upstream": str(upstream) if upstream else ""}
    return FootprintRun(options=options, boundaries=out, data=data, accounting_provenance=run.provenance(),
                        warnings=warnings, inputs=inputs)


def _raise_errors(issues: list[Finding]) -> None:
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        raise ValidationFailed(errors[:200], len(errors))


def _boundaries(results: list[dict[str, Any]], year: int | None) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Accounting results grouped by enterprise, facility and period (the year, with ``year``)."""
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for result in results:
        period = str(result["period"])
        if year is not None and not period.startswith(str(year)):
            continue
        key = (str(result["enterprise_id"]), str(result["facility_id"]), str(year) if year is not None else period)
        entry = out.setdefault(key, {
            "enterprise_id": key[0], "enterprise_name": result.get("enterprise_name") or "",
            "industry": result["industry"], "region": result["region"], "facility_id": key[1], "period": key[2],
            "year": int(key[2][:4]), "_results": []})
        entry["_results"].append(result)
    return out


def _place(rows: list[Any], boundaries: Mapping[tuple[str, str, str], Any], year: int | None, issues: list[Finding],
           what: str) -> list[tuple[Any, tuple[str, str, str]]]:
    """Each row with the boundary it belongs to; a row with no accounted facility-period is an error."""
    placed = []
    for row in rows:
        if year is not None and not row.period.startswith(str(year)):
            continue
        period = str(year) if year is not None else row.period
        keys = [k for k in boundaries if k[1] == row.facility_id and k[2] == period
                and (row.enterprise_id is None or k[0] == row.enterprise_id)]
        at = Locator(file=row.file, code_prefix="footprint.input.")
        if len(keys) == 1:
            placed.append((row, keys[0]))
            continue
        if len(keys) > 1:
            issues.append(at.finding("ambiguous_facility", "enterprise_id", row.facility_id,
                                     f"facility {row.facility_id} exists in several enterprises of the activity data",
                                     f"活动数据中多个企业都有设施 {row.facility_id}",
                                     "add an enterprise_id column naming the enterprise",
                                     "请增加“企业编号”列注明所属企业", row=row.row))
            continue
        known = sorted({f"{k[1]} {k[2]}" for k in boundaries})[:8]
        issues.append(at.finding("no_activity", "facility_id", f"{row.facility_id} {row.period}",
                                 f"the activity data has no facility {row.facility_id} in period {period} "
                                 f"for this {what} (accounted: {', '.join(known) or 'none'})",
                                 f"活动数据中没有设施 {row.facility_id} 在 {period} 期间的数据"
                                 f"（已核算：{'、'.join(known) or '无'}）",
                                 "use a facility code and period of the activity data" +
                                 (", or the year given with --year" if year is not None else ""),
                                 "请使用活动数据中的设施编号和期间" + ("，或与 --year 一致的年份" if year is not None else ""),
                                 row=row.row))
    return placed


def _resolve_materials(placed: list[tuple[UpstreamRow, Any]], data: FootprintData, vocabulary: Any,
                       issues: list[Finding]) -> list[str]:
    items = []
    for row, _key in placed:
        item = data.materials.resolve(row.material_text)
        at = Locator(file=row.file, code_prefix="footprint.input.")
        if item is None:
            hints = data.materials.suggest(row.material_text)
            hint = f" (did you mean {', '.join(hints)}?)" if hints else ""
            hint_zh = f"（您是否要填写：{'、'.join(hints)}？）" if hints else ""
            issues.append(at.finding("unknown_material", "material", row.material_text,
                                     f"'{row.material_text}' is no material greenmfg knows{hint}",
                                     f"无法识别物料“{row.material_text}”{hint_zh}",
                                     "write a material's Chinese or English name (铁矿石, 氧化铝, coke …); "
                                     f"see `greenmfg refdata show {data.datasets[0]}`",
                                     "请填写物料的中文或英文名称（铁矿石、氧化铝、焦炭……）", row=row.row))
        elif item in _ENERGY_ITEMS_REFUSED:
            issues.append(at.finding("energy_in_upstream", "material", row.material_text,
                                     "purchased electricity, heat and steam are read from the activity data",
                                     "外购电力、热力和蒸汽取自活动数据，不在上游物料文件中填写",
                                     "delete this row; the activity file's purchased rows are used",
                                     "请删除此行；将使用活动数据中的外购行", row=row.row))
        items.append(item or "")
    return items


def _check_duplicate_products(placed: list[tuple[ProductRow, Any]], vocabulary: Any, issues: list[Finding]) -> None:
    seen: dict[tuple[Any, str], int] = {}
    for row, key in placed:
        product = vocabulary.item_names.resolve(row.product_text) or row.product_text
        first = seen.setdefault((key, product), row.row)
        if first != row.row:
            issues.append(Locator(file=row.file, code_prefix="footprint.input.").finding(
                "duplicate_product", "product", row.product_text,
                f"product {row.product_text} is listed twice for {key[1]} {key[2]} (rows {first} and {row.row})",
                f"设施 {key[1]} {key[2]} 的产品“{row.product_text}”重复（第 {first} 行和第 {row.row} 行）",
                "keep one row per product, facility and period", "每个设施、期间的同一产品只保留一行", row=row.row))


def _merge_months(placed: list[tuple[ProductRow, Any]], vocabulary: Any, issues: list[Finding]
                  ) -> list[tuple[ProductRow, Any]]:
    """With ``--year``: the months of a product in one facility summed into one row of the year (in the
    unit of its first row; the price weighted by quantity when every month has one)."""
    groups: dict[tuple[Any, str], list[ProductRow]] = {}
    for row, key in placed:
        groups.setdefault((key, vocabulary.item_names.resolve(row.product_text) or row.product_text), []).append(row)
    out = []
    for (key, _product), rows in groups.items():
        first = rows[0]
        quantities = []
        for row in rows:
            try:
                quantities.append(row.quantity * conversion_factor(row.unit, first.unit))
            except UnitError:
                issues.append(Locator(file=row.file, code_prefix="footprint.input.").finding(
                    "unit_differs", "unit", row.unit, f"{row.unit} does not convert to {first.unit} of row {first.row}",
                    f"单位 {row.unit} 不能换算为第 {first.row} 行的 {first.unit}", "give the months in one unit",
                    "请各月使用同一单位", row=row.row))
                quantities.append(0.0)
        total = sum(quantities)
        prices = [r.price for r in rows]
        price = (sum(q * p for q, p in zip(quantities, prices, strict=True) if p is not None) / total
                 if total > 0 and all(p is not None for p in prices) else None)
        out.append((dataclasses.replace(first, quantity=total, price=price), key))
    return out


def _contributions(b: Boundary, results: list[dict[str, Any]], upstream: list[tuple[UpstreamRow, str]],
                   data: FootprintData, vocabulary: Any, options: FootprintOptions) -> None:
    """The boundary's derivation lines, from the accounting results and the upstream rows."""
    grid = vocabulary.regions.get(b.region, {}).get("grid_region") or None
    sums: dict[str, float] = defaultdict(float)
    pfc = 0.0
    electricity_mwh = 0.0
    electricity_rows: list[int] = []
    unverified_direct = False
    consumed: dict[str, dict[str, Any]] = {}
    produced: set[str] = set()
    files = set()
    for result in results:
        for category, value in result["emissions_tco2e"].items():
            sums[category] += float(value or 0.0)
        for line in result["lines"]:
            files.add(line.get("file") or "")
            item, flow, kind = line["item"], line["flow"], line["kind"]
            if line["category"] in ("combustion", "process") and line.get("unverified"):
                unverified_direct = True
            if item == "aluminium_liquid" and flow == "produced" and line["category"] == "process":
                pfc += float(line["co2e_t"] or 0.0)
            if flow == "produced":
                produced.add(item)
            if line["category"] == "purchased_electricity":
                electricity_mwh += float(line["quantity"] or 0.0)
                electricity_rows.append(line.get("row"))
            upstream_kind = (kind == "fuel" and flow in _UPSTREAM_FLOWS) or (
                kind in _MATERIAL_KINDS and flow in _MATERIAL_FLOWS)
            if upstream_kind:
                entry = consumed.setdefault(item, {"quantity": 0.0, "unit": line["unit"], "rows": [], "kind": kind,
                                                    "file": line.get("file") or ""})
                entry["quantity"] += float(line["quantity"] or 0.0)
                entry["rows"].append(line.get("row"))
    direct = sums["combustion"] + sums["process"]
    file = ", ".join(sorted(f for f in files if f))
    p_direct = 3.0 if unverified_direct else 1.0
    own = {**_OWN, "p": p_direct, "dqr": dqr(1, 1, 1, p_direct)}
    status_direct = "secondary" if unverified_direct else "verified"
    if abs(direct - pfc) > 0 or pfc == 0:
        b.contributions.append(Contribution(
            "direct", "direct", "燃料燃烧与工业过程", "fuel combustion and industrial processes", None, "", None, "",
            direct - pfc, "co2", "accounting", "greenmfg accounting (GB/T 32151 and the sector guidelines)",
            status_direct, True, own, file, (),
            f"combustion {sums['combustion']:.6g} + process {sums['process'] - pfc:.6g} tCO2 as accounted"
            + ("; uses reference values not verified against the primary text" if unverified_direct else ""),
            f"燃料燃烧 {sums['combustion']:.6g} + 工业过程 {sums['process'] - pfc:.6g} tCO2（核算结果）"))
    if pfc:
        b.contributions.append(Contribution(
            "direct", "pfc", "阳极效应全氟化碳（CF4、C2F6）", "anode-effect PFCs (CF4, C2F6)", None, "", None, "", pfc,
            "pfc", "accounting", "greenmfg accounting (aluminium PFC defaults)", status_direct, True, own, file, (),
            "PFC emissions of the pots as CO2e, as accounted", "电解槽阳极效应全氟化碳排放（二氧化碳当量，核算结果）"))
    # purchased electricity
    factor = data.choose("electricity", ("electricity_footprint",), year=b.year, region=b.region, grid=grid)
    rows = tuple(r for r in electricity_rows if r is not None)
    if electricity_mwh or sums["purchased_electricity"]:
        if options.electricity == "footprint" and factor is not None and factor.value is not None:
            if factor.region not in (b.region, grid):
                # MEE/NBS/NEA publish the footprint factor for China only (2023, 2024): say the province's
                # own mix is not represented
                place = vocabulary.regions.get(b.region, {})
                b.warnings.append(Locator(file=file, code_prefix="footprint.").finding(
                    "electricity_national", "region", b.region,
                    f"no electricity footprint factor is published for {place.get('name_en') or b.region} "
                    f"({b.facility_id}): the national average {factor.value:g} {factor.unit} ({factor.data_year}) is used",
                    f"未发布{place.get('name_zh') or b.region}（{b.facility_id}）的电力碳足迹因子，采用全国平均值 "
                    f"{factor.value:g} {factor.unit}（{factor.data_year}年）",
                    "give the supplier's or a regional life-cycle factor of electricity when one is published",
                    "如有供电方或地区的电力碳足迹因子，请在其发布后采用",
                    row=rows[0] if rows else None, severity="warning"))
            b.contributions.append(Contribution(
                "indirect_electricity", "electricity", "外购电力", "purchased electricity", electricity_mwh, "MWh",
                factor.value, factor.unit, _co2e_t(electricity_mwh, "MWh", factor.value, factor.unit), "co2e",
                factor.ref, factor.source, factor.status, False,
                _scores(te="average", factor_region=factor.region, region=b.region, grid=grid,
                        factor_year=factor.data_year, year=b.year, status=factor.status), file, rows,
                f"electricity footprint factor {factor.data_year} ({factor.region}); the accounting's grid CO2 "
                f"factor gave {sums['purchased_electricity']:.6g} tCO2",
                f"电力碳足迹因子（{factor.data_year}年，{factor.region}）；核算中电网二氧化碳排放因子得 "
                f"{sums['purchased_electricity']:.6g} tCO2"))
        else:
            accounting_year = int(results[0].get("grid_factor_year") or b.year)
            b.contributions.append(Contribution(
                "indirect_electricity", "electricity", "外购电力", "purchased electricity", electricity_mwh, "MWh",
                sums["purchased_electricity"] / electricity_mwh if electricity_mwh else None, "tCO2/MWh",
                sums["purchased_electricity"], "co2", "accounting", "greenmfg accounting: grid CO2 emission factor",
                "secondary", False,
                _scores(te="proxy", factor_region="CN", region=b.region, grid=grid, factor_year=accounting_year,
                        year=b.year, status="secondary"), file, rows,
                "grid CO2 emission factor of the accounting: excludes the upstream of power generation and grid losses",
                "采用核算中的电网二氧化碳排放因子：未包括发电上游及电网损耗"))
    if sums["purchased_heat"]:
        b.contributions.append(Contribution(
            "indirect_heat", "heat", "外购热力", "purchased heat", None, "", None, "", sums["purchased_heat"], "co2",
            "accounting", "greenmfg accounting: purchased heat factor (NDRC guidelines, 0.11 tCO2/GJ)",
            "crosschecked", False,
            _scores(te="proxy", factor_region="CN", region=b.region, grid=grid, factor_year=None, year=b.year,
                    status="crosschecked"), file, (),
            "CO2 factor of heat supply; no life-cycle factor of heat was found", "热力供应的二氧化碳排放因子；未找到热力的生命周期因子"))
    if sums["exported"]:
        b.contributions.append(Contribution(
            "credits", "exported", "输出电力和热力", "exported electricity and heat", None, "", None, "", sums["exported"],
            "co2", "accounting", "greenmfg accounting: exported energy deducted (system expansion)", "secondary", False,
            _scores(te="average", factor_region="CN", region=b.region, grid=grid, factor_year=b.year, year=b.year,
                    status="secondary"), file, (),
            "exported energy credited as the accounting deducts it", "输出能源按核算结果扣减（系统扩展）"))
    # upstream rows replace the activity data's automatic ones for the same item
    replaced = {item for _row, item in upstream}
    for row, item in upstream:
        _upstream_line(b, data, vocabulary, grid, item, row.quantity, row.unit, row.file, (row.row,), row=row)
    for item, entry in sorted(consumed.items()):
        if item in replaced or item in produced:
            continue
        _upstream_line(b, data, vocabulary, grid, item, entry["quantity"], entry["unit"], entry["file"],
                       tuple(r for r in entry["rows"] if r is not None), row=None)


def _upstream_line(b: Boundary, data: FootprintData, vocabulary: Any, grid: str | None, item: str, quantity: float,
                   unit: str, file: str, rows: tuple[int, ...], *, row: UpstreamRow | None) -> None:
    known = vocabulary.items.get(item)
    fuel = known is not None and known.kind == "fuel"
    stage = "upstream_energy" if fuel else "raw_material"
    scopes = MATERIAL_SCOPES
    name_zh, name_en = data.names.get(item, (item, item))
    if row is not None and row.factor is not None and row.factor_unit:
        try:
            value = _co2e_t(quantity, unit, row.factor, row.factor_unit)
        except (DimensionalityError, UnitError):
            b.warnings.append(Locator(file=row.file, code_prefix="footprint.input.").finding(
                "factor_unit_mismatch", "factor_unit", row.factor_unit,
                f"the factor unit {row.factor_unit} does not fit the quantity's unit {unit}",
                f"因子单位 {row.factor_unit} 与数量单位 {unit} 不匹配",
                "give the factor per unit of the quantity, e.g. tCO2e/t for tonnes", "因子须按数量的单位给出，如吨对应 tCO2e/t",
                row=row.row, severity="error"))
            raise ValidationFailed([b.warnings[-1]], 1) from None
        b.contributions.append(Contribution(
            stage, item, name_zh, name_en, quantity, unit, row.factor, row.factor_unit, value, "co2e",
            "supplier", row.factor_source or "", "supplier", True,
            {"te": 1.0, "ge": 1.0, "ti": 1.0, "p": 2.0, "dqr": dqr(1, 1, 1, 2)}, file, rows,
            "supplier-specific factor from the upstream file", "上游物料文件中的供应商因子"))
        return
    factor: Factor | None = data.choose(item, scopes, year=b.year, region=b.region, grid=grid)
    if factor is None or factor.value is None:
        b.contributions.append(Contribution(
            stage, item, name_zh, name_en, quantity, unit, None, "", 0.0, "co2e",
            factor.ref if factor else "", factor.source if factor else "", "not_found", False,
            {"te": 5.0, "ge": 5.0, "ti": 5.0, "p": 5.0, "dqr": 5.0}, file, rows,
            "no factor found: left out (cut off); give the supplier's factor in the upstream file",
            "未找到因子：未计入（截断）；请在上游物料文件中填写供应商因子"))
        b.warnings.append(Locator(file=file, code_prefix="footprint.").finding(
            "no_factor", "material", name_en,
            f"{name_en} ({quantity:.6g} {unit}) of {b.facility_id} {b.period} has no cradle-to-gate factor: "
            "it is left out of the footprint", f"{b.facility_id} {b.period} 的{name_zh}（{quantity:.6g} {unit}）"
            "没有从摇篮到大门排放因子，未计入碳足迹",
            "give the supplier's factor (factor, factor_unit, factor_source) in the upstream file",
            "请在上游物料文件中填写供应商因子（排放因子、因子单位、因子来源）",
            row=rows[0] if rows else None, severity="warning"))
        return
    te = factor.technology
    try:
        value = _co2e_t(quantity, unit, factor.value, factor.unit)
    except (DimensionalityError, UnitError):
        b.warnings.append(Locator(file=file, code_prefix="footprint.").finding(
            "unit_mismatch", "unit", unit, f"{name_en} in {unit} cannot be multiplied by a factor in {factor.unit}",
            f"{name_zh}的单位 {unit} 与因子单位 {factor.unit} 不匹配", f"give {name_en} in the factor's unit",
            f"请按因子对应的单位填写{name_zh}", row=rows[0] if rows else None, severity="error"))
        raise ValidationFailed([b.warnings[-1]], 1) from None
    b.contributions.append(Contribution(
        stage, item, name_zh, name_en, quantity, unit, factor.value, factor.unit, value, "co2e", factor.ref,
        factor.source, factor.status, False,
        _scores(te=te, factor_region=factor.region, region=b.region, grid=grid, factor_year=factor.data_year,
                year=b.year, status=factor.status), file, rows,
        f"database factor ({factor.region}, {factor.data_year or 'year not stated'})",
        f"数据库因子（{factor.region}，{factor.data_year or '年份未注明'}）"))


def _allocate(b: Boundary, rows: list[ProductRow], data: FootprintData, vocabulary: Any,
              options: FootprintOptions, issues: list[Finding]) -> None:
    """Shares and per-functional-unit footprints of the boundary's products."""
    products = []
    for row in rows:
        key = vocabulary.item_names.resolve(row.product_text)
        route = _route(row.route)
        rule = (data.rules.get(f"{key}.{route}") if key and route else None) or (data.rules.get(key) if key else None)
        name_zh, name_en = data.names.get(key, (row.product_text, row.product_text)) if key else (
            row.product_text, row.product_text)
        products.append((row, key or row.product_text, rule, name_zh, name_en))
    at = Locator(file=rows[0].file, code_prefix="footprint.input.")
    method = options.allocation
    if method == "rule":
        methods = {rule.allocation for _r, _k, rule, _z, _e in products if rule is not None}
        if len(products) == 1:
            method = next(iter(methods)) if methods else "mass"
        elif not methods:
            issues.append(at.finding("no_rule", "product", ", ".join(r.product_text for r in rows),
                                     f"no product rule covers the products of {b.facility_id} {b.period}",
                                     f"{b.facility_id} {b.period} 的产品没有适用的产品核算规则",
                                     "choose --allocation mass or economic", "请选择 --allocation mass 或 economic",
                                     row=rows[0].row))
            return
        elif len(methods) > 1:
            issues.append(at.finding("rules_disagree", "product", ", ".join(r.product_text for r in rows),
                                     f"the product rules of {b.facility_id} {b.period} allocate differently "
                                     f"({', '.join(sorted(methods))})",
                                     f"{b.facility_id} {b.period} 各产品的核算规则分配方法不一致（{'、'.join(sorted(methods))}）",
                                     "choose --allocation mass or economic", "请选择 --allocation mass 或 economic",
                                     row=rows[0].row))
            return
        else:
            method = next(iter(methods))
    needs_tonnes = method in ("mass", "system_expansion") and len(products) > 1
    quantities: list[float] = []
    failed = False
    for row, _key, rule, _z, _e in products:
        if needs_tonnes and not (method == "system_expansion" and (rule is None or rule.allocation != method)):
            try:
                quantities.append(row.quantity * float(registry().Quantity(1.0, parse_unit(row.unit)).to("t").magnitude))
            except (DimensionalityError, UnitError):
                issues.append(at.finding("not_mass", "unit", row.unit,
                                         f"mass allocation needs every product in a mass unit; {row.product_text} is "
                                         f"in {row.unit}", f"质量分配要求各产品均以质量单位计；“{row.product_text}”的单位为 {row.unit}",
                                         "give the product's output in t or kg, or choose --allocation economic",
                                         "请以吨或千克填写产量，或选择 --allocation economic", row=row.row))
                failed = True
                quantities.append(0.0)
        else:
            quantities.append(row.quantity)
    if method == "economic" and len(products) > 1:
        for row, *_rest in products:
            if row.price is None:
                issues.append(at.finding("missing_price", "price", "", f"economic allocation needs the price of "
                                         f"{row.product_text}", f"经济价值分配需要“{row.product_text}”的单价",
                                         "fill in the price column (one currency for all products)",
                                         "请在“单价”列填写价格（所有产品同一币种）", row=row.row))
                failed = True
    if failed:
        return
    bearers = [rule is not None and rule.allocation == "system_expansion" for _r, _k, rule, _z, _e in products]
    if len(products) == 1:
        shares = [1.0]
    else:
        try:
            shares = allocation_shares(quantities, method=method, prices=[r.price for r, *_ in products],
                                       bearers=bearers)
        except ValueError as exc:
            issues.append(at.finding("allocation_failed", "quantity", "", f"allocation failed: {exc}",
                                     "分配计算失败：产品数量或价值合计为零", "check the quantities and prices",
                                     "请检查产量和单价", row=rows[0].row))
            return
    b.allocation = method if len(products) > 1 else "single_product"
    if method == "system_expansion" and len(products) > 1:
        for (row, key, _rule, name_zh, name_en), bear in zip(products, bearers, strict=True):
            if not bear:
                _coproduct_credit(b, data, row, key, name_zh, name_en, at)
    burden = b.burden_t
    gases = b.by_gas_t
    for (row, key, rule, name_zh, name_en), share in zip(products, shares, strict=True):
        fu_unit = rule.functional_unit if rule else row.unit
        try:
            fu_quantity = row.quantity * float(registry().Quantity(1.0, parse_unit(row.unit)).to(parse_unit(fu_unit))
                                               .magnitude)
        except (DimensionalityError, UnitError):
            fu_unit, fu_quantity = row.unit, row.quantity
        by_stage = per_functional_unit(burden, share, fu_quantity)
        b.products.append(ProductFootprint(
            product=key, name_zh=name_zh, name_en=name_en, quantity=row.quantity, unit=row.unit, functional_unit=fu_unit,
            functional_unit_zh=rule.functional_unit_zh if rule else f"1 {row.unit} {name_zh}",
            functional_unit_en=rule.functional_unit_en if rule else f"1 {row.unit} of {name_en}",
            quantity_fu=fu_quantity, share=share, bears_burden=share > 0, footprint_kg=sum(by_stage.values()),
            by_stage=by_stage, by_gas=per_functional_unit(gases, share, fu_quantity), rule=rule, file=row.file,
            row=row.row))


def _coproduct_credit(b: Boundary, data: FootprintData, row: ProductRow, key: str, name_zh: str, name_en: str,
                      at: Locator) -> None:
    """System expansion: a co-product that bears no burden is credited with the burden of what it replaces,
    −Q × EF_avoided (``footprint_factors`` scope ``avoided_burden``); with no such value, no credit and a warning."""
    item = (data.coproducts.resolve(row.product_text) if data.coproducts is not None else None) or key
    factor = data.choose(item, (AVOIDED_SCOPE,), year=b.year, region=b.region)
    if factor is not None and factor.value is not None:
        try:
            credit = -_co2e_t(row.quantity, row.unit, factor.value, factor.unit)
        except (DimensionalityError, UnitError):
            credit = None
        if credit is not None:
            b.contributions.append(Contribution(
                "credits", item, name_zh, name_en, row.quantity, row.unit, factor.value, factor.unit, credit, "co2e",
                factor.ref, factor.source, factor.status, False,
                _scores(te=factor.technology, factor_region=factor.region, region=b.region, grid=None,
                        factor_year=factor.data_year, year=b.year, status=factor.status), row.file, (row.row,),
                f"co-product {row.product_text}: avoided burden of what it replaces credited (system expansion)",
                f"副产品“{row.product_text}”：按其替代产品的排放扣减（系统扩展）"))
            return
    b.warnings.append(at.finding("coproduct_no_credit", "product", row.product_text,
                                 f"co-product {row.product_text}: no avoided-burden factor was found, so no "
                                 "credit is given; the main product bears the whole burden",
                                 f"副产品“{row.product_text}”：未找到替代产品的排放因子，不予扣减，"
                                 "全部排放由主产品承担", "give the co-product's avoided burden when known",
                                 "如已知，请提供副产品替代产品的排放因子", row=row.row, severity="warning"))
