"""The catalogue's change history (generator/history.py, issue #16): earlier versions read like the current
catalogue, each kind of change found with its verbatim texts, noise found as no change, dated snapshots and git
commits as versions."""

from __future__ import annotations

import copy
import csv
import dataclasses
import os
import subprocess
import unicodedata
from pathlib import Path

import pytest

from generator import history
from generator.cache import BuildCache
from generator.convert import convert
from generator.history import CHANGE_KINDS, Change, catalogue_history, read_catalogue
from generator.problems import Report, UsageError

CURRENT_DATE = "2025-06-30"
OLD = "2025-01-31"
P1, P2 = "1.000001", "1.000002"
BASE = {
    "procedures": [
        {"code": P1, "name": "Đăng ký kết hôn", "field": "Hộ tịch", "level": "Cấp xã",
         "agency": "Ủy ban nhân dân cấp xã", "authority": "Ủy ban nhân dân cấp xã",
         "conditions": "Hai bên nam nữ tự nguyện.", "result": "Giấy chứng nhận kết hôn",
         "legal_basis": "Luật Hộ tịch 60/2014/QH13;Nghị định 123/2015/NĐ-CP", "decision": "1872/QĐ-BTP"},
        {"code": P2, "name": "Cấp giấy phép xây dựng", "field": "Hoạt động xây dựng", "level": "Cấp tỉnh;Cấp xã",
         "agency": "Sở Xây dựng", "authority": "", "conditions": "", "result": "Giấy phép xây dựng",
         "legal_basis": "Luật Xây dựng 50/2014/QH13", "decision": ""},
    ],
    "documents": [
        {"procedure_code": P1, "case": "Giấy tờ phải nộp", "name": "Tờ khai đăng ký kết hôn", "originals": "1",
         "copies": "0", "form": "Mẫu TK.docx"},
        {"procedure_code": P1, "case": "Giấy tờ phải nộp", "name": "Giấy xác nhận tình trạng hôn nhân",
         "originals": "1", "copies": "0", "form": ""},
        {"procedure_code": P1, "case": "Giấy tờ phải xuất trình", "name": "Hộ chiếu", "originals": "1",
         "copies": "0", "form": ""},
        {"procedure_code": P2, "case": "", "name": "Đơn đề nghị cấp giấy phép", "originals": "1", "copies": "0",
         "form": ""},
    ],
    "channels": [
        {"procedure_code": P1, "channel": "Trực tiếp", "time": "05 ngày làm việc", "fee": "Lệ phí: 10.000 đồng",
         "description": ""},
        {"procedure_code": P1, "channel": "Trực tuyến", "time": "Trong ngày", "fee": "Miễn phí", "description": ""},
        {"procedure_code": P2, "channel": "Trực tiếp", "time": "15 ngày", "fee": "Miễn phí",
         "description": "Nhà ở riêng lẻ"},
        {"procedure_code": P2, "channel": "Trực tiếp", "time": "20 ngày", "fee": "Miễn phí",
         "description": "Công trình khác"},
    ],
}


