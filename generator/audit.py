"""Audit stage: the integrity checks of Biểu 06 figures. Pure pandas; a finding never stops the build.

A check runs only where all its terms are published (a total may be summed from published parts); it never
fills in a missing term. Names are part of the data contract: received_sum, resolved_sum, in_time_sum,
pending_sum, balance, carry_over, rate, rollup.

Each check is a mask over the whole table (an unpublished term is NA, and NA never flags a row); only the rows it
flags are visited one by one, to write their messages, so Python-level work follows the findings, not the rows.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from .schema import COUNT_COLUMNS, FINDING_COLUMNS, STAT_LEVELS, STATISTICS
from .vietnamese import format_number, slugify

# The rule each check holds the published figures to, written in the order of a finding's arithmetic: the terms,
# what they add up to, the figure published for it.
CHECKS = {
    "received_sum": "trực tuyến + trực tiếp, bưu chính + từ kỳ trước chuyển qua = tổng số nhận",
    "resolved_sum": "trước hạn + đúng hạn + quá hạn (hoặc trước và đúng hạn + quá hạn) = tổng đã giải quyết",
    "in_time_sum": "trước hạn + đúng hạn = trước và đúng hạn",
    "pending_sum": "đang trong hạn + đang quá hạn = tổng đang giải quyết",
    "balance": "đã giải quyết + đang giải quyết + rút, trả lại (nếu công bố) = tổng số nhận",
    "carry_over": "đang giải quyết cuối kỳ liền trước (cùng phạm vi) = từ kỳ trước chuyển qua",
    "rate": "(trước hạn + đúng hạn) / đã giải quyết × 100 = tỷ lệ đúng hạn công bố, trong phạm vi làm tròn",
    "rollup": "cộng các dòng thành phần = dòng tổng (tổng các cấp: cộng các cấp; tổng một cấp: cộng các cơ quan)",
}
# What a finding of each check says, in Vietnamese; the code beside it is the stable name (data contract).
CHECK_NAMES = {
    "received_sum": "Tổng số nhận không bằng tổng các thành phần",
    "resolved_sum": "Tổng đã giải quyết không bằng tổng các thành phần",
    "in_time_sum": "Số trước và đúng hạn không bằng trước hạn + đúng hạn",
    "pending_sum": "Tổng đang giải quyết không bằng tổng các thành phần",
    "balance": "Số nhận không bằng đã giải quyết + đang giải quyết",
    "carry_over": "Số chuyển từ kỳ trước khác số còn đang giải quyết cuối kỳ trước",
    "rate": "Tỷ lệ đúng hạn công bố khác tỷ lệ tính lại",
    "rollup": "Dòng tổng không bằng cộng các dòng thành phần",
}
# Short names of the terms in a finding's arithmetic.
TERMS = {
    "received_total": "tổng số nhận", "received_online": "trực tuyến", "received_offline": "trực tiếp, bưu chính",
    "carried_over": "từ kỳ trước chuyển qua", "resolved_total": "tổng đã giải quyết", "resolved_early": "trước hạn",
    "resolved_on_time": "đúng hạn", "resolved_in_time": "trước và đúng hạn", "resolved_late": "quá hạn",
    "pending_total": "tổng đang giải quyết", "pending_in_time": "đang trong hạn", "pending_overdue": "đang quá hạn",
    "withdrawn": "rút, trả lại", "on_time_rate": "tỷ lệ đúng hạn công bố",
}
LEVEL_PARTS = ("bo", "tinh", "huyen", "xa")
# What a finding repeats of the row it is about.
_ROW_FIELDS = ["period", "level", "agency", "field", "procedure_code", "period_label", "file", "row", "synthetic",
               "source", "note"]
_COUNTS = list(COUNT_COLUMNS)
_DAYS = 10_000_000  # more than the day number of 31/12/9999: scope and day packed in one integer
# A term of a finding's arithmetic: (its name, its value as shown).
Term = tuple[str, str]
# A candidate finding: (position of its row, check, column, published, expected, message, terms, arithmetic). The
# terms name every number of the arithmetic, in its order.
Candidate = tuple[int, str, str, object, object, str, tuple[Term, ...], str]


def _n(value) -> str:
    return format_number(value, 2 if isinstance(value, float) and not float(value).is_integer() else 0)


def _addition(parts: list[tuple[str, int]], total: tuple[str, int]) -> tuple[tuple[Term, ...], str]:
    """The terms and the arithmetic of counts that should add up to a published total: «41.698 + 427.147 +
    66.802 = 535.647 ≠ 535.312»."""
    terms = tuple((name, _n(value)) for name, value in (*parts, total))
    return terms, f"{' + '.join(value for _, value in terms[:-1])} = {_n(sum(v for _, v in parts))} ≠ {terms[-1][1]}"


def row_anchor(file: str, row: int) -> str:
    """The id of a statistics row's findings on the findings page, where the «⚠ N» marks of its tables lead."""
    return f"dong-{slugify(file)}-{row}"


