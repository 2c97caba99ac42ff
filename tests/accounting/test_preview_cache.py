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


def test_the_same_file_checked_again_for_its_enterprise_is_not_accounted_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A second preview of the same bytes for the same enterprise reuses the first one's accounting;
    for another enterprise (where the rows are foreign) or with other reference data installed, the
    file is accounted (and checked) again."""
    from greenmfg.orgs.models import Organisation

    monkeypatch.setattr(store, "_previews", store._PreviewCache())
    content = ("enterprise_id,enterprise_name,industry,region,facility_id,period,item,quantity,unit,flow\n"
               "E-A,甲厂,钢铁,130000,F1,2024-01,原煤,100,t,消耗\n").encode()
    mine, other = Organisation(code="E-A", name="甲厂"), Organisation(code="E-B", name="乙厂")
    first = store.check_upload(mine, filename="a.csv", content_type="text/csv", content=content, max_bytes=10_000)
    assert first.accounted is not None and not first.issues
    document, _raw, _benchmarks = first.accounted
    store._previews.put(first.sha256, first.name, *first.accounted, enterprise_code="E-A")

    def no_accounting(*args: object, **kwargs: object) -> None:
        raise AssertionError("accounted again")

    with monkeypatch.context() as patched:
        patched.setattr(store, "account", no_accounting)
        again = store.check_upload(mine, filename="a.csv", content_type="text/csv", content=content, max_bytes=10_000)
        assert again.accounted is not None and again.accounted[0] is document
        # the size limit is still checked first
        with pytest.raises(store.UploadRejected):
            store.check_upload(mine, filename="a.csv", content_type="text/csv", content=content, max_bytes=10)
    foreign = store.check_upload(other, filename="a.csv", content_type="text/csv", content=content, max_bytes=10_000)
    assert foreign.accounted is None and foreign.issues[0].code == "platform.import.other_enterprise", foreign.issues
    monkeypatch.setattr(store, "installed_fingerprint", lambda: "other reference data")
    fresh = store.check_upload(mine, filename="a.csv", content_type="text/csv", content=content, max_bytes=10_000)
    assert fresh.accounted is not None and fresh.accounted[0] is not document
