"""Comparison across groups of documents.

A *group* is a combination of document variables — ``year``, ``province``,
``city``, ``district``, ``level``, ``meeting``, ``speaker``, ``speaker_role``, ``site`` — or of
columns a researcher adds with a metadata CSV keyed by ``source_path``
(see :func:`read_meta`). Every function here takes plain DataFrames (the
tables described in ``docs/tables.md``) and returns a DataFrame with one row
per group (or per group and theme), the grouping columns first and a
human-readable ``group`` label such as ``"杭州市·2023"``.

Documents whose grouping value is missing form their own group, labelled
``"未知"``, so nothing silently disappears from a comparison.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "DOCUMENT_GROUP_COLUMNS",
    "MISSING_LABEL",
    "ALL_LABEL",
    "read_meta",
    "merge_meta",
    "unmatched_meta_paths",
    "resolve_group_columns",
    "group_label",
    "assign_groups",
    "theme_shares",
    "targets_by_group",
    "target_counts",
    "outline_stats",
    "outline_documents",
    "did_you_mean",
    "meta_match_warning",
    "TARGET_KINDS",
]

#: The kinds of targets.parquet (see speechkit.targets).
TARGET_KINDS: tuple[str, ...] = ("target", "achievement")

#: Document variables that can always be used to group (``--by``).
DOCUMENT_GROUP_COLUMNS: tuple[str, ...] = (
    "year",
    "province",
    "city",
    "district",
    "level",
    "meeting",
    "speaker",
    "speaker_role",
    "site",
)

#: Label for a missing grouping value.
MISSING_LABEL = "未知"

#: Label of the single group used when no grouping column is given.
ALL_LABEL = "全部"

#: Columns of documents.parquet that a metadata file may correct
#: (a non-empty value in the meta file wins over the cleaner's value).
_META_OVERRIDABLE = frozenset(DOCUMENT_GROUP_COLUMNS) | {"title", "date"}

_LABEL_SEPARATOR = "·"

#: Column names of the comparison tables; a grouping column may not use them.
_RESERVED_NAMES = frozenset({
    "group", "group_index", "docs", "docs_with_theme", "theme", "field", "hits", "share", "mean_share",
    "pooled_share", "term", "freq", "freq_group", "freq_rest", "g2", "log_ratio", "sign", "rank",
    "left", "keyword", "right", "start", "end", "targets", "indicators", "docs_with_targets",
    "outlines", "docs_with_outline", "incomplete", "incomplete_share", "announced_points_mean",
    "found_points_mean", "chars",
})


# ---------------------------------------------------------------------------
# metadata files
# ---------------------------------------------------------------------------


def _normalise_source_path(path: pd.Series) -> pd.Series:
    """POSIX separators, no leading ``./`` and no surrounding blanks."""
    s = path.astype("string").str.strip().str.replace("\\", "/", regex=False)
    return s.str.replace(r"^(?:\./)+", "", regex=True)


def _infer_column(values: pd.Series) -> pd.Series:
    """Turn a column of strings into numbers when every non-empty value is one.

    Whole numbers become nullable integers (``Int64``) so that a ``year``
    column read from CSV groups and labels as ``2023``, not ``2023.0``.
    """
    present = values.notna()
    if not present.any():
        return values
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers[present].isna().any():
        return values
    finite = numbers[present]
    if np.all(np.mod(finite.to_numpy(dtype=float), 1) == 0):
        return numbers.astype("Int64")
    return numbers.astype("Float64")


def read_meta(path: str | Path) -> pd.DataFrame:
    """Read a researcher's metadata CSV keyed by ``source_path``.

    The file is read as UTF-8 (a BOM, as Excel writes it, is accepted). It
    must have a ``source_path`` column matching ``documents.source_path``
    (relative to the raw directory, ``/`` or ``\\`` separators). Every other
    column becomes a grouping variable; columns holding only numbers become
    numeric. Example file::

        source_path,类型,届次
        杭州/2023_妇儿工委全体会议.txt,妇儿工委,
        杭州/2023_妇女代表大会.txt,妇代会,第十四次

    Raises ``FileNotFoundError`` if the file does not exist and ``ValueError``
    (naming the file) if it has no ``source_path`` column or lists a path twice.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: metadata file not found")
    meta = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    meta.columns = [str(c).strip() for c in meta.columns]
    if "source_path" not in meta.columns:
        found = ", ".join(meta.columns) or "no columns"
        raise ValueError(f"{path}: metadata file must have a 'source_path' column (found: {found})")
    for col in meta.columns:
        meta[col] = meta[col].astype("string").str.strip().replace("", pd.NA)
    meta["source_path"] = _normalise_source_path(meta["source_path"])
    meta = meta[meta["source_path"].notna()]
    duplicated = meta.loc[meta["source_path"].duplicated(), "source_path"].unique().tolist()
    if duplicated:
        shown = ", ".join(map(str, duplicated[:5]))
        raise ValueError(f"{path}: source_path listed more than once: {shown}")
    for col in meta.columns:
        if col != "source_path":
            meta[col] = _infer_column(meta[col])
    return meta.reset_index(drop=True)


