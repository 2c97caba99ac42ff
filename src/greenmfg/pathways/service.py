"""Pathways for the pages and the API: stored results behind the access policy, runs kept bounded.

Nothing is stored: every view is computed on request from the counted accounting results
(:func:`greenmfg.pathways.decomposition.decompose_stored`), the measures library and the
enterprise's equipment register (:mod:`greenmfg.pathways.macc`), a scenario file (uploaded, or
the example shipped with the package: ``examples/province.yaml``, the same as
``docs/examples/pathways/province.yaml``), or a scenario file written from the stored data
(:mod:`greenmfg.pathways.stored_scenario`: an enterprise's, a region's, an industry's of a region).

Access: an enterprise's views need :func:`greenmfg.orgs.access.get_enterprise` (NotFound for anyone
who may not see it); a region's views are for platform admins and regulators whose jurisdiction
reaches the whole area, all industries (:meth:`greenmfg.orgs.access.Scope.covers_area`; Forbidden
otherwise), since a region's decomposition sums every enterprise registered there.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from greenmfg.accounting.models import FacilityResult
from greenmfg.db.session import Database
from greenmfg.errors import Finding, GreenmfgError, ValidationFailed
from greenmfg.orgs.access import Forbidden, Principal, get_enterprise
from greenmfg.orgs.models import Organisation, OrgKind
from greenmfg.pathways.decomposition import DecompositionResult, Method, Scope, decompose_stored
from greenmfg.pathways.macc import (
    ACTIVITIES,
    MaccOptions,
    MaccResult,
    MeasureRow,
    diagnosis_measures,
    library_measures,
    run_macc,
)
from greenmfg.pathways.scenario_file import read_scenario_file
from greenmfg.pathways.scenarios import PathwayRun, run_scenarios
from greenmfg.pathways.stored_scenario import StoredScenario, build_stored_scenario

__all__ = ["EXAMPLE_NAME", "PAGE_DRAWS", "Area", "IndustryPathway", "RegionPathways", "area_choices",
           "enterprise_decomposition", "enterprise_macc", "enterprise_stored_scenario", "enterprise_years",
           "example_scenario", "pick_years", "region_pathways", "region_stored_scenario", "region_years",
           "require_area", "uploaded_scenario"]

#: Monte Carlo draws of a scenario run from a page or the API at most (the command line allows 100 000)
PAGE_DRAWS = 1000
#: the file name of the example scenario
EXAMPLE_NAME = "province.yaml"


def _counted_years(session: Session, *where: Any) -> list[int]:
    query = (select(FacilityResult.year).distinct().join(Organisation, Organisation.id == FacilityResult.enterprise_id)
             .where(FacilityResult.counted.is_(True), *where))
    return sorted(int(y) for y in session.scalars(query))


def enterprise_years(session: Session, principal: Principal, enterprise_id: int) -> tuple[Organisation, list[int]]:
    """The enterprise (NotFound when the caller may not see it) and its years with counted results."""
    enterprise = get_enterprise(session, principal, enterprise_id)
    return enterprise, _counted_years(session, FacilityResult.enterprise_id == enterprise.id)


def pick_years(years: list[int], base: int | None, target: int | None) -> tuple[int, int] | None:
    """The years to compare: those asked for, else the earliest and the latest with results."""
    if base is not None and target is not None:
        return base, target
    if len(years) < 2:
        return None
    return (base if base is not None else years[0]), (target if target is not None else years[-1])


def enterprise_decomposition(database: Database, principal: Principal, enterprise_id: int, *, base: int, target: int,
                             method: Method = "additive") -> DecompositionResult:
    """LMDI of the enterprise's stored results between two years, by product (access checked first)."""
    with database.session() as session:
        get_enterprise(session, principal, enterprise_id)
    return decompose_stored(database, Scope("enterprise", enterprise_id=enterprise_id), base=base, target=target,
                            method=method)


