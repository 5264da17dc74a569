"""Figures stage for procedure, agency and field pages (issue #15): from the statistics rows that name a procedure
(`procedure_code`), what its page shows beside the legal time — the latest period's Biểu 06 figures, a trend of up
to TREND periods, the same rate of its field and agency for that period, and the findings of those rows; from the
rows that name an agency or a field alone, the same as its page's scorecard, with its rank among its peers.

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

TREND = 12  # periods of a trend
# The statistics' columns a procedure page reads, each a count or NA (metrics.statistics_metrics).
_COUNTS = ["in_time_calc", "resolved_calc", "received_calc", "received_online", "resolved_late", "pending_overdue"]
_COLUMNS = ["period", "period_kind", "period_start", "period_end", "period_label", "level", "agency", "field",
            "procedure_code", "synthetic", "file", "row", "source", "on_time_rate_calc", "online_share", *_COUNTS]


class _Fields:
    """Pickled as a call with its fields' values: the build cache reads every procedure's figures back on every
    build, and a dataclass with slots is otherwise unpickled field by field in Python, three times slower."""

    __slots__ = ()

    def __reduce__(self):
        return type(self), tuple(getattr(self, name) for name in self.__match_args__)


@dataclass(frozen=True, slots=True)
class Rate(_Fields):
    """A Biểu 06 on-time rate with its terms: (early + on time) / resolved × 100; None where not published."""

    in_time: int | None
    resolved: int | None
    rate: float | None


@dataclass(frozen=True, slots=True)
class Period(_Fields):
    """One period of a scope's trend."""

    label: str  # short: 12/2025, Q4/2025, 2025
    rate: Rate
    synthetic: bool


@dataclass(frozen=True, slots=True)
class Context(_Fields):
    """The same rate, for the same period, of the field or agency the procedure's rows name."""

    kind: str  # "field" or "agency"
    name: str
    rate: Rate
    synthetic: bool


@dataclass(frozen=True, slots=True)
class Finding(_Fields):
    anchor: str  # its row's id on the findings page (audit.row_anchor)
    period: str
    check: str  # its Vietnamese name (audit.CHECK_NAMES)
    message: str


@dataclass(frozen=True, slots=True)
class Scope(_Fields):
    """A procedure's, agency's or field's figures at one level (the rows published for it with the same scope)."""

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
    sources: tuple[str, ...] = ()  # of the trend's rows, as published
    source: str = ""  # of the latest period's row: the page says when it is computed from the dossier log


@dataclass(frozen=True, slots=True)
class Rank:
    """Where a unit's on-time rate stands among the units of its kind, level and period: POSITION of OF (1 is the
    highest; equal rates share a position)."""

    position: int
    of: int


@dataclass(frozen=True, slots=True)
class Scorecard:
    """An agency's or field's figures at one level: its latest period and trend (as a procedure's), its rank, and
    the QĐ 766 indicators its latest row allows (indicators.statistics_scores)."""

    kind: str  # "agency" or "field"
    name: str  # as the statistics write it
    scope: Scope
    rank: Rank | None
    scores: tuple  # of indicators.Score


def _count(value) -> int | None:
    return None if _missing(value) else int(value)


def _share(value) -> float | None:
    return None if _missing(value) else float(value)


def _rate(in_time, resolved, rate) -> Rate:
    return Rate(_count(in_time), _count(resolved), _share(rate))


