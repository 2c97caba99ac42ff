"""The capacity-replacement rules, built from the cited ``capacity_replacement`` datasets.

Editions named ``regions-*`` hold region sets (key = set name, parameter = member); every other
edition is one measure: ``key_region`` rows (``set.<name>``: the sets whose union is the
measure's key region), ``<process>.all`` rows (``suspended``) and rule rows
``<process>.<case>.<where>`` (``ratio_min``, ``ratio_floor``, ``not_permitted``,
``strictly_greater``, ``automatic``, ``only_in.<set>``). A measure applies from the catalog's
``valid_from`` to its ``valid_to``; an edition named ``*-draft`` is listed but never applied.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from greenmfg.calc.capacity import PROCESSES, Cited, Measure, RegionSet, Rule
from greenmfg.errors import DatasetError
from greenmfg.refdata.catalog import Catalog, Dataset, ParameterRow, load_catalog

__all__ = ["FAMILY", "RuleBook", "build_rulebook", "load_rulebook"]

FAMILY = "capacity_replacement"
WHERE = frozenset({"key_region", "other_region", "any"})
FLAGS = frozenset({"not_permitted", "strictly_greater", "automatic"})
RATIOS = frozenset({"ratio_min", "ratio_floor"})


@dataclass(frozen=True)
class RuleBook:
    """Every measure and region set of the library, and the dataset editions they came from."""

    measures: tuple[Measure, ...]
    regions: dict[str, RegionSet]
    datasets: tuple[Dataset, ...]

    def dataset_ids(self) -> list[str]:
        return [d.id for d in self.datasets]


def _cited(row: ParameterRow) -> Cited:
    return Cited(reference=row.reference(), value=row.value, source=row.source, status=row.verification_status,
                 notes=row.notes, needs_warning=row.needs_warning)


def _date(text: str, where: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise DatasetError(f"{where}: '{text}' is not an ISO date") from None


def _measure(dataset: Dataset) -> Measure:
    info = dataset.info
    key_region: list[tuple[str, Cited]] = []
    suspended: dict[str, Cited] = {}
    parts: dict[str, dict[str, ParameterRow]] = {}
    for row in dataset.rows:
        where = f"{info.file} line {row.line}"
        flag = row.parameter in FLAGS or row.parameter == "suspended" or row.parameter.startswith(
            ("only_in.", "set."))
        if flag and row.value != 1:
            raise DatasetError(f"{where}: {row.parameter} is a flag; its value must be 1")
        if row.key == "key_region":
            if not row.parameter.startswith("set."):
                raise DatasetError(f"{where}: key_region rows name a region set as 'set.<name>'")
            key_region.append((row.parameter.removeprefix("set."), _cited(row)))
            continue
        pieces = row.key.split(".")
        if len(pieces) == 2 and pieces[1] == "all" and row.parameter == "suspended":
            if pieces[0] not in PROCESSES:
                raise DatasetError(f"{where}: unknown process '{pieces[0]}'")
            suspended[pieces[0]] = _cited(row)
            continue
        if len(pieces) != 3 or pieces[0] not in PROCESSES or pieces[2] not in WHERE:
            raise DatasetError(f"{where}: key '{row.key}' is not '<process>.<case>.<where>' with a known process "
                               f"and where in {', '.join(sorted(WHERE))}")
        if not (row.parameter in RATIOS | FLAGS or row.parameter.startswith("only_in.")):
            raise DatasetError(f"{where}: unknown parameter '{row.parameter}'")
        if row.parameter in RATIOS and row.value is not None and row.value < 0:
            raise DatasetError(f"{where}: a ratio cannot be negative")
        parts.setdefault(row.key, {})[row.parameter] = row
    rules = []
    for key, found in parts.items():
        process, case, place = key.split(".")
        if not RATIOS & found.keys() and "not_permitted" not in found:
            raise DatasetError(f"{info.file}: rule {key} has neither a ratio nor not_permitted")
        rules.append(Rule(
            process=process, case=case, where=place,
            ratio_min=_cited(found["ratio_min"]) if "ratio_min" in found else None,
            ratio_floor=_cited(found["ratio_floor"]) if "ratio_floor" in found else None,
            not_permitted=_cited(found["not_permitted"]) if "not_permitted" in found else None,
            strictly_greater=_cited(found["strictly_greater"]) if "strictly_greater" in found else None,
            automatic=_cited(found["automatic"]) if "automatic" in found else None,
            only_in=tuple((p.removeprefix("only_in."), _cited(r)) for p, r in sorted(found.items())
                          if p.startswith("only_in.")),
        ))
    return Measure(
        dataset_id=info.id, title=info.title, title_zh=info.title_zh, sha256=info.sha256,
        valid_from=_date(info.valid_from, f"catalog {info.id} valid_from"),
        valid_to=_date(info.valid_to, f"catalog {info.id} valid_to"),
        draft=info.edition.endswith("-draft"), key_region=tuple(key_region), rules=tuple(rules),
        suspended=suspended,
    )


def build_rulebook(catalog: Catalog) -> RuleBook:
    """Measures and region sets of ``catalog``'s ``capacity_replacement`` family.

    Raises
    ------
    DatasetError
        A row does not follow the family's key/parameter grammar, a flag is not 1, a region set
        is defined twice or a measure names a set no region edition defines.
    """
    datasets = tuple(catalog.family(FAMILY))
    regions: dict[str, dict[str, Cited]] = {}
    measures: list[Measure] = []
    for dataset in datasets:
        if dataset.info.edition.startswith("regions-"):
            for row in dataset.rows:
                if row.value not in (None, 1):
                    raise DatasetError(f"{dataset.info.file} line {row.line}: a region member's value is 1")
                regions.setdefault(row.key, {})[row.parameter] = _cited(row)
        else:
            measures.append(_measure(dataset))
    region_sets = {name: RegionSet(name, members) for name, members in regions.items()}
    for measure in measures:
        names = [n for n, _c in measure.key_region] + [n for r in measure.rules for n, _c in r.only_in]
        missing = sorted(set(names) - set(region_sets))
        if missing:
            raise DatasetError(f"{measure.dataset_id} names region sets no region edition defines: {', '.join(missing)}")
    return RuleBook(measures=tuple(measures), regions=region_sets, datasets=datasets)


@functools.cache
def load_rulebook() -> RuleBook:
    """The rule book of the installed reference library (read once)."""
    return build_rulebook(load_catalog())
