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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from speechkit._version import __version__, code_digest
from speechkit.boilerplate import DATA_FILES as BOILERPLATE_DATA_FILES
from speechkit.boilerplate import RuleTimeout, cut_in_context, load_rules
from speechkit import readers
from speechkit.decode import HTML_SUFFIXES, TEXT_SUFFIXES, DecodeError, read_raw
from speechkit import cache as _cache
from speechkit.cache import entry_path, load_json_entry, store_json_entry
from speechkit.io import open_parquet, read_table
from speechkit.stage import StageJob, StageRun, run_stage
from speechkit.gazetteer import DATA_FILES as GAZETTEER_DATA_FILES
from speechkit.htmlmain import DATA_FILES as HTML_DATA_FILES
from speechkit.htmlmain import rule_descriptions as html_rule_descriptions
from speechkit.htmlmain import DEFAULT_EXTRACTOR, EXTRACTORS, ExtractorError, chrome_decisions, chrome_spans, strip_with_chrome
from speechkit.htmlmeta import page_meta
from speechkit.metadata import extract_metadata
from speechkit.script import DATA_FILES as SCRIPT_DATA_FILES
from speechkit.script import detect_script

if TYPE_CHECKING:  # pandas is imported where a table is built: the whole-run fast path never needs it
    import pandas as pd

__all__ = [
    "DOCUMENT_COLUMNS", "REMOVAL_COLUMNS", "CleanOptions", "CleanReport",
    "discover_files", "scan_raw_dir", "clean_file", "clean_source", "clean_corpus", "explain_file", "RawDirError",
    "FILE_COLUMNS",
]

RAW_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES
DOCUMENT_COLUMNS = [
    "doc_id", "source_path", "title", "text", "date", "year", "province", "city", "district", "level",
    "meeting", "speaker", "speaker_role", "site", "url", "truncated", "declared_chars", "omitted_chars", "redactions",
    "raw_chars", "clean_chars", "encoding", "format", "status", "error", "notes", "script", "raw_text",
]
_DOCUMENT_COLUMN_SET = frozenset(DOCUMENT_COLUMNS)
REMOVAL_COLUMNS = ["doc_id", "rule", "start", "end", "text"]
#: files.parquet: every file (and archive member) below RAW_DIR, read or skipped, with the reason
FILE_COLUMNS = ["path", "action", "reason", "documents", "format", "note"]
CLEAN_TABLES = ("documents", "removals", "files")
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
    text_column: str | None = None  # the column of a table of speeches that holds the text
    include: tuple[str, ...] = ()  # globs: read only matching files (and archive members)
    exclude: tuple[str, ...] = ()  # globs: skip matching files (and archive members)

    @property
    def read_options(self) -> "readers.ReadOptions":
        """The readers' part of these options."""
        return readers.ReadOptions(self.text_column, tuple(self.include), tuple(self.exclude))

    def __post_init__(self) -> None:
        if self.html_extractor not in EXTRACTORS:
            raise ValueError(f"unknown HTML extractor {self.html_extractor!r} (choose one of: {', '.join(EXTRACTORS)})")

    def fingerprint(self) -> str:
        h = hashlib.sha1(f"clean|{__version__}|{code_digest()}|{self.to_simplified}|{self.html_extractor}|reader{readers.READER_VERSION}|"
                         f"{self.text_column}|{self.include}|{self.exclude}".encode())
        from importlib.resources import files

        for name in (*BOILERPLATE_DATA_FILES, "metadata.toml", "redactions.toml", *GAZETTEER_DATA_FILES, *HTML_DATA_FILES,
                     *SCRIPT_DATA_FILES, *readers.DATA_FILES):
            h.update((files("speechkit") / "data" / name).read_bytes())
        for path in self.rules_files:
            h.update(Path(path).read_bytes())
        return h.hexdigest()


