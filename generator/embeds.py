"""Embeds: each chart on a page of its own under /nhung/, for an <iframe> on an agency's own site.

An embed page shows only the chart, its table, its one-line summary, its sources and the «mô phỏng» label: no
header, navigation or footer. It is a small standalone HTML document (templates/embed.html, with its own stylesheet
assets/nhung.css), not a MkDocs page, so it needs no instant navigation and no theme. Every link in it is relative,
so that it works wherever the site is served (a sub-path, another host). A chart is either a Plotly figure, drawn by
the site's own chart code (assets/congkhai.js) from the vendored Plotly, or an inline SVG drawn by the build, shown
without script; the table is always there, so the figures are readable without script too.

Beside each chart on the site, the macro `embed_control` of templates/_embed.html gives the <iframe> code to copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from markupsafe import Markup

if TYPE_CHECKING:
    from .charts import Chart
    from .render import Renderer

EMBED_DIR = "nhung"
FRAME_EXTRA = 220  # px of the suggested <iframe> above and below the chart: title, summary and the table's start
MAX_SOURCES = 3  # sources named under an embedded chart; the others are counted, with a link to the chart's page


@dataclass(frozen=True)
class Embed:
    """What an embed page shows. Text is plain (escaped where it lands); FIGURE is Plotly JSON as charts.Chart
    carries it, SVG a chart drawn by the build (trusted markup, never made from unescaped data). Paths are the
    site's own, from its root, without a leading slash."""

    path: str  # the page's directory: "nhung/<id>/", its stable address
    title: str
    summary: str  # the one sentence the chart says
    columns: tuple[str, ...]  # the table's header
    rows: tuple[tuple[str, ...], ...]  # the table's cells, as shown
    sources: tuple[str, ...]  # where the figures come from: URLs are linked, other text is shown as it is
    synthetic: bool  # any row drawn is synthetic: labelled «mô phỏng»
    page_link: str  # the chart on the site, e.g. "thong-ke/#theo-cap"
    height: int  # px of the chart
    note: str = ""  # how to read the chart (an axis that does not start at 0)
    figure: str | None = None  # Plotly figure JSON, drawn by congkhai.js
    image: str | None = None  # with FIGURE: what a downloaded picture adds to it (charts._image)
    svg: Markup | None = None  # or a chart drawn by the build, shown as it is
    csv: str = ""  # the table as a CSV file, if the site has one
    findings: int = 0  # findings of the integrity checks in the rows drawn, told and linked to the chart's page

    def __post_init__(self) -> None:
        if self.figure is not None and self.image is None:
            raise ValueError(f"{self.path}: a Plotly figure needs its picture's extras (image)")

    @property
    def root(self) -> str:
        """The way from the embed page back to the site's root."""
        return "../" * self.path.count("/")

    @property
    def frame_height(self) -> int:
        """The height suggested for the <iframe>: the chart and what surrounds it; the table scrolls inside."""
        return self.height + FRAME_EXTRA


def embed_path(id: str) -> str:
    return f"{EMBED_DIR}/{id}/"


def chart_embed(chart: Chart, page: str = "thong-ke/") -> Embed:
    """The embed of a chart of the statistics page (or of any page at PAGE that shows it under its id)."""
    return Embed(path=embed_path(chart.id), title=chart.title, summary=chart.summary,
                 columns=tuple(chart.columns), rows=tuple(tuple(row) for row in chart.rows),
                 sources=tuple(chart.sources), synthetic=chart.synthetic, page_link=f"{page}#{chart.id}",
                 height=chart.height, note=chart.note, figure=chart.figure, image=chart.image,
                 csv=f"{page}{chart.id}.csv", findings=sum(chart.marks))


def embed_files(renderer: Renderer, embeds: list[Embed]) -> dict[str, bytes]:
    """Each embed's page, by its path in the site."""
    template = renderer.env.get_template("embed.html")
    return {f"{e.path}index.html": template.render(e=e, root=e.root, max_sources=MAX_SOURCES).encode()
            for e in embeds}
