"""Load stage: files → raw tables of text, every cell a string, every row keeping its spreadsheet row number."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .problems import Report
from .schema import Table


@dataclass
class RawTable:
    table: Table
    file: str  # as shown in problem reports: relative to the data directory
    header: list[str]
    frame: pd.DataFrame  # str cells, columns as in the header (duplicates dropped), plus "_row"


def _decode(data: bytes, file: str, report: Report) -> str | None:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        report.error("encoding", file, line, None, "file is not UTF-8; save it as «CSV UTF-8»",
                     "UTF-8", f"byte 0x{data[exc.start]:02x} at line {line}")
        return None


def _frame(table: Table, file: str, rows: list[list[str]], row_numbers: list[int],
           report: Report) -> RawTable | None:
    if not rows:
        report.error("empty_file", file, None, None, "file has no header row", "a header row", "nothing")
        return None
    header = [h.strip() for h in rows[0]]
    seen: set[str] = set()
    keep: list[int] = []
    for i, name in enumerate(header):
        if name in seen:
            report.error("duplicate_column", file, row_numbers[0], name, "column appears more than once",
                         "one column", f"column {i + 1}")
        elif name:
            seen.add(name)
            keep.append(i)
    body = [[r[i] if i < len(r) else "" for i in keep] for r in rows[1:]]
    frame = pd.DataFrame(body, columns=[header[i] for i in keep], dtype=object).fillna("")
    frame["_row"] = row_numbers[1:]
    # Rows with nothing in them are layout, not data.
    cells = frame.drop(columns="_row")
    frame = frame[(cells != "").any(axis=1)].reset_index(drop=True) if len(cells.columns) else frame.iloc[0:0]
    return RawTable(table, file, header, frame)


def read_csv(path: Path, table: Table, file: str, report: Report) -> RawTable | None:
    data = path.read_bytes()
    if not data.strip():
        report.error("empty_file", file, None, None, "file is empty", "a header row", "0 bytes")
        return None
    text = _decode(data, file, report)
    if text is None:
        return None
    try:
        parsed = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False,
                             skip_blank_lines=False)
    except (pd.errors.ParserError, csv.Error) as exc:
        report.error("unreadable_file", file, None, None, f"not a valid CSV file: {exc}")
        return None
    rows = parsed.fillna("").values.tolist()
    return _frame(table, file, rows, list(range(1, len(rows) + 1)), report)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _open_workbook(path: Path, file: str, report: Report):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException
    from zipfile import BadZipFile

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as exc:
        report.error("unreadable_file", file, None, None, f"not a readable .xlsx workbook: {exc}")
        return None


def _sheet(workbook, sheet_name: str, table: Table, file: str, report: Report) -> RawTable | None:
    rows = [[_cell_text(v) for v in values] for values in workbook[sheet_name].iter_rows(values_only=True)]
    return _frame(table, f"{file}[{sheet_name}]", rows, list(range(1, len(rows) + 1)), report)


def read_workbook(path: Path, tables: tuple[Table, ...], file: str, report: Report) -> dict[str, RawTable]:
    """One sheet per table, named after it."""
    workbook = _open_workbook(path, file, report)
    if workbook is None:
        return {}
    sheets = {name.strip().lower(): name for name in workbook.sheetnames}
    result: dict[str, RawTable] = {}
    for table in tables:
        sheet_name = sheets.get(table.name)
        if sheet_name is None:
            report.error("missing_file", file, None, None, f"workbook has no sheet «{table.name}»",
                         table.name, ", ".join(workbook.sheetnames))
            continue
        raw = _sheet(workbook, sheet_name, table, file, report)
        if raw is not None:
            result[table.name] = raw
    workbook.close()
    return result


def load_tables(directory: Path, tables: tuple[Table, ...], data_root: Path, report: Report) -> dict[str, RawTable]:
    """Read DIRECTORY/<table>.csv for each table, or the single .xlsx workbook there."""
    def shown(p: Path) -> str:
        return p.relative_to(data_root).as_posix()

    if not directory.is_dir():
        report.error("missing_file", shown(directory), None, None, "directory not found")
        return {}
    csvs = {t.name: directory / t.filename for t in tables}
    workbooks = sorted(p for p in directory.glob("*.xlsx") if not p.name.startswith("~$"))
    if not any(p.exists() for p in csvs.values()) and workbooks:
        if len(workbooks) > 1:
            report.error("unreadable_file", shown(directory), None, None,
                         "more than one .xlsx workbook; keep exactly one", "1 workbook",
                         ", ".join(p.name for p in workbooks))
            return {}
        return read_workbook(workbooks[0], tables, shown(workbooks[0]), report)
    result: dict[str, RawTable] = {}
    for table in tables:
        path = csvs[table.name]
        if not path.exists():
            report.error("missing_file", shown(path), None, None, "file not found")
            continue
        raw = read_csv(path, table, shown(path), report)
        if raw is not None:
            result[table.name] = raw
    return result


def load_all(directory: Path, table: Table, data_root: Path, report: Report) -> list[RawTable] | None:
    """Every .csv file and every sheet of every .xlsx workbook in DIRECTORY, all holding TABLE's columns.
    None when the directory does not exist (nothing published)."""
    if not directory.is_dir():
        return None
    result: list[RawTable] = []
    for path in sorted(directory.iterdir()):
        file = path.relative_to(data_root).as_posix()
        if path.suffix.lower() == ".csv":
            raw = read_csv(path, table, file, report)
            if raw is not None:
                result.append(raw)
        elif path.suffix.lower() == ".xlsx" and not path.name.startswith("~$"):
            workbook = _open_workbook(path, file, report)
            if workbook is not None:
                for sheet_name in workbook.sheetnames:
                    raw = _sheet(workbook, sheet_name, table, file, report)
                    if raw is not None:
                        result.append(raw)
                workbook.close()
    return result
