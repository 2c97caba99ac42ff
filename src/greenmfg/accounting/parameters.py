"""Bind reference datasets to the accounting plan: per-item parameters in canonical units.

For every item of the vocabulary the default parameters are taken from the selected datasets
(first dataset with a value wins, in the order given), converted with the unit registry to the
item's canonical unit, and kept with a reference ``dataset_id:key.parameter`` and whether the
value is unverified. The result is a small table joined to the activity rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import ibis
import pyarrow as pa

from greenmfg.calc.accounting import CARBON_TO_CO2, GJ_PER_TCE
from greenmfg.errors import DatasetError, UnitError
from greenmfg.refdata.catalog import Catalog, Dataset, ParameterRow
from greenmfg.refdata.vocabulary import Item, Vocabulary
from greenmfg.units import conversion_factor, registry

__all__ = ["AccountingOptions", "BoundParameters", "Methodology", "bind_parameters", "grid_series", "method_table",
           "methodologies"]

GridLevel = Literal["national", "regional", "provincial"]
ElectricityBasis = Literal["equivalent", "equal-value"]
#: which year's grid factor a year's data use: ``data`` (the data year's, else the nearest
#: published year's, with a warning) or ``latest`` (the latest published)
GridFactorYear = Literal["data", "latest"]


@dataclass(frozen=True)
class AccountingOptions:
    """Which reference datasets and conventions an accounting run uses."""

    grid_factor: str = "grid_factors/mee-nbs-2023"
    grid_level: GridLevel = "national"
    electricity_basis: ElectricityBasis = "equivalent"
    energy_coefficients: str = "energy_coefficients/gbt2589-2020"
    electricity_equal_value: str = "electricity_equal_value/cec-supply-coal-r2"
    fuel_parameters: tuple[str, ...] = (
        "fuel_parameters/gbt32151.22-2024",
        "fuel_parameters/ndrc-app-defaults",
        "fuel_parameters/greenmfg-proxies-2026.1",
    )
    process_factors: tuple[str, ...] = (
        "process_factors/carbonates-stoichiometric",
        "process_factors/ndrc-steel",
        "process_factors/aluminium",
        "process_factors/cement-clinker",
        "process_factors/chemicals-carbon",
    )
    heat_factor: str = "heat_factors/ndrc-guidelines"
    grid_factor_year: GridFactorYear = "data"
    #: the industry → methodology mapping whose default fuel tables come before ``fuel_parameters``
    #: (None: the general tables of ``fuel_parameters`` for every industry)
    methodologies: str | None = "methodologies/industry-2026.1"
    #: which method of a process an industry can report two ways counts (see :func:`method_table`)
    process_methods: str = "process_methods/greenmfg-2026.1"

    def dataset_ids(self) -> list[str]:
        return [
            self.energy_coefficients, self.electricity_equal_value, *self.fuel_parameters,
            self.grid_factor, self.heat_factor, *self.process_factors, self.process_methods,
            *([self.methodologies] if self.methodologies else []),
        ]

    def reference_dataset_ids(self, catalog: Catalog) -> list[str]:
        """Every dataset a run with these options may use, whatever its input: :meth:`dataset_ids`,
        the other years of the grid factor's series and the methodologies' own default tables
        (what a run's provenance lists, and what the reference fingerprint covers)."""
        ids = [*self.dataset_ids(), *grid_series(catalog, self.grid_factor).values()]
        if self.methodologies:
            ids += [t for r in catalog.dataset(self.methodologies).records
                    for column in ("fuel_parameters", "process_factors") for t in (r.get(column) or "").split()]
        return list(dict.fromkeys(ids))

    def as_dict(self) -> dict[str, object]:
        return {
            "grid_factor": self.grid_factor, "grid_level": self.grid_level,
            "electricity_basis": self.electricity_basis,
            "energy_coefficients": self.energy_coefficients,
            "electricity_equal_value": self.electricity_equal_value,
            "fuel_parameters": list(self.fuel_parameters),
            "process_factors": list(self.process_factors), "heat_factor": self.heat_factor,
            "grid_factor_year": self.grid_factor_year, "methodologies": self.methodologies,
            "process_methods": self.process_methods,
        }


@dataclass(frozen=True)
class Methodology:
    """The accounting methodology that applies to an industry and where its default fuel
    parameters come from (``tables``: that methodology's own default tables, empty when they
    are not encoded; the general tables of the options follow them).

    ``process_tables``: the methodology's own process factors (carbonates, anodes, PFCs, steel
    materials), before the options' ``process_factors``. ``without_oxidation``: the methodology's
    combustion formula has no oxidation rate (a carbon mass balance, as the MEE steel guideline
    CETS-AG-03.01 formula (1)): its fuels' oxidation rate is 1.
    """

    id: str
    name_zh: str
    name_en: str
    tables: tuple[str, ...]
    process_tables: tuple[str, ...] = ()
    without_oxidation: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "name_zh": self.name_zh, "name_en": self.name_en, "default_tables": list(self.tables),
                **({"process_tables": list(self.process_tables)} if self.process_tables else {}),
                **({"without_oxidation": True} if self.without_oxidation else {})}


