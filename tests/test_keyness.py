"""Tests for speechkit.keyness: G², log ratio, counting terms per group."""
from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from speechkit.keyness import (
    TermCounts,
    content_terms_mask,
    count_terms,
    keyness_table,
    log_likelihood,
    log_ratio,
    term_frequency_table,
    token_stream,
    token_stream_from_parquet,
)


def test_log_likelihood_matches_the_formula_worked_by_hand():
    # A term seen 10 times in a group of 100 tokens and 5 times in the rest (200 tokens).
    a, b, n1, n2 = 10, 5, 100, 200
    n = n1 + n2
    # 2×2 table: term / other words × group / rest, with E = row total × column total / N
    observed = [a, b, n1 - a, n2 - b]                       # 10, 5, 90, 195
    expected = [n1 * (a + b) / n, n2 * (a + b) / n,          # 5, 10
                n1 * (n - a - b) / n, n2 * (n - a - b) / n]  # 95, 190
    by_hand = 2 * sum(o * math.log(o / e) for o, e in zip(observed, expected))
    assert expected == [5.0, 10.0, 95.0, 190.0]
    assert float(log_likelihood(a, b, n1, n2)) == pytest.approx(by_hand, rel=1e-12)
    # log ratio: relative frequencies 10/100 vs 5/200 → ratio 4 → log2 = 2
    assert float(log_ratio(a, b, n1, n2)) == pytest.approx(math.log2((10 / 100) / (5 / 200)))


def test_zero_counts_use_half_a_count_for_the_log_ratio_and_zero_cells_for_g2():
    # b = 0: log ratio smoothed with 0.5, G² keeps the 0·ln 0 = 0 convention
    a, b, n1, n2 = 6, 0, 50, 150
    n = n1 + n2
    observed = [a, b, n1 - a, n2 - b]
    expected = [n1 * a / n, n2 * a / n, n1 * (n - a) / n, n2 * (n - a) / n]
    by_hand = 2 * sum(o * math.log(o / e) for o, e in zip(observed, expected) if o > 0)
    assert float(log_likelihood(a, b, n1, n2)) == pytest.approx(by_hand)
    assert float(log_ratio(a, b, n1, n2)) == pytest.approx(math.log2((6 / 50) / (0.5 / 150)))
    assert float(log_ratio(0, 4, n1, n2)) == pytest.approx(math.log2((0.5 / 50) / (4 / 150)))


@settings(max_examples=200, deadline=None)
@given(
    a=st.integers(0, 500), b=st.integers(0, 500),
    extra1=st.integers(1, 5000), extra2=st.integers(1, 5000),
)
def test_g2_is_non_negative_symmetric_and_zero_for_equal_rates(a, b, extra1, extra2):
    n1, n2 = a + extra1, b + extra2
    g2 = float(log_likelihood(a, b, n1, n2))
    assert g2 >= -1e-9
    # the same table seen from the rest's side
    assert float(log_likelihood(b, a, n2, n1)) == pytest.approx(g2, rel=1e-9, abs=1e-9)
    # equal relative frequencies → no evidence of a difference
    assert float(log_likelihood(a, 2 * a, n1, 2 * n1)) == pytest.approx(0.0, abs=1e-9)


def _counts(rows: dict[str, dict[str, int]]) -> tuple[TermCounts, list[str]]:
    groups = list(rows)
    terms = sorted({t for r in rows.values() for t in r})
    matrix = sparse.csr_matrix(np.array([[rows[g].get(t, 0) for t in terms] for g in groups], dtype=np.int64))
    return TermCounts(counts=matrix, terms=np.array(terms, dtype=object)), groups


def test_keyness_table_agrees_with_scalar_formula_and_filters():
    rows = {
        "杭州市": {"数字": 12, "家庭": 6, "托育": 4, "妇女": 10, "海洋": 1},
        "宁波市": {"海洋": 9, "港口": 5, "妇女": 12, "就业": 6},
        "温州市": {"民营": 8, "创业": 7, "妇女": 9, "侨乡": 2, "托育": 3},
    }
    counts, groups = _counts(rows)
    totals = {g: sum(r.values()) for g, r in rows.items()}
    total = sum(totals.values())
    table = keyness_table(counts, top=None, min_freq=3, overused_only=False)
    assert len(table) > 0
    for rec in table.itertuples():
        group = groups[rec.group_index]
        a = rows[group].get(rec.term, 0)
        b = sum(r.get(rec.term, 0) for r in rows.values()) - a
        n1, n2 = totals[group], total - totals[group]
        assert (rec.freq_group, rec.freq_rest) == (a, b)
        assert rec.freq_group >= 3
        assert rec.g2 == pytest.approx(float(log_likelihood(a, b, n1, n2)))
        assert rec.log_ratio == pytest.approx(float(log_ratio(a, b, n1, n2)))
        assert rec.sign == (1 if a / n1 > b / n2 else -1 if a / n1 < b / n2 else 0)
    # ranks run 1.. within each group in decreasing G²
    for _, part in table.groupby("group_index"):
        assert part["rank"].tolist() == list(range(1, len(part) + 1))
        assert part["g2"].is_monotonic_decreasing