def procedure_figures(stats: pd.DataFrame, found: pd.DataFrame) -> dict[str, tuple[Scope, ...]]:
    """Each procedure code named by some row → its scopes, in the order of their rows. A scope's periods are those
    of its most common kind (months and quarters are never mixed; a tie goes to the kind met first), the latest
    TREND of them by end date (a tie keeps the rows' order).

    A catalogue may have a scope for each of tens of thousands of procedures: the scopes, their kinds and their
    latest periods are found on whole columns at once, and Python visits only the rows a page shows."""
    import numpy as np
    import pandas as pd

    from .audit import CHECK_NAMES, row_anchor
    from .charts import short_period

    named = (stats["procedure_code"] != "").to_numpy(dtype=bool)
    if not named.any():
        return {}
    keys = ["procedure_code", "level", "agency", "field"]
    rows = stats.loc[named].reset_index(drop=True)
    scope = rows.groupby(keys, sort=False).ngroup().to_numpy()  # numbered in the order of their first rows
    kinds = pd.factorize(rows["period_kind"])[0]
    # Each scope's most common kind, the first met among equals: by scope, then count (down), then first row.
    table = pd.DataFrame({"scope": scope, "kind": kinds, "position": np.arange(len(rows))})
    table = table[table["scope"] >= 0]
    counts = table.groupby(["scope", "kind"], sort=False)["position"].agg(["size", "min"]).reset_index()
    counts = counts.sort_values(["scope", "size", "min"], ascending=[True, False, True], kind="stable")
    chosen = np.full(scope.max() + 1, -1)
    best = counts.drop_duplicates("scope")
    chosen[best["scope"].to_numpy()] = best["kind"].to_numpy()
    kept = np.flatnonzero((scope >= 0) & (kinds == chosen[scope]))
    # Within a scope by end date, the rows' order among equal dates (lexsort is stable); the latest TREND of each.
    ends = np.array([d.toordinal() for d in rows["period_end"].to_numpy()[kept].tolist()], dtype=np.int64)
    kept = kept[np.lexsort((ends, scope[kept]))]
    from_end = pd.Series(scope[kept]).groupby(scope[kept], sort=False).cumcount(ascending=False).to_numpy()
    kept = kept[from_end < TREND]
    columns = ["period", "period_kind", "period_start", "period_label", "level", "agency", "field",
               "procedure_code", "synthetic", "file", "row", "source", "on_time_rate_calc", "online_share", *_COUNTS]
    shown = rows.iloc[kept]
    values = {c: shown[c].tolist() for c in columns}
    rates = list(map(_rate, values["in_time_calc"], values["resolved_calc"], values["on_time_rate_calc"]))
    labels = {key: short_period(*key) for key in set(zip(values["period_kind"], values["period_start"],
                                                         values["period"]))}
    periods = [Period(labels[key], rate, bool(synthetic)) for key, rate, synthetic in zip(
        zip(values["period_kind"], values["period_start"], values["period"]), rates, values["synthetic"])]

    # Field and agency rows of each period, for context: the field's at the procedure's level, else of all levels.
    plain = stats.loc[~named, ["level", "agency", "field", "period", "in_time_calc", "resolved_calc",
                               "on_time_rate_calc", "synthetic"]]
    context: dict[tuple, tuple] = {}
    for row in zip(*(plain[c].tolist() for c in plain.columns)):
        context.setdefault(row[:4], row[4:])
    problems = _problems(found, found["procedure_code"] != "")

    figures: dict[str, list[Scope]] = {}
    group = scope[kept]
    bounds = np.flatnonzero(np.diff(group)) + 1
    for first, end in zip([0, *bounds.tolist()], [*bounds.tolist(), len(kept)]):
        last = end - 1
        code, level, agency, field = (values[c][last] for c in keys)
        period = values["period"][last]
        around = []
        if field:
            row = context.get((level, "", field, period)) or context.get(("tong", "", field, period))
            if row is not None:
                around.append(Context("field", field, _rate(*row[:3]), bool(row[3])))
        if agency:
            row = context.get((level, agency, "", period))
            if row is not None:
                around.append(Context("agency", agency, _rate(*row[:3]), bool(row[3])))
        findings = tuple(Finding(row_anchor(file, number), f["period_label"], CHECK_NAMES[f["check"]], f["message"])
                         for file, number in zip(values["file"][first:end], values["row"][first:end])
                         for f in problems.get((file, number), []))
        figures.setdefault(code, []).append(Scope(
            level=level, agency=agency, field=field, period=values["period_label"][last], rate=rates[last],
            received=_count(values["received_calc"][last]), online=_count(values["received_online"][last]),
            online_share=_share(values["online_share"][last]), late=_count(values["resolved_late"][last]),
            overdue=_count(values["pending_overdue"][last]), synthetic=bool(values["synthetic"][last]),
            trend=tuple(periods[first:end]), context=tuple(around), findings=findings,
            source=values["source"][last]))
    return {code: tuple(scopes) for code, scopes in figures.items()}


def _row_rate(row: dict) -> Rate:
    return _rate(row["in_time_calc"], row["resolved_calc"], row["on_time_rate_calc"])


