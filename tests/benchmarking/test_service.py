"""The benchmarking service end to end: activity file → accounting → classes, grades, savings, warnings.

Levels: 发改产业〔2021〕1609号 / 〔2023〕723号 as encoded in benchmarks/ndrc-2021-r2 and ndrc-2023-r2 (revisions of ndrc-2021/-2023, same levels for these products); limits:
GB 16780-2021 表1/表2, GB 21256-2025 表3/表5, GB 21346-2022 表1 as encoded in quota/*. Savings are
worked by hand in each test; the standard-coal coefficients are GB/T 2589-2020 附录A (raw coal
0.7143 kgce/kg, electricity 0.1229 kgce/kWh, coke 0.9714 kgce/kg).
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from greenmfg.accounting.output import result_document
from greenmfg.accounting.service import AccountingRun, account
from greenmfg.benchmarking import BenchmarkOptions, ProductBenchmark, benchmark, benchmark_editions
from greenmfg.errors import GreenmfgError, ValidationFailed
from greenmfg.refdata import DATA_ROOT, load_catalog

from ..conftest import WriteRows

CEMENT = {"industry": "水泥", "enterprise_id": "C1"}
ALUMINIUM = {"industry": "电解铝", "enterprise_id": "A1"}
STEEL = {"industry": "钢铁", "enterprise_id": "S1"}


def _run(write_rows: WriteRows, rows: Sequence[dict[str, object]]) -> AccountingRun:
    return account(write_rows(rows))


def _one(write_rows: WriteRows, rows: Sequence[dict[str, object]], product: str,
         options: BenchmarkOptions | None = None) -> ProductBenchmark:
    bench = benchmark(_run(write_rows, rows), options)
    return next(r for r in bench.results if r.product == product)


def _codes(result: ProductBenchmark) -> set[str]:
    return {w.code for w in result.warnings}


def _refs(result: ProductBenchmark, code: str) -> set[str]:
    return {w.ref for w in result.warnings if w.code == code}


def test_aluminium_exactly_at_the_baseline(write_rows: WriteRows) -> None:
    rows = [{**ALUMINIUM, "item": "电解铝", "quantity": 1000, "unit": "t", "flow": "产出"},
            {**ALUMINIUM, "item": "电力", "quantity": 13350, "unit": "MWh", "flow": "外购"}]
    run = _run(write_rows, rows)
    result = next(r for r in benchmark(run).results if r.product == "aluminium_liquid")
    assert result.indicator == "aluminium_liquid_ac" and result.unit == "kWh/t"
    assert result.value == pytest.approx(13350.0, rel=1e-12)
    # 13 350 kWh/t = baseline (13 350): meets it → between; GB 21346-2022 表1 grade 3 (13 350)
    assert (result.benchmark_level, result.baseline_level, result.edition) == (13000.0, 13350.0, "2021")
    assert result.cls == "between" and result.quota_grade == 3
    assert result.gap_to_baseline == pytest.approx(0.0, abs=1e-9)
    assert result.gap_to_benchmark == pytest.approx(350.0)
    # by hand: 350 kWh/t × 1000 t = 350 000 kWh × 0.1229 kgce/kWh = 43.015 tce
    assert result.savings_to_benchmark_tce == pytest.approx(43.015, rel=1e-12)
    assert result.savings_to_baseline_tce == 0.0
    # CO2: 350 MWh at the facility's own factor (its purchased-electricity emissions per MWh)
    document = result_document(run)
    per_mwh = document["results"][0]["emissions_tco2e"]["purchased_electricity"] / 13350
    assert result.savings_to_benchmark_tco2 == pytest.approx(350 * per_mwh, rel=1e-9)
    assert "benchmarking.boundary.approximate" in _codes(result)


def test_aluminium_exactly_at_the_benchmark(write_rows: WriteRows) -> None:
    result = _one(write_rows, [{**ALUMINIUM, "item": "铝液", "quantity": 500, "unit": "t", "flow": "产出"},
                               {**ALUMINIUM, "item": "电力", "quantity": 6500, "unit": "MWh", "flow": "消耗"}],
                  "aluminium_liquid")
    # 13 000 kWh/t: benchmark; GB 21346-2022 表1: 12 950 < 13 000 ≤ 13 000 → grade 2
    assert result.cls == "benchmark" and result.quota_grade == 2
    assert result.savings_to_benchmark_tce == 0.0 and result.savings_to_baseline_tce == 0.0


@pytest.mark.parametrize(
    ("coal_t", "clinker_t", "cls", "grade"),
    [
        (1000, 7143, "benchmark", 1),   # 714.3 tce / 7143 t = 100.0 kgce/t: at the benchmark, grade 1
        (1170, 7143, "between", 3),     # 835.731 tce / 7143 t = 117.0: at the baseline, grade 3 (限定值 117)
        (1000, 7000, "between", 2),     # 102.04 kgce/t: 100 < v ≤ 107 → grade 2
        (1200, 7000, "below_baseline", "fails"),  # 122.45 kgce/t > 117
    ],
)
def test_clinker_classes_and_grades(write_rows: WriteRows, coal_t: int, clinker_t: int, cls: str,
                                    grade: int | str) -> None:
    result = _one(write_rows, [{**CEMENT, "item": "原煤", "quantity": coal_t, "unit": "t", "flow": "消耗"},
                               {**CEMENT, "item": "熟料", "quantity": clinker_t, "unit": "t", "flow": "产出"}], "clinker")
    assert result.value == pytest.approx(coal_t * 714.3 / clinker_t, rel=1e-12)
    assert result.cls == cls and result.quota_grade == grade
    assert result.quota_limits == {1: 100.0, 2: 107.0, 3: 117.0}


def test_clinker_savings_worked_by_hand(write_rows: WriteRows) -> None:
    run = _run(write_rows, [{**CEMENT, "item": "原煤", "quantity": 1000, "unit": "t", "flow": "消耗"},
                            {**CEMENT, "item": "熟料", "quantity": 7000, "unit": "t", "flow": "产出"}])
    result = next(r for r in benchmark(run).results if r.product == "clinker")
    # 714.3 tce used; at 100 kgce/t the same 7000 t would take 700 tce: 14.3 tce saved; baseline already met
    assert result.savings_to_benchmark_tce == pytest.approx(14.3, rel=1e-9)
    assert result.savings_to_baseline_tce == 0.0
    # the facility's energy-related emissions per tce: its coal combustion CO2 / 714.3 tce (the clinker's
    # calcination CO2 is process, not energy, and is left out)
    combustion = result_document(run)["results"][0]["emissions_tco2e"]["combustion"]
    assert result.savings_to_benchmark_tco2 == pytest.approx(14.3 * combustion / 714.3, rel=1e-9)
    assert result.derivation["tco2e_per_tce"] == pytest.approx(combustion / 714.3, rel=1e-9)


def test_every_unverified_level_and_limit_is_named(write_rows: WriteRows) -> None:
    result = _one(write_rows, [{**CEMENT, "item": "原煤", "quantity": 1000, "unit": "t", "flow": "消耗"},
                               {**CEMENT, "item": "熟料", "quantity": 7000, "unit": "t", "flow": "产出"}], "clinker")
    assert _refs(result, "benchmarking.level.unverified") == {
        "benchmarks/ndrc-2021-r2:clinker.benchmark_level", "benchmarks/ndrc-2021-r2:clinker.baseline_level"}
    assert _refs(result, "benchmarking.quota.unverified") == {
        f"quota/gb16780-2021:clinker_comprehensive_energy.grade_{g}" for g in (1, 2, 3)}
    assert all("secondary" in w.message for w in result.warnings if w.code.endswith(".unverified"))
    # the altitude correction could not be checked: said once
    assert "benchmarking.correction.not_applied" in _codes(result)
    assert {level.ref for level in result.levels} >= _refs(result, "benchmarking.level.unverified")


def _catalog_with_verified_edition(tmp_path: Path) -> Path:
    """A copy of the reference library with a fictitious newer edition whose clinker levels are verified."""
    root = tmp_path / "data"
    shutil.copytree(DATA_ROOT, root)
    text = ("key,parameter,value,unit,source,verification_status,notes\n"
            "clinker,benchmark_level,98,kgce/t,test fixture,verified,\n"
            "clinker,baseline_level,112,kgce/t,test fixture,verified,\n")
    (root / "benchmarks" / "test-2099.csv").write_text(text, encoding="utf-8")
    digest = hashlib.sha256(text.encode()).hexdigest()
    with (root / "catalog.toml").open("a", encoding="utf-8") as catalog:
        catalog.write('\n[[dataset]]\nid = "benchmarks/test-2099"\nfamily = "benchmarks"\nedition = "test-2099"\n'
                      'file = "benchmarks/test-2099.csv"\ntitle = "t"\ntitle_zh = "t"\npublisher = "t"\n'
                      'valid_from = ""\nvalid_to = ""\nlicence = "t"\ndescription = "t"\n'
                      f'sha256 = "{digest}"\n')
    return root


def test_edition_selection(write_rows: WriteRows, tmp_path: Path) -> None:
    run = _run(write_rows, [{**CEMENT, "item": "原煤", "quantity": 1000, "unit": "t", "flow": "消耗"},
                            {**CEMENT, "item": "熟料", "quantity": 7000, "unit": "t", "flow": "产出"}])

    def clinker(bench_run: AccountingRun, edition: str | None) -> ProductBenchmark:
        bench = benchmark(bench_run, BenchmarkOptions(edition=edition))
        return next(r for r in bench.results if r.product == "clinker")

    # default: the newest edition with a value for clinker is 2021 (2023 is not_found)
    assert clinker(run, None).edition == "2021"
    # --edition 2023: the clinker levels are not_found there → no class, said in a warning; grade stays
    in_2023 = clinker(run, "2023")
    assert (in_2023.edition, in_2023.cls, in_2023.benchmark_level) == ("2023", None, None)
    assert _refs(in_2023, "benchmarking.level.missing") == {
        "benchmarks/ndrc-2023-r2:clinker.benchmark_level", "benchmarks/ndrc-2023-r2:clinker.baseline_level"}
    assert in_2023.quota_grade == 2
    # a superseded revision named by its dataset id is still usable, and its rows are the ones cited
    superseded = clinker(run, "benchmarks/ndrc-2021")
    assert superseded.edition == "2021" and (superseded.benchmark_level, superseded.baseline_level) == (100.0, 117.0)
    assert _refs(superseded, "benchmarking.level.unverified") == {
        "benchmarks/ndrc-2021:clinker.benchmark_level", "benchmarks/ndrc-2021:clinker.baseline_level"}
    with pytest.raises(GreenmfgError, match="2021, 2023"):
        benchmark(run, BenchmarkOptions(edition="2019"))
    # a newer edition with verified levels is picked by default, and verified levels carry no warning
    custom = dataclasses.replace(run, catalog=load_catalog(_catalog_with_verified_edition(tmp_path)))
    newest = clinker(custom, None)
    assert (newest.edition, newest.benchmark_level, newest.baseline_level) == ("2099", 98.0, 112.0)
    assert "benchmarking.level.unverified" not in _codes(newest)
    assert newest.cls == "between"


def test_benchmark_editions_pick_the_highest_revision() -> None:
    catalog = load_catalog()
    # ndrc-2021-r2 / ndrc-2023-r2 are corrected transcriptions of the same notices (refdata README:
    # a released file is never edited); the superseded revisions stay loadable
    assert benchmark_editions(catalog) == {"2021": "benchmarks/ndrc-2021-r2", "2023": "benchmarks/ndrc-2023-r2"}
    assert {"benchmarks/ndrc-2021", "benchmarks/ndrc-2023"} <= {d.id for d in catalog.family("benchmarks")}


def test_blast_furnace_edition_2023_versus_2021(write_rows: WriteRows) -> None:
    # a facility whose only product is pig iron is taken as the BF process (inferred, said in a warning)
    rows = [{**STEEL, "item": "焦炭", "quantity": 400, "unit": "t", "flow": "消耗"},
            {**STEEL, "item": "生铁", "quantity": 1000, "unit": "t", "flow": "产出"}]
    run = _run(write_rows, rows)
    newest = next(r for r in benchmark(run).results if r.product == "pig_iron")
    older = next(r for r in benchmark(run, BenchmarkOptions(edition="2021")).results if r.product == "pig_iron")
    assert newest.indicator == "blast_furnace_process" and "benchmarking.variant.inferred" in _codes(newest)
    # 400 t × 0.9714 = 388.56 tce per 1000 t: 388.56 kgce/t, between 361 and 435; GB 21256-2025 表3 grade 3 (415)
    assert newest.value == pytest.approx(388.56, rel=1e-9)
    assert (newest.edition, newest.cls, newest.quota_grade) == ("2023", "between", 3)
    assert {w.ref: w.message for w in newest.warnings if w.code == "benchmarking.level.unverified"}[
        "benchmarks/ndrc-2023-r2:blast_furnace_process.benchmark_level"].count("uncertain") == 1
    assert older.edition == "2021"
    assert "benchmarks/ndrc-2021-r2:blast_furnace_process.baseline_level" in _refs(older, "benchmarking.level.unverified")


def test_products_without_levels(write_rows: WriteRows) -> None:
    bench = benchmark(_run(write_rows, [
        {**CEMENT, "item": "原煤", "quantity": 900, "unit": "t", "flow": "消耗"},
        {**CEMENT, "item": "水泥", "quantity": 8000, "unit": "t", "flow": "产出"},
        {**CEMENT, "facility_id": "L1", "item": "原煤", "quantity": 100, "unit": "t", "flow": "消耗"},
        {**CEMENT, "facility_id": "L1", "item": "石灰", "quantity": 500, "unit": "t", "flow": "产出"},
    ]))
    cement = next(r for r in bench.results if r.product == "cement")
    lime = next(r for r in bench.results if r.product == "lime")
    # lime: no indicator at all
    assert lime.indicator is None and lime.value is None and lime.cls is None
    assert _codes(lime) == {"benchmarking.product.no_indicator"}
    # cement: GB 16780-2021 表1 grades only (the lists have clinker levels, not cement): 642.87 tce / 8000 t
    assert cement.value == pytest.approx(900 * 714.3 / 8000, rel=1e-12)
    assert cement.cls is None and cement.benchmark_level is None
    assert "benchmarking.level.none" in _codes(cement)
    # 80.36 kgce/t: 80 < v ≤ 87 → grade 2 (no clinker in the facility: the 75 % basis is not corrected)
    assert cement.quota_grade == 2
    assert cement.quota_limits == {1: 80.0, 2: 87.0, 3: 94.0}
    assert "benchmarking.correction.not_applied" in _codes(cement)


def test_cement_with_clinker_infers_the_clinker_ratio(write_rows: WriteRows) -> None:
    bench = benchmark(_run(write_rows, [
        {**CEMENT, "item": "原煤", "quantity": 1000, "unit": "t", "flow": "消耗"},
        {**CEMENT, "item": "熟料", "quantity": 6000, "unit": "t", "flow": "产出"},
        {**CEMENT, "item": "水泥", "quantity": 8000, "unit": "t", "flow": "产出"},
    ]))
    cement = next(r for r in bench.results if r.product == "cement")
    clinker = next(r for r in bench.results if r.product == "clinker")
    # clinker ratio 6000/8000 = 75 %: GB 16780-2021 表1 limits need no correction
    assert "benchmarking.attribute.inferred" in _codes(cement)
    assert cement.quota_limits == {1: pytest.approx(80.0), 2: pytest.approx(87.0), 3: pytest.approx(94.0)}
    # cement's boundary includes its clinker; clinker's value carries the grinding energy: an upper bound
    assert "benchmarking.boundary.upper_bound" not in _codes(cement)
    assert "benchmarking.boundary.upper_bound" in _codes(clinker)
    # the other product is named in words, as its reader knows it (its key ``cement`` is no word)
    upper = next(w for w in clinker.warnings if w.code == "benchmarking.boundary.upper_bound")
    assert "该设施还生产 水泥，" in upper.message_zh and "cement" not in upper.message_zh
    assert upper.message.startswith("the facility also produces Cement,")


def test_cement_ratio_correction(write_rows: WriteRows) -> None:
    bench = benchmark(_run(write_rows, [
        {**CEMENT, "item": "原煤", "quantity": 1000, "unit": "t", "flow": "消耗"},
        {**CEMENT, "item": "熟料", "quantity": 6400, "unit": "t", "flow": "产出"},
        {**CEMENT, "item": "水泥", "quantity": 8000, "unit": "t", "flow": "产出"},
    ]))
    cement = next(r for r in bench.results if r.product == "cement")
    # 80 % clinker: +5 points × 1.10/1.15/1.20 kgce/t (GB 16780-2021 表1)
    assert cement.quota_limits == {1: pytest.approx(85.5), 2: pytest.approx(92.75), 3: pytest.approx(100.0)}
    assert cement.corrections[0]["correction"] == "quota_corrections/gb16780-2021:clinker_ratio"


def _eaf_rows() -> list[dict[str, object]]:
    return [{**STEEL, "item": "电力", "quantity": 400, "unit": "MWh", "flow": "外购"},
            {**STEEL, "item": "石墨电极", "quantity": 2, "unit": "t", "flow": "工艺"},
            {**STEEL, "item": "粗钢", "quantity": 1000, "unit": "t", "flow": "产出"}]


def _attributes(tmp_path: Path, rows: Sequence[Sequence[object]], name: str = "attributes.csv") -> Path:
    path = tmp_path / name
    lines = ["企业编号,设施编号,属性,取值", *(",".join(str(c) for c in row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_eaf_variant_from_inputs_and_from_attributes(write_rows: WriteRows, tmp_path: Path) -> None:
    run = _run(write_rows, _eaf_rows())
    inferred = next(r for r in benchmark(run).results if r.product == "crude_steel")
    # electrode input → EAF, capacity unknown → the ≥ 70 t band (NDRC ≥ 50 t: 61/72), said in a warning
    assert inferred.indicator == "eaf_ge70t" and inferred.selection == "inferred"
    assert (inferred.benchmark_level, inferred.baseline_level) == (61.0, 72.0)
    # 400 MWh × 0.1229 = 49.16 tce per 1000 t: 49.16 kgce/t
    assert inferred.value == pytest.approx(49.16, rel=1e-12)
    assert inferred.cls == "benchmark" and inferred.quota_grade == 1
    attributes = _attributes(tmp_path, [["S1", "F1", "steel_route", "电弧炉工序"], ["S1", "F1", "电弧炉公称容量", "40"],
                                        ["S1", "F1", "eaf_hot_metal_ratio_pct", "10%"]])
    given = next(r for r in benchmark(run, BenchmarkOptions(attributes=attributes)).results
                 if r.product == "crude_steel")
    # 30 t < 40 t < 50 t: NDRC 67/86 (recalled); GB 21256-2025 表5 < 50 t: 61/—/86, hot metal 10 %: −8 kgce/t
    assert (given.indicator, given.selection) == ("eaf_30_50t", "attributes")
    assert (given.benchmark_level, given.baseline_level) == (67.0, 86.0)
    assert given.quota_limits == {1: pytest.approx(53.0), 2: None, 3: pytest.approx(78.0)}
    assert "benchmarking.quota.no_limit" in _codes(given)
    assert "benchmarking.variant.inferred" not in _codes(given)


def test_integrated_steel_is_not_computed(write_rows: WriteRows) -> None:
    result = _one(write_rows, [{**STEEL, "item": "焦炭", "quantity": 500, "unit": "t", "flow": "消耗"},
                               {**STEEL, "item": "粗钢", "quantity": 1000, "unit": "t", "flow": "产出"}], "crude_steel")
    assert result.indicator == "crude_steel_integrated" and result.selection == "assumed"
    assert result.value is None and result.cls is None and result.quota_grade is None
    assert {"benchmarking.variant.assumed", "benchmarking.boundary.not_computable"} <= _codes(result)
    assert result.savings_to_benchmark_tce is None


def test_variant_undetermined_and_zero_output(write_rows: WriteRows) -> None:
    bench = benchmark(_run(write_rows, [
        {"industry": "化工", "enterprise_id": "U1", "item": "电力", "quantity": 100, "unit": "MWh", "flow": "外购"},
        {"industry": "化工", "enterprise_id": "U1", "item": "尿素", "quantity": 1000, "unit": "t", "flow": "产出"},
        {**CEMENT, "item": "原煤", "quantity": 10, "unit": "t", "flow": "消耗"},
        {**CEMENT, "item": "熟料", "quantity": 0, "unit": "t", "flow": "产出"},
    ]))
    urea = next(r for r in bench.results if r.product == "urea")
    assert urea.indicator is None and "benchmarking.variant.undetermined" in _codes(urea)
    assert "urea_compressor_drive" in next(w.message for w in urea.warnings)
    clinker = next(r for r in bench.results if r.product == "clinker")
    assert clinker.value is None and clinker.cls is None
    assert "benchmarking.value.missing" in _codes(clinker)


def test_bad_attributes_are_located_and_refused(write_rows: WriteRows, tmp_path: Path) -> None:
    run = _run(write_rows, _eaf_rows())
    path = _attributes(tmp_path, [
        ["S1", "F1", "eaf_capacity", "40"],        # row 2: unknown attribute (did you mean …)
        ["S1", "F1", "steel_route", "转炉x"],       # row 3: not a choice
        ["S1", "F1", "eaf_nominal_capacity_t", "-5"],  # row 4: out of range
        ["S1", "F9", "altitude_m", "100"],         # row 5: facility not in the activity data
        ["S1", "F1", "altitude_m", "abc"],         # row 6: not a number
        ["S1", "F1", "coke_quenching", "wet"],
        ["S1", "F1", "湿熄焦", "wet"],              # row 8: attribute name misspelt as a value
        ["S1", "F1", "熄焦方式", "干熄焦"],           # row 9: duplicate of row 7 (Chinese names)
    ])
    with pytest.raises(ValidationFailed) as caught:
        benchmark(run, BenchmarkOptions(attributes=path))
    issues = {issue.row: issue for issue in caught.value.issues}
    assert set(issues) == {2, 3, 4, 5, 6, 8, 9}
    assert issues[2].code == "benchmarking.attributes.unknown_attribute"
    assert "eaf_nominal_capacity_t" in issues[2].fix or "电弧炉公称容量" in issues[2].fix
    assert issues[3].code == "benchmarking.attributes.bad_value" and "bof (converter (BOF) process)" in issues[3].fix
    assert "bof（转炉工序）" in issues[3].fix_zh  # each choice named in the message's language
    assert issues[4].column == "value" and "0" in issues[4].fix
    assert issues[5].code == "benchmarking.attributes.unknown_facility" and "F1" in issues[5].fix
    assert issues[9].code == "benchmarking.attributes.duplicate"
    assert all(issue.file == "attributes.csv" and issue.message_zh for issue in caught.value.issues)


def test_attributes_file_without_the_columns(write_rows: WriteRows, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("facility,name\nF1,x\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        benchmark(_run(write_rows, _eaf_rows()), BenchmarkOptions(attributes=path))
    assert caught.value.issues[0].code == "benchmarking.attributes.missing_column"
