"""Differential tests of the build cache: after every edit, an ordinary build of the same site directory (which
reuses what the build cache kept) must publish exactly what a `--full` build of the same input publishes into a
fresh directory, byte for byte, and report exactly the same problems."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import random
import re
import shutil
import time
from pathlib import Path

import pytest

import conftest
import generator.render
from conftest import FIXTURES, ROOT, TEMPLATES, run_cli

SITE_URL = "https://example.org/tthc/"
PROBLEM = re.compile(r"\[[a-z0-9_]+\]$")  # `file:row:column: message (…) [code]`
SUMMARY = re.compile(r"^[\d.]+ lỗi, [\d.]+ cảnh báo")


# --- helpers -------------------------------------------------------------------------------------------------------

def manifest(site: Path) -> dict[str, str]:
    """Every file under the site directory (nothing excluded) with the sha256 of its bytes."""
    if not site.exists():
        return {}
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file()}


def problem_lines(stderr: str) -> list[str]:
    """The problems `build -v` printed, in order (warnings, or errors and their count line); not the final
    «Đã xuất bản … trong N giây (…)» line, whose timing and file counts legitimately differ."""
    return [line for line in stderr.splitlines() if PROBLEM.search(line) or SUMMARY.match(line)]


class Builds:
    """Builds of one data directory: into the same site directory again and again, and each time, with
    `--full`, into a fresh one; compared file by file and problem by problem."""

    def __init__(self, tmp: Path, data: Path, capsys):
        self.tmp, self.data, self.capsys = tmp, data, capsys
        self.site = tmp / "www" / "site"
        self.count = 0
        self.published: dict[str, str] = {}  # the site's manifest after its last successful build

    def build(self, site: Path, *extra: str) -> tuple[int, str]:
        self.capsys.readouterr()
        code = run_cli("build", "-v", "--data", str(self.data), "--site-dir", str(site), "--site-url", SITE_URL,
                       *extra)
        return code, self.capsys.readouterr().err

    def compare(self, name: str, expect: int = 0, *extra: str) -> list[str]:
        """Build incrementally (with EXTRA options) and in full; assert both exit with EXPECT and agree. The
        problem lines."""
        self.count += 1
        code, said = self.build(self.site, *extra)
        full = self.tmp / "full" / f"{self.count:02d}" / "site"
        full_code, full_said = self.build(full, "--full")
        assert (code, full_code) == (expect, expect), (name, said[-3000:], full_said[-3000:])
        lines, full_lines = problem_lines(said), problem_lines(full_said)
        assert lines == full_lines, (name, lines, full_lines)
        if expect == 0:
            assert manifest(self.site) == manifest(full), name
            self.published = manifest(self.site)
            assert len(self.published) > 40
        else:
            assert manifest(self.site) == self.published, name  # nothing published: the site is as it was
            assert not full.exists()
        shutil.rmtree(full.parent)
        shutil.rmtree(full.parent.parent / f".{full.name}.cache", ignore_errors=True)
        return lines


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        header, *rows = list(csv.reader(f))
    return header, rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([header, *rows])


def edit_rows(path: Path, change) -> None:
    """CHANGE(header, rows) modifies the rows in place (or returns new ones); written back with the header."""
    header, rows = read_csv(path)
    result = change(header, rows)
    write_csv(path, header, rows if result is None else result)


def set_cell(path: Path, key_column: str, key: str, column: str, value: str) -> None:
    def change(header, rows):
        hits = [r for r in rows if r[header.index(key_column)] == key]
        assert hits, (path, key)
        hits[0][header.index(column)] = value
    edit_rows(path, change)


def append_row(path: Path, values: dict[str, str]) -> None:
    edit_rows(path, lambda header, rows: rows.append([values.get(c, "") for c in header]))


def remove_procedure(catalogue: Path, code: str) -> None:
    edit_rows(catalogue / "procedures.csv", lambda h, rows: [r for r in rows if r[h.index("code")] != code])
    for name in ("documents.csv", "channels.csv"):
        edit_rows(catalogue / name, lambda h, rows: [r for r in rows if r[h.index("procedure_code")] != code])


def replace_text(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def to_workbook(catalogue: Path, workbook: Path) -> None:
    """The three CSV files replaced by one workbook with a sheet of each (same cells, same rows)."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in ("procedures", "documents", "channels"):
        sheet = book.create_sheet(name)
        header, rows = read_csv(catalogue / f"{name}.csv")
        for row in [header, *rows]:
            sheet.append(row)
        (catalogue / f"{name}.csv").unlink()
    book.save(workbook)


