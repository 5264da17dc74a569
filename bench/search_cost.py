"""Benchmark: what a citizen's first search costs on a built site, in Debian's Chromium.

For each site: serve it on localhost, open the home page in a fresh browser context (empty cache), type a
query into the header's search box, and record every file the query fetched and the time until the results
show. Transfer is counted as the gzip size of those files plus the search code (assets/congkhai.js), as a
static host that compresses would send them. Not a test: it records the numbers.

    .venv/bin/python bench/search_cost.py SITE_DIR [SITE_DIR ...]
    .venv/bin/python bench/search_cost.py --sizes 2000 20000      # scale the sample and build each first
"""

from __future__ import annotations

import argparse
import gzip
import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

import scale

QUERIES = ["dang ky ket hon", "đăng ký kết hôn", "cap giay phep xay dung", "1.001193", "thuỷ lợi", "đất đai"]
CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(site: Path) -> list[dict]:
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                              cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    code = len(gzip.compress((site / "assets/congkhai.js").read_bytes()))
    rows = []
    try:
        for _ in range(50):
            try:
                urllib.request.urlopen(base, timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for query in QUERIES:
                context = browser.new_context()  # cold cache for every query
                page = context.new_page()
                page.goto(base, wait_until="networkidle")
                fetched: list[str] = []
                page.on("request", lambda r: fetched.append(r.url))
                started = time.perf_counter()
                page.fill("#ck-q", query)
                page.wait_for_function("() => { const s = document.querySelector('.ck-search__status');"
                                       " return s.textContent && !s.dataset.pending; }", timeout=30_000)
                elapsed = time.perf_counter() - started
                files = [site / u[len(base):].split("?")[0] for u in fetched]
                index = sum(len(gzip.compress(f.read_bytes())) for f in files)
                first = page.locator(".ck-search__list li > a").first
                rows.append({"query": query, "files": len(files), "index_gz_kb": index / 1024,
                             "with_code_gz_kb": (index + code) / 1024, "raw_kb": sum(f.stat().st_size for f in files) / 1024,
                             "seconds": elapsed, "first_result": first.inner_text() if first.count() else "",
                             "status": page.inner_text(".ck-search__status")})
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sites", nargs="*", type=Path)
    parser.add_argument("--sizes", type=int, nargs="*", default=[])
    args = parser.parse_args()
    sites = [(str(s), s) for s in args.sites]
    for size in args.sizes:
        data_dir, site_dir = scale.OUT / f"data-{size}", scale.OUT / f"search-site-{size}"
        if not site_dir.exists():
            scale.OUT.mkdir(parents=True, exist_ok=True)
            scale.scale(size, data_dir)
            subprocess.run([sys.executable, "-m", "generator", "build", "--data", str(data_dir), "--site-dir",
                            str(site_dir)], cwd=scale.ROOT, check=True, capture_output=True)
        sites.append((f"{size:,} procedures", site_dir))
    results = {}
    for label, site in sites:
        rows = measure(site)
        results[label] = rows
        print(f"\n{label} ({site}); the first query includes the site's search code, "
              f"{len(gzip.compress((site / 'assets/congkhai.js').read_bytes())) / 1024:.1f} KB gzipped")
        print(f"{'query':<24} {'files':>5} {'index KB gz':>11} {'+code KB gz':>11} {'raw KB':>7} {'s':>5}  first result")
        for r in rows:
            print(f"{r['query']:<24} {r['files']:>5} {r['index_gz_kb']:>11.1f} {r['with_code_gz_kb']:>11.1f} "
                  f"{r['raw_kb']:>7.1f} {r['seconds']:>5.2f}  {r['first_result'][:60]}")
    out = scale.OUT / "search-cost.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
