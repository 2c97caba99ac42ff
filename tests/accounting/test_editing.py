"""Correcting a facility-month in the browser and through the API (accounting/editing.py and its edges).

The steel enterprise commits January and February 2024 (1000 t coke, 120 万kWh electricity, 5000 t
crude steel per month; :func:`tests.factories.steel_csv`); the tests then correct January.

The expected change of an edit is worked out here from the published parameters of coke, not read
back from the engine: +500 t coke is

* energy: 500 t × 0.9714 tce/t (GB/T 2589-2020, Appendix A, 焦炭 0.9714 kgce/kg) = 485.7 tce;
* emissions: 500 t × 28.447 GJ/t × 0.0295 tC/GJ × 93 % × 44/12 (NDRC 2013 steel guideline,
  中国钢铁生产企业温室气体排放核算方法与报告指南（试行）, Appendix: coke NCV, carbon content per
  unit heat and oxidation rate).
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from greenmfg.accounting.editing_page import FORM_ROWS
from greenmfg.accounting.models import ActivityRecord, DataVersion, FacilityResult, ImportBatch
from greenmfg.audit.models import AuditEvent
from greenmfg.db.session import Database
from greenmfg.orgs.models import Facility
from tests.factories import Login, PageSession, World, commit, page_text, steel_csv

COKE_ENERGY = 0.9714                                  # tce/t, GB/T 2589-2020
COKE_CO2 = 28.447 * 0.0295 * 0.93 * 44 / 12           # tCO2/t, NDRC 2013 steel guideline
MONTH = "/enterprises/{id}/activity/E-STEEL-F1/2024-01"


class _Form(HTMLParser):
    """The fields a browser submits from the page's month form (selected options, checked boxes)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._first: str | None = None
        self._textarea: str | None = None
        self._in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("data-testid") == "month-form":
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name") and a["name"] != "csrf_token":   # PageSession sends its own
            if a.get("type") != "checkbox" or "checked" in a:
                self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select, self._first = a["name"], None
        elif tag == "option" and self._select is not None:
            if self._first is None:
                self._first = a.get("value", "")
                self.fields.setdefault(self._select, self._first)
            if "selected" in a:
                self.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields[a["name"]] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


def form_of(html: str) -> dict[str, str]:
    parser = _Form()
    parser.feed(html)
    return parser.fields


def _counts(database: Database) -> tuple[int, ...]:
    """Stored imports, versions, results, rows and edit events (sign-ins write audit events of their own)."""
    with database.session() as s:
        stored = [s.scalar(select(func.count()).select_from(m)) or 0
                  for m in (ImportBatch, DataVersion, FacilityResult, ActivityRecord)]
        edits = s.scalar(select(func.count()).where(AuditEvent.action.like("activity.%"))) or 0
        return (*stored, edits)


def _current(database: Database, period: str, facility: str = "E-STEEL-F1") -> tuple[int, float, float]:
    """(version, energy, emissions) of the facility-month's current version and result."""
    with database.session() as s:
        row = s.execute(select(DataVersion.version, FacilityResult.energy_tce, FacilityResult.total_tco2e)
                        .join(FacilityResult, FacilityResult.data_version_id == DataVersion.id)
                        .join(Facility, Facility.id == DataVersion.facility_id)
                        .where(Facility.code == facility, DataVersion.period == period,
                               DataVersion.current.is_(True), FacilityResult.current.is_(True))).one()
        return int(row[0]), float(row[1]), float(row[2])


@pytest.fixture
def steel(client: TestClient, login: Login, world: World) -> dict[str, Any]:
    """Steel's January and February committed through the API; its manager's browser."""
    commit(client, login("steel"), world.org("steel"), steel_csv())
    return {"id": world.org("steel"), "page": PageSession(client, "steel"),
            "url": MONTH.format(id=world.org("steel"))}


