"""Huge documents, analysed in chunks: memory bounded per document (issue 15).

A document longer than the threshold of ``data/chunks.toml`` (about 8 MB) is cut at line breaks
into chunks of about 3 MB (:func:`chunk_bounds`); each chunk goes through the steps of any document
(:func:`speechkit.steps.run_steps`) but the per-document ones computed below over the whole text
(outline, TextRank), and its per-sentence tables (sentences, tokens, sentence_themes, targets) are
shifted to the whole text — offsets plus the chunk's start, sentence ids continued — and handed
back chunk by chunk as Arrow tables, to be written to Parquet before the next chunk is read. What is computed over the whole document stays so:

* ``themes`` — from the per-sentence hits of all chunks (the same sums as one pass);
* ``sections`` / ``outlines`` — :func:`speechkit.outline.parse_outline` over the whole text (it
  is line-based and light); ``sentences`` / ``theme_sentences`` of the outline row count all chunks;
* ``keywords_textrank`` — TextRank on the co-occurrence graph of the whole token sequence, summed
  chunk by chunk (the links that straddle a cut are counted too), so the keywords are those of one pass;
* term counts (TF-IDF, topics) — summed over the chunks;
* the ``indicator_key`` of a target that opens a chunk looks at the line before it in the whole text.

What can differ by design from one pass: the review/plan frame of a target (``kind``,
``target_year``, ``year_source``) when a chunk had to be cut elsewhere than before a top-level
heading and the frame-setting heading lies in an earlier chunk (a text without 一、 headings in a
whole window). A chunked document has no cache entry (it would be as large as the document's rows).
"""
from __future__ import annotations

import bisect
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import numpy as np
import pyarrow as pa

if TYPE_CHECKING:
    import scipy.sparse as sp

    from speechkit.analyze import AnalysisTools
    from speechkit.steps import Step

__all__ = ["DATA_FILES", "ChunkRules", "chunk_rules", "chunk_bounds", "ChunkedAnalysis", "STREAMED_PER_CHUNK"]

DATA_FILES = ("chunks.toml",)
#: the tables whose rows are written chunk by chunk; the others are one set of rows per document
STREAMED_PER_CHUNK = ("sentences", "tokens", "sentence_themes", "targets")
_OFFSETS = {"sentences": ("start", "end"), "targets": ("start", "end", "figure_start", "figure_end")}
#: built-in steps whose tables are per document: computed once over the whole text in
#: :meth:`ChunkedAnalysis.finish`, so a chunk does not run them (unless another step reads what they provide)
_WHOLE_DOCUMENT_STEPS = ("outline", "textrank")


@dataclass(frozen=True)
class ChunkRules:
    """When a document is analysed in chunks and where those are cut (``data/chunks.toml``)."""

    threshold_chars: int
    chunk_chars: int
    heading: re.Pattern[str]
    sentence_end: str
    closing: str


@lru_cache(maxsize=1)
def chunk_rules() -> ChunkRules:
    """The rules of ``data/chunks.toml``; a wrong value raises ValueError naming the file."""
    path = files("speechkit") / "data" / "chunks.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        rules = ChunkRules(int(raw["threshold_chars"]), int(raw["chunk_chars"]), re.compile(raw["heading"]),
                           str(raw["sentence_end"]), str(raw["closing"]))
    except (KeyError, TypeError, ValueError, re.error) as exc:
        raise ValueError(f"{path}: {exc}") from exc
    if rules.chunk_chars < 1000 or rules.threshold_chars < rules.chunk_chars:
        raise ValueError(f"{path}: need 1000 <= chunk_chars <= threshold_chars")
    return rules


