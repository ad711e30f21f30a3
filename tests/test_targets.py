"""Tests for speechkit.targets.extract_targets.

Inline strings are our own wording; the shared corpus is only read at run time.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from speechkit.targets import Target, extract_targets

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _one(text: str) -> Target:
    rows = extract_targets(text)
    assert len(rows) == 1, rows
    return rows[0]


def _figures(text: str) -> list[tuple]:
    return [(t.value, t.unit) for t in extract_targets(text)]


# --------------------------------------------------------------------------
# API and rows
# --------------------------------------------------------------------------


def test_target_fields_match_the_table_contract():
    names = [f.name for f in dataclasses.fields(Target)]
    assert names == [
        "kind", "indicator", "value", "unit", "comparator", "deadline_year",
        "horizon", "redacted", "sentence", "start", "end", "as_of_year",
        "value_low", "value_high", "target_year", "year_source", "commitment", "figure_start", "figure_end",
    ]
    from speechkit.analyze import TABLE_SCHEMAS

    columns = TABLE_SCHEMAS["targets"].names
    assert all(n in columns for n in names if n not in ("sentence_id",))


@pytest.mark.parametrize("sentence", [
    "全市旅游人次、旅游总收入分别恢复到2019年的104.9%、110.3%。",
    "游客接待量恢复到2019年水平的98%。",
    "2003年到2023年，全市地区生产总值由103.97亿元增加到1117.56亿元。",
])
def test_a_base_year_or_the_end_of_a_period_is_not_a_deadline(sentence):
    rows = extract_targets(sentence)
    assert rows and all(r.deadline_year is None for r in rows)


@pytest.mark.parametrize("sentence,year,kind,deadline,as_of", [
    ("到2027年累计建成自治区级示范村500个。", 2024, "target", 2027, None),
    ("到2023年底，全市累计建成托育机构120所。", 2024, "achievement", None, 2023),
    ("到2024年底，普惠托位要达到3000个。", 2024, "target", 2024, None),
    ("到2023年底，全市累计建成托育机构120所。", None, None, 2023, None),
])
def test_the_speech_year_tells_a_deadline_from_a_status_date(sentence, year, kind, deadline, as_of):
    row = extract_targets(sentence, year=year)[0]
    assert (row.deadline_year, row.as_of_year) == (deadline, as_of)
    if kind:
        assert row.kind == kind


def test_empty_and_figureless_text_give_no_rows():
    assert extract_targets("") == []
    assert extract_targets("我们要坚持男女平等基本国策，推动妇女事业全面发展。") == []


def test_one_sentence_holds_two_targets():
    text = "到2025年底,全县托育机构覆盖率要达到90%以上,公办托位占比要原则上达到60%以上"
    rows = extract_targets(text)
    assert [(r.indicator, r.value, r.unit, r.comparator, r.deadline_year, r.kind) for r in rows] == [
        ("托育机构覆盖率", 90.0, "%", ">=", 2025, "target"),
        ("公办托位占比", 60.0, "%", ">=", 2025, "target"),
    ]
    assert rows[0].sentence == rows[1].sentence == text


def test_sentence_is_the_exact_substring_at_its_offsets():
    text = "  去年新建母婴室12个；\n今年力争再建20个！第三句没有数字。最后新增岗位300个?"
    rows = extract_targets(text)
    assert [r.value for r in rows] == [12.0, 20.0, 300.0]
    for r in rows:
        assert text[r.start : r.end] == r.sentence
    assert rows[0].sentence == "去年新建母婴室12个；"
    assert rows[1].sentence == "今年力争再建20个！"
    assert rows[2].sentence == "最后新增岗位300个?"


def test_sentences_split_on_ascii_punctuation_and_line_breaks():
    text = "全区建成儿童之家8个;新建妇女微家15个\n培训家长600人次!"
    rows = extract_targets(text)
    assert [r.sentence for r in rows] == ["全区建成儿童之家8个;", "新建妇女微家15个", "培训家长600人次!"]


def test_rows_come_in_text_order_across_sentences():
    text = "帮助*名妇女就业。新建托育园3所。百分之九十的村建成妇女之家。"
    rows = extract_targets(text)
    assert [r.start for r in rows] == sorted(r.start for r in rows)
    assert [r.unit for r in rows] == ["名", "所", "%"]


# --------------------------------------------------------------------------
# values and units
# --------------------------------------------------------------------------


def test_chinese_numerals_keep_the_stated_magnitude():
    assert _figures("今年要培训三万名家政服务员。") == [(3.0, "万名")]
    assert _figures("妇女参与率达到百分之八十五。") == [(85.0, "%")]
    assert _figures("新建两所普惠性幼儿园。") == [(2.0, "所")]
    assert _figures("全年培训女农民一百二十人。") == [(120.0, "人")]


def test_arabic_numbers_with_magnitude_and_decimals():
    assert _figures("培训妇女1.2万人次。") == [(1.2, "万人次")]
    assert _figures("全市生产总值约4.4万亿元。") == [(4.4, "万亿元")]
    assert _figures("累计发放贷款1,250万元。") == [(1250.0, "万元")]
    assert _figures("覆盖率达到９５．５％。") == [(95.5, "%")]


def test_shi_si_wu_is_a_horizon_not_a_value():
    row = _one("“十四五”期间，全区新建儿童友好公园15个。")
    assert row.value == 15.0
    assert row.horizon == "“十四五”期间"
    assert extract_targets("十四五规划纲要已经印发。") == []


def test_bare_numbers_without_unit_are_skipped():
    assert extract_targets("共有12345热线，编号为2024001，代码369。") == []


def test_non_values_give_no_rows():
    text = (
        "2024年3月8日，我们召开全市妇女第十五次代表大会。"
        "1月9日，会议学习了《中华人民共和国妇女权益保障法》和《儿童发展纲要（2021—2030年）》。"
        "落实2021-2025年规划、“十四五”规划和2021—2030妇女发展纲要。"
        "第一，要提高认识；十四届人大二次会议精神要贯彻好。"
        "联系电话：0571-87654321，浙ICP备12345678号-1，京B2-20212535。"
        "我们坚持“四个意识”，落实“10%工作法”，一名同志作了发言。"
    )
    assert extract_targets(text) == []


def test_titles_and_quoted_slogans_hide_their_numbers():
    assert extract_targets("学习《关于建设100个示范社区的意见》。") == []
    assert _figures("打造“三个一百”工程，新建示范社区100个。") == [(100.0, "个")]


def test_ranges_and_ranks_are_not_values():
    assert extract_targets("关爱0—3岁婴幼儿，进入全省前10名。") == []


def test_bare_magnitude_is_a_unit_only_when_it_counts_something():
    assert _figures("常住人口达到1000万。") == [(1000.0, "万")]
    assert _figures("每年保障近40万随迁子女就学。") == [(40.0, "万")]
    assert extract_targets("培育50亿企业。") == []


def test_measure_figure_before_a_count_qualifies_it():
    row = _one("力争落地10亿元以上制造业项目70个以上。")
    assert (row.value, row.unit, row.comparator) == (70.0, "个", ">=")
    assert "10亿元以上制造业项目" in row.indicator


# --------------------------------------------------------------------------
# redactions
# --------------------------------------------------------------------------


def test_stripped_number_before_a_measure_word_is_a_redacted_row():
    row = _one("力争未来五年培育市级以上巾帼创新工作室个")
    assert row.value is None and row.redacted
    assert row.unit == "个"
    assert row.indicator == "培育市级以上巾帼创新工作室"
    assert row.kind == "target"
    assert row.horizon == "未来五年"


def test_redaction_marks_stand_for_numbers():
    rows = extract_targets("帮助*名妇女实现稳定就业，新建行业妇联**个、楼宇妇联〔*〕个，满意度达*%。")
    assert [(r.unit, r.value, r.redacted) for r in rows] == [
        ("名", None, True), ("个", None, True), ("个", None, True), ("%", None, True),
    ]
    assert rows[0].indicator == "帮助妇女"
    assert rows[1].indicator == "新建行业妇联"
    assert rows[2].indicator == "楼宇妇联"


def test_stripped_numbers_in_lists_and_after_verbs():
    rows = extract_targets("五年来吸纳会员万人，其中户家庭获评省级最美家庭，为万户家庭提供指导服务。")
    assert [(r.unit, r.redacted, r.kind) for r in rows] == [
        ("万人", True, "achievement"), ("户", True, "achievement"), ("万户", True, "achievement"),
    ]
    assert rows[0].indicator == "吸纳会员"


def test_ordinary_words_ending_in_a_measure_word_are_not_redactions():
    text = "建设现代化市场，服务国家战略，培育致富能人，建成人才之家，落实到人，接待游客人次增长较快。"
    assert extract_targets(text) == []


def test_names_marked_with_underscore_are_not_figures():
    assert extract_targets("深入学习贯彻_总书记重要讲话，*区妇联作交流发言。") == []


# --------------------------------------------------------------------------
# comparators, deadlines, horizons
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "comparator"),
    [
        ("覆盖率达到90%以上。", ">="),
        ("覆盖率不低于90%。", ">="),
        ("培训人数超过500人。", ">="),
        ("至少新建3所托育园。", ">="),
        ("筛查率保持在90%以上水平。", ">="),
        ("新增岗位300余个。", ">="),
        ("失业率控制在5.5%以内。", "<="),
        ("发生率在1%以下。", "<="),
        ("比例不超过10%。", "<="),
        ("增长5%左右。", "~"),
        ("服务约3000人次。", "~"),
        ("建成妇女之家300个。", "="),
    ],
)
def test_comparator_words(text, comparator):
    assert _one(text).comparator == comparator


def test_not_lower_than_is_not_lower():
    assert _one("女性比例不低于30%。").comparator == ">="
    assert _one("女性比例低于30%。").comparator == "<="


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("到2025年底，普惠率要达到85%。", 2025),
        ("2027年前建成托育中心5个。", 2027),
        ("力争到2030年培训妇女10万人次。", 2030),
        ("截至2023年底，累计建成母婴室80个。", None),
        ("今年新建母婴室80个。", None),
    ],
)
def test_deadline_year(text, year):
    assert _one(text).deadline_year == year


def test_horizons():
    assert _one("今后五年，要新建儿童之家50个。").horizon == "今后五年"
    assert _one("到本届任期末，全市新建托育园20所。").horizon == "到本届任期末"
    assert _one("“十四五”时期培训女性5万人次。").horizon == "“十四五”时期"
    assert _one("落实“十四五”规划，新建公园8个。").horizon == "十四五"
    assert _one("新建公园8个。").horizon is None


# --------------------------------------------------------------------------
# kind
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "要新建儿童之家45个。",
        "力争培训妇女2万人次。",
        "确保两癌筛查率达到95%以上。",
        "将新增托位1000个。",
        "主要预期目标是：地区生产总值增长5%左右，城镇新增就业3万人。",
        "到2027年，普惠性托位占比达到60%。",
    ],
)
def test_target_cues(text):
    assert {r.kind for r in extract_targets(text)} == {"target"}


@pytest.mark.parametrize(
    "text",
    [
        "已建成妇女之家300个。",
        "累计培训妇女1.2万人次。",
        "去年新建儿童之家45个。",
        "五年来，全市新增托位2000个。",
        "社会消费品零售总额同比增长6.5%。",
        "全市地区生产总值增长5.2%。",  # bare report figure: achievement by default
        "已完成年度目标任务的95%。",  # a past marker beats the noun 目标
    ],
)
def test_achievement_cues_and_default(text):
    assert {r.kind for r in extract_targets(text)} == {"achievement"}


def test_modal_cue_beats_past_marker_in_the_same_clause():
    assert _one("力争同比增长10%。").kind == "target"


def test_nearest_cue_in_the_sentence_decides_for_a_bare_clause():
    rows = extract_targets("去年建成托育园3所，今年计划新建托育园5所，新增托位600个。")
    assert [r.kind for r in rows] == ["achievement", "target", "target"]


def test_section_headings_set_the_frame_for_bare_figures():
    text = (
        "一、2023年工作回顾\n"
        "全市新建儿童之家45个。\n"
        "二、2024年工作安排\n"
        "全市新建儿童之家60个。\n"
        "去年新建儿童之家45个。\n"
    )
    assert [r.kind for r in extract_targets(text)] == ["achievement", "target", "achievement"]


def test_inline_headings_in_one_line_text_set_the_frame():
    text = "一、肯定成绩 全市新建儿童之家45个。二、锚定目标 全市新建儿童之家60个。"
    assert [r.kind for r in extract_targets(text)] == ["achievement", "target"]


# --------------------------------------------------------------------------
# indicator
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        ("去年培训妇女1.2万人次。", "培训妇女"),
        ("全区新建儿童之家45个。", "新建儿童之家"),
        ("建成妇女之家300个。", "建成妇女之家"),
        ("全年要确保两癌筛查覆盖率达到90%。", "两癌筛查覆盖率"),
        ("并使全县适龄妇女参保率提高到95%。", "适龄妇女参保率"),
        ("城镇调查失业率控制在5.5%以内。", "城镇调查失业率"),
        ("85%的社区建成儿童之家。", "社区"),
        ("推动50家企业实现女职工休息室全覆盖。", "企业"),
        ("在电商、家政等领域新建行业妇联12个。", "新建行业妇联"),
        ("开展“最美家庭、最美母亲”评选活动30场。", "开展“最美家庭、最美母亲”评选活动"),
        ("提高养老、低保、孤儿等6项救助标准。", "救助标准"),
        ("推动校企共建18个女性创业学院。", "校企共建女性创业学院"),
    ],
)
def test_indicator(text, indicator):
    assert _one(text).indicator == indicator


def test_follow_up_figure_inherits_the_indicator():
    rows = extract_targets("全市地区生产总值增长5.2%、约4.4万亿元。")
    assert [(r.indicator, r.unit, r.comparator) for r in rows] == [
        ("地区生产总值", "%", "="),
        ("地区生产总值", "万亿元", "~"),
    ]
    rows = extract_targets("生猪出栏量突破100万头、增长8%。")
    assert rows[1].indicator == "生猪出栏量"  # the measured quantity, not its change


def test_respectively_lists_pair_items_with_figures():
    rows = extract_targets("规上工业增加值、固定资产投资、外贸进出口分别增长7.8%、10%、3.5%。")
    assert [(r.indicator, r.value) for r in rows] == [
        ("规上工业增加值", 7.8),
        ("固定资产投资", 10.0),
        ("外贸进出口", 3.5),
    ]


def test_full_width_and_ascii_punctuation_mix():
    rows = extract_targets("到2025年,全市托位达到1万个;到2027年，托位达到1.5万个。")
    assert [(r.value, r.deadline_year) for r in rows] == [(1.0, 2025), (1.5, 2027)]


# --------------------------------------------------------------------------
# robustness
# --------------------------------------------------------------------------

_ALPHABET = list("妇女儿童新建个名所家户人万亿元要已到年底前以上左右约第十四五一二三百分之，,。；;！!？?、：:“”《》（）()*〔〕_\n 0123456789.%—-")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=120))
def test_rows_are_well_formed_for_any_text(text):
    for r in extract_targets(text):
        assert text[r.start : r.end] == r.sentence
        assert r.sentence and r.start < r.end
        assert r.kind in {"target", "achievement"}
        assert r.comparator in {">=", "<=", "~", "=", "range"}
        assert (r.value is None) == r.redacted
        assert r.unit
        assert (r.comparator == "range") == (r.value_low is not None) == (r.value_high is not None)
        if r.comparator == "range":
            assert r.value == r.value_low < r.value_high
        assert r.start <= r.figure_start < r.figure_end <= r.end
        assert (r.target_year is None) == (r.year_source is None)
        assert r.kind == "target" or (r.target_year is None and r.commitment is None)


def test_long_single_line_text_stays_linear():
    # a one-line text without sentence ends and with many figures: context
    # windows are capped, so this finishes quickly instead of going quadratic
    chunk = "新建儿童之家45个、培训妇女1.2万人次、覆盖率达到85%以上、帮助*名妇女、"
    text = chunk * 4000  # ~160k characters, 16k figures, one sentence
    rows = extract_targets(text)
    assert len(rows) == 16000
    assert rows[-1].sentence == text


# --------------------------------------------------------------------------
# the shared corpus (read at run time, never copied)
# --------------------------------------------------------------------------


def _corpus(sub: str) -> Path:
    path = CORPUS / sub
    if not path.is_dir():
        pytest.skip(f"shared corpus folder {path} is absent")
    return path


def test_seed_speech_kindergarten_targets():
    seeds = sorted(_corpus("seeds").glob("004_*.txt"))
    if not seeds:
        pytest.skip("seed 004 is absent from the shared corpus")
    text = seeds[0].read_text(encoding="utf-8")
    rows = extract_targets(text)
    wanted = {
        "普惠性幼儿园覆盖率": 85.0,
        "公办园在园幼儿占比": 50.0,
    }
    for name, value in wanted.items():
        hits = [r for r in rows if name in r.indicator and r.value == value]
        assert len(hits) == 1, (name, [(r.indicator, r.value) for r in rows])
        row = hits[0]
        assert (row.unit, row.comparator, row.deadline_year, row.kind) == ("%", ">=", 2025, "target")
        assert text[row.start : row.end] == row.sentence


def test_seed_speech_stripped_numbers_are_redacted_rows():
    seeds = sorted(_corpus("seeds").glob("001_*.txt"))
    if not seeds:
        pytest.skip("seed 001 is absent from the shared corpus")
    rows = extract_targets(seeds[0].read_text(encoding="utf-8"))
    redacted = [r for r in rows if r.redacted]
    assert len(redacted) >= 10
    assert all(r.value is None for r in redacted)
    # the five-year plans of the speech are targets with their horizon
    future = [r for r in redacted if r.horizon == "未来五年"]
    assert future and all(r.kind == "target" for r in future)


def test_city_reports_sample():
    folder = _corpus("city-reports-2024")
    files = sorted(folder.glob("*.txt"))[:12]
    if not files:
        pytest.skip("no city reports in the shared corpus")
    total = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        rows = extract_targets(text)
        total += len(rows)
        assert rows, path.name
        kinds = {r.kind for r in rows}
        assert kinds == {"target", "achievement"}, path.name  # every report reviews and plans
        assert not any(r.redacted for r in rows), path.name  # clean texts: no stripped numbers
        for r in rows:
            assert text[r.start : r.end] == r.sentence
            assert r.value is not None and r.value >= 0
    assert total > 12 * 30


@pytest.mark.slow
def test_all_city_reports():
    folder = _corpus("city-reports-2024")
    files = sorted(folder.glob("*.txt"))
    rows = [r for path in files for r in extract_targets(path.read_text(encoding="utf-8"))]
    assert len(rows) > 100 * len(files)
    share_target = sum(r.kind == "target" for r in rows) / len(rows)
    assert 0.2 < share_target < 0.8
    assert sum(r.redacted for r in rows) == 0


# --------------------------------------------------------------------------
# issue 13: target_year, ranges, idioms, units, non-values, section-first kind, commitment
# --------------------------------------------------------------------------


def _years(text: str, year: int | None = 2024) -> list[tuple]:
    return [(t.value, t.kind, t.target_year, t.year_source) for t in extract_targets(text, year=year)]


@pytest.mark.parametrize(("text", "expected"), [
    # a stated deadline
    ("到2027年，全市普惠托位达到1.5万个。", [(1.5, "target", 2027, "deadline")]),
    # 今年 / 年内 -> the document's year, 明年 -> +1
    ("今年城镇新增就业要达到5万人以上。", [(5.0, "target", 2024, "horizon")]),
    ("年内新建口袋公园20个。", [(20.0, "target", 2024, "horizon")]),
    ("明年力争新建托育机构30所。", [(30.0, "target", 2025, "horizon")]),
    # five-year plans -> their last year
    ("力争“十四五”末森林覆盖率达到45%。", [(45.0, "target", 2025, "horizon")]),
    ("“十五五”时期力争研发投入强度达到3%。", [(3.0, "target", 2030, "horizon")]),
    # an achievement is for no year
    ("去年全市地区生产总值增长5.2%。", [(5.2, "achievement", None, None)]),
])
def test_target_year_from_deadline_and_horizon(text, expected):
    assert _years(text) == expected


def test_target_year_from_the_section_heading():
    text = ("一、2023年工作回顾\n地区生产总值增长6.1%。\n"
            "二、2024年工作安排\n建成中小学幼儿园项目38个，新增学位4.1万个。\n")
    assert _years(text) == [(6.1, "achievement", None, None), (38.0, "target", 2024, "section"),
                            (4.1, "target", 2024, "section")]


def test_target_year_from_the_main_expected_targets_block():
    text = "今年经济社会发展的主要预期目标是：地区生产总值增长5.5%左右；一般公共预算收入增长3%；城镇新增就业6万人以上。"
    rows = extract_targets(text, year=2025)
    assert [(t.value, t.kind, t.target_year) for t in rows] == [(5.5, "target", 2025), (3.0, "target", 2025),
                                                                 (6.0, "target", 2025)]
    # the year written in the opener wins over the document's
    rows = extract_targets("2023年的主要预期目标是：地区生产总值增长9%，固定资产投资增长13%。", year=2024)
    assert {t.target_year for t in rows} == {2023}


def test_five_year_plan_part_of_a_report_is_for_the_plans_last_year():
    text = ("二、“十三五”时期发展成就和“十四五”时期主要目标任务\n过去五年，城镇新增就业超过6000万人。\n"
            "“十四五”时期是开启新征程的第一个五年。\n常住人口城镇化率提高到65%，森林覆盖率达到24.1%。\n"
            "三、2021年重点工作\n北方地区清洁取暖率达到70%。\n")
    assert _years(text, 2021) == [(6000.0, "achievement", None, None), (65.0, "target", 2025, "section"),
                                  (24.1, "target", 2025, "section"), (70.0, "target", 2021, "section")]


def test_status_date_before_the_documents_year_is_an_achievement():
    rows = extract_targets("到2023年底，全市累计建成托育机构120所。", year=2024)
    assert [(t.kind, t.target_year, t.as_of_year) for t in rows] == [("achievement", None, 2023)]


@pytest.mark.parametrize(("text", "low", "high", "unit"), [
    ("国内生产总值增长4.5-5%。", 4.5, 5.0, "%"),
    ("国内生产总值增长6.5%－7%。", 6.5, 7.0, "%"),
    ("主要污染物排放总量减少8%至10%。", 8.0, 10.0, "%"),
    ("地区生产总值增长5.0%—5.5%，固定资产投资增长5%左右。", 5.0, 5.5, "%"),
])
def test_ranges_give_one_row_with_both_bounds(text, low, high, unit):
    row = extract_targets(text, year=2024)[0]
    assert (row.value, row.value_low, row.value_high, row.unit, row.comparator) == (low, low, high, unit, "range")


def test_periods_and_age_classes_are_no_ranges():
    assert _figures("制定《妇女发展规划（2021—2030年）》。") == []
    assert all(t.comparator != "range" for t in extract_targets("每千人口拥有0—3岁婴幼儿托位数4.5个。"))


@pytest.mark.parametrize(("text", "value", "unit"), [
    ("粮食产量1.3万亿斤以上。", 1.3, "万亿斤"),
    ("新增姊妹学校49对。", 49.0, "对"),
    ("PM2.5平均浓度不超过35微克每立方米。", 35.0, "微克每立方米"),
    ("全员劳动生产率16.8万元/人左右。", 16.8, "万元/人"),
    ("劳动年龄人口平均受教育年限提高到11.3年。", 11.3, "年"),
    ("制定修订行政法规25部。", 25.0, "部"),
    ("投产井新增生产能力达到1，000万吨。", 1000.0, "万吨"),
])
def test_units_and_numbers(text, value, unit):
    row = _one(text)
    assert (row.value, row.unit) == (value, unit)


@pytest.mark.parametrize(("text", "value", "unit", "comparator"), [
    ("力争实际使用外资翻一番。", 2.0, "倍", "="),
    ("推动工业总产值翻一番以上。", 2.0, "倍", ">="),
    ("财政民生支出占比近八成。", 80.0, "%", "~"),
    ("旅游收入超万亿元。", 1.0, "万亿元", ">="),
    ("确保财政支出的三分之二以上用于民生。", 66.67, "%", ">="),
])
def test_idioms_are_figures(text, value, unit, comparator):
    row = _one(text)
    assert (row.value, row.unit, row.comparator) == (value, unit, comparator)


@pytest.mark.parametrize("text", [
    "从6个维度开展评估。",
    "29项主要指标全面完成。",
    "制定13项任务举措。",
    "重点做好10个方面工作。",
    "是全国首批4个省份之一。",
    "用3个月左右的时间开展专项整治。",
    "用三年左右时间基本完成改造。",
    "实施“千企技改”行动，形成一批标杆。",
    "今年是新中国成立75周年。",
    "推进自贸区3.0版谈判。",
])
def test_non_values_give_no_row(text):
    assert _figures(text) == []


@pytest.mark.parametrize(("text", "indicators"), [
    ("单位国内生产总值能耗将比2005年下降20%。", ["单位国内生产总值能耗"]),
    ("国家助学贷款提标降息惠及1100多万学生。", ["国家助学贷款提标降息惠及学生"]),
    ("一般公共预算支出规模28.5万亿元、比上年增加1.1万亿元。", ["一般公共预算支出规模", "一般公共预算支出规模"]),
    ("城镇、农村居民人均可支配收入分别增长6%、7.5%。", ["城镇居民人均可支配收入", "农村居民人均可支配收入"]),
    ("单位国内生产总值能耗和二氧化碳排放分别降低13.5%、18%。", ["单位国内生产总值能耗", "二氧化碳排放"]),
    ("公路通车里程由1997年的123万公里增加到2002年的176万公里。", ["公路通车里程", "公路通车里程"]),
    ("赤字率拟按3%安排。", ["赤字率"]),
    ("跨国公司地区总部、外资研发中心分别新认定60家和30家，累计分别达到1016家和591家。",
     ["新认定跨国公司地区总部", "新认定外资研发中心", "跨国公司地区总部", "外资研发中心"]),
])
def test_indicator_names_the_measured_quantity(text, indicators):
    rows = extract_targets(text, year=2024)
    assert [t.indicator for t in rows] == indicators
    assert all(len(t.indicator) > 1 for t in rows)


def test_review_sub_heading_with_task_does_not_flip_the_review():
    text = ("一、2023年工作回顾\n（二）坚定扛起政治任务\n全市粮食产量达到32万吨。\n"
            "圆满完成各项目标任务\n新增城镇就业2.1万人。\n二、2024年工作安排\n新增城镇就业2万人。\n")
    assert [t.kind for t in extract_targets(text, year=2024)] == ["achievement", "achievement", "target"]


def test_base_periods_are_no_target_cues():
    rows = extract_targets("全市三级医院数量较“十三五”期末翻了一番。", year=2024)
    assert [(t.kind, t.target_year) for t in rows] == [("achievement", None)]
    rows = extract_targets("居民存款由1980年的400亿元增加至2019年的82万亿元。", year=2020)
    assert [(t.kind, t.deadline_year) for t in rows] == [("achievement", None), ("achievement", None)]


def test_plan_section_decides_before_cue_words():
    text = "二、2024年工作安排\n累计建成5G基站1.2万个。赤字规模4.06万亿元，比上年增加1800亿元。\n"
    assert [(t.kind, t.target_year) for t in extract_targets(text, year=2024)] == [
        ("target", 2024), ("target", 2024), ("target", 2024)]
    # a clear past marker still makes an achievement inside the plan section
    rows = extract_targets("二、2024年工作安排\n去年城镇新增就业1.2万人。\n", year=2024)
    assert [t.kind for t in rows] == ["achievement"]


def test_base_value_of_a_change_is_an_achievement():
    rows = extract_targets("“十二五”时期，城镇化率从47.5％提高到51.5%。", year=2011)
    assert [(t.value, t.kind, t.target_year) for t in rows] == [(47.5, "achievement", None), (51.5, "target", 2015)]


@pytest.mark.parametrize(("text", "commitment"), [
    ("确保粮食产量保持在32万吨以上。", "binding"),
    ("严守18亿亩耕地红线。", "binding"),
    ("力争新增规上工业产值350亿元，实际使用外资翻一番。", "aspirational"),
    ("鼓励企业新建研发中心10家。", "encouraging"),
    ("明年城镇新增就业1200万人以上。", None),
])
def test_commitment_of_targets(text, commitment):
    rows = extract_targets(text, year=2024)
    assert rows and all(t.commitment == commitment for t in rows)


def test_commitment_is_none_for_achievements_and_found_on_sentences():
    from speechkit.targets import commitment_of

    assert extract_targets("去年确保了粮食产量32万吨。", year=2024)[0].commitment is None
    assert commitment_of("坚决守住不发生规模性返贫的底线") == "binding"
    assert commitment_of("争取更多项目纳入国家规划") == "aspirational"
    assert commitment_of("引导社会资本参与养老服务") == "encouraging"
    assert commitment_of("去年地区生产总值增长5.2%") is None


def test_figure_offsets_locate_the_figure():
    text = "今年城镇新增就业1200万人以上，城镇调查失业率5.5%左右。"
    for t in extract_targets(text, year=2024):
        assert text[t.figure_start:t.figure_end] in ("1200万人以上", "5.5%左右")


def test_short_list_items_share_the_head_noun_only_at_a_word_boundary():
    rows = extract_targets("家电、新能源汽车零售额分别增长23.9%、35.8%。")
    assert [t.indicator for t in rows] == ["家电", "新能源汽车零售额"]
    rows = extract_targets("第一、第二、第三产业增加值分别增长2%、5.5%和6.5%。")
    assert [t.indicator for t in rows] == ["第一产业增加值", "第二产业增加值", "第三产业增加值"]


def test_a_part_of_no_known_kind_after_the_review_ends_the_review_frame():
    text = "一、1994年国内工作的回顾\n工业增加值增长18%。\n二、促进国民经济持续健康发展\n物价涨幅力争控制在15%左右。\n"
    assert [t.kind for t in extract_targets(text, year=1995)] == ["achievement", "target"]


_MASK_ALPHABET = "0123456789一二三十两周岁个之省份城市国家以下儿童婴幼老年人及上至，。、"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_MASK_ALPHABET, max_size=60))
def test_an_anchored_non_value_pattern_finds_what_a_whole_text_pass_finds(text):
    # the age and 之一 patterns are tried only just before their anchor (岁, 之一): same spans as finditer
    from speechkit.targets import _mask_matches, _rules

    anchored = [(p, a, lead) for p, a, lead in _rules().mask_res if a is not None]
    assert len(anchored) >= 2
    for pattern, anchor, lead in anchored:
        assert _mask_matches(text, pattern, anchor, lead) == [m.span() for m in pattern.finditer(text)]


def test_anchored_non_values_still_mask_their_figures():
    rows = extract_targets("全省5岁以下儿童死亡率下降到3.5‰，成为全国3个省份之一，新建托育机构120所。", year=2024)
    # 5岁 names the population and 3个省份之一 a rank: the rows are the rate and the count only
    assert [(t.value, t.unit) for t in rows] == [(3.5, "‰"), (120.0, "所")]
    assert rows[0].indicator == "5岁以下儿童死亡率"


_SCAN_ALPHABET = "0123456789.．%％-—~至到个万亿元人年一二三四五六七八九十分之成近超翻番，。“”"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_SCAN_ALPHABET, max_size=60))
def test_the_prescanned_passes_find_what_a_whole_text_pass_finds(text):
    # ranges tried only before a connector + digit, 成/分之 idioms only before their literal, 超/近…万
    # only at its first characters: the same matches as finditer over the whole text
    from speechkit.targets import _finditer, _range_matches, _rare_first_finditer, _rules

    r = _rules()
    assert r.range_anchor_re is not None
    assert [m.span() for m in _range_matches(text, r)] == [m.span() for m in r.range_re.finditer(text)]
    for name in ("double_re", "cheng_re", "fraction_re"):
        pattern = getattr(r, name)
        assert [m.span() for m in _finditer(text, pattern, r.idiom_anchors[name])] == [m.span() for m in pattern.finditer(text)]
    assert r.idiom_anchors["cheng_re"] == ("成", 1) and r.idiom_anchors["fraction_re"] == ("分之", 1)
    got = _rare_first_finditer(text, r.bare_mag_re, r.first_literals[r.bare_mag_re])
    assert [m.span() for m in got] == [m.span() for m in r.bare_mag_re.finditer(text)]
