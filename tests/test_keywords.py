"""Tests for speechkit.keywords: term counts, term matrix, TF-IDF and TextRank."""
from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from speechkit.keywords import (
    KEYWORD_COLUMNS,
    build_term_matrix,
    term_counts,
    textrank_keywords,
    textrank_table,
    tfidf_keywords,
)

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

# Three made-up "speeches": 托育 only in the first, 家暴 only in the second,
# 妇女 in every one of them.
SMALL = {
    "托育篇": {"妇女": 3, "托育": 4, "服务": 2, "儿童": 1},
    "维权篇": {"妇女": 3, "家暴": 4, "服务": 1, "保护令": 1},
    "综合篇": {"妇女": 5, "儿童": 2, "服务": 1},
}


def _expected_dtypes() -> pd.Series:
    return _empty_table().dtypes


def _empty_table() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=d) for c, d in KEYWORD_COLUMNS.items()})


# --------------------------------------------------------------------------- term_counts


def test_term_counts_is_a_plain_dict_of_counts():
    counts = term_counts(["托育", "服务", "托育", "妇女", "托育"])
    assert type(counts) is dict
    assert counts == {"托育": 3, "服务": 1, "妇女": 1}


def test_term_counts_accepts_any_iterable_and_empty():
    assert term_counts(t for t in ["家暴", "家暴"]) == {"家暴": 2}
    assert term_counts([]) == {}


# --------------------------------------------------------------------------- build_term_matrix


def test_term_matrix_has_sorted_vocabulary_and_input_row_order():
    matrix, doc_ids, vocabulary = build_term_matrix(SMALL)
    assert doc_ids == list(SMALL)
    assert vocabulary == sorted(vocabulary)
    assert set(vocabulary) == {t for counts in SMALL.values() for t in counts}
    dense = matrix.toarray()
    for row, doc_id in enumerate(doc_ids):
        for column, term in enumerate(vocabulary):
            assert dense[row, column] == SMALL[doc_id].get(term, 0)


def test_term_matrix_is_laid_out_like_dictvectorizer():
    from sklearn.feature_extraction import DictVectorizer

    docs = {**SMALL, "空白篇": {}, "拉丁篇": {"NGO": 2, "App": 1, "妇联": 3, "Ａ级": 1}}
    matrix, _, vocabulary = build_term_matrix(docs)
    vectorizer = DictVectorizer(sort=True)
    expected = vectorizer.fit_transform(docs.values())
    assert vocabulary == list(vectorizer.feature_names_)
    assert (matrix != expected).nnz == 0


def test_term_matrix_prunes_by_document_frequency():
    _, _, vocabulary = build_term_matrix(SMALL, min_df=2)
    assert set(vocabulary) == {"妇女", "服务", "儿童"}
    # 妇女 and 服务 are in 3/3 documents, above a 0.9 proportion (2.7 documents).
    _, _, vocabulary = build_term_matrix(SMALL, max_df=0.9)
    assert set(vocabulary) == {"托育", "儿童", "家暴", "保护令"}
    # An int max_df is an absolute number of documents.
    _, _, vocabulary = build_term_matrix(SMALL, max_df=1)
    assert set(vocabulary) == {"托育", "家暴", "保护令"}


def test_term_matrix_keeps_rows_of_documents_whose_terms_were_pruned():
    matrix, doc_ids, vocabulary = build_term_matrix(SMALL, min_df=2, max_df=2)
    assert vocabulary == ["儿童"]
    assert doc_ids == list(SMALL)
    assert matrix.shape == (3, 1)
    assert matrix.toarray()[:, 0].tolist() == [1.0, 0.0, 2.0]


def test_term_matrix_ignores_non_positive_counts():
    _, _, vocabulary = build_term_matrix({"甲": {"托育": 2, "空": 0, "负": -1}})
    assert vocabulary == ["托育"]


def test_term_matrix_of_empty_inputs():
    matrix, doc_ids, vocabulary = build_term_matrix({})
    assert matrix.shape == (0, 0) and doc_ids == [] and vocabulary == []
    matrix, doc_ids, vocabulary = build_term_matrix({"甲": {}, "乙": {}})
    assert matrix.shape == (2, 0) and doc_ids == ["甲", "乙"] and vocabulary == []


@pytest.mark.parametrize("bad", [{"max_df": 1.5}, {"min_df": -1}, {"min_df": "2"}])
def test_term_matrix_rejects_bad_limits(bad):
    with pytest.raises((ValueError, TypeError)):
        build_term_matrix(SMALL, **bad)


