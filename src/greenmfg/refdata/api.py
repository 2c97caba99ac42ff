"""Reference data API: the cited datasets of the library, read-only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from greenmfg.orgs.access import NotFound
from greenmfg.refdata.catalog import load_catalog
from greenmfg.web.deps import CurrentPrincipal

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["reference data"])


@router.get("/refdata", summary="Datasets of the reference library")
def list_datasets(principal: CurrentPrincipal) -> dict[str, Any]:
    catalog = load_catalog()
    items = []
    for dataset in catalog:
        info = dataset.info
        items.append({"id": info.id, "title": info.title, "title_zh": info.title_zh, "publisher": info.publisher,
                      "family": info.family, "edition": info.edition, "valid_from": info.valid_from,
                      "valid_to": info.valid_to, "sha256": info.sha256})
    return {"items": items, "total": len(items)}


@router.get("/refdata/{dataset_id:path}", summary="One dataset with its rows (value, unit, source, status)")
def get_dataset(dataset_id: str, principal: CurrentPrincipal) -> dict[str, Any]:
    catalog = load_catalog()
    if dataset_id not in catalog:
        raise NotFound("dataset", dataset_id)
    dataset = catalog.dataset(dataset_id)
    info = dataset.info
    return {"id": info.id, "title": info.title, "title_zh": info.title_zh, "publisher": info.publisher,
            "edition": info.edition, "sha256": info.sha256,
            "rows": [{"key": r.key, "parameter": r.parameter, "value": r.value, "unit": r.unit, "source": r.source,
                      "verification_status": r.verification_status, "notes": r.notes} for r in dataset.rows],
            "records": list(dataset.records)}
