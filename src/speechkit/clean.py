"""The clean stage: raw scraped pages → ``documents.parquet`` + ``removals.parquet``.

Each file is decoded (encoding detected), HTML reduced to its visible text,
boilerplate stripped by named rules (every removal recorded), and metadata read.
A bad file becomes a documents row with ``status='error'`` and a specific
message; the run goes on. Files are processed in worker processes and results
are cached by content, so unchanged files are not cleaned again.
"""
from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from speechkit._version import __version__
from speechkit.boilerplate import DATA_FILES as BOILERPLATE_DATA_FILES
from speechkit.boilerplate import RuleTimeout, cut_in_context, load_rules
from speechkit.decode import HTML_SUFFIXES, TEXT_SUFFIXES, DecodeError, read_raw
from speechkit.cache import entry_path, load_json_entry, store_json_entry
from speechkit.io import read_table
from speechkit.stage import StageRun, batched
from speechkit.gazetteer import DATA_FILES as GAZETTEER_DATA_FILES
from speechkit.htmlmain import DATA_FILES as HTML_DATA_FILES
from speechkit.htmlmain import rule_descriptions as html_rule_descriptions
from speechkit.htmlmain import DEFAULT_EXTRACTOR, EXTRACTORS, ExtractorError, chrome_decisions, chrome_spans, strip_with_chrome
from speechkit.htmlmeta import page_meta
from speechkit.metadata import extract_metadata
from speechkit.script import DATA_FILES as SCRIPT_DATA_FILES
from speechkit.script import detect_script

__all__ = [
    "DOCUMENT_COLUMNS", "REMOVAL_COLUMNS", "CleanOptions", "CleanReport",
    "discover_files", "clean_file", "clean_corpus", "explain_file", "RawDirError",
]

RAW_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES
DOCUMENT_COLUMNS = [
    "doc_id", "source_path", "title", "text", "date", "year", "province", "city", "district", "level",
    "meeting", "speaker", "speaker_role", "site", "url", "truncated", "declared_chars", "omitted_chars", "redactions",
    "raw_chars", "clean_chars", "encoding", "format", "status", "error", "notes", "script", "raw_text",
]
REMOVAL_COLUMNS = ["doc_id", "rule", "start", "end", "text"]
CLEAN_TABLES = ("documents", "removals")
_DTYPES = {
    "year": "Int64", "declared_chars": "Int64", "omitted_chars": "Int64", "redactions": "int64",
    "raw_chars": "int64", "clean_chars": "int64", "truncated": "bool",
}


class RawDirError(ValueError):
    """RAW_DIR is missing, not a directory, or holds no usable files."""


@dataclass(frozen=True)
class CleanOptions:
    """Settings of the clean stage (part of the cache key)."""

    rules_files: tuple[str, ...] = ()
    to_simplified: bool = False
    html_extractor: str = DEFAULT_EXTRACTOR  # how HTML main content is found: one of htmlmain.EXTRACTORS

    def __post_init__(self) -> None:
        if self.html_extractor not in EXTRACTORS:
            raise ValueError(f"unknown HTML extractor {self.html_extractor!r} (choose one of: {', '.join(EXTRACTORS)})")

    def fingerprint(self) -> str:
        h = hashlib.sha1(f"clean|{__version__}|{self.to_simplified}|{self.html_extractor}".encode())
        from importlib.resources import files

        for name in (*BOILERPLATE_DATA_FILES, "metadata.toml", "redactions.toml", *GAZETTEER_DATA_FILES, *HTML_DATA_FILES,
                     *SCRIPT_DATA_FILES):
            h.update((files("speechkit") / "data" / name).read_bytes())
        for path in self.rules_files:
            h.update(Path(path).read_bytes())
        return h.hexdigest()


@dataclass
class CleanReport:
    """What a clean run did: tables written, counts, errors, cache hits."""

    documents: pd.DataFrame
    removals: pd.DataFrame
    paths: list[Path] = field(default_factory=list)
    cached: int = 0
    skipped_unchanged: bool = False

    @property
    def errors(self) -> pd.DataFrame:
        return self.documents[self.documents["status"] == "error"][["source_path", "error"]]