def _products(session: Session, enterprise_id: int, year: int) -> dict[str, float]:
    """Output of each product in the year's counted results [the product's unit]."""
    out: dict[str, float] = defaultdict(float)
    for products in session.scalars(select(FacilityResult.products).where(
            FacilityResult.enterprise_id == enterprise_id, FacilityResult.counted.is_(True),
            FacilityResult.year == year)):
        for p in products or []:
            if p.get("product") and (p.get("quantity") or 0) > 0:
                out[str(p["product"])] += float(p["quantity"])
    return dict(out)


def enterprise_macc(database: Database, principal: Principal, enterprise_id: int, *, year: int,
                    target: float | None = None, capex_limit: float | None = None,
                    discount_rate: float | None = None) -> MaccResult:
    """The cost curve and least-cost portfolio of the enterprise's measures for ``year``: the library's
    measures counted on the year's output of the products the library knows (crude steel, clinker …)
    and the equipment register's replacements (:func:`greenmfg.pathways.macc.diagnosis_measures`).

    Raises
    ------
    NotFound
        The caller may not see the enterprise.
    ValidationFailed
        No measure applies (no product the library counts, no equipment with an avoided tCO2), or the
        options are wrong (a negative target …).
    """
    options = MaccOptions(target=target, capex_limit=capex_limit) if discount_rate is None else \
        MaccOptions(target=target, capex_limit=capex_limit, discount_rate=discount_rate)
    with database.session() as session:
        get_enterprise(session, principal, enterprise_id)
        activities = {k: q for k, q in _products(session, enterprise_id, year).items() if k in ACTIVITIES}
        findings: list[Finding] = []
        rows: list[MeasureRow] = []
        try:
            rows, findings = diagnosis_measures(session, principal, enterprise_id, year)
        except ValidationFailed as failed:   # an equipment register that does not check: its findings, no rows
            findings = list(failed.issues)
    if activities:
        library, more = library_measures(activities, options)
        rows = [*library, *rows]
        findings = [*more, *findings]
    if not rows:
        from greenmfg.findings import Locator

        raise ValidationFailed([Locator(code_prefix="pathways.macc.").finding(
            "no_measures", "year", year,
            f"no measure applies in {year}: the library counts crude steel, clinker, primary aluminium, flat glass "
            "and ammonia output, and the equipment register has no replacement with avoided emissions",
            f"{year} 年没有适用的措施：措施库按粗钢、熟料、电解铝液、平板玻璃和合成氨产量计算，设备台账中也没有可计算减排量的更换措施",
            "record the products' output with the activity data, or fill in the equipment register",
            "请在活动数据中填写产品产量，或填写设备台账", row=None)], 1)
    return run_macc(rows, options, findings=findings)


# ------------------------------------------------------------------------------------------ regions


@dataclass(frozen=True, slots=True)
class Area:
    """A province (``city`` None) or a city whose pathways the caller may see."""

    province: str
    city: str | None = None


def area_choices(session: Session, principal: Principal) -> list[Area]:
    """The areas the caller may open: each area-level jurisdiction without an industry limit (a
    regulator), or every province and city with an enterprise (an admin)."""
    if principal.is_admin and "read" in principal.scopes:
        rows = session.execute(select(Organisation.province).distinct().where(
            Organisation.kind == OrgKind.enterprise, Organisation.province.is_not(None))).scalars()
        return [Area(str(p)) for p in sorted(r for r in rows if r)]
    if "read" not in principal.scopes:
        return []
    seen: dict[Area, None] = {}
    for scope in principal.jurisdictions:
        if scope.area_level and not scope.industries:
            seen[Area(scope.province, scope.city or None)] = None
    return list(seen)


def require_area(session: Session, principal: Principal, province: str, city: str | None) -> None:
    """Go on only for an admin or a regulator whose jurisdiction reaches the whole area.

    Raises
    ------
    Forbidden
        Anybody else.
    """
    if principal.is_admin and "read" in principal.scopes:
        return
    if "read" in principal.scopes and any(s.covers_area(province, city, all_industries=True)
                                          for s in principal.jurisdictions):
        return
    raise Forbidden("a region's pathways are for platform administrators and the regulators of the whole area",
                    "地区碳达峰路径仅向平台管理员和管辖该地区全部行业的监管部门开放")