def merge_meta(documents: pd.DataFrame, meta: pd.DataFrame | None) -> pd.DataFrame:
    """Join metadata columns onto ``documents`` by ``source_path``.

    New columns are added (empty for documents the file does not list).
    For the document variables (``year``, ``city``, …, ``title``, ``date``) a
    non-empty value in the metadata file corrects the cleaner's value; other
    pipeline columns (``doc_id``, ``text``, counts, …) cannot be set from a
    metadata file: such a column raises ``ValueError``. Rows of ``meta`` that
    match no document are ignored (list them with :func:`unmatched_meta_paths`).
    """
    if meta is None:
        return documents.copy()
    docs = documents.copy()
    reserved = [c for c in meta.columns if c in _RESERVED_NAMES]
    if reserved:
        raise ValueError(
            f"metadata column(s) {', '.join(reserved)} clash with columns of the comparison tables; "
            "rename them (e.g. 组别 instead of group)"
        )
    clashes = [c for c in meta.columns if c != "source_path" and c in docs.columns and c not in _META_OVERRIDABLE]
    if clashes:
        allowed = ", ".join(sorted(_META_OVERRIDABLE))
        raise ValueError(
            f"metadata column(s) {', '.join(clashes)} would overwrite pipeline columns of documents.parquet; "
            f"rename or remove them (columns a metadata file may correct: {allowed})"
        )
    key = _normalise_source_path(docs["source_path"])
    meta = meta.set_index("source_path")
    for col in meta.columns:
        values = meta[col].reindex(key.to_numpy())
        values.index = docs.index
        if col not in docs.columns:
            docs[col] = values
        elif col in _META_OVERRIDABLE:
            original = docs[col]
            if isinstance(original.dtype, pd.Int64Dtype) or col == "year":
                values = pd.to_numeric(values, errors="coerce").astype("Int64")
                docs[col] = values.where(values.notna(), original).astype("Int64")
            else:
                docs[col] = values.astype(object).where(values.notna(), original.astype(object))
                if pd.api.types.is_string_dtype(original.dtype):
                    docs[col] = docs[col].astype(original.dtype)
    return docs


def meta_match_warning(documents: pd.DataFrame, meta: pd.DataFrame, path: object = "--meta") -> str | None:
    """A warning when rows of a metadata file match no document, with examples of both sides.

    >>> docs = pd.DataFrame({"source_path": ["2021/绍兴.txt", "2022/成都.txt"]})
    >>> print(meta_match_warning(docs, pd.DataFrame({"source_path": ["绍兴.txt"]}), "vars.csv"))
    vars.csv: 1 of 1 source_path value(s) match no document (e.g. '绍兴.txt'); no document gets these variables (they are 未知); source_path must be the path relative to RAW_DIR, e.g. '2021/绍兴.txt', '2022/成都.txt'
    """
    unmatched = unmatched_meta_paths(documents, meta)
    if not unmatched:
        return None
    total = int(meta["source_path"].notna().sum())
    examples = ", ".join(repr(p) for p in unmatched[:3])
    known = _normalise_source_path(documents["source_path"]).dropna().head(2).tolist()
    effect = ("no document gets these variables (they are 未知)" if len(unmatched) >= total
              else "those rows are ignored")
    return (f"{path}: {len(unmatched)} of {total} source_path value(s) match no document (e.g. {examples}); "
            f"{effect}; source_path must be the path relative to RAW_DIR, e.g. "
            + ", ".join(repr(k) for k in known))


