"""Problems found in the input, as data: every stage appends, the build decides once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]

# One line of Vietnamese per problem code, used when warnings are grouped and counted.
SUMMARIES = {
    "missing_file": "thiếu tệp dữ liệu",
    "unreadable_file": "không đọc được tệp",
    "encoding": "tệp không phải UTF-8",
    "encoding_windows_1258": "tệp mã Windows-1258, đã đọc và chuyển sang UTF-8",
    "empty_file": "tệp rỗng",
    "title_rows": "dòng tiêu đề phía trên hàng tên cột (bỏ qua)",
    "merged_cells": "ô gộp: giá trị được lặp lại cho mọi ô trong vùng gộp",
    "unnamed_column": "cột có dữ liệu nhưng không có tên (bỏ qua)",
    "extra_cell": "ô nằm ngoài các cột của hàng tên cột",
    "control_characters": "ký tự điều khiển vô hình (đã bỏ)",
    "cell_too_long": "ô quá dài",
    "missing_column": "thiếu cột",
    "duplicate_column": "cột bị lặp",
    "unknown_column": "cột không có trong quy ước (bỏ qua)",
    "missing_value": "thiếu giá trị bắt buộc",
    "invalid_code": "mã thủ tục không hợp lệ",
    "duplicate_code": "mã thủ tục bị lặp",
    "unknown_procedure": "tham chiếu mã thủ tục không có trong procedures",
    "invalid_count": "số lượng không phải số nguyên ≥ 0",
    "unknown_level": "cấp không hợp lệ",
    "unknown_channel": "cách thức không hợp lệ",
    "unknown_online": "mức dịch vụ công trực tuyến không hợp lệ",
    "invalid_period": "kỳ báo cáo không hợp lệ",
    "invalid_rate": "tỷ lệ không phải phần trăm từ 0 đến 100",
    "duplicate_row": "trùng phạm vi và kỳ báo cáo",
    "missing_expected": "giá trị cần có bị trống (hiện «chưa công bố»)",
    "time_no_unit": "thời hạn chỉ có số, không có đơn vị",
    "time_unparsed": "không đọc được thời hạn",
    "fee_unparsed": "không đọc được phí, lệ phí",
    "fee_no_information": "phí ghi «không có thông tin»",
    "unknown_header": "tên cột không có trong quy ước (gần với một cột đang thiếu)",
    "hidden_sheet": "trang tính bị ẩn (bỏ qua)",
    "skipped_sheet": "trang tính không phải bảng số liệu (bỏ qua)",
    "workbook_too_large": "tệp Excel quá lớn",
    "missing_period": "không tìm thấy kỳ báo cáo của biểu",
    "invalid_date": "ngày không hợp lệ",
    "invalid_json": "tệp JSON không hợp lệ",
    "not_a_record": "giá trị JSON không phải hồ sơ thủ tục của Cổng",
    "internal_procedure": "thủ tục nội bộ, không công khai cho người dân (bỏ qua)",
    "channel_times_differ": "một cách thức được ghi hai lần với thời hạn khác nhau",
    "case_time_differs": "thời hạn của trường hợp (cases) khác thời hạn của cách thức",
    "excel_cell_limit": "ô dài hơn 32.767 ký tự, Excel sẽ cắt bớt",
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
            detail += f" (expected {self.expected or '—'}, received {received!r})"
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
        super().__init__(f"{len(report.errors)} error(s) in the input data")


def format_errors(report: Report) -> str:
    """Every error, one per line, then a count: the build publishes nothing."""
    lines = [str(p) for p in report.errors]
    lines.append(f"{len(report.errors)} error(s), {len(report.warnings)} warning(s): nothing was published.")
    return "\n".join(lines)


def format_warnings(report: Report, verbose: bool = False, examples: int = 3) -> str:
    """Warnings grouped by kind and column with counts; every one of them with verbose."""
    if verbose:
        return "\n".join(str(p) for p in report.warnings)
    lines = []
    for code, where, count, items in report.grouped("warning"):
        lines.append(f"{count:>6} × {where}: {SUMMARIES.get(code, code)} [{code}]")
        for p in items[:examples]:
            lines.append(f"         e.g. {p}")
    if lines:
        lines.append(f"{len(report.warnings)} warning(s); `congkhai check --verbose` lists them all.")
    return "\n".join(lines)
