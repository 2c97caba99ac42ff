"""Write the blank activity-data template (.xlsx with instructions, or .csv), in Chinese or English words."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from greenmfg.accounting.parameters import AccountingOptions
from greenmfg.accounting.template_spec import COLUMNS
from greenmfg.errors import InputError
from greenmfg.exports import append_row, csv_writer, export_translator, header_row
from greenmfg.refdata.catalog import load_catalog
from greenmfg.refdata.labels import ITEM_KIND_LABELS
from greenmfg.refdata.vocabulary import FLOW_NAMES, load_vocabulary
from greenmfg.refdata.words import unit_name

__all__ = ["write_template"]

Lang = Literal["zh", "en"]

_TEXT = {
    "zh": {"data": "活动数据", "help": "说明", "lists": "选项", "column": "列名", "other": "英文列名",
           "required": "必填", "meaning": "含义", "example": "示例", "yes": "是", "no": "否", "aliases": "也可写作",
           "items": ["品种", "英文名", "类别", "标准单位", "可用流向"], "flows": ["流向", "也可写作"],
           "industries": ["行业", "英文名"], "regions": ["地区", "英文名", "行政区划代码"],
           "methods": ["行业", "工业过程", "优先次序", "核算方法", "品种", "流向"],
           "methods_note": "同一过程只按一种方法计入：同一设施同一期间报告了多种方法时，次序靠前且有排放的方法计入，"
                           "其余方法的行作为交叉核对保留、不计入排放（如水泥：熟料产量法优先，生料石灰石仅作核对）。",
           "intro": "每行填写一个设施在一个期间的一项活动数据（能源消耗、原料、工艺投入、产品产量、外购或输出）。"
                    "表头可用中文或英文。导入时逐格校验，任何错误都会指明工作表、行、列和修改方法，且不进行计算。"},
    "en": {"data": "activity", "help": "instructions", "lists": "lists", "column": "Column", "other": "Chinese header",
           "required": "Required", "meaning": "Meaning", "example": "Example", "yes": "yes", "no": "no",
           "aliases": "Also accepted",
           "items": ["Item", "Chinese name", "Kind", "Canonical unit", "Allowed flows"],
           "flows": ["Flow", "Also accepted"], "industries": ["Industry", "Chinese name"],
           "regions": ["Region", "Chinese name", "GB/T 2260 code"],
           "methods": ["Industry", "Process", "Rank", "Method", "Items", "Flow"],
           "methods_note": "A process is counted by one method: when a facility-period reports several, the first "
                           "ranked one with emissions counts and the rows of the others are kept as a cross-check, "
                           "not counted (cement: clinker output first; raw-meal limestone only cross-checks it).",
           "intro": "One row per activity of one facility in one period (energy used, feedstock, process input, "
                    "product output, purchase or export). Headers may be Chinese or English. Every cell is checked "
                    "on import; any error names sheet, row, column and the fix, and nothing is computed."},
}


def _headers(lang: Lang) -> list[str]:
    """The data sheet's headers: the columns' words in the template's language (the key of each column is
    kept as the defined name ``greenmfg.<key>`` of its header cell in the .xlsx template)."""
    return [c.header_zh if lang == "zh" else c.header_en for c in COLUMNS]


def _flow_words(key: str, zh: bool) -> str:
    names = FLOW_NAMES[key]
    return names[1] if zh and len(names) > 1 else names[0]


def write_template(path: Path, *, lang: Lang = "zh") -> None:
    """Write the blank template to ``path`` (.xlsx with instruction and list sheets, or .csv).

    Every header and list is in words of the template's language (Chinese or English); the .xlsx
    data sheet keeps each column's key as the defined name ``greenmfg.<key>`` of its header cell
    (:func:`greenmfg.exports.header_row`). The reader takes a column headed by its key, its Chinese
    or its English words.

    Raises
    ------
    InputError
        If the suffix is neither .xlsx nor .csv.
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            csv_writer(handle).writerow(_headers(lang))
        return
    if suffix != ".xlsx":
        raise InputError(f"{path}: the template is written as .xlsx or .csv / 模板只能保存为 .xlsx 或 .csv")
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    text = _TEXT[lang]
    zh = lang == "zh"
    words = export_translator(locale="zh-CN" if zh else "en")
    vocabulary = load_vocabulary()
    workbook = Workbook()
    data = workbook.active
    data.title = text["data"]
    header_row(data, list(zip((c.name for c in COLUMNS), _headers(lang), strict=True)))
    bold = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor="2E7D32")
    for index, column in enumerate(COLUMNS, start=1):
        cell = data.cell(row=1, column=index)
        cell.font = bold
        cell.fill = fill if column.required else PatternFill("solid", fgColor="66BB6A")
        width = len(str(cell.value)) * 2 + 2 if zh else len(str(cell.value)) + 4
        data.column_dimensions[cell.column_letter].width = max(12, width)
    data.freeze_panes = "A2"
    flows = [_flow_words(key, zh) for key in FLOW_NAMES]
    flow_index = [c.name for c in COLUMNS].index("flow") + 1
    letter = data.cell(row=1, column=flow_index).column_letter
    validation = DataValidation(type="list", formula1='"' + ",".join(flows) + '"', allow_blank=True)
    validation.add(f"{letter}2:{letter}100000")
    data.add_data_validation(validation)

    help_sheet = workbook.create_sheet(text["help"])
    append_row(help_sheet, [text["intro"]])
    append_row(help_sheet, [])
    append_row(help_sheet, [text["column"], text["other"], text["required"], text["meaning"], text["example"],
                            text["aliases"]])
    for column in COLUMNS:
        append_row(help_sheet, [column.header_zh if zh else column.header_en, column.header_en if zh else column.header_zh,
                                text["yes"] if column.required else text["no"],
                                column.help_zh if zh else column.help_en, column.example,
                                "、".join(column.aliases) if zh else ", ".join(column.aliases)])
    help_sheet.column_dimensions["A"].width = 18 if zh else 24
    help_sheet.column_dimensions["B"].width = 24 if zh else 18
    help_sheet.column_dimensions["D"].width = 90
    help_sheet.column_dimensions["E"].width = 22
    help_sheet.column_dimensions["F"].width = 60
    for row in help_sheet.iter_rows(min_row=4):
        row[3].alignment = row[5].alignment = Alignment(wrap_text=True)

    lists = workbook.create_sheet(text["lists"])
    append_row(lists, text["items"])
    for item in vocabulary.items.values():
        kind = ITEM_KIND_LABELS.get(item.kind)
        append_row(lists, [item.name_zh if zh else item.name_en, item.name_en if zh else item.name_zh,
                           words.gettext(kind) if kind else item.kind, unit_name(item.canonical_unit, zh=zh),
                           ("、" if zh else ", ").join(_flow_words(f, zh) for f in item.allowed_flows)])
    append_row(lists, [])
    append_row(lists, text["flows"])
    for key, names in FLOW_NAMES.items():
        append_row(lists, [_flow_words(key, zh), ", ".join(n for n in names if n != _flow_words(key, zh))])
    append_row(lists, [])
    append_row(lists, text["industries"])
    for record in vocabulary.industries.values():
        append_row(lists, [record["name_zh"], record["name_en"]] if zh else [record["name_en"], record["name_zh"]])
    append_row(lists, [])
    append_row(lists, text["regions"])
    for key, record in vocabulary.regions.items():
        append_row(lists, [*([record["name_zh"], record["name_en"]] if zh else [record["name_en"], record["name_zh"]]),
                           key])
    append_row(lists, [])
    append_row(lists, [text["methods_note"]])
    append_row(lists, text["methods"])
    for record in load_catalog().dataset(AccountingOptions().process_methods).records:
        industry = vocabulary.industries[record["industry"]]
        item_names = [(vocabulary.items[k].name_zh if zh else vocabulary.items[k].name_en)
                      for k in record["items"].split("|")]
        append_row(lists, [industry["name_zh" if zh else "name_en"], record["process_name_zh" if zh else "process_name_en"],
                           int(record["rank"]), record["method_name_zh" if zh else "method_name_en"],
                           "、".join(item_names) if zh else ", ".join(item_names), _flow_words(record["flow"], zh)])
    for letter, width in zip("ABCDEF", (28, 16, 30, 16, 14, 40), strict=True):
        lists.column_dimensions[letter].width = width
    workbook.save(path)
