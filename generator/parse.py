"""Parse stage: raw tables → typed values and their problems, together. Each cell is parsed once, by the rule of
its column's kind (`parse_cell`); the problem, if any, is reported where the cell is, and the typed value is what
every later stage works from. Whole-table checks (columns, duplicate codes, references) sit beside it.

Parsing never guesses: a time or fee that cannot be read with certainty stays verbatim, with no parsed value,
and a warning says so. Every problem is collected; nothing stops early.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from .load import RawTable, closest_column
from .model import Channel, Document, Procedure
from .problems import Report
from .schema import (CHANNELS, COUNT_COLUMNS, KIND_LABELS, LEVELS, ONLINE, PROCEDURES, SCOPE_COLUMNS, STAT_LEVELS,
                     STATISTICS, SYNTHETIC_PREFIX, UNASSIGNED_AGENCY, Column)
from .vietnamese import fold, format_number, nfc, tone_key, unique_slugs, words

if TYPE_CHECKING:
    import pandas as pd

# pandas and numpy are imported inside the statistics functions only: the catalogue never pays for their import.

CODE_PATTERN = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]*")
# A code names a directory of the site; real ones are about 25 characters.
MAX_CODE_LENGTH = 64
# A code is a directory beside the list page thu-tuc/index.html: `index.html` would collide with that file, on
# case-insensitive servers in any letter case.
RESERVED_CODES = frozenset({"index.html"})



def _lookup(codes: dict[str, str]) -> dict[str, str]:
    """Folded code or Vietnamese label → code."""
    table = {fold(code): code for code in codes}
    table.update({fold(label): code for code, label in codes.items()})
    table.update({fold(code.replace("_", " ")): code for code in codes})
    return table


_LEVEL_LOOKUP = _lookup(LEVELS)
_LEVEL_LOOKUP.update({"bo": "bo", "tinh": "tinh", "huyen": "huyen", "xa": "xa", "khac": "khac"})
_CHANNEL_LOOKUP = _lookup(CHANNELS)
_CHANNEL_LOOKUP.update({"buu dien": "buu_chinh", "qua buu chinh": "buu_chinh", "truc tuyen toan trinh": "truc_tuyen"})
_ONLINE_LOOKUP = _lookup(ONLINE)


def parse_levels(text: str) -> tuple[tuple[str, ...], list[str]]:
    """'Cấp bộ;Cấp tỉnh' → (('bo', 'tinh'), []); unknown parts come back in the second list."""
    codes: list[str] = []
    unknown: list[str] = []
    for part in re.split(r"[;,]", text):
        part = part.strip()
        if not part:
            continue
        code = _LEVEL_LOOKUP.get(fold(part))
        if code is None:
            unknown.append(part)
        elif code not in codes:
            codes.append(code)
    return tuple(codes), unknown


def parse_channel(text: str) -> str | None:
    return _CHANNEL_LOOKUP.get(fold(text))


def parse_online(text: str) -> str | None:
    return "" if not text.strip() else _ONLINE_LOOKUP.get(fold(text))


# --- processing time -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ParsedTime:
    days: float | None
    working_days: bool | None
    problem: str | None = None  # warning code when the text could not be read


_NUMBER = r"(\d+(?:[.,]\d+)?)"
_TIME_UNITS = {
    # folded unit → (days per unit, counted in working days)
    "ngay lam viec": (1.0, True),
    "ngay": (1.0, False),
    "gio lam viec": (1 / 8, True),
    "gio": (1 / 24, False),
    "tuan": (7.0, False),
    "thang": (30.0, False),
    "nam": (365.0, False),
}
_TIME_RE = re.compile(_NUMBER + r"\s*\)?\s*(" + "|".join(sorted(_TIME_UNITS, key=len, reverse=True)) + r")\b")
_SAME_DAY = re.compile(r"(ngay |giai quyet )?trong (ngay|ngay lam viec|ngay lam viec do)\.?")


def _number(text: str) -> float:
    return float(text.replace(",", "."))


@lru_cache(maxsize=65536)
def parse_time(text: str) -> ParsedTime:
    """'05 ngày làm việc' → 5 working days; '15 ngày' → 15 calendar days; 'Trong ngày' → 1 working day."""
    folded = fold(text)
    if not folded:
        return ParsedTime(None, None)
    if _SAME_DAY.fullmatch(folded):
        return ParsedTime(1.0, True)
    if re.fullmatch(_NUMBER, folded):
        return ParsedTime(None, None, "time_no_unit")
    found = {(_number(n) * _TIME_UNITS[u][0], _TIME_UNITS[u][1]) for n, u in _TIME_RE.findall(folded)}
    if len(found) != 1:
        # None, or several different durations (one per case): the verbatim text says it better.
        return ParsedTime(None, None, "time_unparsed")
    days, working = found.pop()
    return ParsedTime(round(days, 4), working)


# --- fees ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ParsedFee:
    vnd: int | None
    problem: str | None = None
    usd: float | None = None  # an amount in US dollars: shown and exported as such, never converted to đồng


_FREE = re.compile(
    r"(mien phi|mien le phi|mien thu|khong|khong thu|khong thu phi|khong thu le phi|khong co phi|khong mat phi"
    r"|khong phai nop( phi| le phi)?|0|0 dong|0 vnd)\.?")
_NO_INFORMATION = re.compile(r"khong co thong tin\.?")
_AMOUNT = re.compile(r"(\d+(?:[.,]\d+)*)\s*(trieu|nghin|ngan)?\s*(viet nam dong|dong|vnd|vn dong|d)(?![a-z])")
_USD = re.compile(r"(\d+(?:[.,]\d+)*)\s*(usd|us\$|do la mi)(?![a-z])")  # folded «đô la Mỹ»
_MULTIPLIERS = {"trieu": 1_000_000, "nghin": 1_000, "ngan": 1_000, None: 1, "": 1}
# A fee tier's type before its amount, as the portal's tiers are written one per line (portal.py): «Lệ phí: …».
_FEE_TYPE = re.compile(r"(phi, le phi|le phi|phi dich vu|phi): ")


def _amount(number: str, multiplier: str | None) -> int | None:
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", number) and not multiplier:
        return int(re.sub(r"[.,]", "", number))
    if re.fullmatch(r"\d+", number):
        return int(number) * _MULTIPLIERS[multiplier]
    if multiplier and re.fullmatch(r"\d+[.,]\d+", number):
        return round(_number(number) * _MULTIPLIERS[multiplier])
    return None


def _dollars(number: str) -> float | None:
    """'10' → 10; '1,500' → 1500; '12.5' → 12.5 (cents: one or two digits)."""
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", number):
        return int(re.sub(r"[.,]", "", number))
    if re.fullmatch(r"\d+", number):
        return int(number)
    return _number(number) if re.fullmatch(r"\d+[.,]\d{1,2}", number) else None


@lru_cache(maxsize=65536)
def parse_fee(text: str) -> ParsedFee:
    """'Lệ phí: 10.000 đồng/lần' → 10000; '120,000 VNĐ' → 120000; 'Miễn phí' or 'Không' → 0; '10 USD' → 10 dollars.
    Tiers, one per line: the amount they agree on."""
    tiers = [_fee(_FEE_TYPE.sub("", folded, count=1) if _FEE_TYPE.match(folded) else folded)
             for folded in map(fold, text.split("\n")) if folded]
    if len(tiers) < 2:
        return tiers[0] if tiers else ParsedFee(None)
    readings = {(tier.vnd, tier.usd) for tier in tiers if tier.problem is None}
    unread = any(tier.problem for tier in tiers)
    # A tier without an amount is a condition beside the others (an exemption), but beside a free tier it may be a
    # fee stated in words: then nothing is read.
    if len(readings) == 1 and not (unread and readings == {(0, None)}):
        vnd, usd = readings.pop()
        return ParsedFee(vnd, None, usd)
    return ParsedFee(None, "fee_unparsed")


def _fee(folded: str) -> ParsedFee:
    """One tier, folded."""
    if _FREE.fullmatch(folded):
        return ParsedFee(0)
    if _NO_INFORMATION.fullmatch(folded):
        return ParsedFee(None, "fee_no_information")
    found = sorted([(m.span(), "vnd", _amount(m.group(1), m.group(2))) for m in _AMOUNT.finditer(folded)]
                   + [(m.span(), "usd", _dollars(m.group(1))) for m in _USD.finditer(folded)])
    amounts = {(currency, amount) for _, currency, amount in found}
    if found and found[0][0][0] == 0 and found[0][2] is not None and folded[found[0][0][1]:].lstrip()[:1] in ("", "("):
        # The portal's structured form: the amount first, its explanation after it in brackets.
        amounts = {found[0][1:]}
    if len(amounts) == 1 and None not in (amount := next(iter(amounts)))[1:]:
        currency, value = amount
        return ParsedFee(value, None, None) if currency == "vnd" else ParsedFee(None, None, value)
    return ParsedFee(None, "fee_unparsed")


# --- counts ------------------------------------------------------------------------------------------------------

# No count in a catalogue or a Biểu 06 report comes near this; a larger one is a typing or export error (and would
# not stay exact in JSON, or in sums).
MAX_COUNT = 999_999_999_999
# Excel writes a number formatted with thousands separators as displayed: 1.234 (Vietnamese), 1,234 (English),
# 1 234. A count is a whole number, so a dot or comma followed by groups of exactly three digits can only be
# grouping; anything else with a dot or comma (1.5, 12,34, 1.234,5) is not a count.
_COUNT = re.compile(r"[0-9]+|[0-9]{1,3}(?P<sep>[.,\u00a0\u202f ])[0-9]{3}(?:(?P=sep)[0-9]{3})*")


def parse_count(text: str) -> int | None:
    """'12' → 12; '1.234' or '1,234' or '1 234' → 1234; None if not a whole number from 0 to MAX_COUNT."""
    text = text.strip()
    if text.isascii() and text.isdigit():  # nearly every count: skip the patterns
        value = int(text)
    elif _COUNT.fullmatch(text):
        value = int(re.sub(r"[^0-9]", "", text))
    else:
        return None
    return value if value <= MAX_COUNT else None


# --- catalogue ---------------------------------------------------------------------------------------------------

# --- cells: each parsed once, with its problem --------------------------------------------------------------------

CellProblem = tuple[str, str, str, str]  # severity, code, message, expected

_TIME_EXAMPLE = "số và đơn vị như «05 ngày làm việc»"
_FEE_EXAMPLE = "số tiền và đơn vị như «10.000 đồng», hoặc «Miễn phí»"
_EMPTY = {"count": None, "levels": (), "period": None, "stat_level": None, "rate": None, "date": None}


def _missing(column: Column) -> CellProblem | None:
    if column.presence == "required":
        return "error", "missing_value", "ô này bắt buộc phải có giá trị", column.label
    if column.presence == "expected":
        return "warning", "missing_expected", "ô trống: trang sẽ ghi «chưa công bố»", column.label
    return None


def parse_cell(column: Column, value: str, key: bool = False) -> tuple[object, CellProblem | None]:
    """A cell's typed value by its column's kind, and the problem with it (None when there is none). KEY: the
    column is its table's key (a code that names a page). Pure, so that the statistics, which repeat their
    periods, levels and many counts on every row, parse each distinct cell once."""
    if column.name in ("time", "fee"):  # the verbatim text, and its parsed value beside it
        parsed = parse_time(value) if column.name == "time" else parse_fee(value)
        if not value:
            return (value, parsed), _missing(column)
        example = _TIME_EXAMPLE if column.name == "time" else _FEE_EXAMPLE
        return (value, parsed), ("warning", parsed.problem, "không đọc được số và đơn vị: trang hiện nguyên văn",
                                 example) if parsed.problem else None
    if not value:
        return _EMPTY.get(column.kind, ""), _missing(column)
    kind = column.kind
    if kind == "code" and key:
        if not CODE_PATTERN.fullmatch(value) or len(value) > MAX_CODE_LENGTH:
            return value, ("error", "invalid_code",
                           f"mã chỉ gồm chữ cái không dấu, chữ số và các dấu . _ - (tối đa {MAX_CODE_LENGTH} ký tự)",
                           "ví dụ 1.001193")
        if value.casefold() in RESERVED_CODES:
            return value, ("error", "invalid_code",
                           "mã trùng tên tệp của trang danh sách thủ tục (thu-tuc/index.html): đặt mã khác",
                           "ví dụ 1.001193")
        return value, None
    if kind == "count":
        count = parse_count(value)
        return count, None if count is not None else (
            "error", "invalid_count", "không phải số nguyên ≥ 0",
            f"0, 1, 2, … đến {format_number(MAX_COUNT)} (dấu . hoặc , chỉ để phân nhóm nghìn: 1.234)")
    if kind == "levels":
        codes, unknown = parse_levels(value)
        return codes, None if codes and not unknown else (
            "error", "unknown_level", "cấp không hợp lệ", " ; ".join(LEVELS) + " hoặc " + " ; ".join(LEVELS.values()))
    if kind == "channel":
        code = parse_channel(value)
        return code or "", None if code else (
            "error", "unknown_channel", "cách thức thực hiện không hợp lệ",
            ", ".join(CHANNELS) + " hoặc " + ", ".join(CHANNELS.values()))
    if kind == "online":
        code = parse_online(value)
        return code or "", None if code is not None else (
            "error", "unknown_online", "mức dịch vụ công trực tuyến không hợp lệ", ", ".join(ONLINE) + " hoặc để trống")
    if kind in _STATISTICS_KINDS:
        parse, code, message = _STATISTICS_KINDS[kind]
        parsed = parse(value)
        return parsed, None if parsed is not None else ("error", code, message, KIND_LABELS[kind])
    return value, None


_STATISTICS_KINDS = {
    "period": (lambda v: parse_period(v), "invalid_period", "không phải kỳ báo cáo hợp lệ"),
    "stat_level": (lambda v: parse_stat_level(v), "unknown_level", "cấp không hợp lệ"),
    "rate": (lambda v: parse_rate(v), "invalid_rate", "không phải tỷ lệ phần trăm từ 0 đến 100"),
    "date": (lambda v: parse_date(v), "invalid_date", "không phải ngày hợp lệ"),
}


def parse_date(text: str) -> str | None:
    """'2025-03-11' or '11/03/2025' → '2025-03-11'; None if not a date."""
    text = text.strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text) or re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if not m:
        return None
    year, month, day = (m[1], m[2], m[3]) if len(m[1]) == 4 else (m[3], m[2], m[1])
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def parse_row(raw: RawTable, index: int, report: Report) -> dict[str, object]:
    """Row INDEX of RAW as {column: typed value}, its problems reported."""
    typed = {}
    for column in raw.table.input_columns():
        values = raw.columns.get(column.name)
        if values is None:
            continue
        value = values[index]
        typed[column.name], problem = parse_cell(column, value, column.name == raw.table.key)
        if problem:
            severity, code, message, expected = problem
            report.add(severity, code, *raw.where(index, column.name), message, expected, value)
    return typed


def parse_rows(raw: RawTable, indices: list[int], report: Report) -> list[dict[str, object]]:
    return [parse_row(raw, index, report) for index in indices]


def can_fail(column: Column, key: bool = False) -> bool:
    """Whether parse_cell may find an error in a cell of COLUMN (KEY: it is its table's key); in any other column
    a cell's problem is a warning at most."""
    return (column.presence == "required" or (key and column.kind == "code")
            or column.kind in ("count", "levels", "channel", "online", *_STATISTICS_KINDS))


def cell_errors(raw: RawTable, indices: list[int], report: Report) -> None:
    """The errors parse_row would report in rows INDICES of RAW, and not its warnings: each column that may have
    one (can_fail), each of its distinct values parsed once. An earlier version of the catalogue (history.py) is
    checked so: its warnings are the gaps it had then, which the site does not publish."""
    for column in raw.table.input_columns():
        values, key = raw.columns.get(column.name), column.name == raw.table.key
        if values is None or not can_fail(column, key):
            continue
        failing = {}
        for value in set(map(values.__getitem__, indices)):
            problem = parse_cell(column, value, key)[1]
            if problem is not None and problem[0] == "error":
                failing[value] = problem
        for index in indices if failing else ():
            if values[index] in failing:
                severity, code, message, expected = failing[values[index]]
                report.add(severity, code, *raw.where(index, column.name), message, expected, values[index])


# --- the catalogue, procedure by procedure ---------------------------------------------------------------------------

# An agency cell may name several executing agencies: «Bộ Công an, Bộ Quốc phòng». Names contain commas too
# («Cục Chất lượng, Chế biến và Phát triển thị trường», «Ủy ban nhân dân xã, phường, thị trấn», «Cơ quan, tổ chức
# đang quản lý sổ gốc»), so a comma, semicolon or line break separates two agencies only where the text after it
# starts with a capital letter and the kind of body an agency's name begins with. In the real catalogue every
# comma-joined combination splits this way and no name is cut (tests/test_parsing.py holds its cases); a kind
# missing here leaves a combination whole, as it was published, never a name cut in two.
AGENCY_KINDS = (
    "Ban", "Bảo hiểm", "Bệnh viện", "Biên phòng", "Bộ", "Cảng vụ", "Chi cục", "Chi nhánh", "Chủ tịch", "Cơ quan",
    "Cơ sở", "Công an", "Công đoàn", "Cục", "Đài", "Đại học", "Đại sứ quán", "Đơn vị", "Giám đốc", "Hải quan",
    "HĐND", "Học viện", "Hội đồng", "Kho bạc", "Khu", "Lãnh sự quán", "Ngân hàng", "Người đứng đầu", "Phòng", "Quỹ",
    "Sở", "Tổ chức", "Tổng cục", "Tòa án", "Thanh tra", "Thi hành án", "Thủ tướng", "Trung tâm", "Trường", "UBND",
    "Ủy ban", "Văn phòng", "Viện", "Vụ",
)
_word_key = lru_cache(maxsize=65536)(tone_key)  # a catalogue's agency names share a few hundred words
_folded = lru_cache(maxsize=65536)(fold)  # a field or agency name, sorted in each version of the catalogue
_KINDS = frozenset(tuple(_word_key(w) for w in words(kind)) for kind in AGENCY_KINDS)
_KIND_WORDS = max(len(kind) for kind in _KINDS)
_AGENCY_SEPARATOR = re.compile(r"([,;\n])")


def _names_an_agency(text: str) -> bool:
    text = text.strip()
    if not text[:1].isupper():
        return False
    start = tuple(_word_key(w) for w in words(text)[:_KIND_WORDS])
    return any(start[:n] in _KINDS for n in range(1, len(start) + 1))


def split_agencies(cell: str) -> list[str]:
    """The executing agencies an agency cell names (see AGENCY_KINDS), each as written there."""
    head, *rest = _AGENCY_SEPARATOR.split(cell)
    names = [head]
    for separator, text in zip(rest[::2], rest[1::2]):
        if _names_an_agency(text):
            names.append(text)
        else:
            names[-1] += separator + text
    return [name.strip() for name in names if words(name)]


def group_key(name: str) -> str:
    """Names that differ only in letter case, spacing, punctuation or tone placement (Thuỷ/Thủy, kí/ký) are one
    field or agency, with one page."""
    return " ".join(map(_word_key, words(name)))


@dataclass(frozen=True)
class Groups:
    """The field or agency pages of a catalogue: the pages each cell's value belongs to, and each page's name."""

    pages: dict[str, tuple[tuple[str, str], ...]]  # cell value → (name as written there, slug of its page), …
    names: dict[str, str]  # slug → the name shown on its page (its most common spelling), in alphabetical order

    def slugs(self, cell: str) -> tuple[str, ...]:
        return tuple(slug for _, slug in self.pages.get(cell, ()))


@lru_cache(maxsize=65536)
def _cell_names(cell: str, split: bool) -> tuple[tuple[str, str], ...]:
    """The names a field (or, SPLIT, agency) cell holds, each with its group_key. Each distinct cell is worked out
    once: a catalogue repeats its agencies on many procedures, and its versions (history.py) on every one."""
    return tuple((name, group_key(name)) for name in (split_agencies(cell) if split else [cell]))


def group_pages(cells: list[str], split: bool = False) -> Groups:
    """The pages of the field (or, SPLIT, agency) cells of the procedures, one cell per procedure: one page per
    name (group_key), shown with the spelling most procedures use. Agency slugs must not take the unassigned
    agency's page."""
    uses = Counter(cells)
    parts = {cell: _cell_names(cell, split) for cell in uses if cell}
    spellings: dict[str, Counter] = {}
    for cell, names in parts.items():
        for name, key in names:
            if key:
                spellings.setdefault(key, Counter())[name] += uses[cell]
    # The most common spelling; between equally common ones, the first in code-point order (any fixed rule will do).
    shown = {key: min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0] for key, counts in spellings.items()}
    slugs = unique_slugs(list(shown.values()), frozenset({UNASSIGNED_AGENCY}))
    pages = {}
    for cell, names in parts.items():
        page = {}
        for name, key in names:  # a cell naming one agency twice links it once
            if key:
                page.setdefault(slugs[shown[key]], name)
        if page:
            pages[cell] = tuple((name, slug) for slug, name in page.items())
    names = {slugs[name]: name for name in sorted(shown.values(), key=lambda name: (_folded(name), name))}
    return Groups(pages, names)


