"""Synthetic earlier versions of a scaled catalogue, for measuring the change history (issue #16): dated snapshots
`DIR/history/YYYY-MM-DD/catalogue/`, each marked as constructed (a SYNTHETIC file, as scripts/history_snapshots.py
marks the sample's). Walking back from the current catalogue, each version is the one after it with about 0.5–2 % of
its procedures edited: a channel's fee or time, a document added, removed or changed, a rename, a procedure that
the newer version added (left out) or removed (a constructed one, placed after the procedure it copies).
Deterministic (seeded by the version's number)."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

from generator.schema import SYNTHETIC_MARK

TABLES = ("procedures", "documents", "channels")
SYNTHETIC_TEXT = "Constructed by bench/synthetic_history.py for the scale benchmark: not a published version.\n"
EDITS = ("fee", "time", "document_added", "document_removed", "document_changed", "name", "added", "removed")

# A table: its header, and each procedure's rows by code, in the order of the file.
Table = tuple[list[str], dict[str, list[list[str]]]]


def read(directory: Path) -> dict[str, Table]:
    tables = {}
    for name in TABLES:
        rows = list(csv.reader(io.StringIO((directory / f"{name}.csv").read_text(encoding="utf-8"), newline="")))
        groups: dict[str, list[list[str]]] = {}
        for row in rows[1:]:
            groups.setdefault(row[0], []).append(row)  # code, or procedure_code: the first column of each table
        tables[name] = rows[0], groups
    return tables


def write(tables: dict[str, Table], directory: Path, synthetic: bool = True) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, (header, groups) in tables.items():
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\n")  # as pandas writes bench/scale.py's catalogue
        writer.writerow(header)
        for rows in groups.values():
            writer.writerows(rows)
        (directory / f"{name}.csv").write_text(out.getvalue(), encoding="utf-8", newline="")
    if synthetic:
        (directory.parent / SYNTHETIC_MARK).write_text(SYNTHETIC_TEXT, encoding="utf-8")


def edit(tables: dict[str, Table], count: int, rng: random.Random, tag: str) -> dict[str, Table]:
    """TABLES with COUNT procedures edited, one kind of edit after the other (EDITS); TAG marks what an edit
    constructs (a name's suffix, a copied procedure's code)."""
    tables = {name: (header, {code: [row[:] for row in rows] for code, rows in groups.items()})
              for name, (header, groups) in tables.items()}
    column = {name: {c: i for i, c in enumerate(header)} for name, (header, _) in tables.items()}
    procedures, documents, channels = (tables[name][1] for name in TABLES)
    for number, code in enumerate(rng.sample(sorted(procedures), count)):
        kind = EDITS[number % len(EDITS)]
        if kind in ("fee", "time") and channels.get(code):
            value = (f"{rng.randint(1, 50) * 10}.000 đồng" if kind == "fee" else f"{rng.randint(1, 30)} Ngày làm việc")
            channels[code][0][column["channels"][kind]] = value
        elif kind == "document_added" and documents.get(code):
            documents[code].pop(rng.randrange(len(documents[code])))
        elif kind == "document_changed" and documents.get(code):
            row = documents[code][0]
            row[column["documents"]["originals"]] = str(rng.randint(2, 5))
        elif kind == "document_removed":  # the newer version removed it
            row = {"procedure_code": code, "name": f"Giấy tờ {tag} (mô phỏng)", "originals": "1", "copies": "0"}
            documents.setdefault(code, []).append([row.get(c, "") for c in tables["documents"][0]])
        elif kind == "added":  # the newer version added it: this one has none of its rows
            for _, groups in tables.values():
                groups.pop(code, None)
        elif kind == "removed":  # the newer version removed it: a copy, right after the procedure it copies
            copy = f"{code}.{tag}"
            for name, (_, groups) in tables.items():
                rows = [[copy, *row[1:]] for row in groups.get(code, [])]
                if name == "procedures":
                    rows[0][column[name]["name"]] += f" ({tag})"
                if rows:
                    items = list(groups.items())
                    at = next(i for i, (c, _) in enumerate(items) if c == code) + 1
                    groups.clear()
                    groups.update(items[:at] + [(copy, rows)] + items[at:])
        else:  # a rename, and what could not be made for lack of rows
            procedures[code][0][column["procedures"]["name"]] += f" ({tag})"
    return tables


def write_versions(data_dir: Path, dates: list[str]) -> int:
    """Earlier versions of DATA_DIR/catalogue/ at DATES (newest first), each about 0.5–2 % of procedures away
    from the one after it. Returns how many procedures were edited in all."""
    tables, edited = read(data_dir / "catalogue"), 0
    for number, date in enumerate(dates, start=1):
        rng = random.Random(number)
        count = max(1, round(len(tables["procedures"][1]) * rng.uniform(0.005, 0.02)))
        tables = edit(tables, count, rng, f"v{number}")
        write(tables, data_dir / "history" / date / "catalogue")
        edited += count
    return edited


def new_version(data_dir: Path, date: str, count: int) -> None:
    """The current catalogue kept as the version of DATE, then COUNT of its procedures edited: what publishing a
    new version of the catalogue does."""
    tables = read(data_dir / "catalogue")
    write(tables, data_dir / "history" / date / "catalogue")
    write(edit(tables, count, random.Random(date), "moi"), data_dir / "catalogue", synthetic=False)
