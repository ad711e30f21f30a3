"""The Python API: load a processed corpus and compare groups of speeches.

>>> import speechkit as sk
>>> corpus = sk.load("data/processed")                     # doctest: +SKIP
>>> corpus.themes(by=["city", "year"])                      # doctest: +SKIP
>>> corpus.keyness(by="city").query("group == '杭州市'")     # doctest: +SKIP
>>> corpus.kwic("托育")                                      # doctest: +SKIP

A :class:`Corpus` reads the tables of ``speechkit clean`` / ``speechkit
analyze`` lazily (a table is read from Parquet the first time it is used)
and answers comparison questions with DataFrames; the ``plot_*`` methods
hand those DataFrames to :mod:`speechkit.charts` and return matplotlib
figures.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from speechkit import compare, keyness as keyness_mod, kwic as kwic_mod, similarity as similarity_mod
from speechkit.compare import DOCUMENT_GROUP_COLUMNS
from speechkit.io import arrow_to_pandas, open_parquet, require_table

__all__ = ["TABLE_COLUMNS", "TableStore", "Corpus", "empty_table"]  # noqa: F822 (TABLE_COLUMNS: module __getattr__)

def _table_columns() -> dict[str, tuple[str, ...]]:
    from speechkit.tables import columns

    return columns()


def __getattr__(name: str):
    """``TABLE_COLUMNS``: the declared columns of every table (:mod:`speechkit.tables`), built on first use."""
    if name == "TABLE_COLUMNS":
        return _table_columns()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def empty_table(name: str) -> pd.DataFrame:
    """An empty DataFrame with the documented columns of table ``name``."""
    return pd.DataFrame({col: pd.Series(dtype=object) for col in _table_columns().get(name, ())})


class TableStore(MutableMapping):
    """The tables of a processed directory, read from Parquet on first use.

    Keys are every documented table name plus any other ``*.parquet`` file in
    the directory. A documented table that is not on disk reads as an empty
    frame with its documented columns. ``store.on_disk(name)`` says whether a
    table was actually produced.
    """

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._cache: dict[str, pd.DataFrame] = {}
        found = sorted(p.stem for p in self.directory.glob("*.parquet") if not p.name.startswith("."))
        declared = _table_columns()
        self._names = list(declared) + [n for n in found if n not in declared]

    def path(self, name: str) -> Path:
        """Where table ``name`` is (or would be) stored."""
        return self.directory / f"{name}.parquet"

    def on_disk(self, name: str) -> bool:
        """True when ``name.parquet`` exists in the directory."""
        return self.path(name).exists()

    def is_loaded(self, name: str) -> bool:
        """True when table ``name`` has already been read (or set) in memory."""
        return name in self._cache

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name in self._cache:
            return self._cache[name]
        if name not in self._names:
            raise KeyError(name)
        path = self.directory / f"{name}.parquet"
        table = arrow_to_pandas(open_parquet(path).read()) if path.exists() else empty_table(name)
        self._cache[name] = table
        return table

    def read(self, name: str, columns: Sequence[str] | None = None, exclude: Sequence[str] = ()) -> pd.DataFrame:
        """Table ``name`` with only ``columns`` (those present) and without ``exclude``; a table not yet
        in memory is read from disk with just those columns (and not kept)."""
        def wanted(names):
            return [c for c in names if (columns is None or c in columns) and c not in exclude]

        if name in self._cache or not self.on_disk(name):
            frame = self[name]
            return frame[wanted(frame.columns)]
        pf = open_parquet(self.path(name))
        return arrow_to_pandas(pf.read(columns=wanted(pf.schema_arrow.names)))

    def num_rows(self, name: str) -> int:
        """Rows of table ``name`` (from the Parquet footer when it is not in memory)."""
        if name in self._cache:
            return len(self._cache[name])
        return open_parquet(self.path(name)).metadata.num_rows if self.on_disk(name) else 0

    def __setitem__(self, name: str, table: pd.DataFrame) -> None:
        if name not in self._names:
            self._names.append(name)
        self._cache[name] = table

    def __delitem__(self, name: str) -> None:
        self._names.remove(name)
        self._cache.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._names))

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f"TableStore({self.directory}, {self._names})"


class Corpus:
    """A processed corpus: the pipeline's tables plus optional researcher metadata.

    Use :meth:`load` (or ``speechkit.load``). Grouping arguments ``by`` accept
    a column name, a comma-separated string (``"city,year"``) or a list; see
    :meth:`group_columns` for the valid names.
    """

    def __init__(
        self,
        directory: Path,
        tables: MutableMapping[str, pd.DataFrame],
        meta: pd.DataFrame | None = None,
        meta_path: Path | None = None,
        stopwords: Iterable[str] | None = None,
        excluded: Iterable[str] = (),
    ):
        self.dir = Path(directory)
        self.tables = tables
        self.meta = meta
        self.meta_path = meta_path
        self._stopwords = frozenset(stopwords) if stopwords is not None else None
        self.excluded = frozenset(excluded)
        self._documents: pd.DataFrame | None = None
        self._stream: keyness_mod.TokenStream | None = None
        self._counts_cache: dict[tuple[str, ...], tuple[keyness_mod.TermCounts, pd.DataFrame]] = {}
        self._doc_counts: keyness_mod.TermCounts | None = None

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(
        cls,
        processed_dir: str | Path = "data/processed",
        meta: str | Path | None = None,
        stopwords: Iterable[str] | None = None,
        check_runs: bool = True,
    ) -> "Corpus":
        """Open a processed directory (the output of ``speechkit clean``/``analyze``).

        The tables must belong to one run (:mod:`speechkit.integrity`): a folder holding the
        tables of an interrupted run beside older ones raises ``MixedRunError`` naming them,
        unless ``check_runs=False``.

        ``meta`` is an optional CSV keyed by ``source_path`` whose other columns
        become grouping variables (e.g. ``类型`` = 妇儿工委/妇代会). ``stopwords``
        replaces the bundled list used when counting terms (keyness, word
        clouds, similarity). Raises ``FileNotFoundError`` when the directory or
        its documents.parquet is missing, ``ValueError`` for a bad meta file.
        """
        directory = Path(processed_dir)
        if not directory.is_dir():
            raise FileNotFoundError(f"{directory}: no such directory — run `speechkit clean` first")
        require_table(directory, "documents")
        if check_runs:
            from speechkit.integrity import check_one_run

            check_one_run(directory)
        meta_frame = compare.read_meta(meta) if meta is not None else None
        corpus = cls(directory, TableStore(directory), meta=meta_frame,
                     meta_path=Path(meta) if meta is not None else None, stopwords=stopwords)
        if meta_frame is not None:
            try:
                corpus.documents  # noqa: B018 - validate the merge now, naming the file
            except ValueError as exc:
                raise ValueError(f"{meta}: {exc}") from exc
            message = compare.meta_match_warning(corpus.tables.read("documents", columns=("source_path",))
                                                 if isinstance(corpus.tables, TableStore) else corpus.tables["documents"],
                                                 meta_frame, meta)
            if message:
                import warnings

                from speechkit.errors import SpeechkitWarning

                warnings.warn(message, SpeechkitWarning, stacklevel=2)
        return corpus

    def _view(self, excluded: Iterable[str]) -> "Corpus":
        view = Corpus(self.dir, self.tables, meta=self.meta, meta_path=self.meta_path,
                      stopwords=self._stopwords, excluded=self.excluded | set(excluded))
        view._stream = self._stream  # the token stream does not depend on which documents are kept
        return view

    def subset(self, **conditions) -> "Corpus":
        """A view of this corpus with only the documents matching every condition.

        Each keyword is a grouping column (see :meth:`group_columns`); its value is one value or
        a list of values (``year`` may also be a ``range``)::

            corpus.subset(city=["成都市", "绍兴市"], year=[2021, 2024])

        Every method of the returned corpus (themes, keyness, targets, export …) sees only those
        documents. An unknown column, or a value no document has, raises ``ValueError`` with a
        did-you-mean (``city="成都"`` → did you mean '成都市'?).
        """
        docs = self.documents
        keep = np.ones(len(docs), dtype=bool)
        valid = [c for c in self.group_columns() if c in docs.columns] + [
            c for c in ("doc_id", "source_path", "title") if c in docs.columns]
        for column, wanted in conditions.items():
            if column not in valid:
                raise ValueError(f"subset: unknown column {column!r}{compare.did_you_mean(column, valid)}; "
                                 f"columns: {', '.join(valid)}")
            values = list(wanted) if isinstance(wanted, (list, tuple, set, frozenset, range)) else [wanted]
            series = docs[column]
            if column == "year":
                try:
                    values = [int(v) for v in values]
                except (TypeError, ValueError) as exc:
                    raise ValueError(f"subset: year must be whole numbers, got {wanted!r}") from exc
            present = set(series.dropna().tolist())
            missing = [v for v in values if v not in present]
            if missing and not isinstance(wanted, range):
                shown = sorted(map(str, present))
                raise ValueError(
                    f"subset: no document has {column}={missing[0]!r}"
                    f"{compare.did_you_mean(missing[0], shown)}; values: "
                    + ", ".join(shown[:20]) + (" …" if len(shown) > 20 else ""))
            keep &= series.isin(values).fillna(False).to_numpy(dtype=bool)
        return self._view(docs.loc[~keep, "doc_id"].tolist())

    def export(self, to: str, out_dir: str | Path | None = None, text: bool = True):
        """Write this corpus for Stata (``"stata"``), R (``"r"``), Excel (``"excel"``) or CSV (``"csv"``).

        Defaults to ``PROCESSED_DIR/export/<to>``; see :mod:`speechkit.export` for what each
        target holds. Returns a :class:`speechkit.export.ExportResult` (paths, rows, notes).
        """
        from speechkit.export import export_corpus

        return export_corpus(self, to, out_dir, text=text)

    def all_tokens(self, pos: bool = False) -> pd.DataFrame:
        """Every token of every sentence, stopwords and punctuation included (``tokens.parquet`` keeps
        only content tokens): ``doc_id``, ``sentence_id``, ``position``, ``token``, ``content`` and, with
        ``pos``, the jieba.posseg tag (``pos``). Counts 实施, 推进, 加强 … that the analysis leaves out.

        Segments sentences.parquet again with the analysis's dictionaries (read from run.json); see
        :mod:`speechkit.alltokens`.
        """
        from speechkit.alltokens import all_tokens_table, segmenter_for

        return all_tokens_table(self.tables["sentences"], segmenter_for(self.dir), pos=pos,
                                doc_ids=self.documents["doc_id"].astype(str))

    def small_groups(self, by, min_docs: int = 2) -> pd.DataFrame:
        """Groups of ``by`` with fewer than ``min_docs`` documents (columns ``group``, ``docs``).

        A group of one document is a speech, not a sample: its shares and key terms describe
        that one text. compare and report warn about them.
        """
        counts = self.document_counts(by)
        return counts.loc[counts["docs"] < min_docs, ["group", "docs"]].reset_index(drop=True)

    def without_near_duplicates(self, threshold: float = 0.8, num_perm: int = 128, shingle: int = 5) -> "Corpus":
        """A view of this corpus with near-duplicate copies dropped (one representative kept per group).

        Every method of the returned corpus (themes, keyness, targets, …)
        counts each reposted speech once.
        """
        groups = self.near_duplicates(threshold=threshold, num_perm=num_perm, shingle=shingle)
        copies = groups.loc[~groups["representative"].astype(bool), "doc_id"] if len(groups) else []
        return self._view(copies)

    def __repr__(self) -> str:
        extra = f", meta={self.meta_path}" if self.meta_path else ""
        return f"Corpus({str(self.dir)!r}, {len(self.documents)} documents{extra})"

    # ------------------------------------------------------------ documents

    @property
    def documents(self) -> pd.DataFrame:
        """Documents with ``status == 'ok'`` (minus excluded copies), with the metadata columns joined.

        All columns of documents.parquet except ``raw_text`` (see ``tables["documents"]`` for it).
        """
        if self._documents is None:
            store = self.tables
            # raw_text (often the largest column) is only needed for the cleaning audit
            if isinstance(store, TableStore):
                docs = store.read("documents", exclude=("raw_text",))
            else:
                docs = store["documents"].drop(columns="raw_text", errors="ignore")
            if "status" in docs.columns:
                ok = docs["status"].astype("string").eq("ok").fillna(False).to_numpy(dtype=bool)
                docs = docs[ok]
            if self.excluded:
                docs = docs[~docs["doc_id"].isin(self.excluded)]
            if "year" in docs.columns:
                docs = docs.assign(year=pd.to_numeric(docs["year"], errors="coerce").astype("Int64"))
            docs = compare.merge_meta(docs, self.meta)
            self._documents = docs.reset_index(drop=True)
        return self._documents

    @property
    def unmatched_meta(self) -> list[str]:
        """``source_path`` values of the metadata file that match no document (likely typos)."""
        if self.meta is None:
            return []
        store = self.tables
        docs = store.read("documents", columns=("source_path",)) if isinstance(store, TableStore) else store["documents"]
        return compare.unmatched_meta_paths(docs, self.meta)

    def group_columns(self) -> list[str]:
        """Valid ``by`` columns: the document variables, the columns carried from tables of speeches
        (``speechkit clean corpus.csv``: every column but the text), plus the metadata file's columns."""
        docs = self.documents
        names = [c for c in DOCUMENT_GROUP_COLUMNS if c in docs.columns]
        # columns of a table of speeches: documents.parquet columns the pipeline does not define
        from speechkit.clean import DOCUMENT_COLUMNS

        pipeline = set(_table_columns()["documents"]) | set(DOCUMENT_COLUMNS)
        meta_cols = set(self.meta.columns) if self.meta is not None else set()
        names += [c for c in docs.columns if c not in pipeline and c not in names and c not in meta_cols
                  and c not in compare._RESERVED_NAMES]
        if self.meta is not None:
            names += [c for c in self.meta.columns
                      if c != "source_path" and c not in names and c in docs.columns and c not in ("title", "date")]
        return names

    def _by(self, by: str | Sequence[str] | None) -> list[str]:
        return compare.resolve_group_columns(by, self.group_columns())

    def group_label(self, df: pd.DataFrame, by: str | Sequence[str] | None) -> pd.Series:
        """Labels such as ``"杭州市·2023"`` for the rows of ``df`` grouped by ``by``."""
        return compare.group_label(df, self._by(by))

    def document_counts(self, by: str | Sequence[str] | None = None) -> pd.DataFrame:
        """Documents per group: ``docs``, ``chars`` (cleaned characters) and ``truncated`` (paywall-cut documents)."""
        by = self._by(by)
        docs = self.documents
        codes, groups = compare.assign_groups(docs, by)
        n = len(groups)
        chars = docs["text"].fillna("").astype(str).str.len().to_numpy()
        groups["chars"] = np.bincount(codes.to_numpy(), weights=chars, minlength=n).astype(np.int64)
        if "truncated" in docs.columns:
            cut = docs["truncated"].astype("boolean").fillna(False).to_numpy(dtype=bool)
            groups["truncated"] = np.bincount(codes.to_numpy()[cut], minlength=n).astype(np.int64)
        return groups

    # --------------------------------------------------------- themes etc.

    #: ``measure`` of :meth:`themes` → the column copied into ``value``
    THEME_MEASURES = {"share": "mean_share", "rate": "rate", "sentences": "sentence_share"}

    def themes(self, by: str | Sequence[str], measure: str = "share") -> pd.DataFrame:
        """Theme measures per group: group columns…, ``group``, ``theme``, ``field``, ``docs``,
        ``docs_with_theme``, ``hits``, ``mean_share``, ``pooled_share``, ``rate``, ``mean_rate``,
        ``sentence_share``, ``reliable_docs`` (see :func:`speechkit.compare.theme_shares`) and
        ``value``, the column ``measure`` names:

        - ``"share"`` (``mean_share``): the theme's part of a document's theme hits — compositional,
          it falls when other themes gain hits; fine within one genre of similar documents;
        - ``"rate"`` (``rate``): hits per 10,000 characters — compares documents of different
          length and genre;
        - ``"sentences"`` (``sentence_share``): the share of a document's sentences that touch the
          theme — the easiest to state ("a fifth of the sentences are about 托育").
        """
        column = self.THEME_MEASURES.get(measure)
        if column is None:
            raise ValueError(f"unknown theme measure {measure!r}; choose one of: {', '.join(self.THEME_MEASURES)}")
        table = compare.theme_shares(self.documents, self.tables["themes"], self._by(by))
        table["value"] = table[column] if len(table) else pd.Series(dtype=float)
        table.attrs["measure"] = measure
        return table

    def targets(self, by=None, kind: str | None = None, indicator: str | None = None) -> pd.DataFrame:
        """Quantitative targets with their document's title/place/year (and ``group`` when ``by`` is given).

        ``kind`` keeps one kind; ``indicator`` keeps indicators containing that text (``"托位"``).
        """
        return compare.targets_by_group(self.documents, self.tables["targets"], self._by(by), kind, indicator)

    def followup(self, by=None, tolerance: float = 0.0) -> pd.DataFrame:
        """Targets linked to what a later document of the same place reports for the target year
        (``followup.parquet`` when ``speechkit followup``/``run`` wrote it, else computed now), with
        the target document's variables and ``group`` when ``by`` is given. ``tolerance`` (in the
        target's unit) lets a 左右 target count as met that close below (floors) or above (ceilings).

        Columns: see docs/tables.md (place, indicator_key, target_year, target_value, outcome_value,
        status 'met'|'missed'|'unknown', gap …).
        """
        from speechkit.followup import followup_table

        store = self.tables
        on_disk = isinstance(store, TableStore) and store.on_disk("followup")
        if on_disk and not tolerance:
            table = store["followup"]
        else:
            table = followup_table(documents=self.documents, targets=self.tables["targets"], tolerance=tolerance)
        by_cols = self._by(by)
        if not by_cols or table.empty:
            return table.reset_index(drop=True)
        docs = self.documents.set_index("doc_id")
        extra = [c for c in by_cols if c not in table.columns and c in docs.columns]
        table = table.join(docs[extra], on="target_doc_id")
        table = table[table["target_doc_id"].isin(docs.index)]
        table.insert(0, "group", compare.group_label(table, by_cols).to_numpy())
        return table.reset_index(drop=True)

    def followup_summary(self, by=None, tolerance: float = 0.0) -> pd.DataFrame:
        """Per indicator (and group): targets linked, met, missed, share met and mean gap — a figure to quote."""
        from speechkit.followup import summarise_followup

        table = self.followup(by=by, tolerance=tolerance)
        return summarise_followup(table, ["group"] if "group" in table.columns else None)

    def target_counts(self, by) -> pd.DataFrame:
        """Targets per group: ``docs``, ``docs_with_targets``, ``targets``, ``indicators``."""
        return compare.target_counts(self.documents, self.tables["targets"], self._by(by))

    def outlines(self, by=None) -> pd.DataFrame:
        """Outline statistics per group (one row ``"全部"`` without ``by``): ``docs``, ``docs_with_outline``,
        ``outlines``, ``announced_points_mean``, ``found_points_mean``, ``incomplete``, ``incomplete_share``."""
        return compare.outline_stats(self.documents, self.tables["outlines"], self._by(by))

    def incomplete_outlines(self) -> pd.DataFrame:
        """Outlines that announce more points than were found (提出四点意见 but only 一是–三是), with titles."""
        return compare.outline_documents(self.documents, self.tables["outlines"], incomplete_only=True)

    # ---------------------------------------------------------------- terms

    @property
    def stopwords(self) -> frozenset[str]:
        """Stopwords used when counting terms (the bundled list unless given to :meth:`load`)."""
        if self._stopwords is None:
            from speechkit.segment import load_stopwords

            self._stopwords = load_stopwords()
        return self._stopwords

    def _token_stream(self) -> keyness_mod.TokenStream:
        if self._stream is None:
            store = self.tables
            if isinstance(store, TableStore) and not store.is_loaded("tokens") and store.on_disk("tokens"):
                self._stream = keyness_mod.token_stream_from_parquet(store.path("tokens"), stopwords=self.stopwords)
            else:
                self._stream = keyness_mod.token_stream(self.tables["tokens"], stopwords=self.stopwords)
        return self._stream

    def _term_counts(self, by: list[str]) -> tuple[keyness_mod.TermCounts, pd.DataFrame]:
        key = tuple(by)
        if key not in self._counts_cache:
            docs = self.documents
            codes, groups = compare.assign_groups(docs, by)
            doc_group = pd.Series(codes.to_numpy(), index=docs["doc_id"].to_numpy())
            counts = keyness_mod.count_terms(self._token_stream(), doc_group, len(groups))
            if len(self._counts_cache) >= 4:
                self._counts_cache.pop(next(iter(self._counts_cache)))
            self._counts_cache[key] = (counts, groups)
        counts, groups = self._counts_cache[key]
        return counts, groups.copy()

    def _with_groups(self, table: pd.DataFrame, groups: pd.DataFrame, by: list[str]) -> pd.DataFrame:
        front = groups.loc[:, [*by, "group"]].iloc[table["group_index"].to_numpy()].reset_index(drop=True)
        return pd.concat([front, table.drop(columns="group_index").reset_index(drop=True)], axis=1)

    def term_frequencies(self, by=None, min_freq: int = 1) -> pd.DataFrame:
        """Content-term frequencies per group: group columns…, ``group``, ``term``, ``freq`` (most frequent first)."""
        by = self._by(by)
        counts, groups = self._term_counts(by)
        return self._with_groups(keyness_mod.term_frequency_table(counts, min_freq=min_freq), groups, by)

    def keyness(self, by, top: int | None = 30, min_freq: int = 3, overused_only: bool = True,
                drop_place_names: bool = True, alpha: float | None = 0.05) -> pd.DataFrame:
        """Key terms of each group against the rest of the corpus (log-likelihood G², log ratio).

        Columns: group columns…, ``group``, ``term``, ``freq_group``, ``freq_rest``,
        ``g2``, ``p_value``, ``log_ratio``, ``sign``, ``rank``; the ``top`` terms per group by G²
        among terms seen at least ``min_freq`` times in the group, (by default)
        overused there, and significant at ``alpha``: with the default 0.05 a term needs
        G² ≥ 3.84, so 部门 at G² 0.8 is not called key. ``alpha=None`` keeps every term (ask for
        it when you want the full ranking); ``alpha=0.0001`` (G² ≥ 15.1) is the stricter cut
        often used when thousands of terms are tested. See :mod:`speechkit.keyness`.

        ``drop_place_names`` (default) leaves out of the lists every term that names a
        division (三亚, 海南, 乌鲁木齐市 … — :func:`speechkit.gazetteer.place_name_terms`): a
        city's own name always tops its list and says nothing about its policies. G² itself
        is computed on all tokens either way; ranks are counted after the drop.
        """
        by = self._by(by)
        if not by:
            raise ValueError("keyness compares groups: give at least one grouping column "
                             f"({', '.join(self.group_columns())})")
        counts, groups = self._term_counts(by)
        exclude = None
        if drop_place_names:
            from speechkit.gazetteer import place_name_terms

            exclude = place_name_terms()
        min_g2 = keyness_mod.critical_g2(alpha) if alpha is not None else 0.0
        table = keyness_mod.keyness_table(counts, top=top, min_freq=min_freq, overused_only=overused_only,
                                          exclude=exclude, min_g2=min_g2)
        return self._with_groups(table, groups, by)

    # ----------------------------------------------------------- similarity

    def similarity(self, doc_ids: Sequence[str] | None = None) -> pd.DataFrame:
        """Square doc × doc cosine similarity over TF-IDF of content tokens (index and columns ``doc_id``).

        ``doc_ids`` restricts the matrix to some documents (IDF still from the whole corpus).
        """
        ids = self.documents["doc_id"].to_numpy()
        counts = self._document_term_counts()
        rows = None
        if doc_ids is not None:
            position = pd.Index(ids).get_indexer(list(doc_ids))
            if (position < 0).any():
                missing = [d for d, p in zip(doc_ids, position) if p < 0]
                raise ValueError(f"unknown doc_id(s): {', '.join(map(str, missing[:5]))}")
            rows = position
        return similarity_mod.cosine_similarity_matrix(counts, ids, rows=rows)

    def _document_term_counts(self) -> keyness_mod.TermCounts:
        if self._doc_counts is None:
            ids = self.documents["doc_id"].to_numpy()
            self._doc_counts = keyness_mod.count_terms(
                self._token_stream(), pd.Series(np.arange(len(ids)), index=ids), len(ids)
            )
        return self._doc_counts

    def most_similar(self, doc_id: str, top: int = 10) -> pd.DataFrame:
        """The ``top`` documents most similar to ``doc_id`` (TF-IDF cosine): ``doc_id``, ``similarity``,
        plus ``title`` and ``source_path``. Works on corpora too large for :meth:`similarity`."""
        docs = self.documents
        found = similarity_mod.most_similar(self._document_term_counts(), docs["doc_id"].to_numpy(), doc_id, top=top)
        extra = [c for c in ("title", "source_path") if c in docs.columns]
        return found.merge(docs.loc[:, ["doc_id", *extra]], on="doc_id", how="left")

    def near_duplicates(self, threshold: float = 0.8, num_perm: int = 128, shingle: int = 5) -> pd.DataFrame:
        """Near-duplicate groups (范文 copies): ``doc_id``, ``dup_group``, ``representative``,
        ``jaccard_to_representative``, ``size``, plus ``title``, ``site``, ``source_path``.

        See :func:`speechkit.similarity.near_duplicate_groups`.
        """
        docs = self.documents
        groups = similarity_mod.near_duplicate_groups(
            docs, threshold=threshold, num_perm=num_perm, shingle=shingle
        )
        columns = ["doc_id", "dup_group", "representative", "jaccard_to_representative", "size"]
        extra = [c for c in ("title", "site", "source_path") if c in docs.columns]
        if groups.empty:
            return pd.DataFrame(columns=columns + extra)
        out = groups.loc[:, columns].merge(docs.loc[:, ["doc_id", *extra]], on="doc_id", how="left")
        return out

    # ----------------------------------------------------------------- kwic

    def kwic(self, term: str, window: int = 20, by=None, regex: bool = False) -> pd.DataFrame:
        """Keyword in context: ``doc_id``, ``title``, (group columns, ``group``), ``left``, ``keyword``,
        ``right``, ``start``, ``end``. See :func:`speechkit.kwic.concordance`."""
        return kwic_mod.concordance(self.documents, term, window=window, by=self._by(by), regex=regex)

    # ---------------------------------------------------------------- plots

    def plot_theme_heatmap(self, by, top_themes: int | None = None, value: str = "mean_share"):
        """Heatmap of theme shares per group (``top_themes`` most frequent themes only, when given)."""
        from speechkit import charts

        shares = self.themes(by)
        if top_themes is not None and len(shares):
            keep = shares.groupby("theme")["hits"].sum().sort_values(ascending=False, kind="stable")
            shares = shares[shares["theme"].isin(keep.index[:top_themes])]
        return charts.theme_heatmap(shares, group_col="group", theme_col="theme", value_col=value)

    def plot_theme_trends(self, series_by: str | None = None, themes: str | Sequence[str] | None = None,
                          value: str = "mean_share"):
        """Theme shares by year: one line per theme, or one line per place for one theme.

        ``plot_theme_trends(themes=["妇女就业", "儿童健康"])`` draws the themes over
        the years; ``plot_theme_trends(series_by="city", themes="妇女就业")`` draws
        that theme for each city.
        """
        from speechkit import charts

        wanted = [themes] if isinstance(themes, str) else (list(themes) if themes is not None else None)
        if series_by is None:
            df = self.themes("year")
            series, title = "theme", "主题占比的年度变化"
        else:
            series_cols = self._by(series_by)
            if len(series_cols) != 1 or series_cols[0] == "year":
                raise ValueError("series_by must be one grouping column other than year, e.g. 'city'")
            if not wanted or len(wanted) != 1:
                raise ValueError("with series_by, choose exactly one theme (themes='妇女就业')")
            df = self.themes(["year", series_cols[0]])
            series, title = series_cols[0], f"{wanted[0]}：占比的年度变化"
        if wanted is not None:
            self._check_themes(wanted)
            df = df[df["theme"].isin(wanted)]
        df = df[df["year"].notna()]
        return charts.theme_trends(df, x="year", series=series, value=value, title=title)

    def theme_names(self) -> list[str]:
        """Names of the themes found in themes.parquet (the taxonomy the corpus was analysed with)."""
        themes = self.tables["themes"]
        return sorted(themes["theme"].dropna().astype(str).unique().tolist()) if "theme" in themes.columns else []

    def _check_themes(self, wanted: Sequence[str]) -> None:
        known = self.theme_names()
        if not known:
            return
        unknown = [t for t in wanted if t not in known]
        if unknown:
            raise ValueError(f"unknown theme {unknown[0]!r}{compare.did_you_mean(unknown[0], known)}; "
                             f"themes: {'、'.join(known[:40])}")

    def plot_keyness(self, by, top: int = 15, alpha: float | None = 0.05):
        """Bars of the ``top`` key terms (G²) per group; only terms significant at ``alpha`` (G² ≥ 3.84
        by default) are drawn — ``alpha=None`` draws the best ``top`` whatever their G²."""
        from speechkit import charts

        return charts.keyness_bars(self.keyness(by, top=top, alpha=alpha), group_col="group", top=top)

    def plot_wordcloud(self, by, group: str, max_words: int = 150):
        """Word cloud of the content-term frequencies of one group (its label, e.g. ``"杭州市·2023"``)."""
        from speechkit import charts

        freqs = self.term_frequencies(by)
        part = freqs[freqs["group"] == group]
        if part.empty:
            labels = compare.assign_groups(self.documents, self._by(by))[1]["group"].tolist()
            if group not in labels:
                shown = "、".join(map(str, labels[:20])) + ("…" if len(labels) > 20 else "")
                raise ValueError(f"no group {group!r}; groups: {shown}")
        return charts.group_wordcloud(dict(zip(part["term"], part["freq"])), title=group, max_words=max_words)

    def plot_target_timeline(self, by=None, kind: str | None = None, indicator: str | None = None):
        """Dot plot of targets by deadline year (coloured by group when ``by`` is given)."""
        from speechkit import charts

        by_cols = self._by(by)
        targets = self.targets(by_cols, kind=kind, indicator=indicator)
        return charts.target_timeline(targets, group_col="group" if by_cols else None)

    def plot_similarity(self, max_docs: int = 60, label_by=None):
        """Heatmap of TF-IDF cosine similarity of the first ``max_docs`` documents.

        Axis labels are the titles, or group labels such as ``"杭州市·2023"`` with ``label_by``.
        """
        from speechkit import charts

        docs = self.documents.iloc[:max_docs]
        sim = self.similarity(doc_ids=docs["doc_id"].tolist())
        if label_by is not None:
            labels = compare.group_label(docs, self._by(label_by)).tolist()
        elif "title" in docs.columns:
            labels = docs["title"].astype("string").fillna(docs["doc_id"].astype("string")).tolist()
        else:
            labels = docs["doc_id"].tolist()
        return charts.similarity_heatmap(sim, labels=labels)
