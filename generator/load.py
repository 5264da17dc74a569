"""Load stage: files → raw tables of text, every cell a string, every row keeping its spreadsheet row number.
Catalogue cells come out NFC-normalised and trimmed (vietnamese.nfc); statistics cells as read.

What an agency's export can look like, and what this stage makes of it (README, «Using your own data»):
UTF-8 with or without BOM, UTF-16 (Excel's «Unicode Text»), or Vietnamese Windows-1258 (Excel's plain «CSV» on a
Vietnamese Windows) when the decoded text is Vietnamese; comma-, tab- or semicolon-separated, as the header row
shows; title rows above the header are skipped with a warning; a merged Excel range gives its value to every cell
it covers, as Excel displays it. Anything else is a problem with its location, never an exception.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import difflib
import errno
import hashlib
import io
import os
import re
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from .cache import digest, forked
from .problems import Report, os_reason
from .schema import Column, Table
from .vietnamese import fold, format_number, words

# A legitimate cell stays far below this (the real catalogue's longest is about 45,000 characters); a longer one
# is nearly always the rest of the file swallowed by a quote that was never closed.
MAX_CELL = 1_000_000
# The header row is looked for in the first rows only: titles above a table are a few lines, not a page.
HEADER_SEARCH_ROWS = 10
DELIMITERS = (",", "\t", ";")
# A catalogue file this large is parsed on another core while the build reads the cache (BuildCache.remember_later).
LARGE_FILE = 4 * 2**20

csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))

# A workbook is a zip of XML parts, and openpyxl holds every cell of them in memory as an object: the real catalogue
# as one workbook (20.7 MB unpacked, its text in shared strings) takes 60 MB, a sheet of 500,000 numbers (18.8 MB)
# 250 MB and 10 s. Above this, unpacked, a workbook is refused before it is read (at most about 1 GB and 40 s):
# split it, or save it as «CSV UTF-8».
MAX_WORKBOOK_BYTES = 64 * 2**20
# The cells holding values of one sheet span at most this many rows × columns (the real catalogue's largest sheet,
# 16,440 rows × 15 columns, is 250,000): a stray value far below the data would otherwise be millions of rows.
MAX_SHEET_CELLS = 5_000_000
# Invisible characters that never belong in published text: C0 controls other than tab and line breaks, DEL, C1
# controls, the two non-characters, and the directional formatting characters (U+202A–202E embeddings and
# overrides, U+2066–2069 isolates), which display a name or a link reversed. Removed at load time, with a warning.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
# Header cells may carry a stray BOM, zero-width or directional characters from copy and paste.
_HEADER_JUNK = re.compile("[\ufeff\u200b\u200c\u200d\u2060\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Origin:
    """The JSON a row of a table was made from: its file, its line in a JSON Lines file, the JSONPath of the object
    (`$`, `$[3]`, `$.executionMethods[2]`), and for each column the path below it of the value its cell came
    from (`.processingTimeUnit`), or the whole path when the value is elsewhere in the file (`$[3].code`)."""

    file: str
    line: int | None
    path: str
    keys: tuple[tuple[str, str], ...] = ()


@dataclass
class RawTable:
    table: Table
    file: str  # as shown in problem reports: relative to the data directory
    header: list[str]
    columns: dict[str, list[str]]  # column → its cells, in header order (duplicate and unnamed columns dropped)
    rows: list[int]  # spreadsheet row of each row of cells
    header_row: int = 1  # spreadsheet row of the header (rows above it are titles)
    # Where each cell was read, parallel to `columns`, when its row and column do not say it: a sheet laid out as
    # the printed Biểu 06 (bieu06.py) gives `statistics/b.xlsx:Q1!H12`. Problems point there (cell()).
    cells: dict[str, list[str]] = field(default_factory=dict)
    # Where each row came from when it was made from portal JSON (portal.py), None for a spreadsheet's row: a
    # problem of one of its cells is reported at the JSON value the cell was made from (`where`), not at a row
    # number of a spreadsheet that does not exist. None: every row is a spreadsheet row of `file`.
    origins: list[Origin | None] | None = None
    # row_digests of its rows, when they were worked out with them (a large file read in blocks: _read_blocks).
    digests: list[str] | None = None

    def cell(self, index: int, column: str) -> str:
        """Where row INDEX's COLUMN was read (`statistics/b.xlsx:Q1!H12`), or "" when its row and column say it."""
        cells = self.cells.get(column)
        return cells[index] if cells else ""

    def where(self, index: int, column: str | None) -> tuple[str, int | None, str | None]:
        """File, row and column to report a problem of row INDEX's cell in COLUMN (or of the whole row) at."""
        origin = self.origins[index] if self.origins is not None else None
        if origin is None:
            return self.file, self.rows[index], column
        key = dict(origin.keys).get(column, "")
        return origin.file, origin.line, key if key.startswith("$") else origin.path + key


# --- text encodings ----------------------------------------------------------------------------------------------

def _vietnamese_letters() -> frozenset[str]:
    letters = {"đ", "Đ"}
    for base in "aăâeêioôơuưy":
        for mark in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"):
            letter = unicodedata.normalize("NFC", base + mark)
            letters.update({letter, letter.upper()})
    return frozenset(letters)


VIETNAMESE_LETTERS = _vietnamese_letters()


