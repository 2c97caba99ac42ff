"""The previews kept for their commit are bounded by entries and rows, and are used only with the
reference data they were computed with."""

from __future__ import annotations

import pytest

from greenmfg.accounting import store


def _document() -> dict[str, object]:
    return {"provenance": {"datasets": [], "options": {}}, "results": []}


def test_previews_are_bounded_by_rows_and_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "installed_fingerprint", lambda: store.reference_fingerprint(_document()["provenance"]))  # type: ignore[arg-type]
    cache = store._PreviewCache(size=3, max_rows=10)
    rows = [{"row": i} for i in range(4)]
    cache.put("a", "a.csv", _document(), rows)
    cache.put("b", "b.csv", _document(), rows)
    assert cache.take("a", "a.csv") is not None and cache.take("b", "b.csv") is not None
    cache.put("c", "c.csv", _document(), rows)  # 12 rows kept would be over 10: the oldest goes
    assert cache.take("a", "a.csv") is None and cache.take("c", "c.csv") is not None
    cache.put("big", "big.csv", _document(), [{"row": i} for i in range(6)])  # over half the bound: not kept
    assert cache.take("big", "big.csv") is None
    monkeypatch.setattr(store, "installed_fingerprint", lambda: "other reference data")
    assert cache.take("c", "c.csv") is None
