"""A styleguide page: the layout and every component with realistic sample data, in zh-CN or en.

Served by the browser tests (and rendered by tests/web without a browser) so that a change to the
layout, the CSS or a macro shows up in ``var/screenshots/``. The sample texts are test data, not
product strings, so they live here in both languages rather than in the catalogs.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route

from greenmfg.i18n import load_catalogs
from greenmfg.web.templating import Flash, Templates, create_templates, static_files

MONTHS = {
    "zh-CN": [f"{m}月" for m in range(1, 13)],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}
# monthly consumption by carrier [tce], a steel re-rolling plant of about 13,000 tce a year
COAL = [402, 388, 415, 396, 381, 372, 365, 370, 378, 390, 405, 412]
GAS = [212, 205, 220, 214, 208, 199, 194, 197, 203, 210, 218, 224]
POWER = [428, 401, 446, 432, 425, 431, 452, 455, 431, 428, 437, 449]
HEAT = [41, 38, 35, 22, 12, 8, 7, 7, 10, 20, 33, 42]
# unit product energy [kgce/t]: this plant against the industry's benchmark and baseline levels
INTENSITY = [561.2, 558.0, 553.9, 552.4, 549.8, 547.1, 546.0, 544.2, 545.9, 543.1, 540.6, 538.8]

TEXT: dict[str, dict[str, Any]] = {
    "zh-CN": {
        "title": "组件样例",
        "subtitle": "江苏恒信特钢有限公司 · 2024 年度能源与碳排放核算",
        "crumbs": ["工作台", "核算结果", "2024 年度"],
        "export": "导出报告",
        "recompute": "重新核算",
        "kpis": [
            ("综合能耗", "tce", "同比"), ("温室气体排放", "tCO2e", "同比"),
            ("单位产品能耗", "kgce/t", "对比基准值"), ("可再生电力占比", None, "同比"),
        ],
        "bar_title": "分品种月度能耗", "bar_sub": "当量值，吨标准煤",
        "carriers": ["原煤", "天然气", "电力", "热力"],
        "line_title": "单位产品能耗趋势", "line_sub": "kgce/t，对比 GB 21256 标杆值与基准值",
        "series_plant": "本企业", "benchmark": "标杆值", "baseline": "基准值",
        "table_title": "区域重点用能企业", "table_sub": "2024 年度，按综合能耗",
        "columns": ["企业名称", "行业", "地区", "综合能耗", "碳排放", "单位产品能耗", "状态"],
        "enterprises": [
            ("江苏恒信特钢有限公司", "黑色金属冶炼", "苏州市"), ("常州新材料科技股份有限公司", "化学原料", "常州市"),
            ("无锡宏达水泥有限公司", "水泥熟料", "无锡市"), ("南通华源纺织印染有限公司", "纺织印染", "南通市"),
            ("扬州远航造纸有限公司", "造纸", "扬州市"), ("镇江金泰铝业有限公司", "有色金属", "镇江市"),
            ("泰州瑞丰玻璃有限公司", "平板玻璃", "泰州市"), ("盐城绿源化工有限公司", "化学原料", "盐城市"),
        ],
        "badges_title": "状态标记与提示", "badges_sub": "数据核验、导入流程与系统消息", "issues_title": "导入校验",
        "alerts": [("info", "2024 年第四季度电网排放因子已更新，相关结果将于今晚重新核算。"),
                   ("warning", "3 家企业尚未提交 12 月数据。"), ("error", "文件无法读取：请上传 .xlsx 或 .csv 文件。")],
        "empty_title": "暂无导入记录", "empty_message": "上传按模板填写的能源活动数据（Excel 或 CSV），系统将自动校验并核算。",
        "empty_action": "上传数据",
        "flash": "2024 年度数据已入库：8 家企业、1,152 行活动数据。",
        "issues": [
            ("activity.xlsx", "能源消费", 14, "item", "烟媒", "无法识别的品种 '烟媒'，是否为 '烟煤'？",
             "从模板的品种列表中选择名称。"),
            ("activity.xlsx", "能源消费", 27, "unit", "吨标煤/t", "计量单位 '吨标煤/t' 不适用于 天然气",
             "天然气可用单位：万立方米、立方米、GJ。"),
            ("activity.xlsx", "能源消费", 63, "quantity", "", "消费量为空", "填写本期实际消费量，无消费请填 0。"),
        ],
        "login_title": "登录", "username": "用户名", "password": "密码", "remember": "记住我",
        "login_hint": "首次使用请联系本单位管理员开通账号。",
    },
    "en": {
        "title": "Component styleguide",
        "subtitle": "Jiangsu Hengxin Special Steel Co., Ltd. · Energy and carbon accounts 2024",
        "crumbs": ["Dashboard", "Results", "2024"],
        "export": "Export report",
        "recompute": "Recompute",
        "kpis": [
            ("Total energy", "tce", "vs 2023"), ("GHG emissions", "tCO2e", "vs 2023"),
            ("Unit product energy", "kgce/t", "vs baseline"), ("Renewable power share", None, "vs 2023"),
        ],
        "bar_title": "Monthly energy by carrier", "bar_sub": "equivalent value, tce",
        "carriers": ["Raw coal", "Natural gas", "Electricity", "Heat"],
        "line_title": "Unit product energy", "line_sub": "kgce/t against the GB 21256 benchmark and baseline",
        "series_plant": "This plant", "benchmark": "Benchmark", "baseline": "Baseline",
        "table_title": "Key energy users in the region", "table_sub": "2024, by total energy",
        "columns": ["Enterprise", "Industry", "City", "Total energy", "Emissions", "Unit energy", "Status"],
        "enterprises": [
            ("Jiangsu Hengxin Special Steel", "Iron and steel", "Suzhou"), ("Changzhou New Materials Tech", "Chemicals", "Changzhou"),
            ("Wuxi Hongda Cement", "Cement clinker", "Wuxi"), ("Nantong Huayuan Textile Dyeing", "Textile dyeing", "Nantong"),
            ("Yangzhou Yuanhang Paper", "Paper", "Yangzhou"), ("Zhenjiang Jintai Aluminium", "Non-ferrous metals", "Zhenjiang"),
            ("Taizhou Ruifeng Glass", "Flat glass", "Taizhou"), ("Yancheng Lvyuan Chemical", "Chemicals", "Yancheng"),
        ],
        "badges_title": "Badges and alerts", "badges_sub": "Verification, import workflow and system messages", "issues_title": "Import validation",
        "alerts": [("info", "Grid emission factors for Q4 2024 were updated; affected results are recomputed tonight."),
                   ("warning", "3 enterprises have not submitted December data yet."), ("error", "The file cannot be read: upload an .xlsx or .csv file.")],
        "empty_title": "No imports yet", "empty_message": "Upload energy activity data filled in from the template (Excel or CSV); it is checked and accounted automatically.",
        "empty_action": "Upload data",
        "flash": "Data for 2024 committed: 8 enterprises, 1,152 activity rows.",
        "issues": [
            ("activity.xlsx", "Energy use", 14, "item", "烟媒", "Unknown item '烟媒'; did you mean '烟煤' (bituminous coal)?",
             "Choose a name from the template's item list."),
            ("activity.xlsx", "Energy use", 27, "unit", "吨标煤/t", "Unit '吨标煤/t' does not fit natural gas",
             "Units for natural gas: 10^4 m3, m3, GJ."),
            ("activity.xlsx", "Energy use", 63, "quantity", "", "Quantity is empty",
             "Enter the quantity used in the period; 0 if none."),
        ],
        "login_title": "Sign in", "username": "Username", "password": "Password", "remember": "Remember me",
        "login_hint": "First time here? Ask your organisation's administrator for an account.",
    },
}

ROWS = [  # total energy [tce], emissions [tCO2e], unit product energy [kgce/t], status
    (12840.6, 31205.3, 538.8, "verified"), (9630.2, 22410.8, 1182.4, "verified"),
    (48211.9, 121840.5, 104.6, "committed"), (3120.4, 7015.2, 1024.0, "warning"),
    (15872.0, 30114.9, 412.5, "previewed"), (21005.7, 58212.0, 1350.2, "unverified"),
    (8822.1, 24101.6, 96.5, "error"), (6410.9, 14022.3, None, "draft"),
]


@dataclass(frozen=True)
class SampleUser:
    display_name: str
    username: str
    is_admin: bool = False
    is_regulator: bool = False
    is_evaluator: bool = False
    is_enterprise: bool = False


def bar_option(locale: str) -> dict[str, Any]:
    text = TEXT[locale]
    series = [
        {"name": name, "type": "bar", "stack": "energy", "data": data, "emphasis": {"focus": "series"}}
        for name, data in zip(text["carriers"], (COAL, GAS, POWER, HEAT), strict=True)
    ]
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0, "left": 0},
        "xAxis": {"type": "category", "data": MONTHS[locale]},
        "yAxis": {"type": "value", "name": "tce"},
        "series": series,
    }


def line_option(locale: str) -> dict[str, Any]:
    text = TEXT[locale]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "left": 0},
        "xAxis": {"type": "category", "data": MONTHS[locale], "boundaryGap": False},
        "yAxis": {"type": "value", "name": "kgce/t", "min": 520, "max": 580},
        "series": [
            {"name": text["series_plant"], "type": "line", "data": INTENSITY,
             "areaStyle": {"opacity": 0.08}},
            {"name": text["baseline"], "type": "line", "data": [566] * 12, "symbol": "none",
             "color": "#e2675c", "lineStyle": {"type": "dashed", "width": 1.5}},
            {"name": text["benchmark"], "type": "line", "data": [531] * 12, "symbol": "none",
             "color": "#34c47c", "lineStyle": {"type": "dashed", "width": 1.5}},
        ],
    }


def styleguide_context(locale: str) -> dict[str, Any]:
    text = TEXT[locale]
    columns = [
        {"key": "name", "label": text["columns"][0]},
        {"key": "industry", "label": text["columns"][1]},
        {"key": "city", "label": text["columns"][2]},
        {"key": "energy", "label": text["columns"][3], "numeric": True, "unit": "tce", "digits": 1},
        {"key": "emissions", "label": text["columns"][4], "numeric": True, "unit": "tCO2e", "digits": 1},
        {"key": "intensity", "label": text["columns"][5], "numeric": True, "unit": "kgce/t", "digits": 1},
        {"key": "status", "label": text["columns"][6], "sortable": False},
    ]
    rows = [
        {"name": {"text": name, "href": "#"}, "industry": industry, "city": city, "energy": energy,
         "emissions": emissions, "intensity": intensity, "status": {"status": status}}
        for (name, industry, city), (energy, emissions, intensity, status)
        in zip(text["enterprises"], ROWS, strict=True)
    ]
    issues = [
        {"code": code, "file": file, "sheet": sheet, "row": row, "column": column, "value": value,
         "message": message, "message_zh": message, "fix": fix, "fix_zh": fix}
        for (file, sheet, row, column, value, message, fix), code in zip(
            text["issues"],
            ("accounting.input.unknown_item", "accounting.input.bad_unit", "accounting.input.missing_quantity"),
            strict=True,
        )
    ]
    return {
        "s": text,
        "kpi_values": [(12840.6, -0.042), (31205.3, -0.028), (538.8, 0.013), (0.184, 0.031)],
        "bar_option": bar_option(locale),
        "line_option": line_option(locale),
        "columns": columns,
        "rows": rows,
        "issues": issues,
        "statuses": ["verified", "unverified", "warning", "error", "committed", "previewed", "pending", "draft", "info"],
        "nav_active": "results",
    }


def sample_user() -> SampleUser:
    return SampleUser("王建国", "wang.jianguo", is_admin=True, is_regulator=True)


def styleguide_templates() -> Templates:
    return create_templates(["greenmfg.web", "tests.browser"], load_catalogs())


def styleguide_app(templates: Templates) -> Starlette:
    """Pages: ``/styleguide/<locale>`` (layout + all components), ``/login-preview/<locale>``."""

    def prepare(request: Request) -> str:
        locale = str(request.path_params["locale"])
        request.state.locale = locale
        request.state.csrf_token = "test-csrf-token"
        return locale

    async def styleguide(request: Request) -> HTMLResponse:
        locale = prepare(request)
        request.state.user = sample_user()
        request.state.flashes = [Flash("success", TEXT[locale]["flash"])]
        return templates.render(request, "styleguide.html", styleguide_context(locale))

    async def login(request: Request) -> HTMLResponse:
        locale = prepare(request)
        request.state.user = None
        return templates.render(request, "styleguide_login.html", {"s": TEXT[locale]})

    async def echo_csrf(request: Request) -> HTMLResponse:
        # what an htmx request sent as its CSRF header (app.js adds it from <meta name=csrf-token>)
        return HTMLResponse(request.headers.get("x-csrf-token", "(none)"))

    return Starlette(routes=[
        Route("/styleguide/{locale}", styleguide),
        Route("/login-preview/{locale}", login),
        Route("/echo-csrf", echo_csrf, methods=["POST"]),
        Mount("/static", static_files(), name="static"),
    ])


@contextmanager
def serve(app: Starlette) -> Iterator[str]:
    """Run ``app`` with uvicorn on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start within 10 s")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
