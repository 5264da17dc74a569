"""Baseline for the benchmark: the same procedure pages as a plain MkDocs-Material site, the way one would build it
without the congkhai plugin. One Markdown page per procedure with the sections of generator/templates/procedure.html,
all of them out of the nav, default Material theme, built-in search, no custom plugin.

Values go into Markdown HTML-escaped, with `|` and line breaks made safe for table cells; other Markdown syntax in
the data is left to be interpreted. That is enough for a speed reference, not for publishing."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

NOT_PUBLISHED = "chưa công bố"

MKDOCS_YML = """\
site_name: Công khai thủ tục hành chính (baseline)
docs_dir: docs
site_dir: site
use_directory_urls: true
theme:
  name: material
  language: vi
  font: false  # as in the real site: no request to Google Fonts
plugins:
  - search
markdown_extensions:
  - tables
  - toc:
      permalink: true
nav:
  - index.md
# Keeps MkDocs from listing every procedure page as "not included in the nav".
not_in_nav: |
  /thu-tuc/
"""


def cell(value: str) -> str:
    """Text for a Markdown table cell."""
    if not value:
        return f"*{NOT_PUBLISHED}*"
    return html.escape(value).replace("|", "&#124;").replace("\r", "").replace("\n", "<br>")


def inline(value: str) -> str:
    """Text for a heading or a list item: one line."""
    return html.escape(" ".join(value.split()))


def block(value: str) -> str:
    """Free text as paragraphs, its line breaks kept."""
    if not value:
        return f"*{NOT_PUBLISHED}*"
    return html.escape(value).replace("\r", "").replace("\n", "  \n")


def page(p: dict, documents: list[dict], channels: list[dict]) -> str:
    levels = ", ".join(x.strip() for x in p["level"].split(";") if x.strip())
    out = [
        f"---\ntitle: {json.dumps(inline(p['name']), ensure_ascii=False)}\n---\n",  # JSON is YAML
        f"# {inline(p['name'])}\n",
        "| | |\n|---|---|",
        f"| Mã thủ tục | `{p['code']}` |",
        f"| Cấp thực hiện | {cell(levels)} |",
        f"| Lĩnh vực | {cell(p['field'])} |",
        f"| Cơ quan thực hiện | {cell(p['agency'])} |",
        f"| Cơ quan có thẩm quyền | {cell(p['authority'])} |",
        f"| Loại thủ tục | {cell(p['type'])} |",
        f"| Đối tượng thực hiện | {cell(p['subjects'])} |",
        f"| Dịch vụ công trực tuyến | {cell(p['online'])} |\n",
        "## Cách thức thực hiện\n",
    ]
    if channels:
        out.append("| Hình thức nộp | Thời hạn giải quyết | Phí, lệ phí | Mô tả |\n|---|---|---|---|")
        out += [f"| {cell(c['channel'])} | {cell(c['time'])} | {cell(c['fee'])} | {cell(c['description'])} |"
                for c in channels]
        out.append("")
    else:
        out.append(f"*{NOT_PUBLISHED}*\n")
    out.append("## Thành phần hồ sơ\n")
    cases: dict[str, list[dict]] = {}
    for d in documents:
        cases.setdefault(d["case"], []).append(d)
    for case, docs in cases.items():
        if case:
            out.append(f"### {inline(case)}\n")
        out.append("| Tên giấy tờ | Bản chính | Bản sao | Mẫu đơn, tờ khai |\n|---|---|---|---|")
        out += [f"| {cell(d['name'])} | {cell(d['originals'])} | {cell(d['copies'])} | {cell(d['form'])} |"
                for d in docs]
        out.append("")
    if not cases:
        out.append(f"*{NOT_PUBLISHED}*\n")
    for heading, column in (("Trình tự thực hiện", "steps"), ("Yêu cầu, điều kiện", "conditions"),
                            ("Kết quả thực hiện", "result")):
        out.append(f"## {heading}\n\n{block(p[column])}\n")
    out.append("## Căn cứ pháp lý\n")
    basis = [x.strip() for x in p["legal_basis"].split(";") if x.strip()]
    out.append("\n".join(f"- {inline(x)}" for x in basis) + "\n" if basis else f"*{NOT_PUBLISHED}*\n")
    out.append("## Nguồn công bố\n")
    out.append(f"| | |\n|---|---|\n| Quyết định công bố | {cell(p['decision'])} |\n"
               f"| Trang chính thức | {cell(p['source_url'])} |\n")
    out.append("[← Tất cả thủ tục](../index.md)\n")
    return "\n".join(out)


def write_site(data_dir: Path, target: Path) -> int:
    """Write mkdocs.yml and docs/ for the catalogue in data_dir/catalogue/; returns the number of pages."""
    def read(table: str) -> pd.DataFrame:
        return pd.read_csv(data_dir / "catalogue" / f"{table}.csv", dtype=str, keep_default_na=False)

    procedures = read("procedures")
    documents = read("documents").groupby("procedure_code", sort=False)
    channels = read("channels").groupby("procedure_code", sort=False)
    doc_rows = {code: g.to_dict("records") for code, g in documents}
    channel_rows = {code: g.to_dict("records") for code, g in channels}
    pages = target / "docs" / "thu-tuc"
    pages.mkdir(parents=True)
    (target / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    listing = ["# Thủ tục hành chính\n"]
    for p in procedures.to_dict("records"):
        text = page(p, doc_rows.get(p["code"], []), channel_rows.get(p["code"], []))
        (pages / f"{p['code']}.md").write_text(text, encoding="utf-8")
        listing.append(f"- [{inline(p['name'])}](thu-tuc/{p['code']}.md)")
    (target / "docs" / "index.md").write_text("\n".join(listing) + "\n", encoding="utf-8")
    return len(procedures)
