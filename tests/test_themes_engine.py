"""The fast theme matcher (issue 17) gives exactly what the reference scan gives.

``ThemeMatcher.document_sentence_terms`` runs one Aho–Corasick pass per document and applies the
boundary, nesting and context rules as array operations; ``_reference_document_sentence_terms`` is
the plain scan it replaced (every candidate start tried in Python, a set of token boundaries per
sentence). These tests hold the two to the same output on real-looking sentences with every hard
case of the matcher, on random texts built from the lexicon, and on the demo corpus. The shared
corpus is held by tests/test_table_identity.py.
"""
from __future__ import annotations

import random

import pytest
from corpus_paths import DEMO

from speechkit.segment import Segmenter, split_sentences
from speechkit.themes import ContextRule, Theme, ThemeMatcher, load_taxonomy

# each line exercises one rule of the matcher (the comment says which)
SENTENCES = [
    "要深入开展两癌筛查，提高农村妇女健康水平。",            # nested (两癌 in 两癌筛查), partial overlap
    "保障人民生命安全，办好民生实事。",                      # 民生 not inside 人民/生命
    "支持留学生回国创业，加强科技人才队伍建设。",            # 学生 not in 留学生; 人才 in 科技人才 (split)
    "加快发展普惠托育服务，办好社区托育点。",                # inside a dictionary compound
    "推进HPV疫苗接种，适龄女孩hpv疫苗免费接种。",            # Latin letters case-insensitive
    "发挥妇女在乡村振兴中的作用。",                          # a rule that requires a co-occurring word
    "全面推进乡村振兴，建设宜居宜业和美乡村。",              # the same term, rule not met
    "以胡锦涛同志为总书记的党中央高度重视妇女儿童事业。",      # not_within
    "建设儿童友好城市，打造儿童友好社区和儿童友好学校。",      # longest term at a start, then shorter ones
    "坚持男女平等基本国策，保障妇女儿童合法权益。",
    "加强家庭家教家风建设，弘扬新时代家庭观。",
    "反家暴工作要做到早发现、早报告、早干预。",
    "", "。", "托育", "妇女儿童",                              # empty, punctuation only, whole-term sentences
]


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter("rjieba")


@pytest.fixture(scope="module")
def matcher(segmenter) -> ThemeMatcher:
    return ThemeMatcher(load_taxonomy(), tokenize=segmenter.cut, compounds=segmenter.dictionary_words)


def _both(matcher: ThemeMatcher, text: str, tokens=True):
    sentences = split_sentences(text)
    toks = [matcher.tokenize(s) for _, _, s in sentences] if (tokens and matcher.tokenize) else None
    fast = matcher._fast_document_sentence_terms(text, sentences, toks)
    reference = matcher._reference_document_sentence_terms(text, sentences, toks)
    return fast, reference


def test_fast_matcher_equals_the_reference_on_hard_sentences(matcher):
    text = "\n".join(SENTENCES)
    fast, reference = _both(matcher, text)
    assert fast is not None  # the fast engine ran (no fall-back)
    assert fast == reference
    found: dict[str, list[str]] = {}
    for per_sentence in fast:
        for name, terms in per_sentence.items():
            found.setdefault(name, []).extend(terms)
    # the cases the sentences are about did what the matcher promises
    assert "两癌筛查" in found["妇女健康"] and "两癌" not in found["妇女健康"]
    assert "乡村振兴" in found["乡村振兴与巾帼建功"]
    assert any("HPV疫苗" in terms or "hpv疫苗" in terms for terms in found.values())
    assert len(fast) == len(split_sentences(text))


def test_fast_matcher_equals_the_reference_without_tokens_and_without_rules(segmenter):
    themes = load_taxonomy()
    text = "\n".join(SENTENCES)
    for matcher in (ThemeMatcher(themes), ThemeMatcher(themes, rules=False),
                    ThemeMatcher(themes, tokenize=segmenter.cut, compounds=segmenter.dictionary_words, rules=False)):
        fast, reference = _both(matcher, text)
        assert fast is not None
        assert fast == reference
        assert any(fast)


