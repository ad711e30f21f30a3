"""Keywords per document: TF-IDF over the corpus and TextRank within one document.

The corpus-level steps never see whole-corpus token lists: segmentation runs in
worker processes, each of which reduces its document to **term counts**
(``dict`` term → count, see :func:`term_counts`).  The driver then gathers one
small mapping per document and builds a sparse documents × terms matrix from
them.  Tokens handed to this module are already *content* tokens (stopwords,
punctuation and redaction marks removed by the segmentation step).

Output rows follow the ``keywords.parquet`` contract (docs/tables.md):
``doc_id, method ('tfidf'|'textrank'), rank, term, score``.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

__all__ = [
    "KEYWORD_COLUMNS",
    "CorpusCounts",
    "build_term_matrix",
    "textrank_of_graph",
    "term_counts",
    "textrank_keywords",
    "textrank_table",
    "tfidf_keywords",
    "tfidf_weights",
    "l2_normalize_rows",
]

#: Column order and dtypes of a keywords table (stable even when it is empty).
KEYWORD_COLUMNS: dict[str, object] = {
    "doc_id": str,
    "method": str,
    "rank": "int64",
    "term": str,
    "score": "float64",
}

# Decimal places kept on TextRank scores: far below any meaningful difference,
# but enough to make scores that are equal in exact arithmetic compare equal, so
# that ties are broken by the term and the order never depends on rounding noise.
_SCORE_DECIMALS = 12


def term_counts(tokens: Iterable[str]) -> dict[str, int]:
    """Count the tokens of one document, as a plain ``dict`` term → count.

    This is what a segmentation worker sends back to the driver instead of the
    token list itself.

    >>> term_counts(["托育", "服务", "托育"])
    {'托育': 2, '服务': 1}
    """
    return dict(Counter(tokens))


def _document_frequency_limit(value: int | float, n_docs: int, name: str) -> float:
    """Turn a ``min_df``/``max_df`` setting into a document count (sklearn rules).

    An ``int`` is an absolute number of documents, a ``float`` a proportion of
    ``n_docs`` in [0, 1].
    """
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int or a float, not bool")
    if isinstance(value, (int, np.integer)):
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
        return float(value)
    if isinstance(value, (float, np.floating)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} as a proportion must be in [0, 1], got {value}")
        return float(value) * n_docs
    raise TypeError(f"{name} must be an int or a float, got {type(value).__name__}")


def _count_matrix(rows: list[Mapping[str, int]]) -> tuple[sp.csr_matrix, list[str]]:
    """Sparse count matrix of ``rows`` over their sorted vocabulary; counts ≤ 0 dropped.

    Gives exactly what sklearn ``DictVectorizer(sort=True)`` gives (the tests check
    this), but gathers all entries with ``numpy.fromiter`` and builds the
    vocabulary with one vectorised ``pandas.factorize`` instead of a Python loop
    per entry: about twice as fast on tens of thousands of documents.
    """
    n_rows = len(rows)
    lengths = np.fromiter((len(row) for row in rows), dtype=np.int64, count=n_rows)
    n_entries = int(lengths.sum())
    if n_entries == 0:
        return sp.csr_matrix((n_rows, 0), dtype=np.float64), []
    terms = np.fromiter(chain.from_iterable(rows), dtype=object, count=n_entries)
    values = np.fromiter(
        chain.from_iterable(row.values() for row in rows), dtype=np.float64, count=n_entries
    )
    row_of_entry = np.repeat(np.arange(n_rows), lengths)
    positive = values > 0
    if not positive.all():
        terms, values, row_of_entry = terms[positive], values[positive], row_of_entry[positive]
    if values.size == 0:
        return sp.csr_matrix((n_rows, 0), dtype=np.float64), []
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_of_entry, minlength=n_rows), out=indptr[1:])

    codes, uniques = pd.factorize(terms)
    vocabulary = sorted(str(term) for term in uniques)  # Python order, as DictVectorizer
    position = {term: i for i, term in enumerate(vocabulary)}
    column_of_code = np.fromiter(
        (position[str(term)] for term in uniques), dtype=np.int64, count=len(uniques)
    )
    matrix = sp.csr_matrix(
        (values, column_of_code[codes], indptr), shape=(n_rows, len(vocabulary))
    )
    matrix.sum_duplicates()
    return matrix, vocabulary


class CorpusCounts:
    """The term counts of a corpus in columnar form: one entry per (document, term), no dict per document.

    ``doc_ids`` are the rows in order; entry ``i`` says that document ``rows[i]`` has ``counts[i]``
    occurrences of ``terms[i]`` (a ``pyarrow`` string array). The analyze stage gathers these from
    the workers and the cache as Arrow tables and builds the documents × terms matrix from them in
    vectorised code (:meth:`matrix`), exactly the matrix :func:`build_term_matrix` builds from the
    same counts given as dicts.

    >>> c = CorpusCounts.from_mapping({"甲": {"托育": 2, "服务": 1}, "乙": {"服务": 3}})
    >>> X, ids, vocab = c.matrix()
    >>> ids, vocab, X.toarray().tolist()
    (['甲', '乙'], ['托育', '服务'], [[2.0, 1.0], [0.0, 3.0]])
    """

    def __init__(self, doc_ids: Sequence[str], rows: np.ndarray, terms, counts: np.ndarray):
        self.doc_ids = [str(d) for d in doc_ids]
        self.rows = np.asarray(rows, dtype=np.int64)
        self.terms = terms.combine_chunks() if isinstance(terms, pa.ChunkedArray) else pa.array(terms, pa.string())
        self.counts = np.asarray(counts, dtype=np.float64)
        if not (self.rows.size == len(self.terms) == self.counts.size):
            raise ValueError("rows, terms and counts must have one entry each")
        # the documents × terms matrix over the whole vocabulary, built once (digest, TF-IDF and topics
        # all start from it); the arrays are never modified after construction
        self._full: tuple[sp.csr_matrix, list[str]] | None = None

    def __len__(self) -> int:
        return len(self.doc_ids)

    @classmethod
    def from_mapping(cls, doc_counts: Mapping[str, Mapping[str, int]]) -> "CorpusCounts":
        """The columnar form of ``{doc_id: {term: count}}`` (rows in the mapping's order)."""
        rows = list(doc_counts.values())
        lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
        terms = [str(t) for t in chain.from_iterable(rows)]
        counts = np.fromiter(chain.from_iterable(r.values() for r in rows), dtype=np.float64, count=len(terms))
        return cls(list(doc_counts), np.repeat(np.arange(len(rows)), lengths), terms, counts)

    def sorted(self) -> "CorpusCounts":
        """The same counts with the documents in sorted ``doc_id`` order (``self`` when they already are,
        so the matrix built for one is built once for both).

        >>> s = CorpusCounts.from_mapping({"甲": {"托育": 2}, "乙": {"服务": 3}}).sorted()
        >>> s.doc_ids, s.sorted() is s
        (['乙', '甲'], True)
        """
        ids = self.doc_ids
        if all(a <= b for a, b in zip(ids, ids[1:])):
            return self
        order = sorted(range(len(self.doc_ids)), key=self.doc_ids.__getitem__)
        rank = np.empty(len(order), dtype=np.int64)
        rank[np.asarray(order, dtype=np.int64)] = np.arange(len(order))
        return CorpusCounts([self.doc_ids[i] for i in order], rank[self.rows] if self.rows.size else self.rows,
                            self.terms, self.counts)

    def digest(self) -> str:
        """A SHA-1 of the documents × terms matrix these counts make (document ids, vocabulary, every
        count, in the matrix's canonical order): equal digests, equal inputs to TF-IDF and topics.

        >>> a = CorpusCounts.from_mapping({"甲": {"托育": 2, "服务": 1}})
        >>> b = CorpusCounts.from_mapping({"甲": {"服务": 1, "托育": 2}})
        >>> a.digest() == b.digest(), a.digest() == CorpusCounts.from_mapping({"甲": {"托育": 3}}).digest()
        (True, False)
        """
        import hashlib

        matrix, doc_ids, vocabulary = self.matrix()
        h = hashlib.sha1(repr(matrix.shape).encode())
        for names in (doc_ids, vocabulary):
            h.update("\0".join(names).encode("utf-8", "surrogatepass"))
            h.update(b"\1")
        for array in (matrix.indptr.astype(np.int64), matrix.indices.astype(np.int64), matrix.data.astype(np.float64)):
            h.update(np.ascontiguousarray(array).tobytes())
        return h.hexdigest()

    def matrix(self, min_df: int | float = 1, max_df: int | float = 1.0) -> tuple[sp.csr_matrix, list[str], list[str]]:
        """``(counts, doc_ids, vocabulary)`` as :func:`build_term_matrix` returns them for these counts."""
        doc_ids = list(self.doc_ids)
        n_docs = len(doc_ids)
        low = _document_frequency_limit(min_df, n_docs, "min_df")
        high = _document_frequency_limit(max_df, n_docs, "max_df")
        if n_docs == 0:
            return sp.csr_matrix((0, 0), dtype=np.float64), [], []
        full, vocabulary = self._full_matrix()
        if not vocabulary:
            return sp.csr_matrix((n_docs, 0), dtype=np.float64), doc_ids, []
        # a copy: the caller may change its matrix in place, the memo stays as built
        return _prune(full.copy(), doc_ids, list(vocabulary), low, high)

    def _full_matrix(self) -> tuple[sp.csr_matrix, list[str]]:
        """The canonical documents × terms matrix over every term with a positive count, and that
        vocabulary (sorted): built on the first call, memoised."""
        if self._full is None:
            n_docs = len(self.doc_ids)
            positive = self.counts > 0
            if not positive.any():
                self._full = sp.csr_matrix((n_docs, 0), dtype=np.float64), []
                return self._full
            rows, counts, terms = self.rows, self.counts, self.terms
            if not positive.all():
                rows, counts, terms = rows[positive], counts[positive], terms.filter(positive)
            sorted_terms, columns = _sorted_codes(terms)
            vocabulary = sorted_terms.to_pylist()
            matrix = sp.csr_matrix((counts, (rows, columns)), shape=(n_docs, len(vocabulary)))
            matrix.sum_duplicates()
            self._full = matrix, vocabulary
        return self._full


def _prune(matrix: sp.csr_matrix, doc_ids: list[str], vocabulary: list[str], low: float, high: float
           ) -> tuple[sp.csr_matrix, list[str], list[str]]:
    """Keep the terms whose document frequency lies in ``[low, high]``; canonical (sorted) indices."""
    document_frequency = np.bincount(matrix.indices, minlength=matrix.shape[1])
    keep = (document_frequency >= low) & (document_frequency <= high)
    if not keep.all():
        kept = np.flatnonzero(keep)
        matrix = sp.csr_matrix(matrix[:, kept])
        vocabulary = [vocabulary[i] for i in kept]
    matrix.sort_indices()
    return matrix, doc_ids, vocabulary


def build_term_matrix(
    doc_counts: "Mapping[str, Mapping[str, int]] | CorpusCounts",
    min_df: int | float = 1,
    max_df: int | float = 1.0,
) -> tuple[sp.csr_matrix, list[str], list[str]]:
    """Build the sparse documents × terms count matrix from per-document term counts.

    Rows follow the order of ``doc_counts`` (returned as ``doc_ids``); columns are
    the vocabulary in sorted order, exactly as sklearn ``DictVectorizer(sort=True)``
    lays them out, so the result is the same whatever order the workers finished
    in, up to the row order.

    ``min_df`` / ``max_df`` keep only terms whose document frequency lies in
    ``[min_df, max_df]``; like sklearn, an ``int`` counts documents and a
    ``float`` is a proportion of the corpus.  Counts ≤ 0 are ignored.  A document
    whose terms were all pruned keeps its (empty) row.  ``doc_counts`` may also be
    a :class:`CorpusCounts` (the columnar form the analyze stage gathers).

    >>> X, ids, vocab = build_term_matrix({"甲": {"托育": 2, "服务": 1}, "乙": {"服务": 3}})
    >>> ids, vocab, X.toarray().tolist()
    (['甲', '乙'], ['托育', '服务'], [[2.0, 1.0], [0.0, 3.0]])
    """
    if isinstance(doc_counts, CorpusCounts):
        return doc_counts.matrix(min_df, max_df)
    doc_ids = [str(doc_id) for doc_id in doc_counts]
    n_docs = len(doc_ids)
    low = _document_frequency_limit(min_df, n_docs, "min_df")
    high = _document_frequency_limit(max_df, n_docs, "max_df")
    if n_docs == 0:
        return sp.csr_matrix((0, 0), dtype=np.float64), [], []

    matrix, vocabulary = _count_matrix(list(doc_counts.values()))
    if not vocabulary:
        return sp.csr_matrix((n_docs, 0), dtype=np.float64), doc_ids, []
    return _prune(matrix, doc_ids, vocabulary, low, high)


def tfidf_weights(counts: sp.csr_matrix, sublinear_tf: bool = True) -> sp.csr_matrix:
    """TF-IDF weights of a count matrix, with the settings every speechkit step shares.

    Smooth IDF ``ln((1+n)/(1+df)) + 1``, sublinear TF ``1 + ln(tf)`` (a term said
    40 times is not 40 times as characteristic as one said once) and L2-normalised
    rows (:func:`l2_normalize_rows`).  Empty rows stay empty.  ``sublinear_tf=False``
    uses raw term counts instead.  The same operations, in the same order, as
    scikit-learn's ``TfidfTransformer(norm="l2", smooth_idf=True)`` — the same floats
    to the last bit (tests/test_keywords.py compares them) — without importing
    scikit-learn (0.85 s) in the commands that need nothing else of it (report, compare).

    >>> X, _, _ = build_term_matrix({"甲": {"托育": 4}, "乙": {"维权": 1}})
    >>> tfidf_weights(X).toarray().tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    if counts.shape[0] == 0 or counts.shape[1] == 0:
        return sp.csr_matrix(counts.shape, dtype=np.float64)
    weights = sp.csr_matrix(counts, dtype=np.float64, copy=True)
    df = np.bincount(weights.indices, minlength=weights.shape[1]).astype(np.float64)
    df += 1.0
    idf = np.full_like(df, fill_value=weights.shape[0] + 1, dtype=np.float64)
    idf /= df
    np.log(idf, out=idf)
    idf += 1.0
    if sublinear_tf:
        np.log(weights.data, weights.data)
        weights.data += 1.0
    weights.data *= idf[weights.indices]
    l2_normalize_rows(weights)
    weights.sort_indices()
    return weights


def l2_normalize_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Divide each row of a CSR matrix by its L2 norm, in place (an all-zero row stays as it is); returns it.

    A row's squares are summed in their stored order, as scikit-learn's
    ``inplace_csr_row_normalize_l2`` does, so the result is the same to the last bit.

    >>> l2_normalize_rows(sp.csr_matrix([[3.0, 4.0], [0.0, 0.0]])).toarray().tolist()
    [[0.6, 0.8], [0.0, 0.0]]
    """
    data, indptr = matrix.data, matrix.indptr
    squares = data * data
    for row in range(matrix.shape[0]):
        start, end = indptr[row], indptr[row + 1]
        if end > start:
            total = np.add.accumulate(squares[start:end])[-1]  # in order (add.reduce would sum pairwise)
            if total != 0.0:
                data[start:end] /= np.sqrt(total)
    return matrix


def _empty_keyword_table() -> pd.DataFrame:
    return pd.DataFrame(
        {column: pd.Series([], dtype=dtype) for column, dtype in KEYWORD_COLUMNS.items()}
    )


def _keyword_table(rows: dict[str, Sequence]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            column: pd.Series(rows[column], dtype=dtype)
            for column, dtype in KEYWORD_COLUMNS.items()
        }
    )


