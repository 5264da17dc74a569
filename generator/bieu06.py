"""Biểu số 06/VPCP/KSTT laid out as the printed form → statistics rows (part of the load stage).

Provincial one-stop systems export their resolution statistics as a sheet shaped like the printed form
(shared/FORMATS.md §2): a title block (form number, «Kỳ báo cáo: Quý I/2020», «(Từ ngày … đến ngày …)», the
reporting unit), a header of merged cells over a few rows, the column numbering row (1)…(13), then group rows
(«I Cấp tỉnh», «Sở, ban, ngành», «II Cấp huyện», …), item rows (an agency or a field), a «Tổng số» row, and notes
and signatures below. `read_sheet` turns such a sheet into the RawTable of contract columns a tidy statistics file
gives (period, level, agency or field, the counts, note), so parse and audit check every figure as they check a CSV
row. Each cell remembers where it was read (RawTable.cells), so a problem points at `statistics/b.xlsx:Q1!H12`.

What the reader decides, and why:
- The header is found by its numbering row ((1), (2), …, at least five numbers in a row) or, failing that, by its
  labels (a row with «STT» or the column groups «nhận», «đã giải quyết», «đang giải quyết»), whatever rows the title
  block above it takes. Each column is read by its labels, top to bottom through the merged cells (the variants —
  form II.06a, the quarterly form, portal views — word them differently); a column whose labels say nothing takes
  the meaning of its number in the 13 columns of the printed form.
- Cells are text as the workbook holds them: an empty figure is not published (never 0); «1.234» is 1234
  (parse.parse_count). A data cell merged over (8) and (9) is the number resolved before or on time
  (`resolved_in_time`), as is a column whose label says «trước hạn và đúng hạn».
- Columns the contract has no place for («Chờ bổ sung», «Tỷ lệ hài lòng», direct and postal counted apart) are kept
  with their labels in the row's `note`, which the open data publishes: no figure is dropped silently. «Trả lại/Rút
  hồ sơ» is `withdrawn`.
- A group row sets the level of the rows under it (Cấp bộ, Cấp tỉnh or «Sở, ban, ngành», Cấp huyện, Cấp xã); its
  own figures, if any, are that level's total. An item row is an agency, or a field when the name column's label
  is about fields only («Lĩnh vực»). «Tổng số» is the level `tong`. Rows without any figure are headings.
- The period is the title block's «Kỳ báo cáo» (a quarter, year, month, «6 tháng đầu năm …»), else its «Từ ngày …
  đến ngày …» range, else a period in the sheet's name, else in the file's name (`bieu-06-2024-Q1.xlsx`). A date
  range that differs from the named period is kept in the note. No period anywhere is one error saying how to give
  it, and the sheet is not read.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from openpyxl.utils import get_column_letter

from .load import Merged, RawTable, _clean, header_key
from .problems import Report
from .schema import STATISTICS
from .vietnamese import fold

# The header and the period are looked for in the first rows: a title block is a few rows, not a page.
SEARCH_ROWS = 40
# The 13 columns of the printed form, by number: (1) STT, (2) the name, (3)…(13) the counts.
NUMBERED = {3: "received_total", 4: "received_online", 5: "received_offline", 6: "carried_over",
            7: "resolved_total", 8: "resolved_early", 9: "resolved_on_time", 10: "resolved_late",
            11: "pending_total", 12: "pending_in_time", 13: "pending_overdue"}
_STT = frozenset({"stt", "so tt", "so thu tu", "tt"})  # the label of column (1), as header_key gives it
_NUMBERING_CELL = re.compile(r"[()\d\s+:,;&-]+")
_ROMAN = re.compile(r"(?i)(i{1,3}|iv|v|vi{1,3}|ix|x)[.)]?")
# Rows from which on the sheet holds notes and signatures, not figures.
_FOOTER = re.compile(r"(ghi chu|nguoi lap|thu truong|noi nhan)\b")
_GROUPS = (("pending", r"dang giai quyet|dang xu ly"), ("resolved", r"da giai quyet|da xu ly"),
           ("received", r"\bnhan\b|tiep nhan"))


def _has(text: str, pattern: str) -> bool:
    return re.search(rf"\b(?:{pattern})\b", text) is not None


def _meaning(labels: str) -> str | None:
    """The contract column a column's labels (header_key of each, top to bottom, joined) name; None if none (the
    column is then an extra, kept in the note)."""
    if _has(labels, "cho bo sung|ti le|hai long|ghi chu"):
        return None
    if _has(labels, "tra lai|rut"):
        return "withdrawn"
    group = next((name for name, pattern in _GROUPS if _has(labels, pattern)), None)
    if group == "received":
        if _has(labels, "truc tuyen"):
            return "received_online"
        if _has(labels, "truc tiep") and _has(labels, "buu chinh"):
            return "received_offline"
        if _has(labels, "truc tiep|buu chinh"):
            return None  # direct and postal apart: neither is (5)
        if _has(labels, "ki truoc"):
            return "carried_over"
        if _has(labels, "trong ki|moi tiep nhan|moi nhan"):
            return None  # new in the period, not split by channel: not a contract column
        return "received_total" if _has(labels, "tong so|tong") else None
    if group == "resolved":
        if _has(labels, "truoc va dung han|trong han") or (_has(labels, "truoc han") and _has(labels, "dung han")):
            return "resolved_in_time"
        for pattern, name in (("truoc han", "resolved_early"), ("dung han", "resolved_on_time"),
                              ("qua han|tre han", "resolved_late"), ("tong so|tong", "resolved_total")):
            if _has(labels, pattern):
                return name
        return None
    if group == "pending":
        for pattern, name in (("trong han|chua den han", "pending_in_time"), ("qua han", "pending_overdue"),
                              ("tong so|tong", "pending_total")):
            if _has(labels, pattern):
                return name
    return None


def _level(name: str) -> str | None:
    """The level a group row names: «I. Cấp tỉnh», «Sở, ban, ngành» → tinh; None if it names none."""
    text = header_key(name)
    for pattern, level in (("cap bo|bo nganh|co quan trung uong", "bo"), ("cap tinh|so ban nganh|so nganh", "tinh"),
                           ("cap huyen", "huyen"), ("cap xa", "xa")):
        if _has(text, pattern):
            return level
    return None


def _is_total(name: str) -> bool:
    return header_key(name) in ("tong so", "tong cong", "tong", "cong", "toan tinh", "tong so chung")


@dataclass
class Layout:
    """Where a sheet's table is: its header rows, first data row, and what each column holds (0-based)."""

    header: list[int]  # rows of the header, the numbering row included
    first_data: int
    stt: int | None
    name: int
    scope: str  # agency or field: what an item row names
    columns: dict[int, str]  # column → contract column
    extras: dict[int, str] = field(default_factory=dict)  # column → its labels, for the note


