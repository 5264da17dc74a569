"""Search index stage: the files the browser finds procedures with — a static, sharded index that it reads a few
small files of per query, and the data of the list of all procedures (``list_data``).

Layout (under tim-kiem/chi-muc/, all JSON):

- ``meta.json``: shard and chunk counts, the index's content hash, the vocabulary of folded words with their
  document frequencies (prefix completion of the word being typed) and each document's length in words.
- ``t<k>.json``: postings of the terms whose hash falls in shard k: ``{term: [first id, gap, gap, ...]}``.
  Terms are folded words (``dang``), exact spellings with the tone moved to the end (``~đăng``, ``~ky1``, only
  where they differ from the folded word) and procedure codes (``#1.001193``).
- ``d<k>.json``: the documents with ids k·CHUNK … k·CHUNK+CHUNK-1 as ``[path, title, detail]``.

A query fetches meta.json, one shard per distinct term and the chunks of the results it shows: about a dozen
small files whatever the size of the catalogue. The browser side is assets/congkhai.js; both sides take their
text rules from generator/vietnamese.py.

- ``danh-sach.json``: the list of all procedures (/thu-tuc/) as its filter reads it (``list_data``).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from .model import Index, sort_key
from .schema import NOT_PUBLISHED, UNASSIGNED_AGENCY
from .vietnamese import fold, tone_key, words

INDEX_DIR = "tim-kiem/chi-muc"
CHUNK = 50
LIST_DATA = f"{INDEX_DIR}/danh-sach.json"
POSTINGS_PER_SHARD = 4000  # shard count grows with the index so that one shard stays a few KB gzipped


@dataclass(frozen=True)
class Document:
    path: str  # from the site root, e.g. thu-tuc/1.001193/
    title: str  # what is indexed, with the code
    detail: str
    code: str = ""


def fnv1a(term: str) -> int:
    """32-bit FNV-1a over UTF-8: the shard of a term, computed the same way in congkhai.js."""
    value = 0x811C9DC5
    for byte in term.encode("utf-8"):
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


@lru_cache(maxsize=None)
def _word_terms(word: str) -> tuple[str, ...]:
    """A catalogue has a few thousand distinct words among millions of occurrences: fold each once."""
    folded, exact = fold(word), tone_key(word)
    return (folded,) if exact == folded else (folded, "~" + exact)


def title_terms(title: str) -> tuple[tuple[str, ...], int]:
    """What the index keeps of a title: its terms and its length in words."""
    return tuple(terms(title)), len(words(title))


def terms(text: str) -> list[str]:
    """Distinct index terms of a text: folded words and, where different, their exact tone keys."""
    seen: dict[str, None] = {}
    for word in words(text):
        for term in _word_terms(word):
            seen[term] = None
    return list(seen)


def documents(index: Index) -> list[tuple[Document, tuple[str, ...], int]]:
    """Each document with the terms of its title and how many words it has. Fields and agencies first (few,
    often what a short query means), then procedures by field and name, so that the results of one query tend
    to share a chunk."""
    docs = [(Document(f"linh-vuc/{slug}/", name, "Lĩnh vực"), *title_terms(name))
            for slug, name in index.fields.items()]
    docs += [(Document(f"co-quan/{slug}/", name, "Cơ quan thực hiện"), *title_terms(name))
             for slug, name in index.agencies.items()]
    folded = {field: fold(field) for field in {p.field for p in index.listings}}
    for p in sorted(index.listings, key=lambda p: (folded[p.field], sort_key(p))):
        docs.append((Document(f"thu-tuc/{p.code}/", p.name, p.detail, p.code), p.terms, p.words))
    return docs


def index_files(index: Index) -> dict[str, bytes]:
    docs = documents(index)
    postings: dict[str, list[int]] = defaultdict(list)
    lengths = []
    for i, (doc, doc_terms, length) in enumerate(docs):
        for term in doc_terms:
            postings[term].append(i)
        if doc.code:
            postings["#" + fold(doc.code)].append(i)
        lengths.append(length)

    total = sum(len(ids) for ids in postings.values())
    shards = 1
    while shards * POSTINGS_PER_SHARD < total:
        shards *= 2
    by_shard: list[dict[str, list[int]]] = [{} for _ in range(shards)]
    for term in sorted(postings):
        ids = postings[term]
        by_shard[fnv1a(term) % shards][term] = [ids[0]] + [b - a for a, b in zip(ids, ids[1:])]

    files = {f"{INDEX_DIR}/t{k}.json": _json(shard) for k, shard in enumerate(by_shard)}
    for k in range(0, len(docs), CHUNK):
        files[f"{INDEX_DIR}/d{k // CHUNK}.json"] = _json([[d.path, d.title, d.detail] for d, *_ in docs[k:k + CHUNK]])
    vocabulary = sorted(t for t in postings if t[0] not in "~#")
    version = hashlib.sha256(b"".join(files[name] for name in sorted(files))).hexdigest()[:12]
    files[f"{INDEX_DIR}/meta.json"] = _json({
        "version": version, "docs": len(docs), "shards": shards, "chunk": CHUNK,
        "words": vocabulary, "df": [len(postings[t]) for t in vocabulary], "lengths": lengths,
    })
    files[LIST_DATA] = list_data(index)
    return files


# What each filter of the list of all procedures compares, per procedure: the values its select offers.
LIST_FILTERS = {
    "level": lambda p: p.levels,
    "field": lambda p: (p.field_slug,),
    "agency": lambda p: p.agency_slugs or (UNASSIGNED_AGENCY,),
    "channel": lambda p: p.channel_codes,
    "online": lambda p: (p.online or "none",),
}


def list_data(index: Index) -> bytes:
    """The list of all procedures as the page's script reads it to filter and page it (the page itself holds only
    its first entries): in the list's order, each procedure's code and name, the name of its field (what an entry
    shows under its name) and, per filter, the values the filter compares. Stored by column, each filter's values
    numbered once (a procedure with one value has the number, else a list): at 20,000 procedures a column of
    like values is what gzip compresses best."""
    ordered = sorted(index.listings, key=sort_key)
    filters = {}
    for name, values_of in LIST_FILTERS.items():
        numbers: dict[str, int] = {}
        rows = []
        for p in ordered:
            row = [numbers.setdefault(value, len(numbers)) for value in values_of(p)]
            rows.append(row[0] if len(row) == 1 else row)
        filters[name] = {"values": list(numbers), "rows": rows}
    field_names: dict[str, int] = {}  # as each procedure spells it, numbered like a filter's values
    field_name = [field_names.setdefault(p.field or NOT_PUBLISHED, len(field_names)) for p in ordered]
    return _json({
        "code": [p.code for p in ordered], "name": [p.name for p in ordered],
        "field_names": list(field_names), "field_name": field_name, "filters": filters,
    })


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
