#!/usr/bin/env python
"""`make bench`: speed and memory of speechkit on a large corpus.

Builds a corpus of at least 50 MB by repeating ../shared/corpus (or data/raw when
the shared corpus is absent), then measures on the same text:

  (a) baseline  a bare single-process loop of jieba.lcut over every document
  (b) cold      `speechkit clean` + `speechkit analyze`, empty output folder
  (c) warm      the same two commands again (cache)
  (d) peak RSS  of (b), summed over the process tree, sampled every 0.5 s, and the peak PSS beside it
                (summed RSS counts a page a forked worker shares with its parent once per process;
                PSS counts it once, split among them: the memory the tree really holds)
  (e) +5 pages  the two commands after 5 pages never seen before are added to the raw folder (5 pages
                of the corpus, each with a paragraph of its own appended, so neither a document's cache
                entry nor the corpus-level cache can serve them): only the new pages are new work, and
                the corpus-level steps (TF-IDF, NMF) are refitted; the ratio e/b says how cheap that is
  (e') back     5 pages of the corpus taken out (that run is not timed) and put back: every document
                and the corpus as a whole were seen before (both caches serve them)

plus the cold run on half the corpus (RSS growth), `speechkit --help` start-up, and the per-stage
breakdown of scripts/bench_stages.py (seconds and MB/s of every clean/analyze step in one process,
the corpus-level steps and the report).
Prints a table and writes data/processed/bench.json.  Not a test: nothing asserts.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpus"
BIN = Path(sys.executable).parent


def source_files() -> tuple[Path, list[Path]]:
    from speechkit.clean import RAW_SUFFIXES

    root = SHARED if SHARED.exists() else REPO / "data" / "raw"
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in RAW_SUFFIXES and p.name != "README.md")
    return root, files


def build_corpus(dest: Path, target_mb: float) -> float:
    """Copy the source files into dest/repNNN/ until the corpus holds target_mb megabytes."""
    root, files = source_files()
    if dest.exists():
        shutil.rmtree(dest)
    total, rep = 0, 0
    while total < target_mb * 1e6:
        for f in files:
            out = dest / f"rep{rep:03d}" / f.relative_to(root)
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, out)
            total += f.stat().st_size
        rep += 1
    return total / 1e6


def read_texts(corpus: Path) -> list[str]:
    from speechkit.clean import RAW_SUFFIXES
    from speechkit.decode import DecodeError, read_raw

    texts = []
    for p in sorted(corpus.rglob("*")):
        if p.is_file() and p.suffix.lower() in RAW_SUFFIXES:
            try:
                texts.append(read_raw(p).text)
            except DecodeError:
                pass
    return texts


def baseline(corpus: Path) -> dict:
    import jieba

    texts = read_texts(corpus)
    t = time.perf_counter()
    jieba.initialize()
    load = time.perf_counter() - t
    t = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    return {"baseline_s": time.perf_counter() - t, "baseline_dict_load_s": load}


def _tree_rss_kb(pid: int, field: str = "rss") -> int:
    """RSS of pid and all its descendants (Linux /proc), or their PSS (``field="pss"``).

    Summed RSS counts a page shared by a forked worker and its parent once per process, so it
    overstates what a run of several processes holds; PSS shares each page out among the processes
    that map it, so the tree's PSS is the memory it really takes."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
        except (OSError, IndexError, ValueError):
            pass
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += _proc_kb(p, field)
        stack.extend(children.get(p, []))
    return total


def _proc_kb(pid: int, field: str) -> int:
    """One process's ``VmRSS`` (/proc/PID/status) or ``Pss`` (/proc/PID/smaps_rollup), in kB; 0 when gone."""
    path, key = (f"/proc/{pid}/status", "VmRSS:") if field == "rss" else (f"/proc/{pid}/smaps_rollup", "Pss:")
    try:
        with open(path) as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


#: peak PSS (MB) of the last :func:`run_measured`, sampled with the RSS
LAST_PEAK_PSS_MB = 0.0