def _area_clause(province: str, city: str | None) -> list[Any]:
    where = [Organisation.province == province]
    if city:
        where.append(Organisation.city == city)
    return where


def region_years(session: Session, principal: Principal, province: str, city: str | None) -> list[int]:
    """The years with counted results in the area (access checked)."""
    require_area(session, principal, province, city)
    return _counted_years(session, *_area_clause(province, city))


@dataclass(frozen=True)
class IndustryPathway:
    """One industry of the area: its decomposition, or why there is none."""

    industry: str
    result: DecompositionResult | None
    problem: GreenmfgError | None = None


@dataclass(frozen=True)
class RegionPathways:
    """The area's decomposition (industry → enterprise) and each industry's beside it."""

    province: str
    city: str | None
    base: int
    target: int
    total: DecompositionResult | None
    industries: list[IndustryPathway] = field(default_factory=list)
    problem: GreenmfgError | None = None

    def to_document(self) -> dict[str, Any]:
        def problem(error: GreenmfgError | None) -> dict[str, Any] | None:
            if error is None:
                return None
            if isinstance(error, ValidationFailed):
                return {"message": "; ".join(i.message for i in error.issues),
                        "message_zh": "；".join(i.message_zh for i in error.issues)}
            return {"message": error.message, "message_zh": error.message_zh}

        return {"kind": "greenmfg.pathways.region", "province": self.province, "city": self.city,
                "base_year": self.base, "target_year": self.target,
                "total": None if self.total is None else self.total.to_document(), "total_problem": problem(self.problem),
                "industries": [{"industry": i.industry, "decomposition": None if i.result is None
                                else i.result.to_document(), "problem": problem(i.problem)} for i in self.industries]}


def region_pathways(database: Database, principal: Principal, province: str, city: str | None, *, base: int,
                    target: int, method: Method = "additive") -> RegionPathways:
    """The area's decomposition and its industries' side by side (each from the stored results of the
    enterprises registered there); an industry without results in both years carries its problem."""
    with database.session() as session:
        require_area(session, principal, province, city)
        industries = sorted(str(i) for i in session.scalars(select(Organisation.industry).distinct().where(
            Organisation.kind == OrgKind.enterprise, Organisation.industry.is_not(None),
            *_area_clause(province, city))) if i)
    total: DecompositionResult | None = None
    problem: GreenmfgError | None = None
    try:
        total = decompose_stored(database, Scope("region", province=province, city=city), base=base, target=target,
                                 method=method)
    except (ValidationFailed, GreenmfgError) as error:
        problem = error
    rows = []
    for industry in industries:
        try:
            rows.append(IndustryPathway(industry, decompose_stored(
                database, Scope("industry", industry=industry, province=province, city=city), base=base,
                target=target, method=method)))
        except (ValidationFailed, GreenmfgError) as error:
            rows.append(IndustryPathway(industry, None, error))
    return RegionPathways(province, city, base, target, total, rows, problem)


# ------------------------------------------------------------------------------------------ scenarios


def _draws(asked: int | None, in_file: int | None) -> int:
    return max(0, min(PAGE_DRAWS, asked if asked is not None else (in_file if in_file is not None else PAGE_DRAWS)))


def example_text() -> bytes:
    """The example scenario file (a province's key industries, 2020–2060)."""
    return files("greenmfg.pathways").joinpath("examples", EXAMPLE_NAME).read_bytes()


def example_scenario(*, draws: int | None = None, seed: int | None = None) -> PathwayRun:
    """The example scenario run with at most :data:`PAGE_DRAWS` draws."""
    return uploaded_scenario(EXAMPLE_NAME, example_text(), draws=draws, seed=seed)


def uploaded_scenario(name: str, content: bytes, *, draws: int | None = None, seed: int | None = None) -> PathwayRun:
    """A scenario file's run (checked with located findings; at most :data:`PAGE_DRAWS` draws).

    Raises
    ------
    InputError, ValidationFailed
        The file cannot be read or does not check (file, line, field; nothing is computed).
    """
    scenario_file = read_scenario_file((name, content))
    return run_scenarios(scenario_file, draws=_draws(draws, scenario_file.draws), seed=seed)


