"""Do the boilerplate rules cut speech? (issue 11: rules never cut speech.)

Each page is cleaned as the pipeline cleans it (``clean.clean_file``; for the guard's kept
candidates ``clean.explain_file``). Printed, per corpus of ../shared/corpus:

* clean corpora (city-reports-2024, province-reports-2025, national-reports: government work
  reports with almost no chrome): removals, and the removals that hold speech — an outline
  heading (一、 （七） 第三，) or a body sentence (a clause comma between Chinese words in a line of
  ≥ 10 of them), judged by patterns written here, independently of data/speech_guard.toml —
  listed; and the candidate cuts the speech guard kept, by reason;
* seeds: chrome that survived (the kinds tests/test_clean.py checks) and removals with speech;
* html-pages: the rule removals (not the DOM chrome cuts html_*) whose text is a line of the
  gold article body, and the candidates the guard kept, split into article text (right to
  keep) and not (chrome left).

No peer tool audits its cuts, so only speechkit is scored. ``python scripts/eval_rules.py``;
exits 0 when it ran (``make eval``).
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
CORPUS = ROOT.parent / "shared" / "corpus"
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus")

# an outline heading opening a line: 一、 （七） 第三，
OUTLINE = re.compile(r"^[ \t\u3000]*(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]|第[一二三四五六七八九十]{1,3}[，,、])", re.M)
# a body sentence: a clause comma between Chinese words, in a line of at least ten of them
COMMA = re.compile(r"[\u4e00-\u9fff”）][，；][\u4e00-\u9fff“（]")
CJK = re.compile(r"[\u4e00-\u9fff]")

CHROME = [r"评论\d", r"省略\d+字", r"全文共\d+字", r"当前只显示", r"当前位置", r"首页 >", r"上一篇", r"下一篇", r"相关栏目",
          r"欢迎访问", r"版权所有", r"Copyright", r"许可证", r"举报电话", r"喜欢就分享吧", r"标题:", r"链接地址", r"来源:",
          r"编辑:", r"阅读数", r"关于我们", r"\d/8", r"^\|", r"\|$", r"所有资源均是用户", r"记者 李"]


def speech_in(cut: str) -> str | None:
    """What in a removed text is speech (an outline heading or a body sentence), or None."""
    for line in cut.split("\n"):
        if OUTLINE.search(line):
            return "outline heading"
        if COMMA.search(line) and len(CJK.findall(line)) >= 10:
            return "body sentence"
    return None


def norm(s: str) -> str:
    return re.sub(r"\s+", "", s)


def main() -> int:
    from speechkit.boilerplate import load_rules
    from speechkit.clean import clean_file, explain_file

    if not CORPUS.is_dir():
        print(f"shared corpus not found at {CORPUS}: nothing to score")
        return 0
    rules = load_rules()
    print(f"{'corpus':<24}{'docs':>6}{'cuts':>7}{'speech cut':>12}{'kept by guard':>15}  kept, by reason")
    listing = []
    for sub in ("city-reports-2024", "province-reports-2025", "national-reports", "seeds"):
        folder = CORPUS / sub
        if not folder.is_dir():
            continue
        docs = cuts = 0
        speech, reasons, survived = [], Counter(), []
        for path in sorted(folder.glob("*.txt")):
            row, removals = clean_file(path, path.name, rules=rules)
            docs += 1
            for r in removals:
                if r["rule"] == "whitespace":
                    continue
                cuts += 1
                why = speech_in(r["text"])
                # a seed's 范文 share blurb sits on the summary line it ends: chrome by the seeds' own test
                if why and not (sub == "seeds" and r["rule"] in ("share_blurb", "paywall_truncated", "paywall_omitted")):
                    speech.append((path.name, r["rule"], why, r["text"].strip()[:50]))
            for kept in explain_file(path)["kept"]:
                reasons[f"{kept['rule']}: {kept['reason']}"] += 1
            if sub == "seeds":
                survived += [(path.name, p) for p in CHROME if re.search(p, row["text"], re.M)]
        kept_total = sum(reasons.values())
        top = "; ".join(f"{k} ×{v}" for k, v in reasons.most_common(3))
        print(f"{sub:<24}{docs:>6}{cuts:>7}{len(speech):>12}{kept_total:>15}  {top}")
        if sub == "seeds":
            print(f"{'':<24}chrome kinds surviving on the seeds: {len(survived)}")
        listing += [f"  {sub}/{p}: {rule} cut {why}: {t}" for p, rule, why, t in speech]
    if listing:
        print("removals holding speech:")
        print("\n".join(listing))

    gold_path = CORPUS / "html-pages" / "gold.jsonl"
    if gold_path.exists():
        cut_body, cut_other, kept_body, kept_other, examples = 0, 0, 0, 0, []
        for line in gold_path.read_text(encoding="utf-8").splitlines():
            gold = json.loads(line)
            body = {norm(b) for b in gold["body"] if len(norm(b)) >= 6}
            page = CORPUS / "html-pages" / gold["page"]
            info = explain_file(page)
            for entry in info["rules"]:
                if entry["rule"] == "whitespace" or entry["rule"].startswith("html_"):
                    continue
                for sample in entry["samples"]:
                    pieces = [norm(p) for p in sample["text"].split("⏎") if len(norm(p)) >= 6]
                    if any(p in body for p in pieces):
                        cut_body += 1
                        examples.append(f"  {gold['page']}: {entry['rule']} cut article text: {sample['text'][:50]}")
                    else:
                        cut_other += 1
            for kept in info["kept"]:
                pieces = [norm(p) for p in kept["text"].split("⏎") if len(norm(p)) >= 6]
                if any(p in body for p in pieces):
                    kept_body += 1
                else:
                    kept_other += 1
        print(f"\nhtml-pages (rule cuts, after the DOM chrome cuts): {cut_body + cut_other} cuts, "
              f"{cut_body} of them article text; the guard kept {kept_body + kept_other} candidates: "
              f"{kept_body} article text, {kept_other} not in the article")
        if examples:
            print("\n".join(examples[:20]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
