import pytest

from generator.parse import (can_fail, group_pages, parse_cell, parse_channel, parse_fee, parse_levels, parse_online,
                             parse_time, split_agencies)
from generator.schema import CATALOGUE_TABLES, STATISTICS
from generator.vietnamese import fold, format_number, nfc, slugify, tone_key, unique_slugs, words


@pytest.mark.parametrize("text, days, working, problem", [
    ("05 ngày làm việc", 5, True, None),
    ("5 Ngày làm việc", 5, True, None),
    ("15 ngày", 15, False, None),
    ("30 Ngày", 30, False, None),
    ("Trong ngày", 1, True, None),
    ("Không quá 03 ngày làm việc", 3, True, None),
    ("hai mươi (20) ngày làm việc kể từ ngày nhận hồ sơ", 20, True, None),
    ("1 Giờ", round(1 / 24, 4), False, None),
    ("4 giờ làm việc", 0.5, True, None),
    ("02 tháng", 60, False, None),
    ("1", None, None, "time_no_unit"),
    ("5", None, None, "time_no_unit"),
    ("", None, None, None),
    ("Theo quy định", None, None, "time_unparsed"),
    # Two different durations for two cases: which one applies is for the reader, not the parser.
    ("03 ngày làm việc; trường hợp phức tạp 05 ngày làm việc", None, None, "time_unparsed"),
])
def test_parse_time(text, days, working, problem):
    parsed = parse_time(text)
    assert (parsed.days, parsed.working_days, parsed.problem) == (days, working, problem)


@pytest.mark.parametrize("text, vnd, problem", [
    ("Lệ phí: 10.000 đồng/lần", 10_000, None),
    ("120,000 VNĐ", 120_000, None),
    ("500,000 Việt Nam Đồng", 500_000, None),
    ("1.025.000 đồng", 1_025_000, None),
    ("Miễn phí", 0, None),
    ("Không", 0, None),
    ("không thu phí", 0, None),
    ("50.000đ", 50_000, None),
    ("1,5 triệu đồng", 1_500_000, None),
    # The portal's structured amount comes first; the note after it does not replace it.
    ("20,000,000 Việt Nam Đồng((áp dụng mức phí 10.000.000 đồng/hồ sơ kể từ ngày 01/7/2025)", 20_000_000, None),
    ("Không có thông tin", None, "fee_no_information"),
    ("150 USD(Mức lệ phí được quy đổi ra đồng)", None, None),  # dollars: fee_usd, never đồng
    ("Phí: 10.000 đồng; lệ phí: 20.000 đồng", None, "fee_unparsed"),
    ("Theo quy định", None, "fee_unparsed"),
    ("", None, None),
])
def test_parse_fee(text, vnd, problem):
    assert (parse_fee(text).vnd, parse_fee(text).problem) == (vnd, problem)


@pytest.mark.parametrize("text, usd, problem", [
    ("150 USD(Mức lệ phí được quy đổi ra đồng)", 150, None),
    ("Phí dịch vụ: 10 USD (10 USD/người)", 10, None),
    ("12.5 USD", 12.5, None),
    ("10 USD hoặc 230.000 đồng", None, "fee_unparsed"),  # two currencies: neither is converted into the other
])
def test_parse_fee_in_dollars(text, usd, problem):
    assert (parse_fee(text).vnd, parse_fee(text).usd, parse_fee(text).problem) == (None, usd, problem)


def test_levels_accept_codes_and_labels():
    assert parse_levels("Cấp bộ;Cấp tỉnh;Cơ quan khác") == (("bo", "tinh", "khac"), [])
    assert parse_levels("tinh; huyen") == (("tinh", "huyen"), [])
    assert parse_levels("CẤP XÃ") == (("xa",), [])
    assert parse_levels("Cấp tỉnh;Cấp vùng") == (("tinh",), ["Cấp vùng"])


def test_channels_and_online_accept_codes_and_labels():
    assert [parse_channel(t) for t in ("Trực tiếp", "truc_tuyen", "Dịch vụ bưu chính", "fax")] == [
        "truc_tiep", "truc_tuyen", "buu_chinh", None]
    assert [parse_online(t) for t in ("", "toan_trinh", "Một phần", "có")] == ["", "toan_trinh", "mot_phan", None]