def damage(path: Path) -> None:
    """Overwrite a few bytes in the middle of the file, in place (same size): a markup class name when the file
    has one (so that a damaged template or page still loads, and shows the damage), else whatever is there."""
    data = path.read_bytes()
    if b"ck-" in data[32:]:
        at = data.index(b"ck-", 32)
        path.write_bytes(data[:at] + b"XX-" + data[at + 3:])
        return
    size = path.stat().st_size
    assert size > 16, path
    with path.open("r+b") as f:
        f.seek(size // 2)
        f.write(b"#DAMAGED#")


@pytest.fixture
def own_config(tmp_path: Path, monkeypatch) -> Path:
    """A copy of the repository's mkdocs.yml, the package's templates and site_src/ that the test may edit; run_cli
    uses it."""
    repo = tmp_path / "repo"
    repo.mkdir()
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")  # data_dir and templates_dir are relative to it
    assert "      data_dir: data\n" in config
    (repo / "mkdocs.yml").write_text(config.replace("      data_dir: data\n",
                                                    "      data_dir: data\n      templates_dir: templates\n"),
                                     encoding="utf-8")
    shutil.copytree(TEMPLATES, repo / "templates")
    shutil.copytree(ROOT / "site_src", repo / "site_src")
    monkeypatch.setattr(conftest, "CONFIG", str(repo / "mkdocs.yml"))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    return repo


# --- a sequence of edits of every kind -----------------------------------------------------------------------------

def test_every_kind_of_edit_publishes_what_a_full_build_does(tmp_path: Path, own_config: Path, capsys):
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "small", data)
    (data / "statistics").mkdir()
    shutil.copy(ROOT / "data/statistics/published-2019-2021.csv", data / "statistics")
    catalogue, templates = data / "catalogue", own_config / "templates"
    builds = Builds(tmp_path, data, capsys)
    cache = builds.site.parent / f".{builds.site.name}.cache"
    assert builds.build(builds.site)[0] == 0  # the first build fills the build cache

    def unnamed_column(value: str) -> None:
        def change(header, rows):
            if header[-1] != "":
                header.append("")
                for row in rows:
                    row.append("")
            rows[2][-1] = value
        edit_rows(catalogue / "documents.csv", change)

    def statistics_link() -> None:
        statistics = data / "statistics/published-2019-2021.csv"
        shutil.move(statistics, tmp_path / "elsewhere.csv")
        statistics.symlink_to(tmp_path / "elsewhere.csv")

    def damage_cache() -> None:
        damage(sorted((cache / "records").glob("*.pickle"))[0])
        damage(cache / "mkdocs/files/index.html")
        for compiled in (cache / "templates").iterdir():  # Jinja's compiled templates
            damage(compiled)
        # As a new process would: the compiled templates this test process holds are not read from the cache.
        generator.render.CompiledTemplates.compiled.clear()

    def damage_published() -> None:
        damage(builds.site / "du-lieu/thu-tuc.json")
        damage(builds.site / "thu-tuc/1.000894/index.html")
        set_cell(catalogue / "procedures.csv", "code", "1.004000", "result", "Kết quả mới")

    def swap_columns(header, rows):
        i, j = header.index("time"), header.index("fee")
        for row in [header, *rows]:
            row[i], row[j] = row[j], row[i]

    edits = [
        ("nothing", lambda: None),
        ("rename", lambda: set_cell(catalogue / "procedures.csv", "code", "1.001193", "name",
                                    "Đăng ký kết hôn (bản mới)")),
        ("add a document", lambda: append_row(catalogue / "documents.csv", {
            "procedure_code": "1.001193", "case": "Giấy tờ phải nộp", "name": "Giấy xác nhận tình trạng hôn nhân",
            "originals": "1", "copies": "0"})),
        ("move to another field", lambda: set_cell(catalogue / "procedures.csv", "code", "1.000894", "field",
                                                   "Thủy lợi")),
        ("new agency", lambda: set_cell(catalogue / "procedures.csv", "code", "1.004000", "agency", "Sở mới")),
        ("empty unnamed column", lambda: unnamed_column("")),
        ("value in the unnamed column", lambda: unnamed_column("giá trị lạc")),
        ("value removed from the unnamed column", lambda: unnamed_column("")),
        ("template", lambda: replace_text(templates / "group.html", "thủ tục · <a href=\"#thu-tuc\">",
                                          "thủ tục hành chính · <a href=\"#thu-tuc\">")),
        ("group list shows the field", lambda: replace_text(
            templates / "_macros.html", "{{ p.code }}{% for l in p.levels %}",
            "{{ p.code }} · {{ p.field }}{% for l in p.levels %}")),
        ("field changed", lambda: set_cell(catalogue / "procedures.csv", "code", "1.001193", "field", "Thủy lợi")),
        ("site_src", lambda: replace_text(own_config / "site_src/gioi-thieu.md", "# Giới thiệu",
                                          "# Giới thiệu\n\nMột đoạn mới.")),
        ("statistics", lambda: replace_text(data / "statistics/published-2019-2021.csv", "643272", "643270")),
        ("add a procedure", lambda: (
            append_row(catalogue / "procedures.csv", {"code": "9.000001", "name": "Thủ tục thử nghiệm mới",
                                                      "field": "Hộ tịch", "level": "huyen",
                                                      "agency": "Ủy ban nhân dân cấp xã"}),
            append_row(catalogue / "documents.csv", {"procedure_code": "9.000001", "name": "Đơn đề nghị",
                                                     "originals": "1", "copies": "0"}),
            append_row(catalogue / "channels.csv", {"procedure_code": "9.000001", "channel": "Trực tiếp",
                                                    "time": "10 ngày", "fee": "Miễn phí"}))),
        ("remove a procedure", lambda: remove_procedure(catalogue, "2.002000")),
        ("header change", lambda: edit_rows(catalogue / "channels.csv", swap_columns)),
        ("damaged cache", damage_cache),
        ("damaged cache, --full build into the same site", damage_cache),
        ("data's date", lambda: [os.utime(p, (1577880000, 1577880000)) for p in data.rglob("*") if p.is_file()]),
        ("provenance", lambda: replace_text(data / "README.md", "\n", "\n\nNguồn: bản thử nghiệm.\n")),
        ("damaged published files", damage_published),
        ("a workbook instead of the CSV files", lambda: to_workbook(catalogue, catalogue / "katalog.xlsx")),
        ("workbook renamed", lambda: (catalogue / "katalog.xlsx").rename(catalogue / "danh-muc.xlsx")),
        ("statistics behind a symbolic link", statistics_link),
        ("the link's target edited", lambda: replace_text(tmp_path / "elsewhere.csv", "643270", "643271")),
    ]
    assert len(edits) >= 12
    for name, edit in edits:
        edit()
        lines = builds.compare(name, 0, *(("--full",) if "--full" in name else ()))
        unnamed = any("[unnamed_column]" in line for line in lines)
        assert unnamed == (name == "value in the unnamed column"), (name, lines)
        if name == "field changed":
            # The agency page lists its procedures with their field (the edited macro): the new one.
            page = (builds.site / "co-quan/uy-ban-nhan-dan-cap-xa/index.html").read_text(encoding="utf-8")
            assert re.search(r"Đăng ký kết hôn \(bản mới\)</a> <span class=\"ck-meta\">1\.001193 · Thủy lợi", page)

    site = builds.site
    assert "643.271" in (site / "thong-ke/index.html").read_text(encoding="utf-8")
    assert "Một đoạn mới." in (site / "gioi-thieu/index.html").read_text(encoding="utf-8")
    assert "thủ tục hành chính · <a href=\"#thu-tuc\">" in (site / "linh-vuc/thuy-loi/index.html").read_text(encoding="utf-8")
    assert (site / "thu-tuc/9.000001/index.html").is_file() and not (site / "thu-tuc/2.002000").exists()
    assert b"#DAMAGED#" not in (site / "du-lieu/thu-tuc.json").read_bytes()
    assert b"#DAMAGED#" not in (site / "thu-tuc/1.000894/index.html").read_bytes()