def chunk_bounds(text: str, size: int, heading: re.Pattern[str] | None = None, sentence_end: str = "。！？；!?;",
                 closing: str = "”’」』）)】》\"", frame_starts: Sequence[int] = ()) -> list[tuple[int, int]]:
    """``(start, end)`` of consecutive chunks of ``text`` of at most about ``size`` characters.

    A cut is made at the last place of each window that is, in order of preference (a frame or
    a heading in the last nine tenths of the window, the others in its second half): one of
    ``frame_starts`` (line starts where the targets' review/plan frame is set: the chunk then reads
    the same frames as one pass); the start of a line matching ``heading``; the line after a blank
    line; the line
    after any line break; after a sentence end mark (and its closing quotes). Only a window
    without any of those is cut at ``size`` (no sentence to respect: a text without punctuation
    or line breaks). The chunks cover the text exactly.

    >>> text = "一、回顾\\n去年增长5%。\\n二、安排\\n今年增长6%。\\n"
    >>> [text[a:b] for a, b in chunk_bounds(text, 14, re.compile("[一二三]、"))]
    ['一、回顾\\n去年增长5%。\\n', '二、安排\\n今年增长6%。\\n']
    """
    bounds: list[tuple[int, int]] = []
    start, n = 0, len(text)
    while n - start > size:
        hi = start + size
        # a heading may be looked for in the last nine tenths of the window, the rest in its second half
        head_lo = start + size // 10
        k = bisect.bisect_left(frame_starts, hi) - 1
        if k >= 0 and frame_starts[k] > head_lo:
            cut = frame_starts[k]
        else:
            cut = _cut(text, head_lo, start + size // 2, hi, heading, sentence_end, closing)
        bounds.append((start, cut))
        start = cut
    bounds.append((start, n))
    return bounds


def _cut(text: str, head_lo: int, lo: int, hi: int, heading: re.Pattern[str] | None, sentence_end: str, closing: str) -> int:
    """Where to cut (see :func:`chunk_bounds`): before a heading in ``text[head_lo:hi]``, else in ``text[lo:hi]``."""
    if heading is not None:
        last = None
        pos = text.find("\n", head_lo - 1, hi)
        while pos != -1 and pos + 1 < hi:
            if heading.match(text, pos + 1):
                last = pos + 1
            pos = text.find("\n", pos + 1, hi)
        if last is not None and last > head_lo:
            return last
    blank = text.rfind("\n\n", lo, hi)
    if blank != -1:
        return blank + 2
    line = text.rfind("\n", lo, hi)
    if line != -1:
        return line + 1
    for pos in range(hi - 1, lo - 1, -1):
        if text[pos] in sentence_end:
            pos += 1
            while pos < hi and text[pos] in closing:
                pos += 1
            return pos
    return hi


class ChunkedAnalysis:
    """The analysis of one huge document, chunk by chunk.

    Iterate :meth:`chunk_tables` (each item: the Arrow tables of :data:`STREAMED_PER_CHUNK`, already
    shifted to the whole text), then :meth:`finish` gives the per-document rows (themes, sections, outlines,
    keywords_textrank) and the sums (term counts, sentences, theme sentences).
    """

    def __init__(self, doc_id: str, text: str, tools: "AnalysisTools", year: int | None = None,
                 rules: ChunkRules | None = None):
        self.doc_id, self.text, self.tools, self.year = doc_id, text, tools, year
        self.rules = rules or chunk_rules()
        self.sentences = 0
        self.counts: Counter[str] = Counter()
        self._hits: list[dict[str, int]] = []  # one (shared) dict per sentence with a theme hit
        self._interned: dict[tuple, dict[str, int]] = {}
        self._vocab: dict[str, int] = {}  # TextRank node ids, in order of first appearance
        self._graph: "sp.csr_matrix | None" = None
        self._tail = np.zeros(0, dtype=np.int64)  # the last window-1 tokens before the next chunk

    def chunk_tables(self) -> Iterator[dict[str, pa.Table]]:
        """The tables of :data:`STREAMED_PER_CHUNK` for each chunk, in text order, already shifted to the
        whole text (Arrow tables, no dict per row), and the table of every registered step
        (:func:`speechkit.steps.register`): such a step sees each chunk as a document of its own (its
        offsets and sentence ids are the chunk's). The per-document steps (outline, TextRank) do not
        run on a chunk: :meth:`finish` computes them over the whole document.

        >>> from speechkit.analyze import AnalysisTools, AnalyzeOptions
        >>> rules = ChunkRules(60, 30, re.compile("[一二三]、"), "。", "")
        >>> c = ChunkedAnalysis("d1", "一、回顾\\n去年增长5%。\\n" * 4, AnalysisTools(AnalyzeOptions()), rules=rules)
        >>> [t["sentences"]["sentence_id"].to_pylist() for t in c.chunk_tables()]
        [[0, 1, 2, 3], [4, 5, 6, 7]]
        """
        from speechkit.analyze import registered_tables
        from speechkit.steps import Doc, run_steps

        names = (*STREAMED_PER_CHUNK, *registered_tables(self.tools.steps))
        chain = _chunk_chain(self.tools.steps)
        r = self.rules
        for start, end in chunk_bounds(self.text, r.chunk_chars, r.heading, r.sentence_end, r.closing, self._frame_starts()):
            doc = Doc(self.doc_id, self.text[start:end], self.year, self.tools)
            written = run_steps(doc, chain)
            tables = {name: written[name] for name in names}
            tables = self._shift_tables(tables, start)
            self._gather_tables(tables, doc.values.get("tokens", []))
            self.counts.update(doc.values.get("term_counts", {}))
            self.sentences += len(doc.values.get("sentences", ()))
            yield tables

    def _frame_starts(self) -> list[int]:
        """Line starts where the targets' review/plan frame is set (a heading like 二、2024年工作安排 or a
        short line 2024年工作安排), found by the targets module's own reading of the whole text."""
        from speechkit.targets import _frames, _rules

        frames = _frames(self.text, _rules(), self.year)
        text = self.text
        return [p for p, kind in zip(frames.sec_pos, frames.sec_kind) if kind and p > 0 and text[p - 1] == "\n"]

    def _add_tokens(self, ids: list[int]) -> None:
        """Add a chunk's TextRank nodes (in order) to the document's co-occurrence graph."""
        from speechkit.keywords import TEXTRANK_WINDOW, _cooccurrence_graph

        vocab = self._vocab
        seq = np.concatenate([self._tail, np.asarray(ids, dtype=np.int64)])
        n = len(vocab)
        graph = _cooccurrence_graph(seq, n, TEXTRANK_WINDOW) - _cooccurrence_graph(self._tail, n, TEXTRANK_WINDOW)
        if self._graph is None:
            self._graph = graph
        else:
            self._graph.resize((n, n))
            self._graph = self._graph + graph
        self._graph.eliminate_zeros()
        self._tail = seq[-(TEXTRANK_WINDOW - 1):] if seq.size else self._tail

    def _shift_tables(self, tables: dict[str, pa.Table], start: int) -> dict[str, pa.Table]:
        """A chunk's tables moved to the whole text: sentence ids continued after the earlier chunks',
        offsets plus the chunk's ``start``; a target opening the chunk gets the indicator key of the
        whole text (its line before may lie in the chunk before)."""
        import pyarrow.compute as pc  # here: the analyze stage imports this module for chunk_rules alone

        base = self.sentences

        def plus(table: pa.Table, column: str, by: int) -> pa.Table:
            i = table.schema.get_field_index(column)
            return table.set_column(i, table.schema.field(i), pc.add(table.column(i), pa.scalar(by, pa.int64())))

        if base:
            for name in ("sentences", "tokens", "sentence_themes"):
                tables[name] = plus(tables[name], "sentence_id", base)
        if start:
            for name, keys in _OFFSETS.items():
                for key in keys:
                    tables[name] = plus(tables[name], key, start)
            targets = tables["targets"]
            opening = np.flatnonzero(pc.fill_null(pc.equal(targets.column("start"), start), False).to_numpy(zero_copy_only=False))
            if opening.size:
                # a target opening the chunk: its indicator may be read from the line before (in the whole text)
                from speechkit.indicators import indicator_key
                from speechkit.steps.targets import line_before as _line_before

                keys_column = targets.column("indicator_key").to_pylist()
                for i in opening.tolist():
                    row = {k: targets.column(k)[i].as_py() for k in ("indicator", "sentence", "value", "unit", "start")}
                    keys_column[i] = indicator_key(indicator=row["indicator"], sentence=row["sentence"], value=row["value"],
                                                   unit=row["unit"], indicators=self.tools.indicators,
                                                   before=_line_before(self.text, row["start"]))
                j = targets.schema.get_field_index("indicator_key")
                tables["targets"] = targets.set_column(j, targets.schema.field(j),
                                                       pa.array(keys_column, targets.schema.field(j).type))
        return tables

    def _gather_tables(self, tables: dict[str, pa.Table], tokens: Sequence[str]) -> None:
        """Keep what the per-document tables need from a chunk: theme hits per sentence (its
        ``sentence_themes``), the TextRank graph (its content tokens, in order)."""
        themes = tables["sentence_themes"]
        per_sentence: dict[int, dict[str, int]] = {}
        for sid, theme, hits in zip(themes.column("sentence_id").to_pylist(), themes.column("theme").to_pylist(),
                                    themes.column("hits").to_pylist()):
            per_sentence.setdefault(sid, {})[theme] = hits
        for found in per_sentence.values():
            key = tuple(sorted(found.items()))
            self._hits.append(self._interned.setdefault(key, found))
        vocab = self._vocab
        self._add_tokens([vocab.setdefault(t, len(vocab)) for t in tokens if len(t) >= 2])

    def finish(self) -> tuple[dict[str, list[dict]], dict[str, int], int, int]:
        """(rows of the per-document tables, term counts, sentences, sentences with a theme) after :meth:`chunk_tables`."""
        from speechkit.keywords import textrank_of_graph
        from speechkit.outline import parse_outline
        from speechkit.themes import document_theme_table

        doc_id, covered = self.doc_id, len(self._hits)
        sentence_hits: list[dict[str, int]] = self._hits + [{}] * (self.sentences - covered)
        rows: dict[str, list[dict[str, Any]]] = {
            "themes": document_theme_table(doc_id, sentence_hits, self.tools.themes, chars=len(self.text))}
        sections, outline = parse_outline(self.text)
        rows["sections"] = [dict(vars(s), doc_id=doc_id) for s in sections]
        rows["outlines"] = [dict(vars(outline), doc_id=doc_id, sentences=self.sentences, theme_sentences=covered)]
        terms = sorted(self._vocab)
        ranked: list[tuple[str, float]] = []
        if terms and self._graph is not None:
            order = np.fromiter((self._vocab[t] for t in terms), dtype=np.int64, count=len(terms))
            graph = self._graph[order][:, order].tocsr()
            graph.sort_indices()
            ranked = textrank_of_graph(terms, graph, self.tools.options.top_keywords)
        rows["keywords_textrank"] = [{"doc_id": doc_id, "method": "textrank", "rank": rank, "term": term, "score": score}
                                     for rank, (term, score) in enumerate(ranked, start=1)]
        return rows, dict(self.counts), self.sentences, covered


def _chunk_chain(chain: "tuple[Step, ...]") -> "tuple[Step, ...]":
    """The steps a chunk runs: ``chain`` without the per-document steps (:data:`_WHOLE_DOCUMENT_STEPS`)
    that no remaining step reads from.

    >>> from speechkit.steps import BUILTIN
    >>> [s.name for s in _chunk_chain(BUILTIN)]
    ['sentences', 'themes', 'targets']
    """
    kept = tuple(s for s in chain if s.name not in _WHOLE_DOCUMENT_STEPS)
    needed = {value for s in kept for value in s.reads}
    dropped = {value for s in chain if s.name in _WHOLE_DOCUMENT_STEPS for value in s.provides}
    return chain if needed & dropped else kept
