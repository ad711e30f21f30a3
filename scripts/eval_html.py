"""Score HTML main-content extraction on ../shared/corpus/html-pages against its gold.jsonl.

For every page the gold holds ``title``, ``date`` (ISO or null), ``body`` (the article's text
lines) and ``menu`` (the page's menu labels outside the article). Each tool is scored on:

* P / R / F1 — bags of character 5-grams of the extracted text against the gold body
  (whitespace dropped, NFKC), averaged over pages;
* menus — share of pages where ≥ 5 gold menu labels are left in the text (a label counts
  when it occurs in the text but nowhere in the gold body, so labels that are also
  article words are not held against anyone);
* title / date — share of pages with a gold title (date) that the tool gets exactly right
  (titles compared after NFKC and with whitespace dropped);
* s/page — CPU seconds per page (``time.process_time``: parsing included, file reading excluded;
  CPU time, not wall-clock, so that other jobs on a shared machine do not inflate it).

speechkit runs once per ``--html-extractor`` choice (clean_file, the whole clean stage:
decode, chrome, boilerplate rules, metadata); the peers run as libraries with their
defaults: trafilatura (text via ``extract``, title and date via ``extract_metadata``,
which uses htmldate), readability-lxml (the text of ``Document.summary()``, title
``short_title()``), and htmldate alone for dates.

Usage: python scripts/eval_html.py [--pages DIR] [--misses] [--only speechkit]   (or: make eval)
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

MENU_LEFT_MIN = 5  # a page "keeps its menus" when at least this many gold menu labels are left


def default_pages_dir() -> Path | None:
    """../shared/corpus/html-pages beside the repository (or beside its parent, for worktrees)."""
    for base in (REPO.parent, REPO.parent.parent):
        path = base / "shared" / "corpus" / "html-pages"
        if (path / "gold.jsonl").exists():
            return path
    return None


def norm(text: str | None) -> str:
    """NFKC with all whitespace dropped (the form texts and titles are compared in)."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def grams(text: str, n: int = 5) -> Counter:
    t = norm(text)
    return Counter(t[i: i + n] for i in range(max(len(t) - n + 1, 0)))


def prf(pred: str, gold: str) -> tuple[float, float, float]:
    """Precision, recall and F1 of the 5-gram bag of ``pred`` against ``gold``."""
    p, g = grams(pred), grams(gold)
    if not p or not g:
        return 0.0, 0.0, 0.0
    overlap = sum((p & g).values())
    precision, recall = overlap / sum(p.values()), overlap / sum(g.values())
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return precision, recall, f1


def menus_left(pred: str, entry: dict) -> list[str]:
    """Gold menu labels found in ``pred`` that are not words of the article itself."""
    text, body = norm(pred), norm("".join(entry["body"]))
    return [m for m in entry["menu"] if norm(m) and norm(m) in text and norm(m) not in body]


