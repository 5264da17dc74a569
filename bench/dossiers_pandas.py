"""A plain pandas implementation of Biểu 06 from a dossier log: a REFERENCE for bench/dossiers.py only, never used by
the build, which computes these rows in SQL (generator/dossier_sql.py). The issue's definitions are written again
here, from the README and the methodology page, without the SQL, so that the benchmark can compare the two row for
row and time them side by side.

It reads the benchmark's CSV file (bench/dossiers.py: receipt and finish `dd/mm/yyyy hh:mm`, due day `dd/mm/yyyy`,
names already clean, no problem in any row) with pandas.read_csv — each text column as a category, so that 10⁷ rows
fit in memory and each distinct date is parsed once — and counts with NumPy: every dossier is repeated for each month
it touches, its parts counted per month and group (level, agency, field, procedure), the months summed into
quarters and years, the groups into the five scopes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

PARTS = ("received_online", "received_offline", "carried_over", "resolved_early", "resolved_on_time",
         "resolved_late", "withdrawn", "pending_in_time", "pending_overdue")
CARRIED, PENDING = ("carried_over",), ("pending_in_time", "pending_overdue")
TOTALS = {"received_total": ("received_online", "received_offline", "carried_over"),
          "resolved_total": ("resolved_early", "resolved_on_time", "resolved_late"),
          "pending_total": ("pending_in_time", "pending_overdue")}
SCOPE = ("level", "agency", "field", "procedure_code")
LEVEL_ORDER = {"bo": 0, "tinh": 1, "huyen": 2, "xa": 3, "tong": 0}
NEVER = np.iinfo(np.int64).max  # the day of a dossier never finished, or without a due day (masked)


def _days(column: pd.Series, form: str) -> np.ndarray:
    """Days since 1970 of a categorical column of dates written in FORM; NEVER where empty."""
    days = (pd.to_datetime(column.cat.categories, format=form).normalize().to_numpy()
            .astype("datetime64[D]").astype(np.int64))
    codes = column.cat.codes.to_numpy()
    return np.where(codes >= 0, days[codes], NEVER)


def _month(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def biểu_06(csv: Path, catalogue_fields: dict[str, str]) -> pd.DataFrame:
    """The Biểu 06 rows of the log in CSV (columns as generator.dossier_sql.COLUMNS, in its order), a procedure's
    field taken from CATALOGUE_FIELDS when the log gives none."""
    log = pd.read_csv(csv, dtype="category", usecols=["procedure_code", "agency", "level", "field", "channel",
                                                       "received_at", "due_at", "finished_at", "outcome"])
    received = _days(log["received_at"], "%d/%m/%Y %H:%M")
    due = _days(log["due_at"], "%d/%m/%Y")
    finished = _days(log["finished_at"], "%d/%m/%Y %H:%M")
    has_due = due != NEVER
    online = (log["channel"] == "truc_tuyen").to_numpy()
    resolved = log["outcome"].isna().to_numpy() | (log["outcome"] == "resolved").to_numpy()  # empty = resolved
    groups = log.groupby(["level", "agency", "field", "procedure_code"], observed=True, dropna=False)
    group = groups.ngroup().to_numpy()
    attributes = groups.size().reset_index()[list(SCOPE)].astype(object)
    log_field = attributes["field"].where(attributes["field"].notna(), None)
    attributes["field"] = [f if f is not None else (catalogue_fields.get(code) or None)
                           for f, code in zip(log_field, attributes["procedure_code"])]

    # The days the log covers, and its months clipped to them.
    first = int(received.min())
    last = int(max(received.max(), finished[finished != NEVER].max(initial=first)))
    first_month, last_month = _month(np.array([first]))[0], _month(np.array([last]))[0]
    months = np.arange(first_month, last_month + 1)
    month_start = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    month_end = (months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) - 1
    start_day, end_day = np.maximum(month_start, first), np.minimum(month_end, last)

    # Each dossier in each month it touches: received by the month's end, not finished before its start.
    m0 = _month(received) - first_month
    m1 = _month(np.where(finished == NEVER, last, finished)) - first_month
    counts = m1 - m0 + 1
    dossier = np.repeat(np.arange(len(log)), counts)
    month = m0[dossier] + np.arange(len(dossier)) - np.repeat(np.cumsum(counts) - counts, counts)
    start, end = start_day[month], end_day[month]
    r, d, f, dd = received[dossier], due[dossier], finished[dossier], has_due[dossier]
    is_resolved = resolved[dossier]
    done = f <= end  # finished in the month (never-finished is NEVER)
    masks = {
        "received_online": (r >= start) & online[dossier],
        "received_offline": (r >= start) & ~online[dossier],
        "carried_over": r < start,
        "resolved_early": done & is_resolved & dd & (f < d),
        "resolved_on_time": done & is_resolved & (~dd | (f == d)),
        "resolved_late": done & is_resolved & dd & (f > d),
        "withdrawn": done & ~is_resolved,
        "pending_in_time": ~done & (~dd | (d >= end)),
        "pending_overdue": ~done & dd & (d < end),
    }
    n_groups = len(attributes)
    key = month * n_groups + group[dossier]
    size = len(months) * n_groups
    monthly = np.stack([np.bincount(key[mask], minlength=size) for mask in masks.values()], axis=-1)
    monthly = monthly.reshape(len(months), n_groups, len(PARTS))
    touched = np.bincount(key, minlength=size).reshape(len(months), n_groups)

    # Months, quarters and years: what is received or finished in any of their months, what the first carried over,
    # what is pending at the end of the last.
    periods = []
    for kind, length in (("month", 1), ("quarter", 3), ("year", 12)):
        seen = {}
        for i, m in enumerate(months):
            year, number = divmod(int(m), 12)
            year += 1970
            name = (f"{year}-{number + 1:02d}" if kind == "month" else f"{year}-Q{number // 3 + 1}"
                    if kind == "quarter" else f"{year}")
            seen.setdefault(name, []).append(i)
        periods += [(name, held[0], held[-1]) for name, held in seen.items()]
    frames = []
    for position, (name, a, b) in enumerate(periods):
        values = monthly[a:b + 1].sum(axis=0)
        for i, part in enumerate(PARTS):
            if part in CARRIED:
                values[:, i] = monthly[a, :, i]
            elif part in PENDING:
                values[:, i] = monthly[b, :, i]
        present = touched[a:b + 1].sum(axis=0) > 0
        frame = pd.DataFrame(values[present], columns=list(PARTS))
        frame.insert(0, "position", position)
        frame.insert(0, "period", name)
        frames.append(pd.concat([attributes[present].reset_index(drop=True), frame], axis=1))
    spanned = pd.concat(frames, ignore_index=True)

    scopes = []
    for scope, columns in enumerate(((), ("level",), ("level", "agency"), ("field",), ("procedure_code",))):
        chosen = spanned.dropna(subset=list(columns)) if columns == ("field",) else spanned
        summed = chosen.groupby(["period", "position", *columns], sort=False)[list(PARTS)].sum().reset_index()
        for column in SCOPE:
            if column not in columns:
                summed[column] = "tong" if column == "level" else ""
        summed["scope"] = scope
        scopes.append(summed)
    rows = pd.concat(scopes, ignore_index=True)
    for total, terms in TOTALS.items():
        rows[total] = rows[list(terms)].sum(axis=1)
    rows["level_order"] = rows["level"].map(LEVEL_ORDER)
    rows = rows.sort_values(["scope", "level_order", "agency", "field", "procedure_code", "position"],
                            kind="stable")
    return rows[["period", *SCOPE, *PARTS, *TOTALS]].reset_index(drop=True)