def run_measured(cmds: list[list[str]]) -> tuple[float, float]:
    """Run commands one after another; return (seconds, peak tree RSS in MB); the peak tree PSS is
    left in :data:`LAST_PEAK_PSS_MB`."""
    global LAST_PEAK_PSS_MB
    peak = peak_pss = 0
    start = time.perf_counter()
    for cmd in cmds:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        stop = threading.Event()

        def poll():
            nonlocal peak
            nonlocal peak_pss
            while not stop.is_set():
                peak = max(peak, _tree_rss_kb(proc.pid))
                peak_pss = max(peak_pss, _tree_rss_kb(proc.pid, "pss"))
                stop.wait(0.5)

        th = threading.Thread(target=poll, daemon=True)
        th.start()
        _, err = proc.communicate()
        stop.set()
        th.join()
        if proc.returncode != 0:
            sys.stderr.write(err.decode("utf-8", "replace"))
            raise SystemExit(f"benchmark command failed: {' '.join(cmd)}")
    LAST_PEAK_PSS_MB = peak_pss / 1024
    return time.perf_counter() - start, peak / 1024


def hold_back(corpus: Path, holding: Path, n: int = 5) -> list[tuple[Path, Path]]:
    """Move the last ``n`` text pages of the corpus's last repetition out to ``holding``; returns
    ``(where it was, where it is)`` pairs so that :func:`add_back` can copy them in again."""
    from speechkit.clean import RAW_SUFFIXES

    last = sorted(p for p in corpus.iterdir() if p.is_dir())[-1]
    pages = sorted(p for p in last.rglob("*") if p.is_file() and p.suffix.lower() in RAW_SUFFIXES)[-n:]
    shutil.rmtree(holding, ignore_errors=True)
    moved = []
    for i, page in enumerate(pages):
        dest = holding / f"{i}{page.suffix}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(page, dest)
        moved.append((page, dest))
    return moved


def add_back(moved: list[tuple[Path, Path]]) -> None:
    """Copy the held-back pages into the corpus again (new files with a fresh mtime)."""
    for page, held in moved:
        shutil.copyfile(held, page)


def add_new_pages(corpus: Path, n: int = 5) -> list[Path]:
    """Write ``n`` pages no run has seen into ``corpus/new-pages/``: copies of the first text pages
    of the corpus, each with a closing paragraph of its own (new content, so new cache keys)."""
    from speechkit.decode import read_raw

    first = sorted(p for p in corpus.rglob("*.txt") if p.is_file())[:n]
    folder = corpus / "new-pages"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for i, page in enumerate(first):
        text = read_raw(page).text
        dest = folder / f"new-{i}.txt"
        dest.write_text(f"{text}\n\n会后，第{i + 1}组的同志们结合本地实际，逐条研究了落实措施和时间安排。\n", encoding="utf-8")
        written.append(dest)
    return written


