from speechkit.metadata import count_redactions, extract_metadata, infer_year, normalise_date, truncation_info


def meta(raw, text=None, hints=None, path_hint=""):
    return extract_metadata(raw, text if text is not None else raw, hints, path_hint)


def test_year_from_meeting_name_and_from_summary_then_plan():
    assert infer_year("今天，我们召开2023年全县妇女儿童工作会议。", None, None) == 2023
    assert infer_year("这次会议总结2021年全市妇女儿童工作，部署2022年重点任务。", None, None) == 2022
    assert infer_year("一、2023年工作回顾\n过去一年……", None, None) == 2024


def test_page_date_wins_and_is_iso():
    m = meta("发布时间：2023年3月8日\n同志们：今天召开2021年会议。", "同志们：今天召开2021年会议。")
    assert m.date == "2023-03-08" and m.year == 2023
    assert normalise_date("2024-1-9 08:00") == "2024-01-09"


def test_place_level_meeting_from_title():
    m = meta("x", "同志们：现在开会。", {"h1": "在绍兴市越城区妇女儿童工作会议上的讲话"})
    assert (m.province, m.city, m.district) == ("浙江省", "绍兴市", "越城区")
    assert m.level == "区"
    assert m.meeting == "绍兴市越城区妇女儿童工作会议"


def test_level_words_without_place():
    assert meta("同志们：全县上下要……全县妇联……").level == "县"


def test_file_named_after_a_place_is_the_researchers_label():
    m = meta("各位代表：现在，我代表市人民政府作报告。", path_hint="三亚")
    assert (m.province, m.city, m.level) == ("海南省", "三亚市", "市")


def test_national_report_has_no_place():
    m = meta("各位代表：\n现在，我代表国务院，向大会报告政府工作。全国……", path_hint="2024_国务院政府工作报告")
    assert m.level == "国家" and m.province is None and m.year == 2024


def test_site_url_speaker():
    raw = ("您好,欢迎访问范文宝\n在全市妇女代表大会上的讲话\n（市委副书记 李明）\n同志们：\n"
           "链接地址:https://www.fanwenbao.example/doc/123 .html")
    m = meta(raw, "同志们：")
    assert m.site == "范文宝"
    assert m.url == "https://www.fanwenbao.example/doc/123.html"
    assert m.speaker == "李明"


def test_truncation_and_redactions():
    raw = "甲……(某网省略1200字,正式会员可完整阅读)……乙……(某网省略300字,正式会员可完整阅读)……(未完,全文共8000字,当前只显示2000字)"
    assert truncation_info(raw) == (True, 8000, 1500)
    assert truncation_info("同志们：完整的讲话。") == (False, None, None)
    assert count_redactions("*市、**同志、〔*〕区、_总书记、新建行业妇联个，帮助*名妇女") == 6
    assert count_redactions("两个确立，每个妇联，这个问题。") == 0
