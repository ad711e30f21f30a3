"""Tests for speechkit.topics: default topic count and NMF topics."""
from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest

from speechkit.keywords import term_counts
from speechkit.topics import DOC_TOPIC_COLUMNS, TOPIC_COLUMNS, choose_topic_count, fit_topics

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

CHILDCARE = ["托育", "幼儿园", "普惠", "托位", "入园"]
PROTECTION = ["家暴", "维权", "保护令", "调解", "庇护"]
SHARED = ["妇女", "工作", "服务"]


def _two_group_corpus() -> dict[str, dict[str, int]]:
    """Six childcare documents and six anti-violence documents, counts varying."""
    docs: dict[str, dict[str, int]] = {}
    for group, vocabulary in (("托育", CHILDCARE), ("维权", PROTECTION)):
        for i in range(6):
            counts = {term: 1 + (i + j) % 3 for j, term in enumerate(vocabulary)}
            # Each document leaves one group term out, so documents differ.
            del counts[vocabulary[i % len(vocabulary)]]
            counts.update({term: 2 + i % 2 for term in SHARED})
            docs[f"{group}{i}"] = counts
    return docs


def _frame_dtypes(columns: dict) -> pd.Series:
    return pd.DataFrame({c: pd.Series([], dtype=d) for c, d in columns.items()}).dtypes


def _assert_empty_result(result):
    topics, doc_topics = result
    assert topics.empty and doc_topics.empty
    assert list(topics.columns) == list(TOPIC_COLUMNS)
    assert list(doc_topics.columns) == list(DOC_TOPIC_COLUMNS)
    assert topics.dtypes.equals(_frame_dtypes(TOPIC_COLUMNS))
    assert doc_topics.dtypes.equals(_frame_dtypes(DOC_TOPIC_COLUMNS))


# --------------------------------------------------------------------------- choose_topic_count


def test_topic_count_follows_the_square_root_rule():
    for n in (10, 50, 143, 400):
        assert choose_topic_count(n) == max(2, min(20, math.floor(math.sqrt(n / 2) + 0.5)))


def test_topic_count_bounds():
    counts = [choose_topic_count(n) for n in range(1, 2001)]
    assert counts == sorted(counts)  # never fewer topics for more documents
    assert counts[0] == 1
    for n, k in enumerate(counts, start=1):
        if n >= 2:
            assert 2 <= k <= 20
        if n > 2:
            assert k <= n - 1
    assert counts[-1] == 20


def test_topic_count_rejects_non_positive():
    with pytest.raises(ValueError):
        choose_topic_count(0)


# --------------------------------------------------------------------------- fit_topics


def test_two_separated_groups_get_their_own_topics():
    docs = _two_group_corpus()
    topics, doc_topics = fit_topics(docs)  # 12 documents → default k = 2
    assert sorted(topics["topic"].unique()) == [1, 2]

    main_topic = doc_topics.loc[doc_topics.groupby("doc_id")["weight"].idxmax()]
    main_topic = main_topic.set_index("doc_id")["topic"]
    childcare = {main_topic[d] for d in docs if d.startswith("托育")}
    protection = {main_topic[d] for d in docs if d.startswith("维权")}
    assert len(childcare) == 1 and len(protection) == 1 and childcare != protection

    terms_of = topics.groupby("topic")["term"].apply(set)
    assert terms_of[childcare.pop()] <= set(CHILDCARE)
    assert terms_of[protection.pop()] <= set(PROTECTION)


def test_terms_in_almost_every_document_are_left_out():
    topics, _ = fit_topics(_two_group_corpus())
    assert not set(topics["term"]) & set(SHARED)  # in 12/12 documents > 95 %


def test_terms_of_a_single_document_are_left_out_from_ten_documents_on():
    docs = _two_group_corpus()
    docs["托育0"] = {**docs["托育0"], "独有词": 9}
    topics, _ = fit_topics(docs, top_terms=50)
    assert "独有词" not in set(topics["term"])


