"""The run record: ``OUT/run.json``, what produced an output folder.

A methods section has to cite its settings. Every stage that writes into a
folder (``clean``, ``analyze``, ``compare``, ``report``, ``export``) adds its
entry to ``run.json`` there:

- ``speechkit_version`` and the Python/pandas/pyarrow versions;
- per stage: the command line, every option (after defaults were applied),
  the SHA-256 of every bundled data file (rules, dictionaries, stopwords,
  theme lexicon, outline and target patterns …) and of every user file given
  (``--rules``, ``--user-dict``, ``--stopwords``, ``--themes``, ``--meta``),
  input counts (files, documents, errors …) and when it finished.

For the integrity checks (:mod:`speechkit.integrity`): ``run_id`` (the run of the documents
table) and ``tables`` (table name → ``{"rows": n, "bytes": …, "sha256": …, "run_id": …, "stage": …}``,
filled by :func:`table_summary`). The file is
written atomically (:func:`speechkit.io.atomic_write_text`); a damaged or
foreign ``run.json`` is replaced, never trusted.

>>> record = stage_entry("clean", options={"to_simplified": False}, inputs={"files": 14},
...                      command=["speechkit", "clean", "data/raw"])
>>> record["options"]["to_simplified"], record["inputs"]["files"], record["command_line"]
(False, 14, 'speechkit clean data/raw')
"""
from __future__ import annotations

import hashlib
import json
import platform
import shlex
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

from speechkit._version import __version__
from speechkit.io import atomic_write_text

__all__ = [
    "RUN_RECORD", "SCHEMA_VERSION", "data_file_hashes", "user_file_hashes", "stage_entry",
    "read_run_record", "update_run_record", "table_summary", "record_lines",
]