# --- seeded random edits of the real catalogue ---------------------------------------------------------------------

SEED = 20240611
EDITS = 50
SUBSET = 50


def sample_subset(target: Path, count: int) -> None:
    """The first COUNT procedures of the real sample with their documents and channels."""
    source = ROOT / "data/catalogue"
    target.mkdir(parents=True)
    header, rows = read_csv(source / "procedures.csv")
    rows = rows[:count]
    write_csv(target / "procedures.csv", header, rows)
    codes = {r[header.index("code")] for r in rows}
    for name in ("documents.csv", "channels.csv"):
        h, r = read_csv(source / name)
        write_csv(target / name, h, [row for row in r if row[h.index("procedure_code")] in codes])


def test_random_edits_of_the_real_catalogue_publish_what_a_full_build_does(tmp_path: Path, own_config: Path,
                                                                           capsys):
    """50 seeded random edits of the real sample. A full build of all 1,597 procedures after each edit would
    make this test take minutes (a --full build of the sample takes 4-6 s here), so it uses the first 50
    procedures of data/catalogue with their documents and channels — 10 fields and 25 agencies, documents by case,
    several channels, unparsed times and fees — and no statistics: no edit here touches them (the test of every
    kind of edit does), and their stage took a third of every --full build."""
    started = time.monotonic()
    rng = random.Random(SEED)
    data = tmp_path / "data"
    catalogue = data / "catalogue"
    sample_subset(catalogue, SUBSET)
    shutil.copy(ROOT / "data/README.md", data / "README.md")
    builds = Builds(tmp_path, data, capsys)
    assert builds.build(builds.site)[0] == 0

    procedures, documents, channels = (catalogue / f"{n}.csv" for n in ("procedures", "documents", "channels"))
    broken: dict[str, str] = {}  # code → its level before an unknown level was put in
    counter = iter(range(1, 10**6))

    def codes() -> list[str]:
        header, rows = read_csv(procedures)
        return [r[header.index("code")] for r in rows if r[header.index("code")] not in broken]

    def existing(header, rows, column, values):
        return rng.choice(sorted({r[header.index(column)] for r in rows if r[header.index(column)]} or values))

    def change_cell():
        column = rng.choice(["name", "field", "agency", "level", "time", "fee", "document"])
        code = rng.choice(codes())
        n = next(counter)
        if column in ("time", "fee"):
            def change(header, rows):
                mine = [r for r in rows if r[header.index("procedure_code")] == code] or rows
                value = f"{rng.randint(1, 30)} ngày làm việc" if column == "time" else \
                    rng.choice(["Miễn phí", f"{rng.randint(1, 500)}.000 đồng", "Không có thông tin"])
                rng.choice(mine)[header.index(column)] = value
            edit_rows(channels, change)
        elif column == "document":
            def change(header, rows):
                mine = [r for r in rows if r[header.index("procedure_code")] == code] or rows
                rng.choice(mine)[header.index("name")] = f"Giấy tờ sửa {n}"
            edit_rows(documents, change)
        else:
            def change(header, rows):
                row = next(r for r in rows if r[header.index("code")] == code)
                if column == "name":
                    value = f"{row[header.index('name')][:60]} (sửa {n})"
                elif column == "level":
                    value = rng.choice(["Cấp tỉnh", "huyen", "Cấp xã;Cấp tỉnh", "Cấp bộ", "Cơ quan khác"])
                else:  # an existing field or agency, a new one, or none
                    value = rng.choice([existing(header, rows, column, ["x"]), f"Mới {column} {n}", ""])
                row[header.index(column)] = value
            edit_rows(procedures, change)
        return f"change {column} of {code}"

    def add_document():
        code = rng.choice(codes())
        append_row(documents, {"procedure_code": code, "name": f"Giấy tờ thêm {next(counter)}", "originals": "1",
                               "copies": "0"})
        return f"add a document to {code}"

    def remove_document():
        def change(header, rows):
            mine = [i for i, r in enumerate(rows) if r[header.index("procedure_code")] not in broken]
            del rows[rng.choice(mine)]
        edit_rows(documents, change)
        return "remove a document"

    def add_procedure():
        n = next(counter)
        code = f"9.{n:06d}"
        header, rows = read_csv(procedures)
        append_row(procedures, {"code": code, "name": f"Thủ tục ngẫu nhiên {n}",
                                "field": existing(header, rows, "field", ["Hộ tịch"]), "level": "Cấp tỉnh",
                                "agency": existing(header, rows, "agency", ["Sở Tư pháp"])})
        append_row(documents, {"procedure_code": code, "name": "Đơn", "originals": "1", "copies": "0"})
        append_row(channels, {"procedure_code": code, "channel": "Trực tuyến", "time": "5 ngày", "fee": "Miễn phí"})
        return f"add {code}"

    def remove_procedure_():
        code = rng.choice(codes())
        remove_procedure(catalogue, code)
        return f"remove {code}"

    def break_level():
        code = rng.choice(codes())
        header, rows = read_csv(procedures)
        broken[code] = next(r for r in rows if r[header.index("code")] == code)[header.index("level")]
        set_cell(procedures, "code", code, "level", "phường")
        return f"unknown level in {code}"

    def fix_level():
        code = rng.choice(sorted(broken))
        set_cell(procedures, "code", code, "level", broken.pop(code))
        return f"level of {code} fixed"

    kinds = [change_cell] * 6 + [add_document, remove_document, add_procedure, remove_procedure_, break_level]
    history = []
    for number in range(EDITS):
        remaining = EDITS - number
        if broken and (remaining <= len(broken) or rng.random() < 0.4):
            edit = fix_level
        else:  # a level broken now must leave an edit to fix it
            edit = rng.choice(kinds if remaining > len(broken) + 1 else kinds[:-1])
        what = edit()
        history.append(what)
        lines = builds.compare(f"{number}: {what}", expect=1 if broken else 0)
        if broken:
            assert sum("cấp không hợp lệ" in line for line in lines) == len(broken), (what, lines)
    assert not broken
    done = {h.split()[0] for h in history}
    assert {"change", "add", "remove", "unknown", "level"} <= done, history
    duration = time.monotonic() - started
    with capsys.disabled():
        print(f"\n{EDITS} random edits of {SUBSET} procedures: {duration:.1f} s")


