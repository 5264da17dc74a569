"""Generate the SYNTHETIC monthly statistics bundled with the sample (data/statistics/synthetic-2024-2025.csv).

No public source gives monthly per-agency Biểu 06 figures, so the sample site needs invented ones to chart.
Every row's `source` starts with "synthetic", which the site and the open-data files show as «mô phỏng».
A few deliberate inconsistencies of each kind are planted (their `note` says which) so the integrity page has
something to find; the procedure and field rows hold every identity, so they add no finding. Deterministic: the
same file on every run.

Rows: agencies per level, each level's total and the total of all levels, by month; each field that has
procedure rows, by month (its procedures' rows plus the dossiers of its other procedures, so a field is never
smaller than the procedures shown in it); and the PROCEDURES procedures with the most documents in the catalogue,
by month, at the procedure's first level with its agency and field as published.

    .venv/bin/python scripts/synthetic_statistics.py
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "data" / "catalogue" / "procedures.csv"
DOCUMENTS = ROOT / "data" / "catalogue" / "documents.csv"
TARGET = ROOT / "data" / "statistics" / "synthetic-2024-2025.csv"
SOURCE = "synthetic: scripts/synthetic_statistics.py — số liệu mô phỏng, không phải số liệu đã công bố"
MONTHS = [f"{year}-{month:02d}" for year in (2024, 2025) for month in range(1, 13)]
COUNTS = ["received_total", "received_online", "received_offline", "carried_over", "resolved_total",
          "resolved_early", "resolved_on_time", "resolved_in_time", "resolved_late", "pending_total",
          "pending_in_time", "pending_overdue", "withdrawn"]
COLUMNS = ["period", "level", "agency", "field", "procedure_code", *COUNTS, "on_time_rate", "source", "note"]
LEVEL_LABELS = {"Cấp bộ": "bo", "Cấp tỉnh": "tinh", "Cấp xã": "xa"}
AGENCIES_PER_LEVEL = {"bo": 4, "tinh": 6, "xa": 2}
PROCEDURES = 30
# (agency index in the level, month index, check it breaks)
PLANTED = {("tinh", 0, 5): "received_sum", ("tinh", 1, 8): "resolved_sum", ("bo", 0, 11): "in_time_sum",
           ("tinh", 2, 14): "pending_sum", ("bo", 1, 17): "balance", ("xa", 0, 20): "carry_over",
           ("tinh", 3, 22): "rate"}


def catalogue_agencies() -> dict[str, list[str]]:
    """The sample catalogue's busiest agencies per level, so the synthetic scopes match real names."""
    counts: dict[str, Counter] = {level: Counter() for level in AGENCIES_PER_LEVEL}
    with CATALOGUE.open(encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            for label in row["level"].split(";"):
                level = LEVEL_LABELS.get(label.strip())
                if level and row["agency"]:
                    counts[level][row["agency"]] += 1
    return {level: [a for a, _ in counts[level].most_common(n)] for level, n in AGENCIES_PER_LEVEL.items()}


def busiest_procedures() -> list[dict]:
    """The PROCEDURES procedures with the most documents to bring (a row of 0 originals and 0 copies is a guidance
    note, not a document), ties by code: their code, first level, agency and field as the catalogue has them."""
    documents: Counter = Counter()
    with DOCUMENTS.open(encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if (row["originals"] or "0") != "0" or (row["copies"] or "0") != "0":
                documents[row["procedure_code"]] += 1
    with CATALOGUE.open(encoding="utf-8-sig") as f:
        procedures = {row["code"]: row for row in csv.DictReader(f)}
    codes = sorted(documents, key=lambda code: (-documents[code], code))[:PROCEDURES]
    chosen = []
    for code in codes:
        row = procedures[code]
        levels = [LEVEL_LABELS[label.strip()] for label in row["level"].split(";") if label.strip() in LEVEL_LABELS]
        chosen.append({"procedure_code": code, "level": levels[0] if levels else "tong", "agency": row["agency"],
                       "field": row["field"]})
    return chosen


def month_row(rng: random.Random, size: int, quality: float, online: float, carried: int) -> dict:
    new = max(1, round(size * rng.uniform(0.8, 1.2)))
    received_online = round(new * online)
    withdrawn = round(new * rng.uniform(0, 0.01))
    received = new + carried
    resolved = round((received - withdrawn) * rng.uniform(0.82, 0.92))
    late = round(resolved * (1 - quality) * rng.uniform(0.5, 1.5))
    in_time = resolved - late
    early = round(in_time * rng.uniform(0.5, 0.8))
    pending = received - resolved - withdrawn
    overdue = round(pending * rng.uniform(0, 0.04))
    return {"received_total": received, "received_online": received_online, "received_offline": new - received_online,
            "carried_over": carried, "resolved_total": resolved, "resolved_early": early,
            "resolved_on_time": in_time - early, "resolved_in_time": in_time, "resolved_late": late,
            "pending_total": pending, "pending_in_time": pending - overdue, "pending_overdue": overdue,
            "withdrawn": withdrawn}


def rate(row: dict) -> str:
    return f"{row['resolved_in_time'] / row['resolved_total'] * 100:.2f}" if row["resolved_total"] else ""


def plant(row: dict, check: str) -> None:
    """Break one identity the way real reports do: a figure typed or copied wrong."""
    if check == "received_sum":
        row["received_total"] += 7
    elif check == "resolved_sum":
        row["resolved_late"] += 3
    elif check == "in_time_sum":
        row["resolved_early"] -= 12
        row["resolved_on_time"] += 2
    elif check == "pending_sum":
        row["pending_overdue"] += 4
    elif check == "balance":
        row["withdrawn"] += 25
    elif check == "carry_over":
        row["carried_over"] -= 30
        row["received_total"] -= 30
        row["pending_total"] -= 30
        row["pending_in_time"] -= 30


def generate() -> list[dict]:
    rng = random.Random(2026)
    names = catalogue_agencies()
    rows: list[dict] = []
    clean_by_level: dict[tuple[str, str], list[dict]] = {}
    for level in AGENCIES_PER_LEVEL:
        for index, agency in enumerate(names[level]):
            size = rng.choice([120, 300, 800, 2000, 5000]) * (3 if level == "xa" else 1)
            quality = rng.uniform(0.95, 0.999)
            carried = round(size * 0.15)
            for m, period in enumerate(MONTHS):
                online = min(0.9, 0.25 + 0.02 * m + rng.uniform(-0.03, 0.03))
                clean = month_row(rng, size, quality, online, carried)
                carried = clean["pending_total"]
                clean_by_level.setdefault((level, period), []).append(clean)
                row = dict(clean)
                check = PLANTED.get((level, index, m))
                row["on_time_rate"] = rate(row)
                note = ""
                if check:
                    plant(row, check)
                    if check == "rate":
                        row["on_time_rate"] = f"{float(row['on_time_rate']) - 1.5:.2f}"
                    note = f"mô phỏng: cố ý sai lệch để minh họa kiểm tra {check}"
                rows.append({"period": period, "level": level, "agency": agency, **row, "note": note})
    for (level, period), parts in clean_by_level.items():
        total = {c: sum(p[c] for p in parts) for c in COUNTS}
        total["on_time_rate"] = rate(total)
        note = ""
        if (level, period) == ("tinh", MONTHS[10]):
            total["received_online"] += 40
            total["received_offline"] -= 40
            note = "mô phỏng: cố ý sai lệch để minh họa kiểm tra rollup"
        rows.append({"period": period, "level": level, "agency": "", **total, "note": note})
    for period in MONTHS:
        parts = [p for level in AGENCIES_PER_LEVEL for p in clean_by_level[(level, period)]]
        total = {c: sum(p[c] for p in parts) for c in COUNTS}
        rows.append({"period": period, "level": "tong", "agency": "", **total, "on_time_rate": rate(total)})
    rows += procedure_rows(random.Random(2027))
    for row in rows:
        row["source"] = SOURCE
    return rows


def procedure_rows(rng: random.Random) -> list[dict]:
    """Monthly rows of the busiest procedures, and of each of their fields: the field's row is the sum of its
    procedures' rows and of a series of its other dossiers, so every identity of Biểu 06 holds in it too."""
    rows: list[dict] = []
    by_field: dict[str, list[list[dict]]] = {}
    for scope in busiest_procedures():
        size = rng.choice([80, 200, 600, 1500])
        quality = rng.uniform(0.88, 0.99)
        carried = round(size * 0.15)
        series = []
        for m, period in enumerate(MONTHS):
            row = month_row(rng, size, quality, min(0.9, 0.2 + 0.025 * m + rng.uniform(-0.05, 0.05)), carried)
            carried = row["pending_total"]
            series.append(row)
            rows.append({"period": period, **scope, **row, "on_time_rate": rate(row)})
        if scope["field"]:
            by_field.setdefault(scope["field"], []).append(series)
    for field, members in by_field.items():
        size = rng.choice([600, 1500, 4000])
        quality = rng.uniform(0.93, 0.998)
        carried = round(size * 0.2)
        for m, period in enumerate(MONTHS):
            other = month_row(rng, size, quality, min(0.9, 0.3 + 0.02 * m), carried)
            carried = other["pending_total"]
            total = {c: other[c] + sum(series[m][c] for series in members) for c in COUNTS}
            rows.append({"period": period, "level": "tong", "agency": "", "field": field, **total,
                         "on_time_rate": rate(total)})
    return rows


def write_rows(rows: list[dict], target: Path) -> None:
    """Rows as a statistics CSV in the data contract's column order (absent columns empty)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in COLUMNS})


def main() -> None:
    rows = generate()
    write_rows(rows, TARGET)
    print(f"{len(rows)} synthetic rows → {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
