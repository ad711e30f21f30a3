"""Keyness: which words a group of speeches uses more than the rest of the corpus.

For a term and a group the 2×2 contingency table is::

                     group     rest
    term               a         b
    other words     n1 − a    n2 − b

where ``n1``/``n2`` are the token counts of the group and of the rest of the
corpus. The log-likelihood statistic (Dunning 1993; Rayson & Garside 2000) is

    G² = 2 Σ O ln(O / E)

over the four cells, with expected counts ``E = row total × column total / N``
(a cell with ``O = 0`` contributes 0). Its effect size is Hardie's (2014)
log ratio, ``log2((a / n1) / (b / n2))``, with a zero frequency replaced by
0.5. The sign is +1 when the term is relatively more frequent in the group
(overused), −1 when less.

Everything is computed at once, vectorised over the non-zero cells of a
sparse group × term count matrix: the statistics for 143 groups × 50 000
terms take a fraction of a second; counting 30 million tokens into that
matrix takes one or two.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import chdtrc, chdtri, xlogy

__all__ = [
    "TermCounts",
    "flatten_tokens",
    "content_terms_mask",
    "TokenStream",
    "token_stream",
    "token_stream_from_parquet",
    "count_terms",
    "log_likelihood",
    "log_ratio",
    "keyness_table",
    "critical_g2",
    "term_frequency_table",
]

# Above this many group × term cells, counts are accumulated sparsely.
_DENSE_CELLS = 16_000_000

# A content term has at least one Han character or Latin letter; punctuation,
# numbers, whitespace and redaction marks (``*``, ``〔*〕``, ``_``) do not.
_CONTENT = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z]")


@dataclass(frozen=True)
class TermCounts:
    """Token counts of every term in every group.

    ``counts`` is a sparse ``groups × terms`` matrix (CSR, int64); row ``i``
    belongs to group number ``i`` and column ``j`` to ``terms[j]``.
    """

    counts: sparse.csr_matrix
    terms: np.ndarray

    @property
    def group_totals(self) -> np.ndarray:
        """Number of (content) tokens in each group."""
        return np.asarray(self.counts.sum(axis=1)).ravel()

    @property
    def term_totals(self) -> np.ndarray:
        """Corpus frequency of each term."""
        return np.asarray(self.counts.sum(axis=0)).ravel()


def flatten_tokens(tokens: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Flatten tokens.parquet (one list of tokens per sentence) into two arrays.

    Returns ``(doc_ids, terms)`` of equal length, one entry per token:
    ``[["妇女", "事业"], ["发展"]]`` of document ``d1`` gives
    ``(["d1", "d1", "d1"], ["妇女", "事业", "发展"])``.
    """
    if tokens.empty:
        return np.array([], dtype=object), np.array([], dtype=object)
    lists = tokens["tokens"].to_numpy()
    lengths = np.fromiter((0 if t is None else len(t) for t in lists), dtype=np.int64, count=len(lists))
    if lengths.sum() == 0:
        return np.array([], dtype=object), np.array([], dtype=object)
    terms = np.concatenate([np.asarray(t, dtype=object) for t in lists if t is not None and len(t)])
    doc_ids = np.repeat(tokens["doc_id"].to_numpy(dtype=object), lengths)
    return doc_ids, terms


def content_terms_mask(terms: Iterable[str], stopwords: Iterable[str] | None = None) -> np.ndarray:
    """Which terms are content words: contain a Han character or a Latin letter and are not stopwords.

    >>> content_terms_mask(["妇女", "，", "2023", "*", "的"], stopwords={"的"}).tolist()
    [True, False, False, False, False]
    """
    s = pd.Series(list(terms), dtype="string").str.strip()
    mask = s.str.contains(_CONTENT, na=False).to_numpy(dtype=bool)
    if stopwords is not None:
        stop = set(stopwords)
        if stop:
            mask &= ~s.isin(stop).to_numpy(dtype=bool)
    return mask


@dataclass(frozen=True)
class TokenStream:
    """Every content token of the corpus as integer codes, built once and reused for any grouping.

    ``doc_ids`` are the distinct documents and ``terms`` the vocabulary
    (sorted); token ``k`` is term ``terms[term_codes[k]]`` of document
    ``doc_ids[doc_codes[k]]``.
    """

    doc_ids: np.ndarray
    doc_codes: np.ndarray
    terms: np.ndarray
    term_codes: np.ndarray


