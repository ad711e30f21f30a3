#!/usr/bin/env python
"""Memory of one huge document: `speechkit clean` + `speechkit analyze` on a folder holding a single
text of SIZE MB, each run in a child process, its peak RSS read from ``resource.getrusage``.

    python scripts/bench_bigdoc.py --mb 150            # the 150 MB case of issue 15
    python scripts/bench_bigdoc.py --mb 40 --keep /tmp/big

The text is the shared corpus's government work reports (../shared/corpus, or data/raw without it)
concatenated and repeated up to SIZE MB, one document. Prints, per stage: seconds, peak RSS (MB) and,
for analyze, the size of its cache entries (MB) — a document above the chunk threshold is analysed in
chunks (speechkit/chunked.py) and its entry is skipped. Not a test: nothing asserts; exits 0 when it ran.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SPEECHKIT_CORPUS") or REPO.parent / "shared" / "corpus")


def build_text(path: Path, megabytes: float) -> int:
    """Write one UTF-8 text of about ``megabytes`` MB made of the corpus's reports, repeated; its size in bytes."""
    roots = [SHARED / sub for sub in ("city-reports-2024", "province-reports-2025", "national-reports")]
    files = sorted(p for root in roots if root.exists() for p in root.glob("*.txt"))
    if not files:
        files = sorted((REPO / "data" / "raw").rglob("*.txt"))
    block = "\n\n".join(p.read_text(encoding="utf-8", errors="replace").strip() for p in files).encode("utf-8")
    goal = int(megabytes * 1_000_000)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with open(path, "wb") as fh:
        while written < goal:
            piece = block[: goal - written]
            cut = piece.rfind(b"\n") if len(piece) < len(block) else len(piece)
            piece = piece[: max(cut, 0)] + b"\n\n"
            fh.write(piece)
            written += len(piece)
    return written


def _mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6 if path.exists() else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=150.0, help="size of the one document (MB of UTF-8)")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="sk-bigdoc-"))
    raw, out = work / "raw", work / "out"
    shutil.rmtree(out, ignore_errors=True)
    size = build_text(raw / "big.txt", args.mb)
    sk = [sys.executable, "-c", "from speechkit.cli import main; main()"]
    print(f"one document of {size / 1e6:.1f} MB in {raw}")
    print(f"{'stage':<9} {'seconds':>8} {'peak RSS MB':>12} {'cache MB':>9}  exit")
    # each stage in its own child, so that ru_maxrss of RUSAGE_CHILDREN is that stage's peak
    for stage, cmd in (("clean", [*sk, "clean", str(raw), "--out", str(out), "--jobs", str(args.jobs)]),
                       ("analyze", [*sk, "analyze", str(out), "--jobs", str(args.jobs)])):
        probe = [sys.executable, "-c",
                 "import resource, subprocess, sys; rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode; "
                 "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(rc)", *cmd]
        t = time.perf_counter()
        done = subprocess.run(probe, capture_output=True, text=True)
        seconds = time.perf_counter() - t
        peak = int(done.stdout.strip().splitlines()[-1]) / 1024 if done.stdout.strip() else float("nan")
        cache = _mb(out / ".cache" / stage) if stage == "analyze" else _mb(out / ".cache" / "clean")
        print(f"{stage:<9} {seconds:>8.1f} {peak:>12.0f} {cache:>9.1f}  {done.returncode}")
        if done.returncode:
            print(done.stderr[-2000:], file=sys.stderr)
            break
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
