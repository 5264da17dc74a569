"""Construct the two EARLIER VERSIONS of the sample catalogue (data/history/2025-06-30/ and 2025-12-31/) from
data/catalogue/: not real versions — no public source keeps dated copies of the national catalogue — but the
catalogue with a few procedures edited, so that the change history (generator/history.py) has every kind of
change to show. Each snapshot is a complete catalogue (a procedure missing from it would read as added), the
files copied byte for byte but for the edited rows, so git stores them as small deltas of data/catalogue/.

Walking back from the current catalogue: 2025-12-31 is the current catalogue with one procedure of each kind of
change edited back to an invented earlier state (a procedure it lacks is «added» on the current date, a constructed
procedure only it holds is «removed»), and with noise that must show no change (the same text in NFD, with other
spacing, in upper case; documents and legal-basis items in another order). 2025-06-30 is 2025-12-31 edited the
same way on other procedures. Deterministic: the same files on every run.

    .venv/bin/python scripts/history_snapshots.py
"""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

from generator.schema import SYNTHETIC_MARK

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "data" / "catalogue"
HISTORY = ROOT / "data" / "history"
TABLES = ("procedures", "documents", "channels")
# Newest first: each snapshot is made from the one after it, editing procedures no other edit has touched.
SNAPSHOTS = ("2025-12-31", "2025-06-30")
REMOVED = ("1.999901", "1.999902")  # constructed procedures: in the snapshots up to this one, not in the next
README = """# Phiên bản {date} của danh mục mẫu — MÔ PHỎNG

**Không phải một phiên bản thật.** Thư mục này do `scripts/history_snapshots.py` dựng từ danh mục hiện hành
(`data/catalogue/`) để trang lịch sử thay đổi có đủ mọi loại thay đổi để trình bày (xem `data/history/README.md`).
"""

Tables = dict[str, list[list[str]]]


def read(directory: Path) -> Tables:
    return {name: list(csv.reader(io.StringIO((directory / f"{name}.csv").read_text(encoding="utf-8"), newline="")))
            for name in TABLES}


SYNTHETIC_TEXT = "Constructed for the sample by scripts/history_snapshots.py: not a published version.\n"


