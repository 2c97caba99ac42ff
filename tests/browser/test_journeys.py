"""Every day in the platform (issue #15): four roles of the demo walk their journeys in a real Chromium.

Each test signs in as one demo user and goes where that user goes, by the links and buttons of the
pages (a URL is typed only to start), checking what the user must see at each step — numbers, words
in Chinese, statuses, downloads that open as PDF or workbooks — and that no step shows an error page
or logs a console error:

* the enterprise energy manager (``demo-chemicals``, the demo enterprise with no list application yet):
  blank template → upload with a mistake → fix → commit → derivation → results and the accounting report
  (PDF, xlsx) → benchmark → meters → diagnosis → green-factory self-evaluation from the offline template →
  list application with it → inbox; then the same desk in English; then a month corrected in the grid;
* the provincial regulator (``demo-regulator``, on the 15-month region): an enterprise's dashboard, the
  region dashboard and map, compliance, the green-manufacturing targets, the list review (the city's
  pre-review, then its recommendation) and the capacity-replacement ledger (a filed plan approved);
* the third-party evaluator (``demo-evaluator``): the assigned evaluation, its linked self-evaluation,
  the enterprise's results and benchmark, the report sent;
* the city bureau (``demo-city``, on a phone): its city's enterprises, the inbox notification of the
  application waiting for it, the pre-review.

The journeys share the demo servers; each acts on objects no other test touches (its own enterprise,
the one application at its stage), and :func:`sign_in` sets the user's language, so they run in any
order. Screenshots of the steps land in var/screenshots/journey-*.png.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from greenmfg.accounting.models import ActivityRecord, DataVersion
from greenmfg.accounting.template_spec import COLUMNS
from greenmfg.audit.service import record
from greenmfg.exports import keyed_cells
from greenmfg.greenfactory.frameworks import load_framework
from greenmfg.greenlist.models import GreenApplication
from greenmfg.orgs.models import Facility, Organisation, OrgKind
from tests.factories import column_keys

from .conftest import SCREENSHOTS, LiveServer, screenshot
from .live_server import page_errors, sign_in

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1440, "height": 900}
#: a scanned application form, as small as a PDF gets
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
#: the report's words in each language: title, a figure's name, the appendix, the workbook's first sheet
REPORT_WORDS = {
    "zh-CN": ("能源消费与温室气体排放报告", "综合能耗", "附录：总量的计算过程", "汇总"),
    "en": ("Energy consumption and GHG emissions report", "Comprehensive energy consumption",
           "Appendix: derivation of the totals", "Summary"),
}


# ------------------------------------------------------------------------------------------ helpers


def _nav(page: Page, name: str, *, label: str = "主导航") -> None:
    page.get_by_role("navigation", name=label).get_by_role("link", name=name, exact=True).click()
    page.wait_for_load_state("networkidle")


def _charts_drawn(page: Page, count: int) -> None:
    # a locator wait, not wait_for_function: its polling evaluates a string, which the CSP forbids
    page.locator("[data-echarts-ready] canvas").nth(count - 1).wait_for(state="attached")


def _fits(page: Page, width: int) -> None:
    """Nothing on the page is wider than the window: it does not scroll sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def _switch(page: Page, language: str) -> None:
    page.locator(".topbar .lang-switch").get_by_role("link", name=language).click()
    page.wait_for_load_state("networkidle")


def _account(server: LiveServer, username: str) -> int:
    return next(a.organisation_id for a in server.accounts if a.username == username)


def _activity_file(folder: Path, server: LiveServer, username: str, *, coal_name: str) -> tuple[Path, int]:
    """April's data of the user's first facility: March's stored rows again, its coal burnt as fuel named
    ``coal_name``, and the heating value the plant measured on every coal row. Returns the file and the
    line the burnt coal is on."""
    enterprise = _account(server, username)
    with server.database.session() as session:
        facility = session.execute(select(Facility.id).where(Facility.enterprise_id == enterprise)
                                   .order_by(Facility.code)).scalars().first()
        march = session.execute(
            select(ActivityRecord.values).join(DataVersion, DataVersion.id == ActivityRecord.data_version_id)
            .where(DataVersion.facility_id == facility, DataVersion.period == "2024-03", DataVersion.current.is_(True))
            .order_by(ActivityRecord.row)).scalars().all()
    names = [column.name for column in COLUMNS]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(names)
    coal_line = 0
    for index, values in enumerate(march):
        row = {**values, "period": "2024-04"}
        if row["item"] == "烟煤":
            if not row.get("ncv"):  # the plant measured its coal's heating value (the demo's rows do not)
                row["ncv"], row["ncv_unit"] = "24.5", "GJ/t"
            if row["flow"] == "consumed":
                row["item"], coal_line = coal_name, index + 2
        writer.writerow(["" if row.get(n) is None else row[n] for n in names])
    assert coal_line, "the demo chemical works burns coal"
    path = folder / f"activity-{coal_name}.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path, coal_line


