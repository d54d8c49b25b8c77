"""About dialog: version, data and log folders, licences of everything the installer bundles."""

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

from bkdesk import __version__
from bkdesk.model.store.databases import log_dir
from bkdesk.ui.views.about import AboutDialog, app_icon, bundled_components, open_about


class _Window(QWidget):
    """Stands in for the main window: the dialog reads the open database path from its parent."""

    def __init__(self, db_path: Path):
        super().__init__()
        self.db_path = db_path


def test_open_about_shows_version_database_and_log_folders(qtbot, db_path, tmp_path):
    window = _Window(db_path)
    qtbot.addWidget(window)
    dialog = open_about(window)
    qtbot.waitExposed(dialog)
    assert dialog.isVisible() and dialog.windowTitle() == "Giới thiệu bkdesk"
    assert f"bkdesk {__version__}" in dialog.version_label.text()
    assert dialog.db_label.text() == str(db_path)
    assert dialog.data_dir_label.text() == str(db_path.parent)
    # The log folder is the user log folder (isolated under tmp_path by conftest), not a made-up path.
    assert dialog.log_dir_label.text() == str(log_dir())
    assert Path(dialog.log_dir_label.text()).is_relative_to(tmp_path)
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_without_an_open_database_the_default_data_folder_is_shown(qtbot, tmp_path):
    dialog = AboutDialog(None)
    qtbot.addWidget(dialog)
    assert dialog.db_label.text().endswith("bkdesk.sqlite")
    assert Path(dialog.db_label.text()).is_relative_to(tmp_path)


def test_licences_of_bundled_libraries_and_fonts_are_shown_in_full(qtbot, db_path):
    dialog = AboutDialog(None, db_path)
    qtbot.addWidget(dialog)
    names = [dialog.licence_list.item(i).text() for i in range(dialog.licence_list.count())]
    expected = {  # component -> (licence named in the list, a phrase of the shipped licence text)
        "PySide6": ("LGPL-3.0", "GNU LESSER GENERAL PUBLIC LICENSE"),
        "ReportLab": ("BSD", "ReportLab"),
        "openpyxl": ("MIT", "MIT"),
        "python-calamine": ("MIT", "MIT License"),
        "sqlite-utils": ("Apache-2.0", "Apache License"),
        "platformdirs": ("MIT", "MIT License"),
        "DejaVu": ("Bitstream Vera", "Bitstream"),
    }
    for key, (licence, phrase) in expected.items():
        row = next(i for i, n in enumerate(names) if key in n)
        assert licence in names[row]
        dialog.licence_list.setCurrentRow(row)
        assert phrase in dialog.licence_view.toPlainText(), key
    # Qt's LGPL obligations: the notice says the libraries are replaceable and where the source is.
    dialog.licence_list.setCurrentRow(next(i for i, n in enumerate(names) if "PySide6" in n))
    assert "thay thế" in dialog.licence_view.toPlainText()


def test_every_bundled_component_has_its_licence_file():
    from bkdesk.paths import resource_path

    for comp in bundled_components():
        path = resource_path(*comp["file"].split("/"))
        assert path.is_file() and path.stat().st_size > 500, comp["name"]


def test_open_folder_buttons_open_the_folders(qtbot, db_path, monkeypatch):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True))
    dialog = AboutDialog(None, db_path)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.open_log_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.open_data_button, Qt.MouseButton.LeftButton)
    assert [Path(u.toLocalFile()) for u in opened] == [log_dir(), db_path.parent]
    assert log_dir().is_dir()  # created on demand so the file manager never shows an error


def test_app_icon_has_small_and_large_sizes(qtbot):
    sizes = {(s.width(), s.height()) for s in app_icon().availableSizes()}
    assert {(16, 16), (32, 32), (256, 256)} <= sizes
