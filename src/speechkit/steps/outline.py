"""Step ``outline``: the 意见 outline of a document (一、二、…) and whether its announced points are all there.

Reads ``sentence_hits`` (step ``themes``) for the sentence counts of the ``outlines`` row; writes
``sections`` (one row per heading) and ``outlines`` (one row per document).
"""
from __future__ import annotations

import pyarrow as pa

from speechkit.outline import DATA_FILES
from speechkit.steps import Doc, Step

SECTIONS = pa.schema([("doc_id", pa.string()), ("seq", pa.int64()), ("level", pa.int64()), ("parent_seq", pa.int64()),
                      ("marker", pa.string()), ("number", pa.int64()), ("heading", pa.string()), ("start", pa.int64()),
                      ("end", pa.int64())])
OUTLINES = pa.schema([("doc_id", pa.string()), ("announced_phrase", pa.string()), ("announced_points", pa.int64()),
                      ("found_points", pa.int64()), ("missing_numbers", pa.list_(pa.int64())), ("complete", pa.bool_()),
                      ("sentences", pa.int64()), ("theme_sentences", pa.int64()), ("announced_vague", pa.bool_())])


def run(doc: Doc) -> dict:
    """The ``sections`` and ``outlines`` tables of one document.

    >>> doc = Doc("d1", "下面我讲两点意见。一、发展普惠托育服务。二、开展两癌筛查。", None)
    >>> doc.provide(sentence_hits=[{}, {"托育": 1}, {"妇女健康": 1}])
    >>> run(doc)["outlines"][0]["found_points"]
    2
    """
    from speechkit.outline import parse_outline

    sections, outline = parse_outline(doc.text)
    hits = doc["sentence_hits"]
    return {"sections": [dict(vars(s), doc_id=doc.doc_id) for s in sections],
            "outlines": [dict(vars(outline), doc_id=doc.doc_id, sentences=len(hits),
                              theme_sentences=sum(1 for h in hits if h))]}


STEP: Step = Step("outline", run=run, reads=("text", "sentence_hits"), writes={"sections": SECTIONS, "outlines": OUTLINES},
            data_files=DATA_FILES)
