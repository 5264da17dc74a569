"""The typed catalogue every later stage works from. Verbatim text and parsed values sit side by side."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Document:
    case: str
    name: str
    originals: int | None
    copies: int | None
    form: str

    @property
    def is_note(self) -> bool:
        """0 originals and 0 copies: nothing to bring. The catalogue's page text ran guidance notes («Lưu ý…»)
        into its document table (data/README.md), so such a row is shown as a note, not as a document."""
        return self.originals == 0 and self.copies == 0


@dataclass(slots=True)
class Channel:
    channel: str  # code: truc_tiep, truc_tuyen, buu_chinh
    time: str  # verbatim
    fee: str  # verbatim
    description: str
    time_days: float | None = None
    time_working_days: bool | None = None
    fee_vnd: int | None = None
    fee_usd: float | None = None  # a fee in US dollars, never converted to đồng
    time_problem: str | None = None  # why time_days is empty although a time was published


@dataclass(slots=True)
class Procedure:
    code: str
    name: str
    field: str
    levels: tuple[str, ...]
    agency: str
    authority: str
    type: str
    subjects: str
    online: str  # toan_trinh, mot_phan or ""
    steps: str
    conditions: str
    result: str
    legal_basis: tuple[str, ...]
    decision: str
    source_url: str
    decision_date: str = ""  # ISO date
    published_date: str = ""  # ISO date
    documents: list[Document] = field(default_factory=list)
    channels: list[Channel] = field(default_factory=list)
    field_slug: str = ""
    # The executing agencies the agency cell names (parse.split_agencies): each as written, with its page's slug.
    agencies: tuple[tuple[str, str], ...] = ()

    @property
    def document_cases(self) -> list[tuple[str, list[Document]]]:
        """The documents to bring (not the notes) grouped by case, in first-seen order."""
        return _by_case(d for d in self.documents if not d.is_note)

    @property
    def note_cases(self) -> list[tuple[str, list[Document]]]:
        """The guidance notes among the document rows, grouped by case, in first-seen order."""
        return _by_case(d for d in self.documents if d.is_note)

    @property
    def channel_codes(self) -> list[str]:
        return list(dict.fromkeys(c.channel for c in self.channels))

    @property
    def online_status(self) -> str:
        """Whether the procedure can be done online, as every page and count says it: the `online` column as
        published (toan_trinh, mot_phan); when it is empty, what the published channels say (schema.
        ONLINE_BY_CHANNEL: truc_tuyen when one of them is online, khong_truc_tuyen when none is); "" when neither
        is published."""
        if self.online or not self.channels:
            return self.online
        return "truc_tuyen" if "truc_tuyen" in self.channel_codes else "khong_truc_tuyen"


@dataclass(slots=True)
class Listing:
    """A procedure as lists, search and the home page's counts see it: no texts, a few counts, its search terms and
    the content keys of its pages. Every page and file about many procedures is made from listings, so that the
    build cache can keep the listings of unchanged procedures instead of their whole records."""

    code: str
    name: str
    field: str
    levels: tuple[str, ...]
    online: str  # Procedure.online_status
    channel_codes: tuple[str, ...]
    field_slug: str
    agency_slugs: tuple[str, ...]  # the pages of its executing agencies
    documents: int  # how many documents
    channels: int  # how many channels
    untimed: int  # channels without a processing time
    unpriced: int  # channels without a fee
    free: bool  # has channels, all of them free
    legal_basis: bool  # a legal basis is published
    full_text: bool  # has a full-text page
    alphabetical: str  # its name as sorted (render.sort_key)
    terms: tuple[str, ...]  # search terms of its name
    words: int  # its name's length in words
    detail: str  # what search results show under its name
    key: str  # content key of its page
    full_text_key: str  # of its full-text page, "" without one
    complete: bool = False  # every part published (indicators.complete, QĐ 766 indicator 1.3)
    published_in_time: bool | None = None  # indicators.published_in_time (1.2); None without both dates
    legal_times: tuple = ()  # processing_time.legal_times: the legal time of each channel, for the dossier log


@dataclass
class Index:
    """The catalogue as listings, in catalogue order, with the field and agency names by slug."""

    listings: list[Listing]
    fields: dict[str, str]  # slug → name
    agencies: dict[str, str]  # slug → name

    def by_field(self) -> dict[str, list[Listing]]:
        return _group(self.listings, "field_slug")

    def by_agency(self) -> dict[str, list[Listing]]:
        """A procedure is on the page of each of its executing agencies."""
        groups: dict[str, list[Listing]] = {}
        for p in self.listings:
            for slug in p.agency_slugs:
                groups.setdefault(slug, []).append(p)
        return groups


def _by_case(documents) -> list[tuple[str, list[Document]]]:
    groups: dict[str, list[Document]] = {}
    for doc in documents:
        groups.setdefault(doc.case, []).append(doc)
    return list(groups.items())


def sort_key(procedure: Listing) -> tuple[str, str, str]:
    """Alphabetical by name, ignoring marks and stray leading punctuation (". Thủ tục …" files under T)."""
    return (procedure.alphabetical, procedure.name, procedure.code)


def _group(procedures: list[Listing], attribute: str) -> dict[str, list[Listing]]:
    groups: dict[str, list[Listing]] = {}
    for p in procedures:
        key = getattr(p, attribute)
        if key:
            groups.setdefault(key, []).append(p)
    return groups
