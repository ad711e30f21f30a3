"""Step ``themes``: the theme terms of every sentence (on the segmenter's token boundaries).

Reads ``sentences`` and ``raw_tokens`` (step ``sentences``); writes ``sentence_themes`` (one row per
sentence and theme, with the matched terms) and ``themes`` (per document and theme: hits, share,
rate, sentences, reliable); provides ``sentence_hits`` (theme → hits, per sentence) and
``theme_sentences`` (how many sentences mention a theme).
"""
from __future__ import annotations

import pyarrow as pa

from speechkit.steps import Doc, Step

# themes: share is compositional; rate (hits per 10,000 characters), sentences / sentence_share and the
# reliable flag (hits >= themes.RELIABLE_HITS) stand beside it (issue 18)
THEMES = pa.schema([("doc_id", pa.string()), ("theme", pa.string()), ("field", pa.string()), ("hits", pa.int64()),
                    ("share", pa.float64()), ("rate", pa.float64()), ("sentences", pa.int64()),
                    ("sentence_share", pa.float64()), ("reliable", pa.bool_())])
# sentence_themes.terms: the matched term of every hit, in order (len(terms) == hits)
SENTENCE_THEMES = pa.schema([("doc_id", pa.string()), ("sentence_id", pa.int64()), ("theme", pa.string()),
                             ("hits", pa.int64()), ("terms", pa.list_(pa.string()))])


def run(doc: Doc) -> dict:
    """The ``sentence_themes`` and ``themes`` tables of one document.

    >>> from speechkit.analyze import AnalysisTools, AnalyzeOptions
    >>> from speechkit.steps import sentences
    >>> doc = Doc("d1", "开展两癌筛查。发展普惠托育服务。", None, AnalysisTools(AnalyzeOptions()))
    >>> _ = sentences.run(doc)  # provides the sentences and their raw tokens
    >>> tables = run(doc)
    >>> tables["sentence_themes"]["terms"], doc["theme_sentences"]
    ([['两癌筛查'], ['普惠托育', '托育服务']], 2)
    """
    from speechkit.themes import document_theme_table

    tools = doc.tools
    terms_per_sentence = tools.matcher.document_sentence_terms(doc.text, doc["sentences"], doc["raw_tokens"])
    sentence_ids: list[int] = []
    names: list[str] = []
    hits: list[int] = []
    terms: list[list[str]] = []
    hits_per_sentence = []
    for sid, found in enumerate(terms_per_sentence):
        counted = {}
        for name, matched in found.items():
            sentence_ids.append(sid)
            names.append(name)
            hits.append(len(matched))
            terms.append(matched)
            counted[name] = len(matched)
        hits_per_sentence.append(counted)
    doc.provide(sentence_hits=hits_per_sentence, theme_sentences=sum(1 for h in hits_per_sentence if h))
    return {"sentence_themes": {"sentence_id": sentence_ids, "theme": names, "hits": hits, "terms": terms},
            "themes": document_theme_table(doc.doc_id, hits_per_sentence, tools.themes, chars=len(doc.text))}


STEP: Step = Step("themes", run=run, reads=("text", "sentences", "raw_tokens"), provides=("sentence_hits", "theme_sentences"),
            writes={"themes": THEMES, "sentence_themes": SENTENCE_THEMES}, data_files=("themes.toml",),
            version="token-boundaries-v2")