def test_a_correction_is_a_new_version_with_the_expected_results(steel: dict[str, Any], database: Database) -> None:
    page: PageSession = steel["page"]
    before = {p: _current(database, p) for p in ("2024-01", "2024-02")}
    grid = page.get(steel["url"])
    assert grid.status_code == 200
    fields = form_of(grid.text)
    # the stored rows fill the grid; the selects name the stored 焦炭/吨/consumed by their options
    assert (fields["item-0"], fields["quantity-0"], fields["unit-0"], fields["flow-0"]) == (
        "coke", "1000.0", "t", "consumed")
    assert (fields["item-1"], fields["unit-1"], fields["flow-1"]) == ("electricity", "10^4 kWh", "purchased")
    assert fields["item-3"] == "" and fields["base_version"] == "1"   # a blank row for a new one, without JS
    assert "焦炭" in page_text(grid) and "万千瓦时" in page_text(grid) and "外购" in page_text(grid)
    fields.update({"quantity-0": "1500", "reason": "月度核对后更正焦炭计量读数"})
    answer = page.post(steel["url"], data=fields)
    assert answer.status_code == 303, page_text(answer)[:2000]
    assert "已保存为第 2 版" in page_text(page.get(answer.headers["location"]))

    version, energy, emissions = _current(database, "2024-01")
    assert version == 2
    assert energy - before["2024-01"][1] == pytest.approx(500 * COKE_ENERGY, rel=1e-6)
    assert emissions - before["2024-01"][2] == pytest.approx(500 * COKE_CO2, rel=1e-6)
    assert _current(database, "2024-02") == before["2024-02"]           # February untouched
    with database.session() as s:
        versions = s.execute(select(DataVersion.version, DataVersion.current, DataVersion.import_id)
                             .where(DataVersion.period == "2024-01").order_by(DataVersion.version)).all()
        assert [(v, c) for v, c, _ in versions] == [(1, False), (2, True)]   # v1 stays readable
        rows = s.execute(select(ActivityRecord.values).where(ActivityRecord.import_id == versions[1][2])
                         .order_by(ActivityRecord.id)).scalars().all()
        assert [(r["item"], r["quantity"], r["facility_id"], r["period"], r["enterprise_id"]) for r in rows] == [
            ("coke", "1500", "E-STEEL-F1", "2024-01", "E-STEEL"), ("electricity", "120", "E-STEEL-F1", "2024-01",
                                                                  "E-STEEL"),
            ("crude_steel", "5000", "E-STEEL-F1", "2024-01", "E-STEEL")]
        batch = s.get(ImportBatch, versions[1][2])
        assert batch is not None and batch.status == "committed"
        assert batch.summary["edit"]["reason"] == "月度核对后更正焦炭计量读数"
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "activity.edit")).scalar_one()
        assert event.actor == "steel" and event.organisation_id == steel["id"]
        assert event.details["reason"] == "月度核对后更正焦炭计量读数"
        assert (event.details["from_version"], event.details["version"], event.details["period"]) == (1, 2, "2024-01")
    history = page_text(page.get(f"/enterprises/{steel['id']}/imports"))
    assert "网页修改：月度核对后更正焦炭计量读数" in history
    # the page now shows version 2 with its reason; a row removed by its box is gone from version 3
    again = page.get(steel["url"])
    assert "v2" in page_text(again) and "月度核对后更正焦炭计量读数" in page_text(again)
    fields = form_of(again.text)
    fields.update({"remove-1": "1", "reason": "电力改由电表自动采集"})
    assert page.post(steel["url"], data=fields).status_code == 303
    version, energy, _ = _current(database, "2024-01")
    assert version == 3 and energy == pytest.approx(1500 * COKE_ENERGY, rel=1e-6)   # electricity gone


def test_invalid_rows_or_no_reason_change_nothing_and_are_located(steel: dict[str, Any],
                                                                   database: Database) -> None:
    page: PageSession = steel["page"]
    fields = form_of(page.get(steel["url"]).text)
    before = _counts(database)
    bad = {**fields, "item-1": "", "quantity-1": "-5", "item-3": "交炭", "quantity-3": "10", "unit-3": "t",
           "flow-3": "consumed", "reason": "更正"}
    bad["item-1"] = fields["item-1"]
    answer = page.post(steel["url"], data=bad)
    assert answer.status_code == 422
    html = answer.text
    # each error at its cell: row 2's quantity, row 4's item; the list above names row and column
    assert 'id="cell-1-quantity" name="quantity-1" value="-5"' in html
    assert 'aria-describedby="err-1-quantity"' in html and 'id="err-3-item"' in html
    text = page_text(answer)
    assert "第 2 行，数量" in text and "为负数" in text
    assert "第 4 行，品种" in text and "交炭" in text
    assert 'value="交炭" selected' in html           # the unknown text is kept, not lost
    assert _counts(database) == before and _current(database, "2024-01")[0] == 1
    # in English, the same errors in English
    page.language("en")
    text = page_text(page.post(steel["url"], data=bad))
    assert "Row 2, Quantity" in text and "negative" in text and "Row 4, Energy or material item" in text
    # no reason: refused, said in the page's language, nothing stored
    answer = page.post(steel["url"], data={**fields, "quantity-0": "1500", "reason": "  "})
    assert answer.status_code == 422 and "give the reason of the change" in page_text(answer)
    page.language("zh-CN")
    answer = page.post(steel["url"], data={**fields, "quantity-0": "1500", "reason": ""})
    assert answer.status_code == 422 and "请填写修改原因" in page_text(answer)
    # every row removed: refused
    removed = {**fields, "reason": "清空", **{f"remove-{i}": "1" for i in range(6)}}
    answer = page.post(steel["url"], data=removed)
    assert answer.status_code == 422 and "请至少填写一行" in page_text(answer)
    assert _counts(database) == before


