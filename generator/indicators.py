"""Metrics stage for the QĐ 766/QĐ-TTg indicators that published data allow (../shared/FORMATS.md §3).

Each is recomputed here from the published Biểu 06 rows (`thong-ke.csv`) or the published catalogue (`thu-tuc.csv`,
`ho-so.csv`, `cach-thuc.csv`) after the portal's formula description. They are not official scores: the portal
scores from dossier-level data, which is not published.

    rate   = numerator ÷ denominator × 100 (2 decimals; none when the denominator is 0 or a term is not published)
    points = max_points × min(rate ÷ threshold, 1)  — proportional below the full-points threshold
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable

from .schema import LOG_SOURCE, ONLINE_AVAILABLE
from .vietnamese import _missing, format_number, format_percent

if TYPE_CHECKING:
    import pandas as pd

    from .model import Index, Listing, Procedure


@dataclass(frozen=True, slots=True)
class Indicator:
    id: str  # "2.1"
    name: str
    numerator: str  # what is counted, in words
    denominator: str
    threshold: float  # % at which the indicator earns full points
    max_points: float
    source: str  # "statistics" or "catalogue"


# Points: the portal gives points per group (công khai 18, tiến độ giải quyết 20, dịch vụ trực tuyến 12, mức độ hài
# lòng 18); FORMATS.md gives 2.1 the group's 20. How a group's points split among its indicators is not in the
# sources here, so each group's points are split equally among the indicators computed here — this site's
# convention, stated on the methodology page.
INDICATORS = (
    Indicator("1.2", "TTHC được cập nhật, công khai đúng hạn",
              "thủ tục công bố trong 10 ngày làm việc (cấp bộ) / 5 ngày làm việc (cấp khác) kể từ ngày quyết định",
              "thủ tục có cả ngày quyết định và ngày công bố", 100, 9, "catalogue"),
    Indicator("1.3", "TTHC công khai đầy đủ bộ phận tạo thành",
              "thủ tục có đủ tên, trình tự, cách thức, thành phần hồ sơ có số lượng, thời hạn, đối tượng, "
              "cơ quan thực hiện", "thủ tục", 100, 9, "catalogue"),
    Indicator("2.1", "Hồ sơ xử lý trước hạn, đúng hạn",
              "(8) trước hạn + (9) đúng hạn + (12) đang giải quyết trong hạn", "(3) tổng số hồ sơ nhận giải quyết",
              100, 20, "statistics"),
    Indicator("3.1", "TTHC cung cấp dịch vụ công trực tuyến (một phần / toàn trình)",
              "thủ tục nộp được trực tuyến (toàn trình, một phần, hoặc có cách thức trực tuyến)", "thủ tục",
              80, 6, "catalogue"),
    Indicator("3.3", "Hồ sơ nộp trực tuyến", "(4) hồ sơ nhận trực tuyến",
              "(4) trực tuyến + (5) trực tiếp và bưu chính", 50, 6, "statistics"),
    Indicator("5.4", "Hài lòng trong tiếp nhận, giải quyết (cận trên)",
              "(3) tổng số − (10) giải quyết quá hạn − (13) đang giải quyết quá hạn", "(3) tổng số hồ sơ nhận giải quyết",
              90, 18, "statistics"),
)
BY_ID = {i.id: i for i in INDICATORS}
COLUMNS = ["period", "level", "agency", "field", "indicator", "numerator", "denominator", "rate", "threshold",
           "points", "max_points", "synthetic", "source"]
# Working days from the decision to publication (1.2): a ministry's procedures (cấp bộ among its levels), others.
PUBLISH_DAYS_MINISTRY, PUBLISH_DAYS = 10, 5


@dataclass(frozen=True, slots=True)
class Score:
    """One indicator of one unit (a level, agency, field or the whole catalogue) in one period."""

    period: str  # the statistics' period code; "" for the catalogue as published
    level: str
    agency: str
    field: str
    indicator: str
    numerator: int
    denominator: int
    synthetic: bool = False
    source: str = ""  # of the statistics row it is computed from (its `source`); "" for the catalogue's

    @property
    def rate(self) -> float | None:
        return round(self.numerator / self.denominator * 100, 2) if self.denominator else None

    @property
    def points(self) -> float | None:
        rate, indicator = self.rate, BY_ID[self.indicator]
        return None if rate is None else round(indicator.max_points * min(rate / indicator.threshold, 1), 2)

    @property
    def missing_points(self) -> float | None:
        """The distance to full points."""
        return None if self.points is None else round(BY_ID[self.indicator].max_points - self.points, 2)

    def row(self) -> list:
        indicator = BY_ID[self.indicator]
        return [self.period, self.level, self.agency, self.field, self.indicator, self.numerator, self.denominator,
                self.rate, indicator.threshold, self.points, indicator.max_points, self.synthetic, self.source]


# --- from the statistics -----------------------------------------------------------------------------------------

def statistics_scores(stats: pd.DataFrame) -> list[Score]:
    """2.1, 3.3 and 5.4 of every row that is a unit (a level, agency or field: no procedure_code), where all
    their terms are published. Terms as metrics computes them: (3) is `received_calc`, (8)+(9) `in_time_calc`."""
    units = stats[stats["procedure_code"] == ""]
    terms = {
        "2.1": (units["in_time_calc"] + units["pending_in_time"], units["received_calc"]),
        "3.3": (units["received_online"], units["received_online"] + units["received_offline"]),
        "5.4": (units["received_calc"] - units["resolved_late"] - units["pending_overdue"], units["received_calc"]),
    }
    keys = units[["period", "level", "agency", "field", "synthetic", "source"]].to_dict("records")
    scores = []
    for indicator, (numerators, denominators) in terms.items():
        for key, numerator, denominator in zip(keys, numerators.tolist(), denominators.tolist()):
            if _missing(numerator) or _missing(denominator) or numerator < 0:
                continue
            scores.append(Score(key["period"], key["level"], key["agency"], key["field"], indicator,
                                int(numerator), int(denominator), bool(key["synthetic"]), key["source"]))
    return scores


# --- from the catalogue ------------------------------------------------------------------------------------------

def complete(p: Procedure) -> bool:
    """Indicator 1.3: every part of the procedure is published — name, steps, at least one channel each with its
    time, at least one document each with a number of originals or copies, subjects, executing agency."""
    documents = [d for d in p.documents if not d.is_note]
    return bool(p.name.strip() and p.steps.strip() and p.subjects.strip() and p.agency.strip()
                and p.channels and all(c.time.strip() for c in p.channels)
                and documents and all(d.originals is not None or d.copies is not None for d in documents))


@lru_cache(maxsize=None)
def _holidays(year: int) -> frozenset[dt.date]:
    import holidays

    return frozenset(holidays.country_holidays("VN", years=year))


def working_day(day: dt.date) -> bool:
    """Monday to Friday, and not a public holiday of Việt Nam (the `holidays` library): the site's one working-day
    calendar, for indicator 1.2 here and the observed processing times (processing_time.calendar)."""
    return day.weekday() < 5 and day not in _holidays(day.year)


def working_days(start: dt.date, end: dt.date) -> int:
    """Working days after START up to END (working_day); 0 if END ≤ START."""
    days, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        days += working_day(day)
    return days


def published_in_time(p: Procedure) -> bool | None:
    """Indicator 1.2: published within the working days its level allows after the decision; None unless both dates
    are published (and published on or after the decision)."""
    if not (p.decision_date and p.published_date):
        return None
    decision, published = dt.date.fromisoformat(p.decision_date), dt.date.fromisoformat(p.published_date)
    if published < decision:
        return None
    limit = PUBLISH_DAYS_MINISTRY if "bo" in p.levels else PUBLISH_DAYS
    return working_days(decision, published) <= limit


def _catalogue_unit(listings: Iterable[Listing], agency: str, field: str) -> list[Score]:
    listings = list(listings)
    dated = [p.published_in_time for p in listings if p.published_in_time is not None]
    scores = [Score("", "", agency, field, "1.3", sum(p.complete for p in listings), len(listings)),
              Score("", "", agency, field, "3.1", sum(p.online in ONLINE_AVAILABLE for p in listings), len(listings))]
    if dated:
        scores.insert(0, Score("", "", agency, field, "1.2", sum(dated), len(dated)))
    return scores


def catalogue_scores(index: Index) -> list[Score]:
    """1.2 (where dates are published), 1.3 and 3.1 of the whole catalogue, of each executing agency and of each
    field, over the procedures on its page."""
    scores = _catalogue_unit(index.listings, "", "")
    by_agency, by_field = index.by_agency(), index.by_field()
    for slug, name in index.agencies.items():
        scores += _catalogue_unit(by_agency.get(slug, []), name, "")
    for slug, name in index.fields.items():
        scores += _catalogue_unit(by_field.get(slug, []), "", name)
    return scores



# --- the table of every unit -------------------------------------------------------------------------------------

UNIT_KINDS = {"all": "Toàn bộ", "agency": "Cơ quan", "field": "Lĩnh vực", "agency_field": "Cơ quan × lĩnh vực"}


@dataclass(frozen=True, slots=True)
class Unit:
    """A row of the indicators page: a unit's indicators from the catalogue (over the procedures of its page) and,
    at one level, from its latest statistics row."""

    kind: str  # a key of UNIT_KINDS
    agency: str
    field: str
    level: str  # of its statistics row; "" for the catalogue alone
    period: str  # its statistics row's period label; ""
    scores: tuple[Score, ...]

    @property
    def name(self) -> str:
        return " · ".join(part for part in (self.agency, self.field) if part) or "Toàn bộ"

    @property
    def synthetic(self) -> bool:
        return any(s.synthetic for s in self.scores)

    def score(self, indicator: str) -> Score | None:
        return next((s for s in self.scores if s.indicator == indicator), None)


def _kind(agency: str, field: str) -> str:
    return ("agency_field" if field else "agency") if agency else ("field" if field else "all")


def latest_scores(scores: list[Score], latest: dict[tuple[str, str, str], tuple[str, str]]) -> list[Score]:
    """The SCORES of each unit's latest row (LATEST: (level, agency, field) → (period, its label),
    figures.latest_periods)."""
    return [s for s in scores if latest.get((s.level, s.agency, s.field), ("",))[0] == s.period]


def units(catalogue: list[Score], statistics: list[Score], latest: dict[tuple[str, str, str], tuple[str, str]]
          ) -> list[Unit]:
    """Every unit with its indicators: the catalogue's scores (catalogue_scores) joined, by the names' group key
    (the rule that makes one page of two spellings), to those of each level's latest statistics row (STATISTICS:
    latest_scores; LATEST: their periods and labels). A unit the statistics name at several levels has a row per
    level, each with its catalogue scores."""
    from .parse import group_key

    @lru_cache(maxsize=None)  # a name is on each of its unit's scores
    def key(agency: str, field: str) -> tuple[str, str]:
        return group_key(agency), group_key(field)

    from_catalogue: dict[tuple[str, str], list[Score]] = {}
    for s in catalogue:
        from_catalogue.setdefault(key(s.agency, s.field), []).append(s)
    from_statistics: dict[tuple[str, str, str], list[Score]] = {}
    for s in statistics:
        from_statistics.setdefault((s.level, s.agency, s.field), []).append(s)
    rows, joined = [], set()
    for (level, agency, field), scores in from_statistics.items():
        unit = key(agency, field)
        joined.add(unit)
        rows.append(Unit(_kind(agency, field), agency, field, level, latest[(level, agency, field)][1],
                         tuple(from_catalogue.get(unit, [])) + tuple(scores)))
    for unit, scores in from_catalogue.items():
        if unit not in joined:
            rows.append(Unit(_kind(scores[0].agency, scores[0].field), scores[0].agency, scores[0].field, "", "",
                             tuple(scores)))
    from .vietnamese import fold

    order = list(UNIT_KINDS)
    return sorted(rows, key=lambda u: (order.index(u.kind), fold(u.name), u.name, u.level))


def totals(table: list[Unit]) -> Unit | None:
    """The whole: the catalogue's indicators over all its procedures, with those of the statistics' all-levels
    row (level `tong`) when one is published."""
    whole = [u for u in table if u.kind == "all"]
    return next((u for u in whole if u.level == "tong"), next((u for u in whole if not u.level), None))


@dataclass(frozen=True, slots=True)
class PointsChart:
    """The whole's indicators as the indicators page draws them (templates/_figures.html `points_chart`): a bar of
    points from 0 per indicator, as long as its maximum, the part earned dark and what it lacks light."""

    id: str
    title: str
    summary: str
    note: str
    scores: tuple[Score, ...]  # those with points
    synthetic: bool
    sources: tuple[str, ...]

    @property
    def height(self) -> int:
        return 34 * len(self.scores) + 40

    @property
    def columns(self) -> tuple[str, ...]:
        return ("Chỉ số", "Tử số", "Mẫu số", "Tỷ lệ", "Ngưỡng đủ điểm", "Điểm", "Tối đa")

    @property
    def rows(self) -> tuple[tuple[str, ...], ...]:
        return tuple((f"{s.indicator} {BY_ID[s.indicator].name}", format_number(s.numerator),
                      format_number(s.denominator), format_percent(s.rate), format_percent(BY_ID[s.indicator].threshold),
                      format_number(s.points, 2), format_number(BY_ID[s.indicator].max_points)) for s in self.scores)


def points_chart(total: Unit) -> PointsChart | None:
    """The chart of the whole (totals); None when no indicator of it has points."""
    scores = tuple(s for s in total.scores if s.points is not None)
    if not scores:
        return None
    logged = any(s.source.endswith(LOG_SOURCE) for s in scores)  # the statistics row is the dossier log's
    when = ("danh mục hiện hành" + (f", số liệu {total.period}" if total.period else "")
            + (f" {LOG_SOURCE}" if logged else ""))
    lacking = max(scores, key=lambda s: s.missing_points)
    summary = (f"Tính lại từ số liệu công bố ({when}), chỉ số còn thiếu nhiều điểm nhất là {lacking.indicator} "
               f"{BY_ID[lacking.indicator].name}: {format_number(lacking.points, 2)} trên "
               f"{format_number(BY_ID[lacking.indicator].max_points)} điểm ({format_percent(lacking.rate)}).")
    note = ("Mỗi thanh dài bằng điểm tối đa của chỉ số: phần đậm là điểm tính lại, phần nhạt là phần còn thiếu; "
            "trục từ 0. Không phải điểm chính thức.")
    return PointsChart("chi-so-766", f"Chỉ số 766 tính lại cho toàn bộ, {when}", summary, note, scores,
                       any(s.synthetic for s in scores),
                       ("dữ liệu mở của trang này: du-lieu/thong-ke.csv, du-lieu/thu-tuc.csv",))
