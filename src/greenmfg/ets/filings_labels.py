"""The carbon-market filings' codes in words (message ids in English, translated by the ``ets_filings`` catalog)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from greenmfg.i18n import N_

__all__ = ["BASIS_LABELS", "EVIDENCE_LABELS", "STATUS_LABELS", "STATUS_TONES"]

#: a month's status in words (the enterprise's and the regulators' tables)
STATUS_LABELS: Mapping[str, str] = MappingProxyType({
    "not_due": N_("Not due yet"),
    "due": N_("Due by %(date)s"),
    "filed_on_time": N_("Filed on time"),
    "filed_late": N_("Filed late"),
    "overdue": N_("Overdue, not filed"),
})
#: the badge each status is drawn with (see the ``badge`` macro)
STATUS_TONES: Mapping[str, str] = MappingProxyType({
    "not_due": "pending", "due": "info", "filed_on_time": "verified", "filed_late": "warning", "overdue": "error",
})
EVIDENCE_LABELS: Mapping[str, str] = MappingProxyType({
    "lab_report": N_("Lab report (carbon content, calorific value)"),
    "invoice": N_("Invoice or settlement note"),
    "meter_totals": N_("Meter totals"),
    "other": N_("Other evidence"),
})
BASIS_LABELS: Mapping[str, str] = MappingProxyType({
    "emissions": N_("assessed from the stored emissions"),
    "regulator": N_("set by the regulator"),
})
