"""What the pages and feeds show of the catalogue's history (issue #16), from the history stage's changes
(history.History): each procedure's versions, newest first, and the words a long text changed.

Render stage: no I/O. A version is frozen data; its repr is part of its procedure page's key.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

from markupsafe import Markup

from .schema import CHANNELS, ITEM_SEPARATOR

LONG = 200  # characters: above, an old → new pair is shown as the words it changed
_TOKENS = re.compile(r"\s*\S+\s*|\s+")  # words with the white space around them: a changed phrase is one change


@dataclass(frozen=True, slots=True)
class Version:
    """The changes one version of the catalogue made to one procedure."""

    date: str  # ISO
    decision: str  # the decision the version names, "" if none
    changes: tuple  # of history.Change, in the history's order

    @property
    def synthetic(self) -> bool:
        return any(c.synthetic for c in self.changes)


def by_procedure(changes) -> dict[str, tuple[Version, ...]]:
    """Each procedure's versions that changed it, newest first."""
    grouped: dict[str, dict[str, list]] = {}
    for c in changes:
        grouped.setdefault(c.procedure_code, {}).setdefault(c.date, []).append(c)
    return {code: tuple(Version(date, next((c.decision for c in items if c.decision), ""), tuple(items))
                        for date, items in sorted(dates.items(), reverse=True))
            for code, dates in grouped.items()}


def is_long(old: str, new: str) -> bool:
    return max(len(old), len(new)) > LONG


def word_diff(old: str, new: str) -> Markup:
    """NEW with the words it adds marked <ins> and those it drops from OLD marked <del>, in reading order; every
    word escaped. White space is kept as it is, so a text's line breaks show where the page keeps them."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    parts = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            parts.append(f"<del>{html.escape(''.join(a[i1:i2]))}</del>")
        if tag in ("replace", "insert"):
            parts.append(f"<ins>{html.escape(''.join(b[j1:j2]))}</ins>")
        if tag == "equal":
            parts.append(html.escape("".join(a[i1:i2])))
    return Markup("".join(parts))


def item_label(change) -> str:
    """What a change is about, as a page says it: a channel by its name (the history names it by its code)."""
    if change.change in ("time", "fee") and change.item:

        code, separator, rest = change.item.partition(ITEM_SEPARATOR)
        return CHANNELS.get(code, code) + separator + rest
    return change.item
