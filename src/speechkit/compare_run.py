"""`speechkit compare`: write every comparison table and chart for one grouping.

A thin driver over :class:`speechkit.api.Corpus` (the CLI calls this; this calls
the API). Chart file names come from fixed names and group numbers, never from
document text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from speechkit.io import write_table

__all__ = ["CompareResult", "compare_corpus", "check_group_columns", "warn_small_groups"]

MAX_WORDCLOUDS = 12


@dataclass
class CompareResult:
    """What `speechkit compare` wrote."""

    by: list[str]
    out_dir: Path
    row_counts: dict[str, int] = field(default_factory=dict)
    charts: list[Path] = field(default_factory=list)


def check_group_columns(corpus, by: Sequence[str]) -> list[str]:
    """Validate ``by`` against the corpus's grouping columns; ValueError lists the valid ones.

    >>> class C:  # a stand-in corpus
    ...     def group_columns(self): return ["year", "city"]
    >>> check_group_columns(C(), ["城市"])
    Traceback (most recent call last):
    ...
    ValueError: unknown --by column(s): 城市; valid columns: year, city
    """
    by = [b for b in by if b]
    if not by:
        raise ValueError("--by needs at least one column, e.g. --by city,year")
    valid = corpus.group_columns()
    unknown = [b for b in by if b not in valid]
    if unknown:
        from speechkit.compare import did_you_mean

        raise ValueError(f"unknown --by column(s): {', '.join(unknown)}{did_you_mean(unknown[0], valid)}; "
                         f"valid columns: {', '.join(valid)}")
    return by


def compare_corpus(
    processed_dir: Path,
    by: Sequence[str],
    out: Path | None = None,
    meta: Path | None = None,
    formats: tuple[str, ...] = ("parquet",),
    threshold: float = 0.8,
    svg: bool = False,
    charts: bool = True,
    progress: Callable[[int, int], None] | None = None,
    command: Sequence[str] | None = None,
) -> CompareResult:
    """Compare groups of documents and write tables (and charts) to ``out``.

    Tables: compare_documents, compare_themes, compare_targets, compare_target_counts,
    compare_outlines, compare_keyness, similarity (long form), near_duplicates; and
    ``run.json`` (the processed folder's run record plus this comparison). Groups of one
    document raise a :class:`speechkit.errors.SpeechkitWarning` (see :func:`warn_small_groups`).
    """
    from speechkit.api import Corpus

    corpus = Corpus.load(processed_dir, meta)
    by = check_group_columns(corpus, list(by))
    out_dir = Path(out) if out else Path(processed_dir) / "compare"
    result = CompareResult(by, out_dir)
    warn_small_groups(corpus, by)
    steps: list[tuple[str, Callable[[], pd.DataFrame]]] = [
        ("compare_documents", lambda: corpus.document_counts(by)),
        ("compare_themes", lambda: corpus.themes(by)),
        ("compare_targets", lambda: corpus.targets(by)),
        ("compare_target_counts", lambda: corpus.target_counts(by)),
        ("compare_outlines", lambda: corpus.outlines(by)),
        ("compare_keyness", lambda: corpus.keyness(by, top=30)),
        ("similarity", lambda: _similarity_long(corpus.similarity())),
        ("near_duplicates", lambda: corpus.near_duplicates(threshold=threshold)),
    ]
    total = len(steps) + (1 if charts else 0)
    for i, (name, make) in enumerate(steps, 1):
        table = make()
        write_table(table, out_dir, name, formats)
        result.row_counts[name] = len(table)
        if progress:
            progress(i, total)
    if charts:
        result.charts = _draw_charts(corpus, by, out_dir / "charts", svg)
        if progress:
            progress(total, total)
    from speechkit import runrecord

    runrecord.update_run_record(out_dir, runrecord.stage_entry(
        "compare", options={"by": list(by), "meta": str(meta) if meta else None, "formats": list(formats),
                            "threshold": threshold, "svg": svg, "charts": charts},
        inputs={"documents": len(corpus.documents)}, user_files={"--meta": meta}, command=command,
        source=processed_dir), tables=runrecord.table_summary(out_dir, result.row_counts), inherit=processed_dir)
    return result


def warn_small_groups(corpus, by: Sequence[str], min_docs: int = 2) -> list[str]:
    """Warn (:class:`speechkit.errors.SpeechkitWarning`) when groups of ``by`` have a single document.

    Returns the labels of those groups. Their theme shares and key terms describe one speech,
    not a place or a year.
    """
    import warnings

    from speechkit.errors import SpeechkitWarning

    if not by:
        return []
    counts = corpus.document_counts(by)
    labels = counts.loc[counts["docs"] < min_docs, "group"].astype(str).tolist()
    if labels and len(counts) > 1:
        warnings.warn(small_groups_message(labels, len(counts), by), SpeechkitWarning, stacklevel=2)
    return labels


def small_groups_message(labels: Sequence[str], total: int, by: Sequence[str]) -> str:
    """The warning text for groups holding a single document.

    >>> small_groups_message(["洛阳市·2022"], 9, ["city", "year"])
    '1 of 9 groups of --by city,year hold a single document (洛阳市·2022): their shares and key terms describe one speech, not the group'
    """
    shown = "、".join(labels[:8]) + ("…" if len(labels) > 8 else "")
    return (f"{len(labels)} of {total} groups of --by {','.join(by)} hold a single document ({shown}): "
            "their shares and key terms describe one speech, not the group")


def _similarity_long(square: pd.DataFrame) -> pd.DataFrame:
    """A doc×doc cosine matrix as rows doc_a, doc_b, cosine (upper triangle)."""
    if square.empty:
        return pd.DataFrame({"doc_a": pd.Series([], dtype=str), "doc_b": pd.Series([], dtype=str), "cosine": pd.Series([], dtype=float)})
    long = square.stack().rename("cosine").reset_index()
    long.columns = ["doc_a", "doc_b", "cosine"]
    return long[long["doc_a"] < long["doc_b"]].reset_index(drop=True)


def _draw_charts(corpus, by: list[str], chart_dir: Path, svg: bool) -> list[Path]:
    from matplotlib.figure import Figure

    from speechkit.charts import save_figure

    written: list[Path] = []

    def save(fig: Figure, name: str) -> None:
        written.extend(save_figure(fig, chart_dir / f"{name}.png", svg=svg))

    save(corpus.plot_theme_heatmap(by, top_themes=20), "theme_heatmap")
    if "year" in corpus.documents.columns and corpus.documents["year"].notna().any():
        save(corpus.plot_theme_trends(themes=_top_themes(corpus, 8)), "theme_trends")
    save(corpus.plot_keyness(by, top=15), "keyness")
    from speechkit.charts import chart_file_stems

    labels = corpus.document_counts(by)["group"].tolist()[:MAX_WORDCLOUDS]
    for group, stem in zip(labels, chart_file_stems("wordcloud", labels)):
        save(corpus.plot_wordcloud(by, group), stem)
    save(corpus.plot_target_timeline(by), "target_timeline")
    save(corpus.plot_similarity(), "similarity")
    return written


def _top_themes(corpus, n: int) -> list[str]:
    themes = corpus.tables["themes"]
    if themes.empty:
        return []
    return themes.groupby("theme")["hits"].sum().sort_values(ascending=False).index[:n].tolist()
