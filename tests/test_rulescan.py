"""The fast rule pass (speechkit.rulescan) gives exactly what every rule on the whole text gives.

Three kinds of proof: the facts read from each bundled pattern (its literals, line-local, anchored)
hold on every match the rule makes on every line of the shared and demo corpora; the narrowed
pass equals the rule-by-rule whole-text pass on every page, on the HTML views and on pages made
of their lines shuffled together; and the same holds for the other shortcuts of the clean stage
(whitespace spans, mapping spans back, the Traditional-script share) against their plain versions.
"""
import random
import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from corpus_paths import DEMO, SHARED
from speechkit import boilerplate as bp
from speechkit import rulescan
from speechkit.boilerplate import RuleTimeout, load_rules, strip_boilerplate
from speechkit.decode import read_raw
from speechkit.script import traditional_share

# a page of every kind of chrome the bundled rules know, written for this test
CHROME = """当前位置：首页 > 新闻中心 > 领导讲话
首页 > 讲话
您好，欢迎访问某某市妇联网站 设为首页 加入收藏
来源：某某日报　　作者：张三　　发布时间：2024-01-16 09:30
2024年1月16日 10:20 来源：市妇联
责任编辑：李四
同志们：今天我们召开全市妇女儿童工作会议，总结2023年工作，部署2024年任务。
一、过去一年的工作
（省略356字）
全文共5000字，当前仅显示1000字
会员可完整阅读，开通会员
上一篇：在全市妇联工作会议上的讲话
下一篇：关于做好妇女工作的意见
相关文章：妇女儿童发展纲要
阅读 1234 评论 5
发表评论 请文明上网
分享到：微信 微博 QQ空间
【字号 大 中 小】【打印】【关闭】
首页|新闻|讲话|通知
以下是小编整理的讲话稿，供参考，希望对您有帮助
本文由会员上传，下载请先登录
建议使用1024×768分辨率浏览
关于我们 联系我们 网站地图 免责声明
版权所有：某某市妇女联合会 ICP备12345678号
所有资源均为用户自行上传，仅供学习交流，如有侵权请联系删除
| 项目 | 目标 |
|---|---|
（记者 王五 摄）
图为会议现场。 王五 摄
第2页 共5页
市委书记 张三
主办：某某市妇联　承办：某某网
"""


def _corpus_texts() -> list[str]:
    roots = [p for p in (SHARED, DEMO) if p.exists()]
    texts = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix.lower() in (".txt", ".html", ".htm", ".shtml") \
                    and not path.name.lower().startswith("readme"):
                page = read_raw(path)
                texts.append(page.text)
    if not texts:
        pytest.skip("neither the shared corpus nor data/raw found")
    return texts


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return _corpus_texts() + [CHROME]


def _regex_rules(rules=None):
    return [r for r in (rules or load_rules()) if r.kind == "regex"]


def _reference(text: str, rules) -> list[tuple[int, int, str]]:
    """Every regex rule on the whole text, one after the other (how the rules ran before the pass)."""
    return [span for rule in _regex_rules(rules) for span in bp._rule_spans(text, rule)]


def test_every_bundled_rule_has_literals_and_is_line_local():
    shapes = {r.name: rulescan.rule_shape(r.pattern) for r in _regex_rules()}
    assert all(s.literals for s in shapes.values()), [n for n, s in shapes.items() if not s.literals]
    assert sorted(shapes["nav_tail"].literals) == ["上一条", "上一篇", "下一条", "下一篇"]
    assert "会员可完整阅读" in shapes["paywall_notice"].literals
    # every bundled rule stays within its line (table_wrapper's separator class was once the range \t-: — across lines)
    assert [n for n, s in shapes.items() if not s.line_local] == []
    assert shapes["breadcrumb"].anchored and not shapes["photo_credit"].anchored


def test_what_the_pass_reads_from_a_pattern():
    shape = rulescan.rule_shape
    assert shape(re.compile(r"(?m)^阅读[:：]\d+$\n?")).line_local
    assert not shape(re.compile(r"(?m)^阅读\s*\d+$")).line_local  # \s matches the line break
    assert not shape(re.compile(r"(?s)阅读.*次")).line_local  # . with DOTALL
    assert not shape(re.compile(r"\A来源")).line_local and not shape(re.compile(r"来源$")).line_local  # text edges
    assert not shape(re.compile(r"(?m)^来源\n编辑")).line_local  # a line break inside the match
    assert not shape(re.compile(r"(?<=\n\n)来源")).line_local  # a lookbehind across lines
    assert not shape(re.compile(r"(来源)\1")).line_local  # back references: not judged
    assert shape(re.compile(r"(?i)copyright")).literals is None  # case-insensitive: no literal
    assert shape(re.compile(r"[\u4e00-\u9fa5]{2,4}摄")).literals == frozenset({"摄"})
    assert shape(re.compile(r"(?:发表|我要)?评论")).literals == frozenset({"评论"})
    assert shape(re.compile(r"评论|[\u4e00-\u9fa5]")).literals is None  # one branch has no literal
    assert shape(re.compile(r"(?m)^(?:来源|作者)：|^编辑：")).anchored
    assert not shape(re.compile(r"(?m)(?:^|\s)来源")).anchored


def test_each_rule_matches_only_where_its_shape_says(texts):
    """On every page, every match of a bundled rule holds one of its literals and, for a line-local
    rule, lies on one line (a line break only as its last character): no line the pass skips can match."""
    rules = _regex_rules()
    checked = 0
    for rule in rules:
        shape = rulescan.rule_shape(rule.pattern)
        for text in texts:
            for m in rule.pattern.finditer(text):
                found = m.group()
                assert any(lit in found for lit in shape.literals), (rule.name, found)
                if shape.line_local:
                    assert "\n" not in found[:-1], (rule.name, found)
                checked += 1
    assert checked > 500