def test_fold_and_slug():
    nfd = "\u0110a\u0306ng ky\u0301 ke\u0302\u0301t ho\u0302n"  # "Đăng ký kết hôn" in NFD
    assert fold(nfd) == fold("ĐĂNG KÝ KẾT HÔN") == fold("đăng kí kết hôn") == "dang ki ket hon"
    assert fold("hoà") == fold("hòa") and fold("thuỷ") == fold("thủy")
    assert nfc(nfd) == "Đăng ký kết hôn"
    # A slug keeps the spelling as published; only comparing treats kí and ký alike.
    assert slugify("Quản lý doanh nghiệp") == "quan-ly-doanh-nghiep"
    assert len(slugify("Cơ quan " * 30)) <= 80


def test_colliding_slugs_do_not_depend_on_order():
    names = ["Hòa giải", "Hoà giải", "Thủy lợi"]
    slugs = unique_slugs(names)
    assert slugs == unique_slugs(list(reversed(names)))
    assert slugs["Thủy lợi"] == "thuy-loi"
    assert slugs["Hòa giải"] != slugs["Hoà giải"] and all(s.startswith("hoa-giai-") for s in
                                                          (slugs["Hòa giải"], slugs["Hoà giải"]))


def test_reserved_slug_is_never_given_to_a_name():
    slugs = unique_slugs(["Chưa công bố", "Sở Tư pháp"], frozenset({"chua-cong-bo"}))
    assert slugs["Sở Tư pháp"] == "so-tu-phap"
    assert slugs["Chưa công bố"].startswith("chua-cong-bo-") and len(slugs["Chưa công bố"]) == len("chua-cong-bo-") + 6


def test_vietnamese_number_format():
    assert format_number(1234.5, 1) == "1.234,5"
    assert format_number(1597) == "1.597"
    assert format_number(None) == ""


def test_cells_are_stored_nfc_a_column_at_a_time_as_one_by_one():
    """load.stored normalises a whole column in one call; it must give each cell exactly what nfc gives it."""
    import random

    from generator.load import _stored_column
    from generator.vietnamese import nfc

    pieces = ["a", "e", "\u0301", "\u0300", "\u0323", " ", "\r", "\r\n", "\n", "\t", "Đ", "ư", "ế", ",", '"', "1",
              "\u00a0", "\u3000", "x"]
    rng = random.Random(7)
    for _ in range(5000):
        cells = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 8))) for _ in range(rng.randint(0, 5))]
        assert _stored_column(cells) == [nfc(cell) for cell in cells], cells


@pytest.mark.parametrize("one, other", [
    ("kí", "ký"), ("lí lịch", "lý lịch"), ("mĩ thuật", "mỹ thuật"), ("quí", "quý"), ("qui định", "quy định"),
    ("hi sinh", "hy sinh"), ("tỉ lệ", "tỷ lệ"), ("kì họp", "kỳ họp"), ("sĩ quan", "sỹ quan"), ("KÍ", "ký")])
def test_i_and_y_after_a_consonant_are_one_spelling(one, other):
    """The rule (vietnamese.Y_AS_I_AFTER) is in fold and in tone_key, which search uses on both sides."""
    assert fold(one) == fold(other)
    assert [tone_key(w) for w in words(one)] == [tone_key(w) for w in words(other)]


@pytest.mark.parametrize("word", ["y", "ý", "tuỳ", "thuỷ", "huy", "khuy", "ngày", "bảy", "quyết", "nguyễn", "1ky"])
def test_y_of_a_vowel_cluster_or_on_its_own_keeps_its_spelling(word):
    assert "y" in fold(word) and "y" in tone_key(word)


