"""The analyze stage: cleaned speeches → segmentation, themes, keywords, topics,
the 意见 outline and stated targets.

Per-document work (segmentation, theme tagging, outline, targets, TextRank)
runs in worker processes that load jieba and the dictionaries once each; the
results stream to Parquet in batches and are cached by content, so an unchanged
document is never segmented again. Corpus-level steps (TF-IDF keywords, NMF
topics) run once over per-document term counts.
"""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import pyarrow as pa

from speechkit._version import __version__, code_digest
from speechkit.parallel import check_engine
from speechkit.cache import entry_path, load_arrow_entry, store_arrow_entry
from speechkit.io import open_parquet, require_table, table_run
from speechkit.stage import (PartMerger, StageJob, StageRun, run_stage, run_warm_beside, start_beside, start_in_thread, start_warm_beside,
                             stop_beside, stop_warm_beside, write_part)
from speechkit import steps
from speechkit.steps import Doc, run_steps

if TYPE_CHECKING:  # pandas is imported where a DataFrame is made: the whole-run fast path never needs it
    import pandas as pd

    from speechkit.themes import ThemeMatcher

__all__ = ["AnalyzeOptions", "AnalyzeReport", "DocumentAnalysis", "AnalysisTools", "analyze_document", "analyze_corpus",
           "TABLE_SCHEMAS", "streamed_schemas", "registered_tables", "analyze_tables"]  # noqa: F822 (ANALYZE_TABLES: module __getattr__)

#: the per-document tables, as the built-in steps declare them (speechkit.steps: one module per analysis)
TABLE_SCHEMAS: dict[str, pa.Schema] = steps.schemas(steps.BUILTIN)
#: columns of the corpus-level tables (computed over all documents, written as DataFrames)
CORPUS_TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "topics": ("topic", "rank", "term", "weight"),
    "doc_topics": ("doc_id", "topic", "weight"),
    "keywords": tuple(TABLE_SCHEMAS["keywords_textrank"].names),
}
#: the built-in tables in their published order (keywords_textrank is merged into keywords)
_BUILTIN_TABLES = ("tokens", "sentences", "themes", "sentence_themes", "topics", "doc_topics", "keywords", "sections",
                   "outlines", "targets")
#: table names no registered step may write (another stage's, or a corpus-level one)
_RESERVED = frozenset({"documents", "removals", "files", "followup", *CORPUS_TABLE_COLUMNS, *_BUILTIN_TABLES})


def streamed_schemas(chain: tuple[steps.Step, ...] | None = None) -> dict[str, pa.Schema]:
    """Table name → schema of every per-document table of ``chain`` (default: the steps registered
    now, :func:`speechkit.steps.registered`) — the built-in ones first, in their order.

    >>> list(streamed_schemas())[:3]
    ['sentences', 'tokens', 'themes']
    """
    schemas = steps.schemas(steps.registered() if chain is None else chain)
    taken = sorted(name for name in schemas if name not in TABLE_SCHEMAS and name in _RESERVED)
    if taken:
        raise steps.StepError(f"a registered step writes {', '.join(map(repr, taken))}: that name is another "
                              "table of speechkit's; give the table another name")
    return schemas


def registered_tables(chain: tuple[steps.Step, ...] | None = None) -> list[str]:
    """The tables of the registered (not built-in) steps of ``chain`` (default: the steps registered now).

    >>> registered_tables()
    []
    """
    return [name for name in streamed_schemas(chain) if name not in TABLE_SCHEMAS]


def analyze_tables(chain: tuple[steps.Step, ...] | None = None) -> list[str]:
    """The tables the analyze stage writes: the built-in ones in their order, then every table of a
    registered step (``chain`` defaults to the steps registered now), so that a new analysis
    reaches the output folder, the manifest, the run record and the one-run check by itself.

    >>> analyze_tables()[:4], "keywords_textrank" in analyze_tables()
    (['tokens', 'sentences', 'themes', 'sentence_themes'], False)
    """
    return [*_BUILTIN_TABLES, *registered_tables(chain)]


def __getattr__(name: str):
    """``ANALYZE_TABLES``: :func:`analyze_tables` of the steps registered now (kept for old callers)."""
    if name == "ANALYZE_TABLES":
        return analyze_tables()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class AnalyzeOptions:
    """Settings of the analyze stage; all of them are part of the cache key."""

    user_dict: str | None = None
    stopwords: str | None = None
    taxonomy: str | None = None
    topics: int | None = None
    segmenter: str = "rjieba"  # identical tokens to jieba on the shared corpus, ~17x faster (README)
    top_keywords: int = 20
    indicators: str | None = None  # extra indicators TOML (--indicators), see speechkit/data/indicators.toml


