"""The green-manufacturing list rules and targets, read from the cited ``green_manufacturing`` datasets."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from greenmfg.errors import DatasetError
from greenmfg.refdata.catalog import ParameterRow, load_catalog

__all__ = ["Cited", "ListRules", "load_rules"]

RULES = "green_manufacturing/rules-2024"
TARGETS = "green_manufacturing/targets-2024"
COUNTS = "green_manufacturing/list-counts-2026.1"


@dataclass(frozen=True, slots=True)
class Cited:
    """A value with where it comes from."""

    reference: str
    value: float
    source: str
    status: str
    notes: str

    @property
    def needs_warning(self) -> bool:
        return self.status not in ("verified", "definitional")

    def as_dict(self) -> dict[str, object]:
        return {"reference": self.reference, "value": self.value, "source": self.source,
                "verification_status": self.status, "notes": self.notes, "needs_warning": self.needs_warning}


def _cited(row: ParameterRow | None, what: str) -> Cited:
    if row is None or row.value is None:
        raise DatasetError(f"green_manufacturing: {what} is missing")
    return Cited(row.reference(), row.value, row.source, row.verification_status, row.notes)


@dataclass(frozen=True)
class ListRules:
    """The evaluator cap, removal criteria, exclusion conditions, the 2030 target and national counts."""

    evaluator_cap: Cited
    #: criterion key (``key_indicators_not_met`` …) → its citation (``notes`` describes it)
    removal_criteria: dict[str, Cited]
    exclusion_conditions: dict[str, Cited]
    target_share: Cited
    target_year: Cited
    #: national status points: key → share citation
    national_shares: dict[str, Cited]
    #: (as_of, parameter) → count citation
    national_counts: dict[tuple[str, str], Cited]
    dataset_ids: tuple[str, ...]
    sha256: dict[str, str]


@functools.cache
def load_rules() -> ListRules:
    """Build the rules from the reference library (cached: the files never change once released)."""
    catalog = load_catalog()
    rules, targets, counts = catalog.dataset(RULES), catalog.dataset(TARGETS), catalog.dataset(COUNTS)
    removal = {r.key.removeprefix("removal."): _cited(r, r.key) for r in rules if r.parameter == "removal_criterion"}
    exclusion = {r.key.removeprefix("exclusion."): _cited(r, r.key) for r in rules
                 if r.parameter == "exclusion_condition"}
    national = {r.key: _cited(r, r.key) for r in targets if r.parameter == "green_factory_output_share"}
    return ListRules(
        evaluator_cap=_cited(rules.get("evaluator", "max_evaluations_per_year"), "evaluator cap"),
        removal_criteria=removal, exclusion_conditions=exclusion,
        target_share=_cited(targets.get("green_factory_output_share", "target_share"), "target share"),
        target_year=_cited(targets.get("green_factory_output_share", "target_year"), "target year"),
        national_shares=national,
        national_counts={(r.key, r.parameter): _cited(r, r.key) for r in counts},
        dataset_ids=(RULES, TARGETS, COUNTS),
        sha256={d.id: d.info.sha256 for d in (rules, targets, counts)},
    )
