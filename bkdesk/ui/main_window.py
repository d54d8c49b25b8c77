"""Main window of the officer's desk: menus + toolbar, village tree, household table, filters, totals.

Other screens (export/print, summaries, review rounds) are added by the lead through ``menu(name)``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QFontMetrics, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bkdesk.errors import UserError
from bkdesk.model.desk import DeskContext
from bkdesk.model.review.household_edit import STATUS_LABELS
from bkdesk.model.rules.classify import CLASS_LABELS, CLASSES
from bkdesk.model.rules.fmt import fmt_int
from bkdesk.ui import main_menus, prefs
from bkdesk.ui.desk_signals import DeskSignals
from bkdesk.ui.household_table import HEADER_PADDING, SORT_ARROW, HouseholdTableModel
from bkdesk.ui.i18n import _

MENUS = ("Tệp", "Hộ gia đình", "Thôn", "Đợt rà soát", "Tổng hợp", "Xuất/In", "Quản trị", "Trợ giúp")
SEARCH_DELAY_MS = 150
ROW_HEIGHT = 24
TREE_WIDTH = 200
SAVED_MESSAGE_MS = 10_000


class MainWindow(QMainWindow):
    database_switch_requested = Signal(Path)  # the app opens the other database's window

    def __init__(self, desk: DeskContext, path: Path | None = None):
        """``MainWindow(desk)``; ``MainWindow(conn, path)`` wraps a caller's open connection in a desk context
        (the caller keeps and closes that connection)."""
        super().__init__()
        if not isinstance(desk, DeskContext):
            desk = DeskContext(path, conn=desk)
        self.desk = desk
        self.db_path = desk.path
        self.signals = DeskSignals(desk, self)
        self.editors: list = []
        self.idle_lock = None
        self._update_window_title()
        self.codelists = desk.codelists()
        self._menus: dict[str, QMenu] = {}
        self._build()
        self.model.filter = desk.desk_filter()
        self.signals.household_saved.connect(self._on_household_saved)
        for signal in (self.signals.households_changed, self.signals.villages_changed):
            signal.connect(self.refresh)
        for signal in (self.signals.round_changed, self.signals.merge_done):
            signal.connect(self._on_scope_changed)
        self.refresh()
        prefs.add_recent_database(self.db_path)
        self._apply_session()
        self.resize(1366, 740)

    @property
    def commune(self) -> str:
        return self.desk.commune_code

    @property
    def review_year(self) -> int | None:
        return self.desk.review_year

    @property
    def list_year(self) -> int | None:
        return self.desk.list_year

    def _update_window_title(self) -> None:
        d = self.desk
        name = d.unit_name()
        title = f"bkdesk - {name or _('Chưa chọn đơn vị')}"
        if d.review_year:
            title += f" - {_('năm rà soát')} {d.review_year}"
        if d.is_demo:
            title += " - [" + _("DỮ LIỆU MẪU") + "]"
        session = self.session
        if session is not None:
            title += " - " + session.label
        self.setWindowTitle(title)

    @property
    def session(self):
        """The logged-in user (None on a plain database, only met in tests below the login)."""
        from bkdesk.ui.permissions import session_of

        return session_of(self.desk)

    def _apply_session(self) -> None:
        """Who is logged in (status bar), what their roles allow (actions gated), the idle lock, and the
        reminder of plain copies left by a conversion."""
        from bkdesk.model.rules.roles import role_labels
        from bkdesk.ui import permissions

        session = self.session
        permissions.apply(self)
        admin_menu = self.menu("Quản trị")
        admin_menu.menuAction().setVisible(session is None or session.can("users"))
        self.screen_actions["own_password"].setVisible(session is not None)
        for menu in self._menus.values():
            menu.setToolTipsVisible(True)  # a disabled action says which role it needs
        self.user_label.setText(_("Người dùng: {user} - {roles}").format(user=session.label,
                                                                       roles=role_labels(session.roles))
                                if session is not None else "")
        self.show_plain_reminder()
        seconds = prefs.idle_lock_minutes() * 60
        if session is not None and seconds > 0:
            from bkdesk.ui.views.lock_screen import IdleLock

            self.idle_lock = IdleLock(self, self.db_path, session.username, session.label, seconds)

    def show_plain_reminder(self) -> str:
        from bkdesk.ui.views.convert_dialog import plain_reminder

        text = plain_reminder(self.db_path) if self.session is not None else ""
        self.plain_label.setText(text)
        self.plain_label.setVisible(bool(text))
        return text

    # --- building ----------------------------------------------------------------------------

    def menu(self, name: str) -> QMenu:
        """The top-level menu called ``name`` (Vietnamese title), created at the end when missing."""
        if name not in self._menus:
            self._menus[name] = self.menuBar().addMenu(_(name))
        return self._menus[name]

    def _action(self, text: str, slot, shortcut=None, menu: str | None = None, toolbar: bool = False) -> QAction:
        act = QAction(_(text), self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(lambda _c=False: slot())
        if menu:
            self.menu(menu).addAction(act)
        if toolbar:
            self.toolbar.addAction(act)
        return act

    def _build(self) -> None:
        for name in MENUS:
            self.menu(name)
        self.toolbar = self.addToolBar(_("Thanh công cụ"))
        self.toolbar.setObjectName("main_toolbar")
        self.add_household_action = self._action("Thêm hộ", self.new_household, "Ctrl+N", "Hộ gia đình", True)
        self.edit_household_action = self._action("Sửa hộ", self.edit_current, "Ctrl+E", "Hộ gia đình", True)
        self._action("Tìm hộ", lambda: self.search_edit.setFocus(), "Ctrl+F", "Hộ gia đình", True)
        self.confirm_household_action = self._action("Xác nhận hộ đang chọn", self.confirm_current, None,
                                                     "Hộ gia đình")
        self.add_village_action = self._action("Thêm thôn", self.add_village, None, "Thôn", True)
        self.rename_village_action = self._action("Đổi tên thôn", self.rename_village, None, "Thôn", True)
        self._action("Mở cơ sở dữ liệu khác...", self.open_other, "Ctrl+O", "Tệp")
        self.recent_menu = self.menu("Tệp").addMenu(_("Cơ sở dữ liệu gần đây"))
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        main_menus.wire(self)
        self._action("Cài đặt...", self.open_settings, None, "Tệp")
        self.menu("Tệp").addSeparator()
        self._action("Thoát", self.quit_desk, "Ctrl+Q", "Tệp")
        splitter = QSplitter(self)
        self.village_tree = QTreeWidget(splitter)
        self.village_tree.setObjectName("village_tree")
        self.village_tree.setHeaderLabels([_("Đơn vị"), _("Số hộ")])
        self.village_tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.village_tree.header().setStretchLastSection(False)
        self.village_tree.header().resizeSection(1, 60)
        self.village_tree.currentItemChanged.connect(self._on_village_tree_current_changed)
        centre = QWidget(splitter)
        lay = QVBoxLayout(centre)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(self._filter_bar())
        causes = {i["code"]: i["label_vi"] for i in self.codelists.items("causes")}
        self.model = HouseholdTableModel(self.desk, self, causes)
        self.table_view = QTableView(centre)
        self.table_view.setObjectName("household_table")
        self.table_view.setModel(self.model)
        self.table_view.setSortingEnabled(True)
        self.table_view.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table_view.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.table_view.verticalHeader().setVisible(False)
        self.table_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setHighlightSections(False)  # a bold current-column header was cut when the table had focus
        header.setTextElideMode(Qt.TextElideMode.ElideRight)
        bold = QFont(header.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        for col, column in enumerate(self.model.COLUMNS):
            need = metrics.horizontalAdvance(_(column.label)) + HEADER_PADDING + (SORT_ARROW if column.sort else 0)
            header.resizeSection(col, max(column.width, need))
        header.setStretchLastSection(True)
        self.table_view.doubleClicked.connect(lambda _i: self.edit_current())
        self.table_view.activated.connect(lambda _i: self.edit_current())
        lay.addWidget(self.table_view)
        main_menus.wire_households(self)  # Xóa hộ (nhập nhầm)...: needs the table
        splitter.addWidget(self.village_tree)
        splitter.addWidget(centre)
        splitter.setSizes([TREE_WIDTH, 1366 - TREE_WIDTH])
        self.setCentralWidget(splitter)
        self.totals_label = QLabel(self)
        self.totals_label.setObjectName("totals_label")
        self.statusBar().addPermanentWidget(self.totals_label)  # stays beside "Đã lưu hộ ..." messages
        self.plain_label = QLabel(self)
        self.plain_label.setObjectName("plain_reminder_label")
        self.plain_label.setStyleSheet("color: #b00020;")
        self.plain_label.setVisible(False)
        self.statusBar().addPermanentWidget(self.plain_label)
        self.user_label = QLabel(self)
        self.user_label.setObjectName("user_label")
        self.statusBar().addPermanentWidget(self.user_label)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.search_timer.timeout.connect(self.apply_filters)

    def _filter_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("search_edit")
        self.search_edit.setPlaceholderText(_("Tìm tên, mã hộ, số CCCD..."))
        self.search_edit.setToolTip(_("Tìm theo tên chủ hộ, thành viên, mã hộ, số CCCD (không cần dấu)"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(230)
        self.search_edit.textChanged.connect(lambda _t: self.search_timer.start())
        self.class_combo = self._combo("class_filter_combo", _("Mọi phân loại"),
                                       [(c, _(CLASS_LABELS["vi"][c])) for c in CLASSES] +
                                       [("NONE", _("Chưa phân loại"))])
        self.group_combo = self._combo("group_filter_combo", _("Mọi nhóm"),
                                       [(i["code"], i["label_vi"]) for i in self.codelists.items("household_groups")])
        self.cause_combo = self._combo("cause_filter_combo", _("Mọi nguyên nhân"),
                                       [(i["code"], f"{i['code']}. {i['label_vi']}")
                                        for i in self.codelists.items("causes")])
        self.status_combo = self._combo("status_filter_combo", _("Mọi trạng thái"),
                                        [(k, _(v)) for k, v in STATUS_LABELS.items()])
        self.exit_check = QCheckBox(_("Đăng ký thoát nghèo"), self)
        self.exit_check.setObjectName("exit_filter_check")
        self.incomplete_check = QCheckBox(_("Chưa hoàn thành"), self)
        self.incomplete_check.setObjectName("incomplete_filter_check")
        for box in (self.exit_check, self.incomplete_check):
            box.toggled.connect(lambda _c: self.apply_filters())
        bar.addWidget(self.search_edit, 3)
        for w in (self.class_combo, self.status_combo, self.group_combo, self.cause_combo):
            bar.addWidget(w, 1)
        bar.addWidget(self.exit_check)
        bar.addWidget(self.incomplete_check)
        return bar

    def _combo(self, name: str, all_text: str, items: list[tuple[str, str]]) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.addItem(all_text, None)
        for code, label in items:
            combo.addItem(label, code)
        combo.setMaximumWidth(165)
        combo.currentIndexChanged.connect(lambda _i: self.apply_filters())
        return combo

    # --- data --------------------------------------------------------------------------------

    def apply_filters(self) -> None:
        f = self.model.filter
        f.search = self.search_edit.text()
        f.final_class = self.class_combo.currentData()
        f.group = self.group_combo.currentData()
        f.cause = self.cause_combo.currentData()
        f.record_status = self.status_combo.currentData()
        f.exit_registered = self.exit_check.isChecked()
        f.incomplete = self.incomplete_check.isChecked()
        item = self.village_tree.currentItem()
        f.village_uid = item.data(0, Qt.ItemDataRole.UserRole) if item is not None and item.parent() else None
        self.model.refresh()
        self._update_totals()

    def refresh(self, *_args) -> None:
        """On open and after any announced change: tree counts and totals from the database, then the table."""
        self._totals = self.desk.totals()
        self._fill_tree()
        self.apply_filters()

    def _on_scope_changed(self) -> None:
        """A round opened or closed, or a merge: the review year (and so the list year) may have moved."""
        self.model.filter.commune_code = self.desk.commune_code or None
        self.model.filter.list_year = self.desk.list_year
        self._update_window_title()
        self.refresh()

    def _on_household_saved(self, uid: str) -> None:
        """One household saved: recount totals and villages; the id list is re-read only if its place changed."""
        self._totals = self.desk.totals()
        self._fill_tree()
        self.model.refresh_row(uid)
        self._update_totals()

    def _fill_tree(self) -> None:
        current = self.village_tree.currentItem()
        keep = current.data(0, Qt.ItemDataRole.UserRole) if current is not None and current.parent() else None
        self.village_tree.blockSignals(True)
        self.village_tree.clear()
        counts = self.desk.village_counts()
        root = QTreeWidgetItem([self.desk.unit_name() or self.commune or _("Tất cả"), fmt_int(sum(counts.values()))])
        self.village_tree.addTopLevelItem(root)
        select = root
        for v in self.desk.villages():
            item = QTreeWidgetItem([v["name"], fmt_int(counts.get(v["uid"], 0))])
            item.setData(0, Qt.ItemDataRole.UserRole, v["uid"])
            root.addChild(item)
            if v["uid"] == keep:
                select = item
        if counts.get(None):
            item = QTreeWidgetItem([_("(chưa có thôn)"), fmt_int(counts[None])])
            item.setData(0, Qt.ItemDataRole.UserRole, "")
            root.addChild(item)
        root.setExpanded(True)
        self.village_tree.setCurrentItem(select)
        self.village_tree.blockSignals(False)

    def _on_village_tree_current_changed(self, *_args) -> None:
        self.apply_filters()

    def _update_totals(self) -> None:
        t = self._totals  # per keystroke only the shown count changes
        labels = CLASS_LABELS["vi"]
        parts = [_("Đang hiện {shown} / {total} hộ").format(shown=fmt_int(len(self.model.uids)),
                                                          total=fmt_int(t["households"]))]
        parts += [f"{_(labels[c])}: {fmt_int(t.get(c, 0))}" for c in ("POOR", "NEAR_POOR")]
        parts.append(_("Chưa hoàn thành: {n}").format(n=fmt_int(t["incomplete"])))
        self.totals_label.setText("   |   ".join(parts))

    # --- households --------------------------------------------------------------------------

    def current_uid(self) -> str | None:
        index = self.table_view.currentIndex()
        return self.model.uid_at(index.row()) if index.isValid() else None

    def edit_current(self) -> None:
        uid = self.current_uid()
        if uid:
            self.open_editor(uid)

    def confirm_current(self) -> bool:
        """Confirm the selected household's review (draft -> confirmed) from the list."""
        uid = self.current_uid()
        if not uid:
            QMessageBox.information(self, _("Xác nhận hộ"), _("Hãy chọn một hộ trong danh sách."))
            return False
        try:
            done, reason = self.desk.confirm_household(uid)
        except UserError as exc:
            QMessageBox.warning(self, _("Chưa xác nhận được"), str(exc))
            return False
        if not done:
            QMessageBox.warning(self, _("Chưa xác nhận được"), _("Hồ sơ chưa đủ: {reason}").format(reason=reason))
            return False
        self.statusBar().showMessage(_("Đã xác nhận hộ đang chọn."), SAVED_MESSAGE_MS)
        return True

    def open_editor(self, uid: str, tab: int = 0):
        from bkdesk.ui.editor.dialog import HouseholdEditor

        edit = self.desk.open_household(uid)
        if edit is None:
            return None
        return self._show_editor(HouseholdEditor(self.desk, edit, self), tab)

    def new_household(self):
        from bkdesk.ui.editor.dialog import HouseholdEditor

        item = self.village_tree.currentItem()
        village = item.data(0, Qt.ItemDataRole.UserRole) if item is not None and item.parent() else None
        try:
            edit = self.desk.new_household(village or None)
        except UserError as exc:
            QMessageBox.warning(self, _("Chưa có năm rà soát"), str(exc))
            return None
        return self._show_editor(HouseholdEditor(self.desk, edit, self), 0)

    def next_uid(self, uid: str) -> str | None:
        """The household after ``uid`` in the list as shown (for "Lưu và hộ tiếp theo")."""
        try:
            i = self.model.uids.index(uid)
        except ValueError:
            return None
        return self.model.uid_at(i + 1)

    def _open_next(self, uid: str):
        nxt = self.next_uid(uid)
        if nxt is None:
            self.statusBar().showMessage(_("Đã đến hộ cuối cùng của danh sách."), SAVED_MESSAGE_MS)
            return None
        self.table_view.selectRow(self.model.uids.index(nxt))
        return self.open_editor(nxt)

    def _show_editor(self, editor, tab: int):
        editor.tabs.setCurrentIndex(tab)
        editor.saved_message.connect(lambda text: self.statusBar().showMessage(text, SAVED_MESSAGE_MS))
        editor.next_requested.connect(self._open_next)
        editor.finished.connect(lambda _r, e=editor: self.editors.remove(e) if e in self.editors else None)
        self.editors.append(editor)
        editor.show()
        return editor

    def offer_drafts(self) -> list:
        """Offer to restore the editor drafts a crash left behind; returns the editors opened."""
        from bkdesk.ui.editor.dialog import HouseholdEditor

        opened = []
        for key, saved_at, data in self.desk.drafts():
            state = data["state"]
            head = next((m.get("full_name") for m in state.get("members", []) if m.get("full_name")), "")
            answer = QMessageBox.question(
                self, _("Khôi phục bản nháp"),
                _("Có bản nháp chưa lưu của hộ {no} {head} (lưu lúc {at}). Mở lại để tiếp tục?").format(
                    no=state["household"].get("household_no", ""), head=head, at=saved_at[:16].replace("T", " ")))
            if answer == QMessageBox.StandardButton.Yes:
                editor = HouseholdEditor(self.desk, self.desk.restore_draft(data), self)
                opened.append(self._show_editor(editor, 0))
            else:
                self.desk.drop_draft(key)
        return opened

    # --- villages, files, settings -----------------------------------------------------------

    def add_village(self, name: str | None = None) -> str | None:
        if name is None:
            name, ok = QInputDialog.getText(self, _("Thêm thôn"), _("Tên thôn, bản, tổ dân phố:"))
            if not ok:
                return None
        try:
            return self.desk.create_village(name)  # announces villages_changed: the tree refreshes
        except UserError as exc:
            QMessageBox.warning(self, _("Không thêm được thôn"), str(exc))
            return None

    def rename_village(self) -> None:
        item = self.village_tree.currentItem()
        uid = item.data(0, Qt.ItemDataRole.UserRole) if item is not None and item.parent() else None
        if not uid:
            QMessageBox.information(self, _("Đổi tên thôn"), _("Hãy chọn một thôn trong cây bên trái."))
            return
        name, ok = QInputDialog.getText(self, _("Đổi tên thôn"), _("Tên mới:"), text=item.text(0))
        if ok:
            try:
                self.desk.rename_village(uid, name)
            except UserError as exc:
                QMessageBox.warning(self, _("Không đổi được tên thôn"), str(exc))

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for p in prefs.recent_databases():
            act = self.recent_menu.addAction(p)
            act.triggered.connect(lambda _c=False, path=p: self._switch_to(Path(path)))

    def open_other(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, _("Mở cơ sở dữ liệu"), str(self.db_path.parent),
                                              _("Cơ sở dữ liệu bkdesk (*.sqlite *.db)"))
        if path:
            self._switch_to(Path(path))

    def _switch_to(self, path: Path) -> None:
        if path.resolve() == self.db_path.resolve() or not main_menus.may_leave_database(self):
            return
        if self.close():
            self.database_switch_requested.emit(path)

    def open_settings(self) -> None:
        from bkdesk.ui.views.settings_dialog import SettingsDialog

        SettingsDialog(self).exec()

    def about(self):
        return main_menus.open_about_view(self)

    def quit_desk(self) -> bool:
        """Thoát: ask about unexported changes first, then close (editors ask about unsaved edits)."""
        return main_menus.may_leave_database(self) and self.close()

    def closeEvent(self, event) -> None:  # noqa: N802
        # The window manager's close button (spontaneous) asks like Thoát; programmatic closes do not.
        if event.spontaneous() and not main_menus.may_leave_database(self):
            event.ignore()
            return
        for editor in list(self.editors):
            if not editor.close():
                event.ignore()
                return
        if self.idle_lock is not None:
            self.idle_lock.stop()
        self.signals.detach()
        event.accept()