def pipeline(corpus: Path, out: Path, segmenter: str | None) -> list[list[str]]:
    sk = str(BIN / "speechkit")
    analyze = [sk, "analyze", str(out)] + (["--segmenter", segmenter] if segmenter else [])
    return [[sk, "clean", str(corpus), "--out", str(out)], analyze]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=50.0, help="corpus size in MB (default 50)")
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "speechkit-bench")
    ap.add_argument("--segmenter", default=None, help="passed to `speechkit analyze --segmenter`")
    ap.add_argument("--no-half", action="store_true", help="skip the half-size run (RSS growth)")
    ap.add_argument("--no-stages", action="store_true", help="skip the per-stage breakdown (scripts/bench_stages.py)")
    args = ap.parse_args()

    results: dict = {"segmenter": args.segmenter or "default", "cores": os.cpu_count()}
    big = args.work / "corpus"
    results["corpus_mb"] = round(build_corpus(big, args.mb), 2)
    results.update(baseline(big))

    out = args.work / "out"
    shutil.rmtree(out, ignore_errors=True)
    def measure(name: str, rss_key: str, corpus: Path = big, into: Path = out) -> None:
        results[f"{name}_s"], results[rss_key] = run_measured(pipeline(corpus, into, args.segmenter))
        results[rss_key.replace("rss", "pss")] = LAST_PEAK_PSS_MB

    measure("cold", "peak_rss_mb")
    measure("warm", "warm_peak_rss_mb")
    # (e') 5 pages out (not timed) and back: both caches serve them
    moved = hold_back(big, args.work / "held")
    run_measured(pipeline(big, out, args.segmenter))
    add_back(moved)
    measure("back5", "back5_peak_rss_mb")
    # (e) 5 pages never seen before
    new_pages = add_new_pages(big)
    measure("add5", "add5_peak_rss_mb")
    for page in new_pages:
        page.unlink()

    if not args.no_half:
        half = args.work / "corpus_half"
        results["half_corpus_mb"] = round(build_corpus(half, args.mb / 2), 2)
        out_half = args.work / "out_half"
        shutil.rmtree(out_half, ignore_errors=True)
        measure("half_cold", "half_peak_rss_mb", half, out_half)
        shutil.rmtree(half, ignore_errors=True)

    t = time.perf_counter()
    subprocess.run([str(BIN / "speechkit"), "--help"], stdout=subprocess.DEVNULL, check=True)
    results["help_s"] = time.perf_counter() - t

    mb = results["corpus_mb"]
    results["ratio_cold_vs_baseline"] = results["cold_s"] / results["baseline_s"]
    results["ratio_warm_vs_cold"] = results["warm_s"] / results["cold_s"]
    results["ratio_add5_vs_cold"] = results["add5_s"] / results["cold_s"]
    results = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in results.items()}

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"speechkit bench — {mb} MB, {os.cpu_count()} cores, segmenter {results['segmenter']}")
    for col in ("run", "seconds", "MB/s", "peak RSS MB", "peak PSS MB"):
        table.add_column(col, justify="right" if col != "run" else "left")
    table.add_row("(a) jieba.lcut loop, 1 process", f"{results['baseline_s']:.1f}", f"{mb / results['baseline_s']:.2f}", "")
    table.add_row("(b) clean + analyze, cold", f"{results['cold_s']:.1f}", f"{mb / results['cold_s']:.2f}", f"{results['peak_rss_mb']:.0f}", f"{results['peak_pss_mb']:.0f}")
    table.add_row("(c) clean + analyze, warm", f"{results['warm_s']:.1f}", f"{mb / results['warm_s']:.2f}", f"{results['warm_peak_rss_mb']:.0f}", f"{results['warm_peak_pss_mb']:.0f}")
    table.add_row("(e) clean + analyze, 5 new pages added", f"{results['add5_s']:.1f}", "", f"{results['add5_peak_rss_mb']:.0f}", f"{results['add5_peak_pss_mb']:.0f}")
    table.add_row("(e') 5 known pages out and back", f"{results['back5_s']:.1f}", "", f"{results['back5_peak_rss_mb']:.0f}", f"{results['back5_peak_pss_mb']:.0f}")
    if "half_cold_s" in results:
        table.add_row(f"cold on {results['half_corpus_mb']} MB", f"{results['half_cold_s']:.1f}",
                      f"{results['half_corpus_mb'] / results['half_cold_s']:.2f}", f"{results['half_peak_rss_mb']:.0f}", f"{results['half_peak_pss_mb']:.0f}")
    table.add_row("speechkit --help", f"{results['help_s']:.2f}", "", "")
    table.add_row("ratio b/a (target ≤ 0.25)", f"{results['ratio_cold_vs_baseline']:.2f}", "", "")
    table.add_row("ratio c/b (target ≤ 0.05)", f"{results['ratio_warm_vs_cold']:.3f}", "", "")
    table.add_row("ratio e/b (target ≤ 0.10)", f"{results['ratio_add5_vs_cold']:.3f}", "", "")
    Console().print(table)
    if not args.no_stages:  # where the time goes, stage by stage, in one process (same run, same machine)
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench_stages import breakdown, print_table

        stages = breakdown()
        print_table(stages)
        results["stages"] = stages
    target = REPO / "data" / "processed" / "bench.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, target)
    print(f"wrote {target}")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    main()
