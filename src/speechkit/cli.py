"""The ``speechkit`` command line: a thin Typer skin over the library.

Heavy libraries (pandas, scikit-learn, matplotlib, jieba) are imported inside
the commands that need them, so ``speechkit --help`` stays fast.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer

if TYPE_CHECKING:
    from rich.progress import TaskID

# Help texts are printed as written (rich_markup_mode=None): rich markup would eat "[freq] [pos]" and
# "[[theme]]", and plain help shows no "<bool>" metavars. Choices are listed in the metavar (parquet|csv).
_FORMAT = "parquet|csv"

app = typer.Typer(
    name="speechkit",
    help=(
        "Turn scraped Chinese government meeting speeches into clean, comparable data.\n\n"
        "Pipeline: clean → analyze → compare/report → export.\n\n"
        "\b\nExample:\n"
        "  speechkit run data/raw --by city,year     # everything, report in data/processed/report\n"
        "  speechkit export data/processed --to stata\n\n"
        "Every command takes --help (with an example); --version prints the version."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

_STATE = {"debug": False}


def _console():
    from rich.console import Console

    return Console(stderr=True)


def _fail(message: str, code: int = 2) -> None:
    from speechkit.summaries import escape

    _console().print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def _os_error_message(exc: OSError) -> str:
    """One line naming the file or folder and what to do (disk full, read-only, not a folder…)."""
    import errno

    where = exc.filename or "the output folder"
    fixes = {
        errno.ENOSPC: "the disk is full: free some space or choose another --out",
        errno.EROFS: "the file system is read-only: choose another --out",
        errno.EACCES: "permission denied: choose a folder you can write to (--out)",
        errno.EPERM: "permission denied: choose a folder you can write to (--out)",
        errno.ENOTDIR: "a path component is a file, not a folder: choose another --out",
        errno.EEXIST: "a file is in the way: remove it or choose another --out",
        errno.EISDIR: "a folder is in the way of a file: remove it or choose another --out",
        errno.EDQUOT: "the disk quota is exhausted: free some space or choose another --out",
    }
    fix = (fixes.get(exc.errno) if exc.errno is not None else None) or exc.strerror or str(exc)
    return f"{where}: {fix}"


def _warn(message: str) -> None:
    from speechkit.summaries import escape

    _console().print(f"[bold yellow]warning:[/] {escape(message)}")


def _guard(fn, *args, **kwargs):
    """Run a library call; turn expected errors into one clear line (trace only with --debug).

    Warnings the library raises for the researcher (:class:`speechkit.errors.SpeechkitWarning`: a
    one-document group, --meta rows that match nothing) are printed as ``warning:`` lines.
    """
    import warnings

    from speechkit.errors import USER_ERROR_BASES, SpeechkitWarning

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SpeechkitWarning)
            try:
                return fn(*args, **kwargs)
            finally:
                seen = set()
                for w in caught:
                    if not issubclass(w.category, SpeechkitWarning):
                        warnings.showwarning(w.message, w.category, w.filename, w.lineno)
                    elif str(w.message) not in seen:
                        seen.add(str(w.message))
                        _warn(str(w.message))
    except typer.Exit:
        raise
    except USER_ERROR_BASES as exc:
        if _STATE["debug"]:
            raise
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted; every table on disk is whole, but they may now come from two runs — re-run the "
              "stage (sk.load and speechkit report refuse a mix of runs)", 130)
    except OSError as exc:
        if _STATE["debug"]:
            raise
        _fail(_os_error_message(exc))
    except Exception as exc:  # noqa: BLE001 — the last line of defence for users
        if _STATE["debug"]:
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the trace)", 1)


def _formats(fmt: str) -> tuple[str, ...]:
    fmt = fmt.lower()
    if fmt not in ("parquet", "csv"):
        _fail(f"--format must be 'parquet' or 'csv', not {fmt!r}")
    return ("parquet", "csv") if fmt == "csv" else ("parquet",)


def _split_by(by: str) -> list[str]:
    return [b.strip() for b in by.split(",") if b.strip()]


class _Progress:
    """A rich progress bar fed by the library's ``progress(done, total)`` callbacks."""

    def __init__(self, label: str):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
            console=_console(), transient=False, disable=not sys.stderr.isatty() and False,
        )
        self.task: TaskID | None = None

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def __call__(self, done: int, total: int) -> None:
        if self.task is None:
            self.task = self.progress.add_task("", total=total)
        self.progress.update(self.task, completed=done, total=total)


def _version_callback(value: bool) -> None:
    if value:
        from speechkit._version import __version__

        typer.echo(f"speechkit {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    debug: bool = typer.Option(False, "--debug", help="Show full Python traces for errors."),
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                 help="Print the speechkit version and exit."),
) -> None:
    _STATE["debug"] = debug


