#!/usr/bin/env python
"""Where the time goes: every stage of speechkit timed on its own, in one process, on the same text.

Part of `make bench` (and runnable alone: `python scripts/bench_stages.py`). Over the text corpora
of ../shared/corpus (or data/raw without it) it times, single process, with the same code the
pipeline runs:

  clean     decode + HTML (read_raw), boilerplate + guard, metadata — per file
  analyze   sentence split, segmentation, themes, outline, targets (+ indicator_key), TextRank
  pipeline  the whole per-document analysis as a worker runs it (analyze_document + its cache entry's
            tables), in one process, then in each of two processes working at once (how much a process
            slows when both cores work: the cold pipeline's scaling)
  corpus    the corpus cache's key (digest of the documents × terms matrix), TF-IDF keywords, NMF topics
  report    `speechkit report --by province` over the 143 city reports (charts, HTML, workbook; 2 jobs),
            beside the clean + analyze of those reports (2 jobs): the CLI commands, each a fresh process,
            wall and CPU (user + sys incl. worker processes), font cache cold

and prints seconds and MB/s per stage (MB of cleaned text for the analyze steps). Not a test:
nothing asserts. The sum of the per-document rows is what one core does; the cold pipeline spreads
them over the cores.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpus"


def _files() -> list[Path]:
    from speechkit.clean import RAW_SUFFIXES

    root = SHARED if SHARED.exists() else REPO / "data" / "raw"
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in RAW_SUFFIXES
                  and not p.name.lower().startswith("readme"))


class _Clock:
    def __init__(self, cpu: bool = False):
        self.seconds: dict[str, float] = {}
        # CPU seconds of this process (--cpu): what a stage costs, whatever else runs on the machine
        self.now = time.process_time if cpu else time.perf_counter

    def time(self, name: str, fn, *args, **kwargs):
        t = self.now()
        out = fn(*args, **kwargs)
        self.seconds[name] = self.seconds.get(name, 0.0) + self.now() - t
        return out


def _cpu() -> float:
    """CPU seconds (user + system) of this process and of its finished worker processes."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _analyze_all(texts: list[tuple[str, str, int | None]], tools) -> None:
    """Every document through :func:`speechkit.analyze.analyze_document` and into a cache entry's tables."""
    from speechkit.analyze import _CachedAnalysis, analyze_document, streamed_schemas

    schemas = streamed_schemas(tools.steps)
    for doc_id, text, year in texts:
        _CachedAnalysis.of(analyze_document(doc_id, text, tools, year), schemas)


def _at_once(fn, n: int, now=time.perf_counter) -> list[float]:
    """Seconds of ``fn()`` by the clock ``now`` (wall, or ``time.process_time``: each child's CPU) in each
    of ``n`` forked processes started together (empty where processes cannot be forked)."""
    import multiprocessing as mp

    if "fork" not in mp.get_all_start_methods():
        return []
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(n)
    pipes = [ctx.Pipe(duplex=False) for _ in range(n)]

    def child(conn) -> None:
        barrier.wait()
        t = now()
        fn()
        conn.send(now() - t)

    procs = [ctx.Process(target=child, args=(w,)) for _, w in pipes]
    for proc in procs:
        proc.start()
    seconds = [r.recv() for r, _ in pipes]
    for proc in procs:
        proc.join()
    return seconds


