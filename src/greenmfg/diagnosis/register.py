"""The equipment register's fields: parsing and checking one item (API body or import row), the
import of a register file (.xlsx or .csv, Chinese or English headers, or the field keys; the
template's keys kept as defined names beside its headers) all-or-nothing, and the blank template.

Every problem is an :class:`~greenmfg.errors.Issue` naming where (sheet/row/column, or the field
for the API), what, and how to fix it, in English and Chinese.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from greenmfg.db.lengths import column_length
from greenmfg.diagnosis.models import Equipment
from greenmfg.errors import InputError, Issue
from greenmfg.exports import append_row, csv_writer, formula_like, header_row, keyed_cells
from greenmfg.findings import NUL_FIX, Locator, Reader, nul_line
from greenmfg.refdata.vocabulary import normalize_name

__all__ = ["FAN_TYPES", "FIELDS", "KIND_NAMES", "PUMP_TYPES", "REQUIRED_BY_KIND", "Field", "parse_item", "read_register", "template_bytes"]


@dataclass(frozen=True, slots=True)
class Field:
    key: str
    header_zh: str
    header_en: str
    type: Literal["text", "number", "integer", "kind", "basis", "pump_type", "fan_type"]
    minimum: float | None = None
    maximum: float | None = None
    help_en: str = ""
    help_zh: str = ""


FIELDS: tuple[Field, ...] = (
    Field("kind", "设备类型", "Kind", "kind", help_en="motor, transformer, air compressor, pump, fan, industrial boiler",
          help_zh="电动机、变压器、空压机、水泵、风机、工业锅炉"),
    Field("code", "设备编号", "Code", "text", help_en="unique within the enterprise", help_zh="企业内唯一"),
    Field("name", "设备名称", "Name", "text"),
    Field("facility", "所属设施", "Facility", "text", help_en="facility code (optional)", help_zh="设施编号（可空）"),
    Field("model", "型号", "Model", "text"),
    Field("year_installed", "投运年份", "Year installed", "integer", 1950, 2100),
    Field("rated_power_kw", "额定功率(kW)", "Rated power (kW)", "number", 0.0001, 1e6,
          "rated output; motors, pumps, fans, air compressors", "额定输出功率；电动机、水泵、风机、空压机"),
    Field("efficiency_pct", "效率(%)", "Efficiency (%)", "number", 1, 100,
          "motors, pumps, fans; boilers: thermal efficiency", "电动机、水泵、风机效率；锅炉热效率"),
    Field("efficiency_basis", "效率来源", "Efficiency basis", "basis", help_en="nameplate or measured",
          help_zh="铭牌 或 实测"),
    Field("hours_per_year", "年运行小时(h)", "Hours a year (h)", "number", 0, 8784),
    Field("load_factor", "负载率", "Load factor", "number", 0.0001, 1.2, "0-1 (load / rated)", "0～1（负载/额定）"),
    Field("poles", "极数", "Poles", "integer", 2, 8, "motors: 2, 4, 6 or 8", "电动机：2、4、6、8"),
    Field("capacity_kva", "额定容量(kVA)", "Rated capacity (kVA)", "number", 1, 1e7),
    Field("no_load_loss_w", "空载损耗(W)", "No-load loss (W)", "number", 0, 1e7),
    Field("load_loss_w", "负载损耗(W)", "Load loss (W)", "number", 0, 1e8),
    Field("flow_m3_min", "排气量(m3/min)", "Air flow (m3/min)", "number", 0.0001, 1e5),
    Field("pressure_mpa", "排气压力(MPa)", "Discharge pressure (MPa)", "number", 0, 100),
    Field("specific_power", "比功率(kW/(m3/min))", "Specific power (kW/(m3/min))", "number", 0.0001, 100),
    Field("pump_type", "泵类型", "Pump type", "pump_type",
          help_en="pumps: single suction, double suction, inline, multistage, light multistage vertical, "
                  "light multistage horizontal", help_zh="水泵：单级单吸、单级双吸、管道泵、多级、轻型多级立式、轻型多级卧式"),
    Field("flow_m3_h", "流量(m3/h)", "Flow (m3/h)", "number", 0.0001, 1e6, "pumps: rated flow", "水泵：额定流量"),
    Field("head_m", "扬程(m)", "Head (m)", "number", 0.0001, 1e5, "pumps: rated head (all stages)", "水泵：额定扬程（总扬程）"),
    Field("speed_rpm", "转速(r/min)", "Speed (r/min)", "number", 1, 1e5, "pumps: rated speed", "水泵：额定转速"),
    Field("stages", "级数", "Stages", "integer", 1, 100, "pumps: number of stages (multistage)", "水泵：级数（多级泵）"),
    Field("fan_type", "风机类型", "Fan type", "fan_type", help_en="fans: centrifugal or axial",
          help_zh="风机：离心 或 轴流"),
    Field("pressure_coefficient", "压力系数", "Pressure coefficient", "number", 0.0001, 10,
          "centrifugal fans: pressure coefficient ψ", "离心通风机：压力系数 ψ"),
    Field("fan_specific_speed", "风机比转速", "Fan specific speed", "number", 0.0001, 1000,
          "centrifugal fans: specific speed nₛ", "离心通风机：比转速 nₛ"),
    Field("hub_ratio", "轮毂比", "Hub ratio", "number", 0, 1, "axial fans: hub ratio γ", "轴流通风机：轮毂比 γ"),
    Field("machine_number", "机号", "Machine number", "number", 0.1, 1000, "fans: machine number (No.)",
          "风机：机号（No.）"),
    Field("fuel", "燃料", "Fuel", "text"),
    Field("rated_capacity_mw", "额定热功率(MW)", "Rated thermal capacity (MW)", "number", 0.0001, 1e4),
    Field("target_efficiency_pct", "目标效率(%)", "Target efficiency (%)", "number", 1, 100),
    Field("target_specific_power", "目标比功率", "Target specific power", "number", 0.0001, 100),
    Field("replacement_cost_cny", "更换投资(元)", "Replacement cost (CNY)", "number", 0, 1e12),
    Field("notes", "备注", "Notes", "text"),
)
_BY_KEY = {f.key: f for f in FIELDS}

#: names accepted for each kind (keys, English and Chinese)
KIND_NAMES: Mapping[str, tuple[str, ...]] = {
    "motor": ("motor", "电动机", "电机", "三相异步电动机"),
    "transformer": ("transformer", "变压器", "配电变压器", "电力变压器"),
    "air_compressor": ("air_compressor", "air compressor", "compressor", "空压机", "空气压缩机"),
    "pump": ("pump", "水泵", "泵", "离心泵"),
    "fan": ("fan", "风机", "通风机"),
    "industrial_boiler": ("industrial_boiler", "industrial boiler", "boiler", "工业锅炉", "锅炉"),
}
_KIND_LOOKUP = {normalize_name(n): k for k, names in KIND_NAMES.items() for n in names}
_BASIS = {"nameplate": "nameplate", "铭牌": "nameplate", "measured": "measured", "实测": "measured"}
#: names accepted for the pump type (GB 19762-2025 表3 types)
PUMP_TYPES: Mapping[str, tuple[str, ...]] = {
    "single_suction": ("single_suction", "single suction", "单级单吸", "单级单吸泵", "单吸"),
    "double_suction": ("double_suction", "double suction", "单级双吸", "单级双吸泵", "双吸", "双吸泵"),
    "inline": ("inline", "pipeline", "管道", "管道泵"),
    "multistage": ("multistage", "多级", "多级泵"),
    "light_multistage_vertical": ("light_multistage_vertical", "轻型多级立式", "轻型立式多级泵"),
    "light_multistage_horizontal": ("light_multistage_horizontal", "轻型多级卧式", "轻型卧式多级泵"),
}
_PUMP_LOOKUP = {normalize_name(n): k for k, names in PUMP_TYPES.items() for n in names}
FAN_TYPES: Mapping[str, tuple[str, ...]] = {
    "centrifugal": ("centrifugal", "离心", "离心式", "离心通风机", "离心风机"),
    "axial": ("axial", "轴流", "轴流式", "轴流通风机", "轴流风机"),
}
_FAN_LOOKUP = {normalize_name(n): k for k, names in FAN_TYPES.items() for n in names}

REQUIRED_BY_KIND: Mapping[str, tuple[str, ...]] = {
    "motor": ("rated_power_kw", "efficiency_pct", "poles"),
    "transformer": ("capacity_kva", "no_load_loss_w", "load_loss_w"),
    "air_compressor": ("rated_power_kw", "flow_m3_min", "specific_power"),
    "pump": ("rated_power_kw", "efficiency_pct"),
    "fan": ("rated_power_kw", "efficiency_pct"),
    "industrial_boiler": ("rated_capacity_mw", "efficiency_pct"),
}
ALWAYS_REQUIRED = ("kind", "code", "name", "hours_per_year", "load_factor")


def _stored_length(key: str) -> int | None:
    """The length of the :class:`Equipment` column a text field is kept in (None: unbounded text)."""
    try:
        return column_length(getattr(Equipment, key))
    except (AttributeError, TypeError):
        return None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _ItemReader(Reader):
    """Reads one register item: each field's raw value into its column value, findings at the item's place."""

    def __init__(self, values: Mapping[str, Any], facilities: Mapping[str, int], columns: Mapping[str, str],
                 locator: Locator) -> None:
        super().__init__(values, domain="diagnosis", locator=locator)
        self.facilities = facilities
        self.columns = columns
        self.out: dict[str, Any] = {}

    def where(self, key: str) -> str:
        """The column a field is shown as (the file's header, else the key)."""
        return self.columns.get(key, key)

    def unknown_fields(self) -> None:
        for key in sorted(k for k in self.data if k not in _BY_KEY):
            self.add("diagnosis.input.unknown_field", key, self.data[key], f"unknown field '{key}'", f"未知字段“{key}”",
                     "use one of: " + ", ".join(_BY_KEY), "可用字段：" + "、".join(_BY_KEY))

    def field(self, field: Field) -> None:
        """Read one field given in the item (blank: None)."""
        raw = self.data[field.key]
        if _blank(raw):
            self.out[field.key] = None
        elif field.type in _CHOICES:
            self.choice(field, raw)
        elif field.type in ("number", "integer"):
            self.number(field, raw)
        elif field.key == "facility":
            self.facility(raw)
        else:
            self.text_field(field, raw)

    def choice(self, field: Field, raw: Any) -> None:
        lookup, code, what, what_zh, fix, fix_zh = _CHOICES[field.type]
        key = lookup(raw)
        if key is None:
            self.add(f"diagnosis.input.{code}", self.where(field.key), raw, what.format(raw=raw),
                     what_zh.format(raw=raw), fix, fix_zh)
        self.out[field.key] = key

    def number(self, field: Field, raw: Any) -> None:
        column = self.where(field.key)
        try:
            number = float(str(raw).strip().replace(",", "")) if not isinstance(raw, int | float) else float(raw)
            if number != number or number in (float("inf"), float("-inf")):
                raise ValueError
        except (TypeError, ValueError):
            self.add("diagnosis.input.not_a_number", column, raw, f"{column}: '{raw}' is not a number",
                     f"{column}：“{raw}”不是数字", "write a plain number without units", "请填写不带单位的数字")
            return
        if field.type == "integer" and number != int(number):
            self.add("diagnosis.input.not_an_integer", column, raw, f"{column}: {raw} is not a whole number",
                     f"{column}：{raw} 不是整数", "write a whole number", "请填写整数")
            return
        low, high = field.minimum, field.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            self.add("diagnosis.input.out_of_range", column, raw, f"{column}: {raw} is outside {low}–{high}",
                     f"{column}：{raw} 超出范围 {low}～{high}", f"write a value between {low} and {high}",
                     f"请填写 {low}～{high} 之间的数值")
            return
        self.out[field.key] = int(number) if field.type == "integer" else number

    def facility(self, raw: Any) -> None:
        text = str(raw).strip()
        if text not in self.facilities:
            known = ", ".join(sorted(self.facilities)) or "—"
            self.add("diagnosis.input.unknown_facility", self.where("facility"), raw,
                     f"facility '{text}' is not one of the enterprise's facilities", f"设施“{text}”不属于本企业",
                     f"write one of: {known}, or leave it blank", f"请填写：{known}，或留空")
            return
        self.out["facility_id"] = self.facilities[text]

    def text_field(self, field: Field, raw: Any) -> None:
        column, text = self.where(field.key), str(raw).strip()
        if field.key != "notes" and formula_like(text):
            self.add("diagnosis.input.formula_text", column, raw,
                     f"{column} '{text}' starts with = + - or @: a spreadsheet would run it as a formula",
                     f"{column}“{text}”以 = + - 或 @ 开头，电子表格会把它当作公式执行",
                     "make it start with a letter, digit or Chinese character (remove the leading sign)",
                     "请改为以字母、数字或汉字开头（去掉开头的符号）")
            return
        limit = _stored_length(field.key)
        if limit is not None and len(text) > limit:
            self.add("diagnosis.input.too_long", column, raw, f"{column} is longer than {limit} characters",
                     f"{column}超过 {limit} 个字符", "shorten it", "请缩短")
            return
        self.out[field.key] = text

    def blank_facility(self) -> None:
        """A blank facility clears the item's facility; ``facility`` itself is no column."""
        if "facility" in self.data and _blank(self.data["facility"]):
            self.out.pop("facility", None)
            self.out["facility_id"] = None
        self.out.pop("facility", None)

    def poles(self) -> None:
        poles = self.out.get("poles")
        if poles is not None and poles not in (2, 4, 6, 8):
            self.add("diagnosis.input.bad_poles", self.where("poles"), poles, f"poles must be 2, 4, 6 or 8, not {poles}",
                     f"极数应为 2、4、6 或 8，而非 {poles}", "write 2, 4, 6 or 8", "请填写 2、4、6 或 8")

    def required_fields(self) -> None:
        """The fields every item and its kind need (unless already reported); the default basis."""
        kind = self.out.get("kind")
        for key in ALWAYS_REQUIRED + (REQUIRED_BY_KIND.get(kind, ()) if kind else ()):
            column = self.where(key)
            if self.out.get(key) is None and not any(i.column == column for i in self.issues):
                self.add("diagnosis.input.missing", column, "", f"{column} is required"
                         + (f" for a {kind}" if key not in ALWAYS_REQUIRED else ""),
                         f"{column}为必填项", f"fill in {column}", f"请填写{column}")
        if self.out.get("efficiency_basis") is None:
            self.out["efficiency_basis"] = "nameplate"


#: field type → (lookup, code, message, message_zh ({raw}: the value), fix, fix_zh) of the fields chosen from a list
_CHOICES: Mapping[str, tuple[Callable[[Any], str | None], str, str, str, str, str]] = {
    "kind": (lambda raw: _KIND_LOOKUP.get(normalize_name(raw)), "unknown_kind", "unknown equipment kind '{raw}'",
             "未知设备类型“{raw}”", "write one of " + ", ".join(KIND_NAMES), "请填写：电动机、变压器、空压机、水泵、风机、工业锅炉"),
    "pump_type": (lambda raw: _PUMP_LOOKUP.get(normalize_name(raw)), "unknown_pump_type", "unknown pump type '{raw}'",
                  "未知泵类型“{raw}”", "write one of " + ", ".join(PUMP_TYPES),
                  "请填写：单级单吸、单级双吸、管道泵、多级、轻型多级立式、轻型多级卧式"),
    "fan_type": (lambda raw: _FAN_LOOKUP.get(normalize_name(raw)), "unknown_fan_type", "unknown fan type '{raw}'",
                 "未知风机类型“{raw}”", "write centrifugal or axial", "请填写：离心 或 轴流"),
    "basis": (lambda raw: _BASIS.get(str(raw).strip().lower()), "bad_basis",
              "efficiency basis '{raw}' is not nameplate or measured", "效率来源“{raw}”无效", "write nameplate or measured",
              "请填写 铭牌 或 实测"),
}


def parse_item(values: Mapping[str, Any], *, facilities: Mapping[str, int], sheet: str = "", row: int | None = None,
               columns: Mapping[str, str] | None = None, partial: bool = False) -> tuple[dict[str, Any], list[Issue]]:
    """Check one item; return the column values for :class:`~greenmfg.diagnosis.models.Equipment`.

    Parameters
    ----------
    values
        Field key → raw value (API JSON, or a row keyed by field key).
    facilities
        The enterprise's facility codes → ids (``facility`` must be one of them).
    columns
        Field key → the column name to show in issues (the file's header); default the key.
    partial
        An update: only the given fields are checked, the kind-specific requirements are not.
    """
    item = _ItemReader(values, facilities, columns or {}, Locator(sheet=sheet, row=row, value_limit=100))
    item.unknown_fields()
    for field in FIELDS:
        if field.key in values:
            item.field(field)
    item.blank_facility()
    item.poles()
    if not partial:
        item.required_fields()
    return item.out, item.issues


def _header_key(text: str) -> str | None:
    wanted = normalize_name(text)
    for field in FIELDS:
        if wanted in (normalize_name(field.header_zh), normalize_name(field.header_en), normalize_name(field.key)):
            return field.key
    return None


def read_register(content: bytes, filename: str) -> tuple[str, list[tuple[int, dict[str, Any]]], dict[str, str],
                                                           list[Issue]]:
    """Rows of a register file: (sheet name, [(row number, {field key: raw value})], key → header, issues).

    Raises
    ------
    InputError
        The file is neither a readable .xlsx nor a UTF-8 .csv.
    """
    name = filename.lower()
    named: dict[int, str] = {}
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:
            raise InputError(f"{filename} is not a readable .xlsx workbook ({type(error).__name__})") from None
        sheet = workbook.worksheets[0]
        sheet_name = sheet.title
        table = [list(r) for r in sheet.iter_rows(values_only=True)]
        # the keys the template keeps as defined names beside its words (greenmfg.exports.header_row)
        named = {column - 1: key for key, (row, column) in keyed_cells(sheet).items() if row == 1 and key in _BY_KEY}
    elif name.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(f"{filename} is not UTF-8 text: save the CSV as UTF-8") from None
        line = nul_line(text)
        if line is not None:
            raise InputError(f"{filename}: line {line} contains a NUL character, so this is not a text CSV: "
                             f"{NUL_FIX[0]} / 第 {line} 行含 NUL 字符，不是文本 CSV：{NUL_FIX[1]}")
        sheet_name = ""
        table = [list(r) for r in csv.reader(io.StringIO(text))]
    else:
        raise InputError(f"{filename}: upload an .xlsx or .csv register (download the template)")
    issues: list[Issue] = []
    header_row = Locator(sheet=sheet_name, row=1, value_limit=100)
    if not table:
        issues.append(header_row.finding("diagnosis.input.empty", "", "", "the file has no header row", "文件没有表头行",
                                         "use the template", "请使用模板"))
        return sheet_name, [], {}, issues
    headers = ["" if h is None else str(h).strip() for h in table[0]]
    mapping: dict[int, str] = {}
    shown: dict[str, str] = {}
    for index, header in enumerate(headers):
        if not header:
            continue
        key = named.get(index) or _header_key(header)
        if key is None:
            issues.append(header_row.finding("diagnosis.input.unknown_column", header, header, f"unknown column '{header}'",
                                             f"未知列“{header}”", "use the template's headers (Chinese or English)",
                                             "请使用模板表头（中文或英文）"))
            continue
        mapping[index] = key
        shown[key] = header
    # a column the file lacks is named in the language of the file's headers
    chinese = any(shown.get(f.key) == f.header_zh for f in FIELDS if f.header_zh != f.header_en)
    for field in FIELDS:
        shown.setdefault(field.key, field.header_zh if chinese else field.header_en)
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, cells in enumerate(table[1:], start=2):
        if all(_blank(c) for c in cells):
            continue
        rows.append((number, {key: cells[i] if i < len(cells) else None for i, key in mapping.items()}))
    return sheet_name, rows, shown, issues


def template_bytes(lang: Literal["zh", "en"], fmt: Literal["xlsx", "csv"]) -> bytes:
    """The blank register (headers in ``lang``; an example row per kind; instructions sheet in xlsx)."""
    headers = [f.header_zh if lang == "zh" else f.header_en for f in FIELDS]
    year = dt.date.today().year
    examples = [
        {"kind": "电动机" if lang == "zh" else "motor", "code": "M-001", "name": "1号循环水泵电机" if lang == "zh"
         else "Cooling water pump motor 1", "rated_power_kw": 75, "efficiency_pct": 93.2, "poles": 4,
         "hours_per_year": 6000, "load_factor": 0.75, "year_installed": year - 12},
        {"kind": "变压器" if lang == "zh" else "transformer", "code": "T-001", "name": "1号配电变压器" if lang == "zh"
         else "Distribution transformer 1", "capacity_kva": 1000, "no_load_loss_w": 1150, "load_loss_w": 10300,
         "hours_per_year": 8760, "load_factor": 0.5},
    ]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv_writer(out, lineterminator="\n")
        writer.writerow(headers)
        for example in examples:
            writer.writerow([example.get(f.key, "") for f in FIELDS])
        return out.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "设备台账" if lang == "zh" else "equipment"
    header_row(sheet, [(f.key, header) for f, header in zip(FIELDS, headers, strict=True)])
    for example in examples:
        append_row(sheet, [example.get(f.key) for f in FIELDS])
    help_sheet = workbook.create_sheet("说明" if lang == "zh" else "instructions")
    append_row(help_sheet, ["列名", "必填", "说明"] if lang == "zh" else ["column", "required", "meaning"])
    for field in FIELDS:
        required = ("是" if lang == "zh" else "yes") if field.key in ALWAYS_REQUIRED else (
            "按类型" if lang == "zh" else "by kind") if any(field.key in r for r in REQUIRED_BY_KIND.values()) else ""
        append_row(help_sheet, [field.header_zh if lang == "zh" else field.header_en, required,
                           field.help_zh if lang == "zh" else field.help_en])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
