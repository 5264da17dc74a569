"""Atom 1.0 feeds of the catalogue's changes (issue #16): one entry per procedure and version date.

Made with the standard library's ElementTree, which escapes every value it writes. Links are relative to the
feed's own address (RFC 4287 §4.2.7 resolves them against the document's URI), so that a feed works on any host
and under any sub-path; ids are stable URNs made from the procedure's code and the version's date.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass

ATOM = "http://www.w3.org/2005/Atom"
NAMESPACE = uuid.UUID("6f1c2a4e-3d9b-5c7a-9e1f-2b8d4c6a0e13")  # of this site's entry ids; fixed for ever


@dataclass(frozen=True, slots=True)
class Entry:
    code: str
    name: str  # the procedure's name in the version
    date: str  # ISO date of the version
    summary: str  # one line per change, plain text
    link: str  # relative to the feed
    synthetic: bool = False  # compares with a version constructed for a sample: its title says «mô phỏng»


def entry_id(code: str, date: str) -> str:
    return uuid.uuid5(NAMESPACE, f"{code}|{date}").urn


def atom(feed_id: str, title: str, page: str, self_link: str, entries: list[Entry], updated: str) -> bytes:
    """An Atom feed: FEED_ID a stable name of the feed, PAGE its page (relative), SELF_LINK its own file name,
    ENTRIES newest first, UPDATED the ISO date of the newest version (or the data's date without entries)."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "vi"})
    ET.SubElement(feed, f"{{{ATOM}}}id").text = uuid.uuid5(NAMESPACE, feed_id).urn
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = f"{updated}T00:00:00Z"
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": self_link, "type": "application/atom+xml"})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "href": page, "type": "text/html"})
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "Công khai TTHC"
    for e in entries:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = entry_id(e.code, e.date)
        ET.SubElement(entry, f"{{{ATOM}}}title").text = f"{'[mô phỏng] ' if e.synthetic else ''}{e.name} ({e.code})"
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = f"{e.date}T00:00:00Z"
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": e.link, "type": "text/html"})
        ET.SubElement(entry, f"{{{ATOM}}}summary", {"type": "text"}).text = e.summary
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"