def _locate(text: str, needle: str, table: Table) -> tuple[int | None, str | None]:
    """Spreadsheet row and column of the first cell holding NEEDLE (the replacement character where a byte could
    not be read); the row is a CSV record, so a cell with line breaks does not shift it."""
    try:
        rows, _ = _parse(text.replace("\x00", "\ufffd"), table)
    except _BadCsv:
        rows = [[line] for line in text.split("\n")]
    start = _header_index(table, rows) or 0
    header = [column_name(table, cell) or _header_cell(cell) for cell in rows[start]] if rows else []
    for number, row in enumerate(rows, start=1):
        for index, cell in enumerate(row):
            if needle in cell:
                name = header[index] if number > start + 1 and index < len(header) else ""
                return number, name or None
    return None, None


def _is_vietnamese(text: str) -> bool:
    """Every letter beyond ASCII is a Vietnamese one and every tone mark sits on a letter that can carry it."""
    for ch in set(text):
        if ch < "\x80":
            continue
        category = unicodedata.category(ch)
        if category.startswith("M"):
            return False  # a combining mark NFC could not compose: not Vietnamese text
        if category.startswith("L") and ch not in VIETNAMESE_LETTERS:
            return False
    return True


def _windows_1258(data: bytes) -> str | None:
    """The text if DATA reads as Vietnamese in Windows-1258, else None.

    Damaged UTF-8 (valid multi-byte sequences around a bad byte) is not taken for Windows-1258, and neither is
    text whose letters are not Vietnamese (TCVN3, VNI, another language's code page): those stay errors."""
    if any(ch != "\ufffd" and ch >= "\x80" for ch in data.decode("utf-8", errors="replace")):
        return None
    try:
        text = unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError:
        return None
    return text if _is_vietnamese(text) else None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 written without a BOM: most of the text is ASCII, so one byte of most pairs is zero (and the other
    nearly never: only a few characters such as a combining grave accent, U+0300, have a zero low byte)."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    half = len(data) // 2
    for zeros, others, encoding in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros > half * 0.3 and others < half * 0.05:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def _decode(data: bytes, table: Table, file: str, report: Report) -> str | None:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            row, column = _locate(data.decode("utf-16", errors="replace"), "\ufffd", table)
            report.error("encoding", file, row, column, "tệp mở đầu như UTF-16 nhưng không phải UTF-16 hợp lệ; "
                         "lưu lại dạng «CSV UTF-8»", "UTF-16", "một nửa cặp ký tự UTF-16 đứng lẻ")
            return None
    if b"\x00" in data:
        text = _utf16_without_bom(data)
        if text is not None:
            return text
        row, column = _locate(data.decode("utf-8", errors="replace"), "\ufffd", table)
        report.error("encoding", file, row, column, "tệp có byte NUL nên không phải tệp CSV dạng văn bản (một tệp "
                     ".xls bị đổi tên?); lưu lại dạng «CSV UTF-8»", "văn bản UTF-8", "byte 0x00")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = _windows_1258(data)
        if text is not None:
            report.warning("encoding_windows_1258", file, None, None,
                           "đã đọc theo bảng mã tiếng Việt Windows-1258 (dạng «CSV» thường của Excel); lưu lại dạng "
                           "«CSV UTF-8» cho chắc chắn",
                           "UTF-8", "Windows-1258")
            return text
        row, column = _locate(data.decode("utf-8-sig", errors="replace"), "\ufffd", table)
        report.error("encoding", file, row, column,
                     "tệp không phải UTF-8, cũng không phải bảng mã tiếng Việt Windows-1258; lưu lại dạng «CSV UTF-8»",
                     "UTF-8", f"byte 0x{data[exc.start]:02x}")
        return None


# --- rows → table ----------------------------------------------------------------------------------------------

def _header_cell(value: str) -> str:
    return unicodedata.normalize("NFC", _HEADER_JUNK.sub("", value)).strip()


def header_key(text: str) -> str:
    """A header cell as compared with the contract: letter case, marks, spacing and punctuation aside."""
    return " ".join(words(fold(_header_cell(text))))


@lru_cache(maxsize=None)
def _names(table: Table) -> dict[str, str]:
    """Header key → contract column, by each input column's name and its Vietnamese label (the data dictionary's:
    «Mã thủ tục», «Cấp thực hiện», …)."""
    names: dict[str, str] = {}
    for column in table.input_columns():
        names.setdefault(header_key(column.name), column.name)
        names.setdefault(header_key(column.label), column.name)
    return names


def column_name(table: Table, cell: str) -> str | None:
    """The contract column a header cell names, by its name or its label; None if it names none."""
    return _names(table).get(header_key(cell))


def closest_column(table: Table, cell: str) -> Column | None:
    """The contract column whose name or label is nearest to a header cell that names none (difflib), if one is
    near enough to be what was meant."""
    names = _names(table)
    match = difflib.get_close_matches(header_key(cell), list(names), n=1, cutoff=0.6)
    return table.column(names[match[0]]) if match else None


def _header_index(table: Table, rows: list[list[str]]) -> int | None:
    """Index of the header row: the first of the first rows naming a column of the contract (by name or label);
    None if none does."""
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if any(column_name(table, cell) for cell in row):
            return i
    return None