def _download(page: Page, trigger: Locator, folder: Path, name: str) -> Path:
    with page.expect_download(timeout=180_000) as download:  # a loaded CI machine renders slowly
        trigger.click()
    path = folder / name
    download.value.save_as(path)
    return path


def _report(page: Page, folder: Path, locale: str) -> None:
    """The results page's report buttons, on a desk and on a phone; the PDF and the workbook they download."""
    words = REPORT_WORDS[locale]
    pdf_button = page.get_by_test_id("report-pdf")
    expect(pdf_button).to_be_visible()
    page.set_viewport_size(PHONE)
    expect(pdf_button).to_be_visible()
    box = pdf_button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]  # not pushed off a phone
    screenshot(page, f"journey-manager-report-{locale}-390")
    page.set_viewport_size(DESK)
    with page.expect_download(timeout=180_000) as pdf_download:
        pdf_button.click()
    pdf = pdf_download.value
    assert pdf.suggested_filename.endswith(f"-{locale}.pdf")
    path = SCREENSHOTS / f"journey-report-{locale}.pdf"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")
    book = load_workbook(_download(page, page.get_by_test_id("report-xlsx"), folder, f"report-{locale}.xlsx"))
    assert book.sheetnames[0] == words[3]
    if shutil.which("pdftotext") is None:
        return  # the PDF's text is checked where poppler-utils is installed (make system-deps)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for word in words[:3]:
        assert word in text, word
    assert "+08:00" in text


def _filled_self_evaluation(path: Path, title: str) -> Path:
    """The offline template as an energy manager fills it: every basic requirement met, the scored items at
    full points, the performance values (other than the intensities the platform fills from the results)
    with their benchmark, leading value and source."""
    book = load_workbook(path)
    # sheets named in the page's language (评价信息, 基本要求与指标); column A names the fields in words,
    # each keeping its key as a defined name
    evaluation, sheet = book.worksheets[0], book.worksheets[1]
    assert evaluation.title == "评价信息" and sheet.title == "基本要求与指标", book.sheetnames
    for key, (row, _column) in keyed_cells(evaluation).items():
        if key in ("title", "year", "product"):
            evaluation.cell(row, 2).value = {"title": title, "year": 2024, "product": "ammonia"}[key]
    indicators = {i.key: i for i in load_framework("gbt36132-2025").indicators}
    header = column_keys(sheet)  # the template is headed in words; its columns keep their keys as defined names
    column = {name: header.index(name) + 1 for name in ("key", "kind", "max_points", "answer", "points", "value",
                                                        "benchmark", "leading", "reference_source", "evidence")}
    for row in range(2, sheet.max_row + 1):
        key, kind = sheet.cell(row, column["key"]).value, sheet.cell(row, column["kind"]).value
        if kind == "veto":
            sheet.cell(row, column["answer"]).value = "符合"
            sheet.cell(row, column["evidence"]).value = "证书与制度文件"
        elif kind == "scored":
            sheet.cell(row, column["points"]).value = sheet.cell(row, column["max_points"]).value
        elif kind == "performance" and not indicators[key].auto:
            higher = indicators[key].direction == "higher"
            for name, value in (("value", 90 if higher else 60), ("benchmark", 50 if higher else 100),
                                ("leading", 100 if higher else 50), ("reference_source", "行业统计（演示）")):
                sheet.cell(row, column[name]).value = value
    book.save(path)
    return path


# ------------------------------------------------------------------------------- the energy manager


