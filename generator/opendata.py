"""Open-data files: CSV (UTF-8 with BOM, for Excel), nested JSON and a Frictionless datapackage.json.

Files are built in memory and returned as bytes, so the build can check everything before writing.
"""

from __future__ import annotations

import csv
import itertools
import json
from typing import TYPE_CHECKING, Iterator

from .model import Procedure
from .schema import CATALOGUE_TABLES, CHANNELS_TABLE, DOCUMENTS, FINDING_COLUMNS, PROCEDURES, STATISTICS, Table

if TYPE_CHECKING:
    import pandas as pd

CHUNK_ROWS = 20_000  # rows of a large open-data file made at a time
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FRICTIONLESS_TYPES = {"count": "integer", "number": "number", "flag": "integer", "rate": "number", "date": "date"}


def neutralise(value: object) -> object:
    """Spreadsheet-safe text cell: a leading = + - @ would start a formula in Excel, so it gets a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _number(value: float | int | None) -> str:
    return "" if value is None else f"{value:g}"


def _flag(value: bool | None) -> str:
    return "" if value is None else str(int(value))


def _procedure(p: Procedure) -> dict:
    return {
        "code": p.code, "name": p.name, "field": p.field, "levels": list(p.levels), "agency": p.agency,
        "authority": p.authority, "type": p.type, "subjects": p.subjects, "online": p.online,
        "steps": p.steps, "conditions": p.conditions, "result": p.result,
        "legal_basis": list(p.legal_basis), "decision": p.decision, "decision_date": p.decision_date,
        "published_date": p.published_date, "source_url": p.source_url,
        "url": f"thu-tuc/{p.code}/", "agencies": [name for name, _ in p.agencies], "online_status": p.online_status,
    }


def _rows(p: Procedure) -> dict[str, list[list]]:
    """The procedure's rows of the catalogue's three tables, in the order of their declared columns."""
    record = _procedure(p)
    record["level"] = ";".join(record.pop("levels"))
    record["legal_basis"] = "; ".join(p.legal_basis)
    record["agencies"] = "; ".join(record["agencies"])
    record.update(documents=len(p.documents), channels=len(p.channels))
    documents = [{"procedure_code": p.code, "case": d.case, "name": d.name, "originals": _number(d.originals),
                  "copies": _number(d.copies), "form": d.form} for d in p.documents]
    channels = [{"procedure_code": p.code, "channel": c.channel, "time": c.time, "fee": c.fee,
                 "description": c.description, "time_days": _number(c.time_days),
                 "time_working_days": _flag(c.time_working_days), "fee_vnd": _number(c.fee_vnd),
                 "fee_usd": _number(c.fee_usd)}
                for c in p.channels]
    return {table.name: [[r[c.name] for c in table.columns] for r in records]
            for table, records in ((PROCEDURES, [record]), (DOCUMENTS, documents), (CHANNELS_TABLE, channels))}


class _Lines(list):
    """What a csv.writer writes into: one string per row."""

    write = list.append


def _csv_lines(rows: list[list], text: list[int]) -> _Lines:
    lines = _Lines()
    writer = csv.writer(lines, lineterminator="\n")
    for row in rows:
        row = list(row)
        for i in text:
            row[i] = neutralise(row[i])
        writer.writerow(row)
    return lines


def _csv_text(rows: list[list], text: list[int]) -> str:
    return "".join(_csv_lines(rows, text))


def _text_columns(columns: list[str], numeric: frozenset[str]) -> list[int]:
    return [i for i, c in enumerate(columns) if c not in numeric]


def _each_distinct(values: tuple, function) -> list[bytes]:
    """FUNCTION's text of each value in UTF-8, worked out once per distinct value (a column repeats its values on
    many rows; equal values of a column are of one type, as in plain_columns); once per cell where the values are not
    hashable."""
    try:
        distinct = list(set(values))
    except TypeError:
        return [text.encode("utf-8") for text in function(values)]
    texts = dict(zip(distinct, (text.encode("utf-8") for text in function(distinct))))
    return list(map(texts.__getitem__, values))


def _csv_cells(values: list, text: bool) -> list[str]:
    """Cells as csv.writer writes them in a row of two or more cells, text cells neutralised."""
    lines = _csv_lines([[value, None] for value in values], [0] if text else [])
    return [line[:-2] for line in lines]  # without the empty second cell's comma and the line's end


def csv_bytes(columns: list[str], rows: list[list], numeric: frozenset[str] = frozenset()) -> bytes:
    """UTF-8 CSV with BOM (Excel shows Vietnamese); text cells neutralised, the numeric columns left as they are.
    None is an empty cell."""
    return b"".join(csv_columns(columns, list(zip(*rows)), numeric))


def _chunks(records: Iterator[bytes], head: bytes, separator: bytes, tail: bytes) -> Iterator[bytes]:
    """HEAD, the RECORDS joined by SEPARATOR, TAIL, in chunks of CHUNK_ROWS records: a file of hundreds of
    megabytes is written chunk after chunk, never held whole (build.statistics_stage)."""
    yield head
    for first, chunk in enumerate(iter(lambda: list(itertools.islice(records, CHUNK_ROWS)), [])):
        yield (separator if first else b"") + separator.join(chunk)
    yield tail


def csv_columns(columns: list[str], values: list, numeric: frozenset[str] = frozenset()) -> Iterator[bytes]:
    """The chunks of csv_bytes of the table whose column i holds VALUES[i]. Written column by column, each distinct
    cell of a column once: the statistics of every procedure are half a million rows, which csv.writer took a call
    per row and per cell to write."""
    text = set(_text_columns(columns, numeric))
    cells = [_each_distinct(column, lambda distinct, i=i: _csv_cells(distinct, i in text))
             for i, column in enumerate(values)]
    if len(columns) == 1 and cells:  # csv.writer quotes the cell of a row of one empty cell, so the row is seen
        cells = [[cell or b'""' for cell in cells[0]]]
    head = ("\ufeff" + _csv_text([columns], [])).encode("utf-8")
    return _chunks(map(b",".join, zip(*cells)), head, b"\n", b"\n" if cells and cells[0] else b"")


def json_records(columns: list[str], values: list) -> Iterator[bytes]:
    """The table whose column i holds VALUES[i] as a JSON array of objects keyed by COLUMNS, as json.dumps writes
    it (ensure_ascii=False, compact separators), in chunks: each distinct value of a column encoded once, with its
    key."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    cells = [_each_distinct(column, lambda distinct, key=encode(name): [f"{key}:{encode(v)}" for v in distinct])
             for name, column in zip(columns, values)]
    if not cells or not cells[0]:
        return iter([b"[]"])
    return _chunks(map(b",".join, zip(*cells)), b"[{", b"},{", b"}]")