def test_work_done_on_another_core_publishes_what_a_full_build_does(tmp_path: Path, capsys, monkeypatch):
    """Large catalogue files are read in blocks of records, the blocks not kept in the build cache parsed by a
    forked process (load._read_blocks), and a large catalogue's open data and search index are made by forked
    processes (build.in_background). Every file and catalogue counts as large here, and a block is a few records,
    so that these paths are the ones taken: the same edits, a damaged kept block, damaged kept and published open
    data and an error must give what a full build gives."""
    import generator.build
    import generator.cache
    import generator.load

    monkeypatch.setattr(generator.load, "LARGE_FILE", 0)
    monkeypatch.setattr(generator.load, "BLOCK", 1000)  # a few blocks per file (load._read_blocks)
    monkeypatch.setattr(generator.build, "FORK_ABOVE", 0)
    forks = []
    real_forked = generator.cache.forked
    counted = lambda *args, **kw: forks.append(1) or real_forked(*args, **kw)  # noqa: E731
    monkeypatch.setattr(generator.cache, "forked", counted)
    monkeypatch.setattr(generator.build, "forked", counted)
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "small", data)
    catalogue = data / "catalogue"
    builds = Builds(tmp_path, data, capsys)
    builds.compare("first")
    set_cell(catalogue / "procedures.csv", "code", "1.001193", "name", "Đăng ký kết hôn (bản mới)")
    builds.compare("rename")
    append_row(catalogue / "documents.csv", {"procedure_code": "1.001193", "name": "Giấy tờ mới", "originals": "1"})
    damage(sorted((tmp_path / "www" / ".site.cache" / "blocks-procedures").glob("*.pickle"))[0])
    builds.compare("document, damaged block")
    damage(tmp_path / "www" / ".site.cache" / "open-data" / "files" / "du-lieu" / "ho-so.csv")
    builds.compare("damaged kept open data")
    damage(builds.site / "du-lieu" / "thu-tuc.json")
    set_cell(catalogue / "procedures.csv", "code", "1.001193", "name", "Đăng ký kết hôn")
    documents = tmp_path / "www" / ".site.cache" / "open-data" / "files" / "du-lieu" / "ho-so.csv"
    documents_file = documents.stat().st_ino
    builds.compare("damaged published open data, rename")
    assert documents.stat().st_ino == documents_file  # a rename leaves the documents' file: kept, not written again
    set_cell(catalogue / "procedures.csv", "code", "1.001193", "level", "phường")
    assert any("unknown_level" in line for line in builds.compare("error", expect=1))
    assert "Đăng ký kết hôn" in (builds.site / "thu-tuc/1.001193/index.html").read_text(encoding="utf-8")
    assert len(forks) >= 12  # each changed file, the open data and the search index, in both builds of an edit


