"""The SQL of the dossier log: typing its rows, checking them, and the Biểu 06 rows computed from them.

Standard SQL only — CASE, COALESCE, NULLIF, EXTRACT, joins, GROUPING SETS, window functions, ORDER BY … LIMIT —
which DuckDB and Spark SQL both run; no UPDATE (Spark does not update a table of files in place): the log is made
again from a SELECT where it must change (`rename`). What an engine spells its own way (reading a file in place,
parsing a date, making a table from a SELECT or from Python's rows) comes from its adapter, `dialect` below:
dossier_engine.Engine for DuckDB, dossier_spark.SparkEngine for Spark. The same text runs on both, to the same rows
(tests/test_spark.py). Nothing here is executed; dossiers.py runs it.

Tables the queries read, made by dossiers.py:
  dossiers   the typed log (`typed`, its columns TYPED): one row per dossier with its file_number and row_number
  touches    (received_month, finished_month, month, start_day, end_day): for the numbers of the months a dossier
             was received and finished in (month_number; that of OPEN_DAY when not finished), each calendar month
             it touches, its days clipped to the days the log covers (a partial first or last month)
  spans      (period, position, month, is_first, is_last): each month, quarter and year the log covers and its months
  catalogue  (procedure_code, field): the catalogue's procedures and their fields
  calendar   (day, day_number, working_number): every day from the log's first to its last, numbered, and the number
             of working days from its first day up to it (processing_time.calendar)
  legal_times (procedure_code, channel, days, working): the legal time of a procedure's channel ('' for a dossier
             without one) where the catalogue's reads as days (processing_time.legal_times)
"""

from __future__ import annotations

import unicodedata
from typing import Protocol

from .schema import CHANNELS, OUTCOMES, STAT_LEVELS
from .vietnamese import unmarked

TABLE = "dossiers"
# Dates outside these years are typing mistakes (0024 for 2024), not dossiers.
FIRST_YEAR, LAST_YEAR = 1900, 2100
# Rows listed for each kind of problem; the others are counted in one more problem (dossiers.py).
LISTED = 20
DATES = ("received_at", "due_at", "finished_at")
CODED = {"level": {c: v for c, v in STAT_LEVELS.items() if c != "tong"}, "channel": CHANNELS, "outcome": OUTCOMES}


class Dialect(Protocol):
    def day(self, text: str) -> str: ...


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _code(text: str, codes: dict[str, str]) -> str:
    """The code TEXT spells, by its code or its Vietnamese label in any letter case, with or without marks, its
    letters composed or not (NFC or NFD: spelled out here, where normalising every row would cost more than reading
    it); NULL for any other text."""
    spellings = {}
    for code, label in codes.items():
        for spelling in (code, label.lower(), unicodedata.normalize("NFD", label.lower()), unmarked(label)):
            spellings.setdefault(spelling, code)
    cases = " ".join(f"WHEN {literal(s)} THEN {literal(c)}" for s, c in spellings.items())
    # A code as written, as most exports write it, is taken before any other spelling is looked for.
    return f"CASE WHEN {text} IN ({', '.join(map(literal, codes))}) THEN {text} ELSE CASE LOWER({text}) {cases} END END"


