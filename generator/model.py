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


@dataclass(slots=True)
class Channel:
    channel: str  # code: truc_tiep, truc_tuyen, buu_chinh
    time: str  # verbatim
    fee: str  # verbatim
    description: str
    time_days: float | None = None
    time_working_days: bool | None = None
    fee_vnd: int | None = None
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
    documents: list[Document] = field(default_factory=list)
    channels: list[Channel] = field(default_factory=list)
    field_slug: str = ""
    agency_slug: str = ""

    @property
    def document_cases(self) -> list[tuple[str, list[Document]]]:
        """Documents grouped by case, in first-seen order."""
        groups: dict[str, list[Document]] = {}
        for doc in self.documents:
            groups.setdefault(doc.case, []).append(doc)
        return list(groups.items())

    @property
    def channel_codes(self) -> list[str]:
        return list(dict.fromkeys(c.channel for c in self.channels))


@dataclass
class Catalogue:
    procedures: list[Procedure]
    fields: dict[str, str]  # slug → name
    agencies: dict[str, str]  # slug → name

    def by_field(self) -> dict[str, list[Procedure]]:
        return _group(self.procedures, "field_slug")

    def by_agency(self) -> dict[str, list[Procedure]]:
        return _group(self.procedures, "agency_slug")


def _group(procedures: list[Procedure], attribute: str) -> dict[str, list[Procedure]]:
    groups: dict[str, list[Procedure]] = {}
    for p in procedures:
        key = getattr(p, attribute)
        if key:
            groups.setdefault(key, []).append(p)
    return groups
