"""Generate the SYNTHETIC dossier log bundled with the sample (data/dossiers/), from which the build computes Biểu 06
rows (generator/dossiers.py, issue #17).

No one-stop system publishes its log (it is personal data), so the sample needs an invented one to show what the site
makes of a log: rows that add up by construction, for every month, quarter and year, each level, agency, field and
procedure, with partial first and last months. The folder holds a file named SYNTHETIC, so every row computed from it
has the source «synthetic: tính từ nhật ký hồ sơ» and is labelled «mô phỏng» on the site and in the open data.

What it holds: the agencies of the sample catalogue with the most procedures at the ministry, province and commune
level (AGENCIES_PER_LEVEL), a few procedures of each (PROCEDURES_PER_AGENCY, those whose processing time reads as a
number of days), and for each procedure a few to a few dozen dossiers a month, received on working days from Monday
6 December 2021 to Friday 24 November 2023: channel (more online as months pass, only where the procedure can be
submitted online), due day (received day plus the legal time in working days; a few dossiers have none), and
outcome (most resolved early, some on the due day, a few late, some returned or withdrawn, a few never finished;
whatever would finish after the last day is still pending). Working days are the site's one calendar
(indicators.working_day: weekends and Việt Nam's public holidays skipped), on which it counts processing times.
Dossiers received up to 2022 go to a CSV file with dates written dd/mm/yyyy (with the time of receipt and of
finishing), those of 2023 to a Parquet file with typed dates: the two forms an export takes. Deterministic: the same
files on every run.

    .venv/bin/python scripts/synthetic_dossiers.py
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import Counter
from pathlib import Path

from generator.indicators import working_day
from generator.parse import parse_levels, parse_time, split_agencies
from generator.schema import SYNTHETIC_MARK

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "data" / "catalogue"
TARGET = ROOT / "data" / "dossiers"
FIRST, LAST = dt.date(2021, 12, 6), dt.date(2023, 11, 24)
AGENCIES_PER_LEVEL = {"bo": 3, "tinh": 4, "xa": 2}
PROCEDURES_PER_AGENCY = 6
COLUMNS = ["dossier_id", "procedure_code", "agency", "level", "field", "channel", "received_at", "due_at",
           "finished_at", "outcome"]
MARK = "Nhật ký hồ sơ mô phỏng, tạo bởi scripts/synthetic_dossiers.py: không phải hồ sơ thật.\n"


def chosen_procedures() -> list[dict]:
    """The busiest agencies of each level (procedures naming that one agency alone, with a field), and up to
    PROCEDURES_PER_AGENCY of their procedures at that level whose time reads as days, in catalogue order."""
    with (CATALOGUE / "procedures.csv").open(encoding="utf-8-sig") as f:
        procedures = list(csv.DictReader(f))
    with (CATALOGUE / "channels.csv").open(encoding="utf-8-sig") as f:
        channels: dict[str, list[dict]] = {}
        for row in csv.DictReader(f):
            channels.setdefault(row["procedure_code"], []).append(row)
    candidates: dict[str, dict[str, list[dict]]] = {level: {} for level in AGENCIES_PER_LEVEL}
    for row in procedures:
        agencies = split_agencies(row["agency"])
        levels, _ = parse_levels(row["level"])
        days = [parse_time(c["time"]) for c in channels.get(row["code"], [])]
        days = [t.days for t in days if t.days]
        if len(agencies) != 1 or not row["field"] or not days:
            continue
        for level in levels:
            if level in candidates:
                candidates[level].setdefault(agencies[0], []).append(
                    {"code": row["code"], "agency": agencies[0], "level": level,
                     "days": max(1, min(60, round(min(days)))),
                     "online": any(c["channel"] in ("truc_tuyen", "Trực tuyến") for c in channels[row["code"]])})
    chosen = []
    for level, count in AGENCIES_PER_LEVEL.items():
        sizes = Counter({agency: len(rows) for agency, rows in candidates[level].items()})
        for agency, _ in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))[:count]:
            chosen += candidates[level][agency][:PROCEDURES_PER_AGENCY]
    return chosen


def working_days_after(day: dt.date, days: int) -> dt.date:
    """DAY plus DAYS working days (indicators.working_day: the calendar the site counts processing times on)."""
    while days > 0:
        day += dt.timedelta(days=1)
        if working_day(day):
            days -= 1
    return day


def months() -> list[tuple[int, int]]:
    found, (year, month) = [], (FIRST.year, FIRST.month)
    while (year, month) <= (LAST.year, LAST.month):
        found.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def dossiers() -> list[dict]:
    rng = random.Random(2026_17)
    rows: list[dict] = []
    procedures = chosen_procedures()
    quality = {p["agency"]: (rng.uniform(0.01, 0.12), rng.uniform(0.1, 0.3)) for p in procedures}
    for procedure in procedures:
        size = rng.choice([3, 8, 20, 45]) * (2 if procedure["level"] == "xa" else 1)
        late, on_due = quality[procedure["agency"]]
        for index, (year, month) in enumerate(months()):
            days = [d for d in (dt.date(year, month, 1) + dt.timedelta(days=i) for i in range(31))
                    if d.month == month and working_day(d) and FIRST <= d <= LAST]
            online = min(0.85, 0.2 + 0.025 * index) if procedure["online"] else 0.0
            for _ in range(round(size * rng.uniform(0.7, 1.3) * len(days) / 21)):
                received = rng.choice(days)
                due = working_days_after(received, procedure["days"]) if rng.random() > 0.02 else None
                draw, outcome = rng.random(), "resolved"
                if draw < 0.004:
                    finished, outcome = None, ""  # never finished
                elif draw < 0.03:
                    finished = received + dt.timedelta(days=rng.randint(0, 2 * procedure["days"]))
                    outcome = "returned" if draw < 0.015 else "withdrawn"
                elif due is None:
                    finished = working_days_after(received, rng.randint(0, procedure["days"]))
                else:
                    kind = rng.random()
                    if kind < late:
                        finished = due + dt.timedelta(days=rng.randint(1, 20))
                    elif kind < late + on_due:
                        finished = due
                    else:
                        finished = working_days_after(received, rng.randint(0, max(0, procedure["days"] - 1)))
                        finished = min(finished, due - dt.timedelta(days=1)) if due > received else finished
                if finished is not None and finished > LAST:
                    finished, outcome = None, ""  # still pending on the log's last day
                channel = ("truc_tuyen" if rng.random() < online
                           else "buu_chinh" if rng.random() < 0.12 else "truc_tiep")
                rows.append({"procedure_code": procedure["code"], "agency": procedure["agency"],
                             "level": procedure["level"], "field": "", "channel": channel, "received": received,
                             "received_time": dt.time(rng.randint(7, 16), rng.randint(0, 59)), "due": due,
                             "finished": finished, "finished_time": dt.time(rng.randint(7, 17), rng.randint(0, 59)),
                             "outcome": outcome if finished is not None else ""})
    rows.sort(key=lambda r: (r["received"], r["received_time"], r["procedure_code"]))
    # The log's first and last days are those of a dossier received on the first and one finished on the last.
    rows[0]["received"] = FIRST
    last = next(r for r in reversed(rows) if r["finished"] is None and r["received"] <= LAST - dt.timedelta(days=3))
    last["finished"], last["outcome"] = LAST, "resolved"
    last["due"] = None if last["due"] is None else max(last["due"], LAST)
    for number, row in enumerate(rows, 1):
        row["dossier_id"] = f"HS-{number:06d}"
    return rows


def write_csv(rows: list[dict], target: Path) -> None:
    """Dates as a clerk's export writes them, dd/mm/yyyy with the time of receipt and of finishing; an empty outcome
    for a resolved dossier."""
    def day(value: dt.date | None, time: dt.time | None = None) -> str:
        if value is None:
            return ""
        return value.strftime("%d/%m/%Y") + (time.strftime(" %H:%M") if time else "")

    with target.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow([r["dossier_id"], r["procedure_code"], r["agency"], r["level"], r["field"], r["channel"],
                             day(r["received"], r["received_time"]), day(r["due"]),
                             day(r["finished"], r["finished_time"]),
                             "" if r["outcome"] == "resolved" else r["outcome"]])


def write_parquet(rows: list[dict], target: Path) -> None:
    """Typed dates, as a database export writes them: receipt and finish as TIMESTAMP, the due day as DATE."""
    import duckdb
    import pandas as pd

    frame = pd.DataFrame({
        "dossier_id": [r["dossier_id"] for r in rows], "procedure_code": [r["procedure_code"] for r in rows],
        "agency": [r["agency"] for r in rows], "level": [r["level"] for r in rows],
        "field": [r["field"] or None for r in rows], "channel": [r["channel"] for r in rows],
        "received_at": pd.to_datetime([dt.datetime.combine(r["received"], r["received_time"]) for r in rows]),
        "due_at": pd.to_datetime([r["due"] for r in rows]),
        "finished_at": pd.to_datetime([dt.datetime.combine(r["finished"], r["finished_time"]) if r["finished"] else None
                                       for r in rows]),
        "outcome": [r["outcome"] or None for r in rows]})
    connection = duckdb.connect(config={"threads": 1})  # one thread: the same bytes on every run
    connection.register("log", frame)
    connection.execute(f"COPY (SELECT * REPLACE (CAST(due_at AS DATE) AS due_at) FROM log) TO '{target}' "
                       "(FORMAT parquet, COMPRESSION zstd)")
    connection.close()


def main() -> None:
    rows = dossiers()
    TARGET.mkdir(parents=True, exist_ok=True)
    early = [r for r in rows if r["received"].year <= 2022]
    write_csv(early, TARGET / "ho-so-2021-2022.csv")
    write_parquet([r for r in rows if r["received"].year > 2022], TARGET / "ho-so-2023.parquet")
    (TARGET / SYNTHETIC_MARK).write_text(MARK, encoding="utf-8")
    print(f"{len(rows)} synthetic dossiers ({len(early)} in the CSV file) → {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
