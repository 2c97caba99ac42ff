"""Upload → preview with located errors → commit (all or nothing) → versions → results."""

from __future__ import annotations

import io

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from greenmfg.accounting.models import ActivityRecord, DataVersion, FacilityResult, ImportBatch
from greenmfg.accounting.parameters import AccountingOptions
from greenmfg.accounting.store import recalculate
from greenmfg.db.session import Database
from tests.factories import Login, World, steel_csv, upload


def _counts(database: Database) -> tuple[int, int, int, int]:
    with database.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) or 0  # type: ignore[return-value]
                     for m in (ImportBatch, ActivityRecord, DataVersion, FacilityResult))


def test_preview_then_commit_stores_rows_versions_and_results(client: TestClient, login: Login, world: World,
                                                              database: Database) -> None:
    steel = world.org("steel")
    preview = upload(client, login("steel"), steel, steel_csv())
    assert preview.status_code == 201, preview.text
    body = preview.json()
    assert body["status"] == "previewed" and body["issue_count"] == 0 and body["row_count"] == 6
    assert body["summary"]["periods"] == ["2024-01", "2024-02"]
    assert body["summary"]["new_facilities"] == []
    assert _counts(database)[1:] == (0, 0, 0)  # a preview stores no activity data
    committed = client.post(f"/api/v1/imports/{body['id']}/commit", headers=login("steel"))
    assert committed.status_code == 200, committed.text
    assert committed.json()["results"] == 2
    results = client.get(f"/api/v1/enterprises/{steel}/results", headers=login("steel")).json()
    assert [r["period"] for r in results["results"]] == ["2024-01", "2024-02"]
    first = results["results"][0]
    # coke 1000 t × 0.9714 tce/t (GB/T 2589-2020) + 120 万kWh × 1.229 tce/万kWh (equivalent basis)
    assert first["energy_tce"] == pytest.approx(1000 * 0.9714 + 120 * 1.229, rel=1e-9)
    assert first["emissions_tco2e"]["scope2"] > 0 and first["emissions_tco2e"]["combustion"] > 0
    assert first["products"][0]["product"] == "crude_steel"
    assert results["provenance"]["runs"][0]["datasets"]
    one = client.get(f"/api/v1/results/{first['id']}", headers=login("steel")).json()
    assert one["lines"] and one["lines"][0]["parameters"][0]["sources"]
    assert _counts(database)[1:] == (6, 2, 2)


def test_errors_are_listed_by_row_and_column_and_cannot_be_committed(client: TestClient, login: Login,
                                                                     world: World, database: Database) -> None:
    bad = steel_csv(extra=[["E-STEEL", "唐山示例钢铁有限公司", "钢铁", "130000", "E-STEEL-F1", "2024-03", "交炭",
                            "-5", "吨", "consumed"]])
    preview = upload(client, login("steel"), world.org("steel"), bad)
    assert preview.status_code == 201
    body = preview.json()
    assert body["status"] == "invalid" and body["issue_count"] >= 2
    located = {(i["row"], i["column"]) for i in body["issues"]}
    assert (8, "item") in located and (8, "quantity") in located
    item_issue = next(i for i in body["issues"] if i["column"] == "item")
    assert "“焦炭”" in item_issue["message_zh"]  # did-you-mean by sound: 交炭 is read jiao tan, like 焦炭
    refused = client.post(f"/api/v1/imports/{body['id']}/commit", headers=login("steel"))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "import_conflict"
    assert _counts(database)[1:] == (0, 0, 0)


def test_rows_of_another_enterprise_are_refused(client: TestClient, login: Login, world: World) -> None:
    preview = upload(client, login("steel"), world.org("steel"), steel_csv(enterprise="E-CEMENT"))
    body = preview.json()
    assert body["status"] == "invalid"
    assert {i["code"] for i in body["issues"]} == {"platform.import.other_enterprise"}
    assert body["issues"][0]["row"] == 2 and body["issues"][0]["column"] == "enterprise_id"


