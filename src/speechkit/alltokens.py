"""Every token, unfiltered, with an optional part of speech: ``tokens_all``.

``tokens.parquet`` holds only content tokens (stopwords, punctuation and numbers dropped), which
is what keyness, word clouds and similarity count. A researcher who wants to count 实施, 推进 or
加强 (stopwords in this genre), or who needs parts of speech, asks for this table instead:

- ``speechkit tokens PROCESSED_DIR [--pos]`` writes ``tokens_all.parquet``;
- ``corpus.all_tokens(pos=True)`` returns it as a DataFrame.

One row per token of every sentence of ``sentences.parquet``: ``doc_id``, ``sentence_id``,
``position`` (0-based in the sentence), ``token``, ``content`` (True when ``tokens.parquet``
keeps it) and, with ``pos``, ``pos`` — the jieba.posseg tag (ICTCLAS tag set: n noun, v verb,
vn verbal noun, ns place name, m numeral, x punctuation/other …). The segmenter is built from the
analyze options in the folder's run record (backend, ``--user-dict``, ``--stopwords``), so the
tokens are those of the analysis. With ``pos`` the words come from jieba.posseg, which
segments with the same dictionaries but its own algorithm: a few tokens can be cut differently
from ``tokens.parquet`` (compare on ``content``).
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["TOKENS_ALL_COLUMNS", "segmenter_for", "token_rows", "all_tokens_table"]

TOKENS_ALL_COLUMNS = ("doc_id", "sentence_id", "position", "token", "content", "pos")


def segmenter_for(processed_dir: str | Path | None = None):
    """The :class:`speechkit.segment.Segmenter` the analysis of ``processed_dir`` used (from run.json),
    or the default one when the folder has no record. A user file that has gone missing since
    raises FileNotFoundError naming it."""
    from speechkit.runrecord import read_run_record
    from speechkit.segment import Segmenter

    options: dict[str, Any] = {}  # the analyze options of run.json (JSON values)
    if processed_dir is not None:
        options = read_run_record(processed_dir).get("stages", {}).get("analyze", {}).get("options", {}) or {}
    user_dict, stopwords = options.get("user_dict"), options.get("stopwords")
    for label, path in (("--user-dict", user_dict), ("--stopwords", stopwords)):
        if path and not Path(path).exists():
            raise FileNotFoundError(f"{path}: the {label} file of the analysis (run.json) is gone; "
                                    "restore it so the tokens match the analysis")
    return Segmenter(options.get("segmenter") or "rjieba", Path(user_dict) if user_dict else None,
                     Path(stopwords) if stopwords else None)


def _pos_tokenizer(segmenter):
    """A jieba.posseg tokenizer with the segmenter's dictionaries (domain + user)."""
    import jieba.posseg

    from speechkit.segment import _make_tokenizer

    base = _make_tokenizer("jieba")
    for entry in segmenter._entries:
        base.add_word(entry.word, entry.freq, entry.pos)
    return jieba.posseg.POSTokenizer(base)


def token_rows(sentences: Iterable[tuple[str, int, str]], segmenter, pos: bool = False) -> pd.DataFrame:
    """Every token of ``(doc_id, sentence_id, text)`` sentences, with ``content`` and (``pos``) a tag.

    >>> from speechkit.segment import Segmenter
    >>> rows = token_rows([("d1", 0, "要切实推进普惠托育服务")], Segmenter(), pos=True)
    >>> rows[["token", "content", "pos"]].values.tolist()
    [['要', False, 'v'], ['切实', False, 'ad'], ['推进', False, 'v'], ['普惠托育服务', True, 'n']]
    """
    tagger = _pos_tokenizer(segmenter) if pos else None
    doc_ids: list[str] = []
    sentence_ids: list[int] = []
    positions: list[int] = []
    tokens: list[str] = []
    tags: list[str] = []
    for doc_id, sentence_id, text in sentences:
        if tagger is not None:
            pairs = [(p.word, p.flag) for p in tagger.cut(str(text))]
        else:
            pairs = [(t, None) for t in segmenter.cut(str(text))]
        pairs = [(t, f) for t, f in pairs if t.strip()]
        doc_ids.extend([doc_id] * len(pairs))
        sentence_ids.extend([sentence_id] * len(pairs))
        positions.extend(range(len(pairs)))
        tokens.extend(t for t, _ in pairs)
        tags.extend(f for _, f in pairs)
    content = [bool(segmenter.content_of([t])) for t in tokens]
    frame = pd.DataFrame({
        "doc_id": pd.array(doc_ids, dtype="string"),
        "sentence_id": np.asarray(sentence_ids, dtype=np.int64),
        "position": np.asarray(positions, dtype=np.int64),
        "token": pd.array(tokens, dtype="string"),
        "content": np.asarray(content, dtype=bool),
    })
    if pos:
        frame["pos"] = pd.array(tags, dtype="string")
    return frame


def all_tokens_table(sentences: pd.DataFrame, segmenter, pos: bool = False,
                     doc_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """:func:`token_rows` over sentences.parquet (only ``doc_ids`` when given)."""
    if doc_ids is not None:
        sentences = sentences[sentences["doc_id"].isin(set(doc_ids))]
    triples = zip(sentences["doc_id"].astype(str), sentences["sentence_id"].astype(int), sentences["text"].astype(str))
    return token_rows(triples, segmenter, pos=pos)
