"""What the catalogue's history adds to the site (issue #16, points 3 and 4), from a given history.History of
the small fixture catalogue: procedure pages' «Lịch sử thay đổi», a removed procedure's page, /thay-doi/, the Atom
feeds and the open data."""

from __future__ import annotations

import copy
import csv
import dataclasses
import io
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup
from lxml import etree

import generator.history
from generator.build import prepare
from generator.changelog import word_diff
from generator.feeds import ATOM, entry_id
from generator.history import Change, History

from conftest import TEMPLATES

A = f"{{{ATOM}}}"
HOSTILE = "<img src=x onerror=alert(1)>"
LONG_OLD = "Bước 1: Nộp hồ sơ tại Bộ phận Một cửa của Ủy ban nhân dân cấp xã. " * 5
LONG_NEW = LONG_OLD.replace("Bộ phận Một cửa", "Trung tâm Phục vụ hành chính công", 1)


@pytest.fixture
def published(data_dir, monkeypatch):
    def history(data_dir, current, current_date, report, **options):
        removed = dataclasses.replace(current["1.000894"], code="9.000001", name=f"Thủ tục đã bỏ {HOSTILE}")
        return History(["2025-06-30", "2025-12-31", current_date], [
            Change("2025-06-30", "1.000894", "fee", "truc_tiep", "50.000 đồng", "Miễn phí", "Quyết định 12/QĐ-UBND"),
            Change("2025-06-30", "1.000894", "document_added", "", "", f"Tờ khai {HOSTILE}", "Quyết định 12/QĐ-UBND"),
            Change("2025-12-31", "1.000894", "conditions", "", LONG_OLD, LONG_NEW, "", synthetic=True),
            Change("2025-12-31", "9.000001", "removed", "", "", "", "Quyết định 99/QĐ-UBND"),
        ], {"9.000001": ("2025-12-31", removed)}, {"2025-06-30"})

    monkeypatch.setattr(generator.history, "catalogue_history", history)
    (data_dir / "history").mkdir()  # the build reads a history where there is one
    publication = prepare(data_dir, TEMPLATES)
    pages = {p.path: p for p in publication.shell_pages}
    return publication, pages


def soup(text: str) -> BeautifulSoup:
    return BeautifulSoup(text, "html.parser")


def test_a_procedure_page_tells_its_history_newest_first(published):
    _, pages = published
    page = soup(pages["thu-tuc/1.000894"].body())
    versions = page.select("[data-ck-history] [data-ck-version]")
    assert [v["data-ck-version"] for v in versions] == ["2025-12-31", "2025-06-30"]
    fee = versions[1].select_one("[data-ck-change=fee]")
    assert fee.select_one("del").get_text() == "50.000 đồng" and fee.select_one("ins").get_text() == "Miễn phí"
    assert fee.select_one(".ck-meta").get_text() == "(Trực tiếp)"  # the channel by its name
    assert "theo Quyết định 12/QĐ-UBND" in versions[1].p.get_text()
    # A version compared with a constructed one says «mô phỏng»; a published one does not.
    assert [bool(v.p.select(".ck-badge--synthetic")) for v in versions] == [True, False]
    assert HOSTILE in versions[1].get_text() and not page.select("img")  # verbatim, escaped
    # A long text: the words it changed, then both texts whole.
    conditions = versions[0].select_one("[data-ck-change=conditions]")
    assert [d.get_text() for d in conditions.select(".ck-diff del")] == ["Bộ phận Một cửa "]
    assert [i.get_text() for i in conditions.select(".ck-diff ins")] == ["Trung tâm Phục vụ hành chính công "]
    assert LONG_OLD in conditions.select_one("details").get_text()
    # A procedure the history did not change says since when.
    other = soup(pages["thu-tuc/1.001193"].body())
    assert other.select_one("[data-ck-no-changes]").get_text(strip=True).endswith(
        "30/06/2025 (phiên bản mô phỏng, dựng cho dữ liệu mẫu).")


