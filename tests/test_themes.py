"""Tests for speechkit.themes: taxonomy loading, term matching, theme tables, coverage."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from speechkit.segment import split_sentences
from speechkit.themes import (
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
    return ThemeMatcher(taxonomy)


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
    rows = document_theme_table("doc1", hits, themes)
    assert rows == [
        {"doc_id": "doc1", "theme": "妇女健康", "field": "妇女纲要·健康", "hits": 3, "share": 0.75},
        {"doc_id": "doc1", "theme": "托育与生育支持", "field": "交叉议题", "hits": 1, "share": 0.25},
    ]
    assert document_theme_table("doc2", [{}, {}], themes) == []


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
    # every theme of the taxonomy is found somewhere in 143 government work reports
    hit_themes = {name for h in all_hits for name in h}
    assert {t.name for t in taxonomy} <= hit_themes
    # government-work themes lead in government work reports
    totals: dict[str, int] = {}
    for h in all_hits:
        for name, n in h.items():
            totals[name] = totals.get(name, 0) + n
    top = sorted(totals, key=totals.get, reverse=True)[:5]
    fields = {t.name: t.field for t in taxonomy}
    assert sum(fields[name] == "政府工作" for name in top) >= 4
