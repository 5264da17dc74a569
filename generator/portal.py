"""The national portal's procedure records (shared FORMATS.md §1) as the tidy catalogue's tables, and back.

Reading (`read_portal`, called by load.load_tables for the .json and .jsonl files of `catalogue/`): each record
becomes one row of procedures and rows of documents and channels holding the text a tidy file would hold for it,
so every later stage (parse, render, open data) runs as it does for CSV. Each row remembers the JSON it came from
(load.Origin), so a problem found in a cell later is reported at the JSON value it was made from
(`catalogue/x.json:$.executionMethods[2].processingTimeUnit`), as are the problems only the JSON shows (a channel
given twice with different times, `cases[]` times that disagree, an internal procedure). Each file's tables are
memoised by its bytes, as load memoises a CSV file's table.

Writing (`records`, for `congkhai convert --json`): the tidy tables as portal records. A cell the portal's fields
cannot hold exactly as written (a time in words, «Cấp huyện», which has no flag, a fee not in the tier form) is
kept verbatim under the record's, method's or component's `congkhai` key, a key of this tool that reading honours
before the portal's own fields; so tidy → JSON → tidy gives the same tables.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any, Callable

from .cache import digest
from .load import Origin, RawTable, _clean, _stored_column, memoised, read_bytes, stored
from .problems import Problem, Report
from .schema import CATALOGUE_TABLES, CHANNELS, CHANNELS_TABLE, DOCUMENTS, LEVELS, ONLINE, PROCEDURES, Table
from .vietnamese import fold

# Level flags, in the order the level cell names them.
LEVEL_FLAGS = (("isMinistry", "bo"), ("isProvince", "tinh"), ("isWard", "xa"), ("isOtherAgency", "khac"))
LEVELS_PATH = "[" + ",".join(f"'{flag}'" for flag, _ in LEVEL_FLAGS) + "]"  # JSONPath of the four flags together
METHODS = {"DIRECT": "truc_tiep", "ONLINE": "truc_tuyen", "POSTAL": "buu_chinh"}
UNITS = {"WORKING_DAY": "Ngày làm việc", "DAY": "Ngày", "HOUR": "Giờ", "MONTH": "Tháng", "YEAR": "Năm"}
FEE_TYPES = {"FEE": "Phí, lệ phí", "SERVICE_FEE": "Phí dịch vụ"}
# The formality types as the portal's pages name them (the sample catalogue's `type` column).
FORMALITY_TYPES = {
    "ASSIGNED_REGULATION": "TTHC được giao luật quy định chi tiết",
    "NOT_ASSIGNED_REGULATION": "TTHC không được luật giao cho địa phương quy định",
    "OTHER": "Loại khác",
}
# currencyName as the portal writes it, folded → the unit the fee text shows.
CURRENCIES = {"viet nam dong": "đồng", "vnd": "đồng", "vnđ": "đồng", "dong": "đồng", "usd": "USD"}
PAGE = "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/"  # + the record's id: its public page
VIETNAM = dt.timezone(dt.timedelta(hours=7))  # the portal's dates are midnights in Vietnam, as epoch milliseconds
EXTENSION = "congkhai"  # this tool's key for cells kept verbatim (see the module's docstring)
MEMO = "load-portal"


# --- reading -------------------------------------------------------------------------------------------------------

def read_portal(paths: list[Path], data_root: Path, report: Report, memo, meanwhile,
                tidy: Callable[[], dict[str, RawTable]]) -> dict[str, RawTable]:
    """The catalogue's tables from the portal record files PATHS, after the tidy files' tables (TIDY) when there are
    some. Each file's tables and problems are memoised by its bytes (load.memoised), one cache entry per file."""
    pending = []
    for path in paths:
        file = path.relative_to(data_root).as_posix()
        data = read_bytes(path, file, report)
        if data is not None:
            pending.append(memoised(f"{MEMO}-{digest(file)[:16]}", file, data,
                                    lambda data=data, file=file: read_file(data, file), memo))
    tables = tidy()
    if meanwhile is not None:
        meanwhile()
    parts = [tables] if tables else []
    for value in pending:
        own, problems = value()
        report.problems.extend(problems)
        parts.append(own)
    directory = paths[0].parent.relative_to(data_root).as_posix()
    return merge(parts, directory) if len(parts) != 1 else parts[0]


