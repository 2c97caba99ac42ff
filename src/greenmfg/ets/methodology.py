"""The national carbon market's accounting methodologies as data: which guideline applies to an
industry, its emission sources (covered or information only), its steel processes and its
monitoring rules (which parameters must be measured, how often, what applies when they are not).

The records live in ``refdata/data/ets_methodology/<guideline>.csv`` (one file per guideline
edition), reached from the methodologies edition the ETS accounting uses
(``methodologies/ets-2026.1``: per industry, ``ets_methodology``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from greenmfg.errors import GreenmfgError
from greenmfg.refdata.catalog import WARNING_FREE_STATUSES, Catalog

__all__ = ["ETS_GRID_FACTOR", "ETS_METHODOLOGIES", "SECTORS", "EtsMethodology", "MonitoringRule", "ets_methodologies"]

#: the methodologies edition of ETS accounting (the ETS guidelines for steel, cement, aluminium)
ETS_METHODOLOGIES = "methodologies/ets-2026.1"
#: the electricity factor series of ETS reporting (information only: never in the covered total)
ETS_GRID_FACTOR = "grid_factors/ets-2022"
#: the sectors of the command line → the industry key of the vocabulary
SECTORS = {"cement": "cement", "aluminium": "electrolytic_aluminium", "steel": "steel"}


@dataclass(frozen=True)
class MonitoringRule:
    """One monitoring requirement of a guideline: for lines of ``items`` (or of ``kinds`` when no
    item is named), ``parameter`` is ``measured`` (mandatory), ``measured_or_default``, ``default``
    (never measured) or ``not_found``; ``missing_rule`` says what applies when it is not measured."""

    key: str
    items: frozenset[str]
    kinds: frozenset[str]
    parameter: str
    requirement: str
    missing_rule: str
    default_ref: str
    frequency_en: str
    frequency_zh: str
    name_en: str
    name_zh: str
    source: str
    verification_status: str

    def applies_to(self, item: str, kind: str) -> bool:
        return item in self.items if self.items else kind in self.kinds


@dataclass(frozen=True)
class EtsMethodology:
    """One sector's ETS guideline: its records, read for the engine."""

    industry: str
    sector: str
    dataset_id: str
    code: str
    name_zh: str
    name_en: str
    source: str
    verification_status: str
    gases: tuple[str, ...]
    #: emission source → (covered, method, name_en, name_zh, verification_status)
    sources: dict[str, dict[str, str]] = field(default_factory=dict)
    #: steel: process key → (product item, method, names)
    processes: dict[str, dict[str, str]] = field(default_factory=dict)
    monitoring: tuple[MonitoringRule, ...] = ()
    #: records the engine reports but does not compute (e.g. cement's deduction), and caveats
    notes: tuple[dict[str, str], ...] = ()

    @property
    def verified(self) -> bool:
        return self.verification_status in WARNING_FREE_STATUSES

    def as_dict(self) -> dict[str, object]:
        return {"sector": self.sector, "industry": self.industry, "dataset": self.dataset_id, "code": self.code,
                "name_zh": self.name_zh, "name_en": self.name_en, "verification_status": self.verification_status,
                "gases": list(self.gases)}


def _split(text: str | None) -> frozenset[str]:
    return frozenset(p.strip() for p in (text or "").split("|") if p.strip())


def ets_methodologies(catalog: Catalog, methodologies: str = ETS_METHODOLOGIES) -> dict[str, EtsMethodology]:
    """The ETS methodology of each industry that has one, by industry key.

    Raises
    ------
    DatasetError
        A dataset named is unknown.
    GreenmfgError
        A methodology record names an ETS dataset without its guideline record.
    """
    out: dict[str, EtsMethodology] = {}
    sector_of = {industry: sector for sector, industry in SECTORS.items()}
    for record in catalog.dataset(methodologies).records:
        dataset_id = (record.get("ets_methodology") or "").strip()
        if not dataset_id:
            continue
        records = catalog.dataset(dataset_id).records
        guideline = next((r for r in records if r["section"] == "guideline"), None)
        if guideline is None:
            raise GreenmfgError(f"{dataset_id} has no guideline record")
        industry = record["key"]
        out[industry] = EtsMethodology(
            industry=industry, sector=sector_of.get(industry, industry), dataset_id=dataset_id,
            code=guideline["guideline"], name_zh=guideline["name_zh"], name_en=guideline["name_en"],
            source=guideline["source"], verification_status=guideline["verification_status"],
            gases=tuple(r["parameter"] for r in records if r["section"] == "gas"),
            sources={r["source_kind"] + ("" if r["method"] != "not_computed" else ".not_computed"): r
                     for r in records if r["section"] == "source" and r["method"] != "product_carbon_deducted"},
            processes={r["key"].rsplit(".", 1)[1]: r for r in records if r["section"] == "process"},
            monitoring=tuple(MonitoringRule(
                key=r["key"], items=_split(r["item"]), kinds=_split(r["kind"]), parameter=r["parameter"],
                requirement=r["requirement"], missing_rule=r["missing_rule"], default_ref=r["default_ref"],
                frequency_en=r["frequency_en"], frequency_zh=r["frequency_zh"], name_en=r["name_en"],
                name_zh=r["name_zh"], source=r["source"], verification_status=r["verification_status"])
                for r in records if r["section"] == "monitoring"),
            notes=tuple(r for r in records if r["section"] == "caveat"
                        or (r["section"] == "source" and r["method"] == "not_computed")),
        )
    return out
