"""The capacity_replacement datasets: every row cited, the ratios and region lists as the sources give them.

Sources (see the rows): 《钢铁行业产能置换实施办法》(2021) via 新华财经 2021-05-07; 《水泥玻璃行业产能置换
实施办法》(2021) via cabos.cn 2021-07-21; 工信厅原函〔2024〕327号; the 2+26 list of the 2017 autumn-winter
plan; 国发〔2018〕22号 and 国发〔2023〕24号 key regions.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from greenmfg.capacity.rules import FAMILY, build_rulebook, load_rulebook
from greenmfg.errors import DatasetError
from greenmfg.refdata.catalog import Catalog, Dataset, DatasetInfo, ParameterRow, load_catalog

MEASURES = {
    "capacity_replacement/steel-2021": ("2021-06-01", ""),
    "capacity_replacement/steel-suspension-2024": ("2024-08-23", ""),
    "capacity_replacement/cement-glass-2021": ("2021-08-01", ""),
    "capacity_replacement/cement-glass-2024-draft": ("", ""),
    "capacity_replacement/aluminium-2015": ("2015-03-13", "2025-03-27"),
    "capacity_replacement/aluminium-2025": ("2025-03-28", ""),
}


def test_every_edition_is_catalogued_with_its_validity() -> None:
    catalog = load_catalog()
    found = {d.id: (d.info.valid_from, d.info.valid_to) for d in catalog.family(FAMILY)}
    assert found == {**MEASURES, "capacity_replacement/regions-2026.1": ("", "")}


def test_every_measure_row_carries_its_effective_date_source_and_status() -> None:
    for dataset in load_catalog().family(FAMILY):
        for row in dataset.rows:
            assert row.source.strip() and row.verification_status, row.reference()
            if dataset.info.edition.startswith("regions-"):
                continue
            if dataset.info.edition.endswith("-draft"):
                assert row.notes.startswith("DRAFT"), row.reference()
            else:
                date = re.match(r"effective (\d{4}-\d{2}-\d{2})", row.notes)
                assert date is not None, row.reference()
                assert date.group(1) == dataset.info.valid_from, row.reference()


def test_ratios_are_those_of_the_sources() -> None:
    catalog = load_catalog()

    def value(dataset: str, key: str, parameter: str = "ratio_min") -> tuple[float | None, str]:
        row = catalog.dataset(f"capacity_replacement/{dataset}").get(key, parameter)
        assert row is not None, (dataset, key, parameter)
        return row.value, row.verification_status

    for process in ("ironmaking", "steelmaking"):
        assert value("steel-2021", f"{process}.standard.key_region") == (1.5, "secondary")
        assert value("steel-2021", f"{process}.standard.other_region") == (1.25, "secondary")
        assert value("steel-2021", f"{process}.merger.key_region") == (1.25, "secondary")
        assert value("steel-2021", f"{process}.merger.other_region") == (1.1, "secondary")
        assert value("steel-2021", f"{process}.in_site_upgrade.any") == (1, "secondary")
        assert value("steel-suspension-2024", f"{process}.all", "suspended") == (1, "secondary")
    for key in ("steelmaking.bof_to_eaf.any", "steelmaking.eaf_for_eaf.any", "ironmaking.non_bf_ironmaking.any",
                "steelmaking.rkef_aod_stainless.any"):
        assert value("steel-2021", key) == (1, "secondary")
    assert value("cement-glass-2021", "clinker.standard.key_region") == (2, "secondary")
    assert value("cement-glass-2021", "clinker.standard.other_region") == (1.5, "secondary")
    assert value("cement-glass-2021", "clinker.cross_province.any", "ratio_floor") == (2, "secondary")
    assert value("cement-glass-2021", "clinker.restricted_category.any", "ratio_floor") == (2, "secondary")
    assert value("cement-glass-2021", "clinker.phosphogypsum.any") == (1, "secondary")
    # glass: "unchanged" in 2021, values of the 2018 version; the pack's files disagree → uncertain
    assert value("cement-glass-2021", "flat_glass.standard.key_region") == (1.25, "uncertain")
    assert value("cement-glass-2021", "flat_glass.standard.other_region") == (1, "uncertain")
    assert value("cement-glass-2021", "pv_rolled_glass.standard.any") == (0, "secondary")
    assert value("aluminium-2015", "aluminium.standard.key_region", "strictly_greater") == (1, "secondary")
    assert value("aluminium-2025", "aluminium.standard.key_region", "not_permitted") == (1, "uncertain")
    # 1:1 after 2025 is analyst knowledge, not found in the plan
    assert value("aluminium-2025", "aluminium.standard.other_region") == (1, "recalled")


def _members(name: str) -> dict[str, str]:
    return {m: c.status for m, c in load_rulebook().regions[name].members.items()}


def test_region_lists() -> None:
    two_plus_26 = _members("jjj_2p26")
    assert len([m for m in two_plus_26 if m != "410000/济源"]) == 28
    assert {"110000", "120000", "130000/唐山", "140000/太原", "370000/济南", "410000/郑州"} <= set(two_plus_26)
    assert "130000/张家口" not in two_plus_26
    assert {s for m, s in two_plus_26.items() if m != "410000/济源"} == {"crosschecked"}
    assert two_plus_26["410000/济源"] == "secondary"
    fenwei = _members("fenwei_2018")
    assert len(fenwei) == 12 and "610000/杨凌" in fenwei and "410000/洛阳" in fenwei
    assert len(_members("prd")) == 9
    assert set(_members("yangtze_delta_2018")) == {"310000", "320000", "330000", "340000"}
    assert set(_members("jingjinji")) == {"110000", "120000", "130000"}
    # 国发〔2023〕24号 moves 太原 etc. to 汾渭平原 and 洛阳, 三门峡 to 京津冀及周边
    assert "140000/太原" in _members("fenwei_2023") and "410000/洛阳" in _members("jjj_surrounding_2023")
    assert "410000/洛阳" not in _members("fenwei_2023")
    # 湖北、贵州“等五省”: three provinces were not found and are shown as such
    assert _members("phosphogypsum_five") == {"420000": "secondary", "520000": "secondary",
                                               "other_three": "not_found"}


def test_measures_in_force_by_date() -> None:
    book = load_rulebook()

    def in_force(day: str) -> set[str]:
        on = dt.date.fromisoformat(day)
        return {m.dataset_id.split("/")[1] for m in book.measures if m.in_force(on)}

    assert in_force("2021-05-31") == {"aluminium-2015"}
    assert in_force("2021-06-01") == {"aluminium-2015", "steel-2021"}
    assert in_force("2021-08-01") == {"aluminium-2015", "steel-2021", "cement-glass-2021"}
    assert in_force("2024-08-23") == {"aluminium-2015", "steel-2021", "cement-glass-2021", "steel-suspension-2024"}
    assert in_force("2025-03-28") == {"aluminium-2025", "steel-2021", "cement-glass-2021", "steel-suspension-2024"}
    # the 2024 draft is never in force
    assert not any(m.in_force(dt.date(2030, 1, 1)) for m in book.measures if m.draft)
    assert [m.dataset_id for m in book.measures if m.draft] == ["capacity_replacement/cement-glass-2024-draft"]


def _info(edition: str) -> DatasetInfo:
    return DatasetInfo(id=f"{FAMILY}/{edition}", family=FAMILY, edition=edition, file=f"{FAMILY}/{edition}.csv",
                       title="t", title_zh="t", publisher="p", valid_from="2021-01-01", valid_to="", licence="l",
                       description="d", sha256="0" * 64)


def _dataset(edition: str, rows: list[tuple[str, str, float | None]]) -> Dataset:
    info = _info(edition)
    parsed = tuple(ParameterRow(dataset_id=info.id, key=k, parameter=p, value=v, unit="1", source="s",
                                verification_status="secondary", notes="", line=i + 2)
                   for i, (k, p, v) in enumerate(rows))
    return Dataset(info=info, rows=parsed, _index={(r.key, r.parameter): r for r in parsed})


REGIONS = _dataset("regions-x", [("key", "130000", 1.0)])


@pytest.mark.parametrize(("rows", "message"), [
    ([("ironmaking.standard.everywhere", "ratio_min", 1.5)], "is not '<process>.<case>.<where>'"),
    ([("smelting.standard.any", "ratio_min", 1.5)], "is not '<process>.<case>.<where>'"),
    ([("ironmaking.standard.any", "ratio_max", 1.5)], "unknown parameter 'ratio_max'"),
    ([("ironmaking.standard.any", "ratio_min", -1.0)], "cannot be negative"),
    ([("ironmaking.standard.any", "automatic", 2.0)], "is a flag"),
    ([("ironmaking.standard.any", "automatic", 1.0)], "has neither a ratio nor not_permitted"),
    ([("key_region", "key", 1.0)], "key_region rows name a region set"),
    ([("key_region", "set.nowhere", 1.0), ("ironmaking.standard.any", "ratio_min", 1.0)], "nowhere"),
])
def test_malformed_measures_are_refused(rows: list[tuple[str, str, float | None]], message: str) -> None:
    catalog = Catalog([REGIONS, _dataset("measure-x", rows)])
    with pytest.raises(DatasetError, match=re.escape(message)):
        build_rulebook(catalog)


def test_a_region_member_value_other_than_1_is_refused() -> None:
    with pytest.raises(DatasetError, match="region member's value is 1"):
        build_rulebook(Catalog([_dataset("regions-y", [("key", "130000", 2.0)])]))
