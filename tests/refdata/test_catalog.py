"""The reference library loads, is internally consistent, and refuses an edited released file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from greenmfg.errors import DatasetError
from greenmfg.refdata import DATA_ROOT, STATUSES, load_catalog, load_vocabulary
from greenmfg.units import parse_unit

ITEM_KEYED = ("energy_coefficients", "fuel_parameters", "process_factors")


def test_catalog_loads_every_dataset() -> None:
    catalog = load_catalog()
    ids = [d.id for d in catalog]
    for required in ("energy_coefficients/gbt2589-2020", "fuel_parameters/gbt32151.22-2024",
                     "grid_factors/mee-nbs-2021", "grid_factors/mee-nbs-2022", "grid_factors/mee-nbs-2023",
                     "grid_factors/ets-2022", "heat_factors/ndrc-guidelines", "benchmarks/ndrc-2021",
                     "benchmarks/ndrc-2023", "benchmarks/ndrc-2021-r2", "benchmarks/ndrc-2023-r2", "quota/gb16780-2021", "quota/gb21256-2025", "quota/gb21340-2019",
                     "quota/gb21346-2022"):
        assert required in ids
    assert len(ids) == len(set(ids))


def test_every_row_is_cited_with_a_known_status_and_unit() -> None:
    for dataset in load_catalog():
        for row in dataset.rows:
            assert row.source.strip(), row.reference()
            assert row.verification_status in STATUSES
            parse_unit(row.unit)
            assert (row.value is None) == (row.verification_status == "not_found"), row.reference()


def test_item_keyed_datasets_use_vocabulary_keys() -> None:
    vocabulary = load_vocabulary()
    for family in ITEM_KEYED:
        for dataset in load_catalog().family(family):
            unknown = set(dataset.keys()) - set(vocabulary.items)
            assert not unknown, f"{dataset.id}: {unknown}"


def test_grid_factor_keys_are_regions() -> None:
    vocabulary = load_vocabulary()
    grids = {r["grid_region"] for r in vocabulary.regions.values()}
    for dataset in load_catalog().family("grid_factors"):
        assert set(dataset.keys()) <= {"CN", *grids, *vocabulary.regions}, dataset.id
        assert dataset.get("CN", "ef") is not None, dataset.id


def test_known_values_are_encoded() -> None:
    catalog = load_catalog()
    # GB/T 2589-2020 附录A: electricity 0.1229 kgce/kWh, raw coal 0.7143 kgce/kg
    assert catalog.dataset("energy_coefficients/gbt2589-2020").get("electricity", "coefficient").value == 0.1229
    assert catalog.dataset("energy_coefficients/gbt2589-2020").get("raw_coal", "coefficient").value == 0.7143
    # MEE 环办气候函〔2023〕43号: 0.5703 tCO2/MWh for 2022 ETS data
    assert catalog.dataset("grid_factors/ets-2022").get("CN", "ef").value == 0.5703
    # heat 0.11 tCO2/GJ (NDRC guidelines)
    assert catalog.dataset("heat_factors/ndrc-guidelines").get("heat", "ef").value == 0.11


def test_edited_release_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "data"
    shutil.copytree(DATA_ROOT, root)
    target = root / "heat_factors" / "ndrc-guidelines.csv"
    target.write_text(target.read_text(encoding="utf-8").replace("0.11", "0.12"), encoding="utf-8")
    with pytest.raises(DatasetError, match="never edited"):
        load_catalog(root)


def test_malformed_row_is_refused(tmp_path: Path) -> None:
    import hashlib
    import re

    root = tmp_path / "data"
    shutil.copytree(DATA_ROOT, root)
    target = root / "heat_factors" / "ndrc-guidelines.csv"
    text = target.read_text(encoding="utf-8").replace(",definitional,", ",probably,").replace(
        ",crosschecked,", ",probably,")
    target.write_text(text, encoding="utf-8")
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    catalog = (root / "catalog.toml").read_text(encoding="utf-8")
    catalog = re.sub(r'(file = "heat_factors/ndrc-guidelines.csv"(?:.|\n)*?sha256 = ")[0-9a-f]+',
                     lambda m: m.group(1) + digest, catalog, count=1)
    (root / "catalog.toml").write_text(catalog, encoding="utf-8")
    with pytest.raises(DatasetError, match="verification_status 'probably'"):
        load_catalog(root)


def test_vocabulary_resolves_chinese_and_english() -> None:
    v = load_vocabulary()
    assert v.item_names.resolve("天然气") == "natural_gas"
    assert v.item_names.resolve("Natural Gas") == "natural_gas"
    assert v.item_names.resolve("ＬＮＧ") == "lng"  # full-width
    assert v.region_names.resolve("江苏") == "320000"
    assert v.region_names.resolve("32") == "320000"
    assert v.industry_names.resolve("电解铝") == "electrolytic_aluminium"
    assert "natural gas" in v.item_names.suggest("natral gas")


def test_benchmark_revisions_add_ferroalloy_levels_and_keep_the_rest() -> None:
    catalog = load_catalog()
    old21, new21 = catalog.dataset("benchmarks/ndrc-2021"), catalog.dataset("benchmarks/ndrc-2021-r2")
    old23, new23 = catalog.dataset("benchmarks/ndrc-2023"), catalog.dataset("benchmarks/ndrc-2023-r2")
    # every row of the superseded revision is in the new one with the same value and status
    for old, new in ((old21, new21), (old23, new23)):
        for row in old:
            again = new.get(row.key, row.parameter)
            assert again is not None and (again.value, again.verification_status) == (row.value, row.verification_status)
    # 2023: silicomanganese 860/950, ferrosilicon 1770/1850 kgce/t (one secondary page, zjferroalloy.com)
    levels23 = {(r.key, r.parameter): (r.value, r.verification_status) for r in new23 if r.key.startswith("ferroalloy_")}
    assert levels23 == {
        ("ferroalloy_silicomanganese", "benchmark_level"): (860.0, "secondary"),
        ("ferroalloy_silicomanganese", "baseline_level"): (950.0, "secondary"),
        ("ferroalloy_ferrosilicon", "benchmark_level"): (1770.0, "secondary"),
        ("ferroalloy_ferrosilicon", "baseline_level"): (1850.0, "secondary"),
    }
    # 2021: only the baselines follow from the page's comparison with the 2021 edition
    assert new21.get("ferroalloy_silicomanganese", "baseline_level").value == 950.0
    assert new21.get("ferroalloy_ferrosilicon", "baseline_level").value == 1900.0
    assert new21.get("ferroalloy_ferrosilicon", "benchmark_level").verification_status == "not_found"
    assert all(r.source for r in new21) and all(r.source for r in new23)


def test_newest_edition_of_a_family() -> None:
    catalog = load_catalog()
    # same valid_from: the higher edition wins; the older one stays in the family
    assert catalog.newest("pathway_measures").id == "pathway_measures/greenmfg-2026.2"
    assert [d.id for d in catalog.family("pathway_measures")] == ["pathway_measures/greenmfg-2026.1",
                                                                  "pathway_measures/greenmfg-2026.2"]
    assert catalog.newest("pathway_energy_uses").id == "pathway_energy_uses/greenmfg-2026.1"
    with pytest.raises(DatasetError, match="no_such_family"):
        catalog.newest("no_such_family")
