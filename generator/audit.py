"""Audit stage: the integrity checks of Biểu 06 figures. Pure pandas; a finding never stops the build.

A check runs only where all its terms are published (a total may be summed from published parts); it never
fills in a missing term. Names are part of the data contract: received_sum, resolved_sum, in_time_sum,
pending_sum, balance, carry_over, rate, rollup.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from .schema import COUNT_COLUMNS, FINDING_COLUMNS, STAT_LEVELS, STATISTICS
from .vietnamese import format_number

CHECKS = {
    "received_sum": "Tổng nhận = trực tuyến + trực tiếp/bưu chính + từ kỳ trước",
    "resolved_sum": "Đã giải quyết = trước hạn + đúng hạn + quá hạn",
    "in_time_sum": "Trước và đúng hạn = trước hạn + đúng hạn",
    "pending_sum": "Đang giải quyết = trong hạn + quá hạn",
    "balance": "Tổng nhận = đã giải quyết + đang giải quyết + rút/trả lại (nếu công bố)",
    "carry_over": "Từ kỳ trước chuyển qua = đang giải quyết cuối kỳ liền trước (cùng phạm vi)",
    "rate": "Tỷ lệ công bố = (trước hạn + đúng hạn) / đã giải quyết × 100, trong phạm vi làm tròn",
    "rollup": "Dòng tổng = cộng các dòng thành phần (tổng các cấp; tổng một cấp = cộng các cơ quan)",
}
LEVEL_PARTS = ("bo", "tinh", "huyen", "xa")


def _n(value) -> str:
    return format_number(value, 2 if isinstance(value, float) and not float(value).is_integer() else 0)


def _finding(row: pd.Series, check: str, column: str, published, expected, message: str) -> dict:
    difference = published - expected
    if isinstance(difference, float):
        difference = round(difference, 4)
    return {
        "check": check, "period": row["period"], "level": row["level"], "agency": row["agency"],
        "field": row["field"], "procedure_code": row["procedure_code"], "column": column,
        "published": published, "expected": expected, "difference": difference,
        "message": message, "period_label": row["period_label"], "file": row["file"], "row": row["row"],
        "synthetic": bool(row["synthetic"]),
    }


def _known(*values) -> bool:
    return all(v is not pd.NA and v is not None and not (isinstance(v, float) and math.isnan(v)) for v in values)


def _sums(row: pd.Series) -> list[dict]:
    found = []
    r = row

    def compare(check, column, parts, text):
        published = r[column]
        values = [r[p] for p in parts]
        if _known(published, *values) and published != sum(values):
            expected = int(sum(values))
            found.append(_finding(r, check, column, int(published), expected,
                                  f"{text} công bố {_n(int(published))}, cộng các thành phần được {_n(expected)}."))

    compare("received_sum", "received_total", ("received_online", "received_offline", "carried_over"),
            "Tổng số hồ sơ nhận")
    if _known(r["resolved_early"], r["resolved_on_time"]):
        compare("resolved_sum", "resolved_total", ("resolved_early", "resolved_on_time", "resolved_late"),
                "Tổng số đã giải quyết (trước hạn + đúng hạn + quá hạn)")
    else:
        compare("resolved_sum", "resolved_total", ("resolved_in_time", "resolved_late"),
                "Tổng số đã giải quyết (trước và đúng hạn + quá hạn)")
    compare("in_time_sum", "resolved_in_time", ("resolved_early", "resolved_on_time"), "Số trước và đúng hạn")
    compare("pending_sum", "pending_total", ("pending_in_time", "pending_overdue"), "Tổng số đang giải quyết")

    terms = [r["resolved_calc"], r["pending_calc"]] + ([r["withdrawn"]] if _known(r["withdrawn"]) else [])
    if _known(r["received_calc"], *terms) and r["received_calc"] != sum(terms):
        expected = int(sum(terms))
        withdrawn = " + rút/trả lại" if len(terms) == 3 else ""
        found.append(_finding(r, "balance", "received_total", int(r["received_calc"]), expected,
                              f"Tổng nhận {_n(int(r['received_calc']))} khác đã giải quyết + đang giải quyết"
                              f"{withdrawn} = {_n(expected)}."))

    if _known(r["on_time_rate"], r["in_time_calc"], r["resolved_calc"]) and r["resolved_calc"] > 0:
        exact = float(r["in_time_calc"]) / float(r["resolved_calc"]) * 100
        decimals = r["rate_decimals"]
        published = float(r["on_time_rate"])
        if abs(published - exact) > 0.5 * 10 ** -decimals + 1e-9:
            expected = round(exact, decimals)
            found.append(_finding(r, "rate", "on_time_rate", published, expected,
                                  f"Tỷ lệ đúng hạn công bố {_n(published)}%, tính lại (trước hạn + đúng hạn) / "
                                  f"đã giải quyết được {format_number(exact, max(decimals, 2))}%."))
    return found


def _carry_over(stats: pd.DataFrame) -> list[dict]:
    found = []
    scope = ["level", "agency", "field", "procedure_code", "period_kind"]
    for _, group in stats.groupby(scope, sort=False, dropna=False):
        by_start = {row["period_start"]: row for _, row in group.iterrows()}
        for _, previous in group.iterrows():
            following = by_start.get(previous["period_end"] + dt.timedelta(days=1))
            if following is None:
                continue
            published, expected = following["carried_over"], previous["pending_calc"]
            if _known(published, expected) and published != expected:
                found.append(_finding(following, "carry_over", "carried_over", int(published), int(expected),
                                      f"Từ kỳ trước chuyển qua {_n(int(published))}, nhưng cuối "
                                      f"{previous['period_label']} còn {_n(int(expected))} hồ sơ đang giải quyết."))
    return found


def _rollup(total: pd.Series, parts: pd.DataFrame, what: str) -> list[dict]:
    found = []
    for column in COUNT_COLUMNS:
        published = total[column]
        values = parts[column]
        if _known(published) and values.notna().all():
            expected = int(values.sum())
            if published != expected:
                label = STATISTICS.column(column).label
                found.append(_finding(total, "rollup", column, int(published), expected,
                                      f"{label}: dòng tổng công bố {_n(int(published))}, cộng {len(parts)} "
                                      f"dòng {what} được {_n(expected)}."))
    return found


def _rollups(stats: pd.DataFrame) -> list[dict]:
    """A tong row vs its level aggregate rows; a level aggregate row vs its agency rows.

    The rows published for a period are taken as all its parts, so a check needs at least two of them."""
    found = []
    for _, group in stats.groupby(["period", "field", "procedure_code"], sort=False):
        aggregates = group[(group["agency"] == "") & group["level"].isin(LEVEL_PARTS)]
        if len(aggregates) >= 2:
            for _, total in group[group["level"] == "tong"].iterrows():
                found += _rollup(total, aggregates, "các cấp")
        for level, rows in group[group["level"].isin(LEVEL_PARTS)].groupby("level"):
            agencies = rows[rows["agency"] != ""]
            if len(agencies) >= 2:
                for _, total in rows[rows["agency"] == ""].iterrows():
                    found += _rollup(total, agencies, f"cơ quan {STAT_LEVELS[level].lower()}")
    return found


def count_per_row(stats: pd.DataFrame, found: pd.DataFrame) -> pd.Series:
    """Findings that concern each statistics row (by file and row), for marking charts and tables."""
    counts = found.groupby(["file", "row"]).size()
    return pd.Series([int(counts.get((f, r), 0)) for f, r in zip(stats["file"], stats["row"])], index=stats.index)


def findings(stats: pd.DataFrame) -> pd.DataFrame:
    """Every finding, one row each, in a stable order."""
    rows: list[dict] = []
    for _, row in stats.iterrows():
        rows += _sums(row)
    rows += _carry_over(stats) + _rollups(stats)
    columns = [*FINDING_COLUMNS, "message", "period_label", "file", "row", "synthetic"]
    frame = pd.DataFrame(rows, columns=columns)
    order = {name: i for i, name in enumerate(CHECKS)}
    frame["_order"] = frame["check"].map(order)
    frame = frame.sort_values(["file", "row", "_order", "column"], kind="stable").drop(columns="_order")
    return frame.reset_index(drop=True)