def _no_header(table: Table, file: str, rows: list[list[str]], first: int, report: Report) -> None:
    """One error for a table whose header row names no column of the contract, at its first row, naming the
    nearest known column: every row read under a wrong header would be an error of its own."""
    cells = [cell for row in rows[first:first + HEADER_SEARCH_ROWS] for cell in row if cell.strip()]
    near = next(((cell, column) for cell in cells if (column := closest_column(table, cell))), None)
    hint = (f"; «{_header_cell(near[0])}» gần nhất với cột «{near[1].name}» ({near[1].label})" if near else "")
    report.error("unknown_header", file, first + 1, None,
                 f"không tìm thấy hàng tên cột: không ô nào trong {HEADER_SEARCH_ROWS} hàng đầu là tên một cột của "
                 f"quy ước (tên như «{table.input_columns()[0].name}» hoặc nhãn tiếng Việt như "
                 f"«{table.input_columns()[0].label}», xem trang Từ điển dữ liệu){hint}",
                 ", ".join(f"{c.name} ({c.label})" for c in table.input_columns() if c.presence == "required"),
                 " | ".join(_header_cell(cell) for cell in rows[first] if cell.strip()))


def _clean(columns: dict[str, list[str]], rows: list[int], file: str, report: Report,
           cells: dict[str, list[str]] | None = None) -> None:
    """Remove control characters (with a warning) and report cells too long to be real, in place. CELLS: where
    each was read, when the row and column do not say it (RawTable.cells)."""
    def where(column: str, i: int) -> str:
        return cells[column][i] if cells and column in cells else ""

    for column, values in columns.items():
        distinct = set(values)  # a column repeats its values (periods, levels, sources) on many rows
        if _CONTROL.search("\n".join(distinct)) is None and max(map(len, distinct), default=0) <= MAX_CELL:
            continue  # one scan of the whole column: nearly every column is clean
        for i, value in enumerate(values):
            if _CONTROL.search(value):
                report.warning("control_characters", file, rows[i], column,
                               "đã bỏ các ký tự điều khiển vô hình", "văn bản in được", value, where(column, i))
                values[i] = _CONTROL.sub("", value)
        for i, value in enumerate(values):
            if len(value) > MAX_CELL:
                report.error("cell_too_long", file, rows[i], column,
                             "ô quá dài để là một giá trị (một dấu «\"» mở mà không đóng nuốt cả phần sau của tệp?)",
                             f"tối đa {format_number(MAX_CELL)} ký tự",
                             f"{format_number(len(value))} ký tự: " + value[:40], where(column, i))
                values[i] = ""


def table_from_rows(table: Table, file: str, rows: list[list[str]], report: Report,
                    merged: list[tuple[int, int, str]] | None = None) -> RawTable | None:
    """Rows as read (row i = spreadsheet row i + 1) → table below its header row."""
    start = _header_index(table, rows)
    if start is None:
        first = next((i for i, row in enumerate(rows) if any(cell.strip() for cell in row)), None)
        if first is None:
            report.error("empty_file", file, None, None, "tệp không có hàng tên cột", "một hàng tên cột", "không có gì")
        else:
            _no_header(table, file, rows, first, report)
        return None
    header_row = start + 1
    titles = [(i + 1, next(c for c in row if c.strip())) for i, row in enumerate(rows[:start])
              if any(c.strip() for c in row)]
    if titles:
        report.warning("title_rows", file, titles[0][0], None,
                       f"các hàng phía trên hàng tên cột (hàng {header_row}) không phải dữ liệu nên được bỏ qua",
                       "hàng tên cột ở trên cùng", titles[0][1].strip())
    header = [column_name(table, h) or _header_cell(h) for h in rows[start]]
    body_rows = rows[start + 1:]
    seen: set[str] = set()
    keep: list[int] = []
    for i, name in enumerate(header):
        if name in seen:
            report.error("duplicate_column", file, header_row, name, "cột xuất hiện nhiều lần: giữ một cột, xóa cột "
                         "thừa", "một cột", f"cột {i + 1}")
        elif name:
            seen.add(name)
            keep.append(i)
        elif any(i < len(r) and r[i].strip() for r in body_rows):
            report.warning("unnamed_column", file, header_row, f"cột {i + 1}",
                           "cột có giá trị nhưng không có tên ở hàng tên cột nên bị bỏ qua", "tên cột", "")
    width = len(header)
    numbers = list(range(header_row + 1, header_row + 1 + len(body_rows)))
    for number, r in zip(numbers, body_rows):
        extra = next((j for j in range(width, len(r)) if r[j].strip()), None)
        if extra is not None:
            report.error("extra_cell", file, number, f"cột {extra + 1}",
                         "ô nằm ngoài các cột của hàng tên cột (giá trị có dấu phẩy phải đặt trong ngoặc kép «\"»)",
                         f"{width} cột", r[extra])
    if keep == list(range(width)) and all(len(r) == width for r in body_rows):
        body = body_rows  # the usual file: every row as wide as the header, every column named once
    else:
        body = [[r[i] if i < len(r) else "" for i in keep] for r in body_rows]
    # Rows with nothing in them are layout, not data.
    if not all(map(any, body)):
        kept = [(number, cells) for number, cells in zip(numbers, body) if any(cells)]
        numbers, body = [number for number, _ in kept], [cells for _, cells in kept]
    # Transposed at once (zip): a statistics file of every procedure has half a million rows.
    columns = dict(zip((header[i] for i in keep), map(list, zip(*body)))) if body else {header[i]: [] for i in keep}
    _clean(columns, numbers, file, report)
    for first_row, first_col, ref in merged or []:
        name = header[first_col - 1] if first_col <= width and header[first_col - 1] else f"cột {first_col}"
        report.warning("merged_cells", file, first_row, name,
                       f"ô gộp {ref}: giá trị được lặp lại cho mọi ô trong vùng gộp", "mỗi ô một giá trị",
                       ref)
    return RawTable(table, file, header, columns, numbers, header_row)


