"""The officer's first day from an empty home folder (issue 14 acceptance), through the widgets:
wizard (unaccented commune name) -> village -> three households (poor, near-poor, not poor) with members and
reviews in the editor -> round opened, households confirmed, village meeting and commune decision recorded
on the round screen -> package exported from the menu. Then, as the province does it:
`bkdesk init --scope province` + `bkdesk merge` + `bkdesk report --form 1` show the three households in the
commune's row, and `bkdesk query` shows the commune's decision and meeting. Once for a 2025 commune (review year 2025) and once for a 2022 commune (review year 2022)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox
from python_calamine import CalamineWorkbook

from bkdesk.cli.main import main
from bkdesk.model.rules.units import TREE_2022, TREE_2025
from bkdesk.model.store.databases import default_db_path
from bkdesk.model.store.repo_reviews import latest_review
from bkdesk.ui import i18n
from bkdesk.ui.main_window import MainWindow
from bkdesk.ui.views.wizard import TREE_ROLE, FirstRunWizard
from tests.ui.helpers import fill_first_user, type_text
from tests.ui.test_desk_flow import enter_household, pick

CASES = {
    # typed name, unit list, expected code and name, review year, province code
    "2025": ("bang thanh", TREE_2025, "01864", "Xã Bằng Thành", 2025, "19"),
    "2022": ("bang thanh", TREE_2022, "01858", "Xã Bằng Thành", 2022, "06"),
}
# (score A, NSH overridden to "not deprived", class expected): the household of enter_household lacks housing
# quality, water and sanitation (3 indicators); A = 120 is under both the rural and the urban threshold.
HOUSEHOLDS = ((120, False, "POOR"), (120, True, "NEAR_POOR"), (400, True, "NOT_POOR"))


@pytest.fixture(autouse=True)
def _vietnamese(monkeypatch):
    i18n.set_language("vi")
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("Thôn Nà Pài", True)))


def _wizard(qtbot, typed, tree, code, year):
    path = default_db_path()
    assert not path.exists() and not path.parent.exists()  # an empty home folder
    wizard = FirstRunWizard(path)
    qtbot.addWidget(wizard)
    type_text(wizard.commune_search_edit, typed)
    lst = wizard.commune_list
    rows = [lst.item(i) for i in range(lst.count())]
    item = next(i for i in rows if i.data(Qt.ItemDataRole.UserRole) == code and i.data(TREE_ROLE) == tree)
    qtbot.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton, pos=lst.visualItemRect(item).center())
    type_text(wizard.officer_edit, "Hoàng Thị Thắm")
    fill_first_user(wizard)
    wizard.year_spin.setValue(year)
    wizard.buttons.button(wizard.buttons.StandardButton.Ok).click()
    assert wizard.conn is not None, wizard.error_label.text()
    return wizard.conn, path


def _enter(qtbot, win, score_a, nsh_ok):
    editor = enter_household(qtbot, win)
    rt = editor.review_tab
    editor.tabs.setCurrentIndex(2)
    type_text(rt.review_form.widget("score_a_paper"), str(score_a))
    rt.confirm_button.click()
    pick(rt.final_combos["VL"], "not_deprived")
    type_text(rt.reason_edits["VL"], "Hai người lớn đều có việc làm")
    if nsh_ok:
        pick(rt.final_combos["NSH"], "not_deprived")
        type_text(rt.reason_edits["NSH"], "Nước khe đã được bảo vệ")
    editor.tabs.setCurrentIndex(3)
    editor.causes_tab.cause_boxes["1"].click()
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not editor.windowTitle().startswith("*"), timeout=5000)
    uid = editor.state["household"]["uid"]
    editor.close()
    return uid


def _accept(qtbot, dialog, **fields):
    for name, text in fields.items():
        type_text(getattr(dialog, name), text)
    dialog.ok_button().click()
    assert not dialog.isVisible(), dialog.error_label.text()


def _form1_row(path, unit_name):
    for name in CalamineWorkbook.from_path(str(path)).sheet_names:
        for row in CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python():
            if any(str(c).strip() == unit_name for c in row):
                return [c for c in row if isinstance(c, int | float) and not isinstance(c, bool)]
    raise AssertionError(f"no row for {unit_name} in {path}")


@pytest.mark.parametrize("case", sorted(CASES))
def test_first_day(qtbot, tmp_path, case, capsys):
    typed, tree, code, unit_name, year, province = CASES[case]
    conn, path = _wizard(qtbot, typed, tree, code, year)
    win = MainWindow(conn, path)
    qtbot.addWidget(win)
    win.show()
    assert unit_name in win.windowTitle()
    next(a for a in win.toolbar.actions() if a.text() == "Thêm thôn").trigger()
    uids = [_enter(qtbot, win, a, nsh) for a, nsh, _ in HOUSEHOLDS]
    assert [latest_review(win.desk.conn, u).final_class for u in uids] == [c for _, _, c in HOUSEHOLDS]
    assert {latest_review(win.desk.conn, u).record_status for u in uids} == {"draft"}

    # the round screen, from the menu: open the round (entered reviews are carried in), confirm, meeting, decision
    win.screen_actions["rounds"].trigger()
    view = _rounds_view(win)
    view.year_spin.setValue(year)
    view.open_button.click()
    assert "chuyển 3 hộ" in view.message_label.text()
    assert [view.status_table.item(0, c).text() for c in range(5)] == ["Thôn Nà Pài", "3", "0", "0", "0"]
    view.confirm_all_button.click()
    assert "Đã xác nhận 3 hộ" in view.message_label.text(), view.report_text.toPlainText()
    assert view.status_table.item(0, 2).text() == "3"
    view.meeting_button.click()
    _accept(qtbot, view.step_dialog, date_edit=f"05/10/{year}", place_edit="Nhà văn hóa thôn",
            chair_edit="Ma Văn Tùng", secretary_edit="Lý Thị Hoa", attendees_spin="40", agree_spin="36")
    assert "đạt" in view.status_table.item(0, 5).text()
    view.decision_button.click()
    _accept(qtbot, view.step_dialog, number_edit="215/QĐ-UBND", date_edit=f"10/12/{year}",
            signer_edit="Hà Văn Bình")
    assert view.status_table.item(0, 3).text() == "3", view.message_label.text()
    assert {latest_review(win.desk.conn, u).record_status for u in uids} == {"decided"}

    # send up from the menu
    win.screen_actions["send_package"].trigger()
    send = next(w for w in win.findChildren(object) if getattr(w, "objectName", lambda: "")() == "send_package_dialog")
    assert code in send.path_edit.text() and str(year) in send.path_edit.text()
    send.path_edit.setText(str(tmp_path / send.path_edit.text().rsplit("/", 1)[-1]))
    phrase = "cụm mật khẩu gửi tỉnh"  # no recipient key registered: the package is locked by a passphrase

    def type_twice(dlg):
        type_text(dlg.passphrase_edit, phrase)
        type_text(dlg.passphrase2_edit, phrase)
        dlg.ok_button.click()

    from bkdesk.ui.views.passphrase_dialog import PassphraseDialog
    from tests.ui.helpers import drive_modals

    drive_modals([(PassphraseDialog, type_twice)])
    send.export_button.click()
    qtbot.waitUntil(lambda: send.summary is not None, timeout=20000)
    package = send.summary["path"]
    assert package.exists() and "3 hộ" in send.message_label.text()
    win.close()

    capsys.readouterr()
    prov = tmp_path / "tinh.sqlite"
    assert main(["init", "--db", str(prov), "--scope", "province", province]) == 0
    (tmp_path / "cum.txt").write_text(phrase, encoding="utf-8")
    assert main(["merge", "--db", str(prov), str(package), *_first_key_flag(), "--passphrase-file",
                 str(tmp_path / "cum.txt")]) == 0, capsys.readouterr()
    out = tmp_path / "bieu1.xlsx"
    assert main(["report", "--db", str(prov), "--form", "1", "--unit", province, "--round", str(year),
                 "--out", str(out)]) == 0, capsys.readouterr()
    numbers = _form1_row(out, unit_name)
    # total households 3 and persons 9; poor 1 (3 persons, 33.33 %); near-poor 1 (3 persons, 33.33 %)
    assert numbers[:8] == [3, 9, 1, 3, 33.33, 1, 3, 33.33], numbers
    # the decision and the meeting the commune recorded travelled with the package
    capsys.readouterr()
    assert main(["query", "--db", str(prov), "--json", "SELECT d.number, d.decision_date, m.chair, m.secretary"
                 " FROM round_decision d JOIN village_meeting m ON m.round_uid = d.round_uid"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"number": "215/QĐ-UBND", "decision_date": f"{year}-12-10",
                                                    "chair": "Ma Văn Tùng", "secretary": "Lý Thị Hoa"}]


def _first_key_flag() -> list[str]:
    """The province accepts a commune's first signing key explicitly, where packages are signed."""
    from bkdesk.cli.main import build_parser
    from bkdesk.errors import UserError

    try:
        build_parser().parse_args(["merge", "x.xlsx", "--trust-new"])
    except UserError:
        return []
    return ["--trust-new"]


def _rounds_view(win):
    from bkdesk.ui.views.rounds_view import RoundsView

    views = win.findChildren(RoundsView)
    assert views
    return views[-1]
