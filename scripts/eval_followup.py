"""`make eval` harness: target follow-through on the national reports against tests/gold/followup_national.csv.

Runs clean → analyze → followup on ../shared/corpus/national-reports (cached in
data/processed/.eval-national), then scores the follow-up rows of the three gold indicators
(地区生产总值增长, 居民消费价格涨幅, 城镇新增就业): a gold pair is *found* when a row has its indicator and
target year; *right* when target value, outcome value and status all agree. Rows of those
indicators that match no gold pair are listed as wrong (a wrong year, a five-year figure, a
misread target). Prints recall, precision and the misses.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "tests" / "gold" / "followup_national.csv"
CORPUS = REPO.parent / "shared" / "corpus" / "national-reports"
WORK = REPO / "data" / "processed" / ".eval-national"


def read_gold(path: Path = GOLD) -> pd.DataFrame:
    """The gold pairs (comment lines start with #)."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return pd.read_csv(io.StringIO("\n".join(lines)))


def score(rows: pd.DataFrame, gold: pd.DataFrame) -> dict:
    """Recall (gold pairs found and right), precision (rows of the gold indicators that are right) and the misses."""
    keys = set(gold["indicator_key"])
    lo, hi = int(gold["target_year"].min()), int(gold["target_year"].max())
    rows = rows[rows["indicator_key"].isin(keys) & rows["target_year"].between(lo, hi)]  # the years the gold covers
    found = right = 0
    misses, wrong = [], []
    matched = set()
    for g in gold.itertuples(index=False):
        hit = rows[(rows["indicator_key"] == g.indicator_key) & (rows["target_year"] == g.target_year)]
        if hit.empty:
            misses.append(f"missing  {g.indicator_key} {g.target_year}: target {g.target_value} → outcome {g.outcome_value}")
            continue
        found += 1
        ok = hit[(abs(hit["target_value"] - g.target_value) < 1e-6) & (abs(hit["outcome_value"] - g.outcome_value) < 1e-6)
                 & (hit["status"] == g.status)]
        if len(ok):
            right += 1
            matched.add(ok.index[0])
        else:
            h = hit.iloc[0]
            misses.append(f"wrong    {g.indicator_key} {g.target_year}: got {h.target_value}→{h.outcome_value} {h.status}, "
                          f"gold {g.target_value}→{g.outcome_value} {g.status}")
    gold_years = set(zip(gold["indicator_key"], gold["target_year"]))
    for idx, r in rows.iterrows():
        if idx not in matched:
            wrong.append(f"{'extra' if (r.indicator_key, r.target_year) not in gold_years else 'wrong'}    "
                         f"{r.indicator_key} {r.target_year}: {r.target_value}→{r.outcome_value} {r.status}  "
                         f"| {str(r.target_sentence)[:40]}")
    return {"gold": len(gold), "found": found, "right": right, "rows": len(rows),
            "recall": right / len(gold) if len(gold) else 0.0,
            "precision": len(matched) / len(rows) if len(rows) else 0.0, "misses": misses, "wrong_rows": wrong}


def main() -> int:
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} not found")
        return 0
    from speechkit.analyze import analyze_corpus
    from speechkit.clean import clean_corpus
    from speechkit.followup import followup_corpus

    clean_corpus(CORPUS, WORK, jobs=2)
    analyze_corpus(WORK, jobs=2)
    rows = followup_corpus(processed_dir=WORK)
    result = score(rows, read_gold())
    print(f"followup on national reports: gold pairs {result['gold']}, found {result['found']}, right {result['right']}")
    print(f"  recall (right / gold)        {result['recall']:.3f}")
    print(f"  precision (right / rows)     {result['precision']:.3f}   ({result['rows']} rows of the gold indicators)")
    for line in result["misses"] + [l for l in result["wrong_rows"] if l.startswith("extra")]:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