def _numbering(row: list[str]) -> dict[int, list[int]] | None:
    """Column → its numbers, if ROW is the numbering row: (1) (2) … (at least five, consecutive; a merged cell
    repeats its number, «(8)+(9)» gives two)."""
    found: dict[int, list[int]] = {}
    previous = None
    for i, cell in enumerate(row):
        cell = cell.strip()
        if not cell:
            continue
        if not _NUMBERING_CELL.fullmatch(cell) or "(" not in cell:
            return None
        if cell != previous:
            found[i] = [int(n) for n in re.findall(r"\d+", cell)]
        previous = cell
    numbers = [n for ns in found.values() for n in ns]
    return found if len(numbers) >= 5 and numbers == list(range(1, len(numbers) + 1)) else None


def _labelled(row: list[str]) -> bool:
    """Whether ROW starts a header: an «STT» cell, or the column groups of the form."""
    keys = {header_key(cell) for cell in row if cell.strip()}
    if keys & _STT:
        return True
    return sum(any(_has(key, pattern) for key in keys) for _, pattern in _GROUPS) >= 2


def _is_figure(cell: str) -> bool:
    return bool(re.fullmatch(r"[\d.,\s]+", cell.strip())) and any(ch.isdigit() for ch in cell)


def layout(rows: list[list[str]]) -> Layout | None:
    """Where the table of a sheet laid out as the printed Biểu 06 is; None if the sheet is not laid out so."""
    numbering_row = next((i for i, row in enumerate(rows[:SEARCH_ROWS]) if _numbering(row)), None)
    if numbering_row is not None:
        top = next((i for i in range(max(0, numbering_row - 4), numbering_row) if _labelled(rows[i])),
                   numbering_row)
        header = list(range(top, numbering_row + 1))
        numbers = _numbering(rows[numbering_row])
    else:
        top = next((i for i, row in enumerate(rows[:SEARCH_ROWS]) if _labelled(row)), None)
        if top is None:
            return None
        header = [top]
        stt_text = next((c for c in rows[top] if header_key(c) in _STT), None)
        for i in range(top + 1, min(top + 4, len(rows))):
            row = rows[i]
            if any(_is_figure(c) for c in row) or (stt_text and row[rows[top].index(stt_text)] not in ("", stt_text)):
                break
            header.append(i)
        numbers = {}
    width = max(len(rows[i]) for i in header)
    labels = {}
    for column in range(width):
        seen: list[str] = []
        for i in header:
            cell = rows[i][column].strip() if column < len(rows[i]) else ""
            if cell and cell not in seen and not (numbers and i == header[-1]):
                seen.append(cell)
        labels[column] = seen
    # The 13 columns of the printed form: a column without labels takes the meaning of its number.
    standard = bool(numbers) and max(n for ns in numbers.values() for n in ns) == 13
    stt = next((c for c, ls in labels.items() if any(header_key(x) in _STT for x in ls)), None)
    if stt is None:
        stt = next((c for c, ns in numbers.items() if ns == [1]), None)
    columns: dict[int, str] = {}
    extras: dict[int, str] = {}
    name = None
    for column in range(width):
        if column == stt:
            continue
        key = " ".join(header_key(label) for label in labels[column])
        meaning = _meaning(key)
        if meaning is None and standard and not key:
            ns = numbers.get(column, [])
            meaning = ("resolved_in_time" if ns == [8, 9] else NUMBERED.get(ns[0]) if len(ns) == 1 else None)
        if meaning is None and name is None and (numbers.get(column) == [2]
                                                 or _has(key, "linh vuc|co quan|don vi|ten|noi dung|cong viec")):
            name = column
        elif meaning is not None and meaning not in columns.values():
            columns[column] = meaning
        elif labels[column] or column in numbers:
            extras[column] = " – ".join(labels[column]) or f"cột {get_column_letter(column + 1)}"
    if not columns:
        return None
    if name is None:
        name = (stt + 1) if stt is not None else min(columns) - 1
        if name < 0 or name in columns:
            return None
    extras.pop(name, None)
    name_labels = " ".join(header_key(label) for label in labels.get(name, []))
    scope = ("field" if _has(name_labels, "linh vuc") and not _has(name_labels, "co quan|don vi|theo cap")
             else "agency")
    return Layout(header, header[-1] + 1, stt, name, scope, columns, extras)