def write_catalogue(directory: Path, tables: dict) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        with open(directory / f"{name}.csv", "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(BASE[name][0]))
            writer.writeheader()
            writer.writerows(rows)


def row(tables: dict, table: str, code: str, n: int = 0) -> dict:
    """The Nth row of TABLE for procedure CODE."""
    key = "code" if table == "procedures" else "procedure_code"
    return [r for r in tables[table] if r[key] == code][n]


def changes_between(tmp_path: Path, old: dict, new: dict = BASE) -> tuple[history.History, Report]:
    """The history of a catalogue whose current version is NEW and whose one earlier version, dated OLD, is OLD."""
    write_catalogue(tmp_path / "history" / OLD / "catalogue", old)
    write_catalogue(tmp_path / "catalogue", new)
    report = Report()
    current = read_catalogue(tmp_path / "catalogue", tmp_path, report)
    assert current is not None and not report.errors
    return catalogue_history(tmp_path, current, CURRENT_DATE, report), report


def edited(edit) -> dict:
    tables = copy.deepcopy(BASE)
    edit(tables)
    return tables


def set_cell(table: str, code: str, column: str, value: str, n: int = 0):
    return lambda t: row(t, table, code, n).__setitem__(column, value)


# Each kind of change: the earlier version as edited here, the current one as BASE; (item, old, new) expected.
KINDS = {
    "name": (set_cell("procedures", P1, "name", "Thủ tục đăng ký kết hôn"),
             "", "Thủ tục đăng ký kết hôn", "Đăng ký kết hôn"),
    "levels": (set_cell("procedures", P1, "level", "Cấp huyện;Cấp xã"), "", "Cấp huyện; Cấp xã", "Cấp xã"),
    "field": (set_cell("procedures", P1, "field", "Tư pháp"), "", "Tư pháp", "Hộ tịch"),
    "agency": (set_cell("procedures", P1, "agency", "Ủy ban nhân dân cấp huyện"),
               "", "Ủy ban nhân dân cấp huyện", "Ủy ban nhân dân cấp xã"),
    "authority": (set_cell("procedures", P1, "authority", ""), "", "", "Ủy ban nhân dân cấp xã"),
    "time": (set_cell("channels", P1, "time", "07 ngày làm việc"), "truc_tiep", "07 ngày làm việc",
             "05 ngày làm việc"),
    "fee": (set_cell("channels", P1, "fee", "Lệ phí: 5.000 đồng", 1), "truc_tuyen", "Lệ phí: 5.000 đồng", "Miễn phí"),
    "document_added": (lambda t: t["documents"].pop(1), "Giấy tờ phải nộp — Giấy xác nhận tình trạng hôn nhân", "",
                       "Giấy xác nhận tình trạng hôn nhân"),
    "document_removed": (lambda t: t["documents"].append({**BASE["documents"][2], "name": "Sổ hộ khẩu"}),
                         "Giấy tờ phải xuất trình — Sổ hộ khẩu", "Sổ hộ khẩu", ""),
    "document_changed": (set_cell("documents", P1, "copies", "2"), "Giấy tờ phải nộp — Tờ khai đăng ký kết hôn",
                         "bản chính: 1; bản sao: 2; mẫu: Mẫu TK.docx",
                         "bản chính: 1; bản sao: 0; mẫu: Mẫu TK.docx"),
    "conditions": (set_cell("procedures", P1, "conditions", "Hai bên tự nguyện."), "", "Hai bên tự nguyện.",
                   "Hai bên nam nữ tự nguyện."),
    "result": (set_cell("procedures", P1, "result", "Giấy đăng ký kết hôn"), "", "Giấy đăng ký kết hôn",
               "Giấy chứng nhận kết hôn"),
    "legal_basis": (set_cell("procedures", P1, "legal_basis", "Luật Hộ tịch 60/2014/QH13"), "",
                    "Luật Hộ tịch 60/2014/QH13", "Luật Hộ tịch 60/2014/QH13; Nghị định 123/2015/NĐ-CP"),
    "decision": (set_cell("procedures", P1, "decision", "100/QĐ-BTP"), "", "100/QĐ-BTP", "1872/QĐ-BTP"),
}


def test_every_kind_of_change_is_labelled():
    assert set(KINDS) | {"added", "removed"} == set(CHANGE_KINDS)
    assert all(CHANGE_KINDS.values())


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_change_is_found_with_its_verbatim_texts(tmp_path, kind):
    edit, item, old, new = KINDS[kind]
    found, report = changes_between(tmp_path, edited(edit))
    assert not report.problems
    assert found.versions == [OLD, CURRENT_DATE]
    assert found.changes == [Change(CURRENT_DATE, P1, kind, item, old, new, "1872/QĐ-BTP")]


def test_a_channel_is_matched_by_its_case_and_a_new_channel_changes_its_time_and_fee(tmp_path):
    def edit(t):
        row(t, "channels", P2, 1)["time"] = "30 ngày"  # «Công trình khác», the second row of the same channel
        t["channels"].remove(row(t, "channels", P1, 1))  # no online channel yet

    found, _ = changes_between(tmp_path, edited(edit))
    assert [(c.procedure_code, c.change, c.item, c.old, c.new) for c in found.changes] == [
        (P1, "time", "truc_tuyen", "", "Trong ngày"),
        (P1, "fee", "truc_tuyen", "", "Miễn phí"),
        (P2, "time", "truc_tiep — Công trình khác", "30 ngày", "20 ngày"),
    ]
    assert found.changes[2].decision == ""  # the new version names no decision


NOISE = {
    "NFD": set_cell("procedures", P1, "name", unicodedata.normalize("NFD", "Đăng ký kết hôn")),
    "whitespace": set_cell("procedures", P1, "conditions", "  Hai bên\nnam nữ   tự nguyện. "),
    "line breaks": set_cell("procedures", P2, "result", "Giấy phép\r\nxây dựng"),
    "letter case": set_cell("procedures", P1, "agency", "ỦY BAN NHÂN DÂN CẤP XÃ"),
    "document case": set_cell("documents", P1, "name", "tờ khai Đăng ký kết hôn"),
    "documents reordered": lambda t: t["documents"].reverse(),
    "legal basis reordered": set_cell("procedures", P1, "legal_basis",
                                      "Nghị định 123/2015/NĐ-CP; Luật Hộ tịch 60/2014/QH13"),
    "levels reordered": set_cell("procedures", P2, "level", "Cấp xã;Cấp tỉnh"),
    "channels reordered": lambda t: t["channels"].reverse(),
}


@pytest.mark.parametrize("noise", NOISE)
def test_noise_is_no_change(tmp_path, noise):
    old = edited(NOISE[noise])
    assert old != BASE
    found, report = changes_between(tmp_path, old)
    assert not report.errors
    assert found.changes == []


def test_added_and_removed_procedures(tmp_path):
    gone = {**BASE["procedures"][1], "code": "1.000003", "name": "Thủ tục đã bãi bỏ"}

    def edit(t):
        t["procedures"] = [p for p in t["procedures"] if p["code"] != P2] + [gone]
        t["documents"] = [d for d in t["documents"] if d["procedure_code"] != P2]
        t["channels"] = [c for c in t["channels"] if c["procedure_code"] != P2]

    found, _ = changes_between(tmp_path, edited(edit))
    assert found.changes == [Change(CURRENT_DATE, P2, "added", "", "", "Cấp giấy phép xây dựng", ""),
                             Change(CURRENT_DATE, "1.000003", "removed", "", "Thủ tục đã bãi bỏ", "", "")]
    date, last = found.removed["1.000003"]
    assert (date, last.name, last.levels) == (CURRENT_DATE, "Thủ tục đã bãi bỏ", ("tinh", "xa"))


def test_changes_are_dated_by_the_version_that_made_them_oldest_first(tmp_path):
    oldest = edited(set_cell("procedures", P2, "name", "Giấy phép xây dựng"))
    del oldest["procedures"][0]
    oldest["documents"] = [d for d in oldest["documents"] if d["procedure_code"] != P1]
    oldest["channels"] = [c for c in oldest["channels"] if c["procedure_code"] != P1]
    write_catalogue(tmp_path / "history" / "2024-12-31" / "catalogue", oldest)
    (tmp_path / "history" / "README.md").write_text("Phiên bản cũ", encoding="utf-8")  # a file is not a version
    found, report = changes_between(tmp_path, edited(KINDS["fee"][0]))
    assert not report.problems
    assert found.versions == ["2024-12-31", OLD, CURRENT_DATE]
    assert [(c.date, c.procedure_code, c.change) for c in found.changes] == [
        (OLD, P1, "added"), (OLD, P2, "name"), (CURRENT_DATE, P1, "fee")]


def test_a_snapshot_with_an_error_is_reported_at_its_location(tmp_path):
    found, report = changes_between(tmp_path, edited(set_cell("documents", P1, "originals", "một")))
    [error] = report.errors
    assert (error.code, error.location()) == ("invalid_count",
                                               f"history/{OLD}/catalogue/documents.csv:2:originals")
    assert found.versions == [CURRENT_DATE] and found.changes == []


@pytest.mark.parametrize("name", ["cu", "2025-02-30", "20250131"])
def test_a_history_directory_not_named_by_a_date_is_an_error(tmp_path, name):
    write_catalogue(tmp_path / "history" / name / "catalogue", BASE)
    found, report = changes_between(tmp_path, BASE)
    errors = [(p.code, p.location(), p.received) for p in report.errors]
    assert errors == [("history_directory", f"history/{name}", name)]
    assert found.versions == [OLD, CURRENT_DATE]


def test_a_snapshot_not_older_than_the_current_catalogue_is_an_error(tmp_path):
    write_catalogue(tmp_path / "history" / CURRENT_DATE / "catalogue", BASE)
    _, report = changes_between(tmp_path, BASE)
    assert [(p.code, p.location()) for p in report.errors] == [("history_date", f"history/{CURRENT_DATE}")]


def test_unchanged_versions_are_read_once_with_the_build_cache(tmp_path, monkeypatch):
    write_catalogue(tmp_path / "history" / OLD / "catalogue", edited(KINDS["name"][0]))
    write_catalogue(tmp_path / "catalogue", BASE)
    current = read_catalogue(tmp_path / "catalogue", tmp_path, Report())
    first = catalogue_history(tmp_path, current, CURRENT_DATE, Report(), cache=BuildCache(tmp_path / "site"))
    monkeypatch.setattr(history, "read_catalogue", lambda *args: pytest.fail("a version read again"))
    again = catalogue_history(tmp_path, current, CURRENT_DATE, Report(), cache=BuildCache(tmp_path / "site"))
    assert again == first and [c.change for c in again.changes] == ["name"]



def test_an_error_of_a_procedure_in_two_versions_is_reported_at_its_rows_in_each(tmp_path):
    """The same erroneous procedure in two snapshots, at other rows in each, is reported at each one's own rows,
    with the build cache (also when the first version's errors come from it) and without."""
    bad = edited(set_cell("documents", P1, "originals", "một"))
    moved = copy.deepcopy(bad)
    moved["documents"].insert(0, moved["documents"].pop())  # P2's document first: P1's rows one further down
    write_catalogue(tmp_path / "history" / "2024-12-31" / "catalogue", bad)
    write_catalogue(tmp_path / "catalogue", BASE)
    current = read_catalogue(tmp_path / "catalogue", tmp_path, Report())
    first = "history/2024-12-31/catalogue/documents.csv:2:originals"
    report = Report()
    catalogue_history(tmp_path, current, CURRENT_DATE, report, cache=BuildCache(tmp_path / "site"))
    assert [p.location() for p in report.errors] == [first]
    write_catalogue(tmp_path / "history" / OLD / "catalogue", moved)
    expected = [first, f"history/{OLD}/catalogue/documents.csv:3:originals"]
    for cache in (BuildCache(tmp_path / "site"), None):
        report = Report()
        catalogue_history(tmp_path, current, CURRENT_DATE, report, cache=cache)
        assert [p.location() for p in report.errors] == expected


def full_changes(date: str, old, new) -> list[Change]:
    """Every procedure of two versions compared: what the content keys spare (history.catalogue_changes)."""
    changes = []
    for code in sorted(old.rows.keys() | new.rows.keys()):
        if code not in new.rows:
            changes.append(Change(date, code, "removed", "", old[code].name, "", ""))
        elif code not in old.rows:
            changes.append(Change(date, code, "added", "", "", new[code].name, new[code].decision))
        else:
            changes += history.procedure_changes(date, old[code], new[code])
    return changes


def test_two_versions_with_the_same_files_are_not_compared(tmp_path, monkeypatch):
    monkeypatch.setattr(history, "catalogue_changes", lambda *args: pytest.fail("identical versions compared"))
    found, report = changes_between(tmp_path, BASE)
    assert found.versions == [OLD, CURRENT_DATE] and found.changes == [] and not report.problems

# --- git commits as versions -------------------------------------------------------------------------------------

def git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{date}T12:00:00+07:00"
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


def commit(repo: Path, tables: dict, date: str) -> None:
    write_catalogue(repo / "data" / "catalogue", tables)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"catalogue of {date}", date=date)