def test_a_large_file_read_block_by_block_gives_what_it_gives_whole(tmp_path: Path, monkeypatch):
    """A large catalogue file is read in blocks of records, each memoised (load._read_blocks): the real
    procedures.csv with a title row, a column without a name that has a value far down, a cell beyond the header,
    control characters, blank rows, Windows line breaks and quoted line breaks gives the same table and the same
    problems, row for row, as when it is read whole; and so again from the memo, and after a row is edited."""
    import generator.load as load
    from generator.cache import BuildCache
    from generator.problems import Report
    from generator.schema import PROCEDURES

    header, rows = read_csv(ROOT / "data/catalogue/procedures.csv")
    rows = [row + [""] for row in rows]
    rows[700][-1] = "a value under no name"
    rows[900].append("beyond the header")
    rows[1200][1] += "\x07 with a bell"
    rows[300:300] = [[""] * len(header)] * 3
    text = "Danh mục thủ tục\n" + "\r\n".join(
        ",".join('"' + cell.replace('"', '""') + '"' for cell in row) for row in [header + [""]] + rows) + "\n"
    data = text.encode("utf-8")
    assert "\n" in "".join(cell for row in rows for cell in row)  # quoted line breaks

    def whole() -> tuple:
        own = Report()
        raw = load.stored({"p": load.parse_csv(data, PROCEDURES, "f.csv", own)})["p"]
        return raw, own.problems

    def by_blocks() -> tuple:
        memo = BuildCache(tmp_path / "site").memo("blocks-procedures", "", digits=2)
        return load._read_blocks(data, PROCEDURES, "f.csv", memo)()

    monkeypatch.setattr(load, "BLOCK", 20_000)
    expected, expected_problems = whole()
    assert {p.code for p in expected_problems} >= {"title_rows", "unnamed_column", "extra_cell", "control_characters"}
    for attempt in ("parsed", "from the memo", "one row edited"):
        if attempt == "one row edited":
            data = data.replace(rows[1000][1].encode("utf-8"), "Tên mới".encode("utf-8"), 1)
            expected, expected_problems = whole()
        raw, problems = by_blocks()
        assert (raw.header, raw.header_row, raw.rows) == (expected.header, expected.header_row, expected.rows), attempt
        assert raw.columns == expected.columns, attempt
        order = lambda p: (p.file, p.row or 0)  # noqa: E731 -- the build's order (build.canonical_order)
        assert sorted(problems, key=order) == sorted(expected_problems, key=order), attempt


