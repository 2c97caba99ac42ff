"""Pathways API (``/api/v1/pathways``): the documents the pages draw, computed on request.

``GET /api/v1/pathways/enterprises/{id}/decomposition?base=&target=&method=``
    LMDI of the enterprise's counted results between two years, by product (anyone who may see the
    enterprise; 404 otherwise); the earliest and latest years with results when omitted.
``GET /api/v1/pathways/enterprises/{id}/macc?year=&target=&capex_limit=``
    Cost curve and least-cost portfolio of the library's and the equipment register's measures.
``GET /api/v1/pathways/regions/{province}/industries?city=&base=&target=``
    The area's decomposition and each industry's (admins, regulators of the whole area; 403 otherwise).
``GET /api/v1/pathways/scenarios/example?draws=&seed=``
    The example scenario file's run (at most 1 000 draws; the command line runs more).
``GET /api/v1/pathways/enterprises/{id}/scenario?year=`` and ``…/scenario.yaml?year=``
    A scenario file written from the enterprise's stored data of the base year ``year`` (else its
    latest year with counted results; :mod:`greenmfg.pathways.stored_scenario`): the run with where
    every value came from (``run.provenance.derivation``) and the file (``yaml``), or the file alone
    to edit and upload (anyone who may see the enterprise; 404 otherwise).
``GET /api/v1/pathways/regions/{province}/scenario?city=&industry=&year=`` and ``…/scenario.yaml``
    The same for an area's industries (or one industry of the area): admins and regulators of the
    whole area; 403 otherwise.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.encoders import jsonable_encoder

from greenmfg.db.session import Database
from greenmfg.errors import ValidationFailed
from greenmfg.findings import Locator
from greenmfg.pathways import service
from greenmfg.web.deps import CurrentPrincipal, get_database
from greenmfg.web.downloads import content_response
from greenmfg.web.ids import Id

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/pathways", tags=["pathways"])

DatabaseDep = Annotated[Database, Depends(get_database)]
YEAR = Query(ge=1990, le=2100)


def _two_years(years: list[int], base: int | None, target: int | None) -> tuple[int, int]:
    pair = service.pick_years(years, base, target)
    if pair is None:
        raise ValidationFailed([Locator(code_prefix="pathways.stored.").finding(
            "one_year", "base", base, "the decomposition needs counted results of two years",
            "分解需要两个年份的计入核算结果", "commit the accounting data of another year first",
            "请先提交另一年份的核算数据", row=None)], 1)
    return pair


@router.get("/enterprises/{enterprise_id}/decomposition", summary="LMDI decomposition of the stored results")
def enterprise_decomposition(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                             base: Annotated[int | None, YEAR] = None, target: Annotated[int | None, YEAR] = None,
                             method: Literal["additive", "multiplicative"] = "additive") -> Any:
    with database.session() as session:
        _enterprise, years = service.enterprise_years(session, principal, enterprise_id)
    first, last = _two_years(years, base, target)
    result = service.enterprise_decomposition(database, principal, enterprise_id, base=first, target=last, method=method)
    return jsonable_encoder(result.to_document())


@router.get("/enterprises/{enterprise_id}/macc", summary="Cost curve and least-cost portfolio of measures")
def enterprise_macc(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                    year: Annotated[int | None, YEAR] = None,
                    target: Annotated[float | None, Query(ge=0, le=1e12, description="abatement [tCO2e/yr]")] = None,
                    capex_limit: Annotated[float | None, Query(ge=0, le=1e15, description="[CNY]")] = None) -> Any:
    with database.session() as session:
        _enterprise, years = service.enterprise_years(session, principal, enterprise_id)
    chosen = year if year is not None else (years[-1] if years else None)
    if chosen is None:
        raise ValidationFailed([Locator(code_prefix="pathways.macc.").finding(
            "no_year", "year", None, "the enterprise has no counted results: give the year",
            "该企业没有计入的核算结果：请给出年份", "add ?year=YYYY", "请加上 ?year=YYYY", row=None)], 1)
    result = service.enterprise_macc(database, principal, enterprise_id, year=chosen, target=target,
                                     capex_limit=capex_limit)
    return jsonable_encoder(result.to_document())


@router.get("/regions/{province}/industries", summary="A region's industries side by side (regulators)")
def region_industries(province: Annotated[str, Path(pattern=r"^\d{6}$")], principal: CurrentPrincipal,
                      database: DatabaseDep, city: Annotated[str | None, Query(max_length=64)] = None,
                      base: Annotated[int | None, YEAR] = None, target: Annotated[int | None, YEAR] = None) -> Any:
    with database.session() as session:
        years = service.region_years(session, principal, province, city or None)
    first, last = _two_years(years, base, target)
    return jsonable_encoder(service.region_pathways(database, principal, province, city or None, base=first,
                                                    target=last).to_document())


@router.get("/scenarios/example", summary="The example scenario's run, with its bands")
def example_scenario(principal: CurrentPrincipal, draws: Annotated[int | None, Query(ge=0, le=service.PAGE_DRAWS)] = None,
                     seed: Annotated[int | None, Query(ge=0, le=2**32 - 1)] = None) -> Any:
    return jsonable_encoder(service.example_scenario(draws=draws, seed=seed).to_document())


def _stored_answer(scenario: Any, fmt: str) -> Any:
    from greenmfg.pathways.stored_scenario import run_stored_scenario

    if fmt == "yaml":
        return content_response(scenario.content, scenario.file, "application/yaml")
    run = run_stored_scenario(scenario)
    return jsonable_encoder({"kind": "greenmfg.pathways.stored_scenario", "file": scenario.file,
                             "base_year": scenario.base_year, "scope": scenario.scope, "yaml": scenario.text,
                             "run": run.to_document()})


def _enterprise_scenario(enterprise_id: Id, principal: CurrentPrincipal, database: DatabaseDep,
                         year: Annotated[int | None, YEAR] = None) -> Any:
    """The enterprise's scenario written from its stored data (what both of its routes answer with)."""
    return service.enterprise_stored_scenario(database, principal, enterprise_id, year=year)