class CleanReport:
    """What a clean run did: tables written, counts, errors, cache hits.

    A run that took the whole-run fast path (``skipped_unchanged``) reads its tables only when
    ``documents``, ``removals`` or ``files`` is asked for; ``facts`` (files, ok, errors) and
    ``summary_rows`` (what the CLI prints) come from the record of the run that wrote them.
    """

    def __init__(self, documents: "pd.DataFrame | None" = None, removals: "pd.DataFrame | None" = None,
                 paths: list[Path] | None = None, cached: int = 0, skipped_unchanged: bool = False,
                 files: "pd.DataFrame | None" = None, *, out_dir: Path | None = None, facts: dict | None = None,
                 summary_rows: list | None = None):
        self._documents, self._removals, self._files = documents, removals, files
        self.paths = list(paths or [])
        self.cached, self.skipped_unchanged = cached, skipped_unchanged
        self.out_dir = out_dir
        self._facts, self.summary_rows = facts, summary_rows

    def _read(self, name: str) -> "pd.DataFrame":
        if self.out_dir is None:
            raise ValueError("this report holds no tables")
        return read_table(self.out_dir, name)

    @property
    def documents(self) -> "pd.DataFrame":
        if self._documents is None:
            self._documents = self._read("documents")
        return self._documents

    @property
    def removals(self) -> "pd.DataFrame":
        if self._removals is None:
            self._removals = self._read("removals")
        return self._removals

    @property
    def files(self) -> "pd.DataFrame | None":  # files.parquet: every file read or skipped, with the reason
        if self._files is None and self.out_dir is not None:
            self._files = self._read("files")
        return self._files

    @property
    def facts(self) -> dict[str, int]:
        """``{"files": documents rows, "ok": …, "errors": …}`` (the run record's inputs)."""
        if self._facts is None:
            docs = self.documents
            self._facts = {"files": len(docs), "ok": int((docs["status"] == "ok").sum()),
                           "errors": int((docs["status"] == "error").sum())}
        return self._facts

    @property
    def errors(self) -> "pd.DataFrame":
        return self.documents[self.documents["status"] == "error"][["source_path", "error"]]


def discover_files(raw_dir: Path) -> list[tuple[str, Path | None, str | None]]:
    """Every file below ``raw_dir`` that speechkit reads: ``(relative path, path, problem)``.

    The files :func:`scan_raw_dir` accounts for as skipped are left out; see there.
    """
    return scan_raw_dir(raw_dir)[0]


