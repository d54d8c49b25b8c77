"""Every commune of both unit lists opens as itself through the wizard (issue 14, "the wizard opens the wrong
commune"): typed unaccented, picked, created; the window title and the exported package header name the
same unit, and the database keeps the list the officer picked."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from python_calamine import CalamineWorkbook

from bkdesk.model.rules.text import search_key
from bkdesk.model.rules.units import TREE_2022, TREE_2025, catalog
from bkdesk.model.store import settings
from bkdesk.ui import i18n
from bkdesk.ui.main_window import MainWindow
from bkdesk.ui.views.wizard import TREE_ROLE, FirstRunWizard
from tests.export.sync_keys import write_package
from tests.ui.helpers import fill_first_user, type_text

YEAR = {TREE_2022: 2024, TREE_2025: 2025}


def _summary_unit(path) -> str:
    wb = CalamineWorkbook.from_path(str(path))
    for name in wb.sheet_names:
        for row in wb.get_sheet_by_name(name).to_python():
            if row and str(row[0]).strip() == "Đơn vị":
                return str(row[1])
    raise AssertionError(f"no unit line in {path}")


def _open_through_wizard(qtbot, path, unit, year):
    wizard = FirstRunWizard(path)
    qtbot.addWidget(wizard)
    type_text(wizard.commune_search_edit, search_key(unit.name))  # unaccented, as an officer types it
    rows = [wizard.commune_list.item(i) for i in range(wizard.commune_list.count())]
    item = next(i for i in rows if i.data(Qt.ItemDataRole.UserRole) == unit.code and i.data(TREE_ROLE) == unit.tree)
    qtbot.mouseClick(wizard.commune_list.viewport(), Qt.MouseButton.LeftButton,
                     pos=wizard.commune_list.visualItemRect(item).center())
    assert wizard.commune_list.currentItem() is item
    type_text(wizard.officer_edit, "Cán bộ")
    fill_first_user(wizard)
    wizard.year_spin.setValue(year)
    wizard.buttons.button(wizard.buttons.StandardButton.Ok).click()
    assert wizard.conn is not None, wizard.error_label.text()
    return wizard.conn


@pytest.mark.parametrize("tree", [TREE_2025, TREE_2022])
def test_every_commune_opens_as_itself(qtbot, tmp_path, tree):
    i18n.set_language("vi")
    communes = catalog().communes(tree)
    assert len(communes) == {TREE_2025: 37, TREE_2022: 108}[tree]
    wrong = []
    for n, unit in enumerate(communes):
        path = tmp_path / f"{n}.sqlite"
        conn = _open_through_wizard(qtbot, path, unit, YEAR[tree])
        try:
            assert settings.get(conn, settings.TREE) == tree
            win = MainWindow(conn, path)
            qtbot.addWidget(win)
            title = win.windowTitle()
            win.close()
            out, _ = write_package(conn, unit.code, YEAR[tree], tmp_path)
            header = _summary_unit(out)
            if f"bkdesk - {unit.name} -" not in title or header != f"{unit.name} ({unit.code})":
                wrong.append((unit.code, unit.name, title, header))
            out.unlink()
        finally:
            conn.close()
    assert not wrong, wrong


def test_wizard_refuses_a_year_outside_the_list(qtbot, tmp_path):
    i18n.set_language("vi")
    unit = catalog().get("01864", TREE_2022)  # Xã Bộc Bố, 2022 list; 01864 is Xã Bằng Thành in 2025
    wizard = FirstRunWizard(tmp_path / "x.sqlite")
    qtbot.addWidget(wizard)
    type_text(wizard.commune_search_edit, "boc bo")
    assert wizard.commune_list.currentItem().data(TREE_ROLE) == unit.tree
    type_text(wizard.officer_edit, "Cán bộ")
    wizard.year_spin.setValue(2025)
    wizard.buttons.button(wizard.buttons.StandardButton.Ok).click()
    assert wizard.conn is None and "2024" in wizard.error_label.text()
    assert not (tmp_path / "x.sqlite").exists()
