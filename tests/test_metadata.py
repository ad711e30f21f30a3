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


# --- byline, preamble and session: what the document's own head states -----------------------------

def report(head_cuts, text, path_hint=""):
    """A report whose head lines the cleaner cut (rule, text), followed by the cleaned text."""
    raw, removals = "", []
    for rule, cut in head_cuts:
        removals.append((rule, len(raw), cut))
        raw += cut
    return extract_metadata(raw + text, text, {}, path_hint, removals=removals)


def test_byline_line_gives_speaker_role_date_and_session():
    m = report([("preamble", "——2025年1月18日在云南省第十四届人民代表大会第三次会议上\n"), ("byline", "省长 王予波\n")],
               "各位代表：\n现在，我代表省人民政府，向大会报告工作。")
    assert (m.speaker, m.speaker_role, m.date) == ("王予波", "省长", "2025-01-18")
    assert m.meeting == "云南省第十四届人民代表大会第三次会议"


def test_date_before_name_is_not_part_of_the_name():
    m = report([("preamble", "----2025年1月15日龚正市长在上海市第十六届人民代表大会第三次会议的政府工作报告\n")],
               "各位代表：\n现在，我代表上海市人民政府，向大会报告工作。")
    assert (m.speaker, m.speaker_role) == ("龚正", "市长")
    assert m.meeting == "上海市第十六届人民代表大会第三次会议"


def test_name_alone_under_the_session_line_beats_a_name_the_body_cites():
    m = report([("preamble", "政府工作报告\n1957年6月26日在第一届全国人民代表大会第四次会議上\n\n周恩来\n")],
               "各位代表：\n我的报告，是依据毛泽东主席在最高国务会议上的报告所提出的方针。", "1957_国务院政府工作报告")
    assert (m.speaker, m.speaker_role, m.date) == ("周恩来", None, "1957-06-26")


def test_office_and_name_on_two_lines_with_typesetting_spaces():
    m = report([("title_repeat", "政府工作报告\n"), ("preamble", "——2024年3月5日在第十四届全国人民代表大会第二次会议上\n国务院总理\u3000\n李\u3000强\n")],
               "各位代表：\n现在，我代表国务院，向大会报告政府工作。", "2024_国务院政府工作报告")
    assert (m.speaker, m.speaker_role) == ("李强", "总理")
    assert m.meeting == "第十四届全国人民代表大会第二次会议" and m.level == "国家"


def test_source_line_holding_date_session_and_speaker():
    """A source line the cleaner cut as field_line: 来源：…2025年1月17日在…会议上省长叶建春作政府工作报告。"""
    m = report([("field_line", "来源：江西省人民政府2025年1月17日在江西省第十四届人民代表大会第三次会议上省长叶建春作政府工作报告。\n")],
               "各位代表：\n现在，我代表江西省人民政府向大会报告工作。")
    assert (m.speaker, m.speaker_role, m.date) == ("叶建春", "省长", "2025-01-17")
    assert m.meeting == "江西省第十四届人民代表大会第三次会议"


def test_head_line_kept_in_the_text_counts_too():
    text = "2025年1月14日在北京市第十六届人民代表大会第三次会议上北京市市长 殷勇同志作政府工作报告。\n各位代表：\n现在……"
    m = meta(text, text)
    assert (m.speaker, m.speaker_role, m.date) == ("殷勇", "市长", "2025-01-14")


def test_acting_and_autonomous_region_offices():
    m = report([("preamble", "——2025年1月19日在西藏自治区第十二届人民代表大会第三次会议上\n西藏自治区代理主席 嘎玛泽登\n")], "各位代表：\n现在……")
    assert (m.speaker, m.speaker_role) == ("嘎玛泽登", "代理主席")
    m = report([("preamble", "2025年1月19日在新疆维吾尔自治区第十四届人民代表大会第三次会议上\n自治区主席 艾尔肯·吐尼亚孜\n")], "各位代表：\n现在……")
    assert (m.speaker, m.speaker_role) == ("艾尔肯·吐尼亚孜", "主席")
    m = report([("preamble", "2025年1月14日在浙江省第十四届人民代表大会第三次会议上浙江省代省长刘捷作政府工作报告\n")], "各位代表：\n现在……")
    assert (m.speaker, m.speaker_role) == ("刘捷", "代省长")