# --- what is on disk ---------------------------------------------------------------------------------------------

_KINDS = ((stat.S_ISREG, "tệp thông thường"), (stat.S_ISDIR, "thư mục"), (stat.S_ISFIFO, "ống có tên (named pipe)"),
          (stat.S_ISCHR, "thiết bị ký tự"), (stat.S_ISBLK, "thiết bị khối"), (stat.S_ISSOCK, "socket"))


def _exists(path: Path) -> bool:
    """Whether there is an entry at PATH, a dangling or looping symbolic link included: the check that follows
    says what is wrong with it, where Path.exists would call it missing."""
    try:
        path.lstat()
    except FileNotFoundError:
        return False
    except OSError:
        return True  # there, but cannot be inspected: _usable reports why
    return True


def _errno_name(exc: OSError) -> str:
    """The system's name for what went wrong (EACCES, ELOOP, …): os_reason says it in words."""
    return errno.errorcode.get(exc.errno or 0, type(exc).__name__)


def _usable(path: Path, file: str, report: Report, directory: bool = False) -> bool:
    """Whether PATH (symbolic links followed) is a regular file, or with DIRECTORY a directory; if not, one error.
    Only stat, never open: opening a named pipe waits for a writer forever, and a device such as /dev/zero never
    ends, so what is not a regular file is never read."""
    wanted = "thư mục" if directory else "tệp thông thường"
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        try:
            target = os.readlink(path)
        except OSError:  # not a symbolic link: nothing there
            report.error("missing_file", file, None, None,
                         "không tìm thấy thư mục" if directory else "không tìm thấy tệp")
        else:
            report.error("unreadable_file", file, None, None, "liên kết tượng trưng trỏ tới nơi không tồn tại",
                         wanted, f"liên kết tới {target}")
        return False
    except OSError as exc:  # a symbolic link loop, a directory on the way that cannot be searched, …
        report.error("unreadable_file", file, None, None, f"không mở được: {os_reason(exc)}", wanted,
                     _errno_name(exc))
        return False
    if (stat.S_ISDIR if directory else stat.S_ISREG)(mode):
        return True
    kind = next((name for test, name in _KINDS if test(mode)), "một loại tệp khác")
    report.error("unreadable_file", file, None, None, f"không phải {wanted} mà là {kind}", wanted, kind)
    return False


def _listing(directory: Path, file: str, report: Report) -> list[Path] | None:
    """The entries of DIRECTORY, sorted; None (reported) if it cannot be listed."""
    try:
        return sorted(directory.iterdir())
    except OSError as exc:
        report.error("unreadable_file", file, None, None, f"không liệt kê được thư mục: {os_reason(exc)}",
                     "thư mục đọc được", _errno_name(exc))
        return None


# --- CSV -------------------------------------------------------------------------------------------------------

class _BadCsv(Exception):
    def __init__(self, row: int, message: str):
        self.row, self.message = row, message


def _rows(text: str, delimiter: str) -> list[list[str]]:
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as exc:
        message = str(exc)
        if "unexpected end of data" in message:
            message = "một ô mở ngoặc kép mà không đóng (thiếu một dấu «\"»)"
        elif "expected after" in message:
            message = "sau dấu «\"» đóng ô phải là dấu phân cách (dấu «\"» trong giá trị phải viết đôi: «\"\"»)"
        elif "field larger than field limit" in message:
            message = "ô quá dài (một dấu «\"» mở mà không đóng nuốt cả phần sau của tệp?)"
        raise _BadCsv(len(rows) + 1, message) from None
    return rows


def _parse(text: str, table: Table) -> tuple[list[list[str]], str]:
    """Rows and the delimiter: comma, unless the header row only makes sense split by tabs (Excel's «Unicode
    Text») or by semicolons (Excel where the list separator is «;»)."""
    fallback: list[list[str]] | _BadCsv | None = None  # what the comma reading gave
    for delimiter in DELIMITERS:
        try:
            rows = _rows(text, delimiter)
        except _BadCsv as exc:
            rows = exc
        if isinstance(rows, list) and any(column_name(table, cell)
                                          for row in rows[:HEADER_SEARCH_ROWS] for cell in row):
            return rows, delimiter
        if fallback is None:
            fallback = rows
    if isinstance(fallback, _BadCsv):
        raise fallback
    return fallback, DELIMITERS[0]


def read_csv(path: Path, table: Table, file: str, report: Report) -> RawTable | None:
    data = read_bytes(path, file, report)
    return None if data is None else parse_csv(data, table, file, report)


def read_bytes(path: Path, file: str, report: Report) -> bytes | None:
    """The file's bytes, or None with an error when it is not a regular file or cannot be read."""
    if not _usable(path, file, report):
        return None
    try:
        return path.read_bytes()
    except OSError as exc:  # no permission, an I/O error, or the file replaced since the check
        report.error("unreadable_file", file, None, None, f"không đọc được: {os_reason(exc)}",
                     "tệp đọc được", _errno_name(exc))
        return None


