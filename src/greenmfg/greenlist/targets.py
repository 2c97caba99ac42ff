"""Regional green-manufacturing targets for a regulator's jurisdiction.

For one area (a province, or a city of it) the caller covers:

- **green-factory output share** per year = output value of the listed green factories of the
  area (listed by the end of that year and not removed) ÷ the area's manufacturing output value
  entered by the regulator, both [万元]; green factories without an output value for the year are
  counted in ``factories_without_output`` (the share is then a lower bound and says so);
- the **2030 target** (> 40 %, ``green_manufacturing/targets-2024``), the compound
  **trajectory** from the latest year with a share, the **required annual growth** of the share
  and the **gap** (:mod:`greenmfg.calc.green_targets`);
- **counts** of listed green factories, parks and supply-chain enterprises at the end of each year;
- **energy and carbon intensity by industry** per year [tce/万元, tCO2e/万元]: accounted energy
  and emissions (current results, annual ones superseding months) of the enterprises that have
  both results and an output value for the year, ÷ their output value.

Only enterprises the caller may see count (:func:`~greenmfg.orgs.access.enterprise_filter`): a
jurisdiction limited to industries sees the share of those industries' green factories in the
area's whole manufacturing output, and the answer says so.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from greenmfg.accounting.models import FacilityResult
from greenmfg.calc.green_targets import TargetPath, output_share, target_path
from greenmfg.greenlist.models import EnterpriseOutput, GreenApplication, ListKind, RegionOutput
from greenmfg.greenlist.rules import ListRules, load_rules
from greenmfg.orgs.access import Forbidden, Principal, enterprise_filter
from greenmfg.orgs.models import Organisation
from greenmfg.region.service import counted_results, require_regional_access

__all__ = ["Area", "GreenTargets", "IntensityPoint", "SharePoint", "busiest_province", "green_targets", "resolve_area"]


@dataclass(frozen=True, slots=True)
class Area:
    province: str
    #: '' for the whole province
    city: str
    #: the caller's jurisdiction is limited to these industries (empty: all)
    industries: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SharePoint:
    year: int
    green_output: Decimal
    manufacturing_output: Decimal | None
    share: float | None
    factories: int
    factories_without_output: int
    source_note: str | None


@dataclass(frozen=True, slots=True)
class IntensityPoint:
    industry: str
    year: int
    enterprises: int
    output_value: Decimal
    energy_tce: float
    emissions_tco2e: float
    #: [tce/万元]
    energy_intensity: float | None
    #: [tCO2e/万元]
    carbon_intensity: float | None


@dataclass(frozen=True)
class GreenTargets:
    area: Area
    shares: list[SharePoint]
    path: TargetPath | None
    #: year → {"factory": n, "park": n, "supply_chain": n}
    counts: dict[int, dict[str, int]]
    intensities: list[IntensityPoint]
    rules: ListRules
    warnings: list[dict[str, str]] = field(default_factory=list)


def busiest_province(session: Session, principal: Principal) -> str | None:
    """The province where most of the enterprises the caller sees are registered (what the page
    shows an admin, who has no jurisdiction of its own, before a province is chosen)."""
    found = session.execute(
        select(Organisation.province).where(enterprise_filter(session, principal), Organisation.province.is_not(None))
        .group_by(Organisation.province).order_by(func.count().desc(), Organisation.province).limit(1)
    ).scalar_one_or_none()
    return str(found) if found else None


def resolve_area(session: Session, principal: Principal, province: str | None, city: str | None) -> Area:
    """The area asked for, if the caller covers it; default: the caller's first jurisdiction.

    Raises
    ------
    Forbidden
        Not a regulator/admin, or the area is outside the caller's jurisdictions, or an admin
        without a province.
    """
    require_regional_access(session, principal)
    city = (city or "").strip()
    if principal.is_admin:
        if not province:
            if principal.jurisdictions:
                first = principal.jurisdictions[0]
                return Area(first.province, first.city or "", first.industries)
            raise Forbidden("give the province (and optionally the city) to look at",
                            "请指定要查看的省份（及城市）")
        return Area(province, city)
    for scope in principal.jurisdictions:
        if not scope.area_level:
            continue
        if province is None:
            return Area(scope.province, scope.city or "", scope.industries)
        wanted = city or scope.city or ""
        if scope.covers_area(province, wanted):
            return Area(province, wanted, scope.industries)
    raise Forbidden("this area is outside your jurisdiction", "该地区不在您的管辖范围内")


def _listed_in(year: int) -> Any:
    return ((GreenApplication.published_year.is_not(None)) & (GreenApplication.published_year <= year)
            & ((GreenApplication.removed_year.is_(None)) | (GreenApplication.removed_year > year)))


def green_targets(session: Session, principal: Principal, *, province: str | None = None,
                  city: str | None = None, rules: ListRules | None = None) -> GreenTargets:
    """Share, trajectory, counts and intensities for the caller's area (see the module docstring)."""
    rules = rules or load_rules()
    area = resolve_area(session, principal, province, city)
    visible = enterprise_filter(session, principal)
    in_area = [Organisation.province == area.province]
    if area.city:
        in_area.append(Organisation.city == area.city)
    warnings: list[dict[str, str]] = []
    regions = {r.year: r for r in session.execute(select(RegionOutput).where(
        RegionOutput.province == area.province, RegionOutput.city == area.city)).scalars()}
    listed: list[tuple[int, str, int, int | None]] = [(int(r[0]), str(r[1]), int(r[2] or 0), r[3]) for r in session.execute(
        select(GreenApplication.organisation_id, GreenApplication.kind, GreenApplication.published_year,
               GreenApplication.removed_year)
        .join(Organisation, Organisation.id == GreenApplication.organisation_id)
        .where(visible, *in_area, GreenApplication.published_year.is_not(None)))]
    outputs: dict[tuple[int, int], Decimal] = {
        (r.organisation_id, r.year): Decimal(r.output_value) for r in session.execute(
            select(EnterpriseOutput).join(Organisation, Organisation.id == EnterpriseOutput.organisation_id)
            .where(visible, *in_area)).scalars()}
    this_year = dt.date.today().year
    first_year = min([row[2] for row in listed] + list(regions) or [this_year])
    last_year = max([row[2] for row in listed] + list(regions) or [this_year])

    def listed_at(year: int, kind: str) -> list[int]:
        return [row[0] for row in listed
                if row[1] == kind and row[2] <= year and (row[3] is None or row[3] > year)]

    counts = {year: {k.value: len(listed_at(year, k.value)) for k in ListKind}
              for year in range(first_year, last_year + 1)}
    shares: list[SharePoint] = []
    for year in sorted(set(regions) | {y for y, c in counts.items() if c["factory"]}):
        factories = sorted(set(listed_at(year, ListKind.factory)))
        with_output = [outputs[(f, year)] for f in factories if (f, year) in outputs]
        green = sum(with_output, Decimal(0))
        region = regions.get(year)
        share = output_share(green, Decimal(region.output_value)) if region is not None else None
        shares.append(SharePoint(year, green, Decimal(region.output_value) if region else None,
                                 float(share) if share is not None else None, len(factories),
                                 len(factories) - len(with_output), region.source_note if region else None))
    latest = next((s for s in reversed(shares) if s.share is not None), None)
    path = None
    if latest is not None and latest.share is not None:
        path = target_path(latest.year, latest.share, target_share=rules.target_share.value,
                           target_year=int(rules.target_year.value))
        if latest.factories_without_output:
            warnings.append({"code": "greenlist.targets.missing_output",
                             "message": f"{latest.factories_without_output} listed green factories have no output "
                                        f"value for {latest.year}: the share is a lower bound",
                             "message_zh": f"{latest.factories_without_output} 家绿色工厂缺少 {latest.year} 年产值："
                                           "占比为下限"})
    else:
        warnings.append({"code": "greenlist.targets.no_region_output",
                         "message": "no manufacturing output value entered for this area: no share can be computed",
                         "message_zh": "该地区尚未填报制造业总产值，无法计算占比"})
    if area.industries:
        warnings.append({"code": "greenlist.targets.industry_limited",
                         "message": "your jurisdiction covers only some industries: only their green factories count "
                                    "in the share", "message_zh": "您的管辖范围仅含部分行业：占比仅计入这些行业的绿色工厂"})
    for cited in (rules.target_share, rules.target_year):
        if cited.needs_warning:
            warnings.append({"code": "greenlist.targets.unverified_target", "ref": cited.reference,
                             "message": f"the target value {cited.reference} is {cited.status}, not verified "
                                        "against the document's text",
                             "message_zh": f"目标值 {cited.reference} 的核实状态为 {cited.status}，未与原文核对"})
    return GreenTargets(area, shares, path, counts, _intensities(session, visible, in_area, outputs), rules, warnings)


def _intensities(session: Session, visible: Any, in_area: list[Any],
                 outputs: dict[tuple[int, int], Decimal]) -> list[IntensityPoint]:
    query = (counted_results(visible).add_columns(FacilityResult.enterprise_id, FacilityResult.year, Organisation.industry,
                                           func.sum(FacilityResult.energy_tce), func.sum(FacilityResult.total_tco2e))
             .where(*in_area).group_by(FacilityResult.enterprise_id, FacilityResult.year, Organisation.industry))
    groups: dict[tuple[str, int], list[tuple[Decimal, float, float]]] = defaultdict(list)
    for enterprise_id, year, industry, energy, emissions in session.execute(query):
        output = outputs.get((int(enterprise_id), int(year)))
        if output is None or output <= 0:
            continue
        groups[(str(industry or ""), int(year))].append((output, float(energy or 0), float(emissions or 0)))
    out = []
    for (industry, year), rows in sorted(groups.items()):
        value = sum((r[0] for r in rows), Decimal(0))
        energy = sum(r[1] for r in rows)
        emissions = sum(r[2] for r in rows)
        out.append(IntensityPoint(industry, year, len(rows), value, energy, emissions,
                                  energy / float(value) if value else None, emissions / float(value) if value else None))
    return out
