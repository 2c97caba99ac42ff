"""Worked installations of the CBAM tests: activity rows of the accounting template, goods and precursors."""

from __future__ import annotations

from pathlib import Path

from tests.ets.cases import write_csv

CEMENT = {"enterprise_id": "CE1", "enterprise_name": "示例水泥有限公司", "industry": "水泥", "region": "320000",
          "period": "2026"}
STEEL = {"enterprise_id": "ST1", "enterprise_name": "示例钢铁有限公司", "industry": "钢铁", "region": "130000",
         "period": "2026"}

#: kiln: 100 000 t clinker, 12 000 t bituminous coal, 6 000 MWh; grinding: 120 000 t cement, 4 000 MWh
KILN_ROWS = [
    {**CEMENT, "facility_id": "KILN", "item": "熟料", "quantity": "100000", "unit": "t", "flow": "产出"},
    {**CEMENT, "facility_id": "KILN", "item": "烟煤", "quantity": "12000", "unit": "t", "flow": "消耗"},
    {**CEMENT, "facility_id": "KILN", "item": "电力", "quantity": "6000", "unit": "MWh", "flow": "外购"},
]
MILL_ROWS = [
    {**CEMENT, "facility_id": "MILL", "item": "水泥", "quantity": "120000", "unit": "t", "flow": "产出"},
    {**CEMENT, "facility_id": "MILL", "item": "电力", "quantity": "4000", "unit": "MWh", "flow": "外购"},
]
#: a rolling mill buying slabs: 50 000 t hot-rolled coil from 52 000 t slabs, natural gas and electricity
ROLLING_ROWS = [
    {**STEEL, "facility_id": "HSM", "item": "钢材", "quantity": "50000", "unit": "t", "flow": "产出"},
    {**STEEL, "facility_id": "HSM", "item": "天然气", "quantity": "300", "unit": "万立方米", "flow": "消耗"},
    {**STEEL, "facility_id": "HSM", "item": "电力", "quantity": "5000", "unit": "MWh", "flow": "外购"},
]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def cement_files(folder: Path) -> tuple[Path, Path, Path]:
    activity = write_csv(KILN_ROWS + MILL_ROWS, folder / "activity.csv")
    goods = write(folder, "goods.csv", "facility_id,period,cn_code,quantity,unit\n"
                                       "KILN,2026,2523 10 00,100000,t\nMILL,2026,2523 29 00,120000,t\n")
    precursors = write(folder, "precursors.csv", "facility_id,period,precursor_cn_code,quantity,unit,from_facility_id\n"
                                                 "MILL,2026,2523 10 00,90000,t,KILN\n")
    return activity, goods, precursors
