"""Metrics stage for the catalogue: headline counts and how complete the publication is. No I/O."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from .model import Index
from .problems import Report
from .schema import LEVELS, ONLINE_AVAILABLE

if TYPE_CHECKING:
    import pandas as pd


def catalogue_summary(index: Index, report: Report) -> dict:
    procedures = index.listings
    channels = sum(p.channels for p in procedures)
    levels = Counter(level for p in procedures for level in p.levels)
    warnings = Counter(w.code for w in report.warnings)
    total = len(procedures)

    def share(part: int, whole: int) -> float | None:
        return 100 * part / whole if whole else None

    gaps = [
        ("Thủ tục chưa công bố cơ quan thực hiện", sum(not p.agency_slugs for p in procedures), total),
        ("Thủ tục chưa công bố lĩnh vực", sum(not p.field for p in procedures), total),
        ("Thủ tục chưa công bố cấp thực hiện", sum(not p.levels for p in procedures), total),
        ("Thủ tục không có thành phần hồ sơ", sum(not p.documents for p in procedures), total),
        ("Thủ tục không có cách thức thực hiện", sum(not p.channels for p in procedures), total),
        ("Thủ tục chưa công bố căn cứ pháp lý", sum(not p.legal_basis for p in procedures), total),
        ("Cách thức không ghi thời hạn", sum(p.untimed for p in procedures), channels),
        ("Thời hạn chỉ có số, không có đơn vị", warnings["time_no_unit"], channels),
        ("Thời hạn không đọc được", warnings["time_unparsed"], channels),
        ("Cách thức không ghi phí, lệ phí", sum(p.unpriced for p in procedures), channels),
        ("Phí ghi «không có thông tin»", warnings["fee_no_information"], channels),
        ("Phí không đọc được thành số tiền", warnings["fee_unparsed"], channels),
    ]
    return {
        "procedures": total,
        "fields": len(index.fields),
        "agencies": len(index.agencies),
        "documents": sum(p.documents for p in procedures),
        "channels": channels,
        "by_level": {code: levels.get(code, 0) for code in LEVELS},
        # Listing.online is Procedure.online_status: the same value the procedure pages and the list filter show.
        "online": sum(p.online in ONLINE_AVAILABLE for p in procedures),
        "online_by_channel": sum(p.online == "truc_tuyen" for p in procedures),
        "online_full": sum(p.online == "toan_trinh" for p in procedures),
        "online_partial": sum(p.online == "mot_phan" for p in procedures),
        "free": sum(p.free for p in procedures),
        "gaps": [{"label": label, "count": count, "of": whole, "share": share(count, whole)}
                 for label, count, whole in gaps],
    }


# --- statistics (Biểu 06) ----------------------------------------------------------------------------------------

# What every on-time rate of the site is, said where it is shown (charts, methodology, procedure pages).
RATE_DEFINITION = "(trước hạn + đúng hạn) / đã giải quyết × 100, theo Biểu số 06/VPCP/KSTT"

def _share(part: pd.Series, whole: pd.Series) -> pd.Series:
    """part / whole × 100, 2 decimals; empty where whole is 0 or either is not published."""
    whole = whole.astype("Float64")
    return (part.astype("Float64") / whole.where(whole > 0) * 100).round(2)


def statistics_metrics(stats: pd.DataFrame) -> pd.DataFrame:
    """Totals taken as published or summed from published parts (never from a missing part), and the rates.

    On-time rate follows the report form: (early + on time) / resolved × 100.
    """
    s = stats.copy()
    s["received_calc"] = s["received_total"].fillna(s["received_online"] + s["received_offline"] + s["carried_over"])
    s["resolved_calc"] = (s["resolved_total"]
                          .fillna(s["resolved_early"] + s["resolved_on_time"] + s["resolved_late"])
                          .fillna(s["resolved_in_time"] + s["resolved_late"]))
    s["in_time_calc"] = s["resolved_in_time"].fillna(s["resolved_early"] + s["resolved_on_time"])
    s["pending_calc"] = s["pending_total"].fillna(s["pending_in_time"] + s["pending_overdue"])
    s["new_calc"] = (s["received_online"] + s["received_offline"]).fillna(s["received_total"] - s["carried_over"])
    s["on_time_rate_calc"] = _share(s["in_time_calc"], s["resolved_calc"])
    s["late_share"] = _share(s["resolved_late"], s["resolved_calc"])
    s["online_share"] = _share(s["received_online"], s["new_calc"])
    s["overdue_share"] = _share(s["pending_overdue"], s["pending_calc"])
    return s
