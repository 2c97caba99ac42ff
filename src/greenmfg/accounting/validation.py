"""Validate located activity rows and turn them into canonical activity data.

Names, units, flows, periods, industries and regions are resolved once per *distinct* text in
Python (so that messages can suggest close names), then joined to the rows as small tables: one
code path handles ten rows or ten million. Every problem becomes an :class:`~greenmfg.errors.Issue`
naming file, sheet, row and column; if there is any, nothing is computed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from greenmfg.accounting.reader import ActivitySource
from greenmfg.errors import Issue, UnitError, ValidationFailed
from greenmfg.refdata.vocabulary import Names, Vocabulary
from greenmfg.units import conversion_factor

__all__ = ["MAX_LISTED_ISSUES", "normalize_period", "validate_activity"]

#: At most this many issues are listed; all are counted.
MAX_LISTED_ISSUES = 1000

_UNIT_HINTS = {
    "t": "t, kg, 吨, 万吨",
    "10^4 Nm3": "10^4 Nm3, Nm3, m3, 万立方米",
    "Nm3": "Nm3, m3, 立方米, 万立方米",
    "MWh": "kWh, MWh, 千瓦时, 万千瓦时",
    "GJ": "GJ, MJ, 吉焦, 百万千焦",
    "weight box": "重量箱, weight box, t",
}
_NCV_TARGET = {"fuel": "GJ/{unit}", "steam": "GJ/{unit}"}
_CARBON_TARGET = {"fuel": "tC/GJ", "carbon_material": "tC/{unit}"}
_PERIOD_PATTERNS = (
    re.compile(r"^(\d{4})$"),
    re.compile(r"^(\d{4})年$"),
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月$"),
)


def normalize_period(text: object) -> str | None:
    """``'YYYY'`` or ``'YYYY-MM'`` for an accepted period spelling, else None.

    Accepted: 2024, 2024-01, 2024-1, 2024/01, 2024.01, 202401, 2024年, 2024年1月.
    """
    s = unicodedata.normalize("NFKC", str(text)).strip().replace(" ", "")
    for pattern in _PERIOD_PATTERNS:
        match = pattern.match(s)
        if not match:
            continue
        year = int(match.group(1))
        if not 1990 <= year <= 2100:
            return None
        if match.lastindex == 1:
            return f"{year:04d}"
        month = int(match.group(2))
        return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else None
    return None


@dataclass(frozen=True)
class _Rule:
    code: str
    column: str
    message: str
    message_zh: str
    fix: str
    fix_zh: str


_RULES = {r.code: r for r in (
    _Rule("accounting.input.missing_value", "{column}", "{column} is empty", "{column} 为空",
          "fill in {column}", "请填写 {column}"),
    _Rule("accounting.input.unknown_item", "item", "unknown item '{value}'{suggest}",
          "无法识别的品种 '{value}'{suggest_zh}",
          "use a name from `greenmfg refdata show vocabulary/items-2026.1`",
          "请使用 `greenmfg refdata show vocabulary/items-2026.1` 中的名称"),
    _Rule("accounting.input.unknown_flow", "flow", "unknown flow '{value}'",
          "无法识别的流向 '{value}'",
          "use one of consumed, feedstock, process, produced, purchased, exported (消耗、原料、工艺、产出、外购、输出)",
          "请使用 消耗、原料、工艺、产出、外购、输出 之一"),
    _Rule("accounting.input.flow_not_allowed", "flow", "flow '{value}' is not possible for {item}",
          "{item} 不能使用流向 '{value}'", "use one of: {allowed}", "可用流向：{allowed}"),
    _Rule("accounting.input.unit_mismatch", "unit", "{reason}", "{reason}",
          "use a unit of {item} such as {hint}", "请使用 {item} 的单位，例如 {hint}"),
    _Rule("accounting.input.not_a_number", "{column}", "{column} '{value}' is not a number",
          "{column} '{value}' 不是数字", "write a plain number such as 1200.5 (no units or text)",
          "请填写数字，如 1200.5（不含单位或文字）"),
    _Rule("accounting.input.negative_quantity", "quantity", "quantity {value} is negative",
          "数量 {value} 为负数",
          "give quantities as positive numbers; use flow 'exported' for energy supplied outside",
          "数量应为正数；向外供出的能源请使用流向“输出”"),
    _Rule("accounting.input.bad_period", "period", "period '{value}' is not YYYY or YYYY-MM",
          "期间 '{value}' 格式不正确", "write the period as 2024 or 2024-03", "请写成 2024 或 2024-03"),
    _Rule("accounting.input.unknown_industry", "industry", "unknown industry '{value}'{suggest}",
          "无法识别的行业 '{value}'{suggest_zh}",
          "use an industry from `greenmfg refdata show vocabulary/industries-2026.1`",
          "请使用 `greenmfg refdata show vocabulary/industries-2026.1` 中的行业"),
    _Rule("accounting.input.unknown_region", "region", "unknown province '{value}'{suggest}",
          "无法识别的省份 '{value}'{suggest_zh}",
          "give the GB/T 2260 province code (e.g. 320000) or the province name (江苏)",
          "请填写省级行政区划代码（如 320000）或省份名称（如 江苏）"),
    _Rule("accounting.input.parameter_not_applicable", "{column}",
          "{column} is given for {item}, which has no such parameter",
          "{item} 不适用 {column}", "leave {column} empty for this item", "请将该行的 {column} 留空"),
    _Rule("accounting.input.parameter_unit", "{column}", "{reason}", "{reason}",
          "give {column} in a unit convertible to {target}", "{column} 的单位应能换算为 {target}"),
    _Rule("accounting.input.parameter_range", "{column}", "{column} {value} is out of range",
          "{column} {value} 超出合理范围", "{range_fix}", "{range_fix_zh}"),
    _Rule("accounting.input.duplicate_row", "item",
          "duplicate row: same enterprise, facility, period, item, flow and measured parameters as row {first}",
          "重复行：与第 {first} 行的企业、设施、期间、品种、流向和实测参数相同",
          "delete the duplicate, or merge the quantities into one row",
          "删除重复行，或将数量合并为一行"),
    _Rule("accounting.input.inconsistent_enterprise", "{column}",
          "enterprise {enterprise} has {column} '{value}' here but '{other}' in row {first}",
          "企业 {enterprise} 的 {column} 在此为 '{value}'，在第 {first} 行为 '{other}'",
          "give the enterprise one {column} in every row", "同一企业各行的 {column} 应一致"),
    _Rule("accounting.input.mixed_periods", "period",
          "facility {facility} mixes annual and monthly periods ('{value}' and '{other}' in row {first})",
          "设施 {facility} 同时使用年度和月度期间（'{value}' 与第 {first} 行的 '{other}'）",
          "use either YYYY or YYYY-MM for one facility, not both", "同一设施请统一使用年度或月度期间"),
)}


def _suggestion(names: Names, value: str) -> tuple[str, str]:
    close = names.suggest(value)
    if not close:
        return "", ""
    quoted = ", ".join(f"'{c}'" for c in close)
    return f"; did you mean {quoted}?", f"；您是否要填写 {quoted}？"


class _Maps:
    """Distinct-text lookups, resolved in Python and shipped to the engine as small tables."""

    def __init__(self, raw: ir.Table, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary

        # one scan collects every distinct combination of the looked-up texts (a few thousand at most)
        looked_up = ["item", "unit", "ncv_unit", "carbon_content_unit", "flow", "industry", "region", "period"]
        combos = raw.select(*(raw[c].strip().nullif("").name(c) for c in looked_up)).distinct().to_pyarrow()
        columns = {c: combos.column(c).to_pylist() for c in looked_up}

        def distinct(*names: str) -> list[tuple[object, ...]]:
            return sorted(set(zip(*(columns[c] for c in names), strict=True)), key=repr)

        def key_table(values: list[tuple[object, ...]], names: Callable[[object], str | None],
                      text_name: str, key_name: str) -> ir.Table:
            texts = [v[0] for v in values if v[0] is not None]
            keys = [names(t) for t in texts]
            return ibis.memtable({text_name: texts, key_name: keys},
                                 schema={text_name: "string", key_name: "string"})

        self.items = key_table(distinct("item"), vocabulary.item_names.resolve, "item_text", "item_key")
        self.flows = key_table(distinct("flow"), vocabulary.flow_names.resolve, "flow_text", "flow_key")
        self.industries = key_table(distinct("industry"), vocabulary.industry_names.resolve,
                                    "industry_text", "industry_key")
        self.regions = key_table(distinct("region"), vocabulary.region_names.resolve,
                                 "region_text", "region_key")
        self.periods = key_table(distinct("period"), normalize_period, "period_text", "period_key")
        item_of = {t: vocabulary.item_names.resolve(t) for (t,) in distinct("item") if t is not None}

        def unit_rows(column: str, target_for: Callable[[str], str | None]) -> ir.Table:
            item_texts, unit_texts, factors, reasons, targets = [], [], [], [], []
            for item_text, unit_text in distinct("item", column):
                key = item_of.get(item_text) if item_text is not None else None
                if key is None or unit_text is None or not str(unit_text).strip():
                    continue
                item = vocabulary.item(key)
                target = target_for(key)
                factor: float | None = None
                reason = ""
                if target is None:
                    reason = "not applicable"
                else:
                    try:
                        factor = conversion_factor(str(unit_text), target, what=item.name_zh)
                    except UnitError as exc:
                        reason = str(exc)
                item_texts.append(item_text)
                unit_texts.append(unit_text)
                factors.append(factor)
                reasons.append(reason)
                targets.append(target or "")
            return ibis.memtable(
                {"item_text": item_texts, "unit_text": unit_texts, "factor": factors,
                 "reason": reasons, "target": targets},
                schema={"item_text": "string", "unit_text": "string", "factor": "float64",
                        "reason": "string", "target": "string"},
            )

        def canonical(key: str) -> str:
            return vocabulary.item(key).canonical_unit

        def parameter_target(table: dict[str, str]) -> Callable[[str], str | None]:
            def target(key: str) -> str | None:
                pattern = table.get(vocabulary.item(key).kind)
                return pattern.format(unit=f"({canonical(key)})") if pattern else None
            return target

        self.units = unit_rows("unit", canonical)
        self.ncv_units = unit_rows("ncv_unit", parameter_target(_NCV_TARGET))
        self.carbon_units = unit_rows("carbon_content_unit", parameter_target(_CARBON_TARGET))
        item_rows = list(vocabulary.items.values())
        self.item_info = ibis.memtable(
            {"info_key": [i.key for i in item_rows], "kind": [i.kind for i in item_rows],
             "canonical_unit": [i.canonical_unit for i in item_rows],
             "allowed_flows": ["|" + "|".join(i.allowed_flows) + "|" for i in item_rows]},
        )


def _blank(column: ir.StringColumn) -> ir.BooleanColumn:
    return column.isnull() | (column.strip() == "")


def _joined(raw: ir.Table, maps: _Maps) -> ir.Table:
    """Raw rows with every lookup joined and every rule evaluated as a boolean column."""
    t = raw.mutate(
        **{c: raw[c].strip().nullif("") for c in (
            "enterprise_id", "enterprise_name", "facility_id", "item", "unit", "flow", "industry",
            "region", "period", "ncv_unit", "carbon_content_unit")}
    )
    t = t.left_join(maps.items, t.item == maps.items.item_text).drop("item_text")
    t = t.left_join(maps.flows, t.flow == maps.flows.flow_text).drop("flow_text")
    t = t.left_join(maps.industries, t.industry == maps.industries.industry_text).drop("industry_text")
    t = t.left_join(maps.regions, t.region == maps.regions.region_text).drop("region_text")
    t = t.left_join(maps.periods, t.period == maps.periods.period_text).drop("period_text")
    t = t.left_join(maps.item_info, t.item_key == maps.item_info.info_key).drop("info_key")
    u = maps.units
    t = t.left_join(u, (t.item == u.item_text) & (t.unit == u.unit_text)).drop("item_text", "unit_text")
    t = t.rename(unit_factor="factor", unit_reason="reason").drop("target")
    n = maps.ncv_units
    t = t.left_join(n, (t.item == n.item_text) & (t.ncv_unit == n.unit_text)).drop("item_text", "unit_text")
    t = t.rename(ncv_factor="factor", ncv_reason="reason", ncv_target="target")
    c = maps.carbon_units
    t = t.left_join(c, (t.item == c.item_text) & (t.carbon_content_unit == c.unit_text))
    t = t.drop("item_text", "unit_text").rename(cc_factor="factor", cc_reason="reason", cc_target="target")

    has_item = t.item_key.notnull()
    has_ncv = t.ncv_number.notnull() | ~_blank(t.ncv)
    has_cc = t.carbon_content_number.notnull() | ~_blank(t.carbon_content)
    has_of = t.oxidation_rate_number.notnull() | ~_blank(t.oxidation_rate)
    return t.mutate(
        f_missing_enterprise_id=t.enterprise_id.isnull(),
        f_missing_facility_id=t.facility_id.isnull(),
        f_missing_period=t.period.isnull(),
        f_missing_item=t.item.isnull(),
        f_missing_unit=t.unit.isnull(),
        f_missing_flow=t.flow.isnull(),
        f_missing_industry=t.industry.isnull(),
        f_missing_region=t.region.isnull(),
        f_missing_quantity=t.quantity_number.isnull() & _blank(t.quantity),
        f_unknown_item=t.item.notnull() & ~has_item,
        f_unknown_flow=t.flow.notnull() & t.flow_key.isnull(),
        f_flow_not_allowed=has_item & t.flow_key.notnull()
        & ~t.allowed_flows.contains(ibis.literal("|") + t.flow_key + "|"),
        f_unit_mismatch=has_item & t.unit.notnull() & t.unit_factor.isnull(),
        f_nan_quantity=t.quantity_number.isnull() & ~_blank(t.quantity),
        f_negative_quantity=t.quantity_number.notnull()
        & ((t.quantity_number < 0) | t.quantity_number.isnan() | t.quantity_number.isinf()),
        f_bad_period=t.period.notnull() & t.period_key.isnull(),
        f_unknown_industry=t.industry.notnull() & t.industry_key.isnull(),
        f_unknown_region=t.region.notnull() & t.region_key.isnull(),
        f_nan_ncv=t.ncv_number.isnull() & ~_blank(t.ncv),
        f_nan_carbon_content=t.carbon_content_number.isnull() & ~_blank(t.carbon_content),
        f_nan_oxidation_rate=t.oxidation_rate_number.isnull() & ~_blank(t.oxidation_rate),
        f_ncv_not_applicable=has_item & has_ncv & ~t.kind.isin(list(_NCV_TARGET)),
        f_carbon_not_applicable=has_item & has_cc & ~t.kind.isin(list(_CARBON_TARGET)),
        f_of_not_applicable=has_item & has_of & (t.kind != "fuel"),
        f_ncv_unit=has_item & t.ncv_number.notnull() & t.kind.isin(list(_NCV_TARGET)) & t.ncv_factor.isnull(),
        f_carbon_unit=has_item & t.carbon_content_number.notnull() & t.kind.isin(list(_CARBON_TARGET))
        & t.cc_factor.isnull(),
        f_ncv_range=t.ncv_number.notnull() & (t.ncv_number <= 0),
        f_carbon_range=t.carbon_content_number.notnull() & (t.carbon_content_number <= 0),
        f_of_range=t.oxidation_rate_number.notnull()
        & ((t.oxidation_rate_number <= 0) | (t.oxidation_rate_number > 1)),
    )


_FLAG_RULES: dict[str, tuple[str, str]] = {
    # flag column -> (rule code, template column)
    **{f"f_missing_{c}": ("accounting.input.missing_value", c) for c in (
        "enterprise_id", "facility_id", "period", "item", "unit", "flow", "industry", "region", "quantity")},
    "f_unknown_item": ("accounting.input.unknown_item", "item"),
    "f_unknown_flow": ("accounting.input.unknown_flow", "flow"),
    "f_flow_not_allowed": ("accounting.input.flow_not_allowed", "flow"),
    "f_unit_mismatch": ("accounting.input.unit_mismatch", "unit"),
    "f_nan_quantity": ("accounting.input.not_a_number", "quantity"),
    "f_negative_quantity": ("accounting.input.negative_quantity", "quantity"),
    "f_bad_period": ("accounting.input.bad_period", "period"),
    "f_unknown_industry": ("accounting.input.unknown_industry", "industry"),
    "f_unknown_region": ("accounting.input.unknown_region", "region"),
    "f_nan_ncv": ("accounting.input.not_a_number", "ncv"),
    "f_nan_carbon_content": ("accounting.input.not_a_number", "carbon_content"),
    "f_nan_oxidation_rate": ("accounting.input.not_a_number", "oxidation_rate"),
    "f_ncv_not_applicable": ("accounting.input.parameter_not_applicable", "ncv"),
    "f_carbon_not_applicable": ("accounting.input.parameter_not_applicable", "carbon_content"),
    "f_of_not_applicable": ("accounting.input.parameter_not_applicable", "oxidation_rate"),
    "f_ncv_unit": ("accounting.input.parameter_unit", "ncv_unit"),
    "f_carbon_unit": ("accounting.input.parameter_unit", "carbon_content_unit"),
    "f_ncv_range": ("accounting.input.parameter_range", "ncv"),
    "f_carbon_range": ("accounting.input.parameter_range", "carbon_content"),
    "f_of_range": ("accounting.input.parameter_range", "oxidation_rate"),
}
_RANGE_FIX = {
    "ncv": ("give a positive net calorific value", "低位发热量应为正数"),
    "carbon_content": ("give a positive carbon content", "含碳量应为正数"),
    "oxidation_rate": ("give a fraction above 0 and at most 1 (0.98) or a percentage with % (98%)",
                       "请填写 0 到 1 之间的小数（0.98）或带 % 的百分数（98%）"),
}


def _issue(code: str, column: str, row: dict[str, object], **extra: object) -> Issue:
    rule = _RULES[code]
    value = row.get(column)
    context: dict[str, object] = {"column": column, "value": "" if value is None else value, **extra}
    context.setdefault("item", row.get("item") or "")
    fmt = {k: ("" if v is None else v) for k, v in context.items()}
    return Issue(
        code=code, file=str(row.get("_file") or ""), sheet=str(row.get("_sheet") or ""),
        row=int(row["_row"]) if row.get("_row") is not None else None,  # type: ignore[call-overload]
        column=rule.column.format(**fmt), value="" if value is None else str(value),
        message=rule.message.format(**fmt), message_zh=rule.message_zh.format(**fmt),
        fix=rule.fix.format(**fmt), fix_zh=rule.fix_zh.format(**fmt),
    )


def _row_issues(flagged: list[dict[str, object]], vocabulary: Vocabulary) -> list[Issue]:
    issues: list[Issue] = []
    for row in flagged:
        for flag, (code, column) in _FLAG_RULES.items():
            if not row.get(flag):
                continue
            extra: dict[str, object] = {}
            if code == "accounting.input.unknown_item":
                extra["suggest"], extra["suggest_zh"] = _suggestion(vocabulary.item_names, str(row["item"]))
            elif code == "accounting.input.unknown_industry":
                extra["suggest"], extra["suggest_zh"] = _suggestion(vocabulary.industry_names, str(row["industry"]))
            elif code == "accounting.input.unknown_region":
                extra["suggest"], extra["suggest_zh"] = _suggestion(vocabulary.region_names, str(row["region"]))
            elif code == "accounting.input.flow_not_allowed":
                extra["allowed"] = ", ".join(vocabulary.item(str(row["item_key"])).allowed_flows)
            elif code == "accounting.input.unit_mismatch":
                canonical_unit = vocabulary.item(str(row["item_key"])).canonical_unit
                extra["reason"] = row.get("unit_reason") or ""
                extra["hint"] = _UNIT_HINTS.get(canonical_unit, canonical_unit)
            elif code == "accounting.input.parameter_unit":
                prefix = "ncv" if column == "ncv_unit" else "cc"
                extra["reason"] = row.get(f"{prefix}_reason") or f"{column} is empty"
                extra["target"] = row.get(f"{prefix}_target") or ""
            elif code == "accounting.input.parameter_range":
                extra["range_fix"], extra["range_fix_zh"] = _RANGE_FIX[column]
            issues.append(_issue(code, column, row, **extra))
    return issues


def _group_issues(t: ir.Table, limit: int) -> tuple[list[Issue], int]:
    """Issues that need more than one row to see: duplicates, inconsistent enterprises, mixed periods.

    ``t`` holds canonical, individually valid rows.
    """
    issues: list[Issue] = []
    total = 0
    # measured parameters may be empty: compare them null-safely
    t = t.mutate(**{f"k_{c}": t[f"{c}_number"].fill_null(-1.0) for c in ("ncv", "carbon_content", "oxidation_rate")})
    keys = ["enterprise_id", "facility_id", "period", "item", "flow", "k_ncv", "k_carbon_content", "k_oxidation_rate"]
    groups = t.group_by(keys).aggregate(n=t.count(), first=t._row.min())
    groups = groups.filter(groups.n > 1)
    summary = groups.aggregate(rows=groups.n.sum(), groups=groups.count()).to_pyarrow().to_pylist()[0]
    duplicate_count = int(summary["rows"] or 0) - int(summary["groups"] or 0)
    if duplicate_count:
        total += duplicate_count
        dup = t.join(groups, keys).filter(lambda r: r._row != r.first)
        for row in dup.order_by(["_file", "_row"]).limit(limit).to_pyarrow().to_pylist():
            issues.append(_issue("accounting.input.duplicate_row", "item", row, first=row["first"]))
    order = t._file + ":" + t._row.cast("string").lpad(12, "0")
    per_enterprise = t.group_by("enterprise_id").aggregate(
        industries=t.industry.nunique(), regions=t.region.nunique(), names=t.enterprise_name.nunique()
    )
    inconsistent = per_enterprise.filter(
        (per_enterprise.industries > 1) | (per_enterprise.regions > 1) | (per_enterprise.names > 1)
    ).count().execute()
    for column in ("industry", "region", "enterprise_name") if inconsistent else ():
        firsts = t.group_by("enterprise_id").aggregate(first=t._row.argmin(order), other=t[column].argmin(order))
        joined = t.join(firsts, "enterprise_id").filter(
            lambda r, column=column: r[column].notnull() & (r[column] != r.other))
        count = int(joined.count().execute())
        total += count
        for row in joined.order_by(["_file", "_row"]).limit(limit).to_pyarrow().to_pylist() if count else []:
            issues.append(_issue("accounting.input.inconsistent_enterprise", column, row,
                                 enterprise=row["enterprise_id"], other=row["other"], first=row["first"]))
    length = t.period.length()
    per_facility = t.group_by(["enterprise_id", "facility_id"]).aggregate(shortest=length.min(), longest=length.max())
    if int(per_facility.filter(per_facility.shortest != per_facility.longest).count().execute()):
        firsts = t.group_by(["enterprise_id", "facility_id"]).aggregate(
            first=t._row.argmin(order), other=t.period.argmin(order), other_text=t.period_text.argmin(order)
        )
        joined = t.join(firsts, ["enterprise_id", "facility_id"]).filter(
            lambda r: r.period.length() != r.other.length()
        )
        total += int(joined.count().execute())
        for row in joined.order_by(["_file", "_row"]).limit(limit).to_pyarrow().to_pylist():
            issues.append(_issue("accounting.input.mixed_periods", "period", row,
                                 facility=row["facility_id"], other=row["other_text"], first=row["first"]))
    return issues, total


def validate_activity(source: ActivitySource, vocabulary: Vocabulary) -> ir.Table:
    """Check every row and return the canonical activity table.

    Returns
    -------
    ibis.Table
        Columns: enterprise_id, enterprise_name, industry, region, facility_id, period, year, item,
        kind, flow, quantity [canonical unit of the item], unit (canonical), quantity_input,
        unit_input, ncv_measured [GJ per canonical unit], carbon_content_measured [tC/GJ for
        fuels, tC per canonical unit for carbon materials], oxidation_rate_measured [1], _file, _row.

    Raises
    ------
    ValidationFailed
        Listing up to :data:`MAX_LISTED_ISSUES` located issues (all are counted) when any row is bad.
    """
    issues = list(source.issues)
    if any(i.code == "accounting.input.missing_column" for i in issues):
        raise ValidationFailed(issues=issues, total=len(issues))
    maps = _Maps(source.table, vocabulary)
    con = source.con
    # The wide plan (joins + every rule) runs once: its detail stays a view for the error listing,
    # and the rows it checked are stored once, compactly, with the rules as one bitmask.
    joined = con.create_view("greenmfg_joined", _joined(source.table, maps), overwrite=True)
    flags = [c for c in joined.columns if c.startswith("f_")]
    bitmask = sum((joined[c].cast("int64") * (1 << i) for i, c in enumerate(flags)), ibis.literal(0, "int64"))
    t = con.create_table("greenmfg_checked", _canonical(joined.mutate(flags=bitmask)), overwrite=True)
    bad = t.filter(t.flags != 0)
    flag_counts = t.aggregate(**{c: ((t.flags >> i) & 1).sum() for i, c in enumerate(flags)}).to_pyarrow()
    total = len(issues) + sum(int(v[0].as_py() or 0) for v in flag_counts.columns)
    if total:
        rows = bad.order_by(["_file", "_row"]).limit(MAX_LISTED_ISSUES).select("_file", "_row")
        listed = joined.join(rows, ["_file", "_row"]).order_by(["_file", "_row"]).to_pyarrow().to_pylist()
        issues.extend(_row_issues(listed, vocabulary))
    group_issues, group_total = _group_issues(t.filter(t.flags == 0), MAX_LISTED_ISSUES)
    issues.extend(group_issues)
    total += group_total
    if total:
        issues.sort(key=lambda i: (i.file, i.row or 0, i.column))
        raise ValidationFailed(issues=issues[:MAX_LISTED_ISSUES], total=total)
    return t.drop("flags", "ncv_number", "carbon_content_number", "oxidation_rate_number", "period_text")


def _canonical(t: ir.Table) -> ir.Table:
    """The canonical columns of the joined rows (plus what the cross-row checks compare)."""
    return t.select(
        "_file", "_row", "enterprise_id", "enterprise_name",
        industry=t.industry_key, region=t.region_key, facility_id=t.facility_id,
        period=t.period_key, year=t.period_key.substr(0, 4).cast("int32"),
        item=t.item_key, kind=t.kind, flow=t.flow_key,
        quantity=t.quantity_number * t.unit_factor, unit=t.canonical_unit,
        quantity_input=t.quantity_number, unit_input=t.unit,
        ncv_measured=t.ncv_number * t.ncv_factor,
        carbon_content_measured=t.carbon_content_number * t.cc_factor,
        oxidation_rate_measured=t.oxidation_rate_number,
        ncv_number=t.ncv_number, carbon_content_number=t.carbon_content_number,
        oxidation_rate_number=t.oxidation_rate_number, period_text=t.period, flags=t.flags,
    )

