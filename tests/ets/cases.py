"""Worked cases of the ETS tests: activity rows of the accounting template, computed by hand in the tests."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from tests.conftest import BASE, HEADER

ALUMINIUM = {"enterprise_id": "AL1", "enterprise_name": "示例铝业", "industry": "电解铝", "region": "150000",
             "facility_id": "POT-1"}
#: month → (aluminium produced [t], net anode consumed [t], natural gas [10^4 Nm3], purchased electricity [MWh])
ALUMINIUM_MONTHS = {"2025-01": (10000.0, 4100.0, 50.0, 135000.0), "2025-02": (9000.0, 3700.0, 40.0, 121000.0)}

CEMENT = {"enterprise_id": "CE1", "enterprise_name": "示例水泥", "industry": "水泥", "region": "320000",
          "facility_id": "KILN-1", "period": "2025-04"}

STEEL = {"enterprise_id": "ST1", "enterprise_name": "示例钢铁", "industry": "钢铁", "region": "130000", "period": "2025-03"}


def aluminium_rows() -> list[dict[str, str]]:
    rows = []
    for month, (aluminium, anode, gas, electricity) in ALUMINIUM_MONTHS.items():
        rows += [
            {**ALUMINIUM, "period": month, "item": "电解铝", "quantity": f"{aluminium}", "unit": "t", "flow": "产出"},
            {**ALUMINIUM, "period": month, "item": "炭阳极", "quantity": f"{anode}", "unit": "t", "flow": "工艺"},
            {**ALUMINIUM, "period": month, "item": "天然气", "quantity": f"{gas}", "unit": "万立方米", "flow": "消耗"},
            {**ALUMINIUM, "period": month, "item": "电力", "quantity": f"{electricity}", "unit": "MWh", "flow": "外购"},
        ]
    return rows


def cement_rows() -> list[dict[str, str]]:
    return [
        {**CEMENT, "item": "熟料", "quantity": "50000", "unit": "t", "flow": "产出"},
        {**CEMENT, "item": "烟煤", "quantity": "6000", "unit": "t", "flow": "消耗"},
        {**CEMENT, "item": "电力", "quantity": "3000", "unit": "MWh", "flow": "外购"},
        {**CEMENT, "facility_id": "KILN-2", "item": "熟料", "quantity": "1000", "unit": "t", "flow": "产出",
         "clinker_cao": "0.65", "clinker_mgo": "0.02"},
    ]


def steel_rows() -> list[dict[str, str]]:
    """A works reported process by process: fuels passed on are 'exported' by one unit and
    'consumed' by the next (they cancel in the enterprise sum)."""
    s = STEEL
    return [
        {**s, "facility_id": "COKE", "item": "洗精煤", "quantity": "1000", "unit": "t", "flow": "消耗"},
        {**s, "facility_id": "COKE", "item": "焦炭", "quantity": "750", "unit": "t", "flow": "输出"},
        {**s, "facility_id": "COKE", "item": "焦炉煤气", "quantity": "30", "unit": "万立方米", "flow": "输出"},
        {**s, "facility_id": "BF", "item": "焦炭", "quantity": "750", "unit": "t", "flow": "消耗"},
        {**s, "facility_id": "BF", "item": "高炉煤气", "quantity": "200", "unit": "万立方米", "flow": "输出"},
        {**s, "facility_id": "BF", "item": "石灰石", "quantity": "100", "unit": "t", "flow": "工艺"},
        {**s, "facility_id": "BF", "item": "生铁", "quantity": "2000", "unit": "t", "flow": "产出"},
        {**s, "facility_id": "BOF", "item": "生铁", "quantity": "2000", "unit": "t", "flow": "工艺"},
        {**s, "facility_id": "BOF", "item": "粗钢", "quantity": "2100", "unit": "t", "flow": "产出"},
        {**s, "facility_id": "BOF", "item": "电力", "quantity": "500", "unit": "MWh", "flow": "外购"},
        {**s, "facility_id": "CPP", "item": "高炉煤气", "quantity": "200", "unit": "万立方米", "flow": "消耗"},
        # measured NCV of the coke-oven gas burnt: no finding; the blast-furnace gas has none: a finding
        {**s, "facility_id": "CPP", "item": "焦炉煤气", "quantity": "30", "unit": "万立方米", "flow": "消耗",
         "ncv": "173.854", "ncv_unit": "GJ/万立方米"},
        {**s, "facility_id": "CPP", "item": "电力", "quantity": "1000", "unit": "MWh", "flow": "输出"},
    ]


def table(rows: list[dict[str, str]]) -> pa.Table:
    return pa.Table.from_pylist([{h: {**BASE, **r}.get(h, "") for h in HEADER} for r in rows])


def write_csv(rows: list[dict[str, str]], path: Path) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for row in rows:
            full = {**BASE, **row}
            writer.writerow([full.get(h, "") for h in HEADER])
    return path
