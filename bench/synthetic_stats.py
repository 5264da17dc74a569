"""Synthetic monthly Biểu 06 statistics for a scaled catalogue: one row per agency per month, plus the level and
all-levels totals; and (`procedure_rows`) one row per procedure per month for the last PROCEDURE_MONTHS months, at
the procedure's first level with its agency and field as the catalogue gives them. Deterministic (seeded). Every
row's `source` starts with "synthetic", so the site shows it as «mô phỏng». The month model is the one the bundled
sample uses (scripts/synthetic_statistics.py)."""

from __future__ import annotations

import random
import sys
from collections import Counter
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from synthetic_statistics import COUNTS, month_row, rate, write_rows  # noqa: E402

SOURCE = "synthetic: bench/scale.py — số liệu mô phỏng để đo hiệu năng, không phải số liệu đã công bố"
MONTHS = [f"{year}-{month:02d}" for year in (2023, 2024, 2025) for month in range(1, 13)]
LEVELS = {"Cấp bộ": "bo", "Cấp tỉnh": "tinh", "Cấp huyện": "huyen", "Cấp xã": "xa"}
# Procedure rows: every procedure, over the last 24 months (as the sample's procedure rows, issue #15).
PROCEDURE_MONTHS = MONTHS[-24:]
# One agency row in this many gets a typing error, so the integrity page has findings that grow with the data.
PLANT_EVERY = 200


def agencies(procedures: pd.DataFrame, limit: int) -> list[tuple[str, str]]:
    """(agency, level) for the `limit` agencies with the most procedures (ties by name). An agency's level is
    the commonest level of its procedures; one with only «Cơ quan khác» procedures counts as `bo`."""
    counts: Counter = Counter()
    levels: dict[str, Counter] = {}
    for agency, level_text in zip(procedures["agency"], procedures["level"]):
        if not agency:
            continue
        counts[agency] += 1
        levels.setdefault(agency, Counter()).update(
            LEVELS[label.strip()] for label in level_text.split(";") if label.strip() in LEVELS)
    chosen = sorted(counts, key=lambda a: (-counts[a], a))[:limit]
    return [(a, levels[a].most_common(1)[0][0] if levels[a] else "bo") for a in chosen]


def generate(procedures: pd.DataFrame, limit: int, seed: int = 2026) -> list[dict]:
    rng = random.Random(seed)
    rows: list[dict] = []
    clean_parts: dict[tuple[str, str], list[dict]] = {}  # (level, month) → the agency rows as they should be
    for agency, level in agencies(procedures, limit):
        size = rng.choice([120, 300, 800, 2000, 5000])
        quality = rng.uniform(0.95, 0.999)
        carried = round(size * 0.15)
        for m, period in enumerate(MONTHS):
            clean = month_row(rng, size, quality, min(0.9, 0.2 + 0.015 * m + rng.uniform(-0.03, 0.03)), carried)
            carried = clean["pending_total"]
            clean_parts.setdefault((level, period), []).append(clean)
            row = {**clean, "on_time_rate": rate(clean), "note": ""}
            if len(rows) % PLANT_EVERY == PLANT_EVERY - 1:
                row["received_total"] += 7
                row["note"] = "mô phỏng: cố ý sai lệch (received_total + 7)"
            rows.append({"period": period, "level": level, "agency": agency, **row})
    for period in MONTHS:
        level_totals = []
        for level in LEVELS.values():
            parts = clean_parts.get((level, period))
            if parts:
                total = {c: sum(p[c] for p in parts) for c in COUNTS}
                level_totals.append(total)
                rows.append({"period": period, "level": level, "agency": "", **total, "on_time_rate": rate(total)})
        total = {c: sum(t[c] for t in level_totals) for c in COUNTS}
        rows.append({"period": period, "level": "tong", "agency": "", **total, "on_time_rate": rate(total)})
    for row in rows:
        row["source"] = SOURCE
    return rows


def procedure_rows(procedures: pd.DataFrame, seed: int = 2027) -> list[dict]:
    """PROCEDURE_MONTHS monthly rows for each procedure of the catalogue, in its order: at its first level (`tong`
    when it names none the statistics know), its agency and field verbatim. Every Biểu 06 identity holds in them
    (no planted error), and they are the only rows of their scope, so they add no finding."""
    rng = random.Random(seed)
    rows: list[dict] = []
    for code, level_text, agency, field in zip(procedures["code"], procedures["level"], procedures["agency"],
                                               procedures["field"]):
        levels = [LEVELS[label.strip()] for label in level_text.split(";") if label.strip() in LEVELS]
        scope = {"level": levels[0] if levels else "tong", "agency": agency, "field": field, "procedure_code": code,
                 "source": SOURCE}
        size = rng.choice([20, 80, 200, 600])
        quality = rng.uniform(0.88, 0.99)
        carried = round(size * 0.15)
        for m, period in enumerate(PROCEDURE_MONTHS):
            row = month_row(rng, size, quality, min(0.9, 0.2 + 0.025 * m + rng.uniform(-0.05, 0.05)), carried)
            carried = row["pending_total"]
            rows.append({"period": period, **scope, **row, "on_time_rate": rate(row)})
    return rows


def write(procedures: pd.DataFrame, limit: int, target: Path) -> int:
    rows = generate(procedures, limit)
    write_rows(rows, target)
    return len(rows)


def write_procedures(procedures: pd.DataFrame, target: Path) -> int:
    rows = procedure_rows(procedures)
    write_rows(rows, target)
    return len(rows)