def _problems(found: pd.DataFrame, rows: pd.Series) -> dict[tuple[str, int], list[dict]]:
    """The findings of the rows ROWS selects, by their row's (file, row)."""
    problems: dict[tuple[str, int], list[dict]] = {}
    for f in found.loc[rows, ["file", "row", "check", "message", "period_label"]].to_dict("records"):
        problems.setdefault((f["file"], f["row"]), []).append(f)
    return problems


def _trend(group: pd.DataFrame) -> list[dict]:
    """A scope's periods: those of its most common kind (months and quarters are never mixed), the latest TREND
    of them by end date."""
    kind = group["period_kind"].value_counts().idxmax()
    return group[group["period_kind"] == kind].sort_values("period_end", kind="stable").tail(TREND) \
        .to_dict("records")


def _scope(records: list[dict], context: tuple[Context, ...], problems: dict) -> Scope:
    from .audit import CHECK_NAMES, row_anchor
    from .charts import short_period

    last = records[-1]
    findings = tuple(Finding(row_anchor(r["file"], r["row"]), r["period_label"], CHECK_NAMES[f["check"]],
                             f["message"])
                     for r in records for f in problems.get((r["file"], r["row"]), []))
    return Scope(
        level=last["level"], agency=last["agency"], field=last["field"], period=last["period_label"],
        rate=_row_rate(last), received=_count(last["received_calc"]), online=_count(last["received_online"]),
        online_share=_share(last["online_share"]), late=_count(last["resolved_late"]),
        overdue=_count(last["pending_overdue"]), synthetic=bool(last["synthetic"]),
        trend=tuple(Period(short_period(r["period_kind"], r["period_start"], r["period"]), _row_rate(r),
                           bool(r["synthetic"])) for r in records),
        context=context, findings=findings,
        sources=tuple(dict.fromkeys(r["source"] for r in records if not _missing(r["source"]) and r["source"])),
        source=last["source"])


def latest_periods(stats: pd.DataFrame) -> dict[tuple[str, str, str], tuple[str, str]]:
    """Each unit's (a row without a procedure: a level, agency or field) (level, agency, field) → the period of
    its latest row and that period's label, chosen as its trend's last period."""
    units = stats.loc[stats["procedure_code"] == "", _COLUMNS]
    latest = {}
    for key, group in units.groupby(["level", "agency", "field"], sort=False):
        last = _trend(group)[-1]
        latest[key] = (last["period"], last["period_label"])
    return latest


def unit_figures(stats: pd.DataFrame, found: pd.DataFrame, latest_scores: list
                 ) -> dict[tuple[str, str], tuple[Scorecard, ...]]:
    """The scorecard of each agency and field the statistics name alone (rows with an agency and no field, or the
    reverse, and no procedure), one per level, keyed by ("agency" | "field", parse.group_key(name)) — the key its
    page in the catalogue has. Its rank is among the rows of the same kind, level and period that have a rate.
    LATEST_SCORES: the QĐ 766 indicators of each unit's latest row (indicators.latest_scores)."""
    from .parse import group_key

    unit = stats["procedure_code"] == ""
    kinds = {"agency": unit & (stats["agency"] != "") & (stats["field"] == ""),
             "field": unit & (stats["field"] != "") & (stats["agency"] == "")}
    problems = _problems(found, found["procedure_code"] == "")
    scores: dict[tuple, list] = {}
    for score in latest_scores:
        scores.setdefault((score.period, score.level, score.agency, score.field), []).append(score)
    cards: dict[tuple[str, str], list[Scorecard]] = {}
    for kind, selected in kinds.items():
        rows = stats.loc[selected, _COLUMNS]
        rated = rows[rows["on_time_rate_calc"].notna()]
        peers = {key: sorted(group.tolist(), reverse=True)
                 for key, group in rated.groupby(["level", "period"])["on_time_rate_calc"]}
        for (name, level), group in rows.groupby([kind, "level"], sort=False):
            records = _trend(group)
            scope = _scope(records, (), problems)
            last = records[-1]
            rank = None
            if scope.rate.rate is not None:
                others = peers[(level, last["period"])]
                rank = Rank(1 + sum(rate > scope.rate.rate for rate in others), len(others))
            cards.setdefault((kind, group_key(name)), []).append(Scorecard(
                kind, name, scope, rank, tuple(scores.get((last["period"], level, last["agency"], last["field"]), ()))))
    return {key: tuple(value) for key, value in cards.items()}


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
