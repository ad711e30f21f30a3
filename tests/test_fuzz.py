"""Property tests: generated speech-like text salted with outline markers, figures,
punctuation and boilerplate fragments never breaks the cleaner, the outline
parser or the target extractor, and every offset they report is exact.

All fragments are written for these tests. Runs are derandomized (the same
examples every run), so a failure here is reproducible and not a flake.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from speechkit.boilerplate import strip_boilerplate
from speechkit.outline import parse_outline
from speechkit.targets import extract_targets

WORDS = [
    "同志们", "各位代表", "今天", "我们", "召开", "全市", "妇女", "儿童", "工作", "会议", "发展", "规划", "纲要",
    "推进", "加强", "保障", "权益", "托育", "服务", "就业", "创业", "家庭", "家风", "普惠性", "幼儿园", "覆盖率",
    "达到", "以上", "新建", "巾帼", "妇联", "要", "把", "的", "了", "和", "在", "是", "讲话", "意见", "下面", "我讲",
    "三点意见", "提两点希望", "以下几项", "儿童友好", "城市", "建设", "市长", "书记", "_", "**", "〔*〕", "个",
]
MARKERS = [
    "一、", "二、", "三、", "四、", "（一）", "（二）", "（三）", "(二)", "第一，", "第二,", "第三", "一是", "二是", "三是",
    "一要", "二要", "首先", "其次", "最后", "1.", "2．", "（1）", "(3)", "十二、",
]
FIGURES = [
    "85%", "85％", "1.2万人次", "2021—2030", "2021-2030年", "到2025年", "到2035年底", "300个", "12亿元", "4.5个",
    "3/8", "5/8", "1/3", "第十四次", "《纲要》", "98%以上", "不低于90%", "提高2个百分点", "0", "100",
]
PUNCT = ["，", "。", "：", ":", "；", "、", "！", "？", "（", "）", "(", ")", "“", "”", "……", "—", " ", "　", "\t", "\n", "\n\n", "\r"]
BOILERPLATE = [
    "评论0", "当前位置:首页 > 讲话", "……(某网省略100字,正式会员可完整阅读)……", "3/8", "版权所有", "版权所有 某某网",
    "上一篇：在会议上的讲话", "下一篇:某讲话", "打印本页", "【关闭窗口】", "来源：某市妇联", "责任编辑：王某",
    "2023-03-08 10:00", "首页 > 讲话 > 妇女", "全文共9000字,当前只显示3000字", "分享到：", "第2页 共5页", "阅读(12)",
    "在全市妇女儿童工作会议上的讲话", "市长 王某某", "图为会议现场", "关于我们 | 联系我们 | 网站地图",
]

fragment = st.one_of(
    st.sampled_from(WORDS), st.sampled_from(WORDS), st.sampled_from(MARKERS), st.sampled_from(FIGURES),
    st.sampled_from(PUNCT), st.sampled_from(PUNCT), st.sampled_from(BOILERPLATE),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), max_size=3),
)
speech = st.lists(fragment, max_size=60).map("".join)
# lines of speech: boilerplate mostly sits on lines of its own
speech_lines = st.lists(speech, max_size=8).map("\n".join)
any_speech = st.one_of(speech, speech_lines)

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])


def assert_audit(raw: str, result) -> None:
    """Removals are ordered, disjoint, exact slices of raw; raw minus them is the cleaned text."""
    kept, pos = [], 0
    for r in result.removals:
        assert 0 <= r.start < r.end <= len(raw), r
        assert r.start >= pos, f"removals overlap or are out of order at {r}"
        assert raw[r.start:r.end] == r.text, r
        kept.append(raw[pos:r.start])
        pos = r.end
    kept.append(raw[pos:])
    assert "".join(kept) == result.text


@FUZZ
@given(any_speech)
@example("")
@example("\n\n  \n")
@example("当前位置:首页 > 讲话\n评论0\n版权所有\n")
@example("完善联席会议制5/8度,其次7/8要强化保障")
def test_every_removed_character_is_in_a_recorded_removal(raw):
    assert_audit(raw, strip_boilerplate(raw))


@FUZZ
@given(any_speech)
@example("当前位置:首页 > 讲话\n同志们:今天召开会议。\n评论0\n")
def test_cleaning_twice_changes_nothing(raw):
    once = strip_boilerplate(raw).text
    assert strip_boilerplate(once).text == once


def assert_sections_well_formed(text: str, sections) -> None:
    by_seq = {s.seq: s for s in sections}
    previous_start = 0
    for s in sections:
        assert 0 <= s.start < s.end <= len(text), s
        assert s.start >= previous_start, "sections out of order"
        previous_start = s.start
        if s.parent_seq is not None:
            parent = by_seq[s.parent_seq]
            assert parent.level < s.level
            assert parent.start <= s.start and s.end <= parent.end, (parent, s)


@FUZZ
@given(any_speech)
@example("下面，我讲三点意见。一、抓落实。（一）要实干。（二）要担当。二、强保障。三、")
@example("一、\n二、\n三、")
def test_outline_sections_lie_inside_the_text_in_order(text):
    sections, outline = parse_outline(text)
    assert_sections_well_formed(text, sections)
    assert outline.found_points == sum(1 for s in sections if s.level == 1)


@FUZZ
@given(any_speech)
@example("到2025年底,普惠性幼儿园覆盖率要达到85%以上。去年新建行业妇联个。")
@example("85%")
def test_every_target_sentence_is_its_slice_of_the_text(text):
    for t in extract_targets(text):
        assert 0 <= t.start < t.end <= len(text), t
        assert t.sentence == text[t.start:t.end], t


@FUZZ
@given(any_speech)
def test_the_analysis_of_cleaned_text_holds_its_offsets(raw):
    """What analyze sees is the cleaner's output: offsets must hold on it too."""
    text = strip_boilerplate(raw).text
    sections, _ = parse_outline(text)
    assert_sections_well_formed(text, sections)
    for t in extract_targets(text):
        assert t.sentence == text[t.start:t.end]