def test_xlsx_upload_with_chinese_headers(client: TestClient, login: Login, world: World) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "数据"
    sheet.append(["企业编号", "企业名称", "行业", "地区", "设施编号", "期间", "品种", "数量", "单位", "流向"])
    sheet.append(["E-STEEL", "唐山示例钢铁", "钢铁", "河北", "E-STEEL-F2", "2024年3月", "天然气", "12.5", "万立方米", "消耗"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview = upload(client, login("steel"), world.org("steel"), buffer.getvalue(), name="活动数据.xlsx",
                     content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    body = preview.json()
    assert body["status"] == "previewed", body["issues"]
    assert body["summary"]["new_facilities"] == ["E-STEEL-F2"]
    assert client.post(f"/api/v1/imports/{body['id']}/commit", headers=login("steel")).status_code == 200
    facilities = client.get(f"/api/v1/enterprises/{world.org('steel')}/facilities", headers=login("steel")).json()
    assert [f["code"] for f in facilities["items"]] == ["E-STEEL-F1", "E-STEEL-F2"]


@pytest.mark.parametrize(("name", "content", "content_type", "status"), [
    ("activity.pdf", b"%PDF-1.4", "application/pdf", 415),
    ("activity.xlsx", b"not a zip at all", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 415),
    ("activity.csv", b"a,b\x00\x01", "text/csv", 415),
    ("activity.csv", steel_csv(), "image/png", 415),
    ("activity.csv", b"", "text/csv", 422),
    ("activity.csv", b"x" * 200_001, "text/csv", 413),
])
def test_unusable_uploads_are_refused_and_nothing_is_stored(client: TestClient, login: Login, world: World,
                                                            database: Database, name: str, content: bytes,
                                                            content_type: str, status: int) -> None:
    before = _counts(database)
    answer = upload(client, login("steel"), world.org("steel"), content, name=name, content_type=content_type)
    assert answer.status_code == status
    error = answer.json()["error"]
    assert error["message"] and error["message_zh"]
    assert _counts(database) == before


def test_missing_file_field_is_422_envelope(client: TestClient, login: Login, world: World) -> None:
    answer = client.post(f"/api/v1/enterprises/{world.org('steel')}/imports", headers=login("steel"))
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["location"].endswith("file")


def test_reimport_creates_a_new_version_and_keeps_the_old_one(client: TestClient, login: Login, world: World) -> None:
    steel, headers = world.org("steel"), login("steel")
    for coke in (1000.0, 1500.0):
        preview = upload(client, headers, steel, steel_csv(periods=("2024-01",), coke=coke)).json()
        assert client.post(f"/api/v1/imports/{preview['id']}/commit", headers=headers).status_code == 200
    versions = client.get(f"/api/v1/enterprises/{steel}/versions", headers=headers).json()["items"]
    assert [(v["version"], v["current"], v["created_by"]) for v in versions] == [(2, True, "steel"), (1, False, "steel")]
    current = client.get(f"/api/v1/enterprises/{steel}/results?period=2024-01", headers=headers).json()["results"]
    old = client.get(f"/api/v1/enterprises/{steel}/results?version_id={versions[1]['id']}", headers=headers).json()
    assert len(current) == 1 and current[0]["version"] == 2
    assert old["results"][0]["version"] == 1
    assert current[0]["energy_tce"] - old["results"][0]["energy_tce"] == pytest.approx(500 * 0.9714)
    imports = client.get(f"/api/v1/enterprises/{steel}/imports", headers=headers).json()
    assert imports["total"] == 2 and all(i["committed_by"] == "steel" for i in imports["items"])


def test_a_failure_during_commit_leaves_nothing_behind(client: TestClient, login: Login, world: World,
                                                       database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    preview = upload(client, login("steel"), world.org("steel"), steel_csv()).json()
    before = _counts(database)
    from greenmfg.accounting import store

    original = store.audit.record

    def failing(session, action, **kwargs):  # type: ignore[no-untyped-def]
        if action == "import.commit":
            raise RuntimeError("disk full")  # after rows, versions and results were flushed
        return original(session, action, **kwargs)

    monkeypatch.setattr(store.audit, "record", failing)
    answer = client.post(f"/api/v1/imports/{preview['id']}/commit", headers=login("steel"))
    assert answer.status_code == 500
    assert answer.json()["error"]["message"] == "internal error; nothing was changed"
    assert _counts(database) == before
    monkeypatch.setattr(store.audit, "record", original)
    again = client.get(f"/api/v1/imports/{preview['id']}", headers=login("steel")).json()
    assert again["status"] == "previewed"
    assert client.post(f"/api/v1/imports/{preview['id']}/commit", headers=login("steel")).status_code == 200


def test_commit_stores_the_preview_accounting_unless_reference_data_changed(
        client: TestClient, login: Login, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from greenmfg.accounting import store

    accounted: list[str] = []
    real = store.account
    monkeypatch.setattr(store, "_previews", store._PreviewCache())  # nothing kept from earlier tests
    monkeypatch.setattr(store, "account", lambda source, *a, **k: accounted.append(source.name) or real(source, *a, **k))
    first = upload(client, login("steel"), world.org("steel"), steel_csv()).json()
    assert accounted == ["activity.csv"]
    assert client.post(f"/api/v1/imports/{first['id']}/commit", headers=login("steel")).status_code == 200
    assert accounted == ["activity.csv"]  # one accounting per upload: the preview's result was stored
    second = upload(client, login("steel"), world.org("steel"), steel_csv(extra=[
        ["E-STEEL", "唐山示例钢铁有限公司", "钢铁", "130000", "E-STEEL-F1", "2024-03", "焦炭", "5", "吨", "consumed"]])).json()
    monkeypatch.setattr(store, "installed_fingerprint", lambda: "other reference data")
    assert client.post(f"/api/v1/imports/{second['id']}/commit", headers=login("steel")).status_code == 200
    assert accounted == ["activity.csv"] * 3  # reference data changed since the preview: accounted again


def test_commit_twice_is_a_conflict(client: TestClient, login: Login, world: World) -> None:
    preview = upload(client, login("steel"), world.org("steel"), steel_csv()).json()
    assert client.post(f"/api/v1/imports/{preview['id']}/commit", headers=login("steel")).status_code == 200
    assert client.post(f"/api/v1/imports/{preview['id']}/commit", headers=login("steel")).status_code == 409


def test_viewer_and_regulator_cannot_import(client: TestClient, login: Login, world: World) -> None:
    for username in ("steelviewer", "hebei"):
        answer = upload(client, login(username), world.org("steel"), steel_csv())
        assert answer.status_code == 403, username


def test_recalculation_with_other_reference_data_lists_changes(client: TestClient, login: Login, world: World,
                                                               database: Database) -> None:
    steel, headers = world.org("steel"), login("steel")
    preview = upload(client, headers, steel, steel_csv()).json()
    client.post(f"/api/v1/imports/{preview['id']}/commit", headers=headers)
    with database.session() as session:
        assert recalculate(session, actor="test") == []  # same reference data: nothing to do
        # another series (the ETS factor): another edition of the default series would give 2024 data
        # the same factor (the data year's, else the nearest published year's)
        runs = recalculate(session, actor="test", options=AccountingOptions(grid_factor="grid_factors/ets-2022"))
    assert len(runs) == 1
    changes = client.get(f"/api/v1/enterprises/{steel}/recalculations", headers=headers).json()["items"][0]["changes"]
    assert {c["period"] for c in changes} == {"2024-01", "2024-02"}
    scope2 = changes[0]["changes"]["scope2_tco2e"]
    assert scope2["old"] != scope2["new"]
    assert "energy_tce" not in changes[0]["changes"]  # the grid factor does not change energy
    current = client.get(f"/api/v1/enterprises/{steel}/results", headers=headers).json()
    assert current["results"][0]["emissions_tco2e"]["scope2"] == pytest.approx(scope2["new"])
