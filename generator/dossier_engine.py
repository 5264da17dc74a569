"""The dossier log's query engine: DuckDB, embedded. Everything engine-specific about the log is here — opening
the connection, reading a CSV or Parquet file in place, parsing a date, making a table from a SELECT or loading a
small one from Python — so that the SQL of dossier_sql.py stays standard and another engine needs another module
like this one, not other queries: dossier_spark.SparkEngine runs it on Apache Spark.

DuckDB streams the files and keeps the typed log in its own columnar table, in a database file of a temporary
directory (removed on close), where it spills what it works on beyond MEMORY_LIMIT: memory stays bounded whatever
the size of the log, and nothing of it passes through Python. In a file, not in memory, the table is compressed as it
is written (10⁷ dossiers: 170 MB instead of 1.3 GB, of which 0.7 spilled): writing it takes a few seconds more,
every query after reads it in half the time (bench/README.md).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable, NamedTuple

from .dossier_sql import literal

# What DuckDB may hold in memory before spilling to disk (its own figure; the process adds its code and Python).
MEMORY_LIMIT = "1GB"
CSV_SUFFIX, PARQUET_SUFFIX = ".csv", ".parquet"
SUFFIXES = (CSV_SUFFIX, PARQUET_SUFFIX)


class CsvDialect(NamedTuple):
    """How a CSV file of the log is written, read from its header (dossiers.py)."""

    delimiter: str
    encoding: str  # utf-8 (a byte-order mark is skipped) or utf-16
    width: int  # cells in the header


class EngineError(Exception):
    """A file the engine could not read, or a query it refused, in the engine's own words (dossiers.py reads the
    line and the cause of a CSV error from them)."""


def _reason(exc: Exception) -> str:
    return str(exc).strip() or type(exc).__name__


def identifier(name: str) -> str:
    """A standard SQL quoted identifier (a file's header cell may hold anything)."""
    return '"' + name.replace('"', '""') + '"'


class Engine:
    """One DuckDB connection, for one build, to a database in a temporary directory, where it also spills (removed
    on close)."""

    def __init__(self):
        import duckdb

        self._spill = tempfile.TemporaryDirectory(prefix="congkhai-duckdb-")
        # Every query orders what it returns: the order rows were read in need not be kept (but by append).
        self.connection = duckdb.connect(os.path.join(self._spill.name, "log.duckdb"), config={
            "memory_limit": MEMORY_LIMIT, "temp_directory": self._spill.name, "threads": os.cpu_count() or 1,
            "preserve_insertion_order": False})
        self._errors = (duckdb.Error,)

    def close(self) -> None:
        self.connection.close()
        self._spill.cleanup()

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- reading the log's files in place -------------------------------------------------------------------

    def csv_source(self, path: Path, number: int, dialect: CsvDialect, columns: dict[str, int | None]) -> str:
        """A SELECT of the rows of the CSV file PATH, whose header (its first record) dossiers.py has read: its
        `file_number` (NUMBER), its `row_number` left NULL (append numbers the rows) and each contract column as
        text (COLUMNS: its position in the header, or None for NULL). The dialect is given, not guessed: a row with
        a cell too many is then an error at its line, where a guess would read the whole file as one column."""
        names = {f"c{i}": "VARCHAR" for i in range(dialect.width)}
        scan = (f"read_csv({literal(str(path))}, auto_detect = false, header = true, all_varchar = true, "
                f"columns = {{{', '.join(f'{literal(n)}: {literal(t)}' for n, t in names.items())}}}, "
                f"delim = {literal(dialect.delimiter)}, quote = '\"', escape = '\"', strict_mode = true, "
                f"encoding = {literal(dialect.encoding)})")
        cells = [f"c{i}" if i is not None else "CAST(NULL AS VARCHAR)" for i in columns.values()]
        selected = ", ".join(f"{cell} AS {identifier(name)}" for cell, name in zip(cells, columns))
        return f"SELECT {number} AS file_number, CAST(NULL AS BIGINT) AS row_number, {selected} FROM {scan}"

    def parquet_header(self, path: Path) -> list[str]:
        """The names of the Parquet file PATH's columns. Raises EngineError (not a Parquet file, …)."""
        names = self.rows(f"DESCRIBE SELECT * FROM read_parquet({literal(str(path))})")
        return [row[0] for row in names]

    def parquet_source(self, path: Path, number: int, columns: dict[str, str | None]) -> str:
        """As csv_source, for a Parquet file (COLUMNS: the name of each contract column's column, or None): its
        `row_number` is the record's, from 1, and every value is cast to text (a date stored as DATE or TIMESTAMP
        reads as its ISO text), so a Parquet file is typed by the same SQL as a CSV file."""
        cells = [f"CAST({identifier(name)} AS VARCHAR)" if name is not None else "CAST(NULL AS VARCHAR)"
                 for name in columns.values()]
        selected = ", ".join(f"{cell} AS {identifier(name)}" for cell, name in zip(cells, columns))
        return (f"SELECT {number} AS file_number, file_row_number + 1 AS row_number, {selected} "
                f"FROM read_parquet({literal(str(path))}, file_row_number = true)")

    def append(self, name: str, select: str, created: bool) -> None:
        """The rows of SELECT into table NAME, made by the first call (CREATED false), and those of a CSV file
        numbered: a record's `row_number` is its spreadsheet row (the header is row 1, a record with line breaks in
        a cell is one row). Raises EngineError: a file that cannot be read fails here, with the line the engine
        stopped at in its message.

        The rows are inserted in the order of the file, read by both cores, and numbered by their position in the
        table (rowid, which follows that order: DuckDB's «order preservation»). Numbered as read (WITH ORDINALITY),
        the reading, typing and compressing of 10⁷ rows ran on one core: 17 s instead of 11 (bench/README.md)."""
        first = self.rows(f"SELECT COUNT(*) FROM {name}")[0][0] if created else 0
        self.run("SET preserve_insertion_order = true")
        try:
            self.run(f"INSERT INTO {name} {select}" if created else f"CREATE TABLE {name} AS {select}")
        finally:
            self.run("SET preserve_insertion_order = false")
        self.run(f"UPDATE {name} SET row_number = rowid - {first} + 2 WHERE row_number IS NULL")

    def replace(self, name: str, select: str) -> None:
        """Table NAME made again from SELECT, which may read it (dossier_sql.rename)."""
        self.run(f"CREATE OR REPLACE TABLE {name} AS {select}")

    # --- what SQL spells differently in each engine -----------------------------------------------------------

    @staticmethod
    def day(text: str) -> str:
        """The day TEXT (trimmed, non-empty text) names, or NULL: an ISO date or date and time (its day as written,
        whatever its offset), or dd/mm/yyyy with or without a time. Each form goes to its own parser by a slash:
        a parser that fails costs more than one that succeeds, which on 10⁷ rows is seconds."""
        return (f"CASE WHEN POSITION('/' IN {text}) = 0 THEN TRY_CAST({text} AS DATE) "
                f"WHEN LENGTH({text}) <= 10 THEN CAST(TRY_STRPTIME({text}, '%d/%m/%Y') AS DATE) "
                f"ELSE CAST(TRY_STRPTIME({text}, ['%d/%m/%Y %H:%M', '%d/%m/%Y %H:%M:%S']) AS DATE) END")

    # --- running SQL ------------------------------------------------------------------------------------------

    def run(self, sql: str) -> None:
        """Run a statement. Raises EngineError."""
        try:
            self.connection.execute(sql)
        except self._errors as exc:
            raise EngineError(_reason(exc)) from None

    def rows(self, sql: str) -> list[tuple]:
        """A query's rows (dates as datetime.date). Raises EngineError."""
        try:
            return self.connection.execute(sql).fetchall()
        except self._errors as exc:
            raise EngineError(_reason(exc)) from None

    def table(self, name: str, columns: dict[str, str], rows: Iterable[tuple[Any, ...]]) -> None:
        """A small table NAME (COLUMNS: name → SQL type) holding ROWS from Python (text, integers, dates, None), sent
        as SQL literals a thousand rows at a time: a catalogue of 20,000 procedures in a few statements."""
        self.run(f"CREATE OR REPLACE TABLE {name} ("
                 + ", ".join(f"{identifier(c)} {kind}" for c, kind in columns.items()) + ")")
        rows = list(rows)
        for start in range(0, len(rows), 1000):
            values = ", ".join("(" + ", ".join(map(_value, row)) + ")" for row in rows[start:start + 1000])
            self.run(f"INSERT INTO {name} VALUES {values}")


def _value(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    return str(int(value)) if isinstance(value, int) else literal(str(value))