@dataclass
class DocumentAnalysis:
    """Everything the analyze stage derives from one document: one Arrow table per table its steps
    write (``tables``), its term counts, and how many sentences it has and how many mention a theme."""

    doc_id: str
    tables: dict[str, pa.Table]
    counts: dict[str, int]
    sentences: int
    theme_sentences: int

    @functools.cached_property
    def rows(self) -> dict[str, list[dict]]:
        """The tables as lists of row dicts (for a reader; the stage itself keeps the Arrow tables)."""
        return {name: table.to_pylist() for name, table in self.tables.items()}


#: a document's term counts as its cache entry and its batch carry them (no dict per document)
TERM_COUNTS_SCHEMA = pa.schema([("term", pa.string()), ("count", pa.int64())])


def entry_schemas(schemas: dict[str, pa.Schema]) -> dict[str, pa.Schema]:
    """The tables a document's cache entry holds: its streamed tables (``schemas``, see
    :func:`streamed_schemas`) and its term counts."""
    return {**schemas, "term_counts": TERM_COUNTS_SCHEMA}


def _counts_table(counts: dict[str, int]) -> pa.Table:
    """``{term: count}`` as a two-column Arrow table (term, count), in the dict's order."""
    return pa.Table.from_arrays([pa.array(list(counts), pa.string()), pa.array(list(counts.values()), pa.int64())],
                                schema=TERM_COUNTS_SCHEMA)


@dataclass
class _CachedAnalysis:
    """A :class:`DocumentAnalysis` as it is cached: rows and term counts as Arrow tables (read back
    as data, with no Python objects per row or term, and concatenated without a Python loop)."""

    tables: dict[str, "pa.Table"]
    counts: "pa.Table"  # TERM_COUNTS_SCHEMA
    sentences: int
    theme_sentences: int

    @classmethod
    def of(cls, analysis: DocumentAnalysis, schemas: dict[str, pa.Schema]) -> "_CachedAnalysis":
        tables = {name: analysis.tables.get(name, schema.empty_table()) for name, schema in schemas.items()}
        return cls(tables, _counts_table(analysis.counts), analysis.sentences, analysis.theme_sentences)


class AnalysisTools:
    """Segmenter, theme matcher and taxonomy, built once per process from the options."""

    def __init__(self, options: AnalyzeOptions):
        from speechkit.segment import Segmenter
        from speechkit.themes import load_focus, load_matching, load_taxonomy

        self.options = options
        self.segmenter = Segmenter(options.segmenter, Path(options.user_dict) if options.user_dict else None,
                                   Path(options.stopwords) if options.stopwords else None)
        self.themes = load_taxonomy(extra=Path(options.taxonomy) if options.taxonomy else None)
        self._matcher: ThemeMatcher | None = None
        # a sentence keeps the themes it is about ([focus] of the lexicon file; issue 18)
        self.focus = load_focus(extra=Path(options.taxonomy) if options.taxonomy else None)
        # how terms are found beyond token boundaries ([matching]; a --themes file adds to its lists)
        self.matching = load_matching(extra=Path(options.taxonomy) if options.taxonomy else None)
        from speechkit.indicators import load_indicators

        self.indicators = load_indicators(options.indicators)
        #: the per-document steps this process runs (built-in + registered, in dependency order)
        self.steps = steps.registered()
        h = hashlib.sha1(f"analyze|{__version__}|{code_digest()}|{options.top_keywords}|".encode())
        h.update(self.segmenter.fingerprint.encode())
        h.update(json.dumps([(t.name, t.field, list(t.terms), [vars(r) for r in t.rules], list(t.weak)) for t in self.themes],
                            ensure_ascii=False).encode())
        h.update(f"focus|{vars(self.focus) if self.focus is not None else None}|".encode())
        h.update(f"matching|{vars(self.matching)}|".encode())
        h.update(steps.data_fingerprint(self.steps).encode())  # names, versions and data files the steps declare
        from importlib.resources import files

        from speechkit.chunked import DATA_FILES as CHUNK_FILES  # where a huge document is cut

        for name in CHUNK_FILES:
            h.update((files("speechkit") / "data" / name).read_bytes())
        if options.indicators:
            h.update(Path(options.indicators).read_bytes())
        self.fingerprint = h.hexdigest()

    @property
    def matcher(self):
        """The theme matcher, built on first use: a run that takes the whole-run fast path (nothing
        changed) never reads jieba's dictionary for it (~1 s of a warm run)."""
        if self._matcher is None:
            from speechkit.themes import ThemeMatcher

            # terms match on the segmenter's token boundaries (and inside its dictionary compounds)
            self._matcher = ThemeMatcher(self.themes, tokenize=self.segmenter.cut,
                                         compounds=self.segmenter.dictionary_words, focus=self.focus,
                                         matching=self.matching)
        return self._matcher


