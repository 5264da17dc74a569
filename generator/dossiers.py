"""The dossier log (DIR/dossiers/, issue #17): one row per dossier (schema.DOSSIERS), checked, and the Biểu 06 rows
computed from it, which join the published statistics in the statistics stage (build.statistics_stage) and so
feed every page, chart, check and file made from them; and, from the same opened log, its observed processing
times (processing_time.py).

The log may hold 10⁸ rows: it never passes through Python. Its files are read in place by the query engine
(dossier_engine.py: DuckDB), typed and checked by the SQL of dossier_sql.py; Python sees the first rows of each
kind of problem and the computed rows, one per scope and period. Nothing of a single dossier is published: not
its id, not its dates, not its text; the site shows counts only, and the days the log covers only as the months,
quarters and years they fall in.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from .cache import digest, file_digest
from .dossier_engine import PARQUET_SUFFIX, SUFFIXES, CsvDialect, Engine, EngineError
from .dossier_sql import (CHECKS, COLUMNS, LISTED, OPEN_DAY, TABLE, check_counts, check_rows, coverage, distinct,
                          duplicates, rename, statistics, stripped, typed, unlisted)
from .load import _CONTROL, DELIMITERS, RawTable, _header_cell, _listing, _no_header, _usable, column_name
from .parse import Period, _month_end, _columns
from .problems import Report
from .processing_time import ProcessingTime
from .processing_time import compute as compute_times
from .schema import COUNT_COLUMNS, DOSSIERS, DOSSIERS_DIR, LOG_SOURCE, SYNTHETIC_MARK, SYNTHETIC_PREFIX
from .vietnamese import format_number, nfc

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd

# Set to `spark`, the log is computed on Apache Spark (dossier_spark.py: README «Chạy trên một cụm Spark»).
ENGINE_VARIABLE = "CONGKHAI_ENGINE"
MORE = f"{DOSSIERS_DIR}/…"  # where the problems beyond the first LISTED of a kind are counted
HEAD = 1 << 16  # bytes read to find a CSV file's header
# Workbooks and other formats an export may come in, refused rather than skipped: the log would be short.
REFUSED = (".xlsx", ".xls", ".xlsb", ".ods", ".json", ".jsonl")
_GLOB = re.compile(r"[*?\[\]]")  # the engine would read such a name as a pattern of names


def engine_type() -> Callable[[], Engine]:
    """The query engine's adapter: DuckDB's (dossier_engine.Engine), or with CONGKHAI_ENGINE=spark Spark's, on the
    session SparkSession.builder gives (a cluster's with spark-submit's settings in PYSPARK_SUBMIT_ARGS)."""
    if os.environ.get(ENGINE_VARIABLE) == "spark":
        from .dossier_spark import SparkEngine

        return SparkEngine
    return Engine


def present(data_dir: Path) -> bool:
    """Whether the data has a dossier log (anything named DIR/dossiers, which the stage then checks)."""
    return os.path.lexists(data_dir / DOSSIERS_DIR)


def log_key(data_dir: Path) -> str:
    """The digest of the log's directory: its entries' names and bytes (symbolic links followed, as the engine
    follows them; each file streamed, however large), or the status or error of what is not a regular file."""
    directory = data_dir / DOSSIERS_DIR
    parts = []
    for path in [directory, *(sorted(directory.iterdir()) if directory.is_dir() else [])]:
        try:
            status = os.stat(path)
            parts += [path.name, file_digest(path) if stat.S_ISREG(status.st_mode)
                      else repr((status.st_mode, status.st_size, status.st_mtime_ns))]
        except OSError as exc:
            parts += [path.name, repr(exc)]
    return digest(*parts)


@dataclass
class Log:
    """The opened log: table dossier_sql.TABLE (its typed rows, dossier_sql.typed) in ENGINE's connection, with a
    table `catalogue` (procedure_code, field) beside it."""

    engine: Engine
    files: list[str]  # as problems name them (relative to the data directory), by file_number
    synthetic: bool  # a SYNTHETIC file in the directory: constructed for a sample, labelled «mô phỏng»

    @property
    def source(self) -> str:
        """The `source` of the rows computed from it."""
        return f"{SYNTHETIC_PREFIX}: {LOG_SOURCE}" if self.synthetic else LOG_SOURCE


@contextmanager
def opened(data_dir: Path, report: Report, catalogue: dict[str, str] | None = None,
           adapter: Callable[[], Engine] | None = None) -> Iterator[Log | None]:
    """The log of DATA_DIR as a table of typed rows in the query engine (ADAPTER: its adapter's class; by default
    engine_type()), its problems reported into REPORT: those of its files and headers, then those of its rows
    (dossier_sql.CHECKS, duplicate ids, and with CATALOGUE — procedure code → field — the codes it does not list).
    None when no file could be read. The connection, and its temporary files, are closed on leaving."""
    directory = data_dir / DOSSIERS_DIR
    files = _files(directory, data_dir, report)
    if files is None:
        yield None
        return
    with (adapter or engine_type())() as engine:
        created, shown = False, []
        for path in files:
            file = path.relative_to(data_dir).as_posix()
            source = _source(engine, path, file, len(shown), report)
            if source is None:
                continue
            try:
                engine.append(TABLE, typed(engine, source), created)
            except EngineError as exc:
                _unreadable(file, str(exc), path.suffix.lower() == PARQUET_SUFFIX, report)
                continue
            created = True
            shown.append(file)
        if not created:
            yield None
            return
        log = Log(engine, shown, (directory / SYNTHETIC_MARK).is_file())
        for column in ("agency", "field"):
            _clean(log, column, report)
        engine.table("catalogue", {"procedure_code": "VARCHAR", "field": "VARCHAR"},
                     ((code, field or None) for code, field in (catalogue or {}).items()))
        _check(log, report, catalogue is not None)
        yield log


def _clean(log: Log, column: str, report: Report) -> None:
    """The text of COLUMN as the catalogue's is stored (load.py: no control or text-direction characters, with a
    warning; then vietnamese.nfc: NFC, trimmed), the rule applied here to its distinct values and the few that change
    renamed in the log: normalising every row of a large log took longer than all else."""
    def stored(value: str) -> str:
        return nfc(_CONTROL.sub("", value))

    engine = log.engine
    renamed = [(value, stored(value) or None, int(_CONTROL.search(value) is not None))
               for (value,) in engine.rows(distinct(column)) if stored(value) != value]
    if not renamed:
        return
    engine.table("renamed", {"old": "VARCHAR", "new": "VARCHAR", "stripped": "INTEGER"}, renamed)
    if any(flag for *_, flag in renamed):
        located = _by_value(engine.rows(stripped(column)))
        for value, file_number, row, count in located[:LISTED]:
            report.warning("control_characters", log.files[file_number], row, column,
                           f"đã bỏ các ký tự điều khiển vô hình ({format_number(count)} hồ sơ ghi như vậy)",
                           "văn bản in được", value)
        if len(located) > LISTED:
            report.warning("control_characters", MORE, None, column,
                           f"đã bỏ các ký tự điều khiển vô hình ở {format_number(len(located) - LISTED)} giá trị khác "
                           f"({format_number(sum(count for *_, count in located[LISTED:]))} hồ sơ)", "", "")
    engine.replace(TABLE, rename(column))


def _by_value(rows: list[tuple]) -> list[tuple[str, int, int, int]]:
    """(value, file_number, row, count): from ROWS of (value, file_number, its first row there, its rows there), each
    value at its first row in the log with its rows in all files, in the order of those first rows."""
    first: dict[str, tuple[int, int]] = {}
    counts: dict[str, int] = {}
    for value, file_number, row, count in rows:
        first[value] = min(first.get(value, (file_number, row)), (file_number, row))
        counts[value] = counts.get(value, 0) + count
    return [(value, *first[value], counts[value]) for value in sorted(first, key=first.__getitem__)]


def _files(directory: Path, data_root: Path, report: Report) -> list[Path] | None:
    """The log's files (.csv, .parquet) in DIRECTORY, sorted by name; None, reported, when there are none."""
    where = directory.relative_to(data_root).as_posix()
    if not _usable(directory, where, report, directory=True):
        return None
    entries = _listing(directory, where, report)
    if entries is None:
        return None
    files = []
    for path in entries:
        file = path.relative_to(data_root).as_posix()
        suffix = path.suffix.lower()
        if suffix in REFUSED:
            report.error("unreadable_file", file, None, None, f"nhật ký hồ sơ không đọc tệp dạng {suffix}: lưu lại "
                         "dạng «CSV UTF-8» hoặc Parquet", ".csv hoặc .parquet", suffix)
        elif suffix in SUFFIXES and _GLOB.search(path.name):
            report.error("unreadable_file", file, None, None, "tên tệp có ký tự * ? [ ]: đổi tên tệp",
                         "tên tệp không có * ? [ ]", path.name)
        elif suffix in SUFFIXES and _usable(path, file, report):
            files.append(path)
    if not files and not report.errors:
        report.error("missing_file", where, None, None, "thư mục nhật ký hồ sơ không có tệp .csv hoặc .parquet nào",
                     ".csv hoặc .parquet", ", ".join(p.name for p in entries) or "thư mục rỗng")
    return files or None