def test_energy_manager(page: Page, live_server: LiveServer, tmp_path: Path) -> None:
    base, username = live_server.url, "demo-chemicals"
    enterprise = _account(live_server, username)
    with live_server.database.session() as session:   # what the platform told this enterprise meanwhile
        evaluator = session.scalar(select(Organisation.id).where(Organisation.kind == OrgKind.evaluator).limit(1))
        for action, details, target in (
                ("evaluator.assign", {"evaluator_id": evaluator}, ("evaluator_assignment", 1)),
                ("capacity.plan.approve", {"comment": "置换比例符合要求，同意实施"}, ("capacity_plan", 1)),
                ("import.preview", {"status": "invalid", "issues": 3, "file": "2025年3月能源消费.xlsx"}, ("import", 1))):
            record(session, action, actor="demo-admin", organisation_id=enterprise,
                   target_type=target[0], target_id=target[1], details=details)
    errors = page_errors(page)
    sign_in(page, base, username)

    # the dashboard of the user's own enterprise, in Chinese (the user's language)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("[data-testid=kpis] .kpi")).to_have_count(4)
    _charts_drawn(page, 4)
    screenshot(page, "journey-manager-1-dashboard")

    # the blank template: a real workbook with the columns in Chinese
    _nav(page, "数据导入")
    template = load_workbook(_download(page, page.get_by_test_id("template-link"), tmp_path, "template.xlsx"))
    assert template.sheetnames[:2] == ["活动数据", "说明"]
    assert [cell.value for cell in template.worksheets[0][1]] == [c.header_zh for c in COLUMNS]

    # a file whose coal is misspelt: nothing is stored, the error is located
    bad, line = _activity_file(tmp_path, live_server, username, coal_name="烟媒")
    page.set_input_files("#file", str(bad))
    expect(page.locator("[data-file-name]")).to_have_text("activity-烟媒.csv")
    page.get_by_role("button", name="上传并校验").click()
    expect(page.locator(".issues-title")).to_have_text("数据中有 1 处问题，未导入任何数据。")
    row = page.locator(".issues-table tbody tr").first
    expect(row).to_contain_text(f"第 {line} 行")
    expect(row.locator(".issue-value")).to_have_text("烟媒")
    expect(row).to_contain_text("item")
    expect(page.locator("[data-testid=template-link]")).to_have_attribute("href", "/imports/template?format=xlsx")
    screenshot(page, "journey-manager-2-located-error")

    # fixed and uploaded again: the preview says what a commit will store
    page.get_by_role("link", name="上传修改后的文件").click()
    page.set_input_files("#file", str(_activity_file(tmp_path, live_server, username, coal_name="烟煤")[0]))
    page.get_by_role("button", name="上传并校验").click()
    expect(page.locator("[data-testid=preview-summary]")).to_contain_text("2024-04")
    expect(page.locator("#preview tbody tr")).to_have_count(1)
    page.locator("[data-testid=commit]").click()
    expect(page.locator(".flashes")).to_contain_text("已提交：1 条设施-期间结果已入库并完成核算。")
    expect(page.locator("[data-testid=results] tbody tr")).to_have_count(1)
    screenshot(page, "journey-manager-3-committed")

    # the result's derivation: one line's sources, the measured coal
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
    # the plant's coal was measured: the file's own values, the coefficient computed from them
    coal = lines.filter(has_text="烟煤").first
    coal.locator("summary").first.click()
    expect(coal.locator(".gm-sources")).to_contain_text("实测值")
    expect(coal.locator(".gm-derived")).to_contain_text("29.3076")
    expect(page.locator("[data-testid=warnings]")).to_be_visible()
    expect(page.locator("[data-testid=history] li")).to_have_count(1)
    screenshot(page, "journey-manager-4-derivation")

    # the year's accounting report from the results page
    _nav(page, "核算结果")
    expect(page.locator("[data-testid=results] tbody tr")).to_have_count(4)   # January to April
    _report(page, tmp_path, "zh-CN")

    # benchmark: the ammonia plant against the benchmark and baseline levels, its other product in words
    _nav(page, "能效对标")
    plants = page.get_by_test_id("benchmark-plants")
    expect(plants).to_contain_text("合成氨单位产品综合能耗")
    expect(plants.locator("[data-testid=class-caveat]").first).to_contain_text("该设施还生产 尿素")
    assert "urea" not in plants.inner_text()
    expect(page.get_by_test_id("unverified-refs")).to_be_visible()   # the levels not checked against the text
    screenshot(page, "journey-manager-5-benchmark")

    # meters: the imported data win; the power meter's baseline, savings and a refused fit window
    _nav(page, "计量表")
    expect(page.locator("[data-testid=account-form]")).to_have_count(1)
    expect(page.get_by_text("以导入数据为准", exact=False)).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^EM-01")).click()
    expect(page.locator("[data-testid=mv-validity]")).to_contain_text("合成演示数据")
    expect(page.locator("[data-testid=mv-savings]")).to_contain_text("置信度 90%")
    page.locator("#mv-chart canvas").first.wait_for(state="attached")
    meter_url = page.url
    daily = tmp_path / "drivers.csv"
    daily.write_text("date,temperature_c\n2025-01-01,1.5\n", encoding="utf-8")
    page.fill("#fit-start", "2025-12-31")
    page.fill("#fit-end", "2025-01-01")
    page.set_input_files("#fit-file", str(daily))
    page.click("[data-testid=fit-form] button[type=submit]")
    expect(page.locator("[data-testid=mv-errors]")).to_contain_text("结束早于开始")
    expect(page.locator("#fit-start")).to_have_value("2025-12-31")
    screenshot(page, "journey-manager-6-meter-fit-error")

    # the energy-saving diagnosis: the equipment register against the minimum efficiency standards
    _nav(page, "节能诊断")
    register = page.get_by_test_id("equipment-table")
    expect(page.get_by_text("共 8 台设备，其中 5 台低于能效限定值")).to_be_visible()
    expect(register.locator("tbody tr", has_text="低于限定值")).to_have_count(5)
    expect(register).to_contain_text("喷油螺杆空压机 110 kW 0.8 MPa 风冷")

    # the green-factory self-evaluation, filled offline in its template and read into the form
    _nav(page, "绿色评价")
    title = "2024 年绿色工厂自评价"
    filled = _filled_self_evaluation(_download(
        page, page.locator("a[href='/green-factory/template.xlsx?framework=gbt36132-2025']"), tmp_path, "gf.xlsx"),
        title)
    page.get_by_test_id("new-evaluation").get_by_role("button", name="开始").click()
    expect(page.locator("h1.page-title")).to_have_text("新建自评价")
    page.set_input_files("#gf-workbook", str(filled))
    page.get_by_role("button", name="读入表单").click()
    expect(page.locator("#gf-title")).to_have_value(title)
    expect(page.locator("select[name='answer__gate.enms']")).to_have_value("true")
    page.get_by_test_id("save-evaluation").click()
    expect(page.locator(".flashes")).to_contain_text("已计分并保存为草稿")
    expect(page.locator("h1.page-title")).to_contain_text("通过")
    total = float(page.get_by_test_id("total").inner_text().replace(",", ""))
    assert 60 <= total <= 100, total
    page.get_by_role("button", name="定稿").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".page-subtitle")).to_contain_text("定稿")
    screenshot(page, "journey-manager-7-self-evaluation")

    # the list application: a draft, submitted with the final self-evaluation picked, its form attached
    _nav(page, "绿色制造名单")
    page.click("[data-testid=new-application] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert re.search(r"/green-list/applications/\d+$", page.url), page.url
    picker = page.locator("[data-testid=form-submit] select[name=evaluation_id]")
    expect(picker).to_have_count(1)
    assert picker.locator("option").count() >= 3   # "choose…", the demo's and today's final self-evaluation
    picker.select_option(picker.locator("option", has_text=title).get_attribute("value"))
    page.click("[data-testid=form-submit] button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-testid=self-evaluation]")).to_contain_text("绿色工厂")
    expect(page.get_by_test_id("linked-evaluation")).to_contain_text(title)
    expect(page.locator("h1.page-title")).to_contain_text("已提交自评价")
    form = tmp_path / "申报书.pdf"
    form.write_bytes(PDF)
    page.locator("[data-testid=form-attach] input[type=file]").set_input_files(str(form))
    page.click("[data-testid=form-attach] button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-testid=attachments]")).to_contain_text("申报书.pdf")
    expect(page.locator("[data-testid=history]")).to_contain_text("上传附件")
    screenshot(page, "journey-manager-8-application")

    # the inbox: the failed import first, the approved plan's reason; at a phone's width too
    page.get_by_test_id("inbox-link").click()
    count = page.locator("[data-testid=unread-count]")
    expect(count).to_be_visible()
    unread = int(count.inner_text())
    assert unread >= 4   # the three steps above and the journey's own failed upload
    expect(page.locator("[data-testid=inbox] li").first).to_contain_text("导入失败")
    expect(page.locator("[data-testid=inbox] li").first).to_contain_text("activity-烟媒.csv")
    expect(page.locator("[data-testid=inbox]")).to_contain_text("理由：置换比例符合要求，同意实施")
    page.set_viewport_size(PHONE)
    _fits(page, PHONE["width"])
    expect(count).to_be_visible()
    screenshot(page, "journey-manager-9-inbox-390")
    # the evaluator notification opens the enterprise's page, read
    page.locator("[data-testid=inbox] li", has_text="第三方评价机构").get_by_role("button", name="查看").click()
    page.wait_for_url(f"{base}/enterprises/{enterprise}")
    expect(page.locator("[data-testid=unread-count]")).to_have_text(str(unread - 1))

    # the same desk in English: notification settings on the phone, then the results on a desk
    _switch(page, "English")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_test_id("inbox-link").click()
    page.get_by_role("link", name="Notification settings").first.click()
    expect(page.locator("h1")).to_have_text("Notification settings")
    _fits(page, PHONE["width"])
    page.set_viewport_size(DESK)
    page.get_by_test_id("inbox-link").click()
    page.get_by_test_id("read-all").click()
    page.wait_for_url(f"{base}/inbox")
    expect(page.locator("[data-testid=unread-count]")).to_have_count(0)
    _nav(page, "Dashboard", label="Main navigation")
    _charts_drawn(page, 4)
    expect(page.locator("[data-testid=kpis]")).to_contain_text("Total energy")
    _nav(page, "Results", label="Main navigation")
    page.locator("[data-testid=derivation-link]").last.click()
    expect(page.get_by_role("heading", name="Derivation")).to_be_visible()
    page.locator("[data-testid=lines] tbody tr", has_text="Purchased electricity").first.locator("summary").first.click()
    screenshot(page, "journey-manager-10-derivation-en")
    _nav(page, "Results", label="Main navigation")
    _report(page, tmp_path, "en")
    _nav(page, "Meters", label="Main navigation")
    page.get_by_role("link", name=re.compile(r"^EM-01")).click()
    assert page.url == meter_url
    expect(page.locator("[data-testid=mv-savings]")).to_contain_text("90% confidence")
    expect(page.locator("[data-testid=mv-validity]")).to_contain_text("synthetic demo data")
    page.locator("#mv-chart canvas").first.wait_for(state="attached")
    _nav(page, "Imports", label="Main navigation")
    expect(page.locator("[data-testid=import-history] tbody tr")).to_have_count(3)   # the demo's, the refused, April
    _switch(page, "中文")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", name="数据导入")).to_be_visible()

    # a month corrected in the grid: a mistake shown at its cell, fixed, a row added, saved as version 2
    page.get_by_role("link", name="数据版本").click()
    page.locator("[data-testid=edit-month]").first.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("修改月度数据")
    grid = page.locator("[data-testid=month-grid]")
    rows = grid.locator("tbody tr")
    assert rows.count() >= 4   # the stored rows and blank rows for new ones
    quantity = page.locator("#cell-0-quantity")
    original = quantity.input_value()
    quantity.fill("-1")
    page.fill("#reason", "月度核对后更正")
    page.click("[data-testid=month-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#cell-0-quantity")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#err-0-quantity")).to_contain_text("为负数")
    expect(page.locator("[data-testid=month-issues]")).to_contain_text("第 1 行")
    page.set_viewport_size(PHONE)
    screenshot(page, "journey-manager-11-month-error-390")
    _fits(page, PHONE["width"])   # only the grid scrolls sideways
    page.set_viewport_size(DESK)
    page.fill("#cell-0-quantity", str(float(original) + 10))
    before = rows.count()
    page.click("[data-add-row]")
    expect(rows).to_have_count(before + 1)
    page.click("[data-testid=month-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".flashes")).to_contain_text("已保存为第 2 版")
    expect(page.locator("[data-testid=month-version]")).to_contain_text("月度核对后更正")
    # the grid in English, on a phone
    page.context.add_cookies([{"name": "greenmfg_lang", "value": "en", "url": base}])
    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("Correct a month")
    expect(grid.locator("thead")).to_contain_text("Energy or material item")
    _fits(page, PHONE["width"])
    screenshot(page, "journey-manager-12-month-grid-390-en")
    # the refused fit window and correction answer 422 on purpose; nothing else may fail
    assert [e for e in errors if "status of 422" not in e] == [], errors
    assert sum("status of 422" in e for e in errors) == 2, errors


# ------------------------------------------------------------------------------------ the regulator


@pytest.fixture(scope="module")
def region(region_url: str) -> str:
    return region_url


def test_provincial_regulator(page: Page, region: str) -> None:
    sign_in(page, region, "demo-regulator")
    errors = page_errors(page)

    # the enterprises it regulates; one enterprise's dashboard, read but not uploaded to
    rows = page.locator("#enterprises tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 2
    rows.first.locator("a").click()
    _charts_drawn(page, 2)
    expect(page.locator("[data-testid=kpis] .kpi")).to_have_count(4)
    expect(page.locator("a[href$='/imports'].btn-primary")).to_have_count(0)

    # the region dashboard: every chart and the province's map drawn
    _nav(page, "区域监管")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1.page-title")).to_have_text("区域监管总览")
    for chart in ("#chart-trend", "#chart-industry", "#chart-city"):
        page.wait_for_selector(f"{chart}[data-echarts-ready] canvas")
        box = page.locator(f"{chart} canvas").first.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 150, chart
    page.wait_for_selector("#region-map[data-echarts-ready] canvas")   # its GeoJSON fetched and registered first
    assert page.locator("#region-map[data-echarts-error]").count() == 0
    assert page.locator("[data-testid=region-kpis] .kpi").count() == 4
    assert page.locator("[data-testid=top-emitters] li").count() > 0
    table = page.locator("#region-enterprises tbody tr")
    assert table.count() > 1
    assert page.get_by_test_id("rising-basis").get_attribute("data-basis") == "latest_3_months"  # Jan–Mar vs a year earlier
    href = table.first.locator("a").first.get_attribute("href")   # every enterprise links to its dashboard
    assert href is not None and re.fullmatch(r"/enterprises/\d+", href)
    # sort the shown page by energy in the browser, then filter by an industry on the server
    energy = page.locator("#region-enterprises th").nth(3)
    energy.click()
    assert energy.get_attribute("aria-sort") == "ascending"
    figures = page.eval_on_selector_all(
        "#region-enterprises tbody tr", "rows => rows.map(r => r.cells[3].dataset.sort).filter(v => v !== '')")
    assert [float(v) for v in figures] == sorted(float(v) for v in figures)
    industry = page.locator("#filter-industry")
    option = industry.locator("option").nth(1)
    chosen_value, chosen_label = option.get_attribute("value"), option.inner_text().rsplit(" (", 1)[0]
    industry.select_option(chosen_value)
    page.locator("[data-testid=region-filters] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert f"industry={chosen_value}" in page.url
    industries = page.eval_on_selector_all("#region-enterprises tbody tr",
                                           "rows => rows.map(r => r.cells[1].textContent.trim())")
    assert industries and set(industries) == {chosen_label}
    screenshot(page, "journey-regulator-1-region-filtered")

    # compliance: the plants below the baseline level, with their gap and deadline
    page.get_by_test_id("compliance-link").click()
    expect(page.locator("h1.page-title")).to_have_text("能效达标监管")
    below = page.get_by_test_id("below-baseline")
    expect(below).to_contain_text("熟料单位产品综合能耗")
    expect(below).to_contain_text("邢台永兴建材有限公司")
    expect(page.get_by_test_id("compliance-kpis")).to_contain_text("低于基准水平")

    # the green-manufacturing targets: the share towards 2030
    _nav(page, "区域监管")
    page.get_by_test_id("green-targets-link").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1.page-title")).to_have_text("绿色制造目标")
    for chart in ("#gl-share", "#gl-counts", "#gl-energy", "#gl-carbon"):
        page.wait_for_selector(f"{chart}[data-echarts-ready] canvas")
        box = page.locator(f"{chart} canvas").first.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 150, chart
    assert page.locator("[data-testid=shares] tbody tr").count() >= 1   # a share for the latest year
    screenshot(page, "journey-regulator-2-green-targets")

    # the list review: the application the city bureau pre-reviewed, recommended by the province
    _nav(page, "绿色制造名单")
    assert page.locator("[data-testid=published-list] tbody tr").count() >= 5
    queue = page.locator("[data-testid=queue-regulator] tbody tr")
    assert queue.count() >= 1
    queue.filter(has_text="市级初审通过，待省级推荐").first.locator("a").first.click()
    page.wait_for_load_state("networkidle")
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("市级初审通过")
    expect(history).to_contain_text("初审通过（演示）")
    expect(page.locator("[data-testid=form-recommend]")).to_have_count(1)
    page.fill("#comment-recommend", "同意推荐")
    page.click("[data-testid=form-recommend] button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1.page-title")).to_contain_text("已推荐")
    expect(page.locator("[data-testid=form-recommend]")).to_have_count(0)
    _switch(page, "English")
    expect(page.locator("h1.page-title")).to_contain_text("Recommended")
    _switch(page, "中文")

    # the capacity-replacement ledger: the steel works' filed plan, approved
    _nav(page, "产能置换")
    plan = page.locator("table tbody tr", has_text="2号高炉置换升级")
    expect(plan).to_contain_text("已提交")
    expect(plan).to_contain_text("1.5:1")
    plan.locator("a").first.click()
    expect(page.get_by_test_id("plan-check")).to_contain_text("退出产能满足要求")
    expect(page.get_by_test_id("requirement")).to_contain_text("1,500,000")
    approve = page.get_by_test_id("approve-form")
    approve.locator("textarea, input[type=text]").first.fill("置换比例符合要求，同意实施")
    approve.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1.page-title")).to_contain_text("已批准")
    expect(page.get_by_test_id("approve-form")).to_have_count(0)
    screenshot(page, "journey-regulator-3-plan-approved")

    # the same desk in English
    _switch(page, "English")
    _nav(page, "Region", label="Main navigation")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1.page-title")).to_have_text("Regional overview")
    for chart in ("#chart-trend", "#chart-industry", "#chart-city", "#region-map"):
        page.wait_for_selector(f"{chart}[data-echarts-ready] canvas")
    assert page.locator("#region-map[data-echarts-error]").count() == 0
    page.get_by_test_id("green-targets-link").click()
    expect(page.locator("h1.page-title")).to_have_text("Green-manufacturing targets")
    for chart in ("#gl-share", "#gl-counts", "#gl-energy", "#gl-carbon"):
        page.wait_for_selector(f"{chart}[data-echarts-ready] canvas")
    _nav(page, "Dashboard", label="Main navigation")
    page.locator("#enterprises tbody tr").first.locator("a").click()
    _charts_drawn(page, 2)
    expect(page.locator("[data-testid=kpis] .kpi")).to_have_count(4)
    screenshot(page, "journey-regulator-4-enterprise-en")
    assert errors == []


# ------------------------------------------------------------------------------------ the evaluator


def test_third_party_evaluator(page: Page, live_server: LiveServer, tmp_path: Path) -> None:
    sign_in(page, live_server.url, "demo-evaluator")
    errors = page_errors(page)
    expect(page.locator("#enterprises tbody tr").first).to_be_visible()   # the enterprises it evaluates

    # the evaluation assigned to it
    _nav(page, "绿色制造名单")
    assigned = page.locator("[data-testid=queue-evaluator] tbody tr", has_text="第三方评价中")
    expect(assigned).to_have_count(1)
    applicant = assigned.locator("td").nth(1).inner_text().strip()
    assigned.locator("a").first.click()
    page.wait_for_load_state("networkidle")
    application_url = page.url
    claimed = page.get_by_test_id("self-evaluation").locator("dd").nth(1).inner_text().strip()
    expect(page.get_by_test_id("linked-gaps").locator("li").first).to_contain_text("可提升")

    # the linked self-evaluation: the score the application claims, its gap list
    page.get_by_test_id("linked-evaluation").click()
    expect(page.get_by_test_id("total")).to_have_text(claimed)
    expect(page.locator("h1.page-title")).to_contain_text("通过")
    expect(page.get_by_test_id("gaps").locator("tbody tr").first).to_be_visible()
    page.go_back()

    # the enterprise's accounting results and its benchmark
    page.get_by_test_id("context-links").get_by_role("link", name="核算结果").click()
    expect(page.locator("h1.page-title, .page-subtitle").first).to_be_visible()
    expect(page.locator("main")).to_contain_text(applicant)
    results = page.locator("[data-testid=results] tbody tr")
    expect(results.filter(has_text="2024年3月").first).to_be_visible()
    assert results.count() % 3 == 0   # each facility's three demo months
    page.go_back()
    page.get_by_test_id("context-links").get_by_role("link", name="能效对标").click()
    expect(page.get_by_test_id("benchmark-plants")).to_contain_text("电解铝")
    page.go_back()
    assert page.url == application_url

    # the report: its evidence attached, then the evaluation sent
    report = tmp_path / "评价报告.pdf"
    report.write_bytes(PDF)
    page.locator("[data-testid=form-attach] input[type=file]").set_input_files(str(report))
    page.click("[data-testid=form-attach] button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-testid=attachments]")).to_contain_text("第三方评价报告")
    form = page.get_by_test_id("form-evaluate")
    form.locator("input[name=score]").fill("84")
    form.locator("input[name=veto_checked]").check()
    page.fill("#evaluate-comment", "基本要求全部满足；能源与资源投入得分较高")
    form.locator("input[name=indicator0_name]").fill("单位产品综合能耗")
    form.locator("input[name=indicator0_comment]").fill("优于行业基准值")
    screenshot(page, "journey-evaluator-1-report")
    form.get_by_role("button", name="提交评价报告").click()
    page.wait_for_load_state("networkidle")
    # the report ends the assignment: back on the list, the message says what was done, the queue is empty
    assert page.url == f"{live_server.url}/green-list", page.url
    expect(page.locator(".flashes")).to_contain_text("评价报告：建议通过")
    expect(page.locator("[data-testid=queue-evaluator] tbody tr", has_text=applicant)).to_have_count(0)
    screenshot(page, "journey-evaluator-2-sent")
    assert errors == []


# ------------------------------------------------------------------------------------ the city bureau


def test_city_bureau_on_a_phone(page: Page, live_server: LiveServer) -> None:
    with live_server.database.session() as session:   # the one demo application waiting for the city
        waiting = session.scalar(select(GreenApplication.id).where(GreenApplication.status == "regulator_review"))
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "demo-city")
    errors = page_errors(page)

    # its city's enterprises, and only those
    cities = page.eval_on_selector_all("#enterprises tbody tr", "rows => rows.map(r => r.cells[3].textContent.trim())")
    assert len(cities) >= 2 and set(cities) == {"邢台"}, cities
    expect(page.locator("#enterprises")).to_contain_text("邢台永兴建材有限公司")
    _fits(page, PHONE["width"])

    # the inbox tells it of the application waiting for its pre-review
    count = page.locator("[data-testid=unread-count]")
    expect(count).to_be_visible()
    unread = int(count.inner_text())
    page.get_by_test_id("inbox-link").click()
    notice = page.locator("[data-testid=inbox] li", has_text=f"#{waiting}：待市级初审")
    expect(notice.first).to_contain_text("邢台永兴建材有限公司")
    _fits(page, PHONE["width"])
    screenshot(page, "journey-city-1-inbox-390")
    notice.first.get_by_role("button", name="查看").click()
    page.wait_for_url(f"{live_server.url}/green-list/applications/{waiting}")
    expect(page.locator("[data-testid=unread-count]")).to_have_text(str(unread - 1))

    # the pre-review: the city's form only, the province's recommendation not yet
    expect(page.locator("h1.page-title")).to_contain_text("待市级初审")
    expect(page.locator("[data-testid=form-pre-review]")).to_have_count(1)
    expect(page.locator("[data-testid=form-recommend]")).to_have_count(0)
    _fits(page, PHONE["width"])
    screenshot(page, "journey-city-2-pre-review-390")
    page.fill("#comment-pre-review", "材料齐全，同意上报")
    page.click("[data-testid=form-pre-review] button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1.page-title")).to_contain_text("市级初审通过")
    expect(page.get_by_test_id("history")).to_contain_text("材料齐全，同意上报")
    expect(page.locator("[data-testid=form-pre-review]")).to_have_count(0)
    assert errors == []
