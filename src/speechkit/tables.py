"""Every table speechkit writes — its name, the stage that writes it and its columns — in one place.

Each stage module declares the tables it writes next to the code that fills them
(``clean.DOCUMENT_COLUMNS``/``REMOVAL_COLUMNS``, the steps' ``writes`` collected by
``analyze.streamed_schemas`` and ``analyze.CORPUS_TABLE_COLUMNS``, ``followup.FOLLOWUP_COLUMNS``);
this registry collects those declarations, and everything else reads the contract from here: the
API's tables and empty tables (:func:`speechkit.api.empty_table`), the run-integrity check
(:mod:`speechkit.integrity`), and the test that holds ``docs/tables.md`` to it (tests/test_tables.py).
A new table or column is declared once, in its stage module — or in a registered step
(:func:`speechkit.steps.register`), read at call time — and shows up everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["TableSpec", "declared", "columns", "stage_tables"]


@dataclass(frozen=True)
class TableSpec:
    """One output table: ``name``.parquet, written by ``stage``, with ``columns`` in order."""

    name: str
    stage: str
    columns: tuple[str, ...]


_LAST: tuple[Any, dict[str, TableSpec]] | None = None  # (the registered steps, what they declared)


def declared() -> dict[str, TableSpec]:
    """Every table, in pipeline order (clean, analyze, followup); the analyze tables are those of the
    steps registered now (built-in first), so a registered step's table is declared while it is
    registered, and no longer once it is unregistered.

    >>> list(declared())[:3], declared()["removals"].columns
    (['documents', 'removals', 'files'], ('doc_id', 'rule', 'start', 'end', 'text'))
    """
    global _LAST
    from speechkit import analyze, clean, followup, steps

    chain = steps.registered()
    if _LAST is not None and _LAST[0] == chain:
        return dict(_LAST[1])
    specs = [TableSpec("documents", "clean", tuple(clean.DOCUMENT_COLUMNS)),
             TableSpec("removals", "clean", tuple(clean.REMOVAL_COLUMNS)),
             TableSpec("files", "clean", tuple(clean.FILE_COLUMNS))]  # formats: every file read or skipped
    schemas = analyze.streamed_schemas(chain)
    for name in analyze.analyze_tables(chain):
        if name in schemas:
            cols = tuple(schemas[name].names)
        else:
            cols = tuple(analyze.CORPUS_TABLE_COLUMNS[name])
        specs.append(TableSpec(name, "analyze", cols))
    specs.append(TableSpec("followup", "followup", tuple(followup.FOLLOWUP_COLUMNS)))
    order = {"documents": 0, "removals": 1, "files": 2}
    specs.sort(key=lambda s: (("clean", "analyze", "followup").index(s.stage), order.get(s.name, 2)))
    result = {s.name: s for s in specs}
    _LAST = (chain, result)
    return dict(result)


def columns() -> dict[str, tuple[str, ...]]:
    """Table name → its columns (what ``api.TABLE_COLUMNS`` is)."""
    return {name: spec.columns for name, spec in declared().items()}


def stage_tables(stage: str) -> tuple[str, ...]:
    """The tables one stage writes (``"clean"``, ``"analyze"``, ``"followup"``)."""
    return tuple(name for name, spec in declared().items() if spec.stage == stage)
