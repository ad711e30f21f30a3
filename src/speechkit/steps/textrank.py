"""Step ``textrank``: the TextRank keywords of one document (over its content tokens, in order).

Reads ``token_array`` (step ``sentences``: the content tokens as one Arrow array); writes ``keywords_textrank`` (the analyze stage puts these
rows into ``keywords.parquet`` beside the corpus-level TF-IDF ones). The number of keywords is
``AnalyzeOptions.top_keywords``.
"""
from __future__ import annotations

import pyarrow as pa

from speechkit.steps import Doc, Step

KEYWORDS_TEXTRANK = pa.schema([("doc_id", pa.string()), ("method", pa.string()), ("rank", pa.int64()),
                               ("term", pa.string()), ("score", pa.float64())])


def run(doc: Doc) -> dict:
    """The ``keywords_textrank`` table of one document.

    >>> from speechkit.analyze import AnalyzeOptions
    >>> from types import SimpleNamespace
    >>> doc = Doc("d1", "", None, SimpleNamespace(options=AnalyzeOptions(top_keywords=1)))
    >>> doc.provide(token_array=pa.array(["托育", "服务", "托育", "机构"]))
    >>> run(doc)["keywords_textrank"].to_pylist()
    [{'doc_id': 'd1', 'method': 'textrank', 'rank': 1, 'term': '托育', 'score': 0.393617021277}]
    """
    from speechkit.keywords import textrank_keywords

    found = textrank_keywords(doc["token_array"], top=doc.tools.options.top_keywords)
    n = len(found)
    return {"keywords_textrank": pa.Table.from_arrays(
        [pa.array([doc.doc_id] * n, pa.string()), pa.array(["textrank"] * n, pa.string()),
         pa.array(range(1, n + 1), pa.int64()), pa.array([t for t, _ in found], pa.string()),
         pa.array([s for _, s in found], pa.float64())], schema=KEYWORDS_TEXTRANK)}


STEP: Step = Step("textrank", run=run, reads=("token_array",), writes={"keywords_textrank": KEYWORDS_TEXTRANK})
