"""Tests for speechkit.themes: taxonomy loading, term matching, theme tables, coverage."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from speechkit.segment import split_sentences
from speechkit.themes import (
    ContextRule,
    Theme,
    ThemeMatcher,
    document_theme_table,
    load_taxonomy,
    theme_coverage,
)

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

WOMEN_FIELDS = ["健康", "教育", "经济", "参与决策和管理", "社会保障", "家庭建设", "环境", "法律"]
CHILD_FIELDS = ["健康", "安全", "教育", "福利", "家庭", "环境", "法律保护"]
CROSS_CUTTING = [
    "党的领导与组织保障", "就业创业", "托育与生育支持", "反家暴与维权", "儿童友好城市",
    "未成年人保护", "家庭家教家风", "基层妇联组织建设", "思想政治引领", "乡村振兴与巾帼建功",
    "数字化与宣传",
]


def _corpus_dir(name: str) -> Path:
    folder = CORPUS / name
    if not folder.is_dir():
        pytest.skip(f"shared corpus folder {folder} is absent")
    return folder


@pytest.fixture(scope="module")
def taxonomy() -> list[Theme]:
    return load_taxonomy()


@pytest.fixture(scope="module")
def matcher(taxonomy) -> ThemeMatcher:
    from speechkit.segment import Segmenter

    seg = Segmenter("rjieba")
    return ThemeMatcher(taxonomy, tokenize=seg.cut, compounds=seg.dictionary_words)


def _corpus_sentence_hits(matcher: ThemeMatcher, folder: Path) -> dict[str, list[dict[str, int]]]:
    hits = {}
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        hits[path.name] = [matcher.sentence_hits(s) for _, _, s in split_sentences(text)]
    return hits


# ── the bundled taxonomy ─────────────────────────────────────────────────────


def test_bundled_taxonomy_covers_both_plans_and_cross_cutting_themes(taxonomy):
    fields = {t.field for t in taxonomy}
    for name in WOMEN_FIELDS:
        assert f"妇女纲要·{name}" in fields
    for name in CHILD_FIELDS:
        assert f"儿童纲要·{name}" in fields
    names = [t.name for t in taxonomy]
    assert len(names) == len(set(names))
    for name in CROSS_CUTTING:
        assert name in names
    assert {t.field for t in taxonomy if t.name in CROSS_CUTTING} == {"交叉议题"}


def test_every_bundled_theme_has_a_real_lexicon(taxonomy):
    for theme in taxonomy:
        assert len(theme.terms) >= 15, theme.name
        assert len(set(theme.terms)) == len(theme.terms), theme.name
        assert theme.description, theme.name
        assert all(term == term.strip() and term for term in theme.terms), theme.name


# ── matching ─────────────────────────────────────────────────────────────────


def test_two_cancer_screening_sentence_hits_womens_health(matcher):
    hits = matcher.sentence_hits("要深入开展两癌筛查，提高农村妇女健康水平")
    assert hits["妇女健康"] >= 1


def test_inline_sentences_hit_expected_themes(matcher):
    cases = {
        "各地要建设一批普惠托育机构，减轻家庭养育负担": "托育与生育支持",
        "依法签发人身安全保护令，及时处置家暴警情": "反家暴与维权",
        "村里的妇女之家每周都有执委值班": "基层妇联组织建设",
        "新建儿童友好社区三个，打造一米高度的城市": "儿童友好城市",
        "加快培育新质生产力，壮大先进制造业": "现代化产业体系",
    }
    for sentence, theme in cases.items():
        assert theme in matcher.sentence_hits(sentence), sentence


def test_sentence_without_terms_has_no_hits(matcher):
    assert matcher.sentence_hits("今天天气很好，大家辛苦了") == {}
    assert matcher.sentence_hits("") == {}


def test_nested_terms_count_once_and_longest_wins():
    themes = [
        Theme("筛查", "交叉议题", ("两癌", "两癌筛查")),
        Theme("城市", "交叉议题", ("儿童友好城市",)),
        Theme("儿童", "交叉议题", ("儿童", "友好")),
    ]
    m = ThemeMatcher(themes)
    assert m.sentence_hits("开展两癌筛查") == {"筛查": 1}
    assert m.sentence_hits("建设儿童友好城市，关爱儿童") == {"城市": 1, "儿童": 1}
    assert m.term_hits("建设儿童友好城市") == [(2, 8, "儿童友好城市")]


def test_partly_overlapping_terms_both_count():
    m = ThemeMatcher([Theme("经济", "f", ("农村妇女",)), Theme("健康", "f", ("妇女健康",))])
    assert m.sentence_hits("关注农村妇女健康") == {"经济": 1, "健康": 1}


def test_term_shared_by_themes_counts_for_each_and_repeats_count():
    m = ThemeMatcher([Theme("甲", "f", ("家风", "家训")), Theme("乙", "f", ("家风",))])
    assert m.sentence_hits("传家风、立家训、树家风") == {"甲": 3, "乙": 2}


def test_latin_terms_match_case_insensitively():
    m = ThemeMatcher([Theme("健康", "f", ("HPV疫苗",))])
    assert m.term_hits("推广hpv疫苗接种") == [(2, 7, "hpv疫苗")]
    assert m.sentence_hits("推广Hpv疫苗接种") == {"健康": 1}


def _reference_term_hits(terms: list[str], sentence: str) -> list[tuple[int, int, str]]:
    hits, reach = [], 0
    for start in range(len(sentence)):
        here = [t for t in terms if sentence.startswith(t, start)]
        if not here:
            continue
        end = start + max(len(t) for t in here)
        if end > reach:
            hits.append((start, end, sentence[start:end]))
            reach = end
    return hits


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet="妇女儿童健康", min_size=1, max_size=4), min_size=1, max_size=8),
    st.text(alphabet="妇女儿童健康，", max_size=30),
)
def test_term_hits_match_a_brute_force_reference(terms, sentence):
    m = ThemeMatcher([Theme("t", "f", tuple(terms))])
    assert m.term_hits(sentence) == _reference_term_hits(list(set(terms)), sentence)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet="妇女儿童健康A", min_size=2, max_size=4), min_size=1, max_size=8),
    st.lists(st.text(alphabet="妇女儿童健康a", min_size=0, max_size=40), min_size=20, max_size=60),
)
def test_long_texts_take_the_vectorised_path_with_the_same_hits(terms, pieces):
    """Past 512 characters term_hits pre-filters with numpy; per document and per sentence agree."""
    m = ThemeMatcher([Theme("t", "f", tuple(terms))])
    text = "。".join(pieces) * 3
    assert m.term_hits(text) == _reference_term_hits(list({t.lower() for t in terms}), text.lower())
    sentences = split_sentences(text)
    assert m.document_sentence_hits(text, sentences) == [m.sentence_hits(s) for _, _, s in sentences]


def test_document_hits_equal_sentence_hits_on_a_speech(matcher):
    text = ("同志们：下面我讲三点意见。一、推进儿童友好城市建设，发展普惠托育服务，开展两癌筛查。"
            "二、落实男女平等基本国策，加强家庭家教家风建设。三、保障妇女儿童合法权益，反对家庭暴力。\n") * 12
    sentences = split_sentences(text)
    per_document = matcher.document_sentence_hits(text, sentences)
    assert per_document == [matcher.sentence_hits(s) for _, _, s in sentences]
    assert sum(sum(h.values()) for h in per_document) > 60


# ── loading user files ───────────────────────────────────────────────────────


def test_user_file_replaces_bundled_taxonomy(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        '[[theme]]\nname = "巾帼暖心"\nfield = "地方议题"\ndescription = "自定义"\n'
        'terms = ["暖心驿站", "爱心妈妈"]\n',
        encoding="utf-8",
    )
    themes = load_taxonomy(path)
    assert themes == [Theme("巾帼暖心", "地方议题", ("暖心驿站", "爱心妈妈"), "自定义")]


def test_extra_file_adds_terms_and_themes(tmp_path, taxonomy):
    extra = tmp_path / "extra.toml"
    extra.write_text(
        '[[theme]]\nname = "妇女健康"\nterms = ["暖心体检"]\n\n'
        '[[theme]]\nname = "巾帼暖心"\nfield = "地方议题"\nterms = ["暖心驿站"]\n',
        encoding="utf-8",
    )
    themes = load_taxonomy(extra=extra)
    by_name = {t.name: t for t in themes}
    bundled = {t.name: t for t in taxonomy}
    assert by_name["妇女健康"].terms == bundled["妇女健康"].terms + ("暖心体检",)
    assert by_name["妇女健康"].field == "妇女纲要·健康"
    assert by_name["巾帼暖心"].field == "地方议题"
    assert len(themes) == len(taxonomy) + 1
    assert ThemeMatcher(themes).sentence_hits("开展暖心体检") == {"妇女健康": 1}


@pytest.mark.parametrize(
    "content, line",
    [
        ('[[theme]]\nname = 妇女健康\nfield = "f"\n', "line 2"),
        ('[[theme]]\nname = "妇女健康"\nfield = "f"\nterms = ["两癌筛查",\n', "line 4"),
    ],
)
def test_invalid_toml_names_file_and_line(tmp_path, content, line):
    path = tmp_path / "broken.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as excinfo:
        load_taxonomy(path)
    message = str(excinfo.value)
    assert "broken.toml" in message and line in message


@pytest.mark.parametrize(
    "content, complaint",
    [
        ('[[theme]]\nfield = "f"\nterms = ["托育"]\n', "name"),
        ('[[theme]]\nname = "托育"\nfield = "f"\nterms = "托育"\n', "terms"),
        ('[[theme]]\nname = "托育"\nterms = ["托育"]\n', "field"),
        ('[[theme]]\nname = "托育"\nfield = "f"\nterms = ["托育"]\n\n'
         '[[theme]]\nname = "托育"\nfield = "f"\nterms = ["托位"]\n', "duplicate"),
        ('[[theme]]\nname = "托育"\nfield = "f"\nterm = ["托育"]\n', "unknown"),
        ('theme = "托育"\n', "array"),
    ],
)
def test_malformed_theme_file_is_a_clear_error(tmp_path, content, complaint):
    path = tmp_path / "bad_themes.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as excinfo:
        load_taxonomy(path)
    assert "bad_themes.toml" in str(excinfo.value)
    assert complaint in str(excinfo.value)


def test_malformed_extra_file_is_a_clear_error(tmp_path):
    extra = tmp_path / "extra.toml"
    extra.write_text('[[theme]]\nname = "新议题"\nterms = ["托育"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="extra.toml.*field"):
        load_taxonomy(extra=extra)


# ── tables and coverage ──────────────────────────────────────────────────────


def test_document_theme_table_sums_hits_and_shares():
    themes = [
        Theme("妇女健康", "妇女纲要·健康", ("两癌",)),
        Theme("托育与生育支持", "交叉议题", ("托育",)),
        Theme("儿童安全", "儿童纲要·安全", ("溺水",)),
    ]
    hits = [{"妇女健康": 2}, {}, {"托育与生育支持": 1, "妇女健康": 1}]
    rows = document_theme_table("doc1", hits, themes, chars=500)
    assert [(r["theme"], r["hits"], r["share"]) for r in rows] == [("妇女健康", 3, 0.75), ("托育与生育支持", 1, 0.25)]
    # beside the compositional share: hits per 10,000 characters, sentences with the theme, reliability
    assert [(r["rate"], r["sentences"], r["sentence_share"], r["reliable"]) for r in rows] == [
        (60.0, 2, 2 / 3, False), (20.0, 1, 1 / 3, False)]
    assert document_theme_table("doc2", [{}, {}], themes) == []
    many = document_theme_table("doc3", [{"妇女健康": 1}] * 5 + [{}] * 5, themes, chars=1000)[0]
    assert many["reliable"] and many["sentence_share"] == 0.5 and many["rate"] == 50.0


def test_theme_coverage():
    assert theme_coverage([{"a": 1}, {}, {"b": 2}, {}]) == 0.5
    assert theme_coverage([{}, {}]) == 0.0
    assert theme_coverage([]) == 0.0


# ── on the real corpus ───────────────────────────────────────────────────────


def test_theme_coverage_on_seed_speeches(matcher, taxonomy):
    hits_by_doc = _corpus_sentence_hits(matcher, _corpus_dir("seeds"))
    all_hits = [h for hits in hits_by_doc.values() for h in hits]
    coverage = theme_coverage(all_hits)
    print(f"theme coverage on seeds: {coverage:.3f} of {len(all_hits)} sentences")
    assert coverage >= 0.6
    # the women's and children's plan themes carry these speeches
    plan_themes = {t.name for t in taxonomy if t.field.startswith(("妇女纲要", "儿童纲要"))}
    hit_plan_themes = {name for h in all_hits for name in h if name in plan_themes}
    assert len(hit_plan_themes) >= 12
    for doc_id, hits in hits_by_doc.items():
        rows = document_theme_table(doc_id, hits, taxonomy)
        assert rows and abs(sum(r["share"] for r in rows) - 1.0) < 1e-9


@pytest.mark.slow
def test_theme_coverage_on_city_reports(matcher, taxonomy):
    folder = _corpus_dir("city-reports-2024")
    hits_by_doc = _corpus_sentence_hits(matcher, folder)
    all_hits = [h for hits in hits_by_doc.values() for h in hits]
    coverage = theme_coverage(all_hits)
    print(f"theme coverage on city-reports-2024: {coverage:.3f} of {len(all_hits)} sentences")
    assert coverage >= 0.6
    # every government-work theme is found in 143 government work reports, and most of the others
    # (a report seldom speaks of women's education or of women in decision-making: since terms match
    # on token boundaries and generic words need a woman in the sentence, those may find nothing)
    hit_themes = {name for h in all_hits for name in h}
    assert {t.name for t in taxonomy if t.field == "政府工作"} <= hit_themes
    assert len(hit_themes) >= len(taxonomy) - 5
    # government-work themes lead in government work reports
    totals: dict[str, int] = {}
    for h in all_hits:
        for name, n in h.items():
            totals[name] = totals.get(name, 0) + n
    top = sorted(totals, key=totals.get, reverse=True)[:5]
    fields = {t.name: t.field for t in taxonomy}
    assert sum(fields[name] == "政府工作" for name in top) >= 4


# ── token-boundary matching and context rules (issue 18) ─────────────────────


@pytest.fixture(scope="module")
def segmenter():
    from speechkit.segment import Segmenter

    return Segmenter("rjieba")


def _tokens_matcher(themes, segmenter, **kw) -> ThemeMatcher:
    return ThemeMatcher(themes, tokenize=segmenter.cut, compounds=segmenter.dictionary_words, **kw)


def test_terms_match_on_token_boundaries_not_inside_words(segmenter):
    themes = [Theme("民生", "f", ("民生",)), Theme("教育", "f", ("学生",))]
    tokens = _tokens_matcher(themes, segmenter)
    substring = ThemeMatcher(themes)
    # the substring matcher fires inside 人民/生命 and 留学/生; the token matcher does not
    assert substring.sentence_hits("切实保障人民生命安全") == {"民生": 1}
    assert tokens.sentence_hits("切实保障人民生命安全") == {}
    assert tokens.sentence_hits("吸引更多留学生来华") == {}
    assert tokens.sentence_hits("不断改善民生，关心学生成长") == {"民生": 1, "教育": 1}


def test_a_token_of_two_dictionary_words_has_a_boundary_between_them(segmenter):
    themes = [Theme("人才", "f", ("人才",)), Theme("教育", "f", ("学生",))]
    m = _tokens_matcher(themes, segmenter)
    assert "科技人才" in segmenter.cut("国家级科技人才突破1000人")  # one token: 科技 + 人才
    assert m.sentence_terms("国家级科技人才突破1000人") == {"人才": ["人才"]}
    # 留学生 splits only into 留学 + 生 or 留 + 学生 (a one-character part): no boundary for 学生
    assert m.sentence_hits("吸引更多留学生来华") == {}
    assert _tokens_matcher(themes, segmenter, words=frozenset({"x"})).sentence_hits("国家级科技人才突破1000人") == {}


def test_multi_token_terms_match_token_sequences_and_compound_parts(segmenter):
    themes = [Theme("托育", "f", ("托育",)), Theme("平等", "f", ("男女平等",)), Theme("心理", "f", ("妇女心理健康",))]
    m = _tokens_matcher(themes, segmenter)
    # 妇女心理健康 is two tokens (妇女 / 心理健康): a term may span a token sequence
    assert segmenter.cut("加强妇女心理健康服务")[1:3] == ["妇女", "心理健康"]
    assert m.sentence_terms("加强妇女心理健康服务") == {"心理": ["妇女心理健康"]}
    # 普惠托育服务 / 男女平等基本国策 are compounds of the domain dictionary: their parts count
    assert m.sentence_terms("发展普惠托育服务，坚持男女平等基本国策") == {"托育": ["托育"], "平等": ["男女平等"]}


def test_requires_rule_needs_a_cooccurring_word(segmenter):
    rule = ContextRule(("乡村振兴",), requires=("妇女", "巾帼", "女性"))
    themes = [Theme("巾帼建功", "f", ("乡村振兴", "巾帼建功"), rules=(rule,)), Theme("农业", "g", ("乡村振兴",))]
    m = _tokens_matcher(themes, segmenter)
    assert m.sentence_hits("全面推进乡村振兴") == {"农业": 1}
    assert m.sentence_hits("引导广大妇女在乡村振兴中建功立业") == {"巾帼建功": 1, "农业": 1}
    # rules=False ignores the rules (the ablation of scripts/eval_themes.py)
    assert _tokens_matcher(themes, segmenter, rules=False).sentence_hits("全面推进乡村振兴") == {"巾帼建功": 1, "农业": 1}


def test_not_within_and_excludes_rules(segmenter):
    title = ContextRule(("总书记",), not_within=("为总书记", "中共中央总书记"))
    insurance = ContextRule(("失业",), excludes=("失业保险",))
    themes = [Theme("思想", "f", ("总书记",), rules=(title,)), Theme("就业", "f", ("失业",), rules=(insurance,))]
    m = _tokens_matcher(themes, segmenter)
    assert m.sentence_hits("在以胡锦涛同志为总书记的党中央领导下") == {}
    assert m.sentence_hits("中共中央总书记、国家主席江泽民同志指出") == {}
    assert m.sentence_hits("深入学习贯彻总书记重要讲话精神") == {"思想": 1}
    assert m.sentence_hits("扩大失业保险覆盖面") == {}
    assert m.sentence_hits("帮助失业人员再就业") == {"就业": 1}


def test_bundled_rules_on_the_issue_examples(taxonomy, segmenter):
    m = _tokens_matcher(taxonomy, segmenter)
    assert "乡村振兴与巾帼建功" not in m.sentence_hits("台江县入选国家乡村振兴示范县创建名单")
    assert "农业农村现代化" in m.sentence_hits("台江县入选国家乡村振兴示范县创建名单")
    assert "乡村振兴与巾帼建功" in m.sentence_hits("组织农村妇女在乡村振兴中建功立业")
    assert "思想政治引领" not in m.sentence_hits("在以江泽民同志为总书记的党中央领导下")
    assert "儿童安全" not in m.sentence_hits("反对霸权霸道霸凌行径，维护国际公平正义")
    assert "儿童安全" in m.sentence_hits("严防校园霸凌，保护学生安全")
    assert "数字化与宣传" not in m.sentence_hits("积极发展人工智能、无人驾驶等未来产业")
    assert "基层妇联组织建设" not in m.sentence_hits("完善基层应急管理组织体系，提高防灾减灾能力")
    assert "妇女与经济" not in m.sentence_hits("做好第二轮土地承包到期后再延长30年工作")


def test_rules_in_a_taxonomy_file_with_word_sets(tmp_path, segmenter):
    path = tmp_path / "t.toml"
    path.write_text(
        '[words]\nwomen = ["妇女", "女性"]\n\n'
        '[[theme]]\nname = "妇女健康"\nfield = "f"\nterms = ["心理健康", "两癌筛查"]\n\n'
        '[[theme.rule]]\nterms = ["心理健康"]\nrequires = ["@women"]\n', encoding="utf-8")
    themes = load_taxonomy(path)
    assert themes[0].rules == (ContextRule(("心理健康",), requires=("妇女", "女性")),)
    m = _tokens_matcher(themes, segmenter)
    assert m.sentence_hits("加强职工心理健康服务") == {}
    assert m.sentence_hits("关注妇女心理健康，扩大两癌筛查") == {"妇女健康": 2}


@pytest.mark.parametrize("rule, message", [
    ('terms = ["心理健康"]\nrequires = ["@nobody"]', "unknown word set '@nobody'"),
    ('terms = ["不是词"]\nrequires = ["妇女"]', "not its terms"),
    ('terms = ["心理健康"]', "at least one of"),
    ('terms = ["心理健康"]\nunless = ["妇女"]', "unknown keys"),
])
def test_bad_rules_name_the_file_and_what_is_wrong(tmp_path, rule, message):
    path = tmp_path / "bad.toml"
    path.write_text(f'[[theme]]\nname = "a"\nfield = "f"\nterms = ["心理健康"]\n\n[[theme.rule]]\n{rule}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=message) as info:
        load_taxonomy(path)
    assert str(path) in str(info.value)


def test_sentence_terms_are_one_entry_per_hit(taxonomy, segmenter):
    m = _tokens_matcher(taxonomy, segmenter)
    found = m.sentence_terms("发展普惠托育，办好社区托育点，增加托位")
    assert found["托育与生育支持"] == ["普惠托育", "社区托育", "托位"]
    assert m.sentence_hits("发展普惠托育，办好社区托育点，增加托位")["托育与生育支持"] == 3


def test_wilson_interval_is_wide_for_few_codes():
    from speechkit.themes import wilson_interval

    low5, high5 = wilson_interval(5, 5)
    low50, high50 = wilson_interval(50, 50)
    assert high5 == 1.0 and high50 == 1.0 and low5 < 0.6 < low50 < 1.0
    low, high = wilson_interval(9, 10)
    assert low < 0.9 < high


# ── focus: the themes a sentence is about (issue 18, round 2) ────────────────


def test_focus_drops_a_theme_named_once_in_an_enumeration(taxonomy, segmenter):
    from speechkit.themes import load_focus

    sentence = "持续推进乡村建设，新建高标准农田、农村公路和养老服务站"
    every = _tokens_matcher(taxonomy, segmenter).sentence_terms(sentence)
    about = _tokens_matcher(taxonomy, segmenter, focus=load_focus()).sentence_terms(sentence)
    assert {"农业农村现代化", "民生保障与公共服务"} <= set(every)
    assert set(about) == {"农业农村现代化"}
    assert about["农业农村现代化"] == every["农业农村现代化"]  # the kept theme keeps all its terms


def test_focus_keeps_the_head_clause_and_a_theme_that_weighs_as_much(segmenter):
    from speechkit.themes import Focus

    themes = [Theme("改革", "f", ("体制改革",)), Theme("民生", "f", ("医保", "大病保险")), Theme("安全", "f", ("消防",))]
    m = _tokens_matcher(themes, segmenter, focus=Focus(head_weight=2.0, list_weight=0.5, min_share=0.5))
    # head clause (weight 2) and two plain hits in the second clause (weight 2): both kept
    assert set(m.sentence_terms("深化医药卫生体制改革，提高基本医保和大病保险保障水平")) == {"改革", "民生"}
    # a single hit in an enumeration of a later clause (0.5) is not what the sentence is about
    assert set(m.sentence_terms("深化医药卫生体制改革，做好医疗、消防、交通等工作")) == {"改革"}
    # a sentence with one theme keeps it wherever it stands
    assert set(m.sentence_terms("今年要做好医疗、消防、交通等工作")) == {"安全"}


def test_focus_min_share_zero_counts_every_mention(segmenter):
    from speechkit.themes import Focus

    themes = [Theme("改革", "f", ("体制改革",)), Theme("安全", "f", ("消防",))]
    sentence = "深化医药卫生体制改革，做好医疗、消防、交通等工作"
    assert set(_tokens_matcher(themes, segmenter, focus=Focus(2.0, 0.5, 0.0)).sentence_terms(sentence)) == {"改革", "安全"}
    assert set(_tokens_matcher(themes, segmenter).sentence_terms(sentence)) == {"改革", "安全"}


def test_focus_of_a_file_and_of_an_extra_file(tmp_path):
    from speechkit.themes import load_focus

    plain = tmp_path / "plain.toml"
    plain.write_text('[[theme]]\nname = "a"\nfield = "f"\nterms = ["x"]\n', encoding="utf-8")
    assert load_focus(plain) is None  # no [focus]: every theme named counts
    extra = tmp_path / "extra.toml"
    extra.write_text("[focus]\nmin_share = 0\n", encoding="utf-8")
    bundled = load_focus()
    merged = load_focus(extra=extra)
    assert merged.min_share == 0.0 and merged.head_weight == bundled.head_weight
    bad = tmp_path / "bad.toml"
    bad.write_text("[focus]\nmin_share = 1.5\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.toml.*min_share"):
        load_focus(extra=bad)
    bad.write_text("[focus]\nhead = 2\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.toml.*unknown keys \['head'\]"):
        load_focus(extra=bad)


def test_themes_and_focus_share_one_reader_of_the_file(tmp_path, monkeypatch):
    """load_focus after load_taxonomy of the same file parses it once; both name a broken file alike."""
    import tomllib

    from speechkit.themes import load_focus

    calls = []
    real = tomllib.loads
    monkeypatch.setattr(tomllib, "loads", lambda text: calls.append(1) or real(text))
    path = tmp_path / "one.toml"
    path.write_text('[focus]\nmin_share = 0.5\n\n[[theme]]\nname = "a"\nfield = "f"\nterms = ["托育"]\n', encoding="utf-8")
    assert [t.name for t in load_taxonomy(path)] == ["a"]
    assert load_focus(path).min_share == 0.5
    assert len(calls) == 1
    path.write_text('[focus]\nmin_share = 0.25\n\n[[theme]]\nname = "b"\nfield = "f"\nterms = ["托育"]\n', encoding="utf-8")
    assert load_focus(path).min_share == 0.25 and [t.name for t in load_taxonomy(path)] == ["b"]  # edited: read again
    broken = tmp_path / "broken.toml"
    broken.write_text('[focus]\nmin_share = \n', encoding="utf-8")
    with pytest.raises(ValueError) as from_themes:
        load_taxonomy(broken)
    with pytest.raises(ValueError) as from_focus:
        load_focus(broken)
    assert str(from_themes.value) == str(from_focus.value)
    assert "broken.toml: invalid TOML" in str(from_focus.value) and "line 2" in str(from_focus.value)


def test_focus_on_the_seed_speeches_keeps_their_plan_themes(taxonomy, segmenter):
    from speechkit.themes import load_focus

    import dataclasses

    folder = _corpus_dir("seeds")
    every = _corpus_sentence_hits(_tokens_matcher(taxonomy, segmenter), folder)
    # the share rule alone (weak terms off: those may leave a sentence with no theme, tested below)
    share_only = dataclasses.replace(load_focus(), min_weight=0.0)
    about = _corpus_sentence_hits(_tokens_matcher(taxonomy, segmenter, focus=share_only), folder)
    pairs_every = sum(len(h) for hits in every.values() for h in hits)
    pairs_about = sum(len(h) for hits in about.values() for h in hits)
    assert pairs_about < pairs_every  # secondary themes of list sentences are dropped
    for doc in every:  # a sentence with a theme keeps one, and only themes it named
        for h_every, h_about in zip(every[doc], about[doc]):
            assert bool(h_every) == bool(h_about) and set(h_about) <= set(h_every)
    plan = {t.name for t in taxonomy if t.field.startswith(("妇女纲要", "儿童纲要"))}
    assert len({n for hits in about.values() for h in hits for n in h if n in plan}) >= 12


def test_round2_lexicon_terms_and_rules(taxonomy, segmenter):
    m = _tokens_matcher(taxonomy, segmenter)
    assert "生态文明与绿色低碳" in m.sentence_terms("完成城区清洁取暖“煤改气”工作")
    assert "安全发展与社会治理" in m.sentence_terms("强化森林防火和防汛抗旱准备")
    assert "民生保障与公共服务" in m.sentence_terms("加强文物保护利用，建设城市博物馆")
    # 医药 in 医药卫生体制改革 is health care, not the pharmaceutical industry; 区域合作 is opening-up only
    assert "现代化产业体系" not in m.sentence_terms("深化医药卫生体制改革")
    assert "现代化产业体系" in m.sentence_terms("壮大生物医药产业")
    found = m.sentence_terms("推动区域合作事项落地")
    assert "改革开放与营商环境" in found and "城市建设与区域协调" not in found


def _reference_focus_weights(focus, sentence, found, weak=None):
    """Focus.weights as written in round 3 of issue 18: a clause number and an enumeration flag per
    character (the items of a clause run to its end, or to the 等 after its last 、)."""
    from speechkit.themes import _fold

    clause_of, listed = [], [False] * len(sentence)
    k, start = 0, 0
    for i, ch in enumerate(sentence + "，"):
        if i < len(sentence):
            clause_of.append(k)
        if ch in "，；：,;:":
            last = sentence.rfind("、", start, i)
            if last >= 0:
                cut = sentence.find("等", last, i)
                listed[start:cut if cut >= 0 else i] = [True] * ((cut if cut >= 0 else i) - start)
            k, start = k + 1, i + 1
    folded, out = _fold(sentence), {}
    for theme, terms in found.items():
        total, at = 0.0, -1
        weak_terms = (weak or {}).get(theme, frozenset())
        for term in terms:
            pos = folded.find(_fold(term), at + 1)
            if pos < 0:
                pos = folded.find(_fold(term))
            w = focus.weak_weight if _fold(term) in weak_terms else 1.0
            if pos >= 0:
                at = pos
                if clause_of[pos] == 0:
                    w *= focus.head_weight
                if listed[pos]:
                    w *= focus.list_weight
            total += w
        out[theme] = total
    return out


@pytest.mark.parametrize("sentence", [
    "推进乡村全面振兴，建好农田、道路、养老服务站",
    "农田、道路，养老服务站：HPV疫苗；托育",
    "、农田，，道路、；养老服务站、",
    "没有任何分隔的托育服务和农田建设",
    "托育托育，托育、托育",
    "建好农田、道路等设施，托育、养老服务等民生实事",
    "农田、道路等等、托育",
    "",
])
def test_focus_weights_follow_clauses_and_enumerations_as_the_per_character_reference(sentence):
    from speechkit.themes import Focus

    found = {"农业": ["农田", "乡村全面振兴"], "城市": ["道路"], "民生": ["养老服务", "托育", "托育", "hpv疫苗"],
             "缺": ["不在句中"]}
    weak = {"民生": frozenset({"托育"}), "城市": frozenset({"道路"})}
    for focus in (Focus(2.0, 0.5, 0.5), Focus(3.0, 0.25, 0.3, 0.5, 1.0), Focus()):
        assert focus.weights(sentence, found) == _reference_focus_weights(focus, sentence, found)
        assert focus.weights(sentence, found, weak) == _reference_focus_weights(focus, sentence, found, weak)


def test_weak_terms_alone_do_not_tag_two_or_a_strong_term_do(taxonomy, segmenter):
    from speechkit.themes import load_focus

    m = _tokens_matcher(taxonomy, segmenter, focus=load_focus())
    # 监督 / 融资 / 基础设施 alone only touch their themes (issue 18, round 3)
    assert m.sentence_terms("完善项目管理制度和监督机制") == {}
    assert "经济运行与扩大内需" not in m.sentence_terms("提供高效优质融资服务")
    assert "城市建设与区域协调" not in m.sentence_terms("持续完善县域产业园区基础设施建设")
    # two weak terms, or one strong term beside a weak one, do
    assert "政府自身建设" in m.sentence_terms("强化审计监督")
    assert "城市建设与区域协调" in m.sentence_terms("加快交通基础设施建设")
    # without [focus] every term counts as before
    assert "政府自身建设" in _tokens_matcher(taxonomy, segmenter).sentence_terms("完善项目监督机制")


def test_weak_terms_must_be_terms_of_their_theme(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[theme]]\nname = "a"\nfield = "f"\nterms = ["x"]\nweak = ["y"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"'weak' of theme 'a' names terms that are not its terms: \['y'\]"):
        load_taxonomy(bad)
    extra = tmp_path / "extra.toml"
    extra.write_text('[[theme]]\nname = "政府自身建设"\nterms = ["督办件"]\nweak = ["督办件"]\n', encoding="utf-8")
    merged = {t.name: t for t in load_taxonomy(extra=extra)}["政府自身建设"]
    assert "督办件" in merged.weak and "监督" in merged.weak


def test_focus_list_items_end_at_deng(taxonomy, segmenter):
    from speechkit.themes import load_focus

    m = _tokens_matcher(taxonomy, segmenter, focus=load_focus())
    # the head noun after 等 is what the clause is about, not one more item of the list
    found = m.sentence_terms("推进新能源、新材料、新一代信息技术等重点领域关键核心技术攻关，力争突破关键技术3项以上")
    assert "科技创新与人才" in found
    # an item list without 等 stays a list: 建好农田、道路、养老服务站 is about 乡村振兴
    assert set(m.sentence_terms("推进乡村全面振兴，建好农田、道路、养老服务站")) == {"农业农村现代化"}


def test_round3_context_rules(taxonomy, segmenter):
    m = _tokens_matcher(taxonomy, segmenter)
    # a year's dateline, the era's name, a city's title in another programme, a park of heritage
    assert "思想政治引领" not in m.sentence_terms("2023年是全面贯彻党的二十大精神的开局之年")
    assert "思想政治引领" in m.sentence_terms("深入学习贯彻党的二十大精神")
    assert "改革开放与营商环境" not in m.sentence_terms("改革开放以来，我国经济持续快速增长")
    assert "城市建设与区域协调" not in m.sentence_terms("加快国家知识产权强市试点城市建设")
    assert "城市建设与区域协调" not in m.sentence_terms("积极参与长江国家文化公园建设")
    assert "城市建设与区域协调" in m.sentence_terms("加快建设清江带状公园")
    assert "儿童教育" not in m.sentence_terms("新增入园企业282家")
    assert "安全发展与社会治理" not in m.sentence_terms("累计稳定消除4409户返贫致贫风险")
    assert "安全发展与社会治理" not in m.sentence_terms("要加强中小学生消防安全、交通安全教育")
    assert "就业创业" in m.sentence_terms("常态化推进根治欠薪工作")


# ── round 4 (session 6): [matching] and the kinds of error mended ────────────


def _doc_terms(matcher: ThemeMatcher, sentences: list[str]) -> list[dict[str, list[str]]]:
    """Both engines: the fast one (a document of ≥ 8 sentences) and the reference one (sentence by sentence)."""
    text = "".join(sentences)
    spans, at = [], 0
    for s in sentences:
        spans.append((at, at + len(s), s))
        at += len(s)
    fast = matcher.document_sentence_terms(text, spans)
    one = [matcher.sentence_terms(s) for s in sentences]
    assert fast == one
    return one


def test_a_glued_suffix_leaves_a_boundary_before_it(segmenter):
    from speechkit.themes import Matching

    themes = [Theme("城市", "f", ("公路", "效能")), Theme("农业", "f", ("畜牧",))]
    sentences = ["坝上的“快进慢游”公路网。", "努力打造更强执行力的效能型政府。", "稳定畜牧业生产。", "建设留学生公寓。"] * 2
    glued = _doc_terms(_tokens_matcher(themes, segmenter, matching=Matching(suffixes=("业", "网", "型"))), sentences)
    assert glued[:3] == [{"城市": ["公路"]}, {"城市": ["效能"]}, {"农业": ["畜牧"]}]
    assert glued[3] == {}
    plain = _doc_terms(_tokens_matcher(themes, segmenter, matching=Matching()), sentences)
    assert plain[:3] == [{}, {}, {}]  # jieba glues 公路网 / 效能型 / 畜牧业 into one token each


def test_procedure_and_dateline_sentences_name_no_theme(taxonomy, segmenter):
    from speechkit.themes import load_focus

    m = _tokens_matcher(taxonomy, segmenter, focus=load_focus())
    sentences = [
        "刚才，市妇联、市巾帼电商协会作了汇报发言，讲得都很好。",
        "同志们：参加今天会议的有市妇联干部代表和各县妇女代表。",
        "今年是“十四五”规划收官之年，也是进一步全面深化改革的重要一年。",
        "2024年是中华人民共和国成立75周年，是京津冀协同发展战略实施10周年。",
        "今年是收官之年，我们要深化国资国企改革。",
        "要深化国资国企改革，刚才讲的问题要抓好。",
        "积极发展巾帼电商，带动农村妇女增收。",
        "加快建设京津冀协同发展示范区。",
    ]
    found = _doc_terms(m, sentences)
    assert found[:4] == [{}, {}, {}, {}]
    assert "改革开放与营商环境" in found[4] and "改革开放与营商环境" in found[5]
    assert "妇女与经济" in found[6] and "城市建设与区域协调" in found[7]


def test_matching_table_is_checked(tmp_path):
    from speechkit.themes import load_matching

    bad = tmp_path / "bad.toml"
    for body, message in (('suffixes = ["业务"]', "single characters"), ("dateline = '(今年是'", "regular expression"),
                          ("glue = []", r"unknown keys \['glue'\]"), ('procedure = [""]', "non-empty strings")):
        bad.write_text(f"[matching]\n{body}\n", encoding="utf-8")
        with pytest.raises(ValueError, match=rf"bad\.toml.*{message}"):
            load_matching(extra=bad)
    extra = tmp_path / "extra.toml"
    extra.write_text('[matching]\nsuffixes = ["化"]\n', encoding="utf-8")
    merged = load_matching(extra=extra)
    assert "化" in merged.suffixes and "网" in merged.suffixes and merged.procedure == load_matching().procedure


ROUND4_CASES = [  # (sentence, theme, tagged): kinds mended in round 4
    ("我们也清醒认识到，前进道路上还面临许多困难挑战。", "城市建设与区域协调", False),
    ("打通断头路，新建城市道路30公里。", "城市建设与区域协调", True),
    ("加快体外诊断产品、康复医疗器械研发制造。", "民生保障与公共服务", False),
    ("推进紧密型县域医共体建设，提升基层医疗服务能力。", "民生保障与公共服务", True),
    ("各种形式的成人高等教育在校学生达到86万人。", "儿童教育", False),
    ("全市中小学在校学生达到86万人。", "儿童教育", True),
    ("健全学生安全和身心健康关爱协同机制。", "安全发展与社会治理", False),
    ("健全学生安全和身心健康关爱协同机制。", "儿童安全", True),
    ("建立府院联席会议机制。", "党的领导与组织保障", False),
    ("健全种粮农民收益保障机制。", "党的领导与组织保障", False),
    ("市妇儿工委各成员单位要建立联席会议制度，形成工作合力。", "党的领导与组织保障", True),
    ("支持工会、共青团、妇联等群团组织更好发挥作用。", "党的领导与组织保障", False),
    ("创新旅游宣传推介方式，吸引更多游客。", "数字化与宣传", False),
    ("加强正面宣传和舆论引导。", "数字化与宣传", True),
    ("大力发展社会事业。", "民生保障与公共服务", True),
    ("加快构建多元化食物供给体系。", "农业农村现代化", True),
]


# ── round 5 (session 7): kinds of error mended on the held-out text ──────────


ROUND5_CASES = [  # (sentence, theme, tagged): kinds mended in round 5
    # a reform of wages or of the retirement age is about incomes and pensions
    ("有序推进延迟法定退休年龄改革。", "改革开放与营商环境", False),
    ("有序推进延迟法定退休年龄改革。", "民生保障与公共服务", True),
    ("这次工资改革提高了教师的工资标准。", "民生保障与公共服务", True),
    ("这次工资改革提高了教师的工资标准。", "改革开放与营商环境", False),
    ("深化国资国企改革。", "改革开放与营商环境", True),
    # the army itself is defence, its civil side (国防动员, 双拥) is the theme
    ("加强国防和军队建设。", "安全发展与社会治理", False),
    ("改进兵役制度，加强民兵训练。", "安全发展与社会治理", False),
    ("提高武警部队处置突发事件的能力。", "安全发展与社会治理", False),
    ("做好国防动员和双拥工作，加强民兵建设。", "安全发展与社会治理", True),
    ("完善突发事件应急预案。", "安全发展与社会治理", True),
    ("坚持党对军队绝对领导，加强思想政治建设。", "思想政治引领", False),
    ("推进基层民主政治建设。", "思想政治引领", False),
    ("把党的政治建设摆在首位。", "思想政治引领", True),
    # a sector's output figure is the economy's; a school of agriculture is education
    ("全年农业总产值增长百分之五。", "农业农村现代化", False),
    ("全年农业总产值增长百分之五。", "经济运行与扩大内需", True),
    ("今年工业总产值预计增长一倍。", "现代化产业体系", False),
    ("各县开办了一批农业中学。", "农业农村现代化", False),
    ("加快发展现代农业。", "农业农村现代化", True),
    ("培养有文化的工人和农民。", "农业农村现代化", False),
    ("促进农民持续增收。", "农业农村现代化", True),
    # investment as the subject, its sectors where it goes
    ("用好中央预算内投资。", "经济运行与扩大内需", True),
    ("提高投资效益。", "经济运行与扩大内需", True),
    ("完善项目投资。", "经济运行与扩大内需", False),  # 投资 alone is weak
    # 生态 as a metaphor, an environmental risk
    ("打造创新生态示范区。", "生态文明与绿色低碳", False),
    ("加强生态保护修复。", "生态文明与绿色低碳", True),
    ("强化生态环境风险管控。", "安全发展与社会治理", False),
    ("强化生态环境风险管控。", "生态文明与绿色低碳", True),
    ("防范化解地方债务风险。", "安全发展与社会治理", True),
    # the people's democratic rights; a government's own governance
    ("保证人民依法实行民主选举、民主决策、民主管理、民主监督。", "政府自身建设", False),
    ("坚持科学决策、民主决策、依法决策。", "政府自身建设", True),
    ("更加需要增强政府治理能力。", "政府自身建设", True),
    ("更加需要增强政府治理能力。", "安全发展与社会治理", False),
    # foreign trade alone is the economy; opening-up needs its own terms
    ("努力保持对外贸易稳定增长。", "改革开放与营商环境", False),
    ("努力保持对外贸易稳定增长。", "经济运行与扩大内需", True),
    ("扩大高水平对外开放，推动对外贸易创新发展。", "改革开放与营商环境", True),
    # a region's name qualifying an institution; the closing rally
    ("支持筹办大湾区大学。", "城市建设与区域协调", False),
    ("推进粤港澳大湾区建设。", "城市建设与区域协调", True),
    ("让我们更加紧密地团结在以习近平同志为核心的党中央周围，坚持以习近平新时代中国特色社会主义思想为指导，奋勇争先！",
     "思想政治引领", False),
    ("坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻党的二十大精神。", "思想政治引领", True),
]


def test_the_judged_samples_outside_the_corpus_are_well_formed():
    """The acceptance samples written in the repo (X, Y): every row names real themes, has a unique
    anchor of at most 20 characters that locates exactly one sentence of its text, and is judged
    once (a theme is never both about and borderline)."""
    import json
    import sys

    from corpus_paths import REPO

    sys.path.insert(0, str(REPO / "scripts"))
    import eval_themes

    names = {t.name for t in load_taxonomy()}
    for gold in ("themes_extra.jsonl", "themes_blind.jsonl"):
        rows = [json.loads(line) for line in (REPO / "tests" / "gold" / gold).read_text(encoding="utf-8").splitlines()
                if line.strip()]
        assert rows, gold
        located = eval_themes.locate_extra(rows)
        assert len(located) == len(rows), gold
        assert len({(r["file"], r["anchor"]) for r in rows}) == len(rows), gold
        for row in rows:
            assert len(row["anchor"]) <= 20, row
            assert set(row["themes"]) | set(row["borderline"]) <= names, row
            assert not set(row["themes"]) & set(row["borderline"]), row


# ── round 6 (session 8): kinds that a new sentence is likely to hit ───────────


def test_simplified_chars_keeps_length_and_leaves_simplified_text_alone():
    from speechkit.script import simplified_chars

    traditional = "發展農業生產，加強環境保護。"
    simple = simplified_chars(traditional)
    assert simple == "发展农业生产，加强环境保护。" and len(simple) == len(traditional)
    already = "发展农业生产，显著提高乾坤湾旅游收入"  # 乾 and 著 are Simplified characters too
    assert simplified_chars(already) is already


@pytest.mark.parametrize("traditional, simplified", [
    ("林業對供應建設事業所需木材有重大的意義。", "林业对供应建设事业所需木材有重大的意义。"),
    ("發展農業生產，保障糧食安全。", "发展农业生产，保障粮食安全。"),
    ("加強環境保護和污染防治。", "加强环境保护和污染防治。"),
    ("擴大對外開放，深化經濟體制改革。", "扩大对外开放，深化经济体制改革。"),
])
def test_a_traditional_sentence_gets_the_themes_of_its_simplified_twin(taxonomy, segmenter, traditional, simplified):
    from speechkit.themes import load_focus

    m = _tokens_matcher(taxonomy, segmenter, focus=load_focus())
    twin = m.sentence_terms(simplified)
    assert twin and m.sentence_terms(traditional) == twin
    # the document engines too (a document of ≥ 8 sentences takes the fast one), and the terms are Simplified
    assert _doc_terms(m, [traditional] * 8) == [twin] * 8
    assert m.term_hits(traditional) == m.term_hits(simplified)


def test_a_traditional_document_is_segmented_again_for_its_tokens(taxonomy, segmenter):
    m = _tokens_matcher(taxonomy, segmenter)
    sentence = "林業對供應建設事業所需木材有重大的意義。"
    stale = [list(sentence)]  # the caller's tokens, cut from the Traditional text: one character each
    found = m.document_sentence_terms(sentence, [(0, len(sentence), sentence)], stale)
    assert found == [m.sentence_terms("林业对供应建设事业所需木材有重大的意义。")]


@pytest.mark.parametrize("sentence", [
    "在此，我代表省人民政府，向全省人民，向人大代表、政协委员，向驻琼部队和武警官兵，表示诚挚的感谢！",
    "我代表国务院，向全国各族人民，向各民主党派、各人民团体和各界人士，表示衷心感谢！",
    "向驻市部队、武警官兵、政法干警和消防救援人员，致以崇高的敬意！",
    "现在，我代表市人民政府向大会报告工作，请予审议。",
])
def test_thanks_and_salutes_name_no_theme(taxonomy, segmenter, sentence):
    from speechkit.themes import load_focus

    m = _tokens_matcher(taxonomy, segmenter, focus=load_focus())
    assert m.sentence_terms(sentence) == {}
    assert _doc_terms(m, [sentence] * 8) == [{}] * 8


def test_rhetoric_phrases_of_an_extra_file_add_to_the_bundled_ones(tmp_path):
    from speechkit.themes import load_matching

    extra = tmp_path / "extra.toml"
    extra.write_text('[matching]\nrhetoric = ["谨致谢忱"]\n', encoding="utf-8")
    merged = load_matching(extra=extra)
    assert merged.is_procedure("对各位的支持谨致谢忱。") and merged.is_procedure("向大家表示衷心感谢！")
    assert not merged.is_procedure("认真办理人大代表建议和政协委员提案。")


ROUND6_CASES = [  # (sentence, theme, tagged): kinds mended in round 6
    # public finance and prices are the economy's (its definition: 财政收入)
    ("着力优化财政支出结构。", "经济运行与扩大内需", True),
    ("优化和落实减税政策。", "经济运行与扩大内需", True),
    ("保持物价总水平基本稳定。", "经济运行与扩大内需", True),
    # opening-up instruments and enterprise reform
    ("积极争取免签入境政策优化升级。", "改革开放与营商环境", True),
    ("建立航空口岸首个公用型保税仓库。", "改革开放与营商环境", True),
    ("建立航空口岸首个公用型保税仓库。", "经济运行与扩大内需", False),
    ("形成有效制衡的公司法人治理结构。", "改革开放与营商环境", True),
    # social insurance, welfare and culture are 民生
    ("鼓励灵活就业人员缴存住房公积金。", "民生保障与公共服务", True),
    ("大力发展社会福利事业和慈善事业。", "民生保障与公共服务", True),
    # the city's management, charging piles, energy infrastructure
    ("完成862个城管进社区试点建设。", "城市建设与区域协调", True),
    ("新增5.5万个电动汽车公共充电桩。", "城市建设与区域协调", True),
    ("加快阿万仓国家草原自然公园试点建设。", "城市建设与区域协调", False),
    ("加快阿万仓国家草原自然公园试点建设。", "生态文明与绿色低碳", True),
    ("建成口袋公园20个。", "城市建设与区域协调", True),
    # national defence awareness; forestry; science results
    ("增强全民国防意识。", "安全发展与社会治理", True),
    ("大力发展林业。", "农业农村现代化", True),
    ("获得比较重要的科技成果一万三千多项。", "科技创新与人才", True),
    # the slogan of the four modernisations names no sector; words that look like a theme's and are not
    ("在本世纪内全面实现农业、工业、国防和科学技术的现代化。", "农业农村现代化", False),
    ("在本世纪内全面实现农业、工业、国防和科学技术的现代化。", "科技创新与人才", False),
    ("我们发展科学技术的基本方针也是明确的。", "科技创新与人才", True),
    ("持续推进网络提速降费。", "经济运行与扩大内需", False),
    ("落实减税降费政策。", "经济运行与扩大内需", True),
    ("推动建设呼和浩特林业碳汇交易服务中心。", "农业农村现代化", False),
    ("聚焦家纺、电动工具、健身器材等优势领域。", "民生保障与公共服务", False),
    ("改造健身设施290处。", "民生保障与公共服务", True),
    ("完善失业、工伤、生育保险制度。", "民生保障与公共服务", True),
    ("完善失业、工伤、生育保险制度。", "就业创业", False),
    ("大力推行个人助学信贷。", "经济运行与扩大内需", False),
    ("大力推行个人助学信贷。", "民生保障与公共服务", True),
    ("经过30多年改革开放，我国发展建立了良好的物质基础。", "改革开放与营商环境", False),
    ("坚定不移深化改革开放。", "改革开放与营商环境", True),
    ("国网龙潭沟抽水蓄能电站纳入国家规划。", "城市建设与区域协调", True),
    ("国网龙潭沟抽水蓄能电站纳入国家规划。", "现代化产业体系", False),
    ("１９５５年的农业税收入也超额完成了计划。", "经济运行与扩大内需", True),
    ("１９５５年的农业税收入也超额完成了计划。", "农业农村现代化", False),
]


@pytest.mark.parametrize("sentence, theme, tagged", ROUND4_CASES + ROUND5_CASES + ROUND6_CASES)
def test_kinds_mended_in_rounds_4_to_6(taxonomy, segmenter, sentence, theme, tagged):
    from speechkit.themes import load_focus

    m = _tokens_matcher(taxonomy, segmenter, focus=load_focus())
    assert (theme in m.sentence_terms(sentence)) is tagged, m.sentence_terms(sentence)


def test_the_judged_samples_of_the_shared_corpus_are_well_formed():
    """tests/gold/themes_sentences.jsonl (scored by make eval): every row names a corpus file and real
    themes, has an anchor of at most 20 characters, is judged once (a theme never both about and
    borderline, a (file, anchor) never twice) and belongs to a sample the gold README describes."""
    import json
    import re

    from corpus_paths import REPO

    names = {t.name for t in load_taxonomy()}
    rows = [json.loads(line) for line in (REPO / "tests" / "gold" / "themes_sentences.jsonl").read_text(encoding="utf-8")
            .splitlines() if line.strip()]
    assert len({(r["file"], r["anchor"]) for r in rows}) == len(rows)
    readme = (REPO / "tests" / "gold" / "README.md").read_text(encoding="utf-8")
    for sample in {r["sample"] for r in rows}:
        assert re.search(rf"Sample {sample}\b|\b{sample}\s+\(", readme), sample
    for row in rows:
        assert set(row) == {"file", "anchor", "sample", "themes", "borderline"}, row
        assert row["file"].split("/")[0] in ("seeds", "city-reports-2024", "province-reports-2025", "national-reports"), row
        assert 0 < len(row["anchor"]) <= 20, row
        assert set(row["themes"]) | set(row["borderline"]) <= names, row
        assert not set(row["themes"]) & set(row["borderline"]), row