#: the methodology of industries without one of their own (or when none is selected)
GENERAL = Methodology("general", "通用缺省值（未对应行业核算指南）", "general default tables (no industry guideline)", ())


def methodologies(vocabulary: Vocabulary, catalog: Catalog, options: AccountingOptions) -> dict[str, Methodology]:
    """The methodology of every industry of the vocabulary (:data:`GENERAL` where none is mapped)."""
    out = {key: GENERAL for key in vocabulary.industries}
    if options.methodologies is None:
        return out
    for record in catalog.dataset(options.methodologies).records:
        tables = tuple((record.get("fuel_parameters") or "").split())
        process_tables = tuple((record.get("process_factors") or "").split())
        for table in (*tables, *process_tables):
            catalog.dataset(table)  # DatasetError for an unknown id
        oxidation = (record.get("combustion_oxidation") or "").strip()
        if oxidation not in ("", "none"):
            raise DatasetError(f"{options.methodologies} {record['key']}: combustion_oxidation {oxidation!r} "
                               "is '' (the table's oxidation rate) or 'none' (no oxidation rate in the formula)")
        out[record["key"]] = Methodology(record["methodology"], record["name_zh"], record["name_en"], tables,
                                         process_tables, oxidation == "none")
    return out


_YEAR = re.compile(r"(?<![0-9])([0-9]{4})(?![0-9])")


def grid_series(catalog: Catalog, grid_factor: str) -> dict[int, str]:
    """The editions of ``grid_factor``'s series by year: the datasets of its family whose id is
    its id with another year (``grid_factors/mee-nbs-2023`` → ``mee-nbs-2021``, ``mee-nbs-2022`` …;
    ``…-2023-fossil`` → ``…-2021-fossil`` …). A dataset without a year in its id is a series of one,
    of the year it is valid from."""
    dataset = catalog.dataset(grid_factor)
    family, edition = dataset.info.family, dataset.info.edition
    match = _YEAR.search(edition)
    if match is None:
        year = int(dataset.info.valid_from[:4]) if dataset.info.valid_from[:4].isdigit() else 0
        return {year: grid_factor}
    pattern = re.compile(re.escape(edition[:match.start()]) + "([0-9]{4})" + re.escape(edition[match.end():]))
    return {int(m.group(1)): d.id for d in catalog.family(family) if (m := pattern.fullmatch(d.info.edition))}


def grid_years(series: Mapping[int, str], years: Iterable[int], rule: GridFactorYear) -> dict[int, int]:
    """For each data year, the year of the grid factor used: ``latest`` the latest of the series;
    ``data`` the data year's, else the nearest published year (the earlier one on a tie)."""
    published = sorted(series)
    if rule == "latest":
        return {year: published[-1] for year in years}
    return {year: min(published, key=lambda p: (abs(p - year), p)) for year in years}


