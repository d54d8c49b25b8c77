"""Field specs of the household editor's tabs (labels from households.md; pick-lists from the code lists)."""

from __future__ import annotations

from bkdesk.model.rules.codelists import CodeLists
from bkdesk.ui.editor.forms import FieldSpec
from bkdesk.ui.i18n import _, language


def _choices(cl: CodeLists, name: str):
    lang = language()
    return lambda: [(i["code"], i["label_en" if lang == "en" else "label_vi"]) for i in cl.items(name)]


def household_specs(cl: CodeLists, villages: list[tuple[str, str]]) -> list[FieldSpec]:
    H, G = "household", "housing"
    return [
        FieldSpec((H, "household_no"), "Mã hộ", required=True, name="household_no_edit"),
        FieldSpec((H, "village_uid"), "Thôn, bản, tổ dân phố", "choice", lambda: villages, True, "village_combo"),
        FieldSpec((H, "address"), "Địa chỉ", name="address_edit"),
        FieldSpec((H, "phone"), "Số điện thoại", name="phone_edit"),
        FieldSpec((H, "note"), "Ghi chú", name="household_note_edit"),
        FieldSpec((G, "no_house"), "Không có nhà ở", "yesno"),
        FieldSpec((G, "wall_durable"), "Tường bằng vật liệu bền chắc", "yesno"),
        FieldSpec((G, "frame_durable"), "Cột bằng vật liệu bền chắc", "yesno"),
        FieldSpec((G, "roof_durable"), "Mái bằng vật liệu bền chắc", "yesno"),
        FieldSpec((G, "floor_area_m2"), "Diện tích nhà ở (m²)", "float", name="floor_area_edit"),
        FieldSpec((G, "water_source"), "Nguồn nước sinh hoạt chính", "choice", _choices(cl, "water_sources")),
        FieldSpec((G, "latrine_type"), "Loại nhà tiêu", "choice", _choices(cl, "latrine_types")),
        FieldSpec((G, "phone_subscription"), "Sử dụng thuê bao điện thoại", "yesno"),
        FieldSpec((G, "internet_use"), "Sử dụng internet", "yesno"),
        FieldSpec((G, "loudspeaker_audible"), "Nghe được loa truyền thanh xã, thôn", "yesno"),
        FieldSpec((G, "info_devices"), "Phương tiện tiếp cận thông tin", "multi", _choices(cl, "info_devices")),
    ]


def member_specs(cl: CodeLists) -> list[FieldSpec]:
    M = "member"
    return [
        FieldSpec((M, "full_name"), "Họ và tên", required=True, name="member_name_edit"),
        FieldSpec((M, "sex"), "Giới tính", "choice", _choices(cl, "sexes"), name="sex_combo"),
        FieldSpec((M, "birth_date"), "Ngày sinh (hoặc năm sinh)", "date", name="birth_date_edit",
                  extra={"year_ok": True}),
        FieldSpec((M, "relation_to_head"), "Quan hệ với chủ hộ", "choice", _choices(cl, "relationships"),
                  name="relation_combo"),
        FieldSpec((M, "ethnicity"), "Dân tộc", "choice", _choices(cl, "ethnic_groups"), name="ethnicity_combo"),
        FieldSpec((M, "id_number"), "Số CCCD / CMND", name="id_number_edit"),
        FieldSpec((M, "presence"), "Tình trạng thành viên", "choice", _choices(cl, "presence")),
        FieldSpec((M, "labour_status"), "Tình trạng việc làm", "choice", _choices(cl, "labour_statuses")),
        FieldSpec((M, "seeking_work"), "Có khả năng và muốn làm việc", "yesno"),
        FieldSpec((M, "wage_job"), "Làm công ăn lương", "yesno"),
        FieldSpec((M, "labour_contract"), "Có hợp đồng lao động", "yesno"),
        FieldSpec((M, "able_to_work"), "Có khả năng lao động", "yesno"),
        FieldSpec((M, "highest_general_education"), "Trình độ giáo dục phổ thông", "choice",
                  _choices(cl, "general_education"), name="education_combo"),
        FieldSpec((M, "vocational_qualification"), "Trình độ chuyên môn kỹ thuật", "choice",
                  _choices(cl, "vocational_qualifications")),
        FieldSpec((M, "currently_studying"), "Đang đi học", "yesno"),
        FieldSpec((M, "school_level"), "Cấp học đang học", "choice", _choices(cl, "school_levels")),
        FieldSpec((M, "level_suitable_for_age"), "Học đúng cấp so với tuổi", "yesno"),
        FieldSpec((M, "health_insurance"), "Có thẻ BHYT còn hạn", "yesno", name="insurance_combo"),
        FieldSpec((M, "malnourished"), "Suy dinh dưỡng (dưới 16 tuổi)", "yesno"),
        FieldSpec((M, "dependant"), "Người phụ thuộc", "yesno"),
        FieldSpec((M, "disability"), "Khuyết tật", "choice", _choices(cl, "disability_levels")),
        FieldSpec((M, "monthly_social_allowance"), "Hưởng trợ cấp xã hội hàng tháng", "yesno"),
        FieldSpec((M, "merit_person"), "Người có công với cách mạng", "yesno"),
        FieldSpec((M, "on_job_training"), "Được người sử dụng lao động đào tạo", "yesno"),
        FieldSpec((M, "low_income_worker"), "Người lao động có thu nhập thấp", "choice",
                  lambda: [("suggested", _("Đề nghị công nhận")), ("recognised", _("Đã công nhận"))]),
    ]


