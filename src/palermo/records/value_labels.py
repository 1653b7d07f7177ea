"""Words for the coded values of the traveller record, in English and Simplified Chinese.

The record keeps codes (``recruitment_agency``); a person reads a label in their language, on
the pages and in the words that explain a hit. The field is part of the key, because one code
reads differently per field (a family visa, a ticket paid by the family).

>>> value_label("trip_type", "one_way", "en"), value_label("trip_type", "one_way", "zh")
('one way', '单程')
>>> value_label("visa_type", "none", "en"), value_label("sponsor_kind", "none", "zh")
('no visa', '无担保方')
>>> value_label("trip_type", "sideways", "en")  # an unknown code: spaces for underscores
'sideways'
"""

from __future__ import annotations

VALUE_LABELS: dict[tuple[str, str], tuple[str, str]] = {
    ("event_kind", "entry"): ("entry", "入境"),
    ("event_kind", "exit"): ("exit", "出境"),
    ("event_kind", "visa_application"): ("visa application", "签证申请"),
    ("document_type", "passport"): ("passport", "护照"),
    ("document_type", "id_card"): ("identity card", "身份证"),
    ("document_type", "travel_document"): ("travel document", "旅行证件"),
    ("document_type", "visa"): ("visa", "签证"),
    ("document_type", "other"): ("other", "其他"),
    ("sex", "F"): ("female", "女"),
    ("sex", "M"): ("male", "男"),
    ("sex", "X"): ("unspecified (X)", "未注明（X）"),
    ("trip_type", "one_way"): ("one way", "单程"),
    ("trip_type", "return"): ("return", "往返"),
    ("ticket_paid_by", "self"): ("self", "本人"),
    ("ticket_paid_by", "family"): ("family", "家人"),
    ("ticket_paid_by", "employer"): ("employer", "雇主"),
    ("ticket_paid_by", "recruitment_agency"): ("recruitment agency", "招聘中介"),
    ("ticket_paid_by", "unknown_third_party"): ("unknown third party", "不明第三方"),
    ("ticket_paid_by", "unknown"): ("unknown", "不详"),
    ("declared_purpose", "tourism"): ("tourism", "旅游"),
    ("declared_purpose", "business"): ("business", "商务"),
    ("declared_purpose", "work"): ("work", "工作"),
    ("declared_purpose", "study"): ("study", "学习"),
    ("declared_purpose", "family_visit"): ("family visit", "探亲"),
    ("declared_purpose", "marriage"): ("marriage", "婚姻"),
    ("declared_purpose", "transit"): ("transit", "过境"),
    ("declared_purpose", "other"): ("other", "其他"),
    ("visa_type", "none"): ("no visa", "无签证"),
    ("visa_type", "visa_free"): ("visa free", "免签"),
    ("visa_type", "tourist"): ("tourist", "旅游签证"),
    ("visa_type", "business"): ("business", "商务签证"),
    ("visa_type", "work"): ("work", "工作签证"),
    ("visa_type", "student"): ("student", "学生签证"),
    ("visa_type", "family"): ("family", "家庭团聚签证"),
    ("visa_type", "marriage"): ("marriage", "婚姻签证"),
    ("visa_type", "transit"): ("transit", "过境签证"),
    ("visa_type", "other"): ("other", "其他签证"),
    ("sponsor_kind", "none"): ("no sponsor", "无担保方"),
    ("sponsor_kind", "employer"): ("employer", "雇主"),
    ("sponsor_kind", "recruitment_agency"): ("recruitment agency", "招聘中介"),
    ("sponsor_kind", "family"): ("family", "家人"),
    ("sponsor_kind", "individual"): ("individual", "个人"),
    ("sponsor_kind", "institution"): ("institution", "机构"),
    ("offered_job_sector", "none"): ("no job offered", "未提供工作"),
    ("offered_job_sector", "domestic_work"): ("domestic work", "家政服务"),
    ("offered_job_sector", "construction"): ("construction", "建筑业"),
    ("offered_job_sector", "agriculture"): ("agriculture", "农业"),
    ("offered_job_sector", "fishing"): ("fishing", "渔业"),
    ("offered_job_sector", "manufacturing"): ("manufacturing", "制造业"),
    ("offered_job_sector", "entertainment"): ("entertainment", "娱乐业"),
    ("offered_job_sector", "hospitality"): ("hospitality", "酒店餐饮业"),
    ("offered_job_sector", "care"): ("care", "护理照料"),
    ("offered_job_sector", "other"): ("other", "其他行业"),
}


def value_label(field: str, code: str, lang: str = "en") -> str:
    """The label of ``code`` of the coded ``field`` in ``lang`` ("en", or "zh"/"zh-hans")."""
    labels = VALUE_LABELS.get((field, code))
    if labels is None:
        return code.replace("_", " ")
    return labels[1] if lang.lower().startswith("zh") else labels[0]
