"""Per-document analyses as declared steps: what each reads, what it provides, which tables it writes.

The analyze stage runs, for every cleaned document, a chain of **steps**. A :class:`Step` declares

* ``reads`` — the values of the document it needs: ``doc_id``, ``text`` and ``year`` are always
  there; anything else must be *provided* by an earlier step (``sentences``, ``raw_tokens``,
  ``tokens``, ``sentence_hits`` …);
* ``provides`` — the values it hands to later steps;
* ``writes`` — the tables it fills, with their Arrow schema (the contract of
  ``analyze.TABLE_SCHEMAS`` and docs/tables.md);
* ``data_files`` — the bundled data files (under ``speechkit/data/``) its output depends on: they
  are part of the analyze cache key automatically (:func:`data_fingerprint`);
* ``run`` — a function of the :class:`Doc` that returns a dict with one entry per written table
  (columns as a dict of lists, an Arrow table, or a list of row dicts — a ``doc_id`` column may be
  left out and is filled in) and hands its provided values on with :meth:`Doc.provide`.

:func:`ordered` puts steps in dependency order (a step that reads what no step provides, or two
steps writing one table, is an error naming them) and :func:`run_steps` runs them on one document.
The built-in steps live one per module in this package (``sentences``, ``themes``, ``outline``,
``targets``, ``textrank``); a new analysis is one more module that declares a ``Step`` and calls
:func:`register` (the one registration line) — :func:`speechkit.analyze.analyze_document` then
runs it and returns its rows, with no edit to analyze.py. README, "Adding an analysis".
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any, Callable, Iterable, Mapping

import pyarrow as pa

__all__ = ["Doc", "Step", "StepError", "BUILTIN", "register", "unregister", "registered", "ordered", "run_steps",
           "schemas", "data_fingerprint", "to_table"]

#: what every document has before any step runs
GIVEN = ("doc_id", "text", "year", "tools")


class StepError(ValueError):
    """A chain of steps that cannot run: a missing input, a cycle, two writers of one table."""


@dataclass
class Doc:
    """One document as the steps see it: its id, text and year, the analysis tools of the process
    (segmenter, theme matcher, indicators, options), and the values earlier steps provided.

    >>> doc = Doc("d1", "开展两癌筛查。", None, tools=None)
    >>> doc["text"], "sentences" in doc
    ('开展两癌筛查。', False)
    """

    doc_id: str
    text: str
    year: int | None
    tools: Any = None
    values: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        if name in GIVEN:
            return getattr(self, name)
        try:
            return self.values[name]
        except KeyError:
            raise KeyError(f"document {self.doc_id!r}: no step provided {name!r}") from None

    def __contains__(self, name: str) -> bool:
        return name in GIVEN or name in self.values

    def provide(self, **values: Any) -> None:
        """Hand values on to the steps that run later (each must be declared in ``provides``)."""
        self.values.update(values)


@dataclass(frozen=True)
class Step:
    """One per-document analysis (see the module docstring).

    >>> s = Step("chars", run=lambda doc: {"doc_chars": {"chars": [len(doc.text)]}},
    ...          writes={"doc_chars": pa.schema([("doc_id", pa.string()), ("chars", pa.int64())])})
    >>> run_steps(Doc("d1", "开展两癌筛查。", None), [s])["doc_chars"].to_pylist()
    [{'doc_id': 'd1', 'chars': 7}]
    """

    name: str
    run: Callable[[Doc], Mapping[str, Any]]
    reads: tuple[str, ...] = ("text",)
    provides: tuple[str, ...] = ()
    writes: Mapping[str, pa.Schema] = field(default_factory=dict)
    data_files: tuple[str, ...] = ()
    version: str = "1"  # bump when the step's output changes for the same input (cache key)


_REGISTERED: dict[str, Step] = {}


def register(step: Step) -> Step:
    """Add ``step`` to the steps every analysis runs (after the built-in ones, in dependency order);
    registering a step of the same name again replaces it. Returns the step (usable as a one-liner
    at the end of the step's module)."""
    if step.name in {s.name for s in BUILTIN}:
        raise StepError(f"step {step.name!r} is built in; give the new step another name")
    _REGISTERED[step.name] = step
    return step


def unregister(name: str) -> None:
    """Remove a registered step (tests; a no-op for an unknown name)."""
    _REGISTERED.pop(name, None)


def registered() -> tuple[Step, ...]:
    """The built-in steps followed by the registered ones, in dependency order."""
    return ordered((*BUILTIN, *_REGISTERED.values()))


def ordered(steps: Iterable[Step]) -> tuple[Step, ...]:
    """``steps`` in an order where each runs after the steps providing what it reads (stable: the
    given order wherever the data flow allows it).

    >>> a = Step("a", run=dict, provides=("x",))
    >>> b = Step("b", run=dict, reads=("x",))
    >>> [s.name for s in ordered([b, a])]
    ['a', 'b']
    """
    steps = list(steps)
    provider: dict[str, str] = {}
    writer: dict[str, str] = {}
    for s in steps:
        for value in s.provides:
            if value in provider or value in GIVEN:
                raise StepError(f"steps {provider.get(value, 'document')!r} and {s.name!r} both provide {value!r}")
            provider[value] = s.name
        for table in s.writes:
            if table in writer:
                raise StepError(f"steps {writer[table]!r} and {s.name!r} both write table {table!r}")
            writer[table] = s.name
    for s in steps:
        missing = [v for v in s.reads if v not in GIVEN and v not in provider]
        if missing:
            raise StepError(f"step {s.name!r} reads {', '.join(map(repr, missing))}, which no step provides")
    done: set[str] = set(GIVEN)
    result: list[Step] = []
    pending = steps
    while pending:
        ready = [s for s in pending if all(v in done for v in s.reads)]
        if not ready:
            raise StepError("steps read each other's values in a cycle: " + ", ".join(s.name for s in pending))
        first = ready[0]
        result.append(first)
        done.update(first.provides)
        pending = [s for s in pending if s is not first]
    return tuple(result)


def schemas(steps: Iterable[Step]) -> dict[str, pa.Schema]:
    """Table name → schema of every table the steps write, in step order."""
    return {name: schema for s in steps for name, schema in s.writes.items()}


def data_fingerprint(steps: Iterable[Step]) -> str:
    """A hash of the steps' names and versions and of the bytes of every data file they declare
    (what the analyze cache key takes from the steps)."""
    h = hashlib.sha1()
    for s in steps:
        h.update(f"step|{s.name}|{s.version}|{','.join(s.writes)}\n".encode())
        for name in s.data_files:
            h.update(f"file|{name}\n".encode())
            h.update((files("speechkit") / "data" / name).read_bytes())
    return h.hexdigest()


def to_table(value: Any, schema: pa.Schema, doc_id: str) -> pa.Table:
    """What a step returned for one table — an Arrow table, a dict of columns, or a list of row
    dicts — as an Arrow table of ``schema`` (a missing ``doc_id`` column is filled with ``doc_id``).

    >>> schema = pa.schema([("doc_id", pa.string()), ("n", pa.int64())])
    >>> to_table({"n": [1, 2]}, schema, "d1").to_pylist()
    [{'doc_id': 'd1', 'n': 1}, {'doc_id': 'd1', 'n': 2}]
    """
    if isinstance(value, pa.Table):
        return value if value.schema.equals(schema) else value.select(schema.names).cast(schema)
    if isinstance(value, Mapping):
        columns = dict(value)
        if "doc_id" in schema.names and "doc_id" not in columns:
            lengths = {len(c) for c in columns.values()}
            if len(lengths) > 1:
                raise StepError(f"columns of unequal length for a table of {doc_id!r}: {sorted(lengths)}")
            columns["doc_id"] = [doc_id] * (lengths.pop() if lengths else 0)
        return pa.Table.from_pydict({name: columns[name] for name in schema.names}, schema=schema)
    rows = list(value)
    if "doc_id" in schema.names:
        rows = [r if "doc_id" in r else dict(r, doc_id=doc_id) for r in rows]
    return pa.Table.from_pylist(rows, schema=schema)


def run_steps(doc: Doc, steps: Iterable[Step]) -> dict[str, pa.Table]:
    """Run ``steps`` (already :func:`ordered`) on ``doc``: the tables they write, as Arrow tables;
    the values they provide are left in ``doc.values``."""
    tables: dict[str, pa.Table] = {}
    for step in steps:
        before = set(doc.values)
        out = step.run(doc) or {}
        unknown = set(out) - set(step.writes)
        if unknown:
            raise StepError(f"step {step.name!r} returned tables {sorted(unknown)}, which it does not declare in writes")
        undeclared = set(doc.values) - before - set(step.provides)
        missing = [v for v in step.provides if v not in doc.values]
        if undeclared or missing:
            raise StepError(f"step {step.name!r} on {doc.doc_id!r}: " + "; ".join(
                ([f"provided {sorted(undeclared)} without declaring them"] if undeclared else [])
                + ([f"did not provide {missing}"] if missing else [])))
        for name, schema in step.writes.items():
            tables[name] = to_table(out.get(name, []), schema, doc.doc_id)
    return tables


from speechkit.steps import outline as _outline, sentences as _sentences, targets as _targets  # noqa: E402
from speechkit.steps import textrank as _textrank, themes as _themes  # noqa: E402

#: the built-in analyses, in data-flow order
BUILTIN: tuple[Step, ...] = (_sentences.STEP, _themes.STEP, _outline.STEP, _targets.STEP, _textrank.STEP)