def unmatched_meta_paths(documents: pd.DataFrame, meta: pd.DataFrame) -> list[str]:
    """``source_path`` values of the metadata file that match no document (likely typos)."""
    known = set(_normalise_source_path(documents["source_path"]).dropna())
    return sorted(p for p in meta["source_path"].dropna() if p not in known)


# ---------------------------------------------------------------------------
# groups
# ---------------------------------------------------------------------------


def did_you_mean(name: object, choices: Iterable[object]) -> str:
    """A " (did you mean 'x'?)" hint naming the closest of ``choices``, or "" when none is close.

    >>> did_you_mean("targets", ["target", "achievement"])
    " (did you mean 'target'?)"
    >>> did_you_mean("城市", ["city", "year"])
    ''
    """
    import difflib

    options = [str(c) for c in choices]
    text = str(name)
    close = difflib.get_close_matches(text, options, n=1, cutoff=0.6)
    if not close:
        lowered = {o.lower(): o for o in options}
        close = difflib.get_close_matches(text.lower(), list(lowered), n=1, cutoff=0.6)
        close = [lowered[c] for c in close]
    return f" (did you mean {close[0]!r}?)" if close else ""


def resolve_group_columns(by: str | Sequence[str] | None, valid: Iterable[str]) -> list[str]:
    """Validate ``by`` against the valid grouping columns and return it as a list.

    ``by`` may be a column name, a comma-separated string (``"city,year"``,
    full-width ``，`` accepted) or a sequence of names; ``None`` means no
    grouping (one group for the whole corpus). An unknown column raises
    ``ValueError`` listing the valid ones.
    """
    if by is None:
        return []
    if isinstance(by, str):
        names = [part.strip() for part in by.replace("，", ",").split(",")]
    else:
        names = [str(part).strip() for part in by]
    names = [n for n in names if n]
    valid = list(valid)
    unknown = [n for n in names if n not in valid]
    if unknown:
        hint = did_you_mean(unknown[0], valid)
        raise ValueError(
            f"unknown grouping column(s): {', '.join(unknown)}{hint}; valid columns: {', '.join(valid)}"
        )
    seen: list[str] = []
    for n in names:
        if n not in seen:
            seen.append(n)
    return seen