def _numeric(table: Table) -> frozenset[str]:
    return frozenset(c.name for c in table.columns if c.kind in _FRICTIONLESS_TYPES)


def _json_record(p: Procedure) -> dict:
    return {
        **_procedure(p),
        "documents": [{"case": d.case, "name": d.name, "originals": d.originals, "copies": d.copies,
                       "form": d.form} for d in p.documents],
        "channels": [{"channel": c.channel, "time": c.time, "fee": c.fee, "description": c.description,
                      "time_days": c.time_days, "time_working_days": c.time_working_days,
                      "fee_vnd": c.fee_vnd, "fee_usd": c.fee_usd} for c in p.channels],
    }


FILES = {"procedures": "thu-tuc.csv", "documents": "ho-so.csv", "channels": "cach-thuc.csv"}
JSON_FILE = "du-lieu/thu-tuc.json"
# The catalogue's open-data files, each made of one piece per procedure in catalogue order: a CSV file is its
# header and the pieces, the JSON file the pieces between brackets, separated by commas. The build cache keeps
# each procedure's pieces with its record.
CATALOGUE_FILES = (*(f"du-lieu/{FILES[t.name]}" for t in CATALOGUE_TABLES), JSON_FILE)


def layout(path: str) -> tuple[bytes, bytes, bytes]:
    """(head, separator, tail) of a catalogue open-data file around its pieces."""
    if path == JSON_FILE:
        return b"[", b",", b"]"
    table = next(t for t in CATALOGUE_TABLES if path == f"du-lieu/{FILES[t.name]}")
    return ("\ufeff" + _csv_text([[c.name for c in table.columns]], [])).encode("utf-8"), b"", b""