@pytest.fixture
def repo(tmp_path) -> Path:
    git(tmp_path, "init", "-q")
    commit(tmp_path, edited(KINDS["name"][0]), "2024-01-15")
    (tmp_path / "README.md").write_text("không đổi danh mục", encoding="utf-8")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "not the catalogue", date="2024-02-01")
    commit(tmp_path, edited(KINDS["time"][0]), "2024-03-01")
    commit(tmp_path, BASE, "2024-04-10")
    return tmp_path


def git_history(repo: Path) -> tuple[history.History, Report]:
    data = repo / "data"
    report = Report()
    current = read_catalogue(data / "catalogue", data, report)
    return catalogue_history(data, current, CURRENT_DATE, report, git=True), report


def test_git_commits_that_changed_the_catalogue_are_the_versions(repo):
    found, report = git_history(repo)
    assert not report.problems
    # A clean working tree is the newest commit, dated by it; the commit that did not touch the catalogue is none.
    assert found.versions == ["2024-01-15", "2024-03-01", "2024-04-10"]
    assert [(c.date, c.change, c.old, c.new) for c in found.changes] == [
        ("2024-03-01", "name", "Thủ tục đăng ký kết hôn", "Đăng ký kết hôn"),
        ("2024-03-01", "time", "05 ngày làm việc", "07 ngày làm việc"),
        ("2024-04-10", "time", "07 ngày làm việc", "05 ngày làm việc"),
    ]