def read_file(data: bytes, file: str) -> tuple[dict[str, RawTable], list[Problem]]:
    """One .json or .jsonl file's records as the three tables, and its problems."""
    own = Report()
    tables = {t.name: _empty(t, file) for t in CATALOGUE_TABLES}
    for line, path, record in _records(data, file, own):
        _add(tables, record, Origin(file, line, path), own)
    for raw in tables.values():
        _cleaned(raw, own)
    return stored(tables), own.problems


def _empty(table: Table, file: str) -> RawTable:
    header = [c.name for c in table.input_columns()]
    return RawTable(table, file, header, {name: [] for name in header}, [], origins=[])


def _records(data: bytes, file: str, report: Report):
    """(line in a JSON Lines file or None, JSONPath, record) of every record in the file; what is not JSON, or not a
    record, is reported."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        report.error("encoding", file, line, f"cột {column}", "tệp JSON không phải UTF-8", "UTF-8",
                     f"byte 0x{data[exc.start]:02x}")
        return
    if file.lower().endswith(".jsonl"):
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                value = _json(line, file, report, number)
                if value is not _INVALID:
                    yield from ((number, path, record) for path, record in _unwrapped(value, "$", file, report,
                                                                                       number))
        return
    value = _json(text, file, report)
    if value is not _INVALID:
        yield from ((None, path, record) for path, record in _unwrapped(value, "$", file, report, None))


_INVALID = object()


def _json(text: str, file: str, report: Report, line: int | None = None) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        report.error("invalid_json", file, line or exc.lineno, f"cột {exc.colno}",
                     f"không phải JSON hợp lệ: {exc.msg}", "JSON", text[exc.pos:exc.pos + 30])
        return _INVALID
    except RecursionError:  # arrays nested thousands deep
        report.error("invalid_json", file, line, None, "JSON lồng nhau quá sâu", "JSON", "")
        return _INVALID


def _unwrapped(value: Any, path: str, file: str, report: Report, line: int | None):
    """The records in VALUE: a record, the portal's answer `{"code": "OK", "data": …}`, or a list of either."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield from _unwrapped(item, f"{path}[{i}]", file, report, line)
    elif isinstance(value, dict) and "data" in value and "executionMethods" not in value:
        if value.get("code") not in ("OK", None) or not isinstance(value["data"], (dict, list)):
            report.error("not_a_record", file, line, path, "câu trả lời của Cổng không chứa thủ tục",
                         '{"code": "OK", "data": {…}}', f"code {value.get('code')!r}")
        else:
            yield from _unwrapped(value["data"], f"{path}.data", file, report, line)
    elif isinstance(value, dict) and ("code" in value or "codeNotation" in value):
        yield path, value
    else:
        report.error("not_a_record", file, line, path, "không phải hồ sơ thủ tục của Cổng (thiếu «code»)",
                     "một đối tượng thủ tục có «code», «name»…", json.dumps(value, ensure_ascii=False)[:40])