def test_a_removed_procedure_keeps_its_page(published):
    publication, pages = published
    page = soup(pages["thu-tuc/9.000001"].body())
    assert "không còn trong danh mục từ ngày 31/12/2025" in page.select_one("[data-ck-removed]").get_text()
    assert not page.select("[data-ck-apply]")  # nothing to submit to any more
    assert not page.select("[data-ck-removed] .ck-badge--synthetic")  # its last version was published
    assert "9.000001" not in {p.code for p in publication.index.listings}  # not in lists or search


def test_the_changes_page_feeds_and_open_data(published):
    publication, _ = published
    page = soup(publication.fills["thay-doi/index.html"][0])
    rows = page.select("[data-ck-changes] tbody tr")
    assert [r["data-kind"] for r in rows] == ["removed", "conditions", "document_added", "fee"]  # newest first
    assert rows[-1]["data-field"] == "ho-tich" and not page.select("img")
    feed = ET.fromstring(publication.files["thay-doi/feed.xml"])
    entries = feed.findall(f"{A}entry")
    assert [e.findtext(f"{A}id") for e in entries] == [
        entry_id("9.000001", "2025-12-31"), entry_id("1.000894", "2025-12-31"), entry_id("1.000894", "2025-06-30")]
    assert entries[2].find(f"{A}link").get("href") == "../thu-tuc/1.000894/#lich-su"
    assert "Phí, lệ phí (Trực tiếp): 50.000 đồng → Miễn phí" in entries[2].findtext(f"{A}summary")
    assert feed.findtext(f"{A}updated") == "2025-12-31T00:00:00Z"
    assert "linh-vuc/ho-tich/feed.xml" in publication.files
    table = list(csv.DictReader(io.StringIO(publication.files["du-lieu/thay-doi.csv"].decode("utf-8-sig"))))
    assert list(table[0]) == ["date", "procedure_code", "change", "item", "old", "new", "decision", "synthetic"]
    assert [r["synthetic"] for r in table] == ["0", "0", "1", "0"]
    assert [bool(r.select(".ck-badge--synthetic")) for r in rows] == [False, True, False, False]
    assert entries[1].findtext(f"{A}title").startswith("[mô phỏng] ")
    assert not entries[0].findtext(f"{A}title").startswith("[mô phỏng]")
    assert (table[0]["old"], table[0]["new"]) == ("50.000 đồng", "Miễn phí") and len(table) == 4


def test_every_feed_is_valid_atom(published, atom_schema):
    """Every feed the site publishes (all changes, each field's and agency's) is valid Atom 1.0, hostile names
    included; and the schema is not a formality: a feed missing what RFC 4287 requires fails it."""
    publication, _ = published
    feeds = {path: etree.fromstring(data) for path, data in publication.files.items() if path.endswith("feed.xml")}
    assert set(feeds) == {"thay-doi/feed.xml", "linh-vuc/ho-tich/feed.xml", "co-quan/uy-ban-nhan-dan-cap-xa/feed.xml"}
    assert [path for path, feed in feeds.items() if not atom_schema(feed)] == []

    def broken(change) -> bool:
        feed = copy.deepcopy(feeds["thay-doi/feed.xml"])
        change(feed, feed.find(f"{A}entry"))
        return not atom_schema(feed)

    assert broken(lambda feed, entry: feed.remove(feed.find(f"{A}id")))  # §4.1.1: one id
    assert broken(lambda feed, entry: feed.append(copy.deepcopy(feed.find(f"{A}title"))))  # one title
    assert broken(lambda feed, entry: feed.remove(feed.find(f"{A}author")))  # no author on the entries either
    assert broken(lambda feed, entry: entry.remove(entry.find(f"{A}link")))  # §4.1.2: no content, no link
    assert broken(lambda feed, entry: entry.append(copy.deepcopy(entry.find(f"{A}link"))))  # two alternates
    assert broken(lambda feed, entry: setattr(entry.find(f"{A}updated"), "text", "2025-12-31"))  # §3.3
    assert broken(lambda feed, entry: setattr(entry.find(f"{A}id"), "text", "thu-tuc/1.000894"))  # §4.2.6