def procedure(row: dict, documents: list[dict], channels: list[dict], fields: Groups, agencies: Groups) -> Procedure:
    """One typed procedure from its parsed rows (parse_row) of procedures, documents and channels, and the field
    and agency pages of the catalogue (group_pages)."""
    no_time, no_fee = ("", parse_time("")), ("", parse_fee(""))
    p = Procedure(
        code=row["code"],
        name=row["name"],
        field=row.get("field", ""),
        levels=row.get("level", ()),
        agency=row.get("agency", ""),
        authority=row.get("authority", ""),
        type=row.get("type", ""),
        subjects=row.get("subjects", ""),
        online=row.get("online", ""),
        steps=row.get("steps", ""),
        conditions=row.get("conditions", ""),
        result=row.get("result", ""),
        legal_basis=tuple(part.strip() for part in row.get("legal_basis", "").split(";") if part.strip()),
        decision=row.get("decision", ""),
        source_url=row.get("source_url", ""),
        decision_date=row.get("decision_date") or "",
        published_date=row.get("published_date") or "",
    )
    p.field_slug = next(iter(fields.slugs(p.field)), "")
    p.agencies = agencies.pages.get(p.agency, ())
    for document in documents:
        p.documents.append(Document(case=document.get("case", ""), name=document.get("name", ""),
                                    originals=document.get("originals"), copies=document.get("copies"),
                                    form=document.get("form", "")))
    for channel in channels:
        (time_text, time), (fee_text, fee) = channel.get("time", no_time), channel.get("fee", no_fee)
        p.channels.append(Channel(
            channel=channel["channel"],
            time=time_text,
            fee=fee_text,
            description=channel.get("description", ""),
            time_days=time.days,
            time_working_days=time.working_days,
            fee_vnd=fee.vnd,
            fee_usd=fee.usd,
            time_problem=time.problem,
        ))
    return p