def typed(dialect: Dialect, source: str) -> str:
    """The typed rows of SOURCE (a SELECT of file_number, row_number and every contract column as text, from the
    adapter): texts trimmed (NULL when empty), codes from their codes or labels, dates as DATE. A value that does
    not parse is NULL, its text kept in <column>_text for the problem report (NULL for every valid row, so it costs
    next to nothing). The texts the site shows, agency and field, are made as the catalogue stores its text
    afterwards (dossiers._clean, with `rename`), on their distinct values."""
    # TRIM only a text with a space at either end: TRIM copies every text it is given (3 s of 10⁷ rows of ten).
    trimmed = ", ".join(f"NULLIF(CASE WHEN {c} LIKE ' %' OR {c} LIKE '% ' THEN TRIM({c}) ELSE {c} END, '') AS {c}"
                        for c in ("dossier_id", "procedure_code", "agency", "field", "level", "channel", "outcome",
                                  *DATES))
    parsed = ", ".join([
        "file_number", "row_number", "dossier_id", "procedure_code", "agency", "field",
        *(f"{column} AS {column}_raw, {_code(column, codes)} AS {column}" for column, codes in CODED.items()),
        *(f"{column} AS {column}_raw, {dialect.day(column)} AS {column}_day" for column in DATES)])
    checked = ", ".join(f"{expression} AS {name}" for name, expression in _CHECKED.items())
    return (f"SELECT {checked} FROM (SELECT {parsed} FROM (SELECT file_number, row_number, {trimmed} "
            f"FROM ({source}) AS source_rows) AS trimmed) AS parsed")


# A date outside FIRST_YEAR..LAST_YEAR is as unreadable as one that does not parse.
_IN_YEARS = f"EXTRACT(YEAR FROM {{c}}_day) BETWEEN {FIRST_YEAR} AND {LAST_YEAR}"
# The columns of the typed log, each from the parsed row.
_CHECKED = {
    **{name: name for name in ("file_number", "row_number", "dossier_id", "procedure_code", "agency", "field")},
    **{name: expression for column in CODED for name, expression in (
        (column, column), (f"{column}_text", f"CASE WHEN {column} IS NULL THEN {column}_raw END"))},
    **{c.removesuffix("_at"): f"CASE WHEN {_IN_YEARS.format(c=c)} THEN {c}_day END" for c in DATES},
    **{f"{c.removesuffix('_at')}_text": f"CASE WHEN NOT ({_IN_YEARS.format(c=c)}) OR {c}_day IS NULL THEN {c}_raw END"
       for c in DATES},
}
TYPED = tuple(_CHECKED)


# --- the checks -------------------------------------------------------------------------------------------------

# (severity, code, column, condition, the values a problem shows, how it shows them, message, what was expected)
CHECKS = (
    ("error", "missing_value", "dossier_id", "dossier_id IS NULL", (), "",
     "thiếu mã hồ sơ", "một mã riêng cho mỗi hồ sơ"),
    ("error", "missing_value", "procedure_code", "procedure_code IS NULL", (), "",
     "thiếu mã thủ tục", "mã thủ tục của hồ sơ"),
    ("error", "missing_value", "agency", "agency IS NULL", (), "",
     "thiếu cơ quan giải quyết", "tên cơ quan giải quyết hồ sơ"),
    ("error", "missing_value", "level", "level IS NULL AND level_text IS NULL", (), "",
     "thiếu cấp giải quyết", "bo, tinh, huyen hoặc xa"),
    ("error", "missing_value", "received_at", "received IS NULL AND received_text IS NULL", (), "",
     "thiếu ngày tiếp nhận", "ngày tiếp nhận hồ sơ"),
    ("error", "unknown_level", "level", "level_text IS NOT NULL", ("level_text",), "{}",
     "cấp không hợp lệ", "bo, tinh, huyen, xa hoặc Cấp bộ, Cấp tỉnh, Cấp huyện, Cấp xã"),
    ("error", "unknown_channel", "channel", "channel_text IS NOT NULL", ("channel_text",), "{}",
     "hình thức nộp không hợp lệ", "truc_tiep, truc_tuyen, buu_chinh (hoặc Trực tiếp, Trực tuyến, Dịch vụ bưu "
     "chính), hoặc để trống"),
    ("error", "unknown_outcome", "outcome", "outcome_text IS NOT NULL", ("outcome_text",), "{}",
     "kết quả xử lý không hợp lệ", "resolved, returned, withdrawn (hoặc Đã giải quyết, Trả lại, Rút hồ sơ), hoặc "
     "để trống"),
    ("error", "invalid_date", "received_at", "received_text IS NOT NULL", ("received_text",), "{}",
     "không phải ngày hợp lệ", f"YYYY-MM-DD, ngày giờ ISO 8601 hoặc dd/mm/yyyy, năm {FIRST_YEAR}–{LAST_YEAR}"),
    ("error", "invalid_date", "due_at", "due_text IS NOT NULL", ("due_text",), "{}",
     "không phải ngày hợp lệ", f"YYYY-MM-DD, ngày giờ ISO 8601 hoặc dd/mm/yyyy, năm {FIRST_YEAR}–{LAST_YEAR}, "
     "hoặc để trống"),
    ("error", "invalid_date", "finished_at", "finished_text IS NOT NULL", ("finished_text",), "{}",
     "không phải ngày hợp lệ", f"YYYY-MM-DD, ngày giờ ISO 8601 hoặc dd/mm/yyyy, năm {FIRST_YEAR}–{LAST_YEAR}, "
     "hoặc để trống"),
    ("error", "finished_before_received", "finished_at", "finished < received", ("finished", "received"),
     "kết thúc {}, tiếp nhận {}", "ngày kết thúc trước ngày tiếp nhận", "ngày kết thúc không trước ngày tiếp nhận"),
    ("error", "outcome_without_finish", "outcome", "outcome IS NOT NULL AND finished IS NULL AND finished_text IS NULL",
     ("outcome",), "{}", "có kết quả xử lý nhưng không có ngày kết thúc",
     "ngày kết thúc, hoặc để trống kết quả xử lý"),
)