def breakdown(files: list[Path] | None = None, report: bool = True, cpu: bool = False) -> dict:
    """Seconds per stage (see the module docstring) and the MB they were measured on; ``cpu``: CPU
    seconds of the process instead of wall-clock seconds."""
    from speechkit.analyze import AnalysisTools, AnalyzeOptions
    from speechkit.boilerplate import load_rules
    from speechkit.clean import clean_file
    from speechkit.decode import read_raw
    from speechkit.indicators import indicator_key
    from speechkit.keywords import CorpusCounts, term_counts, textrank_table, tfidf_keywords
    from speechkit.metadata import extract_metadata
    from speechkit.outline import parse_outline
    from speechkit.segment import split_sentences
    from speechkit.targets import extract_targets
    from speechkit.topics import fit_topics

    files = files if files is not None else _files()
    clock = _Clock(cpu)
    rules = load_rules()
    tools = AnalysisTools(AnalyzeOptions())
    raw_mb = sum(p.stat().st_size for p in files) / 1e6
    extract_metadata("同志们：", "同志们：", {}, "杭州")  # gazetteer loaded outside the clock
    texts: list[tuple[str, str, int | None]] = []
    for i, path in enumerate(files):
        rel = path.name
        clock.time("clean: decode + HTML (read_raw)", read_raw, path)
        row, _ = clock.time("clean: whole file (clean_file)", clean_file, path, rel, rules=rules)
        if row["status"] == "ok":
            texts.append((f"d{i}", row["text"], row["year"]))
    text_mb = sum(len(t.encode("utf-8")) for _, t, _ in texts) / 1e6
    counts = {}
    for doc_id, text, year in texts:
        sentences = clock.time("analyze: sentence split", split_sentences, text)
        raw_tokens = clock.time("analyze: segmentation", tools.segmenter.cut_many, [s for _, _, s in sentences])
        clock.time("analyze: themes", tools.matcher.document_sentence_terms, text, sentences, raw_tokens)
        content = clock.time("analyze: content tokens", lambda: [t for toks in raw_tokens for t in tools.segmenter.content_of(toks)])
        clock.time("analyze: outline", parse_outline, text)
        found = clock.time("analyze: targets", extract_targets, text, year=year)
        clock.time("analyze: indicator_key", lambda: [indicator_key(indicator=t.indicator, sentence=t.sentence, value=t.value,
                                                                    unit=t.unit, indicators=tools.indicators) for t in found])
        clock.time("analyze: TextRank", textrank_table, doc_id, content, 20)
        counts[doc_id] = term_counts(content)
    # the whole per-document analysis as a worker runs it (every step, its tables, its cache entry): what
    # the stage rows above leave out (tables, Arrow conversion, the steps' bookkeeping) is the difference
    analyze_all = functools.partial(_analyze_all, texts, tools)
    clock.time("pipeline: analyze_document + cache entry, one process", analyze_all)
    per_process = _at_once(analyze_all, 2, clock.now) if (os.cpu_count() or 1) >= 2 else []
    if per_process:  # the same in two processes at once: how much each slows when both cores work
        clock.seconds["pipeline: the same, 2 processes at once (each)"] = sum(per_process) / len(per_process)
    # as the analyze stage hands them over: one columnar CorpusCounts, sorted, its digest the corpus cache's key
    # (the three steps share the documents × terms matrix it memoises)
    corpus = CorpusCounts.from_mapping(dict(sorted(counts.items()))).sorted()
    clock.time("corpus: digest (cache key)", corpus.digest)
    clock.time("corpus: TF-IDF keywords", tfidf_keywords, corpus, 20)
    clock.time("corpus: NMF topics", fit_topics, corpus, None)
    result = {"files": len(files), "raw_mb": round(raw_mb, 2), "text_mb": round(text_mb, 2), "seconds": clock.seconds,
              "cpu": cpu}
    if report:
        # as issue 16 measures it: the commands, each a fresh process (`speechkit clean … -j 2 && speechkit
        # analyze … -j 2`, then `speechkit report … --by province`), wall and user + sys of them and their workers
        import subprocess

        cli = [sys.executable, "-m", "speechkit.cli"]
        with tempfile.TemporaryDirectory() as tmp:
            root = files[0].parents[1] if SHARED.exists() else REPO / "data" / "raw"
            city = SHARED / "city-reports-2024" if SHARED.exists() else root
            out = Path(tmp) / "out"
            env = dict(os.environ, SPEECHKIT_CACHE_DIR=str(Path(tmp) / "cache"))  # cold: no font subset cached

            def run(*args: str) -> None:
                subprocess.run([*cli, *args], check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

            t, cpu = time.perf_counter(), _cpu()
            run("clean", str(city), "-o", str(out), "-j", "2")
            run("analyze", str(out), "-j", "2")
            result["report_corpus_analysis_s"] = time.perf_counter() - t
            result["report_corpus_analysis_cpu_s"] = _cpu() - cpu
            t, cpu = time.perf_counter(), _cpu()
            run("report", str(out), "--by", "province", "-j", "2", "-o", str(out / "report"))
            result["report_s"] = time.perf_counter() - t
            result["report_cpu_s"] = _cpu() - cpu
    return result


def print_table(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"speechkit per-stage breakdown — {result['files']} files, {result['raw_mb']} MB raw, "
                        f"{result['text_mb']} MB clean text, one process" + (", CPU seconds" if result.get("cpu") else ""))
    for col in ("stage", "seconds", "MB/s"):
        table.add_column(col, justify="left" if col == "stage" else "right")
    def row(name: str, seconds: float) -> None:
        mb = result["raw_mb"] if name.startswith("clean") else result["text_mb"]
        table.add_row(name, f"{seconds:.2f}", f"{mb / seconds:.1f}" if seconds else "")

    for name, seconds in result["seconds"].items():
        if not name.startswith("pipeline"):
            row(name, seconds)
    per_doc = sum(s for n, s in result["seconds"].items() if n.startswith("analyze"))
    row("analyze: all per-document steps (sum of the rows)", per_doc)
    for name, seconds in result["seconds"].items():
        if name.startswith("pipeline"):
            row(name, seconds)
    if "report_s" in result:
        table.add_row("report --by province, 143 city reports, 2 jobs (wall; CPU)",
                      f"{result['report_s']:.2f}; {result['report_cpu_s']:.1f}", "")
        table.add_row("  (clean + analyze of those reports, 2 jobs (wall; CPU))",
                      f"{result['report_corpus_analysis_s']:.2f}; {result['report_corpus_analysis_cpu_s']:.1f}", "")
    Console().print(table)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-report", action="store_true", help="skip the report timing")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    ap.add_argument("--cpu", action="store_true", help="CPU seconds of the process instead of wall-clock seconds")
    args = ap.parse_args()
    result = breakdown(report=not args.no_report, cpu=args.cpu)
    print_table(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    main()
