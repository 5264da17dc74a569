"""Charts stage: Plotly figure specs, each with the table of its numbers, a one-sentence summary and a CSV.

On-time rate everywhere is the report form's: (early + on time) / resolved × 100, summed over the rows of a bar
before dividing. A bar built from any row with an integrity finding is marked; so is one built from synthetic rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from .audit import LEVEL_PARTS
from .schema import STAT_LEVELS
from .opendata import plain, csv_bytes
from .vietnamese import format_count, format_percent

RATE_AXIS = "Tỷ lệ đúng hạn (%)"
RATE_DEFINITION = "(trước hạn + đúng hạn) / đã giải quyết × 100, theo Biểu số 06/VPCP/KSTT"


@dataclass
class Chart:
    id: str
    title: str
    summary: str
    figure: str  # Plotly JSON; also safe inside a <script> element
    columns: list[str]
    rows: list[list[str]]
    marks: list[int]  # findings behind each table row
    flagged: list[tuple[int, ...]]  # the statistics rows (index labels) with those findings, for each table row
    synthetic: bool
    csv: bytes = field(repr=False, default=b"")


def script_json(value: str) -> str:
    """JSON text that cannot close or open a tag inside <script>."""
    return (value.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def short_period(kind: str, start: dt.date, period: str) -> str:
    return {"month": f"{start.month:02d}/{start.year}", "quarter": f"Q{(start.month - 1) // 3 + 1}/{start.year}",
            "year": f"{start.year}"}.get(kind, period)


def _short_periods(rows: pd.DataFrame) -> list[str]:
    return [short_period(*values) for values in zip(rows["period_kind"], rows["period_start"], rows["period"])]


def _window(rows: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The latest twelve months of the most common kind of period, so no dossier is counted twice."""
    if rows.empty:
        return rows, ""
    kind = rows["period_kind"].value_counts().idxmax()
    rows = rows[rows["period_kind"] == kind]
    latest = rows["period_end"].max()
    rows = rows[rows["period_end"] > latest - dt.timedelta(days=365)]
    first = rows.loc[rows["period_start"].idxmin()]
    last = rows.loc[rows["period_end"].idxmax()]
    label = last["period_label"] if first["period"] == last["period"] else f"{first['period_label']} – {last['period_label']}"
    return rows, label


def _series(rows: pd.DataFrame) -> pd.DataFrame:
    """Only rows that publish both terms of the rate count towards it."""
    return rows[rows["in_time_calc"].notna() & rows["resolved_calc"].notna()]


def _flagged(findings: pd.Series) -> tuple[int, ...]:
    """The rows of a group that have findings: where the «⚠ N» of the group's table row leads."""
    return tuple(findings.index[findings > 0])


