"""Tests for speechkit.similarity: TF-IDF cosine and near-duplicate groups."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from speechkit.keyness import count_terms
from speechkit.similarity import (
    char_shingles,
    cosine_similarity_matrix,
    drop_near_duplicates,
    most_similar,
    near_duplicate_groups,
    shingle_hashes,
    shingle_text,
)


def _ok(documents: pd.DataFrame) -> pd.DataFrame:
    return documents[documents["status"] == "ok"].reset_index(drop=True)


def _doc(documents: pd.DataFrame, key: str) -> str:
    return documents.loc[documents["source_path"] == f"浙江/{key}.txt", "doc_id"].item()


def _jaccard(a: str, b: str) -> float:
    x, y = char_shingles(a), char_shingles(b)
    return len(x & y) / len(x | y)


def test_planted_copy_is_grouped_with_its_original(tiny_tables):
    docs = _ok(tiny_tables["documents"])
    original, copy = _doc(docs, "hz2023"), _doc(docs, "hz2023copy")
    # the copy really is edited: different title, reordered paragraphs, changed characters
    texts = dict(zip(docs.doc_id, docs.text))
    titles = dict(zip(docs.doc_id, docs.title))
    assert titles[original] != titles[copy] and texts[original] != texts[copy]
    assert sorted(texts[original].split("\n")) != sorted(texts[copy].split("\n"))

    groups = near_duplicate_groups(docs, threshold=0.8)
    assert set(groups["doc_id"]) == {original, copy}
    assert groups["dup_group"].nunique() == 1
    assert groups["size"].tolist() == [2, 2]
    # representative: the earlier of the two (2023-06-15 vs the 范文 repost of 2023-09-01)
    rep = groups.loc[groups["representative"], "doc_id"].item()
    assert rep == original
    row = groups.set_index("doc_id").loc[copy]
    assert row["jaccard_to_representative"] == pytest.approx(_jaccard(texts[original], texts[copy]), abs=0.1)
    assert groups.set_index("doc_id").loc[original, "jaccard_to_representative"] == 1.0


def test_distinct_speeches_of_the_same_genre_are_not_grouped(tiny_tables):
    docs = _ok(tiny_tables["documents"])
    distinct = docs[docs["source_path"] != "浙江/hz2023copy.txt"]
    assert near_duplicate_groups(distinct, threshold=0.8).empty
    # even when they share the genre's opening and closing formulas
    opening = "同志们：今天召开全市妇女儿童工作会议，主要任务是学习贯彻上级会议精神，总结工作、部署任务。\n"
    closing = "\n同志们，做好新时代妇女儿童工作责任重大、使命光荣，让我们团结一心、真抓实干，为妇女儿童事业发展作出新的更大贡献！"
    framed = distinct.assign(text=opening + distinct["text"] + closing)
    for a, b in itertools.combinations(framed["text"], 2):
        assert _jaccard(a, b) > 0.1  # the shared formulas are a real overlap …
    assert near_duplicate_groups(framed, threshold=0.8).empty  # … but not a copy


def test_representative_is_earliest_then_longest_then_doc_id():
    base = "各地要把妇女儿童发展纳入经济社会发展总体规划，统筹推进城乡妇女儿童工作，确保各项目标任务落到实处。" * 4
    docs = pd.DataFrame({
        "doc_id": ["c", "a", "b", "d"],
        "text": [base, base + "补充一句。", base, base],
        "date": [None, "2023-05-01", "2023-05-01", "2022-12-31"],
        "year": [2021, 2023, 2023, 2022],
    })
    groups = near_duplicate_groups(docs, threshold=0.8)
    assert len(groups) == 4
    # 'c' has no date but its year 2021 is the earliest known
    assert groups.loc[groups["representative"], "doc_id"].item() == "c"
    docs_dated = docs.assign(year=[None, 2023, 2023, 2022], date=[None, "2023-05-01", "2023-05-01", "2023-05-01"])
    groups = near_duplicate_groups(docs_dated, threshold=0.8)
    # same date for a, b, d → the longest (a) wins; the undated c comes last
    assert groups.loc[groups["representative"], "doc_id"].item() == "a"


def test_drop_near_duplicates_keeps_representatives_and_order(tiny_tables):
    docs = _ok(tiny_tables["documents"])
    groups = near_duplicate_groups(docs)
    kept = drop_near_duplicates(docs, groups)
    assert len(kept) == len(docs) - 1
    assert _doc(docs, "hz2023copy") not in set(kept["doc_id"])
    assert kept["doc_id"].tolist() == [d for d in docs["doc_id"] if d in set(kept["doc_id"])]
    assert drop_near_duplicates(docs, groups.iloc[0:0]).equals(docs)


def test_empty_texts_are_never_duplicates_of_each_other():
    docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "text": ["", "   ", "。，"]})
    assert near_duplicate_groups(docs).empty


def test_threshold_must_be_a_proportion():
    docs = pd.DataFrame({"doc_id": ["a"], "text": ["妇女儿童"]})
    with pytest.raises(ValueError, match="threshold"):
        near_duplicate_groups(docs, threshold=80)


def test_shingles_ignore_punctuation_width_and_line_breaks():
    assert shingle_text("一、加强组织领导，\n确保落实。") == "一加强组织领导确保落实"
    assert char_shingles("妇女,儿童工作") == char_shingles("妇女，儿童\n工作")
    assert char_shingles("ＡＢ妇女儿童") == char_shingles("AB妇女儿童")
    assert char_shingles("妇女") == {"妇女"}
    assert char_shingles("") == set()


def test_shingle_hashes_have_one_hash_per_distinct_shingle(tiny_tables):
    for text in _ok(tiny_tables["documents"])["text"]:
        hashes = shingle_hashes(text)
        assert len(hashes) == len(char_shingles(text))
        assert hashes.dtype == np.uint32
    assert np.array_equal(shingle_hashes("推进妇女就业创业"), shingle_hashes("推进妇女，就业创业。"))


def _doc_counts(tiny_tables):
    docs = _ok(tiny_tables["documents"])
    ids = docs["doc_id"].to_numpy()
    counts = count_terms(tiny_tables["tokens"], pd.Series(np.arange(len(ids)), index=ids), len(ids))
    return docs, ids, counts


def test_cosine_matrix_is_symmetric_with_unit_diagonal_and_finds_the_copy(tiny_tables):
    docs, ids, counts = _doc_counts(tiny_tables)
    sim = cosine_similarity_matrix(counts, ids)
    values = sim.to_numpy()
    assert sim.shape == (len(ids), len(ids))
    assert list(sim.index) == list(ids) and list(sim.columns) == list(ids)
    assert np.allclose(values, values.T)
    assert np.allclose(np.diag(values), 1.0)
    assert ((values >= -1e-12) & (values <= 1 + 1e-12)).all()
    original, copy = _doc(docs, "hz2023"), _doc(docs, "hz2023copy")
    others = sim.loc[original].drop([original, copy])
    assert sim.loc[original, copy] > others.max()
    # a sub-matrix keeps the whole-corpus IDF: same numbers as the full matrix
    sub = cosine_similarity_matrix(counts, ids, rows=[0, 2])
    assert np.allclose(sub.to_numpy(), values[np.ix_([0, 2], [0, 2])])


def test_most_similar_ranks_the_copy_first_and_leaves_the_document_out(tiny_tables):
    docs, ids, counts = _doc_counts(tiny_tables)
    original, copy = _doc(docs, "hz2023"), _doc(docs, "hz2023copy")
    found = most_similar(counts, ids, original, top=3)
    assert found["doc_id"].iloc[0] == copy
    assert original not in set(found["doc_id"])
    assert found["similarity"].is_monotonic_decreasing and len(found) == 3
    full = cosine_similarity_matrix(counts, ids)
    assert found["similarity"].tolist() == pytest.approx(full.loc[original, found["doc_id"]].tolist())
    with pytest.raises(ValueError, match="unknown doc_id"):
        most_similar(counts, ids, "nope")
