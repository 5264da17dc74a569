"""Open-data files: CSV (UTF-8 with BOM, for Excel), nested JSON and a Frictionless datapackage.json.

Files are built in memory and returned as bytes, so the build can check everything before writing.
"""

from __future__ import annotations

import csv
import io
import json

import pandas as pd

from .model import Catalogue, Procedure
from .schema import CATALOGUE_TABLES, CHANNELS_TABLE, DOCUMENTS, FINDING_COLUMNS, PROCEDURES, STATISTICS, Table

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FRICTIONLESS_TYPES = {"count": "integer", "number": "number", "flag": "integer", "rate": "number"}


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
        "legal_basis": list(p.legal_basis), "decision": p.decision, "source_url": p.source_url,
        "url": f"thu-tuc/{p.code}/",
    }


def tables(catalogue: Catalogue) -> dict[str, list[list]]:
    """The catalogue's three tables as rows, in the order of their declared columns."""
    procedures, documents, channels = [], [], []
    for p in catalogue.procedures:
        record = _procedure(p)
        record["level"] = ";".join(record.pop("levels"))
        record["legal_basis"] = "; ".join(p.legal_basis)
        procedures.append({**record, "documents": len(p.documents), "channels": len(p.channels)})
        for d in p.documents:
            documents.append({"procedure_code": p.code, "case": d.case, "name": d.name,
                              "originals": _number(d.originals), "copies": _number(d.copies), "form": d.form})
        for c in p.channels:
            channels.append({"procedure_code": p.code, "channel": c.channel, "time": c.time, "fee": c.fee,
                             "description": c.description, "time_days": _number(c.time_days),
                             "time_working_days": _flag(c.time_working_days), "fee_vnd": _number(c.fee_vnd)})
    result = {}
    for table, records in ((PROCEDURES, procedures), (DOCUMENTS, documents), (CHANNELS_TABLE, channels)):
        columns = [c.name for c in table.columns]
        result[table.name] = [[record[c] for c in columns] for record in records]
    return result


def csv_bytes(columns: list[str], rows: list[list], numeric: frozenset[str] = frozenset()) -> bytes:
    """UTF-8 CSV with BOM (Excel shows Vietnamese); text cells neutralised, the numeric columns left as they are.
    None is an empty cell."""
    text = [i for i, c in enumerate(columns) if c not in numeric]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        row = list(row)
        for i in text:
            row[i] = neutralise(row[i])
        writer.writerow(row)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _numeric(table: Table) -> frozenset[str]:
    return frozenset(c.name for c in table.columns if c.kind in _FRICTIONLESS_TYPES)


def to_json(catalogue: Catalogue) -> bytes:
    records = []
    for p in catalogue.procedures:
        records.append({
            **_procedure(p),
            "documents": [{"case": d.case, "name": d.name, "originals": d.originals, "copies": d.copies,
                           "form": d.form} for d in p.documents],
            "channels": [{"channel": c.channel, "time": c.time, "fee": c.fee, "description": c.description,
                          "time_days": c.time_days, "time_working_days": c.time_working_days,
                          "fee_vnd": c.fee_vnd} for c in p.channels],
        })
    return json.dumps(records, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


FILES = {"procedures": "thu-tuc.csv", "documents": "ho-so.csv", "channels": "cach-thuc.csv"}


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


def files(catalogue: Catalogue) -> dict[str, bytes]:
    """Catalogue open-data files by their path in the site."""
    rows = tables(catalogue)
    result = {f"du-lieu/{FILES[t.name]}": csv_bytes([c.name for c in t.columns], rows[t.name], _numeric(t))
              for t in CATALOGUE_TABLES}
    result["du-lieu/thu-tuc.json"] = to_json(catalogue)
    result["du-lieu/datapackage.json"] = datapackage()
    return result


def plain(value: object) -> object:
    """Nullable pandas values as plain JSON/CSV values: NA → None, 12.0 → 12."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "item"):
        return plain(value.item())
    return value


def statistics_files(stats: pd.DataFrame, found: pd.DataFrame) -> dict[str, bytes]:
    """thong-ke.csv/json (every input column, canonical, plus computed ones) and kiem-tra.csv/json."""
    columns = [c.name for c in STATISTICS.columns]
    frame = stats.assign(synthetic=stats["synthetic"].astype(int))[columns]
    records = [{k: plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
    finding_columns = [*FINDING_COLUMNS, "message", "synthetic"]
    finding_records = [{k: plain(v) for k, v in row.items()}
                       for row in found.assign(synthetic=found["synthetic"].astype(int))[finding_columns]
                       .to_dict("records")]
    return {
        "du-lieu/thong-ke.csv": csv_bytes(columns, [list(r.values()) for r in records], _numeric(STATISTICS)),
        "du-lieu/thong-ke.json": json.dumps(records, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        "du-lieu/kiem-tra.csv": csv_bytes(finding_columns, [list(r.values()) for r in finding_records],
                                          frozenset({"published", "expected", "difference", "synthetic"})),
        "du-lieu/kiem-tra.json": json.dumps(finding_records, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
    }

