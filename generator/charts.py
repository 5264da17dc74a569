"""Charts stage: Plotly figure specs, each with the table of its numbers, a one-sentence summary and a CSV.

On-time rate everywhere is the report form's: (early + on time) / resolved × 100, summed over the rows of a bar
before dividing. A bar built from any row with an integrity finding is marked; so is one built from synthetic rows.

Honest on a phone: counts are bars on an axis from 0 with whole-number ticks; rates, whose differences are a few
tenths of a percent, are dots (Cleveland's dot plot) or lines read by position, on an axis whose range the chart's
note states. No figure can be dragged or zoomed, so a swipe over it scrolls the page. Every figure carries what a
downloaded picture adds to it (title, source, «mô phỏng»), since the picture travels without the page.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import textwrap
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .audit import LEVEL_PARTS
from .schema import STAT_LEVELS
from .opendata import plain, csv_bytes
from .vietnamese import format_count, format_percent

RATE_AXIS = "Tỷ lệ đúng hạn (%)"
INDIGO, LIGHT_INDIGO, RED = "#3f51b5", "#9fa8da", "#c62828"
PERIOD_STEP = {"month": "M1", "quarter": "M3", "year": "M12"}  # Plotly's xperiod for each kind of period
IMAGE_WIDTH = 1000  # px of a downloaded picture, whatever the screen it was taken from
MAX_SOURCES = 3  # sources named on a picture; beyond, it points to the chart's CSV
# The statistics' columns the charts read.
INPUT_COLUMNS = ["period", "period_kind", "period_start", "period_end", "period_label", "level", "agency", "field",
                 "procedure_code", "resolved_calc", "in_time_calc", "received_online", "received_offline",
                 "pending_overdue", "findings", "synthetic", "source"]


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
    csv: bytes = field(repr=False)
    height: int  # px, reserved on the page before Plotly draws
    note: str  # how to read the chart when its value axis does not start at 0; empty when it does
    image: str  # JSON: what a downloaded picture adds to the figure (congkhai.js)
    sources: list[str]  # the sources of the rows drawn, named under the chart where it is embedded (embeds.py)


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


def _flagged(rows: pd.DataFrame, number: np.ndarray, groups: int) -> list[tuple[int, ...]]:
    """The rows (index labels) with findings of each group, where the «⚠ N» of the group's table row leads. NUMBER
    is each row's group, from 0 to GROUPS - 1 (GroupBy.ngroup)."""
    marked = rows["findings"].to_numpy() > 0
    labels = rows.index.to_numpy()[marked]
    members = pd.Series(labels).groupby(number[marked]).indices  # group → positions in labels
    return [tuple(labels[members[n]].tolist()) if n in members else () for n in range(groups)]


def _totals(rows: pd.DataFrame, keys: list[str], sums: dict[str, str]) -> pd.DataFrame:
    """One row per group of KEYS, in order of appearance: the keys, SUMS (name: the column summed; NA where a row of
    the group does not publish it), the findings, the rows flagged and whether any row is synthetic. Summed in one
    built-in reduction: a named aggregation per column, or a Python function per group, took several times
    longer."""
    groups = rows.groupby(keys, sort=False)
    totals = groups[[*sums.values(), "findings"]].sum(skipna=False).set_axis([*sums, "findings"], axis="columns")
    totals["flagged"] = _flagged(rows, groups.ngroup().to_numpy(), len(totals))
    totals["synthetic"] = groups["synthetic"].any()
    return totals.reset_index()


