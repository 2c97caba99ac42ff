"""Meter API and pages: list, query, HTTP push, CSV upload, isolation (both backends)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from greenmfg.db.session import Database
from greenmfg.monitoring.models import MeterReading
from tests.factories import Login, World, add_meter, csrf_of, signed_in

from .conftest import device_bearer

PAYLOAD = {"readings": [{"ts": "2026-03-01T00:00:00+08:00", "value": 1.5, "unit": "kWh"},
                        {"ts": "2026-03-01T00:15:00+08:00", "value": 0.002, "unit": "MWh"},
                        {"ts": "2026-03-01T00:30:00+08:00", "value": 3}]}


def count(database: Database, meter_id: int) -> int:
    with database.session() as s:
        return int(s.execute(select(func.count()).select_from(MeterReading)
                             .where(MeterReading.meter_id == meter_id)).scalar_one())


def test_push_list_and_query(client: TestClient, login: Login, world: World, database: Database) -> None:
    meter = add_meter(database, world)
    device = device_bearer(client, login("steel"), world.org("steel"), [meter])
    answer = client.post(f"/api/v1/meters/{meter}/readings", json=PAYLOAD, headers=device)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"stored": 3, "duplicates": 0, "rederived": 0}
    again = client.post(f"/api/v1/meters/{meter}/readings", json=PAYLOAD, headers=device).json()
    assert again["stored"] == 0 and again["duplicates"] == 3
    items = client.get(f"/api/v1/enterprises/{world.org('steel')}/meters", headers=login("steel")).json()["items"]
    assert [(i["id"], i["unit"], i["name"]) for i in items] == [(meter, "kWh", "M1 总表")]
    assert items[0]["latest"] == {"ts": "2026-03-01T00:30:00+08:00", "value": 3.0, "unit": "kWh"}
    raw = client.get(f"/api/v1/meters/{meter}/readings", params={"from": "2026-03-01", "to": "2026-03-02"},
                     headers=login("steel")).json()["items"]
    # 0.002 MWh = 2 kWh
    assert [(r["ts"][11:16], r["value"]) for r in raw] == [("00:00", 1.5), ("00:15", 2.0), ("00:30", 3.0)]
    day = client.get(f"/api/v1/meters/{meter}/readings",
                     params={"from": "2026-03-01", "to": "2026-03-02", "interval": "day"},
                     headers=login("steel")).json()["items"]
    assert day == [{"ts": "2026-03-01T00:00:00+08:00", "value": 6.5, "unit": "kWh"}]
    # the hebei regulator reads the steel meter; it may not push, nor may the enterprise's own manager:
    # readings are pushed by devices (people upload a CSV file)
    assert client.get(f"/api/v1/meters/{meter}/readings", headers=login("hebei")).status_code == 200
    assert client.post(f"/api/v1/meters/{meter}/readings", json=PAYLOAD, headers=login("hebei")).status_code == 403
    by_hand = client.post(f"/api/v1/meters/{meter}/readings", json=PAYLOAD, headers=login("steel"))
    assert by_hand.status_code == 403 and by_hand.json()["error"]["code"] == "device_token_required"
    assert "CSV" in by_hand.json()["error"]["message_zh"]
    assert client.post(f"/api/v1/meters/{meter}/readings", json=PAYLOAD).status_code == 401
    bad = client.get(f"/api/v1/meters/{meter}/readings", params={"interval": "week"}, headers=login("steel"))
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["column"] == "interval"


def test_bad_push_is_located_and_stores_nothing(client: TestClient, login: Login, world: World,
                                               database: Database) -> None:
    meter = add_meter(database, world)
    payload = {"readings": [PAYLOAD["readings"][0], {"ts": "2026-03-01 00:15", "value": 1},
                            {"ts": "2026-03-01T00:30:00+08:00", "value": 1, "unit": "t"}]}
    answer = client.post(f"/api/v1/meters/{meter}/readings", json=payload,
                         headers=device_bearer(client, login("steel"), world.org("steel")))
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert [d["column"] for d in error["details"]] == ["readings[1].ts", "readings[2].unit"]
    assert "时区偏移" in error["message_zh"] and "UTC offset" in error["message"]
    assert count(database, meter) == 0


def test_csv_upload_all_or_nothing(client: TestClient, login: Login, world: World, database: Database) -> None:
    meter = add_meter(database, world)
    good = "时间,读数,单位\n2026-03-01T00:00:00+08:00,1,kWh\n2026-03-01T00:15:00+08:00,2,kWh\n".encode()
    bad = b"ts,value\n2026-03-01T00:30:00+08:00,1\n2026-03-01T00:45:00+08:00,abc\n"
    answer = client.post(f"/api/v1/meters/{meter}/readings/csv", headers=login("steel"),
                         files={"file": ("r.csv", bad, "text/csv")})
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["column"] == "r.csv, row 3, column value"
    assert count(database, meter) == 0
    answer = client.post(f"/api/v1/meters/{meter}/readings/csv", headers=login("steel"),
                         files={"file": ("r.csv", good, "text/csv")})
    assert answer.status_code == 200 and answer.json()["stored"] == 2
    assert count(database, meter) == 2
    big = b"ts,value\n" + b"2026-03-01T00:00:00+08:00,1\n" * 8000   # over the 200 000-byte test limit
    answer = client.post(f"/api/v1/meters/{meter}/readings/csv", headers=login("steel"),
                         files={"file": ("r.csv", big, "text/csv")})
    assert answer.status_code == 413 and count(database, meter) == 2


def test_outsiders_get_404_and_no_data(client: TestClient, login: Login, world: World, database: Database) -> None:
    meter = add_meter(database, world)
    client.post(f"/api/v1/meters/{meter}/readings", json=PAYLOAD,
                headers=device_bearer(client, login("steel"), world.org("steel")))
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", f"/api/v1/enterprises/{world.org('steel')}/meters", {}),
        ("GET", f"/api/v1/meters/{meter}/readings", {"params": {"from": "2026-03-01", "to": "2026-03-02"}}),
        ("POST", f"/api/v1/meters/{meter}/readings", {"json": PAYLOAD}),
        ("POST", f"/api/v1/meters/{meter}/readings/csv", {"files": {"file": ("r.csv", b"ts,value\n", "text/csv")}}),
        ("POST", f"/api/v1/enterprises/{world.org('steel')}/meters/account", {"json": {"period": "2026-03"}}),
    ]
    for username in ("cement", "glass", "evaluator"):
        for method, url, extra in calls:
            answer = client.request(method, url, headers=login(username), **extra)
            # a user's push is refused before the meter is looked up (devices push), so it says nothing either
            expected = (403, "device_token_required") if extra is calls[2][2] else (404, "not_found")
            assert (answer.status_code, answer.json()["error"]["code"]) == expected, (username, url, answer.text)
            assert "总表" not in answer.text and "E-STEEL" not in answer.text
    # another enterprise's device is refused the meter (its grant does not cover it)
    cement_device = device_bearer(client, login("cement"), world.org("cement"))
    assert client.post(f"/api/v1/meters/{meter}/readings", json=PAYLOAD, headers=cement_device).status_code == 403
    assert count(database, meter) == 3


def test_meter_pages(client: TestClient, world: World, database: Database, login: Login) -> None:
    meter = add_meter(database, world)
    client.post(f"/api/v1/meters/{meter}/readings", json=PAYLOAD,
                headers=device_bearer(client, login("steel"), world.org("steel")))
    steel = signed_in(client, "steel", locale="zh-CN")
    listing = steel.get("/meters")
    assert listing.status_code == 200 and "M1 总表" in listing.text
    page = steel.get(f"/meters/{meter}")
    assert page.status_code == 200
    assert "最新读数" in page.text and "日负荷曲线" in page.text and "2026-03-01 00:30:00" in page.text
    # CSV through the form: a bad row is shown located, nothing stored; a good file is stored
    bad = steel.post(f"/meters/{meter}/upload", data={"csrf_token": csrf_of(page.text)},
                     files={"file": ("r.csv", b"ts,value\n2026-03-02T00:00:00+08:00,x\n", "text/csv")})
    assert bad.status_code == 422 and "r.csv, row 2, column value" in bad.text and "必须是数值" in bad.text
    assert count(database, meter) == 3
    good = steel.post(f"/meters/{meter}/upload", data={"csrf_token": csrf_of(page.text)},
                      files={"file": ("r.csv", b"ts,value\n2026-03-02T00:00:00+08:00,4\n", "text/csv")},
                      follow_redirects=False)
    assert good.status_code == 303 and count(database, meter) == 4
    cement = signed_in(client, "cement")
    assert cement.get(f"/meters/{meter}").status_code == 404
    assert "M1 总表" not in cement.get("/meters").text
    assert cement.post(f"/meters/{meter}/upload", data={"csrf_token": csrf_of(cement.get("/meters").text)}
                       if "csrf_token" in cement.get("/meters").text else {},
                       files={"file": ("r.csv", b"ts,value\n", "text/csv")}).status_code in (403, 404)
