"""Vietnamese text hygiene: NFC storage, accent-free search keys, Vietnamese name sorting."""

from __future__ import annotations

import re
import unicodedata

# Zero-width and invisible characters that arrive with text pasted from Word or Zalo.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u3000]+")

# Vietnamese alphabet order; each letter is a base Latin letter plus its vowel modifier.
_ALPHABET = ["a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m", "n",
             "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z"]
_LETTER_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}
# Tone marks in dictionary order: level, huyền, hỏi, ngã, sắc, nặng.
_TONE_RANK = {"": 0, "\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_TONES = set(_TONE_RANK) - {""}


def clean_text(value: str | None) -> str | None:
    """NFC, invisible characters removed, runs of spaces collapsed, ends stripped (newlines kept)."""
    if value is None:
        return None
    text = unicodedata.normalize("NFC", str(value)).translate(_INVISIBLE)
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip()


def search_key(value: str | None) -> str:
    """Case- and accent-folded key: "Nguyễn Văn Đức" -> "nguyen van duc" (đ folds to d)."""
    if not value:
        return ""
    text = unicodedata.normalize("NFD", str(value).translate(_INVISIBLE))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("đ", "d").replace("Đ", "D").casefold()
    return _SPACES.sub(" ", text.replace("\n", " ")).strip()


def _letter_and_tone(ch: str) -> tuple[int, int]:
    parts = unicodedata.normalize("NFD", ch.lower())
    tone = next((m for m in parts[1:] if m in _TONES), "")
    letter = unicodedata.normalize("NFC", "".join(m for m in parts if m not in _TONES))
    rank = _LETTER_RANK.get(letter)
    if rank is None:  # digits, punctuation, letters outside the alphabet: after z, by code point
        rank = len(_ALPHABET) + ord(letter[0]) if letter else 0
    return rank, _TONE_RANK[tone]


def _word_key(word: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    pairs = [_letter_and_tone(ch) for ch in unicodedata.normalize("NFC", word)]
    return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)


def _text_key(text: str) -> tuple:
    # Letters of every word first, tones only to break ties (dictionary order).
    words = [_word_key(w) for w in text.split()]
    return tuple(w[0] for w in words), tuple(w[1] for w in words)


def name_sort_key(full_name: str | None) -> tuple:
    """Vietnamese order for person names: given name (last word), then the rest, then the full name."""
    name = clean_text(full_name) or ""
    words = name.split()
    if not words:
        return ((), ()), ((), ()), ((), ())
    given, rest = words[-1], " ".join(words[:-1])
    return _text_key(given), _text_key(rest), _text_key(name)


def name_sort_text(full_name: str | None) -> str:
    """A string whose plain (binary) order equals ``name_sort_key`` order, for SQL ORDER BY columns."""
    given, rest, whole = name_sort_key(full_name)

    def encode(key: tuple) -> str:
        letters, tones = key
        return " ".join("".join(chr(0x100 + r) for r in w) for w in letters) + "\x01" + " ".join(
            "".join(chr(0x30 + t) for t in w) for w in tones)

    return "\x02".join(encode(k) for k in (given, rest, whole))