def analyze_document(doc_id: str, text: str, tools: AnalysisTools, year: int | None = None) -> DocumentAnalysis:
    """Analyse one cleaned speech into rows of every per-document table.

    Runs the steps of ``tools.steps`` (speechkit.steps: sentences → themes → outline, targets,
    TextRank, and any registered step) in dependency order. ``year`` (the year the speech was
    given, when known) tells a deadline (到2025年底, a target) from a status date (到2023年底 in a
    2024 speech, an achievement).

    >>> tools = AnalysisTools(AnalyzeOptions())
    >>> a = analyze_document("d1", "同志们：下面我讲两点意见。一、发展普惠托育服务。到2025年，普惠性幼儿园覆盖率达到85%以上。二、开展两癌筛查。", tools)
    >>> a.rows["outlines"][0]["found_points"], a.rows["targets"][0]["value"]
    (2, 85.0)
    """
    doc = Doc(doc_id, text, year, tools)
    tables = run_steps(doc, tools.steps)
    values = doc.values
    return DocumentAnalysis(doc_id, tables, values.get("term_counts", {}), len(values.get("sentences", ())),
                            values.get("theme_sentences", 0))


# --- workers ------------------------------------------------------------------------

_TOOLS: AnalysisTools | None = None


def _tools(options: AnalyzeOptions) -> AnalysisTools:
    global _TOOLS
    if _TOOLS is None or _TOOLS.options != options or _TOOLS.steps != steps.registered():
        _TOOLS = AnalysisTools(options)
    return _TOOLS


@dataclass
class BatchSummary:
    """What a worker sends back for one batch: the rows went to Parquet parts on disk."""

    index: int
    counts: "pa.Table"  # the batch's term counts: doc (the document's position in the batch), term, count
    rows: dict[str, int]
    documents: int
    cached: int
    sentences: int
    theme_sentences: int


def _batch_counts(counts: list["pa.Table"]) -> "pa.Table":
    """The term counts of a batch's documents as one table, column ``doc`` their position in the batch."""
    import numpy as np

    lengths = [t.num_rows for t in counts]
    doc = pa.array(np.repeat(np.arange(len(counts), dtype=np.int32), lengths), pa.int32())
    table = pa.concat_tables(counts) if counts else TERM_COUNTS_SCHEMA.empty_table()
    return table.add_column(0, "doc", doc)


def _load_cached(path: Path | None, schemas: dict[str, pa.Schema], only: tuple[str, ...] | None = None) -> "_CachedAnalysis | None":
    """The cached analysis at ``path``; None when absent, damaged, or of another schema (recomputed).
    ``only=("term_counts",)`` reads the term counts alone (``tables`` is then empty)."""
    if path is None:
        return None
    loaded = load_arrow_entry(path, entry_schemas(schemas), only)
    if loaded is None:
        return None
    tables, meta = loaded
    counts = tables.pop("term_counts", None)
    try:
        return _CachedAnalysis(tables, counts, int(meta["sentences"]), int(meta["theme_sentences"]))
    except (KeyError, TypeError, ValueError):
        return None


#: the most bytes of cached rows :meth:`_AnalyzeJob.read_ahead` holds before their turn
READ_AHEAD_BYTES = 512 << 20


def _nbytes(result: "_CachedAnalysis | None") -> int:
    """The bytes of a cached document's rows, for the read-ahead budget: the sizes of their buffers
    (``Table.get_total_buffer_size``, a sum over buffers — ``Table.nbytes`` walks the offsets of every
    string column and cost 0.2 s per 1,000 documents on a re-run)."""
    return sum(table.get_total_buffer_size() for table in result.tables.values()) if result is not None else 0


def _warm_up(options: AnalyzeOptions, tools: AnalysisTools | None = None) -> None:
    """Load the dictionaries, lexicons and every lazy import of the analysis (one short document)."""
    analyze_document("warm-up", "同志们：下面我讲两点意见。一、到2025年，覆盖率达到85%以上。二、抓落实。",
                     tools if tools is not None else _tools(options))


def _store_cached(path: Path, result: "_CachedAnalysis") -> None:
    """Best effort: an entry too large to be worth keeping (over :data:`speechkit.cache.MAX_ENTRY_BYTES`) or
    that cannot be written is skipped."""
    store_arrow_entry(path, {**result.tables, "term_counts": result.counts},
                      {"sentences": result.sentences, "theme_sentences": result.theme_sentences})


