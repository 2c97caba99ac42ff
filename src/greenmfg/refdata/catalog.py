"""Load and check the cited reference datasets listed in ``data/catalog.toml``.

Nothing here computes; it reads plain files, checks them (schema, units, statuses, sha256) and
hands out rows. See ``README.md`` beside this file for the file format.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import math
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from greenmfg.errors import DatasetError, UnitError
from greenmfg.units import parse_unit

__all__ = [
    "DATA_ROOT",
    "RECORD_FAMILIES",
    "STATUSES",
    "WARNING_FREE_STATUSES",
    "Catalog",
    "Dataset",
    "DatasetInfo",
    "ParameterRow",
    "load_catalog",
    "parse_value",
]

DATA_ROOT = Path(__file__).with_name("data")
ROW_COLUMNS = ("key", "parameter", "value", "unit", "source", "verification_status", "notes")
STATUSES = frozenset(
    {"verified", "definitional", "crosschecked", "secondary", "uncertain", "recalled", "not_found"}
)
#: Values with these statuses are used without a warning on the result.
WARNING_FREE_STATUSES = frozenset({"verified", "definitional"})
#: Families whose files are tables of records (any columns; ``key``, ``source`` and
#: ``verification_status`` required) rather than long-format parameter rows: vocabularies, and
#: definitions such as the benchmarking indicators and facility attributes.
RECORD_FAMILIES = frozenset({"vocabulary", "indicators", "facility_attributes", "green_evaluation", "methodologies",
                             "compliance_deadlines", "process_methods", "filing_deadlines", "ets_methodology",
                             "ets_allocation", "ets_calendar", "cbam_goods", "cbam_defaults", "cbam_rules",
                             "footprint_factors", "footprint_rules", "footprint_quality", "ets_report_structure",
                             "ets_verification_checklist", "pathway_grid_factors", "pathway_targets",
                             "pathway_peak_reference", "pathway_measures", "pathway_energy_uses"})
_INFO_FIELDS = (
    "id", "family", "edition", "file", "title", "title_zh", "publisher",
    "valid_from", "valid_to", "licence", "description", "sha256",
)


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    """Catalog metadata of one dataset edition."""

    id: str
    family: str
    edition: str
    file: str
    title: str
    title_zh: str
    publisher: str
    valid_from: str
    valid_to: str
    licence: str
    description: str
    sha256: str


@dataclass(frozen=True, slots=True)
class ParameterRow:
    """One cited value: ``key``/``parameter`` = ``value`` [``unit``]."""

    dataset_id: str
    key: str
    parameter: str
    value: float | None
    unit: str
    source: str
    verification_status: str
    notes: str
    line: int

    @property
    def needs_warning(self) -> bool:
        return self.verification_status not in WARNING_FREE_STATUSES

    def reference(self) -> str:
        """Short citation: ``dataset_id:key.parameter``."""
        return f"{self.dataset_id}:{self.key}.{self.parameter}"


@dataclass(frozen=True)
class Dataset:
    """A loaded dataset edition: its catalog info and either parameter rows or records."""

    info: DatasetInfo
    rows: tuple[ParameterRow, ...] = ()
    records: tuple[dict[str, str], ...] = ()
    _index: dict[tuple[str, str], ParameterRow] = field(default_factory=dict, repr=False)

    @property
    def id(self) -> str:
        return self.info.id

    def get(self, key: str, parameter: str) -> ParameterRow | None:
        """The row for ``key``/``parameter``, or None."""
        return self._index.get((key, parameter))

    def keys(self) -> list[str]:
        return sorted({row.key for row in self.rows})

    def __iter__(self) -> Iterator[ParameterRow]:
        return iter(self.rows)


class Catalog:
    """All dataset editions of the reference library."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self._datasets = {d.id: d for d in datasets}

    def __contains__(self, dataset_id: object) -> bool:
        return dataset_id in self._datasets

    def __iter__(self) -> Iterator[Dataset]:
        return iter(sorted(self._datasets.values(), key=lambda d: d.id))

    def dataset(self, dataset_id: str) -> Dataset:
        """The dataset with this id.

        Raises
        ------
        DatasetError
            If there is none; the message lists the ids of the same family.
        """
        try:
            return self._datasets[dataset_id]
        except KeyError:
            family = dataset_id.split("/", 1)[0]
            known = sorted(i for i in self._datasets if i.startswith(family + "/")) or sorted(self._datasets)
            raise DatasetError(
                f"unknown dataset '{dataset_id}' / 未知数据集: choose one of {', '.join(known)} "
                "(see `greenmfg refdata list`)"
            ) from None

    @functools.cached_property
    def digest(self) -> str:
        """SHA-256 over every dataset (id and file hash): what changes when any reference data does."""
        material = "\n".join(f"{d.id} {d.info.sha256}" for d in self)
        return hashlib.sha256(material.encode()).hexdigest()

    def family(self, family: str) -> list[Dataset]:
        """Dataset editions of one family, sorted by id."""
        return [d for d in self if d.info.family == family]

    def newest(self, family: str) -> Dataset:
        """The newest edition of ``family``: the latest ``valid_from``, then the highest id (``greenmfg-2026.2``
        after ``greenmfg-2026.1`` of the same date).

        Raises
        ------
        DatasetError
            If the family has no edition.
        """
        editions = sorted(self.family(family), key=lambda d: (d.info.valid_from, d.id))
        if not editions:
            raise DatasetError(f"the reference library has no {family} dataset / 参考库中没有 {family} 数据集")
        return editions[-1]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_value(text: str | None, where: str, *, what: str = "value") -> float | None:
    """A dataset cell as a finite number; ``None`` when empty. ``what`` names the cell in the error."""
    text = (text or "").strip()
    if not text:
        return None
    named = f"{what} '{text}'" if what else f"'{text}'"
    try:
        value = float(text)
    except ValueError:
        raise DatasetError(f"{where}: {named} is not a number") from None
    if not math.isfinite(value):
        raise DatasetError(f"{where}: {named} is not finite")
    return value