def _rates(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    grouped = _totals(_series(rows), keys, {"resolved": "resolved_calc", "in_time": "in_time_calc"})
    grouped["rate"] = (grouped["in_time"].astype(float) / grouped["resolved"].astype(float).where(grouped["resolved"] > 0)
                       * 100).round(2)
    return grouped


def plotly_text(value) -> str:
    """Plotly reads labels as a small HTML subset (<b>, <br>, <a href>): text from data is escaped to show verbatim."""
    return html.escape(str(value), quote=False)


def _wrapped(label: str, width: int = 22, lines: int = 2) -> str:
    """A category label in at most two short lines, so that a phone keeps room for the plot; the whole label is in
    the hover text and the table."""
    return "<br>".join(plotly_text(line) for line in
                       textwrap.wrap(label, width, max_lines=lines, placeholder=" …") or [""])


def _layout(**extra) -> dict:
    layout = dict(template="none", separators=",.", dragmode=False, hovermode="closest", height=380,
                  # t: a strip for Plotly's toolbar above the plot; r: half a tick label centred on the axis's end
                  margin=dict(l=8, r=24, t=30, b=8),
                  font=dict(family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"),
                  legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom", traceorder="normal"))
    return {**layout, **extra}


def _axis(**extra) -> dict:
    """Fixed: nothing to zoom or pan; room for the tick labels, whatever their length."""
    return dict(fixedrange=True, automargin=True, **extra)


def _count_axis(title: str, top: float) -> dict:
    """Counts are bars from 0, ticked in whole numbers (Plotly would tick a short range at 0,5)."""
    axis = _axis(title=dict(text=title), rangemode="tozero", tickformat=",d")
    if top <= 10:
        axis["dtick"] = 1
    return axis


def _rate_start(rates: pd.Series) -> int:
    """Where a rate axis of dots or lines starts: the whole percent below the lowest rate, less one."""
    return max(0, math.floor(float(rates.min())) - 1)


def _rate_note(start: int, shape: str, axis: str) -> str:
    if start == 0:
        return f"{shape}; {axis} từ 0% đến 100%."
    return f"{shape}; {axis} từ {start}% đến 100%, không bắt đầu từ 0, để thấy rõ chênh lệch nhỏ."


def _period_x(rows: pd.DataFrame, kind: str) -> list:
    return [start.isoformat() for start in rows["period_start"]] if kind in PERIOD_STEP else rows["x"].tolist()


def _period_axis(kind: str) -> tuple[dict, dict]:
    """Trace attributes and axis for a series of periods. Months, quarters and years go on a date axis: each mark
    sits in the middle of its period and Plotly fits as many mm/yyyy ticks as the width allows (one a year when
    space is short). Other periods are categories."""
    if kind not in PERIOD_STEP:
        return {}, _axis(type="category")
    stops = [dict(dtickrange=["M12", None], value="%Y"), dict(dtickrange=["M1", None], value="%m/%Y"),
             dict(dtickrange=[None, None], value="%d/%m/%Y")]  # the first that matches the tick step is used
    return (dict(xperiod=PERIOD_STEP[kind], xperiodalignment="middle"),
            _axis(type="date", ticklabelmode="period", tickformatstops=stops))


def _sources(rows: pd.DataFrame) -> list[str]:
    return sorted(set(rows["source"].dropna()) - {""})


def _image(title: str, synthetic: bool, sources: list[str], note: str, filename: str, height: int) -> str:
    """What a downloaded picture adds to the figure: the title, «mô phỏng», the sources and the note on top (the
    page's address is added in the browser). JSON for congkhai.js, safe in a <script> like the figure."""
    if not sources:
        credit = "Nguồn: không ghi nguồn."
    elif len(sources) <= MAX_SOURCES:
        credit = "Nguồn: " + "; ".join(sources) + "."
    else:
        credit = f"Nguồn: {len(sources)} nguồn, ghi từng dòng trong tệp CSV của biểu đồ."
    lines = (["<b>SỐ LIỆU MÔ PHỎNG, không phải số liệu đã công bố.</b>"] if synthetic else []) + [
        "<br>".join(plotly_text(line) for line in textwrap.wrap(text, 130)) for text in (credit, note) if text]
    subtitle = "<br>".join(lines)
    title_text = "<br>".join(plotly_text(line) for line in textwrap.wrap(title, 80))
    extra = 60 + 18 * (title_text.count("<br>") + subtitle.count("<br>"))
    return script_json(json.dumps({
        "filename": filename, "width": IMAGE_WIDTH, "height": height + extra,
        "layout": {"title": {"text": title_text, "x": 0, "xanchor": "left", "xref": "paper", "yref": "container",
                             "automargin": True, "font": {"size": 18},
                             "subtitle": {"text": subtitle, "font": {"size": 12, "color": "#444"}}}},
    }, ensure_ascii=False))


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


def _dot_chart(id: str, title: str, frame: pd.DataFrame, label_columns: list[tuple[str, str]], labels: pd.Series,
               summary: str, sources: list[str]) -> Chart:
    """Rates by category as dots on one scale, a row each in the frame's order."""
    start = _rate_start(frame["rate"])
    rows = list(range(len(frame)))  # positions, not names: two long names cut alike stay two rows
    dots = go.Scatter(
        x=frame["rate"], y=rows, mode="markers", cliponaxis=False, marker=dict(size=12, color=INDIGO),
        customdata=[[plotly_text(label), int(r.in_time), int(r.resolved)] for label, r in zip(labels, frame.itertuples())],
        hovertemplate="%{customdata[0]}<br>%{x:.2f}% = %{customdata[1]:,} / %{customdata[2]:,}<extra></extra>")
    height = 44 * len(frame) + 90
    layout = _layout(height=height, showlegend=False,
                     xaxis=_axis(title=dict(text=RATE_AXIS), range=[start, 100], ticksuffix="%"),
                     yaxis=_axis(tickmode="array", tickvals=rows, ticktext=[_wrapped(label) for label in labels],
                                 range=[len(frame) - 0.5, -0.5], zeroline=False))
    note = _rate_note(start, "Biểu đồ chấm: vị trí của chấm là tỷ lệ", "trục ngang")
    columns, shown, raw = _rate_table(frame, label_columns)
    synthetic = bool(frame["synthetic"].any())
    return Chart(id, title, summary, _figure(go.Figure(dots, layout)), columns, shown,
                 frame["findings"].astype(int).tolist(), frame["flagged"].tolist(), synthetic, _table_csv(columns, raw),
                 height, note,
                 _image(title, synthetic, sources, note, id, height), sources)


def build_charts(stats: pd.DataFrame) -> list[Chart]:
    """The charts the statistics page shows, for whatever the data publishes (a chart with no data is left out)."""
    # Only the columns the charts read: each selection below copies every column it keeps.
    s = stats[INPUT_COLUMNS].assign(level_label=stats["level"].map(STAT_LEVELS))
    plain = (s["field"] == "") & (s["procedure_code"] == "")
    charts: list[Chart] = []

    level_rows, window = _window(s[plain & (s["agency"] == "") & s["level"].isin(LEVEL_PARTS)])
    by_level = _rates(level_rows, ["level", "level_label"]).dropna(subset=["rate"])
    if not by_level.empty:
        best, worst = by_level.loc[by_level["rate"].idxmax()], by_level.loc[by_level["rate"].idxmin()]
        summary = (f"Trong {window}, {best['level_label'].lower()} giải quyết đúng hạn cao nhất ({format_percent(best['rate'])}), "
                   f"{worst['level_label'].lower()} thấp nhất ({format_percent(worst['rate'])}).")
        charts.append(_dot_chart("theo-cap", f"Tỷ lệ giải quyết đúng hạn theo cấp, {window}", by_level,
                                 [("level_label", "Cấp")], by_level["level_label"], summary,
                                 _sources(_series(level_rows))))

    agency_rows, window = _window(s[plain & (s["agency"] != "")])
    by_agency = _rates(agency_rows, ["agency", "level_label"]).dropna(subset=["rate"])
    by_agency = by_agency.sort_values(["rate", "agency"], ascending=[False, True]).reset_index(drop=True)
    if not by_agency.empty:
        worst = by_agency.iloc[-1]
        summary = (f"Trong {window}, {len(by_agency)} cơ quan có số liệu; thấp nhất là {worst['agency']} "
                   f"({format_percent(worst['rate'])}), cao nhất {by_agency.iloc[0]['agency']} ({format_percent(by_agency.iloc[0]['rate'])}).")
        charts.append(_dot_chart("theo-co-quan", f"Xếp hạng cơ quan theo tỷ lệ đúng hạn, {window}", by_agency,
                                 [("agency", "Cơ quan"), ("level_label", "Cấp")], by_agency["agency"], summary,
                                 _sources(_series(agency_rows))))

    field_rows, window = _window(s[(s["field"] != "") & (s["procedure_code"] == "")])
    by_field = _rates(field_rows, ["field"]).dropna(subset=["rate"]).sort_values(["rate", "field"], ascending=[False, True])
    if not by_field.empty:
        worst = by_field.iloc[-1]
        summary = f"Trong {window}, lĩnh vực có tỷ lệ đúng hạn thấp nhất là {worst['field']} ({format_percent(worst['rate'])})."
        charts.append(_dot_chart("theo-linh-vuc", f"Tỷ lệ giải quyết đúng hạn theo lĩnh vực, {window}", by_field,
                                 [("field", "Lĩnh vực")], by_field["field"], summary, _sources(_series(field_rows))))

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
    grouped = _rates(rows, ["period", "x", "period_start", "level", "level_label"])
    order = [lvl for lvl in ("tong", *LEVEL_PARTS) if lvl in set(grouped["level"])]
    start = _rate_start(grouped["rate"])
    kind = rows["period_kind"].iloc[0]
    attributes, x_axis = _period_axis(kind)
    lines = []
    for level in order:
        part = grouped[grouped["level"] == level]
        lines.append(go.Scatter(x=_period_x(part, kind), y=part["rate"], customdata=part["x"], mode="lines+markers", name=STAT_LEVELS[level],
                                hovertemplate="%{customdata}: %{y:.2f}%<extra>" + STAT_LEVELS[level] + "</extra>",
                                **attributes))
    fig = go.Figure(lines, _layout(xaxis=x_axis, yaxis=_axis(title=dict(text=RATE_AXIS), range=[start, 100],
                                                             ticksuffix="%")))
    columns = ["Kỳ"] + [STAT_LEVELS[lvl] for lvl in order]
    rates = dict(zip(zip(grouped["period"], grouped["level"]), grouped["rate"].tolist()))
    periods = _totals(rows, ["period", "x"], {})  # x: the period's short name
    shown, raw = [], []
    for p in periods.itertuples():
        cells = [rates.get((p.period, lvl)) for lvl in order]  # None: no row of that level in the period
        shown.append([p.x] + [format_percent(rate) for rate in cells])
        raw.append([p.period] + [None if pd.isna(rate) else float(rate) for rate in cells]
                   + [int(p.findings), "1" if p.synthetic else "0"])
    headline = order[0]
    line = grouped[grouped["level"] == headline]
    summary = (f"Tỷ lệ đúng hạn ({STAT_LEVELS[headline].lower()}) từ {format_percent(line.iloc[0]['rate'])} ({line.iloc[0]['x']}) "
               f"đến {format_percent(line.iloc[-1]['rate'])} ({line.iloc[-1]['x']}).")
    title = "Xu hướng tỷ lệ giải quyết đúng hạn theo kỳ"
    note = _rate_note(start, "Biểu đồ đường: độ cao của điểm là tỷ lệ", "trục dọc")
    synthetic, sources = bool(rows["synthetic"].any()), _sources(rows)
    return Chart("xu-huong", title, summary, _figure(fig), columns, shown, periods["findings"].astype(int).tolist(),
                 periods["flagged"].tolist(), synthetic,
                 _table_csv(["period"] + columns[1:], raw), fig.layout.height, note,
                 _image(title, synthetic, sources, note, "xu-huong", fig.layout.height), sources)


def _volumes(rows: pd.DataFrame) -> Chart | None:
    """New dossiers by channel, stacked, and, below on its own axis from 0, the dossiers overdue at the end of each
    period (two counts of different size: two panels, not a second axis over the first)."""
    totals = rows[rows["level"] == "tong"]
    rows = totals if not totals.empty else rows[rows["level"].isin(LEVEL_PARTS)]
    rows = _recent(_dominant_kind(rows[rows["received_online"].notna() & rows["received_offline"].notna()]))
    if rows["period"].nunique() < 2:
        return None
    rows = rows.sort_values("period_start")
    rows = rows.assign(x=_short_periods(rows))
    grouped = _totals(rows, ["period", "x", "period_start"],
                      {"online": "received_online", "offline": "received_offline", "overdue": "pending_overdue"})
    grouped["share"] = (grouped["online"] / (grouped["online"] + grouped["offline"]) * 100).astype(float).round(2)
    kind = rows["period_kind"].iloc[0]
    x = _period_x(grouped, kind)
    attributes, x_axis = _period_axis(kind)
    overdue = grouped["overdue"].notna().any()
    fig = make_subplots(rows=2 if overdue else 1, cols=1, shared_xaxes=True, vertical_spacing=0.1,
                        row_heights=[0.65, 0.35] if overdue else None)
    hover = "%{customdata}: %{y:,} hồ sơ<extra>"
    bars = [("Trực tuyến", "online", INDIGO, 1), ("Trực tiếp, bưu chính", "offline", LIGHT_INDIGO, 1)]
    axes = dict(xaxis=x_axis, yaxis=_count_axis("Hồ sơ mới tiếp nhận", (grouped["online"] + grouped["offline"]).max()))
    if overdue:
        bars.append(("Đang quá hạn", "overdue", RED, 2))
        axes.update(xaxis2=x_axis, yaxis2=_count_axis("Đang quá hạn", grouped["overdue"].max()))
    # One call each for the traces and the layout: Plotly's updates of a figure cost more than building it.
    fig.add_traces([go.Bar(x=x, y=grouped[column], customdata=grouped["x"], name=name, marker_color=colour,
                           hovertemplate=hover + name + "</extra>", **attributes) for name, column, colour, _ in bars],
                   rows=[row for *_, row in bars], cols=1)
    fig.update_layout(_layout(barmode="stack", height=480 if overdue else 380, **axes))
    columns = ["Kỳ", "Trực tuyến", "Trực tiếp, bưu chính", "Tỷ lệ trực tuyến", "Đang quá hạn"]
    shown = [[r.x, format_count(r.online), format_count(r.offline), format_percent(r.share), format_count(r.overdue)] for r in grouped.itertuples()]
    raw = [[r.period, int(r.online), int(r.offline), float(r.share), None if pd.isna(r.overdue) else int(r.overdue),
            int(r.findings), "1" if r.synthetic else "0"] for r in grouped.itertuples()]
    first, last = grouped.iloc[0], grouped.iloc[-1]
    summary = (f"Tỷ lệ hồ sơ nộp trực tuyến từ {format_percent(first['share'])} ({first['x']}) "
               f"đến {format_percent(last['share'])} ({last['x']}).")
    title = "Hồ sơ mới tiếp nhận (trực tuyến và trực tiếp) và hồ sơ đang quá hạn"
    synthetic, sources = bool(grouped["synthetic"].any()), _sources(rows)
    return Chart("khoi-luong", title, summary, _figure(fig), columns, shown, grouped["findings"].astype(int).tolist(),
                 grouped["flagged"].tolist(), synthetic, _table_csv(["period"] + columns[1:], raw), fig.layout.height, "",
                 _image(title, synthetic, sources, "", "khoi-luong", fig.layout.height), sources)