def scan_raw_dir(raw_dir: Path, out_dir: Path | None = None, options: CleanOptions = CleanOptions()
                 ) -> tuple[list[tuple[str, Path | None, str | None]], list[readers.FileEntry]]:
    """Walk ``raw_dir``: ``(files to read, files skipped)``; every file is in one list or the other.

    Files to read are ``(relative path, path, problem)``: a file that cannot be
    opened is listed with its problem so that it becomes an error row instead
    of vanishing. Skipped files carry their reason: hidden or system file,
    unsupported type, ``--exclude``/``--include``, README*/LICENSE* (excluded by
    default), or the ``out_dir`` folder when it lies inside RAW_DIR (never read
    back as speeches). Walks recursively without following directory symlinks
    (no loops). ``raw_dir`` may also be a single file (``corpus.csv``).
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.exists() and not raw_dir.is_symlink():
        raise RawDirError(f"{raw_dir}: RAW_DIR does not exist")
    ropts = options.read_options
    if not raw_dir.is_dir():
        name = _printable_path(raw_dir.name)
        if not raw_dir.is_file():
            raise RawDirError(f"{raw_dir}: RAW_DIR is not a directory or a regular file")
        if readers.classify(name) is None:
            reason = readers.skip_reason(name, readers.ReadOptions())
            return [], [readers.FileEntry(name, "skipped", reason)]
        return [(name, raw_dir, None)], []
    out_resolved = None
    if out_dir is not None:
        try:
            out_resolved = Path(out_dir).resolve()
        except OSError:
            out_resolved = None
    found: list[tuple[str, Path | None, str | None]] = []
    skipped: list[readers.FileEntry] = []
    walk_errors: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(raw_dir, followlinks=False, onerror=walk_errors.append):
        dirnames.sort()
        kept = []
        for d in dirnames:
            full = Path(dirpath) / d
            rel = _printable_path(full.relative_to(raw_dir).as_posix())
            if out_resolved is not None and full.resolve() == out_resolved:
                skipped.append(readers.FileEntry(rel + "/", "skipped", "the --out folder inside RAW_DIR (speechkit's own output)"))
            elif d.startswith("."):
                skipped.append(readers.FileEntry(rel + "/", "skipped", "hidden or system file"))
            elif any(readers._glob_match(rel, pat) for pat in ropts.exclude):
                pat = next(p for p in ropts.exclude if readers._glob_match(rel, p))
                skipped.append(readers.FileEntry(rel + "/", "skipped", f"--exclude {pat}"))
            else:
                kept.append(d)
        dirnames[:] = kept
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = _printable_path(path.relative_to(raw_dir).as_posix())
            reason = readers.skip_reason(rel, ropts)
            if reason:
                skipped.append(readers.FileEntry(rel, "skipped", reason))
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
                    skipped.append(readers.FileEntry(rel + "/", "skipped", "link to a folder (not followed)"))
                    continue
                if not stat.S_ISREG(mode):  # a FIFO or device would block or never end
                    problem = f"not a regular file ({_FILE_KINDS.get(stat.S_IFMT(mode), 'special file')})"
                elif not os.access(path, os.R_OK):
                    problem = "permission denied: the file cannot be read"
            found.append((rel, path, problem))
    for err in walk_errors:
        rel = _printable_path(Path(err.filename).relative_to(raw_dir).as_posix()) if err.filename else str(err)
        found.append((rel + "/", None, f"cannot list directory: {err.strerror}"))
    return found, skipped


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
    row: dict[str, Any] = {c: None for c in DOCUMENT_COLUMNS}
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
    result then come from the same bytes). For a file holding several documents (a table of
    speeches, an archive) this is the first one; :func:`clean_source` gives them all.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_text("当前位置:首页 > 讲话\\n同志们:今天召开2024年全市妇女儿童工作会议。\\n评论0", encoding="gb18030")
    >>> row, removals = clean_file(p, "a.txt")
    >>> row["text"], row["year"], row["encoding"], [r["rule"] for r in removals][:2]
    ('同志们:今天召开2024年全市妇女儿童工作会议。', 2024, 'gb18030', ['breadcrumb', 'whitespace'])
    """
    return clean_source(path, rel, options, rules, data)[0][0]


def clean_source(path: Path, rel: str, options: CleanOptions = CleanOptions(), rules=None,
                 data: bytes | None = None) -> tuple[list[tuple[dict, list[dict]]], list[readers.FileEntry]]:
    """Clean every document one raw file holds: ``([(documents row, removal rows)…], file entries)``.

    A plain file gives one document; a table of speeches one per row (``corpus.csv#3``);
    an archive one per member (``archive.zip/武侯区/2023.txt``). Never raises for bad input.
    """
    if data is None:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            message = f"cannot read file: {exc.strerror or exc}"
            return [(_error_row(rel, message), [])], [readers.FileEntry(rel, "error", message)]
    if rules is None:
        rules = load_rules([Path(p) for p in options.rules_files])
    docs, entries = readers.read_source(data, rel, options.read_options)
    return [_clean_doc(doc, options, rules) for doc in docs], entries


def _simplified_doc(doc: "readers.ReadDoc") -> tuple[str, list[tuple[int, int, str]]]:
    """OpenCC conversion piece by piece, so that the reader's cuts keep their place."""
    if not doc.cuts:
        return _to_simplified(doc.text), []
    pieces, pos = [], 0
    for start, end, rule in sorted(doc.cuts):
        if start > pos:
            pieces.append((doc.text[pos:start], None))
        pieces.append((doc.text[start:end], rule))
        pos = end
    pieces.append((doc.text[pos:], None))
    text: list[str] = []
    cuts: list[tuple[int, int, str]] = []
    at = 0
    for piece, rule in pieces:
        converted = _to_simplified(piece) if piece else piece
        if rule:
            cuts.append((at, at + len(converted), rule))
        text.append(converted)
        at += len(converted)
    return "".join(text), cuts