# --------------------------------------------------------------------------- tfidf_keywords


def test_tfidf_term_unique_to_a_document_ranks_first_there():
    table = tfidf_keywords(SMALL)
    top = table[table["rank"] == 1].set_index("doc_id")["term"]
    assert top["托育篇"] == "托育"
    assert top["维权篇"] == "家暴"


def test_tfidf_term_found_everywhere_scores_below_a_rarer_term_said_as_often():
    table = tfidf_keywords(SMALL)
    scores = table[table["doc_id"] == "托育篇"].set_index("term")["score"]
    # 妇女 (3 times, in every document) against 托育 (4 times, only here) and
    # 儿童 (once, in two documents): the ubiquitous term trails the distinctive one.
    assert scores["妇女"] < scores["托育"]
    # Said once each in 维权篇: 服务 (in every document) trails 保护令 (only here).
    other = table[table["doc_id"] == "维权篇"].set_index("term")["score"]
    assert other["服务"] < other["保护令"]


def test_tfidf_scores_follow_smooth_idf_sublinear_tf_l2():
    docs = {"甲": {"托育": 3, "服务": 1}, "乙": {"服务": 2}}
    table = tfidf_keywords(docs).set_index(["doc_id", "term"])["score"]
    n = 2
    idf = {"托育": math.log((1 + n) / (1 + 1)) + 1, "服务": math.log((1 + n) / (1 + 2)) + 1}
    raw = {"托育": (1 + math.log(3)) * idf["托育"], "服务": (1 + math.log(1)) * idf["服务"]}
    norm = math.sqrt(sum(v * v for v in raw.values()))
    assert table[("甲", "托育")] == pytest.approx(raw["托育"] / norm)
    assert table[("甲", "服务")] == pytest.approx(raw["服务"] / norm)
    assert table[("乙", "服务")] == pytest.approx(1.0)


def test_tfidf_table_shape_ranks_and_dtypes():
    table = tfidf_keywords(SMALL, top=2)
    assert list(table.columns) == list(KEYWORD_COLUMNS)
    assert table.dtypes.equals(_expected_dtypes())
    assert set(table["method"]) == {"tfidf"}
    assert table["doc_id"].unique().tolist() == list(SMALL)
    for _, group in table.groupby("doc_id"):
        assert group["rank"].tolist() == list(range(1, len(group) + 1))
        assert group["score"].is_monotonic_decreasing
        assert len(group) == 2


def test_tfidf_ties_are_broken_by_term():
    # Same count and same document frequency: exactly equal scores.
    docs = {"甲": {"维权": 2, "保护令": 2, "家暴": 2}, "乙": {"托育": 1}}
    table = tfidf_keywords(docs)
    terms = table[table["doc_id"] == "甲"]["term"].tolist()
    assert terms == sorted(["维权", "保护令", "家暴"])


def test_tfidf_is_deterministic_and_independent_of_document_order():
    first = tfidf_keywords(SMALL)
    assert first.equals(tfidf_keywords(SMALL))
    reversed_docs = {k: SMALL[k] for k in reversed(list(SMALL))}
    other = tfidf_keywords(reversed_docs)
    key = ["doc_id", "rank"]
    pd.testing.assert_frame_equal(
        first.sort_values(key).reset_index(drop=True),
        other.sort_values(key).reset_index(drop=True),
    )


def test_tfidf_of_empty_and_single_document_corpora():
    empty = tfidf_keywords({})
    assert empty.empty and list(empty.columns) == list(KEYWORD_COLUMNS)
    assert empty.dtypes.equals(_expected_dtypes())
    assert tfidf_keywords({"甲": {}}).dtypes.equals(_expected_dtypes())

    single = tfidf_keywords({"甲": {"托育": 5, "服务": 1}})
    assert single["term"].tolist() == ["托育", "服务"]  # with one document, tf decides
    assert single.dtypes.equals(_expected_dtypes())


def test_tfidf_documents_without_terms_get_no_rows():
    table = tfidf_keywords({**SMALL, "空白篇": {}})
    assert "空白篇" not in set(table["doc_id"])
    assert set(table["doc_id"]) == set(SMALL)


def test_tfidf_rejects_non_positive_top():
    with pytest.raises(ValueError):
        tfidf_keywords(SMALL, top=0)


# --------------------------------------------------------------------------- textrank


def _pagerank_of_path_ends(damping: float) -> tuple[float, float]:
    """PageRank of a 3-node path A–B–C solved exactly: (end, middle)."""
    # end = (1-d)/3 + d * middle/2 ; middle = (1-d)/3 + d * 2 * end
    a = np.array([[1.0, -damping / 2], [-2 * damping, 1.0]])
    b = np.full(2, (1 - damping) / 3)
    end, middle = np.linalg.solve(a, b)
    return float(end), float(middle)