def _source(engine: Engine, path: Path, file: str, number: int, report: Report) -> str | None:
    """The engine's SELECT of the file's rows, once its header names every column the contract requires; None,
    reported, when it does not or cannot be read."""
    if path.suffix.lower() == PARQUET_SUFFIX:
        try:
            header = engine.parquet_header(path)
        except EngineError as exc:
            _unreadable(file, str(exc), True, report)
            return None
        columns = _columns_of(file, header, None, report)
        return None if columns is None else engine.parquet_source(
            path, number, {name: header[i] if i is not None else None for name, i in columns.items()})
    found = _csv_header(path, file, report)
    if found is None:
        return None
    dialect, header = found
    columns = _columns_of(file, header, 1, report)
    return None if columns is None else engine.csv_source(path, number, dialect, columns)


def _csv_header(path: Path, file: str, report: Report) -> tuple[CsvDialect, list[str]] | None:
    """A CSV file's dialect and header: its first record, split by the delimiter (comma, tab or semicolon) that
    makes the most cells name a contract column."""
    try:
        with open(path, "rb") as f:
            head = f.read(HEAD)
    except OSError as exc:
        report.error("unreadable_file", file, None, None, f"không mở được: {exc.strerror or exc}")
        return None
    if not head.strip():
        report.error("empty_file", file, None, None, "tệp không có hàng tên cột", "một hàng tên cột", "không có gì")
        return None
    wide = head[:2] in (b"\xff\xfe", b"\xfe\xff")
    text = head.decode("utf-16" if wide else "utf-8-sig", errors="replace")
    best: tuple[int, str, list[str]] | None = None
    for delimiter in DELIMITERS:
        try:
            cells = next(csv.reader(io.StringIO(text), delimiter=delimiter))
        except (StopIteration, csv.Error):
            continue
        named = sum(column_name(DOSSIERS, cell) is not None for cell in cells)
        if best is None or named > best[0]:
            best = (named, delimiter, cells)
    if best is None or best[0] == 0:
        _no_header(DOSSIERS, file, [best[2] if best else [text.splitlines()[0]]], 0, report)
        return None
    _, delimiter, cells = best
    return CsvDialect(delimiter, "utf-16" if wide else "utf-8", len(cells)), cells