# --- workflow: the run record (speechkit.runrecord, OUT/run.json) ---
def _record(folder: Path, stage: str, options: dict, inputs: dict | None = None, user_files: dict | None = None,
            tables=(), source=None) -> None:
    """Add this stage to FOLDER/run.json (see speechkit.runrecord); a failure to write it is a warning."""
    from speechkit import runrecord

    try:
        entry = runrecord.stage_entry(stage, options=options, inputs=inputs, user_files=user_files,
                                      command=sys.argv, source=source)
        runrecord.update_run_record(folder, entry, tables=runrecord.table_summary(folder, tables))
    except OSError as exc:
        _warn(f"{folder}: could not write the run record run.json ({exc.strerror or exc})")


def _only_option():
    return typer.Option([], "--only", metavar="COLUMN=VALUE[,VALUE]",
                        help="Keep only documents whose COLUMN has one of the values (repeatable), e.g. "
                             "--only city=成都市,绍兴市 --only year=2021,2024 (corpus.subset in the API).")


def _subset(corpus, only: list[str]):
    """``corpus.subset(...)`` from ``--only city=成都市,绍兴市`` options."""
    if not only:
        return corpus
    conditions: dict[str, list[str]] = {}
    for item in only:
        column, sep, values = item.partition("=")
        if not sep or not column.strip() or not values.strip():
            _fail(f"--only {item!r}: write COLUMN=VALUE[,VALUE], e.g. --only city=成都市,绍兴市")
        conditions.setdefault(column.strip(), []).extend(v.strip() for v in values.replace("，", ",").split(",") if v.strip())
    return _guard(corpus.subset, **conditions)
# --- end workflow ---