@dataclass
class BoundParameters:
    """Parameter tables for the plan (Arrow; the run puts them on its engine), and every reference
    row they used (for lines and warnings)."""

    parameters: pa.Table
    grid: pa.Table
    electricity: pa.Table
    heat_ef_tco2_per_gj: float
    heat_ef_ref: str
    rows: dict[str, ParameterRow] = field(default_factory=dict)
    #: the methodology of each industry (its default fuel tables)
    methodologies: dict[str, Methodology] = field(default_factory=dict)
    #: per data year: the year of the grid factor used, and its dataset
    grid_years: dict[int, int] = field(default_factory=dict)
    grid_datasets: dict[int, str] = field(default_factory=dict)
    #: the methods of processes that can be reported two ways (see :func:`method_table`)
    methods: pa.Table | None = None
    #: every (process, rank) of :attr:`methods`, in order: the plan sums each apart
    method_ranks: tuple[tuple[str, int], ...] = ()
    #: the method records by (process, rank) key ``industry.process.method`` → record
    method_records: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class _Value:
    value: float | None = None
    ref: str | None = None
    warn: bool = False

    @classmethod
    def of(cls, rows: Sequence[ParameterRow], value: float) -> _Value:
        return cls(value, " + ".join(r.reference() for r in rows), any(r.needs_warning for r in rows))


def _first(datasets: Iterable[Dataset], key: str, parameter: str) -> ParameterRow | None:
    for dataset in datasets:
        row = dataset.get(key, parameter)
        if row is not None and row.value is not None:
            return row
    return None


def _converted(row: ParameterRow | None, target: str, item: Item, used: dict[str, ParameterRow]) -> _Value:
    if row is None or row.value is None:
        return _Value()
    try:
        factor = conversion_factor(row.unit, target, what=item.name_zh)
    except UnitError as exc:
        raise DatasetError(f"{row.reference()} (line {row.line}): {exc}") from None
    used[row.reference()] = row
    return _Value.of([row], row.value * factor)


def _per_unit(item: Item) -> str:
    return f"({item.canonical_unit})"