def _column_name(name: str) -> str:
    """A table column as a documents.parquet column: pipeline and comparison names get a ``var_`` prefix."""
    from speechkit.compare import _RESERVED_NAMES

    if name in DOCUMENT_COLUMNS or name in _RESERVED_NAMES or name in FILE_COLUMNS and name == "path":
        return "var_" + name
    return name


def _apply_variables(row: dict, variables: dict) -> None:
    """Carry a table row's columns into the documents row; a column naming a document variable wins."""
    from speechkit.metadata import normalise_date

    aliases = readers._config()["tables"]["aliases"]
    by_name = {a.lower(): fld for fld, names in aliases.items() for a in names}
    overridden = []
    for name, value in variables.items():
        fld = by_name.get(name.lower().strip())
        if fld is not None and value is not None:
            if fld == "year":
                import re as _re

                m = _re.search(r"(1[89]\d\d|20\d\d)", value)
                if m:
                    row["year"] = int(m.group(1))
                    overridden.append(fld)
            elif fld == "date":
                row["date"] = normalise_date(value) or value
                overridden.append(fld)
            elif fld in ("province", "city", "district"):
                detected = row.get(fld) or ""
                # 三亚 names 三亚市: keep the gazetteer's full official name when it is the same place
                if not (detected and (detected.startswith(value) or value.startswith(detected[:-1] or detected))):
                    row[fld] = value
                overridden.append(fld)
            else:
                row[fld] = value
                overridden.append(fld)
        if name.lower().strip() != (fld or "") or name not in DOCUMENT_COLUMNS:
            row[_column_name(name)] = value
    if overridden:
        note = "from the table: " + ", ".join(dict.fromkeys(overridden))
        row["notes"] = "; ".join(filter(None, [row.get("notes"), note]))


def _text_id(text: str, block: int = 1 << 20) -> str:
    """``sha1`` of the UTF-8 of ``text``, first 16 hex digits (a doc_id), encoded a block at a time
    (a huge page is never copied whole as bytes).

    >>> _text_id("同志们：") == hashlib.sha1("同志们：".encode()).hexdigest()[:16] == _text_id("同志们：", block=1)
    True
    """
    h = hashlib.sha1()
    for a in range(0, len(text), block):
        h.update(text[a:a + block].encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:16]