def test_role_is_the_government_office_when_several_are_listed():
    from speechkit.metadata import role_of

    assert role_of("市委副书记、市长、市妇儿工委主任、市未成年人保护工作领导小组组长") == "市长"
    assert role_of("区委副书记、区长") == "区长"
    assert role_of("市委副书记") == "市委副书记"
    assert role_of("习近平总书记") is None


def test_news_report_speaker_who_attended_and_spoke():
    raw = "1月9日,全市妇女儿童工作电视电话会议召开。“要用心用情。”市委副书记、市长、市妇儿工委主任王某朝在出席会议并讲话时强调。"
    m = meta(raw)
    assert (m.speaker, m.speaker_role) == ("王某朝", "市长")


def test_general_secretary_cited_in_the_body_is_no_speaker():
    """习近平总书记在…座谈会上 once gave the speaker 平总."""
    text = "各位代表：\n现在，我代表市政府向大会报告工作。深入贯彻习近平总书记在新时代推动东北全面振兴座谈会上的重要讲话精神。"
    assert meta(text).speaker is None


def test_report_meeting_is_its_session_never_a_meeting_its_body_names():
    text = "各位代表：\n现在，我代表北京市人民政府，向大会报告政府工作。习近平总书记主持召开深入推进京津冀协同发展座谈会。"
    assert meta(text, path_hint="北京").meeting is None
    opening = "各位代表：\n现在，我代表国务院，向第十届全国人民代表大会第一次会议报告过去五年的工作。"
    assert meta(opening).meeting == "第十届全国人民代表大会第一次会议"
    earlier = "各位代表：\n从去年９月第五届全国人民代表大会第三次会议到现在，已经过去了一年零两个月。现在，我代表国务院作报告。"
    assert meta(earlier).meeting is None


def test_a_speech_keeps_its_meeting_from_the_title():
    m = meta("x", "同志们：现在开会。", {"h1": "在全市妇女第十五次代表大会上的讲话"})
    assert m.meeting == "全市妇女第十五次代表大会" and m.speaker is None


def test_page_furniture_after_an_office_is_no_byline():
    text = "市长信箱\n书记专栏\n在全区妇女代表大会上的讲话\n同志们：\n今天召开2020年全区妇女代表大会。"
    assert meta(text).speaker is None


def test_name_followed_by_the_date_in_a_one_line_byline():
    text = "湖北省人民政府省长王某东2020年1月13日在湖北省第十三届人民代表大会第三次会议上作政府工作报告\n各位代表：\n现在……"
    m = meta(text, path_hint="2020年湖北省政府工作报告")
    assert (m.speaker, m.speaker_role, m.date) == ("王某东", "省长", "2020-01-13")
    assert m.meeting == "湖北省第十三届人民代表大会第三次会议"


def test_news_lead_date_is_not_part_of_the_meeting():
    assert meta("3月8日，全县妇女工作会议召开。县委书记李某某出席会议并讲话。").meeting == "全县妇女工作会议"


def test_abbreviated_session_of_news_leads():
    from speechkit.metadata import session_of

    assert session_of("李某在十三届全国人大三次会议上作政府工作报告", "") == "十三届全国人大三次会议"
    assert session_of("——2020年1月12日在省十三届人大三次会议上", "") == "省十三届人大三次会议"


def test_congratulating_a_congress_on_behalf_of_the_government_is_no_report():
    text = "同志们：\n首先，我代表市委、市人民政府，向大会的胜利召开表示热烈的祝贺！"
    assert meta(text, text, {"h1": "在全市妇女第十四次代表大会上的讲话"}).meeting == "全市妇女第十四次代表大会"


def test_title_naming_the_speaker_and_a_dated_byline():
    text = "同志们：\n今天召开会议。"
    m = meta(text, text, {"h1": "市委书记王某某在全市妇女代表大会上的讲话"})
    assert (m.speaker, m.speaker_role) == ("王某某", "市委书记")
    m = report([("title_repeat", "在全市妇女儿童工作会议上的讲话\n"), ("byline", "市委副书记 李某某（2021年2月26日）\n")], text)
    assert (m.speaker, m.speaker_role, m.date) == ("李某某", "市委副书记", "2021-02-26")


def test_the_chair_named_in_the_head_is_not_the_speaker():
    m = report([("byline", "主持人：市委秘书长 王某\n"), ("byline", "市委书记 李某某\n")], "同志们：\n今天开会。")
    assert (m.speaker, m.speaker_role) == ("李某某", "市委书记")
