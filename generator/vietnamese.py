"""Vietnamese text rules shared by every stage: NFC text, diacritic folding, slugs, number and date formats."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

_NON_SLUG = re.compile(r"[^a-z0-9]+")
# Control characters other than tab and newline never belong in published text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def nfc(text: str) -> str:
    """Published text as stored and shown: NFC, no control characters, outer whitespace trimmed."""
    if text.isascii() and text.isalnum():
        return text  # most cells of a report: nothing to normalise, clean or trim
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROL.sub("", text).strip()


# Folding rules, shared with the browser: the build hands FOLD_RULES to assets/congkhai.js (data-ck-rules on
# the header search form), and tests/folding_cases.json is checked against both implementations.
# Tone marks as they appear after NFD; the two deprecated code points decompose the same way in NFC text but
# may arrive in NFD input as they are.
TONE_MARKS = {"\u0300": "2", "\u0340": "2", "\u0301": "1", "\u0341": "1", "\u0309": "3", "\u0303": "4",
              "\u0323": "5"}
LETTERS = {"đ": "d"}  # letters that are not a base letter plus marks
# «i» and «y» after a consonant are two spellings of one sound, both in use (kí/ký, lí/lý, mĩ/mỹ, quí/quý, hi/hy,
# tỉ/tỷ): a word made of consonants (or «qu») and a final «y» is compared as if spelled with «i». The «y» of a
# vowel cluster keeps its own spelling (tuỳ, thuỷ, huy, ngày, quyết, khuyên), as does «y» on its own (y tế, ý
# kiến). The value is the regular expression of the consonants, the same in Python and in JavaScript; each side
# applies it to whole words (between characters that are not letters or digits).
Y_AS_I_AFTER = "qu|[bcdghklmnprstvx]+"
FOLD_RULES = {"tones": TONE_MARKS, "letters": LETTERS, "y_as_i_after": Y_AS_I_AFTER}
_TOKEN_SPLIT = re.compile(r"[\W_]+")
# Every Vietnamese letter decomposes to ASCII plus marks of the Combining Diacritical Marks block (all of them
# category Mn) or is đ. Text with nothing else beyond ASCII drops its marks in one encode.
_BEYOND_MARKS = re.compile("[^\x00-\x7f\u0300-\u036f]")
_Y_AS_I = re.compile(rf"(?<![^\W_])({Y_AS_I_AFTER})y(?![^\W_])")


def fold(text: str) -> str:
    """Search/compare key: no tone or vowel marks, đ→d, lower case, single spaces, «y» after a consonant as «i».

    Tone placement (hoà/hòa, thuỷ/thủy) folds to the same key because all marks are dropped; kí/ký because of
    Y_AS_I_AFTER.
    """
    bare = unmarked(text)
    return _Y_AS_I.sub(r"\1i", bare) if "y" in bare else bare


def unmarked(text: str) -> str:
    """Lower case without tone or vowel marks, đ→d, single spaces: the letters of URL slugs, which keep the
    spelling as published (dang-ky-ket-hon); `fold` adds the i/y rule for comparing."""
    bare = unicodedata.normalize("NFD", text.lower())
    for letter, plain in LETTERS.items():
        bare = bare.replace(letter, plain)
    if _BEYOND_MARKS.search(bare) is None:  # ASCII and Vietnamese marks only: the usual case, at C speed
        bare = bare.encode("ascii", "ignore").decode("ascii")
    else:  # punctuation such as – or “, other scripts
        bare = "".join(ch for ch in bare if unicodedata.category(ch) != "Mn")
    return " ".join(bare.split())  # str.split and re's \s agree on what is a space


def words(text: str) -> list[str]:
    """Lower-case NFC words (letters and digits) of a text, in order: what search indexes and matches."""
    return [w for w in _TOKEN_SPLIT.split(unicodedata.normalize("NFC", text.lower())) if w]


def tone_key(word: str) -> str:
    """A word's exact spelling with the tone mark moved to the end, so that both placements of a tone (hoà/hòa,
    thuỷ/thủy) give one key: 'hoà' → 'hoa2', 'thủy' → 'thuy3', 'đăng' → 'đăng', and both spellings of i/y
    after a consonant too: 'ký' and 'kí' → 'ki1'. Vowel shapes (ă â ê ô ơ ư) and đ are kept: this key tells
    'đăng' from 'đang', where `fold` does not."""
    tone = ""
    kept = []
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in TONE_MARKS:
            tone = TONE_MARKS[ch]
        else:
            kept.append(ch)
    return _Y_AS_I.sub(r"\1i", unicodedata.normalize("NFC", "".join(kept))) + tone


def slugify(text: str, max_length: int = 80) -> str:
    """URL segment without diacritics; long names are cut at a word and keep a short hash to stay unique."""
    slug = _NON_SLUG.sub("-", unmarked(text)).strip("-")
    if len(slug) > max_length:
        digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]
        slug = slug[: max_length - 7].rsplit("-", 1)[0] + "-" + digest
    return slug or "khac"


# The field and agency names of a catalogue, made into slugs for each of its versions (history.py): each name once.
_name_slug = lru_cache(maxsize=65536)(slugify)


def unique_slugs(names: list[str], reserved: frozenset[str] = frozenset()) -> dict[str, str]:
    """Slug per distinct name. Names whose slugs collide (with each other or with a reserved slug) all get a
    hash suffix, so no slug depends on the order or the presence of other names."""
    by_slug: dict[str, list[str]] = {}
    for name in sorted(set(names)):
        by_slug.setdefault(_name_slug(name), []).append(name)
    result: dict[str, str] = {}
    for slug, group in by_slug.items():
        for name in group:
            if len(group) == 1 and slug not in reserved:
                result[name] = slug
            else:
                result[name] = f"{slug}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:6]}"
    return result


def format_number(value: float | int | None, decimals: int = 0) -> str:
    """1234.5 → '1.234,5' (Vietnamese grouping and decimal comma)."""
    if value is None:
        return ""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def format_day(iso: str) -> str:
    """'2026-03-01' → '01/03/2026'."""
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def _missing(value) -> bool:
    """None, NaN or pandas' NA (which is neither equal nor unequal to itself, and has no truth value)."""
    if value is None or (isinstance(value, float) and value != value):
        return True
    return type(value).__name__ in ("NAType", "NaTType")


def format_count(value) -> str:
    """A count for display; empty when not published (None, NaN or pandas NA)."""
    return "" if _missing(value) else format_number(int(value))


def format_percent(value) -> str:
    """A percentage for display, 2 decimals: 97.456 → '97,46%'; empty when not published."""
    return "" if _missing(value) else format_number(float(value), 2) + "%"