# --- statistics ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    kind: str  # year, quarter, month, range
    start: dt.date
    end: dt.date

    @property
    def canonical(self) -> str:
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def label(self) -> str:
        """Vietnamese: năm 2021, quý 3/2021, tháng 09/2021, 01/12/2019–29/02/2020."""
        if self.kind == "year":
            return f"năm {self.start.year}"
        if self.kind == "quarter":
            return f"quý {(self.start.month - 1) // 3 + 1}/{self.start.year}"
        if self.kind == "month":
            return f"tháng {self.start.month:02d}/{self.start.year}"
        return f"{self.start:%d/%m/%Y}–{self.end:%d/%m/%Y}"


def _month_end(year: int, month: int) -> dt.date:
    return (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)


@lru_cache(maxsize=4096)
def parse_period(text: str) -> Period | None:
    """`YYYY`, `YYYY-Qn`, `YYYY-MM` or `YYYY-MM-DD..YYYY-MM-DD`; None if impossible."""
    text = text.strip()
    try:
        if m := re.fullmatch(r"(\d{4})", text):
            year = int(m[1])
            return Period("year", dt.date(year, 1, 1), dt.date(year, 12, 31))
        if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
            year, quarter = int(m[1]), int(m[2])
            return Period("quarter", dt.date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter))
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
            year, month = int(m[1]), int(m[2])
            return Period("month", dt.date(year, month, 1), _month_end(year, month))
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})", text):
            start, end = dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])
            return Period("range", start, end) if start <= end else None
    except ValueError:
        return None
    return None


