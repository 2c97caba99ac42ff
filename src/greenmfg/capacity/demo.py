"""A demo capacity-replacement plan (``greenmfg demo`` / ``make run``): the demo steel works has filed one,
so the ledger of its regulators is not empty and the provincial regulator has a plan to decide on.

The project and the retired blast furnaces are invented for the demonstration; the plan goes through
:mod:`greenmfg.capacity.service` (the rule book decides its ratio and required retirement), so its
requirement, claims and audit events are the real ones.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from greenmfg.capacity import service
from greenmfg.capacity.models import ReplacementPlan
from greenmfg.orgs.access import Principal
from greenmfg.orgs.models import Organisation

__all__ = ["DEMO_PROJECT", "seed_plan"]

#: the demo project's name (a new blast furnace replacing two old ones)
DEMO_PROJECT = "2号高炉置换升级（演示）"


def seed_plan(session: Session, manager: Principal, steel_works: Organisation) -> ReplacementPlan:
    """File (create and submit) the demo plan of ``steel_works`` as its ``manager``: 1 000 000 t/a of
    ironmaking in the works' city, backed by two retired blast furnaces of 800 000 and 700 000 t/a."""
    province, city = steel_works.province or "", steel_works.city or ""
    retired = [{"facility_code": code, "facility_name": name, "capacity": capacity, "unit": "t/a",
                "province": province, "city": city, "retirement_date": "2024-12-31",
                "evidence": f"{name}拆除验收意见（演示）"}
               for code, name, capacity in (("BF-1", "1号高炉", 800_000), ("BF-2", "2号高炉", 700_000))]
    plan = service.create_plan(session, manager, {
        "enterprise_id": steel_works.id, "project_name": DEMO_PROJECT, "sector": "steel", "process": "ironmaking",
        "capacity": 1_000_000, "unit": "t/a", "province": province, "city": city,
        "application_date": "2023-05-01", "commissioning_date": "2025-06-30", "retired_items": retired})
    return service.submit_plan(session, manager, plan.id)
