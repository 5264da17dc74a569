"""Render stage: typed catalogue → page sources (Markdown for MkDocs; HTML bodies for the procedure, field and
agency pages that write.py fills into shells).

Escaping rule: a value from data lands only in HTML (Jinja autoescape) or in front matter through the `meta`
filter. It never lands in Markdown syntax, so Markdown in the data is never interpreted.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from .cache import BuildCache
from .changelog import by_procedure, is_long, item_label, word_diff
from .embeds import EMBED_DIR, Embed, chart_embed
from .figures import sparkline
from .indicators import BY_ID as INDICATORS, INDICATORS as INDICATOR_LIST, catalogue_scores, complete, published_in_time
from .metrics import RATE_DEFINITION
from .model import Channel, Index, Listing, Procedure, sort_key
from .parse import AGENCY_KINDS, group_key
from .problems import SEVERITY_LABELS, SUMMARIES, Report
from .processing_time import WITHHELD, agency_times, legal_times, procedure_times
from .schema import (CATALOGUE_TABLES, CHANGE_KINDS, CHANNELS, DOSSIERS, KIND_LABELS, LEVELS, LOG_SOURCE, NOT_PUBLISHED,
                     ONLINE_AVAILABLE, ONLINE_BY_CHANNEL, ONLINE_STATUS, PRESENCE_LABELS, STAT_LEVELS, STATISTICS,
                     UNASSIGNED_AGENCY)
from .search import LIST_DATA, title_terms
from .vietnamese import fold, format_count, format_day, format_number, format_percent

if TYPE_CHECKING:
    from .history import History

# Sections of a procedure page, in order: (anchor, heading). The page shell and the body template both use them,
# so the table of contents MkDocs renders for the shell, and the page's own jump list for phones (where the theme
# hides its table of contents), match every page. What to bring comes first, the long texts last.
PROCEDURE_SECTIONS = (
    ("ho-so", "Thành phần hồ sơ"),
    ("cach-thuc", "Cách thức thực hiện"),
    ("so-lieu", "Kết quả giải quyết hồ sơ"),
    ("thong-tin", "Thông tin chung"),
    ("trinh-tu", "Trình tự thực hiện"),
    ("dieu-kien", "Yêu cầu, điều kiện"),
    ("ket-qua", "Kết quả thực hiện"),
    ("can-cu", "Căn cứ pháp lý"),
    ("nguon", "Nguồn công bố"),
    ("lich-su", "Lịch sử thay đổi"),
)
SHELL_SLUG = "_shell"
PROCEDURE_SHELL = f"thu-tuc/{SHELL_SLUG}"
FULL_TEXT_SHELL = f"{PROCEDURE_SHELL}/toan-van"
FULL_TEXT = "toan-van"
# Text sections longer than this show their first EXCERPT characters and link to the procedure's full-text
# page, so that a procedure page stays light on a phone (the longest real one is 45,000 characters).
LONG_TEXT = 6000
EXCERPT = 2000
LONG_SECTIONS = (("trinh-tu", "steps"), ("dieu-kien", "conditions"), ("ket-qua", "result"))
GROUP_SHELL = f"linh-vuc/{SHELL_SLUG}"  # fields and agencies: same depth, same page furniture
SHELL_TITLE = "@@ck-title@@"
SHELL_DESCRIPTION = "@@ck-description@@"
BODY_START = "<!--ck-body-start-->"
BODY_END = "<!--ck-body-end-->"
# A generated page's parts that depend on the catalogue sit between these markers in its template. MkDocs gets a
# slot in their place and write.py fills the slot in the page MkDocs rendered, so that MkDocs' own input, and
# output, stay the same when a procedure changes (and the build cache can keep them).
FILL_START = "<!--ck-fill-->"
FILL_END = "<!--/ck-fill-->"
SLOT = "<!--ck-slot-{}-->"
# The list of all procedures holds its first LIST_PAGE entries, so that it stays light at 20,000 procedures and
# works without script; its script fetches the whole list (search.list_data) when a filter is used or more are
# asked for, and shows LIST_PAGE more at a time.
LIST_PAGE = 50
# A catalogue without earlier versions: what a history.History of one version holds.
NO_HISTORY = SimpleNamespace(versions=[], changes=[], removed={}, synthetic=set())

_SAFE_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


def meta(value: str) -> Markup:
    """A front-matter scalar: HTML-escaped (Material prints meta values unescaped), then YAML/JSON-quoted, and
    marked safe so that autoescape does not escape the quotes a second time."""
    return Markup(json.dumps(html.escape(value, quote=True), ensure_ascii=False))


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """The start of a long text, cut at the last line break (else space) before `limit` characters."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = max(head.rfind("\n"), 0) or max(head.rfind(" "), 0) or limit
    return head[:cut].rstrip() + " …"


