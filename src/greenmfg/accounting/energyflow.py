"""The energy flow of an enterprise-year, from its derivation lines: carriers → facilities → uses.

Read from the current results of the year (the same results as the dashboard) and their
derivation lines, on the accounting's own basis (GB/T 2589 as the results were accounted, tce):

* **left, energy in**: each energy carrier the enterprise consumed, bought or used as feedstock
  (a line with positive energy), summed per carrier, to each facility that used it;
* **middle, facilities**: the facilities (process units, lines, workshops) of the results. A
  facility that supplies energy outside the boundary (``exported`` lines: coke, gases, steam from
  a coke oven, blast furnace or converter) is where energy is *converted*; the template has no
  flow for energy an enterprise generates and uses itself (electricity ``produced`` is refused),
  so own generation shows only as the fuel its facility burns;
* **right, energy out**: what the facility exported, per carrier, and the rest as its end use:
  the products it made (joined when it made several: the results attribute a facility's energy to
  each of its products, not a share to each), else "final use in the facility".

Every node balances (in = out), and the end uses add up to the year's comprehensive energy
consumption (Σ energy_tce of the results; exported energy counts negative there). A facility that
exported more than it took in (possible month by month on another basis) would leave its end use
negative: it is shown as a "net supply" source so the diagram still balances, and counted apart.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from greenmfg.accounting.lines import preload_lines
from greenmfg.accounting.models import FacilityResult
from greenmfg.i18n import Translator
from greenmfg.orgs.models import Facility
from greenmfg.refdata.vocabulary import load_vocabulary

__all__ = ["EnergyFlow", "FlowLink", "FlowNode", "energy_flow", "energy_flow_chart"]

#: flows that bring energy into the boundary (positive energy lines)
_IN_FLOWS = ("consumed", "purchased", "feedstock")
#: below this a flow is left out of the diagram (it still counts in the totals) [tce]
_NEGLIGIBLE = 1e-9


@dataclass(frozen=True, slots=True)
class FlowNode:
    """A node: ``kind`` carrier, facility, export, use or supply; ``key`` unique within the flow."""

    key: str
    kind: str
    #: vocabulary key of the carrier or product(s), facility code …
    ref: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class FlowLink:
    source: str
    target: str
    #: [tce]
    value: float


@dataclass(frozen=True, slots=True)
class EnergyFlow:
    year: int
    #: the year's comprehensive energy consumption from the results (Σ energy_tce) [tce]
    total_tce: float
    #: Σ energy in from carriers [tce]
    supplied_tce: float
    #: Σ energy supplied outside [tce]
    exported_tce: float
    #: Σ end uses [tce] (= supplied − exported + net supply)
    used_tce: float
    #: energy of facilities that exported more than they took in [tce]
    net_supply_tce: float
    nodes: list[FlowNode] = field(default_factory=list)
    links: list[FlowLink] = field(default_factory=list)


def _names(key: str) -> tuple[str, str]:
    item = load_vocabulary().items.get(key)
    return (item.name_zh, item.name_en) if item is not None else (key, key)


def energy_flow(session: Session, enterprise_id: int, year: int) -> EnergyFlow:
    """The flow of ``year`` from the enterprise's current results (the caller checked access)."""
    # the lines' columns are deferred: read with the results, not one statement per result
    results = session.execute(select(FacilityResult).options(
        undefer(FacilityResult.lines_packed), undefer(FacilityResult.lines_json)).where(
        FacilityResult.enterprise_id == enterprise_id, FacilityResult.current.is_(True),
        FacilityResult.year == year)).scalars().all()
    preload_lines(session, results)
    facilities = {f.id: f for f in session.execute(select(Facility).where(
        Facility.id.in_({r.facility_id for r in results}))).scalars()} if results else {}

    inflow: dict[tuple[str, int], float] = defaultdict(float)   # (carrier, facility) → tce
    outflow: dict[tuple[int, str], float] = defaultdict(float)  # (facility, carrier) → tce
    products: dict[int, set[str]] = defaultdict(set)
    total = 0.0
    for result in results:
        total += result.energy_tce
        for product in result.products or ():
            if float(product.get("quantity") or 0.0) > 0:
                products[result.facility_id].add(product["product"])
        for line in result.lines:
            energy = line.get("energy_tce")
            if energy is None or not math.isfinite(energy) or energy == 0:
                continue
            if line.get("flow") == "exported" or energy < 0:
                outflow[(result.facility_id, line["item"])] += -energy
            else:
                inflow[(line["item"], result.facility_id)] += energy

    nodes: dict[str, FlowNode] = {}
    links: list[FlowLink] = []

    def node(key: str, kind: str, ref: str, zh: str, en: str) -> str:
        nodes.setdefault(key, FlowNode(key, kind, ref, zh, en))
        return key

    def facility_node(facility_id: int) -> str:
        facility = facilities.get(facility_id)
        code = facility.code if facility else str(facility_id)
        name = (facility.name or code) if facility else code
        return node(f"facility:{code}", "facility", code, name, name)

    into: dict[int, float] = defaultdict(float)
    for (carrier, facility_id), value in sorted(inflow.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        into[facility_id] += value
        if value > _NEGLIGIBLE:
            links.append(FlowLink(node(f"carrier:{carrier}", "carrier", carrier, *_names(carrier)),
                                  facility_node(facility_id), value))
    out_of: dict[int, float] = defaultdict(float)
    for (facility_id, carrier), value in sorted(outflow.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        out_of[facility_id] += value
        if value > _NEGLIGIBLE:
            zh, en = _names(carrier)
            links.append(FlowLink(facility_node(facility_id),
                                  node(f"export:{carrier}", "export", carrier, f"{zh}（输出）", f"{en} (exported)"), value))
    supplied = math.fsum(inflow.values())
    exported = math.fsum(outflow.values())
    used = net_supply = 0.0
    for facility_id in sorted(set(into) | set(out_of)):
        rest = into[facility_id] - out_of[facility_id]
        if rest < 0:
            # exported more than it took in: balance the node with a source of net supply
            net_supply += -rest
            if -rest > _NEGLIGIBLE:
                links.insert(0, FlowLink(node("supply:net", "supply", "net_supply", "净供出（超出投入）",
                                              "Net supply beyond inputs"), facility_node(facility_id), -rest))
            continue
        used += rest
        if rest <= _NEGLIGIBLE:
            continue
        made = sorted(products.get(facility_id, ()))
        if made:
            names = [_names(p) for p in made]
            target = node("use:" + "+".join(made), "use", "+".join(made), "、".join(n[0] for n in names),
                          ", ".join(n[1] for n in names))
        else:
            target = node("use:other", "use", "", "设施终端用能", "Final use in the facilities")
        links.append(FlowLink(facility_node(facility_id), target, rest))
    return EnergyFlow(year=year, total_tce=total, supplied_tce=supplied, exported_tce=exported, used_tce=used,
                      net_supply_tce=net_supply, nodes=list(nodes.values()), links=links)


# ------------------------------------------------------------------------------------ chart

_KIND_COLOURS: Mapping[str, str] = {"carrier": "#3b8fd1", "facility": "#14937f", "export": "#9aa8a4",
                                    "use": "#f0a43a", "supply": "#e2675c"}


def _label(node: FlowNode, translator: Translator) -> str:
    if translator.locale == "zh-CN":
        return node.name_zh
    return node.name_en[:1].upper() + node.name_en[1:]


def energy_flow_chart(flow: EnergyFlow, translator: Translator) -> dict[str, Any]:
    """An ECharts Sankey of ``flow`` [tce] with labels in the page's language; laid out from top
    to bottom on narrow screens (a media query of the option)."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for item in flow.nodes:
        label = _label(item, translator)
        while label in used:  # ECharts knows nodes by name: a facility named like a carrier gets a mark
            label += "\u200b"
        used.add(label)
        names[item.key] = label
    series: dict[str, Any] = {
        "type": "sankey", "left": 8, "right": 180, "top": 8, "bottom": 8, "nodeGap": 10, "nodeWidth": 14,
        "layoutIterations": 64, "emphasis": {"focus": "adjacency"},
        "lineStyle": {"color": "gradient", "curveness": 0.5, "opacity": 0.35},
        "label": {"fontSize": 12, "width": 170, "overflow": "truncate"},
        "data": [{"name": names[n.key], "itemStyle": {"color": _KIND_COLOURS[n.kind]}} for n in flow.nodes],
        "links": [{"source": names[link.source], "target": names[link.target], "value": round(link.value, 2)}
                  for link in flow.links],
    }
    return {
        "baseOption": {"tooltip": {"trigger": "item", "triggerOn": "mousemove"}, "series": [series]},
        # narrow screens: top to bottom, the names of energy in and out turned along the flow, outside the
        # nodes; the facilities' names (too long for a 390 px column) in the tooltip
        "media": [{"query": {"maxWidth": 560},
                   "option": {"series": [{
                       "orient": "vertical", "left": 12, "right": 12, "top": 136, "bottom": 136, "nodeGap": 8,
                       "label": {"fontSize": 10, "width": 128, "overflow": "truncate"},
                       "levels": [{"depth": 0, "label": {"position": "top", "rotate": 90, "align": "left",
                                                         "verticalAlign": "middle"}},
                                  {"depth": 1, "label": {"show": False}},  # the facilities: by tapping (tooltip)
                                  {"depth": 2, "label": {"position": "bottom", "rotate": -90, "align": "left",
                                                         "verticalAlign": "middle"}}]}]}}],
    }

