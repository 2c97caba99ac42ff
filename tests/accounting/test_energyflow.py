"""The energy-flow Sankey: every node balances and the uses add up to the stored results' energy."""

from __future__ import annotations

import html
import json
import math
import re
from collections import defaultdict

import pytest
from fastapi.testclient import TestClient

from greenmfg.accounting.energyflow import energy_flow, energy_flow_chart
from greenmfg.i18n import load_catalogs
from tests.factories import Login, Pages, World, commit, steel_csv

BASE = "E-STEEL,唐山示例钢铁有限公司,钢铁,130000"


def _rows(period: str) -> list[list[str]]:
    """A coke oven (washed coal in, coke and gas out) and a heat-exporting unit beside the steel shop."""
    coking = f"{BASE},E-STEEL-JH,{period}".split(",")
    boiler = f"{BASE},E-STEEL-GR,{period}".split(",")
    return [coking + ["洗精煤", "1300", "吨", "feedstock"], coking + ["焦炭", "1000", "吨", "exported"],
            coking + ["焦炭", "1000", "吨", "produced"], coking + ["焦炉煤气", "12", "万立方米", "exported"],
            coking + ["电力", "30", "万千瓦时", "purchased"],
            # exports more than it takes in (heat recovered from the works' processes): a net supply
            boiler + ["热力", "800", "吉焦", "exported"], boiler + ["电力", "1", "万千瓦时", "consumed"]]


def test_flows_balance_against_the_stored_results(client: TestClient, login: Login, world: World, pages: Pages,
                                                  subtests: pytest.Subtests) -> None:
    steel = world.org("steel")
    periods = ("2024-01", "2024-02")
    commit(client, login("steel"), steel, steel_csv(periods=periods, extra=[r for p in periods for r in _rows(p)]))
    rows = client.get(f"/api/v1/enterprises/{steel}/results?period=2024", headers=login("steel")).json()["results"]
    stored_total = sum(r["energy_tce"] for r in rows)
    with world.database.session() as session:
        flow = energy_flow(session, steel, 2024)

    with subtests.test("every node balances"):
        into: dict[str, float] = defaultdict(float)
        out_of: dict[str, float] = defaultdict(float)
        for link in flow.links:
            assert link.value > 0
            out_of[link.source] += link.value
            into[link.target] += link.value
        kinds = {n.key: n.kind for n in flow.nodes}
        assert set(kinds) == set(into) | set(out_of)
        for key, kind in kinds.items():
            if kind == "facility":
                assert into[key] == pytest.approx(out_of[key], rel=1e-12, abs=1e-9), key
            elif kind in ("carrier", "supply"):
                assert into[key] == 0 and out_of[key] > 0
            else:
                assert out_of[key] == 0 and into[key] > 0
        assert math.fsum(v for k, v in out_of.items() if kinds[k] == "carrier") == pytest.approx(flow.supplied_tce)
        assert math.fsum(v for k, v in into.items() if kinds[k] == "export") == pytest.approx(flow.exported_tce)
        assert math.fsum(v for k, v in into.items() if kinds[k] == "use") == pytest.approx(flow.used_tce)

    with subtests.test("in = out overall, and the uses are the results' energy"):
        assert flow.total_tce == pytest.approx(stored_total, rel=1e-9)
        assert flow.supplied_tce + flow.net_supply_tce == pytest.approx(flow.exported_tce + flow.used_tce, rel=1e-12)
        assert flow.used_tce - flow.net_supply_tce == pytest.approx(stored_total, rel=1e-9)
        # the heat unit gave more than it took: a net supply, balanced by its own source node
        assert flow.net_supply_tce > 0 and any(n.kind == "supply" for n in flow.nodes)

    with subtests.test("carriers, conversion and uses as the data has them"):
        keys = {n.key for n in flow.nodes}
        assert {"carrier:washed_coal", "carrier:coke", "carrier:electricity", "export:coke", "export:coke_oven_gas",
                "export:heat", "facility:E-STEEL-JH", "facility:E-STEEL-F1", "use:crude_steel", "use:coke"} <= keys
        links = {(link.source, link.target): link.value for link in flow.links}
        # the coke oven's exported coke, from its lines: 2 months × 1000 t at the coefficient the results used
        coke_out = -sum(line["energy_tce"] for r in rows if r["facility_id"] == "E-STEEL-JH"
                        for line in client.get(f"/api/v1/results/{r['id']}", headers=login("steel")).json()["lines"]
                        if line["item"] == "coke" and line["flow"] == "exported")
        assert links[("facility:E-STEEL-JH", "export:coke")] == pytest.approx(coke_out) and coke_out > 0

    with subtests.test("labels in the page's language, on the dashboard"):
        catalogs = load_catalogs()
        zh = energy_flow_chart(flow, catalogs.translator("zh-CN"))
        en = energy_flow_chart(flow, catalogs.translator("en"))
        zh_names = {n["name"] for n in zh["baseOption"]["series"][0]["data"]}
        en_names = {n["name"] for n in en["baseOption"]["series"][0]["data"]}
        assert {"洗精煤", "焦炭", "焦炭（输出）", "粗钢"} <= zh_names
        assert {"Cleaned coal", "Coke", "Coke (exported)", "Crude steel"} <= en_names
        page = pages("steel").get(f"/enterprises/{steel}?year=2024")
        found = re.search(r'id="chart-energy-flow" data-echarts="([^"]+)"', page.text)
        assert found is not None
        option = json.loads(html.unescape(found.group(1)))
        total_links = sum(link["value"] for link in option["baseOption"]["series"][0]["links"])
        assert total_links == pytest.approx(sum(link.value for link in flow.links), abs=0.01 * len(flow.links))