@app.command()
def clean(
    raw_dir: Path = typer.Argument(Path("data/raw"), help="Folder of speeches, read recursively (.txt .md .html .docx .pdf .doc .rtf .odt, tables .csv .jsonl .xlsx .parquet, archives .zip .tar.gz), or one such file."),
    out: Path = typer.Option(Path("data/processed"), "--out", "-o", help="Where documents.parquet and removals.parquet go."),
    fmt: str = typer.Option("parquet", "--format", metavar=_FORMAT, help="'parquet', or 'csv' to also write CSV twins."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="Worker processes (default: all cores)."),
    rules: List[Path] = typer.Option([], "--rules", help="Extra boilerplate rules file(s) (TOML, same format as the bundled one)."),
    to_simplified: bool = typer.Option(False, "--to-simplified", help="Convert Traditional Chinese pages to Simplified (OpenCC)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Ignore and do not write the per-file cache."),
    # --- html: main-content extraction (issue 11) ---
    html_extractor: str = typer.Option(
        "dom", "--html-extractor", metavar="dom|readability|trafilatura|none",
        help="How the article of an HTML page is told from its site chrome: 'dom' (default, best measured: "
             "DOM facts — link density, main container), 'readability' (readability-lxml), 'trafilatura', "
             "or 'none' (keep all visible text but <nav>). Every cut is a row of removals.parquet."),
    # --- end html ---
    engine: str = typer.Option("local", "--engine", metavar="local|dask", help="'local' (worker processes) or 'dask'."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address (default: a local cluster)."),
    explain: Optional[Path] = typer.Option(None, "--explain", help="Clean only this file and print its cuts rule by rule, with context, and the candidate cuts the guard kept as speech; writes nothing."),
    # --- formats (issue 12): which files are read, and how tables of speeches are read ---------
    text_column: Optional[str] = typer.Option(None, "--text-column", help="Column of a table of speeches (.csv .jsonl .xlsx .parquet) holding the text (default: text/full_text/content/正文…, else the longest)."),
    include: List[str] = typer.Option([], "--include", help="Read only files (and archive members) matching this glob, e.g. '*.docx' (repeatable)."),
    exclude: List[str] = typer.Option([], "--exclude", help="Skip files, folders and archive members matching this glob, e.g. '草稿/*' (repeatable). README*, LICENSE*, hidden files and the --out folder are skipped by default (--include README.md reads it)."),
    # --- end formats ---------------------------------------------------------------------------
) -> None:
    """Decode, strip boilerplate (every cut recorded) and read metadata.

    Writes OUT/documents.parquet (one row per document, errors included),
    OUT/removals.parquet (rule, offsets and text of every removal) and
    OUT/files.parquet (every file read or skipped, with the reason). HTML pages
    keep their article: menus, related links and footers are cut (rules
    html_nav, html_outside_main, html_link_block).

    \b
    Example:  speechkit clean data/raw --out data/processed --format csv
    Example:  speechkit clean data/raw --html-extractor readability
    Example:  speechkit clean corpus.csv --text-column full_text --out out
    Example:  speechkit clean 收集的讲话/ --exclude '*.xlsx' --exclude 草稿

    Example:  speechkit clean --explain data/raw/洛阳/ly2021_fuer.txt   (what one page loses, and why)
    """
    from speechkit.clean import CLEAN_TABLES, CleanOptions, clean_corpus
    from speechkit.htmlmain import EXTRACTORS

    if html_extractor not in EXTRACTORS:
        raise typer.BadParameter(f"{html_extractor!r}: choose one of {', '.join(EXTRACTORS)}",
                                 param_hint="--html-extractor")
    options = CleanOptions(rules_files=tuple(str(p) for p in rules), to_simplified=to_simplified,
                           html_extractor=html_extractor, text_column=text_column, include=tuple(include),
                           exclude=tuple(exclude))
    if explain is not None:
        from speechkit.clean import explain_file
        from speechkit.summaries import explain_table

        info = _guard(explain_file, path=explain, options=options)
        _console().print(explain_table(info))
        if info["status"] != "ok":
            raise typer.Exit(1)
        return
    with _Progress("clean") as bar:
        report = _guard(clean_corpus, raw_dir=raw_dir, out_dir=out, options=options, jobs=jobs, formats=_formats(fmt),
                        use_cache=not no_cache, progress=bar, engine=engine, scheduler=scheduler)
    from speechkit.summaries import clean_summary

    _console().print(clean_summary(report, out, to_simplified=to_simplified))
    _record(out, "clean",
            options={"raw_dir": str(raw_dir), "out": str(out), "format": fmt, "jobs": jobs, "rules": [str(r) for r in rules],
                     "to_simplified": to_simplified, "html_extractor": html_extractor, "no_cache": no_cache,
                     "engine": engine, "scheduler": scheduler},
            inputs={**report.facts, "from_cache": int(report.cached)},
            user_files={"--rules": [str(r) for r in rules]}, tables=CLEAN_TABLES, source=raw_dir)


@app.command()
def analyze(
    processed_dir: Path = typer.Argument(Path("data/processed"), help="Folder holding documents.parquet (from `speechkit clean`)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder (default: PROCESSED_DIR)."),
    fmt: str = typer.Option("parquet", "--format", metavar=_FORMAT, help="'parquet', or 'csv' to also write CSV twins."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="Worker processes (default: all cores)."),
    user_dict: Optional[Path] = typer.Option(None, "--user-dict", help="Extra jieba dictionary (word [freq] [pos] per line)."),
    stopwords: Optional[Path] = typer.Option(None, "--stopwords", help="Extra stopwords, one per line."),
    taxonomy: Optional[Path] = typer.Option(None, "--themes", help="Extra theme taxonomy TOML ([[theme]] name/field/terms)."),
    topics: Optional[int] = typer.Option(None, "--topics", help="Number of NMF topics (default: chosen from corpus size)."),
    segmenter: str = typer.Option("rjieba", "--segmenter", metavar="rjieba|jieba", help="'rjieba' (jieba-rs: same dictionaries, identical tokens on the reference corpus, ~17x faster) or 'jieba' (pure Python)."),
    engine: str = typer.Option("local", "--engine", metavar="local|dask", help="'local' (worker processes) or 'dask'."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address (default: a local cluster)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Ignore and do not write the per-document cache."),
    indicators: Optional[Path] = typer.Option(None, "--indicators", help="Extra indicators TOML for targets' indicator_key (see speechkit/data/indicators.toml)."),
) -> None:
    """Segment, tag themes, find keywords and topics, parse the 意见 outline and extract targets.

    Writes tokens, sentences, themes, sentence_themes, topics, doc_topics,
    keywords, sections, outlines and targets tables next to documents.parquet.

    \b
    Example:  speechkit analyze data/processed --user-dict my_words.txt --topics 8
    """
    from speechkit.analyze import AnalyzeOptions, analyze_corpus

    options = AnalyzeOptions(
        user_dict=str(user_dict) if user_dict else None,
        stopwords=str(stopwords) if stopwords else None,
        taxonomy=str(taxonomy) if taxonomy else None,
        topics=topics,
        segmenter=segmenter,
        indicators=str(indicators) if indicators else None,
    )
    with _Progress("analyze") as bar:
        report = _guard(analyze_corpus, processed_dir=processed_dir, out_dir=out or processed_dir, options=options,
                        jobs=jobs, formats=_formats(fmt), use_cache=not no_cache, progress=bar, engine=engine,
                        scheduler=scheduler)
    from speechkit.summaries import analyze_summary

    for table in analyze_summary(report):
        _console().print(table)
    from dataclasses import asdict

    _record(out or processed_dir, "analyze",
            options={"processed_dir": str(processed_dir), "out": str(out) if out else None, "format": fmt, "jobs": jobs,
                     **asdict(options), "engine": engine, "scheduler": scheduler, "no_cache": no_cache},
            inputs={"documents": int(report.documents), "from_cache": int(report.cached),
                    "theme_coverage": round(float(report.theme_coverage), 4)},
            user_files={"--user-dict": user_dict, "--stopwords": stopwords, "--themes": taxonomy},
            tables=tuple(report.row_counts), source=processed_dir)  # every table the run wrote (registered steps' too)


@app.command()
def compare(
    processed_dir: Path = typer.Argument(Path("data/processed"), help="Folder with the clean and analyze tables."),
    by: str = typer.Option("city,year", "--by", help="Comma-separated grouping columns (year, province, city, district, level, meeting, site, or --meta columns)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder (default: PROCESSED_DIR/compare)."),
    meta: Optional[Path] = typer.Option(None, "--meta", help="CSV of extra document variables keyed by source_path."),
    fmt: str = typer.Option("parquet", "--format", metavar=_FORMAT, help="'parquet', or 'csv' to also write CSV twins."),
    threshold: float = typer.Option(0.8, "--threshold", help="Jaccard threshold for near-duplicate groups (MinHash)."),
    svg: bool = typer.Option(False, "--svg", help="Also save charts as SVG."),
    charts: bool = typer.Option(True, "--charts/--no-charts", help="Draw PNG charts."),
) -> None:
    """Compare groups of speeches: theme shares, keyness (G²), targets, outlines, similarity, near-duplicates.

    Writes PROCESSED_DIR/compare/*.parquet, charts/ (word clouds named by group) and run.json.
    Groups of a single document get a warning.

    \b
    Example:  speechkit compare data/processed --by city,year --meta my_vars.csv
    """
    from speechkit.compare_run import compare_corpus

    with _Progress("compare") as bar:
        result = _guard(compare_corpus, processed_dir=processed_dir, by=_split_by(by), out=out, meta=meta,
                        formats=_formats(fmt), threshold=threshold, svg=svg, charts=charts, progress=bar,
                        command=sys.argv)
    from speechkit.summaries import compare_summary

    for table in compare_summary(result):
        _console().print(table)


def _kwic_arguments(words: list[str], processed: Optional[Path]) -> tuple[Path, str]:
    """(folder, term) from ``kwic [PROCESSED_DIR] TERM`` (or ``TERM PROCESSED_DIR``) and ``-p``."""
    if not words:
        _fail("kwic needs a term: speechkit kwic data/processed 儿童友好")
    if len(words) > 2:
        _fail("kwic takes a term, optionally after the processed folder: speechkit kwic data/processed 儿童友好")
    if len(words) == 1:
        return (processed or Path("data/processed")), words[0]
    first, second = words
    if Path(first).is_dir():
        folder, term = Path(first), second
    elif Path(second).is_dir():
        folder, term = Path(second), first
    else:
        _fail(f"kwic: neither {first!r} nor {second!r} is a folder; give PROCESSED_DIR TERM, e.g. "
              "speechkit kwic data/processed 儿童友好")
    if processed is not None and Path(processed).resolve() != folder.resolve():
        _fail(f"kwic: two folders given ({folder} and -p {processed}); give one")
    return folder, term


@app.command()
def kwic(
    first: Optional[str] = typer.Argument(None, metavar="PROCESSED_DIR", show_default=False,
                                          help="The processed folder (default: data/processed, or -p); may be left out: with one argument it is the TERM."),
    second: Optional[str] = typer.Argument(None, metavar="TERM", show_default=False,
                                           help="The term to look up (plain text, e.g. 儿童友好)."),
    processed_dir: Optional[Path] = typer.Option(None, "--processed", "-p", help="Folder with documents.parquet (same as the positional folder)."),
    window: int = typer.Option(20, "--window", "-w", help="Characters of context on each side."),
    by: Optional[str] = typer.Option(None, "--by", help="Grouping columns shown with each line, e.g. city."),
    limit: int = typer.Option(40, "--limit", help="Lines to print (all are written to the table)."),
    meta: Optional[Path] = typer.Option(None, "--meta", help="CSV of extra document variables keyed by source_path."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Where kwic.parquet goes (default: PROCESSED_DIR)."),
) -> None:
    """Keyword in context: every occurrence of TERM with its left and right context.

    The printed concordance fits the terminal (at 80 columns the keyword stays visible, the
    contexts are cut at their far ends); kwic.parquet holds every line in full.

    \b
    Example:  speechkit kwic data/processed 普惠性幼儿园 --window 15 --by city
    """
    from speechkit.api import Corpus
    from speechkit.compare_run import check_group_columns

    folder, term = _kwic_arguments([w for w in (first, second) if w is not None], processed_dir)
    corpus = _guard(Corpus.load, folder, meta)
    by_cols = _guard(check_group_columns, corpus, _split_by(by)) if by else None
    lines = _guard(corpus.kwic, term, window=window, by=by_cols)
    from speechkit.io import write_table
    from speechkit.summaries import kwic_table

    _guard(write_table, lines, out or folder, "kwic")
    console = _console()
    console.print(kwic_table(lines, term, by_cols, limit, width=console.width))


@app.command()
def report(
    processed_dir: Path = typer.Argument(Path("data/processed"), help="Folder with the clean and analyze tables."),
    by: str = typer.Option("city,year", "--by", help="Comma-separated grouping columns."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder (default: PROCESSED_DIR/report)."),
    meta: Optional[Path] = typer.Option(None, "--meta", help="CSV of extra document variables keyed by source_path."),
    svg: bool = typer.Option(False, "--svg", help="Also save charts as SVG."),
    only: List[str] = _only_option(),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="Worker processes drawing the charts and writing the workbook (default: all cores)."),
) -> None:
    """Write report.html (self-contained, opens offline) and report.xlsx with every table and chart.

    The header and the workbook's 运行记录 sheet show the run record (version, commands,
    options, data-file hashes); run.json is written beside them. Groups of a single
    document get a warning.

    \b
    Example:  speechkit report data/processed --by province
    Example:  speechkit report data/processed --by year --only city=绍兴市 -o out/绍兴市
    """
    from speechkit.api import Corpus
    from speechkit.compare_run import check_group_columns
    from speechkit.report import build_report

    corpus = _subset(_guard(Corpus.load, processed_dir, meta), only)
    by_cols = _guard(check_group_columns, corpus, _split_by(by))
    target = out or Path(processed_dir) / "report"
    with _console().status("building report (charts, tables, workbook)…"):
        paths = _guard(build_report, corpus, by_cols, target, svg=svg, command=sys.argv, jobs=jobs)
    from speechkit.summaries import escape

    _console().print(f"[green]report:[/] {escape(str(paths.get('html')))}  [green]workbook:[/] {escape(str(paths.get('xlsx')))}")


@app.command()
def export(
    processed_dir: Path = typer.Argument(Path("data/processed"), help="Folder with the clean and analyze tables."),
    to: str = typer.Option(..., "--to", metavar="stata|r|excel|csv", help="Target: stata (.dta, Stata 14+), r (Parquet + Matrix Market for arrow/quanteda), excel (.xlsx) or csv (UTF-8 with BOM)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder (default: PROCESSED_DIR/export/TO)."),
    meta: Optional[Path] = typer.Option(None, "--meta", help="CSV of extra document variables keyed by source_path (exported as document variables)."),
    text: bool = typer.Option(True, "--text/--no-text", help="Include the speech texts (--no-text: smaller files)."),
    only: List[str] = _only_option(),
) -> None:
    """Hand the tables over to Stata, R, Excel or CSV, with run.json and NOTES.txt.

    stata: one .dta per table, legal labelled names (end → end_), integers as integers,
    long text as strL. r: corpus.parquet (doc_id, text, docvars), tokens_long.parquet,
    doc_terms.parquet, dtm.mtx + dtm_terms.csv + dtm_docs.csv, load_speechkit.R.
    excel / csv: one sheet / file per table, cells over 32,767 characters split.

    \b
    Example:  speechkit export data/processed --to stata
    """
    from speechkit.api import Corpus
    from speechkit.export import export_corpus

    corpus = _subset(_guard(Corpus.load, processed_dir, meta), only)
    result = _guard(export_corpus, corpus, to, out, text=text, command=sys.argv)
    from speechkit.summaries import escape
    from rich.table import Table

    table = Table(title=escape(f"speechkit export --to {result.to} → {result.out_dir}"))
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in result.rows.items():
        table.add_row(escape(name), f"{n:,}")
    _console().print(table)
    for note in result.notes:
        _console().print(f"[dim]note:[/] {escape(note)}")


@app.command()
def tokens(
    processed_dir: Path = typer.Argument(Path("data/processed"), help="Folder with sentences.parquet (from `speechkit analyze`)."),
    pos: bool = typer.Option(False, "--pos", help="Add the part of speech of every token (jieba.posseg tags: n, v, vn, ns, m, x …)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Where tokens_all.parquet goes (default: PROCESSED_DIR)."),
    fmt: str = typer.Option("parquet", "--format", metavar=_FORMAT, help="'parquet', or 'csv' to also write a CSV twin."),
    only: List[str] = _only_option(),
) -> None:
    """Write tokens_all.parquet: every token unfiltered (stopwords, punctuation), with --pos its tag.

    tokens.parquet keeps only content tokens (what keyness and word clouds count); this table
    lets you count 实施, 推进, 加强 … too. Columns: doc_id, sentence_id, position, token, content
    (kept in tokens.parquet) and, with --pos, pos.

    \b
    Example:  speechkit tokens data/processed --pos
    """
    from speechkit.api import Corpus
    from speechkit.io import write_table

    corpus = _subset(_guard(Corpus.load, processed_dir), only)
    table = _guard(corpus.all_tokens, pos=pos)
    target = out or processed_dir
    _guard(write_table, table, target, "tokens_all", _formats(fmt))
    from speechkit.summaries import escape

    counts = f"{len(table):,} tokens, {int(table['content'].sum()):,} of them content tokens"
    _console().print(f"[green]tokens_all:[/] {escape(str(Path(target) / 'tokens_all.parquet'))} ({counts})")


@app.command()
def run(
    raw_dir: Path = typer.Argument(Path("data/raw"), help="Folder of speeches (any format `speechkit clean` reads), or one file."),
    out: Path = typer.Option(Path("data/processed"), "--out", "-o", help="Output folder for every table and the report."),
    by: str = typer.Option("city,year", "--by", help="Grouping columns for the report."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="Worker processes (default: all cores)."),
    fmt: str = typer.Option("parquet", "--format", metavar=_FORMAT, help="'parquet', or 'csv' to also write CSV twins."),
    rules: List[Path] = typer.Option([], "--rules", help="Extra boilerplate rules file(s) for the clean stage."),
    to_simplified: bool = typer.Option(False, "--to-simplified", help="Convert Traditional Chinese pages to Simplified."),
    user_dict: Optional[Path] = typer.Option(None, "--user-dict", help="Extra jieba dictionary for the analyze stage."),
    stopwords: Optional[Path] = typer.Option(None, "--stopwords", help="Extra stopwords, one per line."),
    taxonomy: Optional[Path] = typer.Option(None, "--themes", help="Extra theme taxonomy TOML."),
    topics: Optional[int] = typer.Option(None, "--topics", help="Number of NMF topics (default: chosen from corpus size)."),
    segmenter: str = typer.Option("rjieba", "--segmenter", metavar="rjieba|jieba", help="'rjieba' (default, fast) or 'jieba'."),
    meta: Optional[Path] = typer.Option(None, "--meta", help="CSV of extra document variables keyed by source_path (report)."),
    svg: bool = typer.Option(False, "--svg", help="Also save the report's charts as SVG."),
    engine: str = typer.Option("local", "--engine", metavar="local|dask", help="'local' (worker processes) or 'dask'."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address (default: a local cluster)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Recompute everything; neither read nor write the caches."),
    indicators: Optional[Path] = typer.Option(None, "--indicators", help="Extra indicators TOML for indicator_key and followup."),
    report_too: bool = typer.Option(True, "--report/--no-report", help="Also build the HTML/XLSX report."),
    html_extractor: str = typer.Option("dom", "--html-extractor", metavar="dom|readability|trafilatura|none",
                                       help="Article extraction for HTML pages: dom (default), readability, trafilatura, none."),
    # --- formats (issue 12) --------------------------------------------------------------------
    text_column: Optional[str] = typer.Option(None, "--text-column", help="Column of a table of speeches holding the text."),
    include: List[str] = typer.Option([], "--include", help="Read only files matching this glob (repeatable)."),
    exclude: List[str] = typer.Option([], "--exclude", help="Skip files/folders matching this glob (repeatable)."),
    # --- end formats ---------------------------------------------------------------------------
) -> None:
    """clean → analyze → report in one go (cached: a re-run on an unchanged corpus is quick).

    Takes every option of the stages it runs.

    \b
    Example:  speechkit run data/raw --out data/processed --by city,year --themes my_themes.toml
    Example:  speechkit run speeches.csv --text-column 正文 --by 城市
    """
    clean(raw_dir=raw_dir, out=out, fmt=fmt, jobs=jobs, rules=rules, to_simplified=to_simplified, no_cache=no_cache,
          engine=engine, scheduler=scheduler, html_extractor=html_extractor, explain=None, text_column=text_column,
          include=include, exclude=exclude)
    analyze(processed_dir=out, out=None, fmt=fmt, jobs=jobs, user_dict=user_dict, stopwords=stopwords,
            taxonomy=taxonomy, topics=topics, segmenter=segmenter, engine=engine, scheduler=scheduler, no_cache=no_cache,
            indicators=indicators)
    followup(processed_dir=out, out=None, indicators=indicators, tolerance=0.0, by=None, fmt=fmt)
    if report_too:
        report(processed_dir=out, by=by, out=None, meta=meta, svg=svg, only=[], jobs=jobs)


# --- followup (issue 14: target follow-through) -----------------------------------------------


@app.command()
def followup(
    processed_dir: Path = typer.Argument(Path("data/processed"), help="Folder with documents.parquet and targets.parquet (from `speechkit analyze`)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Where followup.parquet goes (default: PROCESSED_DIR)."),
    indicators: Optional[Path] = typer.Option(None, "--indicators", help="Extra indicators TOML (same format as speechkit/data/indicators.toml)."),
    tolerance: float = typer.Option(0.0, "--tolerance", help="Slack for 左右 targets, in the target's unit (default 0: 5%左右 is missed at 4.9%)."),
    by: Optional[str] = typer.Option(None, "--by", help="Also summarise per group of the target's document, e.g. province."),
    fmt: str = typer.Option("parquet", "--format", help="'parquet', or 'csv' to also write a CSV twin."),
) -> None:
    """Did they do what they said? Link each target to what a later document of the same place
    reports for the target year, and judge it met / missed.

    Writes OUT/followup.parquet (one row per linked target: place, indicator_key, target and
    outcome values, status, gap, both sentences) and prints a summary per indicator.

    Example:  speechkit followup data/processed --by province
    """
    from speechkit.followup import followup_corpus, summarise_followup

    table = _guard(followup_corpus, processed_dir=processed_dir, out_dir=out, indicators_file=indicators,
                   tolerance=tolerance, formats=_formats(fmt))
    by_cols = _split_by(by) if by else []
    if by_cols and len(table):
        from speechkit.api import Corpus

        corpus = _guard(Corpus.load, processed_dir)
        table = _guard(corpus.followup, by=by_cols, tolerance=tolerance)
    from speechkit.summaries import followup_summary_table

    _console().print(followup_summary_table(summarise_followup(table, ["group"] if "group" in table.columns else None),
                                            Path(out or processed_dir) / "followup.parquet"))


# --- end followup ----------------------------------------------------------------------------


@app.command()
def rules() -> None:
    """List the bundled boilerplate rules: name, what each removes, where it may act and what
    guards it (a cut that reads as speech is kept unless the rule's evidence is found).

    \b
    Example:  speechkit rules
    """
    from rich.markup import escape
    from rich.table import Table

    from speechkit.boilerplate import load_rules

    table = Table(title="boilerplate rules (speechkit/data/boilerplate.toml)")
    table.add_column("rule")
    table.add_column("kind")
    table.add_column("removes")
    table.add_column("zone")
    table.add_column("speech guard")
    for rule in _guard(load_rules):
        if not rule.guard:
            guard = "none: the match is its own evidence"
        elif rule.evidence is None:
            guard = "speech-like cuts always kept"
        else:
            guard = "cuts only with its evidence" if rule.require_evidence else "speech-like cuts need its evidence"
        table.add_row(escape(rule.name), escape(rule.kind), escape(rule.description), rule.zone, escape(guard))
    # --- html (issue 11): the HTML chrome rules (speechkit/data/html.toml) ---
    from speechkit.htmlmain import rule_descriptions

    for name, description in rule_descriptions().items():
        table.add_row(escape(name), "html", escape(description), "anywhere", "DOM chrome decision (not guarded)")
    # --- end html ---
    _console().print(table)


# ── themes: validate / score / terms / suggest (issue 18) ─────────────────────────────────────
themes_app = typer.Typer(
    help=(
        "Validate the theme lexicon: code a sample, score precision, see which terms fire, get suggestions.\n\n"
        "Example:  speechkit themes validate 托育与生育支持 data/processed --sample 50   (then code the sheet)\n\n"
        "          speechkit themes score data/processed/validate/validate_托育与生育支持.xlsx"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
)
app.add_typer(themes_app, name="themes")


def _theme_corpus(processed_dir: Path, theme: str, taxonomy: Optional[Path]):
    from speechkit.api import Corpus
    from speechkit.themes import check_theme_name, load_taxonomy

    themes = _guard(load_taxonomy, extra=taxonomy)
    _guard(check_theme_name, theme, themes)
    corpus = _guard(Corpus.load, processed_dir)
    return corpus, next(t for t in themes if t.name == theme)


def _print_frame(df, title: str, columns: list[str], limit: int = 40, percent: tuple[str, ...] = ()) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in df.head(limit).itertuples(index=False):
        cells = []
        for col in columns:
            value = getattr(row, col)
            if col in percent and isinstance(value, float):
                cells.append("—" if value != value else f"{value:.0%}")
            elif isinstance(value, float):
                cells.append(f"{value:.2f}")
            else:
                cells.append(escape(str(value)))
        table.add_row(*cells)
    _console().print(table)


@themes_app.command("validate")
def themes_validate(
    theme: str = typer.Argument(..., help="Theme name as in themes.toml, e.g. 托育与生育支持."),
    processed_dir: Path = typer.Argument(Path("data/processed"), help="Folder with the analyze tables."),
    sample: int = typer.Option(50, "--sample", "-n", help="Sentences to draw (all when fewer are tagged)."),
    seed: int = typer.Option(18, "--seed", help="Random seed: the same seed draws the same sample."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Sheet to write (.xlsx; a .csv twin goes beside it). "
                                       "Default: PROCESSED_DIR/validate/validate_THEME.xlsx."),
    taxonomy: Optional[Path] = typer.Option(None, "--themes", help="Extra theme taxonomy TOML used at analyze time."),
) -> None:
    """Write a random sample of sentences tagged with THEME, the matched terms highlighted, for coding.

    Code each row correct/wrong by reading the sentence (is it about the theme?), then run
    `speechkit themes score SHEET.xlsx`.

    Example:  speechkit themes validate 托育与生育支持 data/processed --sample 50
    """
    from speechkit.themes import validation_sample, write_validation_sheet

    corpus, _ = _theme_corpus(processed_dir, theme, taxonomy)
    df = _guard(validation_sample, sentence_themes=corpus.tables["sentence_themes"], sentences=corpus.tables["sentences"],
                documents=corpus.documents, theme=theme, n=sample, seed=seed)
    if df.empty:
        _fail(f"{processed_dir}: no sentence is tagged with {theme!r}; nothing to validate")
    path = out or processed_dir / "validate" / f"validate_{theme}.xlsx"
    paths = _guard(write_validation_sheet, sample=df, path=path)
    from speechkit.summaries import escape

    _console().print(f"[green]{len(df)} sentences to code:[/] {escape(str(paths[0]))} (+ {escape(paths[1].name)})")


@themes_app.command("score")
def themes_score(
    coded: Path = typer.Argument(..., help="A sheet from `speechkit themes validate` with the verdict column filled."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder for score_themes.csv and score_terms.csv."),
) -> None:
    """Precision per theme and per term of a coded sheet, with 95 % Wilson intervals (for a methods section).

    Example:  speechkit themes score data/processed/validate/validate_托育与生育支持.xlsx
    """
    from speechkit.themes import read_coded_sheet, score_coded_sheet

    sheet = _guard(read_coded_sheet, path=coded)
    by_theme, by_term = score_coded_sheet(sheet)
    if int(by_theme["coded"].sum()) == 0:
        _fail(f"{coded}: no row is coded yet — fill the verdict column with correct or wrong")
    cols = ["coded", "correct", "precision", "ci_low", "ci_high"]
    _print_frame(by_theme, "precision per theme (95 % Wilson interval)", ["theme", *cols, "uncoded"],
                 percent=("precision", "ci_low", "ci_high"))
    _print_frame(by_term, "precision per term", ["term", "theme", *cols], percent=("precision", "ci_low", "ci_high"))
    if out is not None:
        from speechkit.io import write_table

        _guard(write_table, by_theme, out, "score_themes", ("csv",))
        _guard(write_table, by_term, out, "score_terms", ("csv",))


@themes_app.command("terms")
def themes_terms(
    theme: str = typer.Argument(..., help="Theme name, e.g. 民生保障与公共服务."),
    processed_dir: Path = typer.Argument(Path("data/processed"), help="Folder with the analyze tables."),
    limit: int = typer.Option(40, "--limit", help="Terms to print."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder for theme_terms.csv."),
    taxonomy: Optional[Path] = typer.Option(None, "--themes", help="Extra theme taxonomy TOML used at analyze time."),
) -> None:
    """How often each term of THEME fired, in how many sentences and documents, and where most.

    Example:  speechkit themes terms 民生保障与公共服务 data/processed
    """
    from speechkit.themes import term_table

    corpus, spec = _theme_corpus(processed_dir, theme, taxonomy)
    df = _guard(term_table, sentence_themes=corpus.tables["sentence_themes"], documents=corpus.documents, theme=theme)
    fired = set(df["term"])
    silent = [t for t in spec.terms if t not in fired]
    _print_frame(df, f"{theme}: terms that fired ({len(df)} of {len(spec.terms)})",
                 ["term", "hits", "sentences", "docs", "share", "where"], limit, percent=("share",))
    if silent:
        from speechkit.summaries import escape

        _console().print(f"never fired here: {escape('、'.join(silent[:60]))}{' …' if len(silent) > 60 else ''}")
    if out is not None:
        from speechkit.io import write_table

        _guard(write_table, df, out, "theme_terms", ("csv",))


@themes_app.command("suggest")
def themes_suggest(
    theme: str = typer.Argument(..., help="Theme name, e.g. 生态文明与绿色低碳."),
    processed_dir: Path = typer.Argument(Path("data/processed"), help="Folder with the analyze tables."),
    top: int = typer.Option(20, "--top", help="Candidates to list."),
    min_count: int = typer.Option(5, "--min-count", help="Least number of the theme's sentences a candidate occurs in."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder for theme_suggestions.csv."),
    taxonomy: Optional[Path] = typer.Option(None, "--themes", help="Extra theme taxonomy TOML used at analyze time."),
) -> None:
    """Candidate terms for THEME from the corpus (G² and PMI over sentences), with example sentences.

    Candidates are words far more frequent in the theme's sentences than elsewhere; the examples
    are sentences each would newly tag. Judge them before adding any to your lexicon file (--themes).

    Example:  speechkit themes suggest 生态文明与绿色低碳 data/processed --top 20
    """
    from speechkit.themes import suggest_terms

    corpus, spec = _theme_corpus(processed_dir, theme, taxonomy)
    df = _guard(suggest_terms, tokens=corpus.tables["tokens"], sentence_themes=corpus.tables["sentence_themes"],
                sentences=corpus.tables["sentences"], theme=spec, top=top, min_count=min_count,
                stopwords=corpus.stopwords)
    _print_frame(df, f"{theme}: candidate terms (G² over sentences)", ["term", "tagged", "untagged", "g2", "pmi", "examples"],
                 top)
    if out is not None:
        from speechkit.io import write_table

        _guard(write_table, df, out, "theme_suggestions", ("csv",))
# ── /themes ───────────────────────────────────────────────────────────────────────────────────


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
