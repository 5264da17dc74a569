"""Problems found in the input, as data: every stage appends, the build decides once."""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass, field
from typing import Literal

from .vietnamese import format_number

Severity = Literal["error", "warning"]

SEVERITY_LABELS = {"error": "lỗi", "warning": "cảnh báo"}

# Every problem code: whether it stops the build (error) or not (warning), and one line of Vietnamese that says what
# it means. Warnings are grouped and counted under this line; the data dictionary page lists them all from here.
SUMMARIES: dict[str, tuple[Severity, str]] = {
    "missing_file": ("error", "thiếu tệp, thư mục hoặc trang tính dữ liệu"),
    "unreadable_file": ("error", "không đọc được tệp"),
    "encoding": ("error", "tệp không phải văn bản UTF-8 (lưu lại dạng «CSV UTF-8»)"),
    "encoding_windows_1258": ("warning", "tệp mã Windows-1258, đã đọc và chuyển sang UTF-8"),
    "empty_file": ("error", "tệp rỗng"),
    "title_rows": ("warning", "dòng tiêu đề phía trên hàng tên cột (bỏ qua)"),
    "merged_cells": ("warning", "ô gộp: giá trị được lặp lại cho mọi ô trong vùng gộp"),
    "unnamed_column": ("warning", "cột có dữ liệu nhưng không có tên (bỏ qua)"),
    "extra_cell": ("error", "ô nằm ngoài các cột của hàng tên cột"),
    "control_characters": ("warning", "ký tự điều khiển vô hình (đã bỏ)"),
    "cell_too_long": ("error", "ô quá dài (thường do một dấu ngoặc kép mở mà không đóng)"),
    "missing_column": ("error", "thiếu một cột bắt buộc hoặc cần có"),
    "duplicate_column": ("error", "một cột có hai lần ở hàng tên cột"),
    "unknown_column": ("warning", "cột không có trong quy ước (bỏ qua)"),
    "missing_value": ("error", "thiếu giá trị bắt buộc"),
    "invalid_code": ("error", "mã thủ tục không hợp lệ"),
    "duplicate_code": ("error", "mã thủ tục bị lặp"),
    "unknown_procedure": ("error", "tham chiếu mã thủ tục không có trong procedures"),
    "invalid_count": ("error", "số lượng không phải số nguyên ≥ 0"),
    "unknown_level": ("error", "cấp không hợp lệ"),
    "unknown_channel": ("error", "cách thức không hợp lệ"),
    "unknown_online": ("error", "mức dịch vụ công trực tuyến không hợp lệ"),
    "invalid_period": ("error", "kỳ báo cáo không hợp lệ"),
    "invalid_rate": ("error", "tỷ lệ không phải phần trăm từ 0 đến 100"),
    "duplicate_row": ("error", "trùng phạm vi và kỳ báo cáo"),
    "missing_expected": ("warning", "giá trị cần có bị trống (hiện «chưa công bố»)"),
    "time_no_unit": ("warning", "thời hạn chỉ có số, không có đơn vị"),
    "time_unparsed": ("warning", "không đọc được thời hạn"),
    "fee_unparsed": ("warning", "không đọc được phí, lệ phí"),
    "fee_no_information": ("warning", "phí ghi «không có thông tin»"),
    "unknown_header": ("error", "tên cột không có trong quy ước (gần với một cột đang thiếu)"),
    "hidden_sheet": ("warning", "trang tính bị ẩn (bỏ qua)"),
    "skipped_sheet": ("warning", "trang tính không phải bảng số liệu (bỏ qua)"),
    "workbook_too_large": ("error", "tệp Excel quá lớn để đọc an toàn"),
    "missing_period": ("error", "không tìm thấy kỳ báo cáo của biểu"),
    "invalid_date": ("error", "ngày không hợp lệ"),
    "invalid_json": ("error", "tệp JSON không hợp lệ"),
    "not_a_record": ("error", "giá trị JSON không phải hồ sơ thủ tục của Cổng"),
    "internal_procedure": ("warning", "thủ tục nội bộ, không công khai cho người dân (bỏ qua)"),
    "channel_times_differ": ("warning", "một cách thức được ghi hai lần với thời hạn khác nhau"),
    "case_time_differs": ("warning", "thời hạn của trường hợp (cases) khác thời hạn của cách thức"),
    "excel_cell_limit": ("warning", "ô dài hơn 32.767 ký tự, Excel sẽ cắt bớt"),
    "history_directory": ("error", "thư mục phiên bản cũ không mang tên một ngày YYYY-MM-DD"),
    "history_date": ("error", "phiên bản cũ không trước ngày của danh mục hiện hành"),
    "unknown_outcome": ("error", "kết quả xử lý hồ sơ không hợp lệ"),
    "duplicate_dossier": ("error", "mã hồ sơ bị lặp trong nhật ký hồ sơ"),
    "finished_before_received": ("error", "ngày kết thúc hồ sơ trước ngày tiếp nhận"),
    "outcome_without_finish": ("error", "hồ sơ có kết quả xử lý nhưng không có ngày kết thúc"),
    "unlisted_procedure": ("warning", "mã thủ tục trong nhật ký hồ sơ không có trong danh mục"),
}


