"""Meter API: list meters, query readings and rollups, push readings (JSON or CSV).

``POST /api/v1/meters/{meter_id}/readings`` takes the MQTT payload
``{"readings": [{"ts": "2026-03-01T08:15:00+08:00", "value": 12.5, "unit": "kWh"}]}``; a bad
payload answers 422 with one located problem per field (``details[].column`` such as
``readings[3].ts``) and stores nothing. Readings already stored for the same (meter, ts) are
ignored and counted as ``duplicates``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from greenmfg.db.session import Database
from greenmfg.monitoring import devices, service
from greenmfg.monitoring.broker import sync_broker
from greenmfg.monitoring.models import MeterDevice
from greenmfg.monitoring.readings import (
    INTERVALS,
    LOCAL_TZ,
    PayloadError,
    StoreResult,
    dead_letter,
    raw_readings,
    series,
)
from greenmfg.orgs.access import Principal
from greenmfg.settings import Settings
from greenmfg.web.deps import CurrentPrincipal, api_principal, get_database, get_settings
from greenmfg.web.errors import ApiError
from greenmfg.web.ids import Id
from greenmfg.web.pagination import Page, PageParams, page_params
from greenmfg.web.uploads import read_upload_sync

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["monitoring"])
DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
MAX_RAW_POINTS = 200_000
PUSH_EXAMPLE = {"readings": [{"ts": "2026-03-01T08:15:00+08:00", "value": 12.5, "unit": "kWh"},
                             {"ts": "2026-03-01T08:30:00+08:00", "value": 11.75, "unit": "kWh"}]}
DEFAULT_SPAN = {None: dt.timedelta(days=1), "15min": dt.timedelta(days=7), "hour": dt.timedelta(days=31),
                "day": dt.timedelta(days=366), "month": dt.timedelta(days=3 * 366)}


def _instant(raw: str | None, name: str) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        if len(raw) == 10:
            day = dt.date.fromisoformat(raw)
            return int(dt.datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ).timestamp())
        when = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(422, f"{name}: '{raw}' is not a date or ISO 8601 time", f"{name}：“{raw}”不是日期或 ISO 8601 时间",
                       details=[{"column": name, "message": "use 2026-03-01 or 2026-03-01T08:00:00+08:00",
                                 "message_zh": "请使用 2026-03-01 或 2026-03-01T08:00:00+08:00"}]) from None
    return int((when if when.tzinfo else when.replace(tzinfo=LOCAL_TZ)).timestamp())


@router.get("/enterprises/{enterprise_id}/meters", summary="The enterprise's meters with their newest reading")
def list_meters(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep) -> dict[str, Any]:
    with database.session() as session:
        views = service.list_meters(session, principal, enterprise_id)
        latest = service.latest_readings(session, [v.meter.id for v in views])
        return {"items": [service.meter_dict(v, latest.get(v.meter.id)) for v in views]}


@router.get("/enterprises/{enterprise_id}/meters/dead-letters",
            summary="Rejected meter messages (MQTT/HTTP) of the enterprise, newest first")
def list_dead_letters(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                      params: Annotated[PageParams, Depends(page_params)]) -> dict[str, Any]:
    """A message belongs to the enterprise its topic ``greenmfg/v1/{enterprise_id}/…`` names (or,
    without a topic, to its meter's enterprise). ``reason`` / ``reason_zh`` say why it was refused;
    ``payload_preview`` is the payload's first 200 characters."""
    with database.session() as session:
        items, total = service.dead_letters(session, principal, enterprise_id, limit=params.page_size,
                                            offset=params.offset)
        return Page(items, total, params)


@router.get("/meters/{meter_id}/readings", summary="Raw readings, or consumption per 15min/hour/day/month")
def get_readings(
    meter_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
    start: Annotated[str | None, Query(alias="from", description="date or ISO time (China time when no offset); "
                                       "default: a span before `to`")] = None,
    end: Annotated[str | None, Query(alias="to", description="exclusive; default now")] = None,
    interval: Annotated[str | None, Query(description="15min, hour, day or month (local China days); "
                                          "absent: raw readings")] = None,
) -> Response:
    """Raw: ``value`` is the reading as stored (register or interval value) [meter unit].
    With ``interval``: ``value`` is the consumption in the bucket starting at ``ts`` [meter unit];
    buckets without readings are absent."""
    if interval is not None and interval not in INTERVALS:
        raise ApiError(422, f"interval must be one of {', '.join(INTERVALS)}",
                       f"interval 只能是 {', '.join(INTERVALS)}",
                       details=[{"column": "interval", "message": f"one of {', '.join(INTERVALS)}",
                                 "message_zh": f"可选 {', '.join(INTERVALS)}"}])
    stop = _instant(end, "to") or int(dt.datetime.now(dt.UTC).timestamp()) + 1
    begin = _instant(start, "from") or stop - int(DEFAULT_SPAN[interval].total_seconds())
    with database.session() as session:
        view = service.get_meter(session, principal, meter_id)
        unit = view.meter.unit
        if interval is None:
            points = raw_readings(session, meter_id, begin, stop)[:MAX_RAW_POINTS]
        else:
            points = series(session, meter_id, interval, begin, stop)
    iso = service.iso_local
    # written directly: FastAPI's generic encoder (and even json.dumps of 35,040 dicts) costs more
    # than the query for a year of 15-minute data; values are finite floats (checked on input)
    unit_json = json.dumps(unit, ensure_ascii=False)
    head = json.dumps({"meter_id": meter_id, "unit": unit, "interval": interval or "raw", "from": iso(begin),
                       "to": iso(stop)}, ensure_ascii=False)[:-1]
    items = ",".join([f'{{"ts":"{iso(ts)}","value":{float(value)!r},"unit":{unit_json}}}' for ts, value in points])
    return Response(f'{head},"items":[{items}]}}', media_type="application/json")


def _stored(result: StoreResult) -> dict[str, int]:
    return {"stored": result.stored, "duplicates": result.duplicates, "rederived": result.rederived}


def _device(database: Database, token: str) -> MeterDevice:
    with database.session() as session:
        device = devices.resolve_token(session, token)
        if device is None:
            raise ApiError(401, "the device token is invalid or revoked", "设备令牌无效或已撤销",
                           headers={"WWW-Authenticate": "Bearer"})
        session.expunge(device)
        return device


async def _pusher(request: Request, database: DatabaseDep, settings: SettingsDep) -> Principal | MeterDevice:
    """The device credential (``Bearer gmdev.…``) pushing, or the signed-in user (refused by the route)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip().startswith(devices.TOKEN_PREFIX):
        return await run_in_threadpool(_device, database, token.strip())
    return await api_principal(request, database, settings)   # 401 when not signed in at all


def _device_token_required() -> ApiError:
    return ApiError(
    403, "readings are pushed with a meter device token (Authorization: Bearer gmdev.…): create a credential for "
         "the meter under its enterprise's meter devices; to load readings by hand, upload a CSV file instead",
    "读数须使用计量设备令牌推送（Authorization: Bearer gmdev.…）：请在企业的计量设备中为该表创建凭据；"
    "手工导入读数请上传 CSV 文件", code="device_token_required")


@router.post("/meters/{meter_id}/readings", summary="Push readings (the MQTT payload) for a meter")
def push_readings(meter_id: Id, principal: Annotated[Principal | MeterDevice, Depends(_pusher)],
                  database: DatabaseDep,
                  body: Annotated[Any, Body(openapi_examples={"two readings": {"value": PUSH_EXAMPLE}})],
                  ) -> dict[str, int]:
    """Needs a device token (``Authorization: Bearer gmdev.{username}.{secret}``) whose grant covers the
    meter — the same grant as the device's MQTT topics. A signed-in user gets 403: people load
    readings by hand with the CSV upload (``POST /api/v1/meters/{id}/readings/csv``).
    A refused payload (after the access check) is also kept as a dead letter (``source = "http"``),
    listed by ``GET /api/v1/enterprises/{id}/meters/dead-letters``."""
    if not isinstance(principal, MeterDevice):
        # readings come from meters, whose credentials say which meters they may write (as on MQTT)
        raise _device_token_required()
    try:
        with database.session() as session:
            return _stored(service.push_readings(session, principal, meter_id, body))
    except PayloadError as error:
        with database.session() as session:
            dead_letter(session, source="http", topic=None, payload=json.dumps(body, ensure_ascii=False, default=str),
                        reason=error.reason, reason_zh=error.reason_zh, meter_id=meter_id)
        raise


@router.post("/meters/{meter_id}/readings/csv", summary="Upload readings as CSV (ts,value,unit), all or nothing")
def upload_csv(meter_id: Id, principal: CurrentPrincipal, database: DatabaseDep, file: UploadFile,
               settings: Annotated[Settings, Depends(get_settings)]) -> dict[str, int]:
    upload = read_upload_sync(file, settings)
    with database.session() as session:
        return _stored(service.upload_csv(session, principal, meter_id, upload.content,
                                          upload.filename or "readings.csv"))


@router.post("/enterprises/{enterprise_id}/meters/account",
             summary="Account a month (YYYY-MM) with meter totals filling the items imports lack")
def account_meters(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                   body: Annotated[dict[str, Any], Body(openapi_examples={"January": {"value": {"period": "2024-01"}}})],
                   ) -> dict[str, Any]:
    """Imported data wins: a meter's monthly total becomes a ``consumed`` activity row only for an
    item the facility-period's current data lacks; the rows are committed as a new data version
    (import ``meters-YYYY-MM.csv``), each metered row marked ``source = meter:<id>``."""
    from greenmfg.monitoring.accounting_bridge import account_meters as account

    period = body.get("period") if isinstance(body, dict) else None
    if not isinstance(period, str):
        raise ApiError(422, "period (YYYY-MM) is required", "缺少期间（YYYY-MM）",
                       details=[{"column": "period", "message": "YYYY-MM", "message_zh": "YYYY-MM"}])
    with database.session() as session:
        run = account(session, principal, enterprise_id, period)
        return {"run_id": run.id, "import_id": run.import_id, "period": period}


def _synced(database: Database, settings: Settings) -> bool:
    """Rewrite the broker's password and ACL files (``GREENMFG_MQTT_BROKER_DIR``) and reload it."""
    with database.session() as session:
        return sync_broker(session, settings.mqtt_broker_dir, settings.mqtt_url)


@router.get("/enterprises/{enterprise_id}/meter-devices", summary="The enterprise's meter/gateway credentials")
def list_meter_devices(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep) -> dict[str, Any]:
    """Enterprise managers (and admins). Secrets are never shown again; ``topics`` are the MQTT grant."""
    with database.session() as session:
        return {"items": [devices.device_dict(d) for d in devices.list_devices(session, principal, enterprise_id)]}


@router.post("/enterprises/{enterprise_id}/meter-devices", status_code=201,
             summary="Create a meter/gateway credential (the password and token are shown once)")
def create_meter_device(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep, settings: SettingsDep,
                        body: Annotated[Any, Body(openapi_examples={"gateway": {"value": {"name": "1# 配电房网关"}},
                                                                    "one meter": {"value": {"name": "M1",
                                                                                            "meter_ids": [1]}}})],
                        ) -> JSONResponse:
    """``{"name": ..., "meter_ids": [ids] | null}`` (null: every meter of the enterprise, a gateway).
    The answer holds ``username`` and ``password`` (MQTT) and ``token`` (HTTP push) — only this once."""
    if not isinstance(body, dict):
        raise ApiError(422, "the body must be an object {\"name\", \"meter_ids\"}", "请求体必须是对象 {\"name\", \"meter_ids\"}")
    with database.session() as session:
        new = devices.create_device(session, principal, enterprise_id, body.get("name"), body.get("meter_ids"))
        answer = devices.device_dict(new.device, new)
    answer["broker_synced"] = _synced(database, settings)
    return JSONResponse(answer, status_code=201, headers={"Cache-Control": "no-store"})


@router.post("/meter-devices/{device_id}/rotate", summary="A new secret for a credential (shown once)")
def rotate_meter_device(device_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                        settings: SettingsDep) -> JSONResponse:
    with database.session() as session:
        new = devices.rotate_device(session, principal, device_id)
        answer = devices.device_dict(new.device, new)
    answer["broker_synced"] = _synced(database, settings)
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


@router.post("/meter-devices/{device_id}/revoke", summary="Revoke a credential (MQTT and HTTP)")
def revoke_meter_device(device_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                        settings: SettingsDep) -> dict[str, Any]:
    with database.session() as session:
        answer = devices.device_dict(devices.revoke_device(session, principal, device_id))
    answer["broker_synced"] = _synced(database, settings)
    return answer
