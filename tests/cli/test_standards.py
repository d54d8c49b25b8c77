"""`bkdesk standards`: list, show, history and set (a revision saved with reason and source, audited)."""

import json

from bkdesk.cli.main import main


def _counts(db):
    return [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("standard_revision", "audit_log")]


def test_list_show_set_history(db, db_path, tmp_path, capsys):
    assert main(["standards", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "vn-2022-2026\tdanh sách năm 2022-2026" in out and "bản đi kèm phần mềm" in out

    edited = tmp_path / "chuan.json"
    assert main(["standards", "show", "vn-2022-2026", "--db", str(db_path), "--out", str(edited)]) == 0
    data = json.loads(edited.read_text(encoding="utf-8"))
    before = data["revision"]["number"]
    assert data["id"] == "vn-2022-2026" and "Đã ghi vn-2022-2026" in capsys.readouterr().out
    data["indicators"][0]["label_vi"] += " (sửa)"
    edited.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    assert main(["standards", "set", str(edited), "--db", str(db_path), "--reason", "Sửa nhãn chỉ số",
                 "--source-document", "Công văn 123/SLĐTBXH"]) == 0
    assert f"phiên bản {before + 1}" in capsys.readouterr().out
    assert main(["standards", "history", "vn-2022-2026", "--db", str(db_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"phiên bản {before + 1}\t")
    assert "Sửa nhãn chỉ số" in lines[0] and "căn cứ: Công văn 123/SLĐTBXH" in lines[0]
    assert main(["standards", "show", "vn-2022-2026", "--db", str(db_path)]) == 0
    assert json.loads(capsys.readouterr().out)["indicators"][0]["label_vi"].endswith(" (sửa)")
    audit = db.execute("SELECT reason FROM audit_log WHERE table_name='standard_revision'").fetchall()
    assert [r[0] for r in audit] == ["Sửa nhãn chỉ số (căn cứ: Công văn 123/SLĐTBXH)"]


def test_history_without_revisions_and_without_a_database(tmp_path, capsys):
    missing = tmp_path / "khong-co.sqlite"
    assert main(["standards", "history", "vn-2022-2026", "--db", str(missing)]) == 0
    assert "Chưa có bản sửa nào của vn-2022-2026" in capsys.readouterr().out
    assert not missing.exists()


def test_bad_input_is_one_line_exit_2_and_changes_nothing(db, db_path, tmp_path, capsys):
    before = _counts(db)
    bad_json = tmp_path / "hong.json"
    bad_json.write_text("{ không phải json", encoding="utf-8")
    wrong = tmp_path / "sai.json"
    wrong.write_text(json.dumps({"id": "vn-2022-2026", "status": "active"}), encoding="utf-8")
    cases = [
        (["standards", "show", "vn-1999", "--db", str(db_path)], "Không có chuẩn nghèo mã 'vn-1999'"),
        (["standards", "set", str(bad_json), "--db", str(db_path), "--reason", "x", "--source-document", "y"],
         "không phải JSON hợp lệ"),
        (["standards", "set", str(tmp_path / "khong.json"), "--db", str(db_path), "--reason", "x",
          "--source-document", "y"], "Không tìm thấy tệp"),
        (["standards", "set", str(wrong), "--db", str(db_path), "--reason", "x", "--source-document", "y"], ""),
        (["standards", "set", str(wrong), "--db", str(db_path), "--reason", " ", "--source-document", "y"],
         "lý do"),
        (["standards", "set", str(wrong), "--db", str(tmp_path / "khong.sqlite"), "--reason", "x",
          "--source-document", "y"], "Không tìm thấy cơ sở dữ liệu"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("Lỗi: ") and message in err and len(err.strip().splitlines()) == 1, err
    assert _counts(db) == before
