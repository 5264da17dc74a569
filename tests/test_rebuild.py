"""The rebuild in place (generator/rebuild.py): finding the changed records of a CSV file, splicing open data, and
finishing a rebuild that was killed while it moved files into the site. That a rebuild publishes what a full
build does is tested end to end in test_publish.py."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from generator import opendata
from generator.cache import BuildCache
from generator.rebuild import JOURNAL, NotIncremental, TableState, _diff, finish_journal, record_starts, splice

HEADER = b"code,name,note\n"
ROWS = [b'1,Alpha,plain\n', b'2,"Beta, with comma","two\nlines"\n', b'3,Gamma,"a ""quoted"" word"\n',
        b'4,Delta,last\n']


def _state(data: bytes) -> TableState:
    starts = record_starts(data, ",")
    assert starts is not None
    return TableState("catalogue/t.csv", (0, 0, 0), ",", starts, [""] * (len(starts) - 1))


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), strict=True))


def test_record_starts_follow_the_csv_module():
    data = HEADER + b"".join(ROWS)
    starts = record_starts(data, ",")
    assert len(starts) - 1 == len(_rows(data))
    assert [data[a:b] for a, b in zip(starts, starts[1:])] == [HEADER, *ROWS]
    assert record_starts(data.rstrip(b"\n"), ",")[-1] == len(data) - 1  # no final line break
    inner = b'code,name\n1,=HYPERLINK("x")\n2,b\n'  # a quote inside an unquoted cell is text
    assert len(record_starts(inner, ",")) - 1 == len(_rows(inner)) == 3
    assert record_starts(b'code,name\n1,"a"b\n', ",") is None  # text after a closing quote
    assert record_starts(b"code,name\r1,a\r", ",") is None  # lone carriage returns


@pytest.mark.parametrize("edit", [
    lambda rows: rows[:1] + [b'2,"Beta renamed","two\nlines"\n'] + rows[2:],  # a cell changed
    lambda rows: rows[:2] + [b"9,Inserted,x\n"] + rows[2:],  # a record inserted
    lambda rows: rows[:1] + rows[2:],  # a record deleted
    lambda rows: rows + [b"5,Appended,y\n"],
    lambda rows: rows[:3] + [b"4,Delta,last"],  # the last line break removed
    lambda rows: [rows[0].rstrip(b"\n") + b"x\n"] + rows[1:],  # a cell of the first record grew
])
def test_a_diff_reads_exactly_the_changed_records(edit):
    old = HEADER + b"".join(ROWS)
    new = HEADER + b"".join(edit(list(ROWS)))
    kept = _state(old)
    change = _diff(old, new, kept)
    before, after = _rows(old), _rows(new)
    rebuilt = before[:change.first] + change.records + before[change.last:]
    assert rebuilt == after
    assert change.last - change.first <= 2 and len(change.records) <= 2  # only records near the change


def test_a_diff_after_a_final_record_without_line_break_rereads_it():
    old = HEADER + b"1,Alpha,plain"
    new = old + b"\n2,Beta,b\n"
    change = _diff(old, new, _state(old))
    assert change.records == [["1", "Alpha", "plain"], ["2", "Beta", "b"]]


def test_a_header_change_or_a_broken_record_needs_the_full_build():
    old = HEADER + b"".join(ROWS)
    with pytest.raises(NotIncremental):
        _diff(old, b"code,title,note\n" + b"".join(ROWS), _state(old))
    with pytest.raises(NotIncremental):  # a quote opened and never closed swallows the records after it
        _diff(old, HEADER + ROWS[0] + b'2,"Beta\n' + b"".join(ROWS[2:]), _state(old))
    with pytest.raises(NotIncremental):  # two records joined into one by a deleted line break
        _diff(old, HEADER + ROWS[0].rstrip(b"\n") + b"".join(ROWS[1:]), _state(old))


def test_splice_copies_unchanged_pieces_and_matches_joined(tmp_path: Path):
    pieces = [b'{"a":1}', b'{"b":2}', b'{"c":3}', b'{"d":4}']
    published, spans = opendata.joined(opendata.JSON_FILE, pieces)
    (tmp_path / "old.json").write_bytes(published)
    changed = [spans[0], b'{"b":"new"}', spans[2], spans[3], b'{"e":5}']
    expected, expected_spans = opendata.joined(opendata.JSON_FILE, [pieces[0], b'{"b":"new"}', *pieces[2:],
                                                                    b'{"e":5}'])
    assert splice(opendata.JSON_FILE, changed, tmp_path / "old.json", tmp_path / "new.json") == expected_spans
    assert (tmp_path / "new.json").read_bytes() == expected
    assert json.loads(expected)[1] == {"b": "new"}


def test_a_rebuild_killed_while_moving_files_is_finished_by_the_next_build(tmp_path: Path):
    site = tmp_path / "site"
    (site / "thu-tuc/1").mkdir(parents=True)
    (site / "thu-tuc/1/index.html").write_text("old", encoding="utf-8")
    (site / "gone").mkdir()
    cache = BuildCache(site)
    (cache.root / "incoming").mkdir(parents=True)
    (cache.root / "incoming/0").write_text("new", encoding="utf-8")
    (cache.root / "incoming/1").write_text("added", encoding="utf-8")
    journal = {"site": str(site), "moves": [[str(cache.root / "incoming/0"), "thu-tuc/1/index.html"],
                                            [str(cache.root / "incoming/1"), "thu-tuc/2/index.html"]],
               "removed": ["gone"]}
    (cache.root / JOURNAL).write_text(json.dumps(journal), encoding="utf-8")
    (cache.root / "incoming/0").replace(site / "thu-tuc/1/index.html")  # killed after the first move
    finish_journal(cache)
    assert (site / "thu-tuc/1/index.html").read_text(encoding="utf-8") == "new"
    assert (site / "thu-tuc/2/index.html").read_text(encoding="utf-8") == "added"
    assert not (site / "gone").exists() and not (cache.root / JOURNAL).exists()