def review_specs() -> list[FieldSpec]:
    R = "review"
    return [
        FieldSpec((R, "review_date"), "Ngày rà soát", "date", name="review_date_edit"),
        FieldSpec((R, "reviewers"), "Rà soát viên", name="reviewers_edit"),
        FieldSpec((R, "household_representative"), "Người đại diện hộ", name="representative_edit"),
        FieldSpec((R, "score_a_paper"), "Điểm A (tổng điểm trên phiếu B1)", "float", name="score_a_edit"),
        FieldSpec((R, "nlndn"), "Hộ làm nông, lâm, ngư, diêm nghiệp", "yesno"),
        # the income procedure (households.md §7): middle-living households and low-income workers
        FieldSpec((R, "income_12m_vnd"), "Thu nhập 12 tháng (đồng)", "int", name="income_12m_edit"),
        FieldSpec((R, "members_counted"), "Số nhân khẩu tính thu nhập", "int", name="members_counted_edit"),
        FieldSpec((R, "income_period_from"), "Thu nhập tính từ ngày", "date"),
        FieldSpec((R, "income_period_to"), "Thu nhập tính đến ngày", "date"),
        FieldSpec((R, "signed"), "Phiếu đã có chữ ký", "yesno"),
    ]


def exit_specs() -> list[FieldSpec]:
    E = "exit"
    targets = [("thoat_ngheo", _("Thoát nghèo")), ("thoat_can_ngheo", _("Thoát cận nghèo"))]
    return [
        FieldSpec((E, "registration_year"), "Năm đăng ký", "year", required=True, name="registration_year_edit"),
        FieldSpec((E, "registration_date"), "Ngày đăng ký", "date"),
        FieldSpec((E, "target"), "Mục tiêu", "choice", lambda: targets, True, "exit_target_combo"),
        FieldSpec((E, "commitment"), "Có cam kết", "yesno"),
        FieldSpec((E, "commitment_text"), "Nội dung cam kết"),
        FieldSpec((E, "livelihood_plan"), "Phương án sinh kế"),
        FieldSpec((E, "livelihood_text"), "Mô tả phương án sinh kế"),
        FieldSpec((E, "support_needed"), "Hỗ trợ cần có"),
        FieldSpec((E, "support_received"), "Hỗ trợ đã nhận"),
        FieldSpec((E, "mentor_org"), "Đoàn thể giúp đỡ"),
        FieldSpec((E, "mentor_officer"), "Cán bộ phụ trách"),
        FieldSpec((E, "form04_submitted"), "Đã nộp Mẫu 04", "yesno"),
        FieldSpec((E, "form04_date"), "Ngày nộp Mẫu 04", "date"),
        FieldSpec((E, "withdrawn_date"), "Ngày rút đăng ký", "date"),
        FieldSpec((E, "withdrawn_reason"), "Lý do rút đăng ký"),
        FieldSpec((E, "outcome_reason"), "Ghi chú kết quả"),
    ]
