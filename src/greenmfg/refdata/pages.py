"""Reference-data pages: the item list that import errors link to.

Routes
------
``/reference/items`` (``?q=&kind=``)
    Every item of the vocabulary (energy carriers, materials, products) with its names in Chinese
    and English, other accepted spellings, code, category, unit and allowed flows; searched by
    name, pinyin or code. Reference data: the same for every signed-in user.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from greenmfg.i18n import Translator
from greenmfg.refdata.items import ItemEntry, search_items
from greenmfg.refdata.labels import ITEM_KIND_LABELS
from greenmfg.refdata.vocabulary import FLOW_NAMES
from greenmfg.units import display_unit
from greenmfg.web.deps import PagePrincipal
from greenmfg.web.templating import render, translator_for

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _row(entry: ItemEntry, translator: Translator) -> dict[str, Any]:
    zh = translator.locale == "zh-CN"
    item = entry.item
    measure = entry.measure
    return {
        "key": item.key,
        "name": item.name_zh if zh else item.name_en[:1].upper() + item.name_en[1:],
        "other_name": item.name_en if zh else item.name_zh,
        "aliases": "、".join(entry.aliases) if zh else ", ".join(entry.aliases),
        "kind": translator.gettext(ITEM_KIND_LABELS.get(item.kind, item.kind)),
        "unit": display_unit(item.canonical_unit),
        "measure": (measure.name_zh if zh else measure.name) if measure is not None else "",
        "units": (measure.examples_zh if zh else measure.examples) if measure is not None else "",
        "flows": [FLOW_NAMES[f][1] if zh else f for f in item.allowed_flows],
    }


@router.get("/reference/items")
def items_page(request: Request, principal: PagePrincipal,
               q: Annotated[str | None, Query(max_length=100)] = None,
               kind: Annotated[str | None, Query(max_length=40)] = None) -> Response:
    translator = translator_for(request)
    found, closest = search_items(q, kind)
    return render(request, "refdata/items.html", {
        "rows": [_row(e, translator) for e in found], "closest": [_row(e, translator) for e in closest],
        "q": (q or "").strip(), "kind": kind if kind in ITEM_KIND_LABELS else "",
        "kinds": [(key, translator.gettext(label)) for key, label in ITEM_KIND_LABELS.items()],
    })
