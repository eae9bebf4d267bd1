"""The interface language: Vietnamese by default, English on request.

Templates write the Vietnamese text and wrap it in ``_()``; ``?lang=en`` (or ``?lang=vi``) switches and a cookie
remembers the choice. The English strings live here, keyed by the Vietnamese, so a missing translation shows
the Vietnamese text rather than an error (and a test lists the keys without one). Number and date formats follow
the language too (``1.234.567`` in Vietnamese, ``1,234,567`` in English).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, g, request

LANGUAGES = ("vi", "en")
DEFAULT = "vi"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

EN: dict[str, str] = {
    # privacy
    "Bảo vệ dữ liệu cá nhân": "Personal data protection",
    "Dữ liệu đã được tổng hợp; các ô có số đếm nhỏ hơn": "The data is aggregated; cells with counts below",
    "được để trống để không thể nhận diện cá nhân": "are left blank so that no person can be singled out",
    "nhóm": "groups",
    "cột đánh dấu": "flag column",
    # chrome
    "Dữ liệu mở Hà Nội": "Hanoi Open Data",
    "Cổng dữ liệu mở của Thành phố Hà Nội": "Open data portal of the City of Hanoi",
    "Trang chủ": "Home",
    "Bộ dữ liệu": "Datasets",
    "Tổ chức": "Organisations",
    "Truy vấn SQL": "SQL query",
    "API": "API",
    "Tìm kiếm": "Search",
    "Tìm bộ dữ liệu…": "Search datasets…",
    "Ngôn ngữ": "Language",
    "Chuyển sang tiếng Anh": "Switch to Vietnamese",
    "Điều hướng chính": "Main navigation",
    "Bỏ qua, đến nội dung chính": "Skip to main content",
    "Dữ liệu được công bố theo giấy phép mở. Tải về, dùng lại và chia sẻ tự do, ghi rõ nguồn.":
        "Data published under open licences. Download, reuse and share freely, with attribution.",
    "Tài liệu API": "API reference",
    "Xem dạng JSON": "View as JSON",
    # home
    "Dữ liệu mở của Thủ đô, cho mọi người": "The capital's open data, for everyone",
    "Tìm, xem trước và tải về dữ liệu do các sở, ngành Hà Nội công bố: chất lượng không khí, trường học, "
    "dịch vụ công trực tuyến, du lịch và nhiều hơn nữa.":
        "Find, preview and download data published by Hanoi's departments: air quality, schools, online "
        "public services, tourism and more.",
    "Ví dụ:": "For example:",
    "bộ dữ liệu": "datasets",
    "tổ chức": "organisations",
    "phiên bản": "versions",
    "dòng dữ liệu": "rows of data",
    "Mới cập nhật": "Recently updated",
    "Xem tất cả bộ dữ liệu": "See all datasets",
    "Các tổ chức công bố dữ liệu": "Publishing organisations",
    "Xem tất cả tổ chức": "See all organisations",
    "Chủ đề phổ biến": "Popular topics",
    "Chưa có bộ dữ liệu nào.": "No datasets yet.",
    # search
    "Tìm kiếm bộ dữ liệu": "Search datasets",
    "Kết quả cho": "Results for",
    "bộ dữ liệu phù hợp": "matching datasets",
    "Không tìm thấy bộ dữ liệu nào phù hợp.": "No dataset matches.",
    "Khu vực": "Area",
    "Không có kết quả chứa tất cả các từ; đây là các kết quả gần nhất": "No result has all the words; these are the nearest",
    "ít nhất": "at least",
    "Thử bỏ bớt bộ lọc hoặc dùng từ khoá khác.": "Try removing a filter or using other words.",
    "Xoá tất cả bộ lọc": "Clear all filters",
    "Bộ lọc đang áp dụng": "Active filters",
    "Bỏ bộ lọc": "Remove filter",
    "Sắp xếp": "Sort",
    "Liên quan nhất": "Most relevant",
    "Mới cập nhật nhất": "Recently updated",
    "Tên (A–Z)": "Title (A–Z)",
    "Mới tạo nhất": "Newest",
    "Chất lượng cao nhất": "Best quality",
    "Lọc": "Filter",
    "Định dạng": "Format",
    "Giấy phép": "Licence",
    "Tần suất cập nhật": "Update frequency",
    "Chủ đề": "Tags",
    "Trang trước": "Previous page",
    "Trang sau": "Next page",
    "Trang": "Page",
    "Phân trang": "Pagination",
    "Cập nhật": "Updated",
    "dòng": "rows",
    "Riêng tư": "Private",
    "Chưa có dữ liệu": "No data yet",
    "Xem thêm": "Show more",
    # organisations
    "Các tổ chức": "Organisations",
    "Các sở, ngành và đơn vị của Thành phố công bố dữ liệu trên cổng.":
        "The city's departments and agencies that publish data on the portal.",
    "Chưa có tổ chức nào.": "No organisations yet.",
    "Bộ dữ liệu của tổ chức": "Datasets of this organisation",
    "Tổ chức này chưa công bố bộ dữ liệu nào.": "This organisation has not published any dataset yet.",
    # dataset
    "Khám phá bảng": "Explore the table",
    "Tải về": "Download",
    "Tải xuống": "Downloads",
    "Thông tin": "About",
    "Mô tả": "Description",
    "Nguồn": "Source",
    "Liên hệ": "Contact",
    "Phạm vi thời gian": "Temporal coverage",
    "Phạm vi không gian": "Spatial coverage",
    "Lược đồ chuẩn": "Standard schema",
    "Phiên bản mới nhất": "Latest version",
    "Số dòng": "Rows",
    "Dung lượng": "Size",
    "Ngày tạo": "Created",
    "Từ điển dữ liệu": "Data dictionary",
    "Mô tả nguồn": "Source description",
    "Cách viết trong nguồn": "How the source writes it",
    "Cách tệp nguồn của phiên bản mới nhất được viết (định dạng ngày, dấu phân cách số...). Các tệp tải về theo từ điển dữ liệu ở trên: ngày ISO 8601, số với dấu chấm thập phân.":
        "How the latest version's source file was written (date formats, number separators...). The files to "
        "download follow the data dictionary above: ISO 8601 dates, numbers with a decimal point.",
    "Các cột theo Table Schema của bộ dữ liệu.": "The columns, from the dataset's Table Schema.",
    "Tên cột": "Column",
    "Tiêu đề": "Title",
    "Kiểu": "Type",
    "Ràng buộc": "Constraints",
    "Khoá chính": "Primary key",
    "Khoá ngoại": "Foreign key",
    "bắt buộc": "required",
    "duy nhất": "unique",
    "tối thiểu": "minimum",
    "tối đa": "maximum",
    "độ dài tối thiểu": "min length",
    "độ dài tối đa": "max length",
    "mẫu": "pattern",
    "một trong": "one of",
    "Xem trước": "Preview",
    "10 dòng đầu của phiên bản mới nhất.": "The first 10 rows of the latest version.",
    "Không xem trước được dữ liệu.": "The data cannot be previewed.",
    "Xem toàn bộ và lọc trong trình khám phá bảng": "See everything and filter in the table explorer",
    "Các phiên bản": "Versions",
    "Mỗi phiên bản là bất biến: đường dẫn tải về của nó không bao giờ thay đổi.":
        "Every version is immutable: its download links never change.",
    "Phiên bản": "Version",
    "Ngày công bố": "Published",
    "Thay đổi so với phiên bản trước": "Changes from the previous version",
    "Người công bố": "Publisher",
    "phiên bản đầu tiên": "first version",
    "dòng thêm": "rows added",
    "dòng bớt": "rows removed",
    "cột thêm": "fields added",
    "cột bớt": "fields removed",
    "cột đổi kiểu": "fields retyped",
    "không thay đổi": "no change",
    "Kiểm tra dữ liệu": "Validation",
    "Kết quả kiểm tra của phiên bản mới nhất theo lược đồ.": "The latest version's validation against its schema.",
    "Hợp lệ": "Valid",
    "Không hợp lệ": "Invalid",
    "lỗi": "errors",
    "cảnh báo": "warnings",
    "dòng đã kiểm tra": "rows checked",
    "Tải dữ liệu": "Download the data",
    "Phiên bản mới nhất, mọi định dạng.": "The latest version, in every format.",
    "Toàn bộ bộ dữ liệu (ZIP, kèm datapackage.json)": "The whole dataset (ZIP, with datapackage.json)",
    "Đường dẫn luôn trỏ tới phiên bản mới nhất:": "A link that always points at the latest version:",
    "Dùng trong mã": "Use it in code",
    "Các đoạn mã dưới đây chạy được ngay, dùng đường dẫn cố định của phiên bản":
        "The snippets below work as written, using the permanent links of version",
    "Sao chép": "Copy",
    "Đã sao chép": "Copied",
    "Lịch sử công bố": "Publishing history",
    "Thời điểm": "When",
    "Người thực hiện": "Who",
    "Hành động": "Action",
    "Chi tiết": "Details",
    "Từ": "From",
    "Bộ dữ liệu chưa có phiên bản nào.": "This dataset has no version yet.",
    "Mục lục": "Contents",
    "Chưa có lược đồ.": "No schema yet.",
    "Thay đổi": "Changes",
    "Tổ chức công bố": "Organisation",
    # version diffs and feeds (web/views/diff.py, web/views/feeds.py)
    "So sánh phiên bản": "Compare versions",
    "Xem thay đổi": "See the changes",
    "Các dòng": "Rows",
    "So sánh theo khoá chính": "Compared by primary key",
    "So sánh theo toàn bộ nội dung dòng (không có khoá chính)": "Compared by whole-row content (no primary key)",
    "dòng sửa": "rows changed",
    "cột thay đổi": "fields changed",
    "Ví dụ dòng thêm": "Sample rows added",
    "Ví dụ dòng bớt": "Sample rows removed",
    "Ví dụ dòng sửa": "Sample rows changed",
    "Trước": "Before",
    "Sau": "After",
    "Tối đa": "At most",
    "dòng mỗi loại.": "rows of each kind.",
    "Lược đồ": "Schema",
    "đổi kiểu": "retyped",
    "đổi tiêu đề": "title changed",
    "đổi mô tả": "description changed",
    "đổi định dạng": "format changed",
    "giá trị cho phép": "allowed values",
    "đổi ràng buộc": "constraints changed",
    "Nguồn tin Atom": "Atom feed",
    "Các phiên bản mới công bố": "Newly published versions",
    "phiên bản đầu tiên, {rows} dòng": "first version, {rows} rows",
    "phiên bản {number}": "version {number}",
    "Chủ đề {tag}": "Tag {tag}",
    # explorer
    "Trình khám phá bảng": "Table explorer",
    "Lọc theo cột": "Filter by column",
    "Cột": "Column",
    "Phép so sánh": "Operator",
    "Giá trị": "Value",
    "Áp dụng": "Apply",
    "Xoá bộ lọc": "Clear filters",
    "Thêm điều kiện": "Add a condition",
    "(chọn cột)": "(choose a column)",
    "Không sắp xếp": "No sorting",
    "tăng dần": "ascending",
    "giảm dần": "descending",
    "dòng phù hợp": "matching rows",
    "Đang hiển thị": "Showing",
    "Trang đầu": "First page",
    "Không có dòng nào phù hợp.": "No row matches.",
    "Tải về dạng xem này": "Download this view",
    "Dữ liệu với đúng bộ lọc và thứ tự đang xem.": "The data with the current filters and order.",
    "Đếm giá trị": "Value counts",
    "Xem các giá trị thường gặp của một cột (theo bộ lọc hiện tại).":
        "See a column's most frequent values (under the current filters).",
    "Đếm": "Count",
    "Số lần": "Count",
    "Lọc theo giá trị này": "Filter on this value",
    "(trống)": "(blank)",
    "Với các giá trị trong": "For the values of",
    "Cách dùng": "How to use",
    "Phép «thuộc» nhận nhiều giá trị cách nhau bởi dấu phẩy; «trống» không cần giá trị.":
        "“in” takes several values separated by commas; “is blank” needs no value.",
    "chứa": "contains",
    "thuộc": "in",
    "trống": "is blank",
    "không trống": "is not blank",
    "Quay lại bộ dữ liệu": "Back to the dataset",
    # errors
    "Lỗi": "Error",
    "Không tìm thấy": "Not found",
    "Yêu cầu không hợp lệ": "Bad request",
    "Phương thức không được hỗ trợ": "Method not allowed",
    "Dữ liệu gửi lên quá lớn": "Request too large",
    "Lỗi máy chủ": "Server error",
    "Đã có lỗi ở phía máy chủ. Vui lòng thử lại sau.": "Something went wrong on the server. Please try again later.",
    "Về trang chủ": "Go to the home page",
    "Không được phép": "Not allowed",
    "Xung đột": "Conflict",
    "Quá nhiều yêu cầu": "Too many requests",
    # quality panel (web/templates/_quality.html)
    "Chất lượng": "Quality",
    "Điểm data.gouv.fr": "data.gouv.fr score",
    "Điểm MQA (EU)": "MQA points (EU)",
    "Sao dữ liệu mở": "Open data stars",
    "Dòng hợp lệ": "Valid rows",
    "Ô bị ẩn để bảo vệ cá nhân": "Cells suppressed for privacy",
    "ngày trước": "days ago",
    "Cần cải thiện": "To improve",
    "Đạt mọi tiêu chí": "Meets every criterion",
    "Chi tiết (JSON)": "Details (JSON)",
    "xuất sắc": "excellent",
    "tốt": "good",
    "đạt": "sufficient",
    "kém": "bad",
    "đúng hạn": "on time",
    "quá hạn": "overdue",
    "không theo lịch": "no schedule",
    "chưa khai báo tần suất": "no frequency declared",
    "chưa có phiên bản": "no version yet",
    # frequencies
    "hằng giờ": "hourly",
    "hằng ngày": "daily",
    "hằng tuần": "weekly",
    "hằng tháng": "monthly",
    "hằng quý": "quarterly",
    "hằng năm": "yearly",
    "không định kỳ": "irregular",
    "liên tục": "continuous",
    # issue 14: pinned versions, cite box, Vietnamese filters, column values, SQL helpers
    "Đang xem phiên bản": "Showing version",
    "Ghim chế độ xem này": "Pin this view",
    "Đã ghim phiên bản": "Pinned to version",
    "Trang phiên bản": "Version page",
    "Xem phiên bản mới nhất": "See the latest version",
    "bắt đầu bằng": "starts with",
    "Khớp chính xác dấu và chữ hoa": "Match accents and case exactly",
    "Mặc định bộ lọc chữ không phân biệt dấu và chữ hoa: «dong da» tìm thấy «Đống Đa». Số nhận cả 50,5 và 50.5.":
        "By default text filters ignore accents and case: “dong da” finds “Đống Đa”. Numbers accept 50,5 and 50.5.",
    "Giá trị của cột": "Values of the column",
    "Chọn giá trị để lọc, tìm không cần dấu.": "Pick a value to filter by; search without accents.",
    "Trích dẫn": "Cite",
    "Trích dẫn đúng phiên bản và bộ lọc đang xem.": "Cite exactly this version and these filters.",
    "Liên kết cố định": "Permanent link",
    "Chép": "Copy",
    "Đã chép": "Copied",
    "Khám phá phiên bản này": "Explore this version",
    "Thông tin phiên bản": "About this version",
    "Ghi chú": "Note",
    "Tiêu đề, mô tả và giấy phép là của bộ dữ liệu hiện nay; lược đồ, số dòng và tệp là của phiên bản này.":
        "The title, description and licence are the dataset's current ones; the schema, rows and files are this "
        "version's.",
    "Đây không phải phiên bản mới nhất.": "This is not the latest version.",
    "Hợp lệ theo lược đồ": "Valid against the schema",
    "Phiên bản đầu tiên.": "The first version.",
    "cột mới": "new columns",
    "cột bỏ": "removed columns",
    "Công bố": "Published",
    "50 giá trị thường gặp nhất, kèm số lần.": "The 50 most frequent values, with their counts.",
    "Tìm giá trị (không cần dấu)": "Search values (accents optional)",
    "Tìm": "Search",
    "đến": "to",
    "Không có giá trị nào phù hợp.": "No value matches.",
    "Thông báo gốc của DuckDB": "DuckDB's original message",
    "Hàm trợ giúp": "Helper functions",
}

# Metadata values stored in English (frequency codes), shown in the interface's language.
FREQUENCIES = {
    "hourly": "hằng giờ", "daily": "hằng ngày", "weekly": "hằng tuần", "monthly": "hằng tháng",
    "quarterly": "hằng quý", "yearly": "hằng năm", "annual": "hằng năm", "irregular": "không định kỳ",
    "continuous": "liên tục", "realtime": "liên tục",
}
# The switch shows the other language's name in that language.
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def current_lang() -> str:
    return getattr(g, "lang", DEFAULT)


def gettext(text: str, **values: Any) -> str:
    """The text in the current language; ``{name}`` placeholders filled from ``values``."""
    translated = EN.get(text, text) if current_lang() == "en" else text
    return translated.format(**values) if values else translated


def frequency_label(code: str | None) -> str:
    if not code:
        return ""
    return gettext(FREQUENCIES.get(code.lower(), code))


def format_number(value: Any, digits: int = 0) -> str:
    """Thousands separators by language: 1.234.567,5 (vi) or 1,234,567.5 (en)."""
    if value is None or value == "":
        return ""
    try:
        text = f"{float(value):,.{digits}f}" if digits else f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)
    if current_lang() == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def format_bytes(size: Any) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{int(value)} {unit}" if unit == "B" else f"{format_number(value, 1)} {unit}"
        value /= 1024
    return str(size)


def format_date(stamp: Any, with_time: bool = False) -> str:
    """ISO 8601 stamps as dd/mm/yyyy (vi) or yyyy-mm-dd (en), in UTC."""
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        return str(stamp)
    pattern = "%d/%m/%Y" if current_lang() == "vi" else "%Y-%m-%d"
    if with_time:
        pattern += " %H:%M UTC"
    return moment.strftime(pattern)


def lang_url(code: str) -> str:
    """The current URL with ``lang`` set to ``code`` (other parameters kept)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    args.append(("lang", code))
    return f"{request.path}?{urlencode(args)}"


def _choose_language() -> None:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        g.lang = asked
        g.lang_asked = True
        return
    cookie = request.cookies.get(COOKIE)
    g.lang = cookie if cookie in LANGUAGES else DEFAULT


def _remember_language(response: Response) -> Response:
    if getattr(g, "lang_asked", False):
        response.set_cookie(COOKIE, g.lang, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True)
    if response.mimetype == "text/html":
        # Only pages depend on the language; downloads stay cacheable by anyone.
        response.headers.setdefault("Content-Language", current_lang())
        response.vary.add("Cookie")
    return response


def init_app(app: Flask) -> None:
    """Pick the language per request and give templates ``_``, number/date filters and the switch URLs."""
    app.before_request(_choose_language)
    app.after_request(_remember_language)

    @app.context_processor
    def _template_helpers() -> dict[str, Any]:
        lang = current_lang()
        other = "en" if lang == "vi" else "vi"
        return {"_": gettext, "lang": lang, "other_lang": other, "other_lang_name": LANGUAGE_NAMES[other],
                "lang_url": lang_url}

    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["bytes"] = format_bytes
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["frequency"] = frequency_label