def parse_csv(data: bytes, table: Table, file: str, report: Report) -> RawTable | None:
    if not data.strip():
        report.error("empty_file", file, None, None, "tệp rỗng", "một hàng tên cột", "0 byte")
        return None
    text = _decode(data, table, file, report)
    if text is None:
        return None
    return parse_text(text, table, file, report)[0]


def parse_text(text: str, table: Table, file: str, report: Report) -> tuple[RawTable | None, int]:
    """A CSV file's text → its table, and how many records the text holds."""
    try:
        rows, _ = _parse(text, table)
    except _BadCsv as exc:
        report.error("unreadable_file", file, exc.row, None, f"hàng CSV không hợp lệ: {exc.message}")
        return None, 0
    return table_from_rows(table, file, rows, report), len(rows)


# --- a large CSV file, block by block --------------------------------------------------------------------------
# A large catalogue file is read in blocks of whole records, each memoised by its bytes: after a small edit only the
# block that holds it is parsed again (a procedure renamed in a 70 MB procedures.csv costs one block, not the file).
# Each block is parsed with the file's title and header rows in front of it, by the same parse_text as a whole
# file, so it gives the same cells and problems; its row numbers are moved by the records before it, and the
# problems of the rows in front of it are reported once. Blocks are cut where the quotes before a line break are
# even; a stray quote inside an unquoted cell (`5" ống`) can put a cut inside a quoted cell, and the block that ends
# there then ends in an open quote: it does not parse, and the file is read whole. Where a block ends depends only on
# the line there (content-defined cuts, as rsync's): an edit, or rows added or removed, moves the cuts of its own block
# only, so two versions of a catalogue (history.py) share their other blocks, whatever file holds them: a block is
# memoised by its bytes and the header in front of it, its problems moved to the file it is read from.

BLOCK = 2**14  # bytes: the mean size of a block


def _record_end(data: bytes, start: int, at: int | None = None) -> int:
    """The offset after the first line break at or after AT (default START) that is outside quotes, for a record
    that starts at START (in CSV a quote opens or closes a quoted cell, and a doubled quote does both); the length
    of DATA if there is none."""
    end = data.find(b"\n", start if at is None else at)
    quotes = data.count(b'"', start, end) if end != -1 else 0
    while end != -1 and quotes % 2:
        following = data.find(b"\n", end + 1)
        quotes += data.count(b'"', end, following) if following != -1 else 0
        end = following
    return len(data) if end == -1 else end + 1