def _label_part(values: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(values.dtype):
        present = values.dropna()
        if len(present) == 0 or np.all(np.mod(present.to_numpy(dtype=float), 1) == 0):
            values = values.astype("Int64")
    if pd.api.types.is_bool_dtype(values.dtype):
        values = values.map({True: "是", False: "否"})
    return values.astype("string").fillna(MISSING_LABEL)


def group_label(df: pd.DataFrame, by: Sequence[str]) -> pd.Series:
    """Human-readable label of each row's group: values joined by ``·``.

    >>> group_label(pd.DataFrame({"city": ["杭州市", None], "year": [2023, 2024]}), ["city", "year"]).tolist()
    ['杭州市·2023', '未知·2024']

    With no grouping column every row is labelled ``"全部"``.
    """
    by = list(by)
    if not by:
        return pd.Series(ALL_LABEL, index=df.index, dtype="string", name="group")
    label = _label_part(df[by[0]])
    for col in by[1:]:
        label = label + _LABEL_SEPARATOR + _label_part(df[col])
    return label.rename("group")


def assign_groups(documents: pd.DataFrame, by: Sequence[str]) -> tuple[pd.Series, pd.DataFrame]:
    """Number the groups of ``documents`` by the columns ``by``.

    Returns ``(codes, groups)``: ``codes`` is a Series aligned with
    ``documents`` giving each document's group number, ``groups`` has one row
    per group number (in sorted order of the grouping values, missing values
    last) with the grouping columns, ``group`` (label) and ``docs`` (number
    of documents).
    """
    by = list(by)
    if not by:
        codes = pd.Series(np.zeros(len(documents), dtype=np.int64), index=documents.index)
        groups = pd.DataFrame({"group": pd.array([ALL_LABEL], dtype="string"), "docs": [len(documents)]})
        return codes, groups
    grouped = documents.groupby(by, dropna=False, sort=True)
    codes = grouped.ngroup().astype(np.int64)
    first = documents.loc[:, by].assign(_code=codes.to_numpy()).drop_duplicates("_code")
    groups = first.sort_values("_code").drop(columns="_code").reset_index(drop=True)
    groups["group"] = group_label(groups, by)
    groups["docs"] = np.bincount(codes.to_numpy(), minlength=len(groups))
    return codes, groups


def _documents_with_groups(documents: pd.DataFrame, by: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    codes, groups = assign_groups(documents, by)
    docs = pd.DataFrame({"doc_id": documents["doc_id"].to_numpy(), "_code": codes.to_numpy()})
    return docs, groups


# ---------------------------------------------------------------------------
# themes
# ---------------------------------------------------------------------------


def theme_shares(documents: pd.DataFrame, themes: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Share of each theme per group of documents.

    ``themes`` is themes.parquet (doc_id, theme, field, hits, share). For every
    group × theme the result has:

    - ``docs``: documents in the group; ``docs_with_theme``: those with a hit;
    - ``hits``: summed theme hits;
    - ``mean_share``: mean of the documents' shares, a document without hits
      counting as 0 — every speech weighs the same;
    - ``pooled_share``: group hits of the theme / group hits of all themes —
      long speeches weigh more;
    - ``rate``: group hits per 10,000 characters of the group's documents (not
      compositional: it does not move when other themes gain hits) and
      ``mean_rate`` the mean of the documents' rates;
    - ``sentence_share``: mean over the documents of the share of their sentences
      with the theme (from themes.parquet ``sentence_share``; 0 without hits);
    - ``reliable_docs``: documents with ≥ 5 hits of the theme (``reliable`` in
      themes.parquet) — a group whose figures rest on few hits has few of them.

    Example: two 杭州市 speeches with 妇女就业 shares 0.5 and 0 give
    ``mean_share`` 0.25.
    """
    by = list(by)
    docs, groups = _documents_with_groups(documents, by)
    extra = [c for c in ("rate", "sentence_share", "reliable") if c in themes.columns]  # themes.parquet of issue 18
    hits = themes.loc[:, ["doc_id", "theme", "hits", "share", *extra]].merge(docs, on="doc_id", how="inner")
    theme_names = sorted(hits["theme"].dropna().unique().tolist())
    columns = [*by, "group", "theme", "field", "docs", "docs_with_theme", "hits", "mean_share", "pooled_share",
               "rate", "mean_rate", "sentence_share", "reliable_docs"]
    if not theme_names:
        return pd.DataFrame(columns=columns)

    n_groups, n_themes = len(groups), len(theme_names)
    theme_code = pd.Categorical(hits["theme"], categories=theme_names).codes.astype(np.int64)
    keep = theme_code >= 0
    g = hits["_code"].to_numpy()[keep]
    t = theme_code[keep]
    flat = g * n_themes + t
    size = n_groups * n_themes
    hit_values = pd.to_numeric(hits["hits"], errors="coerce").fillna(0).to_numpy(dtype=float)[keep]
    share_values = pd.to_numeric(hits["share"], errors="coerce").fillna(0).to_numpy(dtype=float)[keep]
    hit_sum = np.bincount(flat, weights=hit_values, minlength=size).reshape(n_groups, n_themes)
    share_sum = np.bincount(flat, weights=share_values, minlength=size).reshape(n_groups, n_themes)
    with_theme = np.bincount(flat, weights=(hit_values > 0).astype(float), minlength=size).reshape(n_groups, n_themes)

    n_docs = groups["docs"].to_numpy(dtype=float)[:, None]
    total_hits = hit_sum.sum(axis=1, keepdims=True)
    mean_share = np.divide(share_sum, n_docs, out=np.zeros_like(share_sum), where=n_docs > 0)
    pooled_share = np.divide(hit_sum, total_hits, out=np.zeros_like(hit_sum), where=total_hits > 0)

    fields = (
        themes.dropna(subset=["theme"]).drop_duplicates("theme").set_index("theme")["field"]
        if "field" in themes.columns
        else pd.Series(dtype=object)
    )
    out = groups.loc[np.repeat(np.arange(n_groups), n_themes)].reset_index(drop=True)
    out["theme"] = np.tile(np.asarray(theme_names, dtype=object), n_groups)
    out["field"] = fields.reindex(out["theme"]).to_numpy()
    out["docs_with_theme"] = with_theme.ravel().astype(np.int64)
    out["hits"] = hit_sum.ravel().astype(np.int64)
    out["mean_share"] = mean_share.ravel()
    out["pooled_share"] = pooled_share.ravel()

    def doc_mean(col: str) -> np.ndarray:
        if col not in hits.columns:
            return np.full(size, np.nan)
        values = pd.to_numeric(hits[col], errors="coerce").fillna(0).to_numpy(dtype=float)[keep]
        total = np.bincount(flat, weights=values, minlength=size).reshape(n_groups, n_themes)
        return np.divide(total, n_docs, out=np.zeros_like(total), where=n_docs > 0).ravel()

    if "text" in documents.columns:
        chars = documents["text"].fillna("").astype(str).str.len().to_numpy(dtype=float)
    elif "clean_chars" in documents.columns:
        chars = pd.to_numeric(documents["clean_chars"], errors="coerce").fillna(0).to_numpy(dtype=float)
    else:
        chars = None
    if chars is not None:
        group_chars = np.bincount(docs["_code"].to_numpy(), weights=chars, minlength=n_groups)[:, None]
        rate = np.divide(hit_sum * 10_000, group_chars, out=np.zeros_like(hit_sum), where=group_chars > 0)
        out["rate"] = rate.ravel()
    else:
        out["rate"] = np.nan
    out["mean_rate"] = doc_mean("rate")
    out["sentence_share"] = doc_mean("sentence_share")
    if "reliable" in hits.columns:
        ok = hits["reliable"].astype("boolean").fillna(False).to_numpy(dtype=bool)[keep].astype(float)
        out["reliable_docs"] = np.bincount(flat, weights=ok, minlength=size).astype(np.int64)
    else:
        out["reliable_docs"] = pd.array([pd.NA] * len(out), dtype="Int64")
    return out.loc[:, columns]


# ---------------------------------------------------------------------------
# targets
# ---------------------------------------------------------------------------

_DOC_CONTEXT_COLUMNS = ("title", "year", "province", "city", "district", "meeting")


def targets_by_group(
    documents: pd.DataFrame,
    targets: pd.DataFrame,
    by: Sequence[str] = (),
    kind: str | None = None,
    indicator: str | None = None,
) -> pd.DataFrame:
    """Quantitative targets joined with the variables of their documents.

    Each target row gains the document's title, place and year (and the
    grouping columns plus a ``group`` label when ``by`` is given). ``kind``
    keeps one kind of target exactly; ``indicator`` keeps targets whose
    indicator contains the given text (``indicator="妇联"`` keeps
    ``新建行业妇联``). Targets of documents not in ``documents`` (errors) are
    dropped.
    """
    by = list(by)
    context = [c for c in _DOC_CONTEXT_COLUMNS if c in documents.columns and c not in by]
    docs = documents.loc[:, ["doc_id", *context, *by]].copy()
    docs["group"] = group_label(docs, by)
    out = targets.merge(docs, on="doc_id", how="inner")
    known_kinds = list(dict.fromkeys([*TARGET_KINDS, *targets["kind"].dropna().astype(str)])) if "kind" in targets.columns else list(TARGET_KINDS)
    if kind is not None and kind not in known_kinds:
        raise ValueError(f"unknown target kind {kind!r}{did_you_mean(kind, known_kinds)}; "
                         f"kinds: {', '.join(known_kinds)}")
    if kind is not None:
        out = out[out["kind"] == kind]
    if indicator is not None:
        out = out[out["indicator"].astype("string").str.contains(indicator, regex=False, na=False)]
    front = ["doc_id", *by, "group", *context]
    rest = [c for c in out.columns if c not in front]
    out = out.loc[:, front + rest]
    if not by:
        out = out.drop(columns="group")
    sort_cols = [*by, "doc_id"] + (["start"] if "start" in out.columns else [])
    return out.sort_values(sort_cols, na_position="last", kind="stable").reset_index(drop=True)


def target_counts(documents: pd.DataFrame, targets: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Number of targets per group, with the documents that state any.

    Columns: grouping columns, ``group``, ``docs``, ``docs_with_targets``,
    ``targets`` and ``indicators`` — the distinct indicators, most frequent
    first, joined with ``、`` (e.g. ``"妇女就业率、新建行业妇联"``).
    """
    by = list(by)
    docs, groups = _documents_with_groups(documents, by)
    t = targets.loc[:, ["doc_id", "indicator"]].merge(docs, on="doc_id", how="inner")
    n = len(groups)
    codes = t["_code"].to_numpy()
    groups["docs_with_targets"] = (
        np.bincount(t.drop_duplicates("doc_id")["_code"].to_numpy(), minlength=n) if len(t) else np.zeros(n, int)
    )
    groups["targets"] = np.bincount(codes, minlength=n) if len(t) else np.zeros(n, int)
    if len(t):
        counted = (
            t.dropna(subset=["indicator"])
            .groupby(["_code", "indicator"], sort=False)
            .size()
            .reset_index(name="n")
            .sort_values(["_code", "n", "indicator"], ascending=[True, False, True])
        )
        joined = counted.groupby("_code")["indicator"].agg(lambda s: "、".join(map(str, s)))
        groups["indicators"] = joined.reindex(np.arange(n)).fillna("").to_numpy()
    else:
        groups["indicators"] = ""
    return groups.loc[:, [*by, "group", "docs", "docs_with_targets", "targets", "indicators"]]


# ---------------------------------------------------------------------------
# outlines
# ---------------------------------------------------------------------------


def outline_stats(documents: pd.DataFrame, outlines: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Announced vs found outline points per group.

    An 意见 outline announces a number of points (``提出三点意见``) and the
    analyzer counts how many it found (``一是``/``二是``/…). Per group:
    ``docs``, ``docs_with_outline``, ``outlines``, ``announced_points_mean``,
    ``found_points_mean`` (means over outlines; NaN when the group has none),
    ``incomplete`` (outlines whose found points fall short) and
    ``incomplete_share`` (incomplete / outlines).
    """
    by = list(by)
    docs, groups = _documents_with_groups(documents, by)
    o = outlines.merge(docs, on="doc_id", how="inner")
    n = len(groups)
    codes = o["_code"].to_numpy()
    count = np.bincount(codes, minlength=n).astype(float) if len(o) else np.zeros(n)
    announced = pd.to_numeric(o["announced_points"], errors="coerce").astype(float)
    found = pd.to_numeric(o["found_points"], errors="coerce").astype(float)

    def mean_of(values: pd.Series) -> np.ndarray:
        present = values.notna().to_numpy()
        total = np.bincount(codes[present], weights=values.to_numpy()[present], minlength=n) if len(o) else np.zeros(n)
        k = np.bincount(codes[present], minlength=n) if len(o) else np.zeros(n)
        return np.divide(total, k, out=np.full(n, np.nan), where=k > 0)

    complete = o["complete"].astype("boolean").fillna(False).to_numpy(dtype=bool) if len(o) else np.zeros(0, bool)
    incomplete = np.bincount(codes[~complete], minlength=n) if len(o) else np.zeros(n, int)
    groups["docs_with_outline"] = np.bincount(o.drop_duplicates("doc_id")["_code"].to_numpy(), minlength=n) if len(o) else np.zeros(n, int)
    groups["outlines"] = count.astype(np.int64)
    groups["announced_points_mean"] = mean_of(announced)
    groups["found_points_mean"] = mean_of(found)
    groups["incomplete"] = np.asarray(incomplete, dtype=np.int64)
    groups["incomplete_share"] = np.divide(incomplete, count, out=np.full(n, np.nan), where=count > 0)
    return groups.loc[
        :,
        [*by, "group", "docs", "docs_with_outline", "outlines", "announced_points_mean",
         "found_points_mean", "incomplete", "incomplete_share"],
    ]


def outline_documents(documents: pd.DataFrame, outlines: pd.DataFrame, incomplete_only: bool = False) -> pd.DataFrame:
    """Outlines with the title, place and year of their document.

    With ``incomplete_only=True`` only outlines that announce more points than
    were found are kept — e.g. ``提出四点意见`` with only ``一是``–``三是`` found,
    typically a paywall cut or a scraping gap.
    """
    context = [c for c in _DOC_CONTEXT_COLUMNS if c in documents.columns]
    out = outlines.merge(documents.loc[:, ["doc_id", *context]], on="doc_id", how="inner")
    if incomplete_only:
        out = out[~out["complete"].astype("boolean").fillna(False).to_numpy(dtype=bool)]
    front = ["doc_id", *context]
    out = out.loc[:, front + [c for c in out.columns if c not in front]]
    return out.sort_values(["doc_id"], kind="stable").reset_index(drop=True)
