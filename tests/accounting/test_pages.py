"""A result whose process was reported two ways shows which rows were set aside, and why (zh-CN, en).

Steel (NDRC 2013 steel guideline: fluxes are limestone and dolomite at its factors, 0.440 tCO2/t
for limestone): 1000 t 熔剂石灰石 count 440 tCO2; the 1000 t 石灰石 of the same facility-period
are the same flux under the generic name and are kept as a cross-check (1000 × 0.4397 = 439.7).
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.factories import PageSession, World, page_text, steel_csv


def test_the_result_page_names_the_rows_set_aside(client: TestClient, world: World) -> None:
    steel = PageSession(client, "steel")
    base = ["E-STEEL", "唐山示例钢铁有限公司", "钢铁", "130000", "E-STEEL-F1", "2024-01"]
    content = steel_csv(periods=("2024-01",), extra=[[*base, "熔剂石灰石", "1000", "吨", "process"],
                                                     [*base, "石灰石", "1000", "吨", "process"]])
    preview_url = steel.upload(world.org("steel"), content).headers["location"]
    assert steel.post(f"{preview_url}/commit").status_code == 303
    (link,) = set(re.findall(r'href="(/results/\d+)"', steel.get(preview_url).text))
    page = steel.get(link)
    text = page_text(page)
    assert 'data-testid="set-aside"' in page.text
    assert "不计入" in text and "本行作为交叉核对保留：439.7" in text
    # the warning names the row (header = row 1; row 6 is the limestone) and the rule
    assert "熔剂分解只计一次" in text and "activity.csv 第 6 行（石灰石）" in text
    # the rule in words (its code only in the warning's title attribute: issue #15 item 2)
    assert "熔剂分解（钢铁指南熔剂法" in text and "steel.flux_calcination.steel_flux" not in text
    assert "相差 −0.3 tCO2e (−0.1%)" in text  # 439.7 − 440
    steel.language("en")
    text = page_text(steel.get(link))
    assert "Set aside" in text and "kept as a cross-check: 439.7" in text
    assert "decomposition of fluxes counted once" in text and "activity.csv row 6 (limestone)" in text