def test_git_an_edited_working_tree_is_the_current_version_and_a_commit_error_points_into_it(repo):
    commit(repo, edited(set_cell("documents", P1, "copies", "hai")), "2024-05-01")
    write_catalogue(repo / "data" / "catalogue", edited(KINDS["decision"][0]))  # not committed
    found, report = git_history(repo)
    assert found.versions == ["2024-01-15", "2024-03-01", "2024-04-10", CURRENT_DATE]
    assert [(c.date, c.change) for c in found.changes][-1] == (CURRENT_DATE, "decision")
    commit_id = git(repo, "rev-parse", "--short=8", "HEAD").strip()
    assert [p.location() for p in report.errors] == [f"{commit_id}:data/catalogue/documents.csv:2:copies"]


def test_git_outside_a_repository_is_a_clear_error(tmp_path):
    write_catalogue(tmp_path / "catalogue", BASE)
    current = read_catalogue(tmp_path / "catalogue", tmp_path, Report())
    with pytest.raises(UsageError, match="kho git"):
        catalogue_history(tmp_path, current, CURRENT_DATE, Report(), git=True)


@pytest.mark.parametrize("form", ["xlsx", "json"])
def test_a_snapshot_is_read_in_any_catalogue_format(tmp_path, form):
    write_catalogue(tmp_path / "tidy" / "catalogue", edited(KINDS["fee"][0]))
    convert(tmp_path / "tidy", tmp_path / "converted", form)
    (tmp_path / "history" / OLD).mkdir(parents=True)
    (tmp_path / "converted" / "catalogue").rename(tmp_path / "history" / OLD / "catalogue")
    write_catalogue(tmp_path / "catalogue", BASE)
    report = Report()
    current = read_catalogue(tmp_path / "catalogue", tmp_path, report)
    found = catalogue_history(tmp_path, current, CURRENT_DATE, report)
    assert not report.errors
    assert [(c.change, c.item, c.old, c.new) for c in found.changes] == [("fee", *KINDS["fee"][1:])]


