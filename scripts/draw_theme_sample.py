"""Draw a random sample of cleaned sentences to judge for the theme tagger (tests/gold/themes_*.jsonl).

The candidates are the cleaned sentences of the named corpora, as scripts/eval_themes.py reads them
(``load_sentences``), of at least --min-chars characters, minus every sentence that a row of the
gold files already locates (file + anchor, as the eval locates it: the first sentence of the file
that holds the anchor; a sentence of the same text elsewhere in that file is left out too). Each
distinct sentence of a file is one candidate. The draw is ``random.Random(seed).sample`` of the
candidates of each corpus in turn, in the order given (files sorted, sentences in text order).

Every drawn sentence is printed with its file and an anchor of at most 20 characters that the eval
locates on it: its first 20 characters, or — when those also occur in another sentence of the file —
the first 20-character window of it that no other sentence of the file holds. The output file gets
one JSON object a line: file, anchor, sentence. It holds corpus text: keep it outside the repo
(only file + anchor go into the gold).

It never runs the theme matcher, so the sample can be judged blind.

Usage: python scripts/draw_theme_sample.py SEED CORPUS=COUNT [CORPUS=COUNT ...] OUT
         [--min-chars 8] [--gold FILE ...] [--corpus DIR]
e.g.   python scripts/draw_theme_sample.py 20261210 province-reports-2025=75 national-reports=45 /tmp/q.jsonl
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_themes import GOLD, SECOND, corpus_root, load_gold, load_sentences  # noqa: E402

ANCHOR = 20  # the longest anchor a gold file may hold


def locate(sentences: list[str], anchor: str) -> str | None:
    """The sentence the eval locates with this anchor: the first one that holds it."""
    return next((s for s in sentences if anchor in s), None)


def anchor_for(sentence: str, sentences: list[str]) -> str | None:
    """A ≤ 20-character anchor that locates ``sentence`` among the file's ``sentences``: the first
    window (the prefix first) that only sentences of the same text hold; else the first window the
    eval locates on it; None when there is none."""
    if len(sentence) <= ANCHOR:
        windows = [sentence]
    else:
        windows = [sentence[i:i + ANCHOR] for i in range(len(sentence) - ANCHOR + 1)]
    for w in windows:
        if all(s == sentence for s in sentences if w in s):
            return w
    return next((w for w in windows if locate(sentences, w) == sentence), None)


def candidates(sentences: dict[str, list[str]], corpus: str, taken: set[tuple[str, str]],
               min_chars: int) -> list[tuple[str, str]]:
    """(file, sentence) of one corpus that can be drawn: long enough, not judged, each text once a file."""
    out, seen = [], set()
    for rel in sorted(f for f in sentences if f.split("/")[0] == corpus):
        for s in sentences[rel]:
            key = (rel, s)
            if len(s) >= min_chars and key not in taken and key not in seen:
                seen.add(key)
                out.append(key)
    return out


def judged(sentences: dict[str, list[str]], gold_files: list[Path]) -> set[tuple[str, str]]:
    """(file, sentence text) of every sentence a row of the gold files locates."""
    taken = set()
    for path in gold_files:
        for row in load_gold(path):
            s = locate(sentences.get(row["file"], []), row["anchor"])
            if s is not None:
                taken.add((row["file"], s))
    return taken


def draw(sentences: dict[str, list[str]], counts: list[tuple[str, int]], seed: int,
         gold_files: list[Path], min_chars: int = 8) -> list[dict]:
    rng = random.Random(seed)
    taken = judged(sentences, gold_files)
    rows = []
    for corpus, n in counts:
        pool = candidates(sentences, corpus, taken, min_chars)
        if n > len(pool):
            raise SystemExit(f"{corpus}: {n} asked, {len(pool)} candidates")
        for rel, s in rng.sample(pool, n):
            anchor = anchor_for(s, sentences[rel])
            if anchor is None:
                print(f"  no anchor locates this sentence of {rel}: {s[:30]}…", file=sys.stderr)
            rows.append(dict(file=rel, anchor=anchor, sentence=s))
    return rows


def parse_count(text: str) -> tuple[str, int]:
    corpus, _, n = text.partition("=")
    if not corpus or not n.isdigit():
        raise argparse.ArgumentTypeError(f"CORPUS=COUNT expected, got {text!r}")
    return corpus.strip("/"), int(n)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("seed", type=int)
    ap.add_argument("counts", nargs="+", type=parse_count, metavar="CORPUS=COUNT")
    ap.add_argument("out", type=Path)
    ap.add_argument("--min-chars", type=int, default=8)
    ap.add_argument("--gold", type=Path, nargs="*", default=[GOLD, SECOND],
                    help="gold files whose sentences are left out (default: themes_sentences + second reader)")
    ap.add_argument("--corpus", type=Path)
    args = ap.parse_args(argv)
    root = corpus_root(["--corpus", str(args.corpus)] if args.corpus else [])
    if root is None or not root.is_dir():
        print("shared corpus not found (../shared/corpus or SPEECHKIT_CORPUS): nothing to draw")
        return 1
    corpora = tuple(dict.fromkeys(c for c, _ in args.counts))
    sentences = load_sentences(root, corpora)
    rows = draw(sentences, args.counts, args.seed, args.gold, args.min_chars)
    with args.out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    for i, row in enumerate(rows, 1):
        print(f"{i:>3} {row['file']}  [{row['anchor']}]\n    {row['sentence']}")
    print(f"{len(rows)} sentences → {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
