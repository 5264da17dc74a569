"""Figures stage for procedure pages (issue #15): from the statistics rows that name a procedure
(`procedure_code`), what its page shows beside the legal time — the latest period's Biểu 06 figures, a trend of up
to TREND periods, the same rate of its field and agency for that period, and the findings of those rows.

Runs in the statistics stage, after metrics and audit, on their columns (the rate is metrics'
`on_time_rate_calc`, its terms `in_time_calc` / `resolved_calc`): nothing is computed a second way. The result is
plain frozen data, so it is kept in the build cache with the statistics product and its repr is part of each
procedure page's key (render.Renderer.shell_pages): a page changes when its figures do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .vietnamese import _missing

if TYPE_CHECKING:  # imported where used: pages and the build cache read this module's data without pandas
    import pandas as pd

TREND = 12  # periods of the trend on a procedure page
# The statistics' columns a procedure page reads, each a count or NA (metrics.statistics_metrics).
_COUNTS = ["in_time_calc", "resolved_calc", "received_calc", "received_online", "resolved_late", "pending_overdue"]


@dataclass(frozen=True, slots=True)
class Rate:
    """A Biểu 06 on-time rate with its terms: (early + on time) / resolved × 100; None where not published."""

    in_time: int | None
    resolved: int | None
    rate: float | None


@dataclass(frozen=True, slots=True)
class Period:
    """One period of a scope's trend."""

    label: str  # short: 12/2025, Q4/2025, 2025
    rate: Rate
    synthetic: bool


@dataclass(frozen=True, slots=True)
class Context:
    """The same rate, for the same period, of the field or agency the procedure's rows name."""

    kind: str  # "field" or "agency"
    name: str
    rate: Rate
    synthetic: bool


@dataclass(frozen=True, slots=True)
class Finding:
    anchor: str  # its row's id on the findings page (audit.row_anchor)
    period: str
    check: str  # its Vietnamese name (audit.CHECK_NAMES)
    message: str


@dataclass(frozen=True, slots=True)
class Scope:
    """A procedure's figures at one level and agency (the rows published for it with the same scope)."""

    level: str
    agency: str
    field: str
    period: str  # the latest period, as the statistics page names it
    rate: Rate
    received: int | None
    online: int | None
    online_share: float | None  # of the new dossiers (metrics.online_share)
    late: int | None
    overdue: int | None
    synthetic: bool
    trend: tuple[Period, ...]
    context: tuple[Context, ...]
    findings: tuple[Finding, ...]


def _count(value) -> int | None:
    return None if _missing(value) else int(value)


def _share(value) -> float | None:
    return None if _missing(value) else float(value)


def _rate(row: dict) -> Rate:
    return Rate(_count(row["in_time_calc"]), _count(row["resolved_calc"]), _share(row["on_time_rate_calc"]))


def procedure_figures(stats: pd.DataFrame, found: pd.DataFrame) -> dict[str, tuple[Scope, ...]]:
    """Each procedure code named by some row → its scopes, in the order of their rows. A scope's periods are those
    of its most common kind (months and quarters are never mixed), the latest TREND of them by end date."""
    from .audit import CHECK_NAMES, row_anchor
    from .charts import short_period

    named = stats["procedure_code"] != ""
    if not named.any():
        return {}
    columns = ["period", "period_kind", "period_start", "period_end", "period_label", "level", "agency", "field",
               "procedure_code", "synthetic", "file", "row", "on_time_rate_calc", "online_share", *_COUNTS]
    rows = stats.loc[named, columns]
    # Field and agency rows of each period, for context: the field's at the procedure's level, else of all levels.
    plain = stats.loc[~named, columns]
    context: dict[tuple, dict] = {}
    for row in plain.to_dict("records"):
        context.setdefault((row["level"], row["agency"], row["field"], row["period"]), row)
    problems: dict[tuple[str, int], list[dict]] = {}
    for f in found.loc[found["procedure_code"] != "", ["file", "row", "check", "message", "period_label"]] \
            .to_dict("records"):
        problems.setdefault((f["file"], f["row"]), []).append(f)

    figures: dict[str, list[Scope]] = {}
    for (code, level, agency, field), group in rows.groupby(["procedure_code", "level", "agency", "field"],
                                                            sort=False):
        kind = group["period_kind"].value_counts().idxmax()
        series = group[group["period_kind"] == kind].sort_values("period_end", kind="stable").tail(TREND)
        records = series.to_dict("records")
        last = records[-1]
        around = []
        if field:
            row = (context.get((level, "", field, last["period"]))
                   or context.get(("tong", "", field, last["period"])))
            if row is not None:
                around.append(Context("field", field, _rate(row), bool(row["synthetic"])))
        if agency:
            row = context.get((level, agency, "", last["period"]))
            if row is not None:
                around.append(Context("agency", agency, _rate(row), bool(row["synthetic"])))
        findings = tuple(Finding(row_anchor(r["file"], r["row"]), r["period_label"], CHECK_NAMES[f["check"]],
                                 f["message"])
                         for r in records for f in problems.get((r["file"], r["row"]), []))
        figures.setdefault(code, []).append(Scope(
            level=level, agency=agency, field=field, period=last["period_label"], rate=_rate(last),
            received=_count(last["received_calc"]), online=_count(last["received_online"]),
            online_share=_share(last["online_share"]), late=_count(last["resolved_late"]),
            overdue=_count(last["pending_overdue"]), synthetic=bool(last["synthetic"]),
            trend=tuple(Period(short_period(r["period_kind"], r["period_start"], r["period"]), _rate(r),
                               bool(r["synthetic"])) for r in records),
            context=tuple(around), findings=findings))
    return {code: tuple(scopes) for code, scopes in figures.items()}


def sparkline(trend: tuple[Period, ...], width: int = 120, height: int = 28) -> dict | None:
    """An inline SVG line of the trend's rates, read by position (not length): its points, and the axis it is
    drawn on — from the whole percent below the lowest rate to 100 %, as the statistics page's rate charts —
    which the page states beside it. None with fewer than two rates."""
    rates = [p.rate.rate for p in trend]
    known = [r for r in rates if r is not None]
    if len(known) < 2:
        return None
    low = min(int(min(known)), 99)
    step = width / (len(rates) - 1)
    points = " ".join(f"{i * step:.1f},{height - (r - low) / (100 - low) * height:.1f}"
                      for i, r in enumerate(rates) if r is not None)
    return {"points": points, "low": low, "width": width, "height": height}
