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
import pickle
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pandas as pd

from speechkit._version import __version__
from speechkit.boilerplate import load_rules, strip_boilerplate
from speechkit.decode import HTML_SUFFIXES, TEXT_SUFFIXES, DecodeError, read_raw
from speechkit.io import (atomic_write_bytes, read_run_manifest, read_table, sweep_stale_temp_files, write_run_manifest,
                          write_table)
from speechkit.gazetteer import DATA_FILES as GAZETTEER_DATA_FILES
from speechkit.metadata import extract_metadata
from speechkit.parallel import default_jobs, run_batches

__all__ = [
    "DOCUMENT_COLUMNS", "REMOVAL_COLUMNS", "CleanOptions", "CleanReport",
    "discover_files", "clean_file", "clean_corpus", "RawDirError",
]

RAW_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES
DOCUMENT_COLUMNS = [
    "doc_id", "source_path", "title", "text", "date", "year", "province", "city", "district", "level",
    "meeting", "speaker", "site", "url", "truncated", "declared_chars", "omitted_chars", "redactions",
    "raw_chars", "clean_chars", "encoding", "format", "status", "error", "notes", "raw_text",
]
REMOVAL_COLUMNS = ["doc_id", "rule", "start", "end", "text"]
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

    def fingerprint(self) -> str:
        h = hashlib.sha1(f"clean|{__version__}|{self.to_simplified}".encode())
        from importlib.resources import files

        for name in ("boilerplate.toml", "metadata.toml", "redactions.toml", *GAZETTEER_DATA_FILES):
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
    """A file name that is not valid UTF-8 shows its bad bytes as ``\\xNN`` (storable in Parquet)."""
    try:
        rel.encode("utf-8")
        return rel
    except UnicodeEncodeError:
        return os.fsencode(rel).decode("utf-8", "backslashreplace")


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