_STAT_LEVEL_LOOKUP = _lookup(STAT_LEVELS)
_STAT_LEVEL_LOOKUP.update({"tong cong": "tong", "toan tinh": "tong"})


def parse_stat_level(text: str) -> str | None:
    return _STAT_LEVEL_LOOKUP.get(fold(text))


def parse_rate(text: str) -> float | None:
    """'99.9' or '99,9' (optionally with %) → 99.9; None if not a percentage."""
    m = re.fullmatch(r"(\d{1,3}(?:[.,]\d+)?)\s*%?", text.strip())
    if not m:
        return None
    value = float(m[1].replace(",", "."))
    return value if value <= 100 else None


def rate_decimals(text: str) -> int:
    """Digits after the decimal mark as published: the rounding a recomputed rate is allowed."""
    m = re.search(r"[.,](\d+)", text)
    return len(m[1]) if m else 0


def _each(values: pd.Series, results: dict) -> pd.Series:
    """values.map(function), for a function worked out once per distinct value into RESULTS: a report repeats its
    periods, levels, agencies and sources on every row."""
    return values.map(results.__getitem__)


def stat_text(value):
    """A statistics cell as stored (nfc); the row numbers mixed into a frame's cells pass through."""
    return nfc(value) if isinstance(value, str) else value