RUN_RECORD = "run.json"
SCHEMA_VERSION = 1
#: The order stages are shown in (report header, workbook sheet).
STAGE_ORDER = ("clean", "analyze", "compare", "report", "export")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def data_file_hashes() -> dict[str, str]:
    """SHA-256 of every bundled data file (``speechkit/data/*``: rules, dictionaries, lexicons), by name.

    All of them are listed, not a hand-picked subset, so that the record can never miss a file
    a stage came to read.
    """
    root = resources.files("speechkit") / "data"
    out: dict[str, str] = {}

    def walk(node, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            name = f"{prefix}{child.name}"
            if child.is_dir():
                walk(child, name + "/")
            elif not child.name.startswith(".") and child.name != "__init__.py":
                out[name] = _sha256(child.read_bytes())

    walk(root, "")
    return out


def user_file_hashes(paths: Mapping[str, str | Path | Sequence[str | Path] | None]) -> dict[str, list[dict[str, str]]]:
    """``{option: [{"path": …, "sha256": …}, …]}`` for user-supplied files; unreadable ones get ``"error"``.

    >>> user_file_hashes({"--rules": None})
    {}
    """
    out: dict[str, list[dict[str, str]]] = {}
    for option, value in paths.items():
        if value is None or value == () or value == []:
            continue
        items = [value] if isinstance(value, (str, Path)) else list(value)
        rows = []
        for item in items:
            path = Path(item)
            try:
                rows.append({"path": str(path.resolve()), "sha256": _sha256(path.read_bytes())})
            except OSError as exc:
                rows.append({"path": str(path), "error": exc.strerror or str(exc)})
        out[option] = rows
    return out


def _plain(value: Any) -> Any:
    """Options as JSON: paths as strings, tuples as lists, numpy scalars as Python numbers."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            return value.item()
        except (TypeError, ValueError):
            pass
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def stage_entry(
    stage: str,
    options: Mapping[str, Any] | None = None,
    inputs: Mapping[str, Any] | None = None,
    user_files: Mapping[str, str | Path | Sequence[str | Path] | None] | None = None,
    command: Sequence[str] | None = None,
    source: str | Path | None = None,
) -> dict[str, Any]:
    """One stage's entry of the run record (see the module doc).

    ``command`` is the command line (the CLI passes ``sys.argv``); a library call without one
    is recorded as ``"(Python API) speechkit.<stage>"``.
    """
    if command is None:
        command_line = f"(Python API) speechkit {stage}"
    else:
        argv = list(command)
        if argv and not isinstance(command, str):
            name = Path(str(argv[0])).name
            # `python -m speechkit.cli …` (a notebook, make) is the same command as `speechkit …`
            argv[0] = "speechkit" if name in ("cli.py", "__main__.py", "-m") else name
        command_line = command if isinstance(command, str) else shlex.join(str(a) for a in argv)
    return {
        "stage": stage,
        "finished": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
        "command_line": command_line,
        "source": str(Path(source).resolve()) if source is not None else None,
        "options": _plain(dict(options or {})),
        "user_files": user_file_hashes(user_files or {}),
        "inputs": _plain(dict(inputs or {})),
    }


def read_run_record(folder: str | Path) -> dict[str, Any]:
    """The run record of ``folder`` (``{}`` when there is none or it is not a speechkit record)."""
    path = Path(folder) / RUN_RECORD
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(record, dict) or record.get("tool") != "speechkit" or not isinstance(record.get("stages"), dict):
        return {}
    return record


def _versions() -> dict[str, str]:
    versions = {"speechkit": __version__, "python": platform.python_version()}
    for module in ("pandas", "pyarrow", "jieba", "rjieba"):
        mod = sys.modules.get(module)
        if mod is not None and getattr(mod, "__version__", None):
            versions[module] = str(mod.__version__)
        elif module in ("pandas", "pyarrow"):  # the tables' libraries, also when a fast path never imported them
            from importlib import metadata

            try:
                versions[module] = metadata.version(module)
            except metadata.PackageNotFoundError:
                pass
    return versions


def update_run_record(
    folder: str | Path,
    entry: Mapping[str, Any],
    tables: Mapping[str, Mapping[str, Any]] | None = None,
    inherit: str | Path | None = None,
) -> Path:
    """Add (or replace) ``entry``'s stage in ``folder/run.json`` and write it atomically.

    A new ``clean`` starts a new record (the later stages' entries described the previous
    tables). ``inherit`` copies the stages of another folder's record first (a report or an
    export folder carries the record of the tables it was built from). ``tables`` (see
    :func:`table_summary`) replaces the per-table summaries this stage recorded before, each
    marked with the stage. Returns the path written.
    """
    folder = Path(folder)
    record = read_run_record(folder)
    if inherit is not None:
        parent = read_run_record(inherit)
        stages = dict(parent.get("stages", {}))
        stages.update({k: v for k, v in record.get("stages", {}).items() if k not in stages})
        record = {**parent, **{k: v for k, v in record.items() if k != "stages"}, "stages": stages}
    if entry.get("stage") == "clean":
        record = {}
    stages = dict(record.get("stages", {}))
    stages[str(entry["stage"])] = dict(entry)
    ordered = {k: stages[k] for k in STAGE_ORDER if k in stages}
    ordered.update({k: v for k, v in stages.items() if k not in ordered})
    # the tables this stage wrote replace the ones its previous run recorded (a table it no longer
    # writes, e.g. of a step since unregistered, leaves the record)
    stage = str(entry["stage"])
    merged_tables = {k: v for k, v in record.get("tables", {}).items()
                     if not (tables is not None and isinstance(v, dict) and v.get("stage") == stage)}
    merged_tables.update({k: {**dict(v), "stage": stage} for k, v in (tables or {}).items()})
    out = {
        "tool": "speechkit",
        "schema": SCHEMA_VERSION,
        "speechkit_version": __version__,
        "versions": _versions(),
        # the run of the documents table: the id every table of this folder's run carries
        "run_id": (merged_tables.get("documents") or {}).get("run_id", record.get("run_id")),
        "data_files": data_file_hashes(),
        "stages": ordered,
        "tables": merged_tables,
    }
    return atomic_write_text(folder / RUN_RECORD, json.dumps(out, ensure_ascii=False, indent=2) + "\n")


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def table_summary(folder: str | Path, names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``{name: {"rows": n, "bytes": size, "mtime_ns": …, "sha256": …, "run_id": …}}`` for the
    Parquet tables ``names`` present in ``folder``.

    Row counts and run ids (``run_id``, ``input_run``: see :mod:`speechkit.integrity`) come from the
    Parquet footers; ``sha256`` is the hash of the file (``sha256sum TABLE.parquet`` shows the same),
    so a table handed over can be checked against the record. A table that is still the very file
    the folder's record describes (same size, time and run id) keeps its recorded hash instead of
    being read again (a run served from the cache costs no hashing).
    """
    import pyarrow.parquet as pq

    from speechkit.io import table_run

    previous = read_run_record(folder).get("tables", {})
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        path = Path(folder) / f"{name}.parquet"
        try:
            st = path.stat()
            entry = {"rows": int(pq.ParquetFile(path).metadata.num_rows), "bytes": st.st_size,
                     "mtime_ns": st.st_mtime_ns, **table_run(path)}
            known = previous.get(name) if isinstance(previous, dict) else None
            same = isinstance(known, dict) and all(known.get(k) == entry.get(k) for k in ("bytes", "mtime_ns", "run_id"))
            entry["sha256"] = known["sha256"] if same and isinstance(known, dict) and known.get("sha256") else _file_sha256(path)
            out[name] = entry
        except Exception:  # noqa: BLE001 - a missing or damaged table is simply not summarised
            continue
    return out


_OPTION_SKIP = {"progress"}


def record_lines(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(label, text)`` lines describing a run record, for the report header and the workbook.

    >>> rec = {"speechkit_version": "0.1.0", "stages": {"clean": {"command_line": "speechkit clean raw",
    ...        "options": {"to_simplified": False}, "inputs": {"files": 3}, "user_files": {}}}}
    >>> record_lines(rec)[:2]
    [('speechkit 版本', '0.1.0'), ('clean 命令', 'speechkit clean raw')]
    """
    lines: list[tuple[str, str]] = []
    if not record:
        return lines
    lines.append(("speechkit 版本", str(record.get("speechkit_version", ""))))
    for stage, entry in record.get("stages", {}).items():
        lines.append((f"{stage} 命令", str(entry.get("command_line", ""))))
        options = {k: v for k, v in (entry.get("options") or {}).items() if k not in _OPTION_SKIP}
        if options:
            lines.append((f"{stage} 选项", "; ".join(f"{k}={json.dumps(v, ensure_ascii=False)}"
                                                     for k, v in options.items())))
        inputs = entry.get("inputs") or {}
        if inputs:
            lines.append((f"{stage} 输入", "; ".join(f"{k}={v}" for k, v in inputs.items())))
        for option, files in (entry.get("user_files") or {}).items():
            for item in files:
                lines.append((f"{stage} {option}", f"{item.get('path')} sha256:{str(item.get('sha256', item.get('error', '')))[:12]}"))
    files = record.get("data_files") or {}
    if files:
        lines.append(("内置数据文件", "; ".join(f"{name} {digest[:12]}" for name, digest in files.items())))
    return lines
