"""Unsupervised topics: NMF over the TF-IDF of per-document term counts.

Like :mod:`speechkit.keywords`, this works from per-document term counts
(``dict`` term → count) gathered from the segmentation workers, never from
whole-corpus token lists.  Output tables follow docs/tables.md:

- ``topics.parquet``: ``topic, rank, term, weight`` — the top terms of each topic;
- ``doc_topics.parquet``: ``doc_id, topic, weight`` — each document's mix of topics.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.decomposition import NMF

from speechkit.keywords import CorpusCounts, build_term_matrix, tfidf_weights

__all__ = ["DOC_TOPIC_COLUMNS", "TOPIC_COLUMNS", "choose_topic_count", "fit_topics"]

#: Column order and dtypes of ``topics.parquet`` (stable even when empty).
TOPIC_COLUMNS: dict[str, object] = {
    "topic": "int64",
    "rank": "int64",
    "term": str,
    "weight": "float64",
}

#: Column order and dtypes of ``doc_topics.parquet`` (stable even when empty).
DOC_TOPIC_COLUMNS: dict[str, object] = {
    "doc_id": str,
    "topic": "int64",
    "weight": "float64",
}

# Corpus size from which a term must occur in at least two documents to count
# (a term found in one document cannot link documents into a topic), and the
# share of documents above which a term is too common to tell topics apart.
_MIN_DF_FROM_DOCS = 10
_MAX_DF = 0.95
# Coordinate-descent NMF: on the 226 government reports a tolerance of 1e-3
# stops after ~100 iterations instead of ~300 for sklearn's 1e-4, with the
# reconstruction error changed by about 1e-5 (relative); the iteration cap bounds
# the cost on very large corpora.
_TOLERANCE = 1e-3
_MAX_ITER = 400
# Topics are fitted on the 10,000 terms found in most documents (as topic-model practice
# does with max_features): the rare tail never reaches a topic's top terms, and dropping it
# makes NMF on a thousand reports ~1.6x faster.
_MAX_TERMS = 10_000


class RowParallelCSR(sp.csr_matrix):
    """A CSR matrix whose products with a dense matrix run on several threads, one block of rows
    each, with the very floats of one thread: a row of ``X @ B`` is summed from that row's entries
    alone, in their order, whoever computes it (scipy's sparse kernels let go of the GIL). Its
    transpose is another such matrix, kept in CSR — the same sums as scipy's CSC product, in the
    same order (each output row adds its entries by ascending column), and about twice as fast.

    NMF's coordinate descent spends ~85 % of its time in ``X @ Ht`` and ``X.T @ W``
    (scikit-learn's ``_update_coordinate_descent``): fitted on this matrix it gives the same topics
    as on a plain one, bit for bit, about twice as fast on two cores.

    >>> import numpy as np, scipy.sparse as sp
    >>> X = sp.random(300, 40, density=0.2, format="csr", random_state=0)
    >>> B = np.arange(80.0).reshape(40, 2)
    >>> P = RowParallelCSR(X, threads=2, min_rows=16)
    >>> C = np.arange(600.0).reshape(300, 2)
    >>> bool(np.array_equal(P @ B, X @ B)), bool(np.array_equal(P.T @ C, X.T @ C))
    (True, True)
    """

    def __init__(self, arg1, shape=None, dtype=None, copy=False, *, threads: int = 2, min_rows: int = 256):
        # scipy builds derived matrices (X * 0.5, X[rows]) through this class's constructor, with its arguments
        super().__init__(arg1, shape=shape, dtype=dtype, copy=copy)
        self.threads, self.min_rows = max(1, int(threads)), min_rows
        self._blocks: list[tuple[int, int, sp.csr_matrix]] | None = None
        self._transposed: "RowParallelCSR | None" = None
        self._pool = None

    def transpose(self, axes=None, copy=False):
        if axes is not None:
            return super().transpose(axes=axes, copy=copy)
        if self._transposed is None:
            self._transposed = RowParallelCSR(super().transpose().tocsr(), threads=self.threads, min_rows=self.min_rows)
        return self._transposed

    @property
    def T(self):
        return self.transpose()

    def _row_blocks(self) -> list[tuple[int, int, sp.csr_matrix]]:
        if self._blocks is None:
            n = self.shape[0]
            cuts = np.linspace(0, n, self.threads + 1).astype(int)
            plain = sp.csr_matrix(self)
            self._blocks = [(int(a), int(b), plain[int(a):int(b)]) for a, b in zip(cuts[:-1], cuts[1:]) if b > a]
        return self._blocks

    def __matmul__(self, other):
        if (self.threads < 2 or self.shape[0] < self.min_rows * 2 or not isinstance(other, np.ndarray)
                or other.ndim != 2):
            return sp.csr_matrix(self) @ other
        blocks = self._row_blocks()
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(len(blocks), thread_name_prefix="speechkit-nmf")
        parts = list(self._pool.map(lambda block: block[2] @ other, blocks))
        return np.concatenate(parts, axis=0)

    def close(self) -> None:
        """Let the threads go (this matrix and its transpose); products after this start them again."""
        for m in (self, self._transposed):
            if m is not None and m._pool is not None:
                m._pool.shutdown()
                m._pool = None

    def dot(self, other):
        return self @ other


def _product_threads() -> int:
    """Threads for NMF's sparse products: the cores this process may run on, at most four."""
    import os

    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


def choose_topic_count(n_docs: int) -> int:
    """Default number of topics for a corpus of ``n_docs`` documents.

    ``max(2, min(20, round(sqrt(n_docs / 2))))`` (halves rounded up), and never
    more than ``n_docs - 1`` once there are more than two documents.

    Why: ``sqrt(n / 2)`` is the classic rule of thumb for the number of clusters
    in ``n`` observations (Mardia, Kent & Bibby, *Multivariate Analysis*, 1979);
    it grows slowly, which suits topic tables meant to be read by people.  At
    least 2, so there is always a contrast; at most 20, beyond which topics of
    government speeches split into near-duplicates and nobody reads the table;
    at most ``n_docs - 1`` so that topics must be shared by documents rather
    than each document becoming its own topic.  A single document gets 1.

    Examples: 10 → 2, 50 → 5, 143 city reports (《政府工作报告》) → 8, 1000 → 20.

    >>> [choose_topic_count(n) for n in (1, 3, 10, 50, 143, 1000)]
    [1, 2, 2, 5, 8, 20]
    """
    if isinstance(n_docs, bool) or not isinstance(n_docs, (int, np.integer)):
        raise TypeError(f"n_docs must be an int, got {type(n_docs).__name__}")
    if n_docs < 1:
        raise ValueError(f"n_docs must be >= 1, got {n_docs}")
    if n_docs == 1:
        return 1
    k = max(2, min(20, math.floor(math.sqrt(n_docs / 2) + 0.5)))
    if n_docs > 2:
        k = min(k, n_docs - 1)
    return int(k)


def _frame(columns: dict[str, object], data: Mapping[str, object] | None = None) -> pd.DataFrame:
    data = data or {}
    return pd.DataFrame(
        {name: pd.Series(data.get(name, []), dtype=dtype) for name, dtype in columns.items()}
    )


def _empty_result() -> tuple[pd.DataFrame, pd.DataFrame]:
    return _frame(TOPIC_COLUMNS), _frame(DOC_TOPIC_COLUMNS)


def fit_topics(
    doc_counts: "Mapping[str, Mapping[str, int]] | CorpusCounts",
    k: int | None = None,
    top_terms: int = 15,
    random_state: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit ``k`` NMF topics to the corpus; return ``(topics, doc_topics)``.

    The counts are turned into TF-IDF weights (see
    :func:`speechkit.keywords.tfidf_weights`) over the terms found in at most 95 %
    of documents and, from 10 documents on, in at least 2 — at most the 10,000 of them
    found in most documents.  NMF
    (``init='nndsvda'``, fixed ``random_state``) factorises them into document ×
    topic and topic × term weights.  ``k`` defaults to
    :func:`choose_topic_count`, and is lowered to what the data can support
    (number of documents with terms, size of the vocabulary).

    Topics are numbered 1..k, topic 1 being the one carrying most weight over the
    corpus.  The result does not depend on the order of ``doc_counts`` (a mapping, or the
    columnar :class:`speechkit.keywords.CorpusCounts` the analyze stage gathers).

    - ``topics``: ``topic, rank, term, weight`` — the ``top_terms`` terms of each
      topic, ``weight`` being the term's share of the topic's total term weight
      (equal weights ordered by term); topics NMF left empty get no rows.
    - ``doc_topics``: ``doc_id, topic, weight`` — one row per document and topic,
      weights summing to 1 for each document (zeros included, so the table
      pivots to a full documents × topics grid); documents with no terms left
      after pruning (or, rarely, given no weight at all by NMF) get no rows.

    A corpus too small to have topics (fewer than two documents, or no term
    passing the document-frequency limits) yields two empty frames with the
    right columns and dtypes.

    >>> docs = {f"托{i}": {"托育": 3, "幼儿园": 2, "普惠": 1} for i in range(3)}
    >>> docs |= {f"家{i}": {"家暴": 3, "维权": 2, "保护令": 1} for i in range(3)}
    >>> topics, doc_topics = fit_topics(docs, k=2)
    >>> sorted(topics.groupby("topic")["term"].first())
    ['家暴', '托育']
    """
    if k is not None and k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if top_terms < 1:
        raise ValueError(f"top_terms must be >= 1, got {top_terms}")
    n_docs = len(doc_counts)
    if n_docs < 2:
        return _empty_result()

    # Sorted ids: results must not depend on the order workers returned documents.
    ordered: "Mapping[str, Mapping[str, int]] | CorpusCounts"
    if isinstance(doc_counts, CorpusCounts):
        ordered, input_order = doc_counts.sorted(), list(doc_counts.doc_ids)
    else:
        by_id = {str(doc_id): doc_counts[doc_id] for doc_id in doc_counts}
        ordered, input_order = {doc_id: by_id[doc_id] for doc_id in sorted(by_id)}, list(doc_counts)
    min_df = 2 if n_docs >= _MIN_DF_FROM_DOCS else 1
    counts, doc_ids, vocabulary = build_term_matrix(ordered, min_df=min_df, max_df=_MAX_DF)
    if not vocabulary or counts.nnz == 0:
        return _empty_result()

    if len(vocabulary) > _MAX_TERMS:
        # the _MAX_TERMS terms found in most documents (ties: vocabulary order), kept in order
        df = np.bincount(counts.indices, minlength=counts.shape[1])  # canonical: one entry per (doc, term)
        keep = np.sort(np.argsort(-df, kind="stable")[:_MAX_TERMS])
        counts = counts[:, keep]
        vocabulary = [vocabulary[i] for i in keep]
    weights = tfidf_weights(counts)
    has_terms = np.diff(weights.indptr) > 0
    weights = weights[has_terms]
    kept_ids = [doc_id for doc_id, keep in zip(doc_ids, has_terms) if keep]

    n_topics = choose_topic_count(n_docs) if k is None else int(k)
    # nndsvd initialisation needs k ≤ min(n_samples, n_features).
    n_topics = max(1, min(n_topics, weights.shape[0], weights.shape[1]))
    model = NMF(
        n_components=n_topics,
        init="nndsvda",
        random_state=random_state,
        max_iter=_MAX_ITER,
        tol=_TOLERANCE,
    )
    # float32 halves the memory traffic of the sparse products that dominate NMF (~1.5x faster).
    # One BLAS thread: a multi-threaded BLAS sums in an order that depends on the machine's core count,
    # so the topic weights differed (by up to 6e-6) between machines; one thread gives every machine the
    # same topics, and costs less CPU here (NMF's matrices are small; the threads mostly wait on each other).
    from threadpoolctl import threadpool_limits

    # The sparse products, which are most of the work, on up to four cores (RowParallelCSR: the same
    # floats as on one).
    matrix = RowParallelCSR(weights.astype(np.float32), threads=_product_threads())
    try:
        with np.errstate(invalid="ignore"), threadpool_limits(limits=1, user_api="blas"):
            # (a near-perfect float32 fit can make sklearn's final error √(−ε): errstate)
            doc_weights = model.fit_transform(matrix).astype(np.float64)  # docs × topics
    finally:
        matrix.close()
    term_weights = model.components_.astype(np.float64)  # topics × terms

    # Number topics by the total weight they carry over the corpus (stable sort).
    prevalence = doc_weights.sum(axis=0)
    topic_order = np.argsort(-np.round(prevalence, 12), kind="stable")
    doc_weights = doc_weights[:, topic_order]
    term_weights = term_weights[topic_order]
    topic_numbers = np.arange(1, n_topics + 1, dtype=np.int64)

    return (
        _topic_terms(term_weights, topic_numbers, vocabulary, top_terms),
        _document_topics(doc_weights, topic_numbers, kept_ids, input_order),
    )


def _topic_terms(
    term_weights: np.ndarray, topic_numbers: np.ndarray, vocabulary: list[str], top_terms: int
) -> pd.DataFrame:
    """Long table of the top terms of each topic, weights as shares of the topic."""
    topic_col: list[int] = []
    rank_col: list[int] = []
    term_col: list[str] = []
    weight_col: list[float] = []
    term_index = np.arange(len(vocabulary))
    for number, row in zip(topic_numbers, term_weights):
        total = row.sum()
        if total <= 0:
            continue
        share = np.round(row / total, 12)
        positive = term_index[share > 0]
        order = positive[np.lexsort((positive, -share[positive]))][:top_terms]
        topic_col += [int(number)] * order.size
        rank_col += range(1, order.size + 1)
        term_col += [vocabulary[i] for i in order]
        weight_col += share[order].tolist()
    return _frame(
        TOPIC_COLUMNS,
        {"topic": topic_col, "rank": rank_col, "term": term_col, "weight": weight_col},
    )


def _document_topics(
    doc_weights: np.ndarray,
    topic_numbers: np.ndarray,
    doc_ids: list[str],
    input_order: list,
) -> pd.DataFrame:
    """Long table of each document's topic mix (weights summing to 1 per document)."""
    totals = doc_weights.sum(axis=1)
    usable = totals > 0
    shares = np.round(doc_weights[usable] / totals[usable, None], 12)
    ids = [doc_id for doc_id, keep in zip(doc_ids, usable) if keep]
    n_topics = topic_numbers.size
    table = _frame(
        DOC_TOPIC_COLUMNS,
        {
            "doc_id": np.repeat(np.asarray(ids, dtype=object), n_topics),
            "topic": np.tile(topic_numbers, len(ids)),
            "weight": shares.ravel(),
        },
    )
    # Present documents in the caller's order, topics ascending.
    position = {str(doc_id): i for i, doc_id in enumerate(input_order)}
    table["_position"] = table["doc_id"].map(position)
    table = table.sort_values(["_position", "topic"], kind="stable").drop(columns="_position")
    return table.reset_index(drop=True)
