"""UI language: Vietnamese by default, English switchable (takes effect on restart).

Every user-visible string in the desk is written in Vietnamese, passed through ``_()``, and listed in
``bkdesk/ui/strings_en.py`` with its English text; a test checks the catalogue covers every literal.
Qt ships no Vietnamese translation of its own buttons, so ``QtVietnameseTranslator`` supplies them.
"""

from __future__ import annotations

from PySide6.QtCore import QTranslator

from bkdesk.ui.strings_en import EN, QT_VI

_lang = "vi"


def set_language(lang: str) -> None:
    global _lang
    _lang = "en" if lang == "en" else "vi"


def language() -> str:
    return _lang


def _(text: str) -> str:
    """The string in the current language (the Vietnamese source text is the key)."""
    if _lang == "en":
        return EN.get(text, text)
    return text


class QtVietnameseTranslator(QTranslator):
    """Vietnamese for Qt's own strings (dialog buttons, context menus of line edits, message boxes)."""

    def translate(self, context, source_text, disambiguation=None, n=-1):  # noqa: D401 (Qt override)
        text = QT_VI.get(source_text) or QT_VI.get(source_text.replace("&", ""))
        return text if text is not None else None

    def isEmpty(self) -> bool:  # noqa: N802 (Qt name)
        return False


def install_qt_translator(app) -> QTranslator | None:
    if _lang != "vi":
        return None
    tr = QtVietnameseTranslator(app)
    app.installTranslator(tr)
    return tr
