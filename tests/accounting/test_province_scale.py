"""Province scale: the stored ``counted`` flag, compact derivation lines, product rows, statistics.

The flag is checked against its definition recomputed here from every stored result (current,
and annual or without a current annual result of its facility-year) after each kind of write:
months then the annual result, the annual result then months, a re-import replacing a version,
a recalculation. Lines are checked against the engine's own document of the same file.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from greenmfg.accounting.models import FacilityResult, LineTemplate, ResultProduct
from greenmfg.accounting.output import result_document
from greenmfg.accounting.reader import InputFile
from greenmfg.accounting.service import account, account_table
from greenmfg.accounting.store import raw_rows, recalculate, records_table
from greenmfg.db.session import Database
from greenmfg.db.statistics import refresh_statistics
from tests.factories import Login, World, commit, steel_csv


def _flags(database: Database) -> dict[int, tuple[str, bool, bool]]:
    """Result id → (period, current, counted), and a check that counted follows its definition."""
    with database.session() as s:
        rows = s.execute(select(FacilityResult.id, FacilityResult.facility_id, FacilityResult.year,
                                FacilityResult.period, FacilityResult.current, FacilityResult.counted)).all()
    annual = {(r.facility_id, r.year) for r in rows if r.current and len(r.period) == 4}
    for r in rows:
        expected = bool(r.current and (len(r.period) == 4 or (r.facility_id, r.year) not in annual))
        assert bool(r.counted) == expected, f"result {r.id} {r.period} current={r.current}: counted={r.counted}"
    return {r.id: (r.period, bool(r.current), bool(r.counted)) for r in rows}


def _counted_periods(database: Database) -> list[str]:
    return sorted(p for p, _current, counted in _flags(database).values() if counted)


def _region_energy(client: TestClient, login: Login, year: int) -> float:
    answer = client.get(f"/api/v1/region/summary?year={year}", headers=login("hebei"))
    assert answer.status_code == 200, answer.text
    return float(answer.json()["totals"]["energy_tce"])


def _energy(client: TestClient, login: Login, enterprise_id: int, period: str) -> float:
    results = client.get(f"/api/v1/enterprises/{enterprise_id}/results?period={period}",
                         headers=login("steel")).json()["results"]
    return float(sum(r["energy_tce"] for r in results if r["period"] == period))


def test_annual_result_after_months_supersedes_them(client: TestClient, login: Login, world: World,
                                                    database: Database) -> None:
    steel = world.org("steel")
    commit(client, login("steel"), steel, steel_csv(periods=("2024-01", "2024-02")))
    assert _counted_periods(database) == ["2024-01", "2024-02"]
    commit(client, login("steel"), steel, steel_csv(periods=("2024",), coke=9000))
    assert _counted_periods(database) == ["2024"]
    assert _region_energy(client, login, 2024) == pytest.approx(_energy(client, login, steel, "2024"))
    # a month re-imported later: a new current version, still superseded by the annual result
    commit(client, login("steel"), steel, steel_csv(periods=("2024-02",), coke=1500))
    flags = _flags(database)
    assert sorted(p for p, current, _c in flags.values() if current) == ["2024", "2024-01", "2024-02"]
    assert _counted_periods(database) == ["2024"]
    # another year is not touched by the annual result of 2024
    commit(client, login("steel"), steel, steel_csv(periods=("2023-12",)))
    assert _counted_periods(database) == ["2023-12", "2024"]


def test_months_after_annual_result_stay_uncounted_and_a_replaced_annual_stops_counting(
        client: TestClient, login: Login, world: World, database: Database) -> None:
    steel = world.org("steel")
    commit(client, login("steel"), steel, steel_csv(periods=("2024",), coke=9000))
    commit(client, login("steel"), steel, steel_csv(periods=("2024-01", "2024-02")))
    assert _counted_periods(database) == ["2024"]
    commit(client, login("steel"), steel, steel_csv(periods=("2024",), coke=8000))  # version 2 replaces version 1
    flags = _flags(database)
    annual = sorted((rid, counted) for rid, (p, _cur, counted) in flags.items() if p == "2024")
    assert [counted for _rid, counted in annual] == [False, True]  # the old version no longer counts
    assert _region_energy(client, login, 2024) == pytest.approx(_energy(client, login, steel, "2024"))
    assert _energy(client, login, steel, "2024") < 8001 * 0.9714 + 120 * 1.229 + 1


def test_recalculation_keeps_the_flag(client: TestClient, login: Login, world: World, database: Database) -> None:
    # (a facility with annual and monthly versions cannot be re-accounted in one run: the engine
    # refuses mixed periods per facility, so the recalculated enterprise reports months only)
    steel = world.org("steel")
    commit(client, login("steel"), steel, steel_csv(periods=("2024-01", "2024-02")))
    before = {rid for rid, (_p, _cur, counted) in _flags(database).items() if counted}
    with database.session() as s:
        runs = recalculate(s, actor="test", enterprise_ids=[steel], only_if_changed=False)
    assert len(runs) == 1
    flags = _flags(database)
    after = {rid for rid, (_p, _cur, counted) in flags.items() if counted}
    assert len(after) == 2 and not after & before  # the new results count, the replaced ones no longer
    assert _region_energy(client, login, 2024) == pytest.approx(
        _energy(client, login, steel, "2024-01") + _energy(client, login, steel, "2024-02"))


def _engine_results(content: bytes, name: str = "activity.csv") -> dict[str, dict[str, Any]]:
    document = result_document(account(InputFile(name, content)))
    return {r["period"]: r for r in document["results"]}


def test_lines_round_trip_identical_through_the_api(client: TestClient, login: Login, world: World,
                                                   database: Database) -> None:
    steel = world.org("steel")
    content = steel_csv(periods=("2024-01", "2024-02"), extra=[
        ["E-STEEL", "唐山示例钢铁有限公司", "钢铁", "130000", "E-STEEL-F1", "2024-02", "天然气", "12.5", "万立方米",
         "consumed"]])
    commit(client, login("steel"), steel, content)
    expected = _engine_results(content)
    listed = client.get(f"/api/v1/enterprises/{steel}/results?lines=true", headers=login("steel")).json()["results"]
    assert [r["period"] for r in listed] == ["2024-01", "2024-02"]
    for result in listed:
        want = expected[result["period"]]["lines"]
        assert result["lines"] == want
        # the same text: key order and number formatting as the engine wrote them
        assert json.dumps(result["lines"], ensure_ascii=False) == json.dumps(want, ensure_ascii=False)
        one = client.get(f"/api/v1/results/{result['id']}", headers=login("steel")).json()
        assert json.dumps(one["lines"], ensure_ascii=False) == json.dumps(want, ensure_ascii=False)
    page = client.get(f"/results/{listed[1]['id']}", headers=login("steel"))
    assert page.status_code in (200, 303)
    with database.session() as s:
        stored = s.execute(select(FacilityResult.lines_json, FacilityResult.lines_packed)).all()
        templates = set(s.execute(select(LineTemplate.digest)).scalars())
    assert all(json_doc is None and packed for json_doc, packed in stored)
    used = {d for _json, packed in stored for d in json.loads(zlib.decompress(packed))["t"]}
    # the two months share the templates of coke, electricity and crude steel: 4 templates for 7 lines
    assert len(used) == 4 and used <= templates


def test_warnings_stored_once_per_text_and_read_back_identical(client: TestClient, login: Login, world: World,
                                                              database: Database) -> None:
    steel = world.org("steel")
    content = steel_csv(periods=("2024-01", "2024-02"))
    commit(client, login("steel"), steel, content)
    expected = _engine_results(content)
    assert all(expected[p]["warnings"] for p in expected), "the steel file uses unverified values: warnings expected"
    listed = client.get(f"/api/v1/enterprises/{steel}/results", headers=login("steel")).json()["results"]
    for result in listed:
        want = expected[result["period"]]["warnings"]
        assert json.dumps(result["warnings"], ensure_ascii=False) == json.dumps(want, ensure_ascii=False)
        one = client.get(f"/api/v1/results/{result['id']}", headers=login("steel")).json()
        assert one["warnings"] == want
    with database.session() as s:
        stored = s.execute(select(FacilityResult.period, FacilityResult.warnings_json, FacilityResult.warnings_packed,
                                  FacilityResult.warning_count)).all()
        texts = s.execute(select(LineTemplate.body)).scalars().all()
    for period, legacy, packed, count in stored:
        assert legacy is None and packed is not None
        assert count == len(expected[period]["warnings"])
    # each warning's text is stored once although both months carry it
    shared = [w for w in expected["2024-01"]["warnings"] if w in expected["2024-02"]["warnings"]]
    assert shared
    for warning in shared:
        text_ = json.dumps(warning, ensure_ascii=False, separators=(",", ":"))
        assert texts.count(text_) == 1
    # the results page and the dashboard count them from the stored count
    dashboard = client.get(f"/api/v1/enterprises/{steel}/dashboard?year=2024", headers=login("steel"))
    assert dashboard.status_code == 200, dashboard.text
    assert dashboard.json()["kpis"]["warnings"] == sum(len(expected[p]["warnings"]) for p in expected)
    assert sum(f["warnings"] for f in dashboard.json()["facilities"]) == dashboard.json()["kpis"]["warnings"]


def test_results_stored_before_compact_warnings_are_read_from_their_json(client: TestClient, login: Login,
                                                                        world: World, database: Database) -> None:
    steel = world.org("steel")
    commit(client, login("steel"), steel, steel_csv(periods=("2024-01",)))
    old = [{"code": "accounting.result.shared_intensity", "ref": "", "message": "old", "message_zh": "旧"}]
    with database.session() as s:
        result_id = s.scalars(select(FacilityResult.id)).one()
        s.execute(update(FacilityResult).where(FacilityResult.id == result_id)
                  .values(warnings_packed=None, warnings_json=old, warning_count=1))
    assert client.get(f"/api/v1/results/{result_id}", headers=login("steel")).json()["warnings"] == old
    listed = client.get(f"/api/v1/enterprises/{steel}/results", headers=login("steel")).json()["results"]
    assert listed[0]["warnings"] == old


def test_results_stored_before_compact_lines_are_read_from_their_json(client: TestClient, login: Login,
                                                                     world: World, database: Database) -> None:
    steel = world.org("steel")
    commit(client, login("steel"), steel, steel_csv(periods=("2024-01",)))
    old_lines = [{"file": "old.csv", "row": 2, "item": "coke", "energy_tce": 1.5}]
    with database.session() as s:
        result_id = s.scalars(select(FacilityResult.id)).one()
        s.execute(update(FacilityResult).where(FacilityResult.id == result_id)
                  .values(lines_packed=None, lines_json=old_lines))
    one = client.get(f"/api/v1/results/{result_id}", headers=login("steel")).json()
    assert one["lines"] == old_lines


def test_products_are_stored_as_rows(client: TestClient, login: Login, world: World, database: Database) -> None:
    steel = world.org("steel")
    commit(client, login("steel"), steel, steel_csv(periods=("2024-01", "2024-02")))
    results = client.get(f"/api/v1/enterprises/{steel}/results", headers=login("steel")).json()["results"]
    with database.session() as s:
        rows = {(r.result_id, r.product): r for r in s.scalars(select(ResultProduct))}
    assert len(rows) == sum(len(r["products"]) for r in results) == 2
    for result in results:
        for product in result["products"]:
            row = rows[(result["id"], product["product"])]
            assert (row.quantity, row.unit, row.energy_intensity, row.emission_intensity) == (
                product["quantity"], product["unit"], product["energy_intensity"], product["emission_intensity"])


def test_typed_numbers_are_stored_as_their_text() -> None:
    table = pa.table({"enterprise_id": ["E-STEEL"] * 2, "enterprise_name": ["唐山示例钢铁有限公司"] * 2,
                      "industry": ["钢铁"] * 2, "region": ["130000"] * 2, "facility_id": ["E-STEEL-F1"] * 2,
                      "period": ["2024-01"] * 2, "item": ["焦炭", "粗钢"], "quantity": [1000.25, 5000.0],
                      "unit": ["吨", "吨"], "flow": ["consumed", "produced"]})
    run = account_table(table)
    raw = raw_rows(run)
    assert [r["values"]["quantity"] for r in raw] == ["1000.25", "5000.0"]
    again = account_table(records_table((1, r["sheet"], r["row"], r["values"]) for r in raw))
    first = result_document(run)["results"][0]
    second = result_document(again)["results"][0]
    assert second["energy_tce"] == first["energy_tce"] and second["emissions_tco2e"] == first["emissions_tco2e"]


def test_statistics_are_refreshed(client: TestClient, login: Login, world: World, database: Database) -> None:
    commit(client, login("steel"), world.org("steel"), steel_csv(periods=("2024-01", "2024-02")))
    with database.sessionmaker() as s:  # inside the test's own transaction
        connection = s.connection()
        refresh_statistics(connection)
        if database.dialect == "sqlite":
            analysed = connection.execute(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'facility_results'"))
            assert (analysed.scalar() or 0) >= 1


def test_statistics_follow_commits_that_change_many_rows(client: TestClient, login: Login, world: World,
                                                         database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    import greenmfg.db.session as session_module

    refreshed: list[object] = []
    monkeypatch.setattr(session_module, "refresh_statistics", lambda bind: refreshed.append(bind))
    monkeypatch.setattr(session_module, "ANALYZE_AFTER_ROWS", 10)
    database.analyze_after_commits = True
    commit(client, login("steel"), world.org("steel"), steel_csv(periods=("2024-01",)))  # 3 rows + 2 × 1 result
    assert refreshed == [] and database.changed_rows == 5
    commit(client, login("steel"), world.org("steel"), steel_csv(periods=("2024-02",)))
    assert refreshed == [database.engine] and database.changed_rows == 0