@pytest.mark.parametrize("form", ["csv", "xlsx", "json"])
def test_convert_writes_each_version_in_the_same_form_and_copies_the_dossier_log(tmp_path, form):
    source = tmp_path / "source"
    changes_between(source, edited(KINDS["fee"][0]))
    (source / "history" / OLD / "SYNTHETIC").write_text("dựng cho thử nghiệm", encoding="utf-8")
    (source / "history" / "README.md").write_text("Các phiên bản cũ", encoding="utf-8")
    (source / "dossiers").mkdir()
    (source / "dossiers" / "log.csv").write_bytes(b"dossier_id,procedure_code\r\nA1,1.000001\r\n")
    written, report = convert(source, tmp_path / "out", form)
    assert not report.problems
    catalogue = {"csv": ["channels.csv", "documents.csv", "procedures.csv"], "xlsx": ["danh-muc.xlsx"],
                 "json": ["thu-tuc.json"]}[form]
    assert written == sorted([*(f"catalogue/{name}" for name in catalogue), "dossiers/log.csv", "history/README.md",
                              f"history/{OLD}/SYNTHETIC", *(f"history/{OLD}/catalogue/{name}" for name in catalogue)])
    for copied in ("dossiers/log.csv", "history/README.md", f"history/{OLD}/SYNTHETIC"):
        assert (tmp_path / "out" / copied).read_bytes() == (source / copied).read_bytes()
    report = Report()
    found = [catalogue_history(data, read_catalogue(data / "catalogue", data, report), CURRENT_DATE, report).changes
             for data in (source, tmp_path / "out")]
    assert not report.errors and found[0][0].synthetic
    assert found[1] == found[0]


