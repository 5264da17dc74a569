"""`congkhai new DIR`: the site folder of an agency's own site.

The folder holds only what is the agency's: `mkdocs.yml` (the publisher in `extra.publisher`, shown by the footer;
logo and colour in `theme`), `data/` (the provenance README and the catalogue's three files with their header rows
only, so that nothing the agency did not publish can be built under its name: `congkhai check` names the empty
file until it is filled), `site_src/` (its hand-written pages), `.gitignore` and a commented CI example. Templates,
theme overrides and assets stay in the installed package (the plugin adds them), so `congkhai build|check|serve`
run in the folder need nothing else. The files come from `skeleton/`; values are written into `mkdocs.yml` as YAML
double-quoted strings, so any text stays text.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .problems import UsageError
from .schema import CATALOGUE_TABLES
from .vietnamese import format_number

SKELETON = Path(__file__).parent / "skeleton"
# Each file of the skeleton and where it goes; the templates among them are rendered with the values.
FILES = {
    "mkdocs.yml": "mkdocs.yml",
    "gitignore": ".gitignore",
    "publish.yml": ".github/workflows/publish.yml",
    "data-README.md": "data/README.md",
    "gioi-thieu.md": "site_src/gioi-thieu.md",
}
TEMPLATES = {"mkdocs.yml", "data-README.md", "gioi-thieu.md", "mau-sac.css"}
COLOUR_CSS = "site_src/assets/mau-sac.css"
LOGO_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".webp")
MIN_CONTRAST = 4.5  # WCAG 2.2 AA, normal text: white on the colour (the header) and the colour on white (links)


def placeholder(what: str) -> str:
    """A value the agency must fill in, shown as such wherever it lands (footer, pages) until it does."""
    return f"[ĐIỀN: {what}]"


@dataclass
class Values:
    name: str | None = None
    contact: str | None = None
    contact_url: str = ""
    licence: str | None = None
    licence_url: str = ""
    title: str = "Công khai thủ tục hành chính"
    site_url: str | None = None
    colour: str | None = None  # #rrggbb
    logo: Path | None = None

    def filled(self) -> dict[str, str]:
        """The values for the skeleton's templates, placeholders where none was given."""
        return {
            "name": self.name or placeholder("tên đơn vị công bố"),
            "contact": self.contact or placeholder("địa chỉ, điện thoại hoặc thư điện tử để báo sai sót"),
            "contact_url": self.contact_url,
            "licence": self.licence or placeholder("giấy phép dữ liệu, ví dụ CC BY 4.0"),
            "licence_url": self.licence_url,
            "title": self.title,
            "site_url": self.site_url or "",
            "colour": self.colour or "",
            "contrast": format_number(contrast_on_white(self.colour), 1) if self.colour else "",
            "logo": f"assets/logo{self.logo.suffix.lower()}" if self.logo else "",
        }

    def missing(self) -> list[str]:
        """The publisher's values left as placeholders, by their key in mkdocs.yml."""
        return [key for key, value in (("name", self.name), ("contact", self.contact), ("licence", self.licence))
                if not value]


def contrast_on_white(colour: str) -> float:
    """WCAG contrast ratio of #rrggbb against white."""
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i:i + 2]) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def colour_value(text: str) -> str:
    """#rrggbb from `#rgb` or `#rrggbb`, dark enough for white text on it and for links in it on white."""
    match = re.fullmatch(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})", text.strip())
    if not match:
        raise UsageError(f"màu {text!r} không hợp lệ: cần mã màu dạng #RRGGBB, ví dụ #8b1a1a")
    digits = match.group(1).lower()
    colour = "#" + ("".join(c * 2 for c in digits) if len(digits) == 3 else digits)
    ratio = contrast_on_white(colour)
    if ratio < MIN_CONTRAST:
        raise UsageError(f"màu {colour} quá nhạt: chữ trắng trên nền màu này, và liên kết màu này trên nền trắng, chỉ "
                         f"có độ tương phản {format_number(ratio, 2)}:1, dưới mức {format_number(MIN_CONTRAST, 1)}:1 "
                         f"của WCAG AA; hãy chọn màu đậm hơn")
    return colour


def _yaml_string(value: str) -> str:
    """VALUE as a YAML double-quoted string (JSON's strings are YAML's): quotes, colons, # stay text."""
    return json.dumps(value, ensure_ascii=False)


def _header_only(table) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(c.name for c in table.input_columns())
    return out.getvalue().encode("utf-8")


def contents(values: Values) -> dict[str, bytes]:
    """Every file of the new folder by its path in it."""
    env = Environment(loader=FileSystemLoader(SKELETON), undefined=StrictUndefined, keep_trailing_newline=True,
                      autoescape=False)  # Markdown and YAML, not HTML: YAML values go through `q`
    env.filters["q"] = _yaml_string
    filled = values.filled()

    def made(source: str) -> bytes:
        if source in TEMPLATES:
            return env.get_template(source).render(filled).encode("utf-8")
        return (SKELETON / source).read_bytes()

    files = {target: made(source) for source, target in FILES.items()}
    files |= {f"data/catalogue/{table.filename}": _header_only(table) for table in CATALOGUE_TABLES}
    if values.colour:
        files[COLOUR_CSS] = made("mau-sac.css")
    if values.logo:
        files[f"site_src/{filled['logo']}"] = values.logo.read_bytes()
    return files


def create(directory: Path, values: Values, force: bool = False) -> tuple[list[str], list[str]]:
    """Write the site folder; returns the files written and, with FORCE, those already there and kept. Refuses a
    non-empty DIRECTORY without FORCE (UsageError) and never replaces a file."""
    if values.logo is not None:
        if not values.logo.is_file():
            raise UsageError(f"không tìm thấy tệp biểu trưng: {values.logo}")
        if values.logo.suffix.lower() not in LOGO_SUFFIXES:
            raise UsageError(f"biểu trưng {values.logo.name}: cần tệp ảnh {', '.join(LOGO_SUFFIXES)}")
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory} đã có và không phải thư mục")
    if directory.is_dir() and any(directory.iterdir()) and not force:
        shown = ", ".join(sorted(p.name for p in directory.iterdir())[:5])
        raise UsageError(f"thư mục {directory} không trống ({shown}…): chọn một thư mục mới, hoặc thêm --force để "
                         f"tạo các tệp còn thiếu mà không ghi đè tệp nào đã có")
    written, kept = [], []
    for path, data in contents(values).items():
        target = directory / path
        if target.exists() or target.is_symlink():
            kept.append(path)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as f:
            f.write(data)
        written.append(path)
    return written, kept
