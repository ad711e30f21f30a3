
import pytest

from speechkit.boilerplate import RuleFileError, find_page_markers, load_rules, strip_boilerplate


def removed_rules(result):
    return {r.rule for r in result.removals}


def check_audit(raw, result):
    """Every removal's text is the raw slice, and raw minus removals is the cleaned text."""
    kept, pos = [], 0
    for r in sorted(result.removals, key=lambda r: r.start):
        assert raw[r.start:r.end] == r.text
        assert r.start >= pos
        kept.append(raw[pos:r.start])
        pos = r.end
    kept.append(raw[pos:])
    assert "".join(kept) == result.text


@pytest.mark.parametrize("raw,rule,gone", [
    ("同志们：今天开会。\n评论0", "comment_counter", "评论0"),
    ("同志们：今天开会。\n阅读(128) 评论(3)\n", "comment_counter", "评论(3)"),
    ("这是正文，创新开 ……(范文网http://www.fw.example省略2310字,正式会员可完整阅读)…… (四)弘扬新风", "paywall_omitted", "省略"),
    ("为困难 ……(未完,全文共9000字,当前只显示3000字,请阅读下面提示信息。收藏在会上的讲话) 上一篇:在会议上的讲话 下一篇:某讲话", "paywall_truncated", "上一篇"),
    ("欢迎您，您好,欢迎访问范文宝\n当前位置:首页 > 讲话稿 > 某讲话\n同志们：开会。", "breadcrumb", "当前位置"),
    ("首页 > 城市频道 > 浙江 > 详情\n会议召开。", "breadcrumb", "城市频道"),
    ("正文一段话。\n关于我们 联系我们 网站地图 法律声明\n", "footer_links", "关于我们"),
    ("正文一段话。\n浙ICP备12345678号-1 浙公网安备 33010002000001号\n", "licence_footer", "ICP备"),
    ("正文一段话。\nCopyright © 2023 某某网 All Rights Reserved\n", "licence_footer", "Copyright"),
    ("正文一段话。\n某某网版权所有,未经书面授权禁止转载\n", "licence_footer", "版权所有"),
    ("会议要求抓好落实。以下由网友整理分享的讲话相关文档,供您学习参考,喜欢就分享吧!\n同志们：", "share_blurb", "喜欢就分享吧"),
    ("【字号：大 中 小】 【打印】 【关闭窗口】\n同志们：", "portal_controls", "字号"),
    ("发布时间：2023-03-08 10:00 【字号：大 中 小】\n同志们：", "field_line", "发布时间"),
    ("  • 来源:某某发布\n  • 编辑:总编室\n正文。", "field_line", "来源"),
    ("会议现场。(王小明 摄)\n正文继续。", "photo_credit", "摄"),
    ("与会人员合影留念 李华 摄\n正文继续。", "photo_caption", "摄"),
    ("出席会议。（记者 张三）\n", "photo_credit", "记者"),
    ("| 标题:在全县妇女代表大会上的讲话 |\n| 同志们：今天开会。 |", "table_wrapper", "|"),
    ("分享到：微信 微博 QQ空间\n同志们：", "share_bar", "分享到"),
])
def test_rule_removes_its_kind_of_chrome(raw, rule, gone):
    result = strip_boilerplate(raw)
    assert rule in removed_rules(result)
    assert gone not in result.text
    check_audit(raw, result)


def test_a_markdown_separator_row_goes_but_the_figures_below_it_stay():
    # the separator row's class once was the range tab..colon: it took digits, %, / and line breaks with it
    raw = "同志们：要抓好落实。\n| 指标 | 目标 |\n|---|:---:|\n| 2025 | 85% |\n|\n2024\n95%以上\n会议到此结束。"
    result = strip_boilerplate(raw)
    assert "2024" in result.text and "95%以上" in result.text
    assert "|---|" not in result.text
    assert all(set(r.text) <= set(" \t|-:\n") for r in result.removals if r.rule == "table_wrapper")
    check_audit(raw, result)


def test_page_markers_inside_words_are_removed_but_real_numbers_stay():
    raw = ("1/6在全县会议上的讲话同志们：要完善联席会议制3/6度,坚持2021-2030年规划,覆盖率达到85%以上,"
           "比例为1/3左右。其次5/6要强化投入保障。")
    result = strip_boilerplate(raw)
    assert "联席会议制度" in result.text
    assert "2021-2030" in result.text and "85%" in result.text and "1/3左右" in result.text
    assert "3/6" not in result.text and "5/6" not in result.text and not result.text.startswith("1/6")
    check_audit(raw, result)


def test_single_fraction_is_not_a_page_marker():
    assert find_page_markers("女性比例不低于1/3的要求") == []


def test_repeated_title_before_body_is_removed():
    raw = "在全市妇女第九次代表大会上的讲话 在全市妇女第九次代表大会上的讲话 同志们：现在开会。"
    result = strip_boilerplate(raw)
    assert result.text == "同志们：现在开会。"
    assert "title_repeat" in removed_rules(result)


def test_header_slogan_above_breadcrumb_is_removed_but_body_sentences_stay():
    raw = "共建美好家园 携手儿童友好\n某研究院主办\n首页 > 新闻 > 详情\n全市儿童工作会议召开。会议要求做好儿童工作。"
    result = strip_boilerplate(raw)
    assert result.text.startswith("全市儿童工作会议召开。")
    assert "header_block" in removed_rules(result)


def test_cleaning_is_idempotent_on_its_output():
    raw = "您好,欢迎访问范文宝\n当前位置:首页 > 讲话\n同志们：要完善制2/4度。\n其次3/4要抓落实。\n评论0\n版权所有 范文宝"
    once = strip_boilerplate(raw).text
    assert strip_boilerplate(once).text == once