def tfidf_keywords(doc_counts: "Mapping[str, Mapping[str, int]] | CorpusCounts", top: int = 20) -> pd.DataFrame:
    """Top TF-IDF keywords of every document, as a ``keywords.parquet`` table.

    IDF is computed over all documents in ``doc_counts`` (see :func:`tfidf_weights`
    for the weighting).  Each document keeps its ``top`` highest-scoring terms,
    ranked 1..; equal scores are ordered by term, so the table is deterministic.
    Documents are listed in the order of ``doc_counts`` (a mapping or a :class:`CorpusCounts`);
    documents without terms get no rows.

    Columns: ``doc_id, method='tfidf', rank, term, score``.

    >>> table = tfidf_keywords({"三亚": {"旅游": 5, "发展": 9}, "上海": {"金融": 5, "发展": 9}})
    >>> table.loc[table["doc_id"] == "三亚", "term"].iloc[0]
    '旅游'
    """
    if top < 1:
        raise ValueError(f"top must be >= 1, got {top}")
    counts, doc_ids, vocabulary = build_term_matrix(doc_counts)
    if counts.nnz == 0:
        return _empty_keyword_table()
    weights = tfidf_weights(counts)
    weights.eliminate_zeros()

    row_of_entry = np.repeat(np.arange(weights.shape[0]), np.diff(weights.indptr))
    # Vocabulary is sorted, so the column index orders terms like the terms do.
    order = np.lexsort((weights.indices, -weights.data, row_of_entry))
    rows_sorted = row_of_entry[order]
    row_start = weights.indptr[:-1][rows_sorted]
    rank = np.arange(order.size) - row_start + 1
    selected = order[rank <= top]
    rank = rank[rank <= top]

    vocabulary_array = np.asarray(vocabulary, dtype=object)
    doc_id_array = np.asarray(doc_ids, dtype=object)
    return _keyword_table(
        {
            "doc_id": doc_id_array[row_of_entry[selected]],
            "method": ["tfidf"] * selected.size,
            "rank": rank.astype(np.int64),
            "term": vocabulary_array[weights.indices[selected]],
            "score": weights.data[selected].astype(np.float64),
        }
    )


