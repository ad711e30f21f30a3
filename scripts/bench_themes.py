#!/usr/bin/env python
"""CPU time of the theme step alone: ``document_sentence_terms`` + ``document_theme_table`` (issue 17).

Cleans ../shared/corpus (or data/raw without it) once, splits and segments every text outside the
clock, then times the theme step over all documents: ``time.process_time()``, best of ``--repeat``
runs, with the loaded corpus frozen out of the garbage collector (``gc.freeze``: the pipeline's
collector does not walk a whole corpus of tokens, one document's at most). ``--reference`` times
the plain scan the fast matcher replaced, in the same process, so before → after is one command:

    PYTHONPATH=src python scripts/bench_themes.py --reference

Not a test and not part of `make bench`: nothing asserts; it prints seconds and MB/s.
"""
from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpus"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=SHARED if SHARED.exists() else REPO / "data" / "raw")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reference", action="store_true", help="also time the reference scan")
    args = parser.parse_args(argv)

    import pandas as pd

    from speechkit.analyze import AnalysisTools, AnalyzeOptions
    from speechkit.clean import clean_corpus
    from speechkit.segment import split_sentences
    from speechkit.themes import document_theme_table

    with tempfile.TemporaryDirectory() as tmp:
        clean_corpus(args.corpus, Path(tmp), jobs=1, use_cache=False)
        docs = pd.read_parquet(Path(tmp) / "documents.parquet")
    tools = AnalysisTools(AnalyzeOptions())
    data = []
    for doc_id, text in zip(docs["doc_id"], docs["text"]):
        if isinstance(text, str) and text:
            sentences = split_sentences(text)
            data.append((doc_id, text, sentences, [tools.segmenter.cut(s) for _, _, s in sentences]))
    mb = sum(len(text.encode("utf-8")) for _, text, _, _ in data) / 1e6
    matcher, themes = tools.matcher, tools.themes
    gc.collect()
    gc.freeze()

    def step(find):
        for doc_id, text, sentences, tokens in data:
            terms = find(text, sentences, tokens)
            hits = [{name: len(found) for name, found in per.items()} if per else {} for per in terms]
            document_theme_table(doc_id, hits, themes, chars=len(text))

    engines = [("fast (document_sentence_terms)", matcher.document_sentence_terms)]
    if args.reference:
        engines.append(("reference (_reference_document_sentence_terms)", matcher._reference_document_sentence_terms))
    print(f"{len(data)} documents, {mb:.2f} MB of clean text; CPU seconds, best of {args.repeat}")
    best = {name: float("inf") for name, _ in engines}
    for _ in range(args.repeat):  # interleaved, so that both see the same machine
        for name, find in engines:
            t = time.process_time()
            step(find)
            best[name] = min(best[name], time.process_time() - t)
    for name, seconds in best.items():
        print(f"{name:50s} {seconds:7.3f} s  {mb / seconds:6.1f} MB/s")
    if args.reference:
        print(f"{'speed-up':50s} {best[engines[1][0]] / best[engines[0][0]]:7.1f} x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