def test_user_rule_file_adds_rules_and_bad_files_name_the_problem(tmp_path):
    good = tmp_path / "mine.toml"
    good.write_text("[[rule]]\nname = \"wechat_footer\"\npattern = '''(?m)^长按二维码关注[^\\n]*$'''\n", encoding="utf-8")
    rules = load_rules([good])
    result = strip_boilerplate("同志们：开会。\n长按二维码关注我们", rules)
    assert "wechat_footer" in removed_rules(result) and "二维码" not in result.text
    bad = tmp_path / "bad.toml"
    bad.write_text("[[rule]]\nname = \"x\"\npattern = '''(unclosed'''\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"bad\.toml.*'x'.*regular expression"):
        load_rules([bad])
    broken = tmp_path / "broken.toml"
    broken.write_text("[[rule]\nname = 1\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"broken\.toml.*line 1"):
        load_rules([broken])


# --- the speech guard: rules never cut speech ---------------------------------------------

@pytest.mark.parametrize("line", [
    "八、着力维护安全稳定",
    "（七）聚焦维护和谐稳定，加强安全治理和风险防范",
    "四、反对霸权主义、维护世界和平",
    "企业落地运营，新增呼叫服务外包企业155家、坐席5623个，“承德",
    "主办单位：省教育厅，各州、市人民政府",
])
def test_speech_lines_that_look_like_sponsor_lines_are_kept(line):
    raw = f"各位代表：\n过去一年，我们坚持稳中求进工作总基调，经济社会发展取得新成效。\n{line}\n全年地区生产总值增长5.2%，城镇新增就业6.1万人，居民收入稳步增长。\n"
    result = strip_boilerplate(raw)
    assert line in result.text
    assert "sponsor_line" not in removed_rules(result)
    check_audit(raw, result)


def test_a_sponsor_line_with_site_evidence_in_the_foot_goes():
    raw = ("同志们：今天召开全市妇女儿童工作会议，部署今年的重点任务，大家要抓好落实。\n"
           "主办单位：某市人民政府办公室 咨询热线：0737-12345\n湘ICP备05002141号\n")
    result = strip_boilerplate(raw)
    assert "主办单位" not in result.text and "sponsor_line" in removed_rules(result)
    check_audit(raw, result)


def test_a_sponsor_line_without_evidence_or_in_the_body_stays():
    body = "同志们：今天召开全市妇女儿童工作会议，部署今年的重点任务，大家要抓好落实。\n"
    # no site, phone, licence or copyright near it
    result = strip_boilerplate(body + "主办单位：市教育局、市民政局\n")
    assert "主办单位：市教育局、市民政局" in result.text
    # evidence, but between two body lines: not the page's head or foot
    raw = body + "承办单位：某某网编辑部\n" + body
    result = strip_boilerplate(raw)
    assert "承办单位：某某网编辑部" in result.text
    kept = [p for p in result.protected if p.rule == "sponsor_line"]
    assert kept and "zone" in kept[0].reason


def test_a_user_rule_without_evidence_never_cuts_a_sentence(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text("[[rule]]\nname = \"my_rule\"\npattern = '''^[^\\n]*维护[^\\n]*$'''\n", encoding="utf-8")
    raw = "维护网站\n（八）坚持全力维护社会稳定，为改革和发展创造良好环境\n"
    result = strip_boilerplate(raw, load_rules([path]))
    assert result.text.startswith("（八）坚持全力维护社会稳定") and "维护网站" not in result.text
    assert [p.reason for p in result.protected if p.rule == "my_rule"] == ["reads as speech (outline heading)"]


def test_licence_words_inside_a_sentence_are_not_a_footer():
    raw = "同志们：\n（一）未经批准、授权处置问题线索，发现重大案情隐瞒不报的，要严肃追责问责。\n某某网版权所有\n"
    result = strip_boilerplate(raw)
    assert "（一）未经批准" in result.text and "版权所有" not in result.text


def test_rule_file_errors_name_the_guard_field(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[[rule]]\nname = \"x\"\npattern = 'a'\nzone = \"middle\"\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match="unknown zone 'middle'"):
        load_rules([path])
    path.write_text("[[rule]]\nname = \"x\"\npattern = 'a'\nrequire_evidence = true\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match="no evidence pattern"):
        load_rules([path])


def test_a_markdown_table_of_short_cells_is_not_cut_as_a_menu_but_a_menu_below_it_is():
    # nav_menu once took every row of short cells: | 2025 | 85% | left the speech with its figures
    raw = ("同志们：今年的主要目标如下。\n| 指标 | 2025 | 2027 |\n|---|:---:|---|\n| 覆盖率 | 85% | 90% |\n"
           "| 托位数 | 4.5 | 5 |\n\n首页 | 工作总结 | 讲话稿\n要切实推进普惠托育服务。")
    result = strip_boilerplate(raw)
    assert "覆盖率 | 85% | 90%" in result.text and "托位数 | 4.5 | 5" in result.text and "指标 | 2025 | 2027" in result.text
    assert "首页" not in result.text
    assert "nav_menu" in removed_rules(result)
    assert any(p.rule == "nav_menu" and "85%" in p.text and "markdown table" in p.reason for p in result.protected)
    check_audit(raw, result)


def test_markdown_tables_needs_a_separator_row_and_ends_at_a_blank_line():
    from speechkit.boilerplate import markdown_tables

    assert markdown_tables("首页 | 新闻\n编辑|张三\n") == []  # rows of | without a |---| row: no table
    text = "前言\n年份 | 目标\n--- | ---\n2025 | 85%\n\n首页 | 新闻\n"
    assert [text[s:e] for s, e in markdown_tables(text)] == ["年份 | 目标\n--- | ---\n2025 | 85%\n"]
