"""Compare the jieba and rjieba backends of speechkit.segment.Segmenter on a corpus.

Both backends get the bundled domain dictionary. For every sentence (split with
split_sentences) the script measures:

* boundary agreement: share of character positions where both backends agree on
  whether a token boundary follows the character;
* token agreement: share of characters that lie in a token with exactly the same
  span in both segmentations;
* speed: MB of UTF-8 text segmented per second (dictionary loading excluded).

Usage:
    python scripts/compare_segmenters.py [CORPUS_DIR] [--limit-mb N] [--examples N]

CORPUS_DIR defaults to ../shared/corpus next to the repository.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from speechkit.segment import Segmenter, split_sentences


def _spans(tokens: list[str]) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for token in tokens:
        spans.append((pos, pos + len(token)))
        pos += len(token)
    return spans


def read_sentences(corpus: Path, limit_mb: float | None) -> list[str]:
    sentences: list[str] = []
    size = 0
    for path in sorted(corpus.rglob("*.txt")):
        if path.name == "README.md":
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        sentences.extend(s for _, _, s in split_sentences(text))
        size += len(text.encode("utf-8"))
        if limit_mb is not None and size >= limit_mb * 1_000_000:
            break
    return sentences


def time_backend(segmenter: Segmenter, sentences: list[str]) -> tuple[list[list[str]], float]:
    segmenter.cut("预热")  # load dictionaries before timing
    start = time.perf_counter()
    cuts = [segmenter.cut(s) for s in sentences]
    return cuts, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    default_corpus = Path(__file__).resolve().parents[2] / "shared" / "corpus"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=default_corpus)
    parser.add_argument("--limit-mb", type=float, default=None, help="stop reading after N MB")
    parser.add_argument("--examples", type=int, default=5, help="show N disagreeing sentences")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus folder not found: {args.corpus}", file=sys.stderr)
        return 1

    sentences = read_sentences(args.corpus, args.limit_mb)
    megabytes = sum(len(s.encode("utf-8")) for s in sentences) / 1_000_000
    chars = sum(len(s) for s in sentences)
    print(f"corpus: {args.corpus}  sentences: {len(sentences)}  chars: {chars}  MB: {megabytes:.2f}")

    results = {}
    for backend in ("jieba", "rjieba"):
        cuts, seconds = time_backend(Segmenter(backend), sentences)
        results[backend] = cuts
        tokens = sum(len(c) for c in cuts)
        print(f"{backend:7s} {seconds:7.2f} s  {megabytes / seconds:6.2f} MB/s  tokens: {tokens}")

    boundary_agree = 0
    token_agree = 0
    examples = []
    for sentence, a, b in zip(sentences, results["jieba"], results["rjieba"]):
        ends_a = {end for _, end in _spans(a)}
        ends_b = {end for _, end in _spans(b)}
        n = len(sentence)
        boundary_agree += sum(1 for i in range(1, n + 1) if (i in ends_a) == (i in ends_b))
        common = set(_spans(a)) & set(_spans(b))
        token_agree += sum(end - start for start, end in common)
        if a != b and len(examples) < args.examples:
            examples.append((a, b))
    print(f"boundary agreement: {boundary_agree / chars:.6f}  (share of character positions)")
    print(f"token agreement:    {token_agree / chars:.6f}  (share of characters in identical tokens)")
    for a, b in examples:
        print("  jieba :", "/".join(a)[:160])
        print("  rjieba:", "/".join(b)[:160])
    return 0


if __name__ == "__main__":
    sys.exit(main())
