"""Read facility attributes (.csv or .xlsx): one row per facility and attribute.

Columns (Chinese or English headers): ``enterprise_id`` 企业编号, ``facility_id`` 设施编号,
``attribute`` 属性, ``value`` 取值. Attributes are the keys (or Chinese/English names) of the
``facility_attributes`` dataset; choices may be written as key, Chinese or English name. Every problem is
reported with file, row, column, value and a fix; one bad row refuses the whole file.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from greenmfg.benchmarking.definitions import AttributeDefinition, AttributeValue, Definitions
from greenmfg.errors import InputError, Issue, ValidationFailed
from greenmfg.findings import Locator
from greenmfg.refdata.vocabulary import normalize_name

__all__ = ["ATTRIBUTE_COLUMNS", "FacilityAttributes", "read_attributes"]

#: column → accepted header spellings
ATTRIBUTE_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "enterprise_id": ("enterprise_id", "企业编号", "企业代码", "统一社会信用代码"),
    "facility_id": ("facility_id", "设施编号", "设施", "生产线编号"),
    "attribute": ("attribute", "属性", "属性名称", "参数"),
    "value": ("value", "取值", "值", "数值"),
}
MAX_ISSUES = 200


@dataclass
class FacilityAttributes:
    """Attributes by (enterprise_id, facility_id), with the file they came from."""

    values: dict[tuple[str, str], dict[str, AttributeValue]] = field(default_factory=dict)
    file: str = ""
    sha256: str = ""

    def of(self, enterprise_id: str, facility_id: str) -> dict[str, AttributeValue]:
        return self.values.get((enterprise_id, facility_id), {})


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cells as text) of the first sheet; the header is row 1."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        data = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise InputError(f"{path.name}: not UTF-8 or GB18030 text / 文件编码无法识别")
        for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
            yield number, cells
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        from greenmfg.workbooks import check_local_xlsx

        check_local_xlsx(path)
        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise InputError(f"{path.name}: cannot read the workbook ({exc}) / 无法读取工作簿") from None
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, ["" if v is None else str(v) for v in values]
        workbook.close()
    else:
        raise InputError(f"{path.name}: facility attributes must be .csv or .xlsx / 设施属性文件须为 .csv 或 .xlsx")


def _header(cells: list[str]) -> dict[str, int]:
    lookup = {normalize_name(s): column for column, spellings in ATTRIBUTE_COLUMNS.items() for s in spellings}
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        column = lookup.get(normalize_name(cell))
        if column and column not in found:
            found[column] = index
    return found


def _parse_value(definition: AttributeDefinition, text: str) -> tuple[AttributeValue | None, str, str, str, str]:
    """(value, message_en, message_zh, fix_en, fix_zh); value None when the text is not acceptable."""
    name = f"{definition.key} ({definition.name_zh})"
    if definition.type == "choice":
        spellings = {normalize_name(c): c for c in definition.choices}
        spellings |= {normalize_name(z): c for z, c in zip(definition.choice_names_zh, definition.choices, strict=True)}
        spellings |= {normalize_name(e): c for e, c in zip(definition.choice_names_en, definition.choices, strict=False)}
        chosen = spellings.get(normalize_name(text))
        allowed_en = "; ".join(f"{c} ({definition.choice_name(c, zh=False)})" for c in definition.choices)
        allowed_zh = "；".join(f"{c}（{definition.choice_name(c, zh=True)}）" for c in definition.choices)
        if chosen is None:
            return (None, f"'{text}' is not a value of {name}", f"'{text}' 不是 {name} 的可选值",
                    f"write one of: {allowed_en}", f"请填写以下之一：{allowed_zh}")
        return chosen, "", "", "", ""
    cleaned = text.replace(",", "").replace(" ", "").removesuffix("%")
    try:
        number = float(cleaned)
    except ValueError:
        return (None, f"'{text}' is not a number ({name})", f"'{text}' 不是数字（{name}）",
                f"write a number in {definition.unit or '1'}", f"请填写以 {definition.unit or '1'} 计的数字")
    low, high = definition.minimum, definition.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        bounds = f"{'' if low is None else f'{low:g}'} … {'' if high is None else f'{high:g}'} {definition.unit}"
        return (None, f"{number:g} is outside the range of {name}", f"{number:g} 超出 {name} 的取值范围",
                f"write a value in {bounds}", f"请填写 {bounds} 之间的数值")
    return number, "", "", "", ""


def read_attributes(path: Path, definitions: Definitions,
                    facilities: Iterable[tuple[str, str]]) -> FacilityAttributes:
    """Read and check a facility-attributes file against the definitions and the input's facilities.

    Parameters
    ----------
    path
        .csv (UTF-8 or GB18030) or .xlsx (first sheet).
    definitions
        The benchmarking definitions (attribute names, types, choices and ranges).
    facilities
        (enterprise_id, facility_id) of the activity input: attributes of other facilities are
        errors (most likely a typo).

    Raises
    ------
    InputError
        The file cannot be read.
    ValidationFailed
        Any row is bad (missing column, unknown facility or attribute, bad value, duplicate).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file / 文件不存在")
    known = set(facilities)
    by_enterprise: dict[str, list[str]] = {}
    for enterprise, facility in sorted(known):
        by_enterprise.setdefault(enterprise, []).append(facility)
    issues: list[Issue] = []
    total = 0

    def report(issue: Issue) -> None:
        nonlocal total
        total += 1
        if len(issues) < MAX_ISSUES:
            issues.append(issue)

    at = Locator(file=path.name, code_prefix="benchmarking.attributes.", value_limit=None)
    result = FacilityAttributes(file=path.name, sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    rows = _rows(path)
    first = next(rows, None)
    columns = _header(first[1]) if first else {}
    missing = [c for c in ATTRIBUTE_COLUMNS if c not in columns]
    if missing:
        wanted = ", ".join(f"{c} ({ATTRIBUTE_COLUMNS[c][1]})" for c in missing)
        raise ValidationFailed([at.finding(
            "missing_column", ", ".join(missing), "", f"the header row lacks the column(s) {wanted}",
            f"表头缺少列 {wanted}", "first row: enterprise_id, facility_id, attribute, value",
            "第一行应为：企业编号、设施编号、属性、取值", row=1)], 1)
    seen: dict[tuple[str, str, str], int] = {}
    for number, cells in rows:
        cell = {c: (cells[i].strip() if i < len(cells) else "") for c, i in columns.items()}
        if not any(cell.values()):
            continue

        def issue(code: str, column: str, message: str, message_zh: str, fix: str, fix_zh: str,
                  number: int = number, cell: dict[str, str] = cell) -> None:
            report(at.finding(code, column, cell.get(column, ""), message, message_zh, fix, fix_zh, row=number))

        enterprise, facility = cell["enterprise_id"], cell["facility_id"]
        if (enterprise, facility) not in known:
            others = by_enterprise.get(enterprise)
            if others is None:
                issue("unknown_facility", "enterprise_id", f"enterprise '{enterprise}' is not in the activity data",
                      f"活动数据中没有企业 '{enterprise}'", "use an enterprise_id of the activity input",
                      "请使用活动数据中的企业编号")
            else:
                listed = ", ".join(others[:10])
                issue("unknown_facility", "facility_id", f"facility '{facility}' of enterprise '{enterprise}' is not "
                      "in the activity data", f"活动数据中企业 '{enterprise}' 没有设施 '{facility}'",
                      f"its facilities are: {listed}", f"该企业的设施：{listed}")
            continue
        key = definitions.attribute_names.resolve(cell["attribute"])
        if key is None:
            keys = [k for k in dict.fromkeys(definitions.attribute_names.resolve(s)
                                             for s in definitions.attribute_names.suggest(cell["attribute"])) if k]
            named = [f"{k} ({definitions.attributes[k].name_zh})" for k in keys]
            hint = f"did you mean {', '.join(named)}?" if named else "see the attribute list in the README"
            hint_zh = f"是否应为 {'、'.join(named)}？" if named else "可用属性见 README"
            issue("unknown_attribute", "attribute", f"unknown attribute '{cell['attribute']}'",
                  f"未知属性 '{cell['attribute']}'", hint, hint_zh)
            continue
        definition = definitions.attributes[key]
        value, message, message_zh, fix, fix_zh = _parse_value(definition, cell["value"])
        if value is None:
            issue("bad_value", "value", message, message_zh, fix, fix_zh)
            continue
        if (enterprise, facility, key) in seen:
            issue("duplicate", "attribute", f"{key} of facility {facility} is given twice (first in row "
                  f"{seen[(enterprise, facility, key)]})", f"设施 {facility} 的 {key} 重复（首次在第 "
                  f"{seen[(enterprise, facility, key)]} 行）", "keep one row per facility and attribute",
                  "每个设施的每个属性只保留一行")
            continue
        seen[(enterprise, facility, key)] = number
        result.values.setdefault((enterprise, facility), {})[key] = value
    if total:
        raise ValidationFailed(issues, total)
    return result