def _counts(cells: list, typed) -> pd.arrays.IntegerArray:
    """Raw count cells → Int64 array (NA where empty), each distinct cell's parsed value looked up once."""
    import numpy as np
    import pandas as pd

    codes, distinct = pd.factorize(np.array(cells, dtype=object))
    parsed = [typed(stat_text(value)) for value in distinct]
    missing = np.array([value is None for value in parsed], dtype=bool)
    values = np.array([0 if value is None else value for value in parsed], dtype=np.int64)
    return pd.arrays.IntegerArray(values[codes], missing[codes])


def statistics_frame(tables: list[RawTable], parsed: StatisticsCells) -> pd.DataFrame:
    """One typed row per published row, from the cells parse_statistics parsed: nullable integer counts, canonical
    period, verbatim text kept."""
    import pandas as pd

    # Counts go straight from the raw cells to Int64 arrays. The other columns still go through DataFrame.map and
    # concat, which decide their dtypes (object rather than str as soon as one file is header-only).
    text = [c.name for c in STATISTICS.input_columns() if c.name not in COUNT_COLUMNS]
    frames = []
    counts: dict[str, list] = {column: [] for column in COUNT_COLUMNS}
    for raw in tables:
        for column in COUNT_COLUMNS:
            counts[column] += raw.columns.get(column, [""] * len(raw.rows))
        frame = pd.DataFrame({name: raw.columns[name] for name in text if name in raw.columns},
                             index=pd.RangeIndex(len(raw.rows)), dtype=object)
        for name in text:
            if name not in frame.columns:
                frame[name] = ""
        frame = frame[text]  # in the contract's order
        frame["_row"] = pd.Series(raw.rows, dtype="int64")
        cells = {value: stat_text(value) for value in set(frame.to_numpy().ravel().tolist())}
        frame = frame.map(cells.__getitem__)
        frame["file"] = raw.file
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=text + ["_row", "file"])
    periods = {value: parsed.typed("period", value) for value in set(frame["period"].tolist())}
    rates = set(frame["on_time_rate"].tolist())
    result = pd.DataFrame({
        "period": _each(frame["period"], {k: p.canonical for k, p in periods.items()}),
        "period_kind": _each(frame["period"], {k: p.kind for k, p in periods.items()}),
        "period_start": _each(frame["period"], {k: p.start for k, p in periods.items()}),
        "period_end": _each(frame["period"], {k: p.end for k, p in periods.items()}),
        "period_label": _each(frame["period"], {k: p.label for k, p in periods.items()}),
        "level": _each(frame["level"], {v: parsed.typed("level", v) for v in set(frame["level"].tolist())}),
        "agency": frame["agency"],
        "field": frame["field"],
        "procedure_code": frame["procedure_code"],
    })
    for column in COUNT_COLUMNS:
        result[column] = _counts(counts[column], lambda text, column=column: parsed.typed(column, text))
    rate_values = {v: parsed.typed("on_time_rate", v) for v in rates}
    result["on_time_rate"] = _each(frame["on_time_rate"], rate_values).astype("Float64")
    result["on_time_rate_text"] = frame["on_time_rate"]
    result["rate_decimals"] = _each(frame["on_time_rate"], {v: rate_decimals(v) for v in rates})
    result["source"] = frame["source"]
    result["note"] = frame["note"]
    result["synthetic"] = frame["source"].str.lower().str.startswith(SYNTHETIC_PREFIX)
    result["file"] = frame["file"]
    result["row"] = frame["_row"]
    return result


