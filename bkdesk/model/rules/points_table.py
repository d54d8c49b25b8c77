"""B1 points tables (standards.md §7): canonical JSON, validation, score A (xlsx import:
export.inputs.points_xlsx; storage: store.repo_points).

bkdesk ships no point values. A table is checked completely before anything is written; a failing
file raises ``PointsTableError`` listing every problem in Vietnamese and leaves the database unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from decimal import Decimal
from typing import Any

from bkdesk.errors import UserError

FORMAT = "bkdesk-points-table"
FORMAT_VERSION = 1
QUESTION_TYPES = ("single", "multi", "boolean", "count", "numeric")
DERIVED_FROM = (None, "member_count", "floor_area_m2")
META_KEYS = ("standard_id", "form", "region_code", "region_name_vi", "area", "base_points", "version",
             "valid_from", "valid_to", "source_document", "source_annex", "entered_by", "checked_by")
SHEET_COLUMNS = {
    "meta": ("key", "value"),
    "questions": ("code", "order", "section_vi", "label_vi", "type", "unit_vi", "required", "min_value",
                  "derived_from"),
    "options": ("question_code", "option_code", "label_vi", "points"),
    "bands": ("question_code", "min", "max", "min_inclusive", "max_inclusive", "points"),
}


class PointsTableError(UserError):
    def __init__(self, problems: list[str], source: str = ""):
        # a hostile file's value can be 1 MB long: keep each problem readable (issue 9 corpus)
        self.problems = [p if len(p) <= 300 else p[:300] + "…" for p in problems]
        head = f"Bảng điểm {source} không hợp lệ" if source else "Bảng điểm không hợp lệ"
        super().__init__(head + ": " + "; ".join(self.problems) + ".")


# --- canonical form ------------------------------------------------------------------------------

def canonical_json(table: dict) -> str:
    """Sorted keys, compact separators, NFC, without ``checksum_sha256``."""
    body = {k: v for k, v in table.items() if k != "checksum_sha256"}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return unicodedata.normalize("NFC", text)


def table_checksum(table: dict) -> str:
    return hashlib.sha256(canonical_json(table).encode("utf-8")).hexdigest()


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _walk_strings(node: Any, path: str):
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield f"{path}.{k}" if path else k, k
            yield from _walk_strings(v, f"{path}.{k}" if path else k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk_strings(v, f"{path}[{i}]")


def _is_date(v: Any) -> bool:
    try:
        dt.date.fromisoformat(v)
        return isinstance(v, str) and len(v) == 10
    except (TypeError, ValueError):
        return False


# --- validation ----------------------------------------------------------------------------------

def _band_problems(q: dict, where: str) -> list[str]:
    out: list[str] = []
    bands = q.get("bands") or []
    if not bands:
        return [f"{where}: loại '{q['type']}' cần ít nhất một khoảng điểm (bands)"]
    norm = []
    for j, b in enumerate(bands):
        w = f"{where}.bands[{j}]"
        if not isinstance(b, dict):
            out.append(f"{w}: phải là đối tượng")
            continue
        lo, hi = b.get("min"), b.get("max")
        if (lo is not None and not _is_num(lo)) or (hi is not None and not _is_num(hi)) or not _is_num(b.get("points")):
            out.append(f"{w}: min/max phải là số hoặc null, points phải là số")
            continue
        if not isinstance(b.get("min_inclusive"), bool) or not isinstance(b.get("max_inclusive"), bool):
            out.append(f"{w}: min_inclusive/max_inclusive phải là true/false")
            continue
        if lo is not None and hi is not None and (lo > hi or (lo == hi and not (b["min_inclusive"] and b["max_inclusive"]))):
            out.append(f"{w}: khoảng rỗng")
            continue
        norm.append((lo, b["min_inclusive"], hi, b["max_inclusive"]))
    if out:
        return out
    norm.sort(key=lambda b: (float("-inf") if b[0] is None else b[0], 0 if b[1] else 1))
    start = q.get("min_value") if _is_num(q.get("min_value")) else 0
    cv, closed = start, False  # values below cv are covered or inadmissible; cv itself covered if closed
    reach = None  # highest upper bound of the bands seen so far: (value | None for unbounded, inclusive)
    for lo, lo_inc, hi, hi_inc in norm:
        if reach is not None:
            rh, rh_inc = reach
            if lo is None or rh is None or lo < rh or (lo == rh and lo_inc and rh_inc):
                out.append(f"{where}: các khoảng điểm chồng lấn nhau (quanh giá trị {_fmt(lo if lo is not None else rh)})")
        if cv is not None and lo is not None and (lo > cv or (lo == cv and not lo_inc and not closed)):
            out.append(f"{where}: khoảng điểm bị hở từ {_fmt(cv)} đến {_fmt(lo)}")
        if hi is None:
            cv, closed = None, True
        elif cv is not None and (hi > cv or (hi == cv and hi_inc)):
            cv, closed = hi, hi_inc
        if reach is None or (reach[0] is not None and (hi is None or hi > reach[0] or (hi == reach[0] and hi_inc))):
            reach = (hi, hi_inc)
    if cv is not None:
        out.append(f"{where}: khoảng điểm không bao phủ các giá trị lớn hơn {_fmt(cv)}")
    return out


def _fmt(x: Any) -> str:
    return "?" if x is None else (str(int(x)) if float(x).is_integer() else str(x))


def _question_problems(q: Any, i: int) -> list[str]:
    where = f"questions[{i}]"
    if not isinstance(q, dict):
        return [f"{where}: phải là đối tượng"]
    out: list[str] = []
    where = f"câu hỏi '{q.get('code')}'" if isinstance(q.get("code"), str) else where
    if not isinstance(q.get("code"), str) or not q["code"]:
        out.append(f"{where}: thiếu mã (code)")
    if not isinstance(q.get("order"), int) or isinstance(q.get("order"), bool):
        out.append(f"{where}: 'order' phải là số nguyên")
    if not isinstance(q.get("label_vi"), str) or not q.get("label_vi"):
        out.append(f"{where}: thiếu nội dung câu hỏi (label_vi)")
    if not isinstance(q.get("required"), bool):
        out.append(f"{where}: 'required' phải là true/false")
    if q.get("min_value") is not None and not _is_num(q.get("min_value")):
        out.append(f"{where}: 'min_value' phải là số hoặc null")
    if q.get("derived_from") not in DERIVED_FROM:
        out.append(f"{where}: 'derived_from' không hợp lệ: {q.get('derived_from')!r}")
    qtype = q.get("type")
    if qtype not in QUESTION_TYPES:
        return out + [f"{where}: loại câu hỏi không hợp lệ: {qtype!r}"]
    options, bands = q.get("options") or [], q.get("bands") or []
    if qtype in ("single", "multi", "boolean"):
        if bands:
            out.append(f"{where}: loại '{qtype}' không dùng khoảng điểm (bands)")
        if not options:
            out.append(f"{where}: loại '{qtype}' cần danh sách lựa chọn (options)")
        codes = []
        for j, o in enumerate(options):
            if not isinstance(o, dict) or not isinstance(o.get("code"), str) or not _is_num(o.get("points")):
                out.append(f"{where}.options[{j}]: cần 'code' (chuỗi) và 'points' (số)")
                continue
            codes.append(o["code"])
        dup = sorted({c for c in codes if codes.count(c) > 1}) if len(codes) != len(set(codes)) else []
        if dup:
            out.append(f"{where}: mã lựa chọn bị trùng: {', '.join(dup)}")
        if qtype == "boolean" and sorted(codes) != ["no", "yes"]:
            out.append(f"{where}: loại 'boolean' cần đúng hai lựa chọn 'yes' và 'no'")
    else:
        if options:
            out.append(f"{where}: loại '{qtype}' không dùng lựa chọn (options)")
        out += _band_problems(q, where)
    return out


def validate_table(table: Any, require_checksum: bool = True) -> list[str]:
    """Every problem of a table, in Vietnamese (empty list = valid)."""
    if not isinstance(table, dict):
        return ["nội dung phải là một đối tượng JSON"]
    if table.get("format") != FORMAT:
        return [f"không phải tệp bảng điểm bkdesk (format phải là '{FORMAT}')"]
    if table.get("format_version") != FORMAT_VERSION:
        return [f"phiên bản định dạng {table.get('format_version')!r} không được hỗ trợ (cần {FORMAT_VERSION})"]
    out: list[str] = []
    for path, s in _walk_strings(table, ""):
        if unicodedata.normalize("NFC", s) != s:
            out.append(f"văn bản chưa chuẩn hóa Unicode NFC tại '{path}'")
    for k in ("standard_id", "form", "region_code", "version"):
        if not isinstance(table.get(k), str) or not table.get(k):
            out.append(f"thiếu trường '{k}'")
    if table.get("area") not in ("rural", "urban"):
        out.append("trường 'area' phải là 'rural' hoặc 'urban'")
    if table.get("base_points") is not None and not _is_num(table.get("base_points")):
        out.append("trường 'base_points' phải là số hoặc null")
    if not _is_date(table.get("valid_from")):
        out.append("trường 'valid_from' phải là ngày yyyy-mm-dd")
    if table.get("valid_to") is not None and not _is_date(table.get("valid_to")):
        out.append("trường 'valid_to' phải là ngày yyyy-mm-dd hoặc null")
    elif table.get("valid_to") and _is_date(table.get("valid_from")) and table["valid_to"] < table["valid_from"]:
        out.append("'valid_to' trước 'valid_from'")
    questions = table.get("questions")
    if not isinstance(questions, list) or not questions:
        out.append("trường 'questions' phải là danh sách khác rỗng")
        questions = []
    codes = [q.get("code") for q in questions if isinstance(q, dict)]
    seen: dict = {}
    for c in codes:  # linear: list.count per code made 8,000 questions take 10 s
        key = c if isinstance(c, str | int | float | type(None)) else repr(c)
        seen[key] = seen.get(key, 0) + 1
    dup = sorted({str(c) for c, n in seen.items() if n > 1})
    if dup:
        out.append(f"mã câu hỏi bị trùng: {', '.join(dup)}")
    for i, q in enumerate(questions):
        out += _question_problems(q, i)
    given = table.get("checksum_sha256")
    if given is None:
        if require_checksum:
            out.append("thiếu mã kiểm tra 'checksum_sha256'")
    elif not out and given != table_checksum(table):
        out.append("mã kiểm tra (checksum_sha256) không khớp với nội dung: tệp đã bị sửa hoặc chép sai")
    return out


def check_table(table: Any, source: str = "", require_checksum: bool = True) -> dict:
    problems = validate_table(table, require_checksum)
    if problems:
        raise PointsTableError(problems, source)
    return table


def load_points_json(text: str | bytes, source: str = "") -> dict:
    """Parse and validate a canonical JSON table (checksum required)."""
    try:
        table = json.loads(text, parse_constant=_no_constant)
        return check_table(table, source)
    except RecursionError:  # issue 9 corpus: absurdly deep nesting
        raise PointsTableError(["cấu trúc JSON lồng nhau quá sâu"], source) from None
    except ValueError as exc:  # bad JSON or encoding, NaN/Infinity, 4,300+ digit numbers, lone surrogates
        raise PointsTableError([f"không phải JSON hợp lệ ({str(exc)[:200]})"], source) from None


def _no_constant(name: str):
    raise ValueError(f"giá trị {name} không được phép")


# --- score A -------------------------------------------------------------------------------------

def _in_band(x: Decimal, b: dict) -> bool:
    lo, hi = b["min"], b["max"]
    if lo is not None and (x < Decimal(str(lo)) or (x == Decimal(str(lo)) and not b["min_inclusive"])):
        return False
    return not (hi is not None and (x > Decimal(str(hi)) or (x == Decimal(str(hi)) and not b["max_inclusive"])))


def _answer_points(q: dict, value: Any) -> Decimal:
    code, qtype = q["code"], q["type"]
    options = {o["code"]: o["points"] for o in q.get("options") or []}
    if qtype == "boolean" and isinstance(value, bool):
        value = "yes" if value else "no"
    if qtype in ("single", "boolean"):
        if value not in options:
            raise UserError(f"Câu hỏi {code}: lựa chọn không hợp lệ {value!r}.")
        return Decimal(str(options[value]))
    if qtype == "multi":
        chosen = list(value) if isinstance(value, list | tuple | set) else [value]
        bad = [c for c in chosen if c not in options]
        if bad or len(set(chosen)) != len(chosen):
            raise UserError(f"Câu hỏi {code}: lựa chọn không hợp lệ {bad or chosen!r}.")
        return sum((Decimal(str(options[c])) for c in chosen), Decimal(0))
    if not _is_num(value) or (qtype == "count" and not float(value).is_integer()) or value < 0:
        kind = "số nguyên ≥ 0" if qtype == "count" else "số ≥ 0"
        raise UserError(f"Câu hỏi {code}: giá trị phải là {kind} (nhận được {value!r}).")
    x = Decimal(str(value))
    for b in q["bands"]:
        if _in_band(x, b):
            return Decimal(str(b["points"]))
    raise UserError(f"Câu hỏi {code}: giá trị {value} nằm ngoài mọi khoảng điểm của bảng (lỗi nhập liệu).")


def compute_score_a(table: dict, answers: dict[str, Any]) -> float | None:
    """A = base + Σ points of answered questions; None when a required question is unanswered."""
    qs = {q["code"]: q for q in table["questions"]}
    unknown = sorted(set(answers) - set(qs))
    if unknown:
        raise UserError(f"Mã câu hỏi không có trong bảng điểm: {', '.join(unknown)}.")
    total = Decimal(str(table.get("base_points") or 0))
    for code, q in qs.items():
        value = answers.get(code)
        if value is None or value == []:
            if q["required"] and value is None:
                return None
            continue
        total += _answer_points(q, value)
    return int(total) if total == total.to_integral_value() else float(total)


def choose_score_a(paper: float | None, computed: float | None, source: str, reason: str | None = None
                   ) -> tuple[float | None, str]:
    """Final A and its source (paper_total | computed); a reason when the final differs from computed."""
    if source not in ("paper_total", "computed"):
        raise UserError(f"Nguồn điểm A không hợp lệ: {source!r}.")
    final = paper if source == "paper_total" else computed
    if final is None:
        raise UserError("Chưa có điểm A để xác nhận.")
    if final < 0:
        raise UserError("Điểm A phải là số ≥ 0.")
    if computed is not None and final != computed and not (reason or "").strip():
        raise UserError(f"Điểm A xác nhận ({final}) khác điểm tính từ bảng ({computed}): phải ghi lý do.")
    return final, source