# --- the period ------------------------------------------------------------------------------------------------

def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def named_period(text: str) -> str | None:
    """A period as the form names it, in the contract's spelling: «Quý I/2020» → 2020-Q1, «Năm 2020» → 2020,
    «Tháng 3/2024» → 2024-03, «6 tháng đầu năm 2024» → 2024-01-01..2024-06-30; None if it names none."""
    words = header_key(text)
    if m := re.search(r"\bqui (iv|i{1,3}|[1-4])(?: nam)? (\d{4})\b", words):
        quarter = {"i": 1, "ii": 2, "iii": 3, "iv": 4}.get(m[1]) or int(m[1])
        return f"{m[2]}-Q{quarter}"
    if m := re.search(r"\b(\d{1,2}) thang (dau|cuoi) nam (\d{4})\b", words):
        months, year = int(m[1]), int(m[3])
        if not 1 <= months <= 12:
            return None
        first, last = (1, months) if m[2] == "dau" else (13 - months, 12)
        return f"{dt.date(year, first, 1).isoformat()}..{_month_end(year, last).isoformat()}"
    if m := re.search(r"\bthang (\d{1,2})(?: nam)? (\d{4})\b", words):
        return f"{m[2]}-{int(m[1]):02d}" if 1 <= int(m[1]) <= 12 else None
    if m := re.search(r"\bnam (\d{4})\b", words):
        return m[1]
    return None


