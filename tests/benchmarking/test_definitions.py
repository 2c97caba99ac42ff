"""Indicator and attribute definitions: consistent with the vocabulary and the linked datasets;
variant selection; malformed definitions are refused."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

from greenmfg.benchmarking import load_definitions, select_variant
from greenmfg.benchmarking.definitions import FacilityContext, default_definitions
from greenmfg.errors import DatasetError
from greenmfg.refdata import DATA_ROOT, load_catalog, load_vocabulary
from greenmfg.units import conversion_factor

NONE = FacilityContext({}, frozenset(), frozenset())


def _context(attributes: dict[str, float | str] | None = None, inputs: set[tuple[str, str]] | None = None,
             products: set[str] | None = None) -> FacilityContext:
    return FacilityContext(attributes or {}, frozenset(inputs or set()), frozenset(products or set()))


def test_definitions_link_to_existing_data() -> None:
    definitions = default_definitions()
    catalog = load_catalog()
    products = {d.product for d in definitions.indicators}
    # the products the reference pack covers with a level or a quota and the vocabulary knows
    assert {"clinker", "cement", "flat_glass", "aluminium_liquid", "crude_steel", "pig_iron", "coke", "ammonia",
            "methanol", "calcium_carbide", "caustic_soda", "soda_ash", "ethylene", "refined_oil_products",
            "sinter", "pellet", "alumina"} <= products
    for d in definitions.indicators:
        if d.benchmark_key:
            rows = [ds.get(d.benchmark_key, "benchmark_level") for ds in catalog.family("benchmarks")]
            # the level's unit converts to the indicator's unit
            for row in (r for r in rows if r is not None):
                assert conversion_factor(row.unit, d.unit) == pytest.approx(1.0), d.key
        if d.quota_dataset:
            assert conversion_factor(catalog.dataset(d.quota_dataset).get(d.quota_key, "grade_3").unit,  # type: ignore[union-attr]
                                     d.unit) == pytest.approx(1.0), d.key
        assert d.source and d.verification_status == "secondary"
        assert d.boundary_en and d.boundary_zh, d.key
        if d.default and len(definitions.for_product(d.product)) > 1 and d.boundary != "not_computable":
            assert d.assumption_en and d.assumption_zh, f"{d.key}: a default variant says what it assumes"


def test_indicators_of_the_reference_pack_levels() -> None:
    # every level the 2021/2023 editions hold for a product in the vocabulary has an indicator
    definitions = default_definitions()
    linked = {d.benchmark_key for d in definitions.indicators}
    catalog = load_catalog()
    with_values = {r.key for ds in catalog.family("benchmarks") for r in ds.rows if r.value is not None}
    # paraxylene, olefins, yellow phosphorus, sanitary ceramics and copper have no product in the vocabulary;
    # the per-alloy ferroalloy levels (benchmarks/ndrc-*-r2) have no facility indicator yet
    assert with_values - linked == {"paraxylene", "olefins_coal", "yellow_phosphorus", "sanitary_ceramics",
                                    "copper_smelting", "ferroalloy_silicomanganese", "ferroalloy_ferrosilicon"}


@pytest.mark.parametrize(
    ("product", "context", "key", "selection"),
    [
        ("clinker", NONE, "clinker", "single"),
        ("crude_steel", NONE, "crude_steel_integrated", "assumed"),
        ("crude_steel", _context(inputs={("electrode", "process")}), "eaf_ge70t", "inferred"),
        ("crude_steel", _context({"steel_route": "eaf"}), "eaf_ge70t", "inferred"),
        ("crude_steel", _context({"steel_route": "eaf", "eaf_nominal_capacity_t": 40.0}), "eaf_30_50t", "attributes"),
        ("crude_steel", _context({"steel_route": "eaf", "eaf_nominal_capacity_t": 50.0}), "eaf_50_70t", "attributes"),
        ("crude_steel", _context({"steel_route": "eaf", "eaf_nominal_capacity_t": 30.0}), "eaf_le30t", "attributes"),
        ("crude_steel", _context({"steel_route": "bof"}, {("electrode", "process")}), "converter_process", "attributes"),
        ("pig_iron", _context(products={"pig_iron"}), "blast_furnace_process", "inferred"),
        ("pig_iron", _context(products={"pig_iron", "crude_steel"}), "pig_iron_not_process", "assumed"),
        ("flat_glass", NONE, "flat_glass_gt800td", "assumed"),
        ("flat_glass", _context({"glass_melting_capacity_t_per_d": 800.0}), "flat_glass_500_800td", "attributes"),
        ("flat_glass", _context({"glass_melting_capacity_t_per_d": 500.0}), "flat_glass_le500td", "attributes"),
        ("ammonia", _context(inputs={("natural_gas", "feedstock")}), "ammonia_natural_gas", "inferred"),
        ("ammonia", _context(inputs={("bituminous_coal", "feedstock")}), "ammonia_pulverized_coal", "inferred"),
        ("ammonia", _context(inputs={("raw_coal", "feedstock")}), "ammonia_pulverized_coal", "assumed"),
        ("ammonia", _context({"ammonia_feedstock": "quality_anthracite_lump"}, {("natural_gas", "feedstock")}),
         "ammonia_quality_anthracite_lump", "attributes"),
        ("methanol", _context(inputs={("coke_oven_gas", "feedstock")}), "methanol_coke_oven_gas", "inferred"),
        ("coke", NONE, "coke_top_charged", "assumed"),
        ("coke", _context({"coke_oven_type": "stamp_charged"}), "coke_stamp_charged", "attributes"),
        ("soda_ash", _context({"soda_ash_process": "dual_process", "soda_ash_type": "dense"}),
         "soda_ash_dual_process_dense", "attributes"),
    ],
)
def test_variant_selection(product: str, context: FacilityContext, key: str, selection: str) -> None:
    definition, how, _conditions = select_variant(default_definitions().for_product(product), context)
    assert definition is not None and (definition.key, how) == (key, selection)


def test_variant_selection_without_a_variant() -> None:
    definitions = default_definitions()
    assert select_variant(definitions.for_product("soda_ash"), NONE)[:2] == (None, "undetermined")
    assert select_variant(definitions.for_product("lime"), NONE)[:2] == (None, "none")


def _with_indicators(tmp_path: Path, edit: str, replacement: str) -> Path:
    root = tmp_path / "data"
    shutil.copytree(DATA_ROOT, root)
    target = root / "indicators" / "greenmfg-2026.1.csv"
    text = target.read_text(encoding="utf-8")
    assert edit in text
    target.write_text(text.replace(edit, replacement, 1), encoding="utf-8")
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    catalog = (root / "catalog.toml").read_text(encoding="utf-8")
    catalog = re.sub(r'(file = "indicators/greenmfg-2026.1.csv"(?:.|\n)*?sha256 = ")[0-9a-f]+',
                     lambda m: m.group(1) + digest, catalog, count=1)
    (root / "catalog.toml").write_text(catalog, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("edit", "replacement", "message"),
    [
        ("steel_route=bof", "steel_rout=bof", "unknown attribute"),
        ("steel_route=bof", "steel_route=basic_oxygen", "steel_route is one of"),
        ("electrode:process", "electrode:burnt", "known item and flow"),
        (",clinker_comprehensive_energy,", ",clinker_energy,", "no grades for 'clinker_energy'"),
        ("quota_corrections/gb16780-2021:altitude", "quota_corrections/gb16780-2021:latitude", "no formula"),
    ],
)
def test_malformed_definitions_are_refused(tmp_path: Path, edit: str, replacement: str, message: str) -> None:
    root = _with_indicators(tmp_path, edit, replacement)
    with pytest.raises(DatasetError, match=message):
        load_definitions(load_catalog(root), load_vocabulary())


def test_every_choice_is_named_in_chinese_and_english() -> None:
    """Issue #15: a facility attribute's choice shows in words in either language, never its key (from the
    reference data's choice_names_zh / choice_names_en), and the English names are accepted as spellings."""
    from greenmfg.benchmarking.definitions import when_words

    definitions = default_definitions()
    choices = [a for a in definitions.attributes.values() if a.type == "choice"]
    assert len(choices) == 10
    for attribute in choices:
        assert len(attribute.choice_names_en) == len(attribute.choices) == len(attribute.choice_names_zh)
        for choice in attribute.choices:
            english, chinese = attribute.choice_name(choice, zh=False), attribute.choice_name(choice, zh=True)
            assert english and "_" not in english, (attribute.key, choice)
            assert re.search(r"[\u3400-\u9fff]", chinese) and not re.search(r"[a-z]{2,}", chinese), chinese
    route = definitions.attributes["steel_route"]
    assert route.choice_name("bof", zh=False) == "converter (BOF) process" and route.choice_name("bof", zh=True) == "转炉工序"
    drive = definitions.attributes["urea_compressor_drive"]
    assert drive.choice_name("electric_motor", zh=False) == "electric-motor drive"
    assert definitions.attributes["coke_quenching"].choice_name("dry", zh=False) == "dry quenching"
    converter = next(d for d in definitions.indicators if d.key == "converter_process")
    assert "converter (BOF) process" in when_words(converter, definitions, zh=False)
    assert "转炉工序" in when_words(converter, definitions, zh=True)
    # the released edition without English names still loads; its choices are then their keys with spaces
    old = load_definitions(load_catalog(), load_vocabulary(), attributes_dataset="facility_attributes/greenmfg-2026.1")
    assert old.attributes["urea_compressor_drive"].choice_name("electric_motor", zh=False) == "electric motor"