def _text(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _items(record: dict, key: str) -> list[dict]:
    value = record.get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _names(record: dict, key: str) -> list[str]:
    return [name for item in _items(record, key) if (name := _text(item.get("name")).strip())]


def _date(value: Any) -> str:
    """Epoch milliseconds → the day in Vietnam, ISO; "" when there is none."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    try:
        return dt.datetime.fromtimestamp(value / 1000, VIETNAM).date().isoformat()
    except (OverflowError, OSError, ValueError):
        return ""


def time_text(method: dict) -> tuple[str, str]:
    """A method's time as the tidy `time` text, and the key it came from: `5 Ngày làm việc`; a bare number when the
    unit is OTHER (as the portal shows it: parse then warns that the unit is missing); nothing for 0."""
    amount, unit = method.get("processingTime"), method.get("processingTimeUnit")
    if amount in (None, "", 0):
        return "", ".processingTime"
    if unit in UNITS:
        return f"{_text(amount)} {UNITS[unit]}", ".processingTime"
    return _text(amount), ".processingTimeUnit"


def fee_text(method: dict) -> str:
    """One line per tier: its type, then the amount and currency with the tier's text in brackets, or the text
    alone when the value is 0 and a text says what is due (value 0 with a text is not «free»); «Miễn phí» for 0
    without a text. An amount in another currency than đồng stays in it (parse reads it as such, never as đồng)."""
    lines = []
    for fee in _items(method, "fees"):
        label = FEE_TYPES.get(fee.get("type"), _text(fee.get("type")) or FEE_TYPES["FEE"])
        value, note = fee.get("value"), _text(fee.get("description")).strip()
        if value in (None, 0, ""):
            lines.append(f"{label}: {note or 'Miễn phí'}")
            continue
        currency = _text(fee.get("currencyName")).strip()
        unit = CURRENCIES.get(fold(currency), currency)
        amount = f"{value:,}".replace(",", ".") if isinstance(value, int) and unit == "đồng" else _text(value)
        lines.append(f"{label}: {amount} {unit}".rstrip() + (f" ({note})" if note else ""))
    return "\n".join(lines)


def _legal_basis(record: dict) -> str:
    """`code name` of each entry, each once, as published (a name that starts with its code is not repeated)."""
    entries = []
    for item in _items(record, "legalBasisesDetails"):
        code, name = _text(item.get("code")).strip(), _text(item.get("name")).strip()
        entry = name if not code or name.startswith(code) else f"{code} {name}".strip()
        if entry and entry not in entries:
            entries.append(entry)
    return "; ".join(entries)


def procedure_cells(record: dict) -> dict[str, tuple[str, str]]:
    """The record's procedures row: column → (text, JSONPath below the record of the value it came from)."""
    proposal = record.get("procedureProposal") if isinstance(record.get("procedureProposal"), dict) else {}
    agency = next(((", ".join(names), key) for key in ("departmentsExecuting", "unitGroupsExecuting")
                   if (names := _names(record, key))), None)
    if agency is None:
        agency = _text(record.get("executingAgencies")).strip(), ".executingAgencies"
        if not agency[0]:
            agency = "", ".departmentsExecuting"
    else:
        agency = agency[0], "." + agency[1]
    authority = next(((", ".join(names), "." + key) for key in ("departmentsAuthority", "unitGroupsAuthority")
                      if (names := _names(record, key))), ("", ".departmentsAuthority"))
    levels = [code for flag, code in LEVEL_FLAGS if record.get(flag) is True]
    online = ("toan_trinh" if record.get("isFullProcess") is True
              else "mot_phan" if any(m.get("submissionMethod") == "ONLINE" for m in _items(record, "executionMethods"))
              else "")
    steps = []
    for step in _items(record, "executionSteps"):
        name, description = _text(step.get("name")).strip(), _text(step.get("description")).strip()
        steps.append(f"{name}: {description}" if name and description else name or description)
    decision = next(((_text(proposal.get(k)).strip(), f".procedureProposal.{k}")
                     for k in ("decisionNumber", "proposalNumber") if _text(proposal.get(k)).strip()),
                    ("", ".procedureProposal.decisionNumber"))
    formality = record.get("formalityType")
    cells = {
        "code": (_text(record.get("code") or record.get("codeNotation")).strip(), ".code"),
        "name": (_text(record.get("name")), ".name"),
        "field": ("; ".join(_names(record, "categoriesDetails")), ".categoriesDetails"),
        "level": (";".join(LEVELS[code] for code in levels), LEVELS_PATH),
        "agency": agency,
        "authority": authority,
        "type": (FORMALITY_TYPES.get(formality, _text(formality)), ".formalityType"),
        "subjects": (", ".join(_names(record, "subjectTypesDetails")), ".subjectTypesDetails"),
        "online": (ONLINE.get(online, ""), ".isFullProcess"),
        "steps": ("\n".join(step for step in steps if step), ".executionSteps"),
        "conditions": (_text(record.get("requirementsAndConditions")), ".requirementsAndConditions"),
        "result": ("\n".join(_names(record, "resultsDetails")), ".resultsDetails"),
        "legal_basis": (_legal_basis(record), ".legalBasisesDetails"),
        "decision": decision,
        "decision_date": (_date(proposal.get("decisionDate")), ".procedureProposal.decisionDate"),
        "published_date": (_date(proposal.get("publicationDate")), ".procedureProposal.publicationDate"),
        "source_url": (PAGE + _text(record["id"]) if _text(record.get("id")) else "", ".id"),
    }
    return _extended(cells, record, PROCEDURES)


def channel_cells(method: dict) -> list[dict[str, tuple[str, str]]]:
    """A method's channels rows (one; two for the old DIRECT_AND_ONLINE), code column aside."""
    time, time_key = time_text(method)
    submission = _text(method.get("submissionMethod"))
    codes = ["truc_tiep", "truc_tuyen"] if submission == "DIRECT_AND_ONLINE" else [METHODS.get(submission)]
    return [_extended({
        "channel": (CHANNELS[code] if code else submission, ".submissionMethod"),
        "time": (time, time_key),
        "fee": (fee_text(method), ".fees"),
        "description": (_text(method.get("description")), ".description"),
    }, method, CHANNELS_TABLE) for code in codes]


def document_cells(case: dict, component: dict) -> dict[str, tuple[str, str]]:
    return _extended({
        "case": (_text(case.get("name")), "@.name"),  # the case's name: a key of the case, not of the component
        "name": (_text(component.get("name")), ".name"),
        "originals": (_text(component.get("originalQty")), ".originalQty"),
        "copies": (_text(component.get("copyQty")), ".copyQty"),
        "form": ("; ".join(name for a in _items(component, "attachments") if (name := _text(a.get("fileName")).strip())),
                 ".attachments"),
    }, component, DOCUMENTS)


def _extended(cells: dict[str, tuple[str, str]], value: dict, table: Table) -> dict[str, tuple[str, str]]:
    """CELLS with the cells kept verbatim under VALUE's `congkhai` key in their place (see the module's docstring)."""
    kept = value.get(EXTENSION)
    if isinstance(kept, dict):
        for column in table.input_columns():
            if isinstance(kept.get(column.name), str) and column.name in cells:
                cells[column.name] = kept[column.name], f".{EXTENSION}.{column.name}"
    return cells


def _row(raw: RawTable, cells: dict[str, tuple[str, str]], origin: Origin, absolute: dict[str, str] = {}) -> None:
    keys = {column: absolute.get(column, key) for column, (_, key) in cells.items()}
    for column, values in raw.columns.items():
        values.append(cells[column][0] if column in cells else "")
    raw.rows.append(len(raw.rows))  # the row's index: problems of the load stage are moved to its origin (_cleaned)
    raw.origins.append(Origin(origin.file, origin.line, origin.path, tuple(sorted(keys.items()))))


def _add(tables: dict[str, RawTable], record: dict, origin: Origin, report: Report) -> None:
    """The record's rows, and the problems only its JSON shows."""
    path = origin.path
    at = lambda key: (origin.file, origin.line, path + key)  # noqa: E731 - a location in this record
    if record.get("isInternal") is True or _text(record.get("type")).endswith("_INTERNAL"):
        key = ".isInternal" if record.get("isInternal") is True else ".type"
        report.warning("internal_procedure", *at(key), "thủ tục nội bộ của cơ quan, không công khai cho người dân: "
                       "bỏ qua", "isInternal false", _text(record.get("code")))
        return
    cells = procedure_cells(record)
    code = cells["code"][0]
    _row(tables["procedures"], cells, origin)
    code_key = {"procedure_code": path + cells["code"][1]}
    methods = _items(record, "executionMethods")
    times: dict[str, tuple[str, int]] = {}
    for i, method in enumerate(_list(record.get("executionMethods"))):
        if not isinstance(method, dict):
            continue
        where = Origin(origin.file, origin.line, f"{path}.executionMethods[{i}]")
        for row in channel_cells(method):
            _row(tables["channels"], {"procedure_code": (code, ""), **row}, where, code_key)
            channel, time = row["channel"][0], row["time"][0]
            first = times.setdefault(channel, (time, i))
            if first[0] != time:
                report.warning("channel_times_differ", origin.file, origin.line,
                               f"{where.path}{row['time'][1]}",
                               f"«{channel}» đã có ở {path}.executionMethods[{first[1]}] với thời hạn khác: giữ cả "
                               "hai, mỗi dòng với mô tả của nó", f"{first[0] or 'không ghi'}",
                               time or "không ghi")
    for k, case in enumerate(_list(record.get("executionCases"))):
        if not isinstance(case, dict):
            continue
        for m, component in enumerate(_list(case.get("profileComponents"))):
            if isinstance(component, dict):
                where = Origin(origin.file, origin.line, f"{path}.executionCases[{k}].profileComponents[{m}]")
                row = document_cells(case, component)
                case_key = row["case"][1]
                absolute = {**code_key, **({"case": f"{path}.executionCases[{k}]{case_key[1:]}"}
                                           if case_key.startswith("@") else {})}
                _row(tables["documents"], {"procedure_code": (code, ""), **row}, where, absolute)
    published = {(m.get("processingTime"), m.get("processingTimeUnit")) for m in methods}
    for j, case in enumerate(_list(record.get("cases"))):
        day = case.get("processingDay") if isinstance(case, dict) else None
        if isinstance(day, dict) and methods and (day.get("qty"), day.get("type")) not in published:
            shown = sorted({time_text(m)[0] or "không ghi" for m in methods})
            report.warning("case_time_differs", *at(f".cases[{j}].processingDay"),
                           "thời hạn của trường hợp khác thời hạn của các cách thực hiện; trang ghi thời hạn của "
                           "cách thực hiện", " hoặc ".join(shown),
                           time_text({"processingTime": day.get("qty"), "processingTimeUnit": day.get("type")})[0]
                           or f"{_text(day.get('qty'))} {_text(day.get('type'))}")


def _cleaned(raw: RawTable, report: Report) -> None:
    """load's cleaning of cells (control characters, cells too long), its problems moved to the JSON they came
    from: the rows of RAW are numbered by their index until then."""
    own = Report()
    _clean(raw.columns, raw.rows, raw.file, own)
    for p in own.problems:
        report.add(p.severity, p.code, *raw.where(p.row, p.column), p.message, p.expected, p.received)


def merge(parts: list[dict[str, RawTable]], directory: str) -> dict[str, RawTable]:
    """The tables of several files as one table each, rows in file order, each keeping its origin. A spreadsheet's
    rows keep their numbers (their origin is None: their table's file, the first part's, is theirs)."""
    result = {}
    for table in CATALOGUE_TABLES:
        own = [part[table.name] for part in parts if table.name in part]
        if not own:
            continue
        header = list(dict.fromkeys(name for raw in own for name in raw.header))
        columns: dict[str, list[str]] = {name: [] for name in header if name}
        rows, origins = [], []
        for raw in own:
            count = len(raw.rows)
            for name in columns:
                columns[name] += raw.columns.get(name, [""] * count)
            rows += raw.rows
            origins += raw.origins if raw.origins is not None else [None] * count
        tidy = next((raw for raw in own if raw.origins is None), None)
        result[table.name] = RawTable(table, tidy.file if tidy else directory, header, columns, rows,
                                      tidy.header_row if tidy else 1, origins=origins)
    return result


# --- writing ---------------------------------------------------------------------------------------------------------
# The writer reads tidy cells as the parse stage does (levels, channels, online, dates); parse is imported inside its
# functions, so that the load stage, which reads records, does not import a later stage.

_TIME = re.compile(r"(\d+) (" + "|".join(map(re.escape, UNITS.values())) + ")")
_TIER = re.compile("(" + "|".join(map(re.escape, FEE_TYPES.values())) + r"): (.*)", re.S)
_AMOUNT = re.compile(r"(\d{1,3}(?:\.\d{3})*|\d+) (đồng|USD)(?: \((.*)\))?", re.S)


def _epoch(day: str) -> int | None:
    from .parse import parse_date

    iso = parse_date(day) if day else None
    if iso is None:
        return None
    midnight = dt.datetime.combine(dt.date.fromisoformat(iso), dt.time(), VIETNAM)
    return int(midnight.timestamp() * 1000)


def _method(row: dict[str, str]) -> dict:
    from .parse import parse_channel

    code = parse_channel(row.get("channel", ""))
    method: dict[str, Any] = {"submissionMethod": next((k for k, v in METHODS.items() if v == code), None)}
    time = row.get("time", "")
    if m := _TIME.fullmatch(time):
        method.update(processingTime=int(m[1]), processingTimeUnit=next(k for k, v in UNITS.items() if v == m[2]))
    else:
        method.update(processingTime=int(time) if time.isdigit() else 0, processingTimeUnit="OTHER")
    fees = []
    for line in row.get("fee", "").split("\n") if row.get("fee") else []:
        tier = _TIER.fullmatch(line)
        kind = next((k for k, v in FEE_TYPES.items() if tier and v == tier[1]), "FEE")
        rest = tier[2] if tier else line
        if amount := _AMOUNT.fullmatch(rest):
            fees.append({"type": kind, "value": int(amount[1].replace(".", "")),
                         "currencyName": "Việt Nam Đồng" if amount[2] == "đồng" else amount[2],
                         "description": amount[3] or ""})
        else:
            fees.append({"type": kind, "value": 0, "currencyName": None,
                         "description": "" if rest == "Miễn phí" else rest})
    method.update(description=row.get("description", ""), fees=fees)
    return method


def _record(row: dict[str, str], documents: list[dict[str, str]], channels: list[dict[str, str]]) -> dict:
    """A candidate record for a procedure's tidy rows: the portal's fields, before checking what they give back."""
    from .parse import parse_levels, parse_online

    levels, _ = parse_levels(row.get("level", ""))
    code = row.get("code", "")
    source = row.get("source_url", "")
    formality = next((k for k, v in FORMALITY_TYPES.items() if v == row.get("type")), None)
    one = lambda column, key="name": [{key: row[column]}] if row.get(column) else []  # noqa: E731
    cases: list[dict] = []
    for document in documents:
        if not cases or cases[-1]["name"] != document.get("case", ""):
            cases.append({"name": document.get("case", ""), "profileComponents": []})
        cases[-1]["profileComponents"].append({
            "name": document.get("name", ""),
            "originalQty": int(document["originals"]) if document.get("originals", "").isdigit() else None,
            "copyQty": int(document["copies"]) if document.get("copies", "").isdigit() else None,
            "attachments": [{"fileName": document["form"]}] if document.get("form") else [],
        })
    return {
        "id": source[len(PAGE):] if source.startswith(PAGE) else None,
        "code": code, "codeNotation": code, "name": row.get("name", ""),
        **{flag: level in levels for flag, level in LEVEL_FLAGS},
        "isInternal": False, "isFullProcess": parse_online(row.get("online", "")) == "toan_trinh",
        "formalityType": formality,
        "categoriesDetails": one("field"), "departmentsExecuting": one("agency"),
        "departmentsAuthority": one("authority"), "subjectTypesDetails": one("subjects"),
        "executionSteps": one("steps", "description"), "requirementsAndConditions": row.get("conditions", ""),
        "resultsDetails": one("result"),
        "legalBasisesDetails": [{"code": "", "name": part.strip()}
                                for part in row.get("legal_basis", "").split(";") if part.strip()],
        "procedureProposal": {"proposalNumber": row.get("decision", ""),
                              "decisionDate": _epoch(row.get("decision_date", "")),
                              "publicationDate": _epoch(row.get("published_date", ""))},
        "executionMethods": [_method(channel) for channel in channels],
        "executionCases": cases,
    }


def _keep(value: dict, cells: dict[str, tuple[str, str]], wanted: dict[str, str], table: Table) -> None:
    """Under VALUE's `congkhai` key, each cell whose text reading gives (CELLS) is not the tidy one (WANTED)."""
    kept = {c.name: wanted[c.name] for c in table.input_columns()
            if c.name in cells and c.name in wanted and _stored_column([cells[c.name][0]])[0] != wanted[c.name]}
    if kept:
        value[EXTENSION] = kept


def records(tables: dict[str, RawTable]) -> list[dict]:
    """The tidy tables as portal records, one per procedures row in order, with its documents and channels in
    their order; reading them gives the same tables (documents and channels grouped by procedure)."""
    def rows(name: str) -> list[dict[str, str]]:
        raw = tables.get(name)
        if raw is None:
            return []
        return [dict(zip(raw.columns, cells)) for cells in zip(*raw.columns.values())] if raw.columns else []

    by_code: dict[str, tuple[list, list]] = {}
    for name, position in (("documents", 0), ("channels", 1)):
        for row in rows(name):
            by_code.setdefault(row.get("procedure_code", ""), ([], []))[position].append(row)
    result = []
    for row in rows("procedures"):
        documents, channels = by_code.get(row.get("code", ""), ([], []))
        record = _record(row, documents, channels)
        _keep(record, procedure_cells(record), row, PROCEDURES)
        for method, channel in zip(record["executionMethods"], channels):
            _keep(method, channel_cells(method)[0], channel, CHANNELS_TABLE)
        components = [(case, c) for case in record["executionCases"] for c in case["profileComponents"]]
        for (case, component), document in zip(components, documents):
            _keep(component, document_cells(case, component), document, DOCUMENTS)
        result.append(record)
    return result
