"""Covered emissions by the guidelines, stored per facility-period: the ONE source the filings and the
allowances read.

The figures are the ETS engine's (:func:`greenmfg.ets.account_ets`: the guidelines' default tables,
PFCs CF4 and C2F6 for aluminium, purchased electricity and heat as information only) on the stored
activity rows of the current data versions, read into Arrow by
:func:`greenmfg.accounting.store.stored_records` as the platform's accounting reads them. They are
computed where the data are stored, never on read:

* every commit of a covered-sector enterprise's data (imports, the month editor, meter totals,
  demo seeding: :func:`greenmfg.accounting.store.store_accounted`) accounts the batch's stored rows
  once (:func:`store_figures` with the batch's versions);
* a recalculation (:func:`greenmfg.accounting.store.recalculate`, ``greenmfg recalc``) accounts
  all current rows of an enterprise once when its figures were computed with other reference
  data than installed, or are missing (:func:`needs_refresh`).

A row whose reference fingerprint is not the installed one is flagged (``current`` false on
:class:`greenmfg.ets.filings.CoveredMonth`) until the recalculation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from greenmfg.accounting.models import DataVersion
from greenmfg.errors import GreenmfgError, ValidationFailed
from greenmfg.ets.filing_models import EtsFigure
from greenmfg.ets.methodology import SECTORS
from greenmfg.ets.models import EtsFigures, EtsResult
from greenmfg.orgs.models import Facility, Organisation

__all__ = ["COVERED_INDUSTRIES", "account_versions", "figure_rows", "installed_fingerprint", "needs_refresh", "store_figures"]

#: the industries (vocabulary keys) whose data the ETS engine accounts: steel, cement, electrolytic aluminium
COVERED_INDUSTRIES = frozenset(SECTORS.values())


def installed_fingerprint() -> str:
    """The reference fingerprint of the ETS accounting with the installed reference data."""
    from greenmfg.accounting.store import options_fingerprint
    from greenmfg.ets.service import ets_options

    return options_fingerprint(ets_options())


def figure_rows(result: EtsResult, enterprise_code: str) -> dict[tuple[str, str], dict[str, Any]]:
    """The stored fields of each (facility code, period) of ``enterprise_code`` in ``result``: its months,
    and the years a facility reported as a whole (no month of that year)."""
    unverified_refs = {f.ref for f in result.findings if f.code == "ets.value.unverified"}
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for facility in result.facilities:
        if facility.enterprise_id != enterprise_code:
            continue
        months = {m.period[:4] for m in facility.months}
        cells = [*facility.months, *(y for y in facility.years if y.period not in months)]
        for row in cells:
            located = sum(1 for f in result.findings if f.facility_id == facility.facility_id
                          and f.period in (row.period, ""))
            unverified = _unverified(row.figures, result, unverified_refs)
            out[(facility.facility_id, row.period)] = {
                "sector": facility.sector, **_fields(row.figures), **_steel_level(facility, row.figures),
                "findings": located + len(unverified), "unverified": bool(unverified)}
    return out


#: the steel main processes whose process-level emissions are formula (2): the unit's net fuel
_MAIN_PROCESSES = ("coking", "sintering", "pelletising", "ironmaking", "steelmaking")


def _steel_level(facility: Any, f: EtsFigures) -> dict[str, Any]:
    """A steel facility's process and its process-level emissions [tCO2] (CETS—AG—03.01 formula (2):
    a main process's net fuel, as :func:`greenmfg.ets.service` sums it; (3): a co-firing power unit);
    None for the other processes (formula (4) is the enterprise's remainder) and other sectors."""
    if facility.sector != "steel":
        return {"steel_process": None, "process_level_tco2": None}
    process = facility.process or "other"
    level = (f.combustion_tco2 if process in _MAIN_PROCESSES
             else (f.cofiring_tco2 or 0.0) if facility.captive_power else None)
    return {"steel_process": process, "process_level_tco2": level}


def _fields(f: EtsFigures) -> dict[str, Any]:
    return {"combustion_tco2": f.combustion_tco2, "process_tco2": f.process_tco2, "cf4_t": f.cf4_t,
            "c2f6_t": f.c2f6_t, "cf4_tco2e": f.cf4_tco2e, "c2f6_tco2e": f.c2f6_tco2e,
            "covered_tco2e": f.covered_tco2e, "purchased_electricity_mwh": f.purchased_electricity_mwh,
            "purchased_electricity_tco2": f.purchased_electricity_tco2, "purchased_heat_tco2": f.purchased_heat_tco2}


def _unverified(figures: EtsFigures, result: EtsResult, refs: set[str]) -> set[str]:
    """The values the result names as not verified (``ets.value.unverified``) that covered lines of
    these figures use."""
    used: set[str] = set()
    for line_id in figures.lines if refs else ():
        line = result.lines.get(line_id)
        if line is not None and line["covered"]:
            used |= refs.intersection(line.get("unverified") or ())
    return used


def _account(session: Session, versions: Sequence[DataVersion | Any]) -> EtsResult | None:
    """The ETS engine on the stored rows of these data versions: one run, or one per year when a
    facility reported annually one year and monthly another (not one valid input). None when none
    of the rows is of a covered sector's unit."""
    from greenmfg.accounting.store import stored_records
    from greenmfg.ets.service import account_ets

    try:
        return account_ets(stored_records(session, [v.id for v in versions]))
    except ValidationFailed:
        by_year: dict[str, list[Any]] = {}
        for version in versions:
            by_year.setdefault(version.period[:4], []).append(version)
        results = [r for year in sorted(by_year) if (r := _account_year(session, by_year[year])) is not None]
        return _merged(results)
    except GreenmfgError:  # no unit of a covered sector among the rows
        return None


def account_versions(session: Session, versions: Sequence[DataVersion | Any]) -> EtsResult | None:
    """The ETS engine on the stored rows of these data versions, exactly as the stored figures were
    computed (the annual report and the verification pack show its derivation lines next to the
    stored figures, and check that they agree). None when no row is of a covered sector's unit."""
    return _account(session, versions)


def _account_year(session: Session, versions: Sequence[Any]) -> EtsResult | None:
    from greenmfg.accounting.store import stored_records
    from greenmfg.ets.service import account_ets

    try:
        return account_ets(stored_records(session, [v.id for v in versions]))
    except GreenmfgError:  # rows the engine refuses (ValidationFailed too) give no figures, like no rows
        return None


def _merged(results: Sequence[EtsResult]) -> EtsResult | None:
    if not results:
        return None
    first = results[0]
    return EtsResult(sector=first.sector, year=None, months=[m for r in results for m in r.months],
                     years=[y for r in results for y in r.years],
                     facilities=[f for r in results for f in r.facilities],
                     companies=[c for r in results for c in r.companies],
                     lines={k: v for r in results for k, v in r.lines.items()},
                     findings=[f for r in results for f in r.findings], methodologies=first.methodologies,
                     provenance=first.provenance)


def store_figures(session: Session, enterprise: Organisation, versions: Iterable[DataVersion | Any] | None = None,
                  *, result: EtsResult | None = None, accounted: bool = False) -> int:
    """Account and store the covered figures of an enterprise's data versions; how many rows were stored.

    ``versions``: the data versions just stored (a commit); None: every current version of the
    enterprise (a recalculation), whose figures all are replaced. ``result``/``accounted``: the ETS
    engine's result of (at least) these versions' rows, already computed (the demo seed accounts
    the whole region once); else the stored rows are accounted here, once. Figures of data
    versions no longer current are deleted. Nothing happens for an enterprise outside the
    covered sectors.
    """
    if enterprise.industry not in COVERED_INDUSTRIES or enterprise.code is None:
        return 0
    replace_all = versions is None
    if versions is None:
        chosen: list[Any] = list(session.execute(select(DataVersion).where(
            DataVersion.enterprise_id == enterprise.id, DataVersion.current.is_(True))).scalars())
    else:
        chosen = list(versions)
    if replace_all:
        session.execute(delete(EtsFigure).where(EtsFigure.enterprise_id == enterprise.id))
    else:
        replaced = select(DataVersion.id).where(DataVersion.enterprise_id == enterprise.id,
                                                DataVersion.current.is_(False))
        session.execute(delete(EtsFigure).where(EtsFigure.enterprise_id == enterprise.id,
                                                EtsFigure.data_version_id.in_(replaced)))
    if not chosen:
        return 0
    if not accounted:
        result = _account(session, chosen)
    if result is None:
        return 0
    facilities = {code: i for code, i in session.execute(select(Facility.code, Facility.id).where(
        Facility.enterprise_id == enterprise.id))}
    wanted = {v.id for v in chosen}
    version_of = {(f, p): i for i, f, p in session.execute(select(
        DataVersion.id, DataVersion.facility_id, DataVersion.period).where(
        DataVersion.enterprise_id == enterprise.id, DataVersion.current.is_(True)))}
    fingerprint = installed_fingerprint()
    rows = []
    for (code, period), fields in figure_rows(result, enterprise.code).items():
        facility_id = facilities.get(code)
        version_id = version_of.get((facility_id, period)) if facility_id is not None else None
        if version_id is None or version_id not in wanted:
            continue  # not a data version of this store
        rows.append({"enterprise_id": enterprise.id, "facility_id": facility_id, "period": period,
                     "year": int(period[:4]), "data_version_id": version_id, "reference_fingerprint": fingerprint,
                     **fields})
    if rows:
        if not replace_all:  # a commit that stores a facility-period again (same versions): replace its row
            session.execute(delete(EtsFigure).where(EtsFigure.data_version_id.in_(sorted(wanted))))
        session.connection().execute(insert(EtsFigure.__table__), rows)  # type: ignore[arg-type]
    return len(rows)


def needs_refresh(session: Session, enterprise: Organisation) -> bool:
    """Whether a covered-sector enterprise's stored figures are due for a recalculation: computed with
    other reference data than installed, or missing while it has current data (data stored before
    the figures were kept)."""
    if enterprise.industry not in COVERED_INDUSTRIES:
        return False
    fingerprints = set(session.execute(select(EtsFigure.reference_fingerprint).where(
        EtsFigure.enterprise_id == enterprise.id).distinct()).scalars())
    if fingerprints:
        return fingerprints != {installed_fingerprint()}
    return bool(session.scalar(select(func.count()).select_from(DataVersion).where(
        DataVersion.enterprise_id == enterprise.id, DataVersion.current.is_(True))))