def _cuts(data: bytes, start: int, size: int) -> list[int]:
    """Offsets after START where blocks of about SIZE bytes end, each at the end of a record; the last is the end
    of DATA. From a quarter of SIZE into a block, a line is chosen with a chance in proportion to its length, drawn
    from its checksum (so about every SIZE bytes, wherever the line is in the file), or at four times SIZE the line
    there; the block ends with the record that line is part of. A line break is a byte of its own in UTF-8, so each
    block is whole characters too."""
    cuts, begin, spread = [], start, max(1, size * 3 // 4)
    while begin + size // 4 < len(data):
        line = max(begin - 1, data.rfind(b"\n", begin, begin + size // 4))  # where the line before ends
        end = data.find(b"\n", line + 1)
        while end != -1 and end - begin < 4 * size and zlib.crc32(data[line + 1:end]) % spread >= end - line:
            line, end = end, data.find(b"\n", end + 1)
        begin = len(data) if end == -1 else _record_end(data, begin, end)
        cuts.append(begin)
    return cuts if cuts and cuts[-1] == len(data) else cuts + [len(data)]


def row_digests(columns: dict[str, list[str]]) -> list[str]:
    """A digest of each row's cells (COLUMNS: a table's, stored): what a procedure's content key is made of
    (build.Procedures.content_keys)."""
    return [hashlib.sha256(text.encode("utf-8")).hexdigest() for text in map("\x1f".join, zip(*columns.values()))]


def _parse_block(data: bytes, table: Table, file: str, head: int) -> tuple | None:
    """A block parsed with the HEAD records in front of it: its cells (stored), its row numbers and problems as if
    it came right after them, its records, and its rows' digests (kept with it: a version of the catalogue that
    has the block has them at once); None if it cannot be read alone."""
    own = Report()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    raw, records = parse_text(text, table, file, own)
    if raw is None or raw.header_row != head:
        return None
    stored({table.name: raw})
    return raw.columns, raw.rows, own.problems, records - head, row_digests(raw.columns)


def _read_blocks(data: bytes, table: Table, file: str, memo) -> Callable[[], tuple[RawTable | None, list]] | None:
    """A large UTF-8 CSV file read block by block through the memo table MEMO (cache.Memo), which also keeps, by
    the digest of the whole file, its header and the keys of its blocks; None when it cannot be (another encoding,
    a header not in its first block, a record that does not parse alone), to be read whole."""
    if b"\x00" in data or data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    whole = digest("blocks", file, table.name, data)
    known = memo.old.get(whole)
    if known is not None and all(key in memo.old for key in known[2]):  # the same file as before
        header, header_row, keys = memo(whole, lambda: None)
        missing = []
    else:
        try:
            first = parse_text(data[:_record_end(data, 0, BLOCK)].decode("utf-8-sig"), table, file, Report())[0]
        except UnicodeDecodeError:
            return None
        if first is None:
            return None
        header, header_row = first.header, first.header_row
        head = 0
        for _ in range(header_row):  # the title rows and the header row, in front of every block
            head = _record_end(data, head)
        if head >= len(data):
            return None
        cuts = _cuts(data, head, BLOCK)
        bounds = list(zip([head] + cuts[:-1], cuts))
        keys = [digest(table.name, data[:head], data[a:b]) for a, b in bounds]
        missing = [(key, data[:head] + data[a:b]) for key, (a, b) in zip(keys, bounds)
                   if key not in memo.old and key not in memo.new]  # nor read by this build already
        memo.new[whole] = header, header_row, keys

    def parse_missing() -> list:
        return [_parse_block(block, table, file, header_row) for _, block in missing]

    parsed = parse_missing() if sum(len(b) for _, b in missing) <= LARGE_FILE else None
    later = forked(parse_missing) if parsed is None else (lambda: parsed)

    def result() -> tuple[RawTable | None, list]:
        for (key, _), value in zip(missing, later()):
            if value is None:
                memo.new.pop(whole, None)
                own = Report()
                raw = parse_csv(data, table, file, own)
                return (stored({table.name: raw})[table.name] if raw is not None else None), own.problems
            memo.new[key] = value
        columns: dict[str, list[str]] = {}
        rows, problems, shown, before, digests = [], [], set(), 0, []
        for key in keys:
            cells, numbers, block_problems, records, block_digests = memo(key, lambda: None)
            for name, values in cells.items():
                columns.setdefault(name, []).extend(values)
            rows += [number + before for number in numbers]
            digests += block_digests
            for problem in block_problems:
                if problem.file != file:  # the block was read from another file first
                    problem = dataclasses.replace(problem, file=file)
                if problem.row is not None and problem.row > header_row:
                    problems.append(dataclasses.replace(problem, row=problem.row + before))
                elif problem not in shown:  # the rows in front: the same problem for every block
                    shown.add(problem)
                    problems.append(problem)
            before += records
        memo.save()
        return RawTable(table, file, header, columns, rows, header_row, digests=digests), problems

    return result


# --- Excel -----------------------------------------------------------------------------------------------------

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

    if not _usable(path, file, report):
        return None
    try:
        with zipfile.ZipFile(path) as archive:  # the sizes its parts declare, which reading them cannot exceed
            size = sum(info.file_size for info in archive.infolist())
        if size > MAX_WORKBOOK_BYTES:
            report.error("workbook_too_large", file, None, None,
                         f"tệp Excel giải nén ra {format_number(size)} byte, quá giới hạn "
                         f"{format_number(MAX_WORKBOOK_BYTES)} byte nên không được đọc: chia thành nhiều tệp, hoặc "
                         "lưu thành «CSV UTF-8»", f"tối đa {format_number(MAX_WORKBOOK_BYTES)} byte khi giải nén",
                         f"{format_number(size)} byte")
            return None
        # Not read-only: merged ranges are only known to a fully loaded sheet, and every cell is parsed here, so
        # nothing later in this module meets the workbook's XML.
        return openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:
        # The boundary with a third-party parser of untrusted files: a damaged workbook surfaces as whatever the
        # layer that noticed raises (BadZipFile, zlib.error, xml ParseError or lxml XMLSyntaxError for malformed
        # XML, KeyError for a missing part, ValueError, IndexError, TypeError, OSError, …). All of them mean the
        # same thing to the publisher: this file cannot be read.
        reason = next(iter(str(exc).splitlines()), "") or type(exc).__name__
        report.error("unreadable_file", file, None, None, f"không đọc được tệp Excel .xlsx: {reason}",
                     "tệp .xlsx hợp lệ", type(exc).__name__)
        return None


# A merged range of a sheet: first row, first column, last row, last column (1-based, as Excel counts), A1:B2.
Merged = tuple[int, int, int, int, str]


def sheet_rows(sheet, file: str, report: Report) -> tuple[list[list[str]], list[Merged]] | None:
    """The rows of a sheet as text (row i = spreadsheet row i + 1), as far as its cells holding a value reach,
    and its merged ranges there; a merged range's value fills every cell it covers, as Excel displays it. None,
    with an error, when those cells span more than MAX_SHEET_CELLS."""
    # openpyxl's iter_rows walks the sheet's whole used range and makes a cell object for each position in it: an
    # export with one formatted empty cell at row 1,048,576 took minutes and gigabytes (bench/workbook_bounds.py).
    # The cells the file holds are the worksheet's `_cells`; openpyxl has no public way to visit only them.
    values = {key: cell.value for key, cell in sheet._cells.items() if cell.value is not None}
    height = max((row for row, _ in values), default=0)
    width = max((column for _, column in values), default=0)
    if height * width > MAX_SHEET_CELLS:
        from openpyxl.utils import get_column_letter

        report.error("workbook_too_large", f"{file}[{sheet.title}]", None, None,
                     f"các ô có giá trị trải trên A1:{get_column_letter(width)}{height} = {format_number(height * width)}"
                     f" ô, quá giới hạn {format_number(MAX_SHEET_CELLS)} ô: xóa các hàng, cột thừa bên dưới và bên "
                     "phải dữ liệu", f"tối đa {format_number(MAX_SHEET_CELLS)} ô",
                     f"{format_number(height)} hàng × {format_number(width)} cột")
        return None
    rows = [[""] * width for _ in range(height)]
    for (row, column), value in values.items():
        rows[row - 1][column - 1] = _cell_text(value)
    merged = []
    for cells in sheet.merged_cells.ranges:
        if cells.min_row > height or cells.min_col > width:
            continue  # nothing in it, and beyond every value
        value = rows[cells.min_row - 1][cells.min_col - 1]
        for r in range(cells.min_row - 1, min(cells.max_row, height)):
            for c in range(cells.min_col - 1, min(cells.max_col, width)):
                rows[r][c] = value
        merged.append((cells.min_row, cells.min_col, cells.max_row, cells.max_col, cells.coord))
    return rows, merged


def _sheet(sheet, table: Table, file: str, report: Report,
           read: tuple[list[list[str]], list[Merged]] | None = None) -> RawTable | None:
    """A sheet holding TABLE's columns; READ: its sheet_rows, when already read."""
    read = read or sheet_rows(sheet, file, report)
    if read is None:
        return None
    rows, merged = read
    start = _header_index(table, rows) or 0
    # Titles and the header are not data.
    in_data = sorted((m[0], m[1], m[4]) for m in merged if m[0] > start + 1)
    return table_from_rows(table, f"{file}[{sheet.title}]", rows, report, in_data)


def _visible(workbook, file: str, report: Report) -> list:
    """The worksheets a reader of the workbook sees; a hidden one is skipped with a warning (a hidden draft must
    not be published in place of the visible sheet)."""
    for sheet in workbook.worksheets:
        if sheet.sheet_state != "visible":
            report.warning("hidden_sheet", file, None, None,
                           f"trang tính «{sheet.title}» bị ẩn nên không được đọc (bỏ ẩn nếu cần công bố)",
                           "trang tính hiện", sheet.title)
    return [sheet for sheet in workbook.worksheets if sheet.sheet_state == "visible"]


def _statistics_sheet(sheet, table: Table, file: str, report: Report) -> RawTable | None:
    """A sheet of a statistics workbook: laid out as the printed Biểu 06 (bieu06.py), or TABLE's columns, or
    neither (notes, sources, a signature page): skipped with a warning naming it."""
    from . import bieu06  # it builds on this module

    read = sheet_rows(sheet, file, report)
    if read is None:
        return None
    start = _header_index(table, read[0])
    # A tidy header names the required columns (`period`, `level` or their labels); a printed form's title block
    # may name one of them in a cell of its own («Kỳ báo cáo:»), never both in one row.
    named = {column_name(table, cell) for cell in read[0][start]} if start is not None else set()
    required = {c.name for c in table.input_columns() if c.presence == "required"}
    form = None if required <= named else bieu06.layout(read[0])
    if form is not None:
        return bieu06.read_sheet(form, *read, file, sheet.title, report)
    if start is not None:
        return _sheet(sheet, table, file, report, read)
    report.warning("skipped_sheet", file, None, None,
                   f"trang tính «{sheet.title}» không có hàng tên cột của quy ước, cũng không theo mẫu Biểu số "
                   "06/VPCP/KSTT, nên được bỏ qua", "bảng số liệu", sheet.title)
    return None


def read_workbook(path: Path, tables: tuple[Table, ...], file: str, report: Report) -> dict[str, RawTable]:
    """One sheet per table, named after it."""
    workbook = _open_workbook(path, file, report)
    if workbook is None:
        return {}
    sheets = {sheet.title.strip().lower(): sheet for sheet in _visible(workbook, file, report)}
    result: dict[str, RawTable] = {}
    for table in tables:
        sheet = sheets.get(table.name)
        if sheet is None:
            report.error("missing_file", file, None, None, f"tệp Excel không có trang tính «{table.name}»",
                         table.name, ", ".join(workbook.sheetnames))
            continue
        raw = _sheet(sheet, table, file, report)
        if raw is not None:
            result[table.name] = raw
    workbook.close()
    return result


# --- directories -----------------------------------------------------------------------------------------------

_OLD_FORMATS = (".xls", ".ods", ".xlsb")
PORTAL_SUFFIXES = (".json", ".jsonl")  # the national portal's records (portal.py)


def _old_format(entries: list[Path], data_root: Path, report: Report) -> bool:
    """Report workbooks in formats that are not read; True if there was one."""
    found = False
    for path in entries:
        if path.suffix.lower() in _OLD_FORMATS:
            found = True
            report.error("unreadable_file", path.relative_to(data_root).as_posix(), None, None,
                         f"không đọc tệp Excel dạng {path.suffix}; lưu lại dạng .xlsx hoặc «CSV UTF-8»",
                         ".csv hoặc .xlsx", path.suffix)
    return found


def load_tables(directory: Path, tables: tuple[Table, ...], data_root: Path, report: Report,
                memo: Callable[..., Any] | None = None, meanwhile: Callable[[], Any] | None = None,
                portal: bool = True) -> dict[str, RawTable]:
    """Read DIRECTORY/<table>.csv for each table, or the single .xlsx workbook there, and with PORTAL the portal
    records there (.json, .jsonl: portal.py) instead or beside them. MEMO(name, key, compute, large), when given,
    remembers each file's tables and problems by the digest of its bytes and returns a callable that gives them (a
    large file may be parsed on another core: MEANWHILE runs before they are awaited)."""
    def shown(p: Path) -> str:
        return p.relative_to(data_root).as_posix()

    if not _usable(directory, shown(directory), report, directory=True):
        return {}
    entries = _listing(directory, shown(directory), report)
    if entries is None:
        return {}
    csvs = {t.name: directory / t.filename for t in tables}
    present = {name: _exists(p) for name, p in csvs.items()}
    workbooks = [p for p in entries if p.name.endswith(".xlsx") and not p.name.startswith("~$")]
    records = [p for p in entries if p.suffix.lower() in PORTAL_SUFFIXES]
    if records and portal:  # portal records (portal.py), instead of the tidy files or beside them
        from .portal import read_portal

        tidy = any(present.values()) or bool(workbooks) or any(p.suffix.lower() in _OLD_FORMATS for p in entries)
        return read_portal(records, data_root, report, memo, meanwhile,
                           lambda: load_tables(directory, tables, data_root, report, memo, portal=False) if tidy else {})
    if not any(present.values()) and workbooks:
        if len(workbooks) > 1:
            report.error("unreadable_file", shown(directory), None, None,
                         "có nhiều hơn một tệp Excel .xlsx; chỉ để lại một tệp", "1 tệp Excel",
                         ", ".join(p.name for p in workbooks))
            return {}
        return stored(read_workbook(workbooks[0], tables, shown(workbooks[0]), report))
    if not any(present.values()) and _old_format(entries, data_root, report):
        return {}
    pending = {}
    for table in tables:
        path = csvs[table.name]
        if not present[table.name]:
            report.error("missing_file", shown(path), None, None, "không tìm thấy tệp")
            continue
        data = read_bytes(path, shown(path), report)
        if data is not None:
            pending[table.name] = _read_csv(data, table, shown(path), memo)
    if meanwhile is not None:
        meanwhile()
    result: dict[str, RawTable] = {}
    for name, value in pending.items():
        raw, problems = value()
        report.problems.extend(problems)
        if raw is not None:
            result[name] = raw
    return result


def _read_csv(data: bytes, table: Table, file: str, memo) -> Callable[[], tuple[RawTable | None, list]]:
    """A catalogue CSV file's table, stored (NFC), and its problems, through MEMO when given: a callable that
    gives them (MEMO may work them out on another core). A large file is read block by block when MEMO has
    `blocks`, the memo table of its blocks by name."""
    if memo is not None and hasattr(memo, "blocks") and len(data) > LARGE_FILE:
        by_blocks = _read_blocks(data, table, file, memo.blocks(f"blocks-{table.name}"))
        if by_blocks is not None:
            return by_blocks
    def compute() -> tuple[RawTable | None, list]:
        own = Report()
        raw = parse_csv(data, table, file, own)
        if raw is not None:
            stored({table.name: raw})
        return raw, own.problems

    return memoised(f"load-{table.name}", file, data, compute, memo)


def memoised(name: str, file: str, data: bytes, compute: Callable[[], Any], memo) -> Callable[[], Any]:
    """COMPUTE's value for FILE, whose bytes are DATA, through MEMO when given (under NAME, by the digest of the
    file's name and bytes): a callable that gives it."""
    if memo is None:
        value = compute()
        return lambda: value
    return memo(name, digest(file, data), compute, len(data) > LARGE_FILE)


def stored(tables: dict[str, RawTable]) -> dict[str, RawTable]:
    """Every cell as stored and shown (vietnamese.nfc), once for all later stages."""
    for raw in tables.values():
        raw.columns = {column: _stored_column(values) for column, values in raw.columns.items()}
    return tables


def _stored_column(values: list[str]) -> list[str]:
    """vietnamese.nfc of every cell, computed on the whole column at once: the cells are free of control
    characters (table_from_rows removed them), so a control character can join them, and NFC, which never
    composes across a control character, gives the same cells as it would one by one."""
    joined = "\x1e".join(values)
    if "\r" in joined:
        joined = joined.replace("\r\n", "\n").replace("\r", "\n")
    if not joined.isascii():
        joined = unicodedata.normalize("NFC", joined)
    return [value.strip() for value in joined.split("\x1e")] if values else []


def load_all(directory: Path, table: Table, data_root: Path, report: Report) -> list[RawTable] | None:
    """Every .csv file and every visible sheet of every .xlsx workbook in DIRECTORY, holding TABLE's columns or
    (a workbook's sheet) laid out as the printed Biểu 06.
    None when the directory does not exist (nothing published), or is not a directory that can be read (an error
    then)."""
    where = directory.relative_to(data_root).as_posix()
    if not _exists(directory) or not _usable(directory, where, report, directory=True):
        return None
    entries = _listing(directory, where, report)
    if entries is None:
        return None
    result: list[RawTable] = []
    _old_format(entries, data_root, report)
    for path in entries:
        file = path.relative_to(data_root).as_posix()
        if path.suffix.lower() == ".csv":
            raw = read_csv(path, table, file, report)
            if raw is not None:
                result.append(raw)
        elif path.suffix.lower() == ".xlsx" and not path.name.startswith("~$"):
            workbook = _open_workbook(path, file, report)
            if workbook is not None:
                for sheet in _visible(workbook, file, report):
                    raw = _statistics_sheet(sheet, table, file, report)
                    if raw is not None:
                        result.append(raw)
                workbook.close()
    return result