def load_gold(pages_dir: Path) -> list[dict]:
    with open(pages_dir / "gold.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# --- the tools -------------------------------------------------------------------


def speechkit_tool(extractor: str | None):
    from speechkit.clean import CleanOptions, clean_file

    try:
        options = CleanOptions(html_extractor=extractor) if extractor else CleanOptions()
    except TypeError:  # a speechkit without the --html-extractor choice
        options = CleanOptions()

    def run(path: Path, html: str) -> tuple[str, str | None, str | None]:
        row, _ = clean_file(path, path.name, options)
        return row["text"] or "", row["title"], row["date"]

    return run


def trafilatura_tool(path: Path, html: str):
    import trafilatura

    text = trafilatura.extract(html) or ""
    meta = trafilatura.extract_metadata(html)
    return text, (meta.title if meta else None), (meta.date if meta else None)


def readability_tool(path: Path, html: str):
    import lxml.html
    from readability import Document

    doc = Document(html)
    summary = lxml.html.fromstring(doc.summary())
    for br in summary.iter("br", "p", "div", "li", "h1", "h2", "h3", "h4", "tr"):
        br.tail = "\n" + (br.tail or "")
    return summary.text_content(), doc.short_title(), None


def htmldate_tool(path: Path, html: str):
    from htmldate import find_date

    return "", None, find_date(html)


def _peers_available() -> dict:
    tools = {}
    try:
        import trafilatura  # noqa: F401

        tools["trafilatura"] = trafilatura_tool
    except ImportError:
        pass
    try:
        import readability  # noqa: F401

        tools["readability-lxml"] = readability_tool
    except ImportError:
        pass
    try:
        import htmldate  # noqa: F401

        tools["htmldate (date only)"] = htmldate_tool
    except ImportError:
        pass
    return tools


def speechkit_extractors() -> list[str | None]:
    try:
        from speechkit.htmlmain import EXTRACTORS

        return list(EXTRACTORS)
    except ImportError:
        return [None]


# --- scoring ---------------------------------------------------------------------


def score(tool, gold: list[dict], pages_dir: Path, text_scored: bool = True, date_scored: bool = True,
          title_scored: bool = True) -> dict:
    """Run ``tool`` on every page of ``gold``; the averaged scores plus the misses."""
    from speechkit.decode import decode_bytes

    rows, misses = [], []
    seconds = 0.0
    for entry in gold:
        path = pages_dir / entry["page"]
        html = decode_bytes(path.read_bytes())[0]
        started = time.process_time()
        try:
            text, title, date = tool(path, html)
        except Exception as exc:  # noqa: BLE001 — a peer failing on a page scores 0 there
            text, title, date = "", None, None
            misses.append(f"{entry['page']}: failed ({type(exc).__name__}: {exc})")
        seconds += time.process_time() - started
        p, r, f = prf(text, "\n".join(entry["body"]))
        left = menus_left(text, entry)
        title_ok = norm(title) == norm(entry["title"]) if entry.get("title") else None
        date_ok = (str(date or "")[:10] == entry["date"]) if entry.get("date") else None
        rows.append((p, r, f, len(left) >= MENU_LEFT_MIN, title_ok, date_ok))
        if text_scored and f < 0.95:
            misses.append(f"{entry['page']}: F1 {f:.3f} (P {p:.3f} R {r:.3f})")
        if text_scored and len(left) >= MENU_LEFT_MIN:
            misses.append(f"{entry['page']}: {len(left)} menu labels left, e.g. {left[:5]}")
        if title_scored and title_ok is False:
            misses.append(f"{entry['page']}: title {title!r} ≠ gold {entry['title']!r}")
        if date_scored and date_ok is False:
            misses.append(f"{entry['page']}: date {date!r} ≠ gold {entry['date']!r}")
    n = len(rows)

    def share(values):
        values = [v for v in values if v is not None]
        return sum(values) / len(values) if values else float("nan")

    return {
        "P": sum(r[0] for r in rows) / n, "R": sum(r[1] for r in rows) / n, "F1": sum(r[2] for r in rows) / n,
        "menus": share(r[3] for r in rows), "title": share(r[4] for r in rows), "date": share(r[5] for r in rows),
        "s/page": seconds / n, "misses": misses, "text_scored": text_scored, "title_scored": title_scored,
        "date_scored": date_scored,
    }


def table(results: dict[str, dict]) -> str:
    w = max(len(name) for name in results)
    head = f"| {'tool':<{w}} | {'P':>5} | {'R':>5} | {'F1':>5} | {'menus left':>10} | {'title':>5} | {'date':>5} | {'cpu s/page':>10} |"
    lines = [head, "|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|"]

    def cell(res, key, width, scored=True):
        return f"{'–':>{width}}" if not scored else f"{res[key]:>{width}.3f}"

    for name, res in results.items():
        t, ti, d = res["text_scored"], res["title_scored"], res["date_scored"]
        lines.append(f"| {name:<{w}} | {cell(res, 'P', 5, t)} | {cell(res, 'R', 5, t)} | {cell(res, 'F1', 5, t)} | "
                     f"{cell(res, 'menus', 10, t)} | {cell(res, 'title', 5, ti)} | {cell(res, 'date', 5, d)} | "
                     f"{res['s/page']:>10.4f} |")
    return "\n".join(lines)


def evaluate(pages_dir: Path, only: str | None = None) -> dict[str, dict]:
    """Scores of every speechkit extractor and every installed peer on ``pages_dir``."""
    gold = load_gold(pages_dir)
    results: dict[str, dict] = {}
    for extractor in speechkit_extractors():
        name = "speechkit" + (f" --html-extractor {extractor}" if extractor else "")
        results[name] = score(speechkit_tool(extractor), gold, pages_dir)
    if only != "speechkit":
        for name, tool in _peers_available().items():
            results[name] = score(tool, gold, pages_dir, text_scored=name != "htmldate (date only)",
                                  title_scored=name not in ("htmldate (date only)",),
                                  date_scored=name not in ("readability-lxml",))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, default=None, help="folder holding gold.jsonl (default: ../shared/corpus/html-pages)")
    parser.add_argument("--misses", action="store_true", help="list every page a tool misses")
    parser.add_argument("--only", default=None, help="'speechkit' to skip the peers")
    args, _ = parser.parse_known_args(argv)  # run by scripts/eval.py, argv holds the runner's own arguments
    pages_dir = args.pages or default_pages_dir()
    if pages_dir is None or not (pages_dir / "gold.jsonl").exists():
        print("html-pages gold not found (../shared/corpus/html-pages/gold.jsonl): nothing to score")
        return 0
    results = evaluate(pages_dir, args.only)
    gold = load_gold(pages_dir)
    print(f"{len(gold)} pages of {len({g['page'].split('/')[0] for g in gold})} sites in {pages_dir}; "
          f"title scored on {sum(1 for g in gold if g.get('title'))}, date on {sum(1 for g in gold if g.get('date'))}; "
          f"menus left = share of pages with ≥ {MENU_LEFT_MIN} gold menu labels left in the text")
    print(table(results))
    for name, res in results.items():
        if not name.startswith("speechkit") and not args.misses:
            continue
        if res["misses"]:
            print(f"\nmisses of {name}:")
            for miss in res["misses"]:
                print("  " + miss)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