def _flagged(condition) -> np.ndarray:
    """Positions where a nullable comparison is true: NA, a term not published, is never a finding."""
    return np.flatnonzero(condition.to_numpy(dtype=bool, na_value=False))


def _sums(s: pd.DataFrame) -> list[Candidate]:
    found: list[Candidate] = []

    def compare(check, column, parts, text, where=None):
        published = s[column]
        expected = s[parts[0]]
        for part in parts[1:]:
            expected = expected + s[part]
        differs = published != expected
        if where is not None:
            differs = differs & where
        for i in _flagged(differs):
            value, total = int(published.iat[i]), int(expected.iat[i])
            found.append((i, check, column, value, total,
                          f"{text} công bố {_n(value)}, cộng các thành phần được {_n(total)}.",
                          *_addition([(TERMS[part], int(s[part].iat[i])) for part in parts], (TERMS[column], value))))

    compare("received_sum", "received_total", ("received_online", "received_offline", "carried_over"),
            "Tổng số hồ sơ nhận")
    split = s["resolved_early"].notna() & s["resolved_on_time"].notna()
    compare("resolved_sum", "resolved_total", ("resolved_early", "resolved_on_time", "resolved_late"),
            "Tổng số đã giải quyết (trước hạn + đúng hạn + quá hạn)", split)
    compare("resolved_sum", "resolved_total", ("resolved_in_time", "resolved_late"),
            "Tổng số đã giải quyết (trước và đúng hạn + quá hạn)", ~split)
    compare("in_time_sum", "resolved_in_time", ("resolved_early", "resolved_on_time"), "Số trước và đúng hạn")
    compare("pending_sum", "pending_total", ("pending_in_time", "pending_overdue"), "Tổng số đang giải quyết")

    withdrawn = s["withdrawn"]
    terms = s["resolved_calc"] + s["pending_calc"] + withdrawn.fillna(0)
    for i in _flagged(s["received_calc"] != terms):
        received, expected = int(s["received_calc"].iat[i]), int(terms.iat[i])
        with_withdrawn = " + rút/trả lại" if pd.notna(withdrawn.iat[i]) else ""
        parts = [("đã giải quyết", int(s["resolved_calc"].iat[i])), ("đang giải quyết", int(s["pending_calc"].iat[i]))]
        if pd.notna(withdrawn.iat[i]):
            parts.append((TERMS["withdrawn"], int(withdrawn.iat[i])))
        found.append((i, "balance", "received_total", received, expected,
                      f"Tổng nhận {_n(received)} khác đã giải quyết + đang giải quyết{with_withdrawn} "
                      f"= {_n(expected)}.", *_addition(parts, (TERMS["received_total"], received))))

    published = s["on_time_rate"].to_numpy(dtype=float, na_value=np.nan)
    in_time = s["in_time_calc"].to_numpy(dtype=float, na_value=np.nan)
    resolved = s["resolved_calc"].to_numpy(dtype=float, na_value=np.nan)
    decimals = s["rate_decimals"].tolist()
    # The tolerance is computed in Python, once per distinct number of decimals, so it is the very float the
    # per-row rule gives.
    tolerance = {d: 0.5 * 10 ** -d + 1e-9 for d in set(decimals)}
    with np.errstate(divide="ignore", invalid="ignore"):
        exact = in_time / resolved * 100
        off = np.abs(published - exact) > np.array([tolerance[d] for d in decimals], dtype=float)
    for i in np.flatnonzero(off & ~np.isnan(published) & ~np.isnan(in_time) & (resolved > 0)):
        rate, digits = float(published[i]), int(decimals[i])
        value = float(in_time[i]) / float(resolved[i]) * 100
        recomputed = f"{format_number(value, max(digits, 2))}%"
        if pd.notna(s["resolved_in_time"].iat[i]):
            numerator = [(TERMS["resolved_in_time"], _n(int(in_time[i])))]
        else:
            numerator = [(TERMS[c], _n(int(s[c].iat[i]))) for c in ("resolved_early", "resolved_on_time")]
        terms = (*numerator, ("đã giải quyết", _n(int(resolved[i]))),
                 (TERMS["on_time_rate"], f"{format_number(rate, digits)}%"))
        over = " + ".join(v for _, v in numerator)
        over = f"({over})" if len(numerator) > 1 else over
        found.append((i, "rate", "on_time_rate", rate, round(value, digits),
                      f"Tỷ lệ đúng hạn công bố {_n(rate)}%, tính lại (trước hạn + đúng hạn) / "
                      f"đã giải quyết được {recomputed}.", terms,
                      f"{over} / {terms[-2][1]} × 100 = {recomputed} ≠ {terms[-1][1]}"))
    return found