def check_counts() -> str:
    """How many rows each of CHECKS finds, in one pass over the log."""
    counts = ", ".join(f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)" for _, _, _, condition, *_ in CHECKS)
    return f"SELECT COUNT(*), {counts} FROM {TABLE}"


def check_rows(condition: str, values: tuple[str, ...], limit: int = LISTED) -> str:
    """The first LIMIT rows a check finds: where they are and the VALUES it shows."""
    return (f"SELECT {', '.join(('file_number', 'row_number', *values))} FROM {TABLE} WHERE {condition} "
            f"ORDER BY file_number, row_number LIMIT {limit}")


def duplicates(limit: int = LISTED) -> str:
    """The first LIMIT rows whose dossier_id an earlier row has (by file, then row): their id, where they are, where
    its first row is, and how many such rows there are in all."""
    return f"""
WITH repeated AS (
  SELECT dossier_id FROM {TABLE} WHERE dossier_id IS NOT NULL GROUP BY dossier_id HAVING COUNT(*) > 1),
occurrences AS (
  SELECT d.dossier_id, d.file_number, d.row_number,
         ROW_NUMBER() OVER (PARTITION BY d.dossier_id ORDER BY d.file_number, d.row_number) AS occurrence,
         FIRST_VALUE(d.file_number) OVER (PARTITION BY d.dossier_id ORDER BY d.file_number, d.row_number)
           AS first_file,
         FIRST_VALUE(d.row_number) OVER (PARTITION BY d.dossier_id ORDER BY d.file_number, d.row_number) AS first_row
  FROM {TABLE} d JOIN repeated r ON d.dossier_id = r.dossier_id)
SELECT dossier_id, file_number, row_number, first_file, first_row, COUNT(*) OVER () AS total
FROM occurrences WHERE occurrence > 1 ORDER BY file_number, row_number LIMIT {limit}"""


def unlisted() -> str:
    """Each procedure code of the log that the catalogue does not list, by file: its first row there and its
    number of rows."""
    return f"""
SELECT d.procedure_code, d.file_number, MIN(d.row_number), COUNT(*)
FROM {TABLE} d LEFT JOIN catalogue c ON c.procedure_code = d.procedure_code
WHERE c.procedure_code IS NULL AND d.procedure_code IS NOT NULL
GROUP BY d.procedure_code, d.file_number"""