def _columns_of(file: str, header: list[str], header_row: int | None, report: Report) -> dict[str, int | None] | None:
    """Each contract column's position in HEADER (None when absent and optional); None, reported, when a required
    column is missing or a column is given twice. Unknown columns are never read (a warning): whatever free text a
    log holds beside the contract stays out of the engine."""
    names = [column_name(DOSSIERS, cell) or _header_cell(cell) for cell in header]
    positions: dict[str, int] = {}
    own = Report()
    for i, name in enumerate(names):
        if name in positions:
            own.error("duplicate_column", file, header_row, name, "cột xuất hiện nhiều lần: giữ một cột, xóa cột thừa",
                      "một cột", f"cột {i + 1}")
        elif name:
            positions[name] = i
    _columns(RawTable(DOSSIERS, file, names, {name: [] for name in positions}, [], header_row), own)
    report.problems.extend(own.problems)
    if own.errors:
        return None
    return {c.name: positions.get(c.name) for c in DOSSIERS.input_columns()}


def _unreadable(file: str, reason: str, parquet: bool, report: Report) -> None:
    """A file the engine stopped reading: where (the line of a CSV file), and why, in Vietnamese."""
    line = re.search(r"CSV Error on Line: (\d+)", reason)
    row = int(line[1]) if line else None
    columns = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", reason)
    detail = next((part.strip() for part in reason.splitlines()[1:2]), "")
    if parquet:
        report.error("unreadable_file", file, None, None, "không đọc được tệp Parquet", "tệp Parquet",
                     reason.splitlines()[0])
    elif "Invalid unicode" in reason:
        report.error("encoding", file, row, None, "tệp không phải văn bản UTF-8: lưu lại dạng «CSV UTF-8»", "UTF-8",
                     detail)
    elif columns and int(columns[2]) > int(columns[1]):
        report.error("extra_cell", file, row, None, "hàng có nhiều ô hơn hàng tên cột (giá trị có dấu phẩy phải đặt "
                     "trong ngoặc kép «\"»)", f"{columns[1]} ô", f"{columns[2]} ô")
    elif columns:
        report.error("unreadable_file", file, row, None, "hàng có ít ô hơn hàng tên cột", f"{columns[1]} ô",
                     f"{columns[2]} ô")
    elif "unterminated quote" in reason:
        report.error("unreadable_file", file, row, None, "dấu ngoặc kép «\"» mở mà không đóng",
                     "mỗi dấu «\"» mở có dấu đóng", detail)
    else:
        report.error("unreadable_file", file, row, None, "không đọc được tệp CSV", "tệp CSV UTF-8",
                     reason.splitlines()[0])


