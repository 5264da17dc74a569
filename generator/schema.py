"""The data contract, declared once.

The parser, the open-data files and the data-dictionary page all read these declarations,
so the published dictionary cannot drift from what the build accepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Presence = Literal["required", "expected", "column", "optional", "derived"]
Kind = Literal["text", "code", "count", "levels", "channel", "online", "list", "number", "flag", "period",
               "stat_level", "rate", "date", "dossier_level", "outcome", "day"]

LEVELS = {
    "bo": "Cấp bộ",
    "tinh": "Cấp tỉnh",
    "huyen": "Cấp huyện",
    "xa": "Cấp xã",
    "khac": "Cơ quan khác",
}
CHANNELS = {
    "truc_tiep": "Trực tiếp",
    "truc_tuyen": "Trực tuyến",
    "buu_chinh": "Dịch vụ bưu chính",
}
STAT_LEVELS = {**{k: v for k, v in LEVELS.items() if k != "khac"}, "tong": "Tổng các cấp"}
# How a dossier of the log (DOSSIERS) ended; an empty outcome with a finish date is `resolved`.
OUTCOMES = {
    "resolved": "Đã giải quyết",
    "returned": "Trả lại",
    "withdrawn": "Rút hồ sơ",
}
ONLINE = {
    "toan_trinh": "Toàn trình",
    "mot_phan": "Một phần",
}
# When the `online` column is empty, whether a procedure can be done online is read from its channels
# (model.Procedure.online_status), and every page that says so says where it comes from.
ONLINE_BY_CHANNEL = {
    "truc_tuyen": "Nộp được trực tuyến (theo cách thực hiện)",
    "khong_truc_tuyen": "Không nộp trực tuyến (theo cách thực hiện)",
}
ONLINE_STATUS = {**ONLINE, **ONLINE_BY_CHANNEL}
ONLINE_AVAILABLE = ("toan_trinh", "mot_phan", "truc_tuyen")  # the statuses counted as «nộp được trực tuyến»
# What an empty value shows on the site: the gap is published, never filled in.
NOT_PUBLISHED = "chưa công bố"
# Slug of the page listing procedures whose agency is not published.
UNASSIGNED_AGENCY = "chua-cong-bo"

PRESENCE_LABELS = {
    "required": "bắt buộc",
    "expected": "cần có (trống thì báo thiếu)",
    "column": "cột bắt buộc, ô được để trống (xem ghi chú)",
    "optional": "tùy chọn",
    "derived": "tính từ dữ liệu",
}
KIND_LABELS = {
    "text": "văn bản",
    "code": "mã",
    "count": "số nguyên ≥ 0",
    "levels": f"cấp, cách nhau bởi «;»: {', '.join(LEVELS)} hoặc {', '.join(LEVELS.values())}",
    "channel": f"{', '.join(CHANNELS)} hoặc {', '.join(CHANNELS.values())}",
    "online": f"{', '.join(ONLINE)} hoặc để trống",
    "list": "danh sách, cách nhau bởi «;»",
    "number": "số",
    "flag": "1 = có, 0 = không, trống = không xác định",
    "period": "YYYY, YYYY-Qn, YYYY-MM hoặc YYYY-MM-DD..YYYY-MM-DD",
    "stat_level": f"{', '.join(STAT_LEVELS)}",
    "rate": "phần trăm, ví dụ 99.9 hoặc 99,9",
    "date": "ngày, YYYY-MM-DD hoặc dd/mm/yyyy",
    "dossier_level": f"{', '.join(c for c in STAT_LEVELS if c != 'tong')} hoặc "
                     f"{', '.join(v for c, v in STAT_LEVELS.items() if c != 'tong')}",
    "outcome": f"{', '.join(OUTCOMES)} hoặc {', '.join(OUTCOMES.values())}",
    "day": "ngày YYYY-MM-DD, ngày giờ ISO 8601 (2024-03-05T14:30:00+07:00) hoặc dd/mm/yyyy (có thể kèm giờ); "
           "so sánh theo ngày",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    presence: Presence
    label: str
    description: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    label: str
    columns: tuple[Column, ...]
    key: str  # the column naming the procedure: unique in procedures, a reference elsewhere
    files: str = ""  # where the table is read from, when not from one file <name>.csv

    @property
    def filename(self) -> str:
        return self.files or f"{self.name}.csv"

    def input_columns(self) -> list[Column]:
        return [c for c in self.columns if c.presence != "derived"]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


PROCEDURES = Table(
    "procedures",
    "Thủ tục hành chính",
    key="code",
    columns=(
        Column("code", "code", "required", "Mã thủ tục", "Mã trên Cơ sở dữ liệu quốc gia, ví dụ 1.001193."),
        Column("name", "text", "required", "Tên thủ tục"),
        Column("field", "text", "expected", "Lĩnh vực"),
        Column("level", "levels", "expected", "Cấp thực hiện"),
        Column("agency", "text", "expected", "Cơ quan thực hiện"),
        Column("authority", "text", "optional", "Cơ quan có thẩm quyền"),
        Column("type", "text", "optional", "Loại thủ tục"),
        Column("subjects", "text", "optional", "Đối tượng thực hiện"),
        Column("online", "online", "optional", "Dịch vụ công trực tuyến", "Toàn trình hoặc một phần."),
        Column("steps", "text", "optional", "Trình tự thực hiện"),
        Column("conditions", "text", "optional", "Yêu cầu, điều kiện"),
        Column("result", "text", "optional", "Kết quả thực hiện"),
        Column("legal_basis", "list", "optional", "Căn cứ pháp lý"),
        Column("decision", "text", "optional", "Quyết định công bố"),
        Column("decision_date", "date", "optional", "Ngày ban hành quyết định công bố"),
        Column("published_date", "date", "optional", "Ngày công khai",
               "Ngày thủ tục được công khai trên Cơ sở dữ liệu quốc gia (publicationDate của Cổng)."),
        Column("source_url", "text", "optional", "Đường dẫn chính thức"),
        Column("url", "text", "derived", "Trang trên website này"),
        Column("agencies", "list", "derived", "Từng cơ quan thực hiện",
               "Cột agency tách thành từng cơ quan, như đã viết (cách tách: trang phương pháp)."),
        Column("online_status", "text", "derived", "Nộp trực tuyến (dùng trên website)",
               "Cột online nếu có; nếu trống thì theo cách thực hiện: truc_tuyen (có cách nộp trực tuyến) hoặc "
               "khong_truc_tuyen (không có); trống nếu cả hai đều chưa công bố."),
        Column("documents", "number", "derived", "Số thành phần hồ sơ"),
        Column("channels", "number", "derived", "Số cách thức thực hiện"),
    ),
)

DOCUMENTS = Table(
    "documents",
    "Thành phần hồ sơ",
    key="procedure_code",
    columns=(
        Column("procedure_code", "code", "required", "Mã thủ tục"),
        Column("case", "text", "optional", "Trường hợp", "Nhóm giấy tờ, ví dụ «Giấy tờ phải xuất trình»."),
        Column("name", "text", "expected", "Tên giấy tờ", "Một số dòng thực tế chỉ có tên tệp mẫu đơn."),
        Column("originals", "count", "expected", "Số bản chính"),
        Column("copies", "count", "expected", "Số bản sao"),
        Column("form", "text", "optional", "Mẫu đơn, tờ khai", "Tên tệp hoặc đường dẫn."),
    ),
)

CHANNELS_TABLE = Table(
    "channels",
    "Cách thức thực hiện",
    key="procedure_code",
    columns=(
        Column("procedure_code", "code", "required", "Mã thủ tục"),
        Column("channel", "channel", "required", "Hình thức nộp"),
        Column("time", "text", "expected", "Thời hạn giải quyết", "Nguyên văn như đã công bố."),
        Column("fee", "text", "expected", "Phí, lệ phí", "Nguyên văn như đã công bố."),
        Column("description", "text", "optional", "Mô tả", "Trường hợp áp dụng."),
        Column("time_days", "number", "derived", "Thời hạn (ngày)", "Đọc từ cột time; trống nếu không đọc được."),
        Column("time_working_days", "flag", "derived", "Tính theo ngày làm việc"),
        Column("fee_vnd", "number", "derived", "Phí (đồng)", "Đọc từ cột fee; 0 nếu miễn phí; trống nếu không đọc được."),
        Column("fee_usd", "number", "derived", "Phí (đô la Mỹ)",
               "Đọc từ cột fee khi phí ghi bằng USD; không bao giờ quy đổi sang đồng."),
    ),
)

CATALOGUE_TABLES = (PROCEDURES, DOCUMENTS, CHANNELS_TABLE)

# Biểu số 06/VPCP/KSTT (Thông tư 01/2020/TT-VPCP): one row per reporting scope and period.
COUNT_COLUMNS = (
    "received_total", "received_online", "received_offline", "carried_over",
    "resolved_total", "resolved_early", "resolved_on_time", "resolved_in_time", "resolved_late",
    "pending_total", "pending_in_time", "pending_overdue", "withdrawn",
)
SCOPE_COLUMNS = ("level", "agency", "field", "procedure_code")
# A row whose `source` starts with this is generated, not published; the site and the files say so.
SYNTHETIC_PREFIX = "synthetic"
# A file of this name in a folder of data marks what the folder holds as constructed for a sample, not published:
# an earlier version of the catalogue (DIR/history/<date>/) or a dossier log (DIR/dossiers/). It is labelled «mô phỏng».
SYNTHETIC_MARK = "SYNTHETIC"

# The folders of a data folder (DESIGN.md's contract): the current catalogue, the published statistics, the
# catalogue's earlier versions (history/YYYY-MM-DD/catalogue/) and the dossier log.
CATALOGUE_DIR, STATISTICS_DIR, HISTORY_DIR, DOSSIERS_DIR = "catalogue", "statistics", "history", "dossiers"

STATISTICS = Table(
    "statistics",
    "Tình hình giải quyết hồ sơ (Biểu số 06/VPCP/KSTT)",
    key="period",
    columns=(
        Column("period", "period", "required", "Kỳ báo cáo"),
        Column("level", "stat_level", "required", "Cấp", "tong = tổng các cấp."),
        Column("agency", "text", "optional", "Cơ quan báo cáo", "Trống = tổng hợp mọi cơ quan của cấp đó."),
        Column("field", "text", "optional", "Lĩnh vực"),
        Column("procedure_code", "text", "optional", "Mã thủ tục"),
        Column("received_total", "count", "optional", "Số hồ sơ nhận giải quyết: tổng số"),
        Column("received_online", "count", "optional", "Mới tiếp nhận trực tuyến"),
        Column("received_offline", "count", "optional", "Mới tiếp nhận trực tiếp và qua bưu chính"),
        Column("carried_over", "count", "optional", "Từ kỳ trước chuyển qua"),
        Column("resolved_total", "count", "optional", "Đã giải quyết: tổng số"),
        Column("resolved_early", "count", "optional", "Đã giải quyết trước hạn"),
        Column("resolved_on_time", "count", "optional", "Đã giải quyết đúng hạn"),
        Column("resolved_in_time", "count", "optional", "Đã giải quyết trước và đúng hạn",
               "Khi chỉ công bố tổng trước hạn + đúng hạn."),
        Column("resolved_late", "count", "optional", "Đã giải quyết quá hạn"),
        Column("pending_total", "count", "optional", "Đang giải quyết: tổng số"),
        Column("pending_in_time", "count", "optional", "Đang giải quyết trong hạn"),
        Column("pending_overdue", "count", "optional", "Đang giải quyết quá hạn"),
        Column("withdrawn", "count", "optional", "Rút hoặc trả lại", "Không có trong Biểu 06; có nơi công bố."),
        Column("on_time_rate", "rate", "optional", "Tỷ lệ đúng hạn đã công bố (%)"),
        Column("source", "text", "optional", "Nguồn",
               f"Đường dẫn nguồn công bố. Dòng mô phỏng bắt đầu bằng «{SYNTHETIC_PREFIX}»."),
        Column("note", "text", "optional", "Ghi chú"),
        Column("synthetic", "flag", "derived", "Số liệu mô phỏng", "1 = không phải số liệu đã công bố."),
        Column("received_calc", "number", "derived", "Tổng nhận (công bố hoặc cộng từ thành phần)"),
        Column("resolved_calc", "number", "derived", "Tổng đã giải quyết (công bố hoặc cộng từ thành phần)"),
        Column("in_time_calc", "number", "derived", "Trước và đúng hạn (công bố hoặc cộng)"),
        Column("pending_calc", "number", "derived", "Tổng đang giải quyết (công bố hoặc cộng)"),
        Column("new_calc", "number", "derived", "Mới tiếp nhận trong kỳ",
               "Trực tuyến + trực tiếp/bưu chính, hoặc tổng nhận − kỳ trước chuyển qua."),
        Column("on_time_rate_calc", "number", "derived", "Tỷ lệ đúng hạn tính lại (%)",
               "(Trước hạn + đúng hạn) / đã giải quyết × 100, 2 chữ số thập phân; trống nếu chưa giải quyết hồ sơ nào."),
        Column("late_share", "number", "derived", "Tỷ lệ quá hạn (%)", "Quá hạn / đã giải quyết × 100."),
        Column("online_share", "number", "derived", "Tỷ lệ tiếp nhận trực tuyến (%)", "Trực tuyến / mới tiếp nhận × 100."),
        Column("overdue_share", "number", "derived", "Tỷ lệ đang giải quyết quá hạn (%)",
               "Đang quá hạn / đang giải quyết × 100."),
        Column("findings", "number", "derived", "Số sai lệch phát hiện", "Xem kiem-tra.csv."),
    ),
)

FINDING_COLUMNS = ("check", "period", "level", "agency", "field", "procedure_code", "column", "published",
                   "expected", "difference")

# The dossier log (dossiers.py): one row per dossier, from which Biểu 06 rows are computed. Never published row by
# row. Agency and level are required because each dossier must fall in exactly one agency row of its level, or the
# level's row would not be the sum of its agencies' rows.
DOSSIERS = Table(
    "dossiers",
    "Nhật ký hồ sơ",
    key="dossier_id",
    files="dossiers/*.csv, *.parquet",
    columns=(
        Column("dossier_id", "text", "required", "Mã hồ sơ",
               "Không trùng trong mọi tệp của thư mục; chỉ dùng để kiểm tra, không bao giờ được công bố."),
        Column("procedure_code", "code", "required", "Mã thủ tục",
               "Mã không có trong danh mục thì báo cảnh báo; hồ sơ vẫn được tính."),
        Column("agency", "text", "required", "Cơ quan giải quyết"),
        Column("level", "dossier_level", "required", "Cấp giải quyết"),
        Column("field", "text", "optional", "Lĩnh vực", "Trống (hoặc không có cột) thì lấy lĩnh vực của thủ tục "
               "trong danh mục."),
        Column("channel", "channel", "column", "Hình thức nộp",
               "Trống = không nộp trực tuyến (tính vào trực tiếp và bưu chính)."),
        Column("received_at", "day", "required", "Ngày tiếp nhận"),
        Column("due_at", "day", "column", "Ngày hẹn trả kết quả", "Trống = không có hạn (giải quyết lúc nào cũng là "
               "đúng hạn)."),
        Column("finished_at", "day", "column", "Ngày kết thúc", "Ngày có kết quả, trả lại hoặc rút hồ sơ; trống = "
               "đang giải quyết. Không được trước ngày tiếp nhận."),
        Column("outcome", "outcome", "column", "Kết quả xử lý", "Trống = đã giải quyết (khi có ngày kết thúc); có "
               "kết quả thì phải có ngày kết thúc."),
    ),
)
# The `source` of the statistics rows computed from the log (with SYNTHETIC_PREFIX before it for a synthetic log).
LOG_SOURCE = "tính từ nhật ký hồ sơ"


# --- the catalogue's history (history.py) ---------------------------------------------------------------------

# Between a group and the item in it, in Change.item: a document's case and name, a channel and its description.
ITEM_SEPARATOR = " — "

# Each kind of change, in the order a procedure's changes are listed, with its label on the site.
CHANGE_KINDS: dict[str, str] = {
    "added": "Thủ tục mới",
    "removed": "Thủ tục không còn hiệu lực",
    "name": "Tên thủ tục",
    "levels": "Cấp thực hiện",
    "field": "Lĩnh vực",
    "agency": "Cơ quan thực hiện",
    "authority": "Cơ quan có thẩm quyền",
    "time": "Thời hạn giải quyết",
    "fee": "Phí, lệ phí",
    "document_added": "Thêm giấy tờ",
    "document_removed": "Bỏ giấy tờ",
    "document_changed": "Giấy tờ thay đổi (bản chính/bản sao/mẫu đơn)",
    "conditions": "Yêu cầu, điều kiện",
    "result": "Kết quả thực hiện",
    "legal_basis": "Căn cứ pháp lý",
    "decision": "Quyết định công bố",
}