def clean_file(path: Path, rel: str, options: CleanOptions = CleanOptions(), rules=None) -> tuple[dict, list[dict]]:
    """Clean one raw file: ``(documents row, removal rows)``. Never raises for bad input.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_text("当前位置:首页 > 讲话\\n同志们:今天召开2024年全市妇女儿童工作会议。\\n评论0", encoding="gb18030")
    >>> row, removals = clean_file(p, "a.txt")
    >>> row["text"], row["year"], row["encoding"], [r["rule"] for r in removals][:2]
    ('同志们:今天召开2024年全市妇女儿童工作会议。', 2024, 'gb18030', ['breadcrumb', 'whitespace'])
    """
    try:
        page = read_raw(path)
    except DecodeError as exc:
        return _error_row(rel, str(exc)), []
    except OSError as exc:
        return _error_row(rel, f"cannot read file: {exc.strerror or exc}"), []
    raw = page.text
    if options.to_simplified:
        raw = _to_simplified(raw)
    if rules is None:
        rules = load_rules([Path(p) for p in options.rules_files])
    doc_id = hashlib.sha1(raw.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    try:
        result = strip_boilerplate(raw, rules, title=page.hints.get("h1"))
        repeated = next((r.text for r in result.removals if r.rule == "title_repeat" and r.text.strip()), None)
        meta = extract_metadata(raw, result.text, page.hints, Path(rel).stem, removed_title=repeated)
    except Exception as exc:  # noqa: BLE001 — a bug met on one odd page must not stop the whole run
        message = f"internal error while cleaning (please report): {type(exc).__name__}: {exc}"
        return _error_row(rel, message), []
    row = {c: None for c in DOCUMENT_COLUMNS}
    row.update(doc_id=doc_id, source_path=rel, text=result.text, raw_text=raw, raw_chars=len(raw),
               clean_chars=len(result.text), encoding=page.encoding, format=page.format, status="ok", error=None)
    if not result.text.strip():
        row.update(status="error", error="nothing left after removing boilerplate (the page is only site chrome)")
    row.update(meta.as_dict())
    notes = page.notes + ([row["notes"]] if row.get("notes") else [])
    row["notes"] = "; ".join(notes) or None
    removals = [{"doc_id": doc_id, "rule": r.rule, "start": r.start, "end": r.end, "text": r.text} for r in result.removals]
    return row, removals


# --- worker side ----------------------------------------------------------------

_WORKER_RULES = None


def _init_worker(rules_files: tuple[str, ...]) -> None:
    global _WORKER_RULES
    _WORKER_RULES = load_rules([Path(p) for p in rules_files])


def _clean_batch(batch: list[tuple[str, str, str | None]], options: CleanOptions, cache_dir: str | None) -> list[tuple[dict, list[dict]]]:
    rules = _WORKER_RULES if _WORKER_RULES is not None else load_rules([Path(p) for p in options.rules_files])
    out = []
    for rel, path, key in batch:
        result = clean_file(Path(path), rel, options, rules)
        if cache_dir and key:
            atomic_write_bytes(Path(cache_dir) / key[:2] / f"{key}.pkl", pickle.dumps(result, protocol=5))
        out.append(result)
    return out


def _file_key(path: Path, settings: str) -> str | None:
    try:
        h = hashlib.sha1(settings.encode())
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    except OSError:
        return None


def _batches(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i: i + size]


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
    sweep_stale_temp_files(out_dir)  # left by an interrupted run
    cache_dir = out_dir / ".cache" / "clean" if use_cache else None
    results: dict[str, tuple[dict, list[dict]]] = {}
    todo: list[tuple[str, str, str | None]] = []
    cached = 0
    keys = {rel: None if problem else _file_key(path, settings + "|" + rel) for rel, path, problem in files}
    total = len(files)
    # whole-run fast path: same files, same settings, tables in place → nothing to recompute or
    # rewrite; the tables on disk are this run's result
    run_key = hashlib.sha1(repr((settings, formats, [(rel, k) for rel, k in sorted(keys.items())])).encode()).hexdigest()
    manifest = out_dir / ".cache" / "clean_manifest.json"
    if use_cache and read_run_manifest(manifest, run_key, out_dir, ("documents", "removals")) is not None:
        if progress:
            progress(total, total)
        documents, removals = read_table(out_dir, "documents"), read_table(out_dir, "removals")
        unchanged = sum(k is not None for k in keys.values())
        return CleanReport(documents, removals, [], unchanged, skipped_unchanged=True)
    for rel, path, problem in files:
        if problem:
            results[rel] = (_error_row(rel, problem), [])
            continue
        key = keys[rel]
        if key is None:
            results[rel] = (_error_row(rel, "cannot read file"), [])
            continue
        hit = cache_dir / key[:2] / f"{key}.pkl" if cache_dir else None
        if hit is not None and hit.exists():
            try:
                results[rel] = pickle.loads(hit.read_bytes())
                cached += 1
                continue
            except Exception:  # a damaged cache entry is recomputed
                pass
        todo.append((rel, str(path), key if cache_dir else None))
    done = total - len(todo)
    if progress:
        progress(done, total)
    jobs = default_jobs(jobs)
    batch_size = max(1, min(64, len(todo) // (jobs * 4) or 1))
    cache_arg = str(cache_dir) if cache_dir else None
    if todo and engine == "local":
        extract_metadata("同志们：", "同志们：", {}, "杭州")
    for batch_results in run_batches(_clean_batch, _batches(todo, batch_size), (options, cache_arg), jobs, engine,
                                     scheduler, _init_worker, (options.rules_files,)):
        for row, rem in batch_results:
            results[row["source_path"]] = (row, rem)
            done += 1
        if progress:
            progress(done, total)
    documents, removals = _assemble(results)
    paths = write_table(documents, out_dir, "documents", formats)
    paths += write_table(removals, out_dir, "removals", formats)
    if use_cache:
        write_run_manifest(manifest, run_key)
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
