"""The result of ``greenmfg cbam``: production processes, goods, findings, and its JSON document."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from greenmfg.calc.cbam import SpecificEmbeddedEmissions
from greenmfg.errors import Finding

__all__ = ["CbamGood", "CbamOptions", "CbamProcess", "CbamResult", "ELECTRICITY_RULES"]

#: how the electricity emission factor was chosen (key → English, Chinese)
ELECTRICITY_RULES: dict[str, tuple[str, str]] = {
    "actual": ("actual factor declared (direct technical link or power purchase agreement)",
               "申报的实际因子（直连线路或购电协议）"),
    "cbam_default": ("CBAM default factor of the country (IR 2025/2621 Annex II)", "CBAM 国别缺省因子（2025/2621 附件二）"),
    "grid": ("national grid factor used by greenmfg account (stands in for the CBAM default, which was not found)",
             "greenmfg account 所用全国电网排放因子（CBAM 缺省因子未找到，暂以此代替）"),
}


@dataclass(frozen=True)
class CbamOptions:
    """Options of a CBAM run.

    ``year``: year of import for the mark-up, CBAM factor and price (default: the goods' latest
    year). ``certificate_price_eur``: price per certificate [EUR/tCO2e] (default: the latest
    published quarterly price of the year). ``electricity_ef``: an actual electricity factor
    [tCO2/MWh] with ``electricity_ef_source`` (a direct technical link or a power purchase
    agreement); without it the CBAM default for China, else the national grid factor.
    ``carbon_price_cny_per_t`` (China ETS price), ``carbon_price_share`` (share of the embedded
    emissions for which that price was effectively paid, i.e. not covered by free allocation, [1]),
    ``eur_per_cny`` (exchange rate) and ``carbon_price_source``: the carbon price paid, deducted.
    ``cscf``: cross-sectoral correction factor of the free-allocation adjustment (assumed 1).
    """

    year: int | None = None
    certificate_price_eur: float | None = None
    electricity_ef: float | None = None
    electricity_ef_source: str = ""
    carbon_price_cny_per_t: float | None = None
    carbon_price_share: float = 1.0
    eur_per_cny: float | None = None
    carbon_price_source: str = ""
    cscf: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CbamProcess:
    """A production process (a facility of the activity template) over a period, with its attribution."""

    facility_id: str
    period: str
    enterprise_id: str
    enterprise_name: str
    category: str
    activity_level_t: float
    direct_t: float
    heat_imported_t: float
    heat_exported_t: float
    electricity_exported_t: float
    attributed_direct_t: float
    electricity_mwh: float
    electricity_ef: float | None
    electricity_rule: str
    electricity_source: str
    attributed_indirect_t: float
    combustion_t: float = 0.0
    process_t: float = 0.0
    accounting_periods: list[str] = field(default_factory=list)
    precursors: list[dict[str, Any]] = field(default_factory=list)
    see: SpecificEmbeddedEmissions | None = None
    derivation: list[str] = field(default_factory=list)

    def to_document(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "see"}
        out["see"] = None if self.see is None else {
            "direct": self.see.direct, "indirect": self.see.indirect, "total": self.see.total,
            "counted": self.see.counted, "own_direct": self.see.own_direct, "own_indirect": self.see.own_indirect,
            "precursor_direct": self.see.precursor_direct, "precursor_indirect": self.see.precursor_indirect,
            "default_share": self.see.default_share}
        return out


@dataclass
class CbamGood:
    """One good (CN code) of a production process with its embedded emissions, the default value it
    replaces, the free-allocation adjustment, the carbon price paid and the certificates."""

    facility_id: str
    period: str
    cn_code: str
    product_name: str
    category: str
    name_en: str
    name_zh: str
    quantity_t: float
    indirect_counts: bool
    see_direct: float
    see_indirect: float
    see_total: float
    see_counted: float
    default_share: float
    embedded_t: float
    default_direct: float | None
    default_indirect: float | None
    default_total: float | None
    markup: float
    default_with_markup: float | None
    default_ref: str
    default_status: str
    difference_t_per_t: float | None
    difference_t: float | None
    benchmark: float | None
    benchmark_ref: str
    cbam_factor: float | None
    free_allocation_t: float | None
    carbon_price_deduction_eur: float | None
    carbon_price_deduction_t: float
    certificates_t: float
    certificate_price_eur: float | None
    cost_eur: float | None
    default_cost_eur: float | None
    file: str
    row: int
    derivation: list[str] = field(default_factory=list)

    def to_document(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CbamResult:
    """Everything one CBAM run found: processes, goods, findings, the data it used."""

    year: int
    processes: list[CbamProcess]
    goods: list[CbamGood]
    findings: list[Finding]
    options: CbamOptions
    certificate_price_eur: float | None
    certificate_price_ref: str
    de_minimis: dict[str, Any]
    provenance: dict[str, Any]

    @property
    def embedded_t(self) -> float:
        return sum(g.embedded_t for g in self.goods)

    @property
    def certificates_t(self) -> float:
        return sum(g.certificates_t for g in self.goods)

    @property
    def cost_eur(self) -> float | None:
        costs = [g.cost_eur for g in self.goods]
        return None if any(c is None for c in costs) else sum(c for c in costs if c is not None)

    def process(self, facility_id: str, period: str) -> CbamProcess:
        return next(p for p in self.processes if p.facility_id == facility_id and p.period == period)

    def to_document(self) -> dict[str, Any]:
        """The documented JSON shape (README ``greenmfg cbam``)."""
        return {
            "year": self.year,
            "totals": {"embedded_tco2e": self.embedded_t, "certificates": self.certificates_t,
                       "cost_eur": self.cost_eur, "certificate_price_eur": self.certificate_price_eur,
                       "certificate_price_ref": self.certificate_price_ref},
            "de_minimis": self.de_minimis,
            "goods": [g.to_document() for g in self.goods],
            "processes": [p.to_document() for p in self.processes],
            "findings": [{**f.as_dict(), "severity": f.severity} for f in self.findings],
            "options": self.options.as_dict(),
            "provenance": self.provenance,
        }
