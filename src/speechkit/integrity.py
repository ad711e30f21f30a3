"""Do the tables of a processed folder belong to one run?

Every table a stage writes carries, in its Parquet key-value metadata, the id of the run that
wrote it (and, for the analyze tables, the run id of the documents table they were computed
from). A run killed half-way through writing, or a stage re-run without the next one, leaves
tables of different runs side by side; :func:`run_problems` names them, and the readers
(``sk.load``, ``speechkit compare``/``report``/``kwic``) refuse such a mix with that message
instead of building on it silently. Tables written before run ids existed are not judged.
"""
from __future__ import annotations

from pathlib import Path

from speechkit.io import TableUnreadable, table_run

__all__ = ["MixedRunError", "run_problems", "check_one_run"]

class MixedRunError(ValueError):
    """The tables of a processed folder were written by different runs."""


def _stage_tables(stage: str) -> tuple[str, ...]:
    """The tables of ``stage`` declared now (for analyze: built-in and registered steps'; :mod:`speechkit.tables`)."""
    from speechkit.tables import stage_tables

    return stage_tables(stage)


def _odd_ones(runs: dict[str, dict[str, str]]) -> tuple[set[str], list[str]]:
    """The run ids among ``runs`` (table → its run record) and the tables not of the most common one."""
    ids = {r["run_id"] for r in runs.values()}
    newest = max(ids, key=lambda i: sum(r["run_id"] == i for r in runs.values())) if ids else None
    return ids, sorted(n for n, r in runs.items() if r["run_id"] != newest)


def run_problems(processed_dir: Path) -> list[str]:
    """What is wrong with the tables of ``processed_dir`` as one run (empty when they belong together).

    >>> import tempfile
    >>> run_problems(tempfile.mkdtemp())
    []
    """
    directory = Path(processed_dir)
    runs: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    clean_tables, analyze_tables = _stage_tables("clean"), _stage_tables("analyze")
    for name in clean_tables + analyze_tables + ("followup",):
        path = directory / f"{name}.parquet"
        if not path.exists():
            continue
        try:
            runs[name] = table_run(path)
        except TableUnreadable as exc:
            problems.append(str(exc))
    documents = runs.get("documents", {}).get("run_id")
    cleaned = {name: r for name, r in runs.items() if name in clean_tables and r.get("run_id")}
    if documents and len({r["run_id"] for r in cleaned.values()}) > 1:
        odd = sorted(n for n, r in cleaned.items() if r["run_id"] != documents)
        problems.append(f"{' and '.join(n + '.parquet' for n in odd)} and documents.parquet were written by "
                        "different clean runs (an interrupted `speechkit clean`?)")
    analyzed = {name: r for name, r in runs.items() if name in analyze_tables and r.get("run_id")}
    ids, odd = _odd_ones(analyzed)
    if len(ids) > 1:
        problems.append(f"the analyze tables come from {len(ids)} different runs ({', '.join(odd)} differ from the "
                        "others; an interrupted `speechkit analyze`?)")
    inputs = {r.get("input_run") for r in analyzed.values() if r.get("input_run")}
    if documents and inputs and inputs != {documents}:
        problems.append("the analyze tables were computed from another version of documents.parquet "
                        "(`speechkit clean` ran again since)")
    followup = runs.get("followup", {}).get("input_run")
    if documents and followup and followup != documents:
        problems.append("followup.parquet was computed from another version of documents.parquet "
                        "(re-run `speechkit followup`)")
    return problems


def check_one_run(processed_dir: Path) -> None:
    """Raise :class:`MixedRunError` naming the folder, the problems and the fix, unless the tables are one run."""
    problems = run_problems(processed_dir)
    if problems:
        raise MixedRunError(f"{processed_dir}: the tables do not belong to one run: " + "; ".join(problems)
                            + ". Re-run the stages (`speechkit run`, or `speechkit clean` then `speechkit analyze`).")