def test_the_pass_gives_every_page_exactly_the_whole_text_result(texts):
    rules = load_rules()
    for text in texts:
        assert bp._regex_spans(text, rules) == _reference(text, rules)
    # chrome lines next to each other and to speech lines: the corpora's lines shuffled into pages
    lines = [line for text in texts for line in text.split("\n")]
    rng = random.Random(17)
    for _ in range(60):
        page = "\n".join(rng.sample(lines, 400)) + rng.choice(["", "\n", "\n\n"])
        assert bp._regex_spans(page, rules) == _reference(page, rules)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(CHROME.split("\n") + ["", " ", "\u3000\u3000同志们：", "|", "——", "摄", "20", "2024年"]),
                min_size=1, max_size=60), st.integers(min_value=0, max_value=2000))
def test_any_mix_of_chrome_lines_gives_the_whole_text_result(lines, pad):
    rules = load_rules()
    text = "测试" * pad + "\n" + "\n".join(lines)  # long enough for the pass to run
    assert bp._regex_spans(text, rules) == _reference(text, rules)


def test_a_user_rule_without_literals_still_runs_on_every_line(tmp_path):
    rules_file = tmp_path / "mine.toml"
    rules_file.write_text('[[rule]]\nname = "two_digits_line"\npattern = \'\'\'(?m)^\\d\\d$\\n?\'\'\'\n', encoding="utf-8")
    rules = load_rules([rules_file])
    text = ("同志们：今天我们召开全市妇女儿童工作会议。\n" * 200) + "42\n" + "各位代表：\n" * 50
    spans = bp._regex_spans(text, rules)
    assert [(text[s:e], r) for s, e, r in spans if r == "two_digits_line"] == [("42\n", "two_digits_line")]
    assert spans == _reference(text, rules)


def test_a_user_rule_still_has_its_timeout(tmp_path, monkeypatch):
    rules_file = tmp_path / "slow.toml"
    rules_file.write_text('[[rule]]\nname = "runaway"\npattern = \'\'\'(a+)+$\'\'\'\n', encoding="utf-8")
    monkeypatch.setattr(bp, "USER_RULE_TIMEOUT_S", 0.05)
    with pytest.raises(RuleTimeout, match="runaway"):
        strip_boilerplate("同志们：" + "a" * 5000 + "!\n" + "开会。" * 1000, load_rules([rules_file]))


def test_a_requires_gate_still_decides(texts):
    """A rule whose ``requires`` strings are not on the page cuts nothing there, even where its pattern matches."""
    rule = next(r for r in load_rules() if r.name == "breadcrumb")
    gated = bp.Rule(rule.name, rule.kind, rule.pattern, rule.description, rule.source, ("不在页面上的字",),
                    rule.zone, rule.guard, rule.evidence, rule.require_evidence, rule.context)
    text = "当前位置：首页 > 讲话\n" + "同志们：今天开会。\n" * 400
    assert bp._regex_spans(text, [rule]) != []
    assert bp._regex_spans(text, [gated]) == [] == _reference(text, [gated])


# --- the other shortcuts of the clean stage, against their plain versions -------------------

def _whitespace_reference(view: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in bp._WS_LINE_EDGES.finditer(view)]
    spans += [m.span() for m in bp._WS_BLANK_LINES.finditer(view)]
    spans += [m.span() for m in bp._WS_EDGES.finditer(view)]
    return [s for s in spans if s[1] > s[0]]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \t\u3000\u00a0\n\r\x0b讲话a。", max_size=60))
def test_whitespace_spans_are_those_of_the_regexes(view):
    assert bp._whitespace_spans(view) == _whitespace_reference(view)


def test_whitespace_spans_on_the_corpora(texts):
    for text in texts:
        assert bp._whitespace_spans(text) == _whitespace_reference(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=80), st.lists(st.tuples(st.integers(0, 80), st.integers(0, 80)), max_size=30))
def test_mapping_many_spans_back_is_mapping_each(keep, pairs):
    idx = np.flatnonzero(np.array(keep)).astype(np.int64)
    spans = [(min(a, b, len(idx)), min(max(a, b), len(idx))) for a, b in pairs]
    expected = [piece for s, e in spans for piece in bp._map_back(idx, s, e)]
    assert bp._map_back_spans(idx, spans) == expected


def _traditional_share_reference(text: str) -> float:
    from speechkit.script import _settings, _traditional_only

    settings_, trad, cjk = _settings()["line"], _traditional_only(), re.compile(r"[\u4e00-\u9fff]")
    total = on_traditional = 0
    for line in text.split("\n"):
        n = len(cjk.findall(line))
        if n == 0:
            continue
        total += n
        if n >= settings_["min_cjk"] and sum(ch in trad for ch in line) >= settings_["traditional_share"] * n:
            on_traditional += n
    return on_traditional / total if total else 0.0


def test_traditional_share_is_the_per_line_count(texts):
    samples = texts + ["同志們：今天我們召開全市婦女兒童工作會議。\n同志们：今天召开会议。\n", "\ud800同志們會議", "", "abc\n\n"]
    for text in samples:
        for piece in (text, text[:300], text[-200:]):
            assert traditional_share(piece) == _traditional_share_reference(piece)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789/./%％:：-—\n讲 ", max_size=50))
def test_page_marker_matches_around_slashes_are_the_whole_text_matches(text):
    assert [m.span() for m in bp._marker_matches(text)] == [m.span() for m in bp._MARKER.finditer(text)]


def test_page_marker_matches_on_the_corpora(texts):
    for text in texts:
        assert [m.span() for m in bp._marker_matches(text)] == [m.span() for m in bp._MARKER.finditer(text)]