def _rates(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    rows = _series(rows)
    grouped = rows.groupby(keys, sort=False).agg(
        resolved=("resolved_calc", "sum"), in_time=("in_time_calc", "sum"),
        findings=("findings", "sum"), flagged=("findings", _flagged), synthetic=("synthetic", "any")).reset_index()
    grouped["rate"] = (grouped["in_time"].astype(float) / grouped["resolved"].astype(float).where(grouped["resolved"] > 0)
                       * 100).round(2)
    return grouped


def _layout(**extra) -> dict:
    layout = dict(separators=",.", margin=dict(l=10, r=10, t=10, b=10), height=380,
                  font=dict(family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"),
                  legend=dict(orientation="h", y=-0.2))
    return {**layout, **extra}


def _figure(fig: go.Figure) -> str:
    return script_json(fig.to_json(validate=False))


def _table_csv(columns: list[str], rows: list[list]) -> bytes:
    """The chart's table as a CSV: numbers as numbers, findings and synthetic flag per row."""
    return csv_bytes(columns + ["Số sai lệch", "Mô phỏng"], [[plain(v) for v in row] for row in rows])


def _rate_table(frame: pd.DataFrame, label_columns: list[tuple[str, str]]) -> tuple[list[str], list[list[str]], list[list]]:
    columns = [title for _, title in label_columns] + ["Đã giải quyết", "Trước và đúng hạn", RATE_AXIS]
    shown, raw = [], []
    for r in frame.itertuples():
        labels = [getattr(r, key) for key, _ in label_columns]
        shown.append(labels + [format_count(r.resolved), format_count(r.in_time), format_percent(r.rate)])
        raw.append(labels + [int(r.resolved), int(r.in_time), None if pd.isna(r.rate) else float(r.rate),
                             int(r.findings), "1" if r.synthetic else "0"])
    return columns, shown, raw


def _rate_chart(id: str, title: str, frame: pd.DataFrame, label_columns: list[tuple[str, str]], x: pd.Series,
                summary: str, horizontal: bool = False) -> Chart:
    if horizontal:
        bar = go.Bar(y=x, x=frame["rate"], orientation="h", marker_color="#3f51b5",
                     hovertemplate="%{y}: %{x:.2f}%<extra></extra>")
        layout = _layout(xaxis=dict(title=RATE_AXIS, range=[max(0, float(frame["rate"].min()) - 2), 100]),
                         yaxis=dict(autorange="reversed", automargin=True), height=max(300, 28 * len(frame) + 80))
    else:
        bar = go.Bar(x=x, y=frame["rate"], marker_color="#3f51b5", hovertemplate="%{x}: %{y:.2f}%<extra></extra>")
        layout = _layout(yaxis=dict(title=RATE_AXIS, range=[max(0, float(frame["rate"].min()) - 2), 100]))
    columns, shown, raw = _rate_table(frame, label_columns)
    return Chart(id, title, summary, _figure(go.Figure(bar, layout)), columns, shown,
                 frame["findings"].astype(int).tolist(), frame["flagged"].tolist(), bool(frame["synthetic"].any()),
                 _table_csv(columns, raw))


def build_charts(stats: pd.DataFrame) -> list[Chart]:
    """The charts the statistics page shows, for whatever the data publishes (a chart with no data is left out)."""
    s = stats.copy()
    s["level_label"] = s["level"].map(STAT_LEVELS)
    plain = (s["field"] == "") & (s["procedure_code"] == "")
    charts: list[Chart] = []

    level_rows, window = _window(s[plain & (s["agency"] == "") & s["level"].isin(LEVEL_PARTS)])
    by_level = _rates(level_rows, ["level", "level_label"]).dropna(subset=["rate"])
    if not by_level.empty:
        best, worst = by_level.loc[by_level["rate"].idxmax()], by_level.loc[by_level["rate"].idxmin()]
        summary = (f"Trong {window}, {best['level_label'].lower()} giải quyết đúng hạn cao nhất ({format_percent(best['rate'])}), "
                   f"{worst['level_label'].lower()} thấp nhất ({format_percent(worst['rate'])}).")
        charts.append(_rate_chart("theo-cap", f"Tỷ lệ giải quyết đúng hạn theo cấp, {window}", by_level,
                                  [("level_label", "Cấp")], by_level["level_label"], summary))

    agency_rows, window = _window(s[plain & (s["agency"] != "")])
    by_agency = _rates(agency_rows, ["agency", "level_label"]).dropna(subset=["rate"])
    by_agency = by_agency.sort_values(["rate", "agency"], ascending=[False, True]).reset_index(drop=True)
    if not by_agency.empty:
        worst = by_agency.iloc[-1]
        summary = (f"Trong {window}, {len(by_agency)} cơ quan có số liệu; thấp nhất là {worst['agency']} "
                   f"({format_percent(worst['rate'])}), cao nhất {by_agency.iloc[0]['agency']} ({format_percent(by_agency.iloc[0]['rate'])}).")
        charts.append(_rate_chart("theo-co-quan", f"Xếp hạng cơ quan theo tỷ lệ đúng hạn, {window}", by_agency,
                                  [("agency", "Cơ quan"), ("level_label", "Cấp")], by_agency["agency"], summary,
                                  horizontal=True))

    field_rows, window = _window(s[(s["field"] != "") & (s["procedure_code"] == "")])
    by_field = _rates(field_rows, ["field"]).dropna(subset=["rate"]).sort_values(["rate", "field"], ascending=[False, True])
    if not by_field.empty:
        worst = by_field.iloc[-1]
        summary = f"Trong {window}, lĩnh vực có tỷ lệ đúng hạn thấp nhất là {worst['field']} ({format_percent(worst['rate'])})."
        charts.append(_rate_chart("theo-linh-vuc", f"Tỷ lệ giải quyết đúng hạn theo lĩnh vực, {window}", by_field,
                                  [("field", "Lĩnh vực")], by_field["field"], summary, horizontal=True))

    trend = _trend(s[plain & (s["agency"] == "")])
    if trend:
        charts.append(trend)
    volumes = _volumes(s[plain & (s["agency"] == "")])
    if volumes:
        charts.append(volumes)
    return charts


def _dominant_kind(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[rows["period_kind"] == rows["period_kind"].value_counts().idxmax()] if not rows.empty else rows


def _recent(rows: pd.DataFrame, years: int = 3) -> pd.DataFrame:
    """Trends cover the latest few years: older rows often come from other reports and other scopes."""
    return rows[rows["period_end"] > rows["period_end"].max() - dt.timedelta(days=365 * years)] if not rows.empty else rows


def _trend(rows: pd.DataFrame) -> Chart | None:
    rows = _recent(_dominant_kind(_series(rows)))
    if rows["period"].nunique() < 2:
        return None
    rows = rows.sort_values("period_start")
    rows = rows.assign(x=_short_periods(rows))
    grouped = _rates(rows, ["period", "x", "level", "level_label"])
    order = [lvl for lvl in ("tong", *LEVEL_PARTS) if lvl in set(grouped["level"])]
    fig = go.Figure(layout=_layout(yaxis=dict(title=RATE_AXIS)))
    for level in order:
        part = grouped[grouped["level"] == level]
        fig.add_trace(go.Scatter(x=part["x"], y=part["rate"], mode="lines+markers", name=STAT_LEVELS[level],
                                 hovertemplate="%{x}: %{y:.2f}%<extra>" + STAT_LEVELS[level] + "</extra>"))
    periods = grouped.drop_duplicates("period")[["period", "x"]]
    columns = ["Kỳ"] + [STAT_LEVELS[lvl] for lvl in order]
    rates = dict(zip(zip(grouped["period"], grouped["level"]), grouped["rate"].tolist()))
    per_period = grouped.groupby("period", sort=False).agg(findings=("findings", "sum"), synthetic=("synthetic", "any"))
    flagged = rows.groupby("period", sort=False)["findings"].agg(_flagged)
    shown, raw, marks = [], [], []
    for p in periods.itertuples():
        cells = [rates.get((p.period, lvl)) for lvl in order]  # None: no row of that level in the period
        findings = int(per_period.at[p.period, "findings"])
        shown.append([p.x] + [format_percent(rate) for rate in cells])
        raw.append([p.period] + [None if pd.isna(rate) else float(rate) for rate in cells]
                   + [findings, "1" if per_period.at[p.period, "synthetic"] else "0"])
        marks.append(findings)
    headline = order[0]
    line = grouped[grouped["level"] == headline]
    summary = (f"Tỷ lệ đúng hạn ({STAT_LEVELS[headline].lower()}) từ {format_percent(line.iloc[0]['rate'])} ({line.iloc[0]['x']}) "
               f"đến {format_percent(line.iloc[-1]['rate'])} ({line.iloc[-1]['x']}).")
    return Chart("xu-huong", "Xu hướng tỷ lệ giải quyết đúng hạn theo kỳ", summary, _figure(fig), columns, shown,
                 marks, [flagged[p] for p in periods["period"]], bool(rows["synthetic"].any()),
                 _table_csv(["period"] + columns[1:], raw))


def _volumes(rows: pd.DataFrame) -> Chart | None:
    totals = rows[rows["level"] == "tong"]
    rows = totals if not totals.empty else rows[rows["level"].isin(LEVEL_PARTS)]
    rows = _recent(_dominant_kind(rows[rows["received_online"].notna() & rows["received_offline"].notna()]))
    if rows["period"].nunique() < 2:
        return None
    rows = rows.sort_values("period_start")
    rows = rows.assign(x=_short_periods(rows))
    grouped = rows.groupby(["period", "x"], sort=False).agg(
        online=("received_online", "sum"), offline=("received_offline", "sum"),
        overdue=("pending_overdue", lambda v: v.sum() if v.notna().all() else pd.NA),
        findings=("findings", "sum"), flagged=("findings", _flagged), synthetic=("synthetic", "any")).reset_index()
    grouped["share"] = (grouped["online"] / (grouped["online"] + grouped["offline"]) * 100).astype(float).round(2)
    fig = go.Figure(layout=_layout(barmode="stack", yaxis=dict(title="Hồ sơ mới tiếp nhận"),
                                   yaxis2=dict(title="Đang giải quyết quá hạn", overlaying="y", side="right",
                                               showgrid=False)))
    fig.add_trace(go.Bar(x=grouped["x"], y=grouped["online"], name="Trực tuyến", marker_color="#3f51b5"))
    fig.add_trace(go.Bar(x=grouped["x"], y=grouped["offline"], name="Trực tiếp, bưu chính", marker_color="#9fa8da"))
    if grouped["overdue"].notna().any():
        fig.add_trace(go.Scatter(x=grouped["x"], y=grouped["overdue"], name="Đang quá hạn", yaxis="y2",
                                 mode="lines+markers", marker_color="#c62828"))
    columns = ["Kỳ", "Trực tuyến", "Trực tiếp, bưu chính", "Tỷ lệ trực tuyến", "Đang quá hạn"]
    shown = [[r.x, format_count(r.online), format_count(r.offline), format_percent(r.share), format_count(r.overdue)] for r in grouped.itertuples()]
    raw = [[r.period, int(r.online), int(r.offline), float(r.share), None if pd.isna(r.overdue) else int(r.overdue),
            int(r.findings), "1" if r.synthetic else "0"] for r in grouped.itertuples()]
    first, last = grouped.iloc[0], grouped.iloc[-1]
    summary = (f"Tỷ lệ hồ sơ nộp trực tuyến từ {format_percent(first['share'])} ({first['x']}) "
               f"đến {format_percent(last['share'])} ({last['x']}).")
    return Chart("khoi-luong", "Hồ sơ mới tiếp nhận (trực tuyến và trực tiếp) và hồ sơ đang quá hạn", summary,
                 _figure(fig), columns, shown, grouped["findings"].astype(int).tolist(), grouped["flagged"].tolist(),
                 bool(grouped["synthetic"].any()), _table_csv(["period"] + columns[1:], raw))