def _carry_over(s: pd.DataFrame) -> list[Candidate]:
    """A row against the row of the same scope whose period starts the day after its own ends."""
    scope = ["level", "agency", "field", "procedure_code", "period_kind"]
    # One integer per scope and day, so the lookup is an index search rather than a merge on five text columns.
    group = s.groupby(scope, sort=False, dropna=False).ngroup().to_numpy() * _DAYS
    starts = pd.Index(group + np.array([d.toordinal() for d in s["period_start"].tolist()], dtype=np.int64))
    ends = group + np.array([d.toordinal() + 1 for d in s["period_end"].tolist()], dtype=np.int64)
    # Two ranges may start on the same day; the later row is the one taken, as a lookup by start date would.
    last = ~starts.duplicated(keep="last")
    match = starts[last].get_indexer(ends)
    # Several periods may end on the same day before one row: their findings keep the order of the rows.
    before = np.flatnonzero(match >= 0)
    after = np.flatnonzero(last)[match[before]]
    published = s["carried_over"].array[after]
    expected = s["pending_calc"].array[before]
    found: list[Candidate] = []
    for k in _flagged(published != expected):
        value, pending = int(published[k]), int(expected[k])
        label = s["period_label"].iat[before[k]]
        found.append((int(after[k]), "carry_over", "carried_over", value, pending,
                      f"Từ kỳ trước chuyển qua {_n(value)}, nhưng cuối {label} còn {_n(pending)} "
                      f"hồ sơ đang giải quyết.",
                      ((f"đang giải quyết cuối {label}", _n(pending)), (TERMS["carried_over"], _n(value))),
                      f"{_n(pending)} ≠ {_n(value)}"))
    return found