def _analyze_batch(index: int, docs: list[tuple[str, str, int | None]], options: AnalyzeOptions, fingerprint: str,
                   cache_dir: str | None, parts_dir: str) -> BatchSummary:
    """Analyse (or take from the cache) a batch of documents and write its rows as Parquet parts.

    A document over the threshold of ``data/chunks.toml`` is analysed in chunks (:mod:`speechkit.chunked`):
    its rows are written chunk by chunk as extra parts ``<index>-<n>.parquet``, which sort before the
    batch's own part, so the merged tables keep the documents' order; it gets no cache entry.
    """
    from speechkit.chunked import ChunkedAnalysis, chunk_rules

    tools = _tools(options)
    schemas = streamed_schemas(tools.steps)  # the built-in steps' tables and any registered step's
    huge = chunk_rules().threshold_chars
    tables: dict[str, list[pa.Table]] = {name: [] for name in schemas}
    counts: list[pa.Table] = []
    summary = BatchSummary(index, TERM_COUNTS_SCHEMA.empty_table(), {name: 0 for name in schemas}, 0, 0, 0, 0)
    extra = 0

    def write_extra(pending: dict[str, list[pa.Table]]) -> None:
        """Write the pending tables as the batch's next extra part (memory stays one chunk's rows)."""
        nonlocal extra
        for name, parts in pending.items():
            table = pa.concat_tables(parts) if parts else None
            if table is not None and table.num_rows:
                summary.rows[name] += write_part(parts_dir, name, index, table, extra)
            parts.clear()
        extra += 1

    for doc_id, text, year in docs:
        if len(text) > huge:
            write_extra(tables)  # the documents before it come first
            chunked = ChunkedAnalysis(doc_id, text, tools, year)
            for chunk in chunked.chunk_tables():  # Arrow tables, already shifted to the whole text
                write_extra({name: [table.cast(schemas[name]) if table.schema != schemas[name] else table]
                             for name, table in chunk.items()})
            rows, doc_counts, n_sentences, covered = chunked.finish()
            result = _CachedAnalysis({name: pa.Table.from_pylist(rows.get(name, []), schema=schema) for name, schema in schemas.items()},
                                     _counts_table(doc_counts), n_sentences, covered)
        else:
            key = _doc_key(fingerprint, doc_id, text, year)
            entry = entry_path(Path(cache_dir), key, ".arrow") if cache_dir else None
            cached = _load_cached(entry, schemas)
            if cached is not None:
                summary.cached += 1
                result = cached
            else:
                result = _CachedAnalysis.of(analyze_document(doc_id, text, tools, year), schemas)
                if entry is not None:
                    _store_cached(entry, result)
        for name in schemas:
            tables[name].append(result.tables[name])
        counts.append(result.counts)
        summary.documents += 1
        summary.sentences += result.sentences
        summary.theme_sentences += result.theme_sentences
    for name, schema in schemas.items():
        summary.rows[name] += write_part(parts_dir, name, index, pa.concat_tables(tables[name]) if tables[name]
                                         else schema.empty_table())
    summary.counts = _batch_counts(counts)
    return summary


@dataclass
class AnalyzeReport:
    """What an analyze run did. ``top_themes`` (a DataFrame: theme, field, docs, hits, share) is made
    on first use from ``top_theme_rows``, the 30 leading themes as the run recorded them."""

    out_dir: Path
    row_counts: dict[str, int]
    documents: int
    cached: int
    theme_coverage: float
    top_theme_rows: list[dict] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    skipped_unchanged: bool = False
    _top_frame: Any = field(default=None, repr=False)

    @property
    def top_themes(self) -> "pd.DataFrame":
        if self._top_frame is None:
            import pandas as pd

            self._top_frame = pd.DataFrame(self.top_theme_rows, columns=["theme", "field", "docs", "hits", "share"])
        return self._top_frame


def _doc_key(fingerprint: str, doc_id: str, text: str, year: int | None = None) -> str:
    h = hashlib.sha1(fingerprint.encode())
    h.update(f"{doc_id}\0{year}".encode())
    h.update(b"\0")
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _fit_topics(ordered: dict, k: int | None):
    from speechkit.topics import fit_topics

    return fit_topics(ordered, k)


def _tfidf_keywords(ordered: dict, top: int):
    from speechkit.keywords import tfidf_keywords

    return tfidf_keywords(ordered, top)


def _iter_documents(processed_dir: Path, batch_rows: int = 256) -> Iterator[tuple[str, str, int | None]]:
    """(doc_id, text, year) of status-'ok' documents, read in record batches (flat memory)."""
    pf = open_parquet(require_table(processed_dir, "documents"))
    has_year = "year" in pf.schema_arrow.names
    columns = ["doc_id", "text", "status"] + (["year"] if has_year else [])
    for batch in pf.iter_batches(batch_size=batch_rows, columns=columns):
        d = batch.to_pydict()
        years = d["year"] if has_year else [None] * len(d["doc_id"])
        for doc_id, text, status, year in zip(d["doc_id"], d["text"], d["status"], years):
            if status == "ok" and text:
                yield doc_id, text, _as_year(year)


