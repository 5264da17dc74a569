"""The search index as the build writes it, and the text rules it shares with the browser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURES, TEMPLATES
from generator.build import prepare
from generator.search import INDEX_DIR, fnv1a, index_files, terms
from generator.vietnamese import fold, tone_key, words

CASES = json.loads((Path(__file__).parent / "folding_cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["text"] for c in CASES])
def test_folding_cases(case):
    """The same table is run in Chromium against congkhai.js (test_browser.py)."""
    assert fold(case["text"]) == case["fold"]
    assert words(case["text"]) == case["words"]
    assert [tone_key(w) for w in words(case["text"])] == case["tone_keys"]


def test_tone_placements_and_case_share_one_key():
    assert tone_key("hoà") == tone_key("hòa") == tone_key("HÒA") == "hoa2"
    assert tone_key("thuỷ") == tone_key("thủy") == "thuy3"
    assert tone_key("đăng") != tone_key("đang") and fold("đăng") == fold("đang") == "dang"


def test_fnv1a_matches_the_published_vectors():
    assert fnv1a("") == 0x811C9DC5
    assert fnv1a("a") == 0xE40C292C
    assert fnv1a("foobar") == 0xBF9CF968


def test_terms_keep_exact_spellings_beside_folded_words():
    assert terms("Thủ tục đăng ký kết hôn, đăng ký lại") == [
        "thu", "~thu3", "tuc", "~tuc5", "dang", "~đăng", "ki", "~ki1", "ket", "~kêt1", "hon", "~hôn", "lai", "~lai5"]


def read_index(files: dict[str, bytes]) -> tuple[dict, dict[str, list[int]], list[list[str]]]:
    meta = json.loads(files[f"{INDEX_DIR}/meta.json"])
    postings = {}
    for k in range(meta["shards"]):
        for term, gaps in json.loads(files[f"{INDEX_DIR}/t{k}.json"]).items():
            assert fnv1a(term) % meta["shards"] == k
            ids, total = [], 0
            for gap in gaps:
                total += gap
                ids.append(total)
            postings[term] = ids
    docs = []
    for k in range(-(-meta["docs"] // meta["chunk"])):
        docs += json.loads(files[f"{INDEX_DIR}/d{k}.json"])
    return meta, postings, docs


def test_index_of_the_fixture(small_site):
    catalogue = prepare(FIXTURES / "small", TEMPLATES).index
    files = index_files(catalogue)
    meta, postings, docs = read_index(files)
    assert len(docs) == meta["docs"] == len(meta["lengths"])
    paths = [d[0] for d in docs]
    assert sorted(p for p in paths if p.startswith("thu-tuc/")) == sorted(
        f"thu-tuc/{p.code}/" for p in catalogue.listings)
    assert {p for p in paths if p.startswith("linh-vuc/")} == {f"linh-vuc/{s}/" for s in catalogue.fields}
    kethon = paths.index("thu-tuc/1.001193/")
    assert docs[kethon][1] == "Thủ tục đăng ký kết hôn"
    assert postings["#1.001193"] == [kethon]
    for term in ("dang", "~đăng", "ki", "~ki1", "ket", "~kêt1", "hon", "~hôn"):
        assert kethon in postings[term], term
    assert all(ids == sorted(set(ids)) for ids in postings.values())
    assert meta["words"] == sorted(t for t in postings if t[0] not in "~#")
    assert meta["df"] == [len(postings[t]) for t in meta["words"]]
    # Every built page of the index is in the site, and every result links to a page that exists.
    for path in paths:
        assert (small_site / path / "index.html").is_file(), path
    for name, content in files.items():
        assert (small_site / name).read_bytes() == content