INDUSTRY = Query(max_length=64, pattern=r"^[a-z0-9_]+$")


def _region_scenario(province: Annotated[str, Path(pattern=r"^\d{6}$")], principal: CurrentPrincipal,
                     database: DatabaseDep, city: Annotated[str | None, Query(max_length=64)] = None,
                     industry: Annotated[str | None, INDUSTRY] = None,
                     year: Annotated[int | None, YEAR] = None) -> Any:
    """The area's scenario (its industries, or one with industry=) written from its stored data."""
    return service.region_stored_scenario(database, principal, province, city or None, year=year,
                                          industry=industry or None)


EnterpriseScenario = Annotated[Any, Depends(_enterprise_scenario)]
RegionScenario = Annotated[Any, Depends(_region_scenario)]


@router.get("/enterprises/{enterprise_id}/scenario", summary="A scenario file written from the enterprise's stored "
            "data, and its run")
def enterprise_stored_scenario(scenario: EnterpriseScenario) -> Any:
    return _stored_answer(scenario, "json")


@router.get("/enterprises/{enterprise_id}/scenario.yaml", summary="The scenario file written from the enterprise's "
            "stored data (YAML, to edit and upload)")
def enterprise_stored_scenario_yaml(scenario: EnterpriseScenario) -> Any:
    return _stored_answer(scenario, "yaml")


@router.get("/regions/{province}/scenario", summary="A scenario file written from the area's stored data (its "
            "industries, or one with industry=), and its run (regulators)")
def region_stored_scenario(scenario: RegionScenario) -> Any:
    return _stored_answer(scenario, "json")


@router.get("/regions/{province}/scenario.yaml", summary="The scenario file written from the area's stored data "
            "(YAML, to edit and upload)")
def region_stored_scenario_yaml(scenario: RegionScenario) -> Any:
    return _stored_answer(scenario, "yaml")