def _count_documents(path: Path) -> int:
    """How many documents :func:`_iter_documents` yields, counted in Arrow (no text reaches Python)."""
    import pyarrow.compute as pc

    total = 0
    for batch in open_parquet(path).iter_batches(batch_size=4096, columns=["status", "text"]):
        status, text = (batch.column(i).cast(pa.large_string()) for i in (0, 1))  # an all-null column is typed null
        usable = pc.and_kleene(pc.equal(status, "ok"), pc.greater(pc.utf8_length(text), 0))
        total += pc.sum(usable.cast("int64")).as_py() or 0
    return total


def _as_year(value) -> int | None:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if 1949 <= year <= 2100 else None


class _Counts:
    """The term counts of every planned document, gathered as Arrow tables (one per cached document,
    one per worker batch) and handed to the corpus-level steps as one :class:`CorpusCounts`."""

    def __init__(self) -> None:
        self.chunks: list[tuple[int, "pa.Table"]] = []  # (position of the first document, table with doc)

    def add_document(self, position: int, table: "pa.Table") -> None:
        import numpy as np

        self.chunks.append((position, table.add_column(0, "doc", pa.array(np.zeros(table.num_rows, np.int32)))))

    def add_batch(self, first: int, summary: BatchSummary) -> None:
        self.chunks.append((first, summary.counts))

    def corpus(self, doc_ids: list[str]):
        """The :class:`speechkit.keywords.CorpusCounts` of ``doc_ids`` (planned order), sorted by doc_id;
        a doc_id given twice keeps its last document's counts (as a dict keyed by doc_id would)."""
        import numpy as np

        from speechkit.keywords import CorpusCounts

        rows = [np.asarray(t.column("doc").to_numpy(zero_copy_only=False), dtype=np.int64) + first
                for first, t in self.chunks]
        row = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        terms = pa.chunked_array([c for _, t in self.chunks for c in t.column("term").chunks], pa.string())
        values = (np.concatenate([t.column("count").to_numpy() for _, t in self.chunks]) if self.chunks
                  else np.zeros(0, np.int64))
        last = {doc_id: i for i, doc_id in enumerate(doc_ids)}
        if len(last) != len(doc_ids):  # duplicate ids: the last one wins, the rows are renumbered
            keep_doc = np.zeros(len(doc_ids), bool)
            keep_doc[list(last.values())] = True
            renumber = np.cumsum(keep_doc) - 1
            keep = keep_doc[row]
            row, values = renumber[row[keep]], values[keep]
            terms = terms.filter(pa.array(keep))
            doc_ids = [d for d, k in zip(doc_ids, keep_doc) if k]
        return CorpusCounts(doc_ids, row, terms, values).sorted()


#: the corpus-level tables as a corpus cache entry holds them
_CORPUS_SCHEMAS: dict[str, pa.Schema] = {
    "tfidf": pa.schema([("doc_id", pa.string()), ("method", pa.string()), ("rank", pa.int64()), ("term", pa.string()),
                        ("score", pa.float64())]),
    "topics": pa.schema([("topic", pa.int64()), ("rank", pa.int64()), ("term", pa.string()), ("weight", pa.float64())]),
    "doc_topics": pa.schema([("doc_id", pa.string()), ("topic", pa.int64()), ("weight", pa.float64())]),
}
_CORPUS_ENTRIES_KEPT = 8


def _cached_corpus_step(name: str, tables: tuple[str, ...], key: str | None, cache_dir: str | None, compute: Callable):
    """``compute()`` (DataFrames named ``tables``), or what it returned for this very key before.

    The key is a digest of the whole documents × terms matrix and the settings, so an entry is the
    result of the same computation on the same input: a corpus brought back to a state it was in
    (pages removed and added again) gets its TF-IDF and topics without refitting them. The newest
    :data:`_CORPUS_ENTRIES_KEPT` entries are kept."""
    if cache_dir is None or key is None:
        return compute()
    folder = Path(cache_dir).parent / "analyze_corpus"  # beside the per-document entries (OUT/.cache/analyze)
    path = folder / f"{name}-{key}.arrow"
    loaded = load_arrow_entry(path, {t: _CORPUS_SCHEMAS[t] for t in tables})
    if loaded is not None:
        frames = tuple(loaded[0][t].to_pandas() for t in tables)
        return frames if len(frames) > 1 else frames[0]
    result = compute()
    frames = result if isinstance(result, tuple) else (result,)
    try:
        arrow = {t: pa.Table.from_pandas(f, schema=_CORPUS_SCHEMAS[t], preserve_index=False) for t, f in zip(tables, frames)}
        if store_arrow_entry(path, arrow, {}, capped=False):
            old = sorted(folder.glob("*.arrow"), key=lambda p: p.stat().st_mtime)[:-_CORPUS_ENTRIES_KEPT]
            for stale in old:
                stale.unlink(missing_ok=True)
    except (OSError, pa.ArrowException, ValueError, TypeError):
        pass  # best effort, like every cache entry
    return result