@pytest.mark.parametrize("cell, agencies", [
    ("Bộ Công an, Bộ Quốc phòng", ["Bộ Công an", "Bộ Quốc phòng"]),
    # Commas inside names: a lower-case word, or a capitalised word that names no kind of body, follows them.
    ("Cục Chất lượng, Chế biến và Phát triển thị trường - Bộ NN và MT, Cục Trồng trọt và Bảo vệ thực vật",
     ["Cục Chất lượng, Chế biến và Phát triển thị trường - Bộ NN và MT", "Cục Trồng trọt và Bảo vệ thực vật"]),
    ("Sở Xây dựng, Uỷ ban Nhân dân cấp xã, phường, thị trấn", ["Sở Xây dựng", "Uỷ ban Nhân dân cấp xã, phường, thị trấn"]),
    ("Bộ, cơ quan ngang Bộ, cơ quan thuộc Chính phủ", ["Bộ, cơ quan ngang Bộ, cơ quan thuộc Chính phủ"]),
    ("Cục Đường bộ Việt Nam, Cơ quan, tổ chức được UBND cấp tỉnh giao thẩm định, phê duyệt",
     ["Cục Đường bộ Việt Nam", "Cơ quan, tổ chức được UBND cấp tỉnh giao thẩm định, phê duyệt"]),
    ("Bộ Quốc phòng, Cảng vụ hàng hải, Bộ Văn hóa, Thể thao và Du lịch",
     ["Bộ Quốc phòng", "Cảng vụ hàng hải", "Bộ Văn hóa, Thể thao và Du lịch"]),
    ("Cơ sở đăng kiểm (xe cơ giới, xe máy chuyên dùng)", ["Cơ sở đăng kiểm (xe cơ giới, xe máy chuyên dùng)"]),
    # Semicolons and line breaks separate like commas; each name stays as written.
    ("Sở Tư pháp;Toà án nhân dân tối cao\nChi cục Kiểm lâm.", ["Sở Tư pháp", "Toà án nhân dân tối cao", "Chi cục Kiểm lâm."]),
    ("Ủy ban Nhân dân\xa0xã,\xa0phường,\xa0thị trấn.", ["Ủy ban Nhân dân\xa0xã,\xa0phường,\xa0thị trấn."]),
    ("Đơn\nzq: dòng hai; &amp;", ["Đơn\nzq: dòng hai; &amp;"]),
    ("văn bản, Sở Tư pháp", ["văn bản", "Sở Tư pháp"]),
    (" , ;", []),
])
def test_an_agency_cell_is_split_into_its_agencies(cell, agencies):
    assert split_agencies(cell) == agencies


def test_agency_names_equal_but_for_case_spacing_and_punctuation_are_one_page():
    cells = ["Văn phòng đăng ký đất đai", "Văn phòng Đăng ký đất đai", "Văn phòng đăng ký  đất đai.",
             "Văn phòng đăng ký đất đai, Chi nhánh Văn phòng đăng ký đất đai", "Chi Cục Thủy Sản", "Chi cục Thuỷ sản",
             "Chi cục Thủy sản", "Chi cục Thủy sản", "", "Bộ Công an, Bộ Công an"]
    groups = group_pages(cells, split=True)
    # One page each, shown with the spelling most procedures use.
    assert groups.names == {"bo-cong-an": "Bộ Công an", "chi-cuc-thuy-san": "Chi cục Thủy sản",
                            "chi-nhanh-van-phong-dang-ky-dat-dai": "Chi nhánh Văn phòng đăng ký đất đai",
                            "van-phong-dang-ky-dat-dai": "Văn phòng đăng ký đất đai"}
    assert groups.slugs("Văn phòng Đăng ký đất đai") == ("van-phong-dang-ky-dat-dai",)
    assert groups.pages["Văn phòng đăng ký đất đai, Chi nhánh Văn phòng đăng ký đất đai"] == (
        ("Văn phòng đăng ký đất đai", "van-phong-dang-ky-dat-dai"),
        ("Chi nhánh Văn phòng đăng ký đất đai", "chi-nhanh-van-phong-dang-ky-dat-dai"))
    assert groups.slugs("Bộ Công an, Bộ Công an") == ("bo-cong-an",)
    assert groups.slugs("") == ()
    # Fields are never split.
    assert group_pages(["Hộ tịch, chứng thực", "Hộ tịch, Chứng thực"]).names == {
        "ho-tich-chung-thuc": "Hộ tịch, Chứng thực"}


@pytest.mark.parametrize("table", [*CATALOGUE_TABLES, STATISTICS], ids=lambda t: t.name)
def test_a_cell_of_a_column_that_cannot_fail_gives_no_error(table):
    """parse.cell_errors, which checks an earlier version of the catalogue, skips the columns can_fail rules out."""
    values = ("", " ", "x", "-1", "1,5", "99999999999999", "ngày 5", "Cấp tỉnh", "Trực tuyến", "'; DROP", "\x00")
    for column in table.input_columns():
        key = column.name == table.key
        errors = {value for value in values if (parse_cell(column, value, key)[1] or ("",))[0] == "error"}
        assert can_fail(column, key) or not errors, (column.name, errors)
        assert not can_fail(column, key) or errors, column.name  # and a column that can fail does on some value
