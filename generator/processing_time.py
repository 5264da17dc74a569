"""Observed processing time (issue #17): from the dossier log, per procedure and per agency (at its level), how many
dossiers were resolved, the median and 90th percentile of their working days from received to finished, and the
share finished within the legal time of their channel as the catalogue states it.

A dossier's working days are those after the day it was received up to and including the day it finished (one
received on Friday and finished on Monday took 1; one finished the day it was received, 0), on the site's one
working-day calendar (indicators.working_day: Monday to Friday, not a public holiday of Việt Nam). The log may
hold 10⁸ dossiers, so the counting runs in the query engine (dossier_sql.processing_times): Python makes a table
of the days the log covers, each numbered and with the working days up to it, and the engine subtracts two numbers
per dossier. Only resolved dossiers count: a dossier returned or withdrawn did not get what it asked for, so its time
is not a processing time.

A figure over fewer than MIN_DOSSIERS dossiers is withheld everywhere (pages and open data): with a handful of
dossiers, a median and a 90th percentile are nearly the dossiers' own days, which with the period and the count
say when a person's dossier was handled. Only the count is kept; Biểu 06 publishes it already.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from .dossier_sql import PERCENTILES, coverage, processing_times
from .schema import STAT_LEVELS

if TYPE_CHECKING:
    from .dossiers import Log
    from .model import Channel

MIN_DOSSIERS = 5
WITHHELD = "dưới 5 hồ sơ"
ANY_CHANNEL = ""  # the legal time of a dossier whose channel the log leaves empty


def legal_times(channels: Iterable[Channel]) -> tuple[tuple[str, float, bool], ...]:
    """(channel, days, working) of each channel of a procedure whose legal time the catalogue states as days
    (parse.parse_time: Channel.time_days, counted in working days or not), and for ANY_CHANNEL the time all its
    channels share. A channel with two times that differ (one per case), or one that does not read as days, has
    none: which of them a dossier had is not in the log."""
    by_channel: dict[str, set] = {}
    for c in channels:
        by_channel.setdefault(c.channel, set()).add(
            None if c.time_days is None else (c.time_days, bool(c.time_working_days)))
    every = set().union(*by_channel.values()) if by_channel else set()
    found = [(channel, *values.pop()) for channel, values in by_channel.items()
             if len(values) == 1 and None not in values]
    if len(every) == 1 and None not in every:
        found.append((ANY_CHANNEL, *every.pop()))
    return tuple(found)


def calendar(first: dt.date, last: dt.date) -> list[tuple[dt.date, int, int]]:
    """Every day from FIRST to LAST: (day, its number from FIRST, the working days after FIRST up to it)."""
    from .indicators import working_day

    days, working = [], 0
    for number in range((last - first).days + 1):
        day = first + dt.timedelta(days=number)
        working += number > 0 and working_day(day)
        days.append((day, number, working))
    return days


@dataclass(frozen=True, slots=True)
class ProcessingTime:
    """One scope's observed processing time: a procedure's (every agency of the log) or an agency's (at its level,
    every procedure). Figures over fewer than MIN_DOSSIERS dossiers are None."""

    scope: str  # "procedure" or "agency"
    procedure_code: str
    level: str
    agency: str
    period_start: dt.date  # the first day of the log's first month
    period_end: dt.date  # the last day of its last month
    dossiers: int  # resolved, finished in the log
    median: float | None  # working days
    p90: float | None
    timed: int | None  # of them, those with a legal time
    within: int | None  # of those, finished within it (None also when fewer than MIN_DOSSIERS are timed)
    source: str  # dossiers.Log.source
    synthetic: bool

    @property
    def withheld(self) -> bool:
        return self.dossiers < MIN_DOSSIERS

    @property
    def share(self) -> float | None:
        """Within the legal time, % of the dossiers with one (2 decimals); None when not published."""
        return None if self.within is None or not self.timed else round(self.within / self.timed * 100, 2)

    @property
    def period(self) -> str:
        """The months the log covers, as 12/2021–11/2023."""
        return f"{self.period_start:%m/%Y}–{self.period_end:%m/%Y}"


def compute(log: Log, legal: dict[str, tuple]) -> tuple[ProcessingTime, ...]:
    """The processing times of the opened LOG (dossiers.opened), its procedures' legal times LEGAL (code →
    legal_times), procedures before agencies, agencies by level."""
    from .parse import _month_end

    engine = log.engine
    first, last_received, last_finished, _ = engine.rows(coverage())[0]
    if last_finished is None:
        return ()
    engine.table("calendar", {"day": "DATE", "day_number": "INTEGER", "working_number": "INTEGER"},
                 calendar(first, last_finished))
    engine.table("legal_times", {"procedure_code": "VARCHAR", "channel": "VARCHAR", "days": "DOUBLE",
                                 "working": "INTEGER"},
                 ((code, channel, days, int(working)) for code, times in legal.items()
                  for channel, days, working in times))
    last = max(last_received, last_finished)
    start, end = first.replace(day=1), _month_end(last.year, last.month)
    order = list(STAT_LEVELS)
    rows = sorted(engine.rows(processing_times()), key=lambda r: (r[0] != "procedure", order.index(r[2] or "tong")))
    times = []
    for scope, code, level, agency, dossiers, timed, within, *between in rows:
        shown = dossiers >= MIN_DOSSIERS
        median, p90 = (_interpolated(dossiers, tenths, *between[2 * i:2 * i + 2])
                       for i, tenths in enumerate(PERCENTILES.values()))
        times.append(ProcessingTime(
            scope, code, level, agency, start, end, dossiers, median if shown else None, p90 if shown else None,
            timed if shown else None, int(within) if shown and timed >= MIN_DOSSIERS else None, log.source,
            log.synthetic))
    return tuple(times)


def _interpolated(dossiers: int, tenths: int, low: int, high: int | None) -> float:
    """PERCENTILE_CONT at TENTHS/10 of DOSSIERS days: LOW, the day at position k = ⌊TENTHS/10 × (n − 1)⌋, and
    HIGH, the next (None past the last), interpolated by the rest of the position, a whole number of tenths; rounded
    to one decimal, which removes the binary error of the product and nothing else."""
    rest = tenths * (dossiers - 1) % 10
    return round(low + rest / 10 * (high - low), 1) if rest else float(low)


def procedure_times(times: Iterable[ProcessingTime]) -> dict[str, ProcessingTime]:
    return {t.procedure_code: t for t in times if t.scope == "procedure"}


def agency_times(times: Iterable[ProcessingTime]) -> dict[str, dict[tuple[str, str], ProcessingTime]]:
    """Each agency page's times by (level, the agency as the log writes it, as its scorecards do), keyed by its
    name's group key (parse.group_key: the key of its page, which two spellings of a name share)."""
    from .parse import group_key

    found: dict[str, dict[tuple[str, str], ProcessingTime]] = {}
    for t in times:
        if t.scope == "agency":
            found.setdefault(group_key(t.agency), {})[(t.level, t.agency)] = t
    return found
