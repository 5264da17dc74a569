"""Validate stage: raw tables against the declared schema. Every problem is collected; nothing stops early."""

from __future__ import annotations

import re

from .load import RawTable
from .normalize import (MAX_COUNT, parse_channel, parse_count, parse_fee, parse_levels, parse_online, parse_period,
                        parse_rate, parse_stat_level, parse_time, stat_text)
from .problems import Report
from .schema import CHANNELS, KIND_LABELS, LEVELS, ONLINE, PROCEDURES, SCOPE_COLUMNS, Column

CODE_PATTERN = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]*")
# A code names a directory of the site; real ones are about 25 characters.
MAX_CODE_LENGTH = 64
# A code is a directory beside the list page thu-tuc/index.html: `index.html` would collide with that file, on
# case-insensitive servers in any letter case.
RESERVED_CODES = frozenset({"index.html"})


def _columns(raw: RawTable, report: Report) -> list[Column]:
    """Columns present and usable; missing required/expected ones are errors, unknown ones warnings."""
    declared = {c.name for c in raw.table.input_columns()}
    present = []
    for column in raw.table.input_columns():
        if column.name in raw.columns:
            present.append(column)
        elif column.presence in ("required", "expected"):
            report.error("missing_column", raw.file, raw.header_row, column.name,
                         f"required column «{column.name}» is missing", column.name, ", ".join(raw.header))
    for name in raw.header:
        if name and name not in declared:
            report.warning("unknown_column", raw.file, raw.header_row, name,
                           "column is not part of the contract and is ignored")
    return present


def _failing(filled: list[tuple[int, str]], valid) -> list[tuple[int, str]]:
    """The (row, cell) pairs whose cell fails valid(cell), judged once per distinct cell: a statistics report
    repeats its periods, levels and many counts on every row."""
    distinct = {value for _, value in filled}
    bad = {value for value in distinct if not valid(value)}
    return [(row, value) for row, value in filled if value in bad]


def _check_column(raw: RawTable, column: Column, values: list[str], report: Report) -> None:
    """VALUES: the column's cells, one per row of raw.rows."""
    if column.presence in ("required", "expected"):
        for row, value in zip(raw.rows, values):
            if value:
                continue
            if column.presence == "required":
                report.error("missing_value", raw.file, row, column.name, "value is required", column.label, "")
            else:
                report.warning("missing_expected", raw.file, row, column.name, "empty; shown as not published",
                               column.label, "")
    filled = [(row, value) for row, value in zip(raw.rows, values) if value]
    if column.kind == "code" and column.name == raw.table.key:
        for row, value in _failing(filled, lambda v: bool(CODE_PATTERN.fullmatch(v)) and len(v) <= MAX_CODE_LENGTH):
            report.error("invalid_code", raw.file, row, column.name,
                         f"code may hold only letters, digits, . _ - (at most {MAX_CODE_LENGTH})",
                         "e.g. 1.001193", value)
        for row, value in filled:
            if value.casefold() in RESERVED_CODES:
                report.error("invalid_code", raw.file, row, column.name,
                             "code is the name of a file of the list of procedures (thu-tuc/index.html)",
                             "e.g. 1.001193", value)
    elif column.kind == "count":
        for row, value in _failing(filled, lambda v: parse_count(v) is not None):
            report.error("invalid_count", raw.file, row, column.name, "not a whole number ≥ 0",
                         f"0, 1, 2, … up to {MAX_COUNT:,} (1.234 or 1,234 = 1234)", value)
    elif column.kind == "levels":
        for row, value in filled:
            codes, unknown = parse_levels(value)
            if unknown or not codes:
                report.error("unknown_level", raw.file, row, column.name, "unknown level",
                             " ; ".join(LEVELS) + " or " + " ; ".join(LEVELS.values()), value)
    elif column.kind == "channel":
        for row, value in filled:
            if parse_channel(value) is None:
                report.error("unknown_channel", raw.file, row, column.name, "unknown channel",
                             ", ".join(CHANNELS) + " or " + ", ".join(CHANNELS.values()), value)
    elif column.name in ("time", "fee"):
        parse = parse_time if column.name == "time" else parse_fee
        example = "e.g. «05 ngày làm việc»" if column.name == "time" else "e.g. «10.000 đồng», «Miễn phí»"
        for row, value in filled:
            problem = parse(value).problem
            if problem:
                report.warning(problem, raw.file, row, column.name, "shown verbatim, without a parsed value",
                               example, value)
    elif column.kind in _PARSERS:
        parse, code, message = _PARSERS[column.kind]
        for row, value in _failing(filled, lambda v: parse(v) is not None):
            report.error(code, raw.file, row, column.name, message, KIND_LABELS[column.kind], value)
    elif column.kind == "online":
        for row, value in filled:
            if parse_online(value) is None:
                report.error("unknown_online", raw.file, row, column.name, "unknown online status",
                             ", ".join(ONLINE) + " or empty", value)