def test_word_diff_marks_the_changed_words_and_escapes_them():
    assert str(word_diff("a <b> c", "a <i> c")) == "a <del>&lt;b&gt; </del><ins>&lt;i&gt; </ins>c"


def test_as_of_dates_the_current_catalogue_and_a_bad_date_is_a_usage_error(data_dir, tmp_path, monkeypatch):
    """`--as-of` dates the current catalogue's version in the history (the data's own date without it); a date
    that is not one stops before anything is built, with exit 2."""
    import shutil

    from conftest import run_cli

    monkeypatch.setenv("CONGKHAI_AS_OF", "")  # the command sets it; this puts it back as it was afterwards
    snapshot = data_dir / "history" / "2025-01-31" / "catalogue"
    shutil.copytree(data_dir / "catalogue", snapshot)
    with (snapshot / "procedures.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    rows[1][rows[0].index("name")] += " (tên cũ)"
    with (snapshot / "procedures.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    site = tmp_path / "site"
    assert run_cli("build", "--data", str(data_dir), "--site-dir", str(site), "--as-of", "2026-02-01") == 0
    changes = list(csv.DictReader(io.StringIO((site / "du-lieu/thay-doi.csv").read_text(encoding="utf-8-sig"))))
    assert [(c["date"], c["procedure_code"], c["change"]) for c in changes] == [("2026-02-01", rows[1][0], "name")]
    assert run_cli("build", "--data", str(data_dir), "--site-dir", str(site), "--as-of", "31/01/2026") == 2


def test_a_build_after_an_edit_compares_only_what_changed_and_finds_what_a_full_build_finds(data_dir, tmp_path,
                                                                                            monkeypatch):
    """With the build cache, the current catalogue is compared with the version before it procedure by procedure
    (history._latest_changes): after an edit, only the edited procedure is compared again, and the history is
    the one a full build finds — an edited, an added and a removed procedure."""
    import shutil

    import generator.history as history
    from conftest import run_cli

    def rows_of(path):
        with path.open(encoding="utf-8-sig", newline="") as f:
            return list(csv.reader(f))

    def write(path, rows):
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(rows)

    monkeypatch.setenv("CONGKHAI_AS_OF", "")
    snapshot = data_dir / "history" / "2025-01-31" / "catalogue"
    shutil.copytree(data_dir / "catalogue", snapshot)
    old = rows_of(snapshot / "procedures.csv")
    write(snapshot / "procedures.csv", old + [["9.000001", *old[1][1:]]])  # gone from the current catalogue
    site, full = tmp_path / "site", tmp_path / "full"
    assert run_cli("build", "--data", str(data_dir), "--site-dir", str(site)) == 0
    path = data_dir / "catalogue" / "procedures.csv"
    rows = rows_of(path)
    rows[1][rows[0].index("name")] += " (sửa)"
    write(path, rows + [["9.000002", *rows[2][1:]]])  # new in it
    compared: list[str] = []
    original = history.procedure_changes
    monkeypatch.setattr(history, "procedure_changes",
                        lambda date, a, b: compared.append(b.code) or original(date, a, b))
    assert run_cli("build", "--data", str(data_dir), "--site-dir", str(site)) == 0
    assert compared == [rows[1][0]]
    assert run_cli("build", "--full", "--data", str(data_dir), "--site-dir", str(full)) == 0
    changes = (site / "du-lieu/thay-doi.csv").read_bytes()
    assert changes == (full / "du-lieu/thay-doi.csv").read_bytes()
    kinds = {(c["procedure_code"], c["change"]) for c in csv.DictReader(io.StringIO(changes.decode("utf-8-sig")))}
    assert kinds == {(rows[1][0], "name"), ("9.000002", "added"), ("9.000001", "removed")}
    assert (site / "thu-tuc/9.000001/index.html").is_file()
