"""Preview finding: text an import would store in a column too short for it.

A finding of its own (beside the validation of :mod:`greenmfg.accounting.validation`): every
template value that a commit writes into a ``String(n)`` column is checked against ``n``, taken
from the column itself (:func:`greenmfg.db.lengths.column_length`), so the preview refuses it with
file, sheet, row and column named, in Chinese and English, instead of the commit failing in the
database (PostgreSQL: ``value too long``, a 500).
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir

from greenmfg.accounting.models import ActivityRecord
from greenmfg.accounting.template_spec import LABELS_EN, header_zh
from greenmfg.db.lengths import column_length
from greenmfg.errors import Issue
from greenmfg.findings import Locator
from greenmfg.orgs.models import Facility

__all__ = ["STORED_IN", "over_long_cells"]

#: template column (or location column) → the column its text is stored in at commit
STORED_IN: dict[str, Any] = {"facility_id": Facility.code, "_sheet": ActivityRecord.sheet}


def over_long_cells(source: ir.Table, file: str, *, limit: int = 1000) -> list[Issue]:
    """One located issue per cell longer than the column that would keep it (at most ``limit``)."""
    issues: list[Issue] = []
    cells = Locator(file=file, value_limit=100)
    for column, target in STORED_IN.items():
        if column not in source.columns or len(issues) >= limit:
            continue
        most = column_length(target)
        text = source[column].cast("string").strip()
        rows = (source.filter(text.length() > most).order_by("_row")
                .select(sheet=source["_sheet"], row=source["_row"], value=text).limit(limit - len(issues)))
        for r in rows.to_pyarrow().to_pylist():
            value = str(r["value"])
            label = "the sheet name" if column == "_sheet" else f'"{LABELS_EN[column]}"'
            label_zh = "工作表名" if column == "_sheet" else f"“{header_zh(column)}”"
            issues.append(cells.finding(
                "platform.import.too_long", column, value, f"{label} has {len(value):,} characters; at most {most} can be stored",
                f"{label_zh}有 {len(value):,} 个字符，最多可保存 {most} 个字符", f"shorten it to {most} characters or fewer",
                f"请缩短至 {most} 个字符以内", sheet=r["sheet"] or "", row=int(r["row"])))
    return issues
