"""Score the 意见 outline (speechkit.outline) against tests/gold/outlines.toml.

Each gold document is cleaned as the pipeline cleans it (``clean.clean_file``) and its
outline parsed (``outline.parse_outline``). Printed:

* announced — the announced count is right: the number (下面我讲三点意见 → 3), ``vague`` for
  几点 (``announced_vague``), ``none`` when no announcement of the top-level points;
* exact L1 — the number of level-1 points found equals the gold's;
* level-1 / level-2 heading precision, recall and F1 (micro-averaged over the documents): a
  gold anchor matches a found heading of its level when, whitespace removed and NFKC-folded,
  it is contained in it; each found heading matches at most one anchor, in order;
* the misses (gold anchors not found) and the false points (found, not in the gold), per document.

There is no peer tool that parses a speech's outline, so only speechkit is scored.
``python scripts/eval_outline.py [--misses N]`` — exits 0 when it ran (``make eval``).
"""
from __future__ import annotations

import argparse
import re
import sys
import tomllib
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
GOLD = ROOT / "tests" / "gold" / "outlines.toml"
CORPUS = ROOT.parent.parent / "shared" / "corpus"
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus")


def norm(s: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


def match(gold: list[str], found: list[str]) -> tuple[int, list[str], list[str]]:
    """``(true positives, missed anchors, false headings)``; in order, one heading per anchor."""
    fnorm = [norm(h) for h in found]
    used = [False] * len(found)
    missed = []
    tp = 0
    for a in gold:
        na = norm(a)
        hit = next((i for i, h in enumerate(fnorm) if not used[i] and na and na in h), None)
        if hit is None:
            missed.append(a)
        else:
            used[hit] = True
            tp += 1
    false = [found[i] for i in range(len(found)) if not used[i]]
    return tp, missed, false


def prf(tp: int, n_found: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_found if n_found else 1.0
    r = tp / n_gold if n_gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def announced_of(outline) -> object:
    if outline.announced_phrase is None:
        return "none"
    if outline.announced_points is not None:
        return outline.announced_points
    return "vague" if getattr(outline, "announced_vague", True) else "none"


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--misses", type=int, default=200, help="list at most N misses / false points")
    ap.add_argument("--gold", type=Path, default=GOLD, help="gold file (default tests/gold/outlines.toml)")
    args, _ = ap.parse_known_args(argv)  # run by scripts/eval.py, argv holds the runner's own arguments
    from speechkit.clean import clean_file
    from speechkit.outline import parse_outline

    if not CORPUS.is_dir():
        print(f"shared corpus not found at {CORPUS}; nothing scored")
        return 0
    gold = tomllib.loads(args.gold.read_text(encoding="utf-8"))["outline"]
    rows = []
    totals = {1: [0, 0, 0], 2: [0, 0, 0]}  # tp, found, gold
    ann_ok = count_ok = 0
    announcing = [0, 0]  # documents whose gold has an announcement, right among them
    notes: list[str] = []
    for doc in gold:
        path = CORPUS / doc["file"]
        row, _removals = clean_file(path, doc["file"])
        if row["status"] != "ok":
            notes.append(f"{doc['file']}: not cleaned: {row['error']}")
            continue
        sections, outline = parse_outline(row["text"])
        got_ann = announced_of(outline)
        want_ann = doc["announced"]
        ann_ok += got_ann == want_ann
        if want_ann != "none":
            announcing[0] += 1
            announcing[1] += got_ann == want_ann
        found = {lvl: [s.heading for s in sections if s.level == lvl] for lvl in (1, 2)}
        count_ok += len(found[1]) == len(doc["level1"])
        cells = []
        for lvl, key in ((1, "level1"), (2, "level2")):
            tp, missed, false = match(doc[key], found[lvl])
            t = totals[lvl]
            t[0] += tp
            t[1] += len(found[lvl])
            t[2] += len(doc[key])
            cells.append(f"{tp}/{len(doc[key])}/{len(found[lvl])}")
            notes += [f"{doc['file']}: L{lvl} missed   {a}" for a in missed]
            notes += [f"{doc['file']}: L{lvl} false    {h[:24]}" for h in false]
        if got_ann != want_ann:
            notes.append(f"{doc['file']}: announced {got_ann!r} (phrase {outline.announced_phrase!r}), gold {want_ann!r}")
        rows.append((doc["file"], str(want_ann), str(got_ann), *cells))

    n = len(rows)
    print(f"gold: {args.gold} — {n} documents, {totals[1][2]} level-1 and {totals[2][2]} level-2 points")
    print(f"{'document':<44} {'ann':>5} {'got':>5}  {'L1 tp/gold/found':>16}  {'L2 tp/gold/found':>16}")
    for r in rows:
        print(f"{r[0][-44:]:<44} {r[1]:>5} {r[2]:>5}  {r[3]:>16}  {r[4]:>16}")
    print()
    print(f"{'measure':<24} {'speechkit':>10}")
    print(f"{'announced count right':<24} {ann_ok / n:>10.3f}")
    if announcing[0]:
        print(f"{f'  of {announcing[0]} announcing':<24} {announcing[1] / announcing[0]:>10.3f}")
    print(f"{'exact level-1 count':<24} {count_ok / n:>10.3f}")
    for lvl in (1, 2):
        p, r, f = prf(*totals[lvl])
        print(f"{f'level-{lvl} heading P':<24} {p:>10.3f}")
        print(f"{f'level-{lvl} heading R':<24} {r:>10.3f}")
        print(f"{f'level-{lvl} heading F1':<24} {f:>10.3f}")
    print("(no peer tool parses a speech's outline; speechkit only)")
    if notes:
        print(f"\nmisses and false points ({len(notes)}):")
        for line in notes[: args.misses]:
            print("  " + line)
        if len(notes) > args.misses:
            print(f"  … {len(notes) - args.misses} more")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