def test_fast_matcher_equals_the_reference_on_random_texts_from_the_lexicon(segmenter):
    """Texts spliced from lexicon terms, their fragments and common words: overlaps, nesting and
    boundaries in every combination the lexicon allows, one seed per run for a stable test."""
    themes = load_taxonomy()
    terms = sorted({t for theme in themes for t in theme.terms})
    words = ["的", "和", "推进", "人民", "生命", "工作", "建设", "服务", "，", "。", "；", "\n", "HPV", "为总书记", "留学"]
    rng = random.Random(17)
    pieces = terms + [t[:2] for t in terms if len(t) > 2] + [t[1:] for t in terms if len(t) > 2] + words * 20
    matchers = [ThemeMatcher(themes, tokenize=segmenter.cut, compounds=segmenter.dictionary_words), ThemeMatcher(themes)]
    hits = 0
    for _ in range(40):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(20, 120)))
        for matcher in matchers:
            fast, reference = _both(matcher, text)
            assert fast is not None
            assert fast == reference, text
            hits += sum(len(v) for found in fast for v in found.values())
    assert hits > 500


def test_fast_matcher_hands_over_to_the_reference_on_input_it_does_not_assume(matcher):
    text = "发展普惠托育。办好托育点。两癌筛查全覆盖。"
    sentences = split_sentences(text)
    tokens = [matcher.tokenize(s) for _, _, s in sentences]
    # tokens that do not spell their sentence, or sentences out of order: the reference decides
    short = [t[:-1] for t in tokens]
    assert matcher._fast_document_sentence_terms(text, sentences, short) is None
    assert matcher._fast_document_sentence_terms(text, sentences[::-1], tokens[::-1]) is None
    assert matcher.document_sentence_terms(text, sentences * 4, short * 4) == \
        matcher._reference_document_sentence_terms(text, sentences * 4, short * 4)


def test_fast_matcher_keeps_theme_order_rules_and_shared_terms():
    rule = ContextRule(("乡村振兴",), requires=("妇女", "巾帼"))
    themes = [Theme("乙", "f", ("家风", "乡村振兴"), rules=(rule,)), Theme("甲", "f", ("家风", "家训"))]
    matcher = ThemeMatcher(themes)
    text = "。".join(["弘扬好家风好家训", "巾帼助力乡村振兴", "全面推进乡村振兴"] * 3)
    fast, reference = _both(matcher, text)
    assert fast == reference
    assert fast[0] == {"乙": ["家风"], "甲": ["家风", "家训"]}
    assert fast[1] == {"乙": ["乡村振兴"]} and fast[2] == {}


def test_fast_matcher_equals_the_reference_on_the_demo_corpus(matcher, tmp_path):
    from speechkit.clean import clean_corpus
    import pandas as pd

    clean_corpus(DEMO, tmp_path, jobs=1, use_cache=False)
    docs = pd.read_parquet(tmp_path / "documents.parquet")
    texts = [t for t in docs["text"] if isinstance(t, str) and t]
    assert len(texts) >= 10
    hits = 0
    for text in texts:
        fast, reference = _both(matcher, text)
        assert fast is not None
        assert fast == reference
        hits += sum(len(v) for found in fast for v in found.values())
    assert hits > 100


def test_a_pickled_matcher_matches_like_the_original():
    """A matcher may be sent to a worker pickled; the automaton is rebuilt on arrival."""
    import pickle

    matcher = ThemeMatcher(load_taxonomy())
    copy = pickle.loads(pickle.dumps(matcher))
    text = "\n".join(SENTENCES)
    sentences = split_sentences(text)
    assert copy._fast_document_sentence_terms(text, sentences) == matcher._fast_document_sentence_terms(text, sentences)
    assert any(copy._fast_document_sentence_terms(text, sentences))
