"""Derivation lines and warnings stored compactly, read back in the engine's JSON shape.

A derivation line (:func:`greenmfg.accounting.output.result_document`) is mostly what it shares
with every other line of the same item, flow, unit and parameter set: names, category, formulas,
the parameters with their sources and verification status. Stored as one JSON document per
result that repeats on every line of every month of every enterprise (a province of 2 000
enterprises: 2.3 GB, mostly that).

Here a line is split in two:

* its **template**: the line with the fields that differ from line to line (``file``, ``row``,
  ``quantity_input``, ``quantity``, ``energy_tce``, ``co2e_t``) set to null, as compact JSON text.
  Stored once in :class:`~greenmfg.accounting.models.LineTemplate`, addressed by the digest of
  that text (so the same template is stored once whatever enterprise, run or process wrote it,
  and a digest always means the same text);
* per result, a zlib-compressed JSON blob ``{"v": 1, "t": [digests], "f": [files], "l": [[template
  index, file index, row, quantity_input, quantity, energy_tce, co2e_t], ...]}``
  (``FacilityResult.lines_packed``).

Reading fills the template's null fields back in place, so a line is rebuilt key for key, value
for value as the engine produced it (JSON text keeps key order and Python's float repr
round-trips exactly).

A result's **warnings** (``{code, ref, message, message_zh}``) are mostly the same texts on every
result that used the same unverified parameter (11 kB per result at the demo's scale, 0.9 GB of a
province of 2 000 enterprises). Each warning's JSON text is stored once in the same
content-addressed table, and a result keeps the zlib-compressed list of their digests
``{"v": 1, "w": [digests]}`` (``FacilityResult.warnings_packed``) and their number
(``FacilityResult.warning_count``, summed in SQL by the dashboards).
"""

from __future__ import annotations

import hashlib
import json
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from greenmfg.accounting.models import FacilityResult, LineTemplate

__all__ = ["VARIABLE_FIELDS", "LinePacker", "preload_lines", "preload_warnings", "result_lines", "result_warnings",
           "unpack", "unpack_warnings"]

#: the fields of a line kept per line; everything else is in its template
VARIABLE_FIELDS = ("file", "row", "quantity_input", "quantity", "energy_tce", "co2e_t")
_FORMAT = 1
#: digests looked up in one statement at most
_CHUNK = 500
#: attribute of a FacilityResult holding its decoded lines
_LOADED = "_greenmfg_lines"
#: attribute of a FacilityResult holding its decoded warnings
_LOADED_WARNINGS = "_greenmfg_warnings"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _text(value: Mapping[str, Any]) -> tuple[str, str]:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _digest(text), text


class LinePacker:
    """Packs the lines and warnings of the results of one write; :meth:`store` saves the shared
    texts (line templates, warnings) they use."""

    def __init__(self) -> None:
        self.templates: dict[str, str] = {}

    def pack(self, lines: Sequence[Mapping[str, Any]]) -> bytes:
        digests: dict[str, int] = {}
        files: dict[str, int] = {}
        rows: list[list[Any]] = []
        for line in lines:
            template = dict(line)
            for key in VARIABLE_FIELDS:
                if key not in template:
                    raise KeyError(f"derivation line without {key!r}: {sorted(line)}")
                template[key] = None
            digest, text = _text(template)
            self.templates.setdefault(digest, text)
            rows.append([digests.setdefault(digest, len(digests)), files.setdefault(line["file"], len(files)),
                         line["row"], line["quantity_input"], line["quantity"], line["energy_tce"], line["co2e_t"]])
        body = {"v": _FORMAT, "t": list(digests), "f": list(files), "l": rows}
        return zlib.compress(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)

    def pack_warnings(self, warnings: Sequence[Mapping[str, Any]]) -> bytes:
        """The warnings of one result as the compressed list of their texts' digests."""
        digests = []
        for warning in warnings:
            digest, text = _text(warning)
            self.templates.setdefault(digest, text)
            digests.append(digest)
        return zlib.compress(json.dumps({"v": _FORMAT, "w": digests}, separators=(",", ":")).encode("utf-8"), 6)

    def store(self, session: Session) -> None:
        """Insert the templates not stored yet (in digest order: concurrent writers never deadlock)."""
        if not self.templates:
            return
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            statement: Any = pg_insert(LineTemplate).on_conflict_do_nothing(index_elements=["digest"])
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            statement = sqlite_insert(LineTemplate).on_conflict_do_nothing(index_elements=["digest"])
        ordered = sorted(self.templates.items())
        for start in range(0, len(ordered), _CHUNK):
            session.execute(statement, [{"digest": d, "body": b} for d, b in ordered[start:start + _CHUNK]])
        _cache.put_many(self.templates)


class _TemplateCache:
    """Template texts by digest, per process: content-addressed, so never stale."""

    def __init__(self, size: int = 8192) -> None:
        self._size = size
        self._items: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: str) -> str | None:
        with self._lock:
            text = self._items.get(digest)
            if text is not None:
                self._items.move_to_end(digest)
            return text

    def put_many(self, items: Mapping[str, str]) -> None:
        with self._lock:
            for digest, text in items.items():
                self._items[digest] = text
                self._items.move_to_end(digest)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


