"""Indicator frameworks of the green-manufacturing evaluations, built from ``green_evaluation`` datasets.

Each dataset edition is one framework: basic requirements (``veto``), level-1 indicators with
their weights (``level1``), scored items (``scored``) and performance indicators
(``performance``), and rules (``rule.pass_threshold``, ``rule.scoring``). Every row keeps its
source and verification status; a result that uses a row not ``verified`` or ``definitional``
says so.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from greenmfg.errors import DatasetError, UnitError
from greenmfg.refdata.catalog import WARNING_FREE_STATUSES, Catalog, load_catalog, parse_value
from greenmfg.units import parse_unit

__all__ = ["DEFAULT_FRAMEWORK", "FRAMEWORKS", "SUBJECTS", "Framework", "FrameworkItem", "load_framework"]

#: subject kinds of an evaluation
SUBJECTS = ("factory", "park", "supply_chain")
#: framework id → (subject kind, dataset id)
FRAMEWORKS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "gbt36132-2025": ("factory", "green_evaluation/factory-gbt36132-2025"),
    "gbt36132-2018": ("factory", "green_evaluation/factory-gbt36132-2018"),
    "park-2024": ("park", "green_evaluation/park-miit-2024"),
    "supply-chain-2024": ("supply_chain", "green_evaluation/supply-chain-miit-2024"),
})
#: the framework used for a subject when none is named
DEFAULT_FRAMEWORK: Mapping[str, str] = MappingProxyType({
    "factory": "gbt36132-2025", "park": "park-2024", "supply_chain": "supply-chain-2024"})
KINDS = frozenset({"rule", "level1", "veto", "scored", "performance"})
DIMENSIONLESS = frozenset({"", "-", "1"})


@dataclass(frozen=True, slots=True)
class FrameworkItem:
    """One row of a framework: an indicator, a basic requirement or a rule."""

    key: str
    kind: str
    parent: str
    group_zh: str
    group_en: str
    name_zh: str
    name_en: str
    #: weight or points [point]; for rules the rule's value
    value: float | None
    unit: str
    direction: str
    benchmark: float | None
    leading: float | None
    auto: str
    source: str
    status: str
    notes: str
    line: int

    @property
    def needs_warning(self) -> bool:
        return self.status not in WARNING_FREE_STATUSES

    def name(self, lang: str) -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en

    def citation(self) -> dict[str, object]:
        return {"key": self.key, "source": self.source, "verification_status": self.status,
                "notes": self.notes, "needs_warning": self.needs_warning}


@dataclass(frozen=True)
class Framework:
    """An indicator framework: items in file order plus its dataset's identity."""

    id: str
    subject: str
    dataset_id: str
    sha256: str
    edition: str
    title: str
    title_zh: str
    items: Mapping[str, FrameworkItem]

    def of_kind(self, kind: str) -> list[FrameworkItem]:
        return [i for i in self.items.values() if i.kind == kind]

    @property
    def level1(self) -> list[FrameworkItem]:
        return self.of_kind("level1")

    @property
    def vetoes(self) -> list[FrameworkItem]:
        return self.of_kind("veto")

    @property
    def indicators(self) -> list[FrameworkItem]:
        """Scored items and performance indicators, in file order."""
        return [i for i in self.items.values() if i.kind in ("scored", "performance")]

    @property
    def pass_threshold(self) -> FrameworkItem:
        return self.items["rule.pass_threshold"]

    def provenance(self) -> dict[str, str]:
        return {"framework": self.id, "dataset_id": self.dataset_id, "sha256": self.sha256,
                "edition": self.edition, "title": self.title, "title_zh": self.title_zh}


def check_unit(unit: str) -> None:
    """Raise :class:`UnitError` unless ``unit`` is dimensionless or parses."""
    if unit.strip() not in DIMENSIONLESS:
        parse_unit(unit)


def build_framework(framework_id: str, catalog: Catalog) -> Framework:
    """Build and check one framework.

    Raises
    ------
    DatasetError
        Unknown framework, unknown kind or parent, bad unit, benchmark/leading against the
        indicator's direction, or level-1 weights that are not the sum of their items' points.
    """
    if framework_id not in FRAMEWORKS:
        raise DatasetError(f"unknown framework '{framework_id}': choose one of {', '.join(FRAMEWORKS)}")
    subject, dataset_id = FRAMEWORKS[framework_id]
    dataset = catalog.dataset(dataset_id)
    items: dict[str, FrameworkItem] = {}
    for line, record in enumerate(dataset.records, start=2):
        where = f"{dataset.info.file} line {line}"
        kind = record["kind"].strip()
        if kind not in KINDS:
            raise DatasetError(f"{where}: kind '{kind}' is not one of {', '.join(sorted(KINDS))}")
        group = (record.get("group") or "").split("|")
        item = FrameworkItem(
            key=record["key"].strip(), kind=kind, parent=record["parent"].strip(),
            group_zh=group[0], group_en=group[-1], name_zh=record["name_zh"].strip(),
            name_en=record["name_en"].strip(), value=parse_value(record["value"], where, what=""), unit=record["unit"].strip(),
            direction=record["direction"].strip(), benchmark=parse_value(record["benchmark"], where, what=""),
            leading=parse_value(record["leading"], where, what=""), auto=record["auto"].strip(), source=record["source"].strip(),
            status=record["verification_status"].strip(), notes=record["notes"].strip(), line=line)
        if kind in ("level1", "scored", "performance") and (item.value is None or item.value <= 0):
            raise DatasetError(f"{where}: {kind} rows need positive points in 'value'")
        if kind == "performance":
            if item.direction not in ("higher", "lower"):
                raise DatasetError(f"{where}: direction must be 'higher' or 'lower'")
            try:
                check_unit(item.unit)
            except UnitError as exc:
                raise DatasetError(f"{where}: {exc}") from None
            if item.benchmark is not None and item.leading is not None:
                better = item.leading > item.benchmark if item.direction == "higher" else item.leading < item.benchmark
                if not better:
                    raise DatasetError(f"{where}: the leading value must be better than the benchmark")
        items[item.key] = item
    level1 = {i.key: i for i in items.values() if i.kind == "level1"}
    sums = dict.fromkeys(level1, 0.0)
    for item in items.values():
        if item.kind in ("scored", "performance"):
            if item.parent not in level1:
                raise DatasetError(f"{dataset.info.file} line {item.line}: parent '{item.parent}' is no level-1 key")
            sums[item.parent] += item.value or 0.0
    for key, total in sums.items():
        if abs(total - (level1[key].value or 0.0)) > 1e-9:
            raise DatasetError(f"{dataset.info.file}: level-1 '{key}' weighs {level1[key].value} but its items "
                               f"add up to {total}")
    if "rule.pass_threshold" not in items:
        raise DatasetError(f"{dataset.info.file}: rule.pass_threshold is missing")
    info = dataset.info
    return Framework(id=framework_id, subject=subject, dataset_id=info.id, sha256=info.sha256,
                     edition=info.edition, title=info.title, title_zh=info.title_zh,
                     items=MappingProxyType(items))


@functools.cache
def load_framework(framework_id: str) -> Framework:
    """The framework from the packaged reference library (cached)."""
    return build_framework(framework_id, load_catalog())
