"""How alike speeches are: TF-IDF cosine similarity and near-duplicate detection.

范文 sites copy speeches from each other (and from the government site that
first published them), changing a title, a few characters or the order of
paragraphs. Counting such copies twice inflates every comparison, so
researchers detect near-duplicates and keep one representative per group
before counting (:func:`drop_near_duplicates`).

Near-duplicates are found with MinHash signatures of the set of character
5-grams (shingles) of each cleaned text and a MinHash LSH index; candidate
pairs whose estimated Jaccard similarity reaches the threshold are linked,
and a duplicate group is a connected component of those links.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np
import pandas as pd
from datasketch import MinHash, MinHashLSH
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from speechkit.keyness import TermCounts
from speechkit.keywords import l2_normalize_rows, tfidf_weights

__all__ = [
    "tfidf_matrix",
    "cosine_similarity_matrix",
    "most_similar",
    "shingle_text",
    "char_shingles",
    "shingle_hashes",
    "minhash_signatures",
    "near_duplicate_groups",
    "drop_near_duplicates",
]

_NOT_WORD = re.compile(r"[\W_]+")
_BATCH = 2048  # shingles per MinHash update: a 2048 × 128 block stays in cache (a fifth faster than 8192)


# ---------------------------------------------------------------------------
# TF-IDF cosine
# ---------------------------------------------------------------------------


def tfidf_matrix(term_counts: TermCounts, sublinear_tf: bool = True) -> sparse.csr_matrix:
    """TF-IDF weights (rows L2-normalised) of a document × term count matrix.

    ``term_counts`` comes from :func:`speechkit.keyness.count_terms` with one
    group per document. ``sublinear_tf`` uses ``1 + ln(tf)`` so that a word
    repeated many times in one long report does not dominate.
    """
    return tfidf_weights(sparse.csr_matrix(term_counts.counts, dtype=np.float64), sublinear_tf=sublinear_tf)


def cosine_similarity_matrix(
    term_counts: TermCounts,
    doc_ids: Sequence[str],
    rows: Sequence[int] | None = None,
    sublinear_tf: bool = True,
) -> pd.DataFrame:
    """Square document × document cosine similarity over TF-IDF, indexed by ``doc_id`` both ways.

    ``term_counts`` has one row per document, in the order of ``doc_ids``.
    ``rows`` restricts the matrix to some documents (IDF still comes from the
    whole corpus). 1.0 on the diagonal (0 for a document without content
    tokens). The matrix is dense (n² floats): for tens of thousands of
    documents use :func:`most_similar` or restrict ``rows``.
    """
    weights = tfidf_matrix(term_counts, sublinear_tf=sublinear_tf)
    ids = np.asarray(list(doc_ids), dtype=object)
    if rows is not None:
        picked = np.asarray(rows, dtype=np.int64)
        weights, ids = weights[picked], ids[picked]
    unit = l2_normalize_rows(weights.copy())  # as sklearn's cosine_similarity: rows normalised again, then X·Xᵀ
    sim = np.asarray((unit @ unit.T).toarray(), dtype=np.float64)
    return pd.DataFrame(sim, index=pd.Index(ids, name="doc_id"), columns=pd.Index(ids))


def most_similar(
    term_counts: TermCounts,
    doc_ids: Sequence[str],
    doc_id: str,
    top: int = 10,
    sublinear_tf: bool = True,
) -> pd.DataFrame:
    """The ``top`` documents most similar to ``doc_id`` (TF-IDF cosine), most similar first.

    Costs one sparse row × matrix product, so it works on corpora far too
    large for the full :func:`cosine_similarity_matrix`. Returns ``doc_id``
    and ``similarity``; the document itself is left out.
    """
    ids = np.asarray(list(doc_ids), dtype=object)
    where = np.flatnonzero(ids == doc_id)
    if len(where) == 0:
        raise ValueError(f"unknown doc_id: {doc_id}")
    weights = tfidf_matrix(term_counts, sublinear_tf=sublinear_tf)
    scores = np.asarray((weights @ weights[where[0]].T).todense()).ravel()
    scores[where[0]] = -np.inf
    order = np.lexsort((ids.astype(str), -scores))
    order = order[np.isfinite(scores[order])][:top]
    return pd.DataFrame({"doc_id": ids[order], "similarity": scores[order]})


# ---------------------------------------------------------------------------
# near-duplicates
# ---------------------------------------------------------------------------


def shingle_text(text: str) -> str:
    """Normalise a text for shingling: NFKC, then drop whitespace, punctuation and redaction marks.

    >>> shingle_text("一、加强组织领导，\\n 确保*工作落实。")
    '一加强组织领导确保工作落实'
    """
    if not isinstance(text, str):
        return ""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text))


def char_shingles(text: str, k: int = 5) -> set[str]:
    """Set of overlapping character ``k``-grams of the normalised text.

    >>> sorted(char_shingles("妇女儿童工作", k=5))
    ['女儿童工作', '妇女儿童工']

    A normalised text shorter than ``k`` is its own single shingle; an empty
    one has none.
    """
    s = shingle_text(text)
    if not s:
        return set()
    if len(s) <= k:
        return {s}
    return {s[i : i + k] for i in range(len(s) - k + 1)}


_MIX_MULTIPLIER = np.uint64(0xFF51AFD7ED558CCD)
_POLY_BASE = np.uint64(0x100000001B3)


def shingle_hashes(text: str, k: int = 5) -> np.ndarray:
    """32-bit hashes of the distinct character ``k``-grams of the normalised text (sorted, unique).

    The same set as :func:`char_shingles`, hashed with numpy instead of one
    Python call per shingle: a polynomial hash over the code points (mod 2⁶⁴)
    followed by a 64-bit finaliser, keeping the high 32 bits. Deterministic
    across runs and platforms.
    """
    s = shingle_text(text)
    if not s:
        return np.array([], dtype=np.uint32)
    points = np.frombuffer(s.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    width = min(k, len(points))
    n = len(points) - width + 1
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(width):
            h = h * _POLY_BASE + points[j : j + n]
        h ^= h >> np.uint64(33)
        h *= _MIX_MULTIPLIER
        h ^= h >> np.uint64(33)
    return np.unique((h >> np.uint64(32)).astype(np.uint32))


def minhash_signatures(texts: Sequence[str], num_perm: int = 128, shingle: int = 5, seed: int = 1) -> list[MinHash | None]:
    """datasketch MinHash signature of each text's character shingles (``None`` for a text without any).

    Shingles are hashed by :func:`shingle_hashes` (deterministic, unlike
    Python's ``hash``), so the MinHash's own hash function is the identity.
    """
    signatures: list[MinHash | None] = []
    for text in texts:
        hashes = shingle_hashes(text, shingle)
        if len(hashes) == 0:
            signatures.append(None)
            continue
        m = MinHash(num_perm=num_perm, seed=seed, hashfunc=int)
        for start in range(0, len(hashes), _BATCH):
            m.update_batch(hashes[start : start + _BATCH].tolist())
        signatures.append(m)
    return signatures


def _representative_order(documents: pd.DataFrame) -> np.ndarray:
    """Sort position of each document as a representative: earliest, then longest, then doc_id."""
    n = len(documents)
    if "date" in documents.columns:
        when = documents["date"].astype("string")
    else:
        when = pd.Series(pd.NA, index=documents.index, dtype="string")
    if "year" in documents.columns:
        year = pd.to_numeric(documents["year"], errors="coerce").astype("Int64").astype("string")
        when = when.fillna(year)
    when = when.fillna("\uffff")  # unknown dates last
    length = documents["text"].fillna("").astype(str).str.len().to_numpy()
    frame = pd.DataFrame(
        {"when": when.to_numpy(dtype=object), "neg_len": -length, "doc_id": documents["doc_id"].astype(str).to_numpy()}
    )
    order = frame.sort_values(["when", "neg_len", "doc_id"], kind="stable").index.to_numpy()
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    return position


def near_duplicate_groups(
    documents: pd.DataFrame,
    threshold: float = 0.8,
    num_perm: int = 128,
    shingle: int = 5,
    seed: int = 1,
) -> pd.DataFrame:
    """Groups of near-duplicate documents (e.g. one speech reposted by several 范文 sites).

    ``documents`` needs ``doc_id`` and ``text`` (``date``/``year`` are used to
    choose the representative when present). Two documents are linked when
    the estimated Jaccard similarity of their character-shingle sets is at
    least ``threshold``; groups are connected components of the links. The
    representative of a group is the earliest document (``date``, else
    ``year``), then the longest, then the smallest ``doc_id`` — deterministic.

    Returns one row per document that belongs to a group of two or more:
    ``doc_id``, ``dup_group`` (1, 2, … in order of the representatives),
    ``size``, ``representative`` (bool) and ``jaccard_to_representative``
    (estimated; 1.0 for the representative).
    """
    columns = ["doc_id", "dup_group", "size", "representative", "jaccard_to_representative"]
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    docs = documents.reset_index(drop=True)
    signatures = minhash_signatures(docs["text"].tolist(), num_perm=num_perm, shingle=shingle, seed=seed)
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    for i, m in enumerate(signatures):
        if m is not None:
            lsh.insert(i, m)
    rows, cols = [], []
    for i, m in enumerate(signatures):
        if m is None:
            continue
        for j in lsh.query(m):
            if j > i and m.jaccard(signatures[j]) >= threshold:
                rows.append(i)
                cols.append(j)
    if not rows:
        return pd.DataFrame(columns=columns)
    n = len(docs)
    graph = sparse.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    sizes = np.bincount(component)
    member = np.flatnonzero(sizes[component] >= 2)
    position = _representative_order(docs)
    frame = pd.DataFrame({"i": member, "component": component[member], "position": position[member]})
    frame = frame.sort_values(["component", "position"])
    rep_of_component = frame.groupby("component")["i"].first()
    rep_position = frame.groupby("component")["position"].first().sort_values()
    group_number = pd.Series(np.arange(1, len(rep_position) + 1), index=rep_position.index)
    frame["rep"] = rep_of_component.reindex(frame["component"]).to_numpy()
    frame["dup_group"] = group_number.reindex(frame["component"]).to_numpy()
    frame["size"] = sizes[frame["component"].to_numpy()]
    frame["representative"] = frame["i"].to_numpy() == frame["rep"].to_numpy()
    frame["jaccard_to_representative"] = [
        1.0 if i == r else signatures[i].jaccard(signatures[r]) for i, r in zip(frame["i"], frame["rep"])
    ]
    frame["doc_id"] = docs["doc_id"].to_numpy()[frame["i"].to_numpy()]
    frame = frame.sort_values(["dup_group", "representative", "position"], ascending=[True, False, True])
    out = frame.loc[:, columns].reset_index(drop=True)
    out["dup_group"] = out["dup_group"].astype(np.int64)
    out["size"] = out["size"].astype(np.int64)
    return out


def drop_near_duplicates(documents: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Keep one document per near-duplicate group: drop every non-representative member.

    ``groups`` is the output of :func:`near_duplicate_groups`. Documents not in
    any group are kept; the order of ``documents`` is preserved.
    """
    if groups.empty:
        return documents.copy()
    copies = groups.loc[~groups["representative"].astype(bool), "doc_id"]
    return documents[~documents["doc_id"].isin(set(copies))].copy()
