"""English texts of the desk's Vietnamese UI strings, and Vietnamese for Qt's own strings.

Keys are the Vietnamese source texts used with ``_()``; a test fails when a literal is missing here.
"""

from __future__ import annotations

# Qt's own strings (QPlatformTheme, QDialogButtonBox, QMessageBox, QLineEdit and QWidgetTextControl menus).
QT_VI = {
    "OK": "Đồng ý", "Save": "Lưu", "Save All": "Lưu tất cả", "Open": "Mở", "Yes": "Có", "Yes to All": "Có tất cả",
    "No": "Không", "No to All": "Không tất cả", "Abort": "Hủy bỏ", "Retry": "Thử lại", "Ignore": "Bỏ qua",
    "Close": "Đóng", "Cancel": "Hủy", "Discard": "Không lưu", "Don't Save": "Không lưu",
    "Close without Saving": "Đóng không lưu", "Help": "Trợ giúp", "Apply": "Áp dụng", "Reset": "Đặt lại",
    "Restore Defaults": "Khôi phục mặc định", "Show Details...": "Xem chi tiết...",
    "Hide Details...": "Ẩn chi tiết...", "Undo": "Hoàn tác", "Redo": "Làm lại", "Cu&t": "Cắt", "Cut": "Cắt",
    "Copy": "Sao chép", "Paste": "Dán", "Delete": "Xóa", "Select All": "Chọn tất cả",
    "Copy &Link Location": "Sao chép địa chỉ liên kết", "&Undo": "Hoàn tác", "&Redo": "Làm lại",
    "&Copy": "Sao chép", "&Paste": "Dán", "&Yes": "&Có", "&No": "&Không", "&OK": "Đồng ý",
    "&Cancel": "Hủy", "&Save": "Lưu", "&Close": "Đóng", "&Delete": "Xóa", "Look in:": "Tìm trong:",
    "File &name:": "Tên tệp:", "Files of type:": "Loại tệp:", "&Open": "Mở", "&Choose": "Chọn",
    "Back": "Quay lại", "Next": "Tiếp", "Finish": "Hoàn tất", "&Back": "Quay lại", "&Next": "Tiếp",
    "&Finish": "Hoàn tất", "Go Back": "Quay lại", "Continue": "Tiếp tục", "Commit": "Ghi",
}

EN: dict[str, str] = {}