def distinct(column: str) -> str:
    """The distinct values of a text column (a few thousand agencies or fields, whatever the size of the log)."""
    return f"SELECT DISTINCT {column} FROM {TABLE} WHERE {column} IS NOT NULL"


def stripped(column: str) -> str:
    """Each value of COLUMN that table `renamed` (old, new, stripped) marks as losing invisible characters, by file:
    its first row there and its number of rows."""
    return f"""
SELECT r.old, d.file_number, MIN(d.row_number), COUNT(*)
FROM {TABLE} d JOIN renamed r ON r.old = d.{column}
WHERE r.stripped = 1
GROUP BY r.old, d.file_number"""


def rename(column: str) -> str:
    """The log with COLUMN's values replaced by table `renamed` (old, new) where they are one of its `old`: a SELECT
    the adapter makes the log from (Engine.replace), for both engines, where an UPDATE would not run on Spark."""
    columns = ", ".join(f"CASE WHEN r.old IS NULL THEN d.{name} ELSE r.new END AS {name}" if name == column
                        else f"d.{name}" for name in TYPED)
    return f"SELECT {columns} FROM {TABLE} d LEFT JOIN renamed r ON r.old = d.{column}"


def coverage() -> str:
    """The days the log covers: its first received day, and its last received or finished day."""
    return f"SELECT MIN(received), MAX(received), MAX(finished), COUNT(*) FROM {TABLE}"


# --- Biểu 06 ----------------------------------------------------------------------------------------------------

# The parts of Biểu 06 counted for each dossier a month touches; every total is a sum of them (statistics below), so
# every identity of the form holds by construction. A month [start_day, end_day], days compared as days:
#   touched  = received by the month's end and not finished before its start (the join with `touches`)
#   received in the month (online: truc_tuyen, offline: any other channel or none), or carried over from before
#   finished in the month: resolved (empty outcome with a finish day is resolved) early (before the due day), on
#   time (on the due day, or without one) or late (after it); or returned or withdrawn
#   otherwise pending at the month's end: in time (due day not before the end, or none) or overdue
PARTS = {
    "received_online": "received >= start_day AND channel = 'truc_tuyen'",
    "received_offline": "received >= start_day AND (channel IS NULL OR channel <> 'truc_tuyen')",
    "carried_over": "received < start_day",
    "resolved_early": "finished <= end_day AND outcome = 'resolved' AND finished < due",
    "resolved_on_time": "finished <= end_day AND outcome = 'resolved' AND (due IS NULL OR finished = due)",
    "resolved_late": "finished <= end_day AND outcome = 'resolved' AND finished > due",
    "withdrawn": "finished <= end_day AND outcome <> 'resolved'",
    "pending_in_time": "(finished IS NULL OR finished > end_day) AND (due IS NULL OR due >= end_day)",
    "pending_overdue": "(finished IS NULL OR finished > end_day) AND due < end_day",
}
# A quarter or a year is its months: what is received or finished in it, what its first month carried over, what is
# pending at the end of its last month — the same dossiers as the definitions above applied to its own days, since a
# dossier carried over into it or pending at its end touches that month.
CARRIED, PENDING = ("carried_over",), ("pending_in_time", "pending_overdue")
TOTALS = {
    "received_total": ("received_online", "received_offline", "carried_over"),
    "resolved_total": ("resolved_early", "resolved_on_time", "resolved_late"),
    "pending_total": ("pending_in_time", "pending_overdue"),
}
COLUMNS = ("period", "level", "agency", "field", "procedure_code", *PARTS, *TOTALS)


# The finished day of a dossier not finished, for the number of its last month (the log's last: `touches`).
OPEN_DAY = "9999-12-31"


def month_number(day: str) -> str:
    """The number of the calendar month of DAY (an SQL date): year × 12 + month, as dossiers.month_number."""
    return f"(EXTRACT(YEAR FROM {day}) * 12 + EXTRACT(MONTH FROM {day}))"


