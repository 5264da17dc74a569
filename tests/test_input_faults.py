"""Input paths that are not ordinary files: each is one data error (code, file, expected, received), exit code 1,
never a traceback and never a hang.

A named pipe or a device is never opened (a pipe waits for a writer forever, /dev/zero never ends): the loader
checks with stat first. A directory, a symbolic link loop or to nothing, an unreadable file and a workbook that
openpyxl cannot parse are reported as `unreadable_file`; a catalogue or statistics "directory" that is a file too.
"""

from __future__ import annotations

import csv
import os
import shutil
import stat
import threading
import zipfile
from pathlib import Path
from typing import Callable

import openpyxl
import pytest

from generator.load import load_all, load_tables
from generator.problems import Report
from generator.schema import CATALOGUE_TABLES, STATISTICS

from conftest import FIXTURES, run_cli

PROCEDURES = "catalogue/procedures.csv"
STAT_COLUMNS = [c.name for c in STATISTICS.input_columns()]
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@pytest.fixture(autouse=True)
def no_endless_reads(monkeypatch):
    """Should the loader regress and read a pipe or a device, fail at once: /dev/zero read to its end fills the
    memory long before the timeout in `finished`, and a pipe would keep a thread blocked until the tests end."""
    read_bytes = Path.read_bytes

    def guarded(self):
        if not stat.S_ISREG(os.stat(self).st_mode):
            raise AssertionError(f"{self} read, but it is not a regular file")
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", guarded)