# --- the rows' problems ---------------------------------------------------------------------------------------

def _shown(value) -> str:
    """A value of a problem row as the report shows it: a date as dd/mm/yyyy, text as it is."""
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y") if hasattr(value, "strftime") else str(value)


def _more(report: Report, severity: str, code: str, column: str, listed: int, total: int, message: str) -> None:
    """One problem counting the rows of a kind beyond the LISTED first: a cause repeated on every row of a large log
    (a date format, a column shifted) is one cause, not a million lines."""
    if total > listed:
        report.add(severity, code, MORE, None, column,
                   f"{message}: còn {format_number(total - listed)} hàng khác (tổng cộng {format_number(total)} hàng; "
                   f"chỉ liệt kê {format_number(listed)} hàng đầu)", "", "")


def _check(log: Log, report: Report, catalogued: bool) -> None:
    engine, files = log.engine, log.files
    _, *counts = engine.rows(check_counts())[0]
    for (severity, code, column, condition, values, template, message, expected), count in zip(CHECKS, counts):
        if not count:
            continue
        rows = engine.rows(check_rows(condition, values))
        for file_number, row, *found in rows:
            report.add(severity, code, files[file_number], row, column, message, expected,
                       template.format(*map(_shown, found)))
        _more(report, severity, code, column, len(rows), count, message)
    repeated = engine.rows(duplicates())
    for dossier_id, file_number, row, first_file, first_row, _ in repeated:
        report.error("duplicate_dossier", files[file_number], row, "dossier_id",
                     f"mã hồ sơ đã dùng ở {files[first_file]}:{first_row}", "mỗi hồ sơ một mã riêng", dossier_id)
    if repeated:
        _more(report, "error", "duplicate_dossier", "dossier_id", len(repeated), repeated[0][-1], "mã hồ sơ bị lặp")
    if catalogued:
        _unlisted(log, report)


def _unlisted(log: Log, report: Report) -> None:
    """A warning per procedure code the catalogue does not list, at its first row, with its number of dossiers
    (the first LISTED codes; one more warning counts the others)."""
    located = _by_value(log.engine.rows(unlisted()))
    for procedure, file_number, row, count in located[:LISTED]:
        report.warning("unlisted_procedure", log.files[file_number], row, "procedure_code",
                       f"không có thủ tục mang mã này trong danh mục ({format_number(count)} hồ sơ); "
                       "hồ sơ vẫn được tính", "một mã có trong danh mục", procedure)
    if len(located) > LISTED:
        rest = located[LISTED:]
        report.warning("unlisted_procedure", MORE, None, "procedure_code",
                       f"còn {format_number(len(rest))} mã thủ tục khác không có trong danh mục "
                       f"({format_number(sum(count for *_, count in rest))} hồ sơ)", "", "")