def pieces(procedures: list[Procedure]) -> list[tuple[bytes, ...]]:
    """Each procedure's piece of each file of CATALOGUE_FILES, in that order."""
    rows = [_rows(p) for p in procedures]
    columns = []
    for table in CATALOGUE_TABLES:
        text = _text_columns([c.name for c in table.columns], _numeric(table))
        lines = _csv_lines([row for r in rows for row in r[table.name]], text)  # one writer for the whole table
        ends = itertools.accumulate(len(r[table.name]) for r in rows)
        columns.append(["".join(lines[end - len(r[table.name]):end]).encode("utf-8") for r, end in zip(rows, ends)])
    columns.append([json.dumps(_json_record(p), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
                    for p in procedures])
    return list(zip(*columns))


def datapackage() -> bytes:
    resources = []
    for table in CATALOGUE_TABLES:
        resources.append({
            "name": FILES[table.name].removesuffix(".csv"),
            "path": FILES[table.name],
            "title": table.label,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8-sig",
            "schema": {
                "fields": [{"name": c.name, "title": c.label, "description": c.description,
                            "type": _FRICTIONLESS_TYPES.get(c.kind, "string")} for c in table.columns],
                **({"primaryKey": ["code"]} if table is PROCEDURES else
                   {"foreignKeys": [{"fields": ["procedure_code"],
                                     "reference": {"resource": "thu-tuc", "fields": ["code"]}}]}),
            },
        })
    package = {"name": "cong-khai-tthc", "title": "Công khai thủ tục hành chính", "resources": resources}
    return json.dumps(package, ensure_ascii=False, indent=1).encode("utf-8")


def files(parts: list[tuple[bytes, ...]]) -> dict[str, tuple[bytes, ...]]:
    """Catalogue open-data files by their path in the site, from each procedure's pieces (`pieces`), each as the
    chunks it is made of: a file of hundreds of megabytes is written chunk after chunk, not copied into one."""
    result = {}
    for i, path in enumerate(CATALOGUE_FILES):
        head, separator, tail = layout(path)
        result[path] = (head, separator.join(part[i] for part in parts), tail)
    result["du-lieu/datapackage.json"] = (datapackage(),)
    return result


def plain(value: object) -> object:
    """Nullable pandas values as plain JSON/CSV values: NA → None, 12.0 → 12."""
    import pandas as pd

    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "item"):
        return plain(value.item())
    return value


def plain_columns(frame: pd.DataFrame) -> list[list]:
    """FRAME's columns of plain values, with plain() once for each distinct value of a column (a column holds values
    of one type, so equal values have the same plain value): on a large table a row-wise DataFrame.to_dict and a
    call per cell took longer than writing the files."""
    columns = []
    for name in frame.columns:
        values = frame[name].to_numpy(dtype=object).tolist()  # Python values (int, float, str), NA where missing
        plains = {value: plain(value) for value in set(values)}
        columns.append(list(map(plains.__getitem__, values)))
    return columns


def statistics_files(stats: pd.DataFrame, found: pd.DataFrame) -> dict[str, Iterator[bytes]]:
    """thong-ke.csv/json (every input column, canonical, plus computed ones) and kiem-tra.csv/json, each as the
    chunks it is made of, made as they are read."""
    columns = [c.name for c in STATISTICS.columns]
    values = plain_columns(stats.assign(synthetic=stats["synthetic"].astype(int))[columns])
    finding_columns = [*FINDING_COLUMNS, "message", "arithmetic", "terms", "source", "note", "file", "row",
                       "synthetic"]
    finding_values = plain_columns(found.assign(synthetic=found["synthetic"].astype(int))[finding_columns])
    terms = finding_values[finding_columns.index("terms")]
    # Each number of the arithmetic, named: in the JSON a list of pairs, in the CSV one cell «name: value; …».
    as_lists = [[list(term) for term in cell] for cell in terms]
    as_text = ["; ".join(f"{name}: {value}" for name, value in cell) for cell in terms]
    finding_json = [as_lists if name == "terms" else column for name, column in zip(finding_columns, finding_values)]
    finding_csv = [as_text if name == "terms" else column for name, column in zip(finding_columns, finding_values)]
    return {
        "du-lieu/thong-ke.csv": csv_columns(columns, values, _numeric(STATISTICS)),
        "du-lieu/thong-ke.json": json_records(columns, values),
        "du-lieu/kiem-tra.csv": csv_columns(finding_columns, finding_csv,
                                            frozenset({"published", "expected", "difference", "row", "synthetic"})),
        "du-lieu/kiem-tra.json": json_records(finding_columns, finding_json),
    }


