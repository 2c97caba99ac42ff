"""The results of national-carbon-market accounting: figures by source, per month and year, per
unit (facility), process (steel) and company, each with the derivation lines it sums."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field
from typing import Any

from greenmfg.calc.ets import covered_emissions_t
from greenmfg.errors import Finding, GreenmfgError

__all__ = ["EtsCompany", "EtsFacility", "EtsFigures", "EtsFinding", "EtsResult", "EtsRow"]


def _r(value: float, digits: int = 6) -> float:
    return round(value, digits) + 0.0  # no -0.0


@dataclass
class EtsFigures:
    """Emissions of one unit or company over one period, by source [tCO2, tCO2e].

    Covered = combustion + process + PFC (:func:`greenmfg.calc.ets.covered_emissions_t`); purchased
    electricity and heat, and energy supplied outside, are information only.
    """

    combustion_tco2: float = 0.0
    process_tco2: float = 0.0
    cf4_t: float = 0.0
    c2f6_t: float = 0.0
    cf4_tco2e: float = 0.0
    c2f6_tco2e: float = 0.0
    purchased_electricity_mwh: float = 0.0
    purchased_electricity_tco2: float = 0.0
    purchased_heat_tco2: float = 0.0
    exported_tco2: float = 0.0
    #: steel co-firing power units: formula (3), with the oxidation rate (reported apart)
    cofiring_tco2: float | None = None
    #: ids of the derivation lines summed here
    lines: list[str] = field(default_factory=list)

    @property
    def pfc_tco2e(self) -> float:
        return self.cf4_tco2e + self.c2f6_tco2e

    @property
    def covered_tco2e(self) -> float:
        return covered_emissions_t(self.combustion_tco2, self.process_tco2, self.pfc_tco2e)

    def add(self, other: EtsFigures) -> None:
        for name in ("combustion_tco2", "process_tco2", "cf4_t", "c2f6_t", "cf4_tco2e", "c2f6_tco2e",
                     "purchased_electricity_mwh", "purchased_electricity_tco2", "purchased_heat_tco2", "exported_tco2"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.cofiring_tco2 is not None:
            self.cofiring_tco2 = (self.cofiring_tco2 or 0.0) + other.cofiring_tco2
        self.lines.extend(other.lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "covered_tco2e": _r(self.covered_tco2e),
            "combustion_tco2": _r(self.combustion_tco2),
            "process_tco2": _r(self.process_tco2),
            "pfc": {"total_tco2e": _r(self.pfc_tco2e), "cf4_t": _r(self.cf4_t, 9), "cf4_tco2e": _r(self.cf4_tco2e),
                    "c2f6_t": _r(self.c2f6_t, 9), "c2f6_tco2e": _r(self.c2f6_tco2e)},
            **({"cofiring_tco2": _r(self.cofiring_tco2)} if self.cofiring_tco2 is not None else {}),
            "information": {"purchased_electricity_mwh": _r(self.purchased_electricity_mwh),
                            "purchased_electricity_tco2": _r(self.purchased_electricity_tco2),
                            "purchased_heat_tco2": _r(self.purchased_heat_tco2),
                            "exported_tco2": _r(self.exported_tco2)},
            "lines": list(self.lines),
        }


@dataclass
class EtsRow:
    """One period (``YYYY-MM`` or ``YYYY``) of a company, unit or steel process."""

    enterprise_id: str
    period: str
    figures: EtsFigures
    facility_id: str = ""
    process: str = ""

    @property
    def covered_tco2e(self) -> float:
        return self.figures.covered_tco2e

    def as_dict(self) -> dict[str, Any]:
        keys: dict[str, Any] = {"period": self.period}
        if self.process:
            keys["process"] = self.process
        return {**keys, **self.figures.as_dict()}


@dataclass
class EtsFacility:
    """A unit (facility): its sector, steel process, months and years."""

    enterprise_id: str
    facility_id: str
    industry: str
    sector: str
    process: str = ""
    captive_power: bool = False
    months: list[EtsRow] = field(default_factory=list)
    years: list[EtsRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"enterprise_id": self.enterprise_id, "facility_id": self.facility_id, "industry": self.industry,
                "sector": self.sector, "process": self.process or None, "captive_power": self.captive_power,
                "months": [m.as_dict() for m in self.months], "years": [y.as_dict() for y in self.years]}


@dataclass
class EtsCompany:
    """A company (enterprise): its months, years and, for steel, its processes."""

    enterprise_id: str
    enterprise_name: str
    industry: str
    sector: str
    months: list[EtsRow] = field(default_factory=list)
    years: list[EtsRow] = field(default_factory=list)
    #: steel: formula (2) per main process, (3) per co-firing power unit, (4) the other processes
    processes: list[EtsRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"enterprise_id": self.enterprise_id, "enterprise_name": self.enterprise_name,
                "industry": self.industry, "sector": self.sector,
                "months": [m.as_dict() for m in self.months], "years": [y.as_dict() for y in self.years],
                "processes": [p.as_dict() for p in self.processes]}


@dataclass(frozen=True, slots=True)
class EtsFinding(Finding):
    """A finding of ETS accounting: located at an input row where it is about one, and naming the
    reference value (``ref``), unit and period it concerns."""

    _: KW_ONLY
    ref: str = ""
    facility_id: str = ""
    period: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": self.message, "message_zh": self.message_zh,
                "fix": self.fix, "fix_zh": self.fix_zh, "file": self.file, "row": self.row, "column": self.column,
                "value": self.value, "ref": self.ref, "facility_id": self.facility_id, "period": self.period}


@dataclass
class EtsResult:
    """Covered emissions of a national-carbon-market accounting, with derivations and findings."""

    sector: str
    year: int | None
    months: list[EtsRow]
    years: list[EtsRow]
    facilities: list[EtsFacility]
    companies: list[EtsCompany]
    #: derivation lines by id (``<file>:<row>``)
    lines: dict[str, dict[str, Any]]
    findings: list[EtsFinding]
    methodologies: dict[str, dict[str, Any]]
    provenance: dict[str, Any]

    @property
    def company(self) -> EtsCompany:
        """The company of an input of one company.

        Raises
        ------
        GreenmfgError
            The input has several companies (see :attr:`companies`).
        """
        if len(self.companies) != 1:
            raise GreenmfgError(f"the input has {len(self.companies)} companies: use .companies",
                                f"输入包含 {len(self.companies)} 家企业，请使用 .companies")
        return self.companies[0]

    def to_document(self) -> dict[str, Any]:
        """The result as the JSON document described in the README (``greenmfg ets --format json``)."""
        return {
            "sector": self.sector, "year": self.year,
            "units": {"emissions": "tCO2e", "cf4_t": "t CF4", "c2f6_t": "t C2F6", "electricity": "MWh"},
            "methodologies": self.methodologies,
            "companies": [c.as_dict() for c in self.companies],
            "facilities": [f.as_dict() for f in self.facilities],
            "lines": list(self.lines.values()),
            "findings": [f.to_dict() for f in self.findings],
            "provenance": self.provenance,
        }
