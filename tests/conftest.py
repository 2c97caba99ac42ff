from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from greenmfg.accounting.template_spec import COLUMNS

HEADER = [c.name for c in COLUMNS]
BASE = {"enterprise_id": "E1", "enterprise_name": "示例企业", "industry": "钢铁", "region": "320000",
        "facility_id": "F1", "period": "2024-01"}

WriteRows = Callable[..., Path]


@pytest.fixture(autouse=True)
def _audit_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's audit key and checkpoint file under its own folder (the checkpoints belong to
    one database: another test's would report truncation)."""
    from greenmfg.audit import keys, service

    monkeypatch.setattr(keys, "DEFAULT_DIRECTORY", tmp_path / "var")
    monkeypatch.setattr(keys, "default_checkpoints", lambda _url: tmp_path / "var" / "audit-checkpoints.jsonl")
    monkeypatch.setattr(service, "_KEYRING", None)
    monkeypatch.setattr(service, "_UNCONFIGURED", {})


@pytest.fixture
def write_rows(tmp_path: Path) -> WriteRows:
    """Write template rows to a CSV: each row is a dict overriding BASE (item, quantity, unit, flow …)."""

    def write(rows: Sequence[dict[str, object]], name: str = "activity.csv",
              header: Sequence[str] = HEADER) -> Path:
        path = tmp_path / name
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for row in rows:
                full = {**BASE, **row}
                writer.writerow(["" if full.get(h) is None else full.get(h, "") for h in header])
        return path

    return write