def write(tables: Tables, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        out = io.StringIO(newline="")
        csv.writer(out).writerows(rows)  # the csv module's defaults give the sample's own bytes back unchanged
        (directory / f"{name}.csv").write_text(out.getvalue(), encoding="utf-8", newline="")


class Catalogue:
    """The tables as rows of cells, a header row first; cells by column name."""

    def __init__(self, tables: Tables, used: set[str]):
        self.tables = tables
        self.columns = {name: {column: i for i, column in enumerate(rows[0])} for name, rows in tables.items()}
        self.used = used  # procedures edited in any snapshot: each is edited once

    def rows(self, table: str, code: str) -> list[list[str]]:
        key = self.columns[table]["code" if table == "procedures" else "procedure_code"]
        return [row for row in self.tables[table][1:] if row[key] == code]

    def get(self, table: str, row: list[str], column: str) -> str:
        return row[self.columns[table][column]]

    def set(self, table: str, row: list[str], column: str, value: str) -> None:
        row[self.columns[table][column]] = value

    def pick(self, fits) -> str:
        """The code of the first procedure (in code order) FITS accepts that no edit has taken yet."""
        codes = sorted(row[0] for row in self.tables["procedures"][1:])
        code = next(code for code in codes if code not in self.used and code not in REMOVED and fits(code))
        self.used.add(code)
        return code

    def procedure(self, code: str) -> list[str]:
        return self.rows("procedures", code)[0]


def edit(c: Catalogue, removed: str) -> None:
    """Edit the catalogue C, the current one or a snapshot, back to its state before DATE (see the module's
    docstring): one procedure for each kind of change, and noise."""
    p = "procedures"

    def text(column: str, code: str) -> str:
        return c.get(p, c.procedure(code), column)

    def has(column: str):  # a text long enough to be worth changing
        return lambda code: len(text(column, code)) > (5 if column == "decision" else 20)

    # added: the earlier version does not have it yet
    added = c.pick(lambda code: bool(c.rows("documents", code)))
    for table in TABLES:
        c.tables[table] = [row for row in c.tables[table] if row not in c.rows(table, added)]
    # removed: the earlier version has a constructed procedure the later one no longer has (a copy of a real one
    # under a code no real procedure has)
    model = c.pick(has("legal_basis"))
    for table in TABLES:
        copies = [list(row) for row in c.rows(table, model)]
        for row in copies:
            row[0] = removed  # the code, first in every table
        c.tables[table] += copies
    c.set(p, c.procedure(removed), "name", text("name", model) + " (thủ tục mô phỏng, đã bãi bỏ)")
    # the texts of a procedure, each changed in its own procedure
    for column, before in (("name", "{} (tên cũ)"), ("field", "{} và dịch vụ công"), ("agency", "Sở Nội vụ"),
                           ("authority", "Ủy ban nhân dân cấp huyện"), ("conditions", "Không có"),
                           ("result", "{} (bản giấy)"), ("decision", "{n}/QĐ-MP")):
        code = c.pick(has(column) if column != "authority" else lambda code: not text(column, code))
        c.set(p, c.procedure(code), column, before.format(text(column, code), n=100 + len(c.used)))
    # levels: the district level, abolished in 2025, still listed
    code = c.pick(lambda code: "Cấp xã" in text("level", code) and "huyện" not in text("level", code))
    c.set(p, c.procedure(code), "level", text("level", code).replace("Cấp xã", "Cấp huyện;Cấp xã"))
    # legal basis: one item fewer
    code = c.pick(lambda code: text("legal_basis", code).count(";") >= 2)
    c.set(p, c.procedure(code), "legal_basis", text("legal_basis", code).rsplit(";", 1)[0])
    # time and fee of a channel
    ch = "channels"
    code = c.pick(lambda code: any(c.get(ch, row, "time").startswith("15 ") for row in c.rows(ch, code)))
    row = next(row for row in c.rows(ch, code) if c.get(ch, row, "time").startswith("15 "))
    c.set(ch, row, "time", c.get(ch, row, "time").replace("15 ", "20 ", 1))
    code = c.pick(lambda code: any(c.get(ch, row, "fee") == "Miễn phí" for row in c.rows(ch, code)))
    row = next(row for row in c.rows(ch, code) if c.get(ch, row, "fee") == "Miễn phí")
    c.set(ch, row, "fee", "Lệ phí: 50.000 đồng/hồ sơ")
    # documents: one the later version adds, one it drops, one whose copies changed
    d = "documents"
    def document(row: list[str]) -> bool:  # a document to bring, not a guidance note (0 originals, 0 copies)
        return (c.get(d, row, "originals"), c.get(d, row, "copies")) not in (("0", "0"), ("", ""))

    code = c.pick(lambda code: len(c.rows(d, code)) >= 3 and document(c.rows(d, code)[-1]))
    c.tables[d].remove(c.rows(d, code)[-1])
    code = c.pick(lambda code: len(c.rows(d, code)) >= 2 and document(c.rows(d, code)[-1]))
    extra = list(c.rows(d, code)[-1])
    for column, value in (("name", "Bản sao sổ hộ khẩu"), ("originals", "0"), ("copies", "1"), ("form", "")):
        c.set(d, extra, column, value)
    c.tables[d].insert(c.tables[d].index(c.rows(d, code)[-1]) + 1, extra)
    code = c.pick(lambda code: any(c.get(d, row, "copies") == "0" for row in c.rows(d, code)))
    c.set(d, next(row for row in c.rows(d, code) if c.get(d, row, "copies") == "0"), "copies", "2")
    # noise, no change: NFD, spacing and line breaks, letter case, documents and legal basis in another order
    code = c.pick(lambda code: not text("name", code).isascii())
    c.set(p, c.procedure(code), "name", unicodedata.normalize("NFD", text("name", code)))
    code = c.pick(lambda code: " " in text("result", code))
    c.set(p, c.procedure(code), "result", text("result", code).replace(" ", "  \n", 1) + " ")
    code = c.pick(has("agency"))
    c.set(p, c.procedure(code), "agency", text("agency", code).upper())
    code = c.pick(lambda code: text("legal_basis", code).count(";") >= 1)
    c.set(p, c.procedure(code), "legal_basis", ";".join(reversed(text("legal_basis", code).split(";"))))
    code = c.pick(lambda code: len({c.get(d, row, "case") for row in c.rows(d, code)}) == 1
                  and len(c.rows(d, code)) >= 2)
    rows = c.rows(d, code)
    start = c.tables[d].index(rows[0])
    c.tables[d][start:start + len(rows)] = rows[::-1]


def main() -> None:
    tables, used = read(CATALOGUE), set()
    for date, removed in zip(SNAPSHOTS, REMOVED):
        catalogue = Catalogue(tables, used)
        edit(catalogue, removed)
        tables = catalogue.tables
        write(tables, HISTORY / date / "catalogue")
        (HISTORY / date / "README.md").write_text(README.format(date=date), encoding="utf-8")
        # The mark the build reads: every change this version takes part in is labelled «mô phỏng» on the site.
        (HISTORY / date / SYNTHETIC_MARK).write_text(SYNTHETIC_TEXT, encoding="utf-8")


if __name__ == "__main__":
    main()