def long_documents(procedure: Procedure) -> bool:
    """Whether the document names together are too long to show whole on the procedure's page."""
    return sum(len(d.name) for d in procedure.documents) > LONG_TEXT


def long_sections(procedure: Procedure) -> list[tuple[str, str]]:
    """(anchor, text) of the procedure's sections too long to show whole on its page."""
    return [(anchor, getattr(procedure, attr)) for anchor, attr in LONG_SECTIONS
            if len(getattr(procedure, attr)) > LONG_TEXT]


def has_full_text(procedure: Procedure) -> bool:
    return bool(long_sections(procedure)) or long_documents(procedure)


def external_url(value: str) -> str | None:
    """The value if it is a plain http(s) URL, else None: anything else is shown as text, never linked."""
    value = value.strip()
    return value if _SAFE_URL.fullmatch(value) else None


def host(url: str) -> str:
    """The host a link leads to, said beside it (dichvucong.gov.vn)."""
    return urlsplit(url).hostname or ""


def by_value(channels: list[Channel], attribute: str) -> list[tuple[Channel, list[str]]]:
    """The channels' distinct verbatim values of ATTRIBUTE (time or fee), in order, each with the first channel
    that has it and the codes of the channels that have it: a procedure's summary says each value once."""
    groups: dict[str, tuple[Channel, list[str]]] = {}
    for channel in channels:
        _, codes = groups.setdefault(getattr(channel, attribute), (channel, []))
        if channel.channel not in codes:
            codes.append(channel.channel)
    return list(groups.values())


def _quantity(value: float) -> str:
    value = round(value, 1)
    return format_number(value, 0 if value == int(value) else 1)


def time_reading(channel: Channel) -> str:
    """The processing time as parse.parse_time read it, said beside the verbatim text: «5 ngày làm việc», «15 ngày
    theo lịch», «4 giờ làm việc»; for a bare number, that its unit is missing. Empty when nothing was read."""
    days = channel.time_days
    if days is None:
        return "không ghi đơn vị" if channel.time_problem == "time_no_unit" else ""
    if days < 1:
        return (f"{_quantity(days * 8)} giờ làm việc" if channel.time_working_days
                else f"{_quantity(days * 24)} giờ")
    return f"{_quantity(days)} {'ngày làm việc' if channel.time_working_days else 'ngày theo lịch'}"


def _alphabetical(name: str) -> str:
    return fold(name).lstrip(" .,;:-*_|")


@dataclass(frozen=True)
class ShellPage:
    """A page that write.py fills into a themed shell instead of MkDocs rendering it."""

    path: str  # the page's directory in the site, e.g. thu-tuc/1.000894
    shell: str  # the shell's directory, e.g. thu-tuc/_shell
    title: str
    description: str
    key: str  # same key, same page: lets a rebuild reuse the previous build's file
    body: Callable[[], str]