def test_an_edited_copy_of_a_large_file_is_read_from_its_blocks_but_near_the_edits(tmp_path: Path, monkeypatch):
    """Blocks end where the records are, not where a count of bytes from the start of the file puts them
    (load._cuts): a copy of procedures.csv with rows added near its top and a row edited, read as another file (an
    earlier version of the catalogue: history.py), is read from the first file's blocks but those of the edits, and
    gives what it gives whole, its problems at its own name."""
    import generator.load as load
    from generator.cache import BuildCache
    from generator.problems import Report
    from generator.schema import PROCEDURES

    header, rows = read_csv(ROOT / "data/catalogue/procedures.csv")
    rows[1200][1] += "\x07 with a bell"  # a problem in a block the two files share

    def text(rows: list[list[str]]) -> bytes:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([header, *rows])
        return out.getvalue().encode("utf-8")

    edited = [row[:] for row in rows]
    edited[5:5] = [[f"9.99999{i}", *rows[5][1:]] for i in range(3)]
    edited[1500][1] = "Tên mới"
    monkeypatch.setattr(load, "BLOCK", 20_000)
    monkeypatch.setattr(load, "LARGE_FILE", 2**40)  # missing blocks parsed here, where they are counted
    parsed = []
    parse_block = load._parse_block
    monkeypatch.setattr(load, "_parse_block", lambda *args: parsed.append(args) or parse_block(*args))
    memo = BuildCache(tmp_path / "site").memo("blocks-procedures", "", digits=2)
    load._read_blocks(text(rows), PROCEDURES, "catalogue/procedures.csv", memo)()
    blocks, parsed[:] = len(parsed), []
    file = "history/2025-06-30/catalogue/procedures.csv"
    raw, problems = load._read_blocks(text(edited), PROCEDURES, file, memo)()
    assert blocks > 20 and len(parsed) <= 3
    own = Report()
    expected = load.stored({"p": load.parse_csv(text(edited), PROCEDURES, file, own)})["p"]
    assert (raw.rows, raw.columns) == (expected.rows, expected.columns)
    assert raw.digests == load.row_digests(expected.columns)  # the rows' digests come with the blocks
    order = lambda p: (p.file, p.row or 0)  # noqa: E731 -- the build's order (build.canonical_order)
    assert sorted(problems, key=order) == sorted(own.problems, key=order)
    assert [p.file for p in problems if p.code == "control_characters"] == [file]