# --- whole tables ---

def _columns(raw: RawTable, report: Report) -> list[Column]:
    """Columns present and usable; missing required/expected ones are errors, unknown ones warnings."""
    declared = {c.name for c in raw.table.input_columns()}
    present = []
    # An unknown header nearest to a missing column is why it is missing: one error, not two.
    unknown = {name: closest_column(raw.table, name) for name in raw.header if name and name not in declared}
    for column in raw.table.input_columns():
        if column.name in raw.columns:
            present.append(column)
        elif culprit := next((name for name, near in unknown.items() if near == column), None):
            del unknown[culprit]
            report.error("unknown_header", raw.file, raw.header_row, culprit,
                         f"cột «{culprit}» không có trong quy ước; gần nhất là cột «{column.name}» ({column.label}), "
                         "đang thiếu: đổi tên cột cho đúng", f"{column.name} hoặc {column.label}", culprit)
        elif column.presence in ("required", "expected", "column"):
            report.error("missing_column", raw.file, raw.header_row, column.name,
                         f"thiếu cột «{column.name}» ({column.label}): thêm cột này vào hàng tên cột", column.name,
                         ", ".join(raw.header))
    for name in unknown:
        if name:
            report.warning("unknown_column", raw.file, raw.header_row, name,
                           "cột không có trong quy ước nên bị bỏ qua (xem trang Từ điển dữ liệu)")
    return present


