"""The blank activity template in words (issue #15 items 2 and 3): the Chinese template is headed in
Chinese, the English one in English words, never by the keys; each key is kept as the defined name
``greenmfg.<key>`` of its header cell. The reader takes a column headed by its key, its Chinese or its
English words (or a reworded header cell that kept its name), and an error quotes the header as the
file has it."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from greenmfg.accounting.service import account
from greenmfg.accounting.template import write_template
from greenmfg.accounting.template_spec import COLUMNS, LABELS_EN, canonical_column
from greenmfg.errors import ValidationFailed
from greenmfg.exports import keyed_cells

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
#: one month of a steel works: 100 t raw coal (0.7143 tce/t, GB/T 2589-2020 附录A) → 71.43 tce
ROW = {"enterprise_id": "E1", "enterprise_name": "示例钢铁", "industry": "钢铁", "region": "320000",
       "facility_id": "F1", "period": "2024-01", "item": "原煤", "quantity": 100, "unit": "吨", "flow": "消耗"}
ROW_EN = {**ROW, "industry": "iron and steel", "region": "Jiangsu", "item": "raw coal", "unit": "t",
          "flow": "consumed"}


def _filled(tmp_path: Path, lang: str, row: dict[str, object], *, rename: dict[int, str] | None = None) -> Path:
    """The blank template of ``lang`` with one data row (cells under the template's own header cells)."""
    path = tmp_path / f"template-{lang}.xlsx"
    write_template(path, lang=lang)  # type: ignore[arg-type]
    book = openpyxl.load_workbook(path)
    data = book.worksheets[0]
    for index, column in enumerate(COLUMNS, start=1):
        data.cell(row=2, column=index, value=row.get(column.name))
    for index, header in (rename or {}).items():
        data.cell(row=1, column=index, value=header)
    filled = tmp_path / f"filled-{lang}.xlsx"
    book.save(filled)
    return filled


@pytest.mark.parametrize(("lang", "headers"), [("zh", [c.header_zh for c in COLUMNS]),
                                               ("en", [LABELS_EN[c.name] for c in COLUMNS])])
def test_the_template_is_headed_in_words_and_keeps_the_keys(tmp_path: Path, lang: str, headers: list[str]) -> None:
    path = tmp_path / f"t-{lang}.xlsx"
    write_template(path, lang=lang)  # type: ignore[arg-type]
    book = openpyxl.load_workbook(path)
    data = book.worksheets[0]
    assert [cell.value for cell in data[1]] == headers
    assert {key: cell for key, cell in keyed_cells(data).items()} == {
        c.name: (1, index) for index, c in enumerate(COLUMNS, start=1)}
    # no key in any cell of any sheet: headers, instructions and lists are words
    codes = [(sheet.title, cell.coordinate, cell.value) for sheet in book.worksheets for row in sheet.iter_rows()
             for cell in row if isinstance(cell.value, str) and SNAKE.search(cell.value)]
    assert not codes, codes[:10]
    csv_path = tmp_path / f"t-{lang}.csv"
    write_template(csv_path, lang=lang)  # type: ignore[arg-type]
    assert csv_path.read_text(encoding="utf-8-sig").splitlines()[0] == ",".join(headers)


def test_every_english_header_names_its_column() -> None:
    for column in COLUMNS:
        assert canonical_column(column.header_en) == column.name, column.header_en
    assert not SNAKE.search(" ".join(LABELS_EN.values()))


@pytest.mark.parametrize(("lang", "row"), [("zh", ROW), ("en", ROW_EN)])
def test_a_filled_template_is_accounted(tmp_path: Path, lang: str, row: dict[str, object]) -> None:
    run = account(_filled(tmp_path, lang, row))
    assert run.totals.energy_tce.sum().execute() == pytest.approx(71.43)


def test_keys_chinese_and_english_headers_read_alike(tmp_path: Path) -> None:
    """The same row headed by the keys (files written before), the Chinese and the English words."""
    totals = []
    for name, headers in (("keys", [c.name for c in COLUMNS]), ("zh", [c.header_zh for c in COLUMNS]),
                          ("en", [c.header_en for c in COLUMNS])):
        path = tmp_path / f"{name}.csv"
        path.write_text(",".join(headers) + "\n" + ",".join(str(ROW_EN.get(c.name, "")) for c in COLUMNS) + "\n",
                        encoding="utf-8")
        totals.append(account(path).totals.energy_tce.sum().execute())
    assert totals == pytest.approx([71.43] * 3)


def test_an_error_quotes_the_english_header_and_names_the_cell(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as raised:
        account(_filled(tmp_path, "en", {**ROW_EN, "quantity": "about 30"}))
    (issue,) = raised.value.issues
    assert (issue.code, issue.cell, issue.header) == ("accounting.input.not_a_number", "H2", "Quantity")
    assert issue.message == '"about 30" under "Quantity" is not a number'


def test_a_reworded_header_keeps_its_column_by_the_defined_name(tmp_path: Path) -> None:
    """A user retyped the quantity's header cell as "Menge 2024": the defined name greenmfg.quantity, which
    moves with its cell, still names the column; the error quotes the header as the file has it."""
    quantity = [c.name for c in COLUMNS].index("quantity") + 1
    path = _filled(tmp_path, "en", ROW_EN, rename={quantity: "Menge 2024"})
    assert account(path).totals.energy_tce.sum().execute() == pytest.approx(71.43)
    with pytest.raises(ValidationFailed) as raised:
        account(_filled(tmp_path, "en", {**ROW_EN, "quantity": "x"}, rename={quantity: "Menge 2024"}))
    (issue,) = raised.value.issues
    assert (issue.cell, issue.header, issue.column) == ("H2", "Menge 2024", "quantity")
    assert "Menge 2024" in issue.message and "Menge 2024" in issue.message_zh