def test_overused_only_drops_underused_terms_and_top_cuts_each_group():
    rows = {
        "甲": {"妇女": 30, "儿童": 3, "家庭": 20, "托育": 10},
        "乙": {"妇女": 30, "儿童": 40, "家庭": 2, "托育": 9},
    }
    counts, groups = _counts(rows)
    everything = keyness_table(counts, top=None, min_freq=1, overused_only=False)
    over = keyness_table(counts, top=None, min_freq=1)
    assert (over["sign"] > 0).all()
    under = everything[everything["sign"] < 0]
    assert len(under) > 0
    assert not set(zip(under.group_index, under.term)) & set(zip(over.group_index, over.term))
    top1 = keyness_table(counts, top=1, min_freq=1)
    assert top1.groupby("group_index").size().max() == 1
    best = over.sort_values("g2", ascending=False).groupby("group_index").head(1)
    assert set(zip(top1.group_index, top1.term)) == set(zip(best.group_index, best.term))
    # 家庭 is 10× more frequent in 甲; 儿童 in 乙
    assert set(top1.term) == {"家庭", "儿童"}


def test_a_single_group_has_no_rest_to_compare_with():
    counts, _ = _counts({"全部": {"妇女": 5, "儿童": 4}})
    assert keyness_table(counts).empty


def test_content_terms_mask_drops_punctuation_numbers_redactions_and_stopwords():
    terms = ["妇女", "，", ",", "2023", "4.5", "*", "〔*〕", "_", "HPV", "的", "2025年"]
    mask = content_terms_mask(terms, stopwords={"的"})
    kept = [t for t, m in zip(terms, mask) if m]
    assert kept == ["妇女", "HPV", "2025年"]


def _tokens_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "doc_id": ["d1", "d1", "d2", "d3", "d9"],
        "sentence_id": [0, 1, 0, 0, 0],
        "tokens": [["推动", "妇女", "就业", "，"], ["妇女", "创业", "。"], ["儿童", "托育", "托育"],
                   ["妇女", "儿童", "2023"], ["不在", "文档", "表"]],
    })


def test_count_terms_counts_per_group_and_ignores_unknown_documents():
    tokens = _tokens_frame()
    doc_group = pd.Series([0, 1, 1], index=["d1", "d2", "d3"])  # d9 is not a document (error row)
    counts = count_terms(tokens, doc_group, n_groups=2, stopwords={"推动"})
    expected = [Counter(), Counter()]
    for doc, toks in zip(tokens.doc_id, tokens.tokens):
        if doc in doc_group.index:
            expected[doc_group[doc]].update(t for t in toks if t not in {"推动", "，", "。", "2023"})
    got = [dict(zip(counts.terms, counts.counts[g].toarray().ravel())) for g in range(2)]
    assert [{t: c for t, c in g.items() if c} for g in got] == [dict(e) for e in expected]
    assert list(counts.terms) == sorted(counts.terms)
    assert counts.group_totals.tolist() == [sum(e.values()) for e in expected]


def test_term_frequency_table_lists_most_frequent_first():
    counts = count_terms(_tokens_frame(), pd.Series([0, 0, 0], index=["d1", "d2", "d3"]), 1)
    freq = term_frequency_table(counts)
    assert freq["freq"].is_monotonic_decreasing
    assert dict(zip(freq.term, freq.freq))["妇女"] == 3


def test_token_stream_from_parquet_equals_the_dataframe_path(tiny_tables, tmp_path):
    tokens = tiny_tables["tokens"]
    path = tmp_path / "tokens.parquet"
    # several row groups: dictionaries differ between batches and must be unified
    tokens.to_parquet(path, index=False, row_group_size=7)
    from_parquet = token_stream_from_parquet(path, stopwords={"工作"})
    from_frame = token_stream(tokens, stopwords={"工作"})
    assert list(from_parquet.terms) == list(from_frame.terms)
    assert np.array_equal(from_parquet.term_codes, from_frame.term_codes)
    assert np.array_equal(from_parquet.doc_ids[from_parquet.doc_codes], from_frame.doc_ids[from_frame.doc_codes])
    assert "工作" not in set(from_parquet.terms)


def test_sparse_and_dense_accumulation_give_the_same_counts(tiny_tables, monkeypatch):
    import speechkit.keyness as keyness

    docs = tiny_tables["documents"]
    doc_group = pd.Series(np.arange(len(docs)) % 3, index=docs["doc_id"].to_numpy())
    dense = count_terms(tiny_tables["tokens"], doc_group, 3)
    monkeypatch.setattr(keyness, "_DENSE_CELLS", 0)
    sparse_counts = count_terms(tiny_tables["tokens"], doc_group, 3)
    assert list(dense.terms) == list(sparse_counts.terms)
    assert (dense.counts != sparse_counts.counts).nnz == 0
    assert dense.counts.sum() > 0


def test_missing_token_lists_and_tokens_are_skipped_on_both_paths(tmp_path):
    tokens = pd.DataFrame({
        "doc_id": ["d1", "d1", "d2"],
        "sentence_id": [0, 1, 0],
        "tokens": [["妇女", None, "儿童"], None, ["儿童", "家庭"]],
    })
    path = tmp_path / "tokens.parquet"
    tokens.to_parquet(path, index=False)
    for stream in (token_stream(tokens), token_stream_from_parquet(path)):
        pairs = Counter(zip(stream.doc_ids[stream.doc_codes], stream.terms[stream.term_codes]))
        assert pairs == Counter({("d1", "妇女"): 1, ("d1", "儿童"): 1, ("d2", "儿童"): 1, ("d2", "家庭"): 1})