def _rollup(s: pd.DataFrame, totals: pd.Series, parts: pd.Series, keys: list[str], what,
            part_names: pd.Series) -> list[Candidate]:
    """Total rows vs the sum of the part rows of their group (KEYS). The rows published for a group are taken as
    all its parts, so a check needs at least two of them; a count is checked only where every part publishes it.
    PART_NAMES gives each row's name as a part in the arithmetic: a column, taken at the parts' positions, since a
    finding names every one of its parts and reading them a row at a time cost more than the check."""
    group = s.groupby(keys, sort=False).ngroup()
    by_group = s.loc[parts, _COUNTS].groupby(group[parts].to_numpy())
    size = by_group.size()
    sums = by_group.sum(skipna=False)[size >= 2]  # NA where a part does not publish the count
    position = np.flatnonzero(totals.to_numpy())
    expected = sums.reindex(group.iloc[position].to_numpy())
    published = s.iloc[position]
    count = size.reindex(expected.index)
    part_positions = np.flatnonzero(parts.to_numpy())
    members = pd.Series(part_positions).groupby(group.to_numpy()[part_positions]).indices  # group → its parts
    found: list[Candidate] = []
    for column in COUNT_COLUMNS:
        label = STATISTICS.column(column).label
        for k in _flagged(published[column].array != expected[column].array):
            value, total, row = int(published[column].iat[k]), int(expected[column].iat[k]), published.iloc[k]
            members_of = part_positions[members[group.iat[position[k]]]]
            terms = list(zip(part_names.iloc[members_of].tolist(), s[column].iloc[members_of].tolist()))
            found.append((int(position[k]), "rollup", column, value, total,
                          f"{label}: dòng tổng công bố {_n(value)}, cộng {int(count.iat[k])} dòng {what(row)} "
                          f"được {_n(total)}.", *_addition(terms, (f"{TERMS[column]} (dòng tổng)", value))))
    return found


def _rollups(s: pd.DataFrame) -> list[Candidate]:
    """A tong row vs its level aggregate rows; a level aggregate row vs its agency rows."""
    # Only what the check reads, indexed by position as the other checks report rows.
    s = s[["period", "field", "procedure_code", "level", "agency", *_COUNTS]].reset_index(drop=True)
    part_level = s["level"].isin(LEVEL_PARTS)
    whole_level = s["agency"] == ""
    scope = ["period", "field", "procedure_code"]
    return (_rollup(s, s["level"] == "tong", part_level & whole_level, scope, lambda row: "các cấp",
                    s["level"].map(STAT_LEVELS))
            + _rollup(s, part_level & whole_level, part_level & ~whole_level, scope + ["level"],
                      lambda row: f"cơ quan {STAT_LEVELS[row['level']].lower()}", s["agency"]))


def _finding(row: dict, check: str, column: str, published, expected, message: str, terms: tuple[Term, ...],
             arithmetic: str) -> dict:
    difference = published - expected
    if isinstance(difference, float):
        difference = round(difference, 4)
    return {
        "check": check, "period": row["period"], "level": row["level"], "agency": row["agency"],
        "field": row["field"], "procedure_code": row["procedure_code"], "column": column,
        "published": published, "expected": expected, "difference": difference,
        "message": message, "arithmetic": arithmetic, "terms": terms,
        "source": row["source"], "note": row["note"], "period_label": row["period_label"], "file": row["file"],
        "row": row["row"], "synthetic": bool(row["synthetic"]),
    }


def count_per_row(stats: pd.DataFrame, found: pd.DataFrame) -> pd.Series:
    """Findings that concern each statistics row (by file and row), for marking charts and tables."""
    counts = Counter(zip(found["file"].tolist(), found["row"].tolist()))
    return pd.Series([counts.get(key, 0) for key in zip(stats["file"].tolist(), stats["row"].tolist())],
                     index=stats.index)


def findings(stats: pd.DataFrame) -> pd.DataFrame:
    """Every finding, one row each, in a stable order."""
    candidates = _sums(stats) + _carry_over(stats) + _rollups(stats)
    positions = sorted({c[0] for c in candidates})
    rows = dict(zip(positions, stats.iloc[positions][_ROW_FIELDS].to_dict("records")))
    columns = [*FINDING_COLUMNS, "message", "arithmetic", "terms", "source", "note", "period_label", "file", "row",
               "synthetic"]
    frame = pd.DataFrame([_finding(rows[i], *rest) for i, *rest in candidates], columns=columns)
    order = {name: i for i, name in enumerate(CHECKS)}
    frame["_order"] = frame["check"].map(order)
    frame = frame.sort_values(["file", "row", "_order", "column"], kind="stable").drop(columns="_order")
    return frame.reset_index(drop=True)
