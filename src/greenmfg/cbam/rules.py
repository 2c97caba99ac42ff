"""The CBAM reference data, read for the service: goods by CN code, default values, parameters.

Three record datasets (``refdata/data/cbam_goods``, ``cbam_defaults``, ``cbam_rules``), each row with
its source and verification status. A value whose status is not ``verified`` or ``definitional``
is reported on every result that uses it (:class:`Cited`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from greenmfg.errors import GreenmfgError
from greenmfg.refdata.catalog import WARNING_FREE_STATUSES, Catalog, load_catalog, parse_value

__all__ = ["DEFAULTS", "GOODS", "RULES", "Cited", "DefaultValue", "Good", "Rules", "cn_digits", "cn_display", "load_rules"]

GOODS = "cbam_goods/eu-2025.1"
DEFAULTS = "cbam_defaults/eu-2026-1740-cn"
RULES = "cbam_rules/eu-2026.2"
_CN = re.compile(r"\d{4}(?:\d{2}){0,3}")


def cn_digits(text: object) -> str | None:
    """A CN code as its digits (``7208 51 20`` → ``72085120``), or None when it is not 4, 6, 8 or 10 digits.

    Ten digits are a TARIC code: since Implementing Regulation (EU) 2026/1740 the default values of
    white and grey clinker (2523 10 00 10 / 90) and hydraulic cement (2523 90 00 10 / 90) differ.
    """
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    raw = "" if text is None else str(text).strip()
    if re.fullmatch(r"\d+\.0", raw):  # a number cell read as text
        raw = raw[:-2]
    digits = re.sub(r"[\s.\-]", "", raw)
    return digits if _CN.fullmatch(digits) else None


def cn_display(digits: str) -> str:
    """``72085120`` → ``7208 51 20``, ``2523100010`` → ``2523 10 00 10`` (the way the annexes write CN codes)."""
    return " ".join([digits[:4], *(digits[i:i + 2] for i in range(4, len(digits), 2))])


@dataclass(frozen=True, slots=True)
class Cited:
    """A value with where it came from: ``ref`` (dataset:key), source text and verification status."""

    value: float
    ref: str
    source: str
    verification_status: str
    unit: str = ""

    @property
    def unverified(self) -> bool:
        return self.verification_status not in WARNING_FREE_STATUSES

    def as_dict(self) -> dict[str, object]:
        return {"value": self.value, "unit": self.unit, "ref": self.ref, "source": self.source,
                "verification_status": self.verification_status}


@dataclass(frozen=True, slots=True)
class Good:
    """The CBAM row of a CN code: aggregated goods category, sector, names, rules."""

    cn_prefix: str
    category: str
    sector: str
    name_en: str
    name_zh: str
    indirect_counts: bool
    markup_group: str
    relevant_precursors: tuple[str, ...]
    ref: str
    verification_status: str

    @property
    def in_scope(self) -> bool:
        return self.category != "out_of_scope"


@dataclass(frozen=True, slots=True)
class DefaultValue:
    """A default value row: direct, indirect and total [tCO2e/t] (None where the annex shows none)."""

    country: str
    cn_prefix: str
    description: str
    direct: float | None
    indirect: float | None
    total: float | None
    route: str
    ref: str
    source: str
    verification_status: str

    @property
    def found(self) -> bool:
        return self.total is not None


class Rules:
    """The CBAM datasets of one run: look-ups by CN code (longest prefix) and by year."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._goods: dict[str, Good] = {}
        for record in catalog.dataset(GOODS).records:
            key = record["key"].strip()
            self._goods[key] = Good(
                cn_prefix=key, category=record["category"].strip(), sector=record["sector"].strip(),
                name_en=record["name_en"].strip(), name_zh=record["name_zh"].strip(),
                indirect_counts=record["indirect_counts"].strip() == "1",
                markup_group=record["markup_group"].strip() or "standard",
                relevant_precursors=tuple(p for p in record["relevant_precursors"].split("|") if p.strip()),
                ref=f"{GOODS}:{key}", verification_status=record["verification_status"].strip())
        self._defaults: dict[str, DefaultValue] = {}
        for record in catalog.dataset(DEFAULTS).records:
            key = record["key"].strip()
            where = f"{DEFAULTS}:{key}"
            country, _, prefix = key.partition(".")
            self._defaults[key] = DefaultValue(
                country=country, cn_prefix=prefix, description=record["description"].strip(),
                direct=parse_value(record["direct"], where), indirect=parse_value(record["indirect"], where),
                total=parse_value(record["total"], where), route=record["route"].strip(), ref=where,
                source=record["source"].strip(), verification_status=record["verification_status"].strip())
        self._rules: dict[str, dict[str, str]] = {r["key"].strip(): r for r in catalog.dataset(RULES).records}

    def dataset_ids(self) -> tuple[str, ...]:
        return (GOODS, DEFAULTS, RULES)

    def good(self, cn: str) -> Good | None:
        """The goods row of the longest CN prefix of ``cn`` (digits), or None (not a CBAM good)."""
        for length in range(len(cn), 1, -1):
            found = self._goods.get(cn[:length])
            if found is not None:
                return found
        return None

    def default(self, cn: str, country: str = "CN") -> DefaultValue | None:
        """The default-value row of the longest CN prefix for ``country`` (``CN``, ``OTHER``, ``UNKNOWN``)."""
        for length in range(len(cn), 3, -1):
            found = self._defaults.get(f"{country}.{cn[:length]}")
            if found is not None:
                return found
        return None

    def _cited(self, key: str) -> Cited | None:
        record = self._rules.get(key)
        if record is None:
            return None
        value = parse_value(record.get("value"), f"{RULES}:{key}")
        if value is None:
            return None
        return Cited(value, f"{RULES}:{key}", record["source"].strip(), record["verification_status"].strip(),
                     record.get("unit", "").strip())

    def record(self, key: str) -> dict[str, str] | None:
        return self._rules.get(key)

    def markup(self, group: str, year: int) -> Cited:
        """The default-value mark-up of ``group`` (standard, fertilisers) in ``year`` [1]: the latest
        year listed at or before ``year``; 0 before the first."""
        years = sorted(int(r["year"]) for k, r in self._rules.items()
                       if r["kind"] == "markup" and r["group"] == group and r["year"].strip())
        chosen = max((y for y in years if y <= year), default=None)
        if chosen is None:
            return Cited(0.0, f"{RULES}:markup.{group}", "no mark-up before the definitive period", "definitional")
        cited = self._cited(f"markup.{group}.{chosen}")
        assert cited is not None
        return cited

    def cbam_factor(self, year: int) -> Cited | None:
        """The CBAM factor of ``year`` (from 2034: 0); None before 2026."""
        if year < 2026:
            return None
        return self._cited(f"cbam_factor.{min(year, 2034)}")

    def de_minimis_t(self) -> Cited:
        cited = self._cited("de_minimis.mass")
        assert cited is not None
        return cited

    def certificate_price(self, year: int) -> tuple[str, Cited] | None:
        """The latest published quarterly certificate price of ``year`` (quarter, price), if any."""
        quarters = sorted((r["group"], k) for k, r in self._rules.items()
                          if r["kind"] == "certificate_price" and r["year"].strip() == str(year))
        for quarter, key in reversed(quarters):
            cited = self._cited(key)
            if cited is not None:
                return quarter, cited
        return None

    def electricity_factor(self, country: str = "CN") -> Cited | None:
        return self._cited(f"electricity_ef.{country}")

    def benchmark(self, cn: str, column: str) -> Cited | None:
        """The benchmark of the longest CN prefix in ``column`` (A: process, B: whole good) [tCO2e/t]."""
        for length in range(len(cn), 3, -1):
            cited = self._cited(f"benchmark.{cn[:length]}.{column}")
            if cited is not None:
                return cited
        return None


def load_rules(catalog: Catalog | None = None) -> Rules:
    """The CBAM rules from ``catalog`` (default: the reference library)."""
    try:
        return Rules(catalog if catalog is not None else load_catalog())
    except KeyError as error:
        raise GreenmfgError(f"the CBAM reference data lack the column {error}",
                            f"CBAM 参考数据缺少列 {error}", status=500) from None
