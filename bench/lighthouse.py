"""Benchmark: Lighthouse 12 (mobile preset, the default) on the pages people land on, with the site served by a
local web server that compresses with gzip as any real host does, at the sample size and at 20,000 procedures.
Not a test: it records the scores.

    .venv/bin/python bench/lighthouse.py [--sizes sample 20000] [--keep]

Lighthouse comes from npm (installed once into bench/.lighthouse/) and drives Debian's Chromium
(CHROME_PATH=/usr/bin/chromium); nothing is downloaded but the npm package.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import scale

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
NODE = ROOT / "bench" / ".lighthouse"
LIGHTHOUSE = NODE / "node_modules" / ".bin" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
COMPRESSED = {".html", ".css", ".js", ".json", ".svg", ".xml", ".csv", ".txt", ".md"}


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, gzip-compressed for clients that accept it (text types), with a cache lifetime, over
    keep-alive connections: what a static host (nginx, GitHub Pages, Netlify) serves."""

    protocol_version = "HTTP/1.1"

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"  # a directory without its slash is redirected by the base class
        if (path.suffix not in COMPRESSED or not path.is_file()
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = _compressed(path, path.stat().st_mtime_ns)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, *args) -> None:
        pass


@functools.lru_cache(maxsize=4096)
def _compressed(path: Path, _modified: int) -> bytes:
    return gzip.compress(path.read_bytes(), compresslevel=6)


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(GzipHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def install() -> None:
    if not LIGHTHOUSE.exists():
        print("installing Lighthouse 12 from npm into bench/.lighthouse/ ...", file=sys.stderr, flush=True)
        subprocess.run(["npm", "install", "--prefix", str(NODE), "--no-audit", "--no-fund", "lighthouse@12"],
                       check=True, capture_output=True)


def pages(site: Path) -> dict[str, str]:
    """The pages of the issues: home, list, the longest procedure page, statistics, findings, search results, the
    indicators page, the longest agency page with a scorecard, a chart's embed, the changes of the catalogue and
    the page of a procedure no longer in it (when the data has a history)."""
    longest = max(site.glob("thu-tuc/*/index.html"), key=lambda p: p.stat().st_size)
    scorecards = [p for p in site.glob("co-quan/*/index.html") if "data-ck-scope" in p.read_text(encoding="utf-8")]
    agency = max(scorecards, key=lambda p: p.stat().st_size).parent.name if scorecards else None
    removed = [p for p in sorted(site.glob("thu-tuc/*/index.html")) if "data-ck-removed" in p.read_text(encoding="utf-8")]
    return {
        "home": "",
        "list": "thu-tuc/",
        f"procedure {longest.parent.name}": f"thu-tuc/{longest.parent.name}/",
        "statistics": "thong-ke/",
        "findings": "thong-ke/kiem-tra/",
        "search «đăng ký kết hôn»": "tim-kiem/?q=%C4%91%C4%83ng%20k%C3%BD%20k%E1%BA%BFt%20h%C3%B4n",
        "indicators (QĐ 766)": "thong-ke/chi-so-766/",
        **({f"agency {agency}": f"co-quan/{agency}/"} if agency else {}),
        "embed": "nhung/chi-so-766/",
        **({"changes": "thay-doi/"} if (site / "thay-doi/index.html").is_file() else {}),
        **({f"removed {removed[0].parent.name}": f"thu-tuc/{removed[0].parent.name}/"} if removed else {}),
    }


def lighthouse(url: str, report: Path) -> dict:
    done = subprocess.run(
        [str(LIGHTHOUSE), url, "--output=json", f"--output-path={report}", "--quiet",
         f"--only-categories={','.join(CATEGORIES)}", "--chrome-flags=--headless=new --no-sandbox"],
        env={**os.environ, "CHROME_PATH": CHROME}, capture_output=True, text=True)
    if done.returncode != 0 or not report.exists():
        sys.exit(f"lighthouse failed for {url}:\n{done.stderr[-3000:]}")
    result = json.loads(report.read_text(encoding="utf-8"))
    audits = result["audits"]
    return {
        **{c: round(result["categories"][c]["score"] * 100) for c in CATEGORIES},
        "LCP s": audits["largest-contentful-paint"]["numericValue"] / 1000,
        "TBT ms": audits["total-blocking-time"]["numericValue"],
        "CLS": audits["cumulative-layout-shift"]["numericValue"],
        "KB": audits["total-byte-weight"]["numericValue"] / 1024,
        "failed": sorted(a for a, v in audits.items()
                         if v.get("score") is not None and v["score"] < 1 and v.get("scoreDisplayMode") == "binary"),
    }


def build(size: str, site_url: str = "") -> Path:
    """The sample site, or the sample scaled to SIZE procedures (bench/scale.py), built with the real CLI (with
    SITE_URL as its address, if given)."""
    site = OUT / f"lighthouse-site-{size}"
    if size == "sample":
        data = ROOT / "data"
    else:
        data = OUT / f"lighthouse-data-{size}"
        shutil.rmtree(data, ignore_errors=True)
        procedures = scale.scale(int(size), data)
        scale.add_statistics(procedures, data, 500)
    subprocess.run([sys.executable, "-m", "generator", "build", "--data", str(data), "--site-dir", str(site),
                    *(["--site-url", site_url] if site_url else [])], cwd=ROOT, check=True, capture_output=True)
    return site


def arguments(description: str) -> argparse.Namespace:
    """--sizes and --keep, as this script and page_weight.py take them."""
    parser = argparse.ArgumentParser(description=description.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["sample", "20000"], metavar="N")
    parser.add_argument("--keep", action="store_true", help="keep the built sites (default: delete them)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    return args


def remove(site: Path, size: str) -> None:
    """A site build() made, and its scaled data."""
    shutil.rmtree(site)
    shutil.rmtree(OUT / f"lighthouse-data-{size}", ignore_errors=True)


def main() -> None:
    args = arguments(__doc__)
    install()
    rows = []
    for size in args.sizes:
        print(f"{size}: building ...", file=sys.stderr, flush=True)
        site = build(size)
        server, base = serve(site)
        try:
            for name, path in pages(site).items():
                print(f"  lighthouse {name} ...", file=sys.stderr, flush=True)
                slug = "".join(c if c.isalnum() else "-" for c in name)[:40]
                rows.append({"size": size, "page": name,
                             **lighthouse(base + path, OUT / f"lighthouse-{size}-{slug}.json")})
        finally:
            server.shutdown()
        if not args.keep:
            remove(site, size)
    (OUT / "lighthouse.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    columns = ["size", "page", *CATEGORIES, "LCP s", "TBT ms", "CLS", "KB"]
    table = [columns] + [[f"{r[c]:.2f}" if isinstance(r[c], float) else str(r[c]) for c in columns] for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(columns))]
    print("\n".join("  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in table))
    for r in rows:
        if r["failed"]:
            print(f"{r['size']} {r['page']}: failed audits: {', '.join(r['failed'])}")


if __name__ == "__main__":
    main()
