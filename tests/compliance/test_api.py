"""Benchmark classes in the platform and the regulators' compliance view (both backends).

The plants (``plants.py``), committed once per backend through the API like an enterprise does:

* steel (唐山, 河北): an electric-arc furnace shop (graphite electrodes → EAF ≥ 70 t variant, 2021
  levels 61 / 72 kgce/t). January 300 万kWh for 5000 t: 3 000 000 × 0.1229 / 5000 = 73.74 kgce/t
  (below baseline); February 280 万kWh: 68.824 (between). The year pooled: 712 820 kgce / 10 000 t
  = 71.282 → between; savings to benchmark (71.282 − 61) × 10 000 / 1000 = 102.82 tce, to baseline 0.
* glass (邢台, 河北): 100 万m³ natural gas (1.33 kgce/m³) + 80 万kWh for 100 000 weight boxes:
  (1 330 000 + 98 320) / 100 000 = 14.2832 kgce/重量箱 against 8 / 12 → below baseline; savings to
  baseline (14.2832 − 12) × 100 000 / 1000 = 228.32 tce, to benchmark 628.32 tce.
* cement (苏州, 江苏): clinker, benchmark class (another province).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from greenmfg.cli import app as cli_app
from greenmfg.db.session import Database
from tests.factories import Login, World, column_keys, sheet_records, signed_in

from .plants import STEEL, activity_csv, seed_plants


@pytest.fixture
def database(shared_database: Database) -> Database:
    """Every test reads the plants seeded once per backend (what a test writes is rolled back)."""
    return shared_database


@pytest.fixture
def world(module_world: World) -> World:
    return module_world


@pytest.fixture(scope="module")
def plants(module_client: TestClient, module_world: World) -> World:
    return seed_plants(module_client, module_world)


def test_enterprise_benchmark_equals_the_cli(client: TestClient, login: Login, plants: World, tmp_path: Path) -> None:
    answer = client.get(f"/api/v1/enterprises/{plants.org('steel')}/benchmark", headers=login("steel"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    path = tmp_path / "steel.csv"
    path.write_bytes(activity_csv(STEEL))
    out = tmp_path / "steel.json"
    result = CliRunner().invoke(cli_app, ["benchmark", str(path), "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    cli = {(r["facility_id"], r["period"], p["product"]): p["benchmark"]
           for r in json.loads(out.read_text(encoding="utf-8"))["results"] for p in r["products"]}
    platform = {(i["facility_code"], i["period"], i["product"]): i["benchmark"] for i in body["items"]}
    assert platform == cli
    january = platform[("E-STEEL-F1", "2024-01", "crude_steel")]
    assert january["class"] == "below_baseline" and january["value"] == pytest.approx(73.74)
    assert platform[("E-STEEL-F1", "2024-02", "crude_steel")]["class"] == "between"
    assert any(w["code"] == "benchmarking.level.unverified" for w in january["warnings"])
    assert body["stored_results_current"] is True
    assert {d["id"] for d in body["provenance"]["benchmarking"]["datasets"]} >= {"benchmarks/ndrc-2021-r2"}
    item = body["items"][0]
    assert item["facility_id"] is not None and item["enterprise_code"] == "E-STEEL"


def test_edition_and_period_filter(client: TestClient, login: Login, plants: World) -> None:
    url = f"/api/v1/enterprises/{plants.org('steel')}/benchmark"
    february = client.get(url, params={"period": "2024-02"}, headers=login("steel")).json()
    assert [(i["period"], i["benchmark"]["class"]) for i in february["items"]] == [("2024-02", "between")]
    newer = client.get(url, params={"edition": "2023"}, headers=login("steel")).json()
    # the 2023 EAF levels are not found: no class, and a warning says so
    assert {i["benchmark"]["class"] for i in newer["items"]} == {None}
    assert newer["edition"] == "2023"


#: bad query parameters of the enterprise benchmark and the field each is located at
BAD_PARAMETERS = [({"edition": "1999"}, "edition"), ({"period": "2024-13"}, "period"), ({"period": "last year"}, "period")]


def test_bad_parameters_are_422(client: TestClient, login: Login, plants: World, subtests: pytest.Subtests) -> None:
    """Every bad parameter, one seeded set of plants (subtests: each case reported on its own)."""
    for params, field in BAD_PARAMETERS:
        with subtests.test(params=params):
            answer = client.get(f"/api/v1/enterprises/{plants.org('steel')}/benchmark", params=params,
                                headers=login("steel"))
            assert answer.status_code == 422
            error = answer.json()["error"]
            assert error["details"][0]["location"] == f"query.{field}" and error["message_zh"]
    regional = client.get("/api/v1/region/compliance", params={"edition": "1999"}, headers=login("hebei"))
    assert regional.status_code == 422 and regional.json()["error"]["code"] == "invalid_parameter"
    assert client.get("/api/v1/region/compliance", params={"year": "24"}, headers=login("hebei")).status_code == 422


def test_outsider_gets_404_and_no_data(client: TestClient, login: Login, plants: World) -> None:
    answer = client.get(f"/api/v1/enterprises/{plants.org('steel')}/benchmark", headers=login("cement"))
    assert answer.status_code == 404 and "E-STEEL" not in answer.text and "crude_steel" not in answer.text
    assert client.get("/api/v1/enterprises/999999/benchmark", headers=login("cement")).status_code == 404
    # a regulator of Hebei sees Hebei's steel works, not Jiangsu's cement
    assert client.get(f"/api/v1/enterprises/{plants.org('steel')}/benchmark", headers=login("hebei")).status_code == 200
    assert client.get(f"/api/v1/enterprises/{plants.org('cement')}/benchmark", headers=login("hebei")).status_code == 404


def test_compliance_refuses_non_regulators(client: TestClient, login: Login, plants: World,
                                           subtests: pytest.Subtests) -> None:
    for username in ("steel", "cement", "steelviewer", "evaluator"):
        with subtests.test(user=username):
            answer = client.get("/api/v1/region/compliance", headers=login(username))
            assert answer.status_code == 403 and "E-STEEL" not in answer.text
            assert answer.json()["error"]["message_zh"]


def _by(items: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {i[key]: i for i in items}


def test_hebei_compliance_by_hand(client: TestClient, login: Login, plants: World) -> None:
    body = client.get("/api/v1/region/compliance", headers=login("hebei")).json()
    assert body["year"] == "2024" and body["area_level"] == "city"
    plants_by = {(p["enterprise_code"], p["product"]): p for p in body["plants"]}
    assert set(plants_by) == {("E-STEEL", "crude_steel"), ("E-GLASS", "flat_glass")}
    steel = plants_by[("E-STEEL", "crude_steel")]
    assert steel["value"] == pytest.approx(71.282) and steel["class"] == "between"
    assert steel["savings_to_benchmark_tce"] == pytest.approx(102.82) and steel["savings_to_baseline_tce"] == 0.0
    totals = body["totals"]
    assert totals["counts"] == {"benchmark": 0, "between": 1, "below_baseline": 1, "not_classified": 0,
                                "no_indicator": 0}
    assert totals["savings"]["to_baseline_tce"] == pytest.approx(228.32)
    assert totals["savings"]["to_benchmark_tce"] == pytest.approx(102.82 + 628.32)
    industries = _by(body["by_industry"], "industry")
    assert industries["steel"]["shares"]["between"] == pytest.approx(1.0)
    assert industries["steel"]["output"]["between"] == pytest.approx(10000.0)
    assert industries["flat_glass"]["counts"]["below_baseline"] == 1
    assert {g["city"] for g in body["by_area"]} == {"唐山", "邢台"}
    [below] = body["below_baseline"]
    assert below["enterprise_code"] == "E-GLASS" and below["gap"]["to_baseline"] == pytest.approx(2.2832)
    assert below["deadline"]["deadline"] == "2025-12-31" and below["deadline"]["verification_status"] == "recalled"
    trend = _by(body["trend"], "period")
    assert trend["2024-01"]["counts"]["below_baseline"] == 2 and trend["2024-02"]["counts"]["between"] == 1
    assert trend["2024-01"]["savings"]["to_baseline_tce"] == pytest.approx(8.7 + 228.32)


def test_city_regulator_and_admin_reach(client: TestClient, login: Login, plants: World) -> None:
    tangshan = client.get("/api/v1/region/compliance", headers=login("tangshan")).json()
    assert {p["enterprise_code"] for p in tangshan["plants"]} == {"E-STEEL"}
    assert tangshan["totals"]["counts"]["between"] == 1 and tangshan["below_baseline"] == []
    admin = client.get("/api/v1/region/compliance", headers=login("admin")).json()
    assert admin["area_level"] == "province"
    assert admin["totals"]["counts"]["benchmark"] == 1  # Jiangsu's clinker line (99.6 kgce/t ≤ 100)
    assert {g["province"] for g in admin["by_area"]} == {"130000", "320000"}


def test_xlsx_downloads(client: TestClient, login: Login, plants: World) -> None:
    import io

    import openpyxl

    answer = client.get(f"/api/v1/enterprises/{plants.org('steel')}/benchmark", params={"format": "xlsx"},
                        headers=login("steel"))
    assert answer.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(answer.content), read_only=True)
    assert "能效对标" in book.sheetnames
    for language, words, title in (("zh-CN", "期限", "基准以下"), ("en", "Deadline", "Below the baseline")):
        regional = client.get("/api/v1/region/compliance", params={"format": "xlsx"},
                              headers={**login("hebei"), "Accept-Language": language})
        sheet = openpyxl.load_workbook(io.BytesIO(regional.content), read_only=True)[title]  # named in its language
        # the header speaks the caller's language; the column's key is kept beside it as a defined name
        assert next(sheet.values)[column_keys(sheet).index("deadline")] == words
        assert sheet_records(sheet)[0]["deadline"] == "2025-12-31"


@pytest.mark.parametrize("locale, words", [("zh-CN", ("能效标杆", "低于基准水平")), ("en", ("benchmarking", "Below baseline"))])
def test_pages_in_both_languages(client: TestClient, plants: World, locale: str, words: tuple[str, str]) -> None:
    steel = signed_in(client, "steel", locale=locale)
    page = steel.get("/benchmark")
    assert page.status_code == 200 and "E-STEEL-F1" in page.text and 'data-class="between"' in page.text
    assert words[0] in page.text
    assert steel.get("/region/compliance").status_code == 403
    assert steel.get(f"/benchmark?enterprise={plants.org('cement')}").status_code == 404
    report = steel.get("/benchmark/report")
    assert report.status_code == 200 and "E-STEEL-F1" in report.text
    regulator = signed_in(client, "hebei", locale=locale)
    view = regulator.get("/region/compliance")
    assert view.status_code == 200 and words[1] in view.text and "2025-12-31" in view.text
    assert "E-CEMENT" not in view.text
    export = regulator.get("/region/compliance/export.xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"
    assert regulator.get("/region/compliance/report").status_code == 200


def test_results_follow_reference_data_and_recalculation(client: TestClient, login: Login, plants: World) -> None:
    """Classes always use the installed reference data; stale stored results are flagged until recalc."""
    from sqlalchemy import update

    from greenmfg.accounting.models import CalculationRun
    from greenmfg.accounting.store import recalculate

    url = f"/api/v1/enterprises/{plants.org('steel')}/benchmark"
    before = client.get(url, headers=login("steel")).json()
    with plants.database.session() as session:
        # as if the stored results had been computed with an earlier edition of the reference data
        session.execute(update(CalculationRun).where(CalculationRun.enterprise_id == plants.org("steel"))
                        .values(reference_fingerprint="0" * 64))
    stale = client.get(url, headers=login("steel")).json()
    assert stale["stored_results_current"] is False
    assert [i["benchmark"] for i in stale["items"]] == [i["benchmark"] for i in before["items"]]
    with plants.database.session() as session:
        runs = recalculate(session, actor="test", enterprise_ids=[plants.org("steel")])
    assert len(runs) == 1
    after = client.get(url, headers=login("steel")).json()
    assert after["stored_results_current"] is True
    assert [i["benchmark"] for i in after["items"]] == [i["benchmark"] for i in before["items"]]


def test_pdf_reports(client: TestClient, plants: World) -> None:
    steel = signed_in(client, "steel", locale="zh-CN")
    pdf = steel.get("/benchmark/report", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    regulator = signed_in(client, "hebei", locale="en")
    pdf = regulator.get("/region/compliance/report", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_regional_workbook_leaves_savings_empty_without_a_value() -> None:
    """A plant without a value (or without a level) has no savings in the regional workbook: an
    empty cell, never 0.0 tce (issue #12 item 6)."""
    from types import SimpleNamespace

    from greenmfg.compliance.export import _plant
    from greenmfg.compliance.pooling import PlantYear

    view: Any = SimpleNamespace(view=SimpleNamespace(enterprises={}))
    common = dict(enterprise="E1", facility="F1", product="lime", year="2024", indicator=None, indicator_name="",
                  indicator_name_zh="", unit="kgce/t", edition="ndrc-2021", benchmark_level=None,
                  baseline_level=None, benchmark_key=None, output=1000.0, output_unit="t")
    keys = ("savings_to_benchmark_tce", "savings_to_baseline_tce", "savings_to_benchmark_tco2",
            "savings_to_baseline_tco2")
    row = _plant(PlantYear(**common), view)
    assert all(row[k] is None for k in keys)
    known = _plant(PlantYear(**{**common, "benchmark_level": 100.0, "baseline_level": 117.0}, value=99.6), view)
    assert all(known[k] == 0.0 for k in keys)  # at the benchmark: a computed zero