def _item_parameters(item: Item, catalog: Catalog, options: AccountingOptions,
                     used: dict[str, ParameterRow], methodology: Methodology = GENERAL) -> dict[str, _Value]:
    coefficients = [catalog.dataset(options.energy_coefficients)]
    # the methodology's own default table first, then the general tables (for fuels it lacks)
    fuels = [catalog.dataset(i) for i in dict.fromkeys([*methodology.tables, *options.fuel_parameters])]
    process = [catalog.dataset(i) for i in dict.fromkeys([*methodology.process_tables, *options.process_factors])]
    unit = _per_unit(item)
    out: dict[str, _Value] = {}
    if item.kind == "working_medium":
        row = _first(coefficients, item.key, "coefficient_equal_value") or _first(coefficients, item.key, "coefficient")
    else:
        row = _first(coefficients, item.key, "coefficient")
    out["coef"] = _converted(row, f"tce/{unit}", item, used)
    if item.kind == "fuel":
        out["ncv"] = _converted(_first(fuels, item.key, "ncv"), f"GJ/{unit}", item, used)
        out["cc"] = _converted(_first(fuels, item.key, "carbon_content"), "tC/GJ", item, used)
        out["of"] = (_Value(1.0, f"{methodology.id}: no oxidation rate in its combustion formula (carbon mass "
                                 "balance): 1", False) if methodology.without_oxidation
                     else _converted(_first(fuels, item.key, "oxidation_rate"), "1", item, used))
        coef, ncv = out["coef"], out["ncv"]
        if coef.value is None and ncv.value is not None:
            # GB/T 2589-2020: standard-coal coefficient = net calorific value / 29 307.6 kJ per kgce
            out["coef"] = _Value(ncv.value / GJ_PER_TCE, f"{ncv.ref} / {GJ_PER_TCE} GJ/tce", ncv.warn)
    if item.kind == "heat":
        out["heat_content"] = _Value(1.0, "definitional: 1 GJ per GJ", False)
    # steam has no default heat content: the GB/T 2589 coefficient (0.1286 kgce/kg × 29.3076 =
    # 3.769 GJ/t) counts the boiler's losses and stays on the energy side; its heat for emissions is
    # the line's enthalpy net of the feed water's (NDRC guidelines; greenmfg.calc.steam)
    if item.kind in ("carbonate", "carbon_material"):
        ef = _converted(_first(process, item.key, "ef"), f"tCO2e/{unit}", item, used)
        if ef.value is None:
            carbon = _converted(_first(process, item.key, "carbon_content"), f"tC/{unit}", item, used)
            if carbon.value is not None:
                ef = _Value(carbon.value * CARBON_TO_CO2, f"{carbon.ref} × 44/12", carbon.warn)
        if ef.value is None:
            sulfur = _first(process, item.key, "anode_sulfur")
            ash = _first(process, item.key, "anode_ash")
            if sulfur is not None and ash is not None:
                s = _converted(sulfur, "1", item, used)
                a = _converted(ash, "1", item, used)
                assert s.value is not None and a.value is not None
                # carbon anode: E = NC × (1 − S − A) × 44/12 (aluminium smelting guideline)
                ef = _Value((1.0 - s.value - a.value) * CARBON_TO_CO2,
                            f"(1 − {s.ref} − {a.ref}) × 44/12", s.warn or a.warn)
        out["process_ef"] = ef
    if item.kind == "calcium_substitute":
        # a non-carbonate raw material: the methodology's deduction D [tCO2/t] enters as −D (cement
        # ETS guideline: E_process = Q_clinker × EF_clinker − Σ M_alt × D); no deduction: no value
        deduction = _converted(_first(process, item.key, "deduction"), f"tCO2e/{unit}", item, used)
        out["process_ef"] = (_Value(-deduction.value, f"−{deduction.ref}", deduction.warn)
                             if deduction.value is not None else _Value())
    if "produced" in item.allowed_flows:
        fixed = _converted(_first(process, item.key, "fixed_ef"), f"tCO2e/{unit}", item, used)
        if fixed.value is None:
            carbon = _converted(_first(process, item.key, "carbon_content"), f"tC/{unit}", item, used)
            if carbon.value is not None:
                fixed = _Value(carbon.value * CARBON_TO_CO2, f"{carbon.ref} × 44/12", carbon.warn)
        if fixed.value is None and item.kind == "carbon_material":
            fixed = out.get("process_ef", _Value())  # one factor for inputs and outputs (NDRC steel guideline)
        out["fixed_ef"] = fixed
        output = _Value()
        if item.kind == "product":
            output = _converted(_first(process, item.key, "ef"), f"tCO2e/{unit}", item, used)
        pfc = [_first(process, item.key, p) for p in ("ef_cf4", "gwp_cf4", "ef_c2f6", "gwp_c2f6")]
        if all(r is not None for r in pfc):
            rows = [r for r in pfc if r is not None]
            for r in rows:
                used[r.reference()] = r
            ureg = registry()
            cf4, gwp_cf4, c2f6, gwp_c2f6 = (ureg.Quantity(float(r.value or 0.0), r.unit) for r in rows)
            q = cf4 * gwp_cf4 + c2f6 * gwp_c2f6
            pfc_value = float(q.to(f"tCO2e/{item.canonical_unit}").magnitude)
            # anode effect: E = P × (EF_CF4 × GWP_CF4 + EF_C2F6 × GWP_C2F6)
            output = _Value.of(rows, pfc_value + (output.value or 0.0))
        out["output_ef"] = output
        out["pfc_slope_ef"] = _pfc_coefficient(process, item, "pfc_slope_cf4", "pfc_slope_c2f6_fraction", used)
        out["pfc_ovc_ef"] = _pfc_coefficient(process, item, "pfc_ovc_cf4", "pfc_ovc_c2f6_fraction", used)
    return out


