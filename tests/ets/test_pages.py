"""The carbon market's filing pages as a browser sends them (session cookie, CSRF token), on SQLite and
PostgreSQL: the enterprise's year and month in both languages, evidence refused beside its field, the
filing refused without the confirmation and then filed, the amendment refused without a reason; the
regulator's overview and covered-status form; another enterprise's user gets the 404 page with nothing
stored. One seeded enterprise per backend; each check a subtest."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from greenmfg.attachments.models import Attachment
from greenmfg.db.session import Database
from greenmfg.ets.filing_models import EtsCoverage, EtsFiling
from tests.ets.test_api import PDF, seed
from tests.factories import Login, Pages, World, page_text


def _count(database: Database, model: object) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0  # type: ignore[arg-type]


def test_enterprise_and_regulator_pages(client: TestClient, login: Login, world: World, pages: Pages,
                                        database: Database, subtests: pytest.Subtests) -> None:
    steel, month = seed(client, login, world)
    manager, hebei, outsider = pages("steel"), pages("hebei"), pages("cement")
    company = f"/ets/enterprises/{steel}"
    url = f"{company}/months/{month}"

    with subtests.test("the entry opens the enterprise's year; the year in words, both languages"):
        entry = manager.get("/ets", follow_redirects=False)
        assert entry.status_code == 303 and entry.headers["location"] == company
        assert hebei.get("/ets", follow_redirects=False).headers["location"] == "/ets/region"
        page = manager.get(f"{company}?year=2024")
        text = page_text(page)
        assert page.status_code == 200 and "2024 年月度存证" in text and "逾期未存证" in text
        assert "重点排放单位" in text and "碳市场月度存证" in text
        assert "尚未分配配额" not in text  # 2024 allocates the verified emissions (the allowances module)
        assert "尚未分配配额" in page_text(manager.get(f"{company}?year={month[:4]}"))  # no rules for this year
        assert 'data-testid="coverage-form"' not in page.text  # the enterprise does not set its own status
        manager.language("en")
        english = page_text(manager.get(f"{company}?year=2024"))
        assert "Monthly filings of 2024" in english and "Overdue, not filed" in english
        assert "Not yet allocated" not in english and "逾期" not in english
        assert "Not yet allocated" in page_text(manager.get(f"{company}?year={month[:4]}"))
        manager.language("zh-CN")
        glass = pages("glass").get(f"/ets/enterprises/{world.org('glass')}")  # not a covered sector: nothing due
        assert glass.status_code == 200 and "尚未评估" in page_text(glass)

    with subtests.test("evidence refused beside its field, nothing stored; then attached"):
        bad = manager.post(f"{url}/evidence", data={"kind": "lab_report"},
                           files={"file": ("报告.pdf", b"<html>not a pdf</html>", "application/pdf")})
        assert bad.status_code == 422 and 'data-field-error="file"' in bad.text
        assert "不是 PDF、PNG、JPEG 或 Excel（.xlsx）文件" in page_text(bad)
        assert _count(database, Attachment) == 0
        good = manager.post(f"{url}/evidence", data={"kind": "invoice"},
                            files={"file": ("结算单.pdf", PDF, "application/pdf")})
        assert good.status_code == 303 and good.headers["location"] == url
        assert "结算单.pdf" in page_text(manager.get(url))

    with subtests.test("filing refused without the confirmation, then filed and locked"):
        with database.session() as s:
            evidence_id = str(s.scalar(select(Attachment.id)))
        refused = manager.post(f"{url}/file", data={"evidence_ids": evidence_id})
        assert refused.status_code == 422 and 'data-field-error="confirm"' in refused.text
        assert _count(database, EtsFiling) == 0
        filed = manager.post(f"{url}/file", data={"evidence_ids": evidence_id, "confirm": "true"})
        assert filed.status_code == 303
        page = manager.get(url)
        text = page_text(page)
        assert "按时存证" in text and "已存证并锁定" in text and "第 1 版" in text
        assert 'data-testid="amend-form"' in page.text and 'data-testid="file-form"' not in page.text
        again = manager.post(f"{url}/file", data={"evidence_ids": evidence_id, "confirm": "true"})
        assert again.status_code == 303 and "已存证" in page_text(manager.get(url))
        assert _count(database, EtsFiling) == 1

    with subtests.test("an amendment needs its reason"):
        empty = manager.post(f"{url}/amend", data={"reason": ""})
        assert empty.status_code == 422 and 'data-field-error="reason"' in empty.text
        opened = manager.post(f"{url}/amend", data={"reason": "计量表读数更正"})
        assert opened.status_code == 303
        text = page_text(manager.get(url))
        assert "更正中" in text and "计量表读数更正" in text and "提交更正存证" in text

    with subtests.test("the regulator: its area's companies, the month filed on time; sets the status with a reason"):
        overview = hebei.get(f"/ets/region?year={month[:4]}")
        assert overview.status_code == 200 and "唐山示例钢铁有限公司" in overview.text
        assert f'data-period="{month}" data-status="filed_on_time"' in overview.text
        # a month's cell is a mark (✓ on time) labelled in words; the company's place in words, not 130000 / 唐山
        assert f'aria-label="{month}: 按时存证" data-period="{month}" data-status="filed_on_time">✓</a>' in overview.text
        assert "河北省唐山市" in page_text(overview)
        assert "苏州示例水泥" not in overview.text
        assert 'data-testid="coverage-form"' in hebei.get(f"{company}?year=2024").text
        no_reason = hebei.post(f"{company}/coverage", data={"year": "2024", "covered": "false", "reason": ""})
        assert no_reason.status_code == 422 and "请说明认定的原因" in page_text(no_reason)
        done = hebei.post(f"{company}/coverage", data={"year": "2024", "covered": "false", "reason": "停产"})
        assert done.status_code == 303
        with database.session() as s:
            assert s.execute(select(EtsCoverage.basis, EtsCoverage.covered).where(
                EtsCoverage.enterprise_id == steel, EtsCoverage.year == 2024)).one() == ("regulator", False)
        assert manager.post(f"{company}/coverage", data={"year": "2024", "covered": "true",
                                                         "reason": "x"}).status_code == 403
        assert manager.get("/ets/region").status_code == 403

    with subtests.test("another enterprise's user: the 404 page on every page, nothing stored"):
        before = (_count(database, Attachment), _count(database, EtsFiling))
        for path in (company, url, f"{url}/evidence/1"):
            answer = outsider.get(path)
            assert answer.status_code == 404 and "唐山示例钢铁" not in answer.text
        assert outsider.post(f"{url}/evidence", data={"kind": "invoice"},
                             files={"file": ("x.pdf", PDF, "application/pdf")}).status_code == 404
        assert outsider.post(f"{url}/file", data={"evidence_ids": "1", "confirm": "true"}).status_code == 404
        assert outsider.post(f"{url}/amend", data={"reason": "x"}).status_code == 404
        assert (_count(database, Attachment), _count(database, EtsFiling)) == before