_PARSERS = {
    "period": (parse_period, "invalid_period", "not a possible reporting period"),
    "stat_level": (parse_stat_level, "unknown_level", "unknown level"),
    "rate": (parse_rate, "invalid_rate", "not a percentage between 0 and 100"),
}


def check_tables(tables: dict[str, RawTable], report: Report) -> dict[str, int]:
    """What concerns whole tables (columns, empty file, duplicate codes, rows naming an unknown procedure). Returns
    the row index of each procedure code's first row in the procedures table."""
    for raw in tables.values():
        _columns(raw, report)
    first: dict[str, int] = {}
    procedures = tables.get(PROCEDURES.name)
    if procedures is None:
        return first  # references cannot be checked; the missing file is already reported
    if "code" in procedures.columns:
        if not procedures.rows:
            report.error("empty_file", procedures.file, procedures.header_row + 1, None,
                         "no procedure under the header row", "one row per procedure", "header only")
        by_case: dict[str, tuple[str, int]] = {}
        for index, (row, code) in enumerate(zip(procedures.rows, procedures.columns["code"])):
            if not code:
                continue
            if code in first:
                report.error("duplicate_code", procedures.file, row, "code",
                             f"code already used on row {procedures.rows[first[code]]}", "a unique code", code)
                continue
            first[code] = index
            # Each code is a directory of the site: codes equal but for case collide on Windows and macOS.
            other = by_case.setdefault(code.casefold(), (code, row))
            if other[0] != code:
                report.error("duplicate_code", procedures.file, row, "code",
                             f"code differs only in letter case from «{other[0]}» on row {other[1]}",
                             "a unique code, whatever the case", code)
    for name in ("documents", "channels"):
        raw = tables.get(name)
        if raw is None or "procedure_code" not in raw.columns:
            continue
        for row, value in zip(raw.rows, raw.columns["procedure_code"]):
            if value and value not in first:
                report.error("unknown_procedure", raw.file, row, "procedure_code",
                             "no procedure with this code in procedures", "a code from procedures", value)
    return first


def check_cells(raw: RawTable, report: Report) -> None:
    """Every cell of these rows against its column's kind (RAW may hold some of a table's rows: RawTable.subset)."""
    for column in raw.table.input_columns():
        if column.name in raw.columns:
            _check_column(raw, column, raw.columns[column.name], report)


def _distinct(values: list, function) -> list:
    """FUNCTION of each value, computed once per distinct value: a report repeats its periods, levels, agencies
    and many of its counts on every row."""
    results = {value: function(value) for value in set(values)}
    return [results[value] for value in values]


def validate_statistics(tables: list[RawTable], report: Report) -> None:
    """Column and cell checks per file, then one scope + period per row across all files."""
    first: dict[tuple, str] = {}
    for raw in tables:
        present = _columns(raw, report)
        rows = raw.rows
        values = {column.name: _distinct(raw.columns[column.name], stat_text) for column in present}
        for column in present:
            _check_column(raw, column, values[column.name], report)
        if "period" not in values or "level" not in values:
            continue
        keys = zip(*(_distinct(values[c], _KEY_NORMALISERS.get(c, str)) if c in values else [""] * len(rows)
                     for c in ("period", *SCOPE_COLUMNS)))
        for row, key in zip(rows, keys):
            if None in key or not key[0]:
                continue  # an invalid period or level is reported already
            if key in first:
                report.error("duplicate_row", raw.file, row, "period",
                             f"same scope and period as {first[key]}", "one row per scope and period",
                             " / ".join(k for k in key if k))
            else:
                first[key] = f"{raw.file}:{row}"


_KEY_NORMALISERS = {
    "period": lambda v: p.canonical if (p := parse_period(v)) else None,
    "level": parse_stat_level,
}
