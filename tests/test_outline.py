"""Tests for speechkit.outline: announcements, markers, nesting, gaps, corpus checks.

Inline strings are written for these tests; the shared corpus is only read at
run time (and the tests that need it skip when it is absent).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from speechkit.outline import Outline, Section, find_announcement, parse_outline

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def corpus_dir(name: str) -> Path:
    path = CORPUS / name
    if not path.is_dir():
        pytest.skip(f"shared corpus folder {path} is absent")
    return path


def seed_text(prefix: str) -> str:
    matches = sorted(corpus_dir("seeds").glob(f"{prefix}_*.txt"))
    if not matches:
        pytest.skip(f"seed {prefix} is absent from {CORPUS / 'seeds'}")
    return matches[0].read_text(encoding="utf-8")


def top(sections: list[Section]) -> list[Section]:
    return [s for s in sections if s.level == 1]


def children(sections: list[Section], parent: Section) -> list[Section]:
    return [s for s in sections if s.parent_seq == parent.seq]


def assert_well_formed(text: str, sections: list[Section], outline: Outline) -> None:
    """Offsets in order and in range, children inside parents, seq = position."""
    by_seq = {s.seq: s for s in sections}
    for i, s in enumerate(sections):
        assert s.seq == i
        assert 0 <= s.start < s.end <= len(text)
        assert text.startswith(s.marker, s.start)
        if i:
            assert sections[i - 1].start < s.start
        if s.parent_seq is None:
            assert s.level == 1
        else:
            parent = by_seq[s.parent_seq]
            assert parent.seq < s.seq
            assert s.level == parent.level + 1
            assert parent.start < s.start and s.end <= parent.end
    assert outline.found_points == len(top(sections))


# ---------------------------------------------------------------------------
# the announcement
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "phrase", "count"),
    [
        ("同志们：下面,我讲三点意见。", "下面,我讲三点意见", 3),
        ("刚才大家发了言。下面，我再讲几点意见：", "下面，我再讲几点意见", None),
        ("结合实际，就做好明年工作强调几点意见：", "强调几点意见", None),
        ("围绕这项工作，我讲三个方面的意见。", "我讲三个方面的意见", 3),
        ("会议强调了以下三点内容：", "强调了以下三点内容", 3),
        ("对各部门，我提几点要求。", "我提几点要求", None),
        ("最后，我谈三点体会。", "最后，我谈三点体会", 3),
        ("我简单讲两点：", "我简单讲两点", 2),
        ("下面我讲四点意见", "下面我讲四点意见", 4),
        ("我再讲十点意见。", "我再讲十点意见", 10),
        ("下面 ， 我 讲 三点 意见 。", "下面 ， 我 讲 三点 意见", 3),  # word-segmented
    ],
)
def test_find_announcement_phrases_and_counts(text, phrase, count):
    found = find_announcement(text)
    assert found is not None
    assert found[0] == phrase
    assert found[1] == count
    assert text[found[2] - len(phrase) : found[2]] == phrase


@pytest.mark.parametrize(
    "text",
    [
        "会议提出六条工作标准，大家要对照执行。",  # no noun, count not at clause end
        "今年要重点做好以下九个方面工作：",  # a report's plan, not a speech's points
        "我们讲政治、讲大局。",
        "",
    ],
)
def test_find_announcement_ignores_non_announcements(text):
    assert find_announcement(text) is None


def test_find_announcement_prefers_the_speakers_own_phrase():
    text = "刚才，张同志提了三点意见，很有针对性。下面，我再讲两点意见。"
    phrase, count, end = find_announcement(text)
    assert (phrase, count) == ("下面，我再讲两点意见", 2)
    assert end == text.index("。", text.index("下面"))


# ---------------------------------------------------------------------------
# markers on their own lines and inline
# ---------------------------------------------------------------------------

LINES = (
    "同志们：\n"
    "今年工作成效明显。下面，我讲两点意见。\n"
    "一、提高认识，增强责任感\n"
    "（一）认清形势。形势发生了变化，任务更重。\n"
    "一是任务重；二是要求高。\n"
    "（二）找准差距。差距主要在基层。\n"
    "二、狠抓落实，确保见到实效\n"
    "各单位要扛起责任。\n"
)


def test_headings_on_their_own_lines():
    sections, outline = parse_outline(LINES)
    # 一是任务重；二是要求高 is one sentence's enumeration (joined by ；), not two points
    assert [(s.marker, s.number, s.level, s.parent_seq) for s in sections] == [
        ("一、", 1, 1, None),
        ("（一）", 1, 2, 0),
        ("（二）", 2, 2, 0),
        ("二、", 2, 1, None),
    ]
    assert [s.heading for s in sections] == [
        "提高认识，增强责任感",
        "认清形势",
        "找准差距",
        "狠抓落实，确保见到实效",
    ]
    assert outline == Outline("下面，我讲两点意见", 2, 2, [], True)
    assert_well_formed(LINES, sections, outline)
    first, second = top(sections)
    assert first.end == second.start
    assert second.end == len(LINES.rstrip())
    assert sections[1].end == sections[2].start  # （一） ends where （二） starts


def test_headings_inline_in_one_paragraph_separated_by_spaces():
    text = (
        "各位同志，会议开得很好。我再讲几点意见。 一、肯定成绩，总结五年工作 五年来各项工作扎实推进。"
        " (一)坚持政治引领，组织作用持续强化 五年来组织建设有了新进展。一是组织体系不断完善，覆盖面扩大。"
        "二是思想引领走深走实。 (二)坚持服务大局，建功作用更加凸显 大家积极投身建设。"
        " 二、锚定目标，把握新时代使命任务 当前正处于关键时期。 (一)紧扣战略部署 要找准切入点。"
    )
    sections, outline = parse_outline(text)
    # 一是…二是… a few characters apart inside one paragraph: an enumeration, not points
    assert [(s.marker, s.level) for s in sections] == [
        ("一、", 1),
        ("(一)", 2),
        ("(二)", 2),
        ("二、", 1),
        ("(一)", 2),
    ]
    # an inline heading ends at the whitespace gap before the body
    assert sections[0].heading == "肯定成绩，总结五年工作"
    assert sections[1].heading == "坚持政治引领，组织作用持续强化"
    assert sections[4].parent_seq == sections[3].seq
    assert outline.announced_phrase == "我再讲几点意见"
    assert outline.announced_points is None
    assert outline.complete
    assert_well_formed(text, sections, outline)


def test_inline_headings_without_any_whitespace_end_at_the_full_stop():
    text = (
        "下面，我讲三点意见。一、强化认识。认识到位才能行动到位。二、突出重点。"
        "第一，抓就业。就业是民生之本。第二，抓托育。托育服务要普惠。三、加强保障。经费要落实。"
    )
    sections, outline = parse_outline(text)
    assert [(s.marker, s.level, s.heading) for s in sections] == [
        ("一、", 1, "强化认识"),
        ("二、", 1, "突出重点"),
        ("第一，", 2, "抓就业"),
        ("第二，", 2, "抓托育"),
        ("三、", 1, "加强保障"),
    ]
    assert (outline.announced_points, outline.found_points, outline.complete) == (3, 3, True)
    assert_well_formed(text, sections, outline)


# ---------------------------------------------------------------------------
# nesting follows the styles the speech uses
# ---------------------------------------------------------------------------


def test_four_styles_nest_in_the_order_of_first_use():
    text = (
        "我讲两点意见。\n一、抓认识\n（一）抓学习\n1.读原文\n一是逐字读。\n二是逐段议。\n"
        "2.谈体会\n（二）抓宣传\n二、抓落实\n（一）定责任\n1.定人\n"
    )
    sections, outline = parse_outline(text)
    assert [(s.marker, s.level) for s in sections] == [
        ("一、", 1),
        ("（一）", 2),
        ("1.", 3),
        ("一是", 4),
        ("二是", 4),
        ("2.", 3),
        ("（二）", 2),
        ("二、", 1),
        ("（一）", 2),
        ("1.", 3),
    ]
    assert_well_formed(text, sections, outline)


def test_di_style_on_top_with_shi_paragraphs_below():
    text = (
        "下面，强调几点意见：\n第一，稳就业。要做好两件事：\n一是开发岗位。\n二是加强培训。\n"
        "第二，保健康。\n一是筛查。\n二是随访。\n三是宣传。\n"
    )
    sections, outline = parse_outline(text)
    assert [(s.marker, s.level) for s in sections] == [
        ("第一，", 1),
        ("一是", 2),
        ("二是", 2),
        ("第二，", 1),
        ("一是", 2),
        ("二是", 2),
        ("三是", 2),
    ]
    assert outline.found_points == 2
    assert_well_formed(text, sections, outline)


def test_yao_style_alone_is_level_one():
    text = "结合实际，我讲几点意见。\n一要提高站位，抓好统筹。\n二要压实责任。\n三要强化保障，确保落地。"
    sections, outline = parse_outline(text)
    assert [(s.marker, s.number, s.level) for s in sections] == [
        ("一要", 1, 1),
        ("二要", 2, 1),
        ("三要", 3, 1),
    ]
    assert [s.heading for s in sections] == ["提高站位，抓好统筹", "压实责任", "强化保障，确保落地"]


def test_heading_styles_do_not_nest_under_an_earlier_inline_enumeration():
    # 一是/二是 in the opening paragraph of 一、 come before （一）, but （一） is
    # a sub-heading of 一、, not of 二是
    text = (
        "我讲两点意见。\n一、回顾工作\n成绩体现在：一是发展快；二是质量好。\n"
        "（一）经济稳中有进\n（二）民生持续改善\n二、部署任务\n"
    )
    sections, outline = parse_outline(text)
    levels = {s.marker: (s.level, s.parent_seq) for s in sections}
    assert levels["（一）"] == (2, 0)
    assert levels["（二）"] == (2, 0)
    assert "一是" not in levels  # 一是发展快；二是质量好 is one sentence's enumeration
    assert_well_formed(text, sections, outline)


def test_numeral_alone_on_its_line_is_a_heading_marker():
    text = "各位代表：\n一\n　　过去一年工作平稳。一是增长快。\n二\n　　今年工作安排如下。\n"
    sections, outline = parse_outline(text)
    assert [(s.marker, s.number, s.level, s.heading) for s in sections] == [
        ("一", 1, 1, ""),
        ("一是", 1, 2, "增长快"),
        ("二", 2, 1, ""),
    ]
    assert_well_formed(text, sections, outline)


def test_ordinal_words_are_numbered_in_order_and_last_gets_the_next_number():
    text = (
        "我讲三点意见。\n一、压实责任。\n首先，要强化领导。\n其次，要强化投入。\n"
        "再次，要强化考核。\n最后，要强化督查。\n二、抓好宣传。\n三、抓好服务。"
    )
    sections, outline = parse_outline(text)
    ordinal = [(s.marker, s.number, s.level) for s in sections if s.level == 2]
    assert ordinal == [("首先", 1, 2), ("其次", 2, 2), ("再次", 3, 2), ("最后", 4, 2)]
    assert sections[1].heading == "要强化领导"
    assert (outline.found_points, outline.complete) == (3, True)


def test_a_lone_shouxian_is_not_an_outline():
    text = "我讲两点意见。一、抓学习。首先，我们要认真读原文。大家要坚持。二、抓落实。"
    sections, _ = parse_outline(text)
    assert [s.marker for s in sections] == ["一、", "二、"]


# ---------------------------------------------------------------------------
# gaps, stray page markers, sequence rules
# ---------------------------------------------------------------------------


def test_paywall_gap_gives_missing_numbers():
    text = (
        "我讲四点意见：\n第一，抓认识。要提高站位。\n第二，抓重点。要突出就业。"
        "……（省略1200字，会员可阅读全文）……\n第四，抓保障。要落实经费。\n"
    )
    sections, outline = parse_outline(text)
    assert [s.number for s in top(sections)] == [1, 2, 4]
    assert outline.missing_numbers == [3]
    assert outline.announced_points == 4
    assert outline.found_points == 3
    assert outline.complete is False


def test_gap_without_announcement_is_still_incomplete():
    text = "强调几点意见:\n第一,抓就业。\n第二,抓托育。\n第五,抓组织。\n"
    _, outline = parse_outline(text)
    assert outline.missing_numbers == [3, 4]
    assert outline.announced_points is None
    assert outline.complete is False


def test_announced_count_must_match_found_points():
    """Points announced but absent at the end (a paywall cut the tail) are listed as missing."""
    text = "下面，我讲三点意见。一、抓就业。二、抓托育。"
    _, outline = parse_outline(text)
    assert (outline.announced_points, outline.found_points, outline.missing_numbers) == (3, 2, [3])
    assert outline.complete is False


def test_stray_page_marker_before_a_marker_is_tolerated():
    text = "我讲两点意见。\n一、抓责任。\n首先,要抓领导。\n7/8其次,要抓投入。\n最后,要抓督查。\n二、抓服务。"
    sections, outline = parse_outline(text)
    second = [s for s in sections if s.marker == "其次"]
    assert len(second) == 1
    assert second[0].number == 2
    assert text[second[0].start - 3 : second[0].start] == "7/8"
    assert second[0].heading == "要抓投入"
    assert_well_formed(text, sections, outline)


def test_level_one_needs_one_before_two_and_ignores_jumps_back():
    text = "我讲几点意见。二、这不是开头。一、抓学习。二、抓落实。一、又一个一。三、抓保障。"
    sections, outline = parse_outline(text)
    assert [(s.marker, s.start) for s in top(sections)] == [
        ("一、", text.index("一、抓学习")),
        ("二、", text.index("二、抓落实")),
        ("三、", text.index("三、抓保障")),
    ]
    assert outline.missing_numbers == []


def test_restart_on_a_new_line_restarts_nothing():
    # a second numbered list on its own lines does not add points: the longer
    # run is the outline
    text = "一、回顾\n正文。\n二、成绩\n正文。\n一、目标\n正文。\n二、任务\n正文。\n三、保障\n正文。\n"
    sections, outline = parse_outline(text)
    assert [s.heading for s in top(sections)] == ["目标", "任务", "保障"]
    assert outline.found_points == 3
    assert_well_formed(text, sections, outline)


# ---------------------------------------------------------------------------
# things that are not markers
# ---------------------------------------------------------------------------


def test_words_that_look_like_markers_are_not_points():
    text = (
        "我讲两点意见。\n一、提高站位\n要深刻领悟两个确立，坚决做到两个维护。第一时间响应，"
        "第一书记要带头。各单位一把手是第一责任人。第一责任人要亲自抓。一是一、二是二，不能含糊。"
        "我们首先要统一思想，其次要形成合力。同时发展一、二、三产业。\n二、狠抓落实\n"
    )
    sections, outline = parse_outline(text)
    assert [s.marker for s in sections] == ["一、", "二、"]
    assert outline.found_points == 2


def test_marker_needs_a_sentence_boundary_before_it():
    text = "我讲两点意见。一、抓学习，一是读原文，二是谈体会。二、抓落实，第一，要定责任。"
    sections, _ = parse_outline(text)
    assert [s.marker for s in sections] == ["一、", "二、"]


def test_enumerations_inside_a_point_are_not_points():
    text = (
        "我讲两点意见：\n第一，抓就业。主要有三项：一是扩岗位；二是强培训；三是优服务。\n"
        "第二，抓托育。一要建机构，二要降费用。\n"
    )
    sections, outline = parse_outline(text)
    assert [s.number for s in top(sections)] == [1, 2]
    assert [s for s in sections if s.level == 2] == []
    assert outline.complete


def test_shi_points_in_one_ordinary_paragraph_are_an_enumeration():
    # one paragraph, full stops between the items: still one paragraph's list
    text = (
        "下面，我讲两点意见。\n一、抓就业\n今年要突出抓好三个方面：一是扩大岗位供给。要开发岗位。"
        "二是加强技能培训。要办好培训班。三是优化就业服务。要建好驿站。\n二、抓托育\n要建机构。\n"
    )
    sections, outline = parse_outline(text)
    assert [s.marker for s in sections] == ["一、", "二、"]


def test_shi_points_opening_their_own_paragraphs_are_points():
    text = (
        "下面，我讲两点意见。\n一、抓就业\n今年要突出抓好三个方面。\n一是扩大岗位供给。要开发岗位。\n"
        "二是加强技能培训。要办好培训班。\n二、抓托育\n要建机构。\n"
    )
    sections, outline = parse_outline(text)
    assert [(s.marker, s.level, s.heading) for s in sections] == [
        ("一、", 1, "抓就业"), ("一是", 2, "扩大岗位供给"), ("二是", 2, "加强技能培训"), ("二、", 1, "抓托育"),
    ]


def test_inline_points_far_apart_in_a_text_without_line_breaks_are_points():
    body = "要坚持问题导向，拿出务实管用的举措，确保各项任务落到实处、见到实效。" * 5
    text = f"我讲两点意见。一、抓就业。{body}一是扩大岗位供给。{body}二是加强技能培训。{body}" * 1
    text += f"二、抓托育。{body}" * 20
    sections, _ = parse_outline(text)
    assert [(s.marker, s.level) for s in sections] == [("一、", 1), ("一是", 2), ("二是", 2), ("二、", 1)]


def test_enumeration_before_the_announcement_is_not_the_outline():
    text = (
        "过去一年成效明显：一是就业稳；二是托育增；三是健康好。\n"
        "下面，我讲两点意见。\n一、提高认识\n正文。\n二、狠抓落实\n正文。\n"
    )
    sections, outline = parse_outline(text)
    assert [s.marker for s in sections] == ["一、", "二、"]
    assert all(s.start > text.index("两点意见") for s in sections)
    assert (outline.announced_points, outline.found_points, outline.complete) == (2, 2, True)


def test_text_without_markers_or_announcement_has_an_empty_outline():
    sections, outline = parse_outline("今天天气很好。大家工作都很努力，谢谢大家！")
    assert sections == []
    assert outline == Outline(None, None, 0, [], True)
    assert parse_outline("") == ([], Outline(None, None, 0, [], True))


# ---------------------------------------------------------------------------
# unnumbered headline points
# ---------------------------------------------------------------------------

HEADLINES = (
    "会议强调了以下三点内容：\n"
    "更好发挥女性的积极作用。\n"
    "要支持女性创业就业，搭建更多平台。\n"
    "要关心女性健康，办好民生实事。\n"
    "全力建设友好城市。\n"
    "要建设更多的儿童活动空间。\n"
    "现场照片说明文字\n"
    "依法保障合法权益。\n"
    "要严厉打击违法犯罪。\n"
    "市领导出席会议。（记者 某某）\n"
)


def test_unnumbered_headlines_after_an_announcement():
    sections, outline = parse_outline(HEADLINES)
    assert [s.heading for s in sections] == ["更好发挥女性的积极作用", "全力建设友好城市", "依法保障合法权益"]
    assert all(s.marker == "" and s.number is None and s.level == 1 for s in sections)
    assert [s.start for s in sections] == [
        HEADLINES.index("更好"),
        HEADLINES.index("全力"),
        HEADLINES.index("依法"),
    ]
    assert (outline.announced_points, outline.found_points, outline.complete) == (3, 3, True)
    assert_well_formed(HEADLINES, sections, outline)


def test_more_headline_lines_than_announced_points_keep_the_first_ones():
    """Once the cleaner cut the byline, 市领导出席会议。 reads like a fourth headline: it is not a point."""
    text = HEADLINES.replace("市领导出席会议。（记者 某某）", "市领导在主会场出席会议。")
    sections, outline = parse_outline(text)
    assert [s.heading for s in sections] == ["更好发挥女性的积极作用", "全力建设友好城市", "依法保障合法权益"]
    assert (outline.announced_points, outline.found_points, outline.complete) == (3, 3, True)


def test_headlines_glued_to_their_paragraph_by_a_comma():
    text = (
        "下面我讲三个方面：\n稳住就业基本盘，要多渠道扩大岗位供给，帮助困难群体。\n"
        "守护儿童健康，要加强筛查和随访工作。\n办好托育服务，要降低家庭负担。\n"
    )
    sections, outline = parse_outline(text)
    assert [s.heading for s in sections] == ["稳住就业基本盘", "守护儿童健康", "办好托育服务"]
    assert outline.complete


def test_headlines_are_only_looked_for_when_no_numbered_marker_follows():
    numbered = HEADLINES.replace("更好发挥", "一、更好发挥").replace("全力建设", "二、全力建设").replace(
        "依法保障", "三、依法保障"
    )
    sections, outline = parse_outline(numbered)
    assert [s.marker for s in sections] == ["一、", "二、", "三、"]
    # no announcement: no headline guessing at all
    without = HEADLINES.replace("会议强调了以下三点内容：\n", "")
    assert parse_outline(without)[0] == []


# ---------------------------------------------------------------------------
# invariants on generated speeches
# ---------------------------------------------------------------------------

_PIECES = [
    "一、", "二、", "三、", "五、", "（一）", "(二)", "（三）", "第一，", "第二，", "第四，",
    "一是", "二是", "三是", "一要", "二要", "首先，", "其次，", "最后，", "1.", "2.", "7/8",
    "抓就业", "，", "。", "；", "：", "\n", " ", "两个维护", "第一时间", "下面，我讲三点意见。",
    "以下两点内容：", "要落实。", "*", "〔*〕", "_同志",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=60))
def test_generated_texts_give_well_formed_outlines(pieces):
    text = "".join(pieces)
    sections, outline = parse_outline(text)
    assert_well_formed(text, sections, outline)
    numbers = [s.number for s in top(sections) if s.number is not None]
    assert numbers == sorted(set(numbers))
    assert outline.complete == (
        (outline.announced_points in (None, outline.found_points)) and not outline.missing_numbers
    )


def test_a_long_single_line_text_is_parsed():
    unit = "我们要抓好各项工作，确保取得实效。"
    text = "下面，我讲三点意见。" + "".join(
        f"{n}、重点任务{n}。{unit * 40}（一）具体要求。{unit * 20}一是要求。二是标准。"
        for n in "一二三"
    ) * 200
    sections, outline = parse_outline(text)
    assert outline.found_points == 3
    assert_well_formed(text, sections, outline)


# ---------------------------------------------------------------------------
# the seeds (raw scraped pages, boilerplate and page markers still in them)
# ---------------------------------------------------------------------------


def test_seed_000_di_style_with_a_gap():
    text = seed_text("000")
    sections, outline = parse_outline(text)
    assert_well_formed(text, sections, outline)
    assert outline.announced_phrase is not None and outline.announced_phrase.endswith("几点意见")
    assert outline.announced_points is None
    assert [(s.marker, s.number) for s in sections] == [("第一,", 1), ("第二,", 2), ("第五,", 5)]
    assert outline.missing_numbers == [3, 4]
    assert outline.complete is False
    for s in sections:
        # the heading is the rest of the marker's sentence
        assert text.startswith(s.marker + s.heading + "。", s.start)


def test_seed_001_three_levels_cut_by_a_paywall():
    text = seed_text("001")
    sections, outline = parse_outline(text)
    assert_well_formed(text, sections, outline)
    assert outline.announced_phrase is not None and outline.announced_phrase.endswith("几点意见")
    assert [s.marker for s in top(sections)] == ["一、", "二、"]
    first, second = top(sections)
    # the paywall swallowed （二）（三） of the first point
    assert [(s.marker, s.number) for s in children(sections, first)] == [("(一)", 1), ("(四)", 4)]
    assert [s.number for s in children(sections, second)] == [1, 2, 3]
    shi_counts = [
        [c.marker for c in children(sections, sub)]
        for point in (first, second)
        for sub in children(sections, point)
    ]
    assert shi_counts == [
        ["一是", "二是"],
        ["一是", "二是", "三是"],
        ["一是", "二是", "三是"],
        ["一是", "二是", "三是"],
        ["一是"],
    ]
    assert all(s.level == 3 for s in sections if s.marker.endswith("是"))
    # inline headings stop at the space before the body
    for s in sections:
        if s.level < 3:
            assert text.startswith(s.marker + s.heading + " ", s.start)
    assert outline.missing_numbers == [] and outline.complete


def test_seed_002_unnumbered_headlines():
    text = seed_text("002")
    sections, outline = parse_outline(text)
    assert_well_formed(text, sections, outline)
    assert outline.announced_points == 3
    assert outline.found_points == 3 and outline.complete
    lines = {line.strip() for line in text.splitlines()}
    for s in sections:
        assert s.marker == "" and s.number is None
        assert s.heading + "。" in lines  # a headline is a whole short line


def test_seed_003_yi_dun_with_paren_and_yao_below():
    text = seed_text("003")
    sections, outline = parse_outline(text)
    assert_well_formed(text, sections, outline)
    assert (outline.announced_points, outline.found_points, outline.complete) == (3, 3, True)
    one, two, three = top(sections)
    assert [c.marker for c in children(sections, one)] == ["（一）", "（二）", "（三）"]
    assert [c.marker for c in children(sections, two)] == ["一要", "二要", "三要"]
    assert [c.marker for c in children(sections, three)] == ["一要", "二要", "三要", "四要"]
    # the 一是…四是 summary before the announcement is not part of the outline
    assert not any(s.marker.endswith("是") for s in sections)
    assert len(sections) == 3 + 3 + 3 + 4


def test_seed_004_inline_page_with_di_and_ordinal_sub_points():
    text = seed_text("004")
    sections, outline = parse_outline(text)
    assert_well_formed(text, sections, outline)
    assert (outline.announced_points, outline.found_points, outline.complete) == (3, 3, True)
    assert "\n" not in text[sections[0].start : sections[-1].start]  # all in one line
    one, two, three = top(sections)
    assert children(sections, one) == []
    assert [(c.marker, c.number) for c in children(sections, two)] == [
        ("第一,", 1),
        ("第二,", 2),
        ("第三,", 3),
    ]
    subs = children(sections, three)
    assert [(c.marker, c.number, c.level) for c in subs] == [
        ("首先", 1, 2),
        ("其次", 2, 2),
        ("最后", 3, 2),
    ]
    # 其次 is glued to a page marker like 7/8
    assert re.fullmatch(r"\d/\d", text[subs[1].start - 3 : subs[1].start])
    assert all(c.heading.startswith("要") for c in subs)


# ---------------------------------------------------------------------------
# 政府工作报告 (clean reports, 一、 with （一） and sub-items)
# ---------------------------------------------------------------------------

_LINE_HEADING = re.compile(r"^[ \t\u3000]*([一二三四五六七八九十]{1,2})、", re.M)
_LINE_PAREN = re.compile(r"^[ \t\u3000]*[（(][一二三四五六七八九十]{1,2}[）)]", re.M)
_NUMERALS = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}


def _line_heading_numbers(text: str) -> list[int]:
    out = []
    for m in _LINE_HEADING.finditer(text):
        word = m.group(1)
        out.append(_NUMERALS[word] if len(word) == 1 else 10 + _NUMERALS[word[1]])
    return out


@pytest.mark.parametrize("folder", ["city-reports-2024", "province-reports-2025"])
def test_reports_parse_with_sensible_level_one_counts(folder):
    files = sorted(corpus_dir(folder).glob("*.txt"))
    assert files
    checked = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        sections, outline = parse_outline(text)
        assert_well_formed(text, sections, outline)
        if outline.found_points == 0:
            # only a report without own-line numbered headings (绵阳: unnumbered parts and a
            # 一是…二是… enumeration in one paragraph) may have no outline
            assert not _LINE_HEADING.search(text) and not _LINE_PAREN.search(text), path.name
            continue
        if outline.found_points == 1:
            # a report cut after its first part (日照: 一、 and its （一）…（五）, nothing after)
            assert len(_LINE_HEADING.findall(text)) == 1, path.name
            continue
        assert 2 <= outline.found_points <= 12, path.name
        numbers = _line_heading_numbers(text)
        # where the report's own-line 一、 headings form one run 1..N and come
        # before any own-line （一）, that run is the level-1 outline (a report
        # that numbers its review （一）… and its plan 一、… nests by first use)
        first_paren = _LINE_PAREN.search(text)
        first_dun = _LINE_HEADING.search(text)
        dun_first = first_dun is not None and (
            first_paren is None or first_dun.start() < first_paren.start()
        )
        if dun_first and len(numbers) >= 2 and numbers == list(range(1, len(numbers) + 1)):
            assert [s.marker for s in top(sections)] == [
                m.group(0).strip() for m in _LINE_HEADING.finditer(text)
            ], path.name
            checked += 1
    assert checked >= len(files) // 2, checked


# ---------------------------------------------------------------------------
# causes found on held-out speeches and reports (issue 13)
# ---------------------------------------------------------------------------


def test_marker_glued_after_a_photo_credit_is_a_marker():
    text = (
        "下面，我讲三点意见。第一，抓就业。要扩岗位。第二，抓托育。要建机构。"
        "图为活动现场。王效/摄第三，抓健康。要做筛查。"
    )
    sections, outline = parse_outline(text)
    assert [s.marker for s in top(sections)] == ["第一，", "第二，", "第三，"]
    assert top(sections)[2].heading == "抓健康"
    assert (outline.found_points, outline.complete) == (3, True)


def test_a_marker_still_needs_a_boundary_after_other_words():
    # 摄 is a boundary only because a photo credit ends with it; 的第三 is no marker
    sections, _ = parse_outline("下面，我讲两点意见。第一，抓就业。第二，抓托育。这是我们的第三，也是最后一项。")
    assert [s.marker for s in sections] == ["第一，", "第二，"]


@pytest.mark.parametrize(
    "text, phrase, count",
    [
        ("借此机会，向全市妇女提出三点倡议：", "提出三点倡议", 3),
        ("下面，我讲三个问题。", "下面，我讲三个问题", 3),
        ("结合今年的工作，我讲点意见。", "我讲点意见", None),
        ("结合今年的工作，我讲*点意见：", "我讲*点意见", None),
        ("今年要重点从以下几个方面发力：", "从以下几个方面", None),
        ("重点从以下三个方面强化共识：", "从以下三个方面", 3),
    ],
)
def test_more_announcement_phrases(text, phrase, count):
    found = find_announcement(text)
    assert found is not None
    assert found[:2] == (phrase, count)


def test_from_without_yixia_is_not_an_announcement():
    assert find_announcement("这项工作要从三个方面看，成绩是主要的。") is None
    # a view of the facts, not the outline
    assert find_announcement("变化之大，可以从以下四个方面来看：一是，城乡收入增加。") is None


def test_a_redacted_count_is_a_vague_announcement():
    text = "下面，我讲点意见。\n一、抓就业\n要扩岗位。\n二、抓托育\n要建机构。\n"
    _sections, outline = parse_outline(text)
    assert outline.announced_phrase == "下面，我讲点意见"
    assert (outline.announced_points, outline.announced_vague, outline.found_points) == (None, True, 2)


def test_announced_vague_flag_for_jidian_and_not_for_a_number_or_none():
    _, vague = parse_outline("我强调几点意见。\n第一，抓就业。\n第二，抓托育。\n")
    _, counted = parse_outline("我强调两点意见。\n第一，抓就业。\n第二，抓托育。\n")
    _, nothing = parse_outline("第一，抓就业。\n第二，抓托育。\n")
    assert (vague.announced_points, vague.announced_vague) == (None, True)
    assert (counted.announced_points, counted.announced_vague) == (2, False)
    assert (nothing.announced_phrase, nothing.announced_points, nothing.announced_vague) == (None, None, False)


def test_di_ge_wenti_is_a_marker_style():
    text = (
        "同志们：\n下面，我讲两个问题。\n第一个问题：关于提高认识\n认识要到位，责任要压实。\n"
        "第二个问题：关于狠抓落实\n要一级抓一级。\n"
    )
    sections, outline = parse_outline(text)
    assert [(s.marker, s.number, s.heading) for s in top(sections)] == [
        ("第一个问题：", 1, "关于提高认识"),
        ("第二个问题：", 2, "关于狠抓落实"),
    ]
    assert (outline.announced_points, outline.found_points, outline.complete) == (2, 2, True)


def test_di_ge_without_a_following_break_is_still_excluded():
    sections, _ = parse_outline("我讲两点意见。\n一、抓规划\n第一个五年计划完成了。\n二、抓落实\n要实干。\n")
    assert [s.marker for s in sections] == ["一、", "二、"]


def test_a_closing_tijidianxiwang_list_does_not_capture_the_outline():
    text = (
        "同志们：\n今年工作成效明显。\n一、提高认识\n要统一思想。要把握形势，增强责任。\n"
        "二、突出重点\n要抓好就业。要抓好托育，办好实事。\n三、强化保障\n要加大投入。要配齐人员，压实责任。\n"
        "最后，我提几点希望：\n一是勇于担当。\n二是善于创新。\n"
    )
    sections, outline = parse_outline(text)
    assert [s.heading for s in top(sections)] == ["提高认识", "突出重点", "强化保障"]
    assert all(s.level == 1 for s in sections)  # the closing 一是/二是 are no sub-points either
    assert outline.announced_phrase is None and outline.found_points == 3


def test_an_announcement_inside_the_last_part_does_not_announce_the_outline():
    body = "要坚持问题导向，确保各项任务落到实处。\n"
    text = (
        "各位代表：\n一、过去一年工作回顾\n" + body * 4 + "二、今年总体要求\n" + body * 4
        + "三、今年重点任务\n今年要重点从以下三个方面发力：\n（一）扩大内需\n" + body
        + "（二）稳定就业\n" + body + "（三）改善民生\n" + body
    )
    sections, outline = parse_outline(text)
    assert [s.heading for s in top(sections)] == ["过去一年工作回顾", "今年总体要求", "今年重点任务"]
    assert [s.heading for s in sections if s.level == 2] == ["扩大内需", "稳定就业", "改善民生"]
    assert outline.announced_phrase is None


def test_an_agenda_read_out_early_does_not_hide_the_real_announcement():
    body = "要坚持问题导向，拿出务实管用的举措，确保各项任务落到实处、见到实效。\n"
    text = (
        "同志们：\n今天的会议有两项议程：\n一、通报工作\n二、部署任务\n下面，我讲三点意见。\n"
        "第一，提高认识。\n" + body * 5 + "第二，突出重点。\n" + body * 5 + "第三，强化保障。\n" + body * 5
    )
    sections, outline = parse_outline(text)
    assert [s.marker for s in top(sections)] == ["第一，", "第二，", "第三，"]
    assert (outline.announced_points, outline.found_points) == (3, 3)


def test_numbering_restart_in_a_text_without_line_breaks():
    # a quoted list 一、…二、… first, then the report's own parts restart at 一、 — all in one line
    body = "要坚持问题导向，拿出务实管用的举措，确保各项任务落到实处、见到实效。" * 60
    text = (
        "各位代表：会议确定的任务是：一、稳增长。二、促改革。现在我报告工作。"
        f"一、过去一年工作回顾。{body}二、今年工作安排。{body}三、加强政府自身建设。{body}"
    )
    sections, _outline = parse_outline(text)
    assert [s.heading for s in top(sections)] == ["过去一年工作回顾", "今年工作安排", "加强政府自身建设"]


def test_numbering_restart_in_a_short_speech_glued_into_one_line():
    text = (
        "同志们：这次会议的任务是：一、传达精神。二、部署工作。下面，我讲三点意见。"
        "一、提高认识。要统一思想。二、突出重点。要抓好就业。三、强化保障。要加大投入。"
    )
    sections, outline = parse_outline(text)
    assert [s.heading for s in top(sections)] == ["提高认识", "突出重点", "强化保障"]
    assert (outline.announced_points, outline.found_points, outline.complete) == (3, 3, True)


def test_greeting_shouxian_and_closing_zuihou_are_not_two_points():
    text = (
        "同志们：\n首先，我代表市委、市政府，向全市广大妇女致以节日的祝贺！\n"
        "今年工作成效明显，妇女儿童事业取得新进展，各项指标稳步提升。\n"
        "最后，祝大家节日快乐、工作顺利！\n"
    )
    sections, outline = parse_outline(text)
    assert sections == []
    assert outline.found_points == 0


def test_greeting_words_do_not_stop_real_ordinal_points():
    text = "我讲两点意见。\n一、抓落实\n首先，要压实责任。\n其次，要强化考核。\n最后，要严格问责。\n二、抓保障\n要加大投入。\n"
    sections, _ = parse_outline(text)
    assert [s.marker for s in sections if s.level == 2] == ["首先", "其次", "最后"]


@pytest.mark.parametrize(
    "appendix",
    [
        "附件1\n2025年十件民生实事\n一、为老年人提供健康服务\n二、提升兜底保障水平\n三、提供稳定就业\n",
        "名词解释\n1.“两重”：国家重大战略实施。\n2.“两新”：设备更新。\n3.“三农”：农业农村农民。\n",
        "附件\n《政府工作报告》部分内容名词注释\n1.“两重”：国家重大战略。\n2.“两新”：设备更新。\n",
    ],
)
def test_an_appendix_or_glossary_is_kept_out_of_the_outline(appendix):
    body = "要坚持问题导向，确保各项任务落到实处。\n"
    text = (
        "各位代表：\n一、2024年工作回顾\n" + body * 3 + "（一）经济稳中有进\n" + body + "（二）民生持续改善\n" + body
        + "二、2025年工作安排\n" + body * 3 + "（一）扩大内需\n" + body + "（二）稳定就业\n" + body
        + "让我们携手奋斗！\n" + appendix
    )
    sections, _outline = parse_outline(text)
    assert [s.heading for s in top(sections)] == ["2024年工作回顾", "2025年工作安排"]
    assert [s.heading for s in sections if s.level == 2] == ["经济稳中有进", "民生持续改善", "扩大内需", "稳定就业"]
    assert max(s.end for s in sections) <= text.index(appendix)


def test_the_word_fujian_inside_the_body_is_no_appendix():
    body = "要坚持问题导向，确保各项任务落到实处。\n"
    text = (
        "下面，我讲两点意见。\n一、抓学习\n" + body * 3 + "二、抓落实\n" + body
        + "会议印发了附件，请大家对照执行。\n" + body + "三是附件里的十条措施。\n"
    )
    sections, _ = parse_outline(text)
    assert [s.heading for s in top(sections)] == ["抓学习", "抓落实"]
    assert top(sections)[1].end == len(text.rstrip())


def test_a_marker_alone_on_its_line_takes_the_next_line_as_heading():
    text = "我讲两点意见。\n第一，\n提高认识，统一思想。\n要学习。\n第二，\n狠抓落实，务求实效。\n要实干。\n"
    sections, _ = parse_outline(text)
    assert [s.heading for s in sections] == ["提高认识，统一思想", "狠抓落实，务求实效"]


def test_yi_dun_before_di_yi_is_a_heading_not_an_enumeration():
    # 一、第一个五年计划… is a heading that starts with 第一个, not the enumeration 一、第二、
    text = "各位代表：\n一、第一个五年计划的成就\n要总结。\n二、第二个五年计划的任务\n要落实。\n"
    sections, _ = parse_outline(text)
    assert [s.heading for s in top(sections)] == ["第一个五年计划的成就", "第二个五年计划的任务"]


def test_reasons_joined_by_semicolons_on_their_own_lines_are_an_enumeration():
    text = (
        "各位代表：\n一、国家的政治生活\n这是因为，\n第一，\n在工商业方面，我们完成了改造；\n"
        "第二，\n在农业方面，我们实现了合作化；\n第三，\n我们开展了整风运动。\n二、对外政策\n要和平。\n"
    )
    sections, _ = parse_outline(text)
    assert [s.marker for s in sections] == ["一、", "二、"]


def test_unnumbered_part_headings_carry_the_numbered_points():
    body = "要坚持问题导向，确保各项任务落到实处、见到实效。\n"
    text = (
        "各位代表：\n现在，我代表省人民政府，向大会报告工作，请予审议。\n2024年工作回顾\n"
        "过去一年，我们主要做了以下工作：\n（一）经济运行稳中向好\n" + body + "（二）民生保障持续加强\n" + body
        + "2025年工作安排建议\n今年重点做好以下工作：\n（一）全方位扩大内需\n" + body + "（二）稳定就业\n" + body
        + "（三）改善民生\n" + body + "加强政府自身建设\n新形势新任务对政府工作提出了更高要求。\n"
        "（一）树牢正确政绩观\n" + body + "（二）清正廉洁守底线\n" + body
    )
    sections, outline = parse_outline(text)
    assert [s.heading for s in top(sections)] == ["2024年工作回顾", "2025年工作安排建议", "加强政府自身建设"]
    assert [len(children(sections, p)) for p in top(sections)] == [2, 3, 2]
    assert all(s.marker == "" and s.number is None for s in top(sections))
    assert (outline.found_points, outline.missing_numbers, outline.complete) == (3, [], True)
    assert_well_formed(text, sections, outline)


def test_short_lines_do_not_become_parts_when_the_report_numbers_its_parts():
    body = "要坚持问题导向，确保各项任务落到实处、见到实效。\n"
    text = (
        "各位代表：\n一、2024年工作回顾\n" + body + "主要做了以下工作\n" + body + "（一）经济稳中向好\n" + body
        + "二、2025年工作安排\n" + body + "重点抓好以下工作\n" + body + "（一）扩大内需\n" + body
    )
    sections, _ = parse_outline(text)
    assert [s.heading for s in top(sections)] == ["2024年工作回顾", "2025年工作安排"]


def test_a_lone_yi_dun_before_paren_points_is_level_one():
    # a report cut after its first part: 一、 alone, then （一）…（三）
    body = "要坚持问题导向，确保各项任务落到实处、见到实效。\n"
    text = "各位代表：\n一、2023年工作回顾\n" + body + "（一）稳增长\n" + body + "（二）强产业\n" + body + "（三）惠民生\n" + body
    sections, outline = parse_outline(text)
    assert [(s.marker, s.level) for s in sections] == [("一、", 1), ("（一）", 2), ("（二）", 2), ("（三）", 2)]
    assert outline.found_points == 1


def test_shouxian_at_the_start_and_zuihou_at_the_end_alone_are_no_outline():
    body = "今年工作成效明显，妇女儿童事业取得新进展，各项指标稳步提升。\n"
    text = "同志们：\n首先，今天的会议很重要，大家要认真领会。\n" + body * 12 + "最后，大家要把会议精神带回去。\n"
    sections, outline = parse_outline(text)
    assert sections == [] and outline.found_points == 0


def test_shouxian_qici_zuihou_spread_over_a_speech_are_points():
    body = "今年工作成效明显，妇女儿童事业取得新进展，各项指标稳步提升。\n"
    text = "我讲三点意见。\n首先，要提高认识。\n" + body * 6 + "其次，要突出重点。\n" + body * 6 + "最后，要强化保障。\n" + body
    sections, outline = parse_outline(text)
    assert [s.marker for s in sections] == ["首先", "其次", "最后"]
    assert (outline.announced_points, outline.found_points) == (3, 3)