# --- decoding: any bytes give text or a DecodeError, never another exception ----------------

from speechkit.decode import DecodeError, decode_bytes, html_to_text  # noqa: E402

ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "big5", "utf-16", "utf-16-le", "utf-16-be"]
SPEECH_CHARS = st.text(alphabet=st.sampled_from(list("妇女儿童工作会议同志们要推进发展，。：、（）0123456789") + list("ab <>&;#/\n")),
                       max_size=120)


@st.composite
def damaged_bytes(draw) -> bytes:
    """Speech text in some encoding, then cut short and/or with a stray byte; or plain random bytes."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=400))
    data = draw(SPEECH_CHARS).encode(draw(st.sampled_from(ENCODINGS)), "ignore")
    data = data[: max(0, len(data) - draw(st.integers(0, 3)))]
    if data and draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=2)) + data[at:]
    return data


@FUZZ
@given(damaged_bytes())
@example(b"")
@example(b"\xff\xfe\x00")
@example(b"\xef\xbb\xbf\xe5\xa6")
def test_any_bytes_decode_to_storable_text_or_a_decode_error(data):
    try:
        text, encoding, notes = decode_bytes(data)
    except DecodeError as exc:
        assert str(exc)  # a specific message
        return
    assert encoding and isinstance(notes, list)
    text.encode("utf-8")  # no lone surrogates: storable in Parquet


@FUZZ
@given(st.lists(st.sampled_from([
    "<div>", "</div>", "<p", ">", "<", "&", "&nbsp;", "&#x4E00;", "&#99999999;", "&#0;", "<script>", "</script>",
    "<style>", "</style>", "<!--", "-->", "<![CDATA[", "]]>", "<title>", "</title>", "<h1>", "妇女", "儿童", "\n",
    "<br/>", "<meta name=pubdate content=2023-03-08>", "<!DOCTYPE x [<!ENTITY a 'b'>]>", "&a;", "\x00",
    "<img src=http://192.0.2.1/a.png>", "<nav>首页</nav>", "<p role=navigation>", "同志们：", "。",
]), max_size=60).map("".join))
def test_any_markup_gives_visible_text_and_hints(html):
    text, hints = html_to_text(html)
    text.encode("utf-8")
    assert "\n\n" not in text and text == text.strip()  # one block per line, no blank lines
    assert all(isinstance(v, str) and v for v in hints.values())


# --- idempotency: known counterexamples (minimal), for the lead to fix in boilerplate ----------


@pytest.mark.parametrize("raw", ["\u3000评论0", "\u00a0评论0", "\u3000\u3000当前位置：首页 > 讲话", "\u3000\u3000上一篇：某讲话",
                                 "\u3000\u3000来源：某市妇联", "同志们：今天开会。\n\u3000打印本页\n"])
def test_idempotent_on_indented_boilerplate_lines(raw):
    once = strip_boilerplate(raw).text
    assert strip_boilerplate(once).text == once


@pytest.mark.parametrize("raw", ["评论0(省略1字)", "评论0【关闭窗口】", "3/8……(某网省略100字,正式会员可完整阅读)……"])
def test_idempotent_when_an_inline_cut_exposes_a_boilerplate_line(raw):
    once = strip_boilerplate(raw).text
    assert strip_boilerplate(once).text == once


@pytest.mark.parametrize("raw", ["\n同志们同志们\n同志们", "1.2万人次\n\n同志们",
                                 "全市妇女儿童工作要点\n\n今年全市妇女儿童工作取得了新的进展，各项指标稳步推进。"])
def test_idempotent_with_a_blank_line_around_a_title_line(raw):
    once = strip_boilerplate(raw).text
    assert strip_boilerplate(once).text == once