def _vocabulary_order(vocabulary: np.ndarray, stopwords: Iterable[str] | None, content_only: bool,
                      dtype) -> tuple[np.ndarray, np.ndarray]:
    """The kept terms' positions in alphabetical order, and old code → new code (-1 = dropped).

    Alphabetical numbering: results never depend on the order tokens were read in.
    """
    if content_only and len(vocabulary):
        keep = content_terms_mask(vocabulary, stopwords)
    else:
        keep = np.ones(len(vocabulary), dtype=bool)
    kept = np.flatnonzero(keep)
    order = kept[np.argsort(vocabulary[kept].astype(str), kind="stable")]
    new_code = np.full(len(vocabulary), -1, dtype=dtype)
    new_code[order] = np.arange(len(order), dtype=dtype)
    return order, new_code


def _encode_stream(
    doc_ids: np.ndarray,
    doc_codes: np.ndarray,
    vocabulary: np.ndarray,
    term_codes: np.ndarray,
    stopwords: Iterable[str] | None,
    content_only: bool,
) -> TokenStream:
    """Drop non-content terms and renumber the vocabulary alphabetically."""
    vocabulary = np.asarray(vocabulary, dtype=object)
    order, new_code = _vocabulary_order(vocabulary, stopwords, content_only, np.int64)
    term_codes = np.asarray(term_codes, dtype=np.int64)
    # pd.factorize gives -1 for a missing token: keep it -1 (dropped) rather than wrapping around
    codes = np.where(term_codes >= 0, new_code[term_codes], -1) if len(term_codes) else np.array([], dtype=np.int64)
    sel = codes >= 0
    return TokenStream(
        doc_ids=np.asarray(doc_ids, dtype=object),
        doc_codes=np.asarray(doc_codes, dtype=np.int64)[sel],
        terms=vocabulary[order],
        term_codes=codes[sel],
    )


def token_stream(
    tokens: pd.DataFrame,
    stopwords: Iterable[str] | None = None,
    content_only: bool = True,
) -> TokenStream:
    """Encode tokens.parquet (as a DataFrame) as a :class:`TokenStream`.

    With ``content_only`` punctuation, numbers, redaction marks and
    ``stopwords`` are left out (see :func:`content_terms_mask`): the sentence
    tokens ``["推动", "妇女", "就业", "，"]`` with stopword ``推动`` keep
    ``妇女`` and ``就业``.
    """
    doc_of_token, terms = flatten_tokens(tokens)
    doc_codes, doc_ids = pd.factorize(doc_of_token)
    term_codes, vocabulary = pd.factorize(terms)
    return _encode_stream(np.asarray(doc_ids, dtype=object), doc_codes, np.asarray(vocabulary, dtype=object),
                          term_codes, stopwords, content_only)