def _pfc_coefficient(process: Sequence[Dataset], item: Item, cf4_parameter: str, fraction_parameter: str,
                     used: dict[str, ParameterRow]) -> _Value:
    """The CO2e of the anode-effect PFCs per tonne of aluminium and per unit of the method's activity
    figure (slope method: per AE-min/cell-day; overvoltage method: per mV of AEO per % of CE):
    C × (GWP_CF4 + F_C2F6/CF4 × GWP_C2F6) / 1000 [tCO2e/t per unit], C the CF4 coefficient
    [kg CF4/t per unit], F the C2F6/CF4 weight fraction [1].

    References
    ----------
    IPCC 2006 Guidelines Vol.3 Ch.4 eq. 4.26/4.27 and 2019 Refinement (slope and overvoltage
    methods); Commission Implementing Regulation (EU) 2023/1773 Annex II B.7 equations 21–26.
    """
    rows = [_first(process, item.key, p) for p in (cf4_parameter, fraction_parameter, "gwp_cf4", "gwp_c2f6")]
    if any(r is None or r.value is None for r in rows):
        return _Value()
    cf4, fraction, gwp_cf4, gwp_c2f6 = (r for r in rows if r is not None)
    try:
        cf4_kg = float(cf4.value or 0.0) * conversion_factor(cf4.unit.replace("kgCF4", "kg").replace("tCF4", "t"),
                                                             f"kg/{_per_unit(item)}", what=item.name_zh)
        share = float(fraction.value or 0.0) * conversion_factor(fraction.unit, "1", what=item.name_zh)
        g_cf4 = float(gwp_cf4.value or 0.0) * conversion_factor(gwp_cf4.unit.replace("/tCF4", "/t"), "tCO2e/t")
        g_c2f6 = float(gwp_c2f6.value or 0.0) * conversion_factor(gwp_c2f6.unit.replace("/tC2F6", "/t"), "tCO2e/t")
    except UnitError as exc:
        raise DatasetError(f"{cf4.reference()}: {exc}") from None
    for r in (cf4, fraction, gwp_cf4, gwp_c2f6):
        used[r.reference()] = r
    value = cf4_kg * (g_cf4 + share * g_c2f6) / 1000.0
    return _Value(value, f"{cf4.reference()} × ({gwp_cf4.reference()} + {fraction.reference()} × "
                         f"{gwp_c2f6.reference()}) / 1000", any(r.needs_warning for r in (cf4, fraction, gwp_cf4, gwp_c2f6)))


_COLUMNS = ("coef", "ncv", "cc", "of", "process_ef", "output_ef", "fixed_ef", "heat_content", "pfc_slope_ef",
            "pfc_ovc_ef")
_REF_NAMES = {"output_ef": "output", "fixed_ef": "fixed", "pfc_slope_ef": "pfc_slope", "pfc_ovc_ef": "pfc_ovc"}


def _parameter_table(vocabulary: Vocabulary, catalog: Catalog, options: AccountingOptions,
                     used: dict[str, ParameterRow], methods: Mapping[str, Methodology]) -> pa.Table:
    """One row per (item, industry): the defaults of the industry's methodology."""
    data: dict[str, list[object]] = {"p_item": [], "p_industry": []}
    for column in _COLUMNS:
        ref = _REF_NAMES.get(column, column)
        data[column], data[f"{ref}_ref"], data[f"{ref}_warn"] = [], [], []
    # industries whose methodologies have the same tables share their defaults: bound once
    by_tables: dict[tuple[object, ...], list[str]] = {}
    for industry, methodology in methods.items():
        by_tables.setdefault((methodology.tables, methodology.process_tables, methodology.without_oxidation),
                             []).append(industry)
    for industries in by_tables.values():
        methodology = methods[industries[0]]
        for item in vocabulary.items.values():
            values = _item_parameters(item, catalog, options, used, methodology)
            for industry in industries:
                data["p_item"].append(item.key)
                data["p_industry"].append(industry)
                for column in _COLUMNS:
                    ref = _REF_NAMES.get(column, column)
                    v = values.get(column, _Value())
                    data[column].append(v.value)
                    data[f"{ref}_ref"].append(v.ref)
                    data[f"{ref}_warn"].append(v.warn)
    schema = {"p_item": "string", "p_industry": "string"}
    for column in _COLUMNS:
        ref = _REF_NAMES.get(column, column)
        schema |= {column: "float64", f"{ref}_ref": "string", f"{ref}_warn": "boolean"}
    return _arrow(data, schema)