def discover_files(raw_dir: Path) -> list[tuple[str, Path | None, str | None]]:
    """Every file below ``raw_dir`` with a speech suffix: ``(relative path, path, problem)``.

    Walks recursively without following directory symlinks (no loops); a file
    that cannot be opened is listed with its problem so that it becomes an
    error row instead of vanishing.
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.exists():
        raise RawDirError(f"{raw_dir}: RAW_DIR does not exist")
    if not raw_dir.is_dir():
        raise RawDirError(f"{raw_dir}: RAW_DIR is not a directory")
    found = []
    walk_errors: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(raw_dir, followlinks=False, onerror=walk_errors.append):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = _printable_path(path.relative_to(raw_dir).as_posix())
            if path.suffix.lower() not in RAW_SUFFIXES:
                continue
            problem = None
            try:
                mode = path.stat().st_mode  # follows symlinks
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    problem = "symbolic link loop (the link points back to itself)"
                elif path.is_symlink():
                    problem = "broken symbolic link"
                else:
                    problem = f"cannot read file: {exc.strerror or exc}"
            else:
                if stat.S_ISDIR(mode):
                    continue
                if not stat.S_ISREG(mode):  # a FIFO or device would block or never end
                    problem = f"not a regular file ({_FILE_KINDS.get(stat.S_IFMT(mode), 'special file')})"
                elif not os.access(path, os.R_OK):
                    problem = "permission denied: the file cannot be read"
            found.append((rel, path, problem))
    for err in walk_errors:
        rel = _printable_path(Path(err.filename).relative_to(raw_dir).as_posix()) if err.filename else str(err)
        found.append((rel + "/", None, f"cannot list directory: {err.strerror}"))
    return found


_FILE_KINDS = {stat.S_IFIFO: "named pipe", stat.S_IFCHR: "character device", stat.S_IFBLK: "block device",
               stat.S_IFSOCK: "socket"}


def _printable_path(rel: str) -> str:
    """A file name as it is stored in ``source_path``: itself when it is valid UTF-8 without a
    backslash; otherwise bad bytes shown as ``\\xNN`` and backslashes doubled, so that two
    different names never print the same (a literal ``\\xff`` in a name is not the byte 0xff).

    >>> _printable_path("三亚.txt"), _printable_path(os.fsdecode(b"a\\xff.txt")), _printable_path("a\\\\xff.txt")
    ('三亚.txt', 'a\\\\xff.txt', 'a\\\\\\\\xff.txt')
    """
    try:
        rel.encode("utf-8")
        if "\\" not in rel:
            return rel
    except UnicodeEncodeError:
        pass
    return os.fsencode(rel).replace(b"\\", b"\\\\").decode("utf-8", "backslashreplace")


def _error_row(rel: str, message: str) -> dict:
    key = hashlib.sha1(rel.encode()).hexdigest()
    row = {c: None for c in DOCUMENT_COLUMNS}
    row.update(doc_id="err-" + key[:12], source_path=rel, text="", raw_text="", truncated=False, redactions=0,
               raw_chars=0, clean_chars=0, status="error", error=message, format=Path(rel).suffix.lstrip(".").lower() or None)
    return row


_OPENCC = None


def _to_simplified(text: str) -> str:
    global _OPENCC
    if _OPENCC is None:
        from opencc import OpenCC

        _OPENCC = OpenCC("t2s")
    return _OPENCC.convert(text)


def _strip_page(page, raw: str, rules, options: CleanOptions):
    """HTML chrome (from the page's DOM) and the boilerplate rules cut from ``raw``: ``(CleanResult, hints)``."""
    chrome, hints = [], dict(page.hints)
    if page.dom is not None:
        decisions = chrome_decisions(page.dom, page.markup, options.html_extractor)
        hints.update(page_meta(page.dom, [d is None for d in decisions]))
        if len(raw) == len(page.text):  # t2s keeps offsets; if it did not, the rules alone decide
            chrome = chrome_spans(page.dom, decisions=decisions)
    return strip_with_chrome(raw, chrome, rules, title=hints.get("title") or hints.get("h1")), hints


def clean_file(path: Path, rel: str, options: CleanOptions = CleanOptions(), rules=None,
               data: bytes | None = None) -> tuple[dict, list[dict]]:
    """Clean one raw file: ``(documents row, removal rows)``. Never raises for bad input.

    ``data`` is the file's content when the caller has read it already (the cache key and the
    result then come from the same bytes).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_text("当前位置:首页 > 讲话\\n同志们:今天召开2024年全市妇女儿童工作会议。\\n评论0", encoding="gb18030")
    >>> row, removals = clean_file(p, "a.txt")
    >>> row["text"], row["year"], row["encoding"], [r["rule"] for r in removals][:2]
    ('同志们:今天召开2024年全市妇女儿童工作会议。', 2024, 'gb18030', ['breadcrumb', 'whitespace'])
    """
    try:
        page = read_raw(path, data=data)
    except DecodeError as exc:
        return _error_row(rel, str(exc)), []
    except OSError as exc:
        return _error_row(rel, f"cannot read file: {exc.strerror or exc}"), []
    raw = page.text
    script = detect_script(raw)  # the script the page is written in, before any conversion
    if options.to_simplified:
        raw = _to_simplified(raw)
    if rules is None:
        rules = load_rules([Path(p) for p in options.rules_files])
    doc_id = hashlib.sha1(raw.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    try:
        result, hints = _strip_page(page, raw, rules, options)
        repeated = next((r.text for r in result.removals if r.rule == "title_repeat" and r.text.strip()), None)
        meta = extract_metadata(raw, result.text, hints, Path(rel).stem, removed_title=repeated,
                                removals=[(r.rule, r.start, r.text) for r in result.removals])
    except (ExtractorError, RuleTimeout) as exc:
        return _error_row(rel, str(exc)), []
    except Exception as exc:  # noqa: BLE001 — a bug met on one odd page must not stop the whole run
        message = f"internal error while cleaning (please report): {type(exc).__name__}: {exc}"
        return _error_row(rel, message), []
    row = {c: None for c in DOCUMENT_COLUMNS}
    row.update(doc_id=doc_id, source_path=rel, text=result.text, raw_text=raw, raw_chars=len(raw),
               clean_chars=len(result.text), encoding=page.encoding, format=page.format, status="ok", error=None,
               script=script)
    if not result.text.strip():
        row.update(status="error", error="nothing left after removing boilerplate (the page is only site chrome)")
    row.update(meta.as_dict())
    converted = [f"written in {script} script; converted to Simplified (--to-simplified)"] \
        if options.to_simplified and script in ("traditional", "mixed") else []
    notes = page.notes + converted + ([row["notes"]] if row.get("notes") else [])
    row["notes"] = "; ".join(notes) or None
    removals = [{"doc_id": doc_id, "rule": r.rule, "start": r.start, "end": r.end, "text": r.text} for r in result.removals]
    return row, removals


def explain_file(path: Path, options: CleanOptions = CleanOptions(), width: int = 20) -> dict:
    """One page's cleaning as plain data, rule by rule: what ``speechkit clean --explain FILE`` prints.

    Returns ``{"source_path", "status", "error", "encoding", "format", "script", "notes",
    "raw_chars", "clean_chars", "rules", "kept"}``. ``rules`` lists, in the order of their first cut,
    ``{"rule", "description", "cuts", "chars", "samples"}`` where each sample is
    ``{"start", "end", "before", "text", "after"}`` (``width`` characters of context each side,
    line breaks as ⏎); ``kept`` lists the candidate cuts the guard refused, with ``rule`` and
    ``reason``. Blank-line and margin trimming (rule ``whitespace``) is counted, not listed.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_text("当前位置:首页 > 讲话\\n同志们:今天召开会议。\\n八、着力维护安全稳定\\n评论0", encoding="utf-8")
    >>> info = explain_file(p)
    >>> [(r["rule"], r["samples"][0]["text"]) for r in info["rules"] if r["rule"] != "whitespace"]
    [('breadcrumb', '当前位置:首页 > 讲话⏎'), ('comment_counter', '评论0')]
    """
    path = Path(path)
    info = {"source_path": str(path), "status": "ok", "error": None, "encoding": None, "format": None, "script": None,
            "notes": [], "raw_chars": 0, "clean_chars": 0, "rules": [], "kept": []}
    try:
        page = read_raw(path)
    except (DecodeError, OSError) as exc:
        return dict(info, status="error", error=str(exc) if isinstance(exc, DecodeError) else f"cannot read file: {exc}")
    raw = page.text
    script = detect_script(raw)
    if options.to_simplified:
        raw = _to_simplified(raw)
    rules = load_rules([Path(p) for p in options.rules_files])
    try:
        result, _hints = _strip_page(page, raw, rules, options)
    except ExtractorError as exc:
        return dict(info, status="error", error=str(exc))
    descriptions = {r.name: r.description for r in reversed(rules)}
    descriptions.update(html_rule_descriptions())  # html (issue 11): the HTML chrome rules
    by_rule: dict[str, dict] = {}
    for r in sorted(result.removals, key=lambda r: r.start):
        entry = by_rule.setdefault(r.rule, {"rule": r.rule, "description": descriptions.get(r.rule, ""), "cuts": 0,
                                            "chars": 0, "samples": []})
        entry["cuts"] += 1
        entry["chars"] += r.end - r.start
        if r.rule != "whitespace":
            before, text, after = cut_in_context(raw, r.start, r.end, width)
            entry["samples"].append({"start": r.start, "end": r.end, "before": before, "text": text, "after": after})
    kept = []
    for p in result.protected:
        before, text, after = cut_in_context(raw, p.start, p.end, width)
        kept.append({"rule": p.rule, "reason": p.reason, "start": p.start, "end": p.end, "before": before, "text": text,
                     "after": after})
    return dict(info, encoding=page.encoding, format=page.format, script=script, notes=list(page.notes),
                raw_chars=len(raw), clean_chars=len(result.text), rules=list(by_rule.values()), kept=kept)


# --- worker side ----------------------------------------------------------------

_WORKER_RULES = None


def _init_worker(rules_files: tuple[str, ...]) -> None:
    global _WORKER_RULES
    _WORKER_RULES = load_rules([Path(p) for p in rules_files])


def _clean_batch(batch: list[tuple[str, str, bool]], options: CleanOptions, cache_dir: str | None) -> list[tuple[dict, list[dict]]]:
    rules = _WORKER_RULES if _WORKER_RULES is not None else load_rules([Path(p) for p in options.rules_files])
    settings = options.fingerprint() if cache_dir else ""
    out = []
    for rel, path, note_outside in batch:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            out.append((_error_row(rel, f"cannot read file: {exc.strerror or exc}"), []))
            continue
        row, removals = clean_file(Path(path), rel, options, rules, data=data)
        if note_outside:
            row["notes"] = "; ".join(filter(None, [row.get("notes"), _OUTSIDE_NOTE]))
        if cache_dir:  # keyed by the very bytes that were cleaned (a file replaced mid-run cannot mix)
            store_json_entry(entry_path(Path(cache_dir), _bytes_key(data, settings + "|" + rel), ".json"),
                             {"row": row, "removals": removals})
        out.append((row, removals))
    return out


_OUTSIDE_NOTE = "a symbolic link in RAW_DIR to a file outside it"


def _bytes_key(data: bytes, settings: str) -> str:
    h = hashlib.sha1(settings.encode())
    h.update(data)
    return h.hexdigest()


def _file_key(path: Path, settings: str) -> str | None:
    try:
        h = hashlib.sha1(settings.encode())
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    except OSError:
        return None


def _cached_result(path: Path) -> tuple[dict, list[dict]] | None:
    entry = load_json_entry(path)
    if not isinstance(entry, dict):
        return None
    row, removals = entry.get("row"), entry.get("removals")
    if not isinstance(row, dict) or set(row) != set(DOCUMENT_COLUMNS) or not isinstance(removals, list):
        return None  # damaged or written by another version
    if not all(isinstance(r, dict) and set(r) == set(REMOVAL_COLUMNS) for r in removals):
        return None
    return row, removals


def _outside(path: Path, raw_dir: Path) -> bool:
    """A symbolic link whose target lies outside RAW_DIR."""
    if not path.is_symlink():
        return False
    try:
        path.resolve().relative_to(raw_dir.resolve())
        return False
    except (ValueError, OSError):
        return True


def clean_corpus(
    raw_dir: Path,
    out_dir: Path,
    options: CleanOptions = CleanOptions(),
    jobs: int | None = None,
    formats: tuple[str, ...] = ("parquet",),
    use_cache: bool = True,
    progress: Callable[[int, int], None] | None = None,
    engine: str = "local",
    scheduler: str | None = None,
) -> CleanReport:
    """Clean every raw file below ``raw_dir`` and write the tables to ``out_dir``.

    ``progress(done, total)`` is called as files finish; ``engine``/``scheduler`` as in
    :func:`speechkit.parallel.run_batches`. Raises :class:`RawDirError`
    when RAW_DIR is missing or holds no speech files; bad single files become
    error rows.
    """
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    files = discover_files(raw_dir)
    if not files:
        raise RawDirError(f"{raw_dir}: no .txt/.md/.html/.htm/.shtml files found below RAW_DIR")
    # compile the rules and load the gazetteer here, before any worker starts: a bad --rules
    # file is one clear error for the user, and forked workers inherit the compiled rules
    _init_worker(options.rules_files)
    settings = options.fingerprint()
    keys = {rel: None if problem else _file_key(path, settings + "|" + rel) for rel, path, problem in files}
    total = len(files)
    # whole-run fast path: same files, same settings, tables in place → nothing to recompute or rewrite
    run_key = hashlib.sha1(repr((settings, formats, [(rel, k) for rel, k in sorted(keys.items())])).encode()).hexdigest()
    stage = StageRun(stage="clean", out_dir=out_dir, tables=CLEAN_TABLES, key=run_key, use_cache=use_cache,
                     formats=formats)
    hit = stage.cached(lambda: (read_table(out_dir, "documents"), read_table(out_dir, "removals")))
    if hit is not None:
        documents, removals = hit[1]
        if progress:
            progress(total, total)
        return CleanReport(documents, removals, [], sum(k is not None for k in keys.values()), skipped_unchanged=True)
    results: dict[str, tuple[dict, list[dict]]] = {}
    todo: list[tuple[str, str, bool]] = []
    cached = 0
    for rel, path, problem in files:
        if problem or keys[rel] is None:
            results[rel] = (_error_row(rel, problem or "cannot read file"), [])
            continue
        entry = stage.entry(keys[rel], ".json")
        hit = _cached_result(entry) if entry is not None else None
        if hit is not None:
            results[rel] = hit
            cached += 1
            continue
        todo.append((rel, str(path), _outside(path, raw_dir)))
    done = total - len(todo)
    if progress:
        progress(done, total)
    if todo and engine == "local":  # warm up here: forked workers inherit the loaded gazetteer
        extract_metadata("同志们：", "同志们：", {}, "杭州")
    batches = batched(todo, StageRun.batch_size(len(todo), jobs, 64))
    for batch_results in stage.batches(_clean_batch, batches, (options, stage.cache_arg), jobs=jobs, engine=engine,
                                       scheduler=scheduler, initializer=_init_worker, initargs=(options.rules_files,)):
        for row, rem in batch_results:
            results[row["source_path"]] = (row, rem)
            done += 1
        if progress:
            progress(done, total)
    documents, removals = _assemble(results)
    # removals first, documents last: a run killed in between leaves tables of two runs, which
    # readers detect by their run ids (documents is what every later stage keys on)
    paths = stage.write(removals, "removals")
    paths = stage.write(documents, "documents") + paths
    stage.finish()
    return CleanReport(documents, removals, paths, cached)


def _assemble(results: dict[str, tuple[dict, list[dict]]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, removal_rows, seen = [], [], {}
    for rel in sorted(results):
        row, rem = results[rel]
        row = dict(row)
        doc_id = row["doc_id"]
        if doc_id in seen:  # identical content under two paths: keep both, distinct ids
            seen[doc_id] += 1
            new_id = f"{doc_id}-{seen[doc_id]}"
            rem = [dict(r, doc_id=new_id) for r in rem]
            row["doc_id"] = new_id
        else:
            seen[doc_id] = 1
        rows.append(row)
        removal_rows.extend(rem)
    documents = pd.DataFrame(rows, columns=DOCUMENT_COLUMNS)
    for col, dtype in _DTYPES.items():
        documents[col] = documents[col].astype(dtype)
    removals = pd.DataFrame(removal_rows, columns=REMOVAL_COLUMNS)
    removals["start"] = removals["start"].astype("int64")
    removals["end"] = removals["end"].astype("int64")
    return documents, removals
