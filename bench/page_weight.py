"""Benchmark: what the first load of each kind of page weighs with gzip — counted as the tests count it
(tests/conftest.py: `first_load`, `gzipped_size`, the heaviest page of each kind) — and what the list of all
procedures fetches when a filter is first used, at the sample size and at 20,000 procedures. Not a test: it
records the figures; the tests hold the sample's pages to issue #13's budgets.

    .venv/bin/python bench/page_weight.py [--sizes sample 20000] [--keep]

The sites are built as bench/lighthouse.py builds them (bench/out/lighthouse-site-<size>), with a site_url, so
that the sitemap is the one a deployed site has: it is listed for what Material's instant navigation, which the
site leaves off, would fetch on every first load.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

from lighthouse import OUT, ROOT, arguments, build, remove

sys.path.insert(0, str(ROOT / "tests"))
from conftest import PAGE_KINDS, first_load, gzipped_size, heaviest, page_budget  # noqa: E402

from generator.search import LIST_DATA  # noqa: E402


def measure(site: Path, size: str) -> list[dict]:
    rows = []
    for kind in PAGE_KINDS:
        page = heaviest(site, kind)
        rows.append({"size": size, "kind": kind, "page": page,
                     "raw KB": (site / page / "index.html").stat().st_size / 1000,
                     "first load gz KB": gzipped_size(first_load(site, page)) / 1000,
                     "budget KB": page_budget(site, page) / 1000})
    for kind, path in (("list data, on first filter", LIST_DATA), ("sitemap.xml (not fetched)", "sitemap.xml")):
        data = (site / path).read_bytes()
        rows.append({"size": size, "kind": kind, "page": path, "raw KB": len(data) / 1000,
                     "first load gz KB": len(gzip.compress(data, 6)) / 1000, "budget KB": None})
    return rows


def main() -> None:
    args = arguments(__doc__)
    rows = []
    for size in args.sizes:
        print(f"{size}: building ...", file=sys.stderr, flush=True)
        site = build(size, site_url="https://congkhai.example.vn/")
        rows += measure(site, size)
        if not args.keep:
            remove(site, size)
    (OUT / "page-weight.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    columns = ["size", "kind", "page", "raw KB", "first load gz KB", "budget KB"]
    table = [columns] + [["" if r[c] is None else f"{r[c]:.1f}" if isinstance(r[c], float) else str(r[c])
                          for c in columns] for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(columns))]
    print("\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in table))


if __name__ == "__main__":
    main()