_DATE = r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})"
_RANGE = re.compile(rf"tu ngay\s*{_DATE}\s*(?:,\s*)?den ngay\s*{_DATE}")


def date_range(text: str) -> str | None:
    """«(Từ ngày 01/12/2019 đến ngày 29/02/2020)» → 2019-12-01..2020-02-29; None if the text holds no dates."""
    m = _RANGE.search(fold(text))
    if not m:
        return None
    try:
        start = dt.date(int(m[3]), int(m[2]), int(m[1]))
        end = dt.date(int(m[6]), int(m[5]), int(m[4]))
    except ValueError:
        return None
    return f"{start.isoformat()}..{end.isoformat()}"


def name_period(name: str) -> str | None:
    """A period in a sheet's or file's name: `2024-Q1`, `2024-03`, `2024` (the contract's spellings) or «Quý I
    2024»."""
    if m := re.search(r"(?<!\d)(\d{4})[-_ .]?[Qq]([1-4])(?!\d)", name):
        return f"{m[1]}-Q{m[2]}"
    if m := re.search(r"(?<!\d)(\d{4})-(\d{2})(?![\d-])", name):
        return f"{m[1]}-{m[2]}"
    if named := named_period(name):
        return named
    if m := re.search(r"(?<!\d)((?:19|20)\d{2})(?!\d)", name):
        return m[1]
    return None


@dataclass
class Title:
    """What the title block above the header says."""

    period: str | None = None
    period_cell: str = ""
    stated: str = ""  # the period as written, when it says more than the period (a date range beside a quarter)
    unit: str = ""  # Đơn vị báo cáo
    unread: tuple[str, str] | None = None  # a «Kỳ báo cáo» cell that names no period: its cell and text


def _title(rows: list[list[str]], above: int) -> Title:
    title = Title()
    named = ranged = None
    for r, row in enumerate(rows[:above]):
        previous = None
        for c, cell in enumerate(row):
            if not cell.strip() or cell == previous:
                previous = cell
                continue
            previous = cell
            key = header_key(cell)
            where = f"{get_column_letter(c + 1)}{r + 1}"
            if "ki bao cao" in key and named is None:
                text = cell.split(":", 1)[1] if ":" in cell else cell
                if not named_period(text) and not date_range(text):
                    text = next((x for x in row[c + 1:] if x.strip() and x != cell), text)
                period = named_period(text)
                if period:
                    named = (period, where, cell.strip())
                elif not date_range(text):
                    title.unread = (where, cell.strip())
            if ranged is None and (period := date_range(cell)):
                ranged = (period, where, cell.strip())
            if "don vi bao cao" in key and not title.unit:
                title.unit = cell.split(":", 1)[1].strip() if ":" in cell else ""
    if named and ranged:  # the dates a named period covered in this report (Quý I/2020: 01/12/2019–29/02/2020)
        title.stated = named[2] if named[1] == ranged[1] else f"{named[2]} {ranged[2]}"
    chosen = named or ranged
    if chosen:
        title.period, title.period_cell = chosen[0], chosen[1]
    return title


# --- the rows ----------------------------------------------------------------------------------------------------

def _quoted(sheet: str) -> str:
    """A sheet's name as Excel writes it in a reference: 'Quý I'!H12, Q1!H12."""
    return sheet if re.fullmatch(r"[^\W\d][\w.]*", sheet) else "'" + sheet.replace("'", "''") + "'"