def _corpus_step(which: str, counts, doc_ids: list[str], options: AnalyzeOptions, fingerprint: str,
                 cache_dir: str | None):
    """Beside the driver's merge (a process for the topics, a thread for TF-IDF): the corpus's counts assembled (``counts``
    is a :class:`_Counts`, or the :class:`~speechkit.keywords.CorpusCounts` already assembled), then
    ``"topics"`` (NMF) or ``"tfidf"`` (TF-IDF keywords) — each taken from the corpus cache when its input
    is one it has seen."""
    corpus = counts.corpus(doc_ids) if isinstance(counts, _Counts) else counts
    digest = corpus.digest() if cache_dir is not None else None

    def key(step: str, setting) -> str | None:
        if digest is None:
            return None
        return hashlib.sha1(f"{step}|{fingerprint}|{setting}|{digest}".encode()).hexdigest()

    def topics():
        return _cached_corpus_step("topics", ("topics", "doc_topics"), key("topics", options.topics), cache_dir,
                                   lambda: _fit_topics(corpus, options.topics))

    def tfidf():
        return _cached_corpus_step("tfidf", ("tfidf",), key("tfidf", options.top_keywords), cache_dir,
                                   lambda: _tfidf_keywords(corpus, options.top_keywords))

    return topics() if which == "topics" else tfidf()


def _import_topics() -> None:
    """The topics step's imports (scikit-learn's NMF, ~2 s), in the process that will fit them."""
    import speechkit.topics  # noqa: F401


def _start_corpus_steps(counts: _Counts, options: AnalyzeOptions, doc_ids: list[str], fingerprint: str,
                        cache_dir: str | None, warm=None) -> tuple:
    """NMF topics and TF-IDF keywords over every document's term counts while this process writes the
    tables: ``(topics future, TF-IDF future)``. The topics are fitted in a process beside this one; TF-IDF
    (no scikit-learn, short, its array work releases the GIL) in a thread of this one — a second forked
    process would hold this one's memory once more (summed RSS) for no time gained. The topics go to
    ``warm`` when given (a process that has imported scikit-learn while this one planned,
    :func:`speechkit.stage.start_warm_beside`: a run that adds a few pages does not wait ~2 s for it)."""
    if warm is None:
        topics = start_beside(_corpus_step, "topics", counts, doc_ids, options, fingerprint, cache_dir)
    else:
        counts = counts.corpus(doc_ids)  # assembled once: pickled to the warm process, read by the TF-IDF thread
        topics = run_warm_beside(warm, _corpus_step, "topics", counts, doc_ids, options, fingerprint, cache_dir)
    return topics, start_in_thread(_corpus_step, "tfidf", counts, doc_ids, options, fingerprint, cache_dir)


