"""`congkhai convert`: any input the build accepts → the tidy catalogue (three CSV files, or one .xlsx workbook with a
sheet per table) and the statistics as one CSV file; or the catalogue as portal JSON records. The output folder is a
data folder the build reads as it is, so an agency can convert what it holds, fix it in Excel and build from it.

Cells are written as the load stage read them (NFC, trimmed), in the contract's columns, nothing parsed or dropped:
what convert writes is what the build would have read. Documents and channels come grouped by procedure, in the
catalogue's order, as in the portal's records, so tidy → JSON → tidy gives the same files. Each earlier version of
the catalogue (history/YYYY-MM-DD/catalogue/) is converted into the same form. The dossier log (dossiers/), already
in a form the build reads in place (CSV or Parquet, possibly of 10⁸ rows), and the files that say where the data
comes from (README.md, SYNTHETIC) are copied as they are: the folder written builds the same site.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from .load import RawTable, load_all, load_tables
from .problems import DataError, Report, UsageError
from .schema import (CATALOGUE_DIR, CATALOGUE_TABLES, DOSSIERS_DIR, HISTORY_DIR, PROCEDURES, STATISTICS,
                     STATISTICS_DIR, Table)
from .vietnamese import format_number

FORMS = ("csv", "xlsx", "json")
WORKBOOK = "danh-muc.xlsx"  # in a catalogue folder
RECORDS = "thu-tuc.json"  # in a catalogue folder
STATISTICS_FILE = f"{STATISTICS_DIR}/statistics.csv"
README = "README.md"
EXCEL_CELL = 32_767  # the most characters an Excel cell holds: a longer one is cut when the workbook is saved


def convert(data_dir: Path, out_dir: Path, form: str = "csv") -> tuple[list[str], Report]:
    """Write DATA_DIR's catalogue, its earlier versions and its statistics into OUT_DIR in FORM, its dossier log and
    provenance copied; the files written (relative to OUT_DIR) and the problems met. Raises DataError, writing
    nothing, when the input cannot be read; UsageError for bad paths."""
    if not data_dir.is_dir():
        raise UsageError(f"không tìm thấy thư mục dữ liệu: {data_dir}")
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise UsageError(f"thư mục đích phải mới hoặc trống: {out_dir}")
    report = Report()
    files = _catalogue(data_dir, CATALOGUE_DIR, form, report)
    copied = [README] if (data_dir / README).is_file() else []
    history = data_dir / HISTORY_DIR
    for entry in sorted(history.iterdir()) if history.is_dir() else ():
        where = f"{HISTORY_DIR}/{entry.name}"
        if entry.name.startswith("."):
            continue
        if entry.is_file():
            copied.append(where)
        elif (entry / CATALOGUE_DIR).is_dir():
            files.update(_catalogue(data_dir, f"{where}/{CATALOGUE_DIR}", form, report))
            copied += [f"{where}/{p.name}" for p in sorted(entry.iterdir()) if p.is_file()]
    dossiers = data_dir / DOSSIERS_DIR
    if dossiers.is_dir():
        copied += [f"{DOSSIERS_DIR}/{p.name}" for p in sorted(dossiers.iterdir()) if p.is_file()]
    statistics = load_all(data_dir / STATISTICS_DIR, STATISTICS, data_dir, report)
    if report.errors:
        raise DataError(report)
    if statistics:
        header = list(dict.fromkeys([*_header(STATISTICS), *(c for raw in statistics for c in raw.header if c)]))
        files[STATISTICS_FILE] = csv_file(header, [row for raw in statistics for row in _rows(raw, STATISTICS, header)])
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (out_dir / name).write_bytes(content)
    for name in copied:
        (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data_dir / name, out_dir / name)
    return sorted([*files, *copied]), report


def _catalogue(data_dir: Path, folder: str, form: str, report: Report) -> dict[str, bytes]:
    """The catalogue in DATA_DIR/FOLDER as the files of FORM, by their path relative to OUT_DIR."""
    tables = load_tables(data_dir / folder, CATALOGUE_TABLES, data_dir, report)
    rows = {table.name: _rows(tables.get(table.name), table) for table in CATALOGUE_TABLES}
    _group_by_procedure(rows)
    if form == "json":
        from .portal import records

        tidy = {t.name: _table(t, rows[t.name]) for t in CATALOGUE_TABLES}
        return {f"{folder}/{RECORDS}": (json.dumps(records(tidy), ensure_ascii=False, indent=1) + "\n").encode("utf-8")}
    if form == "xlsx":
        return {f"{folder}/{WORKBOOK}": _workbook(rows, f"{folder}/{WORKBOOK}", report)}
    return {f"{folder}/{t.filename}": csv_file(_header(t), rows[t.name]) for t in CATALOGUE_TABLES}


def _header(table: Table) -> list[str]:
    return [c.name for c in table.input_columns()]


def _rows(raw: RawTable | None, table: Table, header: list[str] | None = None) -> list[list[str]]:
    """RAW's cells in HEADER's columns (the contract's by default), a missing column empty."""
    if raw is None:
        return []
    count = len(raw.rows)
    columns = [raw.columns.get(name, [""] * count) for name in header or _header(table)]
    return [list(cells) for cells in zip(*columns)]


def _table(table: Table, rows: list[list[str]]) -> RawTable:
    header = _header(table)
    return RawTable(table, table.filename, header, {name: [row[i] for row in rows] for i, name in enumerate(header)},
                    list(range(2, len(rows) + 2)))


def _group_by_procedure(rows: dict[str, list[list[str]]]) -> None:
    """Documents and channels in the order of their procedures (each procedure's own rows kept in order), rows
    naming no procedure last."""
    order = {row[0]: i for i, row in reversed(list(enumerate(rows[PROCEDURES.name])))}
    for name in ("documents", "channels"):
        rows[name].sort(key=lambda row: order.get(row[0], len(order)))


def csv_file(header: list[str], rows: list[list[str]]) -> bytes:
    """UTF-8 with a BOM, which Excel needs to show Vietnamese; cells exactly as read (no quote before a leading =:
    these are the agency's own files to edit, not published ones)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def _workbook(rows: dict[str, list[list[str]]], name: str, report: Report) -> bytes:
    """One sheet per table, named as the build looks for them. Counts are numbers; every other cell is text, also
    one starting with «=» (never a formula)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for table in CATALOGUE_TABLES:
        sheet = workbook.create_sheet(table.name)
        header = _header(table)
        counts = {i for i, name in enumerate(header) if table.column(name).kind == "count"}
        sheet.append(header)
        for r, row in enumerate(rows[table.name], start=2):
            for c, value in enumerate(row):
                if c in counts and value.isascii() and value.isdigit():
                    sheet.cell(r, c + 1, int(value))
                elif value:
                    sheet.cell(r, c + 1, value).data_type = "s"
                    if len(value) > EXCEL_CELL:
                        report.warning("excel_cell_limit", name, r, header[c],
                                       "ô dài hơn Excel chứa được: Excel sẽ cắt bớt khi lưu lại; sửa ô này trong "
                                       "tệp CSV", f"tối đa {format_number(EXCEL_CELL)} ký tự",
                                       f"{format_number(len(value))} ký tự")
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