def test_the_sample_history_has_every_kind_of_change_between_consecutive_versions(tmp_path):
    data = Path(__file__).resolve().parent.parent / "data"
    report = Report()
    current = read_catalogue(data / "catalogue", data, report)
    found = catalogue_history(data, current, "2026-11-22", report)
    assert not report.errors
    # Versions are compared by their procedures' content keys: that finds what comparing every procedure finds,
    # with the build cache too, from it the second time.
    versions = [read_catalogue(entry / "catalogue", data, Report())
                for entry in sorted((data / "history").iterdir()) if entry.is_dir()] + [current]
    assert [dataclasses.replace(change, synthetic=False) for change in found.changes] == [
        change for old, new, date in zip(versions, versions[1:], found.versions[1:])
        for change in full_changes(date, old, new)]
    for _ in ("cold", "kept"):
        assert catalogue_history(data, current, "2026-11-22", Report(), cache=BuildCache(tmp_path / "site")) == found
    assert found.versions == ["2025-06-30", "2025-12-31", "2026-11-22"]
    for date in found.versions[1:]:
        assert {c.change for c in found.changes if c.date == date} == set(CHANGE_KINDS), date
    assert {code: date for code, (date, _) in found.removed.items()} == {"1.999902": "2025-12-31",
                                                                         "1.999901": "2026-11-22"}
    # One procedure per kind of change and version, the noise none: each procedure changed once in each version.
    assert len(found.changes) == 2 * len(CHANGE_KINDS) == len({(c.date, c.procedure_code) for c in found.changes})
    # Both earlier versions are constructed (their SYNTHETIC mark): every change compares with one, and says so.
    assert found.synthetic == {"2025-06-30", "2025-12-31"} and all(c.synthetic for c in found.changes)