def token_stream_from_parquet(
    path,
    stopwords: Iterable[str] | None = None,
    content_only: bool = True,
) -> TokenStream:
    """Like :func:`token_stream`, reading tokens.parquet straight into integer codes.

    The token strings are read dictionary-encoded by pyarrow, so a corpus of
    tens of millions of tokens is encoded without building one Python string
    per token (about ten times faster than going through a DataFrame).
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    item = schema.field("tokens").type.value_field.name
    table = pq.read_table(path, columns=["doc_id", "tokens"], read_dictionary=["doc_id", f"tokens.list.{item}"])
    batches = []
    for batch in table.to_batches():
        docs, token_lists = batch.column(0), batch.column(1)
        if not pa.types.is_dictionary(docs.type):
            docs = pc.dictionary_encode(docs)
        values = token_lists.flatten()
        if not pa.types.is_dictionary(values.type):
            values = pc.dictionary_encode(values)
        batches.append((docs, token_lists, values))

    # phase 1: one vocabulary (and one list of documents) over the dictionaries of all batches
    def dictionary_of(array) -> np.ndarray:
        return np.asarray(array.dictionary.to_numpy(zero_copy_only=False), dtype=object)

    term_dicts = [dictionary_of(values) for _, _, values in batches]
    doc_dicts = [dictionary_of(docs) for docs, _, _ in batches]
    empty = np.array([], dtype=object)
    global_terms, vocabulary = pd.factorize(np.concatenate(term_dicts) if term_dicts else empty)
    global_docs, doc_ids = pd.factorize(np.concatenate(doc_dicts) if doc_dicts else empty)
    vocabulary = np.asarray(vocabulary, dtype=object)
    order, final = _vocabulary_order(vocabulary, stopwords, content_only, np.int32)

    # phase 2: map each batch's local codes to the final ones (-1 = dropped term or null token)
    term_parts, doc_parts = [], []
    term_offset = doc_offset = 0
    for (docs, token_lists, values), term_dict, doc_dict in zip(batches, term_dicts, doc_dicts):
        term_map = np.append(final[global_terms[term_offset:term_offset + len(term_dict)]], np.int32(-1))
        doc_map = global_docs[doc_offset:doc_offset + len(doc_dict)].astype(np.int32)
        term_offset += len(term_dict)
        doc_offset += len(doc_dict)
        local = values.indices.fill_null(len(term_dict)).to_numpy(zero_copy_only=False)
        codes = term_map[local]
        sel = codes >= 0
        parent = pc.list_parent_indices(token_lists).to_numpy(zero_copy_only=False)
        doc_of_row = doc_map[docs.indices.fill_null(0).to_numpy(zero_copy_only=False)]
        term_parts.append(codes[sel])
        doc_parts.append(doc_of_row[parent[sel]])
    return TokenStream(
        doc_ids=np.asarray(doc_ids, dtype=object),
        doc_codes=np.concatenate(doc_parts).astype(np.int64) if doc_parts else np.array([], dtype=np.int64),
        terms=vocabulary[order],
        term_codes=np.concatenate(term_parts).astype(np.int64) if term_parts else np.array([], dtype=np.int64),
    )


def count_terms(
    tokens: pd.DataFrame | TokenStream,
    doc_group: pd.Series,
    n_groups: int | None = None,
    stopwords: Iterable[str] | None = None,
) -> TermCounts:
    """Count each term in each group of documents.

    ``tokens`` is tokens.parquet or a :class:`TokenStream` made from it
    (faster when counting several groupings). ``doc_group`` maps ``doc_id``
    (its index) to a group number ``0..n_groups-1``; tokens of documents it
    does not list are ignored. Use one group per document to get a
    document × term matrix.
    """
    stream = tokens if isinstance(tokens, TokenStream) else token_stream(tokens, stopwords=stopwords)
    if n_groups is None:
        n_groups = int(doc_group.max()) + 1 if len(doc_group) else 0
    group_of_doc = doc_group[~doc_group.index.duplicated()]
    position = pd.Index(group_of_doc.index).get_indexer(stream.doc_ids)
    group_codes = np.full(len(stream.doc_ids), -1, dtype=np.int64)
    found = position >= 0
    group_codes[found] = group_of_doc.to_numpy(dtype=np.int64)[position[found]]
    groups = group_codes[stream.doc_codes]
    sel = groups >= 0
    n_terms = len(stream.terms)
    if n_groups * n_terms <= _DENSE_CELLS:
        # few groups: one linear pass of bincount beats sorting tens of millions of (group, term) pairs
        flat = groups[sel] * n_terms + stream.term_codes[sel]
        dense = np.bincount(flat, minlength=n_groups * n_terms).reshape(n_groups, n_terms)
        counts = sparse.csr_matrix(dense)
    else:
        counts = sparse.coo_matrix(
            (np.ones(int(sel.sum()), dtype=np.int64), (groups[sel], stream.term_codes[sel])),
            shape=(n_groups, n_terms),
        ).tocsr()
        counts.sum_duplicates()
    return TermCounts(counts=counts, terms=stream.terms)


def log_likelihood(a, b, n1, n2) -> np.ndarray:
    """Log-likelihood G² of term counts ``a`` (group of ``n1`` tokens) and ``b`` (rest, ``n2`` tokens).

    G² = 2 Σ O ln(O/E) over the 2×2 table (a, b, n1−a, n2−b). Arguments
    broadcast as numpy arrays. A term seen 10 times in 100 tokens of 杭州
    speeches and 5 times in 200 tokens elsewhere has G² ≈ 7.33 (log ratio +2).
    """
    a, b, n1, n2 = (np.asarray(x, dtype=float) for x in (a, b, n1, n2))
    n = n1 + n2
    term = a + b
    other = n - term
    observed = (a, b, n1 - a, n2 - b)
    expected = (n1 * term / n, n2 * term / n, n1 * other / n, n2 * other / n)
    g2 = np.zeros(np.broadcast(a, b, n1, n2).shape)
    for o, e in zip(observed, expected):
        ratio = np.divide(o, e, out=np.ones_like(g2), where=(o > 0) & (e > 0))
        g2 = g2 + xlogy(o, ratio)
    return 2.0 * g2


def log_ratio(a, b, n1, n2, smoothing: float = 0.5) -> np.ndarray:
    """Hardie's log ratio: log2 of the ratio of relative frequencies, zero counts → ``smoothing``.

    +1 means the term is twice as frequent (per token) in the group as in the rest.
    """
    a, b, n1, n2 = (np.asarray(x, dtype=float) for x in (a, b, n1, n2))
    a = np.where(a == 0, smoothing, a)
    b = np.where(b == 0, smoothing, b)
    return np.log2((a / n1) / (b / n2))


def critical_g2(alpha: float) -> float:
    """The G² a term needs for p < ``alpha`` (χ², one degree of freedom).

    >>> round(critical_g2(0.05), 2), round(critical_g2(0.0001), 2)
    (3.84, 15.14)
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    return float(chdtri(1, alpha))