def _read_parameter_rows(info: DatasetInfo, text: str) -> list[ParameterRow]:
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != ROW_COLUMNS:
        raise DatasetError(
            f"{info.file}: columns are {reader.fieldnames}; expected {', '.join(ROW_COLUMNS)}"
        )
    rows: list[ParameterRow] = []
    seen: set[tuple[str, str]] = set()
    for line, record in enumerate(reader, start=2):
        where = f"{info.file} line {line}"
        key = (record["key"] or "").strip()
        parameter = (record["parameter"] or "").strip()
        status = (record["verification_status"] or "").strip()
        unit = (record["unit"] or "").strip()
        if not key or not parameter:
            raise DatasetError(f"{where}: key and parameter are required")
        if (key, parameter) in seen:
            raise DatasetError(f"{where}: duplicate row for {key}.{parameter}")
        seen.add((key, parameter))
        if status not in STATUSES:
            raise DatasetError(
                f"{where}: verification_status '{status}' is not one of {', '.join(sorted(STATUSES))}"
            )
        value = parse_value(record["value"], where)
        if (value is None) != (status == "not_found"):
            raise DatasetError(f"{where}: a blank value goes with status not_found, and only with it")
        try:
            parse_unit(unit)
        except UnitError as exc:
            raise DatasetError(f"{where}: {exc}") from None
        if not (record["source"] or "").strip():
            raise DatasetError(f"{where}: source is required")
        rows.append(
            ParameterRow(
                dataset_id=info.id, key=key, parameter=parameter, value=value, unit=unit,
                source=record["source"].strip(), verification_status=status,
                notes=(record["notes"] or "").strip(), line=line,
            )
        )
    return rows


def _load_dataset(root: Path, entry: dict[str, object]) -> Dataset:
    missing = [f for f in _INFO_FIELDS if f not in entry]
    if missing:
        raise DatasetError(f"catalog entry {entry.get('id', '?')}: missing fields {', '.join(missing)}")
    info = DatasetInfo(**{f: str(entry[f]) for f in _INFO_FIELDS})
    if info.id != f"{info.family}/{info.edition}":
        raise DatasetError(f"catalog entry {info.id}: id must be '<family>/<edition>'")
    path = root / info.file
    if not path.is_file():
        raise DatasetError(f"dataset {info.id}: file {info.file} is missing")
    data = path.read_bytes()
    digest = _sha256(data)
    if digest != info.sha256:
        raise DatasetError(
            f"dataset {info.id}: {info.file} has sha256 {digest}, the catalog says {info.sha256}. "
            "A released dataset file is never edited: restore it and publish changes as a new edition."
        )
    text = data.decode("utf-8-sig")
    if info.family in RECORD_FAMILIES:
        records = tuple(dict(r) for r in csv.DictReader(io.StringIO(text)))
        keys: set[str] = set()
        for line, record in enumerate(records, start=2):
            key = (record.get("key") or "").strip()
            if not key or not (record.get("source") or "").strip():
                raise DatasetError(f"{info.file} line {line}: key and source are required")
            if key in keys:
                raise DatasetError(f"{info.file} line {line}: duplicate key {key}")
            keys.add(key)
            if (record.get("verification_status") or "").strip() not in STATUSES:
                raise DatasetError(f"{info.file} line {line}: bad verification_status")
        return Dataset(info=info, records=records)
    rows = _read_parameter_rows(info, text)
    return Dataset(info=info, rows=tuple(rows), _index={(r.key, r.parameter): r for r in rows})


@functools.cache
def load_catalog(root: Path | None = None) -> Catalog:
    """Load every dataset listed in ``catalog.toml`` and check it.

    Raises
    ------
    DatasetError
        If the catalog or any dataset is malformed, or a file's sha256 differs from the catalog.
    """
    root = root or DATA_ROOT
    catalog_path = root / "catalog.toml"
    try:
        document = tomllib.loads(catalog_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DatasetError(f"cannot read {catalog_path}: {exc}") from exc
    entries = document.get("dataset", [])
    ids = [str(e.get("id")) for e in entries]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise DatasetError(f"catalog lists datasets more than once: {', '.join(duplicates)}")
    return Catalog(_load_dataset(root, entry) for entry in entries)