def test_a_stale_edit_is_refused(steel: dict[str, Any], client: TestClient, login: Login,
                                 database: Database) -> None:
    page: PageSession = steel["page"]
    fields = form_of(page.get(steel["url"]).text)        # opened on version 1
    commit(client, login("steel"), steel["id"], steel_csv(periods=("2024-01",), coke=1200))   # meanwhile: v2
    before = _counts(database)
    answer = page.post(steel["url"], data={**fields, "quantity-0": "1500", "reason": "更正"})
    assert answer.status_code == 409
    text = page_text(answer)
    assert "在您打开后已被修改" in text and "第 1 版" in text and "现为第 2 版" in text
    assert "打开最新版本" in text
    assert _counts(database) == before
    version, energy, _ = _current(database, "2024-01")
    assert version == 2 and 'value="1500"' in answer.text        # the typed change is still on the page


def test_add_a_month_without_excel(steel: dict[str, Any], database: Database) -> None:
    page: PageSession = steel["page"]
    imports = page.get(f"/enterprises/{steel['id']}/imports")
    assert 'data-testid="add-month"' in imports.text
    form = page.get(f"/enterprises/{steel['id']}/activity")
    assert form.status_code == 200 and "E-STEEL-F1" in form.text
    opened = page.get(f"/enterprises/{steel['id']}/activity?facility=E-STEEL-F2&period=2024-07",
                      follow_redirects=False)
    assert opened.status_code == 303
    url = opened.headers["location"]
    assert url == f"/enterprises/{steel['id']}/activity/E-STEEL-F2/2024-07"
    assert page.get(f"/enterprises/{steel['id']}/activity?facility=E-STEEL-F2&period=2024-13").status_code == 422
    grid = page.get(url)
    assert "新增月份数据" in page_text(grid) and "暂无数据" in page_text(grid)
    fields = form_of(grid.text)
    assert fields["base_version"] == "0" and fields["item-0"] == ""
    fields.update({"item-0": "coke", "quantity-0": "200", "unit-0": "t", "flow-0": "consumed",
                   "item-2": "crude_steel", "quantity-2": "800", "unit-2": "t", "flow-2": "produced",
                   "reason": "新生产线投产，补录七月数据"})
    assert page.post(url, data=fields).status_code == 303
    version, energy, _ = _current(database, "2024-07", facility="E-STEEL-F2")
    assert version == 1 and energy == pytest.approx(200 * COKE_ENERGY, rel=1e-6)
    # the new month and facility in the enterprise's versions list, with a link to correct it
    versions = page.get(f"/enterprises/{steel['id']}/imports?view=versions")
    assert f'href="{url}"' in versions.text


def test_who_may_edit(steel: dict[str, Any], client: TestClient, database: Database) -> None:
    before = _counts(database)
    fields = form_of(steel["page"].get(steel["url"]).text)
    data = {**fields, "quantity-0": "1500", "reason": "越权"}
    # another enterprise, and the evaluator of another: the 404 page, nothing about steel
    for username in ("cement", "evaluator"):
        other = PageSession(client, username)
        for answer in (other.get(steel["url"]), other.post(steel["url"], data=data),
                       other.get(f"/enterprises/{steel['id']}/activity")):
            assert answer.status_code == 404 and 'data-testid="error-page"' in answer.text
            assert "唐山示例" not in answer.text and "焦炭" not in answer.text
    # its viewer and its regulator read the rows, in words, without a form; they cannot save
    for username in ("steelviewer", "hebei"):
        reader = PageSession(client, username)
        shown = reader.get(steel["url"])
        assert shown.status_code == 200 and 'data-testid="month-rows"' in shown.text
        assert 'data-testid="month-form"' not in shown.text and "焦炭" in page_text(shown)
        assert reader.post(steel["url"], data=data).status_code == 403
        assert reader.get(f"/enterprises/{steel['id']}/activity").status_code == 403
    # without the CSRF token: refused
    steel["page"].token = "wrong"
    assert steel["page"].post(steel["url"], data=data).status_code == 403
    assert _counts(database) == before