def _grid_table(vocabulary: Vocabulary, catalog: Catalog, options: AccountingOptions,
                used: dict[str, ParameterRow], datasets: Mapping[int, str]) -> pa.Table:
    """One row per (region, data year): the factor of the dataset chosen for that year."""
    data: dict[str, list[object]] = {"g_region": [], "g_year": [], "grid_ef": [], "grid_ref": [], "grid_warn": []}
    for year, dataset_id in sorted(datasets.items()):
        dataset = catalog.dataset(dataset_id)
        national = dataset.get("CN", "ef")
        for code, region in vocabulary.regions.items():
            chain = {"national": ["CN"], "regional": [region["grid_region"], "CN"],
                     "provincial": [code, region["grid_region"], "CN"]}[options.grid_level]
            row = next((r for k in chain if (r := dataset.get(k, "ef")) is not None and r.value is not None), None)
            if row is None:
                raise DatasetError(
                    f"{dataset_id} has no national ('CN') electricity factor"
                    if national is None else f"{dataset_id}: no factor for {code}"
                )
            value = _converted(row, "tCO2/MWh", Item(code, code, code, "electricity", "MWh", (), ""), used)
            data["g_region"].append(code)
            data["g_year"].append(year)
            data["grid_ef"].append(value.value)
            data["grid_ref"].append(value.ref)
            data["grid_warn"].append(value.warn)
    return _arrow(data, {"g_region": "string", "g_year": "int32", "grid_ef": "float64", "grid_ref": "string",
                         "grid_warn": "boolean"})


def _electricity_table(years: Iterable[int], catalog: Catalog, options: AccountingOptions,
                       used: dict[str, ParameterRow]) -> pa.Table:
    dataset = catalog.dataset(options.electricity_equal_value)
    electricity = Item("electricity", "电力", "electricity", "electricity", "MWh", (), "")
    rows: dict[str, list[object]] = {"e_year": [], "e_coef": [], "e_ref": [], "e_warn": []}
    for year in sorted(set(years)):
        row = _first([dataset], str(year), "coefficient") or _first([dataset], "default", "coefficient")
        value = _converted(row, "tce/MWh", electricity, used)
        rows["e_year"].append(year)
        rows["e_coef"].append(value.value)
        rows["e_ref"].append(value.ref)
        rows["e_warn"].append(value.warn)
    return _arrow(rows, {"e_year": "int32", "e_coef": "float64", "e_ref": "string", "e_warn": "boolean"})


def _arrow(data: Mapping[str, Sequence[object]], schema: dict[str, str]) -> pa.Table:
    return pa.table(data, schema=ibis.schema(schema).to_pyarrow())


