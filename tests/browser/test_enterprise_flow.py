"""An enterprise energy manager's month in a real browser, against the real application.

Sign in → dashboard → upload a file with a mistake → see where it is → upload the corrected file
→ check the preview → commit → open a result and one line's sources → English and back.
Screenshots of each step land in var/screenshots/enterprise-*.png.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from greenmfg.accounting.models import ActivityRecord, DataVersion
from greenmfg.accounting.template_spec import COLUMNS
from greenmfg.orgs.models import Facility

from .conftest import LiveServer, screenshot
from .live_server import sign_in


def _activity_file(folder: Path, server: LiveServer, username: str, *, coke_name: str) -> tuple[Path, int]:
    """April's data of the user's first facility: March's stored rows again, with ``coke_name`` as
    the coke item and a measured heating value on it. Returns the file and the line the coke row is on."""
    account = next(a for a in server.accounts if a.username == username)
    with server.database.session() as session:
        facility = session.execute(select(Facility.id).where(Facility.enterprise_id == account.organisation_id)
                                   .order_by(Facility.code)).scalars().first()
        march = session.execute(
            select(ActivityRecord.values).join(DataVersion, DataVersion.id == ActivityRecord.data_version_id)
            .where(DataVersion.facility_id == facility, DataVersion.period == "2024-03", DataVersion.current.is_(True))
            .order_by(ActivityRecord.row)).scalars().all()
    names = [column.name for column in COLUMNS]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(names)
    coke_line = 0
    for index, values in enumerate(march):
        row = {**values, "period": "2024-04"}
        if row["item"] == "焦炭":
            row["item"], coke_line = coke_name, index + 2
            if not row.get("ncv"):
                # the plant measured its coke's heating value (the demo's process units do not)
                row["ncv"], row["ncv_unit"] = "28.1", "GJ/t"
        writer.writerow(["" if row.get(n) is None else row[n] for n in names])
    assert coke_line, "the demo steel works burns coke"
    path = folder / f"activity-{coke_name}.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path, coke_line


def _watch(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def _sign_in(page: Page, server: LiveServer, username: str, locale: str = "zh-CN") -> None:
    sign_in(page, server.url, username, locale=locale)


def _charts_drawn(page: Page, count: int) -> None:
    # a locator wait, not wait_for_function: its polling evaluates a string, which the CSP forbids
    page.locator("[data-echarts-ready] canvas").nth(count - 1).wait_for(state="attached")


def test_enterprise_upload_fix_commit_and_drill_down(page: Page, live_server: LiveServer, tmp_path: Path) -> None:
    errors = _watch(page)
    _sign_in(page, live_server, "demo-steel")

    # the dashboard of the user's own enterprise, in Chinese (the user's language)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("[data-testid=kpis] .kpi")).to_have_count(4)
    _charts_drawn(page, 4)
    screenshot(page, "enterprise-1-dashboard-zh")

    # upload a file whose coke is misspelt: nothing is stored, the error is located
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="数据导入").click()
    bad, line = _activity_file(tmp_path, live_server, "demo-steel", coke_name="交炭")
    page.set_input_files("#file", str(bad))
    expect(page.locator("[data-file-name]")).to_have_text("activity-交炭.csv")
    page.get_by_role("button", name="上传并校验").click()
    expect(page.locator(".issues-title")).to_have_text("数据中有 1 处问题，未导入任何数据。")
    row = page.locator(".issues-table tbody tr").first
    expect(row).to_contain_text(f"第 {line} 行")
    expect(row.locator(".issue-value")).to_have_text("交炭")
    expect(row).to_contain_text("item")
    expect(page.locator("[data-testid=template-link]")).to_have_attribute("href", "/imports/template?format=xlsx")
    screenshot(page, "enterprise-2-located-error-zh")

    # fix it and upload again: the preview says what a commit will store
    page.get_by_role("link", name="上传修改后的文件").click()
    page.set_input_files("#file", str(_activity_file(tmp_path, live_server, "demo-steel", coke_name="焦炭")[0]))
    page.get_by_role("button", name="上传并校验").click()
    expect(page.locator("[data-testid=preview-summary]")).to_contain_text("2024-04")
    expect(page.locator("#preview tbody tr")).to_have_count(1)
    screenshot(page, "enterprise-3-preview-zh")

    page.locator("[data-testid=commit]").click()
    expect(page.locator(".flashes")).to_contain_text("已提交：1 条设施-期间结果已入库并完成核算。")
    expect(page.locator("[data-testid=results] tbody tr")).to_have_count(1)
    screenshot(page, "enterprise-4-committed-zh")

    # drill into the result and open the coke line's sources
    page.locator("[data-testid=derivation-link]").first.click()
    expect(page.locator("h1")).to_contain_text("2024年4月")
    lines = page.locator("[data-testid=lines] tbody tr")
    # purchased electricity: its coefficient and grid factor come from reference datasets
    electricity = lines.filter(has_text="外购电力").first
    electricity.locator("summary").first.click()
    # the citations, quoted as their sources wrote them, sit in their own collapsed block
    electricity.locator("summary", has_text="来源").first.click()
    source = electricity.locator(".gm-source").first
    expect(source).to_be_visible()
    # the dataset named in words with its edition (its id is no word for a reader)
    expect(source).to_contain_text("综合能耗计算通则")
    expect(source).to_contain_text("gbt2589-2020")
    expect(source).to_contain_text("GB/T 2589-2020")
    expect(source.locator(".badge")).to_be_visible()
    # the plant's coke was measured: the file's own values, the coefficient computed from them
    coke = lines.filter(has_text="焦炭").first
    coke.locator("summary").first.click()
    expect(coke.locator(".gm-sources")).to_contain_text("实测值")
    expect(coke.locator(".gm-derived")).to_contain_text("29.3076")
    expect(page.locator("[data-testid=warnings]")).to_be_visible()
    expect(page.locator("[data-testid=history] li")).to_have_count(1)
    screenshot(page, "enterprise-5-derivation-zh")

    # the same page in English, then back to Chinese
    page.locator(".topbar .lang-switch").get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Derivation")).to_be_visible()
    page.locator("[data-testid=lines] tbody tr", has_text="Purchased electricity").first.locator("summary").first.click()
    screenshot(page, "enterprise-6-derivation-en")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Dashboard").click()
    _charts_drawn(page, 4)
    expect(page.locator("[data-testid=kpis]")).to_contain_text("Total energy")
    screenshot(page, "enterprise-7-dashboard-en")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Imports").click()
    expect(page.locator("[data-testid=import-history] tbody tr")).to_have_count(3)
    screenshot(page, "enterprise-8-imports-en")
    page.locator(".topbar .lang-switch").get_by_role("link", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", name="数据导入")).to_be_visible()
    assert errors == []


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_regulator_picks_an_enterprise(page: Page, live_server: LiveServer, locale: str) -> None:
    errors = _watch(page)
    _sign_in(page, live_server, "demo-regulator")
    page.goto(f"{live_server.url}/lang/{locale}?next=/")
    rows = page.locator("#enterprises tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 2
    screenshot(page, f"regulator-1-picker-{locale}")
    rows.first.locator("a").click()
    _charts_drawn(page, 2)
    expect(page.locator("[data-testid=kpis] .kpi")).to_have_count(4)
    # a regulator reads but does not upload
    expect(page.locator("a[href$='/imports'].btn-primary")).to_have_count(0)
    screenshot(page, f"regulator-2-dashboard-{locale}")
    assert errors == []