# --- Biểu 06 from the log ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Span:
    """A calendar period the log covers, and the days of it the log covers (all of it but at either end)."""

    period: Period
    first_day: dt.date
    last_day: dt.date

    @property
    def partial(self) -> bool:
        return (self.first_day, self.last_day) != (self.period.start, self.period.end)

    @property
    def label(self) -> str:
        return f"{self.period.label} (chưa trọn kỳ)" if self.partial else self.period.label

    @property
    def note(self) -> str:
        """What a partial period's figures are, without the day the log starts or ends: a dossier's date."""
        notes = []
        if self.first_day > self.period.start:
            notes.append("nhật ký hồ sơ bắt đầu trong kỳ này, không có hồ sơ tiếp nhận trước đó")
        if self.last_day < self.period.end:
            notes.append("nhật ký hồ sơ kết thúc trong kỳ này; hồ sơ đang giải quyết và quá hạn tính đến ngày cuối "
                         "của nhật ký")
        return "Kỳ chưa trọn: " + "; ".join(notes) + "." if notes else ""


def spans(first: dt.date, last: dt.date) -> list[Span]:
    """Every calendar month, then quarter, then year with a day from FIRST to LAST, each clipped to those days."""
    import datetime as dt

    found = []
    for kind, months in (("month", 1), ("quarter", 3), ("year", 12)):
        year, month = first.year, (first.month - 1) // months * months + 1
        while (year, month) <= (last.year, last.month):
            end = _month_end(year, month + months - 1)
            period = Period(kind, dt.date(year, month, 1), end)
            found.append(Span(period, max(period.start, first), min(end, last)))
            year, month = (year + 1, 1) if month + months > 12 else (year, month + months)
    return found


def month_number(day: dt.date) -> int:
    """dossier_sql.month_number, of a date."""
    return day.year * 12 + day.month


def touches(months: list[Span]) -> list[tuple]:
    """The rows of table `touches` (dossier_sql): for a dossier received in one of MONTHS (the log's, in order) and
    finished in the same or a later one, or not finished, each month it touches — from the month it was received in
    to the month it finished in, or to the last."""
    import datetime as dt

    numbers = [month_number(m.first_day) for m in months]
    ends = [*((b, number) for b, number in enumerate(numbers)),
            (len(months) - 1, month_number(dt.date.fromisoformat(OPEN_DAY)))]
    return [(numbers[a], finished, m.period.canonical, m.first_day, m.last_day)
            for a in range(len(months)) for b, finished in ends if b >= a for m in months[a:b + 1]]


def statistics_rows(log: Log) -> pd.DataFrame:
    """The Biểu 06 rows of the log (dossier_sql.statistics), as parse.statistics_frame gives the published rows:
    the same columns and types, `file` the log's directory and `row` each row's number in it."""
    import pandas as pd

    engine = log.engine
    first, last_received, last_finished, count = engine.rows(coverage())[0]
    periods = spans(first, max(last_received, last_finished or last_received)) if count else []
    months = [s for s in periods if s.period.kind == "month"]
    engine.table("touches", {"received_month": "INTEGER", "finished_month": "INTEGER", "month": "VARCHAR",
                             "start_day": "DATE", "end_day": "DATE"}, touches(months))
    engine.table("spans", {"period": "VARCHAR", "position": "INTEGER", "month": "VARCHAR", "is_first": "INTEGER",
                           "is_last": "INTEGER"},
                 [(s.period.canonical, i, m.period.canonical, int(m.first_day == s.first_day),
                   int(m.last_day == s.last_day)) for i, s in enumerate(periods) for m in months
                  if s.first_day <= m.first_day and m.last_day <= s.last_day])
    rows = engine.rows(statistics()) if count else []
    # What each row shows of its period, made once per period (10⁵ rows share a few dozen).
    described = {s.period.canonical: (s.period.kind, s.period.start, s.period.end, s.label, s.note) for s in periods}
    values = dict(zip(COLUMNS, map(list, zip(*rows)))) if rows else {name: [] for name in COLUMNS}
    kinds, starts, ends, labels, notes = (map(list, zip(*(described[p] for p in values["period"]))) if rows
                                          else ([], [], [], [], []))
    n = len(rows)
    frame = pd.DataFrame({
        "period": values["period"], "period_kind": kinds, "period_start": starts, "period_end": ends,
        "period_label": labels, **{name: values[name] for name in ("level", "agency", "field", "procedure_code")},
    }, dtype=object)
    for column in COUNT_COLUMNS:
        frame[column] = pd.array(values.get(column, [None] * n), dtype="Int64")
    frame["on_time_rate"] = pd.array([None] * n, dtype="Float64")
    frame["on_time_rate_text"] = ""
    frame["rate_decimals"] = 0
    frame["source"] = log.source
    frame["note"] = notes
    frame["synthetic"] = log.synthetic
    frame["file"] = DOSSIERS_DIR
    frame["row"] = pd.Series(range(1, n + 1), dtype="int64")
    return frame


