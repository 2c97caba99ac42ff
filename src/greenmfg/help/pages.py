"""The glossary page (``/help/glossary``): open to everyone (it holds no data); a signed-in reader
keeps the navigation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from greenmfg.db.session import Database
from greenmfg.help.glossary import load_glossary
from greenmfg.refdata.words import status_name
from greenmfg.settings import Settings
from greenmfg.web.deps import get_database, get_settings, session_principal
from greenmfg.web.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/help/glossary")
def glossary(request: Request, database: Annotated[Database, Depends(get_database)],
             settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    principal = session_principal(request, database, settings)
    if principal is not None:
        request.state.user = principal  # the page is the same for everyone; the layout shows the navigation
    zh = request.state.locale == "zh-CN"
    terms = [{"key": term.key, "name": term.name_zh if zh else term.name_en,
              "other": term.name_en if zh else term.name_zh, "text": term.text_zh if zh else term.text_en,
              "source": term.source_zh if zh else term.source_en, "verified": term.verified,
              "status": status_name(term.verification_status, zh=zh)} for term in load_glossary()]
    return render(request, "help/glossary.html", {"terms": terms})
