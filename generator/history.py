"""STUB of the interface the history stage provides (issue #16); the real module is built on branch
issue-16-hist (/work/h-hist). Only what the pages, feeds and open data read is here."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Procedure

CHANGE_KINDS = {
    "added": "Thủ tục mới", "removed": "Thủ tục bị bãi bỏ", "name": "Tên thủ tục", "levels": "Cấp thực hiện",
    "field": "Lĩnh vực", "agency": "Cơ quan thực hiện", "authority": "Cơ quan có thẩm quyền", "time": "Thời hạn",
    "fee": "Phí, lệ phí", "document_added": "Thêm giấy tờ", "document_removed": "Bỏ giấy tờ",
    "document_changed": "Sửa giấy tờ", "conditions": "Yêu cầu, điều kiện", "result": "Kết quả thực hiện",
    "legal_basis": "Căn cứ pháp lý", "decision": "Quyết định công bố",
}


@dataclass(frozen=True, slots=True)
class Change:
    date: str
    procedure_code: str
    change: str
    item: str
    old: str
    new: str
    decision: str


@dataclass
class History:
    versions: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    removed: dict[str, tuple[str, Procedure]] = field(default_factory=dict)


def catalogue_history(data_dir, current, current_date: str, report, git: bool = False) -> History:
    """STUB: no earlier versions."""
    return History([current_date] if current_date else [])
