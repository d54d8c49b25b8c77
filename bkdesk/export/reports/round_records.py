"""The round's own records as the documents print them (review-process.md §4, reports.md §4-§6): the
commune decision (number, date, signer), the village meetings and the public postings.

The decision comes from the round's decision record; a round without one (databases from before those
records) falls back to the decision text its decided reviews carry ("Quyết định số 184/QĐ-UBND ngày
14/12/2022"), so that the number and date recorded on every review are never printed as blanks.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass, field

from bkdesk.dbapi import sqlite3
from bkdesk.export.reports.official import mid_sentence
from bkdesk.model.rules.fmt import dmy
from bkdesk.model.store import repo_reports, repo_rounds

FORM02_LISTS = ("ds_ngheo", "ds_can_ngheo", "ds_thoat_ngheo", "ds_thoat_can_ngheo")
_DECISION_TEXT = re.compile(r"s[ốo]\s*:?\s*(\S+?)\s+ng[àa]y\s+(\d{1,2})/(\d{1,2})/(\d{4})", re.IGNORECASE)


@dataclass
class Decision:
    number: str  # "184/QĐ-UBND"
    date: dt.date | None
    signer: str = ""

    @property
    def number_only(self) -> str:
        """"184" of "184/QĐ-UBND" (the header prints "Số: 184/QĐ-UBND" from the number and the symbol)."""
        return self.number.split("/", 1)[0].strip()

    @property
    def phrase(self) -> str:
        when = f" ngày {dmy(self.date)}" if self.date else ""
        return f"Quyết định số {self.number}{when}"


@dataclass
class RoundRecords:
    decision: Decision | None = None
    meetings: dict[str, dict] = field(default_factory=dict)  # village uid ('' for the commune) -> meeting
    postings: list[dict] = field(default_factory=list)

    def postings_for(self, village_uid: str | None) -> list[dict]:
        """Postings of one village and the commune-wide ones (no village)."""
        return [p for p in self.postings if not p.get("village_uid") or p.get("village_uid") == village_uid]


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def parse_decision(text: str | None) -> Decision | None:
    m = _DECISION_TEXT.search(text or "")
    if not m:
        return None
    number, d, mo, y = m.groups()
    try:
        when = dt.date(int(y), int(mo), int(d))
    except ValueError:
        when = None
    return Decision(number.rstrip(",;."), when)


def round_records(conn: sqlite3.Connection, commune_code: str, review_year: int,
                  reviews: list[dict] | None = None, month: int | None = None) -> RoundRecords:
    """The records of the commune's periodic round of ``review_year``, or of its regular round of ``month``
    (empty when there is no round)."""
    out = RoundRecords()
    rnd = repo_reports.round_of(conn, commune_code, review_year, month)
    if rnd is not None:
        row = repo_rounds.decision(conn, rnd["uid"])
        if row is not None:
            out.decision = Decision(row["number"], _date(row["decision_date"]), row.get("signer") or "")
        for m in repo_rounds.meetings(conn, rnd["uid"]):
            out.meetings[m.get("village_uid") or ""] = m  # the latest meeting of a village is its record
        out.postings = repo_rounds.postings(conn, rnd["uid"])
    if out.decision is None and reviews:
        texts = Counter(r.get("decision_id") for r in reviews if r.get("decision_id"))
        for text, _n in texts.most_common():
            out.decision = parse_decision(text)
            if out.decision:
                break
    return out


def votes_of(meeting: dict | None) -> dict[str, int]:
    """household uid -> number agreeing, from a meeting record."""
    if not meeting:
        return {}
    try:
        votes = json.loads(meeting.get("votes") or "{}")
    except ValueError:
        return {}
    return {str(k): int(v) for k, v in votes.items() if isinstance(v, int | float)}


def note_decision(tables: list, decision: Decision, commune_name: str) -> None:
    """Every output of a decided round names the decision it belongs to (reports.md §4)."""
    for t in tables:
        if t.template_id in FORM02_LISTS:
            t.subtitle.append(f"(Kèm theo {decision.phrase} của Ủy ban nhân dân {mid_sentence(commune_name)})")
        else:
            t.subtitle.append(f"Kết quả được công nhận tại {decision.phrase}")
