"""Seed the demo region's green-manufacturing list, output values and one application at each stage.

Everything goes through :mod:`greenmfg.greenlist.service` with the demo users' principals, so the
demo's history rows and audit events are the real ones. Output values are **synthetic**: each
enterprise's accounted energy of the year ÷ an assumed energy intensity of its industry
[tce/万元] (:data:`DEMO_INTENSITY_TCE_PER_10K_YUAN`, not a reference value), and the region's
manufacturing output is the sum of its enterprises' output × :data:`DEMO_REGION_MULTIPLE` (the
platform's enterprises are only part of the region's manufacturing); every row says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from greenmfg.accounting.models import FacilityResult
from greenmfg.auth.models import User
from greenmfg.greenlist import service
from greenmfg.orgs.access import Membership as MembershipView
from greenmfg.orgs.access import Principal, Scope, load_principal
from greenmfg.orgs.models import Jurisdiction, Organisation, OrgKind, Park

__all__ = ["DEMO_INTENSITY_TCE_PER_10K_YUAN", "DEMO_REGION_MULTIPLE", "final_self_evaluation", "seed_green_list"]

#: assumed energy intensity per industry for synthetic output values [tce/万元]
DEMO_INTENSITY_TCE_PER_10K_YUAN = {"steel": 0.6, "cement": 1.0, "flat_glass": 0.7, "electrolytic_aluminium": 0.9,
                                   "chemicals": 0.5}
#: region manufacturing output = this × the platform enterprises' output (synthetic)
DEMO_REGION_MULTIPLE = Decimal(4)
SYNTHETIC = "演示数据（合成）/ demo data (synthetic)"
SELF_EVALUATION = {"framework": "GB/T 36132-2025", "total_score": 86.5, "passed": True, "veto_failures": [],
                   "evaluated_at": "2025-03-01"}
EVALUATION = {"recommendation": "pass", "comment": "基本要求全部满足；能源与资源投入、环境排放得分较高（演示）", "score": 84,
              "veto_checked": True, "indicator_comments": [{"indicator": "单位产品综合能耗", "comment": "优于行业基准值（演示）"}]}
STAGES = ("draft", "submitted", "evaluator_assigned", "evaluated", "regulator_review", "pre_reviewed", "recommended",
          "published")
#: synthetic benchmark/leading values of the demo's self-evaluations (never a standard's value)
DEMO_REFERENCE = "演示数据（合成），非标准值 / demo data (synthetic), not a standard's value"


def _principal(session: Session, username: str) -> Principal:
    user = session.execute(select(User).where(User.username == username)).scalar_one()
    return load_principal(session, user)


@dataclass(frozen=True)
class _Actors:
    evaluator: Principal
    evaluator_id: int
    regulator: Principal
    admin: Principal


def final_self_evaluation(session: Session, applicant: Principal, org_id: int) -> int:
    """A final green-factory self-evaluation of the enterprise (demo): every basic requirement met,
    scored items at 90 %, performance values 80 % of the way from synthetic benchmarks to synthetic
    leading values (said so as their source), intensities filled from the stored results."""
    from greenmfg.greenfactory import service as evaluations
    from greenmfg.greenfactory.frameworks import load_framework

    framework = load_framework("gbt36132-2025")
    items: list[dict[str, object]] = [{"key": v.key, "answer": True, "evidence": "证书与制度文件（演示）"}
                                      for v in framework.vetoes]
    for item in framework.indicators:
        if item.kind == "scored":
            items.append({"key": item.key, "points": round(float(item.value or 0) * 0.9, 2)})
        elif not item.auto:
            higher = item.direction == "higher"
            items.append({"key": item.key, "value": 90 if higher else 60, "benchmark": 50 if higher else 100,
                          "leading": 100 if higher else 50, "reference_source": DEMO_REFERENCE})
    products = [c for c in evaluations.product_choices(session, org_id) if c.quantity is not None]
    document: dict[str, object] = {"framework": framework.id, "title": "绿色工厂自评价（演示）", "items": items}
    if products:
        document.update(product=products[0].key, year=products[0].year)
    row = evaluations.create(session, applicant, org_id, document)
    evaluations.finalise(session, applicant, row.id)
    return row.id


def _city_bureau(session: Session, actors: _Actors, org_id: int) -> Principal:
    """The manager of the city bureau over the enterprise's city (created for the demo when missing);
    the province for an enterprise registered without a city."""
    org = session.get(Organisation, org_id)
    assert org is not None
    if not org.city:
        return actors.regulator
    bureau = session.execute(select(Organisation).join(Jurisdiction, Jurisdiction.regulator_id == Organisation.id)
                             .where(Jurisdiction.province == org.province, Jurisdiction.city == org.city,
                                    Jurisdiction.park_id.is_(None))).scalars().first()
    if bureau is None:
        bureau = Organisation(kind=OrgKind.regulator, name=f"{org.city}市工业和信息化局",
                              name_en=f"{org.city} city industry and IT bureau")
        bureau.jurisdictions.append(Jurisdiction(province=org.province or "", city=org.city))
        session.add(bureau)
        session.flush()
    return replace(actors.admin, memberships=(MembershipView(organisation_id=bureau.id, kind=OrgKind.regulator,
                                                             role="manager", name=bureau.name),),
                   jurisdictions=(Scope(province=org.province or "", city=org.city),))


def _to_stage(session: Session, applicant: Principal, org_id: int, kind: str, stage: str, *, year: int,
              actors: _Actors, park_id: int | None = None) -> int:
    application = service.create_application(session, applicant, {"organisation_id": org_id, "kind": kind,
                                                                  "list_year": year, "park_id": park_id})
    steps = STAGES[1:STAGES.index(stage) + 1]
    for step in steps:
        if step == "submitted" and kind == "factory":
            service.submit(session, applicant, application.id,
                           {"evaluation_id": final_self_evaluation(session, applicant, org_id)})
        elif step == "submitted":
            service.submit(session, applicant, application.id, {**SELF_EVALUATION, "kind": kind})
        elif step == "evaluator_assigned":
            service.assign_evaluator(session, applicant, application.id, actors.evaluator_id)
        elif step == "evaluated":
            service.evaluate(session, actors.evaluator, application.id, EVALUATION)
        elif step == "regulator_review":
            service.apply(session, applicant, application.id)
        elif step == "pre_reviewed":
            service.pre_review(session, _city_bureau(session, actors, org_id), application.id,
                               comment="初审通过（演示）")
        elif step == "recommended":
            service.recommend(session, actors.regulator, application.id, comment="同意推荐（演示）")
        elif step == "published":
            service.publish(session, actors.admin, [application.id], year=year)
    return application.id


def seed_green_list(session: Session, *, home: str, city: str | None) -> None:
    """Output values, published green factories (and a park and a supply chain), applications at each stage."""
    admin, regulator, evaluator = (_principal(session, n) for n in ("demo-admin", "demo-regulator", "demo-evaluator"))
    evaluator_id = next(m.organisation_id for m in evaluator.memberships if m.kind == OrgKind.evaluator)
    energy = session.execute(
        select(FacilityResult.enterprise_id, FacilityResult.year, func.sum(FacilityResult.energy_tce))
        .where(FacilityResult.current.is_(True)).group_by(FacilityResult.enterprise_id, FacilityResult.year)).all()
    orgs = {o.id: o for o in session.execute(select(Organisation).where(Organisation.kind == OrgKind.enterprise))
            .scalars()}
    totals: dict[int, Decimal] = {}
    for enterprise_id, year, tce in energy:
        org = orgs[int(enterprise_id)]
        intensity = DEMO_INTENSITY_TCE_PER_10K_YUAN.get(org.industry or "", 0.3)
        value = (Decimal(str(float(tce or 0) / intensity))).quantize(Decimal("0.01"))
        service.set_enterprise_output(session, admin, {"organisation_id": org.id, "year": int(year),
                                                       "output_value": value, "source_note": SYNTHETIC})
        if org.province == home:
            totals[int(year)] = totals.get(int(year), Decimal(0)) + value
            if city and org.city == city:
                totals[-int(year)] = totals.get(-int(year), Decimal(0)) + value
    for key, value in totals.items():
        service.set_region_output(session, admin, {
            "province": home, "city": city if key < 0 else "", "year": abs(key),
            "output_value": value * DEMO_REGION_MULTIPLE, "source_note": SYNTHETIC})
    demo_orgs: list[tuple[int, str]] = []
    for username in ("demo-steel", "demo-cement", "demo-glass", "demo-aluminium", "demo-chemicals"):
        if session.execute(select(User.id).where(User.username == username)).first() is None:
            continue
        demo_orgs += [(m.organisation_id, username) for m in _principal(session, username).memberships
                      if m.kind == OrgKind.enterprise]
    context = _Actors(evaluator, evaluator_id, regulator, admin)
    # earlier lists: other enterprises of the home province published in 2023
    demo_ids = {org_id for org_id, _u in demo_orgs}
    earlier = [o for o in sorted(orgs.values(), key=lambda o: o.code or "") if o.province == home
               and o.id not in demo_ids][:4]
    for org in earlier:
        _to_stage(session, _acting_for(admin, org), org.id, "factory", "published", year=2023, actors=context)
    # one application at each stage a demo user meets: the city bureau's pre-review (an enterprise of its
    # city when there is one), the province's recommendation, the evaluator's report; the last demo
    # enterprise has none yet (its manager creates a draft and submits its final self-evaluation)
    stages = ["published", "regulator_review", "pre_reviewed", "evaluator_assigned"]
    if len(demo_orgs) > len(stages):
        in_city = [i for i, (org_id, _u) in enumerate(demo_orgs[1:len(stages)], start=1) if city and orgs[org_id].city == city]
        if in_city and in_city[0] != 1:
            demo_orgs[1], demo_orgs[in_city[0]] = demo_orgs[in_city[0]], demo_orgs[1]
    for (org_id, username), stage in zip(demo_orgs, stages, strict=False):
        if orgs[org_id].province != home and stage in ("published", "regulator_review", "pre_reviewed"):
            stage = "evaluated"  # the demo regulator covers the home province only
        applicant = _principal(session, username)
        _to_stage(session, applicant, org_id, "factory", stage, year=2024 if stage == "published" else 2025, actors=context)
    for org_id, username in demo_orgs[len(stages):]:
        final_self_evaluation(session, _principal(session, username), org_id)
    if demo_orgs and orgs[demo_orgs[0][0]].province == home:
        steel_id, steel_user = demo_orgs[0]
        applicant = _principal(session, steel_user)
        _to_stage(session, applicant, steel_id, "supply_chain", "published", year=2024, actors=context)
        park = Park(name=f"{orgs[steel_id].city or ''}绿色示范产业园（演示）", province=orgs[steel_id].province or home,
                    city=orgs[steel_id].city)
        session.add(park)
        session.flush()
        if len(demo_orgs) > 1 and orgs[demo_orgs[1][0]].province == home:
            park_org_id, park_user = demo_orgs[1]
            session.get(Organisation, park_org_id).park_id = park.id  # type: ignore[union-attr]
            _to_stage(session, _principal(session, park_user), park_org_id, "park", "published", year=2024,
                      park_id=park.id, actors=context)


def _acting_for(admin: Principal, org: Organisation) -> Principal:
    """The platform admin acting as the manager of an enterprise without demo users (seed only)."""
    return replace(admin, memberships=(MembershipView(organisation_id=org.id, kind=OrgKind.enterprise,
                                                      role="manager", name=org.name),))
