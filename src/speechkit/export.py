"""Hand a processed corpus over to Stata, R, Excel or any CSV reader.

``speechkit export PROCESSED_DIR --to stata|r|excel|csv`` (and
``corpus.export(to=...)``) write one folder per target, each with the run
record (``run.json``) of the tables it came from and ``NOTES.txt`` saying
what was changed to fit the target:

- **stata**: one ``.dta`` (format 118, UTF-8, Stata 14+) per table. Variable
  names are made legal (``end`` is reserved → ``end_``; at most 32 characters;
  a renamed column keeps its original name in its label), every variable is
  labelled (``data/export.toml``), integer columns stay integers (Stata
  ``long``/``byte`` with ``.`` for missing, never 2025.0), booleans are 0/1,
  lists (``missing_numbers``) become space-separated text, all-null columns
  become empty strings, and text longer than a ``str#`` can hold is written as
  ``strL``. ``tokens`` (one list per sentence) is given as ``doc_terms``
  (doc_id, term, count).
- **r**: Parquet files for ``arrow::read_parquet`` — ``corpus.parquet``
  (doc_id, text and every document variable: ``quanteda::corpus(df,
  docid_field = "doc_id", text_field = "text")``), ``tokens_long.parquet`` (one
  row per token), ``doc_terms.parquet`` (long doc–term–count), and the
  document–term matrix as Matrix Market (``dtm.mtx`` + ``dtm_terms.csv`` +
  ``dtm_docs.csv``: ``Matrix::readMM`` then ``quanteda::as.dfm``), the other
  tables as Parquet, and ``load_speechkit.R``.
- **excel**: ``speechkit.xlsx``, one sheet per table; cells longer than Excel's
  32,767-character limit are split over ``text``, ``text_2`` … columns.
- **csv**: one CSV per table, UTF-8 with BOM (Excel shows Chinese), lists
  joined by spaces, long cells split as for Excel, tokens one row per token.

Raw text (``raw_text``) is never exported (it is in documents.parquet); the
notes say so.
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from speechkit.io import atomic_write_bytes, atomic_write_text

if TYPE_CHECKING:  # pragma: no cover
    from speechkit.api import Corpus

__all__ = ["EXPORT_TARGETS", "DATA_FILES", "ExportResult", "export_corpus", "stata_names", "split_long_cells",
           "export_tables"]

EXPORT_TARGETS = ("stata", "r", "excel", "csv")
DATA_FILES = ("export.toml",)
#: Tables handed over besides documents, in this order.
DOCUMENT_TABLES = ("themes", "sentence_themes", "targets", "outlines", "sections", "keywords",
                   "doc_topics", "sentences", "removals")
CORPUS_TABLES = ("topics",)


@dataclass
class ExportResult:
    """What an export wrote: ``paths`` (table → file), ``rows`` (table → rows) and ``notes``."""

    to: str
    out_dir: Path
    paths: dict[str, Path] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def _settings() -> dict[str, Any]:
    text = (resources.files("speechkit") / "data" / "export.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _label(table: str, column: str) -> str | None:
    labels = _settings().get("labels", {})
    return labels.get(table, {}).get(column) or labels.get("common", {}).get(column)


# ---------------------------------------------------------------- tables


def _is_list_column(series: pd.Series) -> bool:
    if series.dtype != object:
        return False
    sample = series.dropna().head(50)
    return len(sample) > 0 and sample.map(lambda v: isinstance(v, (list, tuple, np.ndarray))).all()


def _join_lists(series: pd.Series) -> pd.Series:
    return series.map(lambda v: " ".join(str(x) for x in v) if isinstance(v, (list, tuple, np.ndarray)) else v)


def _tokens_long(tokens: pd.DataFrame, doc_ids: set[str]) -> pd.DataFrame:
    """tokens.parquet (a list per sentence) as one row per token: doc_id, sentence_id, position, token."""
    if tokens.empty:
        return pd.DataFrame({"doc_id": pd.Series(dtype="string"), "sentence_id": pd.Series(dtype="int64"),
                             "position": pd.Series(dtype="int64"), "token": pd.Series(dtype="string")})
    tokens = tokens[tokens["doc_id"].isin(doc_ids)]
    lists = tokens["tokens"].to_numpy()
    lengths = np.fromiter((0 if t is None else len(t) for t in lists), dtype=np.int64, count=len(lists))
    flat = [tok for t in lists if t is not None for tok in t]
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return pd.DataFrame({
        "doc_id": pd.array(np.repeat(tokens["doc_id"].to_numpy(dtype=object), lengths), dtype="string"),
        "sentence_id": np.repeat(tokens["sentence_id"].to_numpy(dtype=np.int64), lengths),
        "position": (np.arange(int(lengths.sum()), dtype=np.int64) - starts),
        "token": pd.array(flat, dtype="string"),
    })


def _doc_term_matrix(corpus: "Corpus"):
    """(sparse doc × term counts, doc_ids, terms) over content tokens (stopwords dropped)."""
    counts = corpus._document_term_counts()
    return counts.counts.tocsr(), corpus.documents["doc_id"].to_numpy(dtype=object), counts.terms


def _doc_terms(matrix, doc_ids, terms) -> pd.DataFrame:
    coo = matrix.tocoo()
    order = np.lexsort((coo.col, coo.row))
    return pd.DataFrame({
        "doc_id": pd.array(doc_ids[coo.row[order]], dtype="string"),
        "term": pd.array(np.asarray(terms, dtype=object)[coo.col[order]], dtype="string"),
        "count": coo.data[order].astype(np.int64),
    })


def export_tables(corpus: "Corpus", to: str, text: bool = True) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """The tables an export to ``to`` writes (name → frame) and the notes about them.

    Only documents of the corpus (``status == 'ok'``, after :meth:`Corpus.subset` or
    :meth:`Corpus.without_near_duplicates`) and their rows are handed over.
    """
    notes: list[str] = []
    docs = corpus.documents.copy()
    if not text and "text" in docs.columns:
        docs = docs.drop(columns="text")
        notes.append("documents: the text column was left out (text=False / --no-text)")
    notes.append("documents: raw_text (the page before cleaning) is not exported; it is in documents.parquet")
    ids = set(docs["doc_id"].astype(str))
    out: dict[str, pd.DataFrame] = {"documents": docs}
    from speechkit.analyze import registered_tables

    for name in (*DOCUMENT_TABLES, *registered_tables()):  # registered analysis steps' tables after the built-in ones
        store = corpus.tables
        if hasattr(store, "on_disk") and not store.on_disk(name):
            continue
        frame = store[name]
        if "doc_id" in frame.columns:
            frame = frame[frame["doc_id"].astype(str).isin(ids)]
        out[name] = frame.reset_index(drop=True)
    for name in CORPUS_TABLES:
        store = corpus.tables
        if hasattr(store, "on_disk") and not store.on_disk(name):
            continue
        out[name] = store[name]
    has_tokens = not (hasattr(corpus.tables, "on_disk") and not corpus.tables.on_disk("tokens"))
    if has_tokens:
        matrix, doc_ids, terms = _doc_term_matrix(corpus)
        out["doc_terms"] = _doc_terms(matrix, doc_ids, terms)
        if to in ("r", "csv"):
            out["tokens_long"] = _tokens_long(corpus.tables["tokens"], ids)
        if to == "stata":
            notes.append("tokens: given as doc_terms (doc_id, term, count); the token lists do not fit a .dta")
    return out, notes


# ---------------------------------------------------------------- stata


def stata_names(columns, reserved=None, max_chars: int | None = None) -> dict[str, str]:
    """Legal, unique Stata variable names for ``columns`` (original → new).

    >>> stata_names(["doc_id", "end", "2024年", "a b", "类型"])
    {'doc_id': 'doc_id', 'end': 'end_', '2024年': '_2024年', 'a b': 'a_b', '类型': '类型'}
    """
    settings = _settings()["stata"]
    reserved = set(settings["reserved"] if reserved is None else reserved)
    max_chars = max_chars or int(settings["max_name_chars"])
    taken: set[str] = set()
    out: dict[str, str] = {}
    for column in columns:
        name = "".join(ch if (ch.isalnum() or ch == "_") else "_" for ch in str(column)) or "v"
        if name[0].isdigit():
            name = "_" + name
        name = name[:max_chars]
        if name in reserved:
            name = (name + "_")[:max_chars]
        base, k = name, 2
        while name in taken or name in reserved:
            suffix = f"_{k}"
            name = base[: max_chars - len(suffix)] + suffix
            k += 1
        taken.add(name)
        out[str(column)] = name
    return out


def _stata_frame(name: str, frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str], list[str], list[str]]:
    """(frame ready for ``to_stata``, variable labels, strL columns, notes)."""
    settings = _settings()["stata"]
    names = stata_names(frame.columns)
    out = pd.DataFrame(index=range(len(frame)))
    labels: dict[str, str] = {}
    strl: list[str] = []
    notes: list[str] = []
    max_label = int(settings["max_label_chars"])
    for column in frame.columns:
        series = frame[column].reset_index(drop=True)
        new = names[str(column)]
        if pd.api.types.is_bool_dtype(series.dtype):
            series = series.astype("Int8") if series.isna().any() else series.astype(np.int8)
        elif isinstance(series.dtype, pd.BooleanDtype):
            series = series.astype("Int8")
        elif pd.api.types.is_integer_dtype(series.dtype):
            pass  # Int64/int64: written as Stata integers, missing as "."
        elif pd.api.types.is_float_dtype(series.dtype):
            pass
        else:
            if _is_list_column(series):
                series = _join_lists(series)
            series = series.astype(object).where(series.notna(), "").map(str)
            if len(series) and series.map(lambda s: len(s.encode("utf-8"))).max() > int(settings["max_str_bytes"]):
                strl.append(new)
        label = _label(name, str(column)) or ""
        if new != str(column):
            label = f"{column}: {label}" if label else str(column)
            notes.append(f"{name}: column {column!r} is named {new!r} in Stata")
        if len(label) > max_label:
            label = label[: max_label - 1] + "…"
        labels[new] = label
        out[new] = series
    if strl:
        notes.append(f"{name}: {', '.join(strl)} stored as strL (longer than {settings['max_str_bytes']} bytes)")
    return out, labels, strl, notes


def _write_stata(path: Path, name: str, frame: pd.DataFrame) -> list[str]:
    import io
    import warnings

    from speechkit._version import __version__

    data, labels, strl, notes = _stata_frame(name, frame)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # names are already legal; pandas' own renaming never runs
        data.to_stata(buffer, write_index=False, version=int(_settings()["stata"]["format_version"]),
                      variable_labels=labels, convert_strl=strl or None,
                      data_label=f"speechkit {__version__}: {name}"[:80])
    atomic_write_bytes(path, buffer.getvalue())
    return notes


# ---------------------------------------------------------------- excel / csv


def split_long_cells(frame: pd.DataFrame, max_chars: int | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Split text cells longer than ``max_chars`` over extra columns ``col_2``, ``col_3`` … next to ``col``.

    Excel cuts a cell at 32,767 characters when it opens a CSV and refuses longer cells in a
    workbook; concatenating ``text``, ``text_2`` … gives the text back exactly.

    >>> df = pd.DataFrame({"doc_id": ["a"], "text": ["妇女儿童" * 3]})
    >>> split_long_cells(df, max_chars=5)[0].columns.tolist()
    ['doc_id', 'text', 'text_2', 'text_3']
    """
    max_chars = max_chars or int(_settings()["excel"]["max_cell_chars"])
    notes: list[str] = []
    parts: list[pd.Series] = []
    names: list[str] = []
    for column in frame.columns:
        series = frame[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            lengths = series.map(lambda v: len(v) if isinstance(v, str) else 0)
            longest = int(lengths.max()) if len(lengths) else 0
            if longest > max_chars:
                pieces = math.ceil(longest / max_chars)
                for k in range(pieces):
                    piece = series.map(lambda v, k=k: v[k * max_chars:(k + 1) * max_chars] if isinstance(v, str) else v)
                    if k:
                        piece = piece.map(lambda v: v if isinstance(v, str) and v else None)
                    parts.append(piece)
                    names.append(str(column) if k == 0 else f"{column}_{k + 1}")
                notes.append(f"{int((lengths > max_chars).sum())} cell(s) of {column} longer than {max_chars:,} "
                             f"characters are split over {column} … {column}_{pieces} (concatenate to rebuild)")
                continue
        parts.append(series)
        names.append(str(column))
    out = pd.concat([p.reset_index(drop=True) for p in parts], axis=1) if parts else frame.copy()
    out.columns = names
    return out, notes


def _flat_for_text(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if _is_list_column(out[column]):
            out[column] = _join_lists(out[column])
    return out


# ---------------------------------------------------------------- r


_LOAD_R = """# Load a speechkit export into R (needs the arrow package; Matrix and quanteda for the dfm).
library(arrow)
corpus_df <- read_parquet("corpus.parquet")          # doc_id, text and every document variable
tokens    <- read_parquet("tokens_long.parquet")     # one row per token
doc_terms <- read_parquet("doc_terms.parquet")       # doc_id, term, count
themes    <- read_parquet("themes.parquet")
targets   <- read_parquet("targets.parquet")
# quanteda:
# library(quanteda)
# corp <- corpus(as.data.frame(corpus_df), docid_field = "doc_id", text_field = "text")
# m <- Matrix::readMM("dtm.mtx")
# rownames(m) <- read.csv("dtm_docs.csv", encoding = "UTF-8")$doc_id
# colnames(m) <- read.csv("dtm_terms.csv", encoding = "UTF-8")$term
# dfmat <- as.dfm(m)
"""


def _write_r(corpus: "Corpus", tables: dict[str, pd.DataFrame], out_dir: Path, result: ExportResult) -> None:
    import io

    from scipy import io as scipy_io

    from speechkit.io import write_table

    docs = tables["documents"]
    front = [c for c in ("doc_id", "text") if c in docs.columns]
    corpus_df = docs.loc[:, front + [c for c in docs.columns if c not in front]]
    result.paths["corpus"] = write_table(corpus_df, out_dir, "corpus")[0]
    result.rows["corpus"] = len(corpus_df)
    for name, frame in tables.items():
        if name == "documents":
            continue
        result.paths[name] = write_table(frame, out_dir, name)[0]
        result.rows[name] = len(frame)
    if "doc_terms" in tables:
        matrix, doc_ids, terms = _doc_term_matrix(corpus)
        buffer = io.BytesIO()
        scipy_io.mmwrite(buffer, matrix.tocoo(), comment="speechkit document-term matrix: rows dtm_docs.csv, "
                                                         "columns dtm_terms.csv")
        result.paths["dtm"] = atomic_write_bytes(out_dir / "dtm.mtx", buffer.getvalue())
        result.paths["dtm_docs"] = atomic_write_bytes(
            out_dir / "dtm_docs.csv", pd.DataFrame({"doc_id": doc_ids}).to_csv(index=False).encode("utf-8"))
        result.paths["dtm_terms"] = atomic_write_bytes(
            out_dir / "dtm_terms.csv", pd.DataFrame({"term": terms}).to_csv(index=False).encode("utf-8"))
        result.rows["dtm"] = int(matrix.shape[0])
    result.paths["load_script"] = atomic_write_text(out_dir / "load_speechkit.R", _LOAD_R)


# ---------------------------------------------------------------- entry point


def export_corpus(corpus: "Corpus", to: str, out_dir: str | Path | None = None, text: bool = True,
                  command=None) -> ExportResult:
    """Write ``corpus`` for ``to`` (``"stata"``, ``"r"``, ``"excel"`` or ``"csv"``) into ``out_dir``.

    ``out_dir`` defaults to ``PROCESSED_DIR/export/<to>``. ``text=False`` leaves the speech
    texts out (smaller files). Returns an :class:`ExportResult`; what was changed to fit the
    target is in ``result.notes`` and in ``NOTES.txt``. An unknown ``to`` raises ValueError
    with a did-you-mean. ``command`` (the CLI's argv) goes into the folder's run record.
    """
    from speechkit.compare import did_you_mean

    to = str(to).lower().strip()
    if to not in EXPORT_TARGETS:
        raise ValueError(f"unknown export target {to!r}{did_you_mean(to, EXPORT_TARGETS)}; "
                         f"choose one of {', '.join(EXPORT_TARGETS)}")
    out = Path(out_dir) if out_dir is not None else Path(corpus.dir) / "export" / to
    out.mkdir(parents=True, exist_ok=True)
    result = ExportResult(to, out)
    tables, notes = export_tables(corpus, to, text=text)
    result.notes.extend(notes)
    if to == "stata":
        for name, frame in tables.items():
            result.notes.extend(_write_stata(out / f"{name}.dta", name, frame))
            result.paths[name] = out / f"{name}.dta"
            result.rows[name] = len(frame)
    elif to == "r":
        _write_r(corpus, tables, out, result)
    elif to == "excel":
        from speechkit.report import write_workbook

        max_rows = int(_settings()["excel"]["max_rows"])
        sheets: list[tuple[str, pd.DataFrame, tuple[str, ...]]] = []
        for name, frame in tables.items():
            if len(frame) > max_rows:
                result.notes.append(f"{name}: {len(frame):,} rows exceed Excel's sheet limit; left out "
                                    "(use --to csv or --to r)")
                continue
            flat, split_notes = split_long_cells(_flat_for_text(frame))
            result.notes.extend(f"{name}: {n}" for n in split_notes)
            sheets.append((name, flat, ()))
            result.rows[name] = len(frame)
        result.paths["workbook"] = write_workbook(out / "speechkit.xlsx", sheets)
    else:
        for name, frame in tables.items():
            flat, split_notes = split_long_cells(_flat_for_text(frame))
            result.notes.extend(f"{name}: {n}" for n in split_notes)
            data = flat.to_csv(index=False).encode("utf-8-sig")
            result.paths[name] = atomic_write_bytes(out / f"{name}.csv", data)
            result.rows[name] = len(frame)
    from speechkit import runrecord

    runrecord.update_run_record(out, runrecord.stage_entry(
        "export", options={"to": to, "text": text}, inputs={"documents": len(tables["documents"])},
        command=command, source=corpus.dir), inherit=corpus.dir)
    notes_text = "speechkit export --to " + to + "\n\n" + "\n".join(f"- {n}" for n in result.notes) + "\n"
    result.paths["notes"] = atomic_write_text(out / "NOTES.txt", notes_text)
    return result
