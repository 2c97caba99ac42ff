"""The demo's steel exporter (:func:`greenmfg.demo.platform.seed_demo`): its goods, an EU customer and one CBAM
calculation of its first year, made through the platform service on its stored data like a user's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from greenmfg.accounting.reader import InputFile
from greenmfg.cbam import platform
from greenmfg.errors import GreenmfgError
from greenmfg.orgs.access import Principal
from greenmfg.orgs.models import Organisation

__all__ = ["seed_exporter"]

#: what the demo works make (item of the activity data) → CN code and name of the good
_GOODS = {"生铁": ("7201 10", "炼钢生铁"), "粗钢": ("7207 11", "连铸板坯")}


def seed_exporter(session: Session, principal: Principal, org: Organisation, rows: Sequence[dict[str, Any]]) -> None:
    """List the works' pig iron and slabs as goods, add a customer, and calculate the first year (the blast
    furnace's pig iron counted as the converter's precursor). A works without both processes is left alone."""
    year = min(str(r["period"])[:4] for r in rows)
    made: dict[str, tuple[str, float]] = {}
    for r in rows:
        if r["flow"] in ("produced", "产出") and r["item"] in _GOODS and str(r["period"]).startswith(year):
            facility, quantity = made.get(r["item"], (r["facility_id"], 0.0))
            made[r["item"]] = (facility, quantity + float(r["quantity"]))
    if set(made) != set(_GOODS):
        return
    for item, (facility, _quantity) in made.items():
        platform.add_product(session, principal, org.id, {"cn_code": _GOODS[item][0], "name": _GOODS[item][1],
                                                          "facility": facility})
    platform.add_customer(session, principal, org.id, {"name": "Stahlhandel Rhein GmbH", "country": "DE",
                                                       "eori": "DE1234567890123", "contact": "einkauf@example.de"})
    goods = platform.goods_csv([{"facility_id": facility, "period": year, "cn_code": _GOODS[item][0],
                                 "quantity": round(quantity, 3), "unit": "t", "product_name": _GOODS[item][1]}
                                for item, (facility, quantity) in made.items()], name="goods.csv")
    iron_facility, iron = made["生铁"]
    steel_facility = made["粗钢"][0]
    precursors = InputFile("precursors.csv", (
        "facility_id,period,precursor_cn_code,quantity,unit,from_facility_id\n"
        f"{steel_facility},{year},7201 10,{round(iron, 3)},t,{iron_facility}\n").encode())
    try:
        with session.begin_nested():
            platform.calculate(session, principal, org.id, year, goods, precursors)
    except GreenmfgError:  # demo data a calculation refuses: the goods and the customer are enough
        return
