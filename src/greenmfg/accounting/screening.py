"""The fast path of validation: screens that run while the input is accounted.

Every row rule of :mod:`greenmfg.accounting.validation` is evaluated on every row in the same pass
that sums the results (text rules once per distinct spelling, value rules per row); rules that
need more than one row are screened on the per-facility sums, duplicates with a bitmask per
facility-period. A screen may raise a false alarm but never misses an issue: when one fires,
:func:`~greenmfg.accounting.validation.validate_activity` runs and locates every issue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from greenmfg.accounting.plans import Planner
from greenmfg.accounting.reader import ActivitySource
from greenmfg.accounting.validation import (
    SINGLE_TEXTS,
    TEXT_RULES,
    Maps,
    canonical_columns,
    canonical_quantity,
    distinct_keys,
    distinct_lines,
    duplicate_key,
    formula_like_column,
    id_rules,
    looked_up,
    stripped,
    stripped_ids,
    value_rules,
)
from greenmfg.calc.accounting import CLINKER_OXIDES, PFC_INPUTS
from greenmfg.refdata.vocabulary import Vocabulary

__all__ = [
    "RowScreen",
    "ScreenedActivity",
    "canonical_ids",
    "distinct_spellings",
    "may_have_cross_row_issues",
    "may_have_duplicates",
    "read_screen",
    "screen_activity",
    "screen_aggregates",
    "with_key_codes",
    "with_keys",
]


@dataclass
class ScreenedActivity:
    """The input rows with every lookup and row rule attached, as a lazy plan (nothing is stored).

    :attr:`activity` has the canonical columns of :func:`validate_activity` but that identifiers
    are as read (:func:`canonical_ids` strips them, best on a grouped result: far fewer rows), and
    bookkeeping columns: ``_failing`` (a row rule fails; ``quantity`` is then null, so that nothing
    computed from a bad row can fail) and ``_dup_0`` … (the duplicate screen's bits). It may be
    accounted before it is known to be valid: :func:`screen_aggregates` are computed in the same
    pass, then :func:`read_screen`, :func:`may_have_cross_row_issues` and
    :func:`may_have_duplicates` say whether :func:`validate_activity` must look.

    Each valid row names its ``parameter_set``: :attr:`set_keys` has one row per parameter set a
    valid row can have (``parameter_set``, ``item``, ``kind``, ``flow``, ``unit``, ``unit_input``,
    ``region``, ``year`` and whether ncv, carbon content and oxidation rate were measured).

    The plans are built only when asked for: a run whose plans are compiled already builds none.
    """

    source: ActivitySource
    maps: Maps

    @property
    def set_keys(self) -> ir.Table:
        return self.maps.set_keys

    @property
    def keys(self) -> dict[str, list[str]]:
        """The keys of industry, region and period that rows have, by number (see :func:`with_key_codes`)."""
        return self.maps.keys

    @property
    def years(self) -> list[int]:
        """Years of the valid periods in the input [a]."""
        return self.maps.years

    @property
    def duplicate_words(self) -> int:
        return self.maps.duplicate_words

    @property
    def mixed_periods(self) -> bool:
        return self.maps.mixed_periods

    @cached_property
    def activity(self) -> ir.Table:
        maps = self.maps
        t = looked_up(self.source.table, maps)
        measured = (t.ncv_number.notnull() | t.carbon_content_number.notnull() | t.oxidation_rate_number.notnull()
                    | t.steam_pressure_number.notnull() | t.steam_temperature_number.notnull()
                    | ibis.or_(*(t[f"{c}_number"].notnull() for c in (*CLINKER_OXIDES, *PFC_INPUTS))))
        texts_ok = ibis.and_(*(t[f"{name}_ok"] for name in TEXT_RULES)).fill_null(False)
        t = t.mutate(
            flags=(~texts_ok | ibis.or_(*value_rules(t).values())).cast("int8"),
            **{f"_dup_{w}": ibis.ifelse(measured, t[f"dup_measured_{w}"], t[f"dup_plain_{w}"])
               for w in range(maps.duplicate_words)},
            **{name: t[c] for name, c in _CODES.items()},
        )
        t = canonical_columns(t, extra=("_file_id", *_CODES, *(f"_dup_{w}" for w in range(maps.duplicate_words))))
        bad = t.flags != 0
        activity = t.mutate(_failing=bad, quantity=ibis.ifelse(bad, ibis.null("float64"), t.quantity))
        return activity.drop("flags", "period_text")

    def valid(self) -> ir.Table:
        """The canonical rows without the rules (for once the input is known to be valid)."""
        t = looked_up(self.source.table, self.maps)
        t = t.mutate(flags=ibis.literal(0, "int8"), **{name: t[c] for name, c in _CODES.items()})
        return canonical_columns(t, extra=("_file_id", *_CODES)).drop("flags", "period_text")

    def produced(self) -> ir.Table:
        """Only the rows with flow 'produced', and only what products need (with key numbers)."""
        raw, maps = self.source.table, self.maps
        rows = raw.semi_join(maps.produced, raw.flow == maps.produced.k_flow)
        t = looked_up(rows, maps, columns=("item_key", "flow_key", "canonical_unit", "unit_factor",
                                            *_CODES.values()))
        return t.select("enterprise_id", "enterprise_name", "facility_id", item=t.item_key, flow=t.flow_key,
                        unit=t.canonical_unit, quantity=canonical_quantity(t), **{n: t[c] for n, c in _CODES.items()})


#: the key numbers rows carry (see :func:`with_key_codes`): bookkeeping name → map column
_CODES = {f"_{c}_code": f"{c}_code" for c in SINGLE_TEXTS}


def distinct_spellings(source: ActivitySource) -> tuple[ir.Table, ir.Table]:
    """What :func:`screen_activity` reads of the input first: the distinct spellings (see
    :func:`~greenmfg.accounting.validation.distinct_lines` and ``distinct_keys``)."""
    return distinct_lines(source.table), distinct_keys(source.table)


def screen_activity(source: ActivitySource, vocabulary: Vocabulary, *, lines: pa.Table | None = None,
                    keys: pa.Table | None = None,
                    put: Callable[[str, pa.Table], ir.Table] | None = None) -> ScreenedActivity:
    """Resolve the distinct texts of the input (``lines`` and ``keys``: those of
    :func:`distinct_spellings`, read here when not given) into lookup tables (``put`` names them
    on the run's connection) that every row's lookups and row rules are joined from."""
    if lines is None or keys is None:
        maps = Maps(source.table, vocabulary, put)
    else:
        maps = Maps.from_distinct(lines.to_pylist(), keys, vocabulary, put or _memtable)
    return ScreenedActivity(source=source, maps=maps)


def _memtable(name: str, table: pa.Table) -> ir.Table:
    return ibis.memtable(table)


def with_key_codes(t: ir.Table) -> ir.Table:
    """Rows derived from :attr:`ScreenedActivity.activity` with industry, region and period
    replaced by their numbers (cheaper to group by); :func:`with_keys` turns them back."""
    return t.mutate(**{c: t[f"_{c}_code"] for c in SINGLE_TEXTS}).drop(*(f"_{c}_code" for c in SINGLE_TEXTS))


def with_keys(screened: ScreenedActivity, t: ir.Table) -> ir.Table:
    """``t`` (grouped rows of :func:`with_key_codes`) with industry, region and period keys again,
    looked up in the key tables of the maps (no key is written into the plan)."""
    columns = list(t.columns)
    for column, keys in screened.maps.key_tables.items():
        if column not in columns:
            continue
        k = keys.rename(**{f"_code_{column}": "code", f"_key_{column}": "key"})
        t = t.left_join(k, t[column] == k[f"_code_{column}"])
        t = t.select(*(t[f"_key_{column}"].name(c) if c == column else t[c] for c in columns))
    return t


def canonical_ids(t: ir.Table) -> ir.Table:
    """``t`` with enterprise_id, enterprise_name and facility_id stripped (empty ones null)."""
    return stripped_ids(t)


def screen_aggregates(screened: ScreenedActivity, rows: ir.Table) -> dict[str, ir.Scalar]:
    """What to compute, per facility-period, in the pass that sums ``rows`` (derived from
    ``screened.activity`` with its bookkeeping columns) for :func:`read_screen`."""
    return {
        "failing_rows": rows._failing.sum(),
        **{f"duplicate_bits_{w}": rows[f"_dup_{w}"].bit_or() for w in range(screened.duplicate_words)},
    }


@dataclass(frozen=True)
class RowScreen:
    """What the pass over the rows found (see :func:`read_screen`)."""

    #: rows failing a row rule
    failing_rows: int
    #: every identifier already is in canonical form (stripped, not empty)
    ids_canonical: bool
    #: some facility-period has two rows of the same item and flow, both without or both with
    #: measured parameters: they may be duplicates
    duplicates_suspected: bool
    #: some enterprise has two industries, regions or names (valid when ``ids_canonical``)
    enterprises_inconsistent: bool


def _bit_count(value: ir.IntegerValue) -> ir.IntegerValue:
    """Number of bits set (a function both DuckDB and Spark SQL have)."""
    @ibis.udf.scalar.builtin  # type: ignore[untyped-decorator]
    def bit_count(value: int) -> int:  # type: ignore[empty-body]
        ...

    return bit_count(value)


def _inconsistent(t: ir.Table) -> ir.BooleanScalar:
    """Per enterprise group of facility-period rows: two industries, regions or names, or an
    empty identifier."""
    different = [t[c].min() != t[c].max() for c in ("industry", "region", "enterprise_name")]
    return ibis.or_(*different) | ibis.or_(*id_rules(t).values()).any()


def read_screen(screened: ScreenedActivity, sums: ir.Table, planner: Planner | None = None) -> RowScreen:
    """Read the :func:`screen_aggregates` off per-facility sums keyed by identifiers as read.

    Every row rule was evaluated on every row. Duplicates: two rows with the same duplicate key
    have the same item, flow and measured-or-not, hence the same bit, and (identifiers canonical
    and enterprise attributes consistent, both checked) fall in the same facility-period. So if
    the bits set there are fewer than its rows, two rows may be duplicates; if as many, none are.
    Enterprises are compared on the same sums (industry and region by number).

    Names are checked once per enterprise, on its least and greatest name: when both are
    canonical and equal, every name of the enterprise is that name; when they differ, the
    enterprise is inconsistent (the detailed check runs), and a name that only strip() makes equal
    to the others makes the least or the greatest need stripping (the same text with white space
    around it sorts before or after it, or one of them has it).
    """
    if planner is None:
        found = _screen_plan(screened, sums).to_pyarrow().to_pylist()[0]
    else:
        found = planner.arrow(("read_screen", screened.duplicate_words),
                              lambda: _screen_plan(screened, sums)).to_pylist()[0]
    return RowScreen(failing_rows=int(found["failing"] or 0), ids_canonical=not found["unstripped"],
                     duplicates_suspected=bool(found["suspected"]),
                     enterprises_inconsistent=bool(found["inconsistent"]))


def _screen_plan(screened: ScreenedActivity, sums: ir.Table) -> ir.Table:
    """The one-row aggregate :func:`read_screen` reads."""
    def stripped_away(code: ir.IntegerValue) -> ir.BooleanValue:  # what strip() removes: \t\n\v\f\r and space
        return code.between(9, 13) | (code == 32)

    def needs_stripping(column: ir.StringValue) -> ir.BooleanValue:
        # the first character by its code, the last by a pattern: cheaper than strip() or right()
        return (column.isnull() | (column == "") | stripped_away(column.ascii_str())
                | column.re_search(r"[\t-\r ]$"))

    bits_set = sum((_bit_count(sums[f"duplicate_bits_{w}"]) for w in range(screened.duplicate_words)),
                   ibis.literal(0, "int64"))
    # one row per enterprise; the identifier rules are those of _inconsistent, read per enterprise
    e = sums.group_by("enterprise_id").aggregate(
        failing=sums.failing_rows.sum(), facility_unstripped=needs_stripping(sums.facility_id).any(),
        missing_facility=sums.facility_id.isnull().any(), suspected=(bits_set < sums.lines).any(),
        formula_facility=formula_like_column(sums.facility_id).any(),
        first_name=sums.enterprise_name.min(), last_name=sums.enterprise_name.max(),
        **{f"{c}_{f}": getattr(sums[c], f)() for c in ("industry", "region") for f in ("min", "max")},
    )
    unstripped = needs_stripping(e.enterprise_id) | e.facility_unstripped | (
        e.last_name.notnull() & (needs_stripping(e.first_name) | needs_stripping(e.last_name)))
    inconsistent = ((e.industry_min != e.industry_max) | (e.region_min != e.region_max)
                    | (e.first_name != e.last_name) | e.enterprise_id.isnull() | e.missing_facility
                    # an identifier that starts like a formula (refused: the detailed check locates it)
                    | e.formula_facility | formula_like_column(e.enterprise_id) | formula_like_column(e.first_name))
    return e.aggregate(failing=e.failing.sum(), unstripped=unstripped.any(), suspected=e.suspected.any(),
                       inconsistent=inconsistent.any())


def may_have_cross_row_issues(screened: ScreenedActivity, screen: RowScreen, totals: ir.Table) -> bool:
    """Does an enterprise have two industries, regions or names, or a facility mix annual and
    monthly periods? Exact, from the facility-period ``totals`` (keyed by canonical identifiers,
    name, and the numbers of industry, region and period: see :func:`with_key_codes`), or from the
    ``screen`` when the identifiers were canonical as read."""
    if screen.ids_canonical:
        if screen.enterprises_inconsistent:
            return True
    elif totals.group_by("enterprise_id").aggregate(inconsistent=_inconsistent(totals)).inconsistent.any().execute():
        return True
    if not screened.mixed_periods:
        return False  # every period in the input has the same length
    totals = with_keys(screened, totals.select("enterprise_id", "facility_id", "period"))
    length = totals.period.length()
    per_facility = totals.group_by(["enterprise_id", "facility_id"]).aggregate(mixed=length.min() != length.max())
    return bool(per_facility.mixed.any().execute())


def may_have_duplicates(screened: ScreenedActivity) -> bool:
    """One pass over the (valid) rows: the number of rows against the number of distinct 64-bit
    hashes of their duplicate keys. Equal keys have equal hashes, so a duplicate always lowers the
    count; a collision of different keys (about n²/2⁶⁵ likely) only costs a needless detailed
    check."""
    t = screened.activity.select("enterprise_id", "facility_id", "period", "item", "flow", "ncv_number",
                                 "carbon_content_number", "oxidation_rate_number", "steam_pressure",
                                 "steam_temperature", *(f"{c}_measured" for c in CLINKER_OXIDES),
                                 *(f"{c}_measured" for c in PFC_INPUTS))
    t = t.mutate(enterprise_id=stripped(t.enterprise_id), facility_id=stripped(t.facility_id))
    key = ibis.struct(duplicate_key(t)).hash()
    counted = t.aggregate(rows=t.count(), keys=key.nunique()).to_pyarrow().to_pylist()[0]
    return bool(counted["keys"] != counted["rows"])