@dataclass
class Publication:
    """Everything the site is made of, checked and rendered in memory before anything is written: what MkDocs
    renders, what is filled into its output, the pages filled into themed shells, and files."""

    data_dir: Path
    report: Report
    index: Index
    renderer: Renderer
    source: str  # cache.code_digest: the templates and code
    markdown_pages: dict[str, str]  # what MkDocs renders, by source path
    fills: dict[str, list[str]]  # by HTML path: what write.py puts in the slots of the pages MkDocs rendered
    shell_pages: list[ShellPage]  # procedure, field and agency pages, filled into themed shells by write.py
    files: dict[str, bytes]  # by path in the site: open data, search index, chart tables, chart library
    kept: Callable[[], dict[str, tuple[Path, str]]]  # files kept in the build cache (open data): where, digest
    statistics: Any = None  # the statistics rows with their rates (a DataFrame), None without statistics
    findings: Any = None  # the audit's findings (a DataFrame)


class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates, by template and the checksum of its source (Jinja's bucket key and checksum): first
    those of this process — so that a process that builds more than once (`congkhai serve`, the tests) compiles
    each template, ours and the theme's, once — then those kept in the build cache, each stored like any other
    entry, with the digest of its bytes (Jinja's own file cache would load a damaged string constant as it is).
    A build that reads nothing from the cache (`--full`) reads none of them there."""

    compiled: dict[tuple[str, str], object] = {}

    def __init__(self, cache: BuildCache | None = None):
        self.cache = cache

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        bucket.code = self.compiled.get((bucket.key, bucket.checksum))
        if bucket.code is None and self.cache is not None and self.cache.enabled:
            kept = self.cache._read(self.cache.root / "templates" / f"{bucket.key}.pickle", bucket.checksum)
            if isinstance(kept, bytes):
                bucket.bytecode_from_string(kept)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[(bucket.key, bucket.checksum)] = bucket.code
        if self.cache is not None:
            self.cache._store(self.cache.root / "templates" / f"{bucket.key}.pickle", bucket.checksum,
                              bucket.bytecode_to_string())


class Renderer:
    """Renders from listings (lists, counts) and, for the pages of single procedures, from the procedures
    themselves: a rebuild has those of the changed procedures only."""

    def __init__(self, templates: Path, cache: BuildCache | None = None):
        """CACHE: where compiled templates are kept between builds. Listings are made first (`listing`), then
        the renderer is given the catalogue (`use`)."""
        self.templates = templates
        self.index = Index([], {}, {})
        self.procedures: dict[str, Procedure] = {}
        self.figures: dict[str, tuple] = {}  # figures.procedure_figures: what the statistics say of a procedure
        self.figure_keys: dict[str, str] = {}  # figures_key of each
        self.history = NO_HISTORY  # history.History: the catalogue's changes and removed procedures
        self.feeds: set[str] = set()  # the Atom feeds of changes, by path (history_outputs)
        self.versions: dict[str, tuple] = {}  # changelog.by_procedure: each procedure's versions that changed it
        self.units: dict[tuple[str, str], tuple] = {}  # figures.unit_figures: scorecards of agencies and fields
        self.times: dict = {}  # processing_time.procedure_times: each procedure's observed processing time
        self.agency_times: dict = {}  # processing_time.agency_times: each agency page's, by level and name
        self.catalogue_scores: list = []  # indicators.catalogue_scores
        self._unit_scores: dict[tuple[str, str], list] = {}  # those by (agency, field)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(templates)),
            bytecode_cache=CompiledTemplates(cache),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(
            num=format_number,
            count=format_count,
            day=format_day,
            pct=format_percent,
            meta=meta,
            level=lambda code: LEVELS.get(code, code),
            channel=lambda code: CHANNELS.get(code, code),
            online=lambda code: ONLINE_STATUS.get(code, NOT_PUBLISHED),
            external_url=external_url,
            fold=fold,
            excerpt=excerpt,
            long_documents=long_documents,
            by_value=by_value,
            time_reading=time_reading,
            host=host,
            sparkline=sparkline,
            stat_level=lambda code: STAT_LEVELS.get(code, code),
            max_points=lambda indicator: INDICATORS[indicator].max_points,
            long_change=is_long,
            word_diff=word_diff,
            change_item=item_label,
            days=_quantity,
        )
        # A statistics row's source says it was computed from the dossier log (dossiers.Log.source).
        self.env.tests["logged"] = lambda source: source.endswith(LOG_SOURCE)
        self.env.globals.update(
            NOT_PUBLISHED=NOT_PUBLISHED,
            LEVELS=LEVELS,
            CHANNELS=CHANNELS,
            ONLINE_BY_CHANNEL=ONLINE_BY_CHANNEL,
            ONLINE_AVAILABLE=ONLINE_AVAILABLE,
            SECTIONS=PROCEDURE_SECTIONS,
            LONG_TEXT=LONG_TEXT,
            UNASSIGNED_AGENCY=UNASSIGNED_AGENCY,
            INDICATORS=INDICATORS,
            CHANGE_KINDS=CHANGE_KINDS,
            LOG_SOURCE=LOG_SOURCE,
            WITHHELD=WITHHELD,
        )
        self._procedure = self.env.get_template("procedure.html")
        self._figures = self.env.get_template("_figures.html")
        self.embeds: list[Embed] = []  # of the scorecards, made with the group pages (shell_pages)
        self._full_text = self.env.get_template("full_text.html")

    def listing(self, p: Procedure) -> Listing:
        terms, words = title_terms(p.name)
        full_text = has_full_text(p)
        levels = ", ".join(LEVELS[level] for level in p.levels)
        return Listing(
            code=p.code, name=p.name, field=p.field, levels=p.levels, online=p.online_status,
            channel_codes=tuple(p.channel_codes), field_slug=p.field_slug,
            agency_slugs=tuple(slug for _, slug in p.agencies),
            documents=len(p.documents), channels=len(p.channels), untimed=sum(not c.time for c in p.channels),
            unpriced=sum(not c.fee for c in p.channels),
            free=bool(p.channels) and all(c.fee_vnd == 0 for c in p.channels), legal_basis=bool(p.legal_basis),
            full_text=full_text, alphabetical=_alphabetical(p.name), terms=terms, words=words,
            detail=" · ".join(part for part in (p.code, levels, p.field) if part),
            key=_key("procedure", p), full_text_key=_key("full text", p) if full_text else "",
            complete=complete(p), published_in_time=published_in_time(p), legal_times=legal_times(p.channels),
        )

    def use(self, index: Index, procedures: dict[str, Procedure], figures: dict[str, tuple] | None = None,
            figure_keys: dict[str, str] | None = None, units: dict[tuple[str, str], tuple] | None = None,
            history: History | None = None, times: tuple = ()) -> None:
        """The catalogue to render: its listings, and the procedures whose own pages may be rendered; the
        statistics' figures of each procedure they name, with their keys (figures_key), and the scorecards of the
        agencies and fields they name (figures.unit_figures); the QĐ 766 indicators of the catalogue's agencies and
        fields; the catalogue's history (history.History: its changes, its removed procedures); and the observed
        processing times of the dossier log (processing_time.ProcessingTime)."""
        self.index, self.procedures, self.figures = index, procedures, figures or {}
        self.figure_keys, self.units = figure_keys or {}, units or {}
        self.times, self.agency_times = procedure_times(times), agency_times(times)
        self.history = history or NO_HISTORY
        self.versions = by_procedure(history.changes if history else [])
        self.catalogue_scores = catalogue_scores(index)
        self._unit_scores = {}
        for score in self.catalogue_scores:
            self._unit_scores.setdefault((score.agency, score.field), []).append(score)

    def page(self, template: str, **context) -> str:
        return self.env.get_template(template).render(**context)

    def procedure_body(self, code: str) -> str:
        """A procedure's page; a procedure the catalogue no longer has keeps its page, with its last content and
        the date it left."""
        removed = self.history.removed.get(code)  # only a code the current catalogue does not have
        versions = self.versions.get(code, ())
        return self._procedure.render(
            p=removed[1] if removed else self.procedures[code], figures=self.figures.get(code, ()), root="../../",
            time=self.times.get(code),
            rate_definition=RATE_DEFINITION, versions=versions, removed=removed and removed[0],
            removed_synthetic=bool(removed) and any(c.synthetic for v in versions for c in v.changes
                                                     if c.change == "removed"),
            oldest=self.oldest_version())

    def oldest_version(self) -> tuple[str, bool]:
        """The date of the catalogue's oldest version, and whether it was constructed; ("", False) without one."""
        versions = self.history.versions
        return (versions[0], versions[0] in self.history.synthetic) if len(versions) > 1 else ("", False)

    def full_text_body(self, code: str) -> str:
        procedure = self.procedures[code]
        return self._full_text.render(p=procedure, sections=long_sections(procedure))

    def procedure_description(self, procedure: Listing) -> str:
        return f"{procedure.name} — mã {procedure.code}: thành phần hồ sơ, thời hạn, phí, lệ phí"

    def shells(self) -> dict[str, str]:
        """Shell pages by site path. A shell is rendered once by MkDocs with the theme; write.py fills each page
        of its kind into it. Procedure pages get the fixed table of contents of their sections."""
        front = f"---\ntitle: \"{SHELL_TITLE}\"\ndescription: \"{SHELL_DESCRIPTION}\"\n"
        headings = "\n\n".join(f"## {title} {{#{anchor}}}" for anchor, title in PROCEDURE_SECTIONS)
        return {
            PROCEDURE_SHELL: f"{front}---\n\n{BODY_START}\n\n<h1>{SHELL_TITLE}</h1>\n\n{headings}\n\n{BODY_END}\n",
            FULL_TEXT_SHELL: f"{front}hide:\n  - toc\n---\n\n{BODY_START}\n\n<h1>{SHELL_TITLE}</h1>\n\n{BODY_END}\n",
            GROUP_SHELL: f"{front}hide:\n  - toc\n---\n\n{BODY_START}\n\n<h1>{SHELL_TITLE}</h1>\n\n{BODY_END}\n",
        }

    def shell_pages(self) -> list[ShellPage]:
        """Procedure, field and agency pages: all at depth two, all filled into a shell (see write.py)."""
        index = self.index
        self.embeds = []
        # A procedure page receives the procedure and its figures: its key is the procedure's, with the figures'
        # key when the statistics name it.
        # Its history's versions, frozen data, are in the key by their repr, and the oldest version.
        oldest = self.oldest_version()
        pages = [ShellPage(f"thu-tuc/{p.code}", PROCEDURE_SHELL, p.name, self.procedure_description(p),
                           _key(p.key, self.figure_keys.get(p.code), self.versions.get(p.code), oldest)
                           if p.code in self.figure_keys or p.code in self.versions or oldest[0] else p.key,
                           partial(self.procedure_body, p.code))
                 for p in index.listings]
        current = {p.code for p in index.listings}
        pages += [ShellPage(f"thu-tuc/{code}", PROCEDURE_SHELL, f"{last.name} (không còn hiệu lực)",
                            self.procedure_description(last),
                            _key("removed", date, last, self.versions.get(code), self.times.get(code)),
                            partial(self.procedure_body, code))
                  for code, (date, last) in self.history.removed.items() if code not in current]
        pages += [ShellPage(f"thu-tuc/{p.code}/{FULL_TEXT}", FULL_TEXT_SHELL, f"{p.name} — toàn văn",
                            f"Toàn văn các mục dài của thủ tục {p.code}", p.full_text_key,
                            partial(self.full_text_body, p.code))
                  for p in index.listings if p.full_text]
        by_field, by_agency = index.by_field(), index.by_agency()
        groups = [("field", f"linh-vuc/{slug}", name, by_field.get(slug, [])) for slug, name in index.fields.items()]
        groups += [("agency", f"co-quan/{slug}", name, by_agency.get(slug, []))
                   for slug, name in index.agencies.items()]
        unassigned = [p for p in index.listings if not p.agency_slugs]
        if unassigned:
            groups.append(("agency", f"co-quan/{UNASSIGNED_AGENCY}", None, unassigned))
        for kind, path, name, members in groups:
            members = sorted(members, key=sort_key)
            heading = name or "Thủ tục chưa công bố cơ quan thực hiện"
            description = f"{'Lĩnh vực' if kind == 'field' else 'Cơ quan'} {heading}: danh sách thủ tục hành chính"
            cards = self.units.get((kind, group_key(name)), ()) if name else ()
            times = self.agency_times.get(group_key(name), {}) if name and kind == "agency" else {}
            embeds = [self.scorecard_embed(path, heading, card) for card in cards]
            self.embeds += [e for e in embeds if e.svg]
            scores = self._unit_scores.get((name, "") if kind == "agency" else ("", name), []) if name else []
            # The template receives the members' listings, each made from its procedure alone (`listing`): the
            # digest of each procedure, which its page key is, stands for its listing. The scores are made from
            # the listings; the scorecards are frozen data, their repr stands for them.
            feed = f"{path}/feed.xml" in self.feeds
            key = _key(kind, heading, [p.key for p in members], cards, scores, feed, times)
            pages.append(ShellPage(path, GROUP_SHELL, heading, description, key,
                                   partial(self.page, "group.html", kind=kind, heading=heading, procedures=members,
                                           cards=cards, embeds=embeds, scores=scores, feed=feed, root="../../",
                                           times=times,
                                           rate_definition=RATE_DEFINITION)))
        return pages

    def scorecard_embed(self, page: str, heading: str, card) -> Embed:
        """The embed of a scorecard's trend (figures.Scorecard on the group page at PAGE): drawn by the build."""
        f, noun = card.scope, "cơ quan" if card.kind == "agency" else "lĩnh vực"
        level = STAT_LEVELS.get(f.level, f.level)
        if f.rate.rate is None:
            summary = f"{f.period}: chưa tính được tỷ lệ đúng hạn (số hồ sơ đã giải quyết không được công bố)."
        else:
            summary = (f"{f.period}: {format_percent(f.rate.rate)} hồ sơ giải quyết đúng hạn "
                       f"({format_count(f.rate.in_time)}/{format_count(f.rate.resolved)})"
                       + (f", xếp {card.rank.position}/{card.rank.of} {noun} {level.lower()} cùng kỳ" if card.rank
                          else "") + ".")
        line = sparkline(f.trend)
        note = (f"Biểu đồ đường: độ cao của điểm là tỷ lệ đúng hạn; trục dọc từ {line['low']}% đến 100%"
                + (", không bắt đầu từ 0, để thấy rõ chênh lệch nhỏ." if line["low"] else ".")
                + f" Tỷ lệ đúng hạn = {RATE_DEFINITION}.") if line else ""
        return Embed(
            path=f"{EMBED_DIR}/{page}/{f.level}/", title=f"Tỷ lệ giải quyết đúng hạn: {heading} ({level.lower()})",
            summary=summary, columns=("Kỳ", "Đúng hạn", "Trước và đúng hạn / đã giải quyết"),
            rows=tuple((t.label, format_percent(t.rate.rate),
                        f"{format_count(t.rate.in_time)} / {format_count(t.rate.resolved)}") for t in reversed(f.trend)),
            sources=f.sources, synthetic=f.synthetic or any(t.synthetic for t in f.trend),
            page_link=f"{page}/#so-lieu", height=150, note=note,
            svg=self.drawn("trend_chart", f) if line else None, findings=len(f.findings))

    def drawn(self, macro: str, value) -> Markup:
        """A chart the build draws as SVG (templates/_figures.html), for a page and its embed."""
        return getattr(self._figures.module, macro)(value)

    def history_outputs(self) -> tuple[dict[str, str], dict[str, list]]:
        """/thay-doi/ (every change, newest first, filterable by field, agency and kind) and the Atom feeds'
        entries, (code, name, date, summary, synthetic) newest first: of all changes, and of each field and agency with
        changes, by the feed's path."""
        history = self.history
        refs = {code: (last.name, last.field_slug, tuple(slug for _, slug in last.agencies))
                for code, (_, last) in history.removed.items()}
        refs |= {p.code: (p.name, p.field_slug, p.agency_slugs) for p in self.index.listings}
        unknown = ("", "", ())
        rows = [dict(zip(("name", "field", "agencies"), refs.get(c.procedure_code, unknown)), change=c)
                for c in reversed(history.changes)]
        page = self.page("changes.md", rows=rows, versions=history.versions, fields=self.index.fields,
                         agencies=self.index.agencies, kinds=CHANGE_KINDS,
                         synthetic=sum(c.synthetic for c in history.changes))
        by_version: dict[tuple[str, str], list] = {}
        for c in history.changes:
            by_version.setdefault((c.date, c.procedure_code), []).append(c)
        feeds: dict[str, list] = {}
        for (date, code), changes in sorted(by_version.items(), reverse=True):
            name, field, agencies = refs.get(code, unknown)
            entry = (code, name, date, version_summary(changes), any(c.synthetic for c in changes))
            for path in ["thay-doi/feed.xml", *([f"linh-vuc/{field}/feed.xml"] if field else []),
                         *(f"co-quan/{slug}/feed.xml" for slug in agencies)]:
                feeds.setdefault(path, []).append(entry)
        self.feeds = set(feeds) if len(history.versions) > 1 else set()
        return {"thay-doi/index.md": page}, feeds

    def statistics_pages(self, stats, found, charts: list) -> dict[str, str]:
        """/thong-ke/, /thong-ke/kiem-tra/ and the methodology page; a site without statistics says so.

        The findings page lists the findings of each statistics row under the row's anchor (audit.row_anchor), and
        those behind each marked row of a chart's table under an anchor of that row: every «⚠ N» of the
        statistics page leads to the N findings it counts."""
        from .audit import CHECK_NAMES, CHECKS, row_anchor
        published, by_check, by_row, chart_rows = [], {}, {}, []
        if stats is not None:
            # Only the published rows are shown one by one (simulated ones and those computed from the dossier log,
            # one per scope and period, are counted): records of these alone.
            logged = stats["source"].str.endswith(LOG_SOURCE)
            published = stats[~stats["synthetic"] & ~logged].to_dict("records")
            for n, record in enumerate(found.to_dict("records"), 1):
                record["id"] = f"sai-lech-{n}"
                by_check.setdefault(record["check"], []).append(record)
                by_row.setdefault((record["file"], record["row"]), []).append(record)
            places = dict(zip(stats.index, zip(stats["file"], stats["row"])))
            for c in charts:
                for i, flagged in enumerate(c.flagged):
                    if flagged:
                        chart_rows.append({"chart": c, "anchor": chart_anchor(c.id, i), "label": c.rows[i][0],
                                           "findings": [f for label in flagged for f in by_row[places[label]]]})
        context = dict(stats=stats, row_count=0 if stats is None else len(stats),
                       synthetic_count=0 if stats is None else int(stats["synthetic"].sum()), published=published,
                       logged_count=0 if stats is None else int(logged.sum()), log_source=LOG_SOURCE,
                       charts=charts, by_check=by_check,
                       by_row=list(by_row.values()), chart_rows=chart_rows, checks=CHECKS, check_names=CHECK_NAMES,
                       column_label=lambda name: STATISTICS.column(name).label, row_anchor=row_anchor,
                       chart_anchor=chart_anchor, findings_total=0 if found is None else len(found),
                       findings_synthetic=0 if found is None else int(found["synthetic"].sum()),
                       rate_definition=RATE_DEFINITION, level_label=lambda code: STAT_LEVELS.get(code, code),
                       embed=chart_embed)
        return {
            "thong-ke/index.md": self.page("statistics.md", **context),
            "thong-ke/kiem-tra.md": self.page("findings.md", **context),
            "du-lieu/phuong-phap.md": self.page("methodology.md", **context, columns=STATISTICS.columns,
                                                agency_kinds=AGENCY_KINDS, indicators=INDICATOR_LIST),
        }

    def markdown_pages(self, stats: dict, provenance: str) -> dict[str, str]:
        """Every generated page MkDocs renders, by its path in the docs directory."""
        index = self.index
        ordered = sorted(index.listings, key=sort_key)
        by_field, by_agency = index.by_field(), index.by_agency()
        pages = {f"{path}.md": markdown for path, markdown in self.shells().items()}
        unassigned = [p for p in ordered if not p.agency_slugs]
        pages.update({
            "index.md": self.page("home.md", stats=stats),
            "thu-tuc/index.md": self.page("procedures.md", procedures=ordered[:LIST_PAGE], step=LIST_PAGE,
                                          total=len(ordered), data=f"../{LIST_DATA}", fields=index.fields,
                                          agencies=index.agencies, unassigned=bool(unassigned),
                                          **filter_values(index.listings)),
            "tim-kiem.md": self.page("search.md"),
            "linh-vuc/index.md": self.page("groups.md", kind="field", groups=index.fields, members=by_field),
            "co-quan/index.md": self.page("groups.md", kind="agency", groups=index.agencies, members=by_agency,
                                          unassigned=unassigned),
            "du-lieu/index.md": self.page("data.md", stats=stats, provenance=Markup(provenance),
                                          time_rows=len(self.times) + sum(map(len, self.agency_times.values()))),
            "du-lieu/tu-dien.md": self.page("dictionary.md", tables=(*CATALOGUE_TABLES, DOSSIERS), kinds=KIND_LABELS,
                                            presences=PRESENCE_LABELS, severities=SEVERITY_LABELS,
                                            problems=sorted(SUMMARIES.items(), key=lambda kv: kv[1][0] != "error")),
        })
        return pages


def version_summary(changes: list) -> str:
    """A version's changes to one procedure in one line of plain text (an Atom entry's summary): each kind, its
    item, and old → new cut short."""
    return "; ".join(f"{CHANGE_KINDS.get(c.change, c.change)}{f' ({item_label(c)})' if c.item else ''}"
                     + (f": {excerpt(c.old, 120) or '(trống)'} → {excerpt(c.new, 120) or '(trống)'}"
                        if c.change not in ("added", "removed") else "") for c in changes)


def chart_anchor(chart: str, row: int) -> str:
    """The id, on the findings page, of the findings behind row ROW (from 0) of a chart's table."""
    return f"bieu-do-{chart}-{row + 1}"


def filter_values(listings: list[Listing]) -> dict[str, Any]:
    """The values of the list's level, channel and online filters that some procedure has, with their labels, in
    the order of their declaration: a filter never offers a value that matches nothing."""
    levels = {code for p in listings for code in p.levels}
    channels = {code for p in listings for code in p.channel_codes}
    online = {p.online for p in listings}
    return {
        "levels": {code: label for code, label in LEVELS.items() if code in levels},
        "channels": {code: label for code, label in CHANNELS.items() if code in channels},
        "online": {code: label for code, label in ONLINE_STATUS.items() if code in online},
        "online_unpublished": "" in online,
    }


def html_path(src_uri: str) -> str:
    """Where MkDocs writes a page (directory URLs): index.md → index.html, du-lieu/tu-dien.md →
    du-lieu/tu-dien/index.html."""
    stem = src_uri.removesuffix(".md")
    return f"{stem}.html" if stem == "index" or stem.endswith("/index") else f"{stem}/index.html"


def cut_fills(pages: dict[str, str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Pages with their fill regions replaced by slots, and the regions by the HTML path of each page."""
    sources, fills = {}, {}
    for src_uri, source in pages.items():
        head, *regions = source.split(FILL_START)
        parts = [head]
        for index, region in enumerate(regions):
            body, rest = region.split(FILL_END, 1)
            fills.setdefault(html_path(src_uri), []).append(body)
            parts.append(f"\n\n{SLOT.format(index)}\n\n{rest}")
        sources[src_uri] = "".join(parts)
    return sources, fills


def figures_key(figures: tuple) -> str:
    """What a procedure's figures add to its page's key: their repr's digest, worked out in the statistics stage
    and kept with them (a repr of every procedure's figures took seconds of every build)."""
    return _key(figures)


def _key(*parts) -> str:
    """Content key of a shell page: the reprs of the dataclasses and tuples its template reads."""
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()