_PROCESS_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def method_table(vocabulary: Vocabulary, catalog: Catalog, options: AccountingOptions
                 ) -> tuple[pa.Table, tuple[tuple[str, int], ...], dict[str, dict[str, str]]]:
    """The methods of the processes an industry can report two ways, one row per (industry, item,
    flow) that belongs to a method: ``m_industry``, ``m_item``, ``m_flow``, ``m_process``,
    ``m_rank`` (1 = the guideline's method) and ``m_key`` (the record's key).

    In a facility-period the lowest-ranked method of a process with emissions counts; rows of the
    other methods are set aside as a cross-check (:func:`greenmfg.calc.accounting.method_choice`).

    Raises
    ------
    DatasetError
        A record names an unknown industry or item, a flow the item cannot have, a bad process
        name or rank, or an (industry, item, flow) that two methods claim.
    """
    dataset = catalog.dataset(options.process_methods)
    rows: dict[str, list[object]] = {c: [] for c in ("m_industry", "m_item", "m_flow", "m_process", "m_rank", "m_key")}
    claimed: dict[tuple[str, str, str], str] = {}
    ranks: set[tuple[str, int]] = set()
    records: dict[str, dict[str, str]] = {}
    for line, record in enumerate(dataset.records, start=2):
        where = f"{dataset.info.file} line {line}"
        industry, process, flow = record["industry"].strip(), record["process"].strip(), record["flow"].strip()
        if industry not in vocabulary.industries:
            raise DatasetError(f"{where}: unknown industry {industry!r}")
        if flow not in ("process", "produced"):
            # the lines set aside are deducted from the process emissions: only those lines can be
            raise DatasetError(f"{where}: flow {flow!r}: a method's rows are process inputs or products")
        if not _PROCESS_KEY.match(process):
            raise DatasetError(f"{where}: process {process!r} must be lower-case letters, digits and '_'")
        try:
            rank = int(record["rank"])
        except ValueError:
            raise DatasetError(f"{where}: rank {record['rank']!r} is not a whole number") from None
        if rank < 1:
            raise DatasetError(f"{where}: rank must be 1 or more")
        for item_key in record["items"].split("|"):
            item = vocabulary.items.get(item_key.strip())
            if item is None or flow not in item.allowed_flows:
                raise DatasetError(f"{where}: {item_key!r} is not an item with flow {flow!r}")
            other = claimed.setdefault((industry, item.key, flow), record["key"])
            if other != record["key"]:
                raise DatasetError(f"{where}: {industry}/{item.key}/{flow} belongs to {other} already")
            for column, value in (("m_industry", industry), ("m_item", item.key), ("m_flow", flow),
                                  ("m_process", process), ("m_rank", rank), ("m_key", record["key"])):
                rows[column].append(value)
        ranks.add((process, rank))
        records[record["key"]] = record
    table = _arrow(rows, {"m_industry": "string", "m_item": "string", "m_flow": "string", "m_process": "string",
                          "m_rank": "int32", "m_key": "string"})
    return table, tuple(sorted(ranks)), records


def bind_parameters(vocabulary: Vocabulary, catalog: Catalog, options: AccountingOptions,
                    years: Iterable[int]) -> BoundParameters:
    """Build the parameter, grid and electricity tables for one accounting run.

    Raises
    ------
    DatasetError
        If a selected dataset does not exist, lacks a national grid factor, or has a unit that
        does not fit its item.
    """
    used: dict[str, ParameterRow] = {}
    years = sorted(set(years))
    heat_row = _first([catalog.dataset(options.heat_factor)], "heat", "ef")
    heat = _converted(heat_row, "tCO2/GJ", Item("heat", "热力", "heat", "heat", "GJ", (), ""), used)
    if heat.value is None or heat.ref is None:
        raise DatasetError(f"{options.heat_factor} has no 'heat' emission factor")
    methodology_of = methodologies(vocabulary, catalog, options)
    series = grid_series(catalog, options.grid_factor)
    factor_years = grid_years(series, years, options.grid_factor_year)
    datasets = {year: series[factor_year] for year, factor_year in factor_years.items()}
    methods, method_ranks, method_records = method_table(vocabulary, catalog, options)
    return BoundParameters(
        parameters=_parameter_table(vocabulary, catalog, options, used, methodology_of),
        grid=_grid_table(vocabulary, catalog, options, used, datasets),
        electricity=_electricity_table(years, catalog, options, used),
        heat_ef_tco2_per_gj=heat.value,
        heat_ef_ref=heat.ref,
        rows=used,
        methodologies=methodology_of,
        grid_years=factor_years,
        grid_datasets=datasets,
        methods=methods,
        method_ranks=method_ranks,
        method_records=method_records,
    )