def statistics() -> str:
    """One row per period and scope that has a dossier (COLUMNS): all levels together, each level, each agency (at
    its level), each field, each procedure, in that order, then by level, agency, field, procedure and the periods'
    position. A dossier's field is the log's, else the catalogue's; a dossier
    without either counts in every scope but the fields'.

    Small tables beside the log: touches (above), and spans (period, position, month, is_first, is_last): each
    month, quarter and year, its months, and whether each is its first or last. The log is read once, joined with
    `touches` by equality: the months a dossier touches follow from the months it was received and finished in
    (received by a month's end, not finished before its start: its days compared with each month's, an inequality
    join, took twice as long on 10⁷ dossiers). The catalogue's field comes after the months are counted, on their
    rows, not on the log's. Everything after the first grouping works on counts. The grouped rows are named (a scope's empty columns, the field's rows without a field left out) after
    the grouping, not in it: Spark reads a column's name in HAVING as the select list's column of that name."""
    parts = ",\n    ".join(f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS {name}" for name, condition in PARTS.items())
    spanned = ", ".join(
        f"SUM(CASE WHEN s.is_first = 1 THEN m.{name} ELSE 0 END) AS {name}" if name in CARRIED else
        f"SUM(CASE WHEN s.is_last = 1 THEN m.{name} ELSE 0 END) AS {name}" if name in PENDING else
        f"SUM(m.{name}) AS {name}" for name in PARTS)
    sums = ", ".join(f"SUM({name}) AS {name}" for name in PARTS)
    totals = ", ".join(f"{' + '.join(f'g.{t}' for t in terms)} AS {name}" for name, terms in TOTALS.items())
    levels = " ".join(f"WHEN {literal(code)} THEN {i}" for i, code in enumerate(STAT_LEVELS) if code != "tong")
    return f"""
WITH touched AS (
  SELECT m.month, m.start_day, m.end_day, d.level, d.agency, d.field, d.procedure_code, d.channel, d.received,
         d.due, d.finished, COALESCE(d.outcome, 'resolved') AS outcome
  FROM {TABLE} d
  JOIN touches m ON m.received_month = {month_number('d.received')}
                AND m.finished_month = {month_number(f"COALESCE(d.finished, DATE '{OPEN_DAY}')")}),
monthly AS (
  SELECT month, level, agency, field, procedure_code,
    {parts}
  FROM touched
  GROUP BY month, level, agency, field, procedure_code),
spanned AS (
  SELECT s.period, m.level, m.agency, COALESCE(m.field, c.field) AS field, m.procedure_code, {spanned}
  FROM monthly m JOIN spans s ON s.month = m.month
  LEFT JOIN catalogue c ON c.procedure_code = m.procedure_code
  GROUP BY s.period, m.level, m.agency, COALESCE(m.field, c.field), m.procedure_code),
grouped AS (
  SELECT period,
    CASE WHEN GROUPING(procedure_code) = 0 THEN 4 WHEN GROUPING(field) = 0 THEN 3 WHEN GROUPING(agency) = 0 THEN 2
         WHEN GROUPING(level) = 0 THEN 1 ELSE 0 END AS scope,
    level, agency, field, procedure_code, {sums}
  FROM spanned
  GROUP BY GROUPING SETS ((period), (period, level), (period, level, agency), (period, field),
                          (period, procedure_code))),
named AS (
  SELECT g.period, g.scope, COALESCE(g.level, 'tong') AS level, COALESCE(g.agency, '') AS agency,
         COALESCE(g.field, '') AS field, COALESCE(g.procedure_code, '') AS procedure_code,
         {', '.join(f'g.{p}' for p in PARTS)}, {totals}
  FROM grouped g
  WHERE NOT (g.scope = 3 AND g.field IS NULL))
SELECT n.period, n.level, n.agency, n.field, n.procedure_code, {', '.join(f'n.{p}' for p in (*PARTS, *TOTALS))}
FROM named n JOIN (SELECT DISTINCT period, position FROM spans) p ON p.period = n.period
ORDER BY n.scope, CASE n.level {levels} ELSE 0 END, n.agency, n.field, n.procedure_code, p.position"""


# --- observed processing time -----------------------------------------------------------------------------------

# The percentiles of the processing times, in tenths: at position P/10 × (n − 1) of the sorted days.
PERCENTILES = {"median": 5, "p90": 9}


def processing_times() -> str:
    """Per procedure, then per agency (at its level): the dossiers resolved (finished with outcome `resolved`, or
    none), how many have a legal time (legal_times: their procedure's time for their channel) and how many of those
    finished within it, counted in working days or in calendar days as the legal time is; and for each of
    PERCENTILES the two days between which it lies, continuous (PERCENTILE_CONT: at position P/10 × (n − 1) of the
    dossiers sorted by their working days, the day there and the next, interpolated by processing_time.compute). A
    dossier's working days are those after the received day up to and including the finished day: the difference of
    the two days' working_number in the calendar. The log is read once, joined with two small tables: the calendar
    (a few hundred days, twice) and the legal times. Days are whole, so the dossiers are counted per scope and day
    and the percentiles read from the counts: PERCENTILE_CONT … WITHIN GROUP would hold every dossier's days in
    memory, which DuckDB does not spill (3 × 10⁷ dossiers ran out of its 1 GB)."""
    def between(tenths: int, shift: int) -> str:  # the counted day holding position k + SHIFT (k = ⌊P/10 × (n − 1)⌋)
        return (f"MAX(CASE WHEN 10 * (before - {shift}) <= {tenths} * (total - 1) "
                f"AND {tenths} * (total - 1) < 10 * (before + dossiers - {shift}) THEN days END)")

    percentiles = ", ".join(f"{between(tenths, 0)} AS {name}_low, {between(tenths, 1)} AS {name}_high"
                            for name, tenths in PERCENTILES.items())
    scope = "PARTITION BY scope, procedure_code, level, agency"
    return f"""
WITH timed AS (
  SELECT d.procedure_code, d.level, d.agency, f.working_number - r.working_number AS days,
         CASE WHEN l.days IS NULL THEN NULL
              WHEN (CASE WHEN l.working = 1 THEN f.working_number - r.working_number
                         ELSE f.day_number - r.day_number END) <= l.days THEN 1 ELSE 0 END AS within
  FROM {TABLE} d
  JOIN calendar r ON r.day = d.received
  JOIN calendar f ON f.day = d.finished
  LEFT JOIN legal_times l ON l.procedure_code = d.procedure_code AND l.channel = COALESCE(d.channel, '')
  WHERE COALESCE(d.outcome, 'resolved') = 'resolved'),
counted AS (
  SELECT CASE WHEN GROUPING(procedure_code) = 0 THEN 'procedure' ELSE 'agency' END AS scope,
         COALESCE(procedure_code, '') AS procedure_code, COALESCE(level, '') AS level,
         COALESCE(agency, '') AS agency, days, COUNT(*) AS dossiers, COUNT(within) AS timed,
         SUM(within) AS within_time
  FROM timed
  GROUP BY GROUPING SETS ((procedure_code, days), (level, agency, days))),
ranked AS (
  SELECT c.*,
         SUM(dossiers) OVER ({scope} ORDER BY days ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - dossiers
           AS before,
         SUM(dossiers) OVER ({scope}) AS total
  FROM counted c)
SELECT scope, procedure_code, level, agency, MAX(total) AS dossiers, SUM(timed) AS timed,
       SUM(within_time) AS within_time, {percentiles}
FROM ranked
GROUP BY scope, procedure_code, level, agency
ORDER BY scope DESC, procedure_code, level, agency"""
