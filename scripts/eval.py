"""`make eval`: run every evaluation harness (scripts/eval_*.py) in one process run, in name order.

Each harness scores one gold set (tests/gold/, ../shared/corpus/html-pages/gold.jsonl …) and
prints its table, with the peers (trafilatura, readability-lxml, htmldate …) beside speechkit
where they apply. The exit code is non-zero when a harness fails to run.
"""
from __future__ import annotations

import runpy
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    wanted = set(argv)
    failed = []
    for script in sorted(HERE.glob("eval_*.py")):
        name = script.stem.removeprefix("eval_")
        if wanted and name not in wanted:
            continue
        print(f"\n=== eval {name} ({script.name}) ===", flush=True)
        started = time.perf_counter()
        try:
            runpy.run_path(str(script), run_name="__main__")
        except SystemExit as exc:
            if exc.code not in (0, None):
                failed.append(name)
        except Exception as exc:  # a broken harness must not hide the others
            print(f"eval {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            failed.append(name)
        print(f"--- {name}: {time.perf_counter() - started:.1f} s", flush=True)
    if failed:
        print(f"\nfailed harnesses: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
