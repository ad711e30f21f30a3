"""Experiment (issue 18, session 10): can a learned "aboutness" filter raise strict precision?

Every (sentence, theme) tag of the current matcher on the judged samples gets a few features — the
theme's hits and distinct terms, its share of the sentence's focus weight, whether a term stands in
the first clause, weak or two-character terms only, sentence length, number of themes named and
kept, the theme itself — and a logistic model (scikit-learn) is fitted on every judged sample except
the blind ones (Z, Y) and the outside-the-corpus one (X = themes_extra), then scored on those:
pooled strict precision and sentence recall when tags below a probability threshold are dropped,
and the AUC. The README (Validating the theme lexicon) reports the figures and why the filter was
not made the default. Not part of `make eval`; nothing here is shipped in the package.

Usage: python scripts/aboutness_filter.py [--corpus DIR]
"""
from __future__ import annotations

import math
import re
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "scripts"))

import eval_themes as E  # noqa: E402

from speechkit.segment import Segmenter  # noqa: E402
from speechkit.themes import ThemeMatcher, load_focus, load_taxonomy  # noqa: E402

HELD_OUT = ("Z", "Y", "X")
_SEPARATOR = re.compile("[，；：,;:]")


def judged_rows(root: Path) -> list[dict]:
    """Every judged sentence (shared-corpus gold + the two outside samples) with its tags."""
    gold = E.load_gold(E.GOLD)
    sentences = E.load_sentences(root)
    located = {}
    for row in gold:
        match = next((s for s in sentences.get(row["file"], []) if row["anchor"] in s), None)
        if match:
            located[(row["file"], row["anchor"])] = match
    rows = list(gold)
    for path, sample in ((E.EXTRA, "X"), (E.BLIND, "Y")):
        outside = E.load_gold(path)
        located.update(E.locate_extra(outside))
        rows += [dict(r, sample=sample) for r in outside]
    seg = Segmenter("rjieba")
    taxonomy, focus = load_taxonomy(), load_focus()
    tagger = ThemeMatcher(taxonomy, tokenize=seg.cut, compounds=seg.dictionary_words, focus=focus)
    named = ThemeMatcher(taxonomy, tokenize=seg.cut, compounds=seg.dictionary_words, focus=None)
    out = []
    for row in rows:
        sentence = located.get((row["file"], row["anchor"]))
        if sentence is None:
            continue
        raw = named.sentence_terms(sentence)
        out.append(dict(row, sentence=sentence, found=tagger.sentence_terms(sentence), raw=raw,
                        weights=focus.weights(sentence, raw, tagger._weak) if raw else {}, weak=tagger._weak))
    return out


def features(row: dict, theme: str, terms: list[str], themes: list[str]) -> dict[str, float]:
    weights, sentence = row["weights"], row["sentence"]
    top = max(weights.values())
    first = _SEPARATOR.split(sentence)[0]
    x = {"share": weights.get(theme, 0) / top, "named": len(row["raw"]), "kept": len(row["found"]),
         "distinct": len(set(terms)), "hits": len(terms), "head": any(t in first for t in terms),
         "log_length": math.log(len(sentence) + 1), "weak_only": all(t in row["weak"].get(theme, ()) for t in terms),
         "two_chars_only": all(len(t) <= 2 for t in terms), "longest_term": max(len(t) for t in terms),
         "others_as_heavy": sum(1 for k, v in weights.items() if k != theme and v >= top - 1e-9)}
    x.update({f"theme={t}": t == theme for t in themes})
    return {k: float(v) for k, v in x.items()}


def main(argv: list[str]) -> int:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    root = E.corpus_root(argv)
    if root is None or not root.is_dir():
        print("shared corpus not found: nothing to fit")
        return 0
    rows = judged_rows(root)
    themes = sorted({t for r in rows for t in r["raw"]})
    X, y, sample, owner = [], [], [], []
    for i, row in enumerate(rows):
        for theme, terms in row["found"].items():
            X.append(features(row, theme, terms, themes))
            y.append(theme in row["themes"])
            sample.append(row["sample"])
            owner.append((i, theme))
    keys = sorted(X[0])
    A = np.array([[x[k] for k in keys] for x in X])
    A = (A - A.mean(0)) / (A.std(0) + 1e-9)
    y_arr, s_arr = np.array(y), np.array(sample)
    train = ~np.isin(s_arr, HELD_OUT)
    model = LogisticRegression(C=0.05, max_iter=2000).fit(A[train], y_arr[train])
    p = model.predict_proba(A)[:, 1]
    by_row = defaultdict(list)
    for k, (i, theme) in enumerate(owner):
        by_row[i].append((k, theme))
    print(f"tags: {len(y)} (training {int(train.sum())}); held out: {', '.join(HELD_OUT)}")
    for name in HELD_OUT:
        chosen = s_arr == name
        print(f"\nsample {name}: {int(chosen.sum())} tags, AUC {roc_auc_score(y_arr[chosen], p[chosen]):.3f}")
        for threshold in (0.0, 0.4, 0.5, 0.6, 0.7):
            keep = chosen & (p >= threshold)
            deserving = [i for i, r in enumerate(rows) if r["sample"] == name and r["themes"]]
            found = sum(any(keep[k] and t in rows[i]["themes"] for k, t in by_row[i]) for i in deserving)
            print(f"  drop p < {threshold:.1f}: kept {int(keep.sum()):>3}, strict precision "
                  f"{y_arr[keep].mean():.3f}, recall {found / max(1, len(deserving)):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