class _AnalyzeJob(StageJob):
    """The analyze stage as :func:`speechkit.stage.run_stage` runs it: the items are the 'ok' documents
    of documents.parquet; a document with a usable cache entry is taken by this process (its term
    counts while planning, for the corpus-level steps; its rows while the tables are written), the
    others go to workers in batches (:func:`_analyze_batch`); TF-IDF and NMF start beside the merge
    as soon as every term count is known."""

    stage = "analyze"

    def __init__(self, processed_dir: Path, out_dir: Path, options: AnalyzeOptions, formats: tuple[str, ...]):
        self.processed_dir, self.out_dir, self.options = processed_dir, out_dir, options
        self.tools = AnalysisTools(options)  # validates dictionaries/taxonomy up front (clear errors)
        self.fingerprint = self.tools.fingerprint
        self.documents_path = require_table(processed_dir, "documents")
        # the whole-run key: same documents table, same settings
        h = hashlib.sha1(repr((self.fingerprint, options.topics, formats)).encode())
        with open(self.documents_path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 22), b""):
                h.update(chunk)
        self.key = h.hexdigest()
        self.input_run = table_run(self.documents_path).get("run_id")
        self.schemas = streamed_schemas(self.tools.steps)  # built-in + registered steps'
        self.tables = tuple(analyze_tables(self.tools.steps))
        self.entries: list[Path | None] = []
        # first position → a run's entries read ahead, and their bytes
        self.ahead: dict[int, tuple[list[_CachedAnalysis | None], int]] = {}
        self.ahead_bytes = 0
        self.doc_ids: list[str] = []
        self.counts = _Counts()
        self.row_counts = {name: 0 for name in self.schemas}
        self.cached = self.done = self.sentences = self.covered = 0
        self.corpus_steps: tuple | None = None  # (topics future, TF-IDF future) once every term count is known
        self.warm_topics = None  # a process importing scikit-learn while a run with a few new documents plans
        self.many = False
        self.cache_arg: str | None = None
        self.merger: PartMerger | None = None

    # -- the fast path

    def check_tables(self, out_dir: Path) -> dict[str, int]:
        import pyarrow.parquet as pq

        return {t: pq.ParquetFile(out_dir / f"{t}.parquet").metadata.num_rows for t in self.tables}

    def from_cache(self, saved: dict, read: object) -> tuple["AnalyzeReport", int]:
        total = saved.get("documents", 0)
        assert isinstance(read, dict)
        return AnalyzeReport(self.out_dir, read, total, total, saved.get("theme_coverage", 0.0),
                             list(saved.get("top_themes", [])), [], True), total

    # -- the plan

    def plan(self, run: StageRun) -> list[bool]:
        """Every document to analyse, in order: False (taken here) when it has a usable cache entry —
        its term counts are read now, not its rows — True otherwise (or over the chunking threshold:
        never cached)."""
        from speechkit.chunked import chunk_rules

        huge = chunk_rules().threshold_chars
        self.cache_arg = run.cache_arg
        for doc_id, text, year in _iter_documents(self.processed_dir):
            entry = None
            if run.cache_dir is not None and len(text) <= huge:
                path = run.entry(_doc_key(self.fingerprint, doc_id, text, year), ".arrow")
                found = _load_cached(path, self.schemas, only=("term_counts",)) if path is not None else None
                if found is not None:
                    self.counts.add_document(len(self.entries), found.counts)
                    entry = path
            self.entries.append(entry)
            self.doc_ids.append(doc_id)
        if not self.entries:
            raise ValueError(f"{self.documents_path}: no documents with status 'ok' to analyse")
        return [entry is None for entry in self.entries]

    def items(self) -> Iterator[tuple[str, str, int | None]]:
        return _iter_documents(self.processed_dir)

    def warm_worker(self, run: StageRun) -> Callable[[], None] | None:
        """Over tables of an earlier analysis (a re-run: most documents come from the cache), the one
        worker the few new documents need loads the dictionaries while this process plans."""
        if run.cache_dir is None or not (self.processed_dir / "tokens.parquet").exists():
            return None
        return functools.partial(_warm_up, self.options)

    def prepare(self, run: StageRun, *, todo: int, many: bool, engine: str) -> None:
        """With much to analyse, load the dictionaries and every lazy import once, here (forked
        workers inherit them); a few new documents are left to the workers."""
        global _TOOLS
        self.many = many
        if engine == "local":
            _TOOLS = self.tools
            if many:
                _warm_up(self.options, self.tools)

    def worker(self) -> Callable:
        return _analyze_batch

    def worker_args(self, run: StageRun, parts_dir: Path) -> tuple:
        return self.options, self.fingerprint, run.cache_arg, str(parts_dir)

    # -- the merge

    def start(self, run: StageRun, parts_dir: Path) -> None:
        if not self.many and any(entry is None for entry in self.entries):
            # a few new documents: the corpus changes, NMF will be refitted; its imports start now
            self.warm_topics = start_warm_beside(_import_topics)
        self.merger = PartMerger(parts_dir, run, self.schemas, held=("keywords_textrank",))

    def _tally(self, rows: dict[str, int], documents: int, cached: int, sentences: int, covered: int) -> int:
        for name, n in rows.items():
            self.row_counts[name] += n
        self.done += documents
        self.cached += cached
        self.sentences += sentences
        self.covered += covered
        return documents

    def take_batch(self, first: int, result: BatchSummary) -> int:
        assert self.merger is not None
        if self.many and not self.done:  # the corpus-level steps' imports (sklearn) while the workers run
            import speechkit.keywords  # noqa: F401
            import speechkit.topics  # noqa: F401
        self.merger.add(result.index)  # batches come back in order: merge while the workers go on
        return self._tally(result.rows, result.documents, result.cached, result.sentences, result.theme_sentences)

    def read_ahead(self, first: int, length: int) -> bool:
        """A run of cached documents' rows read from their entries before its turn (while the new
        documents before it are analysed), held until :meth:`take_local` merges them — at most
        :data:`READ_AHEAD_BYTES` of them at a time."""
        if self.ahead_bytes >= READ_AHEAD_BYTES:
            return False
        found = [_load_cached(self.entries[position], self.schemas) for position in range(first, first + length)]
        size = sum(_nbytes(result) for result in found)
        self.ahead[first] = (found, size)
        self.ahead_bytes += size
        return True

    def take_local(self, first: int, items: list) -> int:
        """The rows of a run of cached documents, read from their entries (or read ahead); an entry that
        turns out unreadable now is recomputed here (and stored again)."""
        assert self.merger is not None
        tables: dict[str, list[pa.Table]] = {name: [] for name in self.schemas}
        rows = {name: 0 for name in self.schemas}
        cached = sentences = covered = 0
        ahead, size = self.ahead.pop(first, (None, 0))
        self.ahead_bytes -= size
        for i, (doc_id, text, year) in enumerate(items):
            entry = self.entries[first + i]
            result = ahead[i] if ahead is not None else _load_cached(entry, self.schemas)
            if result is None:
                result = _CachedAnalysis.of(analyze_document(doc_id, text, self.tools, year), self.schemas)
                if entry is not None:
                    _store_cached(entry, result)
            else:
                cached += 1
            for name in self.schemas:
                tables[name].append(result.tables[name])
                rows[name] += result.tables[name].num_rows
            sentences += result.sentences
            covered += result.theme_sentences
        self.merger.add_tables(tables)
        return self._tally(rows, len(items), cached, sentences, covered)

    def batches_back(self, results: list[tuple[int, Any]]) -> None:
        for first, summary in results:  # every term count is known: start the corpus-level steps
            self.counts.add_batch(first, summary)
        if self.merger is not None:
            self.merger.settle()  # no writer thread busy while the corpus steps' process is forked
        self.corpus_steps = _start_corpus_steps(self.counts, self.options, self.doc_ids, self.fingerprint,
                                                self.cache_arg, warm=self.warm_topics)
        self.warm_topics = None  # run_warm_beside took it

    # -- publication

    def publish(self, run: StageRun) -> tuple["AnalyzeReport", dict]:
        import pandas as pd

        assert self.merger is not None and self.corpus_steps is not None
        paths = self.merger.commit()
        schema = TABLE_SCHEMAS["keywords_textrank"]
        textrank = pd.concat([t.to_pandas() for t in self.merger.held["keywords_textrank"]]
                             or [schema.empty_table().to_pandas()], ignore_index=True)
        topics_future, tfidf_future = self.corpus_steps
        keywords = pd.concat([tfidf_future.result(), textrank], ignore_index=True)
        keywords = keywords.sort_values(["doc_id", "method", "rank"], kind="stable").reset_index(drop=True)
        topics, doc_topics = topics_future.result()
        paths += run.write(keywords, "keywords")
        paths += run.write(topics, "topics")
        paths += run.write(doc_topics, "doc_topics")
        counts = {name: self.row_counts[name] for name in self.schemas if name != "keywords_textrank"}
        counts.update(keywords=len(keywords), topics=len(topics), doc_topics=len(doc_topics))
        coverage = self.covered / self.sentences if self.sentences else 0.0
        themes = pd.read_parquet(self.out_dir / "themes.parquet")
        top = themes.groupby(["theme", "field"]).agg(docs=("doc_id", "nunique"), hits=("hits", "sum")).reset_index()
        top["share"] = top["hits"] / top["hits"].sum() if len(top) else 0.0
        top = top.sort_values("hits", ascending=False).reset_index(drop=True)
        rows = top.head(30).to_dict("records")
        report = AnalyzeReport(self.out_dir, {t: counts[t] for t in self.tables}, self.done, self.cached, coverage,
                               rows, paths, _top_frame=top)
        return report, dict(theme_coverage=coverage, documents=self.done, top_themes=rows)

    def abort(self) -> None:
        if self.merger is not None:
            self.merger.abort()
        for step in self.corpus_steps or ():  # TF-IDF and NMF would run on beside a failed run
            stop_beside(step)
        if self.warm_topics is not None:
            stop_warm_beside(self.warm_topics)


def analyze_corpus(
    processed_dir: Path,
    out_dir: Path | None = None,
    options: AnalyzeOptions = AnalyzeOptions(),
    jobs: int | None = None,
    formats: tuple[str, ...] = ("parquet",),
    use_cache: bool = True,
    progress: Callable[[int, int], None] | None = None,
    engine: str = "local",
    scheduler: str | None = None,
) -> AnalyzeReport:
    """Analyse every 'ok' document of ``processed_dir/documents.parquet`` and write the tables.

    ``engine='local'`` uses ``jobs`` worker processes; ``engine='dask'`` sends the same
    batches to a Dask cluster (``scheduler`` address, or a local cluster of ``jobs`` workers).
    The run itself (cache, workers, merge, manifest) is :func:`speechkit.stage.run_stage`'s.
    """
    processed_dir = Path(processed_dir)
    out_dir = Path(out_dir) if out_dir else processed_dir
    check_engine(engine)  # before the dictionaries are loaded for the job
    job = _AnalyzeJob(processed_dir, out_dir, options, formats)
    return run_stage(job, out_dir=out_dir, jobs=jobs, engine=engine, scheduler=scheduler, use_cache=use_cache,
                     formats=formats, progress=progress)
