"""The dossier log's query engine on Apache Spark: the adapter dossier_engine.Engine is for DuckDB, this one runs the
same SQL (dossier_sql.py, not one query changed) on Spark SQL, for a national log of 10⁸ dossiers a year on a
cluster (README «Chạy trên một cụm Spark»). Pass it to dossiers.dossier_statistics (or dossiers.opened) as
`engine_type`; tests/test_spark.py runs both engines on one log, in local mode, to the same problems, rows and times.

What Spark spells its own way is here: a file is read in place by a temporary view over it (CSV: the dialect read
from its header, every cell as text, a record with line breaks in a cell read whole; Parquet: by its path), a date
parsed by TRY_CAST or TRY_TO_TIMESTAMP with Java's patterns, a table is a cached temporary view (Spark does not
update a table of files), and a small table from Python is a DataFrame of its rows. Nothing runs in Python on the
executors: every step is SQL, so a cluster needs no Python beyond the driver's.

The views take the names the SQL reads (dossiers, months, catalogue, …) in the session: one SparkEngine at a time
per session.
"""

from __future__ import annotations

from functools import reduce
from itertools import count
from pathlib import Path
from typing import Any, Iterable

from .dossier_engine import CsvDialect, EngineError, _reason
from .dossier_sql import literal

# The SQL types the tables from Python are declared with (dossiers.py, processing_time.py), in Spark's words.
TYPES = {"VARCHAR": "STRING", "INTEGER": "INT", "DOUBLE": "DOUBLE", "DATE": "DATE"}


def identifier(name: str) -> str:
    """A Spark SQL quoted identifier (a file's header cell may hold anything)."""
    return "`" + name.replace("`", "``") + "`"


def _path(path: Path) -> str:
    """A file's path as Spark reads it: a URI, so that a name with a colon is not taken for a scheme."""
    return path.resolve().as_uri()