# ------------------------------------------------------------------------------------------ scenarios from stored data


def _base_year(years: list[int], year: int | None, where: str) -> int:
    """The base year asked for (one with counted results), else the latest with results.

    Raises
    ------
    ValidationFailed
        No counted results (in that year).
    """
    if year is None and years:
        return years[-1]
    if year is not None and year in years:
        return year
    from greenmfg.findings import Locator

    shown = ", ".join(map(str, years)) or "—"
    raise ValidationFailed([Locator(code_prefix="pathways.stored.").finding(
        "no_results", "year", year if year is not None else where,
        f"no counted results{f' in {year}' if year is not None else ''} ({where}); years with results: {shown}",
        f"{'' if year is None else f'{year} 年'}没有计入的核算结果（{where}）；有结果的年份：{shown}",
        "commit the accounting data of the year first, or choose a year with results",
        "请先提交该年份的核算数据，或选择有结果的年份", row=None)], 1)


def _file_name(*parts: object) -> str:
    import re

    return "scenario-" + "-".join(re.sub(r"[^A-Za-z0-9._]+", "_", str(p)) for p in parts if p) + ".yaml"


def enterprise_stored_scenario(database: Database, principal: Principal, enterprise_id: int, *,
                               year: int | None = None) -> StoredScenario:
    """The scenario file of the enterprise's stored data (base year: ``year``, else its latest year with
    counted results).

    Raises
    ------
    NotFound
        The caller may not see the enterprise.
    ValidationFailed
        No counted results with output in the year.
    """
    from greenmfg.pathways.decomposition import Scope as StoredScope

    with database.session() as session:
        enterprise, years = enterprise_years(session, principal, enterprise_id)
        chosen = _base_year(years, year, enterprise.code or str(enterprise.id))
        return build_stored_scenario(
            session, StoredScope("enterprise", enterprise_id=enterprise.id), chosen,
            title_zh=f"{enterprise.name}碳达峰情景（基于 {chosen} 年核算结果）",
            title_en=f"{enterprise.name_en or enterprise.name}: carbon-peak scenarios from the {chosen} accounting results",
            file=_file_name(enterprise.code or enterprise.id, chosen))


def region_stored_scenario(database: Database, principal: Principal, province: str, city: str | None, *,
                           year: int | None = None, industry: str | None = None) -> StoredScenario:
    """The scenario file of the stored data of an area's enterprises (its industries, each product a
    sector), or of one industry of the area (``industry``); access as the region's pages.

    Raises
    ------
    Forbidden
        Not an admin or a regulator of the whole area.
    ValidationFailed
        No counted results with output in the year.
    """
    from greenmfg.pathways.decomposition import Scope as StoredScope
    from greenmfg.refdata.words import key_name, place_name

    with database.session() as session:
        require_area(session, principal, province, city)
        where = _area_clause(province, city)
        if industry:
            where.append(Organisation.industry == industry)
        years = _counted_years(session, *where)
        label = "/".join(p for p in (province, city, industry) if p)
        chosen = _base_year(years, year, label)
        area_zh, area_en = place_name(province, city, zh=True), place_name(province, city, zh=False)
        if industry:
            scope = StoredScope("industry", industry=industry, province=province, city=city)
            title_zh = f"{area_zh}{key_name(industry, zh=True)}碳达峰情景（基于 {chosen} 年核算结果）"
            title_en = f"{area_en}, {key_name(industry, zh=False)}: carbon-peak scenarios from the {chosen} results"
        else:
            scope = StoredScope("region", province=province, city=city)
            title_zh = f"{area_zh}工业碳达峰情景（基于 {chosen} 年核算结果）"
            title_en = f"{area_en}, industry: carbon-peak scenarios from the {chosen} accounting results"
        return build_stored_scenario(session, scope, chosen, title_zh=title_zh, title_en=title_en,
                                     region=f"{province}/{city}" if city else province,
                                     file=_file_name(province, industry, chosen))