def read_sheet(form: Layout, rows: list[list[str]], merged: list[Merged], file: str, sheet: str,
               report: Report) -> RawTable | None:
    """The statistics rows of a sheet laid out as the printed form (layout), as a RawTable of contract columns;
    None, with one error, when its period cannot be found."""
    shown = f"{file}[{sheet}]"
    where = f"{file}:{_quoted(sheet)}!"
    title = _title(rows, form.header[0])
    period, period_cell = title.period, where + title.period_cell if title.period else ""
    if period is None:
        period = name_period(sheet) or name_period(PurePosixPath(file).stem)
        period_cell = f"{file}:{_quoted(sheet)}"
    if period is None:
        report.error("missing_period", shown, None, None,
                     "không tìm thấy kỳ báo cáo của biểu: ghi «Kỳ báo cáo: Quý I/2024» (hoặc «Năm 2024», «Tháng "
                     "3/2024», «6 tháng đầu năm 2024», «Từ ngày 01/01/2024 đến ngày 31/03/2024») ở phần tiêu đề "
                     "phía trên bảng, hoặc đặt kỳ vào tên trang tính hay tên tệp (ví dụ bieu-06-2024-Q1.xlsx)",
                     "Kỳ báo cáo: Quý I/2024", title.unread[1] if title.unread else "không có",
                     where + title.unread[0] if title.unread else "")
        return None
    counts = list(form.columns.values())
    early, on_time = (next((c for c, m in form.columns.items() if m == name), None)
                      for name in ("resolved_early", "resolved_on_time"))
    if early is not None and on_time is not None and "resolved_in_time" not in counts:
        counts.append("resolved_in_time")  # where a row's (8) and (9) are one merged cell
    header = ["period", "level", form.scope, *counts, "note"]
    columns: dict[str, list[str]] = {name: [] for name in header}
    cells: dict[str, list[str]] = {name: [] for name in header}
    numbers: list[int] = []
    fixed_note = [text for text in (title.stated, f"Đơn vị báo cáo: {title.unit}" if title.unit else "") if text]
    level, level_cell = "", ""
    for r in range(form.first_data, len(rows)):
        row = rows[r]
        if not any(cell.strip() for cell in row):
            continue
        lead = next(cell for cell in row if cell.strip())
        if _FOOTER.match(header_key(lead)):
            break
        stt = row[form.stt].strip() if form.stt is not None else ""
        name = row[form.name].strip()
        # A heading merged across the figures: its text fills them.
        spans = [m for m in merged if m[0] <= r + 1 <= m[2]]
        across = any(m[1] <= form.name + 1 <= m[3] and any(m[1] <= c + 1 <= m[3] for c in form.columns)
                     for m in spans)
        in_time = next((m for m in spans if early is not None and on_time is not None and m[0] == r + 1
                        and (m[1], m[3]) == (min(early, on_time) + 1, max(early, on_time) + 1)), None)
        figures = {} if across else {column: row[column].strip() for column in form.columns}
        if in_time is not None:
            figures[early] = figures[on_time] = ""
        extras = {} if across else {column: row[column].strip() for column in form.extras if row[column].strip()}
        group = _level(name or stt)
        if across or _ROMAN.fullmatch(stt) or (group and not stt.replace(".", "").isdigit()):
            level, level_cell = group or name or stt, where + f"{get_column_letter(form.name + 1)}{r + 1}"
            scope_value, row_level, row_level_cell = "", level, level_cell
        elif _is_total(name or stt) and not stt.isdigit():
            scope_value, row_level = "", "tong"
            row_level_cell = where + f"{get_column_letter(form.name + 1)}{r + 1}"
        else:
            scope_value, row_level, row_level_cell = name, level, level_cell
        if not any(figures.values()) and in_time is None and not extras:
            continue  # a heading, or a row publishing nothing
        numbers.append(r + 1)
        here = where + "{}" + str(r + 1)
        values = {name: ("", "") for name in header}
        values.update({"period": (period, period_cell), "level": (row_level, row_level_cell),
                       form.scope: (scope_value, here.format(get_column_letter(form.name + 1)))})
        for column, meaning in form.columns.items():
            values[meaning] = (figures.get(column, ""), here.format(get_column_letter(column + 1)))
        if in_time is not None:
            values["resolved_in_time"] = (row[in_time[1] - 1].strip(), where + in_time[4].split(":")[0])
        note = fixed_note + [f"{form.extras[c]}: {v}" for c, v in extras.items()]
        values["note"] = ("; ".join(note), here.format(get_column_letter(min(extras) + 1)) if extras else "")
        for column_name, (value, cell) in values.items():
            columns[column_name].append(value)
            cells[column_name].append(cell)
    _clean(columns, numbers, shown, report, cells)
    return RawTable(STATISTICS, shown, header, columns, numbers, form.header[-1] + 1, cells=cells)