def test_textrank_ranks_hub_above_leaves():
    tokens = ["中心", "托育", "中心", "家暴", "中心", "维权", "中心", "普惠", "中心"]
    ranked = textrank_keywords(tokens, window=2)
    assert ranked[0][0] == "中心"
    assert ranked[0][1] > max(score for _, score in ranked[1:])
    # The four leaves are symmetric: equal scores, listed by term.
    leaves = ranked[1:]
    assert [t for t, _ in leaves] == sorted(["托育", "家暴", "维权", "普惠"])
    assert len({s for _, s in leaves}) == 1


def test_textrank_matches_exact_pagerank_on_a_path():
    ranked = dict(textrank_keywords(["甲方", "乙方", "丙方"], window=2, iterations=200))
    end, middle = _pagerank_of_path_ends(0.85)
    assert ranked["乙方"] == pytest.approx(middle, abs=1e-9)
    assert ranked["甲方"] == pytest.approx(end, abs=1e-9)
    assert ranked["丙方"] == pytest.approx(end, abs=1e-9)


def test_textrank_window_links_tokens_further_apart():
    tokens = ["甲方", "乙方", "丙方"]
    narrow = dict(textrank_keywords(tokens, window=2))
    wide = dict(textrank_keywords(tokens, window=3))
    assert narrow["乙方"] > narrow["甲方"]
    # With window 3 every pair is linked: a triangle, all equal.
    assert wide["甲方"] == wide["乙方"] == wide["丙方"]


def test_textrank_skips_single_character_tokens():
    tokens = ["的", "托育", "的", "服务", "的", "托育", "和", "机构"]
    ranked = textrank_keywords(tokens)
    terms = [t for t, _ in ranked]
    assert "的" not in terms and "和" not in terms
    assert set(terms) == {"托育", "服务", "机构"}


def test_textrank_scores_sum_to_one_and_top_truncates():
    tokens = ["妇女", "儿童", "发展", "纲要", "妇女", "规划", "儿童", "权益", "保障"] * 3
    full = textrank_keywords(tokens, top=100)
    assert sum(s for _, s in full) == pytest.approx(1.0)
    assert [s for _, s in full] == sorted((s for _, s in full), reverse=True)
    assert textrank_keywords(tokens, top=3) == full[:3]


def test_textrank_is_deterministic_and_ignores_repeated_self_pairs():
    tokens = ["托育", "托育", "托育", "服务"]
    assert textrank_keywords(tokens) == textrank_keywords(list(tokens))
    # No self loop: the only link is 托育–服务, so both get the same score.
    ranked = dict(textrank_keywords(tokens))
    assert ranked["托育"] == ranked["服务"]


def test_textrank_of_degenerate_inputs():
    assert textrank_keywords([]) == []
    assert textrank_keywords(["的", "了"]) == []
    assert textrank_keywords(["托育"]) == [("托育", 1.0)]
    with pytest.raises(ValueError):
        textrank_keywords(["托育", "服务"], window=1)
    with pytest.raises(ValueError):
        textrank_keywords(["托育", "服务"], damping=1.0)


def test_textrank_table_rows():
    tokens = ["中心", "托育", "中心", "家暴", "中心"]
    rows = textrank_table("文甲", tokens, top=2)
    assert [r["rank"] for r in rows] == [1, 2]
    assert all(r["doc_id"] == "文甲" and r["method"] == "textrank" for r in rows)
    assert [(r["term"], r["score"]) for r in rows] == textrank_keywords(tokens, top=2)
    assert set(rows[0]) == set(KEYWORD_COLUMNS)
    assert textrank_table("文乙", []) == []
    frame = pd.DataFrame(rows).astype(KEYWORD_COLUMNS)
    assert frame.dtypes.equals(_expected_dtypes())


# --------------------------------------------------------------------------- real corpus

GENERIC = {"发展", "建设", "推进", "工作", "加快", "推动", "提升", "加强", "实施", "全面", "经济"}
DIGIT = re.compile(r"\d")


