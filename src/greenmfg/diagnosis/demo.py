"""A demo equipment register for the demo enterprises (``greenmfg demo`` / ``make run``).

Nameplate figures are invented for the demonstration (typical of older Y/YE2-series motors and
S9/S11-series transformers still in service); they are demo data, not measurements.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from greenmfg.diagnosis.models import Equipment
from greenmfg.orgs.models import Facility, Organisation

__all__ = ["DEMO_REGISTER", "seed_register"]

#: (kind, code, name, fields): two motors and a transformer below the minimum, compliant items,
#: a compressor and a boiler with the user's replacement targets
DEMO_REGISTER: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("motor", "M-101", "1号循环水泵电机（Y2 系列）", {"rated_power_kw": 75, "poles": 4, "efficiency_pct": 93.6,
                                                  "hours_per_year": 7200, "load_factor": 0.8, "year_installed": 2009}),
    ("motor", "M-102", "2号引风机电机（Y 系列）", {"rated_power_kw": 132, "poles": 6, "efficiency_pct": 94.0,
                                                "hours_per_year": 7000, "load_factor": 0.75, "year_installed": 2006}),
    ("motor", "M-103", "皮带输送机电机（YE3）", {"rated_power_kw": 22, "poles": 4, "efficiency_pct": 93.0,
                                               "hours_per_year": 6000, "load_factor": 0.7, "year_installed": 2019}),
    ("motor", "M-104", "除尘风机电机（YE4）", {"rated_power_kw": 55, "poles": 2, "efficiency_pct": 95.3,
                                             "hours_per_year": 6500, "load_factor": 0.8, "year_installed": 2022}),
    ("transformer", "T-01", "1号配电变压器（S9）", {"capacity_kva": 1000, "no_load_loss_w": 1700, "load_loss_w": 10300,
                                                "hours_per_year": 8760, "load_factor": 0.55, "year_installed": 2004}),
    ("transformer", "T-02", "2号配电变压器（S13）", {"capacity_kva": 630, "no_load_loss_w": 570, "load_loss_w": 6200,
                                                 "hours_per_year": 8760, "load_factor": 0.5, "year_installed": 2018}),
    ("air_compressor", "C-01", "1号螺杆空压机", {"rated_power_kw": 110, "flow_m3_min": 20, "pressure_mpa": 0.8,
                                              "specific_power": 7.6, "target_specific_power": 6.3,
                                              "hours_per_year": 6000, "load_factor": 0.8,
                                              "replacement_cost_cny": 380000}),
    ("industrial_boiler", "B-01", "4 t/h 燃气蒸汽锅炉", {"rated_capacity_mw": 2.8, "fuel": "natural_gas",
                                                     "efficiency_pct": 86.0, "target_efficiency_pct": 94.0,
                                                     "hours_per_year": 5000, "load_factor": 0.6}),
)


def seed_register(session: Session, enterprise: Organisation) -> int:
    """Add the demo register to ``enterprise`` (at its first facility) unless it has one; returns items added."""
    if session.execute(select(Equipment.id).where(Equipment.enterprise_id == enterprise.id)).first():
        return 0
    facility_id = session.execute(select(Facility.id).where(Facility.enterprise_id == enterprise.id)
                                  .order_by(Facility.code)).scalars().first()
    for kind, code, name, fields in DEMO_REGISTER:
        session.add(Equipment(enterprise_id=enterprise.id, facility_id=facility_id, kind=kind, code=code, name=name,
                              efficiency_basis="nameplate", **fields))
    session.flush()
    return len(DEMO_REGISTER)