@dataclass(frozen=True)
class Problem:
    severity: Severity
    code: str
    file: str
    row: int | None  # spreadsheet row: the header is row 1
    column: str | None
    message: str
    expected: str = ""
    received: str = ""
    # The workbook cell, `statistics/b.xlsx:Q1!H12`, when the row and column do not say where the value was read:
    # a sheet laid out as the printed Biểu 06 (bieu06.py), whose figures sit under its own headings.
    cell: str = ""

    def location(self) -> str:
        if self.cell:
            return f"{self.cell}:{self.column}" if self.column else self.cell
        parts = [self.file]
        if self.row is not None:
            parts.append(str(self.row))
        if self.column:
            parts.append(self.column)
        return ":".join(parts)

    def __str__(self) -> str:
        detail = self.message
        if self.expected or self.received:
            received = self.received if len(self.received) <= 60 else self.received[:57] + "…"
            detail += f" (cần {self.expected or '—'}, nhận được {received!r})"
        return f"{self.location()}: {detail} [{self.code}]"


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)

    def add(self, severity: Severity, code: str, file: str, row: int | None, column: str | None,
            message: str, expected: str = "", received: str = "", cell: str = "") -> None:
        self.problems.append(Problem(severity, code, file, row, column, message, expected, received, cell))

    def error(self, code: str, file: str, row: int | None, column: str | None, message: str,
              expected: str = "", received: str = "", cell: str = "") -> None:
        self.add("error", code, file, row, column, message, expected, received, cell)

    def warning(self, code: str, file: str, row: int | None, column: str | None, message: str,
                expected: str = "", received: str = "", cell: str = "") -> None:
        self.add("warning", code, file, row, column, message, expected, received, cell)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def grouped(self, severity: Severity) -> list[tuple[str, str, int, list[Problem]]]:
        """(code, column, count, problems) per kind of problem, most frequent first."""
        groups: dict[tuple[str, str], list[Problem]] = {}
        for p in self.problems:
            if p.severity == severity:
                # A JSON location names an element of a list ($[3].executionMethods[2].fees): one group for all.
                groups.setdefault((p.code, f"{p.file}:{_INDEX.sub('[*]', p.column or '')}"), []).append(p)
        ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        return [(code, where, len(items), items) for (code, where), items in ordered]


_INDEX = re.compile(r"\[\d+\]")


class UsageError(Exception):
    """Bad usage of the command (exit 2): a message, no traceback."""


class DataError(Exception):
    """Raised once, after every check has run, when the report holds errors."""

    def __init__(self, report: Report):
        self.report = report
        super().__init__(f"{format_number(len(report.errors))} lỗi trong dữ liệu đầu vào")


def counts(report: Report) -> str:
    """«3 lỗi, 1.204 cảnh báo»."""
    return f"{format_number(len(report.errors))} lỗi, {format_number(len(report.warnings))} cảnh báo"


def format_errors(report: Report, outcome: str = "không xuất bản gì") -> str:
    """Every error, one per line, then a count and OUTCOME: what the command did not do because of them."""
    return "\n".join([*(str(p) for p in report.errors), f"{counts(report)}: {outcome}."])


def format_warnings(report: Report, verbose: bool = False, examples: int = 3) -> str:
    """Warnings grouped by kind and column with counts; every one of them with verbose."""
    if verbose:
        return "\n".join(str(p) for p in report.warnings)
    lines = []
    for code, where, count, items in report.grouped("warning"):
        summary = SUMMARIES[code][1] if code in SUMMARIES else code
        lines.append(f"{format_number(count):>6} × {where}: {summary} [{code}]")
        for p in items[:examples]:
            lines.append(f"         ví dụ: {p}")
    if lines:
        lines.append(f"{format_number(len(report.warnings))} cảnh báo; `congkhai check --verbose` liệt kê từng "
                     "cảnh báo.")
    return "\n".join(lines)


def os_reason(exc: OSError) -> str:
    """Why a file could not be read or written, in Vietnamese; the system's own words for a rarer cause."""
    reasons = {errno.ENOENT: "không có tệp hoặc thư mục này", errno.EACCES: "không có quyền ghi hoặc đọc",
               errno.EPERM: "không có quyền ghi hoặc đọc", errno.ENOSPC: "ổ đĩa đã đầy",
               errno.EROFS: "hệ thống tệp chỉ cho đọc", errno.ELOOP: "vòng lặp liên kết tượng trưng",
               errno.ENOTDIR: "một phần của đường dẫn không phải thư mục", errno.EISDIR: "là một thư mục",
               errno.EIO: "lỗi đọc ghi của ổ đĩa"}
    return reasons.get(exc.errno) or exc.strerror or str(exc)
