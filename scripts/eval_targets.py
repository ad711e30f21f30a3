"""Score the stated targets and figures (speechkit.targets) against tests/gold/targets.jsonl.

Each gold document is cleaned as the pipeline cleans it (``clean.clean_file``) and its figures
extracted (``targets.extract_targets(text, year=<the document's year>)``). A gold sentence is
located by its anchor (at most 20 characters, unique in the file); its scope is the sentence of
the cleaned text that holds the anchor's start (ends at 。！？；!?; and line breaks). A found
figure belongs to that scope when its ``figure_start`` lies in it (or, for a table without figure
offsets, when its sentence overlaps it).

Printed:

* figures — precision, recall, F1: a gold figure matches a found one of the same scope with the
  same value (±0.01) and unit (％ read as %), each found figure matched once, in text order;
* on the matched figures: kind, comparator, ``target_year`` (where the gold states one, null
  included), indicator exact (whitespace removed, NFKC-folded, equal to the gold indicator or one
  of its listed alternatives), commitment, and range (``value_low``/``value_high``) accuracy;
* the misses: gold figures not found, found figures not in the gold, and every wrong field.

The same table is printed for ``tests/gold/targets_check.jsonl``: sentences of files the gold does
not use, annotated after the rules were tuned on the gold — a check of how they carry over.

No peer tool extracts targets from Chinese policy text, so only speechkit is scored.
``python scripts/eval_targets.py [--misses N]`` — exits 0 when it ran (``make eval``).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
GOLD = ROOT / "tests" / "gold" / "targets.jsonl"
# annotated the same way from files the gold does not use, after the rules were tuned on the gold:
# a check of how the rules carry to unseen reports
CHECK = ROOT / "tests" / "gold" / "targets_check.jsonl"
CORPUS = ROOT.parent.parent / "shared" / "corpus"
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus")

_SENT_END = re.compile(r"[。！？；!?;\n]")


def norm(s: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s or ""))


def unit_key(u: str | None) -> str:
    return (u or "").replace("％", "%")


def scope_of(text: str, pos: int) -> tuple[int, int]:
    """The sentence of text around pos (the gold's own, simple splitter)."""
    start = 0
    for m in _SENT_END.finditer(text, max(0, pos - 2000), pos):
        start = m.end()
    m = _SENT_END.search(text, pos)
    return start, (m.end() if m else len(text))


def same_value(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= 0.01


def load_gold(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--misses", type=int, default=40, help="how many misses of each kind to list")
    args, _ = ap.parse_known_args(argv)
    for title, path in (("gold", GOLD), ("check (unseen files, not tuned on)", CHECK)):
        if path.is_file():
            print(f"\n## {title}: {path.relative_to(ROOT)}")
            score(load_gold(path), args.misses)
    return 0


def score(gold: list[dict], n_misses: int) -> None:
    from speechkit.clean import clean_file
    from speechkit.targets import extract_targets

    by_file: dict[str, list[dict]] = defaultdict(list)
    for rec in gold:
        by_file[rec["file"]].append(rec)

    n_gold = n_found = tp = 0
    fields = {k: [0, 0] for k in ("kind", "comparator", "target_year", "indicator", "commitment", "range")}
    misses: dict[str, list[str]] = defaultdict(list)
    lost_anchors = []
    for rel, records in by_file.items():
        path = CORPUS / rel
        if not path.is_file():
            print(f"skip {rel}: not found under {CORPUS}")
            continue
        row, _ = clean_file(path, rel)
        text = row.get("text") or ""
        rows = extract_targets(text, year=records[0]["year"])
        for rec in records:
            pos = text.find(rec["anchor"])
            if pos < 0:
                lost_anchors.append(f"{rel}: {rec['anchor']}")
                n_gold += len(rec["figures"])
                continue
            s0, s1 = scope_of(text, pos)
            found = []
            for t in rows:
                fs = getattr(t, "figure_start", None)
                inside = s0 <= fs < s1 if fs is not None else (t.start < s1 and t.end > s0)
                if inside:
                    found.append(t)
            used = [False] * len(found)
            n_gold += len(rec["figures"])
            n_found += len(found)
            where = f"{rel.split('/')[-1]} «{rec['anchor']}»"
            for g in rec["figures"]:
                hit = next((i for i, t in enumerate(found) if not used[i] and same_value(t.value, g["value"])
                            and unit_key(t.unit) == unit_key(g["unit"])), None)
                if hit is None:
                    misses["missed"].append(f"{where}: {g['value']:g} {g['unit']} ({g['indicator']})")
                    continue
                used[hit] = True
                tp += 1
                t = found[hit]
                checks = {
                    "kind": (t.kind, g["kind"], t.kind == g["kind"]),
                    "comparator": (t.comparator, g["comparator"], t.comparator == g["comparator"]),
                    "indicator": (t.indicator, g["indicator"],
                                  norm(t.indicator) in {norm(x) for x in [g["indicator"], *g.get("indicator_alt", [])]}),
                    "commitment": (getattr(t, "commitment", None), g.get("commitment"),
                                   getattr(t, "commitment", None) == g.get("commitment")),
                }
                if "target_year" in g:
                    ty = getattr(t, "target_year", None)
                    checks["target_year"] = (ty, g["target_year"], ty == g["target_year"])
                if "value_low" in g:
                    lo, hi = getattr(t, "value_low", None), getattr(t, "value_high", None)
                    checks["range"] = ((lo, hi), (g["value_low"], g["value_high"]),
                                       same_value(lo, g["value_low"]) and same_value(hi, g["value_high"]))
                for name, (got, want, ok) in checks.items():
                    fields[name][1] += 1
                    if ok:
                        fields[name][0] += 1
                    else:
                        misses[name].append(f"{where} {g['value']:g}{g['unit']}: got {got!r}, gold {want!r}")
            for i, t in enumerate(found):
                if not used[i]:
                    v = "—" if t.value is None else f"{t.value:g}"
                    misses["false"].append(f"{where}: {v} {t.unit} ({t.indicator})")

    p = tp / n_found if n_found else 1.0
    r = tp / n_gold if n_gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    print(f"gold: {len(gold)} sentences, {n_gold} figures from {len(by_file)} files "
          f"({sum(1 for x in gold if not x['figures'])} sentences without a figure)")
    print("no peer tool extracts targets from Chinese policy text: speechkit only\n")
    print(f"{'measure':<22}{'speechkit':>10}{'n':>7}")
    print(f"{'figure precision':<22}{p:>10.3f}{n_found:>7}")
    print(f"{'figure recall':<22}{r:>10.3f}{n_gold:>7}")
    print(f"{'figure F1':<22}{f:>10.3f}{tp:>7}")
    for name, (ok, n) in fields.items():
        print(f"{name + ' accuracy':<22}{(ok / n if n else 1.0):>10.3f}{n:>7}")
    if lost_anchors:
        print(f"\nanchors not found in the cleaned text ({len(lost_anchors)}):")
        for a in lost_anchors:
            print("  " + a)
    for name in ("missed", "false", "kind", "comparator", "target_year", "indicator", "commitment", "range"):
        items = misses.get(name, [])
        if items:
            print(f"\n{name} ({len(items)}):")
            for line in items[:n_misses]:
                print("  " + line)
            if len(items) > n_misses:
                print(f"  … {len(items) - n_misses} more")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