def _sample_city_reports(directory: Path, size: int = 20) -> list[Path]:
    files = sorted(directory.glob("*.txt"))
    anchor = [p for p in files if p.stem == "三亚"]
    rest = [p for p in files if p.stem != "三亚"]
    step = max(1, len(rest) // (size - len(anchor)))
    return anchor + rest[::step][: size - len(anchor)]


@pytest.mark.slow
def test_city_reports_top_tfidf_keyword_is_place_specific():
    directory = CORPUS / "city-reports-2024"
    if not directory.is_dir():
        pytest.skip(f"shared corpus not found at {directory}")
    jieba = pytest.importorskip("jieba")

    tokens = {}
    for path in _sample_city_reports(directory):
        words = jieba.lcut(path.read_text(encoding="utf-8"))
        tokens[path.stem] = [w for w in words if len(w) >= 2 and not DIGIT.search(w)]
    assert "三亚" in tokens and len(tokens) == 20
    counts = {doc_id: term_counts(words) for doc_id, words in tokens.items()}
    table = tfidf_keywords(counts)

    top = table[table["rank"] == 1].set_index("doc_id")["term"]
    assert set(top.index) == set(counts)
    document_frequency = Counter(t for c in counts.values() for t in c)
    for doc_id, term in top.items():
        assert term not in GENERIC, (doc_id, term)
    # 三亚's leading keyword is rare across the sample: it characterises the place.
    assert document_frequency[top["三亚"]] <= 2, top["三亚"]
    assert top["三亚"] not in GENERIC
    # TextRank on the same document favours terms the report says often.
    frequent = {t for t, _ in Counter(tokens["三亚"]).most_common(30)}
    assert textrank_keywords(tokens["三亚"], top=1)[0][0] in frequent


# --- TextRank's fast power iteration against the plain scipy formulation -----------------------------


def _reference_pagerank(graph, damping=0.85, iterations=50):
    """TextRank's power iteration as it was written before the fast path (session 4): scipy's
    product and the update as one expression. The fast path must give these floats to the last bit."""
    import scipy.sparse as sp

    n = graph.shape[0]
    strength = np.asarray(graph.sum(axis=0)).ravel()
    dangling = strength == 0
    inverse = np.divide(1.0, strength, out=np.zeros_like(strength), where=~dangling)
    transition = sp.csr_matrix(graph @ sp.diags(inverse))
    scores = np.full(n, 1.0 / n)
    teleport = (1.0 - damping) / n
    for _ in range(iterations):
        updated = teleport + damping * (transition @ scores + scores[dangling].sum() / n)
        updated /= updated.sum()
        converged = np.abs(updated - scores).sum() < 1e-12
        scores = updated
        if converged:
            break
    return scores


def _reference_textrank(terms, graph, top):
    n = len(terms)
    rounded = np.round(_reference_pagerank(graph), 12)
    order = np.lexsort((np.arange(n), -rounded))[:top]
    return [(terms[i], float(rounded[i])) for i in order]


def _speech_tokens(n=3000, seed=7):
    """A token sequence with the skew of a speech: a few words said very often, many said once."""
    words = ["发展", "推进", "建设", "妇女", "儿童", "托育", "服务", "保障", "体系", "机制", "家庭", "社区",
             "两癌筛查", "普惠托育", "权益", "保护", "健康", "教育", "就业", "创业"] + [f"词{i}" for i in range(400)]
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, len(words) + 1)
    return [words[i] for i in rng.choice(len(words), size=n, p=p / p.sum())]


def test_textrank_fast_path_gives_the_reference_scores_bit_for_bit():
    from speechkit.keywords import TEXTRANK_WINDOW, _cooccurrence_graph

    tokens = _speech_tokens()
    terms = sorted(set(tokens))
    node = {t: i for i, t in enumerate(terms)}
    graph = _cooccurrence_graph(np.array([node[t] for t in tokens]), len(terms), TEXTRANK_WINDOW)
    from speechkit.keywords import _pagerank

    # unrounded: the same sums in the same order (rows of the transition as scipy's product lays them out)
    assert np.array_equal(_pagerank(graph, 0.85, 50), _reference_pagerank(graph))
    expected = _reference_textrank(terms, graph, top=len(terms))
    assert textrank_keywords(tokens, top=len(terms)) == expected  # every term, every score
    assert expected[0][0] == "发展"


def test_textrank_graph_is_the_canonical_coo_sum():
    import scipy.sparse as sp

    from speechkit.keywords import _cooccurrence_graph

    rng = np.random.default_rng(3)
    for window in (2, 3, 5):
        seq = rng.integers(0, 40, 500)
        graph = _cooccurrence_graph(seq, 40, window)
        rows, cols = [], []
        for offset in range(1, window):
            for a, b in zip(seq[:-offset], seq[offset:]):
                if a != b:
                    rows += [a, b]
                    cols += [b, a]
        expected = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(40, 40)).tocsr()
        expected.sum_duplicates()
        assert graph.has_canonical_format
        assert np.array_equal(graph.indptr, expected.indptr) and np.array_equal(graph.indices, expected.indices)
        assert np.array_equal(graph.data, expected.data)
    assert _cooccurrence_graph(np.array([4, 4, 4]), 5, 5).nnz == 0  # a token next to itself only