@dataclass
class Computed:
    """What the site publishes from the log: its Biểu 06 rows (statistics_rows) and its observed processing times
    (processing_time.compute)."""

    rows: pd.DataFrame
    times: tuple[ProcessingTime, ...]


def dossier_statistics(data_dir: Path, catalogue: dict[str, str] | None, report: Report,
                       legal: dict[str, tuple] | None = None,
                       adapter: Callable[[], Engine] | None = None) -> Computed | None:
    """The log's problems into REPORT, and what is computed from it when it has no error (None otherwise, or without
    a CATALOGUE: the build fails then, and the rows would need the catalogue's fields); LEGAL: the legal times of
    the catalogue's procedures (processing_time.legal_times, by code); ADAPTER: the engine's (opened)."""
    own = Report()
    try:
        with opened(data_dir, own, catalogue, adapter) as log:
            computed = (Computed(statistics_rows(log), compute_times(log, legal or {}))
                        if log is not None and catalogue is not None and not own.errors else None)
    except EngineError as exc:  # what no check foresaw (the disk it spills to is full, …): one error, no traceback
        own.error("unreadable_file", DOSSIERS_DIR, None, None, "không tính được số liệu từ nhật ký hồ sơ",
                  "", str(exc).splitlines()[0])
        computed = None
    report.problems.extend(own.problems)
    return computed


@dataclass
class DossierInput:
    """The log as the statistics stage reads it (build.statistics_stage), with the catalogue's field of each
    procedure (None when the catalogue could not be read) and their legal times (processing_time.legal_times)."""

    data_dir: Path
    catalogue: dict[str, str] | None
    legal: dict[str, tuple] | None = None

    def key(self) -> str:
        fields = sorted(self.catalogue.items()) if self.catalogue is not None else None
        legal = sorted(self.legal.items()) if self.legal is not None else None
        return digest(log_key(self.data_dir), repr(fields), repr(legal))

    def rows(self, report: Report, remember: Callable | None = None) -> Computed | None:
        """dossier_statistics, through REMEMBER (BuildCache.remember with its name and key given) when given: a
        build whose log, catalogue fields and legal times did not change runs no query."""
        def compute() -> tuple[list, Computed | None]:
            own = Report()
            return own.problems, dossier_statistics(self.data_dir, self.catalogue, own, self.legal)

        problems, computed = remember(compute) if remember is not None else compute()
        report.problems.extend(problems)
        return computed


def join(published: pd.DataFrame | None, logged: pd.DataFrame, report: Report) -> pd.DataFrame:
    """The published rows and the log's, one table; a published row with the scope and period of a computed one is
    an error at the published row (the pages would show two figures for one thing)."""
    import pandas as pd

    if published is None:
        return logged
    keys = ["period", "level", "agency", "field", "procedure_code"]
    clash = published[[*keys, "file", "row"]].merge(logged[keys], on=keys)
    for r in clash.itertuples():
        report.error("duplicate_row", r.file, r.row, "period", "trùng phạm vi và kỳ báo cáo với một dòng tính từ nhật "
                     "ký hồ sơ (dossiers/)", "mỗi phạm vi, mỗi kỳ một hàng: bỏ dòng này hoặc bớt nhật ký",
                     " / ".join(str(getattr(r, k)) for k in keys if getattr(r, k)))
    return pd.concat([published, logged], ignore_index=True)