class SparkEngine:
    """The adapter dossiers.py drives (the methods of dossier_engine.Engine), on a Spark session: SESSION, or the one
    SparkSession.builder gives (spark-submit's, with its master and settings). Closing drops the views it made and
    leaves the session running."""

    def __init__(self, session: Any = None):
        from py4j.protocol import Py4JJavaError
        from pyspark.errors import PySparkException
        from pyspark.sql import SparkSession

        self.session = session or SparkSession.builder.appName("congkhai-dossiers").getOrCreate()
        self._errors = (PySparkException, Py4JJavaError)
        self._views: list[str] = []  # every view made, dropped on close
        self._parts: dict[str, list] = {}  # a table's cached DataFrames: one per file appended, or its last version
        self._cached: list = []  # every DataFrame cached, let go on close
        self._numbers = count()

    def close(self) -> None:
        for view in self._views:
            self.session.catalog.dropTempView(view)
        for frame in self._cached:
            frame.unpersist()
        self._views.clear()
        self._cached.clear()

    def __enter__(self) -> "SparkEngine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _view(self, prefix: str) -> str:
        name = f"{prefix}_{next(self._numbers)}"
        self._views.append(name)
        return name

    # --- reading the log's files in place -------------------------------------------------------------------

    def csv_source(self, path: Path, number: int, dialect: CsvDialect, columns: dict[str, int | None]) -> str:
        """As Engine.csv_source, but each row numbered as it is read: a file is read whole by one task (multiLine: a
        cell may hold a line break, so the file cannot be split), which is what makes monotonically_increasing_id the
        record's position in it; a log of many files is read in parallel."""
        view = self._view("dossier_file")
        schema = ", ".join(f"c{i} STRING" for i in range(dialect.width))
        options = {"path": _path(path), "header": "true", "multiLine": "true", "mode": "FAILFAST",
                   "sep": dialect.delimiter, "quote": '"', "escape": '"', "encoding": dialect.encoding.upper()}
        self.run(f"CREATE OR REPLACE TEMPORARY VIEW {view} ({schema}) USING csv OPTIONS ("
                 + ", ".join(f"{key} {literal(value)}" for key, value in options.items()) + ")")
        cells = [f"c{i}" if i is not None else "CAST(NULL AS STRING)" for i in columns.values()]
        selected = ", ".join(f"{cell} AS {identifier(name)}" for cell, name in zip(cells, columns))
        return f"SELECT {number} AS file_number, monotonically_increasing_id() + 2 AS row_number, {selected} FROM {view}"

    def parquet_header(self, path: Path) -> list[str]:
        return [row[0] for row in self.rows(f"DESCRIBE QUERY SELECT * FROM parquet.{identifier(_path(path))}")]

    def parquet_source(self, path: Path, number: int, columns: dict[str, str | None]) -> str:
        """As Engine.parquet_source: the record's number from the file's own row index."""
        cells = [f"CAST({identifier(name)} AS STRING)" if name is not None else "CAST(NULL AS STRING)"
                 for name in columns.values()]
        selected = ", ".join(f"{cell} AS {identifier(name)}" for cell, name in zip(cells, columns))
        return (f"SELECT {number} AS file_number, _metadata.row_index + 1 AS row_number, {selected} "
                f"FROM parquet.{identifier(_path(path))}")

    def append(self, name: str, select: str, created: bool) -> None:
        """The rows of SELECT cached as a part of table NAME, a view of all its parts. Caching reads the file now, so
        a file that cannot be read fails here, as on DuckDB."""
        self._cache(name, select, self._parts[name] if created else [])

    def replace(self, name: str, select: str) -> None:
        """Table NAME made again from SELECT, which may read it (dossier_sql.rename): the new rows cached, then the
        old ones let go."""
        old = self._parts[name]
        self._cache(name, select, [])
        for frame in old:
            frame.unpersist()

    def _cache(self, name: str, select: str, parts: list) -> None:
        """A view holds the plan of its DataFrame, not the text of its query (which, naming the view it replaces,
        Spark would refuse as a recursive view)."""
        from pyspark.sql import DataFrame

        try:
            frame = self.session.sql(select).persist()
            self._cached.append(frame)
            frame.count()  # fills the cache: reads every row now
        except self._errors as exc:
            raise EngineError(_reason(exc)) from None
        self._parts[name] = [*parts, frame]
        reduce(DataFrame.unionAll, self._parts[name]).createOrReplaceTempView(name)
        if name not in self._views:
            self._views.append(name)

    # --- what SQL spells differently in each engine -----------------------------------------------------------

    @staticmethod
    def day(text: str) -> str:
        """As Engine.day: an ISO date or date and time (its day as written), or dd/mm/yyyy with or without a time."""
        return (f"CASE WHEN POSITION('/' IN {text}) = 0 THEN TRY_CAST({text} AS DATE) "
                f"WHEN LENGTH({text}) <= 10 THEN CAST(TRY_TO_TIMESTAMP({text}, 'd/M/yyyy') AS DATE) "
                f"ELSE CAST(COALESCE(TRY_TO_TIMESTAMP({text}, 'd/M/yyyy H:mm'), "
                f"TRY_TO_TIMESTAMP({text}, 'd/M/yyyy H:mm:ss')) AS DATE) END")

    # --- running SQL ------------------------------------------------------------------------------------------

    def run(self, sql: str) -> None:
        """Run a statement (Spark runs a command when it is given). Raises EngineError."""
        try:
            self.session.sql(sql)
        except self._errors as exc:
            raise EngineError(_reason(exc)) from None

    def rows(self, sql: str) -> list[tuple]:
        try:
            return [tuple(row) for row in self.session.sql(sql).collect()]
        except self._errors as exc:
            raise EngineError(_reason(exc)) from None

    def table(self, name: str, columns: dict[str, str], rows: Iterable[tuple[Any, ...]]) -> None:
        """As Engine.table: a view NAME of ROWS, sent to the session as a DataFrame (its schema from COLUMNS)."""
        kinds = [TYPES[kind] for kind in columns.values()]
        values = [tuple(float(v) if kind == "DOUBLE" and v is not None else v for v, kind in zip(row, kinds))
                  for row in rows]
        schema = ", ".join(f"{identifier(column)} {kind}" for column, kind in zip(columns, kinds))
        try:
            self.session.createDataFrame(values, schema).createOrReplaceTempView(name)
        except self._errors as exc:
            raise EngineError(_reason(exc)) from None
        if name not in self._views:
            self._views.append(name)

