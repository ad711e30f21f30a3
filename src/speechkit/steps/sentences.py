"""Step ``sentences``: split a document into sentences, segment each once, keep its content tokens.

Writes ``sentences`` (offsets, text, commitment) and ``tokens`` (content tokens per sentence);
provides ``sentences`` ((start, end, text) triples), ``raw_tokens`` (the segmenter's tokens per
sentence, for the theme matcher), ``tokens`` (the document's content tokens, in order, one flat
list), ``token_array`` (the same tokens as one Arrow string array, converted once: the ``tokens`` table's
values and TextRank's input), ``token_offsets`` (where each sentence's content tokens begin in it) and
``term_counts``.
The tables are built column by column (no dict per row), the content filter runs once per
document over all its tokens.
"""
from __future__ import annotations

from itertools import chain

import numpy as np
import pyarrow as pa

from speechkit.steps import Doc, Step

SENTENCES = pa.schema([("doc_id", pa.string()), ("sentence_id", pa.int64()), ("start", pa.int64()), ("end", pa.int64()),
                       ("text", pa.string()), ("commitment", pa.string())])
TOKENS = pa.schema([("doc_id", pa.string()), ("sentence_id", pa.int64()), ("tokens", pa.list_(pa.string()))])


def run(doc: Doc) -> dict:
    """The ``sentences`` and ``tokens`` tables of one document, and the values later steps read.

    >>> from speechkit.analyze import AnalysisTools, AnalyzeOptions
    >>> doc = Doc("d1", "要切实推进普惠托育服务。到2025年新增托位300个。", None, AnalysisTools(AnalyzeOptions()))
    >>> tables = run(doc)
    >>> doc["tokens"], tables["tokens"]["tokens"].to_pylist()
    (['普惠托育服务', '新增', '托位'], [['普惠托育服务'], ['新增', '托位']])
    """
    from speechkit.keywords import term_counts
    from speechkit.segment import split_sentences
    from speechkit.targets import commitment_of

    seg = doc.tools.segmenter
    sentences = split_sentences(doc.text)
    texts = [s for _, _, s in sentences]
    raw_tokens = seg.cut_many(texts)  # segmented once: themes read the raw tokens, tables the content ones
    values = seg.content_values(list(chain.from_iterable(raw_tokens)))  # content token or "" per raw token
    keep = np.fromiter(map(bool, values), dtype=np.bool_, count=len(values))
    raw_bounds = np.zeros(len(raw_tokens) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, raw_tokens), dtype=np.int64, count=len(raw_tokens)), out=raw_bounds[1:])
    kept_before = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(keep, out=kept_before[1:])
    offsets = kept_before[raw_bounds]
    tokens = list(filter(None, values))
    n = len(sentences)
    doc_ids = pa.array([doc.doc_id] * n, pa.string())
    ids = pa.array(np.arange(n, dtype=np.int64))
    sentence_table = pa.Table.from_arrays(
        [doc_ids, ids, pa.array([s for s, _, _ in sentences], pa.int64()), pa.array([e for _, e, _ in sentences], pa.int64()),
         pa.array(texts, pa.string()), pa.array([commitment_of(s) for s in texts], pa.string())], schema=SENTENCES)
    token_array = pa.array(tokens, pa.string())
    token_lists = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), token_array)
    token_table = pa.Table.from_arrays([doc_ids, ids, token_lists], schema=TOKENS)
    doc.provide(sentences=sentences, raw_tokens=raw_tokens, tokens=tokens, token_array=token_array, token_offsets=offsets,
                term_counts=term_counts(tokens))
    return {"sentences": sentence_table, "tokens": token_table}


STEP: Step = Step("sentences", run=run, reads=("text",),
            provides=("sentences", "raw_tokens", "tokens", "token_array", "token_offsets", "term_counts"),
            writes={"sentences": SENTENCES, "tokens": TOKENS},
            data_files=("domain_dict.txt", "stopwords.txt", "targets.toml"))