def check_tables(tables: dict[str, RawTable], report: Report) -> dict[str, int]:
    """What concerns whole tables (columns, empty file, duplicate codes, rows naming an unknown procedure). Returns
    the row index of each procedure code's first row in the procedures table."""
    for raw in tables.values():
        _columns(raw, report)
    first: dict[str, int] = {}
    procedures = tables.get(PROCEDURES.name)
    if procedures is None or "code" not in procedures.columns:
        return first  # references cannot be checked; the missing file or column is already reported
    if "code" in procedures.columns:
        if not procedures.rows:
            report.error("empty_file", procedures.file, procedures.header_row + 1, None,
                         "không có thủ tục nào dưới hàng tên cột", "mỗi thủ tục một hàng", "chỉ có hàng tên cột")
        by_case: dict[str, tuple[str, int]] = {}
        for index, code in enumerate(procedures.columns["code"]):
            if not code:
                continue
            if code in first:
                report.error("duplicate_code", *procedures.where(index, "code"),
                             f"mã đã dùng {_at(procedures, first[code])}", "mỗi thủ tục một mã riêng", code)
                continue
            first[code] = index
            # Each code is a directory of the site: codes equal but for case collide on Windows and macOS.
            other = by_case.setdefault(code.casefold(), (code, index))
            if other[0] != code:
                report.error("duplicate_code", *procedures.where(index, "code"),
                             f"mã chỉ khác mã «{other[0]}» {_at(procedures, other[1])} ở chữ hoa, chữ thường",
                             "mỗi thủ tục một mã riêng, không kể chữ hoa hay thường", code)
    for name in ("documents", "channels"):
        raw = tables.get(name)
        if raw is None or "procedure_code" not in raw.columns:
            continue
        for index, value in enumerate(raw.columns["procedure_code"]):
            if value and value not in first:
                report.error("unknown_procedure", *raw.where(index, "procedure_code"),
                             "không có thủ tục nào mang mã này trong procedures", "một mã có trong procedures", value)
    return first