def test_topic_tables_shape_and_weights():
    docs = _two_group_corpus()
    topics, doc_topics = fit_topics(docs, top_terms=3)
    assert list(topics.columns) == list(TOPIC_COLUMNS)
    assert list(doc_topics.columns) == list(DOC_TOPIC_COLUMNS)
    assert topics.dtypes.equals(_frame_dtypes(TOPIC_COLUMNS))
    assert doc_topics.dtypes.equals(_frame_dtypes(DOC_TOPIC_COLUMNS))
    for _, group in topics.groupby("topic"):
        assert group["rank"].tolist() == list(range(1, len(group) + 1))
        assert len(group) <= 3
        assert group["weight"].is_monotonic_decreasing
        assert ((group["weight"] > 0) & (group["weight"] <= 1)).all()
    sums = doc_topics.groupby("doc_id")["weight"].sum()
    assert set(sums.index) == set(docs)
    assert sums.to_numpy() == pytest.approx(1.0)
    assert (doc_topics["weight"] >= 0).all()
    # Every document has a row per topic; documents listed in input order.
    assert doc_topics.groupby("doc_id").size().eq(2).all()
    assert doc_topics["doc_id"].drop_duplicates().tolist() == list(docs)


def test_topic_one_carries_most_weight():
    docs = _two_group_corpus()
    for i in range(6, 10):  # more childcare documents
        docs[f"托育{i}"] = {**docs[f"托育{i - 6}"], "托位": 5}
    topics, doc_topics = fit_topics(docs, k=2)
    totals = doc_topics.groupby("topic")["weight"].sum()
    assert totals[1] >= totals[2]
    assert set(topics[topics["topic"] == 1]["term"]) <= set(CHILDCARE)


def test_topics_are_deterministic_and_independent_of_document_order():
    docs = _two_group_corpus()
    first = fit_topics(docs)
    second = fit_topics(docs)
    pd.testing.assert_frame_equal(first[0], second[0])
    pd.testing.assert_frame_equal(first[1], second[1])

    shuffled = {k: docs[k] for k in sorted(docs, key=lambda d: (d[-1], d))}
    third = fit_topics(shuffled)
    pd.testing.assert_frame_equal(first[0], third[0])
    by_doc = ["doc_id", "topic"]
    pd.testing.assert_frame_equal(
        first[1].sort_values(by_doc).reset_index(drop=True),
        third[1].sort_values(by_doc).reset_index(drop=True),
    )


def test_documents_without_terms_get_no_topic_rows():
    docs = _two_group_corpus()
    docs["空白"] = {}
    docs["只有独有词"] = {"独有词": 3}  # its only term is in one document: pruned
    _, doc_topics = fit_topics(docs)
    assert "空白" not in set(doc_topics["doc_id"])
    assert "只有独有词" not in set(doc_topics["doc_id"])
    assert set(doc_topics["doc_id"]) == set(_two_group_corpus())


def test_tiny_corpora_give_empty_frames():
    _assert_empty_result(fit_topics({}))
    _assert_empty_result(fit_topics({"唯一": {"托育": 3, "普惠": 1}}))
    # Two documents with the same vocabulary: every term is in 100 % > 95 %.
    _assert_empty_result(fit_topics({"甲": {"托育": 1}, "乙": {"托育": 2}}))
    _assert_empty_result(fit_topics({"甲": {}, "乙": {}}))


def test_requested_topic_count_is_lowered_to_what_the_data_supports():
    docs = {"甲": {"托育": 2}, "乙": {"家暴": 1}, "丙": {"维权": 3}}
    topics, doc_topics = fit_topics(docs, k=10)
    assert doc_topics["topic"].nunique() <= 3
    assert doc_topics.groupby("doc_id")["weight"].sum().to_numpy() == pytest.approx(1.0)
    with pytest.raises(ValueError):
        fit_topics(docs, k=0)


