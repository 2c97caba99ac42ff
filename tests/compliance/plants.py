"""The three plants of the compliance tests and their hand-checked numbers (see ``test_api.py``),
committed through the API like an enterprise does."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import ACTIVITY_HEADER, Login, World, commit

STEEL = [("E-STEEL", "唐山示例钢铁有限公司", "钢铁", "130000", "E-STEEL-F1", p, item, q, u, f) for p, item, q, u, f in [
    ("2024-01", "电力", 300, "万千瓦时", "purchased"), ("2024-01", "石墨电极", 10, "吨", "process"),
    ("2024-01", "粗钢", 5000, "吨", "produced"),
    ("2024-02", "电力", 280, "万千瓦时", "purchased"), ("2024-02", "石墨电极", 10, "吨", "process"),
    ("2024-02", "粗钢", 5000, "吨", "produced")]]
GLASS = [("E-GLASS", "邢台示例玻璃有限公司", "平板玻璃", "130000", "E-GLASS-F1", "2024-01", item, q, u, f)
         for item, q, u, f in [("天然气", 100, "万立方米", "consumed"), ("电力", 80, "万千瓦时", "purchased"),
                               ("平板玻璃", 100000, "重量箱", "produced")]]
CEMENT = [("E-CEMENT", "苏州示例水泥有限公司", "水泥", "320000", "E-CEMENT-F1", "2024-01", item, q, u, f)
          for item, q, u, f in [("烟煤", 1400, "吨", "consumed"), ("电力", 50, "万千瓦时", "purchased"),
                                ("熟料", 10000, "吨", "produced")]]


def activity_csv(rows: list[tuple[Any, ...]]) -> bytes:
    return ("\n".join([",".join(ACTIVITY_HEADER), *(",".join(str(v) for v in r) for r in rows)]) + "\n").encode("utf-8")



def seed_plants(client: TestClient, world: World) -> World:
    """Steel (two months), glass and cement, each committed by its own enterprise user."""
    login = Login(client)
    commit(client, login("steel"), world.org("steel"), activity_csv(STEEL))
    commit(client, login("glass"), world.org("glass"), activity_csv(GLASS))
    commit(client, login("cement"), world.org("cement"), activity_csv(CEMENT))
    return world