def _at(raw: RawTable, index: int) -> str:
    """Where row INDEX of RAW is, in words: «ở hàng 3» of the same file, or the location of the JSON it came from."""
    file, row, path = raw.where(index, None)
    if file == raw.file and path is None:
        return f"ở hàng {row}"
    return "ở " + ":".join(str(part) for part in (file, row, path) if part is not None)




# --- statistics: checks ---

def _distinct(values: list, function) -> list:
    """FUNCTION of each value, computed once per distinct value: a report repeats its periods, levels, agencies
    and many of its counts on every row."""
    results = {value: function(value) for value in set(values)}
    return list(map(results.__getitem__, values))


class StatisticsCells(dict):
    """Each statistics column's distinct cells (as stored: stat_text) with their typed value and problem, parsed
    once (parse_cell) and shared by the checks and the frame."""

    def typed(self, name: str, text: str) -> object:
        cells = self.setdefault(name, {})
        if text not in cells:
            cells[text] = parse_cell(STATISTICS.column(name), text)
        return cells[text][0]


def parse_statistics(tables: list[RawTable], report: Report) -> StatisticsCells:
    """Column and cell checks per file, then one scope + period per row across all files. Returns the parsed
    cells for statistics_frame."""
    cells = StatisticsCells()
    first: dict[tuple, str] = {}
    for raw in tables:
        present = _columns(raw, report)
        rows = raw.rows
        values = {column.name: _distinct(raw.columns[column.name], stat_text) for column in present}
        for column in present:
            parsed = cells.setdefault(column.name, {})
            distinct = set(values[column.name])
            for value in distinct - parsed.keys():
                parsed[value] = parse_cell(column, value)
            if not any(parsed[value][1] for value in distinct):
                continue  # a column's cells are visited one by one only to report its problems
            for index, (row, value) in enumerate(zip(rows, values[column.name])):
                problem = parsed[value][1]
                if problem:
                    severity, code, message, expected = problem
                    report.add(severity, code, raw.file, row, column.name, message, expected, value,
                               raw.cell(index, column.name))
        if "period" not in values or "level" not in values:
            continue
        period = {v: p.canonical if (p := cells.typed("period", v)) else None for v in set(values["period"])}
        keys = zip([period[v] for v in values["period"]], [cells.typed("level", v) for v in values["level"]],
                   *(values[c] if c in values else [""] * len(rows) for c in SCOPE_COLUMNS[1:]))
        for index, (row, key) in enumerate(zip(rows, keys)):
            if None in key or not key[0]:
                continue  # an invalid period or level is reported already
            if key in first:
                other = _first_place(*first[key])
                report.error("duplicate_row", raw.file, row, "period",
                             f"trùng phạm vi và kỳ báo cáo với {other}", "mỗi phạm vi, mỗi kỳ một hàng",
                             " / ".join(k for k in key if k), _name_cell(raw, index))
            else:
                first[key] = raw, index, row  # where it is, worked out only for a duplicate's message
    return cells


def _name_cell(raw: RawTable, index: int) -> str:
    """Where a printed form's row has its name (RawTable.cell), "" for a row of a plain table."""
    return raw.cell(index, "agency") or raw.cell(index, "field")


def _first_place(raw: RawTable, index: int, row: int) -> str:
    return _name_cell(raw, index) or f"{raw.file}:{row}"