def keyness_table(
    term_counts: TermCounts,
    top: int | None = 30,
    min_freq: int = 3,
    overused_only: bool = True,
    exclude: Iterable[str] | None = None,
    min_g2: float = 0.0,
) -> pd.DataFrame:
    """Key terms of every group against the rest of the corpus.

    Returns one row per (group number, term) with ``group_index``, ``term``,
    ``freq_group``, ``freq_rest``, ``g2``, ``log_ratio``, ``sign`` and ``rank``
    (1 = highest G² in the group), keeping terms seen at least ``min_freq``
    times in the group, only overused ones unless ``overused_only=False``,
    and the ``top`` best per group (all when ``top`` is None). Ties in G²
    are broken by term so the output is deterministic. Terms in ``exclude``
    are left out of the lists (G² is still computed on all tokens; ranks are
    counted without them).

    ``p_value`` is the chance of a G² at least this large if the term were used at the same
    rate in the group and the rest (χ² with one degree of freedom; per term, not corrected for
    the thousands of terms tested). ``min_g2`` drops terms below that G² before ranking:
    3.84 is p < 0.05, 6.63 p < 0.01, 15.13 p < 0.0001 (see :func:`critical_g2`).
    """
    columns = ["group_index", "term", "freq_group", "freq_rest", "g2", "p_value", "log_ratio", "sign", "rank"]
    coo = term_counts.counts.tocoo()
    group_totals = term_counts.group_totals.astype(float)
    term_totals = term_counts.term_totals.astype(float)
    total = group_totals.sum()
    g = coo.row.astype(np.int64)
    t = coo.col.astype(np.int64)
    a = coo.data.astype(float)
    n1 = group_totals[g]
    n2 = total - n1
    b = term_totals[t] - a
    keep = (a >= min_freq) & (n2 > 0)
    if exclude is not None:
        keep &= ~pd.Index(term_counts.terms).isin(list(exclude))[t]
    g, t, a, b, n1, n2 = g[keep], t[keep], a[keep], b[keep], n1[keep], n2[keep]
    sign = np.sign(a * n2 - b * n1).astype(np.int64)
    if overused_only:
        over = sign > 0
        g, t, a, b, n1, n2, sign = g[over], t[over], a[over], b[over], n1[over], n2[over], sign[over]
    if len(a) == 0:
        return pd.DataFrame(columns=columns)
    g2 = log_likelihood(a, b, n1, n2)
    if min_g2 > 0:
        strong = g2 >= min_g2
        g, t, a, b, n1, n2, sign, g2 = (x[strong] for x in (g, t, a, b, n1, n2, sign, g2))
        if len(a) == 0:
            return pd.DataFrame(columns=columns)
    lr = log_ratio(a, b, n1, n2)
    # terms are numbered alphabetically, so t breaks ties deterministically
    order = np.lexsort((t, -g2, g))
    g, t, a, b, g2, lr, sign = g[order], t[order], a[order], b[order], g2[order], lr[order], sign[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    first = np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    rank = np.arange(len(g)) - first + 1
    sel = rank <= top if top is not None else np.ones(len(g), dtype=bool)
    return pd.DataFrame(
        {
            "group_index": g[sel],
            "term": term_counts.terms[t[sel]],
            "freq_group": a[sel].astype(np.int64),
            "freq_rest": b[sel].astype(np.int64),
            "g2": g2[sel],
            "p_value": chdtrc(1, g2[sel]),
            "log_ratio": lr[sel],
            "sign": sign[sel],
            "rank": rank[sel].astype(np.int64),
        },
        columns=columns,
    )


def term_frequency_table(term_counts: TermCounts, min_freq: int = 1) -> pd.DataFrame:
    """Long table ``group_index, term, freq`` of every term seen at least ``min_freq`` times in a group,
    most frequent first within each group."""
    coo = term_counts.counts.tocoo()
    keep = coo.data >= min_freq
    g, t, f = coo.row[keep].astype(np.int64), coo.col[keep].astype(np.int64), coo.data[keep].astype(np.int64)
    order = np.lexsort((t, -f, g))
    return pd.DataFrame(
        {"group_index": g[order], "term": term_counts.terms[t[order]], "freq": f[order]}
    )
