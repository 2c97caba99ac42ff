"""Filing deadlines: monthly activity data not imported by the date it is due.

When a month's data is due is data, not code: the ``filing_deadlines`` dataset of the reference
library (one row per obligation and group of industries, with its source and verification status;
a region's own dates are a new edition). :func:`check_deadlines` (``greenmfg notifications
deadlines``, run daily) tells the members of each enterprise that files on the platform (it has
imported data before) about each recent month whose data is due and missing, once per month, and
the covered companies of the carbon market about monthly filings due soon or overdue
(:func:`greenmfg.ets.filings.notify_deadlines`).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from greenmfg.accounting.models import DataVersion
from greenmfg.notifications.service import notify
from greenmfg.orgs.models import Organisation, OrgKind
from greenmfg.refdata.catalog import Catalog, load_catalog

__all__ = ["DATASET", "FilingRule", "check_deadlines", "due_date", "load_rules", "rule_for"]

DATASET = "filing_deadlines/platform-2026.3"


@dataclass(frozen=True, slots=True)
class FilingRule:
    """When one obligation's data is due: ``days`` after the end of its month, or on ``due_on`` for
    every month of a window (``first_period`` to ``last_period``, ``YYYY-MM``; empty: open)."""

    key: str
    obligation: str
    #: industry keys the row is for; empty: every industry without a row of its own
    industries: frozenset[str]
    days: int
    rule_en: str
    rule_zh: str
    source: str
    verification_status: str
    first_period: str = ""
    last_period: str = ""
    due_on: dt.date | None = None

    @property
    def ref(self) -> str:
        return f"{DATASET}:{self.key}"

    @property
    def windowed(self) -> bool:
        return bool(self.first_period or self.last_period)

    def covers(self, month: str) -> bool:
        """Whether month ``YYYY-MM`` lies in the row's window (any month when it has none)."""
        return (not self.first_period or month >= self.first_period) and (
            not self.last_period or month <= self.last_period)

    def due(self, month: str) -> dt.date:
        """The day month ``YYYY-MM``'s data is due by this row."""
        return self.due_on if self.due_on is not None else due_date(month, self.days)


def load_rules(catalog: Catalog | None = None) -> list[FilingRule]:
    """The rows of the ``filing_deadlines`` dataset."""
    dataset = (catalog or load_catalog()).dataset(DATASET)
    return [FilingRule(key=r["key"], obligation=r["obligation"],
                       industries=frozenset(k for k in (r["industries"] or "").split("|") if k),
                       days=int(r["due_days_after_period"] or 0), rule_en=r["rule_en"], rule_zh=r["rule_zh"],
                       source=r["source"], verification_status=r["verification_status"],
                       first_period=(r.get("first_period") or "").strip(),
                       last_period=(r.get("last_period") or "").strip(),
                       due_on=dt.date.fromisoformat(r["due_date"]) if (r.get("due_date") or "").strip() else None)
            for r in dataset.records if r["period"] == "month"]


def rule_for(rules: Sequence[FilingRule], obligation: str, industry: str | None,
             month: str | None = None) -> FilingRule | None:
    """The row for an enterprise of ``industry``: its industry's own, else the one for every industry.
    With ``month`` (``YYYY-MM``): only rows whose window covers it, a row with a window first (the
    2025 back-filling of the carbon market's monthly evidence); without: rows without a window."""
    mine = [r for r in rules if r.obligation == obligation
            and (r.covers(month) if month is not None else not r.windowed)]
    mine.sort(key=lambda r: not r.windowed)
    return (next((r for r in mine if industry in r.industries), None)
            or next((r for r in mine if not r.industries), None))


def due_date(month: str, days: int) -> dt.date:
    """The day month ``YYYY-MM``'s data is due: ``days`` after its last day."""
    year, number = int(month[:4]), int(month[5:7])
    return dt.date(year, number, calendar.monthrange(year, number)[1]) + dt.timedelta(days=days)


def _months_before(today: dt.date, count: int) -> list[str]:
    out, year, month = [], today.year, today.month
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append(f"{year:04d}-{month:02d}")
    return out


def check_deadlines(session: Session, *, today: dt.date, months: int = 3, catalog: Catalog | None = None) -> int:
    """Tell each filing enterprise's members about months of the last ``months`` whose activity data
    is due by ``today`` and not imported; how many notifications were made (each is made once)."""
    rules = load_rules(catalog)
    candidates = _months_before(today, months)
    first = dict(session.execute(select(DataVersion.enterprise_id, func.min(DataVersion.period))
                                 .group_by(DataVersion.enterprise_id)).all())
    if not first:
        return 0
    filed = set(session.execute(select(DataVersion.enterprise_id, DataVersion.period)
                                .where(DataVersion.period.in_(candidates)).distinct()).all())
    made = 0
    enterprises = session.execute(select(Organisation).where(
        Organisation.id.in_(list(first)), Organisation.kind == OrgKind.enterprise,
        Organisation.active.is_(True)).order_by(Organisation.id)).scalars()
    for enterprise in enterprises:
        rule = rule_for(rules, "monthly_activity", enterprise.industry)
        if rule is None:
            continue
        for month in sorted(candidates):
            due = due_date(month, rule.days)
            if month < first[enterprise.id] or due > today or (enterprise.id, month) in filed:
                continue
            made += len(notify(
                session, event="deadline.monthly_activity", kind="deadline", audiences=("enterprise",),
                enterprise=enterprise,
                params={"month": month, "due": due.isoformat(), "rule_en": rule.rule_en, "rule_zh": rule.rule_zh,
                        "source": rule.ref},
                link=f"/enterprises/{enterprise.id}/imports", target_type="enterprise_month",
                target_id=f"{enterprise.id}:{month}", dedupe_key=f"deadline:monthly_activity:{enterprise.id}:{month}"))
    session.flush()
    # the carbon market's monthly filings: due soon, overdue
    from greenmfg.ets.filings import notify_deadlines

    return made + notify_deadlines(session, today=today)