#: tokens at most this many positions apart (minus one) are linked in the TextRank graph
TEXTRANK_WINDOW = 5


def _cooccurrence_graph(node_of_token: np.ndarray, n_nodes: int, window: int) -> sp.csr_matrix:
    """Symmetric co-occurrence counts of tokens at most ``window - 1`` positions apart.

    Each linked pair is keyed once, as ``low * n_nodes + high`` (``low < high``): half the keys of
    both directions, and the sort of those keys is the pass that costs. The sorted unique keys give
    the upper triangle in canonical CSR form; its transpose (scipy's linear-time CSR → CSC pass) is
    the lower one, and their sum (a linear merge of the two canonical matrices, which share no entry)
    the whole graph in canonical form (column indices sorted within each row, no duplicates): the same
    matrix a COO → CSR conversion of both directions with ``sum_duplicates`` gives.

    >>> _cooccurrence_graph(np.array([0, 1, 0, 2]), 3, 2).toarray().tolist()
    [[0.0, 2.0, 1.0], [2.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    """
    # edge keys in 32 bits when they fit (the sort moves half the bytes)
    key_dtype = np.int32 if n_nodes * n_nodes < 2**31 else np.int64
    nodes = np.asarray(node_of_token).astype(key_dtype, copy=False)
    keys: list[np.ndarray] = []
    for offset in range(1, min(window, nodes.size)):
        left, right = nodes[:-offset], nodes[offset:]
        low, high = np.minimum(left, right), np.maximum(left, right)
        keys.append((low * n_nodes + high)[low != high])  # a token next to itself is not an edge
    edges = np.concatenate(keys) if keys else np.empty(0, dtype=np.int64)
    if edges.size == 0:
        return sp.csr_matrix((n_nodes, n_nodes), dtype=np.float64)
    edges.sort()
    first = np.empty(edges.size, dtype=np.bool_)
    first[0] = True
    np.not_equal(edges[1:], edges[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    unique = edges[starts]
    counts = np.diff(np.append(starts, edges.size)).astype(np.float64)
    index_dtype = np.int32 if n_nodes < 2**31 and 2 * unique.size < 2**31 else np.int64
    indptr = np.zeros(n_nodes + 1, dtype=index_dtype)
    np.cumsum(np.bincount(unique // n_nodes, minlength=n_nodes), out=indptr[1:])
    upper = sp.csr_matrix((counts, (unique % n_nodes).astype(index_dtype), indptr), shape=(n_nodes, n_nodes))
    upper.has_canonical_format = True  # sorted by (row, column) and unique by construction
    graph = upper + upper.T.tocsr()  # csr + csr is a csr_matrix
    graph.has_canonical_format = True  # the sum of two canonical matrices is canonical
    return graph


def _node_sequence(tokens: "Sequence[str] | pa.Array") -> tuple[pa.Array, np.ndarray]:
    """The TextRank terms of a token sequence (tokens of ≥ 2 characters), sorted, and the node
    (index into those terms) of every such token, in order.

    Arrow does the filtering, the hashing and the sort (UTF-8 byte order is code-point order, the
    order of Python's ``sorted``); no Python object per token.

    >>> terms, nodes = _node_sequence(["托育", "和", "服务", "托育"])
    >>> terms.to_pylist(), nodes.tolist()
    (['托育', '服务'], [0, 1, 0])
    """
    array = tokens if isinstance(tokens, pa.Array) else pa.array(tokens, pa.string())
    return _sorted_codes(array.filter(pc.greater_equal(pc.utf8_length(array), 2)))


def _sorted_codes(strings: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The distinct ``strings`` in sorted order, and for every entry its index into them (int64).

    Arrow hashes and sorts; UTF-8 byte order is code-point order, so the order is Python's ``sorted``.

    >>> terms, codes = _sorted_codes(pa.array(["服务", "托育", "服务"]))
    >>> terms.to_pylist(), codes.tolist()
    (['托育', '服务'], [1, 0, 1])
    """
    encoded = pc.dictionary_encode(strings)
    order = pc.sort_indices(encoded.dictionary).to_numpy()
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size, dtype=np.int64)
    return encoded.dictionary.take(pa.array(order)), rank[encoded.indices.to_numpy(zero_copy_only=False)]


def textrank_keywords(
    tokens: "Sequence[str] | pa.Array",
    top: int = 20,
    window: int = TEXTRANK_WINDOW,
    damping: float = 0.85,
    iterations: int = 50,
) -> list[tuple[str, float]]:
    """TextRank keywords of one document: ``[(term, score), ...]``, best first.

    The document's content tokens, with single-character tokens dropped, form a
    sequence; two distinct terms are linked whenever they occur within ``window``
    consecutive tokens of that sequence, the link weighted by how often they do.
    Weighted PageRank (``damping``) is then run by power iteration for at most
    ``iterations`` steps (stopping early once the scores no longer move).  Scores
    are PageRank probabilities (they sum to 1 over the document's terms).  Terms
    with equal scores are ordered by term, so the result is deterministic.  This
    does not use ``jieba.analyse`` or any other global state.  ``tokens`` may be an Arrow
    string array (what the analyze stage hands over: no conversion per token).

    >>> textrank_keywords(["儿童", "托育", "服务", "托育", "家庭", "托育", "社区"], window=2)[0][0]
    '托育'
    """
    if top < 1:
        raise ValueError(f"top must be >= 1, got {top}")
    if window < 2:
        raise ValueError(f"window must be >= 2, got {window}")
    if not 0.0 <= damping < 1.0:
        raise ValueError(f"damping must be in [0, 1), got {damping}")
    if iterations < 1:
        raise ValueError(f"iterations must be >= 1, got {iterations}")

    terms, node_of_token = _node_sequence(tokens)
    if not len(terms):
        return []
    graph = _cooccurrence_graph(node_of_token, len(terms), window)
    ranked = _rank_nodes(graph, top, damping, iterations)
    names = terms.take(pa.array(ranked[0])).to_pylist()
    return list(zip(names, ranked[1]))


def textrank_of_graph(terms: Sequence[str], graph: sp.csr_matrix, top: int = 20, damping: float = 0.85,
                      iterations: int = 50) -> list[tuple[str, float]]:
    """TextRank keywords from a co-occurrence graph already built: ``terms`` sorted, ``graph[i, j]`` the
    link weight of ``terms[i]`` and ``terms[j]`` (symmetric).  :func:`textrank_keywords` is this on the
    graph of one token sequence; :mod:`speechkit.chunked` sums the graphs of a huge document's chunks.

    >>> import scipy.sparse as sp
    >>> textrank_of_graph(["服务", "托育"], sp.csr_matrix([[0.0, 1.0], [1.0, 0.0]]), top=1)
    [('服务', 0.5)]
    """
    if len(terms) == 0:
        return []
    nodes, scores = _rank_nodes(sp.csr_matrix(graph), top, damping, iterations)
    return [(terms[i], s) for i, s in zip(nodes, scores)]


def _transition_arrays(graph: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(indptr, indices, data, dangling) of the column-stochastic transition ``graph @ diag(1/strength)``,
    entry for entry as scipy's sparse product stores it, so that the power iteration adds up every
    row in the same order and gives the same floats to the last bit.

    Scipy's CSR × CSR product (SMMP) emits the columns of a row in reverse order of their first
    appearance; times a diagonal that is the row of ``graph`` reversed, each value
    ``graph[i, j] * (1 / strength[j])``.  A graph not in canonical form (unsorted or duplicate
    entries) goes through scipy's product itself.
    """
    strength = np.asarray(graph.sum(axis=0)).ravel()
    dangling = strength == 0
    inverse_strength = np.divide(1.0, strength, out=np.zeros_like(strength), where=~dangling)
    if not graph.has_canonical_format:
        transition = sp.csr_matrix(graph @ sp.diags(inverse_strength))
        return transition.indptr, transition.indices, transition.data, dangling
    indptr, indices = graph.indptr, graph.indices
    data = graph.data * inverse_strength[indices]
    # reversed within each row: entry k of row r goes to indptr[r] + indptr[r + 1] - 1 - k
    lengths = np.diff(indptr)
    mirror = np.repeat(indptr[:-1] + indptr[1:] - 1, lengths) - np.arange(indices.size)
    keep = data[mirror] != 0  # the product drops zero values (none for a count graph)
    if keep.all():
        return indptr, indices[mirror], data[mirror], dangling
    transition = sp.csr_matrix(graph @ sp.diags(inverse_strength))
    return transition.indptr, transition.indices, transition.data, dangling


try:  # the kernel of ``csr_matrix @ vector``, called without scipy's per-call dispatch
    from scipy.sparse._sparsetools import csr_matvec as _csr_matvec
except ImportError:  # pragma: no cover - another scipy layout: the public product (same kernel)
    _csr_matvec = None


def _pagerank(graph: sp.csr_matrix, damping: float, iterations: int) -> np.ndarray:
    """Weighted PageRank of every node of ``graph`` (unrounded).

    Power iteration from the uniform vector: ``x ← (1-d)/n + d·(T x + Σ x[dangling] / n)``,
    renormalised to sum 1, until the L1 change is below 1e-12 or after ``iterations`` steps.  The
    same numpy operations, in the same order, as a ``scipy.sparse`` product would run, on buffers
    reused across iterations.
    """
    n_nodes = graph.shape[0]
    indptr, indices, data, dangling = _transition_arrays(graph)
    any_dangling = bool(dangling.any())
    scores = np.full(n_nodes, 1.0 / n_nodes)
    teleport = (1.0 - damping) / n_nodes
    product = np.empty(n_nodes)
    updated = np.empty(n_nodes)  # the next scores; the two buffers swap roles every step
    difference = np.empty(n_nodes)
    # the ufuncs called directly (``np.add.reduce(x)`` is what ``x.sum()`` runs, without its wrapper)
    total, multiply, add, divide = np.add.reduce, np.multiply, np.add, np.true_divide
    subtract, absolute = np.subtract, np.absolute
    if _csr_matvec is None:  # pragma: no cover
        transition = sp.csr_matrix((data, indices, indptr), shape=(n_nodes, n_nodes))
    for _ in range(iterations):
        if _csr_matvec is not None:
            product.fill(0.0)
            _csr_matvec(n_nodes, n_nodes, indptr, indices, data, scores, product)
        else:  # pragma: no cover
            product = transition @ scores
        if any_dangling:
            product += total(scores[dangling]) / n_nodes
        # teleport + damping * product, evaluated as numpy evaluates that expression
        multiply(product, damping, out=updated)
        add(updated, teleport, out=updated)
        divide(updated, total(updated), out=updated)
        subtract(updated, scores, out=difference)
        absolute(difference, out=difference)
        converged = total(difference) < 1e-12
        scores, updated = updated, scores
        if converged:
            break
    return scores


def _rank_nodes(graph: sp.csr_matrix, top: int, damping: float, iterations: int) -> tuple[list[int], list[float]]:
    """The ``top`` nodes of ``graph`` by weighted PageRank (:func:`_pagerank`) and their scores
    (rounded to ``_SCORE_DECIMALS``), best first, equal scores by node index."""
    n_nodes = graph.shape[0]
    scores = _pagerank(graph, damping, iterations)
    rounded = np.round(scores, _SCORE_DECIMALS)
    # np.lexsort: last key is primary → score descending, then term ascending
    # (node indices follow the sorted terms).
    order = np.lexsort((np.arange(n_nodes), -rounded))[:top]
    return order.tolist(), rounded[order].tolist()


def textrank_table(doc_id: str, tokens: Sequence[str], top: int = 20) -> list[dict]:
    """TextRank keywords of one document as ``keywords.parquet`` rows.

    Meant to run inside the segmentation worker (it needs the token sequence);
    the driver concatenates the rows of all documents.  Each row is a ``dict``
    with ``doc_id, method='textrank', rank (1..), term, score``.

    >>> textrank_table("d1", ["托育", "服务", "托育", "机构"], top=1)
    [{'doc_id': 'd1', 'method': 'textrank', 'rank': 1, 'term': '托育', 'score': 0.393617021277}]
    """
    return [
        {"doc_id": doc_id, "method": "textrank", "rank": rank, "term": term, "score": score}
        for rank, (term, score) in enumerate(textrank_keywords(tokens, top=top), start=1)
    ]