def indicator_parts(scores: list) -> tuple[bytes, bytes]:
    """SCORES (indicators.Score) as rows of chi-so-766.csv and objects of chi-so-766.json, without the files'
    header or brackets: the statistics' part is made once with them, the catalogue's at each build."""
    from .indicators import COLUMNS

    rows = [[int(v) if isinstance(v, bool) else v for v in s.row()] for s in scores]
    return (_csv_text(rows, _text_columns(COLUMNS, INDICATOR_NUMBERS)).encode("utf-8"),
            ",".join(json.dumps(dict(zip(COLUMNS, row)), ensure_ascii=False, separators=(",", ":"))
                     for row in rows).encode("utf-8"))


def indicator_files(*parts: tuple[bytes, bytes]) -> dict[str, bytes]:
    """chi-so-766.csv/json from PARTS (indicator_parts), one after the other: every unit × indicator × period."""
    from .indicators import COLUMNS

    return {
        "du-lieu/chi-so-766.csv": csv_bytes(COLUMNS, []) + b"".join(csv for csv, _ in parts),
        "du-lieu/chi-so-766.json": b"[" + b",".join(items for _, items in parts if items) + b"]",
    }


INDICATOR_NUMBERS = frozenset({"numerator", "denominator", "rate", "threshold", "points", "max_points", "synthetic"})


CHANGE_COLUMNS = ["date", "procedure_code", "change", "item", "old", "new", "decision", "synthetic"]


def history_files(changes: list) -> dict[str, bytes]:
    """thay-doi.csv/json: every change of the catalogue (history.Change), oldest first; texts verbatim; synthetic 1
    where a version compared was constructed for a sample."""
    rows = [[c.date, c.procedure_code, c.change, c.item, c.old, c.new, c.decision, int(c.synthetic)] for c in changes]
    return {
        "du-lieu/thay-doi.csv": csv_bytes(CHANGE_COLUMNS, rows, frozenset({"synthetic"})),
        "du-lieu/thay-doi.json": json.dumps([dict(zip(CHANGE_COLUMNS, row)) for row in rows], ensure_ascii=False,
                                            separators=(",", ":")).encode("utf-8"),
    }


PROCESSING_TIME_COLUMNS = ["scope", "procedure_code", "level", "agency", "period_start", "period_end", "resolved",
                           "median_working_days", "p90_working_days", "with_legal_time", "within_legal_time",
                           "within_legal_time_rate", "withheld", "source", "synthetic"]
PROCESSING_TIME_NUMBERS = frozenset({"resolved", "median_working_days", "p90_working_days", "with_legal_time",
                                     "within_legal_time", "within_legal_time_rate", "withheld", "synthetic"})


def processing_time_files(times: tuple) -> dict[str, tuple[bytes]]:
    """thoi-gian-xu-ly.csv/json: the dossier log's observed processing times (processing_time.ProcessingTime), its
    procedures' then its agencies'; a figure withheld (fewer than 5 dossiers) is empty, with withheld 1."""
    rows = [[t.scope, t.procedure_code, t.level, t.agency, t.period_start.isoformat(), t.period_end.isoformat(),
             t.dossiers, plain(t.median), plain(t.p90), t.timed, t.within, plain(t.share), int(t.withheld), t.source,
             int(t.synthetic)]
            for t in times]
    return {
        "du-lieu/thoi-gian-xu-ly.csv": (csv_bytes(PROCESSING_TIME_COLUMNS, rows, PROCESSING_TIME_NUMBERS),),
        "du-lieu/thoi-gian-xu-ly.json": (json.dumps([dict(zip(PROCESSING_TIME_COLUMNS, row)) for row in rows],
                                                    ensure_ascii=False, separators=(",", ":")).encode("utf-8"),),
    }