_cache = _TemplateCache()


def _decode(blob: bytes) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(zlib.decompress(blob))
    if body.get("v") != _FORMAT:
        raise ValueError(f"packed derivation lines of an unknown format {body.get('v')!r}")
    return body


def _templates(session: Session | None, digests: Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    missing: list[str] = []
    for digest in dict.fromkeys(digests):
        text = _cache.get(digest)
        if text is None:
            missing.append(digest)
        else:
            found[digest] = text
    if missing:
        if session is None:
            raise RuntimeError("derivation lines read outside their session: load them with preload_lines")
        loaded: dict[str, str] = {}
        for start in range(0, len(missing), _CHUNK):
            loaded.update(session.execute(select(LineTemplate.digest, LineTemplate.body).where(
                LineTemplate.digest.in_(missing[start:start + _CHUNK]))).tuples().all())
        absent = set(missing) - loaded.keys()
        if absent:
            raise LookupError(f"derivation line templates missing: {sorted(absent)[:3]}")
        _cache.put_many(loaded)
        found.update(loaded)
    return found


def _lines_of(body: Mapping[str, Any], templates: Mapping[str, str]) -> list[dict[str, Any]]:
    digests, files = body["t"], body["f"]
    out = []
    for template, file, row, quantity_input, quantity, energy, co2e in body["l"]:
        line: dict[str, Any] = json.loads(templates[digests[template]])
        line["file"], line["row"], line["quantity_input"] = files[file], row, quantity_input
        line["quantity"], line["energy_tce"], line["co2e_t"] = quantity, energy, co2e
        out.append(line)
    return out


def _warnings_of(body: Mapping[str, Any], texts: Mapping[str, str]) -> list[dict[str, Any]]:
    return [json.loads(texts[digest]) for digest in body["w"]]


def unpack(blob: bytes, templates: Mapping[str, str]) -> list[dict[str, Any]]:
    """The lines of a packed blob, with the template texts it names."""
    return _lines_of(_decode(blob), templates)


def unpack_warnings(blob: bytes, texts: Mapping[str, str]) -> list[dict[str, Any]]:
    """The warnings of a packed blob, with the texts it names."""
    return _warnings_of(_decode(blob), texts)


@dataclass(frozen=True, slots=True)
class _Packed:
    """One packed attribute of a result: where it is stored, where results stored before keep their
    JSON, where the decoded list is kept, and how a body becomes that list."""

    packed: str
    legacy: str
    loaded: str
    digests: str
    decode: Callable[[Mapping[str, Any], Mapping[str, str]], list[dict[str, Any]]]


_LINES = _Packed("lines_packed", "lines_json", _LOADED, "t", _lines_of)
_WARNINGS = _Packed("warnings_packed", "warnings_json", _LOADED_WARNINGS, "w", _warnings_of)


def _preload(session: Session | None, results: Iterable[FacilityResult], kinds: Sequence[_Packed]) -> None:
    """Decode ``kinds`` of ``results`` now, with one lookup of the texts they name."""
    pending: list[tuple[FacilityResult, _Packed, dict[str, Any]]] = []
    for result in results:
        for kind in kinds:
            if getattr(result, kind.loaded, None) is not None:
                continue
            blob = getattr(result, kind.packed)
            if blob is None:
                setattr(result, kind.loaded, list(getattr(result, kind.legacy) or []))
            else:
                pending.append((result, kind, _decode(blob)))
    if not pending:
        return
    texts = _templates(session, (d for _result, kind, body in pending for d in body[kind.digests]))
    for result, kind, body in pending:
        setattr(result, kind.loaded, kind.decode(body, texts))


def preload_warnings(session: Session, results: Iterable[FacilityResult]) -> None:
    """Decode the warnings of ``results`` now (one text lookup for all), so that
    ``result.warnings`` also works after the session is closed."""
    _preload(session, results, (_WARNINGS,))


def preload_lines(session: Session, results: Iterable[FacilityResult]) -> None:
    """Decode the lines and warnings of ``results`` now (one text lookup for all), so that
    ``result.lines`` and ``result.warnings`` also work after the session is closed."""
    _preload(session, results, (_LINES, _WARNINGS))


def _decoded(result: FacilityResult, kind: _Packed) -> list[dict[str, Any]]:
    if getattr(result, kind.loaded, None) is None:
        _preload(object_session(result), [result], (kind,))
    loaded: list[dict[str, Any]] = getattr(result, kind.loaded)
    return loaded


def result_lines(result: FacilityResult) -> list[dict[str, Any]]:
    """The lines of one result (old results: their stored JSON document)."""
    return _decoded(result, _LINES)


def result_warnings(result: FacilityResult) -> list[dict[str, Any]]:
    """The warnings of one result (old results: their stored JSON list)."""
    return _decoded(result, _WARNINGS)