def test_textrank_of_graph_any_csr_layout_gives_the_reference():
    import scipy.sparse as sp

    from speechkit.keywords import _pagerank, textrank_of_graph

    rng = np.random.default_rng(11)
    for trial in range(20):
        n = int(rng.integers(2, 50))
        terms = [f"词{i:02d}" for i in range(n)]
        weights = sp.random(n, n, density=0.2, random_state=trial, format="csr") * 7
        graph = sp.csr_matrix(weights + weights.T)  # real-valued weights, some nodes isolated
        assert np.array_equal(_pagerank(graph, 0.85, 50), _reference_pagerank(graph))
        assert textrank_of_graph(terms, graph, n) == _reference_textrank(terms, graph, n)
        shuffled = graph.copy()  # columns unsorted within rows: scipy's own product is used
        for r in range(n):
            lo, hi = shuffled.indptr[r], shuffled.indptr[r + 1]
            perm = rng.permutation(hi - lo) + lo
            shuffled.indices[lo:hi], shuffled.data[lo:hi] = shuffled.indices[perm], shuffled.data[perm]
        shuffled.has_sorted_indices = False
        assert np.array_equal(_pagerank(shuffled, 0.85, 50), _reference_pagerank(shuffled))


def test_corpus_counts_build_their_matrix_once_and_hand_out_copies_that_match_the_dict_path():
    from speechkit.keywords import CorpusCounts

    docs = {"乙": {"托育": 2, "服务": 1, "普惠": 0}, "甲": {"服务": 3, "家暴": 1}, "丙": {"托育": 1, "维权": 4}}
    counts = CorpusCounts.from_mapping(docs)
    first, ids, vocab = counts.matrix()
    first.data[:] = 99.0  # a caller changing its matrix in place leaves the memo as built
    vocab.append("改")
    again, ids2, vocab2 = counts.matrix()
    expected, ids3, vocab3 = build_term_matrix(docs)
    assert ids2 == ids3 == ["乙", "甲", "丙"] and vocab2 == vocab3 == ["家暴", "托育", "服务", "维权"]
    assert (again != expected).nnz == 0
    pruned, _, kept = counts.matrix(min_df=2)
    assert kept == ["托育", "服务"] and pruned.toarray().tolist() == [[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]]
    assert counts.digest() == CorpusCounts.from_mapping(docs).digest()
    ordered = counts.sorted()
    assert ordered.doc_ids == ["丙", "乙", "甲"] and ordered.sorted() is ordered
    assert tfidf_keywords(ordered).equals(tfidf_keywords(dict(sorted(docs.items()))))


@pytest.mark.parametrize("sublinear_tf", [True, False])
def test_tfidf_weights_are_scikit_learns_to_the_last_bit(sublinear_tf):
    """The TF-IDF (and the cosine of the report's similarity chart) without scikit-learn, on the
    143 city reports: the same floats as TfidfTransformer / cosine_similarity, not merely close."""
    from collections import Counter

    import scipy.sparse as sp
    from corpus_paths import shared
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.metrics.pairwise import cosine_similarity

    from speechkit.decode import read_raw
    from speechkit.keywords import build_term_matrix, l2_normalize_rows, tfidf_weights
    from speechkit.segment import Segmenter

    segmenter = Segmenter()
    docs = {p.stem: Counter(segmenter.cut(read_raw(p).text)) for p in sorted(shared("city-reports-2024").rglob("*.txt"))}
    docs["空"] = Counter()  # an empty row stays empty
    counts, _, _ = build_term_matrix(docs)
    ours = tfidf_weights(counts, sublinear_tf=sublinear_tf)
    theirs = sp.csr_matrix(TfidfTransformer(norm="l2", use_idf=True, smooth_idf=True, sublinear_tf=sublinear_tf)
                           .fit_transform(counts), dtype=np.float64)
    theirs.sort_indices()
    assert np.array_equal(ours.indptr, theirs.indptr) and np.array_equal(ours.indices, theirs.indices)
    assert np.array_equal(ours.data, theirs.data)
    unit = l2_normalize_rows(ours.copy())
    assert np.array_equal((unit @ unit.T).toarray(), cosine_similarity(theirs, dense_output=True))