def finished(function: Callable[[], object], seconds: float = 10):
    """FUNCTION's result, run in a thread: a loader that blocks on a named pipe fails the test instead of hanging
    it (the thread is a daemon, left blocked when the test gives up)."""
    outcome: list = []
    thread = threading.Thread(target=lambda: outcome.append(function()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still reading after {seconds} s: the loader opened something that never ends"
    assert outcome, "the loader raised (see the thread's traceback above)"
    return outcome[0]


def catalogue_errors(data: Path) -> list[tuple[str, str]]:
    report = Report()
    finished(lambda: load_tables(data / "catalogue", CATALOGUE_TABLES, data, report))
    return [(p.file, p.code) for p in report.problems]


def statistics_errors(data: Path) -> tuple[list[tuple[str, str]], Report]:
    report = Report()
    finished(lambda: load_all(data / "statistics", STATISTICS, data, report))
    return [(p.file, p.code) for p in report.problems], report


def one_error(report: Report):
    assert len(report.problems) == 1, [str(p) for p in report.problems]
    problem = report.problems[0]
    assert problem.severity == "error" and problem.expected and problem.received, str(problem)
    return problem


def load_catalogue(data: Path):
    report = Report()
    finished(lambda: load_tables(data / "catalogue", CATALOGUE_TABLES, data, report))
    return one_error(report)


def replace(path: Path, make: Callable[[Path], None]) -> None:
    path.unlink()
    make(path)


# --- not a regular file -------------------------------------------------------------------------------------------

def test_named_pipe_is_not_opened(data_dir):
    replace(data_dir / PROCEDURES, os.mkfifo)
    problem = load_catalogue(data_dir)
    assert (problem.file, problem.code) == (PROCEDURES, "unreadable_file")
    assert problem.message == "không phải tệp thông thường mà là ống có tên (named pipe)"
    assert problem.received == "ống có tên (named pipe)"


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_link_to_a_device_is_not_read(data_dir, device):
    replace(data_dir / PROCEDURES, lambda p: p.symlink_to(device))
    problem = load_catalogue(data_dir)
    assert (problem.file, problem.code, problem.message) == (PROCEDURES, "unreadable_file",
                                                             "không phải tệp thông thường mà là thiết bị ký tự")


def test_directory_named_like_the_file(data_dir):
    replace(data_dir / PROCEDURES, Path.mkdir)
    problem = load_catalogue(data_dir)
    assert (problem.file, problem.code, problem.received) == (PROCEDURES, "unreadable_file", "thư mục")


def test_symbolic_link_loop(data_dir):
    replace(data_dir / PROCEDURES, lambda p: p.symlink_to(p.name))
    problem = load_catalogue(data_dir)
    assert (problem.file, problem.code) == (PROCEDURES, "unreadable_file")
    assert problem.message == "không mở được: vòng lặp liên kết tượng trưng" and problem.received == "ELOOP"


def test_dangling_symbolic_link(data_dir):
    replace(data_dir / PROCEDURES, lambda p: p.symlink_to("gone.csv"))
    problem = load_catalogue(data_dir)
    assert (problem.file, problem.code, problem.received) == (PROCEDURES, "unreadable_file", "liên kết tới gone.csv")


# --- the catalogue directory ------------------------------------------------------------------------------------

def test_catalogue_is_a_file(data_dir):
    shutil.rmtree(data_dir / "catalogue")
    (data_dir / "catalogue").write_text("code,name\n", encoding="utf-8")
    problem = load_catalogue(data_dir)
    assert (problem.file, problem.code, problem.message) == ("catalogue", "unreadable_file",
                                                             "không phải thư mục mà là tệp thông thường")


def test_catalogue_is_a_symbolic_link_loop(data_dir):
    shutil.rmtree(data_dir / "catalogue")
    (data_dir / "catalogue").symlink_to("catalogue")
    problem = load_catalogue(data_dir)
    assert (problem.file, problem.code) == ("catalogue", "unreadable_file")


def test_catalogue_is_missing(data_dir):
    shutil.rmtree(data_dir / "catalogue")
    assert catalogue_errors(data_dir) == [("catalogue", "missing_file")]


def test_workbook_that_is_a_named_pipe(data_dir):
    for path in (data_dir / "catalogue").iterdir():
        path.unlink()
    os.mkfifo(data_dir / "catalogue" / "danh-muc.xlsx")
    assert catalogue_errors(data_dir) == [("catalogue/danh-muc.xlsx", "unreadable_file")]


# --- files that cannot be read ----------------------------------------------------------------------------------

@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode")
def test_file_without_read_permission(data_dir):
    (data_dir / PROCEDURES).chmod(0)
    problem = load_catalogue(data_dir)
    assert (problem.file, problem.code) == (PROCEDURES, "unreadable_file")


def test_permission_denied(data_dir, monkeypatch):
    """As above, for root too: the error reading raises is what the publisher sees."""
    read_bytes = Path.read_bytes

    def denied(self):
        if self.name == "procedures.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    problem = load_catalogue(data_dir)
    assert (problem.file, problem.code, problem.received) == (PROCEDURES, "unreadable_file", "EACCES")
    assert problem.message == "không đọc được: không có quyền ghi hoặc đọc"


# --- statistics -------------------------------------------------------------------------------------------------

def statistics_csv(data: Path, name: str = "bao-cao.csv") -> Path:
    (data / "statistics").mkdir(exist_ok=True)
    path = data / "statistics" / name
    row = {"period": "2021", "level": "tinh", "received_total": "1", "resolved_total": "1",
           "resolved_on_time": "1", "source": "test"}
    path.write_text(",".join(STAT_COLUMNS) + "\n" + ",".join(row.get(c, "") for c in STAT_COLUMNS) + "\n",
                    encoding="utf-8")
    return path


def test_statistics_is_a_file(data_dir):
    (data_dir / "statistics").write_text("period\n", encoding="utf-8")
    errors, report = statistics_errors(data_dir)
    assert errors == [("statistics", "unreadable_file")] and one_error(report).received == "tệp thông thường"


@pytest.mark.parametrize("make", [os.mkfifo, lambda p: p.symlink_to("/dev/zero"), Path.mkdir,
                                  lambda p: p.symlink_to(p.name), lambda p: p.symlink_to("gone.csv")],
                         ids=["fifo", "dev-zero", "directory", "loop", "dangling"])
def test_statistics_file_that_is_not_a_file(data_dir, make):
    statistics_csv(data_dir)  # a good file beside the bad one
    make(data_dir / "statistics" / "2022.csv")
    errors, report = statistics_errors(data_dir)
    assert errors == [("statistics/2022.csv", "unreadable_file")]
    one_error(report)


def test_statistics_workbook_that_is_a_named_pipe(data_dir):
    (data_dir / "statistics").mkdir()
    os.mkfifo(data_dir / "statistics" / "bao-cao.xlsx")
    errors, _ = statistics_errors(data_dir)
    assert errors == [("statistics/bao-cao.xlsx", "unreadable_file")]


# --- damaged workbooks ------------------------------------------------------------------------------------------

def valid_workbook(path: Path) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in ("procedures", "documents", "channels"):
        sheet = book.create_sheet(name)
        with (FIXTURES / "small" / "catalogue" / f"{name}.csv").open(encoding="utf-8", newline="") as f:
            for row in csv.reader(f):
                sheet.append(row)
    book.save(path)


def rewritten(path: Path, change: Callable[[dict[str, bytes]], None]) -> None:
    """PATH with the members of its zip archive changed in place by CHANGE (name → bytes)."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    change(members)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def external_link(members: dict[str, bytes], link: bytes | None) -> None:
    """Declare an external link from the workbook; LINK is the part's XML (None: the part is missing)."""
    members["xl/workbook.xml"] = (members["xl/workbook.xml"]
                                  .replace(b"<workbook ", f'<workbook xmlns:r="{RELATIONSHIPS}" '.encode(), 1)
                                  .replace(b"</workbook>", b'<externalReferences><externalReference r:id="rIdX"/>'
                                                           b"</externalReferences></workbook>"))
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", f'<Relationship Id="rIdX" Type="{RELATIONSHIPS}/externalLink" '
                             f'Target="externalLinks/externalLink1.xml"/></Relationships>'.encode())
    if link is not None:
        members["xl/externalLinks/externalLink1.xml"] = link


def malformed_sheet(members: dict[str, bytes]) -> None:
    members["xl/worksheets/sheet1.xml"] = b"<worksheet><sheetData><row>"


def malformed_link(members: dict[str, bytes]) -> None:
    external_link(members, b"<externalLink><externalBook")


def missing_link(members: dict[str, bytes]) -> None:
    external_link(members, None)


def bad_shared_string(members: dict[str, bytes]) -> None:
    # Valid XML naming a shared string that does not exist: openpyxl raises IndexError.
    sheet = members["xl/worksheets/sheet1.xml"]
    start = sheet.index(b"<c ")
    end = sheet.index(b"</c>", start) + 4
    members["xl/worksheets/sheet1.xml"] = sheet[:start] + b'<c r="A1" t="s"><v>99999</v></c>' + sheet[end:]


DAMAGED = [malformed_sheet, malformed_link, missing_link, bad_shared_string]


@pytest.mark.parametrize("damage", DAMAGED, ids=[f.__name__ for f in DAMAGED])
def test_damaged_catalogue_workbook(data_dir, damage):
    for path in (data_dir / "catalogue").iterdir():
        path.unlink()
    book = data_dir / "catalogue" / "danh-muc.xlsx"
    valid_workbook(book)
    assert catalogue_errors(data_dir) == []  # the workbook as written reads
    rewritten(book, damage)
    problem = load_catalogue(data_dir)
    assert (problem.file, problem.code) == ("catalogue/danh-muc.xlsx", "unreadable_file")
    assert problem.message.startswith("không đọc được tệp Excel .xlsx: ") and "\n" not in problem.message


@pytest.mark.parametrize("damage", [malformed_sheet, malformed_link], ids=["sheet", "link"])
def test_damaged_statistics_workbook(data_dir, damage):
    (data_dir / "statistics").mkdir()
    book = data_dir / "statistics" / "bao-cao.xlsx"
    openpyxl.Workbook().save(book)
    rewritten(book, damage)
    errors, report = statistics_errors(data_dir)
    assert errors == [("statistics/bao-cao.xlsx", "unreadable_file")]
    one_error(report)


# --- from the command line --------------------------------------------------------------------------------------

def check(data: Path) -> int:
    return finished(lambda: run_cli("check", "--data", str(data)), seconds=60)


@pytest.mark.parametrize("make", [os.mkfifo, lambda p: p.symlink_to("/dev/zero"), Path.mkdir,
                                  lambda p: p.symlink_to(p.name)], ids=["fifo", "dev-zero", "directory", "loop"])
def test_check_reports_one_error(data_dir, make, capsys):
    replace(data_dir / PROCEDURES, make)
    assert check(data_dir) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("[unreadable_file]") == 1 and "1 lỗi, " in err and f"{PROCEDURES}: " in err


def test_check_statistics_named_pipe(data_dir, capsys):
    statistics_csv(data_dir)
    os.mkfifo(data_dir / "statistics" / "2022.csv")
    assert check(data_dir) == 1
    err = capsys.readouterr().err
    assert "statistics/2022.csv: không phải tệp thông thường mà là ống có tên" in err and "1 lỗi, " in err


def test_check_damaged_workbook(data_dir, capsys):
    for path in (data_dir / "catalogue").iterdir():
        path.unlink()
    book = data_dir / "catalogue" / "danh-muc.xlsx"
    valid_workbook(book)
    rewritten(book, malformed_sheet)
    assert check(data_dir) == 1
    err = capsys.readouterr().err
    assert "catalogue/danh-muc.xlsx: không đọc được tệp Excel .xlsx" in err and "1 lỗi, " in err


def test_check_catalogue_is_a_file(data_dir, capsys):
    shutil.rmtree(data_dir / "catalogue")
    (data_dir / "catalogue").write_text("", encoding="utf-8")
    assert check(data_dir) == 1
    assert "catalogue: không phải thư mục mà là tệp thông thường" in capsys.readouterr().err



def test_a_data_readme_that_is_not_utf8_is_an_error_not_a_traceback(data_dir: Path, capsys):
    """The data's README.md is published as the data's provenance: one located error, no traceback."""
    from conftest import run_cli

    (data_dir / "README.md").write_bytes(b"# Ngu\xf4n d\xf5 li\xeau\n")  # Windows-1258, not UTF-8
    capsys.readouterr()
    assert run_cli("check", "--data", str(data_dir)) == 1
    err = capsys.readouterr().err
    assert "README.md: không phải văn bản UTF-8" in err and "[encoding]" in err and "Traceback" not in err