def _clean_doc(doc: "readers.ReadDoc", options: CleanOptions, rules) -> tuple[dict, list[dict]]:
    """Clean one document read by a reader: ``(documents row, removal rows)``."""
    rel = doc.source_path
    if doc.error:
        row = _error_row(rel, doc.error)
        if doc.format and doc.format not in ("text", "txt"):
            row["format"] = doc.format
        for name, value in doc.variables.items():
            row[_column_name(name)] = value
        return row, []
    script = detect_script(doc.text)  # the script the document is written in, before any conversion
    if options.to_simplified:
        raw, cuts = _simplified_doc(doc)
    else:
        raw, cuts = doc.text, list(doc.cuts)
    doc_id = _text_id(raw)
    label = doc.label
    if doc.variables:
        aliases = readers._config()["tables"]["aliases"]
        places = {a.lower() for f in ("province", "city", "district", "year") for a in aliases[f]}
        named = [v for k, v in doc.variables.items() if k.lower().strip() in places and v]
        label = " ".join(named) if named else label
    try:
        spans, hints = [(s, e, r) for s, e, r in cuts], dict(doc.hints)
        if doc.dom is not None:
            decisions = chrome_decisions(doc.dom, doc.markup, options.html_extractor)
            hints.update(page_meta(doc.dom, [d is None for d in decisions]))
            if len(raw) == len(doc.text):  # t2s keeps offsets; if it did not, the rules alone decide
                spans += chrome_spans(doc.dom, decisions=decisions)
        result = strip_with_chrome(raw, spans, rules, title=hints.get("title") or hints.get("h1"))
        repeated = next((r.text for r in result.removals if r.rule == "title_repeat" and r.text.strip()), None)
        # the reader's cuts (a Word header, a PDF's running header) say nothing about the speech:
        # metadata reads the document without them, and the cleaner's cuts in its offsets
        body, removals = _without_cuts(raw, cuts, result.removals)
        meta = extract_metadata(body, result.text, hints, label, removed_title=repeated, removals=removals)
    except (ExtractorError, RuleTimeout) as exc:
        return _error_row(rel, str(exc)), []
    except Exception as exc:  # noqa: BLE001 — a bug met on one odd page must not stop the whole run
        message = f"internal error while cleaning (please report): {type(exc).__name__}: {exc}"
        return _error_row(rel, message), []
    row = {c: None for c in DOCUMENT_COLUMNS}
    row.update(doc_id=doc_id, source_path=rel, text=result.text, raw_text=raw, raw_chars=len(raw),
               clean_chars=len(result.text), encoding=doc.encoding, format=doc.format, status="ok", error=None,
               script=script)
    if not result.text.strip():
        row.update(status="error", error="nothing left after removing boilerplate (the page is only site chrome)")
    row.update(meta.as_dict())
    converted = [f"written in {script} script; converted to Simplified (--to-simplified)"] \
        if options.to_simplified and script in ("traditional", "mixed") else []
    notes = list(doc.notes) + converted + ([row["notes"]] if row.get("notes") else [])
    if doc.created and not row.get("date"):
        row["date"] = doc.created
        if row.get("year") is None:
            row["year"] = int(doc.created[:4])
        notes.append("date from the file's properties (created)")
    row["notes"] = "; ".join(notes) or None
    if doc.variables:
        _apply_variables(row, doc.variables)
    removal_rows = [{"doc_id": doc_id, "rule": r.rule, "start": r.start, "end": r.end, "text": r.text} for r in result.removals]
    return row, removal_rows


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
    info: dict[str, Any] = {"source_path": str(path), "status": "ok", "error": None, "encoding": None, "format": None, "script": None,
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


def _without_cuts(raw: str, cuts: list[tuple[int, int, str]], removals) -> tuple[str, list[tuple[str, int, str]]]:
    """``raw`` without the reader's ``cuts``, and the other removals as ``(rule, start, text)`` in its offsets."""
    if not cuts:
        return raw, [(r.rule, r.start, r.text) for r in removals]
    segments = _kept_segments(len(raw), cuts)
    body = "".join(raw[s:e] for s, e in segments)
    starts, at = [], 0
    for s, e in segments:
        starts.append(at)
        at += e - s
    cut_rules = {rule for _, _, rule in cuts}
    mapped = []
    for r in removals:
        if r.rule in cut_rules:
            continue
        for (s, e), offset in zip(segments, starts):
            if s <= r.start < e:
                mapped.append((r.rule, offset + r.start - s, r.text))
                break
    return body, mapped


def _kept_segments(length: int, cuts: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    segments, pos = [], 0
    for start, end, _ in sorted(cuts):
        if start > pos:
            segments.append((pos, start))
        pos = max(pos, end)
    if pos < length:
        segments.append((pos, length))
    return segments


# --- worker side ----------------------------------------------------------------

_WORKER_RULES = None


def _init_worker(rules_files: tuple[str, ...]) -> None:
    global _WORKER_RULES
    _WORKER_RULES = load_rules([Path(p) for p in rules_files])


def _clean_batch(index: int, batch: list[tuple[str, str, bool]], options: CleanOptions, cache_dir: str | None
                 ) -> list[tuple[str, list[tuple[dict, list[dict]]], list[dict]]]:
    """Clean batch ``index`` of source files: ``[(rel, [(row, removals)…], file entries)]``."""
    rules = _WORKER_RULES if _WORKER_RULES is not None else load_rules([Path(p) for p in options.rules_files])
    settings = options.fingerprint() if cache_dir else ""
    out: list[tuple[str, list[tuple[dict, list[dict]]], list[dict]]] = []
    for rel, path, note_outside in batch:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            message = f"cannot read file: {exc.strerror or exc}"
            out.append((rel, [(_error_row(rel, message), [])], [readers.FileEntry(rel, "error", message).as_dict()]))
            continue
        # keyed by the very bytes that were cleaned (a file replaced mid-run cannot mix); a source whose
        # entry would exceed the cap (its text alone is as large as its bytes) is not cached at all
        key = _bytes_key(data, settings + "|" + rel) if cache_dir and len(data) <= _cache.MAX_ENTRY_BYTES else None
        read, entries = readers.read_source(data, rel, options.read_options)  # what clean_source does, but
        del data  # the bytes go as soon as they are decoded: a huge page is not held twice while it is cleaned
        docs = [_clean_doc(doc, options, rules) for doc in read]
        del read
        if note_outside:
            for row, _ in docs:
                row["notes"] = "; ".join(filter(None, [row.get("notes"), _OUTSIDE_NOTE]))
        entry_rows = [e.as_dict() for e in entries]
        if key is not None and cache_dir:
            store_json_entry(entry_path(Path(cache_dir), key, ".json"),
                             {"docs": [{"row": row, "removals": rem} for row, rem in docs], "files": entry_rows})
        out.append((rel, docs, entry_rows))
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


def _cached_result(path: Path) -> tuple[list[tuple[dict, list[dict]]], list[dict]] | None:
    """A cached source: ``([(row, removals)…], file entries)``, or None when absent, damaged or foreign."""
    entry = load_json_entry(path)
    if not isinstance(entry, dict) or not isinstance(entry.get("docs"), list) or not isinstance(entry.get("files"), list):
        return None
    docs = []
    for item in entry["docs"]:
        row, removals = item.get("row") if isinstance(item, dict) else None, item.get("removals") if isinstance(item, dict) else None
        # a documents row has every pipeline column (and may carry a table's columns besides)
        if not isinstance(row, dict) or not _DOCUMENT_COLUMN_SET <= set(row) or not isinstance(removals, list):
            return None  # damaged or written by another version
        if not all(isinstance(r, dict) and set(r) == set(REMOVAL_COLUMNS) for r in removals):
            return None
        docs.append((row, removals))
    if not docs or not all(isinstance(e, dict) and set(e) == set(FILE_COLUMNS) for e in entry["files"]):
        return None
    return docs, entry["files"]


def _outside(path: Path, raw_dir: Path) -> bool:
    """A symbolic link whose target lies outside RAW_DIR."""
    if not path.is_symlink():
        return False
    try:
        path.resolve().relative_to(raw_dir.resolve())
        return False
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop
        return True


class _CleanJob(StageJob):
    """The clean stage as :func:`speechkit.stage.run_stage` runs it: the items are the files below
    RAW_DIR; a file with a usable cache entry (keyed by its bytes and the settings), or one that
    cannot be read, is taken by this process, the others are cleaned by workers (:func:`_clean_batch`)."""

    stage = "clean"
    tables = CLEAN_TABLES
    batch_cap = 64

    def __init__(self, raw_dir: Path, out_dir: Path, options: CleanOptions, formats: tuple[str, ...]):
        self.raw_dir, self.out_dir, self.options = raw_dir, out_dir, options
        self.files, skipped = scan_raw_dir(raw_dir, out_dir, options)
        if not self.files:
            reasons = _reason_counts(skipped)
            detail = f"; skipped {len(skipped)}: " + ", ".join(f"{n} × {r}" for r, n in reasons) if skipped else ""
            raise RawDirError(f"{raw_dir}: no speech files found below RAW_DIR{detail}")
        self.skipped_rows = [e.as_dict() for e in skipped]
        settings = options.fingerprint()
        self.keys = {rel: None if problem or path is None else _file_key(path, settings + "|" + rel)
                     for rel, path, problem in self.files}
        # the whole-run key: same files, same settings (and the same files skipped)
        self.key = hashlib.sha1(repr((settings, formats, [(rel, k) for rel, k in sorted(self.keys.items())],
                                      sorted((e["path"], e["reason"]) for e in self.skipped_rows))).encode()).hexdigest()
        self.results: dict[str, tuple[list[tuple[dict, list[dict]]], list[dict]]] = {}
        self.local: dict[int, tuple[list[tuple[dict, list[dict]]], list[dict]]] = {}  # position → error row taken here
        self.entries: dict[int, Path] = {}  # position → cache entry read here
        self.cache_arg: str | None = None
        self.cached = 0
        self.rules_ready = False  # this run's rules compiled in this process (_WORKER_RULES)

    def check_tables(self, out_dir: Path) -> object:
        return [open_parquet(out_dir / f"{t}.parquet").metadata for t in CLEAN_TABLES]

    def from_cache(self, saved: dict, read: object) -> tuple["CleanReport", int]:
        """The tables are read only if the caller asks for them (a footer check is all it takes)."""
        facts, rows = saved.get("facts"), saved.get("summary")
        report = CleanReport(None, None, [], sum(k is not None for k in self.keys.values()), skipped_unchanged=True,
                             out_dir=self.out_dir, facts=facts if isinstance(facts, dict) else None,
                             summary_rows=rows if isinstance(rows, list) else None)
        return report, len(self.files)

    def plan(self, run: StageRun) -> list[bool]:
        """A file with a cache entry, or one that cannot be read (an error row), is taken here; the
        entries are read while the workers clean the other files (:meth:`take_local`)."""
        self.cache_arg = run.cache_arg
        for position, (rel, path, problem) in enumerate(self.files):
            if problem or self.keys[rel] is None or path is None:
                message = problem or "cannot read file"
                self.local[position] = ([(_error_row(rel, message), [])], [readers.FileEntry(rel, "error", message).as_dict()])
                continue
            entry = run.entry(self.keys[rel], ".json")
            if entry is not None and entry.is_file():
                self.entries[position] = entry
        return [position not in self.local and position not in self.entries for position in range(len(self.files))]

    def items(self) -> Iterator[tuple[str, str | None, bool]]:
        for rel, path, problem in self.files:
            if path is None or problem:
                yield rel, None, False  # an error row, taken here
            else:
                yield rel, str(path), _outside(path, self.raw_dir)

    def prepare(self, run: StageRun, *, todo: int, many: bool, engine: str) -> None:
        if todo:  # compile the rules here, before any worker starts: a bad --rules file is one clear error
            self._compile_rules()  # for the user, and forked workers inherit the compiled rules
        if many and engine == "local":  # warm up here: forked workers inherit the loaded gazetteer (a few
            extract_metadata("同志们：", "同志们：", {}, "杭州")  # files: one worker loads it while this process reads entries)

    def _compile_rules(self) -> None:
        """This run's rules, compiled once in this process (:data:`_WORKER_RULES`)."""
        if not self.rules_ready:
            _init_worker(self.options.rules_files)
            self.rules_ready = True

    def worker(self) -> Callable:
        return _clean_batch

    def worker_args(self, run: StageRun, parts_dir: Path) -> tuple:
        return self.options, run.cache_arg

    def worker_init(self) -> tuple[Callable | None, tuple]:
        return _init_worker, (self.options.rules_files,)

    def take_batch(self, first: int, result: list) -> int:
        for rel, docs, entries in result:
            self.results[rel] = (docs, entries)
        return len(result)

    def _take_cached(self, position: int) -> bool:
        """The file at ``position`` taken from its cache entry; False when it has none or it is damaged
        or of another version (the entry is then left for :meth:`take_local` to deal with)."""
        hit = _cached_result(self.entries[position]) if position in self.entries else None
        if hit is None:
            return False
        del self.entries[position]
        self.cached += 1
        self.results[self.files[position][0]] = hit
        return True

    def read_ahead(self, first: int, length: int) -> bool:
        """The cached files of a run read from their entries before its turn (the results are keyed by
        file, so the order they are read in does not matter); a damaged entry is left to :meth:`take_local`."""
        for position in range(first, first + length):
            self._take_cached(position)
        return True

    def take_local(self, first: int, items: list) -> int:
        """Error rows, and cached files read from their entries (unless read ahead); an entry that turns
        out damaged or of another version is cleaned again here (and stored again)."""
        for i, item in enumerate(items):
            position, rel = first + i, item[0]
            if rel in self.results:  # read ahead
                continue
            if position in self.local:
                self.results[rel] = self.local.pop(position)
                continue
            if not self._take_cached(position):
                self._compile_rules()  # _WORKER_RULES may still be an earlier run's (other --rules files)
                ((_, docs, entries),) = _clean_batch(position, [item], self.options, self.cache_arg)
                self.results[rel] = (docs, entries)
        return len(items)

    def publish(self, run: StageRun) -> tuple["CleanReport", dict]:
        file_table = _file_table([e for rel in sorted(self.results) for e in self.results[rel][1]] + self.skipped_rows)
        documents, removals = _assemble(self.results)  # empties results: the rows live on only in the two tables
        # removals and files first, documents last: a run killed in between leaves tables of two runs,
        # which readers detect by their run ids (documents is what every later stage keys on)
        paths = run.write(removals, "removals")
        paths += run.write(file_table, "files")
        paths = run.write(documents, "documents") + paths
        from speechkit.summaries import clean_summary_rows

        report = CleanReport(documents, removals, paths, self.cached, files=file_table,
                             summary_rows=clean_summary_rows(documents, removals, file_table, self.options.to_simplified))
        return report, dict(facts=report.facts, summary=report.summary_rows)  # what a fast path reports, without the tables


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
    :func:`speechkit.stage.run_stage`, which runs the stage. Raises :class:`RawDirError`
    when RAW_DIR is missing or holds no speech files; bad single files become
    error rows. Every file below RAW_DIR is a row of ``files.parquet`` (read, error
    or skipped with the reason); ``raw_dir`` may also be one file (``corpus.csv``).
    """
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    job = _CleanJob(raw_dir, out_dir, options, formats)
    return run_stage(job, out_dir=out_dir, jobs=jobs, engine=engine, scheduler=scheduler, use_cache=use_cache,
                     formats=formats, progress=progress)


def _reason_counts(entries) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for e in entries:
        reason = (e.reason if isinstance(e, readers.FileEntry) else e["reason"]) or ""
        counts[reason] = counts.get(reason, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _file_table(entries: list[dict]) -> "pd.DataFrame":
    import pandas as pd

    table = pd.DataFrame(entries, columns=FILE_COLUMNS)
    table["documents"] = table["documents"].fillna(0).astype("int64")
    return table.sort_values("path", kind="stable").reset_index(drop=True)


def _assemble(results: dict[str, tuple[list[tuple[dict, list[dict]]], list[dict]]]) -> tuple["pd.DataFrame", "pd.DataFrame"]:
    """The documents and removals tables of the cleaned sources, in path order. Takes the rows out
    of ``results`` (left empty): once the tables are built, their Python rows are freed (a huge
    page is not held as Python text beside the table's copy while it is written)."""
    import pandas as pd

    rows, removal_rows = [], []
    seen: dict[str, int] = {}  # doc_id -> how many documents had it so far
    extra: dict[str, None] = {}
    for rel in sorted(results):
        for row, rem in results.pop(rel)[0]:
            row = dict(row)
            doc_id = row["doc_id"]
            if doc_id in seen:  # identical content under two paths: keep both, distinct ids
                seen[doc_id] += 1
                new_id = f"{doc_id}-{seen[doc_id]}"
                rem = [dict(r, doc_id=new_id) for r in rem]
                row["doc_id"] = new_id
            else:
                seen[doc_id] = 1
            for col in row:
                if col not in extra and col not in _DOCUMENT_COLUMN_SET:
                    extra[col] = None
            rows.append(row)
            removal_rows.extend(rem)
    # columns of tables of speeches (document variables) come after the pipeline's columns
    documents = pd.DataFrame(rows, columns=DOCUMENT_COLUMNS + list(extra))
    del rows
    for col, dtype in _DTYPES.items():
        documents[col] = documents[col].astype(dtype)
    removals = pd.DataFrame(removal_rows, columns=REMOVAL_COLUMNS)
    del removal_rows
    removals["start"] = removals["start"].astype("int64")
    removals["end"] = removals["end"].astype("int64")
    return documents, removals