def test_the_api_shares_the_service(steel: dict[str, Any], client: TestClient, login: Login,
                                    database: Database) -> None:
    url = f"/api/v1{MONTH.format(id=steel['id'])}"
    headers = login("steel")
    month = client.get(url, headers=headers).json()
    assert month["version"] == 1 and [r["item"] for r in month["rows"]] == ["焦炭", "电力", "粗钢"]
    rows = [dict(r) for r in month["rows"]]
    rows[0]["quantity"] = 1500
    before = _counts(database)
    for username, status in (("cement", 404), ("evaluator", 404), ("hebei", 403), ("steelviewer", 403)):
        answer = client.put(url, headers=login(username), json={"rows": rows, "reason": "x", "version": 1})
        assert answer.status_code == status, answer.text
        assert "焦炭" not in answer.text
    bad = [*rows, {"item": "交炭", "quantity": "5", "unit": "吨", "flow": "消耗"}]
    answer = client.put(url, headers=headers, json={"rows": bad, "reason": "更正", "version": 1})
    assert answer.status_code == 422
    located = [(d["row"], d["column"], d.get("header")) for d in answer.json()["error"]["details"]]
    assert located == [(4, "item", "品种")]   # an import's shape: the column as the grid heads it
    # a finding naming another row counts rows as the request does (row 5 repeats row 1)
    twice = [*rows, {}, rows[0]]
    details = client.put(url, headers=headers, json={"rows": twice, "reason": "更正", "version": 1}).json()["error"]
    assert [(d["row"], d["code"]) for d in details["details"]] == [(5, "accounting.input.duplicate_row")]
    assert "as row 1" in details["details"][0]["message"] and "第 1 行" in details["details"][0]["message_zh"]
    answer = client.put(url, headers=headers, json={"rows": rows, "reason": " ", "version": 1})
    assert answer.status_code == 422 and answer.json()["error"]["details"][0]["location"] == "body.reason"
    answer = client.put(url, headers=headers, json={"rows": rows, "reason": "更正", "version": 0})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "activity.stale"
    assert _counts(database) == before
    answer = client.put(url, headers=headers, json={"rows": rows, "reason": "更正", "version": 1})
    assert answer.status_code == 200, answer.text
    saved = answer.json()
    assert (saved["version"], saved["previous_version"], saved["rows"]) == (2, 1, 3)
    assert saved["energy_tce"] == pytest.approx(_current(database, "2024-01")[1])
    assert client.put(f"/api/v1/enterprises/{steel['id']}/activity/E-STEEL-F1/2024-1", headers=headers,
                      json={"rows": rows, "reason": "x", "version": 2}).status_code == 422
    # a month of more rows than the page's form holds: the page shows them and points to the file or the API
    many = [*rows, *({"item": "焦炭", "quantity": "1", "unit": "吨", "flow": "消耗", "ncv": f"{28 + i / 100:.2f}",
                      "ncv_unit": "GJ/t"} for i in range(FORM_ROWS))]   # batches of measured heating values
    answer = client.put(url, headers=headers, json={"rows": many, "reason": "逐批记录", "version": 2})
    assert answer.status_code == 200 and answer.json()["rows"] == FORM_ROWS + 3, answer.text[:1500]
    shown = steel["page"].get(steel["url"])
    assert 'data-testid="month-form"' not in shown.text and 'data-testid="month-rows"' in shown.text
    assert "超过网页可编辑的行数" in page_text(shown)


def test_the_units_offered_are_those_the_importer_accepts() -> None:
    """The grid offers an item the units of the unit library that convert to its canonical unit (the rule
    of ``accounting.input.unit_mismatch``), named in words; a unit of another measure is not offered."""
    from greenmfg.accounting import editing
    from greenmfg.units import UnitError, conversion_factor

    coke = {c.symbol: c.name_zh for c in editing.item_units("coke")}
    assert {"t": "吨", "10^4 t": "万吨", "kg": "千克"}.items() <= coke.items() and "kWh" not in coke
    electricity = {c.symbol for c in editing.item_units("electricity")}
    assert {"kWh", "10^4 kWh", "MWh"} <= electricity and "t" not in electricity
    gas = {c.symbol for c in editing.item_units("natural_gas")}
    assert {"Nm3", "10^4 Nm3"} <= gas and "t" not in gas
    for symbol in coke:
        conversion_factor(symbol, "t")
    with pytest.raises(UnitError):
        conversion_factor("kWh", "t")
    everything = {c.symbol for c in editing.item_units(None)}
    assert coke.keys() | electricity | gas <= everything and "yuan" not in everything
    assert editing.unit_choice("万千瓦时") == "10^4 kWh" and editing.unit_choice("吉焦") == "GJ"
