from bkdesk.model.store import settings
from bkdesk.model.store.check import check_database


def _raw_household(db, uid, origin):
    db.execute("INSERT INTO household (uid, commune_code, rev, updated_at, updated_by, origin)"
               " VALUES (?, '01954', 1, '2022-10-01T08:00:00+07:00', 'cb', ?)", (uid, origin))


def test_a_local_household_without_history_is_a_problem(db):
    _raw_household(db, "h-local", settings.installation_id(db))
    assert any("h-local" in p and "nhật ký" in p for p in check_database(db))


def test_a_merged_household_may_arrive_without_its_older_history(db):
    _raw_household(db, "h-merged", "another-laptop")
    assert check_database(db) == []


def test_contradictions_in_real_data_are_warnings_not_problems(db, capsys, tmp_path):
    import random

    from bkdesk.model.rules.records import Review
    from bkdesk.model.store.check import check_warnings
    from bkdesk.model.store.repo_households import save_household
    from bkdesk.model.store.repo_reviews import save_review
    from tests.factories import make_bundle

    bundle = make_bundle(random.Random(3), "01954", n_members=2, no=7)
    head, other = bundle.members
    head.relation_to_head, head.sex, head.birth_date = "chu_ho", "1", "1970-05-01"
    other.relation_to_head, other.sex, other.birth_date = "bo", "2", "1945-05-01"  # "Bố" for a woman
    save_household(db, bundle, "Cán bộ")
    # a middle-living household without the farm flag, and one with an income above the band
    save_review(db, Review(bundle.household.uid, 2023, "2022-09-01", "01954", final_class="MIDDLE",
                           record_status="decided", area="rural"), "Cán bộ")
    save_review(db, Review(bundle.household.uid, 2024, "2023-09-01", "01954", final_class="MIDDLE",
                           record_status="decided", area="rural", nlndn=1, income_12m_vnd=2_250_001 * 12 * 2,
                           members_counted=2), "Cán bộ")
    warnings = check_warnings(db)
    assert warnings[0] == (f"Hộ 0007 (xã 01954): {other.full_name}: quan hệ với chủ hộ là \"Bố\" nhưng giới tính "
                           "là nữ: kiểm tra lại.")
    assert "(năm danh sách 2023): hộ có mức sống trung bình nhưng không ghi là hộ làm nông" in warnings[1]
    assert "thu nhập bình quân 2.250.001 đồng/người/tháng nằm ngoài khoảng mức sống trung bình" in warnings[2]
    assert len(warnings) == 3
    assert check_database(db) == []  # warnings do not make the database unsound