# --------------------------------------------------------------------------- real corpus


@pytest.mark.slow
def test_city_report_topics_cover_every_report():
    directory = CORPUS / "city-reports-2024"
    if not directory.is_dir():
        pytest.skip(f"shared corpus not found at {directory}")
    jieba = pytest.importorskip("jieba")
    digit = re.compile(r"\d")

    files = sorted(directory.glob("*.txt"))[::7][:20]
    counts = {}
    for path in files:
        words = jieba.lcut(path.read_text(encoding="utf-8"))
        counts[path.stem] = term_counts(w for w in words if len(w) >= 2 and not digit.search(w))
    topics, doc_topics = fit_topics(counts)

    k = choose_topic_count(len(counts))
    assert sorted(topics["topic"].unique()) == list(range(1, k + 1))
    assert set(doc_topics["doc_id"]) == set(counts)
    sums = doc_topics.groupby("doc_id")["weight"].sum()
    assert sums.to_numpy() == pytest.approx(1.0)
    # Every topic is the main topic of at least one report (no dead topics).
    main = doc_topics.loc[doc_topics.groupby("doc_id")["weight"].idxmax(), "topic"]
    assert set(main) == set(range(1, k + 1))


def test_topics_use_only_the_most_widespread_terms_when_the_vocabulary_is_large(monkeypatch):
    import speechkit.topics as topics_mod

    docs = {f"托{i}": {"托育": 3, "幼儿园": 2, "普惠": 1, f"罕见{i // 2}": 5} for i in range(6)}
    docs |= {f"家{i}": {"家暴": 3, "维权": 2, "托育": 1, f"少见{i // 2}": 5} for i in range(6)}
    uncapped, _ = topics_mod.fit_topics(docs, k=2)
    assert any(t.startswith(("罕见", "少见")) for t in uncapped["term"])  # each in 2 documents: kept

    monkeypatch.setattr(topics_mod, "_MAX_TERMS", 4)
    topics, doc_topics = topics_mod.fit_topics(docs, k=2)
    # 托育 is in every document (over max_df); the four terms in 6 documents each are kept
    assert set(topics["term"]) == {"幼儿园", "普惠", "家暴", "维权"}
    assert doc_topics["doc_id"].nunique() == 12


def test_topics_are_the_same_on_every_machine_whatever_its_cores():
    """NMF runs on one BLAS thread: with two, the 143 city reports' doc_topics weights moved by ~2e-6
    (the sums' order depends on the thread count), so tables differed between machines."""
    from collections import Counter

    from corpus_paths import shared
    from threadpoolctl import threadpool_limits

    from speechkit.decode import read_raw
    from speechkit.segment import Segmenter

    segmenter = Segmenter()
    counts = {p.stem: Counter(segmenter.cut(read_raw(p).text))
              for p in sorted(shared("city-reports-2024").rglob("*.txt"))}
    assert len(counts) > 100
    results = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads):
            results.append(fit_topics(counts))
    for one, two in zip(*results):
        pd.testing.assert_frame_equal(one, two, check_exact=True)


def test_nmf_on_several_threads_gives_the_topics_of_one(monkeypatch):
    """RowParallelCSR splits NMF's sparse products by rows over threads: the fit must be the same, bit
    for bit, whatever the number of threads (600 documents: both X and its transpose are split)."""
    import random

    import speechkit.topics as topics_mod

    rng = random.Random(7)
    vocab = [f"词{i}" for i in range(400)]
    docs = {f"d{i:03d}": {t: rng.randint(1, 5) for t in rng.sample(vocab, 30)} for i in range(600)}
    results = []
    for threads in (1, 3):
        monkeypatch.setattr(topics_mod, "_product_threads", lambda n=threads: n)
        results.append(topics_mod.fit_topics(docs, k=6))
    for one, several in zip(*results):
        pd.testing.assert_frame_equal(one, several, check_exact=True)
